#!/usr/bin/env python3
"""Integration scenarios for smcald (run by daemon.sh; Python 3 stdlib only).

Each scenario gets its own directory under $SMCAL_IT_TMP, a generated
config and calendars whose posts are due a few seconds from now (UTC), and
runs the real daemon in the foreground (`smcald -f -c CONF`), inside the
valgrind prefix $SMCAL_IT_VG when set.  Expectations are checked by polling
the event log with generous deadlines; nothing asserts sub-second timing.
The one timing rule checked exactly is SPEC 4's: an event is "late" iff it
fired more than 2 s after its instant (sched.h SM_LATE_MS), computed from
its own scheduled_at and fired_at.

The helpers live in smcal_it.py; this module re-exports the ones it used to
define, with their signatures, for the scripts that import them from here.

Usage: daemon_test.py [SCENARIO...]   (default: all; names below)
"""
import os
import re
import signal
import sqlite3
import sys
import time

import smcal_it as it
from smcal_it import (  # noqa: F401 (re-exported)
    EXIT_CONFIG, FINDING_RE, ID_RE, LATE_MS, ROOT, SMCALD, TM, TS, VG,
    Daemon, Fail, check, check_event_shape, check_ledger, check_on_time,
    created, db_rows, exactly_once, findings, have_all, ical_utc,
    ids_consistent, iso_ms_to_ms, iso_s, key, keys_of, missing_msg, now,
    posts, running, scenario_dir, sleep_until, vcalendar, wait_events,
    wait_for, write, write_atomic)


# ---------------------------------------------------------------------------
# The former helpers' own signatures


def vevent(uid, start, summary=None, extra=""):
    """A VEVENT written as given (no escaping, no folding)."""
    return it.vevent(uid, start, summary or None, extra=extra, raw=True)


def conf_text(d, calendars, catchup="1h", lead="none", overdue="1h", extra=""):
    return it.conf_text(d, calendars, catchup=catchup, lead=lead,
                        overdue=overdue, extra=extra)


def read_events(path, strict=False):
    """Strict: every line one complete JSON object; otherwise torn lines
    are read past (see smcal_it.read_events)."""
    return it.read_events(path, strict=strict, torn=not strict)


def run_cmd(args, timeout=20):
    return it.run_cmd(args, timeout=timeout)



# ---------------------------------------------------------------------------
# Scenarios


def s_fire_and_restart():
    """1: posts due in seconds fire once each at their instant, with the
    reminder and overdue events; 2: a restart refires nothing; 9: SIGTERM."""
    d = scenario_dir("fire")
    cal = os.path.join(d, "cal.ics")
    ev_log = os.path.join(d, "state", "events.jsonl")
    t = now()
    p = {"p1": t + 4 * TS, "p2": t + 6 * TS, "p3": t + 6 * TS}
    write(cal, posts(*p.items()))
    write(os.path.join(d, "smcal.conf"),
          conf_text(d, [("main", cal)], lead="2s", overdue="3s"))
    expected = set()
    for uid, at in p.items():
        expected |= {("post.reminder", uid, (at - 2) * 1000),
                     ("post.due", uid, at * 1000),
                     ("post.overdue", uid, (at + 3) * 1000)}
    dm = Daemon(d).start()
    wait_events(ev_log, expected, 20 + 9 * TS, "the 9 events of 3 posts")
    sleep_until(max(p.values()) + 3 + 1.5)  # room for a duplicate to show
    events = read_events(ev_log, strict=True)
    exactly_once(events, expected, "fire")
    for e in events:
        check_event_shape(e)
        check_on_time(e)
    sink = dm.event_lines()
    check(sink == events, "the log sink's events differ from the event log")
    took = dm.stop()
    check(took < 5 * TM, "SIGTERM took %.1fs" % took)
    check_ledger(d, events)
    check(db_rows(d, "SELECT value FROM meta WHERE key='processed_until'"),
          "no processed_until in meta after a run")

    # 2: restart with the same calendar: nothing fires again.
    before = open(ev_log, "rb").read()
    dm.start()
    time.sleep(3)  # an observation window, not a timing assertion
    dm.stop()
    after = open(ev_log, "rb").read()
    check(after == before, "restart changed the event log: %r" %
          after[len(before):][:500])
    check(not dm.event_lines(), "restart fired events again")


