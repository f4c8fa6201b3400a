#!/usr/bin/python3
"""Integration tests: the smtpc command-line tool against the scriptable
test server (tests/server/smtpc_test_server.py).

Every test starts its own server on an ephemeral loopback port, runs smtpc
once (or not at all, when the input must be refused before connecting),
lets the server finish and then checks, byte for byte:

  C: what the client sent       (the server's record, conn-1.client)
  M: what the server stored     (Maildir new/ and the envelope JSON)
  X: smtpc's exit status        (sysexits, see tools/smtpc/cli.h)
  E: smtpc's stderr             (one line naming the step and the server's words)

Usage:
  test_cli.py --smtpc PATH/smtpc --server PATH/smtpc_test_server.py
              [--tls-backends=openssl,mbedtls] [--python /usr/bin/python3]
              [--wrapper "valgrind ..."] [--class NAME]... [-k SUBSTRING]...
              [--keep] [-q]

--tls-backends names the TLS backends smtpc was built with (empty: none;
absent: unknown, and the cases that depend on it are skipped). TLS itself
is test_tls.py's; here only what a build without TLS does. --class runs
only the named TestCase class (T01Transport ...): CTest runs each as its own
entry. The server, the wire model and CliTest are tests/harness/smtpc_harness.py.

Python 3 standard library only. The last line printed is "N passed, M failed";
the exit status is non-zero when anything failed.
"""

import argparse
import base64
import email.utils
import hmac
import json
import os
import re
import socket
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from smtpc_harness import (  # noqa: E402  (the test server harness and the wire model)
    CONF, EHLO, EHLO_NAME, HELO, PLAIN_MESSAGE, QUIT, RCPT, SENDER,
    EX_CONFIG, EX_DATAERR, EX_IOERR, EX_NOHOST, EX_NOPERM, EX_OK, EX_PROTOCOL, EX_TEMPFAIL,
    EX_UNAVAILABLE, EX_USAGE,
    CliTest, b64, data_section, ipv6_loopback_available, run_cli_tests, mail_line, mail_params,
    normalise, txn_wire)

USER = "alice"
PASSWORD = "S3cret-Pa55 w0rd"   # distinctive: must never show up in a trace

# Set by main() from the command line: the TLS backends smtpc was built with
# (None: not given).
CLI_CONF = argparse.Namespace(tls_backends=None)


# ---------------------------------------------------------------------------
# 1. Transport: IPv4 and IPv6
# ---------------------------------------------------------------------------

class T01Transport(CliTest):
    def test_01_ipv4(self):
        srv = self.server()
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertSentPlain(srv, p)
        self.assertEqual(normalise(PLAIN_MESSAGE), PLAIN_MESSAGE)  # model sanity

    def test_01_ipv4_forced_family(self):
        srv = self.server()
        p = self.run_smtpc(["-4", "--server", "localhost:%d" % srv.port, "--ehlo", EHLO_NAME,
                            "--from", SENDER, "--message", self.write("m", PLAIN_MESSAGE), RCPT])
        srv.finish()
        self.assertSentPlain(srv, p)

    def test_01_large_message(self):
        # about 1.5 MB: many partial writes; dots and 8-bit bytes throughout
        lines = []
        for i in range(20000):
            lead = b"." if i % 7 == 0 else b""
            lines.append(lead + b"line %06d \xc3\xa9 " % i + b"abcdefghij" * (i % 9))
        message = PLAIN_MESSAGE + b"\r\n".join(lines) + b"\r\n"
        srv = self.server()
        p = self.send(srv, message=message)
        self.assertSentPlain(srv, p, message)
        self.assertIn(b" BODY=8BITMIME\r\n", srv.client_bytes())

    def test_01_message_from_stdin(self):
        srv = self.server()
        p = self.send(srv, "--message", "-", stdin=PLAIN_MESSAGE)
        self.assertSentPlain(srv, p)

    def test_01_empty_body_with_subject(self):
        # headers and no body is a message: only an empty input is refused
        # (T11 test_11_empty_message)
        srv = self.server()
        p = self.send(srv, "--subject", "nothing more", message=None, stdin=b"")
        self.assertExit(p, EX_OK)
        self.assertEqual(len(srv.messages()), 1)

    def test_01_utf8_recipient(self):
        srv = self.server()
        rcpt = "j\u00fcrgen@example.org"
        p = self.send(srv, message=PLAIN_MESSAGE, rcpts=[rcpt])
        self.assertExit(p, EX_OK)
        params = mail_params(PLAIN_MESSAGE) + " SMTPUTF8"
        self.assertWire(srv, EHLO + txn_wire(PLAIN_MESSAGE, [rcpt], params=params) + QUIT)
        self.assertStored(srv, PLAIN_MESSAGE, [rcpt], params=params)

    def test_01_utf8_recipient_without_smtputf8(self):
        srv = self.server({"ehlo": ["250-smtpc-test.localhost", "250-SIZE 10485760",
                                    "250 8BITMIME"]})
        p = self.send(srv, message=PLAIN_MESSAGE, rcpts=["j\u00fcrgen@example.org"])
        self.assertExit(p, EX_DATAERR)
        self.assertErrorLine(p, "SMTPUTF8")
        self.assertWire(srv, EHLO + QUIT)
        self.assertNothingStored(srv)

    def test_01_size_over_server_limit(self):
        srv = self.server({"ehlo": ["250-smtpc-test.localhost", "250 SIZE 100"]})
        message = PLAIN_MESSAGE + b"z" * 100 + b"\r\n"
        p = self.send(srv, message=message)
        self.assertExit(p, EX_DATAERR)
        self.assertErrorLine(p, "larger", "(%d octets; the server takes at most 100)"
                             % len(normalise(message)))
        self.assertWire(srv, EHLO + QUIT)
        self.assertNothingStored(srv)

    @unittest.skipUnless(ipv6_loopback_available(), "no IPv6 loopback (::1) here")
    def test_01_ipv6(self):
        srv = self.server(listen="::1")
        self.assertTrue(srv.address().startswith("[::1]:"))
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertSentPlain(srv, p)


# ---------------------------------------------------------------------------
# 2. --subject: the header builder
# ---------------------------------------------------------------------------

DATE_RE = (rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d "
           rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
           rb"\d\d:\d\d:\d\d \+0000")


def header_re(subject, rcpts, priority=b""):
    to = b",\r\n ".join(re.escape(r.encode()) for r in rcpts)
    return re.compile(
        rb"Date: (?P<date>" + DATE_RE + rb")\r\n"
        rb"From: " + re.escape(SENDER.encode()) + rb"\r\n"
        rb"To: " + to + rb"\r\n"
        rb"Subject: " + re.escape(subject) + rb"\r\n"
        rb"Message-ID: <(?P<id>[!-;=?-~]+)@example\.org>\r\n"
        + re.escape(priority) +
        rb"MIME-Version: 1\.0\r\n"
        rb"Content-Type: text/plain; charset=utf-8\r\n"
        rb"Content-Transfer-Encoding: 8bit\r\n"
        rb"\r\n", re.DOTALL)


