#!/usr/bin/env bash
# Installs the build tree into a temporary prefix and checks what a user of
# the installed smtpc gets:
#   - every library static and shared, the shared one with its SONAME
#     (libX.so -> libX.so.N -> libX.so.VERSION, readelf naming libX.so.N);
#   - a consumer program built through pkg-config, against the shared
#     libraries and (-Wl,-Bstatic) the static ones, and through
#     find_package(smtpc), against both; for each TLS library of the build
#     (BACKENDS, "openssl,mbedtls"), a TLS consumer both ways;
#   - the smtpc tool, its man pages (warning-free for groff), and no
#     sendmail link unless the mta component is asked for.
# Usage: check-install.sh BUILD_DIR [BACKENDS]
set -euo pipefail
build=$1
IFS=, read -r -a backends <<<"${2:-}"
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
ok() {
  echo "ok: $*"
  passed=$((passed + 1))
}
fail() {
  echo "FAILED: $*" >&2
  exit 1
}
# needed FILE: the DT_NEEDED entries of FILE, one per line.
needed() {
  readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(find "$prefix" -name smtpc.pc -printf '%h\n' | head -n 1)
libdir=${libdir%/pkgconfig}
version=$(sed -n 's/^set(PACKAGE_VERSION "\(.*\)")$/\1/p' "$libdir/cmake/smtpc/smtpcConfigVersion.cmake")
[ -n "$version" ] || fail "no PACKAGE_VERSION in smtpcConfigVersion.cmake"

# The libraries: each archive has its shared twin, with the SONAME.
expected=(libsmtpc libsmtpc_engine libsmtpc_posix libsmtpc_tls_link)
for b in "${backends[@]}"; do expected+=("libsmtpc_$b"); done
for lib in "${expected[@]}"; do
  [ -f "$libdir/$lib.a" ] || fail "$lib.a not installed"
  real="$libdir/$lib.so.$version"
  { [ -f "$real" ] && [ ! -L "$real" ]; } || fail "$lib.so.$version not installed"
  soname=$(readelf -d "$real" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  case $soname in
    "$lib.so."[0-9]*) ;;
    *) fail "$lib.so.$version: SONAME is '$soname'" ;;
  esac
  [ "$(readlink "$libdir/$soname")" = "$lib.so.$version" ] || fail "$soname does not link to $lib.so.$version"
  [ "$(readlink "$libdir/$lib.so")" = "$soname" ] || fail "$lib.so does not link to $soname"
done
for a in "$libdir"/*.a; do
  [ -f "${a%.a}.so.$version" ] || fail "$(basename "$a") has no shared twin"
done
ok "${#expected[@]} libraries static and shared; readelf: libsmtpc.so.$version has SONAME $(readlink "$libdir/libsmtpc.so"), libsmtpc.so -> $(readlink "$libdir/libsmtpc.so") -> $(readlink "$libdir/$(readlink "$libdir/libsmtpc.so")")"

# pkg-config: shared by default, static with -Wl,-Bstatic.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
cc -std=c99 -Wall -Werror "$here/consumer.c" $(pkg-config --cflags --libs smtpc) -o "$work/consumer-pc"
needed "$work/consumer-pc" | grep -qx 'libsmtpc\.so\.[0-9]*' || fail "consumer-pc does not load libsmtpc.so"
LD_LIBRARY_PATH=$libdir "$work/consumer-pc" | grep -qx "recipient refused" || fail "consumer-pc did not run"
# shellcheck disable=SC2046
cc -std=c99 -Wall -Werror "$here/consumer.c" $(pkg-config --cflags smtpc) \
  -Wl,-Bstatic $(pkg-config --libs --static smtpc) -Wl,-Bdynamic -o "$work/consumer-pc-static"
! needed "$work/consumer-pc-static" | grep -q libsmtpc || fail "consumer-pc-static loads a shared smtpc"
"$work/consumer-pc-static" | grep -qx "recipient refused" || fail "consumer-pc-static did not run"
ok "pkg-config smtpc: a consumer linked shared and one linked static run"
for b in "${backends[@]}"; do
  def=""
  [ "$b" = mbedtls ] && def=-DCONSUMER_MBEDTLS
  # shellcheck disable=SC2046
  cc -std=c99 -Wall -Werror $def "$here/consumer_tls.c" $(pkg-config --cflags --libs "smtpc_$b") \
    -o "$work/consumer-pc-$b"
  needed "$work/consumer-pc-$b" | grep -qx "libsmtpc_$b\\.so\\.[0-9]*" || fail "consumer-pc-$b does not load libsmtpc_$b.so"
  LD_LIBRARY_PATH=$libdir "$work/consumer-pc-$b" | grep -qx "recipient refused" || fail "consumer-pc-$b did not run"
  ok "pkg-config smtpc_$b: a TLS consumer links and runs"
done

# find_package(smtpc COMPONENTS <backends>): static and shared targets.
mkdir -p "$work/src"
cp "$here/consumer.c" "$here/consumer_tls.c" "$work/src/"
cp "$here/CMakeLists.consumer.txt" "$work/src/CMakeLists.txt"
list=$(IFS=';'; echo "${backends[*]}")
cmake -S "$work/src" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" -DBACKENDS="$list" >/dev/null
cmake --build "$work/build" -j2 >/dev/null
programs=(consumer consumer_shared)
for b in "${backends[@]}"; do programs+=("consumer_$b" "consumer_${b}_shared"); done
for p in "${programs[@]}"; do
  "$work/build/$p" | grep -qx "recipient refused" || fail "find_package: $p did not run"
  case $p in
    *_shared) needed "$work/build/$p" | grep -q 'libsmtpc\.so\.' || fail "$p does not load libsmtpc.so" ;;
    *) ! needed "$work/build/$p" | grep -q libsmtpc || fail "$p loads a shared smtpc" ;;
  esac
done
ok "find_package: ${programs[*]} link and run"

# The tool and its manual.
test -x "$prefix/bin/smtpc" || fail "bin/smtpc not installed"
"$prefix/bin/smtpc" --version | grep -q '^smtpc ' || fail "smtpc --version"
ok "smtpc $("$prefix/bin/smtpc" --version | cut -d' ' -f2) installed"
mandir=$prefix/share/man
for page in man1/smtpc.1 man5/smtpc.conf.5; do
  [ -s "$mandir/$page" ] || fail "$page not installed"
  if command -v groff >/dev/null; then
    warnings=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$mandir/$page" 2>&1)
    [ -z "$warnings" ] || fail "$page: groff says: $warnings"
  fi
done
ok "man pages installed: man1/smtpc.1, man5/smtpc.conf.5$(command -v groff >/dev/null && echo ', no groff warnings')"

# sendmail links only on request.
{ [ ! -e "$prefix/sbin/sendmail" ] && [ ! -L "$prefix/sbin/sendmail" ]; } || fail "cmake --install made sbin/sendmail"
cmake --install "$build" --prefix "$prefix" --component mta >/dev/null
[ "$(readlink "$prefix/sbin/sendmail")" = ../bin/smtpc ] || fail "--component mta: sbin/sendmail"
[ -x "$prefix/sbin/sendmail" ] || fail "sbin/sendmail does not reach bin/smtpc"
ok "sendmail link: not in a full install; --component mta: sbin/sendmail -> ../bin/smtpc"
echo "$passed passed, 0 failed"
