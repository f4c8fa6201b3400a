#!/usr/bin/python3
"""Integration tests: smtpc as sendmail (issue 10), against the test server
(tests/server/smtpc_test_server.py).

What the programs that call sendmail need, option by option, and what
smtpc does to the message on the way, checked on the wire (the client's
bytes) and in what the server stored, byte for byte:

  S1 sendmail's options: accepted, ignored as documented, or refused by name
  S2 -t: recipients from To, Cc and Bcc; Bcc never sent
  S3 the headers smtpc adds (From, Date, Message-ID) and those it keeps
  S4 bare names: the aliases file, then qualification
  S5 the configuration file as the CLI applies it (the parser's own cases
     are tests/unit/test_cli_config.c)
  S6 the message streamed: SIZE only when known, long lines, pipes
  S7 DSN: -N, -R, -V
  S8 the log line
  S9 --serverinfo, the progress line and --quiet

test_programs.py runs the real programs (cron, mailx, git send-email ...).

Usage:
  test_sendmail.py --smtpc PATH/smtpc --server PATH/smtpc_test_server.py
                   [--python /usr/bin/python3] [--wrapper "valgrind ..."]
                   [--class NAME]... [-k SUBSTRING]... [--keep] [-q]
"""

import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from smtpc_harness import (  # noqa: E402  (the test server harness and the wire model)
    CONF, EHLO, EHLO_NAME, QUIT, EX_CONFIG, EX_DATAERR, EX_OK, EX_USAGE,
    CliTest, normalise, run_cli_tests, unstuff_sent_data)

DATE_RE = (rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} "
           rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
           rb"\d\d:\d\d:\d\d [+-]\d{4}")
MSGID_RE = rb"<\d+\.\d+\.[0-9a-f]{16}@[A-Za-z0-9.\-]+>"

# A message with every header smtpc would add: sent as it is.
COMPLETE = (b"From: a@example.org\nTo: b@example.org\nSubject: complete\n"
            b"Date: Mon, 01 Jan 2024 00:00:00 +0000\nMessage-ID: <c@example.org>\n"
            b"\nbody\n")


class SendmailTest(CliTest):
    """Runs smtpc with a configuration file for the test server."""

    def config(self, srv, extra="", name="config"):
        text = ("defaults\ntls off\n\naccount test\nhost 127.0.0.1\nport %d\n"
                "domain %s\nfrom cfg@example.org\n%s\naccount default : test\n"
                % (srv.port, EHLO_NAME, extra))
        path = self.write(name, text.encode())
        os.chmod(path, 0o600)
        return path

    def sendmail(self):
        """A link named sendmail to smtpc: sendmail mode."""
        link = os.path.join(self.tmp, "sendmail")
        if not os.path.exists(link):
            os.symlink(os.path.abspath(CONF.smtpc), link)
        return link

    def run_as(self, srv, args, stdin=b"", extra="", env=None, connects=True, program=None):
        environ = {"SMTPC_CONFIG": self.config(srv, extra)}
        environ.update(env or {})
        if program is not None:   # the wrapper (valgrind) runs the link, not smtpc
            saved = CONF.smtpc
            CONF.smtpc = program
        try:
            p = self.run_smtpc(args, stdin=stdin, env=environ)
        finally:
            if program is not None:
                CONF.smtpc = saved
        if connects:
            srv.finish()
        return p

    def stored(self, srv):
        msgs = srv.messages()
        self.assertEqual(len(msgs), 1, "expected one stored message")
        data, envelope = msgs[0]
        self.assertEqual(data, unstuff_sent_data(srv.client_bytes()))
        return data, envelope

    def mail_line(self, srv):
        m = re.search(rb"MAIL FROM:[^\r]*\r\n", srv.client_bytes())
        return m.group(0)


# ---------------------------------------------------------------------------
# S1. sendmail's options
# ---------------------------------------------------------------------------

