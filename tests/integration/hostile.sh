#!/bin/sh
# Hostile calendar text must never stop the daemon (issue 13, items 1-2):
# a FREQ=SECONDLY post saved two hours back, twenty of them ahead, a 50 MB
# DESCRIPTION, SIGTERM during the first load and during the reload of a
# 16 MB calendar.  The scenarios live in hostile_test.py (which reuses
# daemon_test.py's helpers); under `make valgrind` the daemon runs in $VG.
. "$(dirname "$0")/lib.sh"
[ -x "$SMCALD" ] || skip "no $SMCALD: run make (BUILD=$BUILD_DIR)"
command -v python3 >/dev/null 2>&1 || skip "python3 not found"
python3 -c 'import sqlite3' 2>/dev/null || skip "python3 has no sqlite3 module"
SMCALD="$SMCALD" SMCAL_IT_TMP="$TMP" SMCAL_IT_VG="$VG" \
	python3 "$TOP/tests/integration/hostile_test.py" "$@"
