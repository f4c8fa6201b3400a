#!/usr/bin/python3
"""Self-test for smtpc_test_server.py (standard library only).

Starts the server as a subprocess on ephemeral loopback ports and checks the
default ESMTP behaviour, recording, Maildir delivery, AUTH, pipelining and the
script actions.  Prints "N passed, M failed" and exits non-zero on failure.
Every process it starts is terminated (by PID) before it exits.
"""

import base64
import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "smtpc_test_server.py")
PYTHON = sys.executable or "/usr/bin/python3"
GREETING = b"220 smtpc-test.localhost ESMTP smtpc test server\r\n"

STARTED = []        # every Popen we created, for cleanup
TESTS = []


def test(func):
    TESTS.append(func)
    return func


def b64(data):
    return base64.b64encode(data).decode("ascii")


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

    def raw(self):
        return Raw(self.listen, self.port)


class Raw:
    """A minimal raw client: send bytes, read complete replies."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=5)
        self.buf = b""

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
    c.send(b"AUTH CRAM-MD5\r\n")
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
def line_pause(tmp):
    script = {"ehlo": {"reply": ["250-a", "250-b", "250 c"], "line_pause": 0.3}}
    srv = Server(tmp, script=script, args=["--sessions", "1"])
    c = srv.raw()
    c.reply()
    t0 = time.monotonic()
    c.send(b"EHLO x\r\n")
    expect(c.reply(), [b"250-a\r\n", b"250-b\r\n", b"250 c\r\n"], "paused EHLO")
    assert time.monotonic() - t0 >= 0.55, "two pauses of 0.3 s expected"
    c.send(b"QUIT\r\n")
    c.reply()
    c.close()
    expect(srv.wait(), 0, "exit status")


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
    t0 = time.monotonic()
    c.send(b"MAIL FROM:<a@b>\r\n")
    expect(c.reply(), [b"451 slow\r\n"], "stalled MAIL")
    assert time.monotonic() - t0 >= 0.45, "stall too short"
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
    t0 = time.monotonic()
    c.send(b"NOOP\r\nNOOP\r\nQUIT\r\n")
    expect(c.reply(), [b"250 2.0.0 Ok\r\n"], "stall+default")
    expect(c.rest(), b"221 a\r\n221 b", "stall-only sends nothing; raw QUIT")
    assert time.monotonic() - t0 >= 0.28, "stalls too short"
    c.close()
    expect(srv.wait(), 0, "exit status")
    expect(srv.recorded(3, "server"), GREETING + b"250 smtpc-test.localhost"
           b"\r\n451 slow\r\n250 split\r\n554 no\r\n", "server recording")
    expect(srv.messages(), [], "nothing delivered")


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
    srv = Server(tmp, args=["--sessions", "1", "--timeout", "0.5"])
    c = srv.raw()
    t0 = time.monotonic()
    expect(c.rest(), GREETING, "closed after idle timeout")
    assert 0.4 <= time.monotonic() - t0 < 3, "timeout not honoured"
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