class T1Options(SendmailTest):
    def test_s1_mta_options_ignored(self):
        # what cron, mailx, mailutils and PHP pass: all accepted, none changes
        # what is sent
        srv = self.server()
        p = self.run_as(srv, ["-i", "-oi", "-oem", "-oee", "-odi", "-odb", "-om", "-oQ/tmp",
                              "-bm", "-U", "-G", "-m", "-Ac", "-L", "tag", "-O", "x=y", "-em",
                              "--", "b@example.org"], stdin=COMPLETE)
        self.assertExit(p, EX_OK)
        self.assertEqual(p.err, "")
        self.assertEqual(self.stored(srv)[0], normalise(COMPLETE))
        self.assertEqual(self.mail_line(srv), b"MAIL FROM:<cfg@example.org> SIZE=%d\r\n"
                         % len(normalise(COMPLETE)))

    def test_s1_modes_without_a_queue_refused(self):
        for args, named in ((["-bp"], "-bp"), (["-bs"], "-bs"), (["-bd"], "-bd"),
                            (["-q"], "-q"), (["-q30m"], "-q30m")):
            with self.subTest(args=args):
                srv = self.server()
                p = self.run_as(srv, args + ["b@example.org"], stdin=COMPLETE, connects=False)
                self.assertExit(p, EX_USAGE)
                self.assertErrorLine(p, named, "not supported")
                self.assertNoConnection(srv)

    def test_s1_f_and_r_set_the_envelope_sender(self):
        for flag in (["-f", "e@example.org"], ["-fe@example.org"], ["-r", "e@example.org"]):
            with self.subTest(flag=flag):
                srv = self.server()
                p = self.run_as(srv, flag + ["b@example.org"], stdin=COMPLETE)
                self.assertExit(p, EX_OK)
                self.assertTrue(self.mail_line(srv).startswith(b"MAIL FROM:<e@example.org> "))

    def test_s1_null_sender(self):
        srv = self.server()
        p = self.run_as(srv, ["-f", "<>", "b@example.org"], stdin=COMPLETE)
        self.assertExit(p, EX_OK)
        self.assertTrue(self.mail_line(srv).startswith(b"MAIL FROM:<> "))

    def test_s1_B_8bitmime_declares_the_body(self):
        srv = self.server()
        p = self.run_as(srv, ["-B8BITMIME", "b@example.org"], stdin=COMPLETE)
        self.assertExit(p, EX_OK)
        self.assertIn(b" BODY=8BITMIME", self.mail_line(srv))
        srv = self.server()
        p = self.run_as(srv, ["-B", "7BIT", "b@example.org"], stdin=COMPLETE)
        self.assertExit(p, EX_OK)
        self.assertNotIn(b"BODY=", self.mail_line(srv))

    def test_s1_bad_values_named(self):
        for args, needle in ((["-B", "BINARY"], "-B takes 7BIT or 8BITMIME"),
                             (["-N", "sometimes"], "-N takes never"),
                             (["-N", "success,never"], "-N takes never"),
                             (["-R", "all"], "-R takes full or hdrs"),
                             (["-k"], "unknown option: -k")):
            with self.subTest(args=args):
                srv = self.server()
                p = self.run_as(srv, args + ["b@example.org"], stdin=COMPLETE, connects=False)
                self.assertUsageError(p, needle)
                self.assertNoConnection(srv)

    def test_s1_as_sendmail_V_and_h_are_sendmail_s(self):
        # as "sendmail": -V is the DSN envelope id, -h the hop count; as
        # smtpc: version and help
        srv = self.server({"dsn": True})
        link = self.sendmail()
        p = self.run_as(srv, ["-h", "17", "-V", "env-1", "b@example.org"], stdin=COMPLETE,
                        program=link)
        self.assertExit(p, EX_OK)
        self.assertIn(b" ENVID=env-1", self.mail_line(srv))
        p = self.run_smtpc(["-V"])
        self.assertExit(p, EX_OK)
        self.assertTrue(p.stdout.decode().startswith("smtpc "), p.stdout.decode())

    def test_s1_help_names_sendmail_mode_and_the_configuration(self):
        p = self.run_smtpc(["--help"])
        self.assertExit(p, EX_OK)
        for needle in ("sendmail", "-t, --read-recipients", "$SMTPC_CONFIG", "smtpc.conf(5)",
                       "-oi", "-C, --config", "-a, --account"):
            self.assertIn(needle, p.stdout.decode())


