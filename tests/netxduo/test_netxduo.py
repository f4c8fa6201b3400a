#!/usr/bin/python3
"""The NetX Duo SMTP Client API (compat/netxduo) against the scriptable test
server: nx_send (tests/netxduo/nx_send.c, the user guide's flow over the
host NetX layer) is run once per case, and the test checks, byte for byte:

  S: the status of every NetX call (create, each send, delete)
  C: what the client sent          (the server's record)
  M: what the server stored        (Maildir and envelope)
  P: that every packet went back to the pool, none released twice

The compat layer is built for the tests with 1 s reply timeouts and a fixed
Date (nx_test_config.h). The Message-ID is random: its form is checked,
then it is set aside for the byte comparison.

Usage:
  test_netxduo.py --nx-send PATH/nx_send --server PATH/smtpc_test_server.py
                  [--python /usr/bin/python3] [--wrapper "valgrind ..."]
                  [--class NAME]... [-k SUBSTRING]... [--keep] [-q]

--class runs only the named TestCase class (T1Send ...): CTest runs each as
its own entry. The server, the wire model and CliTest are
tests/harness/smtpc_harness.py.

The last line printed is "N passed, M failed".
"""

import argparse
import base64
import os
import re
import shlex
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import smtpc_harness as harness  # noqa: E402  (the test server harness and the wire model)

# NetX and NetX Duo SMTP status values (nx_api.h, nxd_smtp_client.h).
NX_SUCCESS = 0x00
NX_NO_PACKET = 0x01
NX_SIZE_ERROR = 0x09
NX_NOT_CONNECTED = 0x38
NX_SMTP_OVERSIZE_MAIL_DATA = 0xA1
NX_SMTP_INVALID_SERVER_REPLY = 0xA2
NX_SMTP_AUTHENTICATION_ERROR = 0xA0
NX_SMTP_INVALID_PARAM = 0xA5
NX_SMTP_GREET_REPLY_ERROR = 0xA7
NX_SMTP_HELLO_REPLY_ERROR = 0xA8
NX_SMTP_MAIL_REPLY_ERROR = 0xA9
NX_SMTP_RCPT_REPLY_ERROR = 0xAA
NX_SMTP_MESSAGE_REPLY_ERROR = 0xAB
NX_SMTP_DATA_REPLY_ERROR = 0xAC
NX_SMTP_AUTH_REPLY_ERROR = 0xAD
NX_SMTP_SERVER_ERROR_REPLY = 0xAE
NX_SMTP_OVERSIZE_SERVER_REPLY = 0xB1

PRIORITY_LOW, PRIORITY_NORMAL, PRIORITY_HIGH = 1, 2, 4

SENDER = "a@example.org"
RCPT = "b@example.org"
DOMAIN = "device.example"
USER, PASSWORD = "user", "password"     # the test server's default account
DATE = b"Tue, 14 Nov 2023 22:13:20 +0000"   # NX_SMTP_CLIENT_TIME in nx_test_config.h
BODY = b"Hello from NetX.\r\n"

EHLO = ("EHLO %s\r\n" % DOMAIN).encode()
HELO = ("HELO %s\r\n" % DOMAIN).encode()
QUIT = b"QUIT\r\n"
# <date.unique[.pid.counter.random]@domain>: the bracketed part on hosts only
ID_RE = re.compile(rb"Message-ID: (<1700000000\.[0-9a-f]+(?:\.[0-9]+\.[0-9]+\.[0-9a-f]+)?"
                   + re.escape(b"@" + DOMAIN.encode()) + rb">)\r\n")
ID_PLACEHOLDER = b"Message-ID: <ID>\r\n"

CONF = argparse.Namespace(nx_send=None, netx_demo=None, nx_tls=None, make_certs=None, wrapper=[],
                          seed=False)


def headers(subject=b"hello", priority=PRIORITY_NORMAL):
    """The header block the client builds, Message-ID set aside."""
    out = b"Date: " + DATE + b"\r\nFrom: " + SENDER.encode() + b"\r\nTo: " + RCPT.encode() + \
        b"\r\nSubject: " + subject + b"\r\n"
    if not CONF.seed:  # the seed's features have no Message-ID (SMTPC_WITH_MESSAGE_ID 0)
        out += ID_PLACEHOLDER
    if priority == PRIORITY_HIGH:
        out += b"X-Priority: 1 (Highest)\r\nImportance: high\r\n"
    elif priority == PRIORITY_LOW:
        out += b"X-Priority: 5 (Lowest)\r\nImportance: low\r\n"
    return out + (b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                  b"Content-Transfer-Encoding: 8bit\r\n\r\n")


