#!/usr/bin/env bash
# install-mtas.sh - provide the Exim and OpenSMTPD binaries for the interop
# tests on a machine where Postfix is the installed MTA.
#
#   install-mtas.sh [ROOT]        (default ROOT: $SMTPC_INTEROP_MTA_ROOT or /opt/smtpc-interop)
#
# Postfix, exim4-daemon-heavy and opensmtpd all "Conflict: mail-transport-agent",
# so only one of them can be installed with apt.  This script downloads the
# other two with "apt-get download" and unpacks them with "dpkg-deb -x" into
# ROOT/exim and ROOT/opensmtpd; nothing is configured, started or registered
# with dpkg, and /etc is not touched except for the system users below.
#
#   - exim4-daemon-heavy from the machine's own apt sources (Debian 12: 4.96).
#   - opensmtpd from <codename>-backports (Debian 12: 7.4.0p1), fetched with a
#     private apt configuration (own source list, lists and cache under a
#     temporary directory), so the machine's sources stay as they are.
#     Debian 12's own opensmtpd 6.8.0p2 fails every TLS handshake with
#     OpenSSL 3 (see README.md).
#
# It also creates what the packages' maintainer scripts would create and the
# binaries need at run time (compiled-in names and paths):
#   - users/groups Debian-exim, opensmtpd, opensmtpq (system, no login);
#   - /var/lib/opensmtpd/empty (OpenSMTPD's chroot directory, root 755).
#
# The shared libraries the binaries link against must be installed with apt
# (see README.md: libidn12 libmariadb3 libspf2-2 ... ); the script checks
# with ldd and fails naming what is missing.
#
# Safe to run again: an existing unpacked tree of the same version is kept.
# Needs root and network access to the Debian archive.
# Environment: SMTPC_INTEROP_MTA_ROOT, SMTPC_INTEROP_DEBIAN_MIRROR
# (default http://deb.debian.org/debian), SMTPC_INTEROP_BACKPORTS_SUITE
# (default <VERSION_CODENAME>-backports).

