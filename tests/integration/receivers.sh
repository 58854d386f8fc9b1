#!/bin/sh
# Hostile and broken webhook receivers (issue 13, items 7-10 and 14): the
# real smcald against loopback receivers written in Python that send an
# endless chunked 200 (endless chunks, or an endless chunk extension), reset
# a kept-alive connection as the next request arrives, hang with
# concurrency 64 next to a healthy endpoint, put a Retry-After on an interim
# 1xx response, and check that configured headers are the current ones
# after a reload.  Scenarios: receivers_test.py (helpers: smcal_it.py);
# under `make valgrind` the daemon runs inside $VG.
. "$(dirname "$0")/lib.sh"
[ -x "$SMCALD" ] || fail "no $SMCALD: run make (BUILD=$BUILD_DIR)"
command -v python3 >/dev/null 2>&1 || fail "python3 not found"
python3 -c 'import sqlite3, zoneinfo' 2>/dev/null ||
	fail "python3 lacks the sqlite3 or zoneinfo module"
SMCALD="$SMCALD" SMCAL_IT_TMP="$TMP" SMCAL_IT_VG="$VG" \
	python3 "$TOP/tests/integration/receivers_test.py" "$@"
