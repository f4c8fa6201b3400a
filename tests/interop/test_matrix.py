#!/usr/bin/python3
"""The interop matrix: smtpc against four real SMTP servers started on
loopback (Postfix, Exim, OpenSMTPD, aiosmtpd; tests/interop/*-ctl.sh), with
a test PKI made at test time (tests/tls/make-certs.sh).

For each server x TLS mode it offers (STARTTLS on submission, implicit TLS)
x mechanism (PLAIN, LOGIN; CRAM-MD5 with Exim) x TLS backend built (OpenSSL, mbedTLS), a message
is sent twice: with the command-line tool and with the library
(examples/send_mail). Each delivered message is compared with what was
sent, byte for byte, once the trace headers the server adds are set aside
and Maildir's line endings are allowed for; the CLI's trace must show the
mechanism asked for, and nothing may be sent without TLS. Postfix's plain
port (no TLS, no AUTH) adds a row for each client.

usage: test_matrix.py --smtpc PATH --example PATH --backends openssl,mbedtls
                      [--servers postfix,exim,opensmtpd,aiosmtpd]
Prints the matrix as a table, then "N passed, M failed".
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_CERTS = os.path.join(HERE, "..", "tls", "make-certs.sh")
SERVERS = {  # name: control script
    "postfix": "postfix-ctl.sh",
    "exim": "exim-ctl.sh",
    "opensmtpd": "opensmtpd-ctl.sh",
    "aiosmtpd": "aiosmtpd-ctl.sh",
}
# Headers a server may add on delivery (trace and envelope information).
ADDED = {"received", "return-path", "delivered-to", "x-original-to", "envelope-to",
         "delivery-date"}
SENDER = "sender@interop.test"
# What each server offers (checked against its EHLO reply in the trace, so
# that a change shows): with PIPELINING, MAIL, RCPT and DATA or BDAT leave
# before any reply; with CHUNKING, the message is one BDAT ... LAST.
# OpenSMTPD 7.4 and aiosmtpd offer neither: one command at a time there.
PIPELINING = {"postfix", "exim"}
CHUNKING = {"postfix", "exim"}
# Mechanisms beyond PLAIN and LOGIN, where the server offers them.
MECHANISMS = {"exim": ("plain", "login", "cram-md5")}

args = None
rows = []          # (server, mode, mech, backend, client, ok, detail)


def read_env(path):
    values = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            if value.startswith("'") and value.endswith("'"):
                value = value[1:-1]
            values[key] = value
    return values


def message(tag):
    """A message with a lone '.' line and a line starting with '.', CRLF."""
    return ("From: %s\r\nTo: %s@interop.test\r\nSubject: interop %s\r\n"
            "Message-ID: <%s@smtpc.test>\r\nDate: Mon, 01 Jan 2024 00:00:00 +0000\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Matrix message %s.\r\n.\r\n..two dots, one stuffed\r\nGr\u00fc\u00dfe\r\nend\r\n"
            % (SENDER, tag, tag, tag, tag)).encode()


def split_message(data):
    data = data.replace(b"\r\n", b"\n")
    head, _, body = data.partition(b"\n\n")
    lines = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and lines:
            lines[-1] += b"\n" + line
        else:
            lines.append(line)
    return lines, body


def check_delivered(data, sent):
    """Raises unless `data` is `sent` plus added trace headers."""
    got_h, got_b = split_message(data)
    want_h, want_b = split_message(sent)
    if got_b != want_b:
        raise AssertionError("body differs: %r" % got_b[:200])
    ours = [h for h in got_h if h.split(b":", 1)[0].lower().decode() not in ADDED]
    if ours != want_h:
        raise AssertionError("headers differ: %r" % ours)


def find_delivered(maildir, tag, timeout=20.0):
    new = os.path.join(maildir, "new")
    needle = ("<%s@smtpc.test>" % tag).encode()
    deadline = time.time() + timeout
    while time.time() < deadline:
        for name in sorted(os.listdir(new)) if os.path.isdir(new) else []:
            with open(os.path.join(new, name), "rb") as f:
                data = f.read()
            if needle in data:
                return data
        time.sleep(0.05)
    raise AssertionError("not delivered within %.0f s" % timeout)


def run(cmd, env=None):
    e = dict(os.environ)
    for k in ("SMTPC_PASSWORD", "SMTPC_USER", "SMTPC_AUTH", "SMTPC_TLS", "SMTPC_CACERT",
              "SMTPC_TLS_BACKEND", "SMTPC_ALLOW_PLAINTEXT"):
        e.pop(k, None)
    e.update(env or {})
    return subprocess.run(cmd, capture_output=True, timeout=120, env=e)


def send_cli(server, env, prefix, mode, port, mech, backend, tag, path):
    cmd = [args.smtpc, "-v", "--server", "localhost:%s" % port, "--from", SENDER,
           "--message", path]
    e = {}
    if mode == "none":
        cmd += ["--tls", "none"]
    else:
        cmd += ["--tls", mode, "--cacert", env[prefix + "_CA"], "--tls-backend", backend,
                "--user", env[prefix + "_USER"], "--auth", mech]
        e["SMTPC_PASSWORD"] = env[prefix + "_PASS"]
    r = run(cmd + ["%s@interop.test" % tag], e)
    err = r.stderr.decode(errors="replace")
    if r.returncode != 0:
        raise AssertionError("exit %d: %s" % (r.returncode, err.strip().splitlines()[-1:]))
    check_transfer(server, err, len(message(tag)))
    if mode != "none":
        want = "C: AUTH %s" % mech.upper()
        if want not in err:
            raise AssertionError("the trace shows no %s" % want)
        if not re.search(r"^\* TLSv1\.[23] ", err, re.M):
            raise AssertionError("no TLS line in the trace")
        if env[prefix + "_PASS"] in err:
            raise AssertionError("the password is in the trace")
        before_tls = err.split("* TLSv1.", 1)[0]
        if "AUTH" in before_tls.replace("S: 250-AUTH", "").replace("S: 250 AUTH", ""):
            raise AssertionError("AUTH before TLS")


def check_transfer(server, err, size):
    """The CLI's trace shows the transaction as the server's extensions
    allow: pipelined, and in one BDAT chunk of the message's size."""
    ehlo = err.rsplit("C: EHLO ", 1)[-1]
    for ext, servers in (("PIPELINING", PIPELINING), ("CHUNKING", CHUNKING)):
        offered = re.search(r"^S: 250[- ]%s\b" % ext, ehlo, re.M) is not None
        if offered != (server in servers):
            raise AssertionError("%s %s offer %s" % (server, "does" if offered else "does not",
                                                     ext))
    txn = err[err.index("C: MAIL FROM:"):].splitlines()
    sent_first = txn[:txn.index(next(line for line in txn if line.startswith("S: ")))]
    last = "C: BDAT %d LAST" % size if server in CHUNKING else "C: DATA"
    # all or nothing (the CLI's default): MAIL and the RCPT together, the
    # body once the RCPT's reply is in (2 round trips; 1 + 1 + 1 without)
    if server in PIPELINING and [line[:7] for line in sent_first] != ["C: MAIL", "C: RCPT"]:
        raise AssertionError("not pipelined: %r" % sent_first)
    if last not in txn:
        raise AssertionError("no %r in the trace" % last)
    if server in CHUNKING and "C: DATA" in txn:
        raise AssertionError("DATA with CHUNKING offered")


