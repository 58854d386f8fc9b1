#!/bin/sh
# systemd units and `make install` (SPEC.md section 10, README "Run it as a
# service"): installs into a DESTDIR, checks files, modes and the @SBINDIR@
# substitution, that /etc/smcal/smcal.conf is installed where the units'
# -c says and never overwritten, that the units and the socket agree, runs
# `systemd-analyze verify` on the installed units and requires
# `systemd-analyze security --offline=true` to score smcald.service at an
# overall exposure of at most $SMCAL_MAX_EXPOSURE (1.5). Then the README's
# steps as far as they go without a running systemd: systemd-sysusers and
# (as root) systemd-tmpfiles --create on the DESTDIR, a secret file, and
# `smcald --check` on the installed configuration. Uninstall is checked
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
# /etc: the configuration the service starts with, and the calendar it names,
# and nothing else.
check_file "$ROOT/etc/smcal/smcal.conf" 640
check_file "$ROOT/etc/smcal/content.ics" 644
[ "$(stat -c %a "$ROOT/etc/smcal")" = 750 ] ||
	fail "$ROOT/etc/smcal: mode $(stat -c %a "$ROOT/etc/smcal"), expected 750"
cmp -s "$ROOT/etc/smcal/smcal.conf" "$TOP/conf/smcal-service.conf" ||
	fail "/etc/smcal/smcal.conf is not conf/smcal-service.conf"
cmp -s "$ROOT/etc/smcal/content.ics" "$TOP/conf/content.ics" ||
	fail "/etc/smcal/content.ics is not conf/content.ics"
extra=$(find "$ROOT/etc" ! -path "$ROOT/etc" ! -path "$ROOT/etc/smcal" \
	! -path "$ROOT/etc/smcal/smcal.conf" ! -path "$ROOT/etc/smcal/content.ics")
[ -z "$extra" ] || fail "make install wrote more below /etc: $extra"
# The configuration names the calendar make install put beside it.
grep -qx 'path = /etc/smcal/content.ics' "$ROOT/etc/smcal/smcal.conf" ||
	fail "the installed smcal.conf does not name /etc/smcal/content.ics"
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
# The configuration is where both Exec lines' -c say, in the unit's
# ConfigurationDirectory.
for key in ExecStart ExecReload; do
	conf=$(sed -n "s/^$key=.* -c \([^ ]*\).*/\1/p" "$UNITDIR/smcald.service")
	[ "$conf" = /etc/smcal/smcal.conf ] || fail "$key: -c '$conf', expected /etc/smcal/smcal.conf"
	[ -f "$ROOT$conf" ] || fail "$key: -c $conf, which make install did not install"
done
grep -qx 'ConfigurationDirectory=smcal' "$UNITDIR/smcald.service" ||
	fail "smcald.service: ConfigurationDirectory is not smcal (/etc/smcal)"
# The socket unit and the service agree: the socket lies in the service's
# RuntimeDirectory, belongs to its User and Group, and activates it.
grep -qx 'RuntimeDirectory=smcal' "$UNITDIR/smcald.service" ||
	fail "smcald.service: RuntimeDirectory is not smcal (/run/smcal, where the socket is)"
grep -qx 'Service=smcald.service' "$UNITDIR/smcald.socket" ||
	fail "smcald.socket does not activate smcald.service"
for kv in User=smcal:SocketUser=smcal Group=smcal:SocketGroup=smcal; do
	grep -qx "${kv%%:*}" "$UNITDIR/smcald.service" || fail "smcald.service: no ${kv%%:*}"
	grep -qx "${kv#*:}" "$UNITDIR/smcald.socket" || fail "smcald.socket: no ${kv#*:}"
done
grep -q 'sd_listen_fds' "$TOP/daemon/control.c" ||
	fail "smcald.socket passes a socket, but daemon/control.c does not take it (sd_listen_fds)"
grep -qx 'u smcal - "smcal scheduler daemon" /var/lib/smcal' "$ROOT/usr/lib/sysusers.d/smcal.conf" ||
	fail "sysusers.d: no smcal user line"
grep -q '^g smcal-ro ' "$ROOT/usr/lib/sysusers.d/smcal.conf" || fail "sysusers.d: no smcal-ro group"

# ---- only what a minimal Debian has ----------------------------------------
# Every program the units run, other than ours (smcald, smctl), must come from an
# Essential package (a debootstrap --variant=minbase system has those and
# little else): /bin/kill, for one, is procps's and is missing there.
if command -v dpkg-query >/dev/null 2>&1; then
	for bin in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!|]*\([^ ]*\).*/\1/p' \
		"$UNITDIR/smcald.service" "$UNITDIR/smcald.socket"); do
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

