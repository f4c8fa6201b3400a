#!/usr/bin/python3
"""Self-test for smtpc_test_server.py (standard library only).

Starts the server as a subprocess on ephemeral loopback ports and checks the
default ESMTP behaviour, recording, Maildir delivery, AUTH, pipelining, the
script actions and TLS (STARTTLS and implicit TLS, with a test PKI made by
tests/tls/make-certs.sh).  Prints "N passed, M failed" and exits non-zero on failure.
Every process it starts is terminated (by PID) before it exits.
"""

import base64
import hmac
import json
import os
import signal
import smtplib
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "smtpc_test_server.py")
PYTHON = sys.executable or "/usr/bin/python3"
MAKE_CERTS = os.path.join(os.path.dirname(HERE), "tls", "make-certs.sh")
CERT_FILES = sorted(
    ["%s.%s" % (n, ext) for n in ("ca", "server", "wronghost", "expired",
                                  "selfsigned", "other-ca", "wrongca", "client")
     for ext in ("pem", "key")] + ["server-chain.pem", "server-combined.pem"])
GREETING = b"220 smtpc-test.localhost ESMTP smtpc test server\r\n"

STARTED = []        # every Popen we created, for cleanup
TESTS = []


def test(func):
    TESTS.append(func)
    return func


def b64(data):
    return base64.b64encode(data).decode("ascii")


