#!/usr/bin/python3
"""Self-test of the interop servers' setup (not of smtpc): start each server
with TLS through its ctl script, talk to it with Python's smtplib, stop it.

    /usr/bin/python3 tests/interop/servers-selftest.py [--servers postfix,exim,...]
                     [--certdir DIR] [--keep] [--allow-skip]

Per server:
  - EHLO on the STARTTLS port offers STARTTLS but no AUTH; AUTH sent anyway
    before STARTTLS is refused;
  - over STARTTLS (certificate verified against ca.pem for "localhost"):
    one message with AUTH PLAIN (127.0.0.1) and one with AUTH LOGIN (::1),
    the mechanism chosen explicitly with smtp.auth("PLAIN", smtp.auth_plain);
  - over implicit TLS, where offered: PLAIN (::1) and LOGIN (127.0.0.1);
  - every message arrives in <NAME>_MAILDIR/new with its body intact (for
    aiosmtpd: byte for byte, as it stores what it received), and <NAME>_LOG
    shows the mechanism used;
  - a wrong password gets 535; MAIL without AUTH (after STARTTLS) is refused;
  - stop leaves no process and no listening port; status then says so.
Postfix also: the plain port offers neither STARTTLS nor AUTH.

The certificates come from tests/tls/make-certs.sh when it exists, else from
openssl in a temporary directory (the same layout). A server whose ctl script
exits 77 ("cannot run here") is a failure unless --allow-skip.
Ends with "N passed, M failed".
"""
import argparse
import os
import shlex
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_CERTS = os.path.join(HERE, "..", "tls", "make-certs.sh")
TLS_NAME = "localhost"
SERVERS = ("postfix", "exim", "opensmtpd", "aiosmtpd")

# what each server's log shows for a login with a given mechanism
LOG_MARK = {
    "postfix": lambda m: b"sasl_method=" + m,
    "exim": lambda m: b" A=" + m + b":",
    "opensmtpd": lambda m: b"<<< AUTH " + m,
    "aiosmtpd": lambda m: b"AUTH " + m + b" user=",
}

passed = failed = skipped = 0


def report(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("PASS " + what, flush=True)
    else:
        failed += 1
        print("FAIL %s%s" % (what, (" - " + detail) if detail else ""), flush=True)


def run_check(what, fn, *args):
    try:
        fn(*args)
    except Exception as exc:  # report every failure and go on
        report(False, what, "%s: %s" % (type(exc).__name__, exc))
    else:
        report(True, what)


# ------------------------------------------------------------------ certs

def openssl(*args, cwd):
    subprocess.run(("openssl",) + args, cwd=cwd, check=True, capture_output=True)


def make_own_certs(d):
    """The layout of tests/tls/make-certs.sh, with the openssl CLI."""
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key", cwd=d)
    openssl("req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "30",
            "-subj", "/CN=smtpc interop selftest CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.pem", cwd=d)
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-out", "server.key", cwd=d)
    openssl("req", "-new", "-key", "server.key", "-subj", "/CN=localhost", "-out", "server.csr",
            cwd=d)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,DNS:mail.interop.test,IP:127.0.0.1,IP:::1\n"
                "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "30", "-sha256", "-extfile", "ext.cnf",
            "-out", "server.pem", cwd=d)

    def read(n):
        with open(os.path.join(d, n), "rb") as f:
            return f.read()
    with open(os.path.join(d, "server-chain.pem"), "wb") as f:
        f.write(read("server.pem") + read("ca.pem"))
    with open(os.path.join(d, "server-combined.pem"), "wb") as f:
        f.write(read("server.key") + read("server.pem"))
    for n in ("server.csr", "ext.cnf", "ca.srl"):
        if os.path.exists(os.path.join(d, n)):
            os.unlink(os.path.join(d, n))
    for n in os.listdir(d):
        os.chmod(os.path.join(d, n), 0o644)
    os.chmod(d, 0o755)


