#!/usr/bin/env python3
"""KPI and goal scenarios for smcald and smctl (run by kpi.sh; stdlib only).

The real daemon (`smcald -f -c CONF`, inside $SMCAL_IT_VG when set) serves a
generated calendar of posts published days ago, in Europe/Paris; smctl talks
to it on a private socket.  Helpers (the daemon, the Node receiver that
verifies Standard Webhooks signatures, waiting, the runner) come from
smcal_it.py.

Scenarios:
  import_report  a CSV written like Meta's export (BOM, semicolons, quoted
                 "1 234" and "1,000", MM/DD/YYYY local times, a --map'd
                 column, an id column, a permalink matching the URL of
                 smctl done --url) imported for instagram, values of a
                 linkedin post recorded by hand (a later value replaces the
                 current one, the history keeps both), a series refused
                 without --occurrence, followers; `smctl report --json`
                 by platform and week matches sums and rates worked out
                 here, `--csv` has SPEC's names, the table has bars, `smctl
                 goals --json` the goal's value
  bad_csv        unmatched, duplicate, malformed and short rows and a row of
                 an occurrence cancelled with smctl cancel (listed with
                 their lines, exit 1), a header without metrics, a UTF-16
                 file, --dry-run, an unknown platform: the database is the
                 same before and after, row for row; --partial stores the
                 good rows only; usage errors exit 2, no daemon exits 69
  check          smcald --check with the daemon's state: a goal needing
                 more than three times the best week warns on its target's
                 line; one without a start whose deadline has passed exits
                 78
  pieces         a 2.5 MiB file (over the 1 MiB message limit) goes in
                 pieces on one connection and imports as one
  goal_events    goals on track at start tell nothing; goal.off_track
                 reaches the receiver, signed, when an import puts an
                 engagement rate behind its path; not again after a
                 restart or another change; goal.achieved when a post's
                 clicks reach a count goal's target

Usage: kpi_test.py [SCENARIO...]   (default: all)
"""
import base64
import csv
import datetime
import io
import json
import os
import socket
import sqlite3
import sys
import time
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smcal_it as wt  # noqa: E402  (the daemon, receiver, waiting, runner)

ZONE = zoneinfo.ZoneInfo("Europe/Paris")
check = wt.check
Fail = wt.Fail

# ---------------------------------------------------------------------------
# Time, calendar, config


# One "today" for the whole run, so that a run across midnight stays
# consistent with the calendar it wrote.
TODAY = datetime.datetime.now(ZONE).date()


def today():
    return TODAY


def local(day_offset, hh, mm):
    """An aware datetime: today + day_offset at hh:mm in Paris."""
    d = today() + datetime.timedelta(days=day_offset)
    return datetime.datetime(d.year, d.month, d.day, hh, mm, tzinfo=ZONE)


