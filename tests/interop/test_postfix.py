#!/usr/bin/env python3
"""Interop: the smtpc CLI and a short library program against a real
Postfix started on loopback (tests/interop/postfix-ctl.sh), delivering to a
Maildir. Each delivered message is compared with what was sent, byte for
byte once the headers Postfix adds are set aside and Maildir's LF line
endings are taken into account.

usage: test_postfix.py --smtpc PATH --example PATH [--netx-example PATH]
                      [--wrapper "valgrind ..."]
Ends with "N passed, M failed".
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CTL = os.path.join(HERE, "postfix-ctl.sh")
POSTFIX_ADDED = (b"Return-Path:", b"Delivered-To:", b"Received:", b"X-Original-To:")

args = None
env = {}
workdir = None
results = []


def read_env(path):
    values = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            values[key] = shlex.split(value)[0] if value else ""
    return values


def maildir_files():
    new = os.path.join(env["POSTFIX_MAILDIR"], "new")
    return sorted(os.path.join(new, n) for n in os.listdir(new)) if os.path.isdir(new) else []


def wait_new(before, count=1, timeout=20.0):
    """Waits until `count` new messages beyond `before` arrived; returns them."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        files = [f for f in maildir_files() if f not in before]
        if len(files) >= count:
            return files
        time.sleep(0.05)
    raise AssertionError("no delivery within %.0f s; log tail:\n%s" % (timeout, log_tail()))


def log_tail():
    try:
        with open(env["POSTFIX_LOG"], "rb") as f:
            return f.read()[-2000:].decode("latin-1")
    except OSError:
        return "(no log)"


def strip_postfix_headers(data):
    """Drops the trace headers Postfix puts on top (with their folded lines)."""
    lines = data.split(b"\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith(POSTFIX_ADDED):
            i += 1
            while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
                i += 1
            continue
        break
    return b"\n".join(lines[i:])


def run_smtpc(argv, stdin=b"", extra_env=None):
    cmd = shlex.split(args.wrapper) + [args.smtpc] + argv if args.wrapper else [args.smtpc] + argv
    e = dict(os.environ)
    e.pop("SMTPC_PASSWORD", None)
    if extra_env:
        e.update(extra_env)
    return subprocess.run(cmd, input=stdin, capture_output=True, timeout=60, env=e)


def message(tag):
    """A fixed RFC 5322 message whose body holds every smuggling vector."""
    return (b"From: sender@interop.test\r\nTo: rcpt@interop.test\r\n"
            b"Date: Thu, 26 Nov 2026 08:00:00 +0000\r\n"
            b"Subject: interop " + tag.encode() + b"\r\nMessage-ID: <" + tag.encode() +
            b"@interop.test>\r\n\r\n"
            b"line one\r\n.leading dot\r\n..two dots\r\nbare LF\n.\nafter a lone dot\n"
            b"bare CR\r.\rend of body without a line break")


def expected_delivery(msg):
    """What Maildir holds: line endings as LF (Postfix stores LF), a final
    line break added by the client, dots exactly as the sender wrote them."""
    text = msg.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return text if text.endswith(b"\n") else text + b"\n"


def check_delivered(files, msg):
    assert len(files) == 1, files
    with open(files[0], "rb") as f:
        got = strip_postfix_headers(f.read())
    want = expected_delivery(msg)
    assert got == want, "delivered message differs:\n--- got\n%r\n--- want\n%r" % (got, want)


def test(fn):
    results.append(fn)
    return fn


def cli_send(host, port, tag, extra=(), extra_env=None):
    msg = message(tag)
    before = maildir_files()
    server = "[%s]:%s" % (host, port) if ":" in host else "%s:%s" % (host, port)
    r = run_smtpc(["--server", server, "--ehlo", "client.interop.test", "--from",
                   "sender@interop.test", *extra, "rcpt@interop.test"], stdin=msg,
                  extra_env=extra_env)
    assert r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr.decode())
    check_delivered(wait_new(before), msg)


@test
def cli_plain_ipv4():
    cli_send("127.0.0.1", env["POSTFIX_PLAIN_PORT"], "cli-plain-ipv4")


@test
def cli_plain_ipv6():
    if env.get("POSTFIX_IPV6") != "1":
        raise AssertionError("Postfix could not listen on ::1")
    cli_send("::1", env["POSTFIX_PLAIN_PORT"], "cli-plain-ipv6")


