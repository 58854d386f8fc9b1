#!/bin/sh
# Other local users and the daemon's own files (issue 13 items 11-13, 15,
# 16; issue 7's one daemon per state and unusable state_dir): a forged
# outbox row in a state_dir others can write, symlinks and foreign files at
# the event log path, file modes under any umask, one daemon per state_dir,
# an unwritable state_dir (exit 78, --check), no duplicate audit lines when
# the ledger cannot commit, outbox retention, and the event log's rotation
# (SIGUSR1, copytruncate).  The scenarios live in localsec_test.py.  The
# other user is uid 65534 (nobody), through setpriv: that needs root, so a
# non-root run is skipped (CI runs as root).
. "$(dirname "$0")/lib.sh"
[ -x "$SMCALD" ] || fail "no $SMCALD: run make (BUILD=$BUILD_DIR)"
command -v python3 >/dev/null 2>&1 || fail "python3 not found"
python3 -c 'import sqlite3' 2>/dev/null || fail "python3 has no sqlite3 module"
[ "$(id -u)" = 0 ] || skip "needs root: another local user is played with setpriv"
command -v setpriv >/dev/null 2>&1 || fail "setpriv not found (util-linux)"
SMCALD="$SMCALD" SMCAL_IT_TMP="$TMP" SMCAL_IT_VG="$VG" \
	python3 "$TOP/tests/integration/localsec_test.py" "$@"
