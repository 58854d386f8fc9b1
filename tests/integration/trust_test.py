#!/usr/bin/env python3
"""Integration scenarios of issue 7, "a mistake never costs a post" (run by
trust.sh; Python 3 stdlib only).  The real smcald runs in the foreground on
a private state dir, as in daemon_test.py, whose helpers this reuses.

- broken_replace: a calendar replaced in place by a 0-byte file, a binary
  file and a file cut short keeps its posts firing (the previous version
  stays), and a VCALENDAR without events then empties it on purpose.
- start_broken: a start with a cut-short file serves the last clean copy
  (so an EXDATE cut off by the truncation keeps its occurrence removed),
  says so at error level and in sd_notify STATUS; with a 0-byte file the
  same; on a fresh state dir (no copy) it says what it serves.
- late_additions: with catchup = 6h, posts added at -30 s and -120 s fire
  late, a post added 20 s ahead gets its 5m reminder late and its 1h one
  recorded as collapsed; a second reload changes nothing.
- late_missed: with catchup = 60s, a post added at -120 s is recorded as
  missed (logged with its RFC 3339 instant), one at -30 s fires late.
- check: smcald --check exits 78 (and smctl lint 1) on those broken files,
  on an unreadable secret_file, a secret that is not whsec_ (the daemon's
  start exits 78 on these two), a locale that is not installed (the daemon
  runs, dates in C, and says so once per load) and an X-SMCAL-WEBHOOK
  naming no webhook, with file, line and key.
- overdue_none: overdue = none silences post.overdue, per platform too.

Usage: trust_test.py [SCENARIO...]   (default: all)
"""
import os
import re
import signal
import socket
import stat
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_test as dt  # noqa: E402
from daemon_test import (  # noqa: E402
    Daemon, Fail, check, conf_text, db_rows, exactly_once, ical_utc, key,
    now, posts, read_events, run_cmd, scenario_dir, sleep_until, vcalendar,
    vevent, wait_events, wait_for, write, write_atomic, TS, TM)

SMCALD = dt.SMCALD
SMCTL = os.environ.get("SMCTL", os.path.join(os.path.dirname(SMCALD),
                                             "smctl"))
EXIT_CONFIG = dt.EXIT_CONFIG


# ---------------------------------------------------------------------------
# Helpers


def binary_bytes(n=4096):
    """Bytes of an image or archive: every value, scrambled."""
    out, x = bytearray(), 2463534242
    for _ in range(n):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out.append(x & 0xFF)
    return bytes(out)


def write_bytes(path, data):
    """Replaces a file's content in place (truncate, then write), as many
    editors and copy tools do."""
    with open(path, "wb") as f:
        f.write(data)


