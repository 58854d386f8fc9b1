#!/bin/sh
# smctl expand against the two reference engines over the corpus (see
# differential.py and tests/data/oracle-decisions.md).
. "$(dirname "$0")/lib.sh"
need_corpus
[ -x "$SHARED/tools/oracle-expand" ] || skip "no oracle at $SHARED/tools"
exec python3 "$TOP/tests/integration/differential.py" "$SMCTL" "$SHARED" \
	"$TOP/tests/data/oracle-decisions.md" "$TOP/build/oracle-cache"
