# shellcheck shell=bash
# ctl-common.sh - shared helpers and settings of the four servers' control
# scripts (sourced, not run).  See README.md.
#
# The sourcing script sets PROG before sourcing, and defines usage(),
# set_paths, instance_running, cmd_start and cmd_stop for ctl_main, which
# provides cmd_status and cmd_wait_delivery (postfix-ctl.sh has a main of
# its own, with the same commands).
# shellcheck disable=SC2034 # the constants are used by the sourcing scripts

PATH=$PATH:/usr/sbin:/sbin
export PATH
unset CDPATH
umask 022

PY=/usr/bin/python3
INTEROP_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
PROBE=$INTEROP_DIR/smtp_probe.py

DOMAIN=interop.test
MYHOSTNAME=smtpc-interop.localhost
SASL_USER=${SMTPC_INTEROP_USER:-smtpc}
SASL_PASS=${SMTPC_INTEROP_PASS:-s3cret-Pa55}
START_TIMEOUT=${SMTPC_INTEROP_START_TIMEOUT:-15}
STOP_TIMEOUT=${SMTPC_INTEROP_STOP_TIMEOUT:-15}
WANT_IPV6=${SMTPC_INTEROP_IPV6:-auto}
# where install-mtas.sh unpacks Exim and OpenSMTPD
MTA_ROOT=${SMTPC_INTEROP_MTA_ROOT:-/opt/smtpc-interop}

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { log "error: $*"; exit 1; }
skip() { log "SKIP: $*"; exit 77; }

# now_us: wall clock in microseconds (bash >= 5 has EPOCHREALTIME).
now_us() {
    local t=${EPOCHREALTIME:-}
    if [[ -n $t ]]; then
        printf '%s\n' "${t/[.,]/}"
    else
        printf '%s\n' "$(($(date +%s%N) / 1000))"
    fi
}

seconds_to_us() {
    [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]] || die "not a number of seconds: $1"
    awk -v t="$1" 'BEGIN { printf "%d\n", t * 1000000 }'
}

# resolve_dir DIR [create]: absolute physical path of DIR.
resolve_dir() {
    local d=$1
    if [[ ${2:-} == create ]]; then
        mkdir -p -- "$d"
    fi
    [[ -d $d ]] || return 1
    (cd -- "$d" && pwd -P)
}

# DIR is written unquoted (or inside "...") into generated configurations.
check_dir_name() {
    [[ $1 =~ ^/[A-Za-z0-9_./+-]*$ ]] ||
        die "DIR must be an absolute path of [A-Za-z0-9_./+-] only (got '$1')"
    [[ $1 != / ]] || die "refusing to use / as DIR"
}

# The credentials are written into configurations (Exim expansions, a
# Python program, a table file): keep them to characters that need no quoting.
check_credentials() {
    [[ $SASL_USER =~ ^[A-Za-z0-9._@+-]+$ ]] ||
        die "SMTPC_INTEROP_USER must match [A-Za-z0-9._@+-]+"
    [[ $SASL_PASS =~ ^[A-Za-z0-9._@+%=,-]+$ ]] ||
        die "SMTPC_INTEROP_PASS must match [A-Za-z0-9._@+%=,-]+"
}

env_quote() {
    if [[ $1 =~ ^[A-Za-z0-9_./:@%+,=-]*$ ]]; then
        printf '%s' "$1"
    else
        printf "'%s'" "${1//\'/\'\\\'\'}"
    fi
}

# write_env FILE KEY VALUE [KEY VALUE ...]: atomically, sourceable by sh.
write_env() {
    local file=$1
    shift
    while (($# >= 2)); do
        printf '%s=%s\n' "$1" "$(env_quote "$2")"
        shift 2
    done >"$file.tmp"
    mv -f -- "$file.tmp" "$file"
}

need_python() {
    [[ -x $PY ]] || skip "$PY not found (needed to pick ports and probe the server)"
}

ipv6_usable() {
    "$PY" - <<'PYEOF' 2>/dev/null
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(("::1", 0))
PYEOF
}

# choose_ipv6: sets V6 to 1 (listen on ::1 too) or 0, from SMTPC_INTEROP_IPV6.
choose_ipv6() {
    case $WANT_IPV6 in
    0 | no) V6=0 ;;
    1 | yes) ipv6_usable || die "SMTPC_INTEROP_IPV6=1 but ::1 cannot be bound"; V6=1 ;;
    *) if ipv6_usable; then V6=1; else V6=0; log "::1 not usable: IPv4 only"; fi ;;
    esac
}

