#!/usr/bin/python3
"""Readiness probe for the interop servers (used by the *-ctl.sh scripts).

    smtp_probe.py TIMEOUT CAFILE HOST,PORT,MODE ...

Waits until every endpoint greets with 220 and answers EHLO, then checks
what it offers.  MODE is one of
    0  plaintext, no AUTH offered
    1  plaintext, AUTH PLAIN and LOGIN offered (no TLS)
    s  STARTTLS offered and AUTH *not* offered before it; after STARTTLS
       (certificate verified against CAFILE for the name "localhost") AUTH
       PLAIN and LOGIN offered
    i  implicit TLS (verified the same way), AUTH PLAIN and LOGIN offered
CAFILE may be "-" when no endpoint uses TLS.  Exit 0 when all are ready,
1 with a message on stderr otherwise.  Only the standard library is used.
"""
import smtplib
import socket
import ssl
import sys
import time

TLS_NAME = "localhost"
NEED = {"PLAIN", "LOGIN"}


def tls_context(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = True
    return ctx


class SMTPS(smtplib.SMTP_SSL):
    """SMTP over implicit TLS that verifies TLS_NAME whatever address it dials."""

    def _get_socket(self, host, port, timeout):
        sock = socket.create_connection((host, port), timeout, self.source_address)
        return self.context.wrap_socket(sock, server_hostname=TLS_NAME)


def starttls(s, ctx):
    """smtplib's starttls(), but with TLS_NAME as the name to verify."""
    code, reply = s.docmd("STARTTLS")
    if code != 220:
        raise smtplib.SMTPResponseException(code, reply)
    s.sock = ctx.wrap_socket(s.sock, server_hostname=TLS_NAME)
    s.file = None
    s.helo_resp = s.ehlo_resp = None
    s.esmtp_features = {}
    s.does_esmtp = False


def ehlo_mechs(s):
    code, msg = s.ehlo("probe.localhost")
    if code != 250:
        raise smtplib.SMTPResponseException(code, msg)
    return set(s.esmtp_features.get("auth", "").upper().split())


def check(host, port, mode, cafile):
    """Returns None when ready; raises OSError/SMTPException while not
    (retried); returns an error string for a wrong setup (fatal)."""
    ctx = tls_context(cafile) if mode in "si" else None
    if mode == "i":
        s = SMTPS(host, port, local_hostname="probe.localhost", timeout=5, context=ctx)
    else:
        s = smtplib.SMTP(host, port, local_hostname="probe.localhost", timeout=5)
    try:
        mechs = ehlo_mechs(s)
        if mode == "0" and mechs:
            return "offers AUTH %s but should not" % " ".join(sorted(mechs))
        if mode == "1" and not NEED <= mechs:
            return "offers AUTH %s, expected PLAIN and LOGIN" % (" ".join(sorted(mechs)) or "nothing")
        if mode == "s":
            if not s.has_extn("starttls"):
                return "does not offer STARTTLS"
            if mechs:
                return "offers AUTH %s before STARTTLS" % " ".join(sorted(mechs))
            starttls(s, ctx)
            mechs = ehlo_mechs(s)
        if mode in "si" and not NEED <= mechs:
            return "offers AUTH %s over TLS, expected PLAIN and LOGIN" % (
                " ".join(sorted(mechs)) or "nothing")
        return None
    finally:
        try:
            s.quit()
        except (OSError, smtplib.SMTPException):
            s.close()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    deadline = time.monotonic() + float(sys.argv[1])
    cafile = sys.argv[2]
    pending = list(sys.argv[3:])
    last = {}
    while pending:
        for ep in list(pending):
            host, port, mode = ep.rsplit(",", 2)
            try:
                err = check(host, int(port), mode, cafile)
            except ssl.SSLCertVerificationError as e:
                sys.exit("[%s]:%s: certificate not accepted: %s" % (host, port, e))
            except (OSError, smtplib.SMTPException) as e:
                last[ep] = repr(e)
                continue
            if err:
                sys.exit("[%s]:%s %s" % (host, port, err))
            pending.remove(ep)
        if pending:
            if time.monotonic() > deadline:
                sys.exit("not ready after %ss: %s" % (sys.argv[1], "; ".join(
                    "[%s]:%s %s" % (*ep.rsplit(",", 2)[:2], last.get(ep, "?")) for ep in pending)))
            time.sleep(0.05)


if __name__ == "__main__":
    main()
