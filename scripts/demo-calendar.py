#!/usr/bin/env python3
"""Writes run/demo.ics for `make run`: a few posts due in the next minutes,
so that something visibly fires (reminders, then posts) soon after start,
and TikTok's plan (conf/smcal-dev.conf: 2/week) for this week and the next
four, one post short next week: `smctl cadence` shows a short week, and
smcald tells it (cadence.gap) three days before that week starts.

    python3 scripts/demo-calendar.py OUT.ics
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