class T02Subject(CliTest):
    def check_built(self, srv, p, subject, raw_body, rcpts, priority=b""):
        """The stored message is the headers (variable parts matched
        precisely) followed by the normalised body; the wire carries the
        same, stuffed, with SIZE the length smtpc was given."""
        self.assertExit(p, EX_OK)
        self.assertEqual(p.err, "")
        msgs = srv.messages()
        self.assertEqual(len(msgs), 1)
        stored, envelope = msgs[0]
        m = header_re(subject, rcpts, priority).match(stored)
        self.assertIsNotNone(m, "headers do not match:\n%r" % stored[:600])
        headers = stored[:m.end()]
        self.assertEqual(stored[m.end():], normalise(raw_body))
        when = email.utils.parsedate_to_datetime(m.group("date").decode()).timestamp()
        # within the run, give or take the second of the header's
        # resolution (time() can lag the clock read here by a tick)
        self.assertTrue(int(p.wall_clock[0]) - 1 <= when <= p.wall_clock[1] + 1,
                        "Date is not the time smtpc ran: %s, not within %r"
                        % (m.group("date"), p.wall_clock))
        raw = headers + raw_body                    # what smtpc was given
        self.assertEqual(envelope["mail_params"], mail_params(raw))
        self.assertEqual(envelope["rcpt_to"], list(rcpts))
        self.assertWire(srv, EHLO + txn_wire(raw, rcpts) + QUIT)
        return headers

    def test_02_subject_body_from_stdin(self):
        srv = self.server()
        body = b"Line one\nLine two\n.line with a dot\n"
        p = self.send(srv, "--subject", "Hello there", stdin=body)
        self.check_built(srv, p, b"Hello there", body, [RCPT])

    def test_02_subject_body_file_priority_high(self):
        srv = self.server()
        body = "Grüße aus dem Test\r\nzweite Zeile\r\n".encode("utf-8")
        rcpts = [RCPT, "c@example.org"]
        p = self.send(srv, "--subject", "Priority test", "--priority", "high",
                      "--body-file", self.write("body", body), rcpts=rcpts)
        self.check_built(srv, p, b"Priority test", body, rcpts,
                         priority=b"X-Priority: 1 (Highest)\r\nImportance: high\r\n")
        # 8-bit body: BODY=8BITMIME was asked for
        self.assertIn(b" BODY=8BITMIME\r\n", srv.client_bytes())

    def test_02_priority_low(self):
        srv = self.server()
        p = self.send(srv, "--subject", "low", "--priority", "low", stdin=b"x\r\n")
        self.check_built(srv, p, b"low", b"x\r\n", [RCPT],
                         priority=b"X-Priority: 5 (Lowest)\r\nImportance: low\r\n")

    def test_02_non_ascii_subject_encoded(self):
        import email.header
        srv = self.server()
        subject = "Gr\u00fc\u00dfe aus K\u00f6ln, \u00e4\u00f6\u00fc " * 4
        p = self.send(srv, "--subject", subject, stdin=b"body\n")
        self.assertExit(p, EX_OK)
        stored = srv.messages()[0][0]
        m = re.search(rb"\r\nSubject: ((?:.|\r\n )*)\r\nMessage-ID: ", stored)
        self.assertIsNotNone(m, stored[:400])
        raw = m.group(1)
        self.assertTrue(all(b < 0x80 for b in raw), "raw 8-bit bytes in Subject")
        for word in raw.split(b"\r\n "):
            self.assertRegex(word, rb"\A=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=\Z")
            self.assertLessEqual(len(word), 75)
            base64.b64decode(word[10:-2]).decode("utf-8")   # whole characters per word
        decoded = str(email.header.make_header(email.header.decode_header(
            raw.decode().replace("\r\n ", " "))))
        self.assertEqual(decoded, subject)

    def test_02_message_ids_differ(self):
        ids = []
        for _ in range(2):
            srv = self.server()
            p = self.send(srv, "--subject", "id", stdin=b"x\n")
            self.assertExit(p, EX_OK)
            m = header_re(b"id", [RCPT]).match(srv.messages()[0][0])
            self.assertIsNotNone(m)
            ids.append(m.group("id"))
        self.assertNotEqual(ids[0], ids[1])


# ---------------------------------------------------------------------------
# 3. Several recipients, one refused
# ---------------------------------------------------------------------------

ONE_REFUSED = {"replies": {"RCPT": ["250 2.1.5 ok", "550 5.1.1 no such user"]}}


class T03Recipients(CliTest):
    def test_03_all_accepted(self):
        srv = self.server()
        rcpts = [RCPT, "c@example.org", "d@example.org"]
        p = self.send(srv, message=PLAIN_MESSAGE, rcpts=rcpts)
        self.assertSentPlain(srv, p, rcpts=rcpts)

    def test_03_one_refused_all_or_nothing(self):
        srv = self.server(ONE_REFUSED)
        p = self.send(srv, message=PLAIN_MESSAGE, rcpts=[RCPT, "c@example.org"])
        self.assertExit(p, EX_UNAVAILABLE)
        self.assertErrorLine(p, "RCPT TO", "550 5.1.1 no such user",
                             extra_prefix="smtpc: recipient not accepted: c@example.org")
        self.assertWire(srv, EHLO + mail_line(SENDER, mail_params(PLAIN_MESSAGE))
                        + b"RCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\n"
                        + b"RSET\r\n" + QUIT)
        self.assertNotIn(b"DATA", srv.client_bytes())
        self.assertNothingStored(srv)

    def test_03_one_refused_allow_partial(self):
        srv = self.server(ONE_REFUSED)
        p = self.send(srv, "--allow-partial", message=PLAIN_MESSAGE,
                      rcpts=[RCPT, "c@example.org"])
        self.assertExit(p, EX_OK)
        self.assertErrorLine(p, "c@example.org", "550 5.1.1 no such user")
        self.assertNotIn("b@example.org", p.err)
        self.assertWire(srv, EHLO + txn_wire(PLAIN_MESSAGE, [RCPT, "c@example.org"]) + QUIT)
        self.assertStored(srv, PLAIN_MESSAGE, [RCPT])

    def test_03_all_refused_allow_partial(self):
        srv = self.server({"replies": {"RCPT": "550 5.1.1 no such user"}})
        p = self.send(srv, "--allow-partial", message=PLAIN_MESSAGE,
                      rcpts=[RCPT, "c@example.org"])
        self.assertExit(p, EX_UNAVAILABLE)
        self.assertErrorLine(p, "RCPT TO", "550 5.1.1 no such user")
        # pipelined: DATA goes with the RCPTs under this policy, and is refused
        self.assertWire(srv, EHLO + mail_line(SENDER, mail_params(PLAIN_MESSAGE))
                        + b"RCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\n"
                        + b"DATA\r\nRSET\r\n" + QUIT)
        self.assertNothingStored(srv)


# ---------------------------------------------------------------------------
# 4. Authentication
# ---------------------------------------------------------------------------

USERS = {"users": {USER: PASSWORD}}
PLAIN_B64 = b64(b"\0" + USER.encode() + b"\0" + PASSWORD.encode())