class Notify:
    """A NOTIFY_SOCKET for the daemon: collects what it sends to systemd."""

    def __init__(self, d):
        self.path = os.path.join(d, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.setblocking(False)
        self.messages = []

    def poll(self):
        while True:
            try:
                self.messages.append(self.sock.recv(65536).decode(
                    "utf-8", "replace"))
            except BlockingIOError:
                return self.messages

    def statuses(self):
        out = []
        for m in self.poll():
            for line in m.split("\n"):
                if line.startswith("STATUS="):
                    out.append(line[len("STATUS="):])
        return out

    def close(self):
        self.sock.close()


def start_with_notify(dm, notify, **kw):
    os.environ["NOTIFY_SOCKET"] = notify.path
    try:
        return dm.start(**kw)
    finally:
        del os.environ["NOTIFY_SOCKET"]


def by_key(events):
    return {key(e): e for e in events}


# ---------------------------------------------------------------------------
# Scenarios


def s_broken_replace():
    """A calendar replaced in place by a 0-byte, a binary and a cut-short
    file: each is refused, the previous version stays and its posts fire
    on time; a VCALENDAR without events then empties it on purpose."""
    d = scenario_dir("broken_replace")
    cal = os.path.join(d, "cal.ics")
    ev_log = os.path.join(d, "state", "events.jsonl")
    t = now()
    z = {"z1": t + 7 * TS, "z2": t + 10 * TS, "z3": t + 13 * TS,
         "later": t + 3600}
    good = posts(*z.items())
    write(cal, good)
    write(os.path.join(d, "smcal.conf"), conf_text(d, [("main", cal)]))
    dm = Daemon(d).start()
    kept = r"the previous version \(4 posts\) stays in service"
    write_bytes(cal, b"")
    dm.wait_log(kept, 5, "the 0-byte file refused", count=1)
    check(re.search(r"error: calendar main: .*cal\.ics:0: file is empty",
                    dm.text()), "the log does not say the file is empty")
    write_bytes(cal, binary_bytes())
    dm.wait_log(kept, 5, "the binary file refused", count=2)
    check(re.search(r"error: calendar main: .*not a text file", dm.text()),
          "the log does not say the file is not text")
    cut = good[:good.index("UID:z3")] + "UID:z3\r\nDTSTA"
    write_bytes(cal, cut.encode())
    dm.wait_log(kept, 5, "the cut-short file refused", count=3)
    check(re.search(r"did not load cleanly \(cut short\)", dm.text()),
          "the log does not say the file was cut short")
    check("reloaded: 0 posts" not in dm.text(),
          "a broken file emptied the schedule")
    expected = {("post.due", u, z[u] * 1000) for u in ("z1", "z2", "z3")}
    wait_events(ev_log, expected, 10 + 13 * TS, "z1, z2, z3 due")
    # Emptied on purpose: taken, and "later" is gone.
    write_atomic(cal, vcalendar(""))
    dm.wait_log(r"reloaded: 0 posts in 1 calendars?", 5,
                "the empty VCALENDAR taken")
    sleep_until(max(z["z1"], z["z2"], z["z3"]) + 1.5)
    dm.stop()
    events = read_events(ev_log, strict=True)
    exactly_once(events, expected, "broken replace")
    for e in events:
        dt.check_event_shape(e)
        dt.check_on_time(e)


def series_calendar(start, exdate_cut=False):
    """A series every 3 s from start, 4 instances, the second removed by
    EXDATE, and a post an hour ahead.  exdate_cut: the file as a save cut
    short in the middle of the EXDATE line leaves it."""
    ev = ("BEGIN:VEVENT\r\nUID:tip\r\nDTSTAMP:20260101T000000Z\r\n"
          "DTSTART:%s\r\nSUMMARY:tip\r\nRRULE:FREQ=SECONDLY;INTERVAL=3;"
          "COUNT=4\r\n" % ical_utc(start))
    exdate = "EXDATE:%s\r\nEND:VEVENT\r\n" % ical_utc(start + 3)
    text = vcalendar(vevent("far", start + 3600))[:-len("END:VCALENDAR\r\n")]
    text += ev
    if exdate_cut:
        return text + exdate[:12]  # "EXDATE:2026": the rest is lost
    return text + exdate + "END:VCALENDAR\r\n"


def s_start_broken():
    """A start with a broken calendar serves the last clean copy: the
    cut-off EXDATE's occurrence stays removed; loudly (error log, STATUS);
    without a copy it says what it serves."""
    d = scenario_dir("start_broken")
    cal = os.path.join(d, "cal.ics")
    ev_log = os.path.join(d, "state", "events.jsonl")
    copy = os.path.join(d, "state", "calendars", "main.ics")
    write(os.path.join(d, "smcal.conf"), conf_text(d, [("main", cal)],
                                                   catchup="2s"))
    t0 = now() + 5 * TS
    write(cal, series_calendar(t0))
    dm = Daemon(d).start()
    dm.stop()
    check(os.path.exists(copy), "no clean copy at %s after a clean load" %
          copy)
    mode = stat.S_IMODE(os.stat(copy).st_mode)
    check(mode == 0o640, "clean copy mode %o, expected 640" % mode)
    check(open(copy, newline="").read() == series_calendar(t0),
          "the clean copy is not the calendar's bytes")
    check(not [f for f in os.listdir(os.path.dirname(copy))
               if f.endswith(".tmp")], "a temporary copy was left behind")

    # The file is now cut short in the EXDATE line; the daemon starts.
    write(cal, series_calendar(t0, exdate_cut=True))
    notify = Notify(d)
    try:
        start_with_notify(dm, notify)
        dm.wait_log(r"error: calendar main: .*cal\.ics did not load cleanly "
                    r"\(cut short\); serving the last clean copy of "
                    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", 5,
                    "the start from the clean copy")
        statuses = wait_for(lambda: [s for s in notify.statuses()
                                     if "served from the last clean copy"
                                     in s], 5, "STATUS naming the copy")
        check("calendar main:" in statuses[0] and "cut short" in statuses[0],
              "STATUS does not say which calendar and why: %r" % statuses)
        expected = {("post.due", "tip", (t0 + k) * 1000) for k in (0, 6, 9)}
        wait_events(ev_log, expected, 10 + 9 * TS, "the series from the copy")
        sleep_until(t0 + 9 + 1.5)
        dm.stop()
    finally:
        notify.close()
    events = read_events(ev_log, strict=True)
    exactly_once(events, expected, "start from the clean copy")
    # The cut-short file never replaced the copy.
    check(open(copy, newline="").read() == series_calendar(t0),
          "the broken file replaced the clean copy")

    # A 0-byte file at start: the copy again.
    write(cal, "")
    dm.start()
    dm.wait_log(r"serving the last clean copy", 5, "0-byte file at start")
    check(re.search(r"loaded 2 posts in 1 calendars?", dm.text()),
          "the copy's 2 posts are not served")
    dm.stop()

    # A fresh state dir, no copy: it says plainly what it serves.
    d2 = scenario_dir("start_broken_fresh")
    cal2 = os.path.join(d2, "cal.ics")
    write(os.path.join(d2, "smcal.conf"), conf_text(d2, [("main", cal2)]))
    write(cal2, series_calendar(now() + 3600, exdate_cut=True))
    dm2 = Daemon(d2).start()
    dm2.wait_log(r"error: calendar main: .*did not load cleanly \(cut short\)"
                 r" and there is no clean version \(no clean copy in .*\): "
                 r"serving the 2 posts that loaded from it", 5,
                 "the start without a copy")
    dm2.stop()
    write(cal2, "")
    dm2.start()
    dm2.wait_log(r"there is no clean version .*: no posts served", 5,
                 "the 0-byte start without a copy")
    dm2.stop()


def s_late_additions():
    """catchup = 6h, reminders 1h and 5m: posts added at -30 s and -120 s
    fire late (5m reminder and due; the 1h reminder is recorded as
    collapsed); a post added 20 s ahead gets its 5m reminder late (the 1h
    one collapsed) and its due on time.  A second reload changes nothing."""
    d = scenario_dir("late_additions")
    cal = os.path.join(d, "cal.ics")
    ev_log = os.path.join(d, "state", "events.jsonl")
    conf = conf_text(d, [("main", cal)], catchup="6h", lead="1h, 5m",
                     overdue="2h")
    write(os.path.join(d, "smcal.conf"), conf)
    far = now() + 86400 * 3
    write(cal, posts(("far", far)))
    dm = Daemon(d).start()
    time.sleep(1)
    t = now()
    p = {"a30": t - 30, "a120": t - 120, "b20": t + 20}
    write_atomic(cal, posts(("far", far), *p.items()))
    dm.wait_log(r"reloaded: 4 posts in 1 calendars?", 5, "the reload")
    late = set()
    for u in ("a30", "a120", "b20"):
        late.add(("post.reminder", u, (p[u] - 300) * 1000))
    for u in ("a30", "a120"):
        late.add(("post.due", u, p[u] * 1000))
    on_time = {("post.due", "b20", p["b20"] * 1000)}
    wait_events(ev_log, late, 10, "the late events of the added posts")
    wait_events(ev_log, on_time, 10 + 20, "b20 due")
    collapsed = set(db_rows(d, "SELECT type, uid, scheduled_at, reason FROM "
                               "missed"))
    want = {("post.reminder", u, p[u] - 3600, "collapsed") for u in p}
    check(collapsed == want, "missed table %s, expected %s" %
          (sorted(collapsed), sorted(want)))
    check(len(re.findall(r"notice: collapsed: post\.reminder (a30|a120|b20) ",
                         dm.text())) == 3, "the collapsed reminders are not "
          "logged")
    # Another reload of the same calendar: nothing fires, nothing is
    # recorded again.
    before = open(ev_log, "rb").read()
    dm.send(signal.SIGHUP)
    dm.wait_log(r"reloaded: 4 posts in 1 calendars?", 5, "the second reload",
                count=2)
    time.sleep(1)
    dm.stop()
    check(open(ev_log, "rb").read() == before,
          "the second reload fired again")
    check(len(db_rows(d, "SELECT id FROM missed")) == 3,
          "the second reload recorded again")
    events = read_events(ev_log, strict=True)
    exactly_once(events, late | on_time, "late additions")
    for e in events:
        dt.check_event_shape(e)
        if key(e) in late:
            check(e["late"] is True, "%s: late is not true" % (key(e),))
        else:
            dt.check_on_time(e)


def s_late_missed():
    """catchup = 60s: a post added at -120 s is recorded as missed (logged
    with RFC 3339 times), one added at -30 s fires late."""
    d = scenario_dir("late_missed")
    cal = os.path.join(d, "cal.ics")
    ev_log = os.path.join(d, "state", "events.jsonl")
    write(os.path.join(d, "smcal.conf"),
          conf_text(d, [("main", cal)], catchup="60s", lead="none",
                    overdue="1h"))
    write(cal, posts(("far", now() + 86400)))
    dm = Daemon(d).start()
    time.sleep(1)
    t = now()
    write_atomic(cal, posts(("far", t + 86400), ("m120", t - 120),
                            ("m30", t - 30)))
    dm.wait_log(r"reloaded: 3 posts in 1 calendars?", 5, "the reload")
    late = {("post.due", "m30", (t - 30) * 1000)}
    wait_events(ev_log, late, 10, "m30 due, late")
    dm.wait_log(r"warning: missed: post\.due m120 \S+ at %s: past the "
                r"catch-up window" % re.escape(dt.iso_s(t - 120)), 5,
                "m120 recorded as missed")
    dm.stop()
    missed = db_rows(d, "SELECT type, uid, scheduled_at, reason FROM missed")
    check(missed == [("post.due", "m120", t - 120, "missed")],
          "missed table %s" % missed)
    events = read_events(ev_log, strict=True)
    exactly_once(events, late, "late missed")
    check(events[0]["late"] is True, "m30 not marked late")


def hook_conf(d, cal, hook):
    """A config whose [webhook:w] has the lines of hook, and the line
    number of hook's first line."""
    base = conf_text(d, [("main", cal)])
    text = base + "[webhook:w]\nurl = http://127.0.0.1:9/\n" + hook
    return text, base.count("\n") + 3


def check_run(conf):
    return run_cmd([SMCALD, "--check", "-c", conf])


def s_check():
    """smcald --check (exit 78) and smctl lint (exit 1) on broken
    calendars; --check and the daemon's start (exit 78) on an unreadable
    secret_file, a secret that is not whsec_, a locale that is not
    installed; --check on an X-SMCAL-WEBHOOK naming no webhook (the
    calendar's file and line); a reload with a broken secret file keeps
    the running configuration."""
    d = scenario_dir("check")
    cal = os.path.join(d, "cal.ics")
    conf = os.path.join(d, "smcal.conf")
    write(conf, conf_text(d, [("main", cal)]))
    good = posts(("c1", now() + 3600))
    cases = [
        ("0-byte", b"", "file is empty"),
        ("binary", binary_bytes(), "not a text file"),
        ("cut short", good[:good.index("SUMMARY")].encode(), "cut short"),
        ("no VCALENDAR", vevent("c1", now() + 3600).encode(),
         "no BEGIN:VCALENDAR"),
    ]
    for what, data, msg in cases:
        write_bytes(cal, data)
        rc, out, err = check_run(conf)
        check(rc == EXIT_CONFIG, "--check on a %s calendar: exit %d, "
              "expected 78\n%s" % (what, rc, err))
        check(re.search(r"cal\.ics(:\d+)?: error: .*%s" % re.escape(msg),
                        err),
              "--check on a %s calendar does not say %r: %r" %
              (what, msg, err[-500:]))
        rc, out, err = run_cmd([SMCTL, "lint", cal])
        check(rc == 1, "smctl lint on a %s calendar: exit %d, expected 1\n%s"
              % (what, rc, out[-500:]))
    # Emptied on purpose: clean.
    write(cal, vcalendar(""))
    rc, out, err = check_run(conf)
    check(rc == 0, "--check on an empty VCALENDAR: exit %d\n%s" % (rc, err))
    rc, out, err = run_cmd([SMCTL, "lint", cal])
    check(rc == 0, "lint on an empty VCALENDAR: exit %d\n%s" % (rc, out))

    # X-SMCAL-WEBHOOK naming no webhook: the calendar's file and line.
    write(cal, vcalendar(vevent("c1", now() + 3600) +
                         vevent("c2", now() + 3600,
                                extra="X-SMCAL-WEBHOOK:nope")))
    rc, out, err = check_run(conf)
    check(rc == EXIT_CONFIG, "--check with X-SMCAL-WEBHOOK:nope: exit %d\n%s"
          % (rc, err))
    check(re.search(r"cal\.ics:10: error: X-SMCAL-WEBHOOK nope is not a "
                    r"\[webhook:nope\] section", err),
          "--check does not name the calendar's file and line: %r" % err)
    write(cal, good)

    # Secrets and locales, with the config's file, line and key.
    secret = os.path.join(d, "w.secret")
    hooks = [
        ("missing secret_file", "secret_file = %s.missing\n" % secret,
         r"\[webhook:w\] secret_file = .*w\.secret\.missing: cannot read"),
        ("secret not whsec_", "secret_file = %s\n" % secret,
         r"\[webhook:w\] secret_file = .*w\.secret: line 2 is not a "
         r"secret"),
        ("locale not installed", "locale = xx_NOWHERE.UTF-8\n",
         r"\[webhook:w\] locale = xx_NOWHERE\.UTF-8: not installed"),
    ]
    with open(secret, "w") as f:
        f.write("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\nnot-a-secret\n")
    os.chmod(secret, 0o600)
    for what, hook, rx in hooks:
        text, line = hook_conf(d, cal, hook)
        write(conf, text)
        rc, out, err = check_run(conf)
        check(rc == EXIT_CONFIG, "--check with a %s: exit %d, expected 78\n%s"
              % (what, rc, err))
        check(re.search(r"smcal\.conf:%d: error: %s" % (line, rx), err),
              "--check with a %s: no 'smcal.conf:%d: error: /%s/' in %r" %
              (what, line, rx, err))
        check("not-a-secret" not in err, "--check quoted a secret")
        if what.startswith("locale"):
            # The daemon runs without the locale (dates in C) and says so
            # once per load: issue 11.  --check alone refuses it.
            continue
        rc, out, err = run_cmd([SMCALD, "-f", "-c", conf])
        check(rc == EXIT_CONFIG, "smcald with a %s: exit %d, expected 78\n%s"
              % (what, rc, err[-800:]))
        check(re.search(r"smcal\.conf:%d: %s" % (line, rx), err),
              "smcald with a %s does not say why: %r" % (what, err[-800:]))
    # A good secret file: --check passes, the daemon runs; the file then
    # breaks and a reload keeps the running configuration (its keys).
    with open(secret, "w") as f:
        f.write("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")
    text, line = hook_conf(d, cal, "secret_file = %s\n" % secret)
    write(conf, text)
    rc, out, err = check_run(conf)
    check(rc == 0, "--check with a good secret_file: exit %d\n%s" % (rc, err))
    dm = Daemon(d).start()
    os.unlink(secret)
    dm.send(signal.SIGHUP)
    dm.wait_log(r"the running configuration stays", 5,
                "the reload refused for the secret file")
    check(re.search(r"error: .*smcal\.conf:%d: \[webhook:w\] secret_file = "
                    r".*cannot read" % line, dm.text()),
          "the reload does not say why")
    dm.stop()


def s_overdue_none():
    """overdue = none: [platform:quiet] overdue = none silences its posts'
    post.overdue while others keep theirs; [reminders] overdue = none
    passes --check and fires no overdue at all."""
    d = scenario_dir("overdue_none")
    cal = os.path.join(d, "cal.ics")
    ev_log = os.path.join(d, "state", "events.jsonl")
    conf = os.path.join(d, "smcal.conf")
    write(conf, conf_text(d, [("main", cal)], overdue="3s") +
          "[platform:quiet]\noverdue = none\n")
    t = now()
    loud, hush = t + 4 * TS, t + 4 * TS
    write(cal, vcalendar(vevent("loud", loud) +
                         vevent("hush", hush,
                                extra="X-SMCAL-PLATFORM:quiet")))
    dm = Daemon(d).start()
    expected = {("post.due", "loud", loud * 1000),
                ("post.overdue", "loud", (loud + 3) * 1000),
                ("post.due", "hush", hush * 1000)}
    wait_events(ev_log, expected, 10 + 7 * TS, "loud's overdue, hush's due")
    sleep_until(hush + 3 + 1.5)
    dm.stop()
    exactly_once(read_events(ev_log, strict=True), expected, "overdue none")
    write(conf, conf_text(d, [("main", cal)], overdue="none"))
    rc, out, err = check_run(conf)
    check(rc == 0, "--check with overdue = none: exit %d\n%s" % (rc, err))


SCENARIOS = [
    ("broken_replace", s_broken_replace),
    ("start_broken", s_start_broken),
    ("late_additions", s_late_additions),
    ("late_missed", s_late_missed),
    ("check", s_check),
    ("overdue_none", s_overdue_none),
]


def main(argv):
    chosen = argv[1:] or [n for n, _ in SCENARIOS]
    names = dict(SCENARIOS)
    unknown = [c for c in chosen if c not in names]
    if unknown:
        print("unknown scenario(s): %s; known: %s" %
              (" ".join(unknown), " ".join(names)), file=sys.stderr)
        return 2
    failed = []
    t_all = time.monotonic()
    for name in chosen:
        t0 = time.monotonic()
        del dt.created[:]
        try:
            names[name]()
            print("ok   %-18s %5.1fs" % (name, time.monotonic() - t0))
        except Exception as e:  # Fail, or a bug of the test itself
            failed.append(name)
            print("FAIL %-18s %5.1fs: %s" % (name, time.monotonic() - t0, e),
                  file=sys.stderr)
            if not isinstance(e, Fail):
                traceback.print_exc()
            for dm in dt.created:
                print("  --- daemon stderr (%s), last lines:\n%s" %
                      (dm.log, dm.tail()), file=sys.stderr)
        finally:
            for dm in list(dt.running):
                if dm.alive():
                    dm.proc.kill()
                    dm.proc.wait()
                dm.scan()
                dt.running.remove(dm)
                dm.proc = None
    for f in dt.findings:
        print("SANITIZER/VALGRIND finding:\n%s" % f, file=sys.stderr)
    print("trust tests: %d run, %d failed, %d findings, %.1fs" %
          (len(chosen), len(failed), len(dt.findings),
           time.monotonic() - t_all))
    return 1 if failed or dt.findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
