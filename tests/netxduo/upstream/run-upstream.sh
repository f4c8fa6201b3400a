#!/usr/bin/env bash
# run-upstream.sh — NetX Duo's own SMTP regression tests
# (netxduo/test/regression/smtp_test/netx_smtp_*_test.c, all ten) against
# an SMTP client built on the real NetX Duo and ThreadX (Linux port, 64-bit,
# virtual ticks): smtpc's drop-in (compat/netxduo) or, as the control,
# NetX Duo's own client (addons/smtp/nxd_smtp_client.c).
#
#   run-upstream.sh --config v4|dual|nochain --client original|smtpc
#                   --work DIR [--root SMTPC_ROOT]
#                   [--netxduo-archive FILE] [--threadx-archive FILE]
#                   [--smtpc-cflags "FLAGS"] [--timeout SECONDS] [--jobs N]
#
# NetX Duo and ThreadX are not part of smtpc: they are extracted from their
# archives (default SMTPC_ROOT/../shared/third_party/, or NETXDUO_ARCHIVE
# and THREADX_ARCHIVE) into DIR/src once per archive checksum, and built
# into static libraries in DIR/lib once per configuration (ThreadX once for
# all), each under a lock (flock), so that concurrent runs share them. The
# client and the ten test programs are built again on every run, in
# DIR/run/CONFIG-CLIENT, and each test runs there in a scratch directory of
# its own under `timeout`.
#
# The smtpc client is every file in SMTPC_ROOT/src/engine/sources.txt and
# SMTPC_ROOT/compat/netxduo/sources.txt, compiled as firmware would: NetX's
# own flags and include path (the real nx_api.h first; smtpc's host stand-in
# compat/netxduo/host is not on it), then SMTPC_ROOT/include,
# SMTPC_ROOT/compat/netxduo and SMTPC_ROOT/src/engine, and no smtpc -D flag.
# --smtpc-cflags (or SMTPC_UPSTREAM_CFLAGS) adds flags to the smtpc objects
# and to the link only, e.g. "-fsanitize=address,undefined".
#
# The smtpc run compares with the control: it uses the original client's
# results of the same configuration (DIR/lib/netxduo-CONFIG-*/control),
# running the control first when there are none, and when the original
# fails a test too it says "harness broken" rather than blame smtpc.
#
# Prints one line per test, "PASS name" or "FAIL name (why)" followed by the
# tail of its output, then "CLIENT CONFIG: N/10 passed". Exit status: 0 when
# every test passed, 1 when one failed or something did not build, 2 on a
# usage error, 77 when the tests cannot run here (an archive or a tool is
# missing, or the compiler is not 64-bit).
# The functions below run through with_lock, which shellcheck cannot follow.
# shellcheck disable=SC2317
set -euo pipefail

PROG=${0##*/}
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
MK=$HERE/upstream.mk
SKIP=77

usage() {
    cat >&2 <<EOF
usage: $PROG --config v4|dual|nochain --client original|smtpc --work DIR
          [--root SMTPC_ROOT] [--netxduo-archive FILE] [--threadx-archive FILE]
          [--smtpc-cflags "FLAGS"] [--timeout SECONDS] [--jobs N]
EOF
    exit 2
}

config=
client=
work=
root=$(cd -- "$HERE/../../.." && pwd -P)
nx_archive=${NETXDUO_ARCHIVE:-}
tx_archive=${THREADX_ARCHIVE:-}
smtpc_cflags=${SMTPC_UPSTREAM_CFLAGS:-}
test_timeout=120
jobs=$(nproc 2>/dev/null || echo 2)

while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case $1 in
    --config) config=$2 ;;
    --client) client=$2 ;;
    --work) work=$2 ;;
    --root) root=$2 ;;
    --netxduo-archive) nx_archive=$2 ;;
    --threadx-archive) tx_archive=$2 ;;
    --smtpc-cflags) smtpc_cflags=$2 ;;
    --timeout) test_timeout=$2 ;;
    --jobs) jobs=$2 ;;
    *) usage ;;
    esac
    shift 2
done