# ---------------------------------------------------------------------------
# S2. -t
# ---------------------------------------------------------------------------

class T2ReadRecipients(SendmailTest):
    def test_s2_to_cc_bcc_and_the_command_line(self):
        message = (b"From: a@example.org\nTo: One <one@example.org>,\n two@example.org\n"
                   b"Subject: t\nCc: \"Three, 3\" <three@example.org> (comment)\n"
                   b"Bcc: hidden@example.org,\n\thidden2@example.org\n"
                   b"Date: Mon, 01 Jan 2024 00:00:00 +0000\nMessage-ID: <t@example.org>\n"
                   b"\nbody\nBcc: in the body stays\n")
        srv = self.server()
        p = self.run_as(srv, ["-t", "-i", "extra@example.org", "one@example.org"],
                        stdin=message)
        self.assertExit(p, EX_OK)
        data, envelope = self.stored(srv)
        # the command line first, then the headers in order; each address once
        self.assertEqual(envelope["rcpt_to"], ["extra@example.org", "one@example.org",
                                               "two@example.org", "three@example.org",
                                               "hidden@example.org", "hidden2@example.org"])
        without_bcc = message.replace(b"Bcc: hidden@example.org,\n\thidden2@example.org\n", b"")
        self.assertEqual(data, normalise(without_bcc))
        self.assertNotIn(b"hidden", data)

    def test_s2_groups_and_undisclosed(self):
        message = (b"To: undisclosed-recipients:;\nCc: team: x@example.org, y@example.org;\n"
                   b"Subject: g\n\nbody\n")
        srv = self.server()
        p = self.run_as(srv, ["-t"], stdin=message)
        self.assertExit(p, EX_OK)
        self.assertEqual(self.stored(srv)[1]["rcpt_to"], ["x@example.org", "y@example.org"])

    def test_s2_no_recipient_anywhere(self):
        srv = self.server()
        p = self.run_as(srv, ["-t"], stdin=b"Subject: nobody\n\nbody\n", connects=False)
        self.assertExit(p, EX_USAGE)
        self.assertErrorLine(p, "no recipient", "To:, Cc: or Bcc:")
        self.assertNoConnection(srv)

    def test_s2_bad_address_list(self):
        srv = self.server()
        p = self.run_as(srv, ["-t"], stdin=b"To: <open@example.org\n\nbody\n", connects=False)
        self.assertExit(p, EX_DATAERR)
        self.assertErrorLine(p, "To: header")
        self.assertNoConnection(srv)

    def test_s2_bcc_kept_only_when_asked(self):
        message = b"To: b@example.org\nBcc: c@example.org\nSubject: k\n\nbody\n"
        srv = self.server()
        p = self.run_as(srv, ["-t"], stdin=message, extra="remove_bcc_headers off\n")
        self.assertExit(p, EX_OK)
        self.assertIn(b"\r\nBcc: c@example.org\r\n", self.stored(srv)[0])


# ---------------------------------------------------------------------------
# S3. The headers smtpc adds
# ---------------------------------------------------------------------------