set -euo pipefail
umask 022
PROG=${0##*/}
ROOT=${1:-${SMTPC_INTEROP_MTA_ROOT:-/opt/smtpc-interop}}
MIRROR=${SMTPC_INTEROP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root"
[[ $ROOT == /* ]] || die "ROOT must be an absolute path"
for t in apt-get apt-cache dpkg-deb ldd; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found"
done

codename=
if [[ -r /etc/os-release ]]; then
    codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
fi
BPO_SUITE=${SMTPC_INTEROP_BACKPORTS_SUITE:-${codename:+$codename-backports}}
[[ -n $BPO_SUITE ]] || die "cannot tell the Debian codename; set SMTPC_INTEROP_BACKPORTS_SUITE"

# ---------------------------------------------------------------- users
add_system_user() { # NAME HOME
    local name=$1 home=$2
    getent passwd "$name" >/dev/null && return 0
    log "creating system user $name"
    if command -v adduser >/dev/null 2>&1; then
        local grp=(--group)
        getent group "$name" >/dev/null && grp=(--ingroup "$name")
        adduser --system --quiet --home "$home" --no-create-home \
            --disabled-password --disabled-login --force-badname "${grp[@]}" "$name"
    else
        getent group "$name" >/dev/null || groupadd --system "$name"
        useradd --system --home-dir "$home" --no-create-home --gid "$name" \
            --shell /usr/sbin/nologin "$name"
    fi
}
add_system_user Debian-exim /var/spool/exim4
add_system_user opensmtpd /var/lib/opensmtpd/empty
add_system_user opensmtpq /var/lib/opensmtpd/empty
install -d -o root -g root -m 755 /var/lib/opensmtpd /var/lib/opensmtpd/empty

# ---------------------------------------------------------------- download
work=$(mktemp -d "${TMPDIR:-/tmp}/smtpc-mtas.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
chmod 755 "$work"
mkdir -p "$work/debs" "$work/apt/lists/partial" "$work/apt/cache/archives/partial"
# apt downloads as user _apt when it can write the target directory
if getent passwd _apt >/dev/null; then chown _apt "$work/debs"; fi

# installed_version NAME: the version unpacked under ROOT/NAME (or nothing)
installed_version() { cat "$ROOT/$1/.version" 2>/dev/null || true; }

# unpack NAME DEB: replace ROOT/NAME by the content of DEB
unpack() {
    local name=$1 deb=$2 version
    version=$(dpkg-deb -f "$deb" Package)_$(dpkg-deb -f "$deb" Version)
    rm -rf -- "$ROOT/$name.new"
    mkdir -p -- "$ROOT/$name.new"
    dpkg-deb -x "$deb" "$ROOT/$name.new"
    printf '%s\n' "$version" >"$ROOT/$name.new/.version"
    rm -rf -- "${ROOT:?}/$name"
    mv -- "$ROOT/$name.new" "$ROOT/$name"
    log "unpacked $version into $ROOT/$name"
}

mkdir -p -- "$ROOT"
chmod 755 "$ROOT"

# Exim: the machine's own sources
exim_candidate=$(apt-cache policy exim4-daemon-heavy | sed -n 's/^ *Candidate: //p')
[[ -n $exim_candidate && $exim_candidate != "(none)" ]] ||
    die "exim4-daemon-heavy is not in the apt sources (run apt-get update?)"
if [[ $(installed_version exim) != "exim4-daemon-heavy_$exim_candidate" ]]; then
    (cd "$work/debs" && apt-get download -q "exim4-daemon-heavy=$exim_candidate") >&2 ||
        die "apt-get download exim4-daemon-heavy failed"
    unpack exim "$work/debs"/exim4-daemon-heavy_*.deb
else
    log "exim4-daemon-heavy_$exim_candidate already in $ROOT/exim"
fi

# OpenSMTPD: backports, through a private apt configuration
printf 'deb [signed-by=%s] %s %s main\n' "$KEYRING" "$MIRROR" "$BPO_SUITE" >"$work/apt/sources.list"
apt_priv=(-o "Dir::Etc::SourceList=$work/apt/sources.list"
    -o "Dir::Etc::SourceParts=$work/apt/none"
    -o "Dir::State::Lists=$work/apt/lists"
    -o "Dir::Cache=$work/apt/cache"
    -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=")
apt-get "${apt_priv[@]}" -q update >&2 || die "apt-get update of $MIRROR $BPO_SUITE failed"
osmtpd_version=$(apt-cache "${apt_priv[@]}" show "opensmtpd/$BPO_SUITE" 2>/dev/null |
    sed -n 's/^Version: //p' | head -n 1)
[[ -n $osmtpd_version ]] || die "no opensmtpd in $MIRROR $BPO_SUITE"
if [[ $(installed_version opensmtpd) != "opensmtpd_$osmtpd_version" ]]; then
    (cd "$work/debs" && apt-get "${apt_priv[@]}" download -q "opensmtpd=$osmtpd_version") >&2 ||
        die "apt-get download opensmtpd failed"
    unpack opensmtpd "$work/debs"/opensmtpd_*.deb
else
    log "opensmtpd_$osmtpd_version already in $ROOT/opensmtpd"
fi

# as the package's postinst does (dpkg-statoverride): smtpctl must be setgid
# opensmtpq, or it refuses to run ("smtpctl show queue" etc. by hand; the
# ctl scripts do not need it)
chgrp opensmtpq "$ROOT/opensmtpd/usr/sbin/smtpctl"
chmod 2755 "$ROOT/opensmtpd/usr/sbin/smtpctl"

# ---------------------------------------------------------------- check
missing=$( { ldd "$ROOT/exim/usr/sbin/exim4"; ldd "$ROOT/opensmtpd/usr/sbin/smtpd"
    ldd "$ROOT/opensmtpd/usr/sbin/smtpctl"; } 2>&1 | sed -n 's/^[[:space:]]*\([^ ]*\) => not found.*/\1/p' | sort -u)
if [[ -n $missing ]]; then
    die "shared libraries missing (install them with apt): ${missing//$'\n'/ }"
fi
"$ROOT/exim/usr/sbin/exim4" -C /dev/null -bV >/dev/null 2>&1 ||
    die "$ROOT/exim/usr/sbin/exim4 -C /dev/null -bV failed"
log "ok: $(installed_version exim), $(installed_version opensmtpd) in $ROOT"
