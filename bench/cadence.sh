#!/bin/sh
# Cadence benchmark: lib/cadence's share of `smctl cadence` (gather,
# report, JSON) for 8 platforms over 13 weeks with 100,000 posts, and the
# daemon's alert evaluation (bench/cadence.c documents what is measured);
# then `smctl cadence` end to end through the real smctl and smcald with
# 100,000 posts loaded, and the daemon's extra RSS for the cadence
# (bench/cadence_daemon.py).
#
#   sh bench/cadence.sh [BUILD]
#
# Links bench/cadence.c against BUILD/libsmcal.a (default build), rebuilt
# when the source or the library changes.  Environment: BENCH_CADENCE_POSTS
# (default 100000).  A benchmark, never a test: it exits 0 whatever the
# numbers are, and non-zero only when it cannot run at all.
set -u

build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
lib=$build/libsmcal.a
bin=$build/bench/cadence

if [ ! -f "$lib" ]; then
	echo "note: $lib not built; cadence benchmark skipped"
	exit 0
fi
mkdir -p "$build/bench" || exit 1
if [ ! -x "$bin" ] || [ -n "$(find "$here/cadence.c" "$lib" -newer "$bin")" ]; then
	# shellcheck disable=SC2046
	cc -std=c11 -O2 -D_GNU_SOURCE -iquote "$top/lib" \
		-I/usr/include/iniparser -o "$bin" "$here/cadence.c" "$lib" \
		-liniparser $(pkg-config --cflags --libs libical jansson sqlite3 openssl) \
		-lm -lpthread || exit 1
fi
echo
echo "cadence benchmark"
"$bin" "${BENCH_CADENCE_POSTS:-100000}" 7 || exit 1
if [ -x "$build/smcald" ] && [ -x "$build/smctl" ]; then
	echo
	python3 "$here/cadence_daemon.py" --smcald "$build/smcald" \
		--smctl "$build/smctl" --out "$build/bench-out" \
		--posts "${BENCH_CADENCE_POSTS:-100000}" || exit 1
else
	echo "note: $build/smcald or smctl not built; end-to-end cadence benchmark skipped"
fi
