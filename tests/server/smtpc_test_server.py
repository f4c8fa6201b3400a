#!/usr/bin/python3
"""smtpc_test_server.py - a scriptable SMTP server for testing the smtpc client.

The server speaks RFC 5321 on a loopback address only.  By default it behaves
like a correct, permissive ESMTP server (PIPELINING, SIZE, 8BITMIME,
ENHANCEDSTATUSCODES, AUTH PLAIN LOGIN, SMTPUTF8).  A JSON script can override
any reply with a verbatim string, a sequence of replies, or an action (close
the connection, stall, send raw bytes, send one byte per write, ...), so the
test suite can provoke every error path of the client.

With "chunking" in the script it also offers CHUNKING (RFC 3030): BDAT chunks
are read raw, and a chunk is always consumed, even when the command is refused.
With "dsn" it offers DSN (RFC 3461): RET, ENVID, NOTIFY and ORCPT are checked
and what they ask is kept in the envelope.

Everything the client sends can be recorded byte for byte (--record), with
the boundaries of every read, and every accepted message is delivered into a
Maildir (--maildir) together with a JSON envelope file.  See README.md next to
this file for the script format.

With --tls-cert the server also speaks TLS: STARTTLS (RFC 3207) or, with
--implicit-tls, TLS from the first byte (RFC 8314).  The recordings then hold
the decrypted bytes, and conn-K.tls describes the handshake.

Python 3 standard library only.
"""

import argparse
import base64
import binascii
import hmac
import ipaddress
import json
import os
import re
import select
import signal
import socket
import ssl
import sys
import threading
import time
import traceback

HOSTNAME = "smtpc-test.localhost"
MAX_LINE = 2048              # longest accepted command line, CRLF excluded
MAX_SIZE = 10485760          # advertised SIZE limit, enforced on MAIL, DATA, BDAT
# One recv() asks for this much, so that one client write on loopback
# normally arrives in one read (conn-K.reads shows the read boundaries).
READ_SIZE = 262144
DEFAULT_USERS = {"user": "password"}

DEFAULT_GREETING = "220 %s ESMTP smtpc test server" % HOSTNAME
DEFAULT_EHLO = ("250-" + HOSTNAME, "250-PIPELINING", "250-SIZE %d" % MAX_SIZE,
                "250-8BITMIME", "250-ENHANCEDSTATUSCODES",
                "250-AUTH PLAIN LOGIN", "250 SMTPUTF8")
DEFAULT_HELO = "250 " + HOSTNAME
AUTH_INVALID = "535 5.7.8 Authentication credentials invalid"

# Commands with built-in handlers (Connection.cmd_<verb>).
COMMANDS = {"EHLO", "HELO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP",
            "QUIT", "AUTH", "STARTTLS"}

# Script keys that are not SMTP verbs; a client command with one of these
# names must never pick up their scripted reply.
INTERNAL_KEYS = {"GREETING", "DOT", "BDAT_LAST", "AUTH_CONT", "UNKNOWN"}

# Top-level script keys (besides comments, see _is_comment).
SCRIPT_KEYS = {"greeting", "ehlo", "helo", "users", "replies", "split_writes",
               "eol", "strict_crlf", "require_auth", "chunking", "binarymime",
               "dsn", "connections"}
ACTION_KEYS = {"reply", "close", "stall", "raw", "split", "line_pause", "then_close",
               "default"}


class ScriptError(Exception):
    """The JSON script is malformed; reported at startup."""


class Closed(Exception):
    """The current connection must end now (client gone, QUIT, scripted close)."""


# ---------------------------------------------------------------------------
# TLS
# ---------------------------------------------------------------------------

TLS_VERSIONS = {"1.1": ssl.TLSVersion.TLSv1_1, "1.2": ssl.TLSVersion.TLSv1_2,
                "1.3": ssl.TLSVersion.TLSv1_3}

# getpeercert() attribute names -> the short names of RFC 4514 / OpenSSL.
DN_SHORT = {"commonName": "CN", "countryName": "C", "localityName": "L",
            "stateOrProvinceName": "ST", "organizationName": "O",
            "organizationalUnitName": "OU", "domainComponent": "DC",
            "streetAddress": "STREET", "userId": "UID",
            "emailAddress": "emailAddress", "serialNumber": "serialNumber"}


def _sni_callback(sslsock, server_name, context):
    """Remember the server name the client sent (None without SNI)."""
    sslsock.smtpc_sni = server_name


def make_tls_context(args):
    """The server-side SSLContext for --tls-cert, or None without TLS."""
    if not args.tls_cert:
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = TLS_VERSIONS[args.tls_min]
    if args.tls_max:
        ctx.maximum_version = TLS_VERSIONS[args.tls_max]
    if args.tls_max == "1.1":
        # an outdated server, to check that clients refuse it: OpenSSL 3
        # allows TLS 1.1 only at security level 0
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    if args.tls_client_ca:
        ctx.load_verify_locations(cafile=args.tls_client_ca)
        ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.sni_callback = _sni_callback
    return ctx


def format_dn(rdns):
    """A getpeercert() subject as an RFC 4514 string ("CN=x,O=y": the last
    RDN first, like `openssl x509 -subject -nameopt RFC2253`)."""
    def escape(value):
        out = "".join("\\" + c if c in ',+"\\<>;' else c for c in value)
        if out.startswith(("#", " ")):
            out = "\\" + out
        if out.endswith(" ") and not out.endswith("\\ "):
            out = out[:-1] + "\\ "
        return out
    return ",".join("+".join("%s=%s" % (DN_SHORT.get(k, k), escape(v))
                             for k, v in rdn)
                    for rdn in reversed(rdns))


# ---------------------------------------------------------------------------
# Script loading and validation
#
# Every reply specification is normalised into a non-empty list of "items"
# consumed one per occurrence of the command (the last item repeats).  An item
# is one of:
#   str    - reply text sent verbatim, followed by the connection's eol
#   tuple  - reply lines, joined with eol, followed by eol
#   dict   - an action (keys from ACTION_KEYS, "reply" normalised to
#            str/tuple/None)
# ---------------------------------------------------------------------------

def _is_comment(key):
    return key.startswith("_") or key.lower() in ("comment", "description")


def _is_lines(value):
    return isinstance(value, list) and bool(value) and \
        all(isinstance(v, str) for v in value)


