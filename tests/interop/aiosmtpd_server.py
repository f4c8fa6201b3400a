#!/usr/bin/python3
"""A small SMTP server for the smtpc interop tests, built on aiosmtpd's SMTP
class (Debian: python3-aiosmtpd; run it with /usr/bin/python3, which sees
Debian's packages).  Started and stopped by aiosmtpd-ctl.sh.

    aiosmtpd_server.py --cert CHAIN --key KEY --maildir DIR --port-file FILE
                       [--log FILE] [--ipv6 0|1] [--no-implicit]

- a STARTTLS port on 127.0.0.1 and ::1 (one port number for both):
  STARTTLS required before anything else (require_starttls), AUTH PLAIN and
  LOGIN offered only after STARTTLS (auth_require_tls) and required to send;
- an implicit-TLS port (unless --no-implicit): TLS from the first byte, AUTH
  PLAIN and LOGIN required;
- the account is $SMTPC_INTEROP_USER / $SMTPC_INTEROP_PASS (default smtpc /
  s3cret-Pa55); recipients must be in a local domain (interop.test,
  localhost, smtpc-interop.localhost), others get 550;
- each accepted message is written, once per recipient, to DIR/new/ exactly
  as received: envelope.original_content, i.e. the DATA bytes after
  dot-unstuffing, CRLF line endings kept, no header added;
- the ports are chosen by the kernel; once both listen they are written to
  FILE as "STARTTLS_PORT=n" / "IMPLICIT_PORT=n" lines (atomically);
- every AUTH is logged to the log as "AUTH <MECHANISM> user=<name> ok|failed";
- runs until SIGTERM or SIGINT, then exits 0.
"""
import argparse
import asyncio
import itertools
import logging
import os
import signal
import socket
import ssl
import sys
import time
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

LOCAL_DOMAINS = {"interop.test", "localhost", "smtpc-interop.localhost"}
HOSTNAME = "smtpc-interop.localhost"
USER = os.environ.get("SMTPC_INTEROP_USER", "smtpc").encode()
PASS = os.environ.get("SMTPC_INTEROP_PASS", "s3cret-Pa55").encode()

log = logging.getLogger("smtpc-interop")


class MaildirHandler:
    def __init__(self, maildir):
        self.maildir = maildir
        self.counter = itertools.count()
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = address.rpartition("@")[2].lower()
        if domain not in LOCAL_DOMAINS:
            return "550 5.1.2 <%s>: relaying denied" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content
        names = [self.deliver(data) for _ in envelope.rcpt_tos]
        log.info("delivered from=<%s> to=%s size=%d peer=%s files=%s", envelope.mail_from,
                 ",".join("<%s>" % r for r in envelope.rcpt_tos), len(data),
                 session.peer[0] if session.peer else "?", ",".join(names))
        return "250 2.0.0 Message accepted for delivery"

    def deliver(self, data):
        """Maildir delivery: write to tmp/, then rename into new/."""
        now = time.time()
        name = "%d.M%06dP%dQ%d.%s" % (int(now), int(now % 1 * 1e6), os.getpid(),
                                      next(self.counter), HOSTNAME)
        tmp = os.path.join(self.maildir, "tmp", name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, os.path.join(self.maildir, "new", name))
        return name


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER
          and auth_data.password == PASS)
    login = getattr(auth_data, "login", b"?") or b"?"
    log.info("AUTH %s user=%s %s peer=%s", mechanism, login.decode("utf-8", "replace"),
             "ok" if ok else "failed", session.peer[0] if session.peer else "?")
    # handled=False: let aiosmtpd answer 535 itself (with handled=True the
    # client would get no reply at all)
    return AuthResult(success=ok, handled=False)


def listen_pair(v6, tries=200):
    """Listening sockets on 127.0.0.1 and (v6) ::1 with one kernel-chosen port."""
    for _ in range(tries):
        # proto must be IPPROTO_TCP (not 0): asyncio only sets TCP_NODELAY on
        # accepted sockets whose proto says TCP, and without it every
        # multi-line reply (EHLO) stalls ~40 ms (Nagle + delayed ACK)
        s4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        s4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s4.bind(("127.0.0.1", 0))
        port = s4.getsockname()[1]
        socks = [s4]
        if v6:
            s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s6.bind(("::1", port))
            except OSError:
                s4.close()
                s6.close()
                continue
            socks.append(s6)
        for s in socks:
            s.listen(128)
            s.setblocking(False)
        return port, socks
    raise OSError("no port free on both 127.0.0.1 and ::1")


async def serve(args):
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.cert, args.key)
    handler = MaildirHandler(args.maildir)
    loop = asyncio.get_running_loop()
    common = dict(hostname=HOSTNAME, ident="smtpc interop (aiosmtpd)", enable_SMTPUTF8=True,
                  decode_data=False, auth_required=True, authenticator=authenticator)

    def starttls_session():
        return SMTP(handler, tls_context=tls, require_starttls=True, auth_require_tls=True,
                    **common)

    def implicit_session():
        # aiosmtpd does not know the transport is already TLS: it must not
        # insist on STARTTLS before AUTH here
        return SMTP(handler, auth_require_tls=False, **common)

    servers = []
    ports = {}
    port, socks = listen_pair(args.ipv6)
    ports["STARTTLS_PORT"] = port
    for s in socks:
        servers.append(await loop.create_server(starttls_session, sock=s))
    if args.implicit:
        port, socks = listen_pair(args.ipv6)
        ports["IMPLICIT_PORT"] = port
        for s in socks:
            servers.append(await loop.create_server(implicit_session, sock=s, ssl=tls))

    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join("%s=%d\n" % kv for kv in ports.items()))
    os.rename(tmp, args.port_file)
    log.info("listening: %s (IPv6 %d)", " ".join("%s=%d" % kv for kv in ports.items()),
             args.ipv6)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping")
    for srv in servers:
        srv.close()
    for srv in servers:
        await srv.wait_closed()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cert", required=True, help="certificate chain (PEM)")
    p.add_argument("--key", required=True, help="private key (PEM)")
    p.add_argument("--maildir", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", help="log file (default: stderr)")
    p.add_argument("--ipv6", type=int, choices=(0, 1), default=1)
    p.add_argument("--no-implicit", dest="implicit", action="store_false")
    args = p.parse_args()
    logging.basicConfig(filename=args.log, level=logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # expected noise: auth_required without auth_require_tls (the implicit-TLS
    # port) warns at every session, and aiosmtpd 1.4 itself touches its own
    # deprecated Session.login_data after every successful AUTH
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    noise = ("auth_required == True but auth_require_tls == False",
             "Session.login_data is deprecated")
    logging.getLogger("mail.log").addFilter(
        lambda r: not any(n in r.getMessage() for n in noise))
    try:
        asyncio.run(serve(args))
    except Exception:
        log.exception("fatal")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
