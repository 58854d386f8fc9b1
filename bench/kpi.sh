#!/bin/sh
# KPI benchmark: `smctl metric import` of a 100,000-row CSV and `smctl
# report` over a year of 100,000 posts by week and platform, through the
# real smctl and smcald (bench/kpi.py says what is measured).
#
#   sh bench/kpi.sh [BUILD]
#
# Environment: BENCH_KPI_POSTS (default 100000), BENCH_KPI_ROUNDS (default
# 5).  Works in BUILD/bench-out/kpi.  A benchmark, never a test: it exits 0
# whatever the numbers are, and non-zero only when it cannot run at all.
set -u

build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
out=$build/bench-out
if [ ! -x "$build/smcald" ] || [ ! -x "$build/smctl" ]; then
	echo "note: $build/smcald or smctl not built; KPI benchmark skipped"
	exit 0
fi
mkdir -p "$out" || exit 1
echo
echo "KPI benchmark (smctl metric import, smctl report)"
python3 "$here/kpi.py" --smcald "$build/smcald" --smctl "$build/smctl" \
	--out "$out" --posts "${BENCH_KPI_POSTS:-100000}" \
	--rounds "${BENCH_KPI_ROUNDS:-5}" || exit 1
rm -rf "$out/kpi"
exit 0
