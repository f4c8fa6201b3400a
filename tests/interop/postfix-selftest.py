#!/usr/bin/python3
"""Self-test of postfix-ctl.sh (not of smtpc): start a throw-away Postfix,
talk to it with Python's smtplib and check what the harness promises.

    /usr/bin/python3 tests/interop/postfix-selftest.py [--keep]

Exit 0 on success, 1 on failure, 77 when postfix-ctl.sh says it cannot run
here (Postfix not installed, not root).
"""
import email
import email.policy
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
CTL = os.path.join(HERE, "postfix-ctl.sh")

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            if v[:1] == "'" and v[-1:] == "'":
                v = v[1:-1].replace("'\\''", "'")
            env[k] = v
    return env


def body_for(tag):
    # a leading dot (dot-stuffing), a long-ish line, an empty line
    return ("Hello from %s\r\n"
            ".a line starting with a dot\r\n"
            "\r\n"
            "%s\r\n"
            "last line\r\n") % (tag, "x" * 900)


def message(sender, rcpt, tag):
    return ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s@selftest>\r\n\r\n"
            % (sender, rcpt, tag, tag)) + body_for(tag)


def maildir_messages(maildir):
    out = {}
    new = os.path.join(maildir, "new")
    for name in os.listdir(new):
        with open(os.path.join(new, name), "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.compat32)
        out[msg["Subject"]] = msg
    return out


def wait_delivery(d, n, timeout=20):
    return subprocess.run([CTL, "wait-delivery", d, str(n), str(timeout)]).returncode == 0


def port_open(host, port):
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def instance_processes(queue_dir):
    pids = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            if os.readlink("/proc/%s/cwd" % p) == queue_dir:
                pids.append(int(p))
        except OSError:
            pass
    return pids


def snapshot(paths):
    snap = {}
    for top in paths:
        for root, dirs, files in os.walk(top):
            for name in dirs + files:
                p = os.path.join(root, name)
                st = os.lstat(p)
                data = b""
                if os.path.isfile(p) and not os.path.islink(p):
                    with open(p, "rb") as f:
                        data = f.read()
                snap[p] = (st.st_mode, st.st_uid, st.st_gid, st.st_mtime_ns, data)
    return snap


def run_once(round_no, keep):
    d = tempfile.mkdtemp(prefix="smtpc-postfix-")
    t0 = time.monotonic()
    r = subprocess.run([CTL, "start", d], stdout=subprocess.PIPE, text=True)
    t_start = time.monotonic() - t0
    if r.returncode == 77:
        sys.exit(77)
    check(r.returncode == 0, "round %d: start (%.3f s)" % (round_no, t_start))
    if r.returncode != 0:
        return
    env = read_env(os.path.join(d, "env"))
    check(r.stdout == open(os.path.join(d, "env")).read(), "stdout equals DIR/env")
    for k in ("POSTFIX_PLAIN_PORT", "POSTFIX_SUBMIT_PORT", "POSTFIX_MAILDIR", "POSTFIX_USER",
              "POSTFIX_PASS", "POSTFIX_DOMAIN", "POSTFIX_CONFIG_DIR"):
        check(bool(env.get(k)), "env has %s" % k)
    plain, submit = int(env["POSTFIX_PLAIN_PORT"]), int(env["POSTFIX_SUBMIT_PORT"])
    user, password, domain = env["POSTFIX_USER"], env["POSTFIX_PASS"], env["POSTFIX_DOMAIN"]
    maildir = env["POSTFIX_MAILDIR"]
    hosts = ["127.0.0.1"] + (["::1"] if env.get("POSTFIX_IPV6") == "1" else [])
    if "::1" not in hosts:
        print("skip IPv6: the instance runs IPv4 only (POSTFIX_IPV6=0)")
    sender = "sender@example.org"
    expected = {}

    def send(host, port, tag, rcpt=None, auth=None, initial=True):
        rcpt = rcpt or "anyone@%s" % domain
        with smtplib.SMTP(host, port, local_hostname="selftest.localhost", timeout=10) as s:
            s.ehlo()
            if auth:
                s.user, s.password = auth[1], auth[2]
                mech = auth[0]
                obj = {"PLAIN": s.auth_plain, "LOGIN": s.auth_login}[mech]
                code, _ = s.auth(mech, obj, initial_response_ok=initial)
                check(code == 235, "%s AUTH %s (initial response %s) -> %d" % (tag, mech, initial, code))
            s.sendmail(sender, [rcpt], message(sender, rcpt, tag).encode())
        expected[tag] = rcpt

    run = uuid.uuid4().hex[:8]
    # 1. plain port, no auth, IPv4 and IPv6
    for h in hosts:
        with smtplib.SMTP(h, plain, timeout=10) as s:
            s.ehlo()
            check(not s.has_extn("auth"), "plain port [%s] does not offer AUTH" % h)
        tag = "plain-%s-%s" % (h.replace(":", "6"), run)
        send(h, plain, tag)
    # 2. submission port, AUTH PLAIN / LOGIN, both address families
    for h in hosts:
        with smtplib.SMTP(h, submit, timeout=10) as s:
            s.ehlo()
            mechs = s.esmtp_features.get("auth", "").split()
            check("PLAIN" in mechs and "LOGIN" in mechs, "submission [%s] offers %s" % (h, mechs))
            check(not s.has_extn("starttls"), "submission [%s] has no STARTTLS" % h)
        send(h, submit, "sub-plain-%s-%s" % (h.replace(":", "6"), run), auth=("PLAIN", user, password))
        send(h, submit, "sub-login-%s-%s" % (h.replace(":", "6"), run), auth=("LOGIN", user, password),
             initial=False)
    send("127.0.0.1", submit, "sub-login-ir-" + run, auth=("LOGIN", user, password), initial=True)
    send("127.0.0.1", submit, "sub-realm-" + run, auth=("PLAIN", user + "@" + domain, password))
    # authenticated relay to a foreign domain: delivered to the same Maildir, never leaves
    send("127.0.0.1", submit, "sub-relay-" + run, rcpt="someone@example.com",
         auth=("PLAIN", user, password))
    # other local domains
    send("127.0.0.1", plain, "plain-localhost-" + run, rcpt="postmaster@localhost")

    # 3. refusals
    for mech in ("PLAIN", "LOGIN"):
        with smtplib.SMTP("127.0.0.1", submit, timeout=10) as s:
            s.ehlo()
            s.user, s.password = user, password + "-wrong"
            try:
                t = time.monotonic()
                s.auth(mech, {"PLAIN": s.auth_plain, "LOGIN": s.auth_login}[mech])
                check(False, "wrong password with %s refused" % mech)
            except smtplib.SMTPAuthenticationError as e:
                check(e.smtp_code == 535, "wrong password with %s -> %d %s (%.2f s)"
                      % (mech, e.smtp_code, e.smtp_error.decode(), time.monotonic() - t))
    with smtplib.SMTP("127.0.0.1", submit, timeout=10) as s:
        s.ehlo()
        s.mail(sender)
        code, msg = s.rcpt("anyone@" + domain)
        check(500 <= code < 600, "submission without AUTH: RCPT -> %d %s" % (code, msg.decode()))
        code, msg = s.rcpt("someone@example.com")
        check(500 <= code < 600, "submission without AUTH, foreign: RCPT -> %d %s" % (code, msg.decode()))
    with smtplib.SMTP("127.0.0.1", plain, timeout=10) as s:
        s.ehlo()
        s.mail(sender)
        code, msg = s.rcpt("someone@example.com")
        check(code == 554, "plain port relay to example.com -> %d %s" % (code, msg.decode()))
        code, msg = s.rcpt(env["POSTFIX_UNKNOWN_RCPT"])
        check(code == 550, "plain port unknown user -> %d %s" % (code, msg.decode()))
        code, msg = s.rcpt("AnyOne@Interop.Test")
        check(code == 250, "plain port mixed case recipient -> %d" % code)
        s.rset()

    # 4. delivery
    t = time.monotonic()
    ok = wait_delivery(d, len(expected))
    check(ok, "wait-delivery %d messages (%.3f s)" % (len(expected), time.monotonic() - t))
    got = maildir_messages(maildir)
    check(len(got) == len(expected), "Maildir/new holds exactly %d messages (%d)" % (len(expected), len(got)))
    for tag, rcpt in expected.items():
        msg = got.get(tag)
        if msg is None:
            check(False, "message %s delivered" % tag)
            continue
        body = msg.get_payload()
        want = body_for(tag).replace("\r\n", "\n")
        check(body == want, "message %s: body intact" % tag)
        check(msg["Return-Path"] == "<%s>" % sender and msg["Delivered-To"] == rcpt.lower()
              and msg["Received"] is not None,
              "message %s: Return-Path %s, Delivered-To %s" % (tag, msg["Return-Path"], msg["Delivered-To"]))
    check(not wait_delivery(d, len(expected) + 1, 0.3), "wait-delivery times out with exit 1")

    # 5. stop
    queue = os.path.join(d, "queue")
    check(len(instance_processes(queue)) > 0, "instance processes found before stop")
    t0 = time.monotonic()
    r = subprocess.run([CTL, "stop", d])
    t_stop = time.monotonic() - t0
    check(r.returncode == 0, "round %d: stop (%.3f s)" % (round_no, t_stop))
    check(instance_processes(queue) == [], "no live process of the instance after stop")
    for h in hosts:
        for p in (plain, submit):
            check(not port_open(h, p), "port [%s]:%d closed after stop" % (h, p))
    r = subprocess.run([CTL, "stop", d])
    check(r.returncode == 0, "second stop is a no-op")
    r = subprocess.run([CTL, "status", d], stdout=subprocess.DEVNULL)
    check(r.returncode == 3, "status says not running")
    if keep:
        print("kept", d)
    else:
        shutil.rmtree(d)
    return t_start, t_stop


def main():
    keep = "--keep" in sys.argv
    system = ["/etc/postfix", "/var/spool/postfix", "/var/lib/postfix"]
    system = [p for p in system if os.path.isdir(p)]
    before = snapshot(system)
    times = [run_once(i, keep) for i in (1, 2)]
    check(snapshot(system) == before, "system Postfix files unchanged (%s)" % ", ".join(system))
    for i, t in enumerate(times, 1):
        if t:
            print("round %d: start %.3f s, stop %.3f s" % (i, t[0], t[1]))
    if failures:
        print("%d FAILURE(S)" % len(failures))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