def mail_from(head, body, size=True):
    """MAIL FROM to a server that lists SIZE (and 8BITMIME) or not. SIZE
    depends on the random Message-ID's length: NxTest.wire checks it against
    the message sent and puts "?" in its place."""
    params = ""
    if size:
        if not CONF.seed:  # the seed's features have no SIZE (SMTPC_WITH_SIZE 0)
            params = " SIZE=?"
        if any(b >= 0x80 for b in body):
            params += " BODY=8BITMIME"
    return ("MAIL FROM:<%s>%s\r\n" % (SENDER, params)).encode()


def transaction(head, body, size=True):
    message = head + body
    return (mail_from(head, body, size) + ("RCPT TO:<%s>\r\n" % RCPT).encode() + b"DATA\r\n"
            + harness.data_section(message))


def plain_auth(user=USER, password=PASSWORD):
    """The guide's PLAIN: AUTH PLAIN, 334, base64(user NUL user NUL password)."""
    return b"AUTH PLAIN\r\n" + (harness.b64("%s\0%s\0%s" % (user, user, password)) + "\r\n").encode()


def login_auth(user=USER, password=PASSWORD):
    return (b"AUTH LOGIN\r\n" + (harness.b64(user) + "\r\n").encode()
            + (harness.b64(password) + "\r\n").encode())


class NxResult:
    def __init__(self, proc):
        self.proc = proc
        self.out = proc.stdout.decode("utf-8", "replace")
        self.creates = [int(m, 16) for m in re.findall(r"^create \d+: (0x[0-9a-f]+)$", self.out, re.M)]
        self.sends = [int(m, 16) for m in re.findall(r"^send [\d.]+: (0x[0-9a-f]+) ", self.out, re.M)]
        self.replies = [int(m) for m in re.findall(r"^send [\d.]+: 0x[0-9a-f]+ reply (\d+)$",
                                                   self.out, re.M)]
        self.deletes = [int(m, 16) for m in re.findall(r"^delete \d+: (0x[0-9a-f]+)$", self.out, re.M)]
        m = re.search(r"^pool total (\d+) available (\d+) invalid_releases (\d+)$", self.out, re.M)
        self.pool = tuple(int(x) for x in m.groups()) if m else None


class NxTest(harness.CliTest):
    maxDiff = 6000

    def nx(self, srv, *extra, body=None, sessions_done=True, timeout=60):
        args = [CONF.nx_send, "--server", srv.listen if srv else "127.0.0.1",
                "--port", str(srv.port if srv else 9), "--to", RCPT, "--from", SENDER,
                "--domain", DOMAIN]
        if body is not None:
            args += ["--body-file", self.write("body", body)]
        args += list(extra)
        cmd = CONF.wrapper + args
        if CONF.wrapper:
            timeout *= 4
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail("nx_send did not finish: %r" % (args,))
        err = p.stderr.decode("utf-8", "replace")
        if p.returncode == harness.VALGRIND_ERROR and CONF.wrapper:
            self.fail("valgrind reported errors:\n" + err)
        self.assertEqual(p.returncode, 0, "nx_send failed: %s\n%s" % (err, p.stdout))
        if srv and sessions_done:
            srv.finish()
        r = NxResult(p)
        self.assertIsNotNone(r.pool, "no pool line:\n" + r.out)
        total, available, invalid = r.pool
        self.assertEqual(available, total, "packets not back in the pool:\n" + r.out)
        self.assertEqual(invalid, 0, "a packet was released twice")
        self.assertIn("ip delete 0x00", r.out)
        self.assertIn("pool delete 0x00", r.out)
        return r

    def assertStatuses(self, r, sends, creates=(NX_SUCCESS,)):
        self.assertEqual(r.creates, list(creates), r.out)
        self.assertEqual(r.sends, list(sends), r.out)
        if creates and creates[0] == NX_SUCCESS:
            self.assertEqual(r.deletes, [NX_SUCCESS] * len(creates), r.out)

    def wire(self, srv, k=1, body=BODY):
        """Connection k's bytes with the Message-ID checked and set aside,
        and SIZE= checked against the headers sent plus `body`."""
        got = srv.client_bytes(k)
        self.assertIsNotNone(got, "no connection %d was recorded" % k)
        ids = ID_RE.findall(got)
        self.assertLessEqual(len(ids), 1, got)
        size = re.search(rb"SIZE=(\d+)", got)
        if size and ids:
            data = got.index(b"\r\nDATA\r\n") + 8
            head_len = got.index(b"\r\n\r\n", data) + 4 - data
            self.assertEqual(int(size.group(1)), head_len + len(body), "SIZE=")
        return ID_RE.sub(ID_PLACEHOLDER, re.sub(rb"SIZE=\d+", b"SIZE=?", got))

    def assertDelivered(self, srv, head, body, auth_user=None, count=1, helo=DOMAIN):
        msgs = srv.messages()
        self.assertEqual(len(msgs), count)
        for data, envelope in msgs:
            if CONF.seed:
                self.assertNotIn(b"Message-ID:", data)
            else:
                self.assertRegex(data, ID_RE)
            self.assertEqual(ID_RE.sub(ID_PLACEHOLDER, data), harness.normalise(head + body))
            self.assertEqual(envelope["mail_from"], SENDER)
            self.assertEqual(envelope["rcpt_to"], [RCPT])
            self.assertEqual(envelope["auth_user"], auth_user)
            self.assertEqual(envelope["helo"], helo)

    def assertSent(self, srv, r, auth=b"", head=None, body=BODY, size=True):
        head = headers() if head is None else head
        self.assertStatuses(r, [NX_SUCCESS])
        self.assertEqual(self.wire(srv, body=body),
                         EHLO + auth + transaction(head, body, size) + QUIT)
        self.assertDelivered(srv, head, body, USER if auth else None)