# The configurations, from netxduo/test/cmake/netxduo/CMakeLists.txt (the
# 64-bit flow, test/cmake/netxduo64, includes it and adds nx_user.h):
#   v4      = v4_build: ${IPV4} ${PACKET_DEBUG}
#   dual    = default_build_coverage without the coverage flags
#             (-fprofile-arcs -ftest-coverage), which is what the 64-bit
#             flow builds; IPv6 is NetX's default (nx_api.h defines
#             FEATURE_NX_IPV6 unless NX_DISABLE_IPV6), written out here.
#             NX_TAHI_ENABLE only declares the TAHI tests in
#             netxtestcontrol.c, which CTEST leaves out of its table, so
#             the TAHI library the official flow links is not needed.
#   nochain = v4_no_chain_build: ${IPV4} ${NO_CHAIN} ${MDNS_NO_SERVER}
# The flags every file gets (-std=c99 -D_GNU_SOURCE -DTX_LINUX_DEBUG_ENABLE
# -DTX_INCLUDE_USER_DEFINE_FILE -DNX_INCLUDE_USER_DEFINE_FILE), ThreadX's
# own (-DTX_ENABLE_EVENT_TRACE -DTX_LINUX_NO_IDLE_ENABLE, from
# test/cmake/libs/CMakeLists.txt) and the tests' (-DBATCH_TEST -DCTEST,
# regression/CMakeLists.txt) are in upstream.mk.
case $config in
v4) config_flags="-DNX_DISABLE_IPV6 -DNX_ENABLE_PACKET_DEBUG_INFO" ;;
dual) config_flags="-DFEATURE_NX_IPV6 -DNX_TAHI_ENABLE -DNX_MAX_PHYSICAL_INTERFACES=4 -DNX_ENABLE_IPV6_PATH_MTU_DISCOVERY" ;;
nochain) config_flags="-DNX_DISABLE_IPV6 -DNX_DISABLE_PACKET_CHAIN -DNX_DISABLE_FRAGMENTATION -DNX_MDNS_DISABLE_SERVER" ;;
*) usage ;;
esac
case $client in original | smtpc | sources) ;; *) usage ;; esac
[ -n "$work" ] || usage
case $test_timeout$jobs in *[!0-9]*) usage ;; esac

skip() {
    echo "SKIP $client $config: $*"
    exit "$SKIP"
}

die() {
    echo "$PROG: $*" >&2
    exit 1
}

[ -d "$root" ] || die "no smtpc tree at $root"
root=$(cd -- "$root" && pwd -P)
: "${nx_archive:=$root/../shared/third_party/netxduo-bd5d12e.tar.xz}"
: "${tx_archive:=$root/../shared/third_party/threadx-98c9172.tar.xz}"
[ -f "$nx_archive" ] || skip "NetX Duo archive not found: $nx_archive (set NETXDUO_ARCHIVE)"
[ -f "$tx_archive" ] || skip "ThreadX archive not found: $tx_archive (set THREADX_ARCHIVE)"
CC=${CC:-cc}
for tool in "$CC" make ar tar xz flock sha256sum timeout; do
    command -v "$tool" >/dev/null || skip "needs $tool"
done
# ThreadX's Linux port runs here only as 64-bit code (this kernel cannot
# execute 32-bit programs), with netxduo64's nx_user.h.
# (read whole: grep -q closing the pipe early would fail it under pipefail)
predefined=$("$CC" -dM -E - </dev/null 2>/dev/null) || skip "$CC does not run"
case $predefined in *__LP64__*) ;; *) skip "$CC does not build 64-bit programs" ;; esac

mkdir -p "$work"
work=$(cd -- "$work" && pwd -P)
for p in "$work" "$root" "$HERE"; do
    case $p in *[[:space:]]*) die "paths with spaces are not supported (make): $p" ;; esac
done
mkdir -p "$work/src" "$work/lib" "$work/run" "$work/locks"

checksum() { sha256sum "$@" | cut -c1-16; }
key() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }

# with_lock NAME COMMAND...: runs COMMAND holding DIR/locks/NAME.
with_lock() {
    local name=$1 fd rc=0
    shift
    exec {fd}>"$work/locks/$name.lock"
    flock "$fd"
    "$@" || rc=$?
    exec {fd}>&-
    return "$rc"
}

# extract ARCHIVE NAME: prints the folder NAME/ of ARCHIVE, extracted once
# per checksum.
extract() {
    local archive=$1 name=$2 dir
    dir=$work/src/$name-$(checksum <"$archive")
    if [ ! -f "$dir/.done" ]; then
        rm -rf "$dir" "$dir.tmp"
        mkdir -p "$dir.tmp"
        tar -xJf "$archive" -C "$dir.tmp" || die "cannot extract $archive"
        [ -d "$dir.tmp/$name" ] || die "$archive holds no $name/ folder"
        mv "$dir.tmp" "$dir"
        touch "$dir/.done"
    fi
    echo "$dir/$name"
}

# build_lib DIR TARGET WHAT MAKE_ARGS...: builds the libraries of TARGET in
# DIR unless done before.
build_lib() {
    local dir=$1 target=$2 what=$3 start
    shift 3
    [ -f "$dir/.done" ] && return 0
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "building $what in $dir ($jobs jobs)"
    start=$SECONDS
    if ! make -s -f "$MK" -j"$jobs" "$target" OUT="$dir" HERE="$HERE" CC="$CC" "$@" \
        >"$dir/build.log" 2>&1; then
        grep -E 'error|Error' "$dir/build.log" | tail -n 20 | sed 's/^/    | /' || true
        echo "harness broken: $what did not build (log: $dir/build.log)"
        exit 1
    fi
    echo "built $what in $((SECONDS - start)) s"
    touch "$dir/.done"
}