# ---- a second make install keeps the configuration -------------------------
# Changed or not, an existing /etc/smcal/smcal.conf (or content.ics, even a
# dangling link) is never overwritten.
echo '; changed by the admin' >>"$ROOT/etc/smcal/smcal.conf"
chmod 600 "$ROOT/etc/smcal/smcal.conf"
rm "$ROOT/etc/smcal/content.ics"
ln -s /srv/calendars/team.ics "$ROOT/etc/smcal/content.ics"
install_to "$ROOT" /usr
tail -n 1 "$ROOT/etc/smcal/smcal.conf" | grep -qx '; changed by the admin' ||
	fail "a second make install overwrote the changed /etc/smcal/smcal.conf"
check_file "$ROOT/etc/smcal/smcal.conf" 600
[ "$(readlink "$ROOT/etc/smcal/content.ics")" = /srv/calendars/team.ics ] ||
	fail "a second make install replaced the link /etc/smcal/content.ics"
grep -q "$ROOT/etc/smcal/smcal.conf exists: kept" "$TMP/make.log" ||
	fail "a second make install did not say it kept smcal.conf: $(cat "$TMP/make.log")"
# Back to the installed files for the steps below.
rm "$ROOT/etc/smcal/smcal.conf" "$ROOT/etc/smcal/content.ics"
install_to "$ROOT" /usr
cmp -s "$ROOT/etc/smcal/smcal.conf" "$TOP/conf/smcal-service.conf" ||
	fail "make install did not install a removed smcal.conf again"

# ---- the README's steps, as far as they go without a running systemd -------
# systemd-sysusers and systemd-tmpfiles work on the DESTDIR as on /, and
# smcald --check runs on the installed configuration with its three
# absolute directories (/etc/smcal, /var/lib/smcal, /run/smcal) moved into
# $TMP: smcald has no --root, and that rewrite is all the copy changes.
command -v systemd-sysusers >/dev/null 2>&1 || fail "systemd-sysusers is missing (package systemd)"
systemd-sysusers --root="$ROOT" >"$TMP/sysusers.log" 2>&1 ||
	{ cat "$TMP/sysusers.log" >&2; fail "systemd-sysusers --root failed"; }
grep -q '^smcal:x:[0-9]*:[0-9]*:smcal scheduler daemon:/var/lib/smcal:' "$ROOT/etc/passwd" ||
	fail "systemd-sysusers made no user smcal: $(cat "$ROOT/etc/passwd")"
grep -q '^smcal-ro:x:' "$ROOT/etc/group" || fail "systemd-sysusers made no group smcal-ro"
SMCAL_UID=$(awk -F: '$1 == "smcal" { print $3 }' "$ROOT/etc/passwd")
SMCAL_GID=$(awk -F: '$1 == "smcal" { print $3 }' "$ROOT/etc/group")

# The README's secret, written as its recipe does but world-readable, as a
# careless copy would leave it; --check warns, systemd-tmpfiles mends it.
key=$(head -c 32 /dev/urandom | base64)
echo "whsec_$key" >"$ROOT/etc/smcal/team.secret"
chmod 644 "$ROOT/etc/smcal/team.secret"
sed -e 's/^; \(\[webhook:team\]\)$/\1/' -e 's/^; \(url\|format\|secret_file\)\( *=\)/\1\2/' \
	-e 's/^webhook      = none$/webhook      = team/' \
	-e "s|/etc/smcal/|$ROOT/etc/smcal/|g" -e "s|/var/lib/smcal|$TMP/state|g" \
	-e "s|/run/smcal/|$TMP/run/|g" "$ROOT/etc/smcal/smcal.conf" >"$TMP/check.conf"
grep -q '^\[webhook:team\]$' "$TMP/check.conf" && grep -q "^secret_file = $ROOT/etc/smcal/team.secret\$" "$TMP/check.conf" &&
	grep -q '^webhook      = team$' "$TMP/check.conf" ||
	fail "could not uncomment the example webhook of smcal.conf: $(grep -n team "$TMP/check.conf")"
mkdir -m 750 "$TMP/state" "$TMP/run"
check_conf() {
	rc=0
	$VG "$ROOT/usr/sbin/smcald" --check -c "$TMP/check.conf" >"$TMP/check.log" 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || { cat "$TMP/check.log" >&2; fail "smcald --check on the installed smcal.conf exited $rc"; }
	grep -q "calendar main: $ROOT/etc/smcal/content.ics: [1-9][0-9]* posts" "$TMP/check.log" ||
		fail "smcald --check did not load the installed calendar: $(cat "$TMP/check.log")"
}
check_conf
grep -q 'team.secret: readable by others' "$TMP/check.log" ||
	fail "smcald --check did not warn about a world-readable secret: $(cat "$TMP/check.log")"