def get_certs(workdir, given):
    if given:
        return given, "given"
    d = os.path.join(workdir, "certs")
    os.mkdir(d)
    if os.access(MAKE_CERTS, os.X_OK):
        subprocess.run([MAKE_CERTS, d], check=True, capture_output=True)
        return d, "tests/tls/make-certs.sh"
    make_own_certs(d)
    return d, "openssl (tests/tls/make-certs.sh not found)"


# ------------------------------------------------------------------ SMTP

class SMTPS(smtplib.SMTP_SSL):
    """Implicit TLS that verifies TLS_NAME whatever address it dials (Python
    3.11's SMTP_SSL takes no server_hostname)."""

    def _get_socket(self, host, port, timeout):
        sock = socket.create_connection((host, port), timeout, self.source_address)
        return self.context.wrap_socket(sock, server_hostname=TLS_NAME)


class SMTPStartTLS(smtplib.SMTP):
    """starttls() verifies TLS_NAME, not the dialled address."""

    def starttls(self, *, context):
        self._host = TLS_NAME  # smtplib passes _host as server_hostname
        return super().starttls(context=context)


def connect(host, port, implicit, ctx):
    if implicit:
        s = SMTPS(host, int(port), local_hostname="selftest.localhost", timeout=20, context=ctx)
    else:
        s = SMTPStartTLS(host, int(port), local_hostname="selftest.localhost", timeout=20)
        s.ehlo()
        s.starttls(context=ctx)
    s.ehlo()
    return s


def close(s):
    try:
        s.quit()
    except (OSError, smtplib.SMTPException):
        s.close()


def message(tag):
    body = ("Hello from %s\r\n"
            ".a line starting with a dot\r\n"
            "..two dots\r\n"
            ".\r\n"
            "\r\n"
            "%s\r\n"
            "trailing blanks   \r\n"
            "last line\r\n") % (tag, "x" * 900)
    head = ("From: <sender@interop.test>\r\nTo: <rcpt@interop.test>\r\nSubject: %s\r\n"
            "Message-ID: <%s@selftest.interop.test>\r\n"
            "Date: Thu, 26 Nov 2026 08:00:00 +0000\r\n\r\n") % (tag, tag)
    return (head + body).encode()


def body_of(data):
    data = data.replace(b"\r\n", b"\n")
    return data.split(b"\n\n", 1)[1] if b"\n\n" in data else None


