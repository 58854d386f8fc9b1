#!/bin/sh
# Daemon benchmark: fire lateness with 100,000 posts (1,000 of them due a
# minute after start), idle wake-ups, load and reload time, resident memory,
# and reloads beside the 100,000 posts (a small calendar saved, a SIGHUP
# with nothing changed): their time and peak memory.
#
#   sh bench/daemon.sh [BUILD]
#
# Runs BUILD/smcald (default build) three times in the foreground, each with
# a fresh state directory under BUILD/bench-out/daemon-*; bench/daemon.py
# does the work and documents what each number means.  The calendars come
# from bench/gen.py into $BENCH_DATA (default BUILD/bench-data) and are
# reused while gen.py is unchanged.  Environment: BENCH_DAEMON_IDLE (default
# 60 seconds of idle measurement).  Takes about 3 minutes.  A benchmark,
# never a test: it exits 0 whatever the numbers are, and non-zero only when
# it cannot run at all.
set -u

build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
data=${BENCH_DATA:-$build/bench-data}
out=$build/bench-out

smcald=$build/smcald
if [ ! -x "$smcald" ]; then
	echo "note: $smcald not built; daemon benchmark skipped"
	exit 0
fi
mkdir -p "$data" "$out" || exit 1
echo
echo "daemon benchmark"
exec python3 "$here/daemon.py" --smcald "$smcald" --data "$data" \
	--out "$out" --idle "${BENCH_DAEMON_IDLE:-60}"