class T04Auth(CliTest):
    def auth_send(self, srv, *extra, env=None, message=PLAIN_MESSAGE, connects=True):
        return self.send(srv, "--user", USER, *extra, message=message, env=env,
                         connects=connects)

    def test_04_plain_env_password(self):
        srv = self.server(USERS)
        p = self.auth_send(srv, "--allow-plaintext-auth", env={"SMTPC_PASSWORD": PASSWORD})
        self.assertExit(p, EX_OK)
        self.assertEqual(p.err, "")
        self.assertWire(srv, EHLO + ("AUTH PLAIN %s\r\n" % PLAIN_B64).encode()
                        + txn_wire(PLAIN_MESSAGE) + QUIT)
        self.assertStored(srv, PLAIN_MESSAGE, auth_user=USER)

    def test_04_plain_password_file(self):
        for content in (PASSWORD.encode() + b"\nsecond line is ignored\n",
                        PASSWORD.encode() + b"\r\n", PASSWORD.encode()):
            with self.subTest(content=content):
                srv = self.server(USERS)
                pw = self.write("pw", content)
                os.chmod(pw, 0o600)
                p = self.auth_send(srv, "--allow-plaintext-auth", "--auth", "plain",
                                   "--password-file", pw,
                                   env={"SMTPC_PASSWORD": "not this one"})
                self.assertExit(p, EX_OK)
                self.assertWire(srv, EHLO + ("AUTH PLAIN %s\r\n" % PLAIN_B64).encode()
                                + txn_wire(PLAIN_MESSAGE) + QUIT)
                self.assertStored(srv, PLAIN_MESSAGE, auth_user=USER)

    def test_04_password_file_open_to_others_refused(self):
        srv = self.server(USERS)
        pw = self.write("pw", PASSWORD.encode() + b"\n")
        os.chmod(pw, 0o644)
        p = self.auth_send(srv, "--allow-plaintext-auth", "--password-file", pw, connects=False)
        self.assertExit(p, EX_CONFIG)
        self.assertErrorLine(p, pw, "chmod 600")
        self.assertNotIn(PASSWORD, p.err)
        self.assertNoConnection(srv)

    def test_04_control_bytes_in_password(self):
        srv = self.server(USERS)
        p = self.auth_send(srv, "--allow-plaintext-auth",
                           env={"SMTPC_PASSWORD": "pw\r\nMAIL FROM:<e@x>"}, connects=False)
        self.assertExit(p, EX_DATAERR)
        self.assertErrorLine(p, "control")
        self.assertNotIn("MAIL FROM:<e@x>", p.err)
        self.assertNoConnection(srv)

    def test_04_login(self):
        srv = self.server(USERS)
        p = self.auth_send(srv, "--allow-plaintext-auth", "--auth", "login",
                           env={"SMTPC_PASSWORD": PASSWORD})
        self.assertExit(p, EX_OK)
        self.assertWire(srv, EHLO + b"AUTH LOGIN\r\n"
                        + ("%s\r\n%s\r\n" % (b64(USER), b64(PASSWORD))).encode()
                        + txn_wire(PLAIN_MESSAGE) + QUIT)
        with open(os.path.join(srv.record, "conn-1.server"), "rb") as f:
            server_side = f.read()
        self.assertIn(b"334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ", server_side)
        self.assertStored(srv, PLAIN_MESSAGE, auth_user=USER)

    def test_04_wrong_password(self):
        srv = self.server(USERS)
        p = self.auth_send(srv, "--allow-plaintext-auth", env={"SMTPC_PASSWORD": "wrong"})
        self.assertExit(p, EX_NOPERM)
        self.assertErrorLine(p, "AUTH", "535 5.7.8 Authentication credentials invalid")
        self.assertWire(srv, EHLO + ("AUTH PLAIN %s\r\n" % b64(b"\0alice\0wrong")).encode()
                        + QUIT)
        self.assertNothingStored(srv)

    def test_04_wrong_password_login(self):
        srv = self.server(USERS)
        p = self.auth_send(srv, "--allow-plaintext-auth", "--auth", "login",
                           env={"SMTPC_PASSWORD": "wrong"})
        self.assertExit(p, EX_NOPERM)
        self.assertErrorLine(p, "AUTH", "535")
        self.assertWire(srv, EHLO + b"AUTH LOGIN\r\n"
                        + ("%s\r\n%s\r\n" % (b64(USER), b64("wrong"))).encode() + QUIT)
        self.assertNothingStored(srv)

    def test_04_auth_temporary_failure(self):
        srv = self.server({"replies": {"AUTH": "454 4.7.0 temporary authentication failure"}})
        p = self.auth_send(srv, "--allow-plaintext-auth", env={"SMTPC_PASSWORD": PASSWORD})
        self.assertExit(p, EX_TEMPFAIL)
        self.assertErrorLine(p, "AUTH", "454 4.7.0 temporary authentication failure")
        self.assertNothingStored(srv)

    def test_04_no_plaintext_without_permission(self):
        for mech in ("auto", "plain", "login"):
            with self.subTest(auth=mech):
                srv = self.server(USERS)
                p = self.auth_send(srv, "--auth", mech, env={"SMTPC_PASSWORD": PASSWORD})
                self.assertExit(p, EX_CONFIG)
                self.assertErrorLine(p, "unencrypted")
                self.assertNotIn(PASSWORD, p.err)
                got = srv.client_bytes()
                self.assertNotIn(b"AUTH", got)
                self.assertNotIn(PLAIN_B64.encode(), got)
                self.assertNotIn(b64(PASSWORD).encode(), got)
                self.assertWire(srv, EHLO + QUIT)
                self.assertNothingStored(srv)

    def cram_server(self):
        script = dict(USERS)
        script["ehlo"] = ["250-smtpc-test.localhost", "250-SIZE 10485760",
                          "250 AUTH PLAIN LOGIN CRAM-MD5"]
        return self.server(script)

    def test_04_cram_md5_in_clear(self):
        # auto in clear picks CRAM-MD5: the password never leaves the client,
        # so no --allow-plaintext-auth is needed
        for mech in ("auto", "cram-md5"):
            with self.subTest(auth=mech):
                srv = self.cram_server()
                p = self.auth_send(srv, "--auth", mech, "-v", env={"SMTPC_PASSWORD": PASSWORD})
                self.assertExit(p, EX_OK)
                wire = srv.client_bytes()
                m = re.match(rb"EHLO test\.example\r\nAUTH CRAM-MD5\r\n([A-Za-z0-9+/=]+)\r\n",
                             wire)
                self.assertIsNotNone(m, wire[:200])
                with open(os.path.join(srv.record, "conn-1.server"), "rb") as f:
                    challenge = base64.b64decode(re.search(rb"\r\n334 (\S+)\r\n",
                                                           f.read()).group(1))
                want = hmac.new(PASSWORD.encode(), challenge, "md5").hexdigest()
                self.assertEqual(base64.b64decode(m.group(1)), ("%s %s" % (USER, want)).encode())
                self.assertEqual(wire[m.end():], txn_wire(PLAIN_MESSAGE) + QUIT)
                self.assertNotIn(PASSWORD.encode(), wire)
                self.assertIn("C: <redacted>", p.err)
                self.assertNotIn(m.group(1).decode(), p.err)
                self.assertStored(srv, PLAIN_MESSAGE, auth_user=USER)

    def test_04_cram_md5_wrong_password(self):
        srv = self.cram_server()
        p = self.auth_send(srv, "--auth", "cram-md5", env={"SMTPC_PASSWORD": "wrong"})
        self.assertExit(p, EX_NOPERM)
        self.assertErrorLine(p, "AUTH", "535")
        self.assertNothingStored(srv)

    def test_04_server_without_auth(self):
        srv = self.server({"ehlo": ["250-smtpc-test.localhost", "250-SIZE 10485760",
                                    "250 8BITMIME"]})
        p = self.auth_send(srv, "--allow-plaintext-auth", env={"SMTPC_PASSWORD": PASSWORD})
        self.assertExit(p, EX_CONFIG)
        self.assertErrorLine(p, "authentication")
        self.assertWire(srv, EHLO + QUIT)
        self.assertNotIn(b"MAIL", srv.client_bytes())
        self.assertNothingStored(srv)

    def test_04_user_without_password(self):
        srv = self.server(USERS)
        p = self.auth_send(srv, "--allow-plaintext-auth", connects=False)
        self.assertUsageError(p, "password")
        self.assertNoConnection(srv)


# ---------------------------------------------------------------------------
# 5. The -v trace never shows the password
# ---------------------------------------------------------------------------

SECRET_FORMS = [PASSWORD, PLAIN_B64, PLAIN_B64.rstrip("="), b64(PASSWORD),
                b64(PASSWORD).rstrip("="), b64(USER + "\0" + PASSWORD).rstrip("=")]


