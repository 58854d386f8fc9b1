#!/bin/sh
# Messages a team reads (issue 11): webhook sentences in the webhook's
# language (French from po/fr.po, English by default), a missing locale
# said once per load, template placeholders with RFC 3339 times, and
# smcald's log (RFC 3339 times in the configured zone, a timestamp per line
# away from the journal, plurals).  The real smcald, a local Node receiver
# verifying every Standard Webhooks signature (webhook_receiver.mjs);
# scenarios in i18n_test.py (it reuses webhooks_test.py's Receiver and
# Daemon); under `make valgrind` the daemon runs inside $VG.
. "$(dirname "$0")/lib.sh"
command -v node >/dev/null 2>&1 || skip "node not found (apt-get install nodejs npm)"
[ -x "$SMCALD" ] || fail "no $SMCALD: run make (BUILD=$BUILD_DIR)"
[ -f "$BUILD_DIR/locale/fr/LC_MESSAGES/smcal.mo" ] ||
	fail "no $BUILD_DIR/locale/fr/LC_MESSAGES/smcal.mo: run make (BUILD=$BUILD_DIR)"
command -v python3 >/dev/null 2>&1 || fail "python3 not found"
python3 -c 'import sqlite3, zoneinfo' 2>/dev/null ||
	fail "python3 lacks the sqlite3 or zoneinfo module"
sh "$TOP/scripts/test-setup.sh" locale ||
	fail "the fr_FR.UTF-8 locale is missing (see scripts/test-setup.sh)"
NODE_TEST_DIR="$TOP/build/node-test"
SMCAL_NODE_TEST_DIR="$NODE_TEST_DIR" sh "$TOP/scripts/test-setup.sh" node ||
	fail "scripts/test-setup.sh could not provide standardwebhooks (see above)"
# The daemon must find the build tree's catalogues by itself, and the
# installed one those `make install` put under PREFIX/share/locale.
unset SMCAL_LOCALEDIR
DEST="$TMP/dest"
make --no-print-directory -s -C "$TOP" BUILD="${BUILD:-build}" \
	DESTDIR="$DEST" PREFIX=/usr install >"$TMP/install.log" 2>&1 || {
	cat "$TMP/install.log" >&2
	fail "make install DESTDIR=$DEST PREFIX=/usr failed"
}
[ -f "$DEST/usr/share/locale/fr/LC_MESSAGES/smcal.mo" ] ||
	fail "make install did not install usr/share/locale/fr/LC_MESSAGES/smcal.mo"
SMCAL_INSTALLED_SMCALD="$DEST/usr/sbin/smcald" \
	SMCALD="$SMCALD" SMCTL="$SMCTL" SMCAL_IT_TMP="$TMP" SMCAL_IT_VG="$VG" \
	SMCAL_RECEIVER="$TOP/tests/integration/webhook_receiver.mjs" \
	SMCAL_NODE_TEST_DIR="$NODE_TEST_DIR" \
	python3 "$TOP/tests/integration/i18n_test.py" "$@"
