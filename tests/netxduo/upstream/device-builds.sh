#!/usr/bin/env bash
# device-builds.sh — the NetX Duo drop-in as firmware builds it, against
# NetX Duo's and ThreadX's own headers (extracted by run-upstream.sh):
#
#   1. every file of src/engine/sources.txt and compat/netxduo/sources.txt,
#      and examples/netx_demo.c, compiled with NetX Duo's own library
#      warning flags and -Werror, for the ThreadX Linux port (gcc) and for a
#      Cortex-M4 (arm-none-eabi-gcc), in each NetX configuration: NetX's
#      default (IPv4 + IPv6), IPv6 off, IPv4 off, packet chaining off, and
#      NX_SMTP_DISABLE_ERROR_CHECKING;
#   2. the same for each feature switch of smtpc/config.h on its own (and
#      the blocking client, src/client.c, with them), on the Cortex-M4;
#   3. the host stand-in (compat/netxduo/host) declares nothing the real
#      headers lack, so it cannot hide a difference again;
#   3. smtpc's CMake build with SMTPC_NETXDUO_INCLUDE_DIRS builds the NetX
#      targets against the real headers, without the host stand-in;
#   5. bench/netxduo_footprint.py: flash, RAM and stack beside the
#      original's, held to bench/netxduo-footprint.budget.
#
#   device-builds.sh --work DIR [--root SMTPC_ROOT] [--netxduo-archive F]
#                    [--threadx-archive F]
# Exit 0 when all holds, 1 when not, 77 when the archives are absent.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
root=$(cd -- "$here/../../.." && pwd -P)
args=()
work=
while [ $# -gt 0 ]; do
    case $1 in
    --work) work=$2 ;;
    --root) root=$(cd -- "$2" && pwd -P) ;;
    --netxduo-archive | --threadx-archive) args+=("$1" "$2") ;;
    *) echo "usage: device-builds.sh --work DIR [--root R] [--netxduo-archive F] [--threadx-archive F]" >&2
       exit 2 ;;
    esac
    shift 2
done
[ -n "$work" ] || { echo "device-builds.sh: --work DIR is required" >&2; exit 2; }
rc=0
dirs=$(bash "$here/run-upstream.sh" --config v4 --client sources --work "$work" --root "$root" \
    "${args[@]}") || rc=$?
if [ "$rc" -ne 0 ]; then
    echo "$dirs"
    exit "$rc"
fi
read -r nx tx <<<"$dirs"
command -v arm-none-eabi-gcc >/dev/null || { echo "SKIP: needs arm-none-eabi-gcc"; exit 77; }

# NetX Duo's library flags (test/cmake/netxduo/CMakeLists.txt).
nx_warn=(-Werror -Wall -Wextra -pedantic -fmessage-length=0 -fsigned-char -ffunction-sections
         -fdata-sections -Wunused -Wuninitialized -Wmissing-declarations -Wconversion
         -Wpointer-arith -Wshadow -Wlogical-op -Waggregate-return -Wfloat-equal)
configs=("" "-DNX_DISABLE_IPV6" "-DNX_DISABLE_IPV4" "-DNX_DISABLE_PACKET_CHAIN -DNX_DISABLE_FRAGMENTATION"
         "-DNX_SMTP_DISABLE_ERROR_CHECKING")
mapfile -t files < <(cat "$root/src/engine/sources.txt" "$root/compat/netxduo/sources.txt" | grep .)
files+=(examples/netx_demo.c)
out=$work/device-builds
rm -rf "$out"
mkdir -p "$out"
failed=0
built=0

# compile_each LABEL DEFS FILE...: compiles each FILE with ${cc[@]},
# NetX's flags, DEFS (words) and ${inc[@]}; counts and reports failures.
compile_each() {
    local label=$1 defs f log=$out/last.log
    # shellcheck disable=SC2206
    defs=($2)
    shift 2
    for f in "$@"; do
        if ! "${cc[@]}" "${nx_warn[@]}" "${defs[@]}" "${inc[@]}" -c "$root/$f" -o "$out/x.o" \
            >"$log" 2>&1; then
            echo "FAIL $label: $f"
            sed 's/^/    | /' "$log" | head -n 15
            failed=$((failed + 1))
        fi
        built=$((built + 1))
    done
}

for target in linux cortex-m4; do
    if [ $target = linux ]; then
        cc=(gcc -std=c99 -D_GNU_SOURCE)
        port=linux/gnu
    else
        cc=(arm-none-eabi-gcc -std=c99 -mcpu=cortex-m4 -mthumb -Os)
        port=cortex_m4/gnu
    fi
    inc=(-I"$tx/common/inc" -I"$tx/ports/$port/inc" -I"$nx/common/inc" -I"$nx/ports/$port/inc"
         -I"$root/include" -I"$root/compat/netxduo" -I"$root/src/engine")
    for cfg in "${configs[@]}"; do
        compile_each "$target ${cfg:-(NetX default)}" "$cfg" "${files[@]}"
    done
    echo "$target: ${#configs[@]} configurations x ${#files[@]} files compiled"
done

