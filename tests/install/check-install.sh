#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then builds and runs a
# consumer program twice: with pkg-config, and with CMake's find_package.
set -euo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
libdir=$(find "$work/prefix" -name smtpc.pc -printf '%h\n' | head -n 1)
export PKG_CONFIG_PATH="$libdir"
# shellcheck disable=SC2046
cc -std=c99 -Wall -Werror "$here/consumer.c" $(pkg-config --cflags --libs smtpc) -o "$work/consumer-pc"
"$work/consumer-pc" | grep -qx "recipient refused"
mkdir -p "$work/src"
cp "$here/consumer.c" "$work/src/"
cp "$here/CMakeLists.consumer.txt" "$work/src/CMakeLists.txt"
cmake -S "$work/src" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/consumer" | grep -qx "recipient refused"
test -x "$work/prefix/bin/smtpc"
"$work/prefix/bin/smtpc" --version | grep -q '^smtpc '
echo "installed tree: pkg-config consumer, find_package consumer and the smtpc tool work"
echo "3 passed, 0 failed"
