#!/usr/bin/python3
"""Integration tests: the programs that call sendmail, from Debian's
packages, delivering through smtpc to the test server
(tests/server/smtpc_test_server.py).

smtpc is the drop-in /usr/sbin/sendmail of issue 10: invoked through a
symlink named `sendmail` it is in sendmail mode. Every test gives the real
program (git send-email, bsd-mailx, GNU mailutils' mail, neomutt, PHP's
mail(); and cron's exact command line, cron itself not being run) a
temporary HOME, a `sendmail` symlink to the built smtpc in a temporary
directory and an smtpc configuration file (msmtp syntax, through
$SMTPC_CONFIG), runs the program non-interactively, lets the server finish
and then checks, byte for byte:

  M: what the server stored          (Maildir new/), the same as the client's DATA
  V: the envelope                    (MAIL FROM and its parameters, RCPT TOs, EHLO name)

Each test's comment "A: sendmail ..." is the command line the program runs
there, as recorded once with a fake sendmail that wrote its arguments.

Only the values the program or smtpc generates (a Date, a Message-ID) are
matched by pattern; a Date smtpc adds must be a well-formed date.

The hazards each program brings: Bcc: in the message (removed from what is
stored, its address in the envelope), no From:, Date: or Message-ID:
(added), recipients only in the headers (-t), a bare `root` (aliases file,
qualify_domain), -B8BITMIME with an 8-bit body, mixed line endings (PHP).

A class whose program is not installed is skipped with the package to
install (scripts/install-deps installs them all).

Usage:
  test_programs.py --smtpc PATH/smtpc --server PATH/smtpc_test_server.py
                   [--python /usr/bin/python3] [--wrapper "valgrind ..."]
                   [--class NAME]... [-k SUBSTRING]... [--keep] [-q]

Python 3 standard library only. The last line printed is "N passed, M failed";
the exit status is non-zero when anything failed.
"""

import email.utils
import os
import pwd
import re
import shlex
import shutil
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from smtpc_harness import (  # noqa: E402  (the test server harness and the wire model)
    CONF, EHLO_NAME, SENDER, CliTest, run_cli_tests, mail_params, normalise, unstuff_sent_data)

# The login name the programs run under: mailutils puts it in its -f.
try:
    LOGIN = pwd.getpwuid(os.getuid()).pw_name
except KeyError:                        # a uid without a passwd entry
    LOGIN = os.environ.get("USER", "")


# ---------------------------------------------------------------------------
# The expected message: literal bytes and patterns
# ---------------------------------------------------------------------------

class Pat:
    """A part of an expected message that is generated, matched by a regular
    expression (bytes, CRLF line ends) instead of compared. A group named
    smtpc_date holds a Date value smtpc added: it must be a well-formed date."""

    def __init__(self, regex):
        self.regex = regex


# An RFC 5322 date-time as the programs and smtpc write it; git and
# mailutils pad the day with a space ("Wed,  2 Dec 2026").
DATE_VALUE = (rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), {1,2}\d{1,2} "
              rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
              rb"\d\d:\d\d:\d\d [+-]\d{4}")
# A msg-id with a dot-atom left part (RFC 5322 3.6.4).
MSGID_VALUE = rb"<[!#-'*+\-/-9=?A-Z^-~.]+@[A-Za-z0-9.\-]+>"

# What smtpc adds to a message that lacks them (the plan, cli.md, "Message
# handling": "added when missing"): after the message's own header fields,
# before the empty line, in the order From, Date, Message-ID, as
# tools/smtpc/input.c does (msmtp puts them before the message's own).
SMTPC_DATE = Pat(rb"Date: (?P<smtpc_date>" + DATE_VALUE + rb")\r\n")
SMTPC_MSGID = Pat(rb"Message-ID: " + MSGID_VALUE + rb"\r\n")


