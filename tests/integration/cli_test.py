#!/usr/bin/env python3
"""smctl's offline commands as a newcomer meets them (run by cli.sh).

Issue 11, "smctl expand and lint": the real smctl (inside $SMCAL_IT_VG when
set) on calendars and configs written into a private directory.  Expected
times are computed with Python's zoneinfo; relative windows (today, +7d)
from the current date in the zone, checked again if the date changed while
the scenario ran.

Scenarios:
  exits     a missing, unreadable or directory file is exit 1 (nothing on
            stdout); --from after --to, a bad bound, a bad zone or option
            is exit 2; a bad config 78
  help      every command that `smctl --help` lists has --help and -h
            (exit 0, usage on stdout), anywhere after its name
  config    -c FILE (and --config) after the command, same as before it
  table     expand's table: header, times in --tz or the config's zone with
            their offset, platforms, FILE with several files, all-day posts
            at allday_time with -c, seconds when a time has them, one line
            per row
  relative  --from/--to as today, tomorrow, yesterday, now, +7d, -3h, a
            date in the zone, and the default window (today, 7 days)
  json      --json fields and values as SPEC 6 fixes them, unchanged by -c
  xwr       lint's X-WR-TIMEZONE warning names its file and line, is given
            per file, and only when the zone differs from the calendar's

Usage: cli_test.py [SCENARIO...]   (default: all)
"""
import datetime
import json
import os
import re
import sys
import zoneinfo

import smcal_it as it
from smcal_it import ROOT, Fail, check, run_scenarios, smctl, vcalendar


def run_ok(*args):
    rc, out, err = smctl(*args)
    check(rc == 0, "smctl %s: exit %d\n%s%s" %
          (" ".join(map(str, args)), rc, out, err))
    return out


def write(name, text):
    return it.write(os.path.join(ROOT, name), text)


def conf(name, zone, allday="09:00", calendars=(), platforms=()):
    """A newcomer's config: only these keys."""
    return write(name, it.conf_text(
        ROOT, calendars, platforms=platforms, defaults=False,
        daemon={"timezone": zone, "allday_time": allday, "state_dir": ROOT}))


