#!/usr/bin/python3
"""TLS integration tests: the smtpc command-line tool against the test
server with real TLS (tests/server --tls-cert, --implicit-tls), once per
TLS backend built (OpenSSL, mbedTLS), with a test PKI made at test time by
tests/tls/make-certs.sh.

Checked byte for byte: what the client sent in clear and, decrypted by the
server, after the handshake (conn-K.client split at conn-K.tls's offset);
the handshake as the server saw it (version, SNI, client certificate);
exit status and the one error line. The security cases: STARTTLS response
injection, STARTTLS required but missing or refused, every kind of bad
certificate, AUTH in clear, and a trace that never shows a credential.

Usage:
  test_tls.py --smtpc PATH --server PATH/smtpc_test_server.py
              --make-certs PATH/make-certs.sh --backends openssl,mbedtls
              [--python /usr/bin/python3] [--wrapper "valgrind ..."]
              [--class NAME]... [-k SUBSTRING]...

--class runs only the named TestCase class (T1Works ...): CTest runs each as
its own entry. The server, the wire model and CliTest are
tests/harness/smtpc_harness.py.

The last line printed is "N passed, M failed".
"""

import argparse
import base64
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import smtpc_harness as harness  # noqa: E402  (the test server harness and the wire model)
from smtpc_harness import EHLO, QUIT, PLAIN_MESSAGE, SENDER, RCPT  # noqa: E402

CONF = argparse.Namespace(backends=[], certs=None, example=None)
USER, PASSWORD = "alice", "S3cret-Pa55 w0rd"   # distinctive: must never show up in a trace
USERS = {USER: PASSWORD}
STARTTLS = b"STARTTLS\r\n"


def cert(name):
    return os.path.join(CONF.certs, name)


def b64(text):
    return base64.b64encode(text.encode()).decode()


def auth_plain():
    return ("AUTH PLAIN %s\r\n" % b64("\0%s\0%s" % (USER, PASSWORD))).encode()


def auth_login():
    return ("AUTH LOGIN\r\n%s\r\n%s\r\n" % (b64(USER), b64(PASSWORD))).encode()


SECRETS = (PASSWORD, b64(PASSWORD), b64("\0%s\0%s" % (USER, PASSWORD)))


class TlsTest(harness.CliTest):
    def server(self, script=None, **kw):
        script = dict(script or {})
        script.setdefault("users", USERS)
        return super().server(script, **kw)

    def tls_server(self, name="server", script=None, listen="127.0.0.1", implicit=False,
                   client_ca=False, versions=()):
        args = ["--tls-cert", cert(name + ".pem"), "--tls-key", cert(name + ".key")]
        args += list(versions)
        if implicit:
            args.append("--implicit-tls")
        if client_ca:
            args += ["--tls-client-ca", cert("ca.pem")]
        return self.server(script, listen=listen, extra_args=args)

    def smtpc(self, srv, backend, *extra, host=None, user=False, message=PLAIN_MESSAGE):
        """smtpc through `backend` to srv (as `host`, default "localhost")."""
        host = host or "localhost"
        server = ("[%s]:%d" if ":" in host else "%s:%d") % (host, srv.port)
        args = ["--server", server, "--ehlo", harness.EHLO_NAME, "--from", SENDER,
                "--tls-backend", backend, "--message", self.write("message", message)]
        env = {}
        if user:
            args += ["--user", USER]
            env["SMTPC_PASSWORD"] = PASSWORD
        p = self.run_smtpc(args + list(extra) + [RCPT], env=env)
        srv.finish()
        return p

    def tls_record(self, srv, k=1):
        path = os.path.join(srv.record, "conn-%d.tls" % k)
        self.assertTrue(os.path.exists(path), "no handshake was recorded")
        with open(path) as f:
            return json.load(f)

    def split_wire(self, srv, k=1):
        """(bytes in clear, bytes after the handshake) the client sent."""
        got = srv.client_bytes(k)
        self.assertIsNotNone(got, "no connection was recorded")
        path = os.path.join(srv.record, "conn-%d.tls" % k)
        if not os.path.exists(path):
            return got, None
        off = self.tls_record(srv, k)["client_offset"]
        return got[:off], got[off:]

    def assertDelivered(self, srv, auth_user=None):
        (data, envelope), = srv.messages()
        self.assertEqual(data, harness.normalise(PLAIN_MESSAGE))
        self.assertEqual(envelope["auth_user"], auth_user)
        self.assertIsNotNone(envelope["tls"], "delivered without TLS")
        self.assertIn(envelope["tls"]["version"], ("TLSv1.2", "TLSv1.3"))

    def each_backend(self):
        for b in CONF.backends:
            with self.subTest(backend=b):
                yield b


