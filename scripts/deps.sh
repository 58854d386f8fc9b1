#!/bin/sh
# Installs the Debian packages smcal builds and tests with, only those that are
# missing, through sudo when not root. Called by `make run` and `make check`.
set -eu
pkgs="build-essential pkg-config libuv1-dev libcurl4-openssl-dev libical-dev
libiniparser-dev libcmocka-dev libsqlite3-dev libjansson-dev libssl-dev
libsystemd-dev tzdata unicode-cldr-core python3 python3-recurring-ical-events
nodejs npm clang libclang-rt-14-dev valgrind clang-format locales systemd
bash-completion groff-base gettext"
missing=""
for p in $pkgs; do
	# nodejs from another source provides npm itself.
	if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
	if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
