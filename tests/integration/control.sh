#!/bin/sh
# The control socket and smctl (SPEC 6, 9, 10): the real smcald driven by
# the real smctl and by raw varlink clients: status, reload (a config with
# errors fails with them), deliveries and retry against a loopback
# receiver that fails then is fixed, pipelined requests, 2 MiB without a
# NUL, invalid JSON, 50 idle connections and a client that does not read
# (status still answers, a post still fires on time), users outside the
# allowed groups (created here), exit 69 when nothing listens, a second
# daemon refused, stale sockets, socket activation (systemd-socket-activate).
# Also: the man pages format without warnings and the bash completion
# completes.  Scenarios: control_test.py; under `make valgrind` the binaries
# run inside $VG.
. "$(dirname "$0")/lib.sh"
[ -x "$SMCALD" ] || fail "no $SMCALD: run make (BUILD=$BUILD_DIR)"
[ -x "$SMCTL" ] || fail "no $SMCTL: run make (BUILD=$BUILD_DIR)"
command -v python3 >/dev/null 2>&1 || fail "python3 not found"
command -v node >/dev/null 2>&1 || skip "node not found (apt-get install nodejs npm)"

# Man pages: groff finds nothing to warn about.
if command -v groff >/dev/null 2>&1; then
	for m in "$TOP"/man/*.[158]; do
		w=$(groff -man -ww -z "$m" 2>&1)
		[ -z "$w" ] || fail "groff warns about $m: $w"
	done
else
	skip "groff not found (apt-get install groff-base)"
fi

# Bash completion: commands, global options, a command's options.
BC=/usr/share/bash-completion/bash_completion
[ -f "$BC" ] || skip "bash-completion not installed (apt-get install bash-completion)"
got=$(bash -c '
. '"$BC"'
. "$1"
c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}; COMPREPLY=(); _smctl; echo "${COMPREPLY[*]}"; }
c smctl ""; c smctl -; c smctl -s x.sock del; c smctl deliveries --f
c smctl retry --; c smctl expand --tz Europe/Pari
c smctl report --by p
' sh "$TOP/completion/smctl.bash" 2>&1)
want="status add list show cancel done next export reload deliveries retry metric report goals lint expand cadence calendar
-c -s --help --version
deliveries
--failed
--json --help
Europe/Paris
platform persona"
[ "$got" = "$want" ] || fail "bash completion: got
$got
expected
$want"

NODE_TEST_DIR="$TOP/build/node-test"
SMCAL_NODE_TEST_DIR="$NODE_TEST_DIR" sh "$TOP/scripts/test-setup.sh" node ||
	fail "scripts/test-setup.sh could not provide standardwebhooks (see above)"
SMCALD="$SMCALD" SMCTL="$SMCTL" SMCAL_IT_TMP="$TMP" SMCAL_IT_VG="$VG" \
	SMCAL_RECEIVER="$TOP/tests/integration/webhook_receiver.mjs" \
	SMCAL_NODE_TEST_DIR="$NODE_TEST_DIR" \
	python3 "$TOP/tests/integration/control_test.py" "$@"
