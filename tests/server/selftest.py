#!/usr/bin/python3
"""Self-test for smtpc_test_server.py (standard library only).

Starts the server as a subprocess on ephemeral loopback ports and checks the
default ESMTP behaviour, recording (with read boundaries), Maildir delivery,
AUTH, pipelining, CHUNKING/BDAT, DSN, the script actions and TLS (STARTTLS and
implicit TLS, with a test PKI made by tests/tls/make-certs.sh).  Prints "N passed, M failed" and exits non-zero on failure.
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
MAX_SIZE = 10485760
EHLO_LINES = [b"250-smtpc-test.localhost\r\n", b"250-PIPELINING\r\n",
              b"250-SIZE 10485760\r\n", b"250-8BITMIME\r\n",
              b"250-ENHANCEDSTATUSCODES\r\n", b"250-AUTH PLAIN LOGIN\r\n",
              b"250 SMTPUTF8\r\n"]


def ehlo_with(*extra):
    """The default EHLO reply with these lines before its last one."""
    return EHLO_LINES[:-1] + [b"250-%s\r\n" % e for e in extra] + EHLO_LINES[-1:]

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

    def reads(self, k):
        """conn-K.reads as [(offset, length)], checking each line's format."""
        out = []
        for line in self.recorded(k, "reads").splitlines():
            entry = json.loads(line)
            expect(line, b'{"offset": %d, "length": %d}' % (
                entry["offset"], entry["length"]), "conn-%d.reads line" % k)
            out.append((entry["offset"], entry["length"]))
        return out


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

    def replies(self, n):
        """The next n replies, each as one bytes object."""
        return [b"".join(self.reply()) for _ in range(n)]

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


# ---------------------------------------------------------------------------
# CHUNKING / BDAT (RFC 3030) and read boundaries

def queued(n):
    return b"250 2.0.0 Ok: queued as Q%06d\r\n" % n


def sent(n):
    return b"250 2.0.0 %d octets received\r\n" % n


MAIL_OK = b"250 2.1.0 Ok\r\n"
RCPT_OK = b"250 2.1.5 Ok\r\n"
OK = b"250 2.0.0 Ok\r\n"
BDAT_SYNTAX = b"501 5.5.4 Syntax: BDAT count [LAST]\r\n"
NEED_MAIL = b"503 5.5.1 Error: need MAIL command\r\n"
NO_RCPT = b"554 5.5.1 Error: no valid recipients\r\n"
BDAT_FAILED = b"503 5.5.1 Error: previous BDAT failed\r\n"
TOO_BIG = b"552 5.3.4 Message size exceeds fixed limit\r\n"


def bdat(chunk, last=False):
    return b"BDAT %d%s\r\n" % (len(chunk), b" LAST" if last else b"") + chunk


