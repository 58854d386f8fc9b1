#!/usr/bin/env python3
"""Generates a realistic editorial calendar for benchmarks.

    python3 bench/gen.py N OUT.ics [--seed S] [--desc-bytes B]

One VCALENDAR with a full Europe/Paris VTIMEZONE and N posts spread evenly
over 2027, each at a plausible posting time in Europe/Paris, with a title,
a multi-line post copy (DESCRIPTION, about B bytes, folded at 75 octets),
CATEGORIES, X-SMCAL-PLATFORM and a URL.  Every fifth post is an open-ended
weekly series on its own weekday with one EXDATE and one override that moves
an instance by two hours; every third post has a one-hour reminder.  Lines
end in CRLF.  The output depends only on N, the seed and B, so benchmark runs
are comparable.
"""

import argparse
import datetime as dt
import random
import sys

PLATFORMS = ["instagram", "linkedin", "x", "facebook", "tiktok"]
TYPES = ["inspiring", "informative", "offer", "interactive"]
CAMPAIGNS = ["spring-launch", "summer-sale", "back-to-school", "holidays"]
SERIES = ["Tip Tuesday", "Monday Motivation", "Behind the Scenes",
          "Friday Q&A", "Customer Story", "Weekend Read", "Team Spotlight"]
TOPICS = ["our new café menu", "the 2027 product roadmap", "remote work habits",
          "sustainable packaging", "a customer's first year with us",
          "five planning mistakes", "the studio's morning routine",
          "how we test every recipe", "community volunteers", "the spring édition"]
WORDS = ("plan share learn grow team story idea brand voice audience weekly "
         "launch season feedback question answer photo video reel thread "
         "behind scenes simple clear honest daily goal reach engage click "
         "community partner event guide checklist tip trick lesson").split()
BYDAY = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

VTIMEZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Paris",
    "X-LIC-LOCATION:Europe/Paris",
    "BEGIN:DAYLIGHT",
    "TZNAME:CEST",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZNAME:CET",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
]


def escape_text(s):
    """Escapes a TEXT value (RFC 5545 3.3.11); newlines become \\n."""
    return (s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold(line):
    """Folds one content line at 75 octets without splitting a UTF-8
    character, continuation lines starting with a space."""
    data = line.encode("utf-8")
    out = []
    limit = 75
    while len(data) > limit:
        cut = limit
        while cut > 0 and (data[cut] & 0xC0) == 0x80:
            cut -= 1
        out.append(data[:cut])
        data = data[cut:]
        limit = 74  # the leading space counts
    out.append(data)
    return b"\r\n ".join(out) + b"\r\n"


def local(t):
    return t.strftime("%Y%m%dT%H%M%S")


def copy_text(rng, topic, nbytes):
    """A post copy of about nbytes bytes in a few paragraphs."""
    lines = [f"This week: {topic}.",
             ""]
    body = []
    size = sum(len(x) + 1 for x in lines)
    while size < nbytes - 40:
        n = rng.randint(6, 12)
        sentence = " ".join(rng.choice(WORDS) for _ in range(n))
        sentence = sentence[0].upper() + sentence[1:] + "."
        body.append(sentence)
        size += len(sentence) + 1
        if rng.random() < 0.3:
            lines.append(" ".join(body))
            body = []
    if body:
        lines.append(" ".join(body))
    tag = "#" + rng.choice(WORDS) + " #" + rng.choice(WORDS)
    lines += ["", tag]
    return "\n".join(lines)


def post(rng, i, n, desc_bytes):
    """The content lines of post i (one VEVENT, two for a series with an
    override)."""
    year = dt.datetime(2027, 1, 1)
    day = i * 365 // n
    minute = rng.choice(range(7 * 60, 20 * 60, 15))
    start = year + dt.timedelta(days=day, minutes=minute)
    uid = f"post-{i:06d}@bench.smcal.example"
    platform = PLATFORMS[rng.randrange(len(PLATFORMS))]
    ctype = rng.choice(TYPES)
    topic = rng.choice(TOPICS)
    series = i % 5 == 0
    if series:
        title = f"{rng.choice(SERIES)}: {topic}"
    else:
        title = f"{topic[0].upper()}{topic[1:]} ({platform})"
    desc = copy_text(rng, topic, desc_bytes)
    slug = "-".join(topic.split()[:3]).replace("'", "")
    slug = slug.encode("ascii", "ignore").decode() or "post"
    ev = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20261201T090000Z",
        f"DTSTART;TZID=Europe/Paris:{local(start)}",
        f"SUMMARY:{escape_text(title)}",
        f"DESCRIPTION:{escape_text(desc)}",
        f"CATEGORIES:{ctype},{rng.choice(CAMPAIGNS)}",
        f"X-SMCAL-PLATFORM:{platform}",
        f"URL:https://blog.example.com/2027/{start:%m}/{slug}-{i}",
    ]
    override = []
    if series:
        ev.append(f"RRULE:FREQ=WEEKLY;BYDAY={BYDAY[start.weekday()]}")
        skipped = start + dt.timedelta(weeks=rng.randint(1, 4))
        moved = start + dt.timedelta(weeks=rng.randint(5, 8))
        ev.append(f"EXDATE;TZID=Europe/Paris:{local(skipped)}")
        override = [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20261201T090000Z",
            f"RECURRENCE-ID;TZID=Europe/Paris:{local(moved)}",
            f"DTSTART;TZID=Europe/Paris:{local(moved + dt.timedelta(hours=2))}",
            f"SUMMARY:{escape_text(title)} (moved)",
            f"X-SMCAL-PLATFORM:{platform}",
            "END:VEVENT",
        ]
    if i % 3 == 0:
        ev += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:Reminder",
            "TRIGGER:-PT1H",
            "END:VALARM",
        ]
    ev.append("END:VEVENT")
    return ev + override


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of posts")
    ap.add_argument("out", help="output .ics file ('-' for stdout)")
    ap.add_argument("--seed", type=int, default=2027)
    ap.add_argument("--desc-bytes", type=int, default=200,
                    help="approximate DESCRIPTION size per post")
    args = ap.parse_args()
    if args.n < 1:
        ap.error("N must be at least 1")
    rng = random.Random(args.seed)
    out = sys.stdout.buffer if args.out == "-" else open(args.out, "wb")
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//smcal//bench gen.py//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Editorial calendar 2027",
        "X-WR-TIMEZONE:Europe/Paris",
    ] + VTIMEZONE
    with out:
        out.write(b"".join(fold(x) for x in head))
        for i in range(args.n):
            out.write(b"".join(fold(x)
                               for x in post(rng, i, args.n, args.desc_bytes)))
        out.write(fold("END:VCALENDAR"))


if __name__ == "__main__":
    main()
