#!/bin/sh
# Messages carry only their text (issue 13, items 3-6): the real smcald
# fires posts whose calendar text abuses each format (Slack's <!channel>
# and <url|text>, Discord's masked links and spoilers, ntfy's RFC 2047
# header decoding, HTML in templates, a title holding "\n<2>" for the
# journal) and a post of one client's calendar naming another client's
# webhook, to a local Node receiver that verifies every Standard Webhooks
# signature (webhook_receiver.mjs); smctl lint and smcald --check on the
# same calendars.  Scenarios: messages_test.py (helpers: smcal_it.py);
# under `make valgrind` the daemon and smctl run inside $VG.
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
	python3 "$TOP/tests/integration/messages_test.py" "$@"
