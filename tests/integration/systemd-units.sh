#!/bin/sh
# systemd units and `make install` (SPEC.md section 10): installs into a
# DESTDIR, checks files, modes and the @SBINDIR@ substitution, runs
# `systemd-analyze verify` on the installed units and requires
# `systemd-analyze security --offline=true` to score smcald.service at an
# overall exposure of at most $SMCAL_MAX_EXPOSURE (1.5). Uninstall is checked
# last. Needs systemd-analyze >= 250 (--offline); skipped without it.
set -u
. "$(dirname "$0")/lib.sh"

MAX_EXPOSURE=${SMCAL_MAX_EXPOSURE:-1.5}
: "${BUILD:=build}"
export SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat SYSTEMD_LOG_COLOR=0

command -v systemd-analyze >/dev/null 2>&1 || skip "systemd-analyze not installed"
sdver=$(systemd-analyze --version 2>/dev/null | sed -n '1s/^systemd \([0-9][0-9]*\).*/\1/p')
[ -n "$sdver" ] || skip "cannot tell the systemd version"
[ "$sdver" -ge 250 ] || skip "systemd $sdver: security --offline needs 250 or newer"

# install ROOT PREFIX [make args...]
install_to() {
	root=$1 prefix=$2
	shift 2
	make -C "$TOP" --no-print-directory install DESTDIR="$root" \
		PREFIX="$prefix" BUILD="$BUILD" "$@" >"$TMP/make.log" 2>&1 ||
		{ cat "$TMP/make.log" >&2; fail "make install DESTDIR=$root PREFIX=$prefix failed"; }
}

# check_file PATH MODE
check_file() {
	[ -f "$1" ] || fail "not installed: $1"
	m=$(stat -c %a "$1")
	[ "$m" = "$2" ] || fail "$1: mode $m, expected $2"
}

# ---- make install DESTDIR=$TMP/root PREFIX=/usr -------------------------
ROOT=$TMP/root
install_to "$ROOT" /usr
UNITDIR=$ROOT/usr/lib/systemd/system
check_file "$ROOT/usr/sbin/smcald" 755
check_file "$ROOT/usr/bin/smctl" 755
check_file "$UNITDIR/smcald.service" 644
check_file "$UNITDIR/smcald.socket" 644
check_file "$ROOT/usr/lib/sysusers.d/smcal.conf" 644
check_file "$ROOT/usr/lib/tmpfiles.d/smcal.conf" 644
check_file "$ROOT/usr/share/doc/smcal/smcal.conf.example" 644
check_file "$ROOT/usr/share/doc/smcal/content.ics" 644
check_file "$ROOT/usr/share/bash-completion/completions/smctl" 644
for m in "$TOP"/man/*.[158]; do
	[ -f "$m" ] || continue
	sec=${m##*.}
	check_file "$ROOT/usr/share/man/man$sec/$(basename "$m")" 644
done
[ ! -e "$ROOT/etc" ] || fail "make install wrote below /etc: $(find "$ROOT/etc" | head -3)"
cmp -s "$ROOT/usr/sbin/smcald" "$BUILD_DIR/smcald" || fail "installed smcald differs from $BUILD_DIR/smcald"

grep -q '@[A-Z_]*@' "$UNITDIR/smcald.service" "$UNITDIR/smcald.socket" &&
	fail "placeholder left in the installed units: $(grep -h '@[A-Z_]*@' "$UNITDIR"/smcald.*)"
grep -qx 'ExecStart=/usr/sbin/smcald -c /etc/smcal/smcal.conf' "$UNITDIR/smcald.service" ||
	fail "ExecStart not substituted: $(grep ExecStart= "$UNITDIR/smcald.service")"
# systemctl reload waits for smctl reload (which fails on a bad config), and
# enabling the service enables its socket.
grep -qx 'ExecReload=/usr/bin/smctl -c /etc/smcal/smcal.conf reload' "$UNITDIR/smcald.service" ||
	fail "ExecReload is not smctl reload: $(grep ExecReload= "$UNITDIR/smcald.service")"
grep -qx 'Also=smcald.socket' "$UNITDIR/smcald.service" ||
	fail "smcald.service does not enable smcald.socket (Also=)"
# The socket unit and the daemon's default agree on the path.
grep -qx 'ListenStream=/run/smcal/smcal.sock' "$UNITDIR/smcald.socket" ||
	fail "smcald.socket does not listen on /run/smcal/smcal.sock"
grep -q '"/run/smcal/smcal.sock"' "$TOP/lib/config.c" ||
	fail "the daemon's default socket is not /run/smcal/smcal.sock"
grep -qx 'u smcal - "smcal scheduler daemon" /var/lib/smcal' "$ROOT/usr/lib/sysusers.d/smcal.conf" ||
	fail "sysusers.d: no smcal user line"
grep -q '^g smcal-ro ' "$ROOT/usr/lib/sysusers.d/smcal.conf" || fail "sysusers.d: no smcal-ro group"

# ---- only what a minimal Debian has ----------------------------------------
# Every program the units run, other than smcald and smctl, must come from an
# Essential package (a debootstrap --variant=minbase system has those and
# little else): /bin/kill, for one, is procps's and is missing there.
if command -v dpkg-query >/dev/null 2>&1; then
	for bin in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!|]*\([^ ]*\).*/\1/p' \
		"$UNITDIR/smcald.service" "$UNITDIR/smcald.socket"); do
		# smcald and smctl are ours: make install puts them there.
		case $bin in /usr/sbin/smcald | /usr/bin/smctl) continue ;; esac
		pkg=$(dpkg -S "$bin" 2>/dev/null | grep -v '^diversion' | head -1 | cut -d: -f1)
		[ -n "$pkg" ] || fail "the units run $bin, which no installed package provides"
		ess=$(dpkg-query -W -f='${Essential}' "$pkg" 2>/dev/null)
		[ "$ess" = yes ] ||
			fail "the units run $bin from $pkg, which is not Essential: a minimal Debian lacks it"
	done
