#!/usr/bin/env bash
# Build the test Asterisk once per machine, into a cache directory outside the repository.
#
# The telephony tests run KC against a real Asterisk 22 built from the vendored source tarball
# (facts for the offline build: ../shared/vendor/asterisk/SOURCE.md). This script is idempotent:
# when a built Asterisk is already in the cache (or KC_ASTERISK_HOME names an installed one), it
# does nothing. Otherwise it installs the missing Debian build packages, checks the tarball's
# sha256, configures without any download, disables the sound packages (they download at install
# time), builds with `nice -n 10 make -j2` and installs into the cache. Fails loudly when it cannot.
#
# Settings:
#   KC_ASTERISK_HOME    where the built Asterisk lives (default ${XDG_CACHE_HOME:-$HOME/.cache}/kc/asterisk-22.10.1);
#                       may name an Asterisk installed elsewhere (a tree with sbin/asterisk and its modules)
#   KC_ASTERISK_SOURCE  the source tarball (default ../shared/vendor/asterisk/asterisk-22.10.1.tar.gz
#                       relative to the repository root)
#   KC_ASTERISK_JOBS    parallel make jobs (default 2)
set -euo pipefail

VERSION=22.10.1
SHA256=21203c1352060a5a7577844d7b5ca1e833593c531ddab4c1bd2107d39176618c
BUILD_PACKAGES=(build-essential libjansson-dev libedit-dev libncurses-dev pkg-config libxml2-dev
  libsqlite3-dev uuid-dev libssl-dev)
DONE_MARK=.kc-asterisk-built
STARTED_MARK=.kc-asterisk-building

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
home=${KC_ASTERISK_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/kc/asterisk-$VERSION}
source_tar=${KC_ASTERISK_SOURCE:-$repo_root/../shared/vendor/asterisk/asterisk-$VERSION.tar.gz}
jobs=${KC_ASTERISK_JOBS:-2}

fail() { echo "asterisk-build: $*" >&2; exit 1; }

# Already there: our own finished build, or an Asterisk installed elsewhere and named by the setting.
if [ -f "$home/$DONE_MARK" ] && [ -x "$home/sbin/asterisk" ]; then
  exit 0
fi
if [ ! -f "$home/$STARTED_MARK" ] && [ -x "$home/sbin/asterisk" ]; then
  [ -d "$home/lib/asterisk/modules" ] \
    || fail "$home/sbin/asterisk exists but $home/lib/asterisk/modules does not; KC_ASTERISK_HOME must name an installation prefix"
  exit 0
fi
case "$home" in
  "$repo_root"|"$repo_root"/*) fail "KC_ASTERISK_HOME ($home) must lie outside the repository" ;;
esac
if [ -d "$home" ] && [ -n "$(ls -A "$home")" ] && [ ! -f "$home/$STARTED_MARK" ]; then
  fail "$home is not empty and holds no Asterisk of ours; empty it or point KC_ASTERISK_HOME elsewhere"
fi

echo "asterisk-build: no built Asterisk in $home; building $VERSION once for this machine (several minutes)"
[ -f "$source_tar" ] || fail "source tarball not found: $source_tar (set KC_ASTERISK_SOURCE)"
actual=$(sha256sum "$source_tar" | awk '{print $1}')
[ "$actual" = "$SHA256" ] || fail "sha256 of $source_tar is $actual, expected $SHA256"

missing=()
for package in "${BUILD_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "asterisk-build: installing Debian build packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo -n)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q || fail "apt-get update failed"
  "${sudo_cmd[@]}" apt-get install -y -q "${missing[@]}" || fail "cannot install ${missing[*]}"
fi

# A half-finished earlier attempt (marked by us) is thrown away.
if [ -f "$home/$STARTED_MARK" ]; then
  rm -rf -- "$home"
fi
mkdir -p "$home"
touch "$home/$STARTED_MARK"
work=$(mktemp -d "${TMPDIR:-/tmp}/kc-asterisk-build.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
started=$(date +%s)

tar -xzf "$source_tar" -C "$work" || fail "cannot unpack $source_tar"
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -x "$src/configure" ] || fail "no configure script in $source_tar"
cd "$src"

log="$work/build.log"
run() {
  # Quiet on success; the tail of the log on failure.
  if ! "$@" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    fail "failed: $*"
  fi
}

echo "asterisk-build: configure"
run nice -n 10 ./configure --prefix="$home" --without-pjproject-bundled --with-jansson-bundled=no \
  --without-libjwt-bundled
echo "asterisk-build: menuselect (no sound packages: they download at install time)"
run nice -n 10 make menuselect.makeopts
run menuselect/menuselect --disable-category MENUSELECT_CORE_SOUNDS --disable-category MENUSELECT_MOH \
  --disable-category MENUSELECT_EXTRA_SOUNDS menuselect.makeopts
enabled=$(menuselect/menuselect --list-options menuselect.makeopts \
  | awk '$1 == "+" && $3 ~ /^MENUSELECT_(CORE_SOUNDS|MOH|EXTRA_SOUNDS)$/ {print $2}')
[ -z "$enabled" ] || fail "sound packages still enabled in menuselect: $enabled"
echo "asterisk-build: make -j$jobs"
run nice -n 10 make -j"$jobs"
echo "asterisk-build: install into $home"
run nice -n 10 make install
[ -x "$home/sbin/asterisk" ] || fail "make install left no $home/sbin/asterisk"
# Local channels are part of the core; the modules KC's tests load must be there.
for module in app_dial res_agi app_mixmonitor app_chanspy app_playback app_read app_record app_originate \
  res_musiconhold pbx_config; do
  [ -f "$home/lib/asterisk/modules/$module.so" ] || fail "the build has no $module.so"
done

rm -f "$home/$STARTED_MARK"
echo "$VERSION built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(( $(date +%s) - started )) s" >"$home/$DONE_MARK"
echo "asterisk-build: done in $(( $(date +%s) - started )) s: $home"
