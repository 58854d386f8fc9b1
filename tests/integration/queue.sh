#!/bin/sh
# The post queue through the control socket (SPEC 6, 7, 9): the real smcald
# driven by the real smctl.  add, list, show, cancel, done, next and export
# (the exported file re-read by smctl lint and expand and by both oracle
# engines), next-free-slot placement across a DST change and with
# min_spacing, a bulk file with bad rows (nothing stored) and one placed in
# successive slots, a post added 3 s ahead firing on time to a verifying
# receiver, kill -9 right after an acknowledged add, cancel and done
# stopping events, a reload keeping the queue, pipelined adds answered in
# order.  Scenarios: queue_test.py; under `make valgrind` the binaries run
# inside $VG.
. "$(dirname "$0")/lib.sh"
[ -x "$SMCALD" ] || fail "no $SMCALD: run make (BUILD=$BUILD_DIR)"
[ -x "$SMCTL" ] || fail "no $SMCTL: run make (BUILD=$BUILD_DIR)"
command -v python3 >/dev/null 2>&1 || fail "python3 not found"
python3 -c 'import sqlite3, zoneinfo' 2>/dev/null ||
	skip "python3 lacks sqlite3 or zoneinfo"
command -v node >/dev/null 2>&1 || skip "node not found (apt-get install nodejs npm)"
ORACLE="$SHARED/tools/oracle-expand"
[ -x "$ORACLE" ] || skip "no $ORACLE (../shared beside the repository; set SMCAL_SHARED)"
# Bash completion of the post commands: options, statuses, and platform
# and calendar names read from the config given with -c.
BC=/usr/share/bash-completion/bash_completion
[ -f "$BC" ] || skip "bash-completion not installed (apt-get install bash-completion)"
printf '[daemon]\n[platform:instagram]\n[ Platform:TikTok ]\n[calendar:main]\n' >"$TMP/bc.conf"
got=$(bash -c '
. '"$BC"'
. "$1"
c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}; COMPREPLY=(); _smctl; echo "${COMPREPLY[*]}"; }
c smctl -c "$2" add --platform ""; c smctl list -c "$2" --calendar ""
c smctl add --dr; c smctl list --status c; c smctl done --u; c smctl ne
' sh "$TOP/completion/smctl.bash" "$TMP/bc.conf" 2>&1)
want="instagram tiktok
main queue
--draft
cancelled
--url
next"
[ "$got" = "$want" ] || fail "bash completion: got
$got
expected
$want"

NODE_TEST_DIR="$TOP/build/node-test"
SMCAL_NODE_TEST_DIR="$NODE_TEST_DIR" sh "$TOP/scripts/test-setup.sh" node ||
	fail "scripts/test-setup.sh could not provide standardwebhooks (see above)"
SMCALD="$SMCALD" SMCTL="$SMCTL" SMCAL_IT_TMP="$TMP" SMCAL_IT_VG="$VG" \
	SMCAL_RECEIVER="$TOP/tests/integration/webhook_receiver.mjs" \
	SMCAL_NODE_TEST_DIR="$NODE_TEST_DIR" SMCAL_ORACLE="$ORACLE" \
	python3 "$TOP/tests/integration/queue_test.py" "$@"