# ---------------------------------------------------------------------------
# What works: STARTTLS, implicit TLS, names, client certificates
# ---------------------------------------------------------------------------

class T1Works(TlsTest):
    def starttls_auth(self, mech, auth_bytes):
        for b in self.each_backend():
            srv = self.tls_server()
            p = self.smtpc(srv, b, "--tls", "starttls", "--cacert", cert("ca.pem"),
                           "--auth", mech, user=True)
            self.assertExit(p, harness.EX_OK)
            clear, secret = self.split_wire(srv)
            self.assertEqual(clear, EHLO + STARTTLS)
            self.assertEqual(secret, EHLO + auth_bytes + harness.txn_wire(PLAIN_MESSAGE) + QUIT)
            rec = self.tls_record(srv)
            self.assertTrue(rec["ok"], rec)
            self.assertEqual(rec["sni"], "localhost")
            self.assertDelivered(srv, USER)

    def test_starttls_auth_plain(self):
        self.starttls_auth("plain", auth_plain())

    def test_starttls_auth_login(self):
        self.starttls_auth("login", auth_login())

    def test_implicit_tls(self):
        for b in self.each_backend():
            srv = self.tls_server(implicit=True)
            p = self.smtpc(srv, b, "--tls", "implicit", "--cacert", cert("ca.pem"), user=True)
            self.assertExit(p, harness.EX_OK)
            clear, secret = self.split_wire(srv)
            self.assertEqual(clear, b"")
            self.assertEqual(secret, EHLO + auth_plain() + harness.txn_wire(PLAIN_MESSAGE) + QUIT)
            self.assertDelivered(srv, USER)

    def test_ip_literals_verified(self):
        # the certificate names 127.0.0.1 and ::1; no SNI for addresses (RFC 6066)
        hosts = ["127.0.0.1"] + (["::1"] if harness.ipv6_loopback_available() else [])
        for b in self.each_backend():
            for host in hosts:
                with self.subTest(host=host):
                    srv = self.tls_server(listen=host)
                    p = self.smtpc(srv, b, "--tls", "starttls", "--cacert", cert("ca.pem"),
                                   host=host)
                    self.assertExit(p, harness.EX_OK)
                    self.assertIsNone(self.tls_record(srv)["sni"])

    def test_capath(self):
        for b in self.each_backend():
            srv = self.tls_server()
            p = self.smtpc(srv, b, "--tls", "starttls", "--capath", cert("capath"))
            self.assertExit(p, harness.EX_OK)

    def test_client_certificate(self):
        for b in self.each_backend():
            srv = self.tls_server(client_ca=True)
            p = self.smtpc(srv, b, "--tls", "starttls", "--cacert", cert("ca.pem"),
                           "--cert", cert("client.pem"), "--key", cert("client.key"))
            self.assertExit(p, harness.EX_OK)
            self.assertEqual(self.tls_record(srv)["client_cert_subject"], "CN=smtpc-client")

    def test_auto_uses_offered_starttls(self):
        # an ordinary port: STARTTLS because it is offered, verified all the same
        for b in self.each_backend():
            srv = self.tls_server()
            p = self.smtpc(srv, b, "--cacert", cert("ca.pem"), user=True)
            self.assertExit(p, harness.EX_OK)
            self.assertEqual(self.split_wire(srv)[0], EHLO + STARTTLS)

    def test_verbose_shows_the_handshake_never_the_password(self):
        for b in self.each_backend():
            for mech in ("plain", "login"):
                with self.subTest(mech=mech):
                    srv = self.tls_server()
                    p = self.smtpc(srv, b, "-v", "--tls", "starttls", "--cacert",
                                   cert("ca.pem"), "--auth", mech, user=True)
                    self.assertExit(p, harness.EX_OK)
                    lines = p.err.splitlines()
                    tls = [l for l in lines if l.startswith("* TLSv1.")]
                    self.assertEqual(len(tls), 1, p.err)
                    self.assertIn("CN=localhost", tls[0])
                    self.assertNotIn("NOT VERIFIED", tls[0])
                    for secret in SECRETS:
                        self.assertNotIn(secret, p.err)

    def test_serverinfo_shows_the_tls_session(self):
        # --serverinfo: the capabilities of the EHLO over TLS, the session
        # with the server's certificate; no AUTH, no mail
        for b in self.each_backend():
            srv = self.tls_server()
            p = self.smtpc(srv, b, "--serverinfo", "--cacert", cert("ca.pem"), user=True)
            self.assertExit(p, harness.EX_OK)
            out = p.stdout.decode()
            self.assertTrue(out.startswith("SMTP server at localhost, port %d:\n" % srv.port), out)
            session = out.split("TLS:\n", 1)[1].split("\n", 1)[0]
            self.assertRegex(session, r"^    TLSv1\.[23] ")
            self.assertIn("CN=localhost", session)
            self.assertIn("\nCapabilities:\n", out)
            self.assertIn("\n    AUTH PLAIN LOGIN\n", out)
            self.assertEqual(self.split_wire(srv), (EHLO + STARTTLS, EHLO + QUIT))
            for secret in SECRETS:
                self.assertNotIn(secret, out + p.err)

    def test_opportunistic_without_starttls_loads_nothing(self):
        # the trust store and the certificate load at the handshake: with no
        # STARTTLS offered there is none, so files that do not exist go unread
        missing = os.path.join(self.tmp, "missing.pem")
        for b in self.each_backend():
            srv = self.server()     # no TLS at all
            p = self.smtpc(srv, b, "--cacert", missing, "--cert", missing, "--key", missing)
            self.assertExit(p, harness.EX_OK)
            self.assertEqual(srv.client_bytes(), EHLO + harness.txn_wire(PLAIN_MESSAGE) + QUIT)

    def test_no_verify_warns_every_time(self):
        for b in self.each_backend():
            srv = self.tls_server("selfsigned")
            p = self.smtpc(srv, b, "-v", "--tls", "starttls", "--tls-no-verify")
            self.assertExit(p, harness.EX_OK)
            self.assertIn("smtpc: WARNING: --tls-no-verify", p.err)
            self.assertIn("(NOT VERIFIED)", p.err)


