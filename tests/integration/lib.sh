# Shared set-up for integration tests (sourced).  Sets TOP, BUILD_DIR,
# SHARED, SMCTL, SMCALD and a private TMP that is removed on exit.
TOP=${SMCAL_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD_DIR="$TOP/${BUILD:-build}"
SHARED=${SMCAL_SHARED:-$TOP/../shared}
SMCTL="$BUILD_DIR/smctl"
SMCALD="$BUILD_DIR/smcald"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/smcal-it.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
# Under `make valgrind` the binaries run inside valgrind.
VG=${SMCAL_VALGRIND_CMD:-}

skip() {
	echo "SKIPPED: $*" >&2
	exit 77
}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

need_corpus() {
	[ -d "$SHARED/corpus/ics" ] ||
		skip "no corpus at $SHARED/corpus/ics (../shared beside the repository); set SMCAL_SHARED"
}