# Every feature switch of smtpc/config.h, each on its own over the defaults,
# and the smallest build (no SASL mechanism at all), compile for the
# Cortex-M4 (the last target above) under the same flags, the blocking
# client too: a switch that breaks the build of another shows here, not in
# a user's firmware.
switches=("-DSMTPC_CONFIG_FULL=1" "-DSMTPC_WITH_TLS=1" "-DSMTPC_WITH_TRACE=1"
          "-DSMTPC_WITH_CRAM_MD5=1 -DSMTPC_REPLY_LINE_KEEP=200" "-DSMTPC_WITH_RFC2047=1"
          "-DSMTPC_WITH_DATE=1" "-DSMTPC_WITH_MESSAGE_ID=1" "-DSMTPC_WITH_SIZE=1"
          "-DSMTPC_WITH_SMTPUTF8=1" "-DSMTPC_WITH_ENHANCED_CODES=1" "-DSMTPC_WITH_CAPS_INFO=1"
          "-DSMTPC_WITH_MULTI_RCPT=1" "-DSMTPC_WITH_ERROR_TEXTS=1" "-DSMTPC_WITH_PIPELINING=1"
          "-DSMTPC_WITH_PIPELINING=1 -DSMTPC_WITH_MULTI_RCPT=1 -DSMTPC_PIPELINE_WINDOW=3"
          "-DSMTPC_WITH_CHUNKING=1" "-DSMTPC_WITH_CHUNKING=1 -DSMTPC_WITH_PIPELINING=1"
          "-DSMTPC_WITH_DSN=1" "-DSMTPC_WITH_DSN=1 -DSMTPC_WITH_PIPELINING=1"
          "-DSMTPC_CONFIG_FULL=1 -DSMTPC_WITH_DSN=0"
          "-DSMTPC_WITH_PLAIN=0"
          "-DSMTPC_WITH_LOGIN=0" "-DSMTPC_WITH_PLAIN=0 -DSMTPC_WITH_LOGIN=0"
          "-DSMTPC_REPLY_TEXT_MAX=64 -DSMTPC_REPLY_LINE_KEEP=512")
for sw in "${switches[@]}"; do
    compile_each "cortex-m4 $sw" "$sw" "${files[@]}" src/client.c
done
echo "cortex-m4: ${#switches[@]} feature configurations x $((${#files[@]} + 1)) files compiled"

# The stand-in declares only what NetX Duo or ThreadX declare: every macro,
# type and function name of compat/netxduo/host/*.h (its private "_host_"
# names and include guards aside) must appear in the real headers.
real=("$nx"/common/inc/*.h "$nx"/ports/linux/gnu/inc/*.h "$tx"/common/inc/*.h "$tx"/ports/linux/gnu/inc/*.h)
for h in "$root"/compat/netxduo/host/nx_api.h "$root"/compat/netxduo/host/nx_ip.h \
    "$root"/compat/netxduo/host/nx_packet.h "$root"/compat/netxduo/host/nx_tcp.h \
    "$root"/compat/netxduo/host/tx_api.h; do
    [ -f "$h" ] || continue
    names=$(grep -ohE '^#define [A-Za-z_][A-Za-z0-9_]*|^[A-Z]+ \**[a-z_][a-z0-9_]*\(|^\} [A-Z_][A-Z0-9_]*;|^typedef [^;(]* \**[A-Za-z_][A-Za-z0-9_]*;' "$h" |
        sed -E 's/^#define //; s/^[A-Z]+ \**//; s/\($//; s/^\} //; s/;$//; s/^typedef .* \**//' |
        grep -vE '_host_|^SMTPC_|^NX_HOST_|_H$' | sort -u)
    for n in $names; do
        if ! grep -qw -- "$n" "${real[@]}"; then
            echo "FAIL stand-in: $(basename "$h") declares $n, which NetX Duo and ThreadX do not"
            failed=$((failed + 1))
        fi
    done
done

# smtpc's own CMake build against NetX Duo (SMTPC_NETXDUO_INCLUDE_DIRS, here
# the Linux port's headers): the NetX targets build and never take the host
# stand-in.
cm=$out/cmake
if cmake -S "$root" -B "$cm" -DSMTPC_WERROR=ON -DBUILD_TESTING=OFF -DSMTPC_BUILD_TOOLS=OFF \
    -DCMAKE_C_FLAGS=-D_GNU_SOURCE -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    "-DSMTPC_NETXDUO_INCLUDE_DIRS=$tx/common/inc;$tx/ports/linux/gnu/inc;$nx/common/inc;$nx/ports/linux/gnu/inc" \
    >"$out/cmake.log" 2>&1 &&
    cmake --build "$cm" --target smtpc_nxd_smtp_client -j"$(nproc 2>/dev/null || echo 2)" \
    >>"$out/cmake.log" 2>&1; then
    if grep -q "compat/netxduo/host" "$cm/compile_commands.json" ||
        nm "$cm"/libsmtpc_netxduo.a "$cm"/libsmtpc_nxd_smtp_client.a | grep -q nx_host; then
        echo "FAIL cmake: the NetX targets took the host stand-in with SMTPC_NETXDUO_INCLUDE_DIRS set"
        failed=$((failed + 1))
    else
        echo "cmake with SMTPC_NETXDUO_INCLUDE_DIRS: smtpc_nxd_smtp_client built, no host stand-in"
    fi
else
    echo "FAIL cmake: smtpc_nxd_smtp_client does not build against NetX Duo's headers"
    tail -n 20 "$out/cmake.log" | sed 's/^/    | /'
    failed=$((failed + 1))
fi

python3 "$root/bench/netxduo_footprint.py" --netxduo "$nx" --threadx "$tx" --out "$out/footprint" \
    --budget "$root/bench/netxduo-footprint.budget" || failed=$((failed + 1))

if [ "$failed" -ne 0 ]; then
    echo "device builds: $failed failure(s)"
    exit 1
fi
echo "device builds: $built compilations clean, stand-in consistent, footprint within budget"
