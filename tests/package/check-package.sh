#!/usr/bin/env bash
# Builds the Debian packages from the build tree (cpack -G DEB, into a
# temporary folder) and checks them with dpkg-deb, without installing
# them: smtpc holds the tool, the libraries, headers, pkg-config files,
# CMake package and man pages, depends on the TLS libraries it links and
# runs once unpacked; smtpc-mta holds the sendmail links and declares
# itself the mail transport agent, as msmtp-mta does.
# Usage: check-package.sh BUILD_DIR CPACK [BACKENDS]   (BACKENDS: "openssl,mbedtls")
# Exit 77 (skipped) without cpack or dpkg-deb.
set -euo pipefail
build=$1
cpack=$2
IFS=, read -r -a backends <<<"${3:-}"
if [ ! -x "$cpack" ]; then
  echo "skipped: cpack not found at '$cpack' (the package test needs cpack and dpkg-deb)"
  exit 77
fi
if ! command -v dpkg-deb >/dev/null; then
  echo "skipped: dpkg-deb not found (the package test needs cpack and dpkg-deb)"
  exit 77
fi
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

# The tree is built (ctest runs after the build): CPACK_CMAKE_GENERATOR
# names a generator without a preinstall target, so that cpack only
# installs, instead of having make look over the whole tree first (20 s
# here). The packages' Depends still come from dpkg-shlibdeps.
(cd "$build" && "$cpack" -G DEB -B "$work/out" -D CPACK_CMAKE_GENERATOR=Ninja >"$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log" >&2
  fail "cpack -G DEB"
}
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")-1
main=$(find "$work/out" -maxdepth 1 -name "smtpc_${version}_*.deb")
mta=$(find "$work/out" -maxdepth 1 -name "smtpc-mta_${version}_*.deb")
{ [ -f "$main" ] && [ -f "$mta" ]; } || fail "expected smtpc_${version}_ARCH.deb and smtpc-mta_..., got: $(ls "$work/out")"
ok "cpack made $(basename "$main") ($(stat -c %s "$main") bytes) and $(basename "$mta") ($(stat -c %s "$mta") bytes)"

# field DEB NAME: the control field NAME of DEB.
field() {
  dpkg-deb -f "$1" "$2"
}
# has LISTING PATTERN WHAT: LISTING (dpkg-deb -c, path and link target
# only) has a line matching the extended regex PATTERN.
has() {
  grep -Eq "^$2\$" "$1" || fail "$3"
}
dpkg-deb -c "$main" | awk '{ $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print }' >"$work/main.list"
dpkg-deb -c "$mta" | awk '{ $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print }' >"$work/mta.list"

# smtpc: files.
lib='\./usr/lib(/[a-z0-9_-]+)?'
has "$work/main.list" '\./usr/bin/smtpc' "smtpc: no /usr/bin/smtpc"
for name in smtpc smtpc_engine smtpc_posix smtpc_tls_link "${backends[@]/#/smtpc_}"; do
  has "$work/main.list" "$lib/lib$name\\.a" "smtpc: no lib$name.a"
  has "$work/main.list" "$lib/lib$name\\.so\\.[0-9]+\\.[0-9]+\\.[0-9]+" "smtpc: no lib$name.so.X.Y.Z"
  has "$work/main.list" "$lib/lib$name\\.so\\.[0-9]+ -> lib$name\\.so\\.[0-9.]+" "smtpc: no lib$name.so.N link"
  has "$work/main.list" "$lib/lib$name\\.so -> lib$name\\.so\\.[0-9]+" "smtpc: no lib$name.so link"
done
for pc in smtpc "${backends[@]/#/smtpc_}"; do
  has "$work/main.list" "$lib/pkgconfig/$pc\\.pc" "smtpc: no $pc.pc"