class T3Headers(SendmailTest):
    def check_added(self, data, head, from_value, tail):
        m = re.fullmatch(re.escape(head) + b"From: " + re.escape(from_value) + b"\r\n"
                         b"Date: (" + DATE_RE + b")\r\nMessage-ID: " + MSGID_RE + b"\r\n"
                         + re.escape(tail), data, re.DOTALL)
        self.assertIsNotNone(m, data)

    def test_s3_from_date_message_id_added_after_the_message_s_own(self):
        srv = self.server()
        p = self.run_as(srv, ["b@example.org"], stdin=b"Subject: s\nTo: b@example.org\n\nhi\n")
        self.assertExit(p, EX_OK)
        data, envelope = self.stored(srv)
        self.check_added(data, b"Subject: s\r\nTo: b@example.org\r\n", b"cfg@example.org",
                         b"\r\nhi\r\n")
        self.assertEqual(envelope["mail_from"], "cfg@example.org")

    def test_s3_full_name(self):
        for name, shown in (("Cron Daemon", b'"Cron Daemon"'),
                            ('Say "hi" \\ bye', b'"Say \\"hi\\" \\\\ bye"'),
                            ("Jos\u00e9", b"=?UTF-8?Q?Jos=C3=A9?=")):
            with self.subTest(name=name):
                srv = self.server()
                p = self.run_as(srv, ["-F", name, "b@example.org"], stdin=b"Subject: n\n\nhi\n")
                self.assertExit(p, EX_OK)
                self.check_added(self.stored(srv)[0], b"Subject: n\r\n",
                                 shown + b" <cfg@example.org>", b"\r\nhi\r\n")

    def test_s3_existing_headers_kept_whatever_their_case(self):
        message = (b"FROM: x@example.org\nmessage-id: <own@example.org>\n"
                   b"DATE: Mon, 01 Jan 2024 00:00:00 +0000\n\nbody\n")
        srv = self.server()
        p = self.run_as(srv, ["b@example.org"], stdin=message)
        self.assertExit(p, EX_OK)
        self.assertEqual(self.stored(srv)[0], normalise(message))

    def test_s3_input_without_headers_is_all_body(self):
        srv = self.server()
        p = self.run_as(srv, ["b@example.org"], stdin=b"just a line: not a header? no\nmore\n")
        self.assertExit(p, EX_OK)
        self.check_added(self.stored(srv)[0], b"", b"cfg@example.org",
                         b"\r\njust a line: not a header? no\r\nmore\r\n")

    def test_s3_switched_off(self):
        # a leading dot as the first byte of DATA: stuffed on the wire
        message = b".dot first\nsecond\n"
        srv = self.server()
        p = self.run_as(srv, ["b@example.org"], stdin=message,
                        extra="set_from_header off\nset_date_header off\nset_msgid_header off\n")
        self.assertExit(p, EX_OK)
        data, _ = self.stored(srv)
        self.assertEqual(data, b"\r\n.dot first\r\nsecond\r\n")
        self.assertIn(b"DATA\r\n\r\n..dot first\r\n", srv.client_bytes())

    def test_s3_set_from_header_on_replaces(self):
        message = b"From: Someone <else@example.org>\nSubject: r\n\nbody\n"
        srv = self.server()
        p = self.run_as(srv, ["b@example.org"], stdin=message, extra="set_from_header on\n")
        self.assertExit(p, EX_OK)
        data, _ = self.stored(srv)
        self.assertNotIn(b"else@example.org", data)
        self.assertTrue(data.startswith(b"Subject: r\r\nFrom: cfg@example.org\r\n"), data)

    def test_s3_read_envelope_from(self):
        message = b"From: Writer <writer@example.org>\nSubject: e\n\nbody\n"
        srv = self.server()
        p = self.run_as(srv, ["--read-envelope-from", "b@example.org"], stdin=message)
        self.assertExit(p, EX_OK)
        self.assertEqual(self.stored(srv)[1]["mail_from"], "writer@example.org")
        # -f still wins
        srv = self.server()
        p = self.run_as(srv, ["--read-envelope-from", "-f", "f@example.org", "b@example.org"],
                        stdin=message)
        self.assertExit(p, EX_OK)
        self.assertEqual(self.stored(srv)[1]["mail_from"], "f@example.org")

    def test_s3_header_over_the_limit_refused(self):
        srv = self.server()
        big = b"X-Long: " + b"a" * 900 + b"\n"
        p = self.run_as(srv, ["b@example.org"], stdin=big * 1300 + b"\nbody\n",
                        connects=False)
        self.assertExit(p, EX_DATAERR)
        self.assertErrorLine(p, "header is over 1024 KiB")
        self.assertNoConnection(srv)

    def test_s3_empty_input_refused(self):
        srv = self.server()
        p = self.run_as(srv, ["-t", "-i"], stdin=b"", connects=False)
        self.assertExit(p, EX_DATAERR)
        self.assertErrorLine(p, "empty")
        self.assertNoConnection(srv)


