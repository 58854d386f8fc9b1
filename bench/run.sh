#!/bin/sh
# Calendar load-and-expand benchmark: smctl expand against libical's bare
# parse and the ical.js oracle, on generated editorial calendars.
#
#   sh bench/run.sh [BUILD]
#
# BUILD (default build) holds smctl; the calendars are generated once into
# $BENCH_DATA (default BUILD/bench-data) and reused while bench/gen.py is
# unchanged, and every tool's output is kept in BUILD/bench-out.  Environment:
# BENCH_SIZES (default "1000 10000 100000" posts), BENCH_JS_TIMEOUT (default
# 180 seconds for each ical.js run), SMCAL_SHARED (default ../shared next to
# the checkout).  Each run is measured once by bench/measure.py: wall time
# and peak resident memory.  A benchmark, never a test: it exits 0 whatever
# the numbers are, and non-zero only when it cannot run at all.
set -u

build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
shared=${SMCAL_SHARED:-$top/../shared}
data=${BENCH_DATA:-$build/bench-data}
out=$build/bench-out
sizes=${BENCH_SIZES:-1000 10000 100000}
js_timeout=${BENCH_JS_TIMEOUT:-180}
from=2027-01-01
to=2028-01-01
measure="python3 $here/measure.py"

mkdir -p "$data" "$out" "$build/bench" || exit 1

# The bare libical parser, rebuilt when its source changes.
parser=$build/bench/parse_libical
if [ ! -x "$parser" ] ||
	[ -n "$(find "$here/parse_libical.c" -newer "$parser")" ]; then
	# shellcheck disable=SC2046
	cc -std=c11 -O2 -o "$parser" "$here/parse_libical.c" \
		$(pkg-config --cflags --libs libical) || exit 1
fi

smctl=$build/smctl
if [ ! -x "$smctl" ]; then
	echo "note: $smctl not built; its column reads n/a"
	smctl=
fi
oracle=$shared/tools/oracle-expand
if [ ! -x "$oracle" ]; then
	echo "note: $oracle not found; the ical.js column reads n/a"
	oracle=
fi

# Generate the calendars first so generation never overlaps a measurement.
for n in $sizes; do
	f=$data/posts-$n.ics
	if [ ! -s "$f" ] || [ -n "$(find "$here/gen.py" -newer "$f")" ]; then
		echo "generating $f"
		python3 "$here/gen.py" "$n" "$f.tmp" && mv "$f.tmp" "$f" || exit 1
	fi
done

# ical.js installs itself into a cache on first use; do it outside the clock.
if [ -n "$oracle" ]; then
	first=$(echo "$sizes" | awk '{ print $1 }')
	"$oracle" --engine js "$data/posts-$first.ics" "$from" "$to" \
		>/dev/null 2>"$out/js-warmup.err" || {
		echo "note: ical.js oracle does not run (see $out/js-warmup.err)"
		oracle=
	}
fi

# Results are "SECONDS MB FATE" words, split on purpose below.
# cell RESULT: "S / MB" for a run that worked, else its fate.
cell() {
	# shellcheck disable=SC2086
	set -- $1
	case $3 in
	ok) echo "$1 / $2" ;;
	timeout) echo "timeout" ;;
	*) echo "n/a" ;;
	esac
}

table=$out/table.txt
counts=""
verdict=""
printf '%-8s | %-7s | %-20s | %-20s | %-20s | %s\n' size posts \
	"smctl expand s / MB" "libical parse s / MB" "ical.js s / MB" \
	"ratio smctl/libical" >"$table"
for n in $sizes; do
	f=$data/posts-$n.ics
	mb=$(wc -c <"$f" | awk '{ printf "%.1f MB", $1 / 1048576 }')
	echo "measuring $n posts ($mb)"

	s="0 0 n/a"
	if [ -n "$smctl" ]; then
		s=$($measure -o "$out/smctl-$n.out" "$smctl" expand "$f" \
			--from "$from" --to "$to" --json 2>"$out/smctl-$n.err")
	fi
	l=$($measure -o "$out/libical-$n.out" "$parser" "$f" \
		2>"$out/libical-$n.err")
	j="0 0 n/a"
	if [ -n "$oracle" ]; then
		j=$($measure --timeout "$js_timeout" -o "$out/js-$n.out" \
			"$oracle" --engine js "$f" "$from" "$to" 2>"$out/js-$n.err")
	fi

	ratio=n/a
	# shellcheck disable=SC2086
	set -- $s
	s_secs=$1 s_mb=$2 s_fate=$3
	# shellcheck disable=SC2086
	set -- $l
	l_secs=$1 l_fate=$3
	if [ "$s_fate" = ok ] && [ "$l_fate" = ok ]; then
		ratio=$(awk -v a="$s_secs" -v b="$l_secs" \
			'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
		verdict="$n posts: time ratio $ratio (target <= 1.3), peak $s_mb MB (target <= 200)"
	fi
	printf '%-8s | %-7s | %-20s | %-20s | %-20s | %s\n' "$mb" "$n" \
		"$(cell "$s")" "$(cell "$l")" "$(cell "$j")" "$ratio" >>"$table"

	c_s=n/a c_j=n/a c_l=n/a
	[ "$s_fate" = ok ] && c_s=$(wc -l <"$out/smctl-$n.out")
	[ "$l_fate" = ok ] && c_l=$(cat "$out/libical-$n.out")
	case $j in *" ok") c_j=$(wc -l <"$out/js-$n.out") ;; esac
	counts="$counts$n posts: smctl $c_s occurrences, ical.js $c_j occurrences, libical $c_l VEVENTs
"
done

echo
cat "$table"
echo "target: <= 1.3x bare parse time, <= 200 MB peak"
[ -n "$verdict" ] && echo "largest: $verdict"
printf '%s' "$counts"
# Then the daemon: fire lateness, idle wake-ups, load/reload time, memory.
sh "$here/daemon.sh" "$build" || exit 1
# Then a burst of 1,000 posts due in the same second, delivered to webhooks.
sh "$here/webhooks.sh" "$build" || exit 1
# Then lib/cadence's share of `smctl cadence` with 100,000 posts.
sh "$here/cadence.sh" "$build" || exit 1
# Then the post queue's store: durable adds per second, list of 100k.
sh "$here/queue.sh" "$build" || exit 1
# Then lib/metrics' share of `smctl report` and of an import, and the goals.
sh "$here/metrics.sh" "$build" || exit 1
# Then the same through smcald and smctl: an import of 100k rows, reports.
sh "$here/kpi.sh" "$build" || exit 1
exit 0