# systemd-tmpfiles sets owners, which needs root.
if [ "$(id -u)" = 0 ]; then
	systemd-tmpfiles --root="$ROOT" --create "$ROOT/usr/lib/tmpfiles.d/smcal.conf" \
		>"$TMP/tmpfiles.log" 2>&1 || { cat "$TMP/tmpfiles.log" >&2; fail "systemd-tmpfiles --root --create failed"; }
	# check_owner PATH MODE UID GID
	check_owner() {
		got=$(stat -c '%a %u %g' "$1") || fail "systemd-tmpfiles: no $1"
		[ "$got" = "$2 $3 $4" ] || fail "$1: mode, uid, gid $got; expected $2 $3 $4"
	}
	check_owner "$ROOT/etc/smcal" 750 0 "$SMCAL_GID"
	check_owner "$ROOT/etc/smcal/smcal.conf" 640 0 "$SMCAL_GID"
	check_owner "$ROOT/etc/smcal/team.secret" 640 0 "$SMCAL_GID"
	check_owner "$ROOT/var/lib/smcal" 750 "$SMCAL_UID" "$SMCAL_GID"
	check_owner "$ROOT/run/smcal" 750 "$SMCAL_UID" "$SMCAL_GID"
	check_conf
	grep -q 'warning' "$TMP/check.log" && fail "smcald --check warned: $(cat "$TMP/check.log")"
else
	echo "not root: systemd-tmpfiles --create (it sets owners) not tried" >&2
fi

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
check_file "$ROOT2/etc/smcal/smcal.conf" 640
# The README's commands as written, for the default PREFIX: the snippets and
# the units are found by name below /usr/local (systemctl --root needs no
# running systemd), and enabling the service enables its socket (Also=).
systemd-sysusers --root="$ROOT2" smcal.conf >"$TMP/sysusers.log" 2>&1 ||
	{ cat "$TMP/sysusers.log" >&2; fail "systemd-sysusers smcal.conf: not found below /usr/local"; }
grep -q '^smcal:' "$ROOT2/etc/passwd" || fail "systemd-sysusers smcal.conf (PREFIX=/usr/local) made no user smcal"
if [ "$(id -u)" = 0 ]; then
	systemd-tmpfiles --root="$ROOT2" --create smcal.conf >"$TMP/tmpfiles.log" 2>&1 ||
		{ cat "$TMP/tmpfiles.log" >&2; fail "systemd-tmpfiles --create smcal.conf failed (PREFIX=/usr/local)"; }
	[ -d "$ROOT2/var/lib/smcal" ] || fail "systemd-tmpfiles --create smcal.conf (PREFIX=/usr/local) made no /var/lib/smcal"
fi
if command -v systemctl >/dev/null 2>&1; then
	systemctl --root="$ROOT2" enable smcald.service >"$TMP/enable.log" 2>&1 ||
		{ cat "$TMP/enable.log" >&2; fail "systemctl --root enable smcald.service failed"; }
	WANTS=$ROOT2/etc/systemd/system
	[ "$(readlink "$WANTS/multi-user.target.wants/smcald.service")" = /usr/local/lib/systemd/system/smcald.service ] ||
		fail "systemctl enable smcald.service did not enable it: $(cat "$TMP/enable.log")"
	[ "$(readlink "$WANTS/sockets.target.wants/smcald.socket")" = /usr/local/lib/systemd/system/smcald.socket ] ||
		fail "systemctl enable smcald.service did not enable smcald.socket: $(cat "$TMP/enable.log")"
fi

# ---- make uninstall -----------------------------------------------------------
# uninstall ROOT PREFIX [make args...]
uninstall_from() {
	root=$1 prefix=$2
	shift 2
	make -C "$TOP" --no-print-directory uninstall DESTDIR="$root" \
		PREFIX="$prefix" BUILD="$BUILD" "$@" >"$TMP/make.log" 2>&1 ||
		{ cat "$TMP/make.log" >&2; fail "make uninstall DESTDIR=$root failed"; }
	# /etc is the admin's (configuration, secrets; and sysusers' passwd):
	# uninstall keeps it.
	left=$(find "$root" -type f ! -path "$root/etc/*")
	[ -z "$left" ] || fail "make uninstall left files: $left"
	[ -f "$root/etc/smcal/smcal.conf" ] || fail "make uninstall removed /etc/smcal/smcal.conf"
}
uninstall_from "$ROOT" /usr
uninstall_from "$ROOT2" /usr/local MANPAGES="$STANDINS"

exit 0
