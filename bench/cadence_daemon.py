#!/usr/bin/env python3
"""`smctl cadence` end to end: the real smctl asking the real smcald with
100,000 posts loaded, and the daemon's extra memory for the cadence.

    python3 bench/cadence_daemon.py --smcald B/smcald --smctl B/smctl \\
        --out DIR [--posts N] [--rounds R]

Writes N posts (default 100000) over the current week and the 12 after it,
relative to now, in Europe/Paris: 8 platforms, one post in five on two of
them, one in seven a draft, one in fifty cancelled, one in twenty an
open-ended weekly series with an EXDATE.  One single post in ten goes to
the queue (smctl add --file, in files of 2,000 posts, before anything is
measured), the rest to the calendar.  A third of the occurrences
already past are marked done in the store.  The config gives every
platform cadence = 3/week, lookahead = 12 (13 weeks a platform, 104 rows),
and Instagram's guardrails, min_spacing = 4h and daily_cap = 25, which a
calendar this crowded crosses everywhere (the reply carries the first
500 warnings and their total).

Two daemons run on the same calendar, one after the other, on fresh state
directories: A without any cadence (no plan: the daemon never looks) and B
with the plans.  For each, resident memory (VmRSS) once loaded and settled,
and VmHWM (peak) at the end.  On B: the start-up look (from its debug line),
then R rounds (default 7) of `smctl cadence` (the table), `smctl cadence
--json` and `smctl calendar --month`, wall time per call measured here
around the process (connect, the daemon's gather, report and JSON, the
replies, smctl's printing): the median and the worst are printed.  The
extra RSS for cadence is B's minus A's, after the same calls.

A benchmark, never a test: it prints numbers and exits 0 unless it cannot
run.
"""
import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import zoneinfo

PLATFORMS = ["instagram", "linkedin", "x", "facebook", "tiktok", "youtube",
             "threads", "mastodon"]
TYPES = ["informative", "inspiring", "interactive", "offer", None]
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def ical(t):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


def rid(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def generate(path, n, seed=7):
    """The calendar; returns the (uid, rid) of past occurrences to mark
    done, and the queue's posts as JSON Lines rows."""
    rnd = random.Random(seed)
    today = dt.datetime.now(PARIS).date()
    monday = today - dt.timedelta(days=today.weekday())
    start = int(dt.datetime(monday.year, monday.month, monday.day,
                            tzinfo=PARIS).timestamp())
    span = 13 * 7 * 86400
    now = time.time()
    done, queue = [], []
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//smcal bench//EN"]
    for i in range(n):
        at = start + rnd.randrange(span // 60) * 60
        plats = [PLATFORMS[i % 8]]
        if i % 5 == 0:
            plats.append(PLATFORMS[(i + 3) % 8])
        typ = TYPES[i % 5]
        series = i % 20 == 2
        cancelled = i % 50 == 1 and i % 7 != 0
        if i % 10 == 9 and not series and not cancelled:
            row = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                       time.gmtime(at)),
                   "platforms": plats, "title": "queued %d" % i}
            if typ:
                row["type"] = typ
            if i % 7 == 0:
                row["draft"] = True
            queue.append(row)
            continue
        uid = "b%06d" % i
        ev = ["BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20260101T000000Z",
              "DTSTART:" + ical(at), "SUMMARY:post %d" % i,
              "X-SMCAL-PLATFORM:" + ",".join(plats)]
        if typ:
            ev.append("X-SMCAL-TYPE:" + typ)
        if i % 7 == 0:
            ev.append("STATUS:TENTATIVE")
        elif cancelled:
            ev.append("STATUS:CANCELLED")
        if series:
            at = start + rnd.randrange(7 * 1440) * 60
            ev[3] = "DTSTART:" + ical(at)
            ev.append("RRULE:FREQ=WEEKLY")
            ev.append("EXDATE:" + ical(at + 3 * 7 * 86400))
        ev.append("END:VEVENT")
        out += ev
        occ = [at + k * 7 * 86400 for k in range(13) if k != 3] \
            if series else [at]
        for t in occ:
            if t < now and not cancelled and rnd.random() < 1 / 3:
                done.append((uid, rid(t)))
    out.append("END:VCALENDAR")
    with open(path, "w", newline="") as f:
        f.write("\r\n".join(out) + "\r\n")
    return done, queue