def added_headers(from_addr=None):
    """The header fields smtpc adds to a message that has no Date and no
    Message-ID (and no From, when `from_addr` is given: the envelope
    sender, as an address alone), to be put where they go: after the
    message's own fields, before the empty line."""
    parts = []
    if from_addr is not None:
        parts.append(b"From: " + from_addr.encode() + b"\n")
    return parts + [SMTPC_DATE, SMTPC_MSGID]


def crlf(piece):
    """A literal piece of an expected message with its line ends made CRLF,
    as the server stores them (the harness's normalise, without the final
    line break it adds to a piece that does not end in one)."""
    out = normalise(piece)
    if not piece.endswith((b"\n", b"\r")):
        out = out[:-2]
    return out


def expected_re(parts):
    """The regular expression matching exactly the stored message that
    `parts` (bytes in the program's line ends, and Pat) describe."""
    rx = b""
    for part in parts:
        rx += part.regex if isinstance(part, Pat) else re.escape(crlf(part))
    return re.compile(rx + rb"\Z", re.DOTALL)


def shown(data):
    """Message bytes as text for a line-by-line diff."""
    return data.decode("utf-8", "backslashreplace")


def literal(parts):
    """The expected message as text, each pattern shown as one line
    "<pattern: REGEX>" (for the diff when a message differs)."""
    return "".join("<pattern: %s>\r\n" % p.regex.rstrip(b"\r\n").decode("ascii", "replace")
                   if isinstance(p, Pat) else shown(crlf(p)) for p in parts)


# ---------------------------------------------------------------------------
# Shared machinery: HOME, the sendmail symlink, the configuration file
# ---------------------------------------------------------------------------