done
has "$work/main.list" "$lib/cmake/smtpc/smtpcConfig\\.cmake" "smtpc: no smtpcConfig.cmake"
has "$work/main.list" '\./usr/include/smtpc/client\.h' "smtpc: no headers"
has "$work/main.list" '\./usr/share/man/man1/smtpc\.1(\.gz)?' "smtpc: no smtpc(1)"
has "$work/main.list" '\./usr/share/man/man5/smtpc\.conf\.5(\.gz)?' "smtpc: no smtpc.conf(5)"
! grep -q sendmail "$work/main.list" || fail "smtpc: has a sendmail file (smtpc-mta's)"
ok "smtpc: /usr/bin/smtpc, $(grep -v -- ' -> ' "$work/main.list" | grep -c '\.so\.[0-9]*\.[0-9]*\.[0-9]*$') shared libraries with their links, archives, pkg-config, CMake package, headers, man pages; no sendmail"

# smtpc: control.
[ "$(field "$main" Package)" = smtpc ] || fail "smtpc: Package"
[ "$(field "$main" Version)" = "$version" ] || fail "smtpc: Version is $(field "$main" Version)"
[ "$(field "$main" Section)" = mail ] || fail "smtpc: Section"
if command -v dpkg >/dev/null; then
  [ "$(field "$main" Architecture)" = "$(dpkg --print-architecture)" ] || fail "smtpc: Architecture"
fi
depends=$(field "$main" Depends)
echo "$depends" | grep -q 'libc6' || fail "smtpc: Depends lacks libc6: $depends"
for b in "${backends[@]}"; do
  case $b in
    openssl) echo "$depends" | grep -Eq 'libssl[0-9]' || fail "smtpc: Depends lacks libssl: $depends" ;;
    mbedtls) echo "$depends" | grep -Eq 'libmbedtls[0-9]' || fail "smtpc: Depends lacks libmbedtls: $depends" ;;
  esac
done
dpkg-deb -e "$main" "$work/control"
grep -Eq '^libsmtpc 0 smtpc \(>= ' "$work/control/shlibs" || fail "smtpc: shlibs"
grep -q ldconfig "$work/control/postinst" || fail "smtpc: postinst does not run ldconfig"
ok "smtpc: control: Version $version, Section mail, Depends: $depends; shlibs, ldconfig"

# smtpc-mta: the links and the MTA fields.
has "$work/mta.list" '\./usr/sbin/sendmail -> \.\./bin/smtpc' "smtpc-mta: no /usr/sbin/sendmail -> ../bin/smtpc"
has "$work/mta.list" '\./usr/lib/sendmail -> \.\./bin/smtpc' "smtpc-mta: no /usr/lib/sendmail -> ../bin/smtpc"
has "$work/mta.list" '\./usr/share/man/man8/sendmail\.8 -> \.\./man1/smtpc\.1' "smtpc-mta: no sendmail(8) link"
has "$work/mta.list" '\./usr/bin/newaliases -> /bin/true' "smtpc-mta: no newaliases"
extra=$(grep -v -- ' -> ' "$work/mta.list" | grep -v '/$' || true)
[ -z "$extra" ] || fail "smtpc-mta: holds more than links: $extra"
for f in Provides Conflicts Replaces; do
  [ "$(field "$mta" "$f")" = mail-transport-agent ] || fail "smtpc-mta: $f is '$(field "$mta" "$f")'"
done
[ "$(field "$mta" Depends)" = "smtpc (= $version)" ] || fail "smtpc-mta: Depends is '$(field "$mta" Depends)'"
ok "smtpc-mta: /usr/sbin/sendmail, /usr/lib/sendmail -> ../bin/smtpc, sendmail(8), newaliases; Provides, Conflicts, Replaces: mail-transport-agent; Depends: smtpc (= $version)"

# Unpacked (not installed), the tool runs.
dpkg-deb -x "$main" "$work/root"
"$work/root/usr/bin/smtpc" --version | grep -qx "smtpc ${version%-1}" || fail "unpacked smtpc --version"
ok "unpacked: $("$work/root/usr/bin/smtpc" --version)"
echo "$passed passed, 0 failed"
