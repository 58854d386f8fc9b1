#!/bin/sh
# Every calendar of the shared corpus loads, lints and expands without a
# crash (run under ASan by `make sanitize`, valgrind by `make valgrind`):
# lint exits 0 or 1 (never a signal), expand exits 0 and prints valid JSON.
. "$(dirname "$0")/lib.sh"
need_corpus
n=0
for f in "$SHARED"/corpus/ics/*/*.ics; do
	n=$((n + 1))
	$VG "$SMCTL" lint "$f" >"$TMP/lint.out" 2>&1
	rc=$?
	[ $rc -le 1 ] || fail "lint $f exited $rc: $(tail -5 "$TMP/lint.out")"
	$VG "$SMCTL" expand "$f" --from 1990-01-01 --to 2031-01-01 --all \
		--json >"$TMP/expand.out" 2>"$TMP/expand.err" ||
		fail "expand $f exited $?: $(tail -5 "$TMP/expand.err")"
	python3 -c '
import json, sys
prev = None
for n, line in enumerate(open(sys.argv[1]), 1):
    o = json.loads(line)
    for k in ("uid", "recurrence_id", "start", "all_day", "summary",
              "platforms", "status"):
        if k not in o:
            sys.exit("%s line %d: no %s" % (sys.argv[1], n, k))
    if prev is not None and o["start"] < prev:
        sys.exit("%s line %d: not in start order" % (sys.argv[1], n))
    prev = o["start"]
' "$TMP/expand.out" || fail "expand $f: bad output"
done
echo "corpus: $n files loaded, linted and expanded"
[ $n -gt 0 ] || fail "no corpus files"
