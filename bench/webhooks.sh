#!/bin/sh
# Webhook burst benchmark: 1,000 posts due in the same second, all routed to
# one json webhook (signed, concurrency 8, then 32), received on loopback by
# a Python ThreadingHTTPServer and by a small node:http server when node is
# installed.  Reports the time from the instant to the last delivery, the
# delivery rate, duplicates and missing ids, the signatures, the daemon's
# own "delivered" count and its peak memory, and each receiver's own rate.
#
#   sh bench/webhooks.sh [BUILD]
#
# Runs BUILD/smcald (default build) in the foreground once per receiver and
# concurrency, each time with a fresh state directory under
# BUILD/bench-out/webhooks-*; bench/webhooks.py does the work and documents
# what each number means.  Environment: BENCH_WEBHOOK_CONCURRENCY (default
# "8,32"), BENCH_WEBHOOK_RECEIVERS (default "python,node").  Takes about 2
# minutes.  A benchmark, never a test: it exits 0 whatever the numbers are,
# and non-zero only when it cannot run at all.
set -u

build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
out=$build/bench-out

smcald=$build/smcald
if [ ! -x "$smcald" ]; then
	echo "note: $smcald not built; webhook benchmark skipped"
	exit 0
fi
mkdir -p "$out" || exit 1
echo
echo "webhook benchmark"
exec python3 "$here/webhooks.py" --smcald "$smcald" --out "$out" \
	--concurrency "${BENCH_WEBHOOK_CONCURRENCY:-8,32}" \
	--receivers "${BENCH_WEBHOOK_RECEIVERS:-python,node}"
