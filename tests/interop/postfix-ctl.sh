#!/usr/bin/env bash
# postfix-ctl.sh - run a throw-away, isolated Postfix on loopback for smtpc
# interop tests (no systemd, no /etc/postfix/main.cf needed, nothing of the
# system's own Postfix instance is read, changed, started or stopped).
#
#   postfix-ctl.sh start DIR [CERTDIR]           create + start an instance in DIR
#                                                (with CERTDIR: STARTTLS + implicit TLS)
#   postfix-ctl.sh stop DIR                      stop that instance (idempotent)
#   postfix-ctl.sh status DIR                    exit 0 if it runs, 3 if not
#   postfix-ctl.sh wait-delivery DIR N [TIMEOUT] wait for >= N files in DIR/Maildir/new
#
# See README.md in this directory for the layout and the settings used.
#
# Exit codes: 0 ok, 1 failure, 2 usage, 77 "cannot run here" (Postfix, Cyrus
# SASL tools or /usr/bin/python3 missing, or not root) - a caller may treat
# 77 as "skipped" when that is explicitly allowed.

set -euo pipefail

PROG=${0##*/}
# The helpers and settings the four servers' scripts share (log, die,
# timing, paths, env quoting, the domain and credentials, the timeouts).
# The Postfix-specific pick_ports, write_env and the like below replace
# the shared ones of the same name; status and wait-delivery are shared.
# shellcheck source=ctl-common.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/ctl-common.sh"
# a caller's MAIL_CONFIG must not point postconf at another instance
unset MAIL_CONFIG

UNKNOWN_LOCALPART=nosuchuser
PROCESS_LIMIT=${SMTPC_INTEROP_PROCESS_LIMIT:-20}
# stop: how long a port may keep listening once the instance's processes are gone
PORT_GRACE_US=2000000

usage() {
    cat >&2 <<EOF
usage: $PROG start DIR [CERTDIR]
       $PROG stop DIR
       $PROG status DIR
       $PROG wait-delivery DIR N [TIMEOUT_SECONDS]
EOF
    exit 2
}

# --------------------------------------------------------------------------
# helpers






# Compiled-in defaults of the installation paths, read once (one postconf run).
declare -A PF_DEFAULT=()
load_pf_defaults() {
    local name _eq value
    ((${#PF_DEFAULT[@]} == 0)) || return 0
    PF_DEFAULT[loaded]=1
    command -v postconf >/dev/null 2>&1 || return 0
    while read -r name _eq value; do
        PF_DEFAULT[$name]=$value
    done < <(postconf -d daemon_directory command_directory meta_directory \
        shlib_directory sample_directory html_directory manpage_directory \
        readme_directory sendmail_path newaliases_path mailq_path 2>/dev/null || true)
}

# (call load_pf_defaults in the main shell first: $(pf_default ...) is a subshell)
pf_default() { # pf_default PARAM FALLBACK
    local v=${PF_DEFAULT[$1]:-}
    printf '%s\n' "${v:-$2}"
}

# set_paths DIR: the fixed layout of one instance.
set_paths() {
    DIR=$1
    CONF=$DIR/conf
    # Debian's smtpd opens <config_directory>/sasl/<smtpd_sasl_path>.conf and
    # ignores cyrus_sasl_config_path (measured with strace on 3.7.11), so the
    # Cyrus files live there; cyrus_sasl_config_path points there as well.
    SASLDIR=$CONF/sasl
    SASLDB=$SASLDIR/sasldb2
    QUEUE=$DIR/queue
    DATA=$DIR/data
    MAILDIR=$DIR/Maildir
    LOGFILE=$DIR/postfix.log
    ENVFILE=$DIR/env
    # only with CERTDIR: copies of the test PKI (key root 600: Postfix reads
    # it as root, before dropping privileges)
    TLSDIR=$CONF/tls
}

# instance_pids: live (non-zombie) Postfix processes of THIS instance.
# Every Postfix daemon (master included) chdir()s to its queue_directory;
# zombies have no cwd link, so they are not listed.  Only programs from the
# Postfix daemon directory count, so a shell sitting in $QUEUE is never hit.
instance_pids() {
    local link pid exe
    [[ -n ${DAEMON_DIR:-} ]] || DAEMON_DIR=$(pf_default daemon_directory /usr/lib/postfix/sbin)
    # one find instead of a readlink per process ($QUEUE has no glob characters)
    while read -r link; do
        pid=${link#/proc/}
        pid=${pid%/cwd}
        exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
        exe=${exe% (deleted)}
        case $exe in
        "$DAEMON_DIR"/*) printf '%s\n' "$pid" ;;
        esac
    done < <(find /proc/[0-9]*/cwd -maxdepth 0 -lname "$QUEUE" 2>/dev/null || true)
}

# instance_ports: the TCP ports of the inet listeners configured in master.cf.
instance_ports() {
    [[ -f $CONF/master.cf ]] || return 0
    sed -n -E 's/^(127\.0\.0\.1|\[::1\]):([0-9]+)[[:space:]].*/\2/p' "$CONF/master.cf" | sort -u
}



need_tools() {
    if ! command -v postfix >/dev/null 2>&1 || ! command -v postconf >/dev/null 2>&1; then
        skip "Postfix is not installed (Debian: echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections; DEBIAN_FRONTEND=noninteractive apt-get install -y postfix sasl2-bin libsasl2-modules)"
    fi
    load_pf_defaults
    [[ -x $(pf_default daemon_directory /usr/lib/postfix/sbin)/master ]] ||
        skip "Postfix looks incompletely installed: no $(pf_default daemon_directory /usr/lib/postfix/sbin)/master"
    command -v saslpasswd2 >/dev/null 2>&1 ||
        skip "saslpasswd2 not found (apt-get install sasl2-bin libsasl2-modules)"
    [[ -x $PY ]] || skip "$PY not found (needed to pick ports and probe the server)"
    [[ $PROCESS_LIMIT =~ ^[1-9][0-9]*$ ]] || die "SMTPC_INTEROP_PROCESS_LIMIT must be a positive integer"
    [[ $(id -u) -eq 0 ]] || skip "must run as root (the Postfix master process needs root)"
    getent passwd postfix >/dev/null || skip "the 'postfix' user does not exist"
}

# --------------------------------------------------------------------------
# port selection and readiness probe (python: the kernel picks the ports)

# pick_ports N WITH_V6: N distinct ports free on 127.0.0.1 (and on ::1 too).
pick_ports() {
    "$PY" - "$1" "$2" <<'PYEOF'
import socket, sys
n, v6 = int(sys.argv[1]), sys.argv[2] == "1"
held, ports = [], []
for _ in range(500):
    s4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s4.bind(("127.0.0.1", 0))
    port = s4.getsockname()[1]
    held.append(s4)
    if v6:
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        try:
            s6.bind(("::1", port))
        except OSError:
            s6.close()
            continue
        held.append(s6)
    ports.append(port)
    if len(ports) == n:
        break
if len(ports) != n:
    sys.exit("could not find %d free ports" % n)
print(" ".join(map(str, ports)))
PYEOF
}

ipv6_usable() {
    "$PY" - <<'PYEOF' 2>/dev/null
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(("::1", 0))
PYEOF
}

# probe TIMEOUT CAFILE HOST,PORT,MODE... : wait until every endpoint greets
# with 220 and answers EHLO; MODE 0: no AUTH offered, 1: AUTH PLAIN and LOGIN
# offered, s: STARTTLS and AUTH only after it, i: implicit TLS with AUTH
# (smtp_probe.py, shared with the other *-ctl.sh scripts).
probe() {
    "$PY" "$(dirname -- "${BASH_SOURCE[0]}")/smtp_probe.py" "$@"
}

# --------------------------------------------------------------------------
# configuration

write_main_cf() {
    local inet_protocols=$1 inet_interfaces=$2 mynetworks=$3
    local daemon_dir command_dir meta_dir shlib_dir sample_dir html_dir man_dir readme_dir
    local sendmail_path newaliases_path mailq_path uid gid
    daemon_dir=$(pf_default daemon_directory /usr/lib/postfix/sbin)
    command_dir=$(pf_default command_directory /usr/sbin)
    meta_dir=$(pf_default meta_directory /etc/postfix)
    shlib_dir=$(pf_default shlib_directory /usr/lib/postfix)
    sample_dir=$(pf_default sample_directory /etc/postfix)
    html_dir=$(pf_default html_directory no)
    man_dir=$(pf_default manpage_directory /usr/share/man)
    readme_dir=$(pf_default readme_directory no)
    sendmail_path=$(pf_default sendmail_path /usr/sbin/sendmail)
    newaliases_path=$(pf_default newaliases_path /usr/bin/newaliases)
    mailq_path=$(pf_default mailq_path /usr/bin/mailq)
    uid=$(id -u postfix)
    gid=$(id -g postfix)

    cat >"$CONF/main.cf" <<EOF
# Generated by tests/interop/postfix-ctl.sh - throw-away smtpc interop instance.
# Start with: postfix -c $CONF start   (never edit /etc/postfix for this)
compatibility_level = 3.6

# --- installation paths: explicit, so /etc/postfix/main.cf is never needed
daemon_directory = $daemon_dir
command_directory = $command_dir
meta_directory = $meta_dir
shlib_directory = $shlib_dir
sample_directory = $sample_dir
html_directory = $html_dir
manpage_directory = $man_dir
readme_directory = $readme_dir
sendmail_path = $sendmail_path
newaliases_path = $newaliases_path
mailq_path = $mailq_path
mail_owner = postfix
setgid_group = postdrop

# --- private state: everything lives under $DIR
queue_directory = $QUEUE
data_directory = $DATA
syslog_name = postfix-interop
maillog_file = $LOGFILE
maillog_file_prefixes = $DIR

# --- identity, network, no DNS at all
myhostname = $MYHOSTNAME
mydomain = $DOMAIN
myorigin = \$myhostname
inet_protocols = $inet_protocols
inet_interfaces = $inet_interfaces
mynetworks = $mynetworks
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtpd_peername_lookup = no
append_dot_mydomain = no
biff = no

# --- no local(8) delivery, no aliases (no /etc/aliases.db needed)
mydestination =
relay_domains =
alias_maps =
alias_database =
local_recipient_maps =

# --- every accepted recipient ends in ONE Maildir: $MAILDIR/
# (regexp: built into Debian's Postfix, no postmap/hash file needed)
virtual_mailbox_domains = $DOMAIN, $MYHOSTNAME, localhost, localhost.localdomain
virtual_mailbox_base = $DIR
virtual_mailbox_maps = regexp:$CONF/virtual_mailbox.regexp
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
virtual_minimum_uid = 1
# mail that an authenticated client relays elsewhere is also delivered to
# the Maildir: this instance never sends anything over the network
default_transport = virtual
relay_transport = virtual
local_transport = virtual

# --- SMTP server defaults (the plain port); the submission port overrides
# auth and restrictions in master.cf
smtpd_banner = \$myhostname ESMTP smtpc interop (Postfix)
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions =
smtpd_tls_security_level = none
smtp_tls_security_level = none
smtpd_tls_auth_only = no
smtpd_sasl_auth_enable = no
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $SASLDIR
smtpd_sasl_local_domain = $DOMAIN
smtpd_sasl_security_options = noanonymous
broken_sasl_auth_clients = no
# also the listen backlog of the SMTP ports
default_process_limit = $PROCESS_LIMIT
EOF
    if [[ $TLS == 1 ]]; then
        cat >>"$CONF/main.cf" <<EOF

# --- TLS (start DIR CERTDIR): the submission port requires STARTTLS and
# offers AUTH only after it, the implicit port speaks TLS at once; both
# override smtpd_tls_security_level in master.cf, the plain port stays "none"
smtpd_tls_chain_files = $TLSDIR/server.key, $TLSDIR/server-chain.pem
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
EOF
    fi

    cat >"$CONF/virtual_mailbox.regexp" <<EOF
# Any address -> the Maildir "Maildir/" under virtual_mailbox_base ($DIR).
# $UNKNOWN_LOCALPART@<any domain> is deliberately unknown (550 5.1.1 at RCPT).
if !/^$UNKNOWN_LOCALPART@/
/^/ Maildir/
endif
EOF
}

# write_master_cf PLAIN_PORT SUBMIT_PORT WITH_V6 [IMPLICIT_PORT]
write_master_cf() {
    local p1=$1 p2=$2 v6=$3 p3=${4:-} host tls_level=none tls_auth_only=no
    local -a hosts=(127.0.0.1)
    [[ $v6 == 1 ]] && hosts+=("[::1]")
    {
        cat <<'EOF'
# Generated by tests/interop/postfix-ctl.sh. chroot is "n" everywhere.
# service        type  private unpriv  chroot  wakeup  maxproc command + args
EOF
        if [[ $TLS == 1 ]]; then
            tls_level=encrypt
            tls_auth_only=yes
        fi
        for host in "${hosts[@]}"; do
            cat <<EOF
$host:$p1 inet n - n - - smtpd
  -o syslog_name=postfix-interop/plain
  -o smtpd_sasl_auth_enable=no
$host:$p2 inet n - n - - smtpd
  -o syslog_name=postfix-interop/submission
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_security_level=$tls_level
  -o smtpd_tls_auth_only=$tls_auth_only
  -o smtpd_sasl_security_options=noanonymous
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
EOF
            if [[ $TLS == 1 ]]; then
                cat <<EOF
$host:$p3 inet n - n - - smtpd
  -o syslog_name=postfix-interop/implicit
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_security_options=noanonymous
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
EOF
            fi
        done
        if [[ $TLS == 1 ]]; then
            cat <<'EOF'
tlsmgr     unix  -       -       n       1000?   1       tlsmgr
EOF
        fi
        cat <<'EOF'
pickup     unix  n       -       n       60      1       pickup
cleanup    unix  n       -       n       -       0       cleanup
qmgr       unix  n       -       n       300     1       qmgr
rewrite    unix  -       -       n       -       -       trivial-rewrite
bounce     unix  -       -       n       -       0       bounce
defer      unix  -       -       n       -       0       bounce
trace      unix  -       -       n       -       0       bounce
verify     unix  -       -       n       -       1       verify
flush      unix  n       -       n       1000?   0       flush
proxymap   unix  -       -       n       -       -       proxymap
proxywrite unix  -       -       n       -       1       proxymap
smtp       unix  -       -       n       -       -       smtp
relay      unix  -       -       n       -       -       smtp
showq      unix  n       -       n       -       -       showq
error      unix  -       -       n       -       -       error
retry      unix  -       -       n       -       -       error
discard    unix  -       -       n       -       -       discard
local      unix  -       n       n       -       -       local
virtual    unix  -       n       n       -       -       virtual
lmtp       unix  -       -       n       -       -       lmtp
anvil      unix  -       -       n       -       1       anvil
scache     unix  -       -       n       -       1       scache
postlog    unix-dgram n  -       n       -       1       postlogd
EOF
    } >"$CONF/master.cf"
}

write_sasl() {
    # Cyrus reads <cyrus_sasl_config_path>/<smtpd_sasl_path>.conf = smtpd.conf
    cat >"$SASLDIR/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $SASLDB
mech_list: PLAIN LOGIN
EOF
    # The user lives in realm $DOMAIN, the realm smtpd hands to Cyrus
    # (smtpd_sasl_local_domain), so the bare name "$SASL_USER" logs in
    # (and "$SASL_USER@$DOMAIN" too).
    printf '%s' "$SASL_PASS" |
        saslpasswd2 -f "$SASLDB" -c -p -u "$DOMAIN" "$SASL_USER" ||
        die "saslpasswd2 failed to create $SASLDB"
    # smtpd runs as user postfix: it must be able to read the sasldb.
    chown -R root:postfix "$SASLDIR"
    chmod 750 "$SASLDIR"
    chmod 640 "$SASLDB" "$SASLDIR/smtpd.conf"
}

write_env() {
    local p1=$1 p2=$2 v6=$3 p3=${4:-} host6='' master_pid
    [[ $v6 == 1 ]] && host6=::1
    master_pid=$(tr -d ' \n' <"$QUEUE/pid/master.pid" 2>/dev/null || true)
    local -a kv=(
        POSTFIX_PLAIN_PORT "$p1"
        POSTFIX_SUBMIT_PORT "$p2"
        POSTFIX_HOST4 127.0.0.1
        POSTFIX_HOST6 "$host6"
        POSTFIX_IPV6 "$v6"
        POSTFIX_MAILDIR "$MAILDIR"
        POSTFIX_USER "$SASL_USER"
        POSTFIX_PASS "$SASL_PASS"
        POSTFIX_DOMAIN "$DOMAIN"
        POSTFIX_HOSTNAME "$MYHOSTNAME"
        POSTFIX_UNKNOWN_RCPT "$UNKNOWN_LOCALPART@$DOMAIN"
        POSTFIX_CONFIG_DIR "$CONF"
        POSTFIX_LOG "$LOGFILE"
        POSTFIX_PID "$master_pid"
    )
    if [[ $TLS == 1 ]]; then
        kv+=(
            POSTFIX_STARTTLS_PORT "$p2"
            POSTFIX_IMPLICIT_PORT "$p3"
            POSTFIX_CA "$TLSDIR/ca.pem"
            POSTFIX_TLS_NAME localhost
        )
    fi
    local i
    for ((i = 0; i < ${#kv[@]}; i += 2)); do
        printf '%s=%s\n' "${kv[i]}" "$(env_quote "${kv[i + 1]}")"
    done >"$ENVFILE.tmp"
    mv -f "$ENVFILE.tmp" "$ENVFILE"
}


# --------------------------------------------------------------------------
# commands

TLS=0

cmd_start() {
    [[ $# -eq 1 || $# -eq 2 ]] || usage
    need_tools
    load_pf_defaults
    local dir certdir=
    dir=$(resolve_dir "$1" create) || die "cannot create $1"
    check_dir_name "$dir"
    set_paths "$dir"
    if [[ $# -eq 2 ]]; then
        certdir=$(resolve_dir "$2") || die "no such certificate directory: $2"
        TLS=1
    fi

    if [[ -n $(instance_pids) ]]; then
        die "an instance is already running in $DIR (run: $PROG stop $DIR)"
    fi

    local v6
    case $WANT_IPV6 in
    0 | no) v6=0 ;;
    1 | yes) ipv6_usable || die "SMTPC_INTEROP_IPV6=1 but ::1 cannot be bound"; v6=1 ;;
    *) if ipv6_usable; then v6=1; else v6=0; log "::1 not usable: IPv4 only"; fi ;;
    esac
    local inet_protocols=ipv4 inet_interfaces=127.0.0.1 mynetworks=127.0.0.0/8
    if [[ $v6 == 1 ]]; then
        inet_protocols=all
        inet_interfaces='127.0.0.1, [::1]'
        mynetworks='127.0.0.0/8, [::1]/128'
    fi

    local t0
    t0=$(now_us)

    # Fresh state on every start: only the names this script owns.
    rm -rf -- "$CONF" "$QUEUE" "$DATA" "$MAILDIR"
    rm -f -- "$LOGFILE" "$ENVFILE" "$ENVFILE.tmp"
    mkdir -p -- "$CONF" "$QUEUE" "$DATA" "$MAILDIR"/new "$MAILDIR"/cur "$MAILDIR"/tmp
    # The postfix user must be able to enter DIR (mktemp -d makes it 0700).
    chmod 755 "$DIR"
    chown -R postfix:postfix "$MAILDIR" "$DATA"
    chmod 700 "$DATA"
    if command -v setpriv >/dev/null 2>&1 &&
        ! setpriv --reuid=postfix --regid=postfix --clear-groups test -x "$MAILDIR/new"; then
        die "user postfix cannot reach $MAILDIR (a parent directory of $DIR is not searchable by others)"
    fi
    # Postfix appends to the log file as root (postlogd); create it for readers.
    : >"$LOGFILE"
    chmod 644 "$LOGFILE"

    write_main_cf "$inet_protocols" "$inet_interfaces" "$mynetworks"
    mkdir -p -- "$SASLDIR"
    write_sasl
    if [[ $TLS == 1 ]]; then
        install_certs "$certdir" "$TLSDIR" root root 600
    fi

    local attempt ports p1 p2 p3='' ok=0 err log_lines
    local -a probes
    for attempt in 1 2 3; do
        log_lines=$(wc -l <"$LOGFILE")
        ports=$(pick_ports $((2 + TLS)) "$v6") || die "cannot pick free ports"
        read -r p1 p2 p3 <<<"$ports"
        write_master_cf "$p1" "$p2" "$v6" "$p3"
        # Postfix waits ~2 s for a main.cf younger than a few seconds to
        # "cool down": back-date the generated files to start at once.
        touch -d '-1 min' "$CONF"/*.cf

        if ! postfix -c "$CONF" start >&2 2>&1; then
            if tail -n "+$((log_lines + 1))" "$LOGFILE" | grep 'Address already in use' >/dev/null; then
                log "port race on attempt $attempt, retrying with new ports"
                (PORT_GRACE_US=0 cmd_stop "$DIR") >/dev/null 2>&1 || true
                continue
            fi
            show_log_tail "$LOGFILE"
            (cmd_stop "$DIR") >/dev/null 2>&1 || true
            die "postfix -c $CONF start failed"
        fi

        if [[ $TLS == 1 ]]; then
            probes=("127.0.0.1,$p1,0" "127.0.0.1,$p2,s" "127.0.0.1,$p3,i")
            [[ $v6 == 1 ]] && probes+=("::1,$p1,0" "::1,$p2,s" "::1,$p3,i")
        else
            probes=("127.0.0.1,$p1,0" "127.0.0.1,$p2,1")
            [[ $v6 == 1 ]] && probes+=("::1,$p1,0" "::1,$p2,1")
        fi
        if err=$(probe "$START_TIMEOUT" "$TLSDIR/ca.pem" "${probes[@]}" 2>&1); then
            ok=1
            break
        fi
        if tail -n "+$((log_lines + 1))" "$LOGFILE" | grep 'Address already in use' >/dev/null; then
            log "port race on attempt $attempt, retrying with new ports"
            (PORT_GRACE_US=0 cmd_stop "$DIR") >/dev/null 2>&1 || true
            continue
        fi
        log "$err"
        if [[ $err == *"expected PLAIN and LOGIN"* ]]; then
            log "(Cyrus SASL plugins from libsasl2-modules missing?)"
        fi
        show_log_tail "$LOGFILE"
        (cmd_stop "$DIR") >/dev/null 2>&1 || true
        die "Postfix in $DIR did not become ready"
    done
    [[ $ok == 1 ]] || die "could not start Postfix after 3 attempts (ports kept being taken)"

    write_env "$p1" "$p2" "$v6" "$p3"
    local t1
    t1=$(now_us)
    log "Postfix ready in $DIR (plain port $p1, submission port $p2${p3:+ (STARTTLS required), implicit TLS port $p3}, IPv6 $v6) after $(((t1 - t0) / 1000)) ms"
    cat "$ENVFILE"
}

cmd_stop() {
    [[ $# -eq 1 ]] || usage
    local dir
    # Nothing there: nothing to stop (idempotent).
    dir=$(resolve_dir "$1") || return 0
    set_paths "$dir"
    [[ -f $CONF/main.cf ]] || return 0
    [[ $(id -u) -eq 0 ]] || die "must run as root to stop the instance in $DIR"
    load_pf_defaults

    # "postfix -c CONF abort" sends the master the same SIGTERM as "stop" (the
    # master then terminates its children), but does not poll for the end in
    # 1-second steps; the wait below does that faster.
    if [[ -n $(instance_pids) ]] && command -v postfix >/dev/null 2>&1; then
        postfix -c "$CONF" abort >&2 2>&1 || log "postfix -c $CONF abort returned $?"
    fi

    # The master may linger as a zombie (nobody reaps it when PID 1 is not a
    # real init), so its PID is no proof of life: wait until no live process
    # of the instance is left AND its ports are no longer listening.  A
    # process closes its sockets before it drops its cwd, so once the
    # instance's processes are gone its ports are free; a port that still
    # listens after that belongs to somebody else (warn, do not wait forever).
    local deadline port_deadline=0 pids killed=0 ports
    ports=$(instance_ports | tr '\n' ' ')
    deadline=$(($(now_us) + $(seconds_to_us "$STOP_TIMEOUT")))
    while :; do
        pids=$(instance_pids)
        if [[ -z $pids ]]; then
            # shellcheck disable=SC2086 # one port per word
            any_port_listening $ports || break
            ((port_deadline > 0)) || port_deadline=$(($(now_us) + PORT_GRACE_US))
            if (($(now_us) > port_deadline)); then
                log "warning: port(s) $ports of $DIR still listening, but not by this instance"
                break
            fi
        elif (($(now_us) > deadline)); then
            [[ $killed == 0 ]] || die "could not stop processes of $DIR: ${pids//$'\n'/ }"
            log "processes of $DIR still alive after ${STOP_TIMEOUT}s, killing: ${pids//$'\n'/ }"
            # shellcheck disable=SC2086 # one PID per word
            kill -KILL $pids 2>/dev/null || true
            killed=1
            deadline=$(($(now_us) + 5000000))
        fi
        sleep 0.05
    done
    rm -f -- "$QUEUE/pid/master.pid"
    return 0
}

# instance_running: whether the instance set_paths points at runs (for
# ctl-common.sh's cmd_status).
instance_running() {
    load_pf_defaults
    [[ -n $(instance_pids) ]]
}

main() {
    [[ $# -ge 1 ]] || usage
    local cmd=$1
    shift
    case $cmd in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    wait-delivery) cmd_wait_delivery "$@" ;;
    -h | --help | help) usage ;;
    *) usage ;;
    esac
}

main "$@"