def s_kill9_burst():
    """3: 200 posts due in the same second; kill -9 as soon as the first
    event lines are in the log; restart: every event fired at least once,
    duplicates only under the same id."""
    d = scenario_dir("burst")
    cal = os.path.join(d, "cal.ics")
    ev_log = os.path.join(d, "state", "events.jsonl")
    n = 200
    t = now()
    at = t + 4 * TS
    write(cal, posts(*[("b%03d" % i, at) for i in range(n)]))
    write(os.path.join(d, "smcal.conf"),
          conf_text(d, [("main", cal)], lead="2s", overdue="3s"))
    expected = set()
    for i in range(n):
        uid = "b%03d" % i
        expected |= {("post.reminder", uid, (at - 2) * 1000),
                     ("post.due", uid, at * 1000),
                     ("post.overdue", uid, (at + 3) * 1000)}
    dm = Daemon(d).start()
    # Tight polling from just before the reminders' instant: the kill should
    # land between the event log's write and the ledger's commit as often as
    # possible.
    sleep_until(at - 2 - 0.3)
    wait_for(lambda: os.path.exists(ev_log) and os.path.getsize(ev_log) > 0,
             15 + 4 * TS, "the first event lines", interval=0)
    dm.kill9()
    first = read_events(ev_log)
    print("  killed with %d events in the log" % len(first))
    with open(ev_log, "rb") as f:
        data = f.read()
    if not data.endswith(b"\n"):
        print("  the kill tore the event log's last line (%d bytes)" %
              (len(data) - data.rfind(b"\n") - 1))
    else:
        # What a kill during write(2) (or a power cut) leaves: part of a
        # line.  Simulated when the kill missed the write, so that the
        # repair on restart is always checked.
        last = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
        with open(ev_log, "ab") as f:
            f.write(last[:len(last) // 2])
        print("  simulated a torn last line")
    dm.start()
    wait_events(ev_log, expected, 25 + 7 * TS, "all %d events after kill -9"
                % len(expected))
    dm.stop()
    events = read_events(ev_log)
    ks = keys_of(events)
    extra = set(ks) - expected
    check(not extra, "unexpected events %s" % sorted(extra)[:10])
    ids_consistent(events)
    for e in events:
        check_event_shape(e)
    dups = len(ks) - len(set(ks))
    print("  %d events, %d refired after kill -9 (same ids)" %
          (len(ks), dups))
    # Refires can only be of what was in flight at the kill.
    in_flight = set(keys_of(first))
    later = [k for k in ks if ks.count(k) > 1 and k not in in_flight]
    check(not later, "events fired twice that were not in flight at the "
          "kill: %s" % later[:5])
    fired = {r[0] for r in db_rows(d, "SELECT id FROM fired")}
    check({e["id"] for e in events} == fired,
          "the fired table and the event log disagree after kill -9")
    # Last: the audit trail is JSON lines again after the restart.
    read_events(ev_log, strict=True)


def s_reload_rename():
    """4: two atomic-rename saves within a second while running: the posts
    they add fire, what already fired does not fire again."""
    d = scenario_dir("rename")
    cal = os.path.join(d, "cal.ics")
    ev_log = os.path.join(d, "state", "events.jsonl")
    t = now()
    p0 = t + 2 * TS
    # mv is moved later and cx cancelled by the saves: neither may fire at
    # its old time.
    old_mv = cx = t + 6 * TS
    write(cal, posts(("r0", p0), ("mv", old_mv), ("cx", cx)))
    write(os.path.join(d, "smcal.conf"), conf_text(d, [("main", cal)]))
    dm = Daemon(d).start()
    wait_events(ev_log, {("post.due", "r0", p0 * 1000)}, 10 + 2 * TS,
                "r0 due")
    t = now()
    p1, p2, mv = t + 3 * TS, t + 4 * TS, old_mv + 2
    cancelled = vevent("cx", cx, extra="STATUS:CANCELLED")
    write_atomic(cal, vcalendar(vevent("r0", p0) + vevent("r1", p1) +
                                vevent("mv", mv) + cancelled))
    time.sleep(0.1)  # a second save in the same second
    write_atomic(cal, vcalendar(vevent("r0", p0) + vevent("r1", p1) +
                                vevent("r2", p2) + vevent("mv", mv) +
                                cancelled))
    dm.wait_log(r"smcald: info: reloaded: 5 posts in 1 calendar", 5,
                "the reload of the renamed calendar")
    expected = {("post.due", "r0", p0 * 1000), ("post.due", "r1", p1 * 1000),
                ("post.due", "r2", p2 * 1000), ("post.due", "mv", mv * 1000)}
    wait_events(ev_log, expected, 10 + 8 * TS, "r1, r2 and mv due after "
                "reload")
    sleep_until(max(p2, mv, cx) + 1.5)
    dm.stop()
    events = read_events(ev_log, strict=True)
    exactly_once(events, expected, "rename reload")
    for e in events:
        check_event_shape(e)
        check_on_time(e)


def s_reload_broken():
    """5: a calendar replaced by one with an error, then by one cut short,
    keeps the previous version in service; a good save is then taken."""
    d = scenario_dir("broken")
    cal = os.path.join(d, "cal.ics")
    ev_log = os.path.join(d, "state", "events.jsonl")
    t = now()
    q1, q2 = t + 4 * TS, t + 9 * TS
    write(cal, posts(("q1", q1), ("q2", q2)))
    write(os.path.join(d, "smcal.conf"), conf_text(d, [("main", cal)]))
    dm = Daemon(d).start()

    # An error: a VEVENT without DTSTART (and q2 dropped, qx added: neither
    # change may be taken).
    tx = now() + 3 * TS
    write_atomic(cal, vcalendar(vevent("q1", q1) + vevent("qx", tx) +
                                vevent("nodtstart", None)))
    dm.wait_log(r"the previous version \(2 posts\) stays in service", 5,
                "the first broken reload", count=1)
    check(re.search(r"error.*calendar main: .*VEVENT without DTSTART",
                    dm.text()), "the log does not say why (missing DTSTART)")
    # Cut short: the save stopped inside a VEVENT.
    write_atomic(cal, vcalendar(vevent("q1", q1) + vevent("qy", tx),
                                cut_short="BEGIN:VEVENT\r\nUID:half\r\n"
                                          "SUMMARY:hal"))
    dm.wait_log(r"the previous version \(2 posts\) stays in service", 5,
                "the cut-short reload", count=2)
    check(re.search(r"did not load cleanly \(cut short\)", dm.text()),
          "the log does not say the file was cut short")
    wait_events(ev_log, {("post.due", "q1", q1 * 1000)}, 10 + 4 * TS, "q1 due")
    # A good save now is taken.
    t3 = now() + 3 * TS
    write_atomic(cal, posts(("q1", q1), ("q2", q2), ("q3", t3)))
    dm.wait_log(r"smcald: info: reloaded: 3 posts in 1 calendar", 5,
                "the good reload")
    expected = {("post.due", "q1", q1 * 1000), ("post.due", "q2", q2 * 1000),
                ("post.due", "q3", t3 * 1000)}
    wait_events(ev_log, expected, 10 + 9 * TS, "q2 and q3 due")
    sleep_until(max(tx, t3, q2) + 1.5)
    dm.stop()
    events = read_events(ev_log, strict=True)
    exactly_once(events, expected, "broken reload")  # no qx, no qy
    for e in events:
        check_event_shape(e)
        check_on_time(e)


def s_missed_while_down():
    """6: on start, what was due within catchup fires late, what is older
    (since processed_until, or within the lookback of sched.h
    SM_SCHED_LOOKBACK, 24 h, before the catch-up window when it was never
    fired nor recorded) is recorded as missed, what is older than both is
    neither."""
    d = scenario_dir("missed")
    cal = os.path.join(d, "cal.ics")
    ev_log = os.path.join(d, "state", "events.jsonl")
    write(cal, vcalendar(""))
    write(os.path.join(d, "smcal.conf"),
          conf_text(d, [("main", cal)], catchup="60s", lead="2s",
                    overdue="3s"))
    dm = Daemon(d).start()
    dm.stop()
    rows = db_rows(d, "SELECT value FROM meta WHERE key='processed_until'")
    check(rows, "no processed_until stored by the first run")
    # Down for five minutes, as far as the daemon can tell.
    t = now()
    con = sqlite3.connect(os.path.join(d, "state", "smcal.db"))
    recent, old, ancient, future = t - 30, t - 100, t - 400, t + 4 * TS
    prehistoric = t - 2 * 86400  # before processed_until and the lookback
    con.execute("UPDATE meta SET value=? WHERE key='processed_until'",
                (t - 300,))
    # The future post is marked done ahead: its post.overdue never fires.
    con.execute("INSERT INTO done (calendar, uid, recurrence_id, url, at) "
                "VALUES ('main', 'future', ?, NULL, ?)", (iso_s(future), t))
    con.commit()
    con.close()
    write(cal, posts(("recent", recent), ("old", old), ("ancient", ancient),
                     ("future", future), ("prehistoric", prehistoric)))
    dm.start()
    late = set()
    for typ, at in (("post.reminder", recent - 2), ("post.due", recent),
                    ("post.overdue", recent + 3)):
        late.add((typ, "recent", at * 1000))
    on_time = {("post.reminder", "future", (future - 2) * 1000),
               ("post.due", "future", future * 1000)}
    wait_events(ev_log, late | on_time, 15 + 4 * TS,
                "the late and the future events")
    sleep_until(future + 3 + 1.5)  # past the done post's overdue instant
    dm.stop()
    events = read_events(ev_log, strict=True)
    exactly_once(events, late | on_time, "missed")  # no overdue of "future"
    for e in events:
        check_event_shape(e)
        if key(e) in late:
            check(e["late"] is True, "%s: late is not true" % (key(e),))
        else:
            check_on_time(e)
    missed = db_rows(d, "SELECT type, uid, scheduled_at FROM missed")
    want = set()
    for uid, at in (("old", old), ("ancient", ancient)):
        want |= {("post.reminder", uid, at - 2), ("post.due", uid, at),
                 ("post.overdue", uid, at + 3)}
    check(set(missed) == want, "missed table %s, expected %s" %
          (sorted(missed), sorted(want)))
    check(len(missed) == 6, "missed rows duplicated: %s" % missed)
    fired_uids = {r[0] for r in db_rows(d, "SELECT uid FROM fired")}
    check(not fired_uids & {"old", "ancient", "prehistoric"},
          "old, ancient or prehistoric posts in the fired table: %s" %
          fired_uids)
    check(len(re.findall(r"missed: post\.\w+ old \S+ at "
                         r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", dm.text()))
          == 3, "the log does not list the 3 missed events of old with "
          "RFC 3339 times")
    # A restart neither refires the late ones nor records missed ones again.
    before = open(ev_log, "rb").read()
    dm.start()
    time.sleep(2)  # an observation window
    dm.stop()
    check(open(ev_log, "rb").read() == before, "restart refired events")
    check(len(db_rows(d, "SELECT id FROM missed")) == 6,
          "restart recorded missed events again")


def s_sighup():
    """7: SIGHUP reloads the config: a calendar added there fires, and its
    file is watched; a config with errors on SIGHUP changes nothing."""
    d = scenario_dir("sighup")
    cal = os.path.join(d, "cal.ics")
    other = os.path.join(d, "other")
    os.makedirs(other)
    cal2 = os.path.join(other, "second.ics")
    ev_log = os.path.join(d, "state", "events.jsonl")
    conf = os.path.join(d, "smcal.conf")
    t = now()
    m1 = t + 3600
    write(cal, posts(("m1", m1)))
    write(conf, conf_text(d, [("main", cal)]))
    dm = Daemon(d).start()
    s1 = now() + 3 * TS
    write(cal2, posts(("s1", s1)))
    write(conf, conf_text(d, [("main", cal), ("second", cal2)]))
    dm.send(signal.SIGHUP)
    dm.wait_log(r"smcald: info: reloaded: 2 posts in 2 calendars", 5,
                "the SIGHUP reload")
    wait_events(ev_log, {("post.due", "s1", s1 * 1000)}, 10 + 3 * TS,
                "s1 due (added by SIGHUP)")
    # A config with an error: the running configuration stays.
    write(conf, conf_text(d, [("main", cal), ("second", cal2)],
                          catchup="5 parsecs"))
    dm.send(signal.SIGHUP)
    dm.wait_log(r"the running configuration stays", 5, "the rejected reload")
    # While the config file still has the error, a calendar save is taken
    # (with the running configuration).
    s2 = now() + 3 * TS
    write_atomic(cal2, posts(("s1", s1), ("s2", s2)))
    dm.wait_log(r"smcald: info: reloaded: 3 posts in 2 calendars", 5,
                "the reload of the second calendar")
    # The config is fixed again (no signal).
    write(conf, conf_text(d, [("main", cal), ("second", cal2)]))
    expected = {("post.due", "s1", s1 * 1000), ("post.due", "s2", s2 * 1000)}
    wait_events(ev_log, expected, 10 + 3 * TS, "s2 due")
    sleep_until(s2 + 1.5)
    dm.stop()
    events = read_events(ev_log, strict=True)
    exactly_once(events, expected, "sighup")
    for e in events:
        check_event_shape(e, "second")
        check_on_time(e)


def s_check_version():
    """8: --check exits 78 on a config error, 0 on a good config; --version."""
    d = scenario_dir("check")
    cal = os.path.join(d, "cal.ics")
    write(cal, posts(("c1", now() + 3600)))
    good = os.path.join(d, "good.conf")
    write(good, conf_text(d, [("main", cal)], lead="1d, 1h", overdue="2h"))
    rc, out, err = run_cmd([SMCALD, "--check", "-c", good])
    check(rc == 0, "--check on a good config: exit %d\n%s" % (rc, err))
    bad = os.path.join(d, "bad.conf")
    write(bad, conf_text(d, [("main", cal)], catchup="5 parsecs"))
    rc, out, err = run_cmd([SMCALD, "--check", "-c", bad])
    check(rc == EXIT_CONFIG, "--check on a bad duration: exit %d, expected "
          "78\n%s" % (rc, err))
    check("bad.conf" in err and re.search(r"catchup", err, re.I),
          "the error does not name the file and the key: %r" % err)
    # A calendar with an error fails the check too (SPEC 9: config and
    # calendars).
    badcal = os.path.join(d, "bad.ics")
    write(badcal, vcalendar(vevent("nodt", None)))
    conf3 = os.path.join(d, "badcal.conf")
    write(conf3, conf_text(d, [("main", badcal)]))
    rc, out, err = run_cmd([SMCALD, "--check", "-c", conf3])
    check(rc == EXIT_CONFIG, "--check with a broken calendar: exit %d, "
          "expected 78\n%s" % (rc, err))
    rc, out, err = run_cmd([SMCALD, "--version"])
    check(rc == 0 and re.match(r"^smcald \d+\.\d+\.\d+", out),
          "--version: exit %d, output %r" % (rc, out))
    # A daemon refusing a bad config exits 78 too.
    rc, out, err = run_cmd([SMCALD, "-f", "-c", bad])
    check(rc == EXIT_CONFIG, "smcald -f on a bad config: exit %d, expected 78"
          % rc)


def ctxt_switches(pid):
    """Context switches of all the threads of pid so far."""
    n = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            for line in f:
                if line.startswith(("voluntary_ctxt_switches",
                                    "nonvoluntary_ctxt_switches")):
                    n += int(line.split()[1])
    return n


def s_shutdown():
    """9: an idle daemon sleeps; SIGTERM during a reload and SIGINT stop it
    cleanly and promptly, telling systemd (sd_notify) it is ready, then
    stopping."""
    d = scenario_dir("shutdown")
    cal = os.path.join(d, "cal.ics")
    write(cal, posts(*[("x%d" % i, now() + 3600 + i) for i in range(50)]))
    write(os.path.join(d, "smcal.conf"), conf_text(d, [("main", cal)]))
    dm = Daemon(d, notify=True).start()  # ready: READY=1 on its socket
    check(any(re.search(r"^STATUS=50 posts in 1 calendars?;", m, re.M)
              for m in dm.notices() if re.search(r"^READY=1$", m, re.M)),
          "READY=1 without its STATUS line: %s" % dm.notices())
    if not VG:
        # SPEC 4: nothing wakes the process when nothing is due.
        time.sleep(1)
        before = ctxt_switches(dm.proc.pid)
        time.sleep(2)
        woke = ctxt_switches(dm.proc.pid) - before
        check(woke <= 3, "%d wake-ups in 2 s with nothing due" % woke)
    dm.send(signal.SIGHUP)
    took = dm.stop()  # SIGTERM right behind the SIGHUP
    check(took < 5 * TM, "SIGTERM during a reload took %.1fs" % took)
    wait_for(lambda: "STOPPING=1" in dm.notices(), 5, "STOPPING=1")
    dm.start()
    took = dm.stop(signal.SIGINT, "SIGINT")
    check(took < 5 * TM, "SIGINT took %.1fs" % took)


SCENARIOS = [
    ("fire_and_restart", s_fire_and_restart),
    ("kill9_burst", s_kill9_burst),
    ("reload_rename", s_reload_rename),
    ("reload_broken", s_reload_broken),
    ("missed_while_down", s_missed_while_down),
    ("sighup", s_sighup),
    ("check_version", s_check_version),
    ("shutdown", s_shutdown),
]


def main(argv):
    return it.run_scenarios("daemon", SCENARIOS, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