class ProgramTest(CliTest):
    """Each test: a temporary HOME, <tmp>/bin/sendmail -> smtpc (under
    --wrapper, a script that runs smtpc through the wrapper with argv[0]
    still ending in "sendmail"), and an smtpc configuration file naming the
    test server, given through $SMTPC_CONFIG."""

    def setUp(self):
        super().setUp()
        self.home = os.path.join(self.tmp, "home")
        self.bin = os.path.join(self.tmp, "bin")
        os.makedirs(self.home)
        os.makedirs(self.bin)
        self.sendmail = os.path.join(self.bin, "sendmail")
        if CONF.wrapper:
            lib = os.path.join(self.tmp, "lib")
            os.makedirs(lib)
            os.symlink(CONF.smtpc, os.path.join(lib, "sendmail"))
            with open(self.sendmail, "w") as f:
                f.write("#!/bin/sh\nexec %s %s \"$@\"\n"
                        % (" ".join(shlex.quote(w) for w in CONF.wrapper),
                           shlex.quote(os.path.join(lib, "sendmail"))))
            os.chmod(self.sendmail, 0o755)
        else:
            os.symlink(CONF.smtpc, self.sendmail)
        self.config_path = None

    def configure(self, srv, *extra, sender=SENDER):
        """The smtpc configuration file for `srv`: msmtp's syntax, no TLS,
        EHLO name test.example, envelope sender `sender`, then `extra` lines."""
        lines = ["# written by test_programs.py",
                 "account default",
                 "host 127.0.0.1",
                 "port %d" % srv.port,
                 "tls off",
                 "domain %s" % EHLO_NAME,
                 "from %s" % sender] + list(extra)
        self.config_path = self.write("smtpc.conf", ("\n".join(lines) + "\n").encode())
        os.chmod(self.config_path, stat.S_IRUSR | stat.S_IWUSR)
        return self.config_path

    def environ(self, extra=None):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SMTPC_", "XDG_", "GIT_", "MAIL", "LC_"))}
        env.update({"HOME": self.home, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "TZ": "UTC",
                    "TERM": "dumb"})
        if self.config_path is not None:
            env["SMTPC_CONFIG"] = self.config_path
        env.update(extra or {})
        return env

    def run_program(self, argv, stdin=b"", env=None, cwd=None, timeout=None):
        """Run the program under test to its end; it must succeed."""
        if timeout is None:
            timeout = 240 if CONF.wrapper else 60
        try:
            p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=self.environ(env), cwd=cwd or self.home, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            self.fail("%s did not finish within %s s\nstdout: %r\nstderr: %r"
                      % (argv[0], timeout, e.stdout, e.stderr))
        p.err = p.stderr.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 0, "%s exited with %d\nstdout:\n%s\nstderr:\n%s"
                         % (shlex.join(argv), p.returncode,
                            p.stdout.decode("utf-8", "replace"), p.err))
        return p

    # -- checks -------------------------------------------------------------

    def assertDelivered(self, srv, run, expected, rcpts, sender, eight_bit=None, k=1):
        """Message k of `srv`: exactly `expected` (parts: bytes and Pat), the
        client's DATA the same bytes, and this envelope: MAIL FROM `sender`
        with the SIZE of what was sent (and BODY=8BITMIME for 8-bit content,
        or when `eight_bit` says so), RCPT TO `rcpts` in order. A Date smtpc
        added is a well-formed date. Returns the stored bytes."""
        msgs = srv.messages()
        self.assertGreaterEqual(len(msgs), k, "expected %d stored message(s), got %d; stderr:\n%s"
                                % (k, len(msgs), run.err))
        data, envelope = msgs[k - 1]
        m = expected_re(expected).match(data)
        if m is None:       # a line diff: expected (patterns shown as such) and stored
            self.assertEqual(shown(data), literal(expected),
                             "stored message %d differs; stderr:\n%s" % (k, run.err))
            self.fail("stored message %d differs only where a pattern is expected" % k)
        date = m.groupdict().get("smtpc_date")
        if date is not None:
            # a real date: it parses, with its zone, and its weekday is the
            # one of its day (which moment it names is the clock's business)
            when = email.utils.parsedate_to_datetime(date.decode())
            self.assertIsNotNone(when.tzinfo, date)
            self.assertEqual(date[:3].decode(), when.strftime("%a"), date)
        self.assertEqual(data, unstuff_sent_data(srv.client_bytes(k)),
                         "stored message differs from the client's DATA")
        self.assertEqual(envelope, {
            "mail_from": sender,
            "mail_params": mail_params(data, eight_bit),
            "rcpt_to": list(rcpts),
            "helo": EHLO_NAME,
            "auth_user": None,
            "connection": k,
        })
        return data

    def assertCount(self, srv, n):
        self.assertEqual(len(srv.messages()), n)


def installed(*paths):
    return all(os.access(p, os.X_OK) for p in paths)


