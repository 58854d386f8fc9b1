#!/bin/sh
# KPIs and goals (SPEC 8) through the real smcald and smctl: a CSV written
# like a platform's export (BOM, semicolons, quoted thousands, Meta's
# dates) imported and matched by id and publish time, `smctl report
# --json` and `--csv` against numbers the test works out by hand, values
# recorded by hand (series need --occurrence; a later value replaces the
# current one, the history is kept), followers, `smctl goals`, a bad CSV
# that changes nothing in the database, a file sent in pieces, exit codes,
# and goal.off_track reaching a Node receiver that verifies its signature.
# Scenarios: kpi_test.py; under `make valgrind` the daemon runs inside $VG.
. "$(dirname "$0")/lib.sh"
command -v node >/dev/null 2>&1 || skip "node not found (apt-get install nodejs npm)"
[ -x "$SMCALD" ] || fail "no $SMCALD: run make (BUILD=$BUILD_DIR)"
[ -x "$SMCTL" ] || fail "no $SMCTL: run make (BUILD=$BUILD_DIR)"
command -v python3 >/dev/null 2>&1 || fail "python3 not found"
python3 -c 'import sqlite3, zoneinfo' 2>/dev/null ||
	fail "python3 lacks the sqlite3 or zoneinfo module"
NODE_TEST_DIR="$TOP/build/node-test"
SMCAL_NODE_TEST_DIR="$NODE_TEST_DIR" sh "$TOP/scripts/test-setup.sh" node ||
	fail "scripts/test-setup.sh could not provide standardwebhooks (see above)"
SMCALD="$SMCALD" SMCTL="$SMCTL" SMCAL_IT_TMP="$TMP" SMCAL_IT_VG="$VG" \
	SMCAL_RECEIVER="$TOP/tests/integration/webhook_receiver.mjs" \
	SMCAL_NODE_TEST_DIR="$NODE_TEST_DIR" \
	python3 "$TOP/tests/integration/kpi_test.py" "$@"