# ---------------------------------------------------------------------------
# Success: IPv4, IPv6, the three authentication choices, priorities, content
# ---------------------------------------------------------------------------

class T1Send(NxTest):
    def test_ipv4_no_auth(self):
        srv = self.server()
        self.assertSent(srv, self.nx(srv, body=BODY))

    def test_ipv6(self):
        if not harness.ipv6_loopback_available():
            self.skipTest("no ::1")
        srv = self.server(listen="::1")
        self.assertSent(srv, self.nx(srv, body=BODY))

    def test_plain_two_steps(self):
        srv = self.server()
        r = self.nx(srv, "--auth", "plain", "--user", USER, "--password", PASSWORD, body=BODY)
        self.assertSent(srv, r, plain_auth())

    def test_login(self):
        srv = self.server()
        r = self.nx(srv, "--auth", "login", "--user", USER, "--password", PASSWORD, body=BODY)
        self.assertSent(srv, r, login_auth())

    def test_login_not_listed_switches_to_plain(self):
        srv = self.server({"ehlo": ["250-smtpc-test.localhost", "250 AUTH PLAIN"]})
        r = self.nx(srv, "--auth", "login", "--user", USER, "--password", PASSWORD, body=BODY)
        self.assertSent(srv, r, plain_auth(), size=False)

    def test_no_auth_listed_still_tries_plain(self):
        srv = self.server({"ehlo": ["250-smtpc-test.localhost", "250 8BITMIME"]})
        r = self.nx(srv, "--auth", "login", "--user", USER, "--password", PASSWORD, body=BODY)
        self.assertSent(srv, r, plain_auth(), size=False)

    def test_cram_md5(self):
        # the original declares CRAM-MD5 but never implemented it
        srv = self.server({"ehlo": ["250-smtpc-test.localhost", "250 AUTH CRAM-MD5 PLAIN"]})
        r = self.nx(srv, "--auth", "cram-md5", "--user", USER, "--password", PASSWORD, body=BODY)
        if CONF.seed:
            # built without it (SMTPC_WITH_CRAM_MD5 0): refused at create,
            # never downgraded to PLAIN, and no connection is made
            self.assertStatuses(r, [], creates=[NX_SMTP_AUTHENTICATION_ERROR])
            self.assertIsNone(srv.client_bytes(1))
            return
        self.assertStatuses(r, [NX_SUCCESS])
        wire = self.wire(srv)
        m = re.match(rb"EHLO device\.example\r\nAUTH CRAM-MD5\r\n([A-Za-z0-9+/=]+)\r\n", wire)
        self.assertIsNotNone(m, wire[:200])
        user, _, digest = base64.b64decode(m.group(1)).partition(b" ")
        self.assertEqual(user, USER.encode())
        self.assertRegex(digest, rb"^[0-9a-f]{32}$")
        self.assertNotIn(PASSWORD.encode(), wire)
        self.assertDelivered(srv, headers(), BODY, USER)

    def test_ehlo_over_segments_with_pauses(self):
        # AUTH LOGIN comes last, 0.3 s after the rest: deciding early would
        # have switched to PLAIN or skipped AUTH
        srv = self.server({"ehlo": {"reply": ["250-smtpc-test.localhost", "250-SIZE 1000000",
                                              "250-8BITMIME", "250 AUTH LOGIN"],
                                    "line_pause": 0.3}})
        r = self.nx(srv, "--auth", "login", "--user", USER, "--password", PASSWORD, body=BODY)
        self.assertSent(srv, r, login_auth())

    def test_helo_when_ehlo_refused(self):
        srv = self.server({"ehlo": "502 5.5.2 no EHLO here"})
        r = self.nx(srv, body=BODY)
        self.assertStatuses(r, [NX_SUCCESS])
        head = headers()
        self.assertEqual(self.wire(srv), EHLO + HELO + ("MAIL FROM:<%s>\r\n" % SENDER).encode()
                         + ("RCPT TO:<%s>\r\n" % RCPT).encode() + b"DATA\r\n"
                         + harness.data_section(head + BODY) + QUIT)
        self.assertDelivered(srv, head, BODY)

    def test_priorities(self):
        for prio in (PRIORITY_HIGH, PRIORITY_LOW, PRIORITY_NORMAL):
            with self.subTest(priority=prio):
                srv = self.server()
                r = self.nx(srv, "--priority", str(prio), body=BODY)
                self.assertSent(srv, r, head=headers(priority=prio))

    def test_body_dot_stuffed_and_normalised(self):
        # the original sent this raw: the "." line ended the mail and the rest
        # ran as commands
        body = (b"first\n.\nMAIL FROM:<evil@example.net>\r\nRCPT TO:<victim@example.net>\r\n"
                b"DATA\r\n.leading dot\rbare CR\r\n.\r\nlast")
        srv = self.server()
        r = self.nx(srv, body=body)
        self.assertStatuses(r, [NX_SUCCESS])
        self.assertEqual(self.wire(srv, body=body), EHLO + transaction(headers(), body) + QUIT)
        self.assertDelivered(srv, headers(), body)

    def test_eight_bit_body_and_encoded_subject(self):
        body = "Grüße aus dem Gerät\r\n".encode()
        srv = self.server()
        r = self.nx(srv, "--subject", "Temperatur über 30 °C", body=body)
        if CONF.seed:
            # built without RFC 2047 (SMTPC_WITH_RFC2047 0): refused, unsent
            self.assertStatuses(r, [NX_SMTP_INVALID_PARAM])
            self.assertIsNone(srv.client_bytes(1))
            return
        head = headers(subject=b"=?UTF-8?B?" + __import__("base64").b64encode(
            "Temperatur über 30 °C".encode()) + b"?=")
        self.assertSent(srv, r, head=head, body=body)

    def test_100k_body_through_256_byte_packets(self):
        body = b"".join(b"line %05d of a long report: " % i + b"x" * 60 + b"\r\n"
                        for i in range(1150))
        self.assertGreater(len(body), 100 * 1024)
        srv = self.server()
        r = self.nx(srv, "--pool-payload", "256", "--pool-packets", "8", body=body)
        self.assertSent(srv, r, body=body)

    def test_quit_unanswered_is_still_success(self):
        # the original reported failure here, inviting a duplicate
        srv = self.server({"replies": {"QUIT": {"stall": 5}}})
        r = self.nx(srv, body=BODY)
        self.assertSent(srv, r)

    def test_two_clients_two_threads(self):
        srv = self.server(sessions=6)
        r = self.nx(srv, "--threads", "2", "--repeat", "3", body=BODY)
        self.assertStatuses(r, [NX_SUCCESS] * 6, creates=[NX_SUCCESS, NX_SUCCESS])
        self.assertDelivered(srv, headers(), BODY, count=6)
        ids = set()
        for k in range(1, 7):
            ids.update(ID_RE.findall(srv.client_bytes(k)))
            self.assertEqual(self.wire(srv, k), EHLO + transaction(headers(), BODY) + QUIT)
        self.assertEqual(len(ids), 0 if CONF.seed else 6, "Message-IDs must differ")


