#!/usr/bin/env bash
# aiosmtpd-ctl.sh - run aiosmtpd_server.py (Python aiosmtpd) on loopback with
# STARTTLS (required), implicit TLS and AUTH PLAIN/LOGIN, for the smtpc
# interop matrix.  Does not need root.
#
#   aiosmtpd-ctl.sh start DIR CERTDIR                create + start an instance in DIR
#   aiosmtpd-ctl.sh stop DIR                         stop it (idempotent)
#   aiosmtpd-ctl.sh status DIR                       exit 0 if it runs, 3 if not
#   aiosmtpd-ctl.sh wait-delivery DIR N [TIMEOUT]    wait for >= N files in DIR/Maildir/new
#
# Exit codes: 0 ok, 1 failure, 2 usage, 77 cannot run here (no
# /usr/bin/python3 or no python3-aiosmtpd).  See README.md.

set -euo pipefail
PROG=${0##*/}
# shellcheck source=ctl-common.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/ctl-common.sh"

SERVER=$INTEROP_DIR/aiosmtpd_server.py

usage() {
    cat >&2 <<EOF
usage: $PROG start DIR CERTDIR
       $PROG stop DIR
       $PROG status DIR
       $PROG wait-delivery DIR N [TIMEOUT_SECONDS]
EOF
    exit 2
}

set_paths() {
    DIR=$1
    TLSDIR=$DIR/tls
    MAILDIR=$DIR/Maildir
    LOGFILE=$DIR/aiosmtpd.log
    PORTFILE=$DIR/ports
    PIDFILE=$DIR/aiosmtpd.pid
    ENVFILE=$DIR/env
}

need_tools() {
    need_python
    "$PY" -c 'import aiosmtpd.smtp' 2>/dev/null ||
        skip "python3-aiosmtpd not importable by $PY (apt-get install python3-aiosmtpd)"
}

# instance_pids: our server process (PID file + its argv names DIR).
instance_pids() {
    local pid
    pid=$(cat "$PIDFILE" 2>/dev/null || true)
    [[ -n $pid ]] && pid_alive "$pid" || return 0
    pid_cmdline_has "$pid" "$SERVER" && pid_cmdline_has "$pid" "$PORTFILE" || return 0
    printf '%s\n' "$pid"
}

# port_value KEY: from the port file the server writes once it listens
port_value() { sed -n "s/^$1=\\([0-9]*\\)\$/\\1/p" "$PORTFILE" 2>/dev/null; }

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
    choose_ipv6

    local t0 deadline pid p1 p2 err
    t0=$(now_us)
    rm -rf -- "$MAILDIR" "$TLSDIR"
    rm -f -- "$LOGFILE" "$PORTFILE" "$PORTFILE.tmp" "$PIDFILE" "$ENVFILE" "$ENVFILE.tmp"
    mkdir -p -- "$MAILDIR"/new "$MAILDIR"/cur "$MAILDIR"/tmp
    install_certs "$certdir" "$TLSDIR" "$(id -u)" "$(id -g)" 600

    # the server logs to LOGFILE itself; stdout/stderr (tracebacks) are
    # appended to the same file
    # shellcheck disable=SC2094
    (cd / && SMTPC_INTEROP_USER=$SASL_USER SMTPC_INTEROP_PASS=$SASL_PASS exec setsid "$PY" "$SERVER" \
        --cert "$TLSDIR/server-chain.pem" --key "$TLSDIR/server.key" --maildir "$MAILDIR" \
        --port-file "$PORTFILE" --log "$LOGFILE" --ipv6 "$V6" \
        </dev/null >>"$LOGFILE" 2>&1) &
    pid=$!
    printf '%s\n' "$pid" >"$PIDFILE"

    deadline=$(($(now_us) + $(seconds_to_us "$START_TIMEOUT")))
    until [[ -s $PORTFILE ]]; do
        if ! pid_alive "$pid"; then
            show_log_tail "$LOGFILE"
            die "aiosmtpd_server.py exited during start"
        fi
        if (($(now_us) > deadline)); then
            show_log_tail "$LOGFILE"
            (cmd_stop "$DIR") >/dev/null 2>&1 || true
            die "aiosmtpd_server.py wrote no port file within ${START_TIMEOUT}s"
        fi
        sleep 0.02
    done
    p1=$(port_value STARTTLS_PORT)
    p2=$(port_value IMPLICIT_PORT)
    if ! err=$(probe_endpoints "$p1" s "$p2" i 2>&1); then
        log "$err"
        show_log_tail "$LOGFILE"
        (cmd_stop "$DIR") >/dev/null 2>&1 || true
        die "aiosmtpd in $DIR did not become ready"
    fi

    write_env "$ENVFILE" \
        AIOSMTPD_PID "$pid" \
        AIOSMTPD_STARTTLS_PORT "$p1" \
        AIOSMTPD_IMPLICIT_PORT "$p2" \
        AIOSMTPD_HOST4 127.0.0.1 \
        AIOSMTPD_HOST6 "$(if [[ $V6 == 1 ]]; then echo ::1; fi)" \
        AIOSMTPD_IPV6 "$V6" \
        AIOSMTPD_MAILDIR "$MAILDIR" \
        AIOSMTPD_USER "$SASL_USER" \
        AIOSMTPD_PASS "$SASL_PASS" \
        AIOSMTPD_DOMAIN "$DOMAIN" \
        AIOSMTPD_CA "$TLSDIR/ca.pem" \
        AIOSMTPD_TLS_NAME localhost \
        AIOSMTPD_LOG "$LOGFILE"
    log "aiosmtpd ready in $DIR (STARTTLS port $p1, implicit TLS port $p2, IPv6 $V6) after $((($(now_us) - t0) / 1000)) ms"
    cat "$ENVFILE"
}

cmd_stop() {
    [[ $# -eq 1 ]] || usage
    local dir
    dir=$(resolve_dir "$1") || return 0
    set_paths "$dir"
    [[ -f $PIDFILE ]] || return 0
    local pids ports
    pids=$(instance_pids | tr '\n' ' ')
    ports="$(port_value STARTTLS_PORT) $(port_value IMPLICIT_PORT)"
    stop_processes "$pids" "$ports"
    rm -f -- "$PIDFILE"
}

# instance_running: whether the instance set_paths points at runs (for
# ctl-common.sh's cmd_status).
instance_running() {
    [[ -n $(instance_pids) ]]
}

ctl_main "$@"