def add_queue(args, d, sock, queue):
    """The queue's posts through smctl add --file, 2,000 a call."""
    for k in range(0, len(queue), 2000):
        path = os.path.join(d, "queue-%d.jsonl" % k)
        with open(path, "w") as f:
            for row in queue[k:k + 2000]:
                f.write(json.dumps(row) + "\n")
        p = subprocess.run([args.smctl] + sock + ["add", "--file", path,
                                                  "--allow-past"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise SystemExit("cadence bench: smctl add --file: exit %d: %s"
                             % (p.returncode, p.stderr.decode()[:300]))


def conf(d, cal, plans):
    text = ("[daemon]\nsocket = {d}/smcal.sock\nstate_dir = {d}/state\n"
            "timezone = Europe/Paris\nwebhook = none\ncatchup = 1m\n"
            "log_level = debug\nwatchdog = no\n\n"
            "[reminders]\nlead = none\noverdue = 1w\n\n"
            "[cadence]\nlookahead = 12\ngap_notice = 3d\n\n"
            "[calendar:main]\npath = {cal}\n\n").format(d=d, cal=cal)
    for p in PLATFORMS:
        text += "[platform:%s]\nmin_spacing = 4h\ndaily_cap = 25\n%s\n" % (
            p, "cadence = 3/week\n" if plans else "")
    text += "[mix]\ninformative = 40\ninspiring = 30\ninteractive = 20\n" \
            "offer = 10\n"
    path = os.path.join(d, "smcal.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def status_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def wait_log(log, pattern, timeout):
    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(log, "rb") as f:
            m = rx.search(f.read().decode("utf-8", "replace"))
        if m:
            return m
        time.sleep(0.05)
    raise SystemExit("cadence bench: no /%s/ in %s within %ds" %
                     (pattern, log, timeout))


def timed(cmd, rounds):
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        times.append((time.perf_counter() - t0) * 1000)
        if p.returncode != 0:
            raise SystemExit("cadence bench: %s: exit %d: %s" %
                             (" ".join(cmd), p.returncode,
                              p.stderr.decode()[:300]))
    return times


def run_daemon(args, name, cal, plans, done, queue):
    d = os.path.join(args.out, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d, mode=0o750)
    path = conf(d, cal, plans)
    log = os.path.join(d, "smcald.stderr")
    with open(log, "wb") as lf:
        proc = subprocess.Popen([args.smcald, "-f", "-c", path],
                                stdout=subprocess.DEVNULL, stderr=lf)
    res = {}
    try:
        t0 = time.monotonic()
        wait_log(log, r"info: loaded \d+ posts?", 300)
        res["load_s"] = time.monotonic() - t0
        if plans:
            m = wait_log(log, r"cadence: .* (\d+) occurrences? looked at "
                         r"in (\d+) ms", 60)
            res["look"] = (int(m.group(1)), int(m.group(2)))
        db = sqlite3.connect(os.path.join(d, "state", "smcal.db"),
                             timeout=30)
        db.executemany("INSERT INTO done (calendar, uid, recurrence_id, "
                       "url, at) VALUES ('main', ?, ?, NULL, 0)", done)
        db.commit()
        db.close()
        sock = ["-s", os.path.join(d, "smcal.sock")]
        t0 = time.monotonic()
        add_queue(args, d, sock, queue)
        res["queue_s"] = time.monotonic() - t0
        time.sleep(2)
        res["rss_loaded"] = status_kb(proc.pid, "VmRSS")
        res["cadence"] = timed([args.smctl] + sock + ["cadence"],
                               args.rounds)
        res["json"] = timed([args.smctl] + sock + ["cadence", "--json"],
                            args.rounds)
        res["calendar"] = timed([args.smctl] + sock +
                                ["calendar", "--month"], args.rounds)
        out = subprocess.run([args.smctl] + sock + ["cadence", "--json"],
                             stdout=subprocess.PIPE).stdout
        res["rows"] = len(out.splitlines())
        out = subprocess.run([args.smctl] + sock + ["cadence"],
                             stdout=subprocess.PIPE).stdout.decode()
        m = re.search(r"guardrails: (\d+) warnings?", out)
        res["warnings"] = "%s guardrail warnings" % (m.group(1) if m
                                                      else "no")
        res["rss_after"] = status_kb(proc.pid, "VmRSS")
        res["hwm"] = status_kb(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait()
    return res


def ms(v):
    return "median %.0f ms, worst %.0f ms" % (statistics.median(v), max(v))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smcald", required=True)
    ap.add_argument("--smctl", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--posts", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    cal = os.path.join(os.path.abspath(args.out), "cadence-posts.ics")
    done, queue = generate(cal, args.posts)
    args.out = os.path.abspath(args.out)
    a = run_daemon(args, "cadence-a", cal, False, done, queue)
    b = run_daemon(args, "cadence-b", cal, True, done, queue)
    print("smctl cadence end to end: %d posts (13 weeks from this one, 8 "
          "platforms; %d of them queued), %d done marks, %d rounds" %
          (args.posts, len(queue), len(done), args.rounds))
    print("  load: %.1f s without plans, %.1f s with; the queue's adds "
          "%.1f s" % (a["load_s"], b["load_s"], b["queue_s"]))
    print("  daemon's look at start: %d occurrences in %d ms" % b["look"])
    print("  smctl cadence (table, %d rows, %s): %s" % (
        b["rows"], b["warnings"], ms(b["cadence"])))
    print("  smctl cadence --json:           %s" % ms(b["json"]))
    print("  smctl calendar --month:         %s" % ms(b["calendar"]))
    print("  daemon RSS without plans: %.1f MB loaded, %.1f MB after the "
          "calls, peak %.1f MB" % (a["rss_loaded"] / 1024,
                                   a["rss_after"] / 1024, a["hwm"] / 1024))
    print("  daemon RSS with plans:    %.1f MB loaded, %.1f MB after the "
          "calls, peak %.1f MB" % (b["rss_loaded"] / 1024,
                                   b["rss_after"] / 1024, b["hwm"] / 1024))
    print("  extra RSS for cadence: %+.1f MB after the calls, %+.1f MB at "
          "the peak" % ((b["rss_after"] - a["rss_after"]) / 1024,
                        (b["hwm"] - a["hwm"]) / 1024))
    for name in ("cadence-a", "cadence-b"):
        shutil.rmtree(os.path.join(args.out, name), ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
