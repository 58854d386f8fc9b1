#!/bin/sh
# The posting plan (SPEC 7): the real smcald and the real smctl on
# calendars written relative to now.  cadence.gap fires at its notice
# instant, reaches a loopback receiver signed (the Node receiver of
# webhooks.sh verifies every Standard Webhooks signature) in the json and
# slack formats, and never fires twice across a restart; a calendar edit
# that fills the gap is seen at once (recovered), and a gap that comes back
# fires again; cadence.behind fires at the instant the current period falls
# behind, once; smctl cadence --json matches a table computed here (Europe/
# Paris, weeks, months, days, history, drafts, cancelled and two-platform
# posts, done marks, a Monday 00:30 post), and smctl cadence, calendar,
# status and lint -c show the plan and its guardrails.  Scenarios:
# cadence_test.py; under `make valgrind` the binaries run inside $VG.
. "$(dirname "$0")/lib.sh"
[ -x "$SMCALD" ] || fail "no $SMCALD: run make (BUILD=$BUILD_DIR)"
[ -x "$SMCTL" ] || fail "no $SMCTL: run make (BUILD=$BUILD_DIR)"
command -v python3 >/dev/null 2>&1 || fail "python3 not found"
python3 -c 'import sqlite3, zoneinfo' 2>/dev/null ||
	fail "python3 lacks the sqlite3 or zoneinfo module"
command -v node >/dev/null 2>&1 || skip "node not found (apt-get install nodejs npm)"
NODE_TEST_DIR="$TOP/build/node-test"
SMCAL_NODE_TEST_DIR="$NODE_TEST_DIR" sh "$TOP/scripts/test-setup.sh" node ||
	fail "scripts/test-setup.sh could not provide standardwebhooks (see above)"
SMCALD="$SMCALD" SMCTL="$SMCTL" SMCAL_IT_TMP="$TMP" SMCAL_IT_VG="$VG" \
	SMCAL_RECEIVER="$TOP/tests/integration/webhook_receiver.mjs" \
	SMCAL_NODE_TEST_DIR="$NODE_TEST_DIR" \
	python3 "$TOP/tests/integration/cadence_test.py" "$@"