# pick_ports N: N distinct ports, each free on 127.0.0.1 (and on ::1 if V6=1).
pick_ports() {
    "$PY" - "$1" "$V6" <<'PYEOF'
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

# probe_endpoints PORT MODE [PORT MODE ...]: smtp_probe.py on 127.0.0.1
# (and ::1) for each port; MODE as in smtp_probe.py. Uses $TLSDIR/ca.pem.
probe_endpoints() {
    local -a eps=()
    while (($# >= 2)); do
        eps+=("127.0.0.1,$1,$2")
        [[ $V6 == 1 ]] && eps+=("::1,$1,$2")
        shift 2
    done
    "$PY" "$PROBE" "$START_TIMEOUT" "$TLSDIR/ca.pem" "${eps[@]}"
}

# install_certs CERTDIR TLSDIR KEY_OWNER KEY_GROUP KEY_MODE: copy the test
# PKI (tests/tls/make-certs.sh output) into the instance.  The servers get
# their own copies, so CERTDIR may be anywhere and is never modified, and
# the private key gets the owner and mode each server insists on.
install_certs() {
    local src=$1 dst=$2 owner=$3 group=$4 mode=$5 f
    [[ -d $src ]] || die "no such certificate directory: $src"
    for f in ca.pem server.pem server.key server-chain.pem; do
        [[ -r $src/$f ]] || die "$src/$f missing (make it with tests/tls/make-certs.sh $src)"
    done
    rm -rf -- "$dst"
    mkdir -p -- "$dst"
    local -a own=() keyown=()
    if [[ $(id -u) -eq 0 ]]; then
        own=(-o root -g root)
        keyown=(-o "$owner" -g "$group")
    fi
    for f in ca.pem server.pem server-chain.pem; do
        install -m 644 "${own[@]}" -- "$src/$f" "$dst/$f"
    done
    install -m "$mode" "${keyown[@]}" -- "$src/server.key" "$dst/server.key"
}

# pid_alive PID: a live, non-zombie process.  Here PID 1 may not reap
# orphans, so a stopped daemon can stay a zombie: kill -0 is no proof of life.
pid_alive() {
    local stat state
    [[ $1 =~ ^[0-9]+$ ]] || return 1
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    state=${stat##*) }
    state=${state%% *}
    [[ $state != Z && $state != X ]]
}

# pid_exe PID: the program a process runs (empty for zombies / vanished).
pid_exe() {
    local exe
    exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 0
    printf '%s\n' "${exe% (deleted)}"
}

# pid_cmdline_has PID STRING: the process's argv contains STRING.
pid_cmdline_has() {
    local cmd
    cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
    [[ $cmd == *"$2"* ]]
}

# descendants PID: all live descendants of PID.
descendants() {
    local root=$1
    awk -v root="$root" '
        { sub(/^[0-9]+ \(.*\) /, ""); }  # drop "pid (comm) " - comm may hold spaces
        { state[FILENAME] = $1; parent[FILENAME] = $2 }
        END {
            for (f in parent) { p = f; sub(/^\/proc\//, "", p); sub(/\/stat$/, "", p); pp[p] = parent[f]; st[p] = state[f] }
            want[root] = 1; changed = 1
            while (changed) { changed = 0
                for (p in pp) if (!(p in want) && (pp[p] in want)) { want[p] = 1; changed = 1 } }
            for (p in want) if (p != root && st[p] != "Z") print p
        }' /proc/[0-9]*/stat 2>/dev/null || true
}

# any_port_listening PORT...: a LISTEN socket on one of the ports (read from
# /proc/net, never connecting).
any_port_listening() {
    local f
    local -a files=()
    for f in /proc/net/tcp /proc/net/tcp6; do
        [[ -r $f ]] && files+=("$f")
    done
    ((${#files[@]} > 0 && $# > 0)) || return 1
    awk -v want="$*" '
        BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) port[sprintf("%04X", w[i])] = 1 }
        FNR > 1 && $4 == "0A" { split($2, a, ":"); if (a[2] in port) found = 1 }
        END { exit !found }' "${files[@]}"
}

# stop_processes "PIDS" "PORTS": SIGTERM the first PID (the daemon), wait
# until none of PIDS is alive and no port listens; SIGKILL (by PID) what is
# left after STOP_TIMEOUT.  A port that still listens once all PIDS are gone
# belongs to somebody else: warn after 2 s and give up waiting for it.
stop_processes() {
    local -a pids alive
    read -r -a pids <<<"$1"
    local ports=$2 main=${pids[0]:-} deadline port_deadline=0 p killed=0
    ((${#pids[@]} > 0)) || return 0
    if pid_alive "$main"; then
        kill -TERM "$main" 2>/dev/null || true
    fi
    deadline=$(($(now_us) + $(seconds_to_us "$STOP_TIMEOUT")))
    while :; do
        alive=()
        for p in "${pids[@]}"; do
            pid_alive "$p" && alive+=("$p")
        done
        if ((${#alive[@]} == 0)); then
            # shellcheck disable=SC2086 # one port per word
            any_port_listening $ports || break
            ((port_deadline > 0)) || port_deadline=$(($(now_us) + 2000000))
            if (($(now_us) > port_deadline)); then
                log "warning: port(s) $ports still listening, but not by this instance"
                break
            fi
        elif (($(now_us) > deadline)); then
            ((killed == 0)) || die "could not stop processes ${alive[*]}"
            log "still alive after ${STOP_TIMEOUT}s, killing: ${alive[*]}"
            kill -KILL "${alive[@]}" 2>/dev/null || true
            killed=1
            deadline=$(($(now_us) + 5000000))
        fi
        sleep 0.05
    done
}

# wait_for_delivery MAILDIR N TIMEOUT LOGFILE
wait_for_delivery() {
    local maildir=$1 want=$2 timeout=$3 logfile=$4 deadline have
    [[ $want =~ ^[0-9]+$ ]] || die "N must be a non-negative integer (got '$want')"
    [[ -d $maildir/new ]] || die "no Maildir at $maildir (was the server started?)"
    deadline=$(($(now_us) + $(seconds_to_us "$timeout")))
    while :; do
        have=$(find "$maildir/new" -mindepth 1 -maxdepth 1 -type f | wc -l)
        ((have >= want)) && return 0
        if (($(now_us) > deadline)); then
            log "timeout after ${timeout}s: $have of $want message(s) in $maildir/new"
            show_log_tail "$logfile" 40
            return 1
        fi
        sleep 0.05
    done
}

show_log_tail() {
    local f=$1 n=${2:-25}
    if [[ -s $f ]]; then
        log "last lines of $f:"
        tail -n "$n" -- "$f" >&2 || true
    else
        log "(no log in $f)"
    fi
}

# status DIR: exit 0 when the instance in DIR runs, 3 when not. The script
# defines set_paths and instance_running.
cmd_status() {
    [[ $# -eq 1 ]] || usage
    local dir
    dir=$(resolve_dir "$1") || { echo "not running"; exit 3; }
    set_paths "$dir"
    if instance_running; then
        echo "running"
        exit 0
    fi
    echo "not running"
    exit 3
}

# wait-delivery DIR N [TIMEOUT]: wait for N messages in the instance's Maildir.
cmd_wait_delivery() {
    [[ $# -eq 2 || $# -eq 3 ]] || usage
    local dir
    dir=$(resolve_dir "$1") || die "no such directory: $1"
    set_paths "$dir"
    wait_for_delivery "$MAILDIR" "$2" "${3:-20}" "$LOGFILE"
}

# ctl_main "$@": the common command dispatcher.
ctl_main() {
    [[ $# -ge 1 ]] || usage
    local cmd=$1
    shift
    case $cmd in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    wait-delivery) cmd_wait_delivery "$@" ;;
    *) usage ;;
    esac
}