# ---------------------------------------------------------------------------
# S4. Bare names
# ---------------------------------------------------------------------------

class T4BareNames(SendmailTest):
    def aliases(self):
        path = self.write("aliases", b"# aliases\nroot: admin@example.org, Ops <ops@example.org>\n"
                                     b"postmaster : pm@example.org\ndefault: all@example.org\n")
        return path

    def test_s4_aliases_and_default(self):
        srv = self.server()
        p = self.run_as(srv, ["ROOT", "postmaster", "someone", "x@example.org"], stdin=COMPLETE,
                        extra="aliases %s\n" % self.aliases())
        self.assertExit(p, EX_OK)
        self.assertEqual(self.stored(srv)[1]["rcpt_to"],
                         ["admin@example.org", "ops@example.org", "pm@example.org",
                          "all@example.org", "x@example.org"])

    def test_s4_no_aliases_with_n(self):
        srv = self.server()
        p = self.run_as(srv, ["-n", "root"], stdin=COMPLETE,
                        extra="aliases %s\n" % self.aliases())
        self.assertExit(p, EX_OK)
        self.assertEqual(self.stored(srv)[1]["rcpt_to"], ["root@example.org"])

    def test_s4_qualified_with_the_sender_s_domain_or_qualify_domain(self):
        srv = self.server()
        p = self.run_as(srv, ["root"], stdin=COMPLETE)
        self.assertExit(p, EX_OK)
        self.assertEqual(self.stored(srv)[1]["rcpt_to"], ["root@example.org"])
        srv = self.server()
        p = self.run_as(srv, ["-t"], stdin=b"To: root\nSubject: q\n\nbody\n",
                        extra="qualify_domain here.example\n")
        self.assertExit(p, EX_OK)
        data, envelope = self.stored(srv)
        self.assertEqual(envelope["rcpt_to"], ["root@here.example"])
        self.assertTrue(data.startswith(b"To: root\r\n"), "the header is not rewritten")

    def test_s4_unreadable_aliases_file(self):
        srv = self.server()
        p = self.run_as(srv, ["root"], stdin=COMPLETE, connects=False,
                        extra="aliases %s\n" % os.path.join(self.tmp, "none"))
        self.assertExit(p, EX_CONFIG)
        self.assertErrorLine(p, "aliases file", "none")
        self.assertNoConnection(srv)


# ---------------------------------------------------------------------------
# S5. The configuration file, applied
# ---------------------------------------------------------------------------

