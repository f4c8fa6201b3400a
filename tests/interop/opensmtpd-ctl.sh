#!/usr/bin/env bash
# opensmtpd-ctl.sh - run a throw-away OpenSMTPD (>= 7; Debian 12 needs the
# bookworm-backports 7.4.0p1, see install-mtas.sh) on loopback with STARTTLS
# (required), implicit TLS and AUTH PLAIN/LOGIN, for the smtpc interop matrix.
#
#   opensmtpd-ctl.sh start DIR CERTDIR                create + start an instance in DIR
#   opensmtpd-ctl.sh stop DIR                         stop it (idempotent)
#   opensmtpd-ctl.sh status DIR                       exit 0 if it runs, 3 if not
#   opensmtpd-ctl.sh wait-delivery DIR N [TIMEOUT]    wait for >= N files in DIR/Maildir/new
#
# OpenSMTPD has compiled-in paths that no option changes: the queue
# /var/spool/smtpd and the control socket /run/smtpd.sock.  So only ONE
# instance can run on a machine at a time; start refuses when another
# OpenSMTPD answers on the control socket.  If start had to create
# /var/spool/smtpd, stop removes it again.
#
# Exit codes: 0 ok, 1 failure, 2 usage, 77 cannot run here (no OpenSMTPD >= 7,
# users opensmtpd/opensmtpq missing, not root).  See README.md.