def perl_module(name):
    return (shutil.which("perl") is not None and
            subprocess.run(["perl", "-M" + name, "-e", "1"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL).returncode == 0)


def git_exec_path():
    try:
        return subprocess.run(["git", "--exec-path"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True).stdout.strip()
    except OSError:
        return ""


# ---------------------------------------------------------------------------
# 1. git send-email: `sendmail -i RCPT...`, `-f ENV -i RCPT...`
# ---------------------------------------------------------------------------

GIT_SEND_EMAIL = os.path.join(git_exec_path(), "git-send-email")
AUTHOR = "Ann Author <ann@example.org>"


@unittest.skipUnless(installed(GIT_SEND_EMAIL), "git send-email not installed (package git-email)")
@unittest.skipUnless(perl_module("Mail::Address"),
                     "git send-email needs Mail::Address (package libmailtools-perl)")
class T1GitSendEmail(ProgramTest):
    def git(self, *args, env=None):
        fixed = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Ann Author",
                 "GIT_AUTHOR_EMAIL": "ann@example.org", "GIT_COMMITTER_NAME": "Ann Author",
                 "GIT_COMMITTER_EMAIL": "ann@example.org",
                 "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
                 "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z"}
        fixed.update(env or {})
        return self.run_program(["git"] + list(args), env=fixed, cwd=self.repo)

    def patches(self):
        """Two commits, the second adding 8-bit text (and saying so in its
        message), as format-patch files."""
        self.repo = os.path.join(self.tmp, "repo")
        os.makedirs(self.repo)
        self.git("init", "-q")
        with open(os.path.join(self.repo, "f"), "wb") as f:
            f.write(b"hello\n.\n")                  # a line "." inside the patch
        self.git("add", "f")
        self.git("commit", "-q", "-m", "First commit")
        with open(os.path.join(self.repo, "f"), "ab") as f:
            f.write("h\u00e9llo w\u00f6rld\n".encode())
        # a non-ASCII commit message: format-patch writes the MIME headers
        self.git("commit", "-q", "-a", "-m", "Second commit", "-m", "Gr\u00fc\u00dfe.")
        out = os.path.join(self.tmp, "patches")
        self.git("format-patch", "-q", "-2", "-o", out)
        return [os.path.join(out, n) for n in sorted(os.listdir(out))]

    @staticmethod
    def patch_parts(path):
        """What git send-email takes from a patch file: its Subject line,
        its MIME headers and its body (everything after the blank line).
        A patch without MIME headers (all ASCII) gets git send-email's
        own: MIME-Version and Content-Transfer-Encoding: 8bit."""
        with open(path, "rb") as f:
            data = f.read()
        head, body = data.split(b"\n\n", 1)
        lines = head.split(b"\n")
        subject = [l for l in lines if l.startswith(b"Subject: ")]
        mime = [l for l in lines if l.startswith((b"MIME-Version:", b"Content-"))]
        if not mime:
            mime = [b"MIME-Version: 1.0", b"Content-Transfer-Encoding: 8bit"]
        return subject[0] + b"\n", b"".join(l + b"\n" for l in mime), body

    def version(self):
        return subprocess.run(["git", "--version"], stdout=subprocess.PIPE,
                              text=True).stdout.split()[2].encode()

    def send_email(self, *args):
        return self.git("send-email", "--confirm=never", "--quiet", "--suppress-cc=all",
                        "--from=" + AUTHOR, *args)

    def git_headers(self, subject, number, extra=b""):
        """git send-email's own headers, its Date and Message-Id generated."""
        return [b"From: " + AUTHOR.encode() + b"\n", b"To: bob@example.org\n",
                b"Cc: Carol <carol@example.org>\n", subject,
                Pat(rb"Date: " + DATE_VALUE + rb"\r\n"),
                Pat(rb"Message-Id: <\d{14}\.\d+-%d-ann@example\.org>\r\n" % number),
                b"X-Mailer: git-send-email " + self.version() + b"\n", extra]

    def test_1_series_with_cc_and_bcc(self):
        # A: sendmail -i bob@example.org carol@example.org dave@example.org
        #    (one run per patch; Bcc only on the command line, never a header)
        srv = self.server(sessions=2)
        self.configure(srv)
        patches = self.patches()
        run = self.send_email("--sendmail-cmd=" + self.sendmail, "--to=bob@example.org",
                              "--cc=Carol <carol@example.org>", "--bcc=dave@example.org",
                              *patches)
        srv.finish()
        self.assertCount(srv, 2)
        rcpts = ["bob@example.org", "carol@example.org", "dave@example.org"]
        subject, mime, body = self.patch_parts(patches[0])
        first = self.assertDelivered(srv, run, self.git_headers(subject, 1) + [mime, b"\n", body],
                                     rcpts, SENDER, k=1)
        # the second replies to the first: its id, read from what was stored
        first_id = re.search(rb"\r\nMessage-Id: (<[^>]+>)\r\n", first).group(1)
        thread = b"In-Reply-To: %s\nReferences: %s\n" % (first_id, first_id)
        subject, mime, body = self.patch_parts(patches[1])
        self.assertIn(b"charset=UTF-8", mime)       # the 8-bit patch
        self.assertDelivered(srv, run, self.git_headers(subject, 2, thread) + [mime, b"\n", body],
                             rcpts, SENDER, k=2)

    def test_1_envelope_sender_smtp_server_path(self):
        # A: sendmail -f env@example.org -i bob@example.org carol@example.org
        #    (--smtp-server=/absolute/path, as in a user's sendemail.smtpserver)
        srv = self.server()
        self.configure(srv)
        patches = self.patches()
        run = self.send_email("--smtp-server=" + self.sendmail, "--envelope-sender=env@example.org",
                              "--to=bob@example.org", "--cc=Carol <carol@example.org>", patches[0])
        srv.finish()
        self.assertCount(srv, 1)
        subject, mime, body = self.patch_parts(patches[0])
        self.assertDelivered(srv, run, self.git_headers(subject, 1) + [mime, b"\n", body],
                             ["bob@example.org", "carol@example.org"], "env@example.org")


# ---------------------------------------------------------------------------
# 2. bsd-mailx: `sendmail -i -t` (Bcc: in the message, no From:, no Date:)
# ---------------------------------------------------------------------------

BSD_MAILX = "/usr/bin/bsd-mailx"
MAILX_BODY = "first line\n.\nGr\u00fc\u00dfe, a line \u00e9\n".encode()
MAILX_MIME = (b"MIME-Version: 1.0\n"
              b"Content-Type: text/plain; charset=\"UTF-8\"\n"
              b"Content-Transfer-Encoding: 8bit\n")


@unittest.skipUnless(installed(BSD_MAILX), "bsd-mailx not installed (package bsd-mailx)")
class T2BsdMailx(ProgramTest):
    def mailx(self, *args, stdin=MAILX_BODY):
        # ~/.mailrc names the sendmail to run
        with open(os.path.join(self.home, ".mailrc"), "w") as f:
            f.write("set sendmail=%s\n" % self.sendmail)
        return self.run_program([BSD_MAILX] + list(args), stdin=stdin)

    def test_2_bcc_and_no_from(self):
        # A: sendmail -i -t ; the message has To, Cc, Bcc and no From, Date,
        #    Message-ID: smtpc takes the recipients from the headers, removes
        #    Bcc and adds From (the configured sender), Date and Message-ID
        srv = self.server()
        self.configure(srv)
        run = self.mailx("-s", "mailx subject", "-c", "carol@example.org",
                         "-b", "dave@example.org", "bob@example.org")
        srv.finish()
        self.assertDelivered(srv, run, [
            b"To: bob@example.org\n",
            b"Subject: mailx subject\n",
            b"Cc: carol@example.org\n",
            MAILX_MIME, *added_headers(SENDER), b"\n", MAILX_BODY],
            ["bob@example.org", "carol@example.org", "dave@example.org"], SENDER)
        self.assertNotIn(b"dave@example.org", srv.messages()[0][0])

    def test_2_return_address(self):
        # A: sendmail -i -t -f sender@example.org ; mailx writes that From
        #    itself, so smtpc adds only Date and Message-ID
        srv = self.server()
        self.configure(srv)
        run = self.mailx("-r", "sender@example.org", "-s", "with -r", "bob@example.org",
                         stdin=b"plain body\n")
        srv.finish()
        self.assertDelivered(srv, run, [
            b"From: sender@example.org\n",
            b"To: bob@example.org\n",
            b"Subject: with -r\n",
            MAILX_MIME, *added_headers(), b"\n", b"plain body\n"],
            ["bob@example.org"], "sender@example.org")


# ---------------------------------------------------------------------------
# 3. GNU mailutils: `sendmail -oi -f LOGIN@DOMAIN -t` (no From:, no Message-ID)
# ---------------------------------------------------------------------------

MAIL_MAILUTILS = "/usr/bin/mail.mailutils"


@unittest.skipUnless(installed(MAIL_MAILUTILS), "mail.mailutils not installed (package mailutils)")
class T3Mailutils(ProgramTest):
    def mail(self, *args, stdin):
        # the sendmail mail variable, as a URL (a bare path would run it with
        # no arguments at all); the mailutils configuration sets the domain of
        # the -f address mail passes (LOGIN@example.net)
        with open(os.path.join(self.home, ".mailrc"), "w") as f:
            f.write("set sendmail=sendmail://%s\n" % self.sendmail)
        conf = self.write("mailutils.conf", b'address {\n  email-domain "example.net";\n};\n')
        return self.run_program([MAIL_MAILUTILS, "--config-file=" + conf] + list(args),
                                stdin=stdin)

    def mailutils_headers(self):
        """What mail writes after the recipient headers: its User-Agent and
        its own Date."""
        ua = subprocess.run([MAIL_MAILUTILS, "--version"], stdout=subprocess.PIPE,
                            text=True).stdout.split("\n")[0]      # "mail (GNU Mailutils) 3.15"
        version = ua.rsplit(" ", 1)[1].encode()
        return [b"User-Agent: mail (GNU Mailutils " + version + b")\n",
                Pat(rb"Date: " + DATE_VALUE + rb"\r\n")]

    def test_3_headers_bcc_and_sender(self):
        # A: sendmail -oi -f LOGIN@example.net -t ; Bcc removed, its address
        #    in the envelope; From added from the envelope sender (-f), a
        #    Message-ID added, mail's own Date kept
        srv = self.server()
        self.configure(srv)
        body = "mailutils body\nline \u00e9\n".encode()
        run = self.mail("-s", "mu subject", "-a", "Cc: carol@example.org",
                        "-a", "Bcc: dave@example.org", "bob@example.org", stdin=body)
        srv.finish()
        env_from = LOGIN + "@example.net"
        self.assertDelivered(srv, run, [b"Subject: mu subject\n",
                                        b"Cc: <carol@example.org>\n",
                                        b"To: <bob@example.org>\n",
                                        *self.mailutils_headers(),
                                        b"From: " + env_from.encode() + b"\n", SMTPC_MSGID,
                                        b"\n", body],
                             ["carol@example.org", "dave@example.org", "bob@example.org"],
                             env_from)

    def test_3_bare_root_qualify_domain(self):
        # `mail root`: To: root, recipients from the header (-t); smtpc
        # qualifies it with qualify_domain, not the sender's domain
        srv = self.server()
        self.configure(srv, "qualify_domain qualified.example")
        run = self.mail("-s", "to root", "root", stdin=b"for the admin\n")
        srv.finish()
        env_from = LOGIN + "@example.net"
        self.assertDelivered(srv, run, [b"Subject: to root\n", b"To: root\n",
                                        *self.mailutils_headers(),
                                        b"From: " + env_from.encode() + b"\n", SMTPC_MSGID,
                                        b"\n", b"for the admin\n"],
                             ["root@qualified.example"], env_from)


# ---------------------------------------------------------------------------
# 4. neomutt: `sendmail -- RCPT...`, `sendmail -B8BITMIME -f FROM -- RCPT...`
# ---------------------------------------------------------------------------

NEOMUTT = "/usr/bin/neomutt"
NEOMUTT_BODY = "neomutt body\n.\nGr\u00fc\u00dfe\n".encode()


@unittest.skipUnless(installed(NEOMUTT), "neomutt not installed (package neomutt)")
class T4Neomutt(ProgramTest):
    def neomutt(self, *args, settings=()):
        rc = os.path.join(self.home, "muttrc")
        with open(rc, "w") as f:
            f.write("\n".join(['set sendmail="%s"' % self.sendmail,
                               'set from="%s"' % AUTHOR, "set use_from=yes",
                               'set hostname="example.org"', "set charset=utf-8",
                               "set send_charset=utf-8", "set copy=no", 'set record=""']
                              + list(settings)) + "\n")
        return self.run_program([NEOMUTT, "-n", "-F", rc] + list(args), stdin=NEOMUTT_BODY)

    def expected(self, subject, cc=b""):
        """neomutt's complete message: nothing for smtpc to add."""
        return [Pat(rb"Date: " + DATE_VALUE + rb"\r\n"),
                b"From: " + AUTHOR.encode() + b"\n", b"To: bob@example.org\n", cc,
                b"Subject: " + subject + b"\n",
                Pat(rb"Message-ID: <\d{14}\.[a-z0-9]+@example\.org>\r\n"),
                b"MIME-Version: 1.0\n", b"Content-Type: text/plain; charset=utf-8\n",
                b"Content-Disposition: inline\n", b"Content-Transfer-Encoding: 8bit\n",
                b"\n", NEOMUTT_BODY]

    def test_4_recipients_after_double_dash(self):
        # A: sendmail -- bob@example.org carol@example.org dave@example.org
        #    (neomutt drops the Bcc header itself)
        srv = self.server()
        self.configure(srv)
        run = self.neomutt("-s", "mutt subject", "-c", "carol@example.org",
                           "-b", "dave@example.org", "--", "bob@example.org")
        srv.finish()
        self.assertDelivered(srv, run, self.expected(b"mutt subject", b"Cc: carol@example.org\n"),
                             ["bob@example.org", "carol@example.org", "dave@example.org"], SENDER)

    def test_4_8bitmime_and_envelope_from(self):
        # A: sendmail -B8BITMIME -f ann@example.org -- bob@example.org
        srv = self.server()
        self.configure(srv)
        run = self.neomutt("-s", "8bit", "--", "bob@example.org",
                           settings=["set use_8bitmime=yes", "set use_envelope_from=yes"])
        srv.finish()
        self.assertDelivered(srv, run, self.expected(b"8bit"), ["bob@example.org"],
                             "ann@example.org", eight_bit=True)


# ---------------------------------------------------------------------------
# 5. PHP mail(): `sendmail -t -i`, recipients only in headers, no Date or
#    Message-ID, headers with CRLF and the body with LF
# ---------------------------------------------------------------------------

PHP = "/usr/bin/php"
PHP_BODY = "php body\n.\nline \u00e9\nend".encode()


@unittest.skipUnless(installed(PHP), "php not installed (package php-cli)")
class T5PhpMail(ProgramTest):
    def php(self, code):
        # sendmail_path as PHP's compiled-in default has it, /usr/sbin/sendmail
        # replaced by the symlink; -n: no php.ini
        return self.run_program([PHP, "-n", "-d", "sendmail_path=%s -t -i" % self.sendmail,
                                 "-r", code])

    @staticmethod
    def call(to, subject, body, headers="", params=None):
        """mail(...) as PHP code: every argument a PHP string literal,
        byte for byte (\\xHH escapes), the script exiting 0 only when mail()
        returned true."""
        def lit(s):
            data = s if isinstance(s, bytes) else s.encode()
            return '"' + "".join("\\x%02x" % b for b in data) + '"'
        args = [lit(to), lit(subject), lit(body), lit(headers)]
        if params is not None:
            args.append(lit(params))
        return "exit(mail(%s) ? 0 : 1);" % ", ".join(args)

    def test_5_recipients_in_headers_bcc(self):
        # A: sendmail -t -i ; To from mail()'s first argument, From and Bcc
        #    from its headers; smtpc removes Bcc, adds Date and Message-ID
        srv = self.server()
        self.configure(srv)
        run = self.php(self.call("bob@example.org, Carol <carol@example.org>", "php subject",
                                 PHP_BODY, "From: web@example.org\r\nBcc: dave@example.org"))
        srv.finish()
        self.assertDelivered(srv, run, [
            b"To: bob@example.org, Carol <carol@example.org>\r\n",
            b"Subject: php subject\r\n",
            b"From: web@example.org\r\n",
            *added_headers(),
            b"\r\n", PHP_BODY, b"\r\n"],            # PHP ends the body with CRLF
            ["bob@example.org", "carol@example.org", "dave@example.org"], SENDER)

    def test_5_no_from_glued_f(self):
        # A: sendmail -t -i -fbounce@example.org (mail()'s fifth argument):
        #    no From in the message, so smtpc adds one from the envelope sender
        srv = self.server()
        self.configure(srv)
        run = self.php(self.call("bob@example.org", "no from", b"plain\n",
                                 params="-fbounce@example.org"))
        srv.finish()
        self.assertDelivered(srv, run, [
            b"To: bob@example.org\r\n", b"Subject: no from\r\n",
            *added_headers("bounce@example.org"),
            b"\r\n", b"plain\n", b"\r\n"],
            ["bob@example.org"], "bounce@example.org")


# ---------------------------------------------------------------------------
# 6. cron (Debian's cron 3.0pl1): `sendmail -FCronDaemon -i -B8BITMIME -oem
#    MAILTO` with the job's output on stdin. cron itself is not run: its
#    argv and the message it writes are reproduced (programs.md, "cron").
# ---------------------------------------------------------------------------

def cron_header(mailto, command, env=("SHELL=/bin/sh", "HOME=/root",
                                     "PATH=/usr/bin:/bin", "LOGNAME=root")):
    """The header fields Debian's cron writes for a job of root's crontab,
    in cron's order, LF line ends, no Date, no Message-ID; the empty line
    and the job's output follow."""
    head = [b"From: root (Cron Daemon)",
            b"To: " + mailto.encode(),
            b"Subject: Cron <root@vm> " + command.encode(),
            b"MIME-Version: 1.0",
            b"Content-Type: text/plain; charset=UTF-8",
            b"Content-Transfer-Encoding: 8bit"]
    head += [b"X-Cron-Env: <" + e.encode() + b">" for e in env]
    return b"".join(h + b"\n" for h in head)


class T6Cron(ProgramTest):
    def cron(self, mailto, message):
        # the argv cron builds, argv[0] the sendmail it was given
        return self.run_program([self.sendmail, "-FCronDaemon", "-i", "-B8BITMIME", "-oem",
                                 mailto], stdin=message)

    def test_6_root_through_aliases_8bit_output(self):
        # the job's output is 8-bit; `root` mapped through the aliases file;
        # BODY=8BITMIME declared; From kept (cron wrote one), Date and
        # Message-ID added
        srv = self.server()
        aliases = self.write("aliases", b"# local names\nroot: admin@example.org\n"
                             b"default: nobody@example.org\n")
        self.configure(srv, "aliases " + aliases)
        output = "Sauvegarde termin\u00e9e\n.\n3 fichiers copi\u00e9s\n".encode()
        head = cron_header("root", "/usr/local/bin/backup")
        run = self.cron("root", head + b"\n" + output)
        self.assertEqual(run.err, "", "a successful send prints nothing")
        srv.finish()
        self.assertDelivered(srv, run, [head, *added_headers(), b"\n", output],
                             ["admin@example.org"], SENDER, eight_bit=True)

    def test_6_mailto_list_7bit_output(self):
        # MAILTO="ops@example.org, Dev <dev@example.org>" is one argument
        # holding two addresses; -B8BITMIME declares BODY=8BITMIME even for
        # 7-bit output (the server offers 8BITMIME)
        srv = self.server()
        self.configure(srv)
        mailto = "ops@example.org, Dev <dev@example.org>"
        head = cron_header(mailto, "run-parts /etc/cron.daily")
        output = b"/etc/cron.daily/logrotate: done\n"
        run = self.cron(mailto, head + b"\n" + output)
        self.assertEqual(run.err, "", "a successful send prints nothing")
        srv.finish()
        self.assertDelivered(srv, run, [head, *added_headers(), b"\n", output],
                             ["ops@example.org", "dev@example.org"], SENDER, eight_bit=True)


def main(argv=None):
    return run_cli_tests(sys.modules[__name__], argv)


if __name__ == "__main__":
    sys.exit(main())
