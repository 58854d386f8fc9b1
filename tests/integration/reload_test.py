#!/usr/bin/env python3
"""Reloads cost what changed (issue 12; run by reload.sh; Python 3 stdlib
only).  The real smcald runs in the foreground on a private state dir with
two calendars; its "reloaded:" line says how many were read again and how
many were shared with the running world unchanged.

- shared: SIGHUP with nothing changed reads nothing; a save of one
  calendar reads that one only; a touch (same content, new mtime) reads
  nothing; a same-size rewrite in place (another title) is read again and
  the new title is what fires; every post fires once, on time.
- config: a config change outside the calendars' sections reads nothing
  and keeps the schedule; a calendar's section (its timezone) reads that
  calendar again; new reminder leads schedule every series again (and the
  new reminders fire); allday_time indexes every series again without
  reading a file; a calendar removed from the config stops firing.
- late: a post added to one calendar with a time already past fires late
  while the other calendar, unchanged, fires its post once, on time.
- racing: a save landing while a reload is swapped in is never lost (the
  watches are kept across reloads of the same directories): rounds of a
  config change that schedules every series of a big calendar again, a
  SIGHUP, then a save of a small calendar beside it at a random instant
  of the reload; each save is read.
- added: a save of a calendar the reload in progress adds is read by one
  more reload; the post it removed never fires.
- zone: a calendar's own timezone reads its floating times (the daemon's
  zone is another), and a reload that changes it moves them.

Usage: reload_test.py [SCENARIO...]   (default: all)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smcal_it import (  # noqa: E402
    TS, Daemon, check, conf_text, exactly_once, now, posts, read_events,
    run_scenarios, scenario_dir, sleep_until, vcalendar, vevent,
    wait_events, write, write_atomic)

import random  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402


BIG = 20000     # racing: posts of the big calendar
ROUNDS = 25
RACE_S = 0.025  # racing: a save comes within this after the SIGHUP


def reloaded(dm, read, unchanged, count=1, whole=False, what="the reload"):
    """Waits for the count-th "reloaded:" line with those numbers."""
    tail = ", every series scheduled again" if whole else ""
    dm.wait_log(r"reloaded: \d+ posts? in \d+ calendars? \(%d read, %d "
                r"unchanged%s\) in [0-9.]+ ms" % (read, unchanged, tail),
                10, what, count=count)


def hup(dm):
    dm.send(signal.SIGHUP)


def s_shared():
    d = scenario_dir("shared")
    t0 = now()
    a = write(os.path.join(d, "a.ics"),
              posts(("a1", t0 + 12 * TS), ("a2", t0 + 22 * TS)))
    b = write(os.path.join(d, "b.ics"), posts(("b1", t0 + 14 * TS)))
    write(os.path.join(d, "smcal.conf"),
          conf_text(d, [("a", a), ("b", b)]))
    dm = Daemon(d).start()
    hup(dm)
    reloaded(dm, 0, 2, what="SIGHUP with nothing changed")
    write_atomic(b, posts(("b1", t0 + 14 * TS), ("b2", t0 + 16 * TS)))
    reloaded(dm, 1, 1, what="the save of b")
    # A touch: new mtime, same bytes.
    st = os.stat(a)
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns + 5 * 10**9))
    hup(dm)
    reloaded(dm, 0, 2, count=2, what="SIGHUP after a touch")
    # The same size, another title, written in place (same inode).
    with open(a, encoding="utf-8", newline="") as f:
        text = f.read()
    check("SUMMARY:post a2" in text, "a's text: %r" % text)
    ino = os.stat(a).st_ino
    with open(a, "r+", encoding="utf-8", newline="") as f:
        f.write(text.replace("SUMMARY:post a2", "SUMMARY:post x2"))
    check(os.stat(a).st_ino == ino and os.path.getsize(a) == len(text),
          "the rewrite changed the inode or the size")
    hup(dm)
    reloaded(dm, 1, 1, count=2, what="SIGHUP after a same-size rewrite")
    log = os.path.join(d, "state", "events.jsonl")
    due = {("post.due", "a1", (t0 + 12 * TS) * 1000),
           ("post.due", "b1", (t0 + 14 * TS) * 1000),
           ("post.due", "b2", (t0 + 16 * TS) * 1000),
           ("post.due", "a2", (t0 + 22 * TS) * 1000)}
    wait_events(log, due, 30 * TS, "the four posts due")
    sleep_until(t0 + 23 * TS)
    events = read_events(log, strict=True)
    exactly_once(events, due, "shared")
    for e in events:
        check(not e["late"], "%s %s fired late" % (e["type"],
                                                   e["post"]["uid"]))
        if e["post"]["uid"] == "a2":
            check(e["post"]["title"] == "post x2",
                  "a2 fired with the old title %r" % e["post"]["title"])
    dm.stop()


def s_config():
    d = scenario_dir("config")
    t0 = now()
    a = write(os.path.join(d, "a.ics"), posts(("a1", t0 + 16 * TS)))
    b = write(os.path.join(d, "b.ics"), posts(("b1", t0 + 18 * TS)))
    conf = os.path.join(d, "smcal.conf")

    def config(lead="none", daemon=None, b_keys=None, with_b=True):
        cals = [("a", a)] + ([("b", b, b_keys or {})] if with_b else [])
        write(conf, conf_text(d, cals, lead=lead, daemon=daemon))

    config()
    dm = Daemon(d).start()
    config(daemon={"log_level": "debug"})
    hup(dm)
    reloaded(dm, 0, 2, what="a change of log_level")
    config(daemon={"log_level": "debug"},
           b_keys={"timezone": "Europe/Paris"})
    hup(dm)
    reloaded(dm, 1, 1, what="a change of b's timezone")
    config(lead="%ds" % (5 * TS), daemon={"log_level": "debug"},
           b_keys={"timezone": "Europe/Paris"})
    hup(dm)
    reloaded(dm, 0, 2, whole=True, what="new reminder leads")
    config(lead="%ds" % (5 * TS),
           daemon={"log_level": "debug", "allday_time": "08:00"},
           b_keys={"timezone": "Europe/Paris"})
    hup(dm)
    reloaded(dm, 0, 2, count=2, whole=True, what="a new allday_time")
    config(lead="%ds" % (5 * TS),
           daemon={"log_level": "debug", "allday_time": "08:00"},
           with_b=False)
    hup(dm)
    reloaded(dm, 0, 1, what="b removed from the config")
    log = os.path.join(d, "state", "events.jsonl")
    want = {("post.reminder", "a1", (t0 + 11 * TS) * 1000),
            ("post.due", "a1", (t0 + 16 * TS) * 1000)}
    wait_events(log, want, 30 * TS, "a1's reminder and due")
    sleep_until(t0 + 19 * TS)  # b1 was due at +18
    exactly_once(read_events(log, strict=True), want, "config")
    dm.stop()


def s_late():
    d = scenario_dir("late")
    t0 = now()
    a = write(os.path.join(d, "a.ics"), posts(("a1", t0 + 8 * TS)))
    b = write(os.path.join(d, "b.ics"), posts(("b1", t0 + 10 * TS)))
    write(os.path.join(d, "smcal.conf"),
          conf_text(d, [("a", a), ("b", b)]))
    dm = Daemon(d).start()
    write_atomic(b, vcalendar([vevent("b1", t0 + 10 * TS),
                               vevent("b0", t0 - 30)]))
    reloaded(dm, 1, 1, what="the save of b")
    log = os.path.join(d, "state", "events.jsonl")
    want = {("post.due", "b0", (t0 - 30) * 1000),
            ("post.due", "a1", (t0 + 8 * TS) * 1000),
            ("post.due", "b1", (t0 + 10 * TS) * 1000)}
    wait_events(log, want, 30 * TS, "the three posts due")
    sleep_until(t0 + 11 * TS)
    events = read_events(log, strict=True)
    exactly_once(events, want, "late")
    for e in events:
        check(e["late"] == (e["post"]["uid"] == "b0"),
              "%s: late=%s" % (e["post"]["uid"], e["late"]))
    dm.stop()


def s_racing():
    d = scenario_dir("racing")
    t0 = now()
    a = write(os.path.join(d, "a.ics"),
              posts(*[("a%d" % i, t0 + 86400 + 3600 * i)
                      for i in range(BIG)]))
    b = os.path.join(d, "b.ics")
    items = [("b0", t0 + 3600)]
    write(b, posts(*items))
    conf = os.path.join(d, "smcal.conf")

    def config(lead):
        write(conf, conf_text(d, [("a", a), ("b", b)], lead=lead))

    config("none")
    dm = Daemon(d).start()
    rng = random.Random(12)
    for i in range(1, ROUNDS + 1):
        # New reminder leads: every series is scheduled again on the loop,
        # which is when a save's event could be dropped with its watch.
        config("%dm" % (30 + i % 2))
        hup(dm)
        time.sleep(rng.uniform(0, RACE_S))
        items.append(("b%d" % i, t0 + 3600 + 60 * i))
        write_atomic(b, posts(*items))
        # The save's content, whichever reload read it.
        dm.wait_log(r"reloaded: %d posts in 2 calendars \(1 read"
                    % (BIG + i + 1), 10, "round %d: the save of b read" % i)
    dm.stop()


def s_added():
    """A save of a calendar that the reload in progress adds (its file was
    not in the running config, so its events were not taken) is read by one
    more reload: a post removed from it before its time never fires."""
    d = scenario_dir("added")
    t0 = now()
    cal = os.path.join(d, "cal")
    os.makedirs(cal)
    big = [("a%d" % i, t0 + 86400 + 60 * i) for i in range(BIG)]
    write(os.path.join(cal, "big.ics"), posts(*big))
    write(os.path.join(cal, "big2.ics"), posts(*big))
    new = os.path.join(cal, "new.ics")
    write(new, posts(("victim", t0 + 6 * TS), ("keep", t0 + 7 * TS)))
    conf = os.path.join(d, "smcal.conf")
    write(conf, conf_text(d, [("big", os.path.join(cal, "big.ics"))]))
    dm = Daemon(d).start()
    # new added (read first) and big moved to its copy (read again: slow).
    write_atomic(conf, conf_text(d, [("new", new), ("big", os.path.join(
        cal, "big2.ics"))]))
    hup(dm)
    time.sleep(0.05)
    write_atomic(new, posts(("keep", t0 + 7 * TS)))
    dm.wait_log(r"reloaded: %d posts in 2 calendars" % (BIG + 1), 10,
                "the save of the added calendar read")
    log = os.path.join(d, "state", "events.jsonl")
    want = {("post.due", "keep", (t0 + 7 * TS) * 1000)}
    wait_events(log, want, 20 * TS, "keep due")
    sleep_until(t0 + 8 * TS)
    exactly_once(read_events(log, strict=True), want, "added")
    dm.stop()


def s_zone():
    """A calendar's own timezone reads its floating times: the daemon runs
    in UTC, the calendar in Asia/Tokyo (UTC+9, no DST); a floating 09:00 is
    00:00Z.  A reload that moves the calendar to UTC moves the post."""
    d = scenario_dir("zone")
    t0 = now()
    f1, f2 = t0 + 6 * TS, t0 + 10 * TS

    def floating(t, hours):
        return time.strftime("DTSTART:%Y%m%dT%H%M%S",
                             time.gmtime(t + hours * 3600))
    a = write(os.path.join(d, "a.ics"), vcalendar(
        [vevent("tokyo", floating(f1, 9)),
         vevent("later", floating(f2, 9))]))
    conf = os.path.join(d, "smcal.conf")
    write(conf, conf_text(d, [("a", a, {"timezone": "Asia/Tokyo"})]))
    dm = Daemon(d).start()
    log = os.path.join(d, "state", "events.jsonl")
    first = {("post.due", "tokyo", f1 * 1000)}
    wait_events(log, first, 20 * TS, "the floating post in Tokyo time")
    # "later" now reads 9 h later (in UTC): it does not fire at f2.
    write(conf, conf_text(d, [("a", a, {"timezone": "UTC"})]))
    hup(dm)
    reloaded(dm, 1, 0, what="the calendar's new timezone")
    sleep_until(f2 + 2)
    exactly_once(read_events(log, strict=True), first, "zone")
    dm.stop()


SCENARIOS = [
    ("shared", s_shared),
    ("config", s_config),
    ("late", s_late),
    ("racing", s_racing),
    ("added", s_added),
    ("zone", s_zone),
]

if __name__ == "__main__":
    sys.exit(run_scenarios("reload", SCENARIOS, sys.argv))