class T5Config(SendmailTest):
    def test_s5_found_through_xdg_config_home(self):
        srv = self.server()
        xdg = os.path.join(self.tmp, "xdg")
        os.makedirs(os.path.join(xdg, "smtpc"))
        os.rename(self.config(srv), os.path.join(xdg, "smtpc", "config"))
        p = self.run_smtpc(["b@example.org"], stdin=COMPLETE,
                           env={"SMTPC_CONFIG": "", "XDG_CONFIG_HOME": xdg})
        srv.finish()
        self.assertExit(p, EX_OK)
        self.assertEqual(self.stored(srv)[1]["mail_from"], "cfg@example.org")

    def test_s5_C_wins_and_the_command_line_overrides(self):
        srv = self.server()
        other = self.server()
        path = self.config(srv, name="mine")
        p = self.run_smtpc(["-C", path, "--server", other.address(), "-f", "cl@example.org",
                            "b@example.org"], stdin=COMPLETE,
                           env={"SMTPC_CONFIG": self.config(srv, "host 192.0.2.1\n")})
        other.finish()
        srv.stop()
        self.assertExit(p, EX_OK)
        self.assertEqual(self.stored(other)[1]["mail_from"], "cl@example.org")
        self.assertEqual(srv.connections(), [])

    def test_s5_account_chosen_with_a(self):
        srv = self.server()
        extra = "\naccount other : test\nfrom other@example.org\n"
        p = self.run_as(srv, ["-a", "other", "b@example.org"], stdin=COMPLETE, extra=extra)
        self.assertExit(p, EX_OK)
        self.assertEqual(self.stored(srv)[1]["mail_from"], "other@example.org")
        srv = self.server()
        p = self.run_as(srv, ["-a", "nosuch", "b@example.org"], stdin=COMPLETE, connects=False)
        self.assertExit(p, EX_CONFIG)
        self.assertErrorLine(p, "nosuch")
        self.assertNoConnection(srv)

    def test_s5_bad_line_named(self):
        srv = self.server()
        p = self.run_as(srv, ["b@example.org"], stdin=COMPLETE, extra="hots example.org\n",
                        connects=False)
        self.assertExit(p, EX_CONFIG)
        self.assertErrorLine(p, ":9:", "hots")
        self.assertNoConnection(srv)

    def test_s5_password_in_a_file_open_to_others_refused(self):
        srv = self.server()
        path = self.config(srv, "user u\npassword secret-pw\n")
        os.chmod(path, 0o644)
        p = self.run_smtpc(["b@example.org"], stdin=COMPLETE, env={"SMTPC_CONFIG": path})
        self.assertExit(p, EX_CONFIG)
        self.assertErrorLine(p, "chmod 600")
        self.assertNotIn("secret-pw", p.err)
        self.assertNoConnection(srv)

    def test_s5_passwordeval_used_for_auth(self):
        users = {"users": {"u": "pw from eval"}}
        srv = self.server(users)
        p = self.run_as(srv, ["b@example.org"], stdin=COMPLETE,
                        extra="auth plain\nuser u\npasswordeval echo 'pw from eval'\n"
                              "allow_plaintext_auth on\n")
        self.assertExit(p, EX_OK)
        self.assertEqual(self.stored(srv)[1]["auth_user"], "u")

    def test_s5_tls_on_without_a_server_offer_refuses(self):
        # msmtp's `tls on`: STARTTLS required; the test server offers none
        srv = self.server()
        p = self.run_as(srv, ["b@example.org"], stdin=COMPLETE, extra="tls on\n")
        if not TLS_BACKENDS.value:   # built without TLS: refused before connecting
            self.assertExit(p, EX_USAGE)
            return
        self.assertNotEqual(p.returncode, EX_OK)
        self.assertIn("STARTTLS", p.err)
        self.assertEqual(srv.messages(), [])


# The TLS backends this smtpc was built with (--tls-backends), "" for none.
TLS_BACKENDS = argparse.Namespace(value="")


# ---------------------------------------------------------------------------
# S6. Streaming
# ---------------------------------------------------------------------------

