"""The harness the script-driven tests share: the scriptable test server
(tests/server/smtpc_test_server.py) run once per test case, an independent
model of what the client puts on the wire, and CliTest, the unittest base
class that starts servers, runs smtpc and checks what it did.

Imported by tests/integration/test_cli.py, tests/integration/test_tls.py and
tests/netxduo/test_netxduo.py, each of which adds this directory to sys.path.
A script's main() fills CONF from its command line and picks its cases with
load_suite() (-k SUBSTRING, --class NAME).

Python 3 standard library only.
"""

import argparse
import base64
import json
import os
import shutil
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

# sysexits values, as tools/smtpc/cli.h defines them.
EX_OK = 0
EX_USAGE = 64
EX_DATAERR = 65
EX_NOHOST = 68
EX_UNAVAILABLE = 69
EX_IOERR = 74
EX_TEMPFAIL = 75
EX_PROTOCOL = 76
EX_NOPERM = 77
EX_CONFIG = 78

VALGRIND_ERROR = 99     # --error-exitcode given to valgrind by CMake

# The envelope and EHLO name CliTest.send uses.
SENDER = "a@example.org"
RCPT = "b@example.org"
EHLO_NAME = "test.example"

# A plain, well-formed message whose bytes must arrive unchanged.
PLAIN_MESSAGE = (b"From: a@example.org\r\n"
                 b"To: b@example.org\r\n"
                 b"Subject: integration test\r\n"
                 b"Message-ID: <fixed.1@example.org>\r\n"
                 b"Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n"
                 b"\r\n"
                 b"Hello,\r\n"
                 b"\r\n"
                 b"this message must arrive exactly as it was written.\r\n")

# Set by the script's main() from its command line.
CONF = argparse.Namespace(smtpc=None, server=None, python=sys.executable,
                          wrapper=[], keep=False)


# ---------------------------------------------------------------------------
# What the wire should carry: an independent model of the body encoding.
# ---------------------------------------------------------------------------

def normalise(body):
    """Every CRLF, bare CR and bare LF becomes CRLF (CRLF pairs are taken
    first, left to right); a body that does not end in a line break gets
    one. This is what the server stores after un-stuffing."""
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i:i + 1]
        if c == b"\r":
            out += b"\r\n"
            i += 2 if body[i + 1:i + 2] == b"\n" else 1
        elif c == b"\n":
            out += b"\r\n"
            i += 1
        else:
            out += c
            i += 1
    if out and not out.endswith(b"\r\n"):
        out += b"\r\n"
    return bytes(out)


def data_section(body):
    """The bytes after "DATA\\r\\n": normalised, dot-stuffed, then ".\\r\\n"."""
    lines = normalise(body).split(b"\r\n")
    stuffed = b"\r\n".join(b"." + l if l.startswith(b".") else l for l in lines)
    return stuffed + b".\r\n"


def unstuff_sent_data(wire):
    """The message as a server reads it from the client's bytes: what
    follows the DATA command up to the first CRLF.CRLF, each line that
    starts with "." losing that dot (RFC 5321 4.5.2)."""
    start = wire.index(b"\r\nDATA\r\n") + 8 if not wire.startswith(b"DATA\r\n") else 6
    if wire[start:start + 3] == b".\r\n":
        return b""
    end = wire.index(b"\r\n.\r\n", start) + 2
    lines = wire[start:end].split(b"\r\n")
    return b"\r\n".join(l[1:] if l.startswith(b".") else l for l in lines)


def mail_params(message, eight_bit=None):
    """The MAIL FROM parameters smtpc sends to the default server (SIZE is
    the message's size on the wire as RFC 1870 counts it: line breaks as
    CRLF, a final one added, no dot-stuffing; BODY=8BITMIME for 8-bit
    content)."""
    params = []
    if message:
        params.append("SIZE=%d" % len(normalise(message)))
    if eight_bit is None:
        eight_bit = any(b >= 0x80 for b in message)
    if eight_bit:
        params.append("BODY=8BITMIME")
    return " ".join(params)


def mail_line(sender, params):
    return ("MAIL FROM:<%s>%s\r\n" % (sender, " " + params if params else "")).encode()