# ---------------------------------------------------------------------------
# Security: bad certificates, injection, downgrade, cleartext AUTH
# ---------------------------------------------------------------------------

class T2Refused(TlsTest):
    def bad_certificate(self, name, reason):
        for b in self.each_backend():
            srv = self.tls_server(name)
            p = self.smtpc(srv, b, "--tls", "starttls", "--cacert", cert("ca.pem"), user=True)
            self.assertExit(p, harness.EX_UNAVAILABLE)
            self.assertErrorLine(p, "TLS handshake", "certificate verify failed: " + reason)
            clear, secret = self.split_wire(srv)
            self.assertEqual(clear, EHLO + STARTTLS)
            self.assertEqual(secret, b"", "something was sent after a failed verification")
            self.assertFalse(self.tls_record(srv)["ok"])
            self.assertNothingStored(srv)

    def test_certificate_for_another_host(self):
        self.bad_certificate("wronghost", "hostname mismatch")

    def test_expired_certificate(self):
        self.bad_certificate("expired", "certificate has expired")

    def test_self_signed_certificate(self):
        self.bad_certificate("selfsigned", "self-signed certificate")

    def test_certificate_from_another_ca(self):
        self.bad_certificate("wrongca", "unable to get local issuer certificate")

    def test_implicit_tls_bad_certificate(self):
        for b in self.each_backend():
            srv = self.tls_server("wronghost", implicit=True)
            p = self.smtpc(srv, b, "--tls", "implicit", "--cacert", cert("ca.pem"))
            self.assertExit(p, harness.EX_UNAVAILABLE)
            self.assertErrorLine(p, "certificate verify failed: hostname mismatch")
            self.assertFalse(self.tls_record(srv)["ok"])
            self.assertEqual(self.split_wire(srv)[1], b"")

    def setup_fails(self, args, reason, client_ca=False):
        # what cannot be loaded fails at the handshake, before a byte of TLS:
        # the step is "TLS setup", the exit status the usage error it was
        # when the files were read at start-up
        for b in self.each_backend():
            srv = self.tls_server(client_ca=client_ca)
            p = self.smtpc(srv, b, "--tls", "starttls", *args, user=True)
            self.assertExit(p, harness.EX_USAGE)
            self.assertErrorLine(p, "at TLS setup", "TLS setup failed", reason)
            self.assertEqual(srv.client_bytes(), EHLO + STARTTLS, "TLS bytes or SMTP followed")
            self.assertNothingStored(srv)

    def test_missing_ca_file(self):
        self.setup_fails(["--cacert", os.path.join(self.tmp, "missing.pem")],
                         "cannot load the CA file")

    def test_ca_file_not_pem(self):
        self.setup_fails(["--cacert", self.write("garbage.pem", b"not a certificate\n")],
                         "cannot load the CA file")

    def test_missing_client_certificate(self):
        self.setup_fails(["--cacert", cert("ca.pem"), "--cert", os.path.join(self.tmp, "x.pem")],
                         "cannot use the client certificate or key", client_ca=True)

    def test_client_key_of_another_certificate(self):
        self.setup_fails(["--cacert", cert("ca.pem"), "--cert", cert("client.pem"),
                          "--key", cert("server.key")],
                         "cannot use the client certificate or key", client_ca=True)

    def test_implicit_tls_setup_failure(self):
        for b in self.each_backend():
            srv = self.tls_server(implicit=True)
            p = self.smtpc(srv, b, "--tls", "implicit", "--cacert",
                           os.path.join(self.tmp, "missing.pem"))
            self.assertExit(p, harness.EX_USAGE)
            self.assertErrorLine(p, "at TLS setup", "cannot load the CA file")
            self.assertEqual(srv.client_bytes(), b"", "TLS bytes without a trust store")

    def test_tls_1_1_refused(self):
        # TLS 1.2 is the minimum: an outdated server gets no mail and no password
        for b in self.each_backend():
            srv = self.tls_server(versions=("--tls-min", "1.1", "--tls-max", "1.1"))
            p = self.smtpc(srv, b, "--tls", "starttls", "--cacert", cert("ca.pem"), user=True)
            self.assertExit(p, harness.EX_PROTOCOL)
            self.assertErrorLine(p, "TLS handshake")
            self.assertEqual(self.split_wire(srv), (EHLO + STARTTLS, b""))
            self.assertNothingStored(srv)

    def test_tls_1_2_server(self):
        for b in self.each_backend():
            srv = self.tls_server(versions=("--tls-max", "1.2"))
            p = self.smtpc(srv, b, "-v", "--tls", "starttls", "--cacert", cert("ca.pem"))
            self.assertExit(p, harness.EX_OK)
            self.assertIn("* TLSv1.2 ", p.err)
            self.assertEqual(self.tls_record(srv)["version"], "TLSv1.2")

    def test_starttls_response_injection(self):
        ehlo = ["250-smtpc-test.localhost", "250-STARTTLS", "250 AUTH PLAIN LOGIN"]
        for b in self.each_backend():
            srv = self.server({"ehlo": ehlo, "replies": {
                "STARTTLS": {"raw": "220 go ahead\r\n250 injected\r\n"}}})
            p = self.smtpc(srv, b, "--tls", "starttls", "--cacert", cert("ca.pem"), user=True)
            self.assertExit(p, harness.EX_PROTOCOL)
            self.assertErrorLine(p, "STARTTLS", "data injected after the STARTTLS reply")
            self.assertEqual(srv.client_bytes(), EHLO + STARTTLS,
                             "the client spoke after an injected reply")

    def test_starttls_injection_in_later_segments(self):
        # one byte per write: the client may already be in the handshake when
        # the smuggled reply arrives; it must never be taken as SMTP
        ehlo = ["250-smtpc-test.localhost", "250-STARTTLS", "250 AUTH PLAIN LOGIN"]
        for b in self.each_backend():
            srv = self.server({"ehlo": ehlo, "replies": {
                "STARTTLS": {"raw": "220 go ahead\r\n250-x\r\n250 AUTH PLAIN\r\n", "split": True}}})
            p = self.smtpc(srv, b, "--tls", "starttls", "--cacert", cert("ca.pem"), user=True)
            self.assertIn(p.returncode, (harness.EX_PROTOCOL,), p.err)
            after = srv.client_bytes()[len(EHLO + STARTTLS):]
            self.assertTrue(srv.client_bytes().startswith(EHLO + STARTTLS))
            self.assertTrue(after == b"" or after.startswith(b"\x16\x03"),
                            "an SMTP command followed: %r" % after[:40])

    def test_required_starttls_not_offered(self):
        for b in self.each_backend():
            srv = self.server()     # no TLS at all
            p = self.smtpc(srv, b, "--tls", "starttls", "--cacert", cert("ca.pem"), user=True)
            self.assertExit(p, harness.EX_UNAVAILABLE)
            self.assertErrorLine(p, "STARTTLS")
            self.assertEqual(srv.client_bytes(), EHLO + QUIT, "AUTH or MAIL without TLS")

    def test_required_starttls_refused(self):
        for b in self.each_backend():
            srv = self.tls_server(script={"replies": {"STARTTLS": "454 4.7.0 TLS not available"}})
            p = self.smtpc(srv, b, "--tls", "starttls", "--cacert", cert("ca.pem"), user=True)
            self.assertExit(p, harness.EX_TEMPFAIL)
            self.assertErrorLine(p, "STARTTLS", "454 4.7.0 TLS not available")
            self.assertEqual(srv.client_bytes(), EHLO + STARTTLS + QUIT)

    def test_opportunistic_refused_keeps_the_password(self):
        for b in self.each_backend():
            srv = self.tls_server(script={"replies": {"STARTTLS": "454 4.7.0 not now"}})
            p = self.smtpc(srv, b, "--tls", "starttls-opportunistic", "--cacert",
                           cert("ca.pem"), user=True)
            self.assertExit(p, harness.EX_CONFIG)  # smtpc's rule, not the server's
            self.assertEqual(srv.client_bytes(), EHLO + STARTTLS + QUIT)

    def test_opportunistic_refused_sends_in_clear(self):
        for b in self.each_backend():
            srv = self.tls_server(script={"replies": {"STARTTLS": "454 4.7.0 not now"}})
            p = self.smtpc(srv, b, "--tls", "starttls-opportunistic", "--cacert", cert("ca.pem"))
            self.assertExit(p, harness.EX_OK)
            self.assertEqual(srv.client_bytes(),
                             EHLO + STARTTLS + harness.txn_wire(PLAIN_MESSAGE) + QUIT)

    def test_auth_in_clear_refused(self):
        for b in self.each_backend():
            srv = self.server()
            p = self.smtpc(srv, b, "--tls", "none", "-v", user=True)
            self.assertExit(p, harness.EX_CONFIG)
            self.assertEqual(srv.client_bytes(), EHLO + QUIT, "AUTH sent in clear")
            self.assertNotIn(PASSWORD, p.err)

    def test_trace_in_clear_hides_the_password(self):
        for b in self.each_backend():
            srv = self.server()
            p = self.smtpc(srv, b, "--tls", "none", "-v", "--allow-plaintext-auth", user=True)
            self.assertExit(p, harness.EX_OK)
            for secret in SECRETS:
                self.assertNotIn(secret, p.err)
            self.assertIn("C: AUTH PLAIN <redacted>", p.err)


