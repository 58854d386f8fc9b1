#!/bin/sh
# Runs every libFuzzer target found in BUILDDIR for SECONDS each.
#
#   sh tests/fuzz/run.sh BUILDDIR [SECONDS]
#
# Each target keeps its growing corpus in BUILDDIR/corpus-NAME, seeded on the
# first run: the calendar and expander targets from the shared .ics corpus
# ($SMCAL_SHARED, default ../shared next to the checkout, plus
# tests/fuzz/seeds/calendar, tests/fuzz/seeds/expand and conf/*.ics), files
# of at most MAX_LEN bytes only (64 KiB: inputs are cut there, and a few
# big seeds made every execution slow), the config target from
# conf/*.conf (plus tests/fuzz/seeds/config), the bulk post file target
# from tests/fuzz/seeds/postfile, the protocol target from
# tests/fuzz/seeds/proto (byte streams as a connection carries them).
# Crash inputs and logs land in BUILDDIR/artifacts-NAME, the fuzzer's
# output in BUILDDIR/NAME.log.  The expander target has a per-input time
# budget (-timeout, EXPAND_TIMEOUT seconds, default 10): a rule that makes
# the expander spin is a finding.  Exits non-zero when any target crashed,
# leaked or timed out.
set -u

if [ $# -lt 1 ]; then
	echo "usage: $0 BUILDDIR [SECONDS]" >&2
	exit 2
fi
builddir=$1
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
shared=${SMCAL_SHARED:-$top/../shared}
max_len=65536
expand_timeout=${EXPAND_TIMEOUT:-10}

# seed DIR PATTERN-ROOT NAME-GLOB: copies matching files of at most
# max_len bytes into DIR under names made unique by their path.
seed() {
	dir=$1 root=$2 glob=$3
	[ -d "$root" ] || return 0
	find "$root" -type f -name "$glob" -size -$((max_len + 1))c |
		while IFS= read -r f; do
			name=$(printf '%s' "${f#"$root"/}" | tr '/ ' '__')
			cp "$f" "$dir/$name"
		done
}

# count DIR: the number of files in DIR.
count() {
	find "$1" -type f | wc -l
}

status=0
summary=""
ran=0
for name in fuzz_calendar fuzz_expand fuzz_config fuzz_postfile fuzz_proto; do
	bin=$builddir/$name
	[ -x "$bin" ] || continue
	ran=$((ran + 1))
	corpus=$builddir/corpus-$name
	artifacts=$builddir/artifacts-$name
	mkdir -p "$corpus" "$artifacts"
	extra=""
	if [ "$(count "$corpus")" -eq 0 ]; then
		case $name in
		fuzz_calendar | fuzz_expand)
			seed "$corpus" "$shared/corpus/ics" '*.ics'
			seed "$corpus" "$top/conf" '*.ics'
			seed "$corpus" "$here/seeds/calendar" '*'
			seed "$corpus" "$here/seeds/expand" '*'
			;;
		fuzz_config)
			seed "$corpus" "$top/conf" '*.conf'
			seed "$corpus" "$here/seeds/config" '*'
			;;
		fuzz_postfile)
			seed "$corpus" "$here/seeds/postfile" '*'
			;;
		fuzz_proto)
			seed "$corpus" "$here/seeds/proto" '*'
			;;
		esac
	fi
	case $name in
	fuzz_calendar) extra="-max_len=$max_len" ;;
	fuzz_expand) extra="-max_len=$max_len -timeout=$expand_timeout" ;;
	esac
	nseeds=$(count "$corpus")
	log=$builddir/$name.log
	stamp=$builddir/.$name.stamp
	: >"$stamp"
	echo "== $name: ${seconds}s, corpus $corpus ($nseeds files)"
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$seconds" -print_final_stats=1 $extra \
		-artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1)
	ncorpus=$(count "$corpus")
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc)"
		status=1
		# The sanitizer's verdict and the first frames of our own code.
		echo "-- $name failed; full output in $log:"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|(READ|WRITE) of)' "$log"
		grep -E '^ +#[0-9]+ .* in ' "$log" |
			grep -Ev 'fuzzer::|libc_start|in _start|in main |in malloc|in calloc|in realloc|operator new' |
			head -12
		find "$artifacts" -type f -newer "$stamp" |
			sed 's|^|   artifact: |'
	fi
	line=$(printf '%-14s %-20s execs %-10s exec/s %-7s %-10s corpus %s' \
		"$name" "$result" "${execs:-?}" "${rate:-?}" "${cov:-cov: ?}" \
		"$ncorpus")
	summary="$summary$line
"
done

echo "== fuzz summary"
if [ "$ran" -eq 0 ]; then
	echo "no fuzz targets in $builddir" >&2
	exit 1
fi
printf '%s' "$summary"
exit $status