def jsonl(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def table(out):
    """Parses expand's table: (header names, rows as dicts, summary line).
    Columns start where the header's names start."""
    lines = out.rstrip("\n").split("\n")
    check(len(lines) >= 2, "table too short:\n%s" % out)
    header, summary = lines[0], lines[-1]
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    names = header.split()
    rows = []
    for line in lines[1:-1]:
        row = {}
        for i, name in enumerate(names):
            end = starts[i + 1] if i + 1 < len(starts) else len(line)
            row[name] = line[starts[i]:end].rstrip()
        rows.append(row)
    return names, rows, summary


def local_str(t, zone, seconds=False):
    """'2026-12-01 09:30 +01:00' for an aware datetime t in zone."""
    lt = t.astimezone(zoneinfo.ZoneInfo(zone))
    off = lt.utcoffset().total_seconds()
    sign = "-" if off < 0 else "+"
    off = abs(int(off))
    fmt = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return "%s %s%02d:%02d" % (lt.strftime(fmt), sign, off // 3600,
                               off // 60 % 60)


def utc(*a):
    return datetime.datetime(*a, tzinfo=datetime.timezone.utc)


# ---------------------------------------------------------------------------
# Scenarios.

def s_exits():
    good = write("good.ics", vcalendar([[
        "UID:one", "DTSTART:20261201T090000Z", "SUMMARY:One"]]))
    missing = os.path.join(ROOT, "nope.ics")
    win = ["--from", "2026-12-01", "--to", "2026-12-08"]
    for files in ([missing], [good, missing]):
        for mode in ([], ["--json"]):
            rc, out, err = smctl("expand", *files, *win, *mode)
            check(rc == 1, "expand %s %s: exit %d, want 1" %
                  (files, mode, rc))
            check(out == "", "expand with a missing file printed:\n%s" %
                  out)
            check(missing in err and "cannot open" in err,
                  "expand of a missing file: stderr does not name it:\n%s"
                  % err)
    rc, out, err = smctl("expand", ROOT, *win)
    check(rc == 1 and ROOT in err,
          "expand of a directory: exit %d\n%s" % (rc, err))
    if os.geteuid() != 0:
        locked = write("locked.ics", vcalendar([]))
        os.chmod(locked, 0)
        rc, out, err = smctl("expand", locked, *win)
        check(rc == 1 and locked in err,
              "expand of an unreadable file: exit %d\n%s" % (rc, err))
    rc, out, err = smctl("lint", missing)
    check(rc == 1 and "cannot open" in err + out,
          "lint of a missing file: exit %d\n%s%s" % (rc, out, err))

    usage = [
        ["expand", good, "--from", "2026-12-08", "--to", "2026-12-01"],
        ["expand", good, "--from", "2026-12-08T00:00:01Z", "--to",
         "2026-12-08"],
        ["expand", good, "--from", "tomorrow", "--to", "today"],
        ["expand", good, "--from", "2026-12-01", "--to", "-1d"],
        ["expand", good, "--from", "soon"],
        ["expand", good, "--to", "+7x"],
        ["expand", good, "--tz", "Mars/Olympus", *win],
        ["expand", good, "--bogus"],
        ["expand", *win],
        ["lint"],
        ["lint", good, "--bogus"],
        ["expand", good, *win, "-c"],
        ["nosuchcommand"],
    ]
    for args in usage:
        rc, out, err = smctl(*args)
        check(rc == 2, "smctl %s: exit %d, want 2 (usage)\n%s" %
              (" ".join(args), rc, err))
        check(out == "", "smctl %s: a usage error printed on stdout:\n%s"
              % (" ".join(args), out))
        check(err.strip(), "smctl %s: a usage error without a message" %
              " ".join(args))
    rc, out, err = smctl("expand", good, "--from", "2026-12-08", "--to",
                         "2026-12-01")
    check("--from" in err and "after" in err,
          "--from after --to: message does not say so:\n%s" % err)
    # An empty window is not an error.
    rc, out, err = smctl("expand", good, "--from", "2026-12-01T09:00:00Z",
                         "--to", "2026-12-01T09:00:00Z", "--json")
    check(rc == 0 and out == "", "empty window: exit %d\n%s" % (rc, out))
    bad = write("bad.conf", "[daemon]\ntimezone = Nowhere/Land\n")
    for args in (["-c", bad, "expand", good, *win],
                 ["expand", good, *win, "-c", bad], ["lint", good, "-c", bad]):
        rc, out, err = smctl(*args)
        check(rc == 78, "smctl %s: exit %d, want 78" % (args, rc))


def commands():
    rc, out, err = smctl("--help")
    check(rc == 0, "smctl --help: exit %d" % rc)
    names = []
    seen = False
    for line in out.splitlines():
        if line.strip() == "commands:":
            seen = True
        elif seen and line.startswith("  ") and line.strip():
            names.append(line.split()[0])
        elif seen and not line.strip() and names:
            break
    check({"lint", "expand"} <= set(names),
          "smctl --help lists %s" % names)
    return names


def s_help():
    names = commands()
    good = write("good.ics", vcalendar([]))
    for name in names:
        helps = []
        for args in ([name, "--help"], [name, "-h"],
                     ["-c", "/nonexistent.conf", name, "--help"],
                     [name, good, "--help"], [name, "--json", "-h"]):
            rc, out, err = smctl(*args)
            check(rc == 0, "smctl %s: exit %d\n%s" %
                  (" ".join(args), rc, err))
            check(out.startswith("usage: smctl") and
                  re.search(r"\b%s\b" % re.escape(name), out.split("\n")[0]),
                  "smctl %s: no usage line for %s:\n%s" %
                  (" ".join(args), name, out))
            check(err == "", "smctl %s wrote to stderr:\n%s" %
                  (" ".join(args), err))
            helps.append(out)
        check(len(set(helps)) == 1,
              "smctl %s: --help differs with its position" % name)
    rc, out, err = smctl("expand", "--help")
    for word in ("--from", "--to", "--tz", "--json", "today", "tomorrow",
                 "+7d", "7 days", "allday_time"):
        check(word in out, "expand --help does not mention %s:\n%s" %
              (word, out))
    rc, out, err = smctl("lint", "--help")
    for word in ("--json", "--calendar", "X-WR-TIMEZONE"):
        check(word in out, "lint --help does not mention %s" % word)


def s_config():
    c = conf("paris.conf", "Europe/Paris",
             platforms=[("instagram", {"categories": "Instagram"})])
    f = write("cfg.ics", vcalendar([
        ["UID:float", "DTSTART:20261201T100000", "SUMMARY:Floating",
         "CATEGORIES:Instagram"],
        ["UID:bad", "DTSTART:20261202T100000Z", "SUMMARY:Bad",
         "X-SMCAL-PLATFORM:tiktok"]]))
    win = ["--from", "2026-12-01", "--to", "2026-12-08"]
    for extra in ([], ["--json"]):
        before = run_ok("-c", c, "expand", f, *win, *extra)
        check("instagram" in before and
              ("+01:00" in before or "2026-12-01T09:00:00Z" in before),
              "expand -c: config not applied:\n%s" % before)
        for args in (["expand", f, *win, *extra, "-c", c],
                     ["expand", "-c", c, f, *win, *extra],
                     ["expand", "--config", c, f, *win, *extra],
                     ["expand", f, "--config=" + c, *win, *extra]):
            after = run_ok(*args)
            check(after == before, "smctl %s differs from -c before the "
                  "command:\n%s\nvs\n%s" % (" ".join(args), after, before))
    rc, before, _ = smctl("-c", c, "lint", f)
    rc2, after, _ = smctl("lint", f, "-c", c)
    check(rc == rc2 and before == after and "tiktok" in after,
          "lint FILE -c CONF differs from lint -c CONF FILE:\n%s\nvs\n%s" %
          (after, before))


def s_table():
    c = conf("ny.conf", "America/New_York", allday="10:15",
             platforms=[("instagram", {"categories": "Instagram"}),
                        ("linkedin", {}), ("x", {})])
    f = write("table.ics", vcalendar([
        ["UID:summer", "DTSTART:20260701T080000Z", "SUMMARY:Summer"],
        ["UID:winter", "DTSTART;TZID=Europe/Paris:20261201T093000",
         "SUMMARY:Winter", "X-SMCAL-PLATFORM:linkedin,x"],
        ["UID:allday", "DTSTART;VALUE=DATE:20261202", "SUMMARY:All day",
         "CATEGORIES:Instagram"],
        ["UID:float", "DTSTART:20261203T100000",
         "SUMMARY:Two\\nlines\\, one row"]]))
    g = write("table2.ics", vcalendar([
        ["UID:late", "DTSTART:20261205T120030Z", "SUMMARY:Odd second"]]))
    win = ["--from", "2026-06-01", "--to", "2027-01-01"]

    out = run_ok("expand", f, *win, "--tz", "Europe/Paris")
    names, rows, summary = table(out)
    check(names == ["START", "STATUS", "PLATFORMS", "UID", "RECURRENCE-ID",
                    "TITLE"], "header: %s" % names)
    check(len(out.rstrip("\n").split("\n")) == 6,
          "one line per row expected:\n%s" % out)
    got = {r["UID"]: r for r in rows}
    check([r["UID"] for r in rows] == ["summer", "winter", "allday",
                                       "float"], "order: %s" % rows)
    want = {
        "summer": local_str(utc(2026, 7, 1, 8), "Europe/Paris"),
        "winter": "2026-12-01 09:30 +01:00",
        "allday": "2026-12-02 all day",
        "float": "2026-12-03 10:00 +01:00",
    }
    for uid, start in want.items():
        check(got[uid]["START"] == start, "%s: START %r, want %r" %
              (uid, got[uid]["START"], start))
    check(want["summer"] == "2026-07-01 10:00 +02:00", want["summer"])
    # Without a config, X-SMCAL-PLATFORM still names platforms.
    check(got["winter"]["PLATFORMS"] == "linkedin,x",
          "platforms: %r" % got["winter"]["PLATFORMS"])
    check(got["summer"]["STATUS"] == "scheduled", got["summer"])
    check(got["float"]["TITLE"] == "Two\\nlines, one row",
          "title: %r" % got["float"]["TITLE"])
    check(got["winter"]["RECURRENCE-ID"] == "2026-12-01T08:30:00Z",
          got["winter"])
    check(summary == "4 occurrences from 2026-06-01 00:00 +02:00 to "
          "2027-01-01 00:00 +01:00 (Europe/Paris)", "summary: %r" % summary)

    # With -c: the config's zone, its platforms, all-day at allday_time.
    out = run_ok("-c", c, "expand", f, *win)
    names, rows, summary = table(out)
    got = {r["UID"]: r for r in rows}
    ny = "America/New_York"
    check(got["summer"]["START"] == local_str(utc(2026, 7, 1, 8), ny) ==
          "2026-07-01 04:00 -04:00", got["summer"])
    check(got["winter"]["START"] == "2026-12-01 03:30 -05:00",
          got["winter"])
    check(got["allday"]["START"] == "2026-12-02 10:15 -05:00",
          "all-day with -c: %r" % got["allday"]["START"])
    check(got["allday"]["PLATFORMS"] == "instagram", got["allday"])
    check(got["float"]["START"] == "2026-12-03 10:00 -05:00", got["float"])
    check(summary.endswith("(America/New_York)"), summary)
    # --tz wins over the config's zone.
    out = run_ok("-c", c, "expand", f, *win, "--tz", "Asia/Tokyo")
    got = {r["UID"]: r for r in table(out)[1]}
    check(got["allday"]["START"] == "2026-12-02 10:15 +09:00",
          got["allday"])
    # The all-day post is due at 10:15: a window ending at 10:00 misses it.
    out = run_ok("-c", c, "expand", f, "--from", "2026-12-02", "--to",
                 "2026-12-02T10:00")
    check(table(out)[1] == [], "all-day before allday_time:\n%s" % out)

    # Several files: a FILE column; one time with seconds shows them all.
    out = run_ok("expand", f, g, *win, "--tz", "Europe/Paris")
    names, rows, summary = table(out)
    check(names == ["START", "STATUS", "PLATFORMS", "UID", "RECURRENCE-ID",
                    "FILE", "TITLE"], "header with two files: %s" % names)
    files = {r["UID"]: r["FILE"] for r in rows}
    check(files == {"summer": f, "winter": f, "allday": f, "float": f,
                    "late": g}, "FILE column: %s" % files)
    got = {r["UID"]: r for r in rows}
    check(got["late"]["START"] == "2026-12-05 13:00:30 +01:00",
          got["late"])
    check(got["winter"]["START"] == "2026-12-01 09:30:00 +01:00",
          got["winter"])
    check(summary.startswith("5 occurrences"), summary)

    # An empty window still has its header and says what it covered.
    out = run_ok("expand", f, "--from", "2030-01-01", "--to", "+1d")
    names, rows, summary = table(out)
    check(rows == [] and summary == "0 occurrences from 2030-01-01 00:00 "
          "+00:00 to 2030-01-02 00:00 +00:00 (UTC)", out)


def relative_once(zone):
    """One pass of the relative-window checks; returns the local date they
    were computed for."""
    tz = zoneinfo.ZoneInfo(zone)
    today = datetime.datetime.now(tz).date()
    days = range(-3, 10)
    f = write("days.ics", vcalendar([
        ["UID:day%+d" % k,
         "DTSTART;VALUE=DATE:" +
         (today + datetime.timedelta(days=k)).strftime("%Y%m%d"),
         "SUMMARY:Day %+d" % k] for k in days]))

    def uids(*args):
        out = run_ok("expand", f, "--tz", zone, "--json", *args)
        return [o["uid"] for o in jsonl(out)]

    def span(a, b):
        return ["day%+d" % k for k in range(a, b)]

    cases = [
        (["--from", "today", "--to", "tomorrow"], span(0, 1)),
        (["--from", "yesterday", "--to", "today"], span(-1, 0)),
        (["--from", "tomorrow", "--to", "+7d"], span(1, 8)),
        (["--from", "today", "--to", "+1w"], span(0, 7)),
        (["--to", "+2d"], span(0, 2)),
        ([], span(0, 7)),
        (["--from", "today"], span(0, 7)),
        (["--from", (today + datetime.timedelta(days=3)).isoformat(),
          "--to", "+1d"], span(3, 4)),
        (["--from", "tomorrow", "--to",
          (today + datetime.timedelta(days=3)).isoformat()], span(1, 3)),
        # From now on, today's midnight has passed; from a day ago, it has
        # not (unless this runs at midnight exactly).
        (["--from", "now", "--to", "+2d"], span(1, 3)),
        (["--from", "-1d", "--to", "tomorrow"], span(0, 1)),
    ]
    for args, want in cases:
        got = uids(*args)
        check(got == want, "expand --tz %s %s: got %s, want %s" %
              (zone, " ".join(args), got, want))
    # The default window as the table states it.
    out = run_ok("expand", f, "--tz", zone)
    names, rows, summary = table(out)
    start = datetime.datetime.combine(today, datetime.time(), tz)
    end = datetime.datetime.combine(today + datetime.timedelta(days=7),
                                    datetime.time(), tz)
    want = "7 occurrences from %s to %s (%s)" % (
        local_str(start, zone), local_str(end, zone), zone)
    check(summary == want, "default window: %r, want %r" % (summary, want))
    check([r["UID"] for r in rows] == span(0, 7), rows)

    # Timed posts around now: hours are elapsed time from now.
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    stamp = "%Y%m%dT%H%M%SZ"
    g = write("hours.ics", vcalendar([
        ["UID:recent", "DTSTART:" +
         (now - datetime.timedelta(hours=2)).strftime(stamp),
         "SUMMARY:Recent"],
        ["UID:soon", "DTSTART:" +
         (now + datetime.timedelta(hours=2)).strftime(stamp),
         "SUMMARY:Soon"]]))
    for args, want in ((["--from", "now", "--to", "+3h"], ["soon"]),
                       (["--from", "-3h", "--to", "now"], ["recent"]),
                       (["--from", "-3h", "--to", "+6h"], ["recent", "soon"]),
                       # --to's duration counts from --from.
                       (["--from", "+1h", "--to", "+30m"], []),
                       (["--from", "+1h", "--to", "+1h30m"], ["soon"])):
        out = run_ok("expand", g, "--json", *args)
        got = [o["uid"] for o in jsonl(out)]
        check(got == want, "expand %s: got %s, want %s" %
              (" ".join(args), got, want))
    return today


def s_relative():
    # Zones far from UTC, so that "today" in the zone is often another day
    # than in UTC.
    for zone in ("Pacific/Kiritimati", "America/Anchorage"):
        for attempt in range(2):
            day = relative_once(zone)
            if datetime.datetime.now(zoneinfo.ZoneInfo(zone)).date() == day:
                break  # the date did not change under the checks
        else:
            raise Fail("the date kept changing during the checks")


def s_json():
    f = write("json.ics", vcalendar([
        ["UID:zoned", "DTSTART;TZID=Europe/Paris:20261201T093000",
         "SUMMARY:Zoned \"quoted\"", "X-SMCAL-PLATFORM:linkedin"],
        ["UID:allday", "DTSTART;VALUE=DATE:20261202", "SUMMARY:All day",
         "STATUS:TENTATIVE"],
        ["UID:float", "DTSTART:20261203T100000", "SUMMARY:Floating",
         "RRULE:FREQ=DAILY;COUNT=2"],
        ["UID:gone", "DTSTART:20261204T100000Z", "SUMMARY:Gone",
         "STATUS:CANCELLED"]]))
    want = [
        '{"uid":"zoned","recurrence_id":"2026-12-01T08:30:00Z",'
        '"start":"2026-12-01T08:30:00Z","all_day":false,'
        '"summary":"Zoned \\"quoted\\"","platforms":["linkedin"],'
        '"status":"scheduled"}',
        '{"uid":"allday","recurrence_id":"2026-12-02",'
        '"start":"2026-12-01T23:00:00Z","all_day":true,'
        '"summary":"All day","platforms":[],"status":"draft"}',
        '{"uid":"float","recurrence_id":"2026-12-03T10:00:00",'
        '"start":"2026-12-03T09:00:00Z","all_day":false,'
        '"summary":"Floating","platforms":[],"status":"scheduled"}',
        '{"uid":"float","recurrence_id":"2026-12-04T10:00:00",'
        '"start":"2026-12-04T09:00:00Z","all_day":false,'
        '"summary":"Floating","platforms":[],"status":"scheduled"}',
    ]
    win = ["--from", "2026-12-01", "--to", "2026-12-08"]
    out = run_ok("expand", f, *win, "--tz", "Europe/Paris", "--json")
    check(out.splitlines() == want, "--json:\n%s\nwant\n%s" %
          (out, "\n".join(want)))
    # With a config of the same zone, allday_time does not move "start".
    c = conf("json.conf", "Europe/Paris", allday="10:15")
    out2 = run_ok("-c", c, "expand", f, *win, "--json")
    check(out2 == out, "--json with -c differs:\n%s" % out2)
    out = run_ok("expand", f, *win, "--tz", "Europe/Paris", "--json",
                 "--all")
    check(json.loads(out.splitlines()[-1])["status"] == "cancelled", out)


def s_xwr():
    a = write("xa.ics", vcalendar(
        [["UID:a", "DTSTART:20261201T100000", "SUMMARY:A"]],
        head=["X-WR-CALNAME:A", "X-WR-TIMEZONE:Europe/Paris"]))  # line 5
    b = write("xb.ics", vcalendar(
        [["UID:b", "DTSTART;VALUE=DATE:20261201", "SUMMARY:B"],
         ["UID:b2", "DTSTART:20261202T100000", "SUMMARY:B2"]],
        head=["X-WR-TIMEZONE:America/New_York"]))  # line 4
    c = write("xc.ics", vcalendar(
        [["UID:c", "DTSTART:20261201T100000Z", "SUMMARY:C"]],
        head=["X-WR-TIMEZONE:Asia/Tokyo"]))  # UTC times only
    paris = conf("xparis.conf", "Europe/Paris")

    def warnings(*args):
        rc, out, err = smctl("lint", "--json", *args)
        check(rc == 0, "lint %s: exit %d\n%s%s" % (args, rc, out, err))
        return [o for o in jsonl(out) if "X-WR-TIMEZONE" in o["message"]]

    ws = warnings("-c", paris, a, b, c)
    check(len(ws) == 1, "lint -c (Paris) a b c: %s" % ws)
    w = ws[0]
    check(w["file"] == b and w["line"] == 4 and w["severity"] == "warning",
          "warning not at %s:4: %s" % (b, w))
    check("America/New_York" in w["message"] and
          "Europe/Paris" in w["message"] and "2 posts" in w["message"],
          w["message"])
    # Without a config the zone is UTC: both files differ, each named.
    ws = warnings(a, b, c)
    check([(w["file"], w["line"]) for w in ws] == [(a, 5), (b, 4)],
          "lint a b c: %s" % ws)
    check("1 post " in ws[0]["message"] and "2 posts" in ws[1]["message"],
          [w["message"] for w in ws])
    # The file's calendar has the zone the file names: nothing to say.
    ny = conf("xny.conf", "Europe/Paris", calendars=[
        ("clients", b, {"timezone": "America/New_York"})])
    check(warnings("-c", ny, b) == [], "calendar timezone = X-WR")
    ws = warnings("-c", ny, a, b)
    check(ws == [], "a (Paris = config) and b (its calendar): %s" % ws)
    # The human form names file and line too.
    rc, out, err = smctl("lint", a)
    check(re.search(r"^%s:5: warning: X-WR-TIMEZONE:Europe/Paris" %
                    re.escape(a), out, re.M), out)
    check("1 post, 1 series" in out, out)


SCENARIOS = {
    "exits": s_exits,
    "help": s_help,
    "config": s_config,
    "table": s_table,
    "relative": s_relative,
    "json": s_json,
    "xwr": s_xwr,
}


def main(argv):
    return run_scenarios("cli", SCENARIOS, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