def send_library(server, env, prefix, mode, port, mech, backend, tag, path):
    e = {"SMTPC_TLS": mode}
    if mode != "none":
        e.update(SMTPC_CACERT=env[prefix + "_CA"], SMTPC_TLS_BACKEND=backend,
                 SMTPC_USER=env[prefix + "_USER"], SMTPC_PASSWORD=env[prefix + "_PASS"],
                 SMTPC_AUTH=mech)
    r = run([args.example, "localhost", port, SENDER, "%s@interop.test" % tag, path], e)
    if r.returncode != 0:
        raise AssertionError("exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace")))
    if not r.stdout.startswith(b"accepted: 250"):
        raise AssertionError("stdout: %r" % r.stdout)
    if mode != "none" and b"\ntls: TLSv1." not in r.stdout:
        raise AssertionError("no TLS reported: %r" % r.stdout)


def stream_cell(workdir, env, server, prefix, port, backend, count=3):
    """Several messages over one connection (examples/send_mail with several
    files: smtpc_client_send_many), each begun ahead of the replies to the
    one before; each must be delivered as sent."""
    tag = "m%d-%s-stream" % (len(rows) + 1, server)
    sent, paths = [], []
    for k in range(count):
        sent.append(message("%s-%d" % (tag, k + 1)))
        paths.append(os.path.join(workdir, "%s-%d.eml" % (tag, k + 1)))
        with open(paths[-1], "wb") as f:
            f.write(sent[-1])
    start = time.time()
    try:
        e = {"SMTPC_TLS": "implicit", "SMTPC_CACERT": env[prefix + "_CA"],
             "SMTPC_TLS_BACKEND": backend, "SMTPC_USER": env[prefix + "_USER"],
             "SMTPC_PASSWORD": env[prefix + "_PASS"], "SMTPC_AUTH": "plain"}
        r = run([args.example, "localhost", port, SENDER, "%s@interop.test" % tag] + paths, e)
        out = r.stdout.decode(errors="replace")
        if r.returncode != 0 or out.count("accepted: 250") != count:
            raise AssertionError("exit %d: %s %s" % (r.returncode, out.strip(),
                                                     r.stderr.decode(errors="replace")))
        for k in range(count):
            check_delivered(find_delivered(env[prefix + "_MAILDIR"], "%s-%d" % (tag, k + 1)),
                            sent[k])
        rows.append((server, "implicit", "plain", backend, "stream x%d" % count, True,
                     "%.2f s" % (time.time() - start)))
    except Exception as exc:
        rows.append((server, "implicit", "plain", backend, "stream x%d" % count, False,
                     str(exc)[:300]))