def _norm_action(act, where):
    for key in act:
        if key not in ACTION_KEYS and not _is_comment(key):
            raise ScriptError("%s: unknown action key %r" % (where, key))
    out = dict(act)
    reply = act.get("reply")
    if reply is None or isinstance(reply, str):
        out["reply"] = reply
    elif _is_lines(reply):
        out["reply"] = tuple(reply)
    else:
        raise ScriptError("%s: 'reply' must be a string or a list of strings"
                          % where)
    stall = act.get("stall", 0)
    if isinstance(stall, bool) or not isinstance(stall, (int, float)) \
            or stall < 0:
        raise ScriptError("%s: 'stall' must be a number >= 0" % where)
    out["stall"] = float(stall)
    pause = act.get("line_pause", 0)
    if isinstance(pause, bool) or not isinstance(pause, (int, float)) \
            or pause < 0:
        raise ScriptError("%s: 'line_pause' must be a number >= 0" % where)
    out["line_pause"] = float(pause)
    if "raw" in act and not isinstance(act["raw"], str):
        raise ScriptError("%s: 'raw' must be a string" % where)
    for flag in ("close", "split", "then_close", "default"):
        if not isinstance(act.get(flag, False), bool):
            raise ScriptError("%s: %r must be true or false" % (where, flag))
    return out


def _norm_reply(value, where, lines_form):
    """Normalise a REPLY value into a list of items (see above).

    lines_form: for greeting/ehlo/helo a list of plain strings is the lines of
    ONE reply; elsewhere a list is always a per-occurrence sequence."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [_norm_action(value, where)]
    if isinstance(value, list) and value:
        if lines_form and _is_lines(value):
            return [tuple(value)]
        items = []
        for i, entry in enumerate(value):
            sub = "%s[%d]" % (where, i)
            if isinstance(entry, str):
                items.append(entry)
            elif isinstance(entry, dict):
                items.append(_norm_action(entry, sub))
            elif _is_lines(entry):
                items.append(tuple(entry))
            else:
                raise ScriptError("%s: expected a string, a list of strings "
                                  "or an action object" % sub)
        return items
    raise ScriptError("%s: expected a string, a non-empty list or an action "
                      "object" % where)


class ConnScript:
    """The validated script that applies to one connection."""

    def __init__(self, raw, where):
        for key in raw:
            if key not in SCRIPT_KEYS and not _is_comment(key):
                raise ScriptError("%s: unknown key %r" % (where, key))
        self.replies = {}
        replies = raw.get("replies", {})
        if not isinstance(replies, dict):
            raise ScriptError("%s: 'replies' must be an object" % where)
        for key, value in replies.items():
            if _is_comment(key):
                continue
            verb = key.upper()
            self.replies[verb] = _norm_reply(
                value, "%s.replies.%s" % (where, key),
                verb in ("EHLO", "HELO", "GREETING"))
        # Top-level greeting/ehlo/helo win over the same key in "replies".
        for key in ("greeting", "ehlo", "helo"):
            if key in raw:
                self.replies[key.upper()] = _norm_reply(
                    raw[key], "%s.%s" % (where, key), True)
        users = raw.get("users", DEFAULT_USERS)
        if not isinstance(users, dict) or \
                not all(isinstance(v, str) for v in users.values()):
            raise ScriptError("%s: 'users' must map names to password strings"
                              % where)
        self.users = dict(users)
        self.eol = raw.get("eol", "\r\n")
        if not isinstance(self.eol, str):
            raise ScriptError("%s: 'eol' must be a string" % where)
        for flag in ("split_writes", "strict_crlf", "require_auth", "chunking",
                     "binarymime", "dsn"):
            if not isinstance(raw.get(flag, False), bool):
                raise ScriptError("%s: %r must be true or false" % (where, flag))
        self.split_writes = raw.get("split_writes", False)
        self.strict_crlf = raw.get("strict_crlf", False)
        self.require_auth = raw.get("require_auth", False)
        self.chunking = raw.get("chunking", False)
        self.binarymime = raw.get("binarymime", False)
        self.dsn = raw.get("dsn", False)
        if self.binarymime and not self.chunking:
            # RFC 3030 3: BINARYMIME can only be sent with BDAT
            raise ScriptError("%s: 'binarymime' needs 'chunking'" % where)


def load_scripts(path):
    """Return the list of per-connection ConnScripts (connection K uses entry
    min(K, len) - 1).  Without a script file, one default script."""
    if path is None:
        return [ConnScript({}, "script")]
    try:
        with open(path, "r", encoding="utf-8") as f:
            top = json.load(f)
    except (OSError, ValueError) as e:
        raise ScriptError("cannot read script %s: %s" % (path, e))
    if not isinstance(top, dict):
        raise ScriptError("script top level must be a JSON object")
    conns = top.pop("connections", None)
    if conns is None:
        return [ConnScript(top, "script")]
    if not isinstance(conns, list) or not conns or \
            not all(isinstance(c, dict) for c in conns):
        raise ScriptError("'connections' must be a non-empty list of objects")
    scripts = []
    for i, entry in enumerate(conns):
        # Top-level keys are defaults for every connection; the entry
        # overrides them, and the two "replies" objects are merged key-wise.
        merged = dict(top)
        for key, value in entry.items():
            if key == "replies" and isinstance(value, dict) and \
                    isinstance(top.get("replies"), dict):
                merged["replies"] = dict(top["replies"], **value)
            else:
                merged[key] = value
        scripts.append(ConnScript(merged, "connections[%d]" % i))
    return scripts


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

def encode_text(text):
    """Scripted text -> bytes: latin-1 (one byte per character) when possible,
    so "\\u00ff" in JSON sends byte 0xFF; otherwise the whole string as UTF-8."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def is_positive(reply, first_digit="2"):
    """True if the (effective) reply starts with the given digit."""
    if isinstance(reply, tuple):
        reply = reply[0] if reply else ""
    return isinstance(reply, str) and reply.startswith(first_digit)


def parse_path(arg, prefix):
    """Parse 'FROM:<addr> params' / 'TO:<addr> params' strictly (RFC 5321:
    no space after the colon, angle brackets required).  Returns
    (address, params) or None on a syntax error."""
    if arg[:len(prefix)].upper() != prefix or \
            not arg[len(prefix):].startswith("<"):
        return None
    rest = arg[len(prefix):]
    in_quotes = escaped = False
    for i in range(1, len(rest)):
        ch = rest[i]
        if escaped:
            escaped = False
        elif ch == "\\" and in_quotes:
            escaped = True
        elif ch == '"':
            in_quotes = not in_quotes
        elif ch == ">" and not in_quotes:
            params = rest[i + 1:]
            if params and not params.startswith(" "):
                return None
            return rest[1:i], params.strip(" ")
    return None