# ---------------------------------------------------------------------------
# Failures: each step's status, then the same client sends again at once
# ---------------------------------------------------------------------------

class T2Failures(NxTest):
    def fail_then_send(self, first, status, wire_prefix, quit=True, reply=None, args=(),
                       auth=b"", stored_first=False):
        """Connection 1 runs `first` and the send must give `status` with
        exactly `wire_prefix` (+ QUIT) on the wire; connection 2 is a normal
        server, and the second send must deliver (`auth`: its AUTH
        exchange, `stored_first`: the first message was stored too)."""
        srv = self.server({"connections": [first, {}]}, sessions=2)
        r = self.nx(srv, "--repeat", "2", *args, body=BODY)
        self.assertStatuses(r, [status, NX_SUCCESS])
        if reply is not None:
            self.assertEqual(r.replies[0], reply)
        self.assertEqual(self.wire(srv, 1), wire_prefix + (QUIT if quit else b""))
        self.assertEqual(self.wire(srv, 2), EHLO + auth + transaction(headers(), BODY) + QUIT)
        self.assertDelivered(srv, headers(), BODY, USER if auth else None,
                             count=2 if stored_first else 1)
        return r

    # -- refusals: the step's status, after a polite QUIT --

    def test_greeting_refused(self):
        self.fail_then_send({"greeting": "554 5.3.2 go away"}, NX_SMTP_GREET_REPLY_ERROR, b"",
                            reply=554)

    def test_hello_refused(self):
        self.fail_then_send({"ehlo": "550 no", "helo": "550 still no"},
                            NX_SMTP_HELLO_REPLY_ERROR, EHLO + HELO, reply=550)

    def test_auth_refused(self):
        self.fail_then_send({"users": {"someone": "else"}}, NX_SMTP_AUTH_REPLY_ERROR,
                            EHLO + plain_auth(), reply=535, auth=plain_auth(),
                            args=("--auth", "plain", "--user", USER, "--password", PASSWORD))

    def test_mail_refused(self):
        self.fail_then_send({"replies": {"MAIL": "550 5.7.1 sender rejected"}},
                            NX_SMTP_MAIL_REPLY_ERROR, EHLO + mail_from(headers(), BODY),
                            reply=550)

    def test_rcpt_refused(self):
        self.fail_then_send({"replies": {"RCPT": "550 5.1.1 no such user"}},
                            NX_SMTP_RCPT_REPLY_ERROR,
                            EHLO + mail_from(headers(), BODY)
                            + ("RCPT TO:<%s>\r\n" % RCPT).encode() + b"RSET\r\n", reply=550)

    def test_251_accepts(self):
        srv = self.server({"replies": {"RCPT": "251 2.1.5 will forward"}})
        self.assertSent(srv, self.nx(srv, body=BODY))

    def test_data_refused(self):
        self.fail_then_send({"replies": {"DATA": "554 5.5.1 no valid recipients"}},
                            NX_SMTP_DATA_REPLY_ERROR,
                            EHLO + mail_from(headers(), BODY)
                            + ("RCPT TO:<%s>\r\n" % RCPT).encode() + b"DATA\r\nRSET\r\n",
                            reply=554)

    def test_message_refused(self):
        self.fail_then_send({"replies": {"DOT": "552 5.3.4 too big"}},
                            NX_SMTP_MESSAGE_REPLY_ERROR,
                            EHLO + transaction(headers(), BODY), reply=552)

    def test_server_size_smaller_than_message(self):
        # refused before MAIL: nothing of the message goes out
        self.fail_then_send({"ehlo": ["250-smtpc-test.localhost", "250 SIZE 100"]},
                            NX_SMTP_OVERSIZE_MAIL_DATA, EHLO)

    # -- replies that do not parse: NetX's reply errors, after a QUIT --

    def test_malformed_greeting(self):
        # the original's status for a greeting it cannot read
        self.fail_then_send({"greeting": "2200 four digits"}, NX_SMTP_GREET_REPLY_ERROR, b"")

    def test_garbage_greeting(self):
        self.fail_then_send({"greeting": {"raw": "\u0000\u00ff\r\n"}},
                            NX_SMTP_GREET_REPLY_ERROR, b"")

    def test_greeting_cut_short_by_close(self):
        # "2200" and no line end before the server goes: the connection was
        # lost, as the original reports it (a line is judged at its end)
        self.fail_then_send({"greeting": {"raw": "2200", "then_close": True}}, NX_NOT_CONNECTED,
                            b"", quit=False)

    def test_four_digit_code_to_rcpt(self):
        self.fail_then_send({"replies": {"RCPT": "2500 ok"}}, NX_SMTP_SERVER_ERROR_REPLY,
                            EHLO + mail_from(headers(), BODY)
                            + ("RCPT TO:<%s>\r\n" % RCPT).encode())

    def test_oversize_reply_line(self):
        self.fail_then_send({"replies": {"MAIL": "250 " + "x" * 1996}},
                            NX_SMTP_OVERSIZE_SERVER_REPLY, EHLO + mail_from(headers(), BODY))

    def test_reply_that_makes_no_sense(self):
        self.fail_then_send({"replies": {"MAIL": "354 go ahead"}}, NX_SMTP_INVALID_SERVER_REPLY,
                            EHLO + mail_from(headers(), BODY))

    # -- timeouts: NX_NO_PACKET, closed at once without QUIT --

    def timeout_at(self, script, wire_prefix, auth=b"", stored_first=False):
        args = ()
        if auth:
            args = ("--auth", "login", "--user", USER, "--password", PASSWORD)
        # nx_send runs under the harness's own time limit; how fast is not
        # asserted (bench/ measures time)
        self.fail_then_send(script, NX_NO_PACKET, wire_prefix, quit=False, args=args, auth=auth,
                            stored_first=stored_first)

    def test_timeout_greeting(self):
        self.timeout_at({"greeting": {"stall": 30}}, b"")

    def test_timeout_ehlo(self):
        self.timeout_at({"ehlo": {"stall": 30}}, EHLO)

    def test_timeout_auth(self):
        self.timeout_at({"replies": {"AUTH": {"stall": 30}}}, EHLO + b"AUTH LOGIN\r\n",
                        auth=login_auth())

    def test_timeout_mail(self):
        self.timeout_at({"replies": {"MAIL": {"stall": 30}}}, EHLO + mail_from(headers(), BODY))

    def test_timeout_rcpt(self):
        self.timeout_at({"replies": {"RCPT": {"stall": 30}}},
                        EHLO + mail_from(headers(), BODY) + ("RCPT TO:<%s>\r\n" % RCPT).encode())

    def test_timeout_data(self):
        self.timeout_at({"replies": {"DATA": {"stall": 30}}},
                        EHLO + mail_from(headers(), BODY) + ("RCPT TO:<%s>\r\n" % RCPT).encode()
                        + b"DATA\r\n")

    def test_timeout_end_of_data(self):
        # the server stored the message before it went silent: the outcome is
        # unknown to the client, which says so (not NX_SUCCESS)
        self.timeout_at({"replies": {"DOT": {"stall": 30}}}, EHLO + transaction(headers(), BODY),
                        stored_first=True)

    def test_timeout_in_the_middle_of_a_reply(self):
        # a first line and then silence: the deadline is for the whole reply
        self.timeout_at({"ehlo": {"raw": "250-smtpc-test.localhost\r\n", "stall": 0}}, EHLO)

    # -- the server closes: NX_NOT_CONNECTED --

    def closed_at(self, script, wire_prefix, auth=b""):
        args = ("--auth", "plain", "--user", USER, "--password", PASSWORD) if auth else ()
        self.fail_then_send(script, NX_NOT_CONNECTED, wire_prefix, quit=False, args=args,
                            auth=auth)

    def test_close_before_greeting(self):
        self.closed_at({"greeting": {"close": True}}, b"")

    def test_close_at_ehlo(self):
        self.closed_at({"ehlo": {"close": True}}, EHLO)

    def test_close_at_auth(self):
        self.closed_at({"replies": {"AUTH": {"close": True}}}, EHLO + b"AUTH PLAIN\r\n",
                       auth=plain_auth())

    def test_close_at_mail(self):
        self.closed_at({"replies": {"MAIL": {"close": True}}}, EHLO + mail_from(headers(), BODY))

    def test_close_at_rcpt(self):
        self.closed_at({"replies": {"RCPT": {"close": True}}},
                       EHLO + mail_from(headers(), BODY) + ("RCPT TO:<%s>\r\n" % RCPT).encode())

    def test_close_at_data(self):
        self.closed_at({"replies": {"DATA": {"close": True}}},
                       EHLO + mail_from(headers(), BODY) + ("RCPT TO:<%s>\r\n" % RCPT).encode()
                       + b"DATA\r\n")

    def test_close_at_end_of_data(self):
        self.closed_at({"replies": {"DOT": {"close": True}}}, EHLO + transaction(headers(), BODY))

    def test_421_closes_without_quit(self):
        self.fail_then_send({"replies": {"MAIL": "421 4.3.2 shutting down"}},
                            NX_SMTP_MAIL_REPLY_ERROR, EHLO + mail_from(headers(), BODY),
                            quit=False, reply=421)