set -euo pipefail
PROG=${0##*/}
# shellcheck source=ctl-common.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/ctl-common.sh"

usage() {
    cat >&2 <<EOF
usage: $PROG start DIR CERTDIR
       $PROG stop DIR
       $PROG status DIR
       $PROG wait-delivery DIR N [TIMEOUT_SECONDS]
EOF
    exit 2
}

SMTPD_USER=opensmtpd
SMTPD_QUEUE_USER=opensmtpq
# the virtual user every message is delivered as (owner of DIR/Maildir)
DELIVERY_USER=opensmtpd
SPOOL=/var/spool/smtpd
CONTROL_SOCKET=/run/smtpd.sock
CHROOT=/var/lib/opensmtpd/empty
# -T smtp logs every SMTP command (the AUTH mechanism is only visible there)
TRACE=${SMTPC_INTEROP_OPENSMTPD_TRACE-smtp}
# smtpd's built-in resolver (asr) asks DNS *before* /etc/hosts and does a
# reverse lookup of every client: without a reachable DNS server each
# connection can stall for seconds.  auto/1: run smtpd in a private mount
# namespace (unshare -m) where /etc/resolv.conf says "lookup file" (hosts
# file only); 1 fails if unshare is not allowed; 0: never.
PRIVATE_RESOLV=${SMTPC_INTEROP_OPENSMTPD_PRIVATE_RESOLV:-auto}
# encrypt (default): the password hash of "smtpctl encrypt", yescrypt, which
# costs ~0.2 s of CPU per AUTH; sha512: "openssl passwd -6" (SHA-512 crypt,
# 5000 rounds), ~100 times cheaper, for runs with many logins
HASH=${SMTPC_INTEROP_OPENSMTPD_HASH:-encrypt}

set_paths() {
    DIR=$1
    CONFIG=$DIR/smtpd.conf
    CREDS=$DIR/creds
    VUSERS=$DIR/vusers
    TLSDIR=$DIR/tls
    MAILDIR=$DIR/Maildir
    LOGFILE=$DIR/smtpd.log
    PIDFILE=$DIR/smtpd.pid
    SPOOL_MARK=$DIR/spool-created
    RESOLV=$DIR/resolv.conf
    ENVFILE=$DIR/env
}

# smtpd_major BIN: major version from "smtpd -h" ("version: OpenSMTPD 7.4.0-portable")
smtpd_major() {
    "$1" -h 2>&1 | sed -n 's/^[Vv]ersion: OpenSMTPD \([0-9]*\)\..*/\1/p' | head -n 1
}

# find_smtpd: sets SMTPD_BIN and LIBEXEC (mail.maildir, encrypt).
# SMTPC_INTEROP_SMTPD, then an installed OpenSMTPD >= 7, then the copy
# unpacked by install-mtas.sh.  6.x is refused: 6.8.0p2 (Debian 12) fails
# every TLS handshake with OpenSSL 3.
find_smtpd() {
    local c major
    for c in "${SMTPC_INTEROP_SMTPD:-}" /usr/sbin/smtpd "$MTA_ROOT/opensmtpd/usr/sbin/smtpd"; do
        [[ -n $c && -x $c ]] || continue
        major=$(smtpd_major "$c")
        [[ -n $major ]] || continue
        if ((major < 7)); then
            log "ignoring $c: OpenSMTPD $major.x cannot do TLS with OpenSSL 3"
            continue
        fi
        SMTPD_BIN=$(readlink -f -- "$c")
        LIBEXEC=$(readlink -f -- "$(dirname -- "$SMTPD_BIN")/../libexec/opensmtpd")
        [[ -x $LIBEXEC/mail.maildir && -x $LIBEXEC/encrypt ]] || continue
        return 0
    done
    return 1
}

need_tools() {
    [[ $(id -u) -eq 0 ]] || skip "must run as root (smtpd starts as root)"
    need_python
    local u
    for u in "$SMTPD_USER" "$SMTPD_QUEUE_USER" "$DELIVERY_USER"; do
        getent passwd "$u" >/dev/null || skip "user $u missing (run tests/interop/install-mtas.sh)"
    done
    [[ -d $CHROOT ]] || skip "$CHROOT missing (run tests/interop/install-mtas.sh)"
    find_smtpd || skip "no OpenSMTPD >= 7: run tests/interop/install-mtas.sh (unpacks bookworm-backports' opensmtpd into $MTA_ROOT)"
}

# control_socket_live: another smtpd answers on the compiled-in control socket
control_socket_live() {
    [[ -S $CONTROL_SOCKET ]] || return 1
    "$PY" - "$CONTROL_SOCKET" <<'PYEOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(1)
s.connect(sys.argv[1])
PYEOF
}

# instance_pids: the smtpd we started (its PID is in DIR/smtpd.pid and its
# argv still names our config) and its live descendants: the privsep
# processes rename themselves ("smtpd: lookup" ...), so argv cannot tell
# them apart; their parentage can.
instance_pids() {
    local pid
    pid=$(cat "$PIDFILE" 2>/dev/null || true)
    [[ -n $pid ]] && pid_alive "$pid" || return 0
    [[ $(pid_exe "$pid") == "${SMTPD_BIN:-/nonexistent}" ]] || return 0
    printf '%s\n' "$pid"
    descendants "$pid"
}

write_config() {
    local p1=$1 p2=$2 host
    local -a hosts=(127.0.0.1)
    [[ $V6 == 1 ]] && hosts+=(::1)
    {
        cat <<EOF
# Generated by tests/interop/opensmtpd-ctl.sh - throw-away smtpc interop instance.
# Run as: $SMTPD_BIN -d ${TRACE:+-T $TRACE }-f $CONFIG
pki interop cert "$TLSDIR/server-chain.pem"
pki interop key "$TLSDIR/server.key"

table creds file:$CREDS
table vusers file:$VUSERS
table domains { "$DOMAIN", "localhost", "$MYHOSTNAME" }

# STARTTLS required before anything else, AUTH required to send (AUTH is
# only ever offered on a TLS session); port $p2: implicit TLS (smtps).
EOF
        for host in "${hosts[@]}"; do
            cat <<EOF
listen on $host port $p1 tls-require pki interop auth <creds> hostname $MYHOSTNAME tag STARTTLS
listen on $host port $p2 smtps pki interop auth <creds> hostname $MYHOSTNAME tag IMPLICIT
EOF
        done
        cat <<EOF

# The Debian build runs local deliveries through /usr/libexec/opensmtpd/
# (compiled in), which does not exist when the package is only unpacked:
# the wrapper replaces that command with the unpacked mail.maildir.
mda wrapper direct "$LIBEXEC/mail.maildir $MAILDIR"
action "local" maildir "$MAILDIR" wrapper direct virtual <vusers>

match from any auth for domain <domains> action "local"
EOF
    } >"$CONFIG"
    chmod 600 "$CONFIG"
}

write_tables() {
    local hash
    if [[ $HASH == sha512 ]]; then
        hash=$(printf '%s\n' "$SASL_PASS" | openssl passwd -6 -stdin) || die "openssl passwd -6 failed"
    else
        # the hash "smtpctl encrypt" would print (yescrypt); smtpctl only runs
        # the compiled-in /usr/libexec/opensmtpd/encrypt, so call the helper
        hash=$(printf '%s\n' "$SASL_PASS" | "$LIBEXEC/encrypt") || die "$LIBEXEC/encrypt failed"
    fi
    [[ $hash == \$* ]] || die "unexpected password hash: $hash"
    printf '%s %s\n' "$SASL_USER" "$hash" >"$CREDS"
    # every local part of every local domain -> one system user, whose
    # mail.maildir writes $MAILDIR
    {
        printf '@%s %s\n' "$DOMAIN" "$DELIVERY_USER"
        printf '@%s %s\n' localhost "$DELIVERY_USER"
        printf '@%s %s\n' "$MYHOSTNAME" "$DELIVERY_USER"
    } >"$VUSERS"
    chmod 600 "$CREDS" "$VUSERS"
}

cmd_start() {
    [[ $# -eq 2 ]] || usage
    need_tools
    check_credentials
    local dir certdir
    dir=$(resolve_dir "$1" create) || die "cannot create $1"
    certdir=$(resolve_dir "$2") || die "no such certificate directory: $2"
    check_dir_name "$dir"
    set_paths "$dir"
    [[ -z $(instance_pids) ]] || die "an instance is already running in $DIR (run: $PROG stop $DIR)"
    if control_socket_live; then
        die "another OpenSMTPD is running on this machine ($CONTROL_SOCKET answers); only one can run at a time"
    fi
    choose_ipv6
    local -a wrap=()
    case $PRIVATE_RESOLV in
    0 | no) ;;
    *)
        if command -v unshare >/dev/null 2>&1 && unshare --mount --propagation private true 2>/dev/null; then
            # shellcheck disable=SC2016 # $0 and $@ are for the inner sh
            wrap=(unshare --mount --propagation private sh -c
                'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$RESOLV")
        elif [[ $PRIVATE_RESOLV == 1 || $PRIVATE_RESOLV == yes ]]; then
            die "SMTPC_INTEROP_OPENSMTPD_PRIVATE_RESOLV=1 but unshare --mount is not allowed here"
        else
            log "note: unshare --mount not allowed: smtpd will query DNS for every client address"
        fi
        ;;
    esac

    local t0
    t0=$(now_us)
    rm -rf -- "$MAILDIR" "$TLSDIR"
    rm -f -- "$CONFIG" "$CREDS" "$VUSERS" "$LOGFILE" "$PIDFILE" "$ENVFILE" "$ENVFILE.tmp" "$RESOLV"
    printf '# smtpd only (bind-mounted on /etc/resolv.conf in its mount namespace)\nlookup file\n' >"$RESOLV"
    chmod 755 "$DIR"
    mkdir -p -- "$MAILDIR"/new "$MAILDIR"/cur "$MAILDIR"/tmp
    chown -R "$DELIVERY_USER:" "$MAILDIR"
    if command -v setpriv >/dev/null 2>&1 &&
        ! setpriv --reuid="$DELIVERY_USER" --regid="$(id -g "$DELIVERY_USER")" --clear-groups test -w "$MAILDIR/new"; then
        die "user $DELIVERY_USER cannot reach $MAILDIR (a parent directory of $DIR is not searchable by others)"
    fi
    # smtpd refuses a key readable by others ("insecure permissions: must be
    # at most rwxr-----"); make-certs.sh makes it 644
    install_certs "$certdir" "$TLSDIR" root root 600
    write_tables
    if [[ ! -e $SPOOL ]]; then
        : >"$SPOOL_MARK"
    fi

    local attempt ports p1 p2 pid ok=0 err
    local -a trace=()
    [[ -n $TRACE ]] && trace=(-T "$TRACE")
    for attempt in 1 2 3; do
        ports=$(pick_ports 2) || die "cannot pick free ports"
        read -r p1 p2 <<<"$ports"
        write_config "$p1" "$p2"
        # -d: stay in the foreground and log to stderr (no syslog here)
        # unshare and sh exec in place: $! ends up as smtpd's PID
        (cd / && exec setsid "${wrap[@]}" "$SMTPD_BIN" -d "${trace[@]}" -f "$CONFIG" \
            </dev/null >>"$LOGFILE" 2>&1) &
        pid=$!
        printf '%s\n' "$pid" >"$PIDFILE"
        if err=$(probe_endpoints "$p1" s "$p2" i 2>&1); then
            ok=1
            break
        fi
        if ! pid_alive "$pid" && grep -qs 'Address already in use' "$LOGFILE"; then
            log "port race on attempt $attempt, retrying with new ports"
            continue
        fi
        log "$err"
        show_log_tail "$LOGFILE"
        (cmd_stop "$DIR") >/dev/null 2>&1 || true
        die "OpenSMTPD in $DIR did not become ready"
    done
    [[ $ok == 1 ]] || die "could not start OpenSMTPD after 3 attempts (ports kept being taken)"

    write_env "$ENVFILE" \
        OPENSMTPD_PID "$pid" \
        OPENSMTPD_STARTTLS_PORT "$p1" \
        OPENSMTPD_IMPLICIT_PORT "$p2" \
        OPENSMTPD_HOST4 127.0.0.1 \
        OPENSMTPD_HOST6 "$(if [[ $V6 == 1 ]]; then echo ::1; fi)" \
        OPENSMTPD_IPV6 "$V6" \
        OPENSMTPD_MAILDIR "$MAILDIR" \
        OPENSMTPD_USER "$SASL_USER" \
        OPENSMTPD_PASS "$SASL_PASS" \
        OPENSMTPD_DOMAIN "$DOMAIN" \
        OPENSMTPD_CA "$TLSDIR/ca.pem" \
        OPENSMTPD_TLS_NAME localhost \
        OPENSMTPD_CONFIG "$CONFIG" \
        OPENSMTPD_LOG "$LOGFILE"
    log "OpenSMTPD ready in $DIR (STARTTLS port $p1, implicit TLS port $p2, IPv6 $V6) after $((($(now_us) - t0) / 1000)) ms"
    cat "$ENVFILE"
}

cmd_stop() {
    [[ $# -eq 1 ]] || usage
    local dir
    dir=$(resolve_dir "$1") || return 0
    set_paths "$dir"
    [[ -f $CONFIG ]] || return 0
    [[ $(id -u) -eq 0 ]] || die "must run as root to stop the instance in $DIR"
    find_smtpd 2>/dev/null || SMTPD_BIN=/nonexistent
    local pids ports
    pids=$(instance_pids | tr '\n' ' ')
    ports=$(sed -n 's/^listen on 127\.0\.0\.1 port \([0-9]*\) .*/\1/p' "$CONFIG" | tr '\n' ' ')
    stop_processes "$pids" "$ports"
    rm -f -- "$PIDFILE"
    # leave the machine as we found it: the spool (if we made it) and a
    # stale control socket (smtpd removes it itself on a clean exit)
    if [[ -f $SPOOL_MARK ]]; then
        if ! control_socket_live; then
            rm -rf -- "$SPOOL"
            [[ -S $CONTROL_SOCKET ]] && rm -f -- "$CONTROL_SOCKET"
        fi
        rm -f -- "$SPOOL_MARK"
    fi
}

# instance_running: whether the instance set_paths points at runs (for
# ctl-common.sh's cmd_status).
instance_running() {
    find_smtpd 2>/dev/null || SMTPD_BIN=/nonexistent
    [[ -f $CONFIG && -n $(instance_pids) ]]
}

ctl_main "$@"
