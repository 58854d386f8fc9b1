#!/bin/sh
# Queue benchmarks with 100,000 posts queued: the store alone (durable adds
# per second in transactions of 1 to 1,000 posts, listing, loading, slot
# finding and export: bench/queue_store.c says what each number means), then
# the whole path through the real smcald and smctl (bench/queue_daemon.py:
# smctl add per process, adds pipelined on one connection, smctl list,
# status latency with 1,000 adds in flight, the daemon's memory).
#
#   sh bench/queue.sh [BUILD]
#
# Builds BUILD/bench/queue_store against BUILD/libsmcal.a and runs it on a
# fresh state directory BUILD/bench-out/queue (on disk, so that every
# commit pays its fsync).  Environment: BENCH_QUEUE_POSTS (default 100000).
# A benchmark, never a test: it exits 0 whatever the numbers are, and
# non-zero only when it cannot run at all.
set -u

build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
out=$build/bench-out/queue
lib=$build/libsmcal.a
if [ ! -f "$lib" ]; then
	echo "note: $lib not built; queue benchmark skipped"
	exit 0
fi
mkdir -p "$build/bench" || exit 1
bin=$build/bench/queue_store
if [ ! -x "$bin" ] || [ -n "$(find "$here/queue_store.c" "$lib" -newer "$bin")" ]; then
	# shellcheck disable=SC2046
	cc -std=c11 -O2 -D_GNU_SOURCE -DSM_VERSION='"bench"' -iquote "$top/lib" \
		-I/usr/include/iniparser -o "$bin" "$here/queue_store.c" "$lib" \
		-liniparser $(pkg-config --cflags --libs libical jansson sqlite3 openssl) \
		-lm -lpthread || exit 1
fi
rm -rf "$out" && mkdir -p "$out" || exit 1
echo
echo "queue store benchmark"
"$bin" "$out" "${BENCH_QUEUE_POSTS:-100000}" || exit 1
rm -rf "$out"
if [ -x "$build/smcald" ] && [ -x "$build/smctl" ]; then
	echo
	mkdir -p "$out" &&
		python3 "$here/queue_daemon.py" "$build" "$out" \
			"${BENCH_QUEUE_POSTS:-100000}" || exit 1
	rm -rf "$out"
else
	echo "note: $build/smcald or smctl not built; the daemon's queue benchmark is skipped"
fi
exit 0