def make_certs(outdir):
    """Run make-certs.sh; returns its stdout."""
    p = subprocess.run(["bash", MAKE_CERTS, outdir], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    if p.returncode != 0:
        raise AssertionError("make-certs.sh failed: %r" % p.stderr)
    return p.stdout


def certs(tmp):
    """The test PKI in tmp/pki (made once per run, normally by the
    make_certs_pki test): returns a function file name -> path."""
    pki = os.path.join(tmp, "pki")
    if not os.path.exists(os.path.join(pki, "ca.pem")):
        make_certs(pki)
    return lambda name: os.path.join(pki, name)


def client_context(cert, client=False):
    """A verifying TLS client context that trusts the test CA."""
    ctx = ssl.create_default_context(cafile=cert("ca.pem"))
    if client:
        ctx.load_cert_chain(cert("client.pem"), cert("client.key"))
    return ctx


def tls_args(cert, *extra):
    return ["--tls-cert", cert("server.pem"), "--tls-key",
            cert("server.key")] + list(extra)


class Server:
    """One server subprocess in its own temporary directory."""

    def __init__(self, tmp, script=None, listen="127.0.0.1", args=()):
        self.dir = tempfile.mkdtemp(dir=tmp)
        self.port_file = os.path.join(self.dir, "port")
        self.record = os.path.join(self.dir, "rec")
        self.maildir = os.path.join(self.dir, "mail")
        self.listen = listen
        cmd = [PYTHON, SERVER, "--listen", listen, "--port-file",
               self.port_file, "--record", self.record, "--maildir",
               self.maildir] + list(args)
        if script is not None:
            path = os.path.join(self.dir, "script.json")
            with open(path, "w") as f:
                json.dump(script, f)
            cmd += ["--script", path]
        self.out_path = os.path.join(self.dir, "stdout")
        self.err_path = os.path.join(self.dir, "stderr")
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        STARTED.append(self.proc)
        deadline = time.monotonic() + 5
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                raise AssertionError("server exited early: " + self.stderr())
            if time.monotonic() > deadline:
                raise AssertionError("server did not write its port file")
            time.sleep(0.01)
        with open(self.port_file) as f:
            self.port = int(f.read())

    def stdout(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait(self, timeout=5):
        return self.proc.wait(timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(5)

    def recorded(self, k, side):
        with open(os.path.join(self.record, "conn-%d.%s" % (k, side)), "rb") as f:
            return f.read()

    def messages(self):
        """[(bytes, envelope dict)] in arrival order."""
        new = os.path.join(self.maildir, "new")
        out = []
        for name in sorted(os.listdir(new)):
            with open(os.path.join(new, name), "rb") as f:
                data = f.read()
            with open(os.path.join(self.maildir, "envelope",
                                   name + ".json")) as f:
                out.append((data, json.load(f)))
        return out

    def smtp(self):
        return smtplib.SMTP(self.listen, self.port, timeout=5)

    def raw(self, tls=None):
        return Raw(self.listen, self.port, tls)

    def tls_record(self, k):
        with open(os.path.join(self.record, "conn-%d.tls" % k)) as f:
            return json.load(f)


class Raw:
    """A minimal raw client: send bytes, read complete replies."""

    def __init__(self, host, port, tls=None):
        self.sock = socket.create_connection((host, port), timeout=5)
        self.buf = b""
        if tls is not None:             # implicit TLS
            self.starttls(tls)

    def starttls(self, ctx, hostname="localhost"):
        assert not self.buf, self.buf
        self.sock = ctx.wrap_socket(self.sock, server_hostname=hostname)

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise AssertionError("EOF while reading, got %r" % self.buf)
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"

    def reply(self):
        """One (possibly multi-line) reply as a list of lines (CRLF kept)."""
        lines = [self.line()]
        while lines[-1][3:4] == b"-":
            lines.append(self.line())
        return lines

    def code(self):
        return self.reply()[-1][:3].decode()

    def rest(self):
        """Everything until EOF."""
        data = self.buf
        self.buf = b""
        while True:
            chunk = self.sock.recv(4096)
            if not chunk:
                return data
            data += chunk

    def close(self):
        self.sock.close()


def expect(actual, wanted, what=""):
    if actual != wanted:
        raise AssertionError("%s: expected %r, got %r" % (what, wanted, actual))


# ---------------------------------------------------------------------------

@test
def smtplib_ipv4_delivery_and_recording(tmp):
    srv = Server(tmp, args=["--sessions", "1"])
    s = srv.smtp()
    code, text = s.ehlo("client.example")
    expect(code, 250, "EHLO")
    expect(text.split(b"\n"), [b"smtpc-test.localhost", b"PIPELINING",
           b"SIZE 10485760", b"8BITMIME", b"ENHANCEDSTATUSCODES",
           b"AUTH PLAIN LOGIN", b"SMTPUTF8"], "EHLO lines")
    body = "Subject: t\r\n\r\n.starts with dot\r\n..two dots\r\n.\r\nend\r\n"
    s.sendmail("from@example.org", ["a@example.org", "b@example.org"], body)
    s.quit()
    expect(srv.wait(), 0, "exit status")
    msgs = srv.messages()
    expect(len(msgs), 1, "message count")
    expect(msgs[0][0], body.encode(), "stored message")
    env = msgs[0][1]
    expect(env["mail_from"], "from@example.org", "mail_from")
    expect(env["rcpt_to"], ["a@example.org", "b@example.org"], "rcpt_to")
    expect(env["helo"], "client.example", "helo")
    expect(env["auth_user"], None, "auth_user")
    expect(env["connection"], 1, "connection")
    expect("tls" in env, False, "no tls key without --tls-cert")
    expect(env["mail_params"].upper().startswith("SIZE="), True, "params")
    client = srv.recorded(1, "client")
    assert b"\r\n..starts with dot\r\n...two dots\r\n..\r\n" in client, client
    assert client.endswith(b"QUIT\r\n") or client.endswith(b"quit\r\n"), client
    server = srv.recorded(1, "server")
    assert server.startswith(GREETING), server
    assert server.endswith(b"221 2.0.0 Bye\r\n"), server


@test
def ipv6_loopback(tmp):
    srv = Server(tmp, listen="::1", args=["--sessions", "1"])
    s = srv.smtp()
    s.sendmail("x@example.org", ["y@example.org"], "hello v6\r\n")
    s.quit()
    expect(srv.wait(), 0, "exit status")
    expect([m[0] for m in srv.messages()], [b"hello v6\r\n"], "messages")


@test
def pipelining_bare_lf_and_several_messages(tmp):
    srv = Server(tmp, args=["--sessions", "1"])
    c = srv.raw()
    expect(c.reply(), [GREETING], "greeting")
    first = (b"EHLO me\r\nMAIL FROM:<a@b> BODY=8BITMIME\r\nRCPT TO:<c@d>\r\n"
             b"RCPT TO:<e@f>\r\nDATA\r\n")
    c.send(first)
    expect(len(c.reply()), 7, "EHLO lines")
    expect([c.code() for _ in range(4)], ["250", "250", "250", "354"], "codes")
    body1 = b"line1\r\nbare\nLF and bare\rCR\r\n.x\r\n\xc3\xa9\r\n"
    second = (b"line1\r\nbare\nLF and bare\rCR\r\n..x\r\n\xc3\xa9\r\n.\r\n"
              b"mail from:<>\r\nrcpt to:<z@w>\r\ndata\r\nsecond\r\n.\r\n"
              b"rset\r\nnoop\r\nquit\r\n")
    c.send(second)
    replies = [c.reply()[0] for _ in range(7)]
    assert replies[0].startswith(b"250 2.0.0 Ok: queued as "), replies
    expect(replies[1:], [b"250 2.1.0 Ok\r\n", b"250 2.1.5 Ok\r\n",
           b"354 End data with <CR><LF>.<CR><LF>\r\n", replies[4],
           b"250 2.0.0 Ok\r\n", b"250 2.0.0 Ok\r\n"], "replies")
    expect(c.reply(), [b"221 2.0.0 Bye\r\n"], "QUIT")
    expect(c.rest(), b"", "after QUIT")
    c.close()
    expect(srv.wait(), 0, "exit status")
    msgs = srv.messages()
    expect([m[0] for m in msgs], [body1, b"second\r\n"], "stored")
    expect(msgs[0][1]["rcpt_to"], ["c@d", "e@f"], "rcpts 1")
    expect(msgs[0][1]["mail_params"], "BODY=8BITMIME", "params")
    expect(msgs[1][1]["mail_from"], "", "null sender")
    expect(srv.recorded(1, "client"), first + second, "client recording")


@test
def byte_by_byte_client(tmp):
    srv = Server(tmp, args=["--sessions", "1"])
    c = srv.raw()
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.reply()
    talk = (b"HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"
            b"a\r\n\r\n..\r\n.\r\r\n.\n\r\n.\r\nQUIT\r\n")
    for i in range(len(talk)):
        c.send(talk[i:i + 1])
        if i % 8 == 0:
            time.sleep(0.001)
    expect([c.code() for _ in range(6)],
           ["250", "250", "250", "354", "250", "221"], "codes")
    c.close()
    expect(srv.wait(), 0, "exit status")
    expect(srv.messages()[0][0], b"a\r\n\r\n.\r\n\r\r\n\n\r\n", "stored")
    expect(srv.recorded(1, "client"), talk, "recording")


@test
def auth_plain_initial_and_two_step(tmp):
    srv = Server(tmp, args=["--sessions", "2"])
    c = srv.raw()
    c.reply()
    c.send(b"EHLO x\r\nAUTH PLAIN " + b64(b"\0user\0password").encode()
           + b"\r\nAUTH PLAIN\r\n")
    c.reply()
    expect(c.reply(), [b"235 2.7.0 Authentication successful\r\n"], "AUTH")
    expect(c.code(), "503", "second AUTH")
    c.send(b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n")
    expect([c.code() for _ in range(5)], ["250", "250", "354", "250", "221"],
           "mail")
    c.close()
    c = srv.raw()
    c.reply()
    c.send(b"EHLO x\r\nAUTH PLAIN\r\n")
    c.reply()
    expect(c.reply(), [b"334 \r\n"], "empty challenge")
    c.send(b64(b"\0user\0wrong").encode() + b"\r\n")
    expect(c.reply(), [b"535 5.7.8 Authentication credentials invalid\r\n"],
           "bad password")
    c.send(b"AUTH PLAIN\r\n")
    c.reply()
    c.send(b"*\r\n")
    expect(c.reply(), [b"501 5.7.0 Authentication cancelled\r\n"], "cancel")
    c.send(b"AUTH PLAIN\r\n")
    c.reply()
    c.send(b"not base64!\r\n")
    expect(c.reply(), [b"501 5.5.2 Cannot decode response\r\n"], "bad b64")
    c.send(b"AUTH DIGEST-MD5\r\n")
    expect(c.reply(), [b"504 5.5.4 Unrecognized authentication type\r\n"],
           "mech")
    c.send(b"AUTH PLAIN\r\n")
    c.reply()
    c.send(b64(b"\0user\0password").encode() + b"\r\nQUIT\r\n")
    expect(c.code(), "235", "two-step")
    expect(c.code(), "221", "quit")
    c.close()
    expect(srv.wait(), 0, "exit status")
    expect(srv.messages()[0][1]["auth_user"], "user", "auth_user")


@test
def auth_login_and_script_users(tmp):
    srv = Server(tmp, script={"users": {"alice": "secret"}},
                 args=["--sessions", "1"])
    s = srv.smtp()
    s.ehlo()
    try:
        s.login("user", "password")
        raise AssertionError("default user accepted despite script users")
    except smtplib.SMTPAuthenticationError as e:
        expect(e.smtp_code, 535, "code")
    c = s.sock
    c.sendall(b"AUTH LOGIN\r\n")
    expect(s.getreply(), (334, b"VXNlcm5hbWU6"), "username prompt")
    c.sendall(b64(b"alice").encode() + b"\r\n")
    expect(s.getreply(), (334, b"UGFzc3dvcmQ6"), "password prompt")
    c.sendall(b64(b"secret").encode() + b"\r\n")
    expect(s.getreply()[0], 235, "LOGIN result")
    s.sendmail("a@b", ["c@d"], "x\r\n")
    s.quit()
    expect(srv.wait(), 0, "exit status")
    expect(srv.messages()[0][1]["auth_user"], "alice", "auth_user")


@test
def sequence_errors_and_syntax(tmp):
    srv = Server(tmp, args=["--sessions", "1"])
    c = srv.raw()
    c.reply()
    c.send(b"MAIL FROM:<a@b>\r\nhelo there\r\nRCPT TO:<x@y>\r\n"
           b"MAIL FROM:<a@b>\r\nDATA\r\nXYZZY\r\n" + b"NOOP " + b"x" * 3000
           + b"\r\nMAIL FROM: <spaced@b>\r\nNoOp\r\n")
    expect(c.code(), "503", "MAIL before HELO")
    expect(c.reply(), [b"250 smtpc-test.localhost\r\n"], "HELO")
    expect(c.code(), "503", "RCPT before MAIL")
    expect(c.code(), "250", "MAIL")
    expect(c.code(), "503", "DATA before RCPT")
    expect(c.reply(), [b"502 5.5.2 Error: command not recognized\r\n"], "?")
    expect(c.reply(), [b"500 5.5.2 line too long\r\n"], "long line")
    expect(c.code(), "503", "nested MAIL")
    expect(c.code(), "250", "mixed-case NOOP")
    c.send(b"RSET\r\nMAIL FROM: <spaced@b>\r\nQUIT\r\n")
    expect([c.code() for _ in range(3)], ["250", "501", "221"], "strict")
    c.close()
    expect(srv.wait(), 0, "exit status")


@test
def scripted_replies_lists_and_verbatim(tmp):
    script = {
        "greeting": "220 custom greeting",
        "ehlo": ["250-name", "250-PIPELINING", "250 AUTH PLAIN"],
        "replies": {
            "RCPT": ["250 first", "550 5.1.1 no such user", "251 last"],
            "DOT": "250 ok\r\n250 injected",
            "NOOP": "2500 x",
            "VRFY": "252 maybe",
        },
    }
    srv = Server(tmp, script=script, args=["--sessions", "1"])
    c = srv.raw()
    expect(c.reply(), [b"220 custom greeting\r\n"], "greeting")
    c.send(b"EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<1@x>\r\nRCPT TO:<2@x>\r\n"
           b"RCPT TO:<3@x>\r\nRCPT TO:<4@x>\r\nDATA\r\nbody\r\n.\r\n"
           b"NOOP\r\nVRFY x\r\n")
    expect(c.reply(), [b"250-name\r\n", b"250-PIPELINING\r\n",
                       b"250 AUTH PLAIN\r\n"], "ehlo")
    expect(c.code(), "250", "MAIL")
    expect([c.reply()[0] for _ in range(4)],
           [b"250 first\r\n", b"550 5.1.1 no such user\r\n",
            b"251 last\r\n", b"251 last\r\n"], "RCPT list")
    expect(c.code(), "354", "DATA")
    expect([c.line(), c.line()], [b"250 ok\r\n", b"250 injected\r\n"], "DOT")
    expect(c.line(), b"2500 x\r\n", "NOOP")
    expect(c.line(), b"252 maybe\r\n", "VRFY")
    c.close()
    expect(srv.wait(), 0, "exit status")
    expect(srv.messages()[0][1]["rcpt_to"], ["1@x", "3@x", "4@x"],
           "accepted (2xx) recipients")


@test
def eol_and_split_writes(tmp):
    srv = Server(tmp, script={"eol": "\n", "split_writes": True},
                 args=["--sessions", "1"])
    c = srv.raw()
    expect(c.reply(), [GREETING[:-2] + b"\n"], "greeting with LF")
    c.send(b"EHLO x\r\nQUIT\r\n")
    expect(c.reply()[-1], b"250 SMTPUTF8\n", "EHLO last line")
    expect(c.reply(), [b"221 2.0.0 Bye\n"], "QUIT")
    c.close()
    expect(srv.wait(), 0, "exit status")


@test
def auth_cram_md5(tmp):
    # RFC 2195: a wrong digest is refused, the right one accepted
    srv = Server(tmp, args=["--sessions", "1"])
    c = srv.raw()
    c.reply()
    c.send(b"EHLO x\r\n")
    c.reply()
    c.send(b"AUTH CRAM-MD5\r\n")
    c.reply()
    c.send(b64(b"user 00000000000000000000000000000000").encode() + b"\r\n")
    expect(c.code(), "535", "wrong digest")
    c.send(b"AUTH CRAM-MD5\r\n")
    challenge = base64.b64decode(c.reply()[0][4:].strip())
    assert challenge.startswith(b"<") and challenge.endswith(b">"), challenge
    digest = hmac.new(b"password", challenge, "md5").hexdigest()
    c.send(b64(b"user " + digest.encode()).encode() + b"\r\nQUIT\r\n")
    expect(c.code(), "235", "cram-md5")
    expect(c.code(), "221", "quit")
    c.close()
    expect(srv.wait(), 0, "exit status")


def nothing_yet(c, what):
    """Nothing arrives while the server stalls (an hour, so that a slow
    machine cannot make the probe's half second look like the end of it)."""
    c.sock.settimeout(0.5)
    try:
        chunk = c.sock.recv(4096)
    except socket.timeout:
        return
    finally:
        c.sock.settimeout(5)
    raise AssertionError("%s: got %r during the stall" % (what, chunk))


@test
def line_pause(tmp):
    script = {"connections": [
        {"ehlo": {"reply": ["250-a", "250-b", "250 c"], "line_pause": 0.3}},
        {"ehlo": {"reply": ["250-a", "250-b", "250 c"], "line_pause": 3600}},
    ]}
    srv = Server(tmp, script=script, args=["--sessions", "2"])
    c = srv.raw()
    c.reply()
    c.send(b"EHLO x\r\n")
    expect(c.reply(), [b"250-a\r\n", b"250-b\r\n", b"250 c\r\n"], "paused EHLO")
    c.send(b"QUIT\r\n")
    c.reply()
    c.close()
    # the pause is between lines: the first line comes, then nothing
    c = srv.raw()
    c.reply()
    c.send(b"EHLO x\r\n")
    expect(c.sock.recv(4096), b"250-a\r\n", "first line, alone")
    nothing_yet(c, "line_pause")
    c.close()
    expect(srv.wait(), 0, "exit status")
    expect(srv.recorded(2, "server"), GREETING + b"250-a\r\n", "server recording")


@test
def actions(tmp):
    script = {"connections": [
        {"greeting": {"close": True}},
        {"greeting": {"raw": "garbage\xff\r\n", "then_close": True}},
        {"replies": {"MAIL": {"stall": 0.5, "reply": "451 slow"},
                     "RCPT": {"reply": "250 split", "split": True},
                     "DATA": {"reply": "554 no", "then_close": True}}},
        {"replies": {"DATA": {"close": True}}},
        {"replies": {"NOOP": [{"stall": 0.2, "default": True}, {"stall": 0.1}],
                     "QUIT": {"raw": "221 a\r\n221 b"}}},
    ]}
    srv = Server(tmp, script=script, args=["--sessions", "5"])
    c = srv.raw()
    expect(c.rest(), b"", "close before greeting")
    c.close()
    c = srv.raw()
    expect(c.rest(), b"garbage\xff\r\n", "raw greeting")
    c.close()
    c = srv.raw()
    c.reply()
    c.send(b"HELO x\r\n")
    c.reply()
    c.send(b"MAIL FROM:<a@b>\r\n")
    expect(c.reply(), [b"451 slow\r\n"], "stalled MAIL")
    c.send(b"RCPT TO:<c@d>\r\n")
    expect(c.reply(), [b"250 split\r\n"], "split reply")
    c.send(b"DATA\r\n")
    expect(c.rest(), b"554 no\r\n", "then_close")
    c.close()
    c = srv.raw()
    c.reply()
    c.send(b"HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n")
    expect([c.code() for _ in range(3)], ["250"] * 3, "before DATA")
    expect(c.rest(), b"", "close instead of DATA reply")
    c.close()
    c = srv.raw()
    c.reply()
    c.send(b"NOOP\r\nNOOP\r\nQUIT\r\n")
    expect(c.reply(), [b"250 2.0.0 Ok\r\n"], "stall+default")
    expect(c.rest(), b"221 a\r\n221 b", "stall-only sends nothing; raw QUIT")
    c.close()
    expect(srv.wait(), 0, "exit status")
    expect(srv.recorded(3, "server"), GREETING + b"250 smtpc-test.localhost"
           b"\r\n451 slow\r\n250 split\r\n554 no\r\n", "server recording")
    expect(srv.messages(), [], "nothing delivered")


@test
def stall_holds_the_reply(tmp):
    # what `actions` cannot show without a clock: during a stall nothing
    # comes, whether a reply follows it or not
    script = {"connections": [
        {"replies": {"MAIL": {"stall": 3600, "reply": "451 slow"}}},
        {"replies": {"NOOP": {"stall": 3600, "default": True}}},
    ]}
    srv = Server(tmp, script=script, args=["--sessions", "2"])
    for command in (b"MAIL FROM:<a@b>\r\n", b"NOOP\r\n"):
        c = srv.raw()
        c.reply()
        c.send(b"HELO x\r\n")
        c.reply()
        c.send(command)
        nothing_yet(c, command.decode().strip())
        c.close()
    expect(srv.wait(), 0, "exit status")
    for k in (1, 2):
        expect(srv.recorded(k, "server"), GREETING + b"250 smtpc-test.localhost\r\n",
               "conn-%d: nothing after HELO's reply" % k)


@test
def stall_forever_ends_when_client_leaves(tmp):
    srv = Server(tmp, script={"greeting": {"stall": 3600}},
                 args=["--sessions", "1"])
    c = srv.raw()
    c.send(b"EHLO early\r\n")
    time.sleep(0.3)
    c.close()
    expect(srv.wait(3), 0, "exit status")
    expect(srv.recorded(1, "client"), b"EHLO early\r\n", "recorded during stall")


@test
def scripted_auth_and_require_auth(tmp):
    script = {"require_auth": True,
              "replies": {"AUTH": "334 Z2FyYmFnZQ==",
                          "AUTH_CONT": ["334 again", "235 fine"]}}
    srv = Server(tmp, script=script, args=["--sessions", "1"])
    c = srv.raw()
    c.reply()
    c.send(b"EHLO x\r\nMAIL FROM:<a@b>\r\nAUTH LOGIN\r\nx\r\ny\r\n"
           b"MAIL FROM:<a@b>\r\nQUIT\r\n")
    c.reply()
    expect(c.reply(), [b"530 5.7.0 Authentication required\r\n"], "no auth")
    expect([c.line() for _ in range(3)],
           [b"334 Z2FyYmFnZQ==\r\n", b"334 again\r\n", b"235 fine\r\n"],
           "scripted exchange")
    expect([c.code(), c.code()], ["250", "221"], "after AUTH")
    c.close()
    expect(srv.wait(), 0, "exit status")


@test
def starttls_and_strict_crlf(tmp):
    script = {"connections": [{}, {"replies": {"STARTTLS": "220 go ahead"},
                                   "strict_crlf": True}]}
    srv = Server(tmp, script=script, args=["--sessions", "2"])
    c = srv.raw()
    c.reply()
    c.send(b"EHLO x\r\nSTARTTLS\r\nQUIT\r\n")
    c.reply()
    expect(c.reply(), [b"454 4.7.0 TLS not available\r\n"], "default")
    c.reply()
    c.close()
    c = srv.raw()
    c.reply()
    c.send(b"EHLO x\nSTARTTLS\r\n")
    expect(c.reply(), [b"500 5.5.2 Error: bare LF in command line\r\n"], "LF")
    expect(c.reply(), [b"220 go ahead\r\n"], "scripted STARTTLS")
    c.send(b"\x16\x03\x01hello")
    time.sleep(0.2)
    c.close()
    expect(srv.wait(), 0, "exit status")
    assert srv.recorded(2, "client").endswith(b"\x16\x03\x01hello")


@test
def print_and_sigterm(tmp):
    srv = Server(tmp, args=["--print"])
    s = srv.smtp()
    s.sendmail("from@x", ["to1@y", "to2@y"], "Subject: demo\r\n\r\nHello!\r\n")
    s.quit()
    idle = srv.raw()        # an open connection must not block shutdown
    idle.reply()
    expect(srv.stop(), 0, "exit status after SIGTERM")
    idle.close()
    out = srv.stdout()
    assert out.startswith("listening 127.0.0.1 %d\n" % srv.port), out
    for piece in ("MAIL FROM: <from@x>", "RCPT TO: <to1@y>", "RCPT TO: <to2@y>",
                  "Subject: demo\n\nHello!\n"):
        assert piece in out, (piece, out)


@test
def idle_timeout(tmp):
    # --timeout 0.5 closes a silent connection; the default (30 s) would
    # outlast the 20 s this client waits for the end (a harness bound, not
    # a measurement), and the test would fail on the socket's timeout
    srv = Server(tmp, args=["--sessions", "1", "--timeout", "0.5"])
    c = srv.raw()
    c.sock.settimeout(20)
    expect(c.rest(), GREETING, "closed after idle timeout")
    c.close()
    expect(srv.wait(), 0, "exit status")


@test
def refuses_non_loopback_and_bad_script(tmp):
    for addr in ("0.0.0.0", "192.168.1.1", "localhost", "::"):
        p = subprocess.Popen([PYTHON, SERVER, "--listen", addr],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        STARTED.append(p)
        out, err = p.communicate(timeout=5)
        assert p.returncode != 0, addr
        assert b"loopback" in err, err
    bad = os.path.join(tmp, "bad.json")
    with open(bad, "w") as f:
        json.dump({"replies": {"MAIL": {"reply": "250", "explode": True}}}, f)
    p = subprocess.Popen([PYTHON, SERVER, "--listen", "127.0.0.1", "--script",
                          bad], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    STARTED.append(p)
    out, err = p.communicate(timeout=5)
    expect(p.returncode, 2, "bad script exit status")
    assert b"explode" in err, err


@test
def make_certs_pki(tmp):
    # (how long it takes: bench/make-certs)
    out = os.path.join(tmp, "pki")
    expect(make_certs(out), ("certs: %s\n" % out).encode(), "output")
    def read(name):
        with open(os.path.join(out, name)) as f:
            return f.read()
    old_server = read("server.pem")
    make_certs(out)                     # idempotent: regenerates everything
    expect(sorted(os.listdir(out)), sorted(CERT_FILES + ["capath"]), "files")
    assert read("server.pem") != old_server, "not regenerated"
    expect(stat.S_IMODE(os.stat(out).st_mode), 0o755, "OUTDIR mode")
    for name in CERT_FILES:
        expect(stat.S_IMODE(os.stat(os.path.join(out, name)).st_mode), 0o644,
               name)
    capath = os.path.join(out, "capath")
    (hashed,) = os.listdir(capath)
    assert hashed.endswith(".0") and \
        not os.path.islink(os.path.join(capath, hashed)), hashed
    ca = read("ca.pem")
    expect(read(os.path.join("capath", hashed)), ca, "capath copy")
    # The PKI works with Python's ssl, even with strict X.509 checks:
    # handshakes over a socketpair, for every name in the certificate.
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(os.path.join(out, "server-combined.pem"))
    client = ssl.create_default_context(cadata=ca)
    client.verify_flags |= ssl.VERIFY_X509_STRICT
    for name in ("localhost", "mail.interop.test", "127.0.0.1", "::1"):
        a, b = socket.socketpair()
        with a, b:
            a.settimeout(5)
            b.settimeout(5)
            sa = server.wrap_socket(a, server_side=True,
                                    do_handshake_on_connect=False)
            sb = client.wrap_socket(b, server_hostname=name,
                                    do_handshake_on_connect=False)
            sa.setblocking(False)
            sb.setblocking(False)
            done = set()
            deadline = time.monotonic() + 5
            while len(done) < 2 and time.monotonic() < deadline:
                for side in (sa, sb):
                    if side not in done:
                        try:
                            side.do_handshake()
                            done.add(side)
                        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                            pass
            expect(len(done), 2, "in-memory handshake for " + name)


@test
def starttls_session_reset_and_decrypted_recording(tmp):
    cert = certs(tmp)
    srv = Server(tmp, args=["--sessions", "1"] + tls_args(cert))
    c = srv.raw()
    expect(c.reply(), [GREETING], "greeting")
    plain = (b"EHLO x\r\nAUTH PLAIN " + b64(b"\0user\0password").encode()
             + b"\r\nSTARTTLS\r\n")
    c.send(plain)
    ehlo = c.reply()
    expect(len(ehlo), 8, "EHLO lines")
    expect(ehlo[-2:], [b"250-STARTTLS\r\n", b"250 SMTPUTF8\r\n"],
           "STARTTLS advertised before the last line")
    (auth,) = c.reply()
    expect(auth, b"235 2.7.0 Authentication successful\r\n", "AUTH")
    expect(c.reply(), [b"220 2.0.0 Ready to start TLS\r\n"], "STARTTLS")
    c.starttls(client_context(cert))
    version, cipher = c.sock.version(), c.sock.cipher()[0]
    after = (b"MAIL FROM:<a@b>\r\nEHLO y\r\nSTARTTLS\r\nMAIL FROM:<a@b>\r\n"
             b"RCPT TO:<c@d>\r\nDATA\r\nsecret\r\n.\r\nQUIT\r\n")
    c.send(after)
    expect(c.code(), "503", "MAIL: EHLO forgotten after TLS")
    ehlo2 = c.reply()
    expect(ehlo2, [line for line in ehlo if b"STARTTLS" not in line],
           "EHLO after TLS")
    expect(c.reply(), [b"503 5.5.1 TLS already active\r\n"], "2nd STARTTLS")
    expect([c.code() for _ in range(5)], ["250", "250", "354", "250", "221"],
           "mail over TLS")
    c.close()
    expect(srv.wait(), 0, "exit status")
    expect(srv.messages(), [(b"secret\r\n", {
        "mail_from": "a@b", "mail_params": "", "rcpt_to": ["c@d"],
        "helo": "y", "auth_user": None, "connection": 1,
        "tls": {"version": version, "cipher": cipher}})], "stored")
    expect(version, "TLSv1.3", "version")
    client = srv.recorded(1, "client")
    expect(client, plain + after, "client recording: plain, then decrypted")
    server = srv.recorded(1, "server")
    before = len(GREETING) + len(b"".join(ehlo)) + len(auth) + 30
    expect(srv.tls_record(1), {
        "client_offset": len(plain), "server_offset": before, "ok": True,
        "version": version, "cipher": cipher, "sni": "localhost",
        "client_cert_subject": None, "error": None}, "conn-1.tls")
    expect(server[before - 30:before], b"220 2.0.0 Ready to start TLS\r\n",
           "server offset")
    assert server[before:].startswith(b"503 ") and \
        server.endswith(b"221 2.0.0 Bye\r\n"), server[before:]


@test
def implicit_tls_client_cert_and_starttls_errors(tmp):
    cert = certs(tmp)
    srv = Server(tmp, args=["--sessions", "2", "--implicit-tls",
                            "--tls-client-ca", cert("ca.pem")] + tls_args(cert))
    # smtplib connects to 127.0.0.1: the IP SAN matches, and no SNI is sent.
    s = smtplib.SMTP_SSL(srv.listen, srv.port, timeout=5,
                         context=client_context(cert, client=True))
    s.ehlo("tls.example")
    expect("starttls" in s.esmtp_features, False, "no STARTTLS over TLS")
    expect("auth" in s.esmtp_features, True, "rest of EHLO")
    s.sendmail("a@b", ["c@d"], "over 465\r\n")
    s.quit()
    c = srv.raw(tls=client_context(cert))
    expect(c.reply(), [GREETING], "greeting over TLS")
    c.send(b"EHLO x\r\nSTARTTLS now\r\nSTARTTLS\r\nQUIT\r\n")
    expect(len(c.reply()), 7, "EHLO without STARTTLS")
    expect(c.reply(), [b"501 5.5.4 Syntax: STARTTLS\r\n"], "argument")
    expect(c.reply(), [b"503 5.5.1 TLS already active\r\n"], "again")
    expect(c.code(), "221", "QUIT")
    expect(c.rest(), b"", "EOF (close_notify) after QUIT")
    c.close()
    expect(srv.wait(), 0, "exit status")
    first, second = srv.tls_record(1), srv.tls_record(2)
    expect([first[k] for k in ("client_offset", "server_offset", "ok", "sni",
                               "client_cert_subject", "error")],
           [0, 0, True, None, "CN=smtpc-client", None], "conn-1.tls")
    expect([second[k] for k in ("ok", "sni", "client_cert_subject")],
           [True, "localhost", None], "conn-2.tls")
    ((data, env),) = srv.messages()
    expect(data, b"over 465\r\n", "stored")
    expect(env["tls"], {"version": first["version"],
                        "cipher": first["cipher"]}, "envelope tls")
    assert srv.recorded(2, "client").startswith(b"EHLO x\r\n")
    assert srv.recorded(2, "server").startswith(GREETING)


@test
def tls_scripted_starttls_and_handshake_failures(tmp):
    cert = certs(tmp)
    script = {"connections": [
        {"replies": {"STARTTLS": {"raw": "220 go ahead\r\n250 injected\r\n"}}},
        {},
        {},
        {"replies": {"STARTTLS": ["454 4.7.0 not now",
                                  {"stall": 0.1, "default": True}]}},
    ]}
    srv = Server(tmp, script=script, args=["--sessions", "4", "--tls-min",
                                           "1.3"] + tls_args(cert))
    # 1: the scripted reply wins over --tls-cert: no handshake, just record.
    c = srv.raw()
    c.reply()
    c.send(b"EHLO x\r\nSTARTTLS\r\n")
    expect(c.reply()[-2], b"250-STARTTLS\r\n", "advertised")
    expect([c.line(), c.line()], [b"220 go ahead\r\n", b"250 injected\r\n"],
           "injected raw bytes")
    c.send(b"\x16\x03\x01hello")
    time.sleep(0.2)
    c.close()
    # 2: garbage instead of a ClientHello.
    c = srv.raw()
    c.reply()
    plain = b"EHLO x\r\nSTARTTLS\r\n"
    c.send(plain)
    c.reply()
    expect(c.reply(), [b"220 2.0.0 Ready to start TLS\r\n"], "220")
    c.send(b"GET / HTTP/1.0\r\n\r\n")
    try:
        c.rest()                # the server ends the connection ...
    except ConnectionResetError:
        pass                    # ... maybe with unread data: RST
    c.close()
    # 3: the client offers TLS 1.2 at most, the server wants 1.3.
    c = srv.raw()
    c.reply()
    c.send(plain)
    c.reply()
    c.reply()
    ctx = client_context(cert)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    try:
        c.starttls(ctx)
        raise AssertionError("TLS 1.2 handshake accepted despite --tls-min 1.3")
    except ssl.SSLError:
        pass
    c.close()
    # 4: a scripted 454, then a slow but real STARTTLS.
    c = srv.raw()
    c.reply()
    c.send(b"EHLO x\r\nSTARTTLS\r\n")
    c.reply()
    expect(c.reply(), [b"454 4.7.0 not now\r\n"], "scripted 454")
    c.send(b"STARTTLS\r\n")
    expect(c.reply(), [b"220 2.0.0 Ready to start TLS\r\n"], "default 220")
    c.starttls(client_context(cert))
    c.send(b"QUIT\r\n")
    expect(c.code(), "221", "QUIT over TLS")
    c.close()
    expect(srv.wait(), 0, "exit status")
    assert not os.path.exists(os.path.join(srv.record, "conn-1.tls"))
    assert srv.recorded(1, "client").endswith(b"STARTTLS\r\n\x16\x03\x01hello")
    for k in (2, 3):
        info = srv.tls_record(k)
        expect([info[key] for key in ("client_offset", "ok", "version",
                                      "cipher", "client_cert_subject")],
               [len(plain), False, None, None, None], "conn-%d.tls" % k)
        assert info["error"], info
        expect(srv.recorded(k, "client"), plain, "nothing after the 220")
        expect(info["server_offset"], len(srv.recorded(k, "server")),
               "server offset")
    expect(srv.tls_record(4)["ok"], True, "conn-4.tls")


def main():
    passed = failed = 0
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="smtpc-server-selftest-") as tmp:
        try:
            for func in TESTS:
                try:
                    func(tmp)
                    passed += 1
                    print("ok   %s" % func.__name__)
                except Exception:
                    failed += 1
                    print("FAIL %s" % func.__name__)
                    traceback.print_exc(file=sys.stdout)
        finally:
            for proc in STARTED:            # only processes we started
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    print("elapsed %.1f s" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