class T05Trace(CliTest):
    def traced(self, mech, expect_lines):
        srv = self.server(USERS)
        p = self.send(srv, "-v", "--user", USER, "--auth", mech, "--allow-plaintext-auth",
                      message=PLAIN_MESSAGE, env={"SMTPC_PASSWORD": PASSWORD})
        self.assertExit(p, EX_OK)
        lines = p.err.splitlines()
        for want in ["S: 220 smtpc-test.localhost ESMTP smtpc test server",
                     "C: EHLO test.example", "S: 250-AUTH PLAIN LOGIN", "S: 250 SMTPUTF8"] \
                + expect_lines + [
                     "S: 235 2.7.0 Authentication successful",
                     "C: " + mail_line(SENDER, mail_params(PLAIN_MESSAGE)).decode().rstrip(),
                     "C: RCPT TO:<b@example.org>", "C: DATA",
                     "S: 354 End data with <CR><LF>.<CR><LF>", "C: .",
                     "S: 250 2.0.0 Ok: queued as Q000001", "C: QUIT", "S: 221 2.0.0 Bye"]:
            self.assertIn(want, lines, "trace lacks %r:\n%s" % (want, p.err))
        for line in lines:
            self.assertRegex(line, r"^(C: |S: |\* )", "not a trace line")
        for secret in SECRET_FORMS:
            self.assertNotIn(secret, p.err, "the trace leaks %r" % secret)
            self.assertNotIn(secret.encode(), p.stdout)
        self.assertStored(srv, PLAIN_MESSAGE, auth_user=USER)
        return p

    def test_05_trace_plain(self):
        self.traced("plain", ["C: AUTH PLAIN <redacted>"])

    def test_05_trace_login(self):
        p = self.traced("login", ["C: AUTH LOGIN", "S: 334 VXNlcm5hbWU6",
                                  "S: 334 UGFzc3dvcmQ6"])
        self.assertEqual(p.err.count("C: <redacted>"), 2, p.err)

    def test_05_trace_wrong_password(self):
        srv = self.server(USERS)
        p = self.send(srv, "-v", "--user", USER, "--allow-plaintext-auth",
                      message=PLAIN_MESSAGE, env={"SMTPC_PASSWORD": "wr0ng-Secret"})
        self.assertExit(p, EX_NOPERM)
        for secret in ["wr0ng-Secret", b64("wr0ng-Secret").rstrip("="),
                       b64(b"\0alice\0wr0ng-Secret").rstrip("=")]:
            self.assertNotIn(secret, p.err)
        self.assertIn("S: 535 5.7.8 Authentication credentials invalid", p.err.splitlines())
        # the last line is still the error line
        self.assertRegex(p.err.splitlines()[-1], r"^smtpc: .*AUTH.*535")


# ---------------------------------------------------------------------------
# 6. SMTP smuggling: no body can end the data early
# ---------------------------------------------------------------------------

# Date and Message-ID present, so that smtpc adds nothing and the bytes
# stored are the bytes given.
HEAD = (b"From: a@example.org\r\nTo: b@example.org\r\nSubject: smuggling\r\n"
        b"Date: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <smuggling@example.org>\r\n\r\n")
SMUGGLED = (b"MAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.org>\r\n"
            b"DATA\r\nsmuggled message\r\n")

SMUGGLING_BODIES = {
    "lf_dot_lf": HEAD + b"before\n.\n" + SMUGGLED + b"after\r\n",
    "cr_dot_cr": HEAD + b"before\r.\r" + SMUGGLED + b"after\r\n",
    "lf_dot_crlf": HEAD + b"before\n.\r\n" + SMUGGLED + b"after\r\n",
    "crlf_dot_crlf": HEAD + b"before\r\n.\r\n" + SMUGGLED + b"after\r\n",
    "cr_dot_lf": HEAD + b"before\r.\n" + SMUGGLED + b"after\r\n",
    "leading_dot": HEAD + b".starts with a dot\r\n.\r\n..\r\n...x\r\n.",
    "ends_crlf_dot": HEAD + b"last line is a dot\r\n.",
    "ends_crlf_dot_crlf": HEAD + b"body\r\n.\r\n",
    "ends_lf_dot": HEAD + b"body\n.",
    "all": HEAD + b".a\n.\n.b\r.\r.c\n.\r\nd\r\n.\r\n" + SMUGGLED + b"\r\n.\r\n\r\n.",
}


class T06Smuggling(CliTest):
    def check(self, body):
        srv = self.server()
        p = self.send(srv, message=body)
        self.assertExit(p, EX_OK)
        self.assertEqual(p.err, "")
        stored = self.assertStored(srv, body)
        self.assertEqual(stored, normalise(body))
        wire = srv.client_bytes()
        self.assertEqual(wire.count(b"\r\n.\r\n"), 1, "more than one end of data on the wire")
        self.assertTrue(wire.endswith(b"\r\n.\r\n" + QUIT), wire[-40:])
        self.assertEqual(wire, EHLO + txn_wire(body) + QUIT)
        self.assertNotIn(b"victim", json.dumps(srv.messages()[0][1]).encode())

    def test_06_model_sanity(self):
        # the expected-data model itself, on hand-made cases
        self.assertEqual(data_section(b"a\n.\nb"), b"a\r\n..\r\nb\r\n.\r\n")
        self.assertEqual(data_section(b"a\r.\rb\r\n."), b"a\r\n..\r\nb\r\n..\r\n.\r\n")
        self.assertEqual(data_section(b"a\r\r\nb\n\r"), b"a\r\n\r\nb\r\n\r\n.\r\n")
        self.assertEqual(data_section(b""), b".\r\n")


def _add_smuggling_tests():
    for name, body in SMUGGLING_BODIES.items():
        def test(self, body=body):
            self.check(body)
        test.__name__ = "test_06_" + name
        setattr(T06Smuggling, test.__name__, test)


_add_smuggling_tests()


# ---------------------------------------------------------------------------
# 7. Line endings: the wire carries CRLF only
# ---------------------------------------------------------------------------

DATE_ID_LF = b"Date: Mon, 01 Jan 2024 00:00:00 +0000\nMessage-ID: <lines@example.org>\n"


class T07LineEndings(CliTest):
    def check(self, message):
        srv = self.server()
        p = self.send(srv, message=message)
        self.assertExit(p, EX_OK)
        wire = srv.client_bytes()
        self.assertIsNone(re.search(rb"(?<!\r)\n", wire), "bare LF on the wire")
        self.assertIsNone(re.search(rb"\r(?!\n)", wire), "bare CR on the wire")
        self.assertEqual(wire, EHLO + txn_wire(message) + QUIT)
        self.assertStored(srv, message)

    def test_07_bare_lf_message(self):
        self.check(b"From: a@example.org\nTo: b@example.org\nSubject: lf\n" + DATE_ID_LF +
                   b"\nline 1\nline 2\n\n")

    def test_07_bare_cr_message(self):
        self.check(b"From: a@example.org\rTo: b@example.org\rSubject: cr\r" +
                   DATE_ID_LF.replace(b"\n", b"\r") + b"\rline 1\rline 2\r")

    def test_07_mixed_and_no_final_newline(self):
        self.check(b"From: a@example.org\r\nSubject: mixed\n" + DATE_ID_LF + b"\rline\r\r\nend")


# ---------------------------------------------------------------------------
# 8. Refusals
# ---------------------------------------------------------------------------