class Server:
    def __init__(self, name, workdir, certdir):
        self.name = name
        self.key = name.upper()
        self.ctl = os.path.join(HERE, "%s-ctl.sh" % name)
        self.dir = os.path.join(workdir, name)
        self.certdir = certdir
        self.env = {}

    def e(self, k):
        return self.env[self.key + "_" + k]

    def start(self):
        os.mkdir(self.dir)
        t = time.monotonic()
        r = subprocess.run([self.ctl, "start", self.dir, self.certdir], capture_output=True,
                           timeout=120)
        self.start_time = time.monotonic() - t
        if r.returncode == 0:
            self.env = read_env(os.path.join(self.dir, "env"))
        return r

    def stop(self):
        t = time.monotonic()
        r = subprocess.run([self.ctl, "stop", self.dir], capture_output=True, timeout=120)
        self.stop_time = time.monotonic() - t
        return r

    def hosts(self):
        h6 = self.env.get(self.key + "_HOST6") or "127.0.0.1"
        return "127.0.0.1", h6

    def ctx(self):
        return ssl.create_default_context(cafile=self.env.get(self.key + "_CA") or
                                          os.path.join(self.certdir, "ca.pem"))

    def maildir_new(self):
        new = os.path.join(self.e("MAILDIR"), "new")
        return {n: os.path.join(new, n) for n in os.listdir(new)}

    def log_count(self, mech):
        try:
            with open(self.e("LOG"), "rb") as f:
                data = f.read()
        except OSError:
            return 0
        return data.upper().count(LOG_MARK[self.name](mech.encode()).upper())

    def wait_for(self, before, tag, timeout=20):
        deadline = time.monotonic() + timeout
        needle = ("Message-ID: <%s@" % tag).encode()
        while time.monotonic() < deadline:
            for n, p in self.maildir_new().items():
                if n in before:
                    continue
                with open(p, "rb") as f:
                    data = f.read()
                if needle in data:
                    return data
            time.sleep(0.05)
        raise AssertionError("message %s not in %s/new after %ds" % (tag, self.e("MAILDIR"), timeout))

    def send(self, host, port, implicit, mech, tag):
        msg = message(tag)
        before = set(self.maildir_new())
        logins = self.log_count(mech)
        s = connect(host, port, implicit, self.ctx())
        try:
            offered = s.esmtp_features.get("auth", "").upper().split()
            assert mech in offered, "AUTH over TLS offers %s" % offered
            s.user, s.password = self.e("USER"), self.e("PASS")
            auth_fn = s.auth_plain if mech == "PLAIN" else s.auth_login
            code, reply = s.auth(mech, auth_fn)
            assert code == 235, (code, reply)
            refused = s.sendmail("sender@interop.test", ["rcpt@interop.test"], msg)
            assert not refused, refused
        finally:
            close(s)
        got = self.wait_for(before, tag)
        assert body_of(got) == body_of(msg), "body differs:\n%r\n%r" % (body_of(got), body_of(msg))
        if self.name == "aiosmtpd":
            assert got == msg, "aiosmtpd must store the bytes exactly as sent"
        deadline = time.monotonic() + 5
        while self.log_count(mech) <= logins and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.log_count(mech) > logins, "%s shows no %s login" % (self.e("LOG"), mech)

    # --- checks -------------------------------------------------------

    def check_no_auth_before_starttls(self, host):
        s = smtplib.SMTP(host, int(self.e("STARTTLS_PORT")), local_hostname="selftest.localhost",
                         timeout=20)
        try:
            s.ehlo()
            assert s.has_extn("starttls"), "no STARTTLS offered: %s" % s.esmtp_features
            assert not s.has_extn("auth"), "AUTH offered before STARTTLS: %s" % s.esmtp_features["auth"]
            code, reply = s.docmd("AUTH", "PLAIN AHNtdHBjAHMzY3JldC1QYTU1")
            assert code != 235 and code >= 500, "AUTH before STARTTLS answered %d %r" % (code, reply)
        finally:
            close(s)

    def check_plain_port(self):
        s = smtplib.SMTP("127.0.0.1", int(self.e("PLAIN_PORT")), local_hostname="selftest.localhost",
                         timeout=20)
        try:
            s.ehlo()
            assert not s.has_extn("starttls") and not s.has_extn("auth"), s.esmtp_features
        finally:
            close(s)

    def check_wrong_password(self):
        s = connect("127.0.0.1", self.e("STARTTLS_PORT"), False, self.ctx())
        try:
            s.user, s.password = self.e("USER"), "wrong-password"
            try:
                s.auth("PLAIN", s.auth_plain)
            except smtplib.SMTPAuthenticationError as exc:
                assert exc.smtp_code == 535, exc
            else:
                raise AssertionError("wrong password accepted")
        finally:
            close(s)

    def check_mail_needs_auth(self):
        s = connect("127.0.0.1", self.e("STARTTLS_PORT"), False, self.ctx())
        try:
            code, reply = s.mail("sender@interop.test")
            if code == 250:
                code, reply = s.rcpt("rcpt@interop.test")
            assert code >= 500, "unauthenticated MAIL/RCPT answered %d %r" % (code, reply)
        finally:
            close(s)

    def check_stopped(self):
        pid = int(self.e("PID"))
        deadline = time.monotonic() + 5
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not pid_alive(pid), "PID %d still alive" % pid
        ports = [self.env.get(self.key + k) for k in
                 ("_STARTTLS_PORT", "_IMPLICIT_PORT", "_PLAIN_PORT")]
        for port in filter(None, ports):
            for host in set(self.hosts()):
                try:
                    socket.create_connection((host, int(port)), timeout=2).close()
                except OSError:
                    continue
                raise AssertionError("[%s]:%s still accepts connections" % (host, port))
        r = subprocess.run([self.ctl, "status", self.dir], capture_output=True)
        assert r.returncode != 0, "status says running"


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            env[k] = shlex.split(v)[0] if v else ""
    return env


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_server(name, workdir, certdir, args):
    global skipped
    srv = Server(name, workdir, certdir)
    print("--- %s" % name, flush=True)
    r = srv.start()
    if r.returncode == 77 and args.allow_skip:
        skipped += 1
        print("SKIP %s: %s" % (name, r.stderr.decode(errors="replace").strip()), flush=True)
        return None
    report(r.returncode == 0, "%s: start" % name,
           "exit %d\n%s" % (r.returncode, r.stderr.decode(errors="replace")))
    if r.returncode != 0:
        srv.stop()
        return None
    print("     %s started in %.2f s (STARTTLS port %s, implicit TLS port %s)" % (
        name, srv.start_time, srv.e("STARTTLS_PORT"), srv.env.get(srv.key + "_IMPLICIT_PORT", "-")),
        flush=True)
    h4, h6 = srv.hosts()
    try:
        for host in sorted(set((h4, h6))):
            run_check("%s: [%s] no AUTH before STARTTLS" % (name, host),
                      srv.check_no_auth_before_starttls, host)
        if name == "postfix":
            run_check("postfix: plain port has no STARTTLS, no AUTH", srv.check_plain_port)
        port = srv.e("STARTTLS_PORT")
        run_check("%s: STARTTLS + AUTH PLAIN [%s]" % (name, h4),
                  srv.send, h4, port, False, "PLAIN", "%s-starttls-plain" % name)
        run_check("%s: STARTTLS + AUTH LOGIN [%s]" % (name, h6),
                  srv.send, h6, port, False, "LOGIN", "%s-starttls-login" % name)
        iport = srv.env.get(srv.key + "_IMPLICIT_PORT")
        if iport:
            run_check("%s: implicit TLS + AUTH PLAIN [%s]" % (name, h6),
                      srv.send, h6, iport, True, "PLAIN", "%s-implicit-plain" % name)
            run_check("%s: implicit TLS + AUTH LOGIN [%s]" % (name, h4),
                      srv.send, h4, iport, True, "LOGIN", "%s-implicit-login" % name)
        else:
            print("     (%s offers no implicit TLS port)" % name)
        run_check("%s: wrong password gets 535" % name, srv.check_wrong_password)
        run_check("%s: MAIL without AUTH refused" % name, srv.check_mail_needs_auth)
    finally:
        r = srv.stop()
    report(r.returncode == 0, "%s: stop (%.2f s)" % (name, srv.stop_time),
           r.stderr.decode(errors="replace"))
    run_check("%s: nothing left running" % name, srv.check_stopped)
    return srv.start_time


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--servers", default=",".join(SERVERS))
    p.add_argument("--certdir", help="use this PKI instead of making one")
    p.add_argument("--keep", action="store_true", help="keep the instance directories")
    p.add_argument("--allow-skip", action="store_true",
                   help="a server that cannot run here (exit 77) is skipped, not failed")
    args = p.parse_args()
    names = [n for n in args.servers.split(",") if n]
    for n in names:
        if n not in SERVERS:
            p.error("unknown server %s (known: %s)" % (n, ", ".join(SERVERS)))

    # the daemons' users must be able to enter the instance directories
    workdir = tempfile.mkdtemp(prefix="smtpc-servers-", dir="/tmp")
    os.chmod(workdir, 0o755)
    times = {}
    try:
        certdir, source = get_certs(workdir, args.certdir and os.path.abspath(args.certdir))
        print("certificates: %s (%s)" % (certdir, source))
        for name in names:
            times[name] = test_server(name, workdir, certdir, args)
    finally:
        if args.keep:
            print("kept %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print("start times: " + ", ".join("%s %.2f s" % (n, t) for n, t in times.items() if t))
    print("%d passed, %d failed%s" % (passed, failed, (", %d skipped" % skipped) if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
