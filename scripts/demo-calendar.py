#!/usr/bin/env python3
"""Writes run/demo.ics for `make run`: a few posts due in the next minutes,
so that something visibly fires (reminders, then posts) soon after start,
and TikTok's plan (conf/smcal-dev.conf: 2/week) for this week and the next
four, one post short next week: `smctl cadence` shows a short week, and
smcald tells it (cadence.gap) three days before that week starts.  With a
second argument, what a platform's export of the first posts' results
would look like, one file per platform (README's tour imports them with
`smctl metric import`).

    python3 scripts/demo-calendar.py OUT.ics [INSIGHTS.csv]

The CSVs are written as Meta's exports are: a BOM, semicolons, counts with
thousands separators in quotes, and month-first local (UTC) times; the
instagram post is found by its publish time, the others by their id.
INSIGHTS.csv is instagram's; x's and linkedin's go beside it, named
INSIGHTS-x.csv and INSIGHTS-linkedin.csv.
"""
import datetime as dt
import sys

now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def at(seconds):
    return (now + dt.timedelta(seconds=seconds)).strftime("%Y%m%dT%H%M%SZ")


posts = [
    ("demo-story", 45, "Behind the scenes: roasting day", "instagram", 30),
    ("demo-poll", 90, "Poll: which blend next?", "x", 60),
    ("demo-case", 150, "Case study teaser", "linkedin", 60),
    ("demo-clip-1", 210, "Clip: latte art in 15 seconds", "tiktok", 60),
    ("demo-clip-2", 270, "Clip: the roaster's playlist", "tiktok", 60),
]
# TikTok's next weeks (UTC, the dev config's zone): Tuesday and Thursday
# 10:00, but only Thursday next week.
monday = (now - dt.timedelta(days=now.weekday())).replace(
    hour=0, minute=0, second=0)
for week in range(1, 5):
    for day, name in ((1, "tue"), (3, "thu")):
        if week == 1 and day == 1:
            continue  # the short week
        t = monday + dt.timedelta(weeks=week, days=day, hours=10)
        posts.append(("demo-tiktok-w%d-%s" % (week, name),
                      int((t - now).total_seconds()),
                      "Clip of week +%d (%s)" % (week, name), "tiktok",
                      3600))
lines = ["BEGIN:VCALENDAR", "VERSION:2.0",
         "PRODID:-//smcal//make run demo//EN"]
for uid, due, title, platform, lead in posts:
    lines += ["BEGIN:VEVENT", "UID:%s@demo.smcal.example" % uid,
              "DTSTAMP:%s" % at(0), "DTSTART:%s" % at(due),
              "SUMMARY:%s" % title, "X-SMCAL-PLATFORM:%s" % platform,
              "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:%s" % title,
              "TRIGGER:-PT%dS" % lead, "END:VALARM", "END:VEVENT"]
lines.append("END:VCALENDAR")
with open(sys.argv[1], "w", newline="") as f:
    f.write("\r\n".join(lines) + "\r\n")

if len(sys.argv) > 2:
    # Each platform exports its own file: INSIGHTS.csv is instagram's,
    # INSIGHTS-x.csv and INSIGHTS-linkedin.csv the others' (an import
    # refuses a row naming a post that is not on its platform).
    rows = [("instagram", "", at(45), "12 480", "9 312", 180, 21, 9, 88),
            ("x", "demo-poll@demo.smcal.example", "", "5 100", "4 020", 96,
             40, 4, 12),
            ("linkedin", "demo-case@demo.smcal.example", "", "2 310",
             "1 870", 44, 9, 6, 57)]
    base = sys.argv[2][:-4] if sys.argv[2].endswith(".csv") else sys.argv[2]
    for platform, rid, when, impr, reach, likes, comments, shares, clicks \
            in rows:
        out = ["\ufeffid;Publish time;Impressions;Reach;Likes;Comments;"
               "Shares;Link clicks"]
        if when:
            t = dt.datetime.strptime(when, "%Y%m%dT%H%M%SZ")
            when = t.strftime("%m/%d/%Y %H:%M")
        out.append('%s;%s;"%s";"%s";%d;%d;%d;%d' % (
            rid, when, impr, reach, likes, comments, shares, clicks))
        path = (sys.argv[2] if platform == "instagram"
                else "%s-%s.csv" % (base, platform))
        with open(path, "w", newline="") as f:
            f.write("\r\n".join(out) + "\r\n")
