#!/bin/sh
# The real smcald on generated calendars due in seconds (SPEC 4, 9, 10):
# firing once at the right instant, no refire on restart, kill -9 during a
# burst, reloads (rename saves, broken calendars, SIGHUP), catch-up and
# missed events, --check/--version and clean shutdown.  The scenarios live
# in daemon_test.py; under `make valgrind` the daemon runs inside $VG.
. "$(dirname "$0")/lib.sh"
[ -x "$SMCALD" ] || skip "no $SMCALD: run make (BUILD=$BUILD_DIR)"
command -v python3 >/dev/null 2>&1 || skip "python3 not found"
python3 -c 'import sqlite3' 2>/dev/null || skip "python3 has no sqlite3 module"
SMCALD="$SMCALD" SMCAL_IT_TMP="$TMP" SMCAL_IT_VG="$VG" \
	python3 "$TOP/tests/integration/daemon_test.py" "$@"
