#!/bin/sh
# Webhook delivery (SPEC 5, 9): the real smcald fires posts due in seconds
# to a local Node receiver that verifies every Standard Webhooks signature
# with the npm `standardwebhooks` verifier (webhook_receiver.mjs): success,
# retries on 5xx with backoff, 429 + Retry-After, timeouts, connection
# refused, 410 disabling, kill -9 with deliveries pending, the slack,
# discord, ntfy and template formats, French dates, secret rotation and a
# hung endpoint next to a healthy one.  Scenarios: webhooks_test.py; under
# `make valgrind` the daemon runs inside $VG.
. "$(dirname "$0")/lib.sh"
command -v node >/dev/null 2>&1 || skip "node not found (apt-get install nodejs npm)"
[ -x "$SMCALD" ] || fail "no $SMCALD: run make (BUILD=$BUILD_DIR)"
command -v python3 >/dev/null 2>&1 || fail "python3 not found"
python3 -c 'import sqlite3, zoneinfo' 2>/dev/null ||
	fail "python3 lacks the sqlite3 or zoneinfo module"
NODE_TEST_DIR="$TOP/build/node-test"
SMCAL_NODE_TEST_DIR="$NODE_TEST_DIR" sh "$TOP/scripts/test-setup.sh" locale node ||
	fail "scripts/test-setup.sh could not provide the fr_FR.UTF-8 locale and standardwebhooks (see above)"
SMCALD="$SMCALD" SMCAL_IT_TMP="$TMP" SMCAL_IT_VG="$VG" \
	SMCAL_RECEIVER="$TOP/tests/integration/webhook_receiver.mjs" \
	SMCAL_NODE_TEST_DIR="$NODE_TEST_DIR" \
	python3 "$TOP/tests/integration/webhooks_test.py" "$@"