def txn_wire(message, rcpts=(RCPT,), sender=SENDER, params=None):
    """MAIL, RCPT..., DATA and the data for a transaction every step of
    which succeeds."""
    if params is None:
        params = mail_params(message)
    out = mail_line(sender, params)
    for r in rcpts:
        out += ("RCPT TO:<%s>\r\n" % r).encode()
    return out + b"DATA\r\n" + data_section(message)


EHLO = ("EHLO %s\r\n" % EHLO_NAME).encode()
HELO = ("HELO %s\r\n" % EHLO_NAME).encode()
QUIT = b"QUIT\r\n"


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


def ipv6_loopback_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


# ---------------------------------------------------------------------------
# The test server, one instance per test.
# ---------------------------------------------------------------------------

class TestServer:
    def __init__(self, base, script=None, listen="127.0.0.1", sessions=1, extra_args=()):
        self.dir = tempfile.mkdtemp(prefix="srv-", dir=base)
        self.record = os.path.join(self.dir, "rec")
        self.maildir = os.path.join(self.dir, "mail")
        self.port_file = os.path.join(self.dir, "port")
        self.listen = listen
        self.script = script
        self.sessions = sessions
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.stderr_path = os.path.join(self.dir, "server.stderr")

    def start(self):
        cmd = [CONF.python, CONF.server, "--listen", self.listen, "--port", "0",
               "--port-file", self.port_file, "--record", self.record,
               "--maildir", self.maildir, "--timeout", "20"]
        if self.sessions:
            cmd += ["--sessions", str(self.sessions)]
        cmd += self.extra_args
        if self.script is not None:
            path = os.path.join(self.dir, "script.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(self.script, f)
            cmd += ["--script", path]
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 15
        while True:
            try:
                with open(self.port_file) as f:
                    text = f.read()
                if text.endswith("\n"):
                    self.port = int(text)
                    return self
            except FileNotFoundError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("test server exited with %d: %s"
                                   % (self.proc.returncode, self.stderr()))
            if time.monotonic() > deadline:
                raise RuntimeError("test server did not write its port file")
            time.sleep(0.02)

    def address(self):
        if ":" in self.listen:
            return "[%s]:%d" % (self.listen, self.port)
        return "%s:%d" % (self.listen, self.port)

    def stderr(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def finish(self, timeout=10.0):
        """Wait for the server to exit by itself (--sessions 1: once the
        client's connection is over). Stops it after `timeout`."""
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()

    def stop(self):
        """Stop the server we started (SIGTERM, then SIGKILL), by its PID."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def client_bytes(self, k=1):
        """Bytes received on connection k, or None when there was none."""
        try:
            with open(os.path.join(self.record, "conn-%d.client" % k), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def connections(self):
        try:
            return sorted(n for n in os.listdir(self.record) if n.endswith(".client"))
        except FileNotFoundError:
            return []

    def messages(self):
        """[(message bytes, envelope dict)] in arrival order."""
        new = os.path.join(self.maildir, "new")
        out = []
        for name in sorted(os.listdir(new)):
            with open(os.path.join(new, name), "rb") as f:
                data = f.read()
            with open(os.path.join(self.maildir, "envelope", name + ".json")) as f:
                envelope = json.load(f)
            out.append((data, envelope))
        return out


# ---------------------------------------------------------------------------
# Shared test machinery
# ---------------------------------------------------------------------------

class CliTest(unittest.TestCase):
    maxDiff = 4000

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="smtpc-integ-")
        if not CONF.keep:
            self.addCleanup(shutil.rmtree, self.tmp, True)

    # -- processes ----------------------------------------------------------

    def server(self, script=None, listen="127.0.0.1", sessions=1, extra_args=()):
        srv = TestServer(self.tmp, script, listen, sessions, extra_args)
        self.addCleanup(srv.stop)       # runs before the rmtree cleanup
        return srv.start()

    def run_smtpc(self, args, stdin=b"", env=None, timeout=None):
        environ = dict(os.environ)
        environ.pop("SMTPC_PASSWORD", None)
        environ["LC_ALL"] = "C"
        # no configuration file of this machine's or user's: only what a
        # test gives (an empty file is an empty configuration)
        environ["SMTPC_CONFIG"] = "/dev/null"
        environ.update(env or {})
        cmd = CONF.wrapper + [CONF.smtpc] + list(args)
        if timeout is None:
            timeout = 120 if CONF.wrapper else 30
        started = time.time()   # the wall clock, which the Date header reads
        try:
            p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=environ, timeout=timeout)
        except subprocess.TimeoutExpired as e:     # run() has killed it
            self.fail("smtpc did not finish within %s s: %r\nstderr: %r"
                      % (timeout, args, e.stderr))
        p.wall_clock = (started, time.time())
        p.err = p.stderr.decode("utf-8", "replace")
        if p.returncode < 0:
            self.fail("smtpc killed by signal %d: %r\nstderr: %s"
                      % (-p.returncode, args, p.err))
        if CONF.wrapper and p.returncode == VALGRIND_ERROR:
            self.fail("valgrind reported errors for %r:\n%s" % (args, p.err))
        return p

    def send(self, srv, *extra, message=None, rcpts=(RCPT,), sender=SENDER,
             stdin=b"", env=None, timeout=None, connects=True):
        """smtpc --server srv --ehlo test.example --from sender
        [--message file] extra... rcpts..., then let the server finish
        (`connects`: smtpc is expected to connect, so the server ends by
        itself)."""
        args = ["--server", srv.address(), "--ehlo", EHLO_NAME, "--from", sender]
        if message is not None:
            args += ["--message", self.write("message", message)]
        args += list(extra) + list(rcpts)
        p = self.run_smtpc(args, stdin=stdin, env=env, timeout=timeout)
        if connects:
            srv.finish()
        return p

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    # -- checks -------------------------------------------------------------

    def assertExit(self, p, status):
        self.assertEqual(p.returncode, status,
                         "exit status %d, expected %d; stderr:\n%s"
                         % (p.returncode, status, p.err))

    def assertErrorLine(self, p, *needles, extra_prefix=None):
        """stderr is exactly one line "smtpc: ..." holding every needle.
        Lines starting with `extra_prefix` are allowed besides it."""
        lines = p.err.splitlines()
        self.assertTrue(p.err.endswith("\n"), "stderr not ended by a newline: %r" % p.err)
        main = [l for l in lines if extra_prefix is None or not l.startswith(extra_prefix)]
        self.assertEqual(len(main), 1, "expected one error line, got:\n%s" % p.err)
        line = main[0]
        self.assertTrue(line.startswith("smtpc: "), line)
        for needle in needles:
            self.assertIn(needle, line, "stderr line lacks %r" % needle)
        self.assertNotRegex(line, "[\x00-\x08\x0a-\x1f\x7f]", "control byte on stderr")
        return line

    def assertUsageError(self, p, *needles):
        """Usage errors: one "smtpc: ..." line, plus the conventional
        "Try 'smtpc --help'." pointer."""
        self.assertExit(p, EX_USAGE)
        return self.assertErrorLine(p, *needles, extra_prefix="Try 'smtpc --help'")

    def assertWire(self, srv, expected, k=1):
        got = srv.client_bytes(k)
        self.assertIsNotNone(got, "no connection was recorded")
        self.assertEqual(got, expected, "client bytes differ (C: is the client)")

    def assertNoConnection(self, srv):
        # A connection the client made is already waiting in the listen
        # queue; the server's accept loop (a 0.2 s select) takes it at once.
        time.sleep(0.3)
        srv.stop()
        got = srv.client_bytes(1)
        if got:
            self.fail("the client connected and sent %r..." % got[:120])
        self.assertEqual(srv.connections(), [] if got is None else ["conn-1.client"])

    def assertStored(self, srv, message, rcpts=(RCPT,), sender=SENDER, params=None,
                     auth_user=None, helo=EHLO_NAME):
        """Exactly one message, equal to the normalised input, with this envelope."""
        msgs = srv.messages()
        self.assertEqual(len(msgs), 1, "expected one stored message, got %d" % len(msgs))
        data, envelope = msgs[0]
        self.assertEqual(data, normalise(message), "stored message differs from the input")
        self.assertEqual(data, unstuff_sent_data(srv.client_bytes()),
                         "stored message differs from the client's DATA")
        self.assertEqual(envelope, {
            "mail_from": sender,
            "mail_params": mail_params(message) if params is None else params,
            "rcpt_to": list(rcpts),
            "helo": helo,
            "auth_user": auth_user,
            "connection": 1,
        })
        return data

    def assertNothingStored(self, srv):
        self.assertEqual(srv.messages(), [])

    def assertSentPlain(self, srv, p, message=PLAIN_MESSAGE, rcpts=(RCPT,)):
        """The full success picture for a message sent to the default server."""
        self.assertExit(p, EX_OK)
        self.assertEqual(p.err, "", "a successful send prints nothing")
        self.assertWire(srv, EHLO + txn_wire(message, rcpts) + QUIT)
        self.assertStored(srv, message, rcpts)


# ---------------------------------------------------------------------------
# Choosing the cases to run
# ---------------------------------------------------------------------------

def load_suite(module, classes=(), patterns=()):
    """The cases of `module` to run: those of the TestCase classes named in
    `classes` (every class in the module when none is named), narrowed to
    the test names holding one of `patterns` (-k). A name that is not one
    of the module's TestCase classes raises ValueError."""
    loader = unittest.TestLoader()
    if patterns:
        loader.testNamePatterns = ["*%s*" % k for k in patterns]
    if not classes:
        return loader.loadTestsFromModule(module)
    suite = unittest.TestSuite()
    for name in classes:
        case = getattr(module, name, None)
        if not (isinstance(case, type) and issubclass(case, unittest.TestCase)):
            raise ValueError("no TestCase class %r in %s" % (name, module.__name__))
        suite.addTests(loader.loadTestsFromTestCase(case))
    return suite


def run_cli_tests(module, argv=None, on_args=None):
    """The command line of a CLI test script (test_cli.py, test_sendmail.py,
    test_programs.py): sets CONF, runs the chosen cases, prints "N passed,
    M failed" last and returns the exit status. on_args(args) reads what
    is the script's own (args.tls_backends: the TLS backends smtpc was
    built with, None when not given)."""
    ap = argparse.ArgumentParser(description=module.__doc__.split("\n\n")[0])
    ap.add_argument("--smtpc", required=True, help="the smtpc binary")
    ap.add_argument("--server", required=True, help="smtpc_test_server.py")
    ap.add_argument("--python", default=sys.executable, help="Python for the server")
    ap.add_argument("--tls-backends", default=None, metavar="LIST",
                    help="the TLS backends smtpc was built with, comma-separated ('' for none)")
    ap.add_argument("--wrapper", default="",
                    help='prefix for every smtpc run, e.g. "valgrind --error-exitcode=99 -q"')
    ap.add_argument("--class", dest="classes", action="append", default=[], metavar="NAME",
                    help="run only the TestCase class NAME")
    ap.add_argument("-k", action="append", default=[], metavar="SUBSTRING",
                    help="run only tests whose name contains SUBSTRING")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    CONF.smtpc = os.path.abspath(args.smtpc)
    CONF.server = os.path.abspath(args.server)
    CONF.python = args.python
    CONF.wrapper = shlex.split(args.wrapper)
    CONF.keep = args.keep
    if on_args is not None:
        on_args(args)
    for path in (CONF.smtpc, CONF.server):
        if not os.path.exists(path):
            print("missing: %s" % path)
            print("0 passed, 1 failed")
            return 1

    try:
        suite = load_suite(module, args.classes, args.k)
    except ValueError as e:
        ap.error(str(e))
    start = time.monotonic()
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=1 if args.quiet else 2).run(suite)
    # count test methods: a failing subTest fails its method once
    def method(test):
        return getattr(test, "test_case", test).id()
    failed_ids = {method(t) for t, _ in result.failures + result.errors}
    failed_ids |= {method(t) for t in result.unexpectedSuccesses}
    failed = len(failed_ids)
    skipped = len({method(t) for t, _ in result.skipped} - failed_ids)
    passed = result.testsRun - failed - skipped
    if skipped:
        print("%d skipped" % skipped)
    print("(%.1f s%s)" % (time.monotonic() - start,
                          ", under " + CONF.wrapper[0] if CONF.wrapper else ""))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or result.testsRun == 0 else 0
