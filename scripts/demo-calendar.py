#!/usr/bin/env python3
"""Writes run/demo.ics for `make run`: a few posts due in the next minutes,
so that something visibly fires (reminders, then posts) soon after start.

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
]
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
