#!/bin/sh
# Metrics microbenchmark: lib/metrics' share of `smctl report` (a year of
# 100,000 posts by week and platform, JSON Lines and CSV) and of `smctl
# metric import` (100k posts to match), and lib/goals' goal check.
# bench/metrics.c documents what is measured.
#
#   sh bench/metrics.sh [BUILD]
#
# Links bench/metrics.c against BUILD/libsmcal.a (default build), rebuilt
# when the source or the library changes.  Environment: BENCH_METRICS_POSTS
# (default 100000).  A benchmark, never a test: it exits 0 whatever the
# numbers are, and non-zero only when it cannot run at all.
set -u

build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
lib=$build/libsmcal.a
bin=$build/bench/metrics

if [ ! -f "$lib" ]; then
	echo "note: $lib not built; metrics benchmark skipped"
	exit 0
fi
mkdir -p "$build/bench" || exit 1
if [ ! -x "$bin" ] || [ -n "$(find "$here/metrics.c" "$lib" -newer "$bin")" ]; then
	# shellcheck disable=SC2046
	cc -std=c11 -O2 -D_GNU_SOURCE -iquote "$top/lib" \
		-I/usr/include/iniparser -o "$bin" "$here/metrics.c" "$lib" \
		-liniparser $(pkg-config --cflags --libs libical jansson sqlite3 openssl) \
		-lm -lpthread || exit 1
fi
echo
echo "metrics benchmark"
exec "$bin" "${BENCH_METRICS_POSTS:-100000}" 7