nx=$(with_lock extract-netxduo extract "$nx_archive" netxduo)
tx=$(with_lock extract-threadx extract "$tx_archive" threadx)
if [ "$client" = sources ]; then # for device-builds.sh: where the trees are
    echo "$nx $tx"
    exit 0
fi
sources_key=$(checksum "$MK" "$HERE/fx_stub.c" "$HERE/fx/fx_api.h")
cc_key=$(command -v "$CC")" "$("$CC" -dumpfullversion 2>/dev/null || "$CC" --version | head -n 1)
txlib=$work/lib/threadx-$(key "$tx" "$sources_key" "$cc_key")
nxlib=$work/lib/netxduo-$config-$(key "$nx" "$txlib" "$config_flags" "$sources_key" "$cc_key")
with_lock "$(basename "$txlib")" build_lib "$txlib" threadx "ThreadX (Linux port)" TX="$tx" NX="$nx"
with_lock "$(basename "$nxlib")" build_lib "$nxlib" netxduo "NetX Duo ($config)" TX="$tx" NX="$nx" \
    CONFIG_FLAGS="$config_flags"

tests=()
for f in "$nx"/test/regression/smtp_test/netx_smtp_*_test.c; do
    [ -f "$f" ] || continue
    f=${f##*/}
    tests+=("${f%.c}")
done
[ ${#tests[@]} -gt 0 ] || die "no netx_smtp_*_test.c in $nx/test/regression/smtp_test"

# read_list FILE: the paths listed in FILE, one per line (blank lines and
# # comments skipped).
read_list() {
    sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1"
}

# wrong_headers DIR: prints, and succeeds if there are any, the headers
# that the objects under DIR read (their -MMD files) from smtpc's host
# stand-in for NetX (compat/netxduo/host), and the tx_api.h or nx_api.h
# that are not ThreadX's or NetX Duo's own.
wrong_headers() {
    # \134 is the backslash that continues a line of a .d file.
    find "$1" -name '*.d' -exec cat {} + | tr ' \134' '\n' | sed '/^$/d; s/:$//' | sort -u |
        grep -E "^$root/compat/netxduo/host/|/(tx|nx)_api\.h\$" |
        grep -vxF -e "$nx/common/inc/nx_api.h" -e "$tx/common/inc/tx_api.h"
}

# run_client WHO RESULTS_DIR: builds the client WHO and the tests, runs
# them, prints a line per test and writes RESULTS_DIR/NAME ("PASS" or
# "FAIL (why)") and RESULTS_DIR/passed. Returns 0 when all passed.
run_client() {
    local who=$1 results=$2 dir client_root client_inc client_cflags="" srcs=() f
    dir=$work/run/$config-$who
    [ "$who" = original ] || dir=$dir-$smtpc_key
    rm -rf "$dir" "$results.tmp"
    mkdir -p "$dir/scratch" "$results.tmp"
    if [ "$who" = original ]; then
        client_root=$nx/addons/smtp
        client_inc="-I$nx/addons/smtp"
        srcs=(nxd_smtp_client.c)
    else
        client_root=$root
        client_inc="-I$root/include -I$root/compat/netxduo -I$root/src/engine"
        client_cflags=$smtpc_cflags
        for list in src/engine/sources.txt compat/netxduo/sources.txt; do
            [ -f "$root/$list" ] || die "no $root/$list"
            while IFS= read -r f; do srcs+=("$f"); done < <(read_list "$root/$list")
        done
    fi

    local build_ok=1 why_all="" start=$SECONDS
    echo "building the $who client from $client_root and ${#tests[@]} tests in $dir"
    if ! make -s -k -f "$MK" -j"$jobs" client OUT="$dir" HERE="$HERE" CC="$CC" TX="$tx" NX="$nx" \
        CONFIG_FLAGS="$config_flags" CLIENT_ROOT="$client_root" CLIENT_SRCS="${srcs[*]}" \
        CLIENT_INC="$client_inc" CLIENT_CFLAGS="$client_cflags" >"$dir/client.log" 2>&1; then
        echo "FAIL the $who client does not compile against the real NetX Duo headers ($config):"
        grep -E 'error|No rule' "$dir/client.log" | sed -e 's/^/    | /' -e 40q || true
        echo "    (full log: $dir/client.log)"
        build_ok=0
        why_all="not built: the client does not compile"
    fi
    if [ "$build_ok" = 1 ]; then
        make -s -k -f "$MK" -j"$jobs" programs OUT="$dir" HERE="$HERE" CC="$CC" TX="$tx" NX="$nx" \
            CONFIG_FLAGS="$config_flags" CLIENT_ROOT="$client_root" CLIENT_SRCS="${srcs[*]}" \
            CLIENT_INC="$client_inc" CLIENT_CFLAGS="$client_cflags" CLIENT_LDFLAGS="$client_cflags" \
            TXLIB="$txlib" NXLIB="$nxlib" TESTS="${tests[*]}" >"$dir/programs.log" 2>&1 || true
        echo "built in $((SECONDS - start)) s"
        if wrong=$(wrong_headers "$dir/obj"); then
            echo "FAIL the $who client or the tests read NetX or ThreadX headers other than the real ones:"
            printf '    | %s\n' "${wrong//$'\n'/$'\n'    | }"
            build_ok=0
            why_all="not built: wrong NetX or ThreadX headers"
        fi
    fi

    local t out rc why passed=0 control
    start=$SECONDS
    for t in "${tests[@]}"; do
        why=""
        out=$dir/scratch/$t/output.log
        mkdir -p "$dir/scratch/$t"
        if [ -n "$why_all" ]; then
            why=$why_all
        elif [ ! -x "$dir/bin/$t" ]; then
            why="not built"
            cp "$dir/obj/tests/$t.log" "$out" 2>/dev/null || : >"$out"
        else
            rc=0
            (cd "$dir/scratch/$t" && exec timeout -k 10 "$test_timeout" "$dir/bin/$t") \
                >"$out" 2>&1 </dev/null || rc=$?
            if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
                why="timeout: still running after $test_timeout s"
            elif [ "$rc" -gt 128 ]; then
                why="killed by signal $((rc - 128))"
            elif [ "$rc" -ne 0 ]; then
                why="exit $rc"
            elif grep -q 'N/A' "$out"; then
                why="N/A: the test did not run in this configuration"
            elif ! grep -q 'SUCCESS' "$out"; then
                why="exit 0 without SUCCESS"
            fi
        fi
        if [ -z "$why" ]; then
            echo "PASS $t"
            echo PASS >"$results.tmp/$t"
            passed=$((passed + 1))
        else
            control=""
            if [ "$who" = smtpc ] && [ "$(cat "$nxlib/control/$t" 2>/dev/null)" != PASS ]; then
                control="; the original client fails it too"
            fi
            echo "FAIL $t ($why$control)"
            echo "FAIL ($why)" >"$results.tmp/$t"
            if [ -s "$out" ]; then
                tail -n 15 "$out" | sed 's/^/    | /'
                echo "    (output: $out)"
            fi
        fi
    done
    [ "$build_ok" = 1 ] && echo "ran in $((SECONDS - start)) s"
    echo "$passed" >"$results.tmp/passed"
    rm -rf "$results"
    mv "$results.tmp" "$results"
    echo "$who $config: $passed/${#tests[@]} passed"
    [ "$passed" -eq "${#tests[@]}" ]
}

# control: the original client's results for this configuration, run now
# when there are none (or when the original is what was asked for).
control() {
    if [ "$client" = original ]; then
        run_client original "$nxlib/control"
        return
    fi
    [ -f "$nxlib/control/passed" ] && return 0
    echo "control: running the original client first (output: $nxlib/control.out)"
    run_client original "$nxlib/control" >"$nxlib/control.out" 2>&1 || true
}

status=0
if [ "$client" = original ]; then
    with_lock "control-$config" control || status=1
    exit "$status"
fi

with_lock "control-$config" control
control_passed=$(cat "$nxlib/control/passed" 2>/dev/null || echo 0)
echo "control: original $config: $control_passed/${#tests[@]} passed"
if [ "$control_passed" -ne "${#tests[@]}" ]; then
    for t in "${tests[@]}"; do
        r=$(cat "$nxlib/control/$t" 2>/dev/null || echo "FAIL (no result)")
        [ "$r" = PASS ] || echo "    control: $t: $r"
    done
    echo "    (control's tests ran in $work/run/$config-original)"
fi
# One run directory per smtpc tree and flags: runs of two trees (or of
# one with and without sanitizers) can share DIR.
smtpc_key=$(key "$root" "$smtpc_cflags" | cut -c1-8)
with_lock "run-$config-smtpc-$smtpc_key" run_client smtpc "$work/run/$config-smtpc-$smtpc_key/results" ||
    status=1
if [ "$control_passed" -ne "${#tests[@]}" ]; then
    echo "harness broken: the original client fails too (original $config:" \
        "$control_passed/${#tests[@]} passed; results in $nxlib/control)"
    status=1
fi
exit "$status"