fi

# ---- systemd-analyze verify ------------------------------------------------
# verify insists that ExecStart's binary exists: check a copy of the installed
# units whose smcald path points into DESTDIR. (--root=DESTDIR would need a
# whole OS tree there: sysinit.target, /bin/kill, ...). verify only warns,
# with exit status 0, about unknown or bad settings, so any message that
# names our units is a failure too; messages about the host's own units are
# shown but ignored.
VDIR=$TMP/verify
mkdir -p "$VDIR"
sed -e "s|^\(Exec[A-Za-z]*=[-@:+!]*\)/usr/sbin/smcald|\1$ROOT/usr/sbin/smcald|" \
	-e "s|^\(Exec[A-Za-z]*=[-@:+!]*\)/usr/bin/smctl|\1$ROOT/usr/bin/smctl|" \
	"$UNITDIR/smcald.service" >"$VDIR/smcald.service"
cp "$UNITDIR/smcald.socket" "$VDIR/smcald.socket"
grep -q "^ExecStart=$ROOT/usr/sbin/smcald " "$VDIR/smcald.service" || fail "could not rewrite ExecStart for verify"
grep -q "^ExecReload=$ROOT/usr/bin/smctl " "$VDIR/smcald.service" || fail "could not rewrite ExecReload for verify"
rc=0
(cd "$VDIR" && systemd-analyze verify --man=no "$VDIR/smcald.service" "$VDIR/smcald.socket") \
	>"$TMP/verify.log" 2>&1 || rc=$?
[ -s "$TMP/verify.log" ] && sed 's/^/verify: /' "$TMP/verify.log" >&2
[ "$rc" -eq 0 ] || fail "systemd-analyze verify exited $rc"
grep -q 'smcald\.s' "$TMP/verify.log" && fail "systemd-analyze verify complained about our units"

# ---- systemd-analyze security --offline=true --------------------------------
rc=0
systemd-analyze security --offline=true "$UNITDIR/smcald.service" >"$TMP/security.log" 2>&1 || rc=$?
score=$(sed -n 's/.*Overall exposure level for [^:]*: *\([0-9][0-9.]*\).*/\1/p' "$TMP/security.log")
if [ -z "$score" ]; then
	cat "$TMP/security.log" >&2
	fail "systemd-analyze security (exit $rc) printed no overall exposure level"
fi
grep -q 'smcald\.service:[0-9]*:' "$TMP/security.log" &&
	fail "systemd-analyze security warned about the unit: $(grep 'smcald\.service:[0-9]*:' "$TMP/security.log")"
echo "smcald.service exposure: $score (limit $MAX_EXPOSURE)"
awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s + 0 <= m + 0) }' || {
	grep '✗' "$TMP/security.log" >&2
	fail "smcald.service exposure $score > $MAX_EXPOSURE"
}

# ---- default PREFIX, man pages ---------------------------------------------
# The default PREFIX is /usr/local; man pages are optional (man/ may be
# absent), so hand the rule two stand-ins.
mkdir -p "$TMP/man"
echo '.TH SMCTL 1' >"$TMP/man/smctl.1"
echo '.TH SMCAL.CONF 5' >"$TMP/man/smcal.conf.5"
echo '.TH SMCALD 8' >"$TMP/man/smcald.8"
ROOT2=$TMP/root2
STANDINS="$TMP/man/smctl.1 $TMP/man/smcal.conf.5 $TMP/man/smcald.8"
install_to "$ROOT2" /usr/local MANPAGES="$STANDINS"
grep -qx 'ExecReload=/usr/local/bin/smctl -c /etc/smcal/smcal.conf reload' \
	"$ROOT2/usr/local/lib/systemd/system/smcald.service" ||
	fail "PREFIX=/usr/local: wrong ExecReload"
grep -qx 'ExecStart=/usr/local/sbin/smcald -c /etc/smcal/smcal.conf' \
	"$ROOT2/usr/local/lib/systemd/system/smcald.service" ||
	fail "PREFIX=/usr/local: wrong ExecStart"
check_file "$ROOT2/usr/local/sbin/smcald" 755
check_file "$ROOT2/usr/local/share/man/man1/smctl.1" 644
check_file "$ROOT2/usr/local/share/man/man5/smcal.conf.5" 644
check_file "$ROOT2/usr/local/share/man/man8/smcald.8" 644

# ---- make uninstall -----------------------------------------------------------
# uninstall ROOT PREFIX [make args...]
uninstall_from() {
	root=$1 prefix=$2
	shift 2
	make -C "$TOP" --no-print-directory uninstall DESTDIR="$root" \
		PREFIX="$prefix" BUILD="$BUILD" "$@" >"$TMP/make.log" 2>&1 ||
		{ cat "$TMP/make.log" >&2; fail "make uninstall DESTDIR=$root failed"; }
	left=$(find "$root" -type f)
	[ -z "$left" ] || fail "make uninstall left files: $left"
}
uninstall_from "$ROOT" /usr
uninstall_from "$ROOT2" /usr/local MANPAGES="$STANDINS"

exit 0