def ical(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def rid(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta_time(dt):
    """Meta's export: month first, local time."""
    return dt.astimezone(ZONE).strftime("%m/%d/%Y %H:%M")


def week_label(dt):
    y, w, _ = dt.astimezone(ZONE).isocalendar()
    return "%04d-W%02d" % (y, w)


# The posts: uid -> (platforms, type, campaign, start, rrule)
def posts():
    return {
        "p1@kpi": (["instagram"], "informative", "launch", local(-10, 9, 0),
                   None),
        "p2@kpi": (["instagram"], "offer", "launch", local(-9, 12, 30), None),
        "p3@kpi": (["linkedin"], "informative", None, local(-8, 8, 30), None),
        "p4@kpi": (["instagram", "linkedin"], "interactive", "launch",
                   local(-3, 17, 0), None),
        "tip@kpi": (["instagram"], "inspiring", None, local(-20, 10, 0),
                    "FREQ=WEEKLY;COUNT=6"),
        "future@kpi": (["instagram"], "offer", "launch", local(5, 9, 0),
                       None),
    }


def calendar_text(ps):
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//smcal tests//kpi//EN"]
    stamp = ical(datetime.datetime.now(datetime.timezone.utc))
    for uid, (plats, typ, camp, start, rule) in ps.items():
        out += ["BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:" + stamp,
                "DTSTART:" + ical(start), "SUMMARY:Post " + uid,
                "X-SMCAL-PLATFORM:" + ",".join(plats),
                "X-SMCAL-TYPE:" + typ]
        if camp:
            out.append("X-SMCAL-CAMPAIGN:" + camp)
        if rule:
            out.append("RRULE:" + rule)
        out.append("END:VEVENT")
    out.append("END:VCALENDAR")
    return "\r\n".join(out) + "\r\n"


def ig_reach_goal():
    return ("[goal:ig-reach]\n"
            "metric = reach\n"
            "platform = instagram\n"
            "baseline = 0\n"
            "target = 100000\n"
            "start = %s\n"
            "deadline = %s\n"
            "tolerance = 10%%\n\n" % (
                (today() - datetime.timedelta(days=14)).isoformat(),
                (today() + datetime.timedelta(days=14)).isoformat()))


def conf_text(d, extra="", webhook="none", goals=None):
    return ("[daemon]\n"
            "socket = {d}/run/smcal.sock\n"
            "state_dir = {d}/state\n"
            "timezone = Europe/Paris\n"
            "allday_time = 09:00\n"
            "webhook = {w}\n"
            "catchup = 1h\n"
            "log_level = info\n\n"
            "[reminders]\n"
            "lead = none\n"
            "overdue = 30d\n\n"
            "[calendar:main]\n"
            "path = {d}/content.ics\n\n"
            "[platform:instagram]\n\n"
            "[platform:linkedin]\n\n").format(d=d, w=webhook) + (
                ig_reach_goal() if goals is None else goals) + extra


def setup(name, extra="", webhook="none", goals=None):
    d = wt.scenario_dir(name)
    os.makedirs(os.path.join(d, "run"))
    os.makedirs(os.path.join(d, "state"), mode=0o750)
    wt.write(os.path.join(d, "content.ics"), calendar_text(posts()))
    wt.write(os.path.join(d, "smcal.conf"),
             conf_text(d, extra, webhook, goals))
    return d


def smctl(d, *args, timeout=60):
    """smctl on the scenario's socket (inside VG under valgrind; its
    sanitizer reports are findings): (exit status, stdout, stderr)."""
    return wt.smctl("-s", os.path.join(d, "run", "smcal.sock"), *args,
                    timeout=timeout)


def ok(d, *args):
    rc, out, err = smctl(d, *args)
    check(rc == 0, "smctl %s: exit %d: %s" % (" ".join(args), rc, err))
    return out, err


def json_lines(text):
    return [json.loads(x) for x in text.splitlines() if x.strip()]


def varlink(d, calls):
    """Sends calls [(method, parameters)] on one connection, as any
    varlink client would; returns the replies."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30 * wt.TM)
    s.connect(os.path.join(d, "run", "smcal.sock"))
    out, buf = [], b""
    for method, params in calls:
        s.sendall(json.dumps({"method": method,
                              "parameters": params}).encode() + b"\0")
        while b"\0" not in buf:
            chunk = s.recv(65536)
            check(chunk, "smcald closed the connection")
            buf += chunk
        msg, buf = buf.split(b"\0", 1)
        out.append(json.loads(msg))
    s.close()
    return out


def db_dump(d):
    """Every row of every table, for before/after comparisons."""
    con = sqlite3.connect(os.path.join(d, "state", "smcal.db"), timeout=5)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


# ---------------------------------------------------------------------------
# The exports


# Values of the Meta-like export: uid -> (impr, reach, likes, comments,
# shares, clicks, conversions or None)
IG_VALUES = {
    "p1@kpi": (1234, 1000, 40, 5, 3, 12, 2),
    "p2@kpi": (2500, 2000, 150, 20, 10, 30, 5),
    "p4@kpi": (800, 700, 50, 4, 1, 9, None),
    "tip@kpi": (600, 500, 30, 2, 0, 3, 0),
}


# The URL p1 was posted at (smctl done --url), and as the export writes it:
# another scheme and host spelling, a tracking parameter, no trailing /.
P1_URL = "https://www.instagram.com/p/C0ffee123/"
P1_PERMALINK = "http://Instagram.com/p/C0ffee123?igsh=MTc4OTAx"


def meta_export():
    """Meta's CSV export as a spreadsheet in a French locale saves it: a BOM,
    semicolons, thousands in quotes, month-first local times."""
    ps = posts()
    rows = [["Post ID", "Permalink", "Publish time", "smcal id",
             "Impressions", "Reach", "Likes", "Comments", "Shares",
             "Link clicks", "Conversions (pixel)"]]
    p1, p2, p4 = (ps[u][3] for u in ("p1@kpi", "p2@kpi", "p4@kpi"))
    tip2 = ps["tip@kpi"][3] + datetime.timedelta(days=7)
    for uid, post_id, when, by_id in (
            ("p1@kpi", "178900001", None, ""),
            ("p2@kpi", "178900002", None, "p2@kpi"),
            ("p4@kpi", "178900004", p4 - datetime.timedelta(minutes=5), ""),
            ("tip@kpi", "178900005", tip2, "")):
        im, re_, li, co, sh, cl, cv = IG_VALUES[uid]
        link = P1_PERMALINK if uid == "p1@kpi" else ""
        rows.append([post_id, link, meta_time(when) if when else "", by_id,
                     "1 234" if im == 1234 else "{:,}".format(im),
                     "{:,}".format(re_), str(li), str(co), str(sh), str(cl),
                     "" if cv is None else str(cv)])
    def cell(s):
        # Quoted when it holds a separator or a blank, as exports write
        # "1 234" and "1,000".
        if any(c in s for c in ';," '):
            return '"' + s.replace('"', '""') + '"'
        return s
    text = "".join(";".join(cell(c) for c in r) + "\r\n" for r in rows)
    check('"1 234"' in text and '"1,000"' in text, "quoting: %r" % text)
    return "\ufeff" + text


# ---------------------------------------------------------------------------
# Expected report rows, worked out here


# A post added with smctl add yesterday, its values recorded by hand.
QUEUED_AT = local(-1, 10, 0)
QUEUED_VALUES = {"impressions": 100, "reach": 77, "engagement": 5,
                 "clicks": 1, "conversions": None}


def values_of(uid):
    """The post's values as smcald holds them after the scenario."""
    if uid.startswith("q_"):
        return QUEUED_VALUES
    if uid == "p3@kpi":
        return {"impressions": 500, "reach": 450, "engagement": 20,
                "clicks": 4, "conversions": None}
    im, re_, li, co, sh, cl, cv = IG_VALUES[uid]
    return {"impressions": im, "reach": re_, "engagement": li + co + sh,
            "clicks": cl, "conversions": cv}


def expected_rows(queued_id):
    ps = posts()
    ps[queued_id] = (["linkedin"], None, None, QUEUED_AT, None)
    starts = {u: ps[u][3] for u in ps}
    starts["tip@kpi"] = ps["tip@kpi"][3] + datetime.timedelta(days=7)
    by = {}
    for uid in ("p1@kpi", "p2@kpi", "p3@kpi", "p4@kpi", "tip@kpi",
                queued_id):
        for plat in ps[uid][0]:
            key = (plat, week_label(starts[uid]))
            by.setdefault(key, []).append(values_of(uid))
    out = {}
    for key, vs in by.items():
        def total(k):
            xs = [v[k] for v in vs if v[k] is not None]
            return sum(xs) if xs else None
        row = {"posts_published": len(vs)}
        for k in ("impressions", "reach", "engagement", "clicks",
                  "conversions"):
            row[k] = total(k)
        row["engagement_rate"] = round(row["engagement"] / row["reach"], 6)
        row["ctr"] = round(row["clicks"] / row["impressions"], 6)
        out[key] = row
    return out


def report_weeks():
    """The weeks from 21 days ago to today, as the report labels them."""
    labels = []
    for k in range(-21, 1):
        lab = week_label(local(k, 12, 0))
        if lab not in labels:
            labels.append(lab)
    return labels


# ---------------------------------------------------------------------------
# Scenarios


def s_import_report():
    d = setup("import_report")
    dm = wt.Daemon(d).start()
    csv_path = os.path.join(d, "insights.csv")
    wt.write(csv_path, meta_export())
    # p1 was marked published with its URL: the export's permalink finds it.
    ok(d, "done", "p1@kpi", "--url", P1_URL)
    out, err = ok(d, "metric", "import", csv_path, "--platform", "instagram",
                  "--map", "Conversions (pixel)=conversions",
                  "--map", "smcal id=id", "--json")
    res = json.loads(out)
    check(res["rows"] == 4 and res["ok"] == 4 and res["bad"] == 0,
          "import: %s" % res)
    check(res["matched"] == {"id": 1, "url": 1, "time": 2},
          "matched: %s" % res["matched"])
    check(res["stored"] is True and res["posts"] == 4, "stored: %s" % res)
    # "Post ID" is no column smcal knows: one warning, on the header line.
    check(any(p["line"] == 1 and "Post ID" in p["message"]
              for p in res["problems"]), "warnings: %s" % res["problems"])

    # Values by hand: a series needs --occurrence, a single post not.
    rc, out, err = smctl(d, "metric", "tip@kpi", "reach=1")
    check(rc == 1 and "--occurrence" in err, "series without occurrence: "
          "exit %d, %r" % (rc, err))
    p3 = posts()["p3@kpi"][3]
    ok(d, "metric", "p3@kpi", "impressions=500", "reach=400",
       "engagement=20", "clicks=4")
    out, _ = ok(d, "metric", "p3@kpi", "reach=450", "--json")
    rec = json.loads(out)
    check(rec["occurrence"] == rid(p3) and rec["values"]["reach"] == 450
          and rec["values"]["clicks"] == 4 and rec["changed"] is True,
          "record: %s" % rec)
    # A figure backdated before the current one is history only.
    out, _ = ok(d, "metric", "p3@kpi", "reach=300", "--at", "-1d",
                "--json")
    check(json.loads(out)["values"]["reach"] == 450,
          "backdated value replaced the current one: %s" % out)
    hist = wt.db_rows(d, "SELECT reach FROM metric_history WHERE uid = ? "
                      "ORDER BY id", ("p3@kpi",), as_dict=True)
    check([h["reach"] for h in hist] == [400, 450, 300],
          "history: %s" % hist)
    # Followers per platform and day.
    out, _ = ok(d, "metric", "followers=1042", "--platform", "Instagram",
                "--at", "yesterday", "--json")
    f = json.loads(out)
    check(f["platform"] == "instagram" and f["followers"] == 1042 and
          f["day"] == (today() - datetime.timedelta(days=1)).isoformat(),
          "followers: %s" % f)
    # A queued post: added with a past time, its values by its id.
    out, _ = ok(d, "add", "--platform", "linkedin", "--at",
                rid(QUEUED_AT), "--allow-past", "--title", "Queued",
                "--json")
    qid = json.loads(out)["id"]
    out, _ = ok(d, "metric", qid, "impressions=100", "reach=77",
                "engagement=5", "clicks=1", "--json")
    check(json.loads(out)["calendar"] == "queue", "queued: %s" % out)
    rc, _, err = smctl(d, "metric", "future@kpi", "reach=5")
    check(rc == 1 and "future" in err, "future post: %d %r" % (rc, err))
    rc, _, err = smctl(d, "metric", "p1@kpi", "engagement_rate=3")
    check(rc == 1 and "worked out" in err, "rate: %d %r" % (rc, err))

    # The report, row by row.
    frm = (today() - datetime.timedelta(days=21)).isoformat()
    to = (today() + datetime.timedelta(days=1)).isoformat()
    out, _ = ok(d, "report", "--json", "--by", "platform", "--period",
                "week", "--from", frm, "--to", to)
    rows = json_lines(out)
    exp = expected_rows(qid)
    weeks = report_weeks()
    got_keys = [(r["platform"], r["period"]) for r in rows]
    want_keys = [(p, w) for p in ("instagram", "linkedin") for w in weeks]
    check(got_keys == want_keys, "rows: %s, expected %s" %
          (got_keys, want_keys))
    for r in rows:
        key = (r["platform"], r["period"])
        e = exp.get(key)
        if e is None:
            check(r["posts_published"] == 0 and r["reach"] is None and
                  r["engagement_rate"] is None and r["best_posts"] == [],
                  "empty row %s: %s" % (key, r))
            continue
        for k, v in e.items():
            if k in ("engagement_rate", "ctr"):
                check(abs(r[k] - v) < 1e-6, "%s %s: %s, expected %s" %
                      (key, k, r[k], v))
            else:
                check(r[k] == v, "%s %s: %s, expected %s" %
                      (key, k, r[k], v))
        check(r["best_posts"] and r["best_posts"][0]["engagement"] ==
              max(values_of(b["id"])["engagement"]
                  for b in r["best_posts"]), "best posts: %s" % r)
    check(sum(r["posts_published"] for r in rows) == 7,
          "posts in all rows: %s" % rows)

    # CSV with SPEC's names; the table for people, with bars.
    out, _ = ok(d, "report", "--csv", "--by", "campaign", "--from", frm,
                "--to", to)
    check(out.split("\r\n")[0] ==
          "campaign,period,start,end,posts_published,impressions,reach,"
          "engagement,engagement_rate,clicks,ctr,conversions,best_posts",
          "csv header: %r" % out[:200])
    launch = [r for r in csv.DictReader(io.StringIO(out))
              if r["campaign"] == "launch" and r["posts_published"] != "0"]
    check(sum(int(r["reach"]) for r in launch) == 1000 + 2000 + 700,
          "launch reach: %s" % launch)
    out, _ = ok(d, "report", "--by", "platform", "--from", frm, "--to", to)
    lines = out.splitlines()
    check(lines[0].split()[:3] == ["PLATFORM", "PERIOD", "POSTS"] and
          any("█" in x for x in lines) and "\033" not in out,
          "table:\n%s" % out)

    # The goal: the reach of instagram posts since its start.
    out, _ = ok(d, "goals", "--json")
    g = json_lines(out)[0]
    check(g["name"] == "ig-reach" and g["value"] == 1000 + 2000 + 700 + 500
          and g["status"] == "off_track" and g["target"] == 100000,
          "goal: %s" % g)
    out, _ = ok(d, "goals")
    check("ig-reach" in out and "off_track" in out, "goals table:\n%s" % out)
    dm.stop()


def s_bad_csv():
    d = setup("bad_csv")
    dm = wt.Daemon(d).start()
    ps = posts()
    # A good import first, so that the database is not empty.
    good = os.path.join(d, "good.csv")
    wt.write(good, "id,reach,clicks\r\np1@kpi,100,1\r\n")
    ok(d, "metric", "import", good, "--platform", "instagram")

    # One occurrence of the series cancelled through the socket: no row
    # matches it, and no value can be recorded for it.
    tip3 = ps["tip@kpi"][3] + datetime.timedelta(days=14)
    ok(d, "cancel", "tip@kpi", "--occurrence", rid(tip3))
    rc, _, err = smctl(d, "metric", "tip@kpi", "--occurrence", rid(tip3),
                       "reach=1")
    check(rc == 1 and "cancelled" in err, "cancelled occurrence: %d %r" %
          (rc, err))
    before = db_dump(d)

    bad = os.path.join(d, "bad.csv")
    wt.write(bad, "\ufeffDate;Reach;Link clicks\r\n"
             "%s;10;1\r\n"       # line 2: p2, fine
             "%s;20;2\r\n"       # line 3: no post then
             "%s;12.5k;3\r\n"    # line 4: not an exact count
             "%s;40\r\n"         # line 5: a short row
             "%s;50;5\r\n"       # line 6: p2 again (a duplicate)
             "%s;60;6\r\n" % (   # line 7: the cancelled occurrence
                 meta_time(ps["p2@kpi"][3]),
                 meta_time(local(-6, 3, 0)),
                 meta_time(ps["p4@kpi"][3]),
                 meta_time(ps["p1@kpi"][3]),
                 meta_time(ps["p2@kpi"][3]),
                 meta_time(tip3)))
    rc, out, err = smctl(d, "metric", "import", bad, "--platform",
                         "instagram")
    check(rc == 1, "bad csv: exit %d" % rc)
    for line, word in ((3, "no post matches"), (4, "abbreviated"),
                       (5, "fields where the header has"), (6, "as line 2"),
                       (7, "no post matches")):
        check("bad.csv:%d: error: " % line in err and word in err,
              "line %d (%s) not reported: %r" % (line, word, err))
    check("nothing was stored" in err, "message: %r" % err)
    check(db_dump(d) == before, "the failed import changed the database")

    # The same with --dry-run --partial: reported, still nothing stored.
    rc, out, err = smctl(d, "metric", "import", bad, "--platform",
                         "instagram", "--partial", "--dry-run")
    check(rc == 0 and "would store 1 post" in out, "dry run: %d %r %r" %
          (rc, out, err))
    check(db_dump(d) == before, "--dry-run changed the database")

    # Files that cannot be imported at all.
    cases = [
        ("nometric.csv", "id,title\r\np1@kpi,x\r\n", "metric"),
        ("utf16.csv", None, "UTF-16"),
        ("empty.csv", "", "empty"),
    ]
    for name, text, word in cases:
        path = os.path.join(d, name)
        if text is None:
            with open(path, "wb") as f:
                f.write("id,reach\r\np1@kpi,5\r\n".encode("utf-16"))
        else:
            wt.write(path, text)
        rc, _, err = smctl(d, "metric", "import", path, "--platform",
                           "instagram")
        check(rc == 1 and word in err, "%s: exit %d, %r" % (name, rc, err))
    rc, _, err = smctl(d, "metric", "import", good, "--platform", "tiktok")
    check(rc == 1 and "instagram, linkedin" in err,
          "unknown platform: %d %r" % (rc, err))
    rc, _, err = smctl(d, "metric", "import", good, "--platform",
                       "instagram", "--map", "reach")
    check(rc == 1 and "COLUMN=FIELD" in err, "bad map: %d %r" % (rc, err))
    check(db_dump(d) == before, "a refused import changed the database")

    # --partial stores the good row (p2) and nothing else.
    ok(d, "metric", "import", bad, "--platform", "instagram", "--partial")
    got = wt.db_rows(d, "SELECT uid, reach FROM metric_current ORDER BY uid",
                     as_dict=True)
    check(got == [{"uid": "p1@kpi", "reach": 100},
                  {"uid": "p2@kpi", "reach": 10}], "partial: %s" % got)

    # Usage errors and an unreachable daemon.
    for args in (("metric", "import", good), ("report", "--period", "year"),
                 ("metric", "p1@kpi"), ("metric", "p1@kpi", "reach=abc"),
                 ("goals", "extra")):
        rc, _, err = smctl(d, *args)
        check(rc == 2, "smctl %s: exit %d, expected 2 (%r)" %
              (" ".join(args), rc, err))
    dm.stop()
    rc, _, err = smctl(d, "report")
    check(rc == 69, "no daemon: exit %d, expected 69 (%r)" % (rc, err))


def s_pieces():
    d = setup("pieces")
    dm = wt.Daemon(d).start()
    ps = posts()
    # Each row carries a long ignored column: 2.5 MiB, three pieces.
    pad = "x" * (850 * 1024)
    text = "id,notes,impressions\r\n" + "".join(
        "%s,%s,%d\r\n" % (u, pad, 10 * (i + 1))
        for i, u in enumerate(("p1@kpi", "p2@kpi", "p4@kpi")))
    path = os.path.join(d, "big.csv")
    wt.write(path, text)
    check(len(text) > 2 * 1024 * 1024, "file too small")
    out, err = ok(d, "metric", "import", path, "--platform", "instagram",
                  "--map", "notes=ignore", "--json")
    res = json.loads(out)
    check(res["posts"] == 3 and res["matched"]["id"] == 3,
          "pieces: %s" % res)
    got = wt.db_rows(d, "SELECT uid, impressions FROM metric_current "
                     "ORDER BY uid", as_dict=True)
    check([g["impressions"] for g in got] == [10, 20, 30], "stored: %s" % got)
    check(len(wt.db_rows(d, "SELECT id FROM metric_import")) == 1,
          "one import row")

    # Any varlink client: a piece lost on the way is noticed by the size,
    # and nothing is stored; a small file goes in one call.
    small = "id,clicks\r\np1@kpi,7\r\np2@kpi,8\r\n".encode()
    b64 = base64.b64encode
    m = "io.smcal.Metrics.Import"
    r = varlink(d, [
        (m, {"platform": "instagram", "data": b64(small[:10]).decode(),
             "more_data": True}),
        (m, {"platform": "instagram", "data": b64(small[20:]).decode(),
             "size": len(small)})])
    check(r[0]["parameters"] == {"received": 10} and
          r[1].get("error") == "io.smcal.InvalidParameter" and
          "missing" in r[1]["parameters"]["message"], "lost piece: %s" % r)
    r = varlink(d, [(m, {"platform": "instagram", "file": "small.csv",
                         "data": b64(small).decode()})])
    p = r[0].get("parameters", {})
    check(p.get("posts") == 2 and p.get("stored") is True, "one call: %s" % r)
    got = wt.db_rows(d, "SELECT uid, clicks FROM metric_current "
                     "ORDER BY uid", as_dict=True)
    check([g["clicks"] for g in got] == [7, 8, None], "clicks: %s" % got)
    dm.stop()


def s_goal_events():
    secret = wt.new_secret()
    d = wt.scenario_dir("goal_events_recv")
    rcv = wt.Receiver(d, [secret])
    extra = ("[webhook:team]\n"
             "url = %s/ok/goals\n"
             "format = json\n"
             "secret = %s\n"
             "events = goal.off_track, goal.achieved, goal.missed\n\n" %
             (rcv.base, secret))
    # An engagement rate from 10% to 15% over four weeks, half gone: no
    # value yet, so on track.  Clicks from 0 to 60 since yesterday, with a
    # wide tolerance: on track at 0 for days.
    goals = ("[goal:ig-engagement]\n"
             "metric = engagement_rate\n"
             "platform = instagram\n"
             "baseline = 10%%\n"
             "target = 15%%\n"
             "start = %s\n"
             "deadline = %s\n"
             "tolerance = 10%%\n\n"
             "[goal:ig-clicks]\n"
             "metric = clicks\n"
             "platform = instagram\n"
             "baseline = 0\n"
             "target = 60\n"
             "start = %s\n"
             "deadline = %s\n"
             "tolerance = 50%%\n\n" % (
                 (today() - datetime.timedelta(days=14)).isoformat(),
                 (today() + datetime.timedelta(days=14)).isoformat(),
                 (today() - datetime.timedelta(days=1)).isoformat(),
                 (today() + datetime.timedelta(days=14)).isoformat()))
    d = setup("goal_events", extra, webhook="team", goals=goals)
    dm = wt.Daemon(d).start()
    out, _ = ok(d, "goals", "--json")
    check([g["status"] for g in json_lines(out)] == ["on_track"] * 2,
          "goals at start: %s" % out)
    # The import puts the engagement rate at 315 / 4200 = 7.5%: off its
    # path (12.5% expected by now, give or take 0.5 points).
    csv_path = os.path.join(d, "insights.csv")
    wt.write(csv_path, meta_export())
    ok(d, "done", "p1@kpi", "--url", P1_URL)
    ok(d, "metric", "import", csv_path, "--platform", "instagram",
       "--map", "Conversions (pixel)=conversions", "--map", "smcal id=id")
    reqs = rcv.wait("/ok/goals", 1, 20, "goal.off_track after the import")
    e = reqs[0]
    check(e["verified"], "signature not verified: %s" % e)
    body = json.loads(e["body"])
    g = body.get("goal", {})
    check(body["type"] == "goal.off_track" and
          e["headers"]["webhook-id"] == body["id"] and
          g.get("name") == "ig-engagement" and
          abs(g.get("value") - 315 / 4200) < 1e-6 and
          g.get("status") == "off_track" and "post" not in body,
          "event: %s" % body)
    events = wt.read_events(os.path.join(d, "state", "events.jsonl"))
    check([x["id"] for x in events if x["type"].startswith("goal.")] ==
          [body["id"]], "event log: %s" % events)
    # A restart and another change do not tell it again (a delivery in
    # flight at the stop may be sent again: the same webhook-id, which a
    # receiver deduplicates; so ids are counted, not requests).
    wt.wait_outbox(d, "team", wt.all_status("delivered"), 10,
                   "the delivery recorded")
    dm.stop()
    dm.start()
    ok(d, "metric", "p1@kpi", "clicks=13")
    time.sleep(2 * wt.TM)
    ids = {x["headers"]["webhook-id"] for x in rcv.entries("/ok/goals")}
    check(ids == {body["id"]}, "told twice: %s" % rcv.entries("/ok/goals"))
    # A post of today with 70 clicks: the clicks goal is achieved.
    at = datetime.datetime.now(datetime.timezone.utc) - \
        datetime.timedelta(minutes=2)
    out, _ = ok(d, "add", "--platform", "instagram", "--at", rid(at),
                "--allow-past", "--title", "Today's", "--json")
    ok(d, "metric", json.loads(out)["id"], "clicks=70")
    def achieved():
        got = [x for x in rcv.entries("/ok/goals")
               if json.loads(x["body"])["type"] == "goal.achieved"]
        return got or None
    req = wt.wait_for(achieved, 20, "goal.achieved")[0]
    body = json.loads(req["body"])
    check(req["verified"] and body["type"] == "goal.achieved" and
          body["goal"]["name"] == "ig-clicks" and
          body["goal"]["value"] == 70 and
          body["goal"]["status"] == "achieved", "achieved: %s" % body)
    state = wt.db_rows(d, "SELECT name, state FROM goal_state ORDER BY name",
                       as_dict=True)
    check([s["name"] for s in state] == ["ig-clicks", "ig-engagement"] and
          all(s["state"] for s in state), "goal states: %s" % state)
    dm.stop()
    rcv.stop()


def s_check():
    d = setup("check")
    dm = wt.Daemon(d).start()
    csv_path = os.path.join(d, "insights.csv")
    wt.write(csv_path, meta_export())
    ok(d, "done", "p1@kpi", "--url", P1_URL)
    ok(d, "metric", "import", csv_path, "--platform", "instagram",
       "--map", "Conversions (pixel)=conversions", "--map", "smcal id=id")
    conf = os.path.join(d, "smcal.conf")

    def check_conf(text):
        wt.write(conf, text)
        rc, _, err = wt.run_cmd([wt.SMCALD, "--check", "-c", conf],
                                timeout=60)
        return rc, err

    base = conf_text(d)
    target_line = base.splitlines().index("target = 100000") + 1
    # The best week's reach is 3,000 or so: 100,000 in four weeks is not
    # realistic, and --check says so on the target's line (the daemon
    # keeps running: the state is only read).
    rc, err = check_conf(base)
    check(rc == 0 and "smcal.conf:%d: warning:" % target_line in err and
          "three times" in err, "pace: exit %d, %r" % (rc, err))
    rc, err = check_conf(base.replace("target = 100000", "target = 5000"))
    check(rc == 0 and "three times" not in err, "realistic: %d %r" %
          (rc, err))
    # Without a start, a goal whose deadline has passed is first seen
    # after it: not SMART.
    past = (today() - datetime.timedelta(days=3)).isoformat()
    text = conf_text(d).replace(
        "start = %s\n" % (today() - datetime.timedelta(days=14)).isoformat(),
        "").replace("deadline = %s" % (today() + datetime.timedelta(
            days=14)).isoformat(), "deadline = %s" % past)
    rc, err = check_conf(text)
    check(rc == 78 and "first seen" in err and "[goal:ig-reach]" in err,
          "no start, past deadline: exit %d, %r" % (rc, err))
    wt.write(conf, base)
    check(dm.alive(), "the daemon stopped")
    dm.stop()


def s_hostile():
    """Reviewed mistakes: a row by id without a publish time for a post
    500 days old is found; an id naming a post on another platform is
    refused; a European "1.000" is a thousand; a report by platform over
    centuries of days is refused (it killed smcald) and sums of huge
    values do not wrap."""
    d = setup("hostile")
    ps = posts()
    ps["old@kpi"] = (["instagram"], "offer", None, local(-500, 9, 0), None)
    ps["tt@kpi"] = (["tiktok"], "offer", None, local(-2, 9, 0), None)
    wt.write(os.path.join(d, "content.ics"), calendar_text(ps))
    dm = wt.Daemon(d).start()
    csv = os.path.join(d, "eu.csv")
    wt.write(csv, "ID;Reach;Impressions\r\n"
             "old@kpi;1.000;\"12.500\"\r\n"   # line 2
             "p3@kpi;5;6\r\n")                  # line 3: linkedin only
    rc, out, err = smctl(d, "metric", "import", csv, "--platform",
                         "instagram")
    check(rc == 1 and "eu.csv:3: error: " in err and
          "not on instagram" in err and "eu.csv:2:" not in err,
          "platform check: %d %r %r" % (rc, out, err))
    ok(d, "metric", "import", csv, "--platform", "instagram", "--partial")
    got = wt.db_rows(d, "SELECT uid, reach, impressions FROM metric_current"
                     " ORDER BY uid", as_dict=True)
    check(got == [{"uid": "old@kpi", "reach": 1000, "impressions": 12500}],
          "stored: %s" % got)
    ok(d, "metric", "tt@kpi", "reach=5")
    rc, out, err = smctl(d, "report", "--period", "day", "--by", "platform",
                         "--from", "1900-01-01", "--to", "2100-01-01")
    check(rc == 1 and "rows" in err, "huge report: %d %r" % (rc, err))
    ok(d, "status")  # the daemon is still there
    q = str(2305843009213693951)
    ok(d, "metric", "p1@kpi", "likes=" + q, "comments=" + q, "shares=" + q,
       "saves=" + q)
    ok(d, "metric", "p2@kpi", "likes=" + q, "comments=" + q)
    rc, out, err = smctl(d, "report", "--json", "--period", "month",
                         "--from", local(-40, 0, 0).date().isoformat())
    check(rc == 0, "report: %d %r" % (rc, err))
    for r in json_lines(out):
        e = r.get("engagement")
        check(e is None or e >= 0, "engagement wrapped: %r" % r)
    dm.stop()


SCENARIOS = [
    ("import_report", s_import_report),
    ("bad_csv", s_bad_csv),
    ("pieces", s_pieces),
    ("check", s_check),
    ("goal_events", s_goal_events),
    ("hostile", s_hostile),
]


if __name__ == "__main__":
    sys.exit(wt.run_scenarios("kpi", SCENARIOS, sys.argv))
