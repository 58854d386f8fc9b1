#!/bin/sh
# Test prerequisites that are not build dependencies (idempotent; fast when
# already done).  Called by the integration tests that need them:
#   - the fr_FR.UTF-8 locale (webhook dates in French), generated with
#     locale-gen when `locale -a` lacks it (as root, else through sudo);
#   - the npm `standardwebhooks` verifier, pinned, installed into
#     $TOP/build/node-test (node_modules there; nothing global).
# Usage: scripts/test-setup.sh [locale|node]...   (default: both)
# Exit 0 when everything asked for is in place, 1 otherwise (with the reason
# on stderr).
set -u
TOP=${SMCAL_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
NODE_DIR=${SMCAL_NODE_TEST_DIR:-$TOP/build/node-test}
SW_VERSION=1.1.1
rc=0

as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo -n "$@" || sudo "$@"
	else
		echo "test-setup: need root (or sudo) for: $*" >&2
		return 1
	fi
}

have_locale() {
	locale -a 2>/dev/null | grep -qix "$1" ||
		locale -a 2>/dev/null | grep -qix "$(echo "$1" | sed 's/UTF-8/utf8/')"
}

setup_locale() {
	have_locale fr_FR.UTF-8 && return 0
	if [ -f /etc/locale.gen ] && command -v locale-gen >/dev/null 2>&1; then
		if ! grep -q '^fr_FR.UTF-8 UTF-8' /etc/locale.gen; then
			if grep -q '^# *fr_FR.UTF-8 UTF-8' /etc/locale.gen; then
				as_root sed -i 's/^# *\(fr_FR.UTF-8 UTF-8\)/\1/' /etc/locale.gen
			else
				echo 'fr_FR.UTF-8 UTF-8' | as_root tee -a /etc/locale.gen >/dev/null
			fi || return 1
		fi
		as_root locale-gen >/dev/null || return 1
	elif command -v localedef >/dev/null 2>&1; then
		as_root localedef -i fr_FR -f UTF-8 fr_FR.UTF-8 || return 1
	else
		echo "test-setup: no locale-gen or localedef (apt-get install locales)" >&2
		return 1
	fi
	have_locale fr_FR.UTF-8 || {
		echo "test-setup: fr_FR.UTF-8 still missing after locale-gen" >&2
		return 1
	}
}

node_ready() {
	[ -f "$NODE_DIR/node_modules/standardwebhooks/package.json" ] &&
		grep -q "\"version\": *\"$SW_VERSION\"" \
			"$NODE_DIR/node_modules/standardwebhooks/package.json"
}

setup_node() {
	node_ready && return 0
	command -v node >/dev/null 2>&1 || {
		echo "test-setup: node not found" >&2
		return 1
	}
	command -v npm >/dev/null 2>&1 || {
		echo "test-setup: npm not found" >&2
		return 1
	}
	mkdir -p "$NODE_DIR" || return 1
	cat >"$NODE_DIR/package.json" <<JSON
{
  "name": "smcal-node-test",
  "private": true,
  "description": "Test-only Node dependencies of smcal (scripts/test-setup.sh)",
  "dependencies": {
    "standardwebhooks": "$SW_VERSION"
  }
}
JSON
	(cd "$NODE_DIR" && npm install --no-audit --no-fund --silent) || {
		echo "test-setup: npm install standardwebhooks@$SW_VERSION failed in $NODE_DIR" >&2
		return 1
	}
	node_ready || {
		echo "test-setup: standardwebhooks $SW_VERSION not in $NODE_DIR after npm install" >&2
		return 1
	}
}

[ $# -eq 0 ] && set -- locale node
for what in "$@"; do
	case $what in
	locale) setup_locale || rc=1 ;;
	node) setup_node || rc=1 ;;
	*) echo "test-setup: unknown item $what (locale, node)" >&2; rc=2 ;;
	esac
done
exit $rc