class T6Stream(SendmailTest):
    def big(self, size):
        line = b"0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ\n"
        return COMPLETE + line * (size // len(line))

    def test_s6_pipe_beyond_the_first_mib_goes_without_size(self):
        message = self.big(3 * 1024 * 1024)
        srv = self.server()
        p = self.run_as(srv, ["b@example.org"], stdin=message)
        self.assertExit(p, EX_OK)
        # unseen bytes may be 8-bit: BODY=8BITMIME, and no SIZE
        self.assertEqual(self.mail_line(srv), b"MAIL FROM:<cfg@example.org> BODY=8BITMIME\r\n")
        self.assertEqual(self.stored(srv)[0], normalise(message))

    def test_s6_file_measured_for_size(self):
        message = self.big(3 * 1024 * 1024)
        srv = self.server()
        p = self.run_as(srv, ["--message", self.write("m", message), "b@example.org"])
        self.assertExit(p, EX_OK)
        self.assertEqual(self.mail_line(srv), b"MAIL FROM:<cfg@example.org> SIZE=%d\r\n"
                         % len(normalise(message)))
        self.assertEqual(self.stored(srv)[0], normalise(message))

    def test_s6_stdin_redirected_from_a_file_measured_too(self):
        message = self.big(2 * 1024 * 1024)
        path = self.write("m", message)
        srv = self.server()
        environ = {"SMTPC_CONFIG": self.config(srv)}
        with open(path, "rb") as f:
            import subprocess
            env = dict(os.environ, LC_ALL="C", **environ)
            env.pop("SMTPC_PASSWORD", None)
            p = subprocess.run(CONF.wrapper + [CONF.smtpc, "b@example.org"], stdin=f,
                               capture_output=True, env=env, timeout=120)
        srv.finish()
        self.assertEqual(p.returncode, EX_OK, p.stderr)
        self.assertEqual(self.mail_line(srv), b"MAIL FROM:<cfg@example.org> SIZE=%d\r\n"
                         % len(normalise(message)))

    def test_s6_long_line_late_in_a_pipe_sends_nothing(self):
        message = self.big(2 * 1024 * 1024) + b"x" * 2000 + b"\nend\n"
        srv = self.server()
        p = self.run_as(srv, ["b@example.org"], stdin=message)
        self.assertExit(p, EX_DATAERR)
        self.assertErrorLine(p, "998")
        self.assertEqual(srv.messages(), [], "a message cut short was delivered")
        self.assertNotIn(b"\r\n.\r\n", srv.client_bytes(), "the data was ended")

    def test_s6_seven_bit_pipe_declared_with_B7BIT(self):
        message = self.big(2 * 1024 * 1024)
        srv = self.server()
        p = self.run_as(srv, ["-B7BIT", "b@example.org"], stdin=message)
        self.assertExit(p, EX_OK)
        self.assertEqual(self.mail_line(srv), b"MAIL FROM:<cfg@example.org>\r\n")


# ---------------------------------------------------------------------------
# S7. DSN
# ---------------------------------------------------------------------------

class T7Dsn(SendmailTest):
    def test_s7_parameters_when_offered(self):
        srv = self.server({"dsn": True})
        p = self.run_as(srv, ["-N", "failure,delay", "-R", "hdrs", "--dsn-envid", "id+1",
                              "b@example.org"], stdin=COMPLETE)
        self.assertExit(p, EX_OK)
        wire = srv.client_bytes()
        self.assertIn(b"MAIL FROM:<cfg@example.org> SIZE=%d RET=HDRS ENVID=id+2B1\r\n"
                      % len(normalise(COMPLETE)), wire)
        self.assertIn(b"RCPT TO:<b@example.org> NOTIFY=FAILURE,DELAY "
                      b"ORCPT=rfc822;b@example.org\r\n", wire)

    def test_s7_left_out_when_not_offered(self):
        srv = self.server()
        p = self.run_as(srv, ["-N", "never", "-R", "full", "b@example.org"], stdin=COMPLETE)
        self.assertExit(p, EX_OK)
        self.assertNotIn(b"NOTIFY", srv.client_bytes())
        self.assertNotIn(b"RET=", srv.client_bytes())

    def test_s7_from_the_configuration(self):
        srv = self.server({"dsn": True})
        p = self.run_as(srv, ["b@example.org"], stdin=COMPLETE,
                        extra="dsn_notify success\ndsn_return headers\n")
        self.assertExit(p, EX_OK)
        self.assertIn(b" RET=HDRS\r\n", srv.client_bytes())
        self.assertIn(b" NOTIFY=SUCCESS ", srv.client_bytes())


# ---------------------------------------------------------------------------
# S8. The log line
# ---------------------------------------------------------------------------

class T8Log(SendmailTest):
    def test_s8_one_line_per_message(self):
        log = os.path.join(self.tmp, "log")
        srv = self.server()
        p = self.run_as(srv, ["b@example.org", "c@example.org"], stdin=COMPLETE,
                        extra="logfile %s\n" % log)
        self.assertExit(p, EX_OK)
        with open(log) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 1)
        self.assertRegex(lines[0],
                         r"^[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d host=127\.0\.0\.1 tls=off auth=off "
                         r"account=default from=cfg@example\.org "
                         r"recipients=b@example\.org,c@example\.org mailsize=%d smtpstatus=250 "
                         r"smtpmsg='250 2\.0\.0 Ok: queued as \S+' exitcode=EX_OK$"
                         % len(normalise(COMPLETE)))

    def test_s8_failure_logged_with_its_reason(self):
        log = os.path.join(self.tmp, "log")
        srv = self.server({"replies": {"RCPT": "550 5.1.1 no such user"}})
        p = self.run_as(srv, ["-X", log, "b@example.org"], stdin=COMPLETE)
        self.assertNotEqual(p.returncode, EX_OK)
        with open(log) as f:
            line = f.read()
        self.assertIn("smtpstatus=550 smtpmsg='550 5.1.1 no such user' errormsg='", line)
        self.assertIn("exitcode=EX_UNAVAILABLE", line)