@test
def bdat_chunks_stored_untouched(tmp):
    srv = Server(tmp, script={"chunking": True}, args=["--sessions", "1"])
    c = srv.raw()
    talk = []

    def send(data):
        talk.append(data)
        c.send(data)

    c.reply()
    send(b"EHLO x\r\n")
    expect(c.reply(), ehlo_with(b"CHUNKING"), "EHLO")
    # 1: one chunk, in the same write as MAIL and RCPT
    one = b"Subject: one\r\n\r\n.leading dot\r\n..two\r\n.\r\nafter the dot\r\n"
    send(b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n" + bdat(one, True))
    expect(c.replies(3), [MAIL_OK, RCPT_OK, queued(1)], "one chunk")
    # 2: several chunks holding what would end DATA or look like commands,
    # a chunk boundary inside a CRLF, then a 0-octet LAST
    chunks = [b"line\r\n.\r\nQUIT\r\n", b"..x\r\nbare\nLF\r", b"\nRSET\r\n."]
    send(b"MAIL FROM:<>\r\nRCPT TO:<e@f>\r\nRCPT TO:<g@h>\r\n"
         + b"".join(bdat(k) for k in chunks) + b"BDAT 0 LAST\r\n")
    expect(c.replies(7), [MAIL_OK, RCPT_OK, RCPT_OK] + [sent(len(k)) for k in
           chunks] + [queued(2)], "several chunks")
    # 3: lower case, 20 digits, binary octets; the chunk comes in pieces and
    # the reply waits for its last octet
    send(b"mail from:<a@b>\r\nrcpt to:<c@d>\r\n"
         b"bdat 00000000000000000008 last\r\n\x00\xff")
    expect(c.replies(2), [MAIL_OK, RCPT_OK], "MAIL, RCPT")
    nothing_yet(c, "BDAT before the end of its chunk")
    send(b"\r\n.\r\n")
    send(b"\r")
    expect(c.replies(1), [queued(3)], "chunk in pieces")
    # 4: a message that is just a 0-octet LAST; 5: DATA still works
    send(b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 0 LAST\r\n"
         b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n..x\r\n.\r\nQUIT\r\n")
    expect(c.replies(7), [MAIL_OK, RCPT_OK, queued(4), MAIL_OK, RCPT_OK,
           b"354 End data with <CR><LF>.<CR><LF>\r\n", queued(5)], "empty; DATA")
    expect(c.reply(), [b"221 2.0.0 Bye\r\n"], "QUIT")
    c.close()
    expect(srv.wait(), 0, "exit status")
    msgs = srv.messages()
    expect([m[0] for m in msgs], [one, b"".join(chunks), b"\x00\xff\r\n.\r\n\r",
                                  b"", b".x\r\n"], "stored")
    expect([m[1]["transfer"] for m in msgs], [
        {"command": "BDAT", "chunks": [len(one)]},
        {"command": "BDAT", "chunks": [len(k) for k in chunks] + [0]},
        {"command": "BDAT", "chunks": [8]},
        {"command": "BDAT", "chunks": [0]},
        {"command": "DATA", "chunks": None}], "envelope transfer")
    expect(msgs[1][1], {"mail_from": "", "mail_params": "",
                        "rcpt_to": ["e@f", "g@h"], "helo": "x",
                        "auth_user": None, "connection": 1,
                        "transfer": {"command": "BDAT",
                                     "chunks": [15, 13, 8, 0]}}, "envelope 2")
    expect(srv.recorded(1, "client"), b"".join(talk), "client recording")


@test
def bdat_refused_chunk_is_consumed(tmp):
    srv = Server(tmp, script={"chunking": True}, args=["--sessions", "1"])
    c = srv.raw()
    c.reply()
    # no MAIL (not even EHLO): refused; the chunk "NOOP\r\n" is no command
    c.send(b"BDAT 6\r\nNOOP\r\nBDAT 4 LAST\r\nRSETEHLO x\r\n")
    expect(c.replies(3), [NEED_MAIL, NEED_MAIL, b"".join(ehlo_with(b"CHUNKING"))],
           "no MAIL")
    # no accepted RCPT; after that every BDAT fails, and DATA has no
    # transaction, until RSET
    c.send(b"MAIL FROM:<a@b>\r\nRCPT TO:c@d\r\n" + bdat(b"NOOP\r\n")
           + bdat(b"RSET\r\n", True) + b"DATA\r\n" + bdat(b"QUIT\r\n")
           + b"RSET\r\n" + bdat(b"QUIT\r\n") + b"NOOP\r\n")
    expect(c.replies(9), [MAIL_OK, b"501 5.5.4 Syntax: RCPT TO:<address>\r\n",
                          NO_RCPT, BDAT_FAILED, NEED_MAIL, BDAT_FAILED, OK,
                          NEED_MAIL, OK], "no RCPT, then RSET")
    # ... or until a new MAIL; DATA after an accepted chunk
    c.send(b"MAIL FROM:<a@b>\r\n" + bdat(b"x", True) + b"MAIL FROM:<a@b>\r\n"
           b"RCPT TO:<c@d>\r\n" + bdat(b"abc") + b"DATA\r\n"
           + bdat(b"def", True))
    expect(c.replies(7), [MAIL_OK, NO_RCPT, MAIL_OK, RCPT_OK, sent(3),
                          b"503 5.5.1 Error: BDAT in progress\r\n", queued(1)],
           "new MAIL; DATA after BDAT")
    # the size limit counts all the chunks, at LAST
    big = b"x" * MAX_SIZE
    c.send(b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n" + bdat(big) + bdat(b"y", True)
           + b"NOOP\r\n" + b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
           + bdat(big + b"z", True) + bdat(b"NOOP\r\n")
           + b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n" + bdat(big, True)
           + b"QUIT\r\n")
    expect(c.replies(11), [MAIL_OK, RCPT_OK, sent(MAX_SIZE), TOO_BIG, OK,
                           MAIL_OK, RCPT_OK, TOO_BIG, BDAT_FAILED,
                           MAIL_OK, RCPT_OK], "size")
    expect(c.replies(2), [queued(2), b"221 2.0.0 Bye\r\n"], "at the limit")
    c.close()
    expect(srv.wait(), 0, "exit status")
    msgs = srv.messages()
    expect([len(m[0]) for m in msgs], [6, MAX_SIZE], "stored sizes")
    expect(msgs[0][0], b"abcdef", "stored")
    assert msgs[1][0] == big, "the big message differs"
    expect([m[1]["transfer"]["chunks"] for m in msgs], [[3, 3], [MAX_SIZE]],
           "chunks")


@test
def bdat_syntax_and_without_chunking(tmp):
    script = {"connections": [{"chunking": True}, {}]}
    srv = Server(tmp, script=script, args=["--sessions", "2"])
    c = srv.raw()
    c.reply()
    bad = [b"BDAT", b"BDAT ", b"BDAT x", b"BDAT 5 LASTX", b"BDAT  5",
           b"BDAT 5 ", b"BDAT 5  LAST", b"BDAT 5 LAST extra", b"BDAT -1",
           b"BDAT +5", b"BDAT 5x", b"BDAT 123456789012345678901",
           b"BDAT \xd9\xa5"]                 # ARABIC-INDIC DIGIT FIVE
    c.send(b"EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
           + b"".join(line + b"\r\n" for line in bad) + b"NOOP\r\n"
           + b"BdAt 2 LaSt\r\nok" + b"QUIT\r\n")
    c.reply()
    expect(c.replies(2), [MAIL_OK, RCPT_OK], "MAIL, RCPT")
    expect(c.replies(len(bad)), [BDAT_SYNTAX] * len(bad), "syntax errors")
    expect(c.replies(3), [OK, queued(1), b"221 2.0.0 Bye\r\n"],
           "nothing consumed; the transaction goes on")
    c.close()
    # without "chunking": BDAT is unknown, its "chunk" is read as commands
    c = srv.raw()
    c.reply()
    c.send(b"EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
           b"BDAT 6\r\nNOOP\r\nBDAT 0 LAST\r\nQUIT\r\n")
    expect(c.reply(), EHLO_LINES, "EHLO without CHUNKING")
    expect(c.replies(6), [MAIL_OK, RCPT_OK, b"502 5.5.1 BDAT not offered\r\n",
                          OK, b"502 5.5.1 BDAT not offered\r\n",
                          b"221 2.0.0 Bye\r\n"], "no CHUNKING")
    c.close()
    expect(srv.wait(), 0, "exit status")
    expect([m[0] for m in srv.messages()], [b"ok"], "stored")


@test
def bdat_binarymime(tmp):
    script = {"connections": [{"chunking": True},
                              {"chunking": True, "binarymime": True}, {}]}
    srv = Server(tmp, script=script, args=["--sessions", "3"])
    unsupported = b"555 5.5.4 Unsupported option: BODY=BINARYMIME\r\n"
    for k in (1, 3):
        c = srv.raw()
        c.reply()
        c.send(b"EHLO x\r\nMAIL FROM:<a@b> BODY=BINARYMIME\r\n"
               b"mail from:<a@b> SIZE=10 body=binarymime\r\n"
               b"MAIL FROM:<a@b> BODY=8BITMIME\r\nQUIT\r\n")
        expect(c.reply(), ehlo_with(b"CHUNKING") if k == 1 else EHLO_LINES,
               "EHLO %d" % k)
        expect(c.replies(4), [unsupported, unsupported, MAIL_OK,
                              b"221 2.0.0 Bye\r\n"], "BINARYMIME refused")
        c.close()
        if k == 1:
            c = srv.raw()
            c.reply()
            body = b"\x00\r\n\xff\n.\r\n"
            c.send(b"EHLO x\r\nMAIL FROM:<a@b> BODY=BINARYMIME\r\n"
                   b"RCPT TO:<c@d>\r\nDATA\r\n" + bdat(body, True)
                   + b"MAIL FROM:<a@b> BODY=8BITMIME\r\nRCPT TO:<c@d>\r\n"
                   b"DATA\r\n.\r\nQUIT\r\n")
            expect(c.reply(), ehlo_with(b"CHUNKING", b"BINARYMIME"), "EHLO 2")
            expect(c.replies(8), [
                MAIL_OK, RCPT_OK,
                b"503 5.5.1 Error: BINARYMIME requires BDAT\r\n", queued(1),
                MAIL_OK, RCPT_OK, b"354 End data with <CR><LF>.<CR><LF>\r\n",
                queued(2)], "BINARYMIME")
            expect(c.reply(), [b"221 2.0.0 Bye\r\n"], "QUIT")
            c.close()
    expect(srv.wait(), 0, "exit status")
    msgs = srv.messages()
    expect([m[0] for m in msgs], [b"\x00\r\n\xff\n.\r\n", b""], "stored")
    expect([(m[1]["mail_params"], m[1]["transfer"]) for m in msgs], [
        ("BODY=BINARYMIME", {"command": "BDAT", "chunks": [8]}),
        ("BODY=8BITMIME", {"command": "DATA", "chunks": None})], "envelopes")


@test
def bdat_scripted_replies(tmp):
    script = {"chunking": True, "connections": [
        {"replies": {"BDAT": ["250 one", {"stall": 0.2, "reply": "250 two",
                                          "split": True}],
                     "BDAT_LAST": {"raw": "250 raw\r\n", "then_close": True}}},
        {"replies": {"BDAT": {"close": True}}},
        {"replies": {"BDAT": "550 5.7.1 chunk refused",
                     "BDAT_LAST": [{"stall": 0.1, "default": True},
                                   "452 4.3.1 full", {"line_pause": 0.05,
                                   "reply": ["250-fine", "250 stored"]}]}},
        {"chunking": False, "replies": {"BDAT": "250 scripted"}},
    ]}
    srv = Server(tmp, script=script, args=["--sessions", "4"])
    head = b"EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"
    # 1: the reply comes only once the chunk is complete, even with a
    # stall; then_close after the LAST reply
    c = srv.raw()
    c.reply()
    c.send(head + b"BDAT 5\r\nab")
    c.reply()
    c.replies(2)
    nothing_yet(c, "scripted BDAT before the end of its chunk")
    c.send(b"cde")
    expect(c.replies(1), [b"250 one\r\n"], "scripted BDAT")
    c.send(bdat(b"\r\n.\r\n") + bdat(b"fg", True))
    expect(c.replies(1), [b"250 two\r\n"], "stall + split")
    expect(c.rest(), b"250 raw\r\n", "raw LAST, then_close")
    c.close()
    # 2: close: the connection ends without waiting for the chunk
    c = srv.raw()
    c.reply()
    c.send(head + b"BDAT 100\r\n")
    c.reply()
    c.replies(2)
    expect(c.rest(), b"", "close")
    c.close()
    # 3: a scripted refusal fails the transaction; the LAST replies
    c = srv.raw()
    c.reply()
    c.send(head + bdat(b"NOOP\r\n") + bdat(b"NOOP\r\n", True)
           + b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n" + bdat(b"no", True)
           + b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n" + bdat(b"yes", True)
           + b"QUIT\r\n")
    c.reply()
    expect(c.replies(9), [MAIL_OK, RCPT_OK, b"550 5.7.1 chunk refused\r\n",
                          BDAT_FAILED, MAIL_OK, RCPT_OK, b"452 4.3.1 full\r\n",
                          MAIL_OK, RCPT_OK], "scripted refusals")
    expect(c.reply(), [b"250-fine\r\n", b"250 stored\r\n"], "line_pause LAST")
    expect(c.code(), "221", "QUIT")
    c.close()
    # 4: without chunking a scripted BDAT reply is just sent, nothing read
    c = srv.raw()
    c.reply()
    c.send(b"EHLO x\r\nBDAT 6\r\nNOOP\r\nQUIT\r\n")
    expect(c.reply(), EHLO_LINES, "EHLO")
    expect(c.replies(3), [b"250 scripted\r\n", OK, b"221 2.0.0 Bye\r\n"],
           "unknown verb with a scripted reply")
    c.close()
    expect(srv.wait(), 0, "exit status")
    msgs = srv.messages()
    expect([m[0] for m in msgs], [b"abcde\r\n.\r\nfg", b"yes"], "stored")
    expect([m[1]["transfer"]["chunks"] for m in msgs], [[5, 5, 2], [3]],
           "chunks")
    expect(srv.recorded(1, "server")[-len(b"250 raw\r\n"):], b"250 raw\r\n",
           "server recording")


@test
def bdat_print(tmp):
    srv = Server(tmp, script={"chunking": True}, args=["--print", "--sessions", "1"])
    c = srv.raw()
    c.reply()
    c.send(b"EHLO x\r\nMAIL FROM:<a@b> BODY=8BITMIME\r\nRCPT TO:<c@d>\r\n"
           + bdat(b"Subject: chunked\r\n\r\n") + bdat(b"Hello!\r\n", True)
           + b"QUIT\r\n")
    expect([c.code() for _ in range(6)], ["250"] * 5 + ["221"], "codes")
    c.close()
    expect(srv.wait(), 0, "exit status")
    expect(srv.stdout().split("\n", 1)[1],
           "--- message Q000001 (connection 1) ---\n"
           "MAIL FROM: <a@b> BODY=8BITMIME\nRCPT TO: <c@d>\n\n"
           "Subject: chunked\n\nHello!\n--- end of message Q000001 ---\n",
           "--print")


@test
def chunking_script_errors(tmp):
    for script, words in (
            ({"binarymime": True}, [b"'binarymime' needs 'chunking'"]),
            ({"chunking": "yes"}, [b"'chunking' must be true or false"]),
            ({"chunking": True, "connections": [
                {"binarymime": True}, {"chunking": False, "binarymime": True}]},
             [b"connections[1]", b"'binarymime' needs 'chunking'"])):
        path = os.path.join(tmp, "chunking.json")
        with open(path, "w") as f:
            json.dump(script, f)
        p = subprocess.Popen([PYTHON, SERVER, "--listen", "127.0.0.1",
                              "--script", path], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        STARTED.append(p)
        out, err = p.communicate(timeout=5)
        expect(p.returncode, 2, "exit status for %r" % script)
        for word in words:
            assert word in err, (word, err)


@test
def reads_file(tmp):
    srv = Server(tmp, script={"chunking": True}, args=["--sessions", "1"])
    c = srv.raw()
    expect(c.reply(), [GREETING], "greeting")
    big = b"B" * 32768
    writes = [(b"EHLO x\r\n", 1),
              (b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n", 2),
              (b"DATA\r\n", 1),
              (b"hello\r\n.\r\n", 1),
              (b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n" + bdat(big, True), 3),
              (b"QUIT\r\n", 1)]
    for data, replies in writes:
        c.send(data)
        c.replies(replies)
    c.close()
    expect(srv.wait(), 0, "exit status")
    offsets = []
    at = 0
    for data, _ in writes:
        offsets.append((at, len(data)))
        at += len(data)
    expect(srv.reads(1), offsets, "one read per client write")
    expect(srv.recorded(1, "client"), b"".join(w for w, _ in writes),
           "client recording")


@test
def bdat_over_starttls_and_decrypted_reads(tmp):
    cert = certs(tmp)
    srv = Server(tmp, script={"chunking": True, "binarymime": True},
                 args=["--sessions", "1"] + tls_args(cert))
    c = srv.raw()
    c.reply()
    plain = b"EHLO x\r\nSTARTTLS\r\n"
    c.send(plain)
    expect(c.reply(), ehlo_with(b"CHUNKING", b"BINARYMIME", b"STARTTLS"),
           "EHLO before TLS")
    expect(c.reply(), [b"220 2.0.0 Ready to start TLS\r\n"], "STARTTLS")
    c.starttls(client_context(cert))
    ehlo = b"EHLO y\r\n"
    c.send(ehlo)
    expect(c.reply(), ehlo_with(b"CHUNKING", b"BINARYMIME"), "EHLO over TLS")
    chunk = b"\x00secret\r\n.\r\n"
    rest = (b"MAIL FROM:<a@b> BODY=BINARYMIME\r\nRCPT TO:<c@d>\r\n"
            + bdat(chunk, True) + b"QUIT\r\n")
    c.send(rest)
    expect(c.replies(4), [MAIL_OK, RCPT_OK, queued(1), b"221 2.0.0 Bye\r\n"],
           "BDAT over TLS")
    c.close()
    expect(srv.wait(), 0, "exit status")
    ((data, env),) = srv.messages()
    expect(data, chunk, "stored")
    expect(env["transfer"], {"command": "BDAT", "chunks": [len(chunk)]},
           "transfer")
    expect(env["tls"]["version"], "TLSv1.3", "tls")
    expect(srv.tls_record(1)["client_offset"], len(plain), "TLS offset")
    expect(srv.reads(1), [(0, len(plain)), (len(plain), len(ehlo)),
                          (len(plain) + len(ehlo), len(rest))],
           "decrypted reads")


# ---------------------------------------------------------------------------
# DSN (RFC 3461)

GO_AHEAD = b"354 End data with <CR><LF>.<CR><LF>\r\n"


@test
def dsn_params_checked_and_kept(tmp):
    script = {"connections": [{"dsn": True}, {}]}
    srv = Server(tmp, script=script, args=["--sessions", "2"])
    c = srv.raw()
    c.reply()
    c.send(b"EHLO x\r\n")
    expect(c.reply(), ehlo_with(b"DSN"), "EHLO")
    bad = [(b"MAIL FROM:<a@b> RET=ALL", b"Bad RET parameter syntax"),
           (b"MAIL FROM:<a@b> RET=FULL RET=HDRS", b"Duplicate DSN parameter"),
           (b"MAIL FROM:<a@b> ENVID=x+2by", b"Bad ENVID parameter syntax"),
           (b"MAIL FROM:<a@b> ENVID=a=b", b"Bad ENVID parameter syntax"),
           (b"MAIL FROM:<a@b> ENVID=", b"Bad ENVID parameter syntax"),
           (b"MAIL FROM:<a@b> ENVID=+0A", b"Bad ENVID parameter syntax"),
           (b"MAIL FROM:<a@b> ENVID=" + b"e" * 101, b"Bad ENVID parameter syntax")]
    c.send(b"".join(line + b"\r\n" for line, _ in bad))
    for line, words in bad:
        expect(c.replies(1), [b"501 5.5.4 " + words + b"\r\n"], line.decode())
    c.send(b"MAIL FROM:<a@b> SIZE=5 ret=hdrs ENVID=x+2By\r\n")
    expect(c.replies(1), [MAIL_OK], "MAIL")
    bad = [(b"RCPT TO:<c@d> NOTIFY=NEVER,SUCCESS", b"Bad NOTIFY parameter syntax"),
           (b"RCPT TO:<c@d> NOTIFY=SOMETIMES", b"Bad NOTIFY parameter syntax"),
           (b"RCPT TO:<c@d> NOTIFY=DELAY,DELAY", b"Bad NOTIFY parameter syntax"),
           (b"RCPT TO:<c@d> NOTIFY=", b"Bad NOTIFY parameter syntax"),
           (b"RCPT TO:<c@d> ORCPT=c@d", b"Bad ORCPT parameter syntax"),
           (b"RCPT TO:<c@d> ORCPT=;c@d", b"Bad ORCPT parameter syntax"),
           (b"RCPT TO:<c@d> ORCPT=rfc822;", b"Bad ORCPT parameter syntax"),
           (b"RCPT TO:<c@d> ORCPT=rfc822;a+2", b"Bad ORCPT parameter syntax"),
           (b"RCPT TO:<c@d> NOTIFY=NEVER NOTIFY=NEVER", b"Duplicate DSN parameter")]
    c.send(b"".join(line + b"\r\n" for line, _ in bad))
    for line, words in bad:
        expect(c.replies(1), [b"501 5.5.4 " + words + b"\r\n"], line.decode())
    c.send(b"RCPT TO:<c@d> NOTIFY=success,FAILURE ORCPT=rfc822;c+2Btag+3D1@d\r\n"
           b"RCPT TO:<e@f>\r\nRCPT TO:<g@h> NOTIFY=NEVER\r\n"
           b"DATA\r\nhi\r\n.\r\nQUIT\r\n")
    expect(c.replies(6), [RCPT_OK, RCPT_OK, RCPT_OK, GO_AHEAD, queued(1),
                          b"221 2.0.0 Bye\r\n"], "RCPT, DATA")
    c.close()
    # without "dsn": no DSN offered, the parameters taken as before
    c = srv.raw()
    c.reply()
    c.send(b"EHLO x\r\n")
    expect(c.reply(), EHLO_LINES, "EHLO without dsn")
    c.send(b"MAIL FROM:<a@b> RET=ALL ENVID=a=b\r\n"
           b"RCPT TO:<c@d> NOTIFY=SOMETIMES\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n")
    expect(c.replies(5), [MAIL_OK, RCPT_OK, GO_AHEAD, queued(2),
                          b"221 2.0.0 Bye\r\n"], "without dsn")
    c.close()
    expect(srv.wait(), 0, "exit status")
    (_, one), (_, two) = srv.messages()
    expect(one, {"mail_from": "a@b", "mail_params": "SIZE=5 ret=hdrs ENVID=x+2By",
                 "rcpt_to": ["c@d", "e@f", "g@h"], "helo": "x", "auth_user": None,
                 "connection": 1,
                 "rcpt_params": [
                     "NOTIFY=success,FAILURE ORCPT=rfc822;c+2Btag+3D1@d", "",
                     "NOTIFY=NEVER"],
                 "dsn": {"ret": "HDRS", "envid": "x+y",
                         "rcpt": [{"notify": ["SUCCESS", "FAILURE"],
                                   "orcpt": "rfc822;c+tag=1@d"},
                                  {"notify": None, "orcpt": None},
                                  {"notify": ["NEVER"], "orcpt": None}]}},
           "envelope with dsn")
    expect(two, {"mail_from": "a@b", "mail_params": "RET=ALL ENVID=a=b",
                 "rcpt_to": ["c@d"], "helo": "x", "auth_user": None,
                 "connection": 2}, "envelope without dsn")


@test
def dsn_script_errors(tmp):
    path = os.path.join(tmp, "dsn.json")
    with open(path, "w") as f:
        json.dump({"dsn": "yes"}, f)
    p = subprocess.Popen([PYTHON, SERVER, "--listen", "127.0.0.1", "--script", path],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    STARTED.append(p)
    out, err = p.communicate(timeout=5)
    expect(p.returncode, 2, "exit status")
    assert b"'dsn' must be true or false" in err, err


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