class T08Refusals(CliTest):
    def test_08_greeting_554(self):
        srv = self.server({"greeting": "554 5.3.2 no service here"})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_UNAVAILABLE)
        self.assertErrorLine(p, "greeting", "554 5.3.2 no service here")
        self.assertWire(srv, QUIT)     # RFC 5321 3.1: QUIT, nothing else
        self.assertNothingStored(srv)

    def test_08_greeting_421(self):
        srv = self.server({"greeting": "421 4.3.2 busy, try later"})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_TEMPFAIL)
        self.assertErrorLine(p, "greeting", "421 4.3.2 busy, try later")
        self.assertNotIn(b"EHLO", srv.client_bytes() or b"")
        self.assertNothingStored(srv)

    def test_08_greeting_control_bytes_not_echoed(self):
        srv = self.server({"greeting": "554 5.7.1 go away \u001b[2J\u0007 now"})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_UNAVAILABLE)
        line = self.assertErrorLine(p, "greeting", "554 5.7.1 go away ")
        self.assertNotIn("\x1b", line)
        self.assertNotIn("\x07", line)

    def test_08_ehlo_502_helo_fallback(self):
        srv = self.server({"ehlo": "502 5.5.2 EHLO not implemented"})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_OK)
        self.assertEqual(p.err, "")
        # no EHLO: no SIZE extension, so no SIZE= parameter
        self.assertWire(srv, EHLO + HELO + txn_wire(PLAIN_MESSAGE, params="") + QUIT)
        self.assertStored(srv, PLAIN_MESSAGE, params="")

    def test_08_ehlo_and_helo_refused(self):
        srv = self.server({"ehlo": "502 5.5.2 no", "helo": "550 5.7.1 go away"})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_UNAVAILABLE)
        self.assertErrorLine(p, "HELO", "550 5.7.1 go away")
        self.assertWire(srv, EHLO + HELO + QUIT)

    def test_08_mail_451(self):
        srv = self.server({"replies": {"MAIL": "451 4.3.0 try again later"}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_TEMPFAIL)
        self.assertErrorLine(p, "MAIL FROM", "451 4.3.0 try again later")
        # RCPT went with MAIL (PIPELINING); DATA waits for the RCPT replies
        self.assertWire(srv, EHLO + mail_line(SENDER, mail_params(PLAIN_MESSAGE))
                        + b"RCPT TO:<b@example.org>\r\n" + QUIT)
        self.assertNothingStored(srv)

    def test_08_mail_550(self):
        srv = self.server({"replies": {"MAIL": "550 5.7.1 sender rejected"}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_UNAVAILABLE)
        self.assertErrorLine(p, "MAIL FROM", "550 5.7.1 sender rejected")

    def test_08_rcpt_450(self):
        srv = self.server({"replies": {"RCPT": "450 4.2.0 mailbox busy"}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_TEMPFAIL)
        self.assertErrorLine(p, "RCPT TO", "450 4.2.0 mailbox busy")
        self.assertNothingStored(srv)

    def test_08_rcpt_421_closing(self):
        # 421: the server is closing the channel; no QUIT after it
        srv = self.server({"replies": {"RCPT": {"reply": "421 4.3.2 shutting down",
                                                "then_close": True}}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_TEMPFAIL)
        self.assertErrorLine(p, "RCPT TO", "421 4.3.2 shutting down")
        self.assertWire(srv, EHLO + mail_line(SENDER, mail_params(PLAIN_MESSAGE))
                        + b"RCPT TO:<b@example.org>\r\n")
        self.assertNothingStored(srv)

    def test_08_data_554(self):
        srv = self.server({"replies": {"DATA": "554 5.5.0 no data for you"}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_UNAVAILABLE)
        self.assertErrorLine(p, "DATA", "554 5.5.0 no data for you")
        self.assertWire(srv, EHLO + mail_line(SENDER, mail_params(PLAIN_MESSAGE))
                        + b"RCPT TO:<b@example.org>\r\nDATA\r\nRSET\r\n" + QUIT)
        self.assertNothingStored(srv)

    def test_08_end_of_data_552(self):
        srv = self.server({"replies": {"DOT": "552 5.3.4 message too big for mailbox"}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_UNAVAILABLE)
        self.assertErrorLine(p, "end of data", "552 5.3.4 message too big for mailbox")
        self.assertWire(srv, EHLO + txn_wire(PLAIN_MESSAGE) + QUIT)
        self.assertNothingStored(srv)

    def test_08_end_of_data_451(self):
        srv = self.server({"replies": {"DOT": "451 4.3.0 queue full"}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_TEMPFAIL)
        self.assertErrorLine(p, "end of data", "451 4.3.0 queue full")

    def test_08_multiline_refusal_text(self):
        # one reply of two lines (a list of lines inside the per-MAIL list)
        srv = self.server({"replies": {"MAIL": [["550-5.7.1 first line",
                                                 "550 5.7.1 second line"]]}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_UNAVAILABLE)
        self.assertErrorLine(p, "MAIL FROM", "550 5.7.1 first line / 5.7.1 second line")


# ---------------------------------------------------------------------------
# 9. Malformed replies
# ---------------------------------------------------------------------------

class T09Malformed(CliTest):
    def malformed(self, script, step, wire_prefix):
        srv = self.server(script)
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_PROTOCOL)
        self.assertErrorLine(p, step)
        got = srv.client_bytes()
        # the server is still there: a polite QUIT, and nothing else
        self.assertEqual(got, wire_prefix + b"QUIT\r\n", "client went on after a protocol error")
        self.assertNothingStored(srv)
        return p

    def test_09_greeting_2500(self):
        self.malformed({"greeting": "2500 ok"}, "greeting", b"")

    def test_09_ehlo_mixed_codes(self):
        p = self.malformed({"ehlo": "250-a\r\n251 b"}, "EHLO", EHLO)
        self.assertIn("different codes", p.err)

    def test_09_reply_line_2000_bytes(self):
        self.malformed({"replies": {"MAIL": "250 " + "x" * 1996}}, "MAIL FROM",
                       EHLO + mail_line(SENDER, mail_params(PLAIN_MESSAGE))
                       + b"RCPT TO:<b@example.org>\r\n")  # pipelined with MAIL

    def test_09_greeting_2000_bytes(self):
        self.malformed({"greeting": "220 " + "y" * 1996}, "greeting", b"")

    def test_09_garbage_greeting(self):
        self.malformed({"greeting": {"raw": "\u0000\u00ff\r\n"}}, "greeting", b"")

    def test_09_garbage_in_reply_text(self):
        self.malformed({"replies": {"RCPT": {"raw": "250 ok\u0000\u00ff\r\n"}}}, "RCPT TO",
                       EHLO + mail_line(SENDER, mail_params(PLAIN_MESSAGE))
                       + b"RCPT TO:<b@example.org>\r\n")

    def test_09_unexpected_code(self):
        # a well-formed reply that makes no sense: 354 to MAIL
        srv = self.server({"replies": {"MAIL": "354 go ahead"}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_PROTOCOL)
        self.assertErrorLine(p, "MAIL FROM", "354 go ahead")
        self.assertNothingStored(srv)


# ---------------------------------------------------------------------------
# 10. Faults: closes, stalls, split writes
# ---------------------------------------------------------------------------

class T10Faults(CliTest):
    def test_10_close_before_greeting(self):
        srv = self.server({"greeting": {"close": True}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_TEMPFAIL)
        self.assertErrorLine(p, "greeting", "closed")
        self.assertEqual(srv.client_bytes(), b"")

    def test_10_close_after_mail(self):
        srv = self.server({"replies": {"MAIL": {"close": True}}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_TEMPFAIL)
        self.assertErrorLine(p, "MAIL FROM", "closed")
        self.assertWire(srv, EHLO + mail_line(SENDER, mail_params(PLAIN_MESSAGE))
                        + b"RCPT TO:<b@example.org>\r\n")  # pipelined with MAIL
        self.assertNothingStored(srv)

    def test_10_close_after_data_end(self):
        srv = self.server({"replies": {"DOT": {"close": True}}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_TEMPFAIL)
        self.assertErrorLine(p, "end of data", "closed")
        self.assertNothingStored(srv)

    # A stall is an hour: a timeout that is not enforced shows as smtpc
    # still running when run_smtpc's limit (30 s, a harness bound, not a
    # measurement) ends it, and the test fails on that.
    def test_10_stall_on_data_reply(self):
        srv = self.server({"replies": {"DATA": {"stall": 3600, "default": True}}})
        p = self.send(srv, "--timeout", "2", message=PLAIN_MESSAGE)
        self.assertExit(p, EX_TEMPFAIL)
        self.assertErrorLine(p, "DATA", "timed out")
        self.assertWire(srv, EHLO + mail_line(SENDER, mail_params(PLAIN_MESSAGE))
                        + b"RCPT TO:<b@example.org>\r\nDATA\r\n")
        self.assertNothingStored(srv)

    def test_10_stall_within_timeout(self):
        # the other side of the same deadline: a reply that is slow but
        # within --timeout is waited for (a client that gave up early, or
        # took the seconds for milliseconds, fails here)
        srv = self.server({"replies": {"DATA": {"stall": 1, "default": True}}})
        p = self.send(srv, "--timeout", "20", message=PLAIN_MESSAGE)
        self.assertSentPlain(srv, p)

    def test_10_stall_on_greeting(self):
        srv = self.server({"greeting": {"stall": 3600, "default": True}})
        p = self.send(srv, "--timeout", "1", message=PLAIN_MESSAGE)
        self.assertExit(p, EX_TEMPFAIL)
        self.assertErrorLine(p, "greeting", "timed out")
        self.assertEqual(srv.client_bytes(), b"")

    def test_10_split_writes(self):
        srv = self.server({"split_writes": True})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertSentPlain(srv, p)

    def test_10_split_writes_with_auth(self):
        srv = self.server(dict(USERS, split_writes=True))
        p = self.send(srv, "--user", USER, "--auth", "login", "--allow-plaintext-auth",
                      message=PLAIN_MESSAGE, env={"SMTPC_PASSWORD": PASSWORD})
        self.assertExit(p, EX_OK)
        self.assertStored(srv, PLAIN_MESSAGE, auth_user=USER)

    def test_10_lf_only_replies(self):
        srv = self.server({"eol": "\n"})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertSentPlain(srv, p)

    def test_10_quit_unanswered(self):
        srv = self.server({"replies": {"QUIT": {"stall": 3600}}})
        p = self.send(srv, "--timeout", "2", message=PLAIN_MESSAGE)
        self.assertExit(p, EX_OK)
        self.assertEqual(p.err, "")
        self.assertWire(srv, EHLO + txn_wire(PLAIN_MESSAGE) + QUIT)
        self.assertStored(srv, PLAIN_MESSAGE)

    def test_10_quit_closed(self):
        srv = self.server({"replies": {"QUIT": {"close": True}}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_OK)
        self.assertStored(srv, PLAIN_MESSAGE)

    def test_10_connection_refused(self):
        # a port nobody listens on: bind one, close it, use it
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        p = self.run_smtpc(["--server", "127.0.0.1:%d" % port, "--ehlo", EHLO_NAME,
                            "--from", SENDER, "--message", self.write("m", PLAIN_MESSAGE),
                            RCPT])
        self.assertExit(p, EX_TEMPFAIL)
        self.assertErrorLine(p, "connect")


# ---------------------------------------------------------------------------
# 11. Bad input is refused before any connection
# ---------------------------------------------------------------------------

class T11BadInput(CliTest):
    def refused(self, args, status, *needles, stdin=b"", usage=False):
        srv = self.server()
        p = self.run_smtpc(["--server", srv.address(), "--ehlo", EHLO_NAME] + args, stdin=stdin)
        if usage:
            self.assertUsageError(p, *needles)
        else:
            self.assertExit(p, status)
            self.assertErrorLine(p, *needles)
        self.assertNoConnection(srv)
        return p

    def msg(self, data=PLAIN_MESSAGE):
        return ["--message", self.write("m", data)]

    def test_11_crlf_in_from(self):
        p = self.refused(["--from", "a@b\r\nRCPT TO:<x@y>"] + self.msg() + [RCPT],
                         EX_DATAERR, "sender")
        self.assertNotIn("\r", p.err)

    def test_11_crlf_in_recipient(self):
        p = self.refused(["--from", SENDER] + self.msg() + [RCPT, "c@d\r\nDATA"],
                         EX_DATAERR, "recipient")
        self.assertNotIn("\r", p.err)

    def test_11_lf_in_recipient(self):
        self.refused(["--from", SENDER] + self.msg() + ["c@d\nRSET"], EX_DATAERR, "recipient")

    def test_11_angle_brackets_in_recipient(self):
        # as sendmail takes it: an address list, brackets and a name allowed
        srv = self.server()
        p = self.send(srv, *self.msg(), rcpts=["<c@d>", "Bee <b@e>, f@g"])
        self.assertExit(p, EX_OK)
        self.assertIn(b"RCPT TO:<c@d>\r\nRCPT TO:<b@e>\r\nRCPT TO:<f@g>\r\n", srv.client_bytes())

    def test_11_unbalanced_recipient(self):
        for bad in ["<c@d", "c@d>", '"c@d', "(c@d", "<a@b> <c@d>", "a;b"]:
            self.refused(["--from", SENDER] + self.msg() + [bad], EX_DATAERR,
                         "invalid recipient address")

    def test_11_newline_in_subject(self):
        self.refused(["--from", SENDER, "--subject", "hi\nBcc: victim@example.org", RCPT],
                     EX_DATAERR, "header", stdin=b"body\n")

    def test_11_cr_in_subject(self):
        self.refused(["--from", SENDER, "--subject", "hi\rX: y", RCPT],
                     EX_DATAERR, "header", stdin=b"body\n")

    def test_11_crlf_in_ehlo(self):
        srv = self.server()
        p = self.run_smtpc(["--server", srv.address(), "--ehlo", "x\r\nMAIL FROM:<e@f>",
                            "--from", SENDER] + self.msg() + [RCPT])
        self.assertUsageError(p, "ehlo")
        self.assertNoConnection(srv)

    def test_11_missing_from(self):
        # as sendmail: USER@HOST, and the From: added is the same address
        srv = self.server()
        p = self.run_smtpc(["--server", srv.address(), "--ehlo", EHLO_NAME, "--message",
                            self.write("m", b"Subject: no from\n\nhi\n"), RCPT],
                           env={"USER": "cronjob"})
        srv.finish()
        self.assertExit(p, EX_OK)
        m = re.search(rb"MAIL FROM:<(cronjob@[^>]+)>", srv.client_bytes())
        self.assertIsNotNone(m, srv.client_bytes())
        stored = srv.messages()[0][0]
        self.assertIn(b"\r\nFrom: " + m.group(1) + b"\r\n", stored)

    def test_11_missing_recipient(self):
        self.refused(["--from", SENDER] + self.msg(), EX_USAGE, "recipient", usage=True)

    def test_11_unknown_option(self):
        self.refused(["--from", SENDER, "--bogus"] + self.msg() + [RCPT], EX_USAGE,
                     "unknown option", "--bogus", usage=True)

    def test_11_unknown_option_in_a_cluster(self):
        # the letter itself, not the argument before the cluster
        p = self.refused(["--from", SENDER, "-vk"] + self.msg() + [RCPT], EX_USAGE,
                         "unknown option: -k", usage=True)
        self.assertNotIn(SENDER, p.err)

    def test_11_long_option_without_its_value(self):
        self.refused(self.msg() + [RCPT, "--from"], EX_USAGE, "option needs a value: --from",
                     usage=True)

    def test_11_empty_message(self):
        # an empty input is a mistake: nothing is sent, no connection made
        self.refused(["--from", SENDER, "--message", "-", RCPT], EX_DATAERR,
                     "the message is empty (standard input)")
        self.refused(["--from", SENDER] + self.msg(b"") + [RCPT], EX_DATAERR,
                     "the message is empty", "/m)")

    def test_11_password_file_is_a_directory(self):
        self.refused(["--from", SENDER, "--user", "u", "--password-file", self.tmp]
                     + self.msg() + [RCPT], EX_IOERR, "cannot read", "Is a directory")

    def test_11_connection_refused_says_so(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nobody listens there now
        p = self.run_smtpc(["--server", "127.0.0.1:%d" % port, "--ehlo", EHLO_NAME,
                            "--from", SENDER] + self.msg() + [RCPT])
        self.assertExit(p, EX_TEMPFAIL)
        self.assertErrorLine(p, "connect to 127.0.0.1 port %d" % port,
                             "connection failed (Connection refused)")

    def test_11_bad_server_values(self):
        for value in ["127.0.0.1:", "[::1", "[]:25", ":25", "127.0.0.1:notaport",
                      "127.0.0.1:-1", "[::1]x"]:
            with self.subTest(server=value):
                srv = self.server()
                p = self.run_smtpc(["--server", value, "--ehlo", EHLO_NAME, "--from", SENDER]
                                   + self.msg() + [RCPT])
                self.assertNotEqual(p.returncode, EX_OK)
                self.assertIn(p.returncode, (EX_USAGE, EX_NOHOST))
                self.assertTrue(p.err.startswith("smtpc: "), p.err)
                self.assertNoConnection(srv)

    def test_11_port_out_of_range(self):
        # A port above 65535 is a usage error. It must not be taken modulo
        # 65536: 65536 + P would reach the server listening on port P.
        srv = self.server()
        for port in (srv.port + 65536, 99999, 65536):
            with self.subTest(port=port):
                p = self.run_smtpc(["--server", "127.0.0.1:%d" % port, "--ehlo", EHLO_NAME,
                                    "--from", SENDER] + self.msg() + [RCPT])
                self.assertNotEqual(p.returncode, EX_OK, "port %d reached port %d"
                                    % (port, port % 65536))
                self.assertUsageError(p, "%d" % port)
        self.assertNoConnection(srv)

    def test_11_unknown_host(self):
        p = self.run_smtpc(["--server", "no-such-host.invalid:2525", "--ehlo", EHLO_NAME,
                            "--from", SENDER] + self.msg() + [RCPT])
        self.assertExit(p, EX_NOHOST)
        self.assertErrorLine(p, "host name not found")

    def test_11_line_over_998(self):
        message = PLAIN_MESSAGE + b"x" * 999 + b"\r\n"
        self.refused(["--from", SENDER] + self.msg(message) + [RCPT], EX_DATAERR, "998")

    def test_11_dot_stuffed_line_over_998(self):
        # 998 octets starting with "." become 999 once stuffed
        message = PLAIN_MESSAGE + b"." + b"x" * 997 + b"\r\n"
        self.refused(["--from", SENDER] + self.msg(message) + [RCPT], EX_DATAERR, "998")

    def test_11_line_of_998_is_sent(self):
        srv = self.server()
        message = PLAIN_MESSAGE + b"x" * 998 + b"\r\n"
        p = self.send(srv, message=message)
        self.assertSentPlain(srv, p, message)

    def test_11_long_lines_flag(self):
        srv = self.server()
        message = PLAIN_MESSAGE + b"y" * 1500 + b"\r\n.z" + b"w" * 1200 + b"\r\n"
        p = self.send(srv, "--long-lines", message=message)
        self.assertSentPlain(srv, p, message)

    def test_11_long_line_in_body_file(self):
        body = b"short\n" + b"z" * 1000 + b"\n"
        self.refused(["--from", SENDER, "--subject", "long", "--body-file",
                      self.write("b", body), RCPT], EX_DATAERR, "998")

    def test_11_missing_message_file(self):
        p = self.refused(["--from", SENDER, "--message", os.path.join(self.tmp, "nope"), RCPT],
                         EX_IOERR, "nope")
        self.assertIn("No such file", p.err)


# ---------------------------------------------------------------------------
# 12. --help and --version
# ---------------------------------------------------------------------------

class T12Info(CliTest):
    def test_12_help(self):
        for flag in ("--help", "-h"):
            with self.subTest(flag=flag):
                p = self.run_smtpc([flag])
                self.assertExit(p, EX_OK)
                out = p.stdout.decode()
                self.assertTrue(out.startswith("Usage: smtpc "), out[:80])
                for opt in ("--server", "--from", "--subject", "--message", "--allow-partial",
                            "--allow-plaintext-auth", "--long-lines", "--timeout"):
                    self.assertIn(opt, out)
                self.assertEqual(p.err, "")

    def test_12_version(self):
        for flag in ("--version", "-V"):
            with self.subTest(flag=flag):
                p = self.run_smtpc([flag])
                self.assertExit(p, EX_OK)
                self.assertRegex(p.stdout.decode(), r"\Asmtpc \d+\.\d+(\.\d+)?\S*\n\Z")
                self.assertEqual(p.err, "")


# ---------------------------------------------------------------------------
# 13. Built without TLS: clear where TLS is optional, refused where it is not
# ---------------------------------------------------------------------------

STARTTLS_EHLO = {"ehlo": ["250-smtpc-test.localhost", "250-SIZE 10485760", "250-STARTTLS",
                          "250 AUTH PLAIN LOGIN"]}


class T13WithoutTls(CliTest):
    def setUp(self):
        if CLI_CONF.tls_backends is None:
            self.skipTest("--tls-backends not given")
        if CLI_CONF.tls_backends:
            self.skipTest("built with TLS (test_tls.py)")
        super().setUp()

    def test_13_auto_sends_in_clear_where_tls_is_optional(self):
        # the server offers STARTTLS; there is nothing to start it with
        for extra in ((), ("--tls", "auto"), ("--tls", "none")):
            with self.subTest(args=extra):
                srv = self.server(STARTTLS_EHLO)
                p = self.send(srv, *extra, message=PLAIN_MESSAGE)
                self.assertSentPlain(srv, p)

    def test_13_password_still_not_sent_in_clear(self):
        for mech in ("auto", "plain", "login"):
            with self.subTest(auth=mech):
                srv = self.server(dict(STARTTLS_EHLO, users={USER: PASSWORD}))
                p = self.send(srv, "--user", USER, "--auth", mech, message=PLAIN_MESSAGE,
                              env={"SMTPC_PASSWORD": PASSWORD})
                self.assertExit(p, EX_CONFIG)
                self.assertErrorLine(p, "unencrypted")
                self.assertWire(srv, EHLO + QUIT)
                self.assertNothingStored(srv)

    def test_13_tls_options_refused(self):
        pem = self.write("x.pem", b"")
        for args, named in ((["--tls", "starttls"], "--tls starttls"),
                            (["--tls", "starttls-opportunistic"], "--tls starttls-opportunistic"),
                            (["--tls", "implicit"], "--tls implicit"),
                            (["--cacert", pem], "--cacert"),
                            (["--capath", self.tmp], "--capath"),
                            (["--cert", pem], "--cert"),
                            (["--cert", pem, "--key", pem], "--cert"),
                            (["--tls-no-verify"], "--tls-no-verify"),
                            (["--tls-backend", "openssl"], "--tls-backend openssl"),
                            (["--tls", "none", "--cacert", pem], "--cacert")):
            with self.subTest(args=args):
                srv = self.server()
                p = self.send(srv, *args, message=PLAIN_MESSAGE, connects=False)
                line = self.assertUsageError(p, named, "built without TLS")
                self.assertTrue(line.startswith("smtpc: " + named + ": "), line)
                self.assertNoConnection(srv)

    def test_13_ports_that_require_tls_refused(self):
        # --tls auto on the submission ports: refused before connecting
        # (nothing listens there for this test; a connection attempt would
        # end in a different error)
        for port, needle in (("465", "implicit TLS"), ("smtps", "implicit TLS"),
                             ("587", "requires STARTTLS"), ("submission", "requires STARTTLS")):
            with self.subTest(port=port):
                p = self.run_smtpc(["--server", "127.0.0.1:" + port, "--from", SENDER,
                                    "--message", self.write("m", PLAIN_MESSAGE), RCPT])
                self.assertExit(p, EX_USAGE)
                self.assertErrorLine(p, "port " + port, needle, "built without TLS")

    def test_13_help_says_so(self):
        p = self.run_smtpc(["--help"])
        self.assertExit(p, EX_OK)
        self.assertIn("\nThis smtpc was built without TLS: ", p.stdout.decode())


class T13TlsBackends(CliTest):
    def test_13_help_names_the_backends(self):
        if not CLI_CONF.tls_backends:
            self.skipTest("no TLS backend built, or --tls-backends not given")
        p = self.run_smtpc(["--help"])
        self.assertExit(p, EX_OK)
        self.assertIn("\nTLS backends in this build: %s\n" % " ".join(CLI_CONF.tls_backends),
                      p.stdout.decode())


# ---------------------------------------------------------------------------
# Runner
# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# 14. Unasked replies: a reply that answers no command ends the session, and
#     nothing more is sent, QUIT included; the step named is the one whose
#     answer it would have been taken for (each server write arrives whole on
#     loopback, as it would be read before the client answers)
# ---------------------------------------------------------------------------

class T14Unasked(CliTest):
    def unasked(self, script, step, shown, wire, *extra, env=None):
        srv = self.server(script)
        p = self.send(srv, *extra, message=PLAIN_MESSAGE, env=env)
        self.assertExit(p, EX_PROTOCOL)
        self.assertErrorLine(p, step, "answers no command", shown)
        self.assertWire(srv, wire)
        self.assertNothingStored(srv)

    def test_14_stray_after_mail(self):
        # one command at a time (no PIPELINING): taken as RCPT's answer, the
        # stray would have let DATA follow
        ehlo = {"ehlo": ["250-smtpc-test.localhost", "250-SIZE 10485760", "250 8BITMIME"]}
        self.unasked(dict(ehlo, replies={"MAIL": "250 2.1.0 ok\r\n250 2.1.5 stray"}), "RCPT TO",
                     "250 2.1.5 stray", EHLO + mail_line(SENDER, mail_params(PLAIN_MESSAGE)))

    def test_14_stray_after_pipelined_group(self):
        # MAIL and RCPT in one write; a reply more than they are owed
        self.unasked({"replies": {"RCPT": "250 2.1.5 ok\r\n250 2.1.5 stray"}}, "DATA",
                     "250 2.1.5 stray", EHLO + mail_line(SENDER, mail_params(PLAIN_MESSAGE))
                     + b"RCPT TO:<b@example.org>\r\n")

    def test_14_stray_after_refusal(self):
        # taken as QUIT's answer before; now no QUIT is said at all
        self.unasked({"greeting": "554 5.7.1 go away\r\n250 stray"}, "greeting", "250 stray",
                     b"")

    def test_14_stray_after_end_of_data(self):
        # without PIPELINING: the message was accepted (the first 250
        # answered it); the second answers nothing, so no QUIT follows, and
        # the send still succeeds
        srv = self.server({"ehlo": ["250-smtpc-test.localhost", "250-SIZE 10485760",
                                    "250 8BITMIME"],
                           "replies": {"DOT": "250 2.0.0 queued\r\n250 2.0.0 again"}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_OK)
        self.assertWire(srv, EHLO + txn_wire(PLAIN_MESSAGE))
        self.assertStored(srv, PLAIN_MESSAGE)

    def test_14_stray_after_end_of_data_pipelined(self):
        # with PIPELINING, QUIT left with the end of data (one round trip
        # less), so the stray is read as QUIT's answer: the message counts
        # once, and nothing follows QUIT
        srv = self.server({"replies": {"DOT": "250 2.0.0 queued\r\n250 2.0.0 again"}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_OK)
        self.assertWire(srv, EHLO + txn_wire(PLAIN_MESSAGE) + QUIT)
        self.assertStored(srv, PLAIN_MESSAGE)

    def test_14_starttls_refused_then_replies(self):
        # 454 to STARTTLS and, in the same write, the replies to AUTH, MAIL,
        # RCPT, DATA and the end of data: none of them is taken
        if not CLI_CONF.tls_backends:
            self.skipTest("needs a TLS backend to say STARTTLS")
        script = dict(STARTTLS_EHLO, users={USER: PASSWORD},
                      replies={"STARTTLS": "454 4.7.0 not now\r\n235 2.7.0 ok\r\n250 ok\r\n"
                                           "250 ok\r\n354 go\r\n250 queued"})
        self.unasked(script, "AUTH", "235 2.7.0 ok", EHLO + b"STARTTLS\r\n",
                     "--tls", "starttls-opportunistic", "--user", USER,
                     "--allow-plaintext-auth", env={"SMTPC_PASSWORD": PASSWORD})


# ---------------------------------------------------------------------------
# 15. CHUNKING (RFC 3030): the message as one BDAT of its size, its bytes
#     as they are (no dot-stuffing), line breaks as CRLF; which commands
#     arrived in one read (conn-K.reads) shows what left in one write
# ---------------------------------------------------------------------------

CHUNKING = {"chunking": True}
DOTS_MESSAGE = (b"From: a@example.org\nTo: b@example.org\nSubject: dots\n" + DATE_ID_LF + b"\n"
                b".\n..two\n.\r\nlast line without a break")


class T15Chunking(CliTest):
    def reads(self, srv, k=1):
        """The client's bytes as the server read them, one item per read."""
        wire = srv.client_bytes(k)
        with open(os.path.join(srv.record, "conn-%d.reads" % k)) as f:
            spans = [json.loads(line) for line in f]
        return [wire[r["offset"]:r["offset"] + r["length"]] for r in spans]

    def check_stored(self, srv, message, chunks, params=None):
        msgs = srv.messages()
        self.assertEqual(len(msgs), 1)
        data, envelope = msgs[0]
        self.assertEqual(data, normalise(message))
        self.assertEqual(envelope["mail_params"],
                         mail_params(message) if params is None else params)
        self.assertEqual(envelope["transfer"], {"command": "BDAT", "chunks": chunks})

    def test_15_one_chunk_after_the_rcpt_reply(self):
        # all or nothing (the default): MAIL and RCPT, then, once the RCPT
        # reply is in, the chunk and the whole message in one write
        srv = self.server(CHUNKING)
        p = self.send(srv, message=DOTS_MESSAGE)
        self.assertExit(p, EX_OK)
        body = normalise(DOTS_MESSAGE)
        mail = mail_line(SENDER, mail_params(DOTS_MESSAGE))
        rcpt = ("RCPT TO:<%s>\r\n" % RCPT).encode()
        bdat = b"BDAT %d LAST\r\n" % len(body) + body
        self.assertWire(srv, EHLO + mail + rcpt + bdat + QUIT)
        # QUIT goes with the message (PIPELINING): 3 round trips after EHLO's
        self.assertEqual(self.reads(srv), [EHLO, mail + rcpt, bdat + QUIT])
        self.check_stored(srv, DOTS_MESSAGE, [len(body)])

    def test_15_partial_policy_one_write(self):
        # --allow-partial: MAIL, RCPT, BDAT and the message in one write,
        # one round trip for the whole transaction
        srv = self.server(CHUNKING)
        p = self.send(srv, "--allow-partial", message=PLAIN_MESSAGE)
        self.assertExit(p, EX_OK)
        body = normalise(PLAIN_MESSAGE)
        group = (mail_line(SENDER, mail_params(PLAIN_MESSAGE)) +
                 ("RCPT TO:<%s>\r\n" % RCPT).encode() +
                 b"BDAT %d LAST\r\n" % len(body) + body)
        self.assertEqual(self.reads(srv), [EHLO, group + QUIT])
        self.check_stored(srv, PLAIN_MESSAGE, [len(body)])

    def test_15_long_lines_as_binarymime(self):
        message = PLAIN_MESSAGE + b"y" * 1500 + b"\r\n"
        srv = self.server({"chunking": True, "binarymime": True})
        p = self.send(srv, "--long-lines", message=message)
        self.assertExit(p, EX_OK)
        params = "SIZE=%d BODY=BINARYMIME" % len(message)
        self.assertIn(mail_line(SENDER, params), srv.client_bytes())
        self.check_stored(srv, message, [len(message)], params=params)

    def test_15_chunk_refused(self):
        srv = self.server({"chunking": True,
                           "replies": {"BDAT_LAST": ["554 5.7.1 message refused"]}})
        p = self.send(srv, message=PLAIN_MESSAGE)
        self.assertExit(p, EX_UNAVAILABLE)
        self.assertErrorLine(p, "end of data", "554 5.7.1 message refused")
        # QUIT went with the chunk, and ends the transaction too: no RSET
        wire = srv.client_bytes()
        self.assertTrue(wire.endswith(b" LAST\r\n" + normalise(PLAIN_MESSAGE) + QUIT),
                        wire[-40:])
        self.assertNothingStored(srv)

    def test_15_no_chunking_offered(self):
        # the default server offers no CHUNKING: DATA, as T07 shows
        srv = self.server()
        p = self.send(srv, message=DOTS_MESSAGE)
        self.assertExit(p, EX_OK)
        self.assertNotIn(b"BDAT", srv.client_bytes())
        self.assertStored(srv, DOTS_MESSAGE)


def cli_options(args):
    if args.tls_backends is not None:
        CLI_CONF.tls_backends = [b for b in args.tls_backends.split(",") if b]


def main(argv=None):
    return run_cli_tests(sys.modules[__name__], argv, cli_options)


if __name__ == "__main__":
    sys.exit(main())