def cell(workdir, env, server, prefix, mode, port, mech, backend, client):
    tag = "m%d-%s-%s-%s-%s-%s" % (len(rows) + 1, server, mode, mech, backend, client)
    sent = message(tag)
    path = os.path.join(workdir, tag + ".eml")
    with open(path, "wb") as f:
        f.write(sent)
    start = time.time()
    try:
        (send_cli if client == "cli" else send_library)(server, env, prefix, mode, port, mech, backend,
                                                        tag, path)
        check_delivered(find_delivered(env[prefix + "_MAILDIR"], tag), sent)
        rows.append((server, mode, mech, backend, client, True, "%.2f s" % (time.time() - start)))
    except Exception as exc:  # report every cell, go on
        rows.append((server, mode, mech, backend, client, False, str(exc)[:300]))


def run_server(workdir, certs, server):
    prefix = server.upper()
    instance = os.path.join(workdir, server)
    ctl = os.path.join(HERE, SERVERS[server])
    t0 = time.time()
    r = subprocess.run([ctl, "start", instance, certs], capture_output=True, timeout=180)
    if r.returncode != 0:
        rows.append((server, "start", "-", "-", "-", False,
                     "exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace")[-600:])))
        subprocess.run([ctl, "stop", instance], capture_output=True, timeout=60)
        return
    print("%s started in %.2f s" % (server, time.time() - t0), flush=True)
    try:
        env = read_env(os.path.join(instance, "env"))
        modes = [("starttls", env.get(prefix + "_STARTTLS_PORT")),
                 ("implicit", env.get(prefix + "_IMPLICIT_PORT"))]
        for mode, port in modes:
            if not port:
                rows.append((server, mode, "-", "-", "-", False, "port not offered"))
                continue
            for mech in MECHANISMS.get(server, ("plain", "login")):
                for backend in args.backends:
                    for client in ("cli", "library"):
                        cell(workdir, env, server, prefix, mode, port, mech, backend, client)
        if env.get(prefix + "_IMPLICIT_PORT"):
            stream_cell(workdir, env, server, prefix, env[prefix + "_IMPLICIT_PORT"],
                        args.backends[0])
        if server == "postfix":
            for client in ("cli", "library"):
                cell(workdir, env, server, prefix, "none", env["POSTFIX_PLAIN_PORT"], "-", "-",
                     client)
    finally:
        subprocess.run([ctl, "stop", instance], capture_output=True, timeout=60)


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--smtpc", required=True)
    p.add_argument("--example", required=True)
    p.add_argument("--backends", required=True)
    p.add_argument("--servers", default=",".join(SERVERS))
    args = p.parse_args()
    args.backends = [b for b in args.backends.split(",") if b]
    start = time.time()
    # the servers' users must traverse the instance directories
    workdir = tempfile.mkdtemp(prefix="smtpc-matrix-", dir="/tmp")
    os.chmod(workdir, 0o755)
    certs = os.path.join(workdir, "certs")
    try:
        subprocess.run(["bash", MAKE_CERTS, certs], check=True, stdout=subprocess.DEVNULL)
        for server in args.servers.split(","):
            run_server(workdir, certs, server)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print("| server | mode | mechanism | backend | client | result |")
    print("|---|---|---|---|---|---|")
    for server, mode, mech, backend, client, ok, detail in rows:
        print("| %s | %s | %s | %s | %s | %s |" % (server, mode, mech, backend, client,
                                                  ("pass, " if ok else "FAIL: ") + detail))
    passed = sum(1 for r in rows if r[5])
    print("\ninterop matrix: %.1f s" % (time.time() - start))
    print("%d passed, %d failed" % (passed, len(rows) - passed))
    return 0 if rows and passed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