def size_param(params):
    """Value of a SIZE=n parameter, or None."""
    for word in params.split():
        key, _, value = word.partition("=")
        if key.upper() == "SIZE" and value.isdigit():
            return int(value)
    return None


def body_param(params):
    """Value of a BODY= parameter, upper-cased, or None."""
    for word in params.split():
        key, _, value = word.partition("=")
        if key.upper() == "BODY":
            return value.upper()
    return None


# RFC 3030: bdat-cmd ::= "BDAT" SP chunk-size [ SP end-marker ] CR LF
BDAT_ARG = re.compile(r"([0-9]{1,20})(?: ([Ll][Aa][Ss][Tt]))?")


# RFC 3461 4: xtext is "!" to "~" but "+" and "=", or "+" and two upper-case
# hex digits.
XTEXT = re.compile(r"(?:[!-*,-<>-~]|\+[0-9A-F]{2})*")
ADDR_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
NOTIFY_WORDS = ("SUCCESS", "FAILURE", "DELAY", "NEVER")


def xtext_decode(value):
    """The text an xtext stands for, or None when it is not xtext or not
    printable ASCII (RFC 3461 4.2, 4.4)."""
    if XTEXT.fullmatch(value) is None:
        return None
    text = re.sub(r"\+([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), value)
    if any(not " " <= ch <= "~" for ch in text):
        return None
    return text


def esmtp_params(params, keys):
    """{KEY: value} of the parameters named in `keys` (upper-cased), or None
    when one of them comes twice."""
    found = {}
    for word in params.split():
        key, _, value = word.partition("=")
        key = key.upper()
        if key in keys:
            if key in found:
                return None
            found[key] = value
    return found


def dsn_mail(params):
    """RET and ENVID (RFC 3461 4.3, 4.4): (error reply or None, what they
    ask, for the envelope)."""
    found = esmtp_params(params, ("RET", "ENVID"))
    if found is None:
        return "501 5.5.4 Duplicate DSN parameter", None
    ret = found.get("RET")
    if ret is not None:
        ret = ret.upper()
        if ret not in ("FULL", "HDRS"):
            return "501 5.5.4 Bad RET parameter syntax", None
    envid = found.get("ENVID")
    if envid is not None:
        envid = xtext_decode(envid) if len(envid) <= 100 else None
        if not envid:
            return "501 5.5.4 Bad ENVID parameter syntax", None
    return None, {"ret": ret, "envid": envid}


def dsn_rcpt(params):
    """NOTIFY and ORCPT (RFC 3461 4.1, 4.2): (error reply or None, what they
    ask, for the envelope)."""
    found = esmtp_params(params, ("NOTIFY", "ORCPT"))
    if found is None:
        return "501 5.5.4 Duplicate DSN parameter", None
    notify = found.get("NOTIFY")
    if notify is not None:
        notify = notify.upper().split(",")
        if any(w not in NOTIFY_WORDS for w in notify) or \
                len(set(notify)) != len(notify) or \
                ("NEVER" in notify and len(notify) > 1):
            return "501 5.5.4 Bad NOTIFY parameter syntax", None
    orcpt = found.get("ORCPT")
    if orcpt is not None:
        kind, semi, value = orcpt.partition(";")
        text = xtext_decode(value) if semi else None
        if ADDR_TYPE.fullmatch(kind) is None or not text or len(orcpt) > 500:
            return "501 5.5.4 Bad ORCPT parameter syntax", None
        orcpt = kind + ";" + text
    return None, {"notify": notify, "orcpt": orcpt}


def default_ehlo(offer_tls, chunking, binarymime, dsn=False):
    """The server's own EHLO reply lines: extensions that depend on the
    script or on TLS go before the last line."""
    extra = ()
    if chunking:
        extra += ("250-CHUNKING",)
    if binarymime:
        extra += ("250-BINARYMIME",)
    if dsn:
        extra += ("250-DSN",)
    if offer_tls:
        extra += ("250-STARTTLS",)
    return DEFAULT_EHLO[:-1] + extra + DEFAULT_EHLO[-1:]


# ---------------------------------------------------------------------------
# One client connection
# ---------------------------------------------------------------------------

class Connection:
    def __init__(self, server, sock, number, script):
        self.server = server
        self.sock = sock
        self.number = number
        self.script = script
        self.buf = bytearray()      # received, not yet processed bytes
        self.counts = {}            # script key -> replies consumed so far
        self.pending_close = False  # set by a "then_close" action
        self.graceful = False       # ending by QUIT/then_close: TLS close_notify
        # Each reply leaves at once: a pipelining client's group is answered
        # in several writes, and without this Nagle holds the second until
        # the client's delayed ACK (40 ms a group on Linux).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.nodelay = True
        self.client_bytes = 0       # bytes received / sent so far (after
        self.server_bytes = 0       # decryption / before encryption)
        self.tls_active = False
        self.tls_version = self.tls_cipher = None
        self.rec_client = self.rec_server = self.rec_reads = None
        if server.record_dir:
            base = os.path.join(server.record_dir, "conn-%d" % number)
            self.rec_client = open(base + ".client", "wb", buffering=0)
            self.rec_server = open(base + ".server", "wb", buffering=0)
            self.rec_reads = open(base + ".reads", "wb", buffering=0)
        # SMTP session state
        self.greeted = False        # a positive EHLO/HELO was given
        self.esmtp = False          # ... and it was EHLO
        self.helo_name = None
        self.authenticated = False
        self.auth_user = None
        self.reset_transaction()

    def reset_transaction(self):
        self.in_tx = False
        self.mail_from = None
        self.mail_params = ""
        self.rcpts = []
        self.rcpt_params = []       # the parameters of each accepted RCPT
        self.dsn_mail = None        # with "dsn": what MAIL's RET and ENVID ask
        self.dsn_rcpts = []         # ... and each accepted RCPT's NOTIFY, ORCPT
        self.binarymime = False     # MAIL said BODY=BINARYMIME
        self.bdat_chunks = []       # sizes of the accepted BDAT chunks
        self.bdat_data = bytearray()
        # A BDAT of the last transaction was refused: further BDATs get 503
        # until RSET, a new MAIL or EHLO/HELO (each of which comes here).
        self.bdat_failed = False

    # -- main loop ----------------------------------------------------------

    def run(self):
        try:
            self.sock.settimeout(self.server.timeout)
            if self.server.implicit_tls:
                self.start_tls()
            self.greet()
            self.command_loop()
        except (Closed, OSError):
            pass            # client went away, timed out, or scripted close
        except Exception:   # a server bug: report it, keep serving others
            sys.stderr.write("connection %d: internal error\n" % self.number)
            traceback.print_exc()
        finally:
            if self.tls_active and self.graceful:
                # Send close_notify; wait briefly for the client's.
                try:
                    self.sock.settimeout(min(self.server.timeout, 1.0))
                    self.sock.unwrap()
                except (OSError, ValueError):
                    pass
            try:
                self.sock.close()
            except OSError:
                pass
            for f in (self.rec_client, self.rec_server, self.rec_reads):
                if f:
                    f.close()

    def greet(self):
        self.respond("GREETING", DEFAULT_GREETING)
        if self.pending_close:
            self.graceful = True
            raise Closed()

    def command_loop(self):
        while True:
            got = self.read_command()
            if got is None:
                return
            line, had_cr, too_long = got
            if too_long:
                self.send_text("500 5.5.2 line too long")
            elif self.script.strict_crlf and not had_cr:
                self.send_text("500 5.5.2 Error: bare LF in command line")
            else:
                self.dispatch(line)
            if self.pending_close:
                self.graceful = True
                raise Closed()

    def dispatch(self, line):
        text = line.decode("utf-8", "surrogateescape")
        verb, _, arg = text.partition(" ")
        verb = verb.upper()
        if verb in COMMANDS:
            getattr(self, "cmd_" + verb.lower())(verb, arg)
            return
        unknown = "502 5.5.2 Error: command not recognized"
        if verb in self.script.replies and verb not in INTERNAL_KEYS:
            self.respond(verb, unknown)
        else:
            self.respond("UNKNOWN", unknown)

    # -- input --------------------------------------------------------------

    def _fill(self):
        """Receive more bytes into the buffer.  False at end of file.
        Raises Closed on the idle timeout."""
        try:
            data = self.sock.recv(READ_SIZE)
        except socket.timeout:
            raise Closed()
        if not data:
            return False
        if self.rec_client:
            self.rec_client.write(data)
        if self.rec_reads:
            self.rec_reads.write(b'{"offset": %d, "length": %d}\n'
                                 % (self.client_bytes, len(data)))
        self.client_bytes += len(data)
        self.buf += data
        return True

    def read_command(self):
        """Read one command line (terminated by LF; a CR before it is
        removed).  Returns (line, had_cr, too_long), or None at end of file
        (an unterminated last line is dropped; it is in the recording)."""
        too_long = False
        start = 0
        while True:
            idx = self.buf.find(b"\n", start)
            if idx >= 0:
                break
            if len(self.buf) > MAX_LINE + 1:
                # Too long already: throw away what we have, keep reading
                # until the end of the line, then reject the whole line.
                too_long = True
                self.buf.clear()
            start = len(self.buf)
            if not self._fill():
                return None
        line = bytes(self.buf[:idx])
        del self.buf[:idx + 1]
        had_cr = line.endswith(b"\r")
        if had_cr:
            line = line[:-1]
        if too_long or len(line) > MAX_LINE:
            return b"", had_cr, True
        return line, had_cr, False

    def read_data(self):
        """Read the DATA body up to the CRLF.CRLF terminator.  Only CRLF
        separates lines, so a bare LF or CR is ordinary data and is stored
        untouched.  Dot-stuffing is removed (RFC 5321 4.5.2: a line starting
        with "." loses that first character)."""
        out = bytearray()
        start = 0
        while True:
            idx = self.buf.find(b"\r\n", start)
            if idx < 0:
                start = max(0, len(self.buf) - 1)
                if not self._fill():
                    raise Closed()      # end of file in the middle of DATA
                continue
            line = self.buf[:idx + 2]
            del self.buf[:idx + 2]
            start = 0
            if line == b".\r\n":
                return bytes(out)
            out += line[1:] if line.startswith(b".") else line

    def read_chunk(self, count, keep):
        """Consume exactly `count` octets, raw (a BDAT chunk: no line
        handling, no dot-unstuffing).  Returns them if `keep`, else discards
        them as they come (a refused chunk can be of any size)."""
        out = bytearray()
        while count:
            if not self.buf and not self._fill():
                raise Closed()          # end of file in the middle of a chunk
            take = min(count, len(self.buf))
            if keep:
                out += self.buf[:take]
            del self.buf[:take]
            count -= take
        return bytes(out)

    def sink(self):
        """After a positive STARTTLS reply: we cannot speak TLS, so just
        record whatever arrives (e.g. a TLS ClientHello) until the client
        closes or goes idle."""
        self.buf.clear()
        while self._fill():
            self.buf.clear()
        raise Closed()

    def stall(self, seconds):
        """Wait, but keep reading (and recording) what the client sends; end
        the connection early if the client closes or the server stops."""
        deadline = time.monotonic() + seconds
        while True:
            if self.server.stopping.is_set():
                raise Closed()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if self.tls_active and self.sock.pending():
                ready = True        # decrypted bytes already buffered
            else:
                ready, _, _ = select.select([self.sock], [], [],
                                            min(remaining, 0.25))
            if ready and not self._fill():
                raise Closed()

    # -- output -------------------------------------------------------------

    def send_bytes(self, data, split=False):
        if not data:
            return
        if split or self.script.split_writes:
            if not self.nodelay:
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.nodelay = True
            for i in range(len(data)):
                self.sock.sendall(data[i:i + 1])
                if self.rec_server:
                    self.rec_server.write(data[i:i + 1])
                self.server_bytes += 1
                time.sleep(0.001)
        else:
            self.sock.sendall(data)
            if self.rec_server:
                self.rec_server.write(data)
            self.server_bytes += len(data)

    def send_text(self, text, split=False, line_pause=0.0):
        """Send a reply: str verbatim or tuple of lines, plus the eol.
        line_pause: each line is its own write, this many seconds apart
        (the client's bytes meanwhile are read and recorded)."""
        if text is None:
            return
        eol = self.script.eol
        if isinstance(text, tuple):
            text = eol.join(text)
        data = encode_text(text + eol)
        if not line_pause:
            self.send_bytes(data, split)
            return
        lines = data.splitlines(keepends=True)
        for i, line in enumerate(lines):
            self.send_bytes(line, split)
            if i + 1 < len(lines):
                self.stall(line_pause)

    def plan(self, key, default):
        """Pick the reply for this occurrence of `key`.  Returns (item,
        effective): the item to execute and the reply text that decides the
        state change (None if the connection will be closed instead).  If an
        action sends nothing, the state follows the server's default."""
        items = self.script.replies.get(key)
        if items is None:
            return default, default
        n = self.counts.get(key, 0)
        self.counts[key] = n + 1
        item = items[min(n, len(items) - 1)]
        if not isinstance(item, dict):
            return item, item
        if item.get("close"):
            return item, None
        for candidate in (default if item.get("default") else None,
                          item["reply"], item.get("raw")):
            if candidate is not None:
                return item, candidate
        return item, default

    def execute(self, item, default):
        """Carry out a planned reply."""
        if not isinstance(item, dict):
            self.send_text(item)
            return
        split = item.get("split", False)
        pause = item.get("line_pause", 0.0)
        if item["stall"]:
            self.stall(item["stall"])
        if item.get("close"):
            raise Closed()
        if item.get("default"):
            self.send_text(default, split, pause)
        self.send_text(item["reply"], split, pause)
        if item.get("raw") is not None:
            self.send_bytes(encode_text(item["raw"]), split)
        if item.get("then_close"):
            self.pending_close = True

    def respond(self, key, default):
        item, effective = self.plan(key, default)
        self.execute(item, default)
        return effective

    # -- commands -----------------------------------------------------------

    def cmd_ehlo(self, verb, arg):
        name = arg.strip(" ")
        if not name:
            default = "501 5.5.4 Syntax: %s hostname" % verb
        else:
            default = DEFAULT_HELO
            if verb == "EHLO":
                offer_tls = self.server.tls_ctx is not None and \
                    not self.tls_active
                default = default_ehlo(offer_tls, self.script.chunking,
                                       self.script.binarymime, self.script.dsn)
        if is_positive(self.respond(verb, default)):
            self.greeted = True
            self.esmtp = verb == "EHLO"
            self.helo_name = name
            self.reset_transaction()

    cmd_helo = cmd_ehlo

    def cmd_mail(self, verb, arg):
        parsed = parse_path(arg, "FROM:")
        dsn_error, dsn = dsn_mail(parsed[1]) if parsed and self.script.dsn \
            else (None, None)
        if not self.greeted:
            default = "503 5.5.1 Error: send HELO/EHLO first"
        elif self.script.require_auth and not self.authenticated:
            default = "530 5.7.0 Authentication required"
        elif self.in_tx:
            default = "503 5.5.1 Error: nested MAIL command"
        elif parsed is None:
            default = "501 5.5.4 Syntax: MAIL FROM:<address>"
        elif (size_param(parsed[1]) or 0) > MAX_SIZE:
            default = "552 5.3.4 Message size exceeds fixed limit"
        elif body_param(parsed[1]) == "BINARYMIME" and \
                not self.script.binarymime:
            default = "555 5.5.4 Unsupported option: BODY=BINARYMIME"
        elif dsn_error:
            default = dsn_error
        else:
            default = "250 2.1.0 Ok"
        if is_positive(self.respond("MAIL", default)):
            self.reset_transaction()
            self.in_tx = True
            self.mail_from, self.mail_params = parsed or (arg, "")
            self.binarymime = body_param(self.mail_params) == "BINARYMIME"
            self.dsn_mail = dsn or {"ret": None, "envid": None}

    def cmd_rcpt(self, verb, arg):
        parsed = parse_path(arg, "TO:")
        dsn_error, dsn = dsn_rcpt(parsed[1]) if parsed and self.script.dsn \
            else (None, None)
        if not self.in_tx:
            default = "503 5.5.1 Error: need MAIL command"
        elif parsed is None:
            default = "501 5.5.4 Syntax: RCPT TO:<address>"
        elif dsn_error:
            default = dsn_error
        else:
            default = "250 2.1.5 Ok"
        if is_positive(self.respond("RCPT", default)):
            self.rcpts.append(parsed[0] if parsed else arg)
            self.rcpt_params.append(parsed[1] if parsed else "")
            self.dsn_rcpts.append(dsn or {"notify": None, "orcpt": None})

    def cmd_data(self, verb, arg):
        if arg.strip(" "):
            default = "501 5.5.4 Syntax: DATA"
        elif not self.in_tx:
            default = "503 5.5.1 Error: need MAIL command"
        elif self.bdat_chunks:
            default = "503 5.5.1 Error: BDAT in progress"
        elif self.binarymime:
            default = "503 5.5.1 Error: BINARYMIME requires BDAT"
        elif not self.rcpts:
            default = "503 5.5.1 Error: need RCPT command"
        else:
            default = "354 End data with <CR><LF>.<CR><LF>"
        if not is_positive(self.respond("DATA", default), "3") or \
                self.pending_close:
            return
        data = self.read_data()
        queue_id = self.server.next_queue_id()
        if len(data) > MAX_SIZE:
            default = "552 5.3.4 Message size exceeds fixed limit"
        else:
            default = "250 2.0.0 Ok: queued as %s" % queue_id
        item, effective = self.plan("DOT", default)
        if is_positive(effective):
            # Store before replying, so the message is on disk by the time
            # the client sees the 250.
            self.server.deliver(self, data, queue_id,
                                {"command": "DATA", "chunks": None})
        self.reset_transaction()
        self.execute(item, default)

    def cmd_bdat(self, verb, arg):
        """RFC 3030.  The chunk is read before the reply goes out, and it is
        read even when the command is refused (the octets follow the command
        whatever the answer), except after a syntax error (its size is not
        known), when CHUNKING is off (BDAT is then an unknown command) and
        for a scripted "close"."""
        if not self.script.chunking:
            unknown = "502 5.5.1 BDAT not offered"
            self.respond("BDAT" if "BDAT" in self.script.replies else "UNKNOWN",
                         unknown)
            return
        match = BDAT_ARG.fullmatch(arg)
        if match is None:
            self.respond("BDAT", "501 5.5.4 Syntax: BDAT count [LAST]")
            return
        count = int(match.group(1))
        last = match.group(2) is not None
        key = "BDAT_LAST" if last else "BDAT"
        queue_id = None     # taken for the server's own 250, or on storing
        if self.bdat_failed:
            default = "503 5.5.1 Error: previous BDAT failed"
        elif not self.in_tx:
            default = "503 5.5.1 Error: need MAIL command"
        elif not self.rcpts:
            default = "554 5.5.1 Error: no valid recipients"
        elif last and len(self.bdat_data) + count > MAX_SIZE:
            default = "552 5.3.4 Message size exceeds fixed limit"
        elif last:
            queue_id = self.server.next_queue_id()
            default = "250 2.0.0 Ok: queued as %s" % queue_id
        else:
            default = "250 2.0.0 %d octets received" % count
        item, effective = self.plan(key, default)
        if effective is None:           # "close": go without reading
            self.execute(item, default)
            return
        accepted = is_positive(effective)
        chunk = self.read_chunk(count, accepted)
        if accepted:
            self.bdat_data += chunk
            self.bdat_chunks.append(count)
            if last:
                # Stored before the reply, as for DATA.
                queue_id = queue_id or self.server.next_queue_id()
                self.server.deliver(self, bytes(self.bdat_data), queue_id,
                                    {"command": "BDAT",
                                     "chunks": list(self.bdat_chunks)})
                self.reset_transaction()
        elif self.in_tx or self.bdat_failed:
            # RFC 3030 2: a refused chunk fails the transaction.
            self.reset_transaction()
            self.bdat_failed = True
        self.execute(item, default)

    def cmd_rset(self, verb, arg):
        if is_positive(self.respond("RSET", "250 2.0.0 Ok")):
            self.reset_transaction()

    def cmd_noop(self, verb, arg):
        self.respond("NOOP", "250 2.0.0 Ok")

    def cmd_quit(self, verb, arg):
        self.respond("QUIT", "221 2.0.0 Bye")
        self.graceful = True
        raise Closed()

    def cmd_starttls(self, verb, arg):
        if arg.strip(" "):
            default = "501 5.5.4 Syntax: STARTTLS"
        elif self.server.tls_ctx is None:
            default = "454 4.7.0 TLS not available"
        elif self.tls_active:
            default = "503 5.5.1 TLS already active"
        else:
            default = "220 2.0.0 Ready to start TLS"
        item, effective = self.plan("STARTTLS", default)
        self.execute(item, default)
        if not is_positive(effective) or self.pending_close:
            return
        # The real handshake follows only the server's own 220: no scripted
        # STARTTLS reply, or an action with "default": true (or one that
        # sends nothing).  Any other positive scripted reply wins: no TLS,
        # just record what the client sends.
        own = "STARTTLS" not in self.script.replies or (
            isinstance(item, dict) and (item.get("default") or (
                item["reply"] is None and item.get("raw") is None)))
        if own:
            self.start_tls()
        else:
            self.sink()

    # -- TLS ----------------------------------------------------------------

    def start_tls(self):
        """Wrap the connection in TLS (server side), with the idle timeout
        for the handshake.  On success the SMTP session starts over (RFC
        3207 4.2); on failure the connection ends.  Either way conn-K.tls
        records the outcome."""
        info = {"client_offset": self.client_bytes,
                "server_offset": self.server_bytes,
                "ok": False, "version": None, "cipher": None, "sni": None,
                "client_cert_subject": None, "error": None}
        # Plaintext the client pipelined after STARTTLS must not be
        # trusted or carried over into the TLS session (it is recorded).
        self.buf.clear()
        try:
            self.sock = self.server.tls_ctx.wrap_socket(
                self.sock, server_side=True, do_handshake_on_connect=False)
            self.sock.settimeout(self.server.timeout)
            self.sock.do_handshake()
        except (ssl.SSLError, OSError) as e:    # includes the timeout
            info["sni"] = getattr(self.sock, "smtpc_sni", None)
            info["error"] = str(e) or type(e).__name__
            self.write_tls_record(info)
            raise Closed()
        self.tls_active = True
        self.tls_version = self.sock.version()
        self.tls_cipher = self.sock.cipher()[0]
        cert = self.sock.getpeercert()
        info.update(ok=True, version=self.tls_version, cipher=self.tls_cipher,
                    sni=getattr(self.sock, "smtpc_sni", None),
                    client_cert_subject=format_dn(cert["subject"])
                    if cert else None)
        self.write_tls_record(info)
        # RFC 3207 4.2: forget everything learnt before TLS.
        self.greeted = self.esmtp = False
        self.helo_name = None
        self.authenticated = False
        self.auth_user = None
        self.reset_transaction()

    def write_tls_record(self, info):
        if not self.server.record_dir:
            return
        path = os.path.join(self.server.record_dir,
                            "conn-%d.tls" % self.number)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(info, f)
            f.write("\n")
        os.replace(path + ".tmp", path)

    def tls_summary(self):
        """The envelope's "tls" value."""
        if not self.tls_active:
            return None
        return {"version": self.tls_version, "cipher": self.tls_cipher}

    # -- AUTH ---------------------------------------------------------------

    def cmd_auth(self, verb, arg):
        words = arg.split()
        mech = words[0].upper() if words else ""
        initial = words[1] if len(words) > 1 else None
        if "AUTH" in self.script.replies:
            self.scripted_auth(mech, initial)
        elif not self.esmtp:
            self.send_text("503 5.5.1 Error: send EHLO first")
        elif self.authenticated:
            self.send_text("503 5.5.1 Error: already authenticated")
        elif self.in_tx:
            self.send_text("503 5.5.1 Error: MAIL transaction in progress")
        elif not mech or len(words) > 2:
            self.send_text("501 5.5.4 Syntax: AUTH mechanism [initial-response]")
        elif mech == "PLAIN":
            self.auth_plain(initial)
        elif mech == "LOGIN":
            self.auth_login(initial)
        elif mech == "CRAM-MD5" and initial is None:
            self.auth_cram_md5()
        else:
            self.send_text("504 5.5.4 Unrecognized authentication type")

    def scripted_auth(self, mech, initial):
        """The script replaces the exchange: "AUTH" answers the command; while
        the reply sent starts with 334, each client line is answered from
        "AUTH_CONT" (default 535).  A 235 reply marks the session as
        authenticated."""
        reply = self.respond("AUTH", None)
        while is_positive(reply, "3") and not self.pending_close:
            got = self.read_command()
            if got is None:
                raise Closed()
            reply = self.respond("AUTH_CONT", AUTH_INVALID)
        if is_positive(reply):
            self.authenticated = True
            self.auth_user = self.guess_user(mech, initial)

    @staticmethod
    def guess_user(mech, initial):
        """Best-effort user name from an initial response (scripted AUTH)."""
        try:
            raw = base64.b64decode(initial or "", validate=True)
            if mech == "PLAIN":
                raw = raw.split(b"\0")[1]
            return raw.decode("utf-8") or None
        except (binascii.Error, IndexError, UnicodeDecodeError):
            return None

    def auth_read(self):
        """Read one SASL response line.  Returns the decoded bytes, or None
        if the exchange ended (the error reply has been sent)."""
        got = self.read_command()
        if got is None:
            raise Closed()
        line, _, too_long = got
        if too_long:
            self.send_text("500 5.5.2 line too long")
            return None
        if line == b"*":
            self.send_text("501 5.7.0 Authentication cancelled")
            return None
        return self.decode_b64(line)

    def decode_b64(self, text):
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            self.send_text("501 5.5.2 Cannot decode response")
            return None

    def auth_plain(self, initial):
        if initial is None:
            self.send_text("334 ")
            payload = self.auth_read()
        elif initial == "=":            # RFC 4954: empty initial response
            payload = b""
        else:
            payload = self.decode_b64(initial)
        if payload is None:
            return
        parts = payload.split(b"\0")
        if len(parts) == 3:
            self.check_credentials(parts[1], parts[2])
        else:
            self.send_text(AUTH_INVALID)

    def auth_login(self, initial):
        if initial is None:
            self.send_text("334 VXNlcm5hbWU6")        # "Username:"
            user = self.auth_read()
        else:
            user = self.decode_b64(initial)
        if user is None:
            return
        self.send_text("334 UGFzc3dvcmQ6")            # "Password:"
        password = self.auth_read()
        if password is not None:
            self.check_credentials(user, password)

    def auth_cram_md5(self):
        """RFC 2195: a challenge, then "user hex(HMAC-MD5(password, challenge))".
        Not advertised by default (script an "ehlo" listing it)."""
        challenge = ("<%d.%s@%s>" % (os.getpid(), self.server.next_queue_id(),
                                     HOSTNAME)).encode()
        self.send_text("334 " + base64.b64encode(challenge).decode())
        answer = self.auth_read()
        if answer is None:
            return
        user, _, digest = answer.partition(b" ")
        name = user.decode("utf-8", "surrogateescape")
        secret = self.script.users.get(name)
        want = None
        if secret is not None:
            want = hmac.new(secret.encode(), challenge, "md5").hexdigest().encode()
        if want is not None and hmac.compare_digest(want, digest):
            self.authenticated = True
            self.auth_user = name
            self.send_text("235 2.7.0 Authentication successful")
        else:
            self.send_text(AUTH_INVALID)

    def check_credentials(self, user, password):
        user = user.decode("utf-8", "surrogateescape")
        password = password.decode("utf-8", "surrogateescape")
        if user in self.script.users and self.script.users[user] == password:
            self.authenticated = True
            self.auth_user = user
            self.send_text("235 2.7.0 Authentication successful")
        else:
            self.send_text(AUTH_INVALID)


# ---------------------------------------------------------------------------
# The listening server
# ---------------------------------------------------------------------------

class Server:
    def __init__(self, args, scripts, tls_ctx=None):
        self.host = args.listen
        self.port = args.port
        self.port_file = args.port_file
        self.scripts = scripts
        self.record_dir = args.record
        self.maildir = args.maildir
        self.sessions = args.sessions
        self.print_messages = args.print
        self.timeout = args.timeout
        self.tls_ctx = tls_ctx
        self.implicit_tls = args.implicit_tls
        self.stopping = threading.Event()
        self.lock = threading.Lock()    # counters, delivery, stdout
        self.queue_counter = 0
        self.active = {}                # thread -> Connection

    def next_queue_id(self):
        with self.lock:
            self.queue_counter += 1
            return "Q%06d" % self.queue_counter

    def prepare_dirs(self):
        if self.record_dir:
            os.makedirs(self.record_dir, exist_ok=True)
        if self.maildir:
            for sub in ("tmp", "new", "cur", "envelope"):
                os.makedirs(os.path.join(self.maildir, sub), exist_ok=True)

    def deliver(self, conn, data, queue_id, transfer):
        """Store an accepted message: the envelope JSON first, then the
        message via tmp/ -> new/, so a reader that sees the message file also
        finds its envelope.  File names sort in arrival order.  `transfer`
        (DATA or BDAT and the chunk sizes) goes into the envelope when the
        connection offers CHUNKING, and the RCPT parameters and what the DSN
        parameters ask when it offers DSN."""
        envelope = {
            "mail_from": conn.mail_from,
            "mail_params": conn.mail_params,
            "rcpt_to": list(conn.rcpts),
            "helo": conn.helo_name,
            "auth_user": conn.auth_user,
            "connection": conn.number,
        }
        if self.tls_ctx is not None:
            envelope["tls"] = conn.tls_summary()
        if conn.script.chunking:
            envelope["transfer"] = transfer
        if conn.script.dsn:
            envelope["rcpt_params"] = list(conn.rcpt_params)
            envelope["dsn"] = dict(conn.dsn_mail or {"ret": None, "envid": None},
                                   rcpt=list(conn.dsn_rcpts))
        with self.lock:
            name = "%d.P%dQ%s.smtpc-test" % (time.time(), os.getpid(),
                                            queue_id[1:])
            if self.maildir:
                env_path = os.path.join(self.maildir, "envelope", name + ".json")
                with open(env_path + ".tmp", "w", encoding="ascii") as f:
                    json.dump(envelope, f, indent=2)
                    f.write("\n")
                os.replace(env_path + ".tmp", env_path)
                tmp_path = os.path.join(self.maildir, "tmp", name)
                with open(tmp_path, "wb") as f:
                    f.write(data)
                os.rename(tmp_path, os.path.join(self.maildir, "new", name))
            if self.print_messages:
                self.print_message(envelope, data, queue_id)

    @staticmethod
    def print_message(envelope, data, queue_id):
        out = ["--- message %s (connection %d) ---"
               % (queue_id, envelope["connection"]),
               ("MAIL FROM: <%s> %s" % (envelope["mail_from"],
                                        envelope["mail_params"])).rstrip()]
        out += ["RCPT TO: <%s>" % rcpt for rcpt in envelope["rcpt_to"]]
        body = data.decode("utf-8", "replace").replace("\r\n", "\n")
        out += ["", body.rstrip("\n"), "--- end of message %s ---" % queue_id]
        # surrogateescape gives undecodable address bytes back unchanged
        sys.stdout.flush()
        sys.stdout.buffer.write(("\n".join(out) + "\n").encode(
            "utf-8", "surrogateescape"))
        sys.stdout.buffer.flush()

    def write_port_file(self, port):
        tmp = "%s.tmp%d" % (self.port_file, os.getpid())
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, self.port_file)

    def _on_signal(self, signum, frame):
        self.stopping.set()

    def _shutdown_connections(self):
        for conn in list(self.active.values()):
            try:
                # The plain socket call also works under TLS, from here.
                socket.socket.shutdown(conn.sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def serve(self):
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        lsock = socket.socket(family, socket.SOCK_STREAM)
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind((self.host, self.port))
        lsock.listen(16)
        port = lsock.getsockname()[1]
        self.prepare_dirs()
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        if self.port_file:
            self.write_port_file(port)
        with self.lock:
            sys.stdout.write("listening %s %d\n" % (self.host, port))
            sys.stdout.flush()

        accepted = 0
        try:
            while not self.stopping.is_set():
                if self.sessions and accepted >= self.sessions:
                    break
                ready, _, _ = select.select([lsock], [], [], 0.2)
                if not ready:
                    continue
                try:
                    sock, _ = lsock.accept()
                except OSError:
                    continue
                accepted += 1
                script = self.scripts[min(accepted, len(self.scripts)) - 1]
                conn = Connection(self, sock, accepted, script)
                thread = threading.Thread(target=conn.run, daemon=True)
                self.active[thread] = conn
                thread.start()
        finally:
            lsock.close()

        # Wait for the connections still running.  On a signal, cut them off
        # and give their threads up to 2 s to finish (they are daemons, so a
        # stuck one cannot keep the process alive).
        deadline = None
        while self.active:
            if self.stopping.is_set() and deadline is None:
                self._shutdown_connections()
                deadline = time.monotonic() + 2
            if deadline is not None and time.monotonic() > deadline:
                break
            for thread in list(self.active):
                thread.join(0.1)
                if not thread.is_alive():
                    del self.active[thread]
        return 0


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Scriptable SMTP test server for smtpc (loopback only).")
    p.add_argument("--listen", required=True,
                   help="127.0.0.1 or ::1 (nothing else is accepted)")
    p.add_argument("--port", type=int, default=0,
                   help="TCP port (default 0: pick an ephemeral port)")
    p.add_argument("--port-file",
                   help="write the chosen port number here (atomically)")
    p.add_argument("--script", help="JSON script overriding the defaults")
    p.add_argument("--record", metavar="DIR",
                   help="write DIR/conn-K.client, .server and .reads")
    p.add_argument("--maildir", metavar="DIR",
                   help="deliver accepted messages into this Maildir")
    p.add_argument("--sessions", type=int, default=0, metavar="N",
                   help="exit after N connections have finished "
                        "(default: serve until SIGTERM/SIGINT)")
    p.add_argument("--print", action="store_true",
                   help="print the envelope and text of every stored message")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                   help="idle timeout per read (default 30)")
    p.add_argument("--tls-cert", metavar="FILE",
                   help="PEM certificate (chain) for TLS; enables STARTTLS")
    p.add_argument("--tls-key", metavar="FILE",
                   help="PEM private key (default: inside --tls-cert)")
    p.add_argument("--implicit-tls", action="store_true",
                   help="TLS from the first byte (port 465 style)")
    p.add_argument("--tls-client-ca", metavar="FILE",
                   help="request a client certificate verified against FILE")
    p.add_argument("--tls-min", choices=sorted(TLS_VERSIONS), default="1.2",
                   help="lowest TLS version accepted (default 1.2; 1.1 only with --tls-max 1.1)")
    p.add_argument("--tls-max", choices=sorted(TLS_VERSIONS),
                   help="highest TLS version accepted (default: the newest)")
    args = p.parse_args(argv)
    try:
        addr = str(ipaddress.ip_address(args.listen.strip("[]")))
    except ValueError:
        addr = None
    if addr not in ("127.0.0.1", "::1"):
        p.error("--listen must be 127.0.0.1 or ::1 (loopback only), got %r"
                % args.listen)
    args.listen = addr
    if not 0 <= args.port <= 65535 or args.sessions < 0 or args.timeout <= 0:
        p.error("need 0 <= --port <= 65535, --sessions >= 0, --timeout > 0")
    if not args.tls_cert:
        for given, name in ((args.tls_key, "--tls-key"),
                            (args.implicit_tls, "--implicit-tls"),
                            (args.tls_client_ca, "--tls-client-ca"),
                            (args.tls_max, "--tls-max"),
                            (args.tls_min != "1.2", "--tls-min")):
            if given:
                p.error("%s needs --tls-cert" % name)
    if args.tls_max and args.tls_max < args.tls_min:
        p.error("--tls-max is lower than --tls-min")
    if args.tls_min == "1.1" and args.tls_max != "1.1":
        p.error("--tls-min 1.1 goes only with --tls-max 1.1")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        scripts = load_scripts(args.script)
    except ScriptError as e:
        sys.stderr.write("smtpc_test_server: %s\n" % e)
        return 2
    try:
        tls_ctx = make_tls_context(args)
    except (OSError, ssl.SSLError, ValueError) as e:
        files = [f for f in (args.tls_cert, args.tls_key, args.tls_client_ca)
                 if f]
        sys.stderr.write("smtpc_test_server: cannot set up TLS from %s: %s\n"
                         % (", ".join(files), e))
        return 2
    try:
        return Server(args, scripts, tls_ctx).serve()
    except OSError as e:
        sys.stderr.write("smtpc_test_server: %s\n" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