@test
def cli_auth_plain_ipv4():
    pw = os.path.join(workdir, "password")
    # a password file must be closed to group and others, or smtpc refuses it
    with open(os.open(pw, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(env["POSTFIX_PASS"] + "\n")
    cli_send("127.0.0.1", env["POSTFIX_SUBMIT_PORT"], "cli-auth-plain",
             ("--user", env["POSTFIX_USER"], "--password-file", pw, "--auth", "plain",
              "--allow-plaintext-auth"))


@test
def cli_auth_login_ipv6():
    cli_send("::1", env["POSTFIX_SUBMIT_PORT"], "cli-auth-login",
             ("--user", env["POSTFIX_USER"], "--auth", "login", "--allow-plaintext-auth"),
             {"SMTPC_PASSWORD": env["POSTFIX_PASS"]})


@test
def cli_auth_wrong_password():
    r = run_smtpc(["--server", "127.0.0.1:" + env["POSTFIX_SUBMIT_PORT"], "--from",
                   "sender@interop.test", "--user", env["POSTFIX_USER"],
                   "--allow-plaintext-auth", "rcpt@interop.test"], stdin=message("x"),
                  extra_env={"SMTPC_PASSWORD": "wrong"})
    assert r.returncode == 77, (r.returncode, r.stderr)
    assert b"535" in r.stderr and b"AUTH" in r.stderr, r.stderr


@test
def cli_auth_refused_in_cleartext():
    r = run_smtpc(["--server", "127.0.0.1:" + env["POSTFIX_SUBMIT_PORT"], "--from",
                   "sender@interop.test", "--user", env["POSTFIX_USER"], "rcpt@interop.test"],
                  stdin=message("x"), extra_env={"SMTPC_PASSWORD": env["POSTFIX_PASS"]})
    assert r.returncode == 78, (r.returncode, r.stderr)  # smtpc's own rule, not Postfix's
    assert b"unencrypted" in r.stderr, r.stderr


@test
def cli_unknown_recipient():
    before = maildir_files()
    r = run_smtpc(["--server", "127.0.0.1:" + env["POSTFIX_PLAIN_PORT"], "--from",
                   "sender@interop.test", env["POSTFIX_UNKNOWN_RCPT"], "rcpt@interop.test"],
                  stdin=message("x"))
    assert r.returncode == 69, (r.returncode, r.stderr)
    assert b"RCPT TO" in r.stderr and b"550" in r.stderr, r.stderr
    time.sleep(0.3)
    assert maildir_files() == before, "all-or-nothing: nothing may be delivered"


@test
def cli_subject_and_priority():
    before = maildir_files()
    r = run_smtpc(["--server", "127.0.0.1:" + env["POSTFIX_PLAIN_PORT"], "--from",
                   "sender@interop.test", "--subject", "Caf\u00e9 \u2615 report",
                   "--priority", "high", "a@interop.test", "b@interop.test"],
                  stdin="Grüße aus smtpc\n.\n".encode())
    assert r.returncode == 0, r.stderr
    files = wait_new(before, 2)
    for path in files:
        with open(path, "rb") as f:
            data = strip_postfix_headers(f.read())
        head, _, body = data.partition(b"\n\n")
        assert body == "Grüße aus smtpc\n.\n".encode(), body
        assert b"Subject: =?UTF-8?B?" in head, head
        assert b"X-Priority: 1 (Highest)" in head and b"To: a@interop.test,\n b@interop.test" in head


def sasl_logins(mech):
    """How many logins with `mech` Postfix has logged so far."""
    try:
        with open(env["POSTFIX_LOG"], "rb") as f:
            return f.read().count(b"sasl_method=" + mech.upper().encode())
    except OSError:
        return 0


def library_send(host, port, tag, user=None, mech=None):
    """examples/send_mail with a message file: delivered byte for byte, and
    Postfix's log shows the mechanism asked for."""
    before = maildir_files()
    logins = sasl_logins(mech) if mech else 0
    msg = message(tag)
    path = os.path.join(workdir, tag + ".eml")
    with open(path, "wb") as f:
        f.write(msg)
    e = dict(os.environ)
    if user:
        e["SMTPC_USER"] = user
        e["SMTPC_ALLOW_PLAINTEXT"] = "1"
        e["SMTPC_PASSWORD"] = env["POSTFIX_PASS"]
    if mech:
        e["SMTPC_AUTH"] = mech
    cmd = [args.example, host, port, "sender@interop.test", "rcpt@interop.test", path]
    if args.wrapper:
        cmd = shlex.split(args.wrapper) + cmd
    r = subprocess.run(cmd, capture_output=True, timeout=60, env=e)
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert r.stdout.startswith(b"accepted: 250"), r.stdout
    check_delivered(wait_new(before), msg)
    if mech:
        assert sasl_logins(mech) == logins + 1, "Postfix logged no %s login" % mech


@test
def library_ipv4_auth_plain():
    library_send("127.0.0.1", env["POSTFIX_SUBMIT_PORT"], "lib-plain-4", env["POSTFIX_USER"],
                 "plain")


@test
def library_ipv6_auth_plain():
    library_send("::1", env["POSTFIX_SUBMIT_PORT"], "lib-plain-6", env["POSTFIX_USER"], "plain")


@test
def library_ipv4_auth_login():
    library_send("127.0.0.1", env["POSTFIX_SUBMIT_PORT"], "lib-login-4", env["POSTFIX_USER"],
                 "login")


@test
def library_ipv6_auth_login():
    library_send("::1", env["POSTFIX_SUBMIT_PORT"], "lib-login-6", env["POSTFIX_USER"], "login")


@test
def library_ipv4_no_auth():
    library_send("127.0.0.1", env["POSTFIX_PLAIN_PORT"], "lib-noauth")


@test
def library_header_builder():
    """Without a file the example builds the headers with smtpc/message.h."""
    before = maildir_files()
    cmd = [args.example, "127.0.0.1", env["POSTFIX_PLAIN_PORT"], "sender@interop.test",
           "lib@interop.test"]
    if args.wrapper:
        cmd = shlex.split(args.wrapper) + cmd
    r = subprocess.run(cmd, capture_output=True, timeout=60)
    assert r.returncode == 0, (r.returncode, r.stderr)
    with open(wait_new(before)[0], "rb") as f:
        head, _, body = strip_postfix_headers(f.read()).partition(b"\n\n")
    assert body == b"This message was sent by examples/send_mail.c.\n", body
    assert b"Subject: Hello from the smtpc library" in head, head


def netx_send(host, port, tag, mech=None):
    """examples/netx_demo: the NetX Duo SMTP Client API over the host NetX
    layer. The headers are built by the API; the body must arrive intact
    (its lone "." line included) and Postfix must log the mechanism."""
    if not args.netx_example:
        raise AssertionError("no --netx-example given")
    before = maildir_files()
    logins = sasl_logins(mech) if mech else 0
    e = dict(os.environ)
    if mech:
        e["SMTPC_USER"] = env["POSTFIX_USER"]
        e["SMTPC_PASSWORD"] = env["POSTFIX_PASS"]
        e["SMTPC_AUTH"] = mech
    else:
        e.pop("SMTPC_USER", None)
        e.pop("SMTPC_PASSWORD", None)
    rcpt = tag + "@interop.test"
    cmd = [args.netx_example, host, port, "sender@interop.test", rcpt]
    if args.wrapper:
        cmd = shlex.split(args.wrapper) + cmd
    r = subprocess.run(cmd, capture_output=True, timeout=60, env=e)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    assert b"nx_smtp_mail_send: 0x00 (server reply 250)" in r.stdout, r.stdout
    with open(wait_new(before)[0], "rb") as f:
        head, _, body = strip_postfix_headers(f.read()).partition(b"\n\n")
    assert body == (b"This message was sent by examples/netx_demo.c\n"
                    b"through the NetX Duo SMTP Client API.\n.\n"
                    b"(The line above is a lone dot: it arrives intact.)\n"), body
    for h in (b"From: sender@interop.test", b"To: " + rcpt.encode(),
              b"Subject: Hello from NetX Duo", b"Date: ", b"Message-ID: <",
              b"Content-Type: text/plain; charset=utf-8"):
        assert h in head, (h, head)
    if mech:
        assert sasl_logins(mech) == logins + 1, "Postfix logged no %s login" % mech


@test
def netx_ipv4_auth_plain():
    netx_send("127.0.0.1", env["POSTFIX_SUBMIT_PORT"], "netx-plain-4", "plain")


@test
def netx_ipv6_auth_login():
    netx_send("::1", env["POSTFIX_SUBMIT_PORT"], "netx-login-6", "login")


@test
def netx_ipv4_auth_login():
    netx_send("127.0.0.1", env["POSTFIX_SUBMIT_PORT"], "netx-login-4", "login")


@test
def netx_ipv6_no_auth():
    netx_send("::1", env["POSTFIX_PLAIN_PORT"], "netx-noauth-6")


def main():
    global args, env, workdir
    p = argparse.ArgumentParser()
    p.add_argument("--smtpc", required=True)
    p.add_argument("--example", required=True)
    p.add_argument("--netx-example", default="", help="examples/netx_demo")
    p.add_argument("--wrapper", default="")
    args = p.parse_args()
    # The postfix user must reach the instance directory: not under a 0700 parent.
    workdir = tempfile.mkdtemp(prefix="smtpc-interop-", dir="/tmp")
    os.chmod(workdir, 0o755)
    instance = os.path.join(workdir, "postfix")
    os.mkdir(instance)
    start = time.time()
    r = subprocess.run([CTL, "start", instance], capture_output=True, timeout=120)
    if r.returncode != 0:
        print(r.stderr.decode(errors="replace"))
        print("Postfix did not start (exit %d)" % r.returncode)
        print("0 passed, 1 failed")
        return 1
    print("Postfix started in %.2f s" % (time.time() - start))
    env = read_env(os.path.join(instance, "env"))
    passed = failed = 0
    try:
        for fn in results:
            try:
                fn()
                print("PASS", fn.__name__)
                passed += 1
            except Exception as exc:  # report every failure, go on
                print("FAIL", fn.__name__, "-", exc)
                failed += 1
    finally:
        subprocess.run([CTL, "stop", instance], capture_output=True, timeout=60)
        shutil.rmtree(workdir, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