class T4Example(NxTest):
    def test_netx_demo(self):
        """examples/netx_demo, the user guide's flow, as a user runs it."""
        if not CONF.netx_demo:
            self.skipTest("no --netx-demo")
        for listen in ("127.0.0.1", "::1"):
            if listen == "::1" and not harness.ipv6_loopback_available():
                continue
            with self.subTest(listen=listen):
                srv = self.server(listen=listen)
                env = dict(os.environ, SMTPC_USER=USER, SMTPC_PASSWORD=PASSWORD,
                           SMTPC_AUTH="login")
                p = subprocess.run(CONF.wrapper + [CONF.netx_demo, listen, str(srv.port), SENDER,
                                                   RCPT], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=env, timeout=120)
                srv.finish()
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                self.assertEqual(p.stdout.decode().splitlines(), [
                    "nx_packet_pool_create: 0x00", "nx_ip_create: 0x00", "nx_tcp_enable: 0x00",
                    "nxd_smtp_client_create: 0x00", "nx_smtp_mail_send: 0x00 (server reply 250)",
                    "nx_smtp_client_delete: 0x00"])
                (data, envelope), = srv.messages()
                self.assertEqual(envelope["auth_user"], USER)
                self.assertTrue(data.endswith(
                    b"\r\n\r\nThis message was sent by examples/netx_demo.c\r\n"
                    b"through the NetX Duo SMTP Client API.\r\n.\r\n"
                    b"(The line above is a lone dot: it arrives intact.)\r\n"), data)
                self.assertIn(b"\r\nSubject: Hello from NetX Duo\r\n", data)
                self.assertIn(b"\r\n..\r\n", srv.client_bytes())   # stuffed on the wire