class T3Library(TlsTest):
    """examples/send_mail: the library, with its CAs given in memory (ca_pem)."""

    def send_mail(self, srv, backend, ca, mode="starttls", connects=True):
        if not CONF.example:
            self.skipTest("no --example")
        env = dict(os.environ, SMTPC_TLS=mode, SMTPC_CACERT=ca, SMTPC_TLS_BACKEND=backend,
                   SMTPC_USER=USER, SMTPC_PASSWORD=PASSWORD)
        p = subprocess.run(harness.CONF.wrapper + [CONF.example, "localhost", str(srv.port), SENDER,
                                               RCPT, self.write("message", PLAIN_MESSAGE)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=120)
        if connects:
            srv.finish()
        return p

    def test_ca_in_memory(self):
        for b in self.each_backend():
            srv = self.tls_server()
            p = self.send_mail(srv, b, cert("ca.pem"))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(b"\ntls: TLSv1.", p.stdout)
            self.assertDelivered(srv, USER)

    def test_ca_in_memory_from_another_ca(self):
        for b in self.each_backend():
            srv = self.tls_server()
            p = self.send_mail(srv, b, cert("other-ca.pem"))
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn(b"unable to get local issuer certificate", p.stderr)
            self.assertEqual(self.split_wire(srv),
                             (b"EHLO example.localhost\r\n" + STARTTLS, b""))

    def test_ca_in_memory_not_pem(self):
        # the CAs are parsed at the handshake, not at init: the library
        # connects, and fails at its TLS setup step before a byte of TLS
        for b in self.each_backend():
            srv = self.tls_server()
            p = self.send_mail(srv, b, self.write("garbage.pem", b"not a certificate\n"))
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn(b"failed at TLS setup: TLS setup failed", p.stderr)
            self.assertIn(b"cannot load the CA certificates", p.stderr)
            self.assertEqual(srv.client_bytes(), b"EHLO example.localhost\r\n" + STARTTLS,
                             "TLS or SMTP without a usable trust store")
            self.assertNothingStored(srv)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smtpc", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--make-certs", required=True)
    ap.add_argument("--backends", required=True, help="comma-separated, e.g. openssl,mbedtls")
    ap.add_argument("--example", default="", help="examples/send_mail")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--wrapper", default="")
    ap.add_argument("--class", dest="classes", action="append", default=[], metavar="NAME")
    ap.add_argument("-k", action="append", default=[], metavar="SUBSTRING")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    harness.CONF.smtpc = os.path.abspath(args.smtpc)
    harness.CONF.server = os.path.abspath(args.server)
    harness.CONF.python = args.python
    harness.CONF.wrapper = shlex.split(args.wrapper)
    harness.CONF.keep = args.keep
    CONF.backends = [b for b in args.backends.split(",") if b]
    CONF.example = os.path.abspath(args.example) if args.example else ""
    if not CONF.backends:
        print("no TLS backend built: nothing to test")
        print("0 passed, 0 failed")
        return 0
    try:
        suite = harness.load_suite(sys.modules[__name__], args.classes, args.k)
    except ValueError as e:
        ap.error(str(e))
    certs = tempfile.mkdtemp(prefix="smtpc-tls-certs-")
    CONF.certs = certs
    try:
        subprocess.run(["bash", args.make_certs, certs], check=True, stdout=subprocess.DEVNULL)
        start = time.monotonic()
        result = unittest.TextTestRunner(stream=sys.stdout,
                                         verbosity=1 if args.quiet else 2).run(suite)
    finally:
        shutil.rmtree(certs, ignore_errors=True)
    failed_ids = {getattr(t, "test_case", t).id() for t, _ in result.failures + result.errors}
    print("(%.1f s, backends: %s)" % (time.monotonic() - start, ", ".join(CONF.backends)))
    print("%d passed, %d failed" % (result.testsRun - len(failed_ids), len(failed_ids)))
    return 1 if failed_ids or result.testsRun == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
