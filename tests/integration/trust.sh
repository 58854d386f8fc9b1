#!/bin/sh
# A mistake never costs a post (issue 7): calendars replaced in place by an
# empty, binary or cut-short file keep firing; a start with a broken file
# serves the last clean copy kept in state_dir (loudly: log, sd_notify
# STATUS); posts added with a time already past fire late or are recorded
# (reminders collapsed); `smcald --check` fails on what the daemon would
# complain about; `overdue = none`.  Scenarios: trust_test.py (it reuses
# daemon_test.py's helpers); under `make valgrind` the daemon runs in $VG.
. "$(dirname "$0")/lib.sh"
[ -x "$SMCALD" ] || skip "no $SMCALD: run make (BUILD=$BUILD_DIR)"
command -v python3 >/dev/null 2>&1 || skip "python3 not found"
python3 -c 'import sqlite3' 2>/dev/null || skip "python3 has no sqlite3 module"
SMCALD="$SMCALD" SMCTL="$SMCTL" SMCAL_IT_TMP="$TMP" SMCAL_IT_VG="$VG" \
	python3 "$TOP/tests/integration/trust_test.py" "$@"