# ---------------------------------------------------------------------------
# S9. --serverinfo, the progress line
# ---------------------------------------------------------------------------

class T9Tool(SendmailTest):
    def test_s9_serverinfo(self):
        srv = self.server()
        p = self.run_as(srv, ["--serverinfo"])
        self.assertExit(p, EX_OK)
        self.assertEqual(p.stdout.decode(),
                         "SMTP server at 127.0.0.1, port %d:\n"
                         "    smtpc-test.localhost ESMTP smtpc test server\n"
                         "TLS:\n    none: the connection is not encrypted\n"
                         "Capabilities:\n    PIPELINING\n    SIZE 10485760\n    8BITMIME\n"
                         "    ENHANCEDSTATUSCODES\n    AUTH PLAIN LOGIN\n    SMTPUTF8\n"
                         % srv.port)
        self.assertEqual(p.err, "")
        self.assertEqual(srv.client_bytes(), b"EHLO %s\r\nQUIT\r\n" % EHLO_NAME.encode())

    def test_s9_serverinfo_never_authenticates(self):
        srv = self.server({"users": {"u": "pw"}})
        p = self.run_as(srv, ["-S"], extra="auth plain\nuser u\npassword pw\n"
                                           "allow_plaintext_auth on\n")
        self.assertExit(p, EX_OK)
        self.assertNotIn(b"AUTH", srv.client_bytes())

    def send_slowly(self, args):
        """smtpc with its stderr on a terminal, the message written in two
        parts 2.5 s apart; returns (exit status, what the terminal got)."""
        import pty
        import select
        import subprocess
        srv = self.server()
        environ = dict(os.environ, LC_ALL="C", SMTPC_CONFIG=self.config(srv))
        master, slave = pty.openpty()
        proc = subprocess.Popen(CONF.wrapper + [CONF.smtpc] + args + ["b@example.org"],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=slave, env=environ)
        os.close(slave)
        part = COMPLETE + b"x" * 70 + b"\n"
        proc.stdin.write(part * (2 * 1024 * 1024 // len(part)))
        proc.stdin.flush()
        time.sleep(2.5)
        proc.stdin.write(part * 1000)
        proc.stdin.close()
        seen = b""
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:   # the other end closed
                break
            if not chunk:
                break
            seen += chunk
        status = proc.wait(timeout=120)
        os.close(master)
        srv.finish()
        self.assertEqual(len(srv.messages()), 1)
        return status, seen

    def test_s9_progress_line_on_a_terminal(self):
        status, seen = self.send_slowly([])
        self.assertEqual(status, EX_OK, seen)
        self.assertRegex(seen, rb"\A(\rsmtpc: sent \d+\.\d MiB )+\r\x1b\[K\Z")

    def test_s9_quiet(self):
        status, seen = self.send_slowly(["--quiet"])
        self.assertEqual(status, EX_OK, seen)
        self.assertEqual(seen, b"")


def sendmail_options(args):
    TLS_BACKENDS.value = args.tls_backends or ""


if __name__ == "__main__":
    sys.exit(run_cli_tests(sys.modules[__name__], None, sendmail_options))