class T5Tls(NxTest):
    """smtpc's client over NetX TCP with mbedTLS: the device's TLS path."""

    def setUp(self):
        super().setUp()
        if not CONF.nx_tls or not CONF.make_certs:
            self.skipTest("no --nx-tls / --make-certs")
        self.certs = os.path.join(self.tmp, "certs")
        subprocess.run(["bash", CONF.make_certs, self.certs], check=True,
                       stdout=subprocess.DEVNULL)

    def tls_server(self, name="server", implicit=False, listen="127.0.0.1"):
        args = ["--tls-cert", os.path.join(self.certs, name + ".pem"),
                "--tls-key", os.path.join(self.certs, name + ".key")]
        if implicit:
            args.append("--implicit-tls")
        return self.server(listen=listen, extra_args=args)

    def nx_tls(self, srv, mode):
        p = subprocess.run(CONF.wrapper + [CONF.nx_tls, srv.listen, str(srv.port), mode,
                                           os.path.join(self.certs, "ca.pem"), RCPT],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        srv.finish()
        out = p.stdout.decode()
        m = re.search(r"^pool total (\d+) available (\d+) invalid_releases (\d+)$", out, re.M)
        self.assertIsNotNone(m, out)
        self.assertEqual(m.group(1), m.group(2), "packets not back in the pool")
        self.assertEqual(m.group(3), "0")
        self.assertIn("ip delete 0x00", out)
        return p.returncode, out

    def test_starttls_and_implicit_over_netx(self):
        hosts = ["127.0.0.1"] + (["::1"] if harness.ipv6_loopback_available() else [])
        for host in hosts:
            for mode in ("starttls", "implicit"):
                with self.subTest(host=host, mode=mode):
                    srv = self.tls_server(implicit=mode == "implicit", listen=host)
                    rc, out = self.nx_tls(srv, mode)
                    self.assertEqual(rc, 0, out)
                    self.assertRegex(out, r"send: 0 .*; TLSv1\.[23] .*, peer CN=localhost")
                    (data, envelope), = srv.messages()
                    self.assertTrue(data.endswith(b"Sent over NetX Duo TCP with mbedTLS.\r\n"
                                                  b".\r\nend\r\n"), data)
                    self.assertIsNotNone(envelope["tls"])

    def test_bad_certificate_over_netx(self):
        srv = self.tls_server("wronghost")
        rc, out = self.nx_tls(srv, "starttls")
        self.assertEqual(rc, 1)
        self.assertIn("certificate verify failed: hostname mismatch", out)
        self.assertEqual(srv.messages(), [])


class T3Network(NxTest):
    def test_nothing_listening(self):
        srv = self.server()
        port = srv.port
        srv.stop()
        r = self.nx(None, "--port", str(port), body=BODY)  # a second --port wins
        self.assertStatuses(r, [NX_NOT_CONNECTED])

    def test_pool_too_small_for_headers(self):
        # every packet's payload is taken by the TCP/IP header room
        srv = self.server()
        r = self.nx(srv, "--pool-payload", "56", "--pool-packets", "4", body=BODY)
        self.assertStatuses(r, [NX_SIZE_ERROR])
        self.assertEqual(srv.client_bytes(), b"")
        self.assertEqual(srv.messages(), [])

    def test_client_pool_stays_empty(self):
        # the greeting arrives (the IP instance's pool), but no packet for
        # EHLO within NX_SMTP_CLIENT_PACKET_TIMEOUT: NX_NO_PACKET, and the
        # packets come back once they are free
        srv = self.server()
        r = self.nx(srv, "--client-pool-packets", "4", "--hold", "4", body=BODY)
        self.assertStatuses(r, [NX_NO_PACKET])
        self.assertEqual(srv.client_bytes(), b"")
        m = re.search(r"^client pool total (\d+) available (\d+) invalid_releases (\d+)$",
                      r.out, re.M)
        self.assertIsNotNone(m, r.out)
        self.assertEqual(m.group(1), m.group(2))
        self.assertEqual(m.group(3), "0")

    def test_own_client_pool(self):
        srv = self.server()
        r = self.nx(srv, "--client-pool-packets", "4", "--hold", "3", body=BODY)
        self.assertSent(srv, r)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nx-send", required=True)
    ap.add_argument("--netx-demo", default="", help="examples/netx_demo")
    ap.add_argument("--nx-tls", default="", help="tests/netxduo/nx_tls_send")
    ap.add_argument("--make-certs", default="", help="tests/tls/make-certs.sh")
    ap.add_argument("--server", required=True, help="smtpc_test_server.py")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--wrapper", default="")
    ap.add_argument("--seed", action="store_true",
                    help="nx-send is built with smtpc/config.h's defaults (no CRAM-MD5, RFC 2047, "
                         "Message-ID or SIZE)")
    ap.add_argument("--class", dest="classes", action="append", default=[], metavar="NAME")
    ap.add_argument("-k", action="append", default=[], metavar="SUBSTRING")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    CONF.nx_send = os.path.abspath(args.nx_send)
    CONF.netx_demo = os.path.abspath(args.netx_demo) if args.netx_demo else ""
    CONF.nx_tls = os.path.abspath(args.nx_tls) if args.nx_tls else ""
    CONF.make_certs = os.path.abspath(args.make_certs) if args.make_certs else ""
    CONF.wrapper = shlex.split(args.wrapper)
    CONF.seed = args.seed
    harness.CONF.server = os.path.abspath(args.server)
    harness.CONF.python = args.python
    harness.CONF.keep = args.keep

    try:
        suite = harness.load_suite(sys.modules[__name__], args.classes, args.k)
    except ValueError as e:
        ap.error(str(e))
    start = time.monotonic()
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=1 if args.quiet else 2).run(suite)
    failed = len(result.failures) + len(result.errors)
    skipped = len(result.skipped)
    print("(%.1f s%s)" % (time.monotonic() - start,
                          ", under " + CONF.wrapper[0] if CONF.wrapper else ""))
    print("%d passed, %d failed" % (result.testsRun - failed - skipped, failed))
    return 1 if failed or result.testsRun == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
