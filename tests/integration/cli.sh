#!/bin/sh
# smctl's offline commands as a newcomer meets them (issue 11, "smctl expand
# and lint"): exit codes, --help for every command of smctl's table, -c after
# the command, expand's table (zone and offset, header, platforms, several
# files, all-day posts at allday_time), relative windows (today, tomorrow,
# +7d), the unchanged --json, and lint's X-WR-TIMEZONE warning.  Scenarios:
# cli_test.py; under `make valgrind` smctl runs inside $VG.
. "$(dirname "$0")/lib.sh"
[ -x "$SMCTL" ] || fail "no $SMCTL: run make (BUILD=$BUILD_DIR)"
command -v python3 >/dev/null 2>&1 || fail "python3 not found"
python3 -c 'import zoneinfo; zoneinfo.ZoneInfo("Europe/Paris")' 2>/dev/null ||
	fail "python3 lacks zoneinfo or the system zone data"
SMCTL="$SMCTL" SMCAL_IT_TMP="$TMP" SMCAL_IT_VG="$VG" \
	python3 "$TOP/tests/integration/cli_test.py" "$@"
