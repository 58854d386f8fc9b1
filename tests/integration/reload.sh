#!/bin/sh
# Reloads cost what changed (issue 12): unchanged calendars are shared with
# the running world, not read again; a save reads that calendar only; a
# config change outside a calendar's section reads nothing; posts fire once
# through it all.  Scenarios: reload_test.py; under `make valgrind` the
# daemon runs in $VG.
. "$(dirname "$0")/lib.sh"
[ -x "$SMCALD" ] || skip "no $SMCALD: run make (BUILD=$BUILD_DIR)"
command -v python3 >/dev/null 2>&1 || skip "python3 not found"
SMCALD="$SMCALD" SMCTL="$SMCTL" SMCAL_IT_TMP="$TMP" SMCAL_IT_VG="$VG" \
	python3 "$TOP/tests/integration/reload_test.py" "$@"
