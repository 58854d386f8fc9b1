#!/usr/bin/env python3
"""The post queue through the control socket (queue.sh): the real smcald
driven by the real smctl and by a raw varlink client.

Scenarios: roundtrip (add, list, show, cancel, done, next, export, the
export read back by smctl lint and expand and both oracle engines), slots
(the next free slot across a DST change and with min_spacing, guardrail
warnings), bulk (a file with bad rows stores nothing; one placed in
successive slots), fires (a post added 3 s ahead fires on time to a
verifying receiver), kill9 (an acknowledged add survives kill -9 and fires
after the restart), cancel (no events), done (no post.overdue), reload
(the queue stays and fires), pipelined (adds on one connection, a status in
between and a refused add: replies in order), errors (messages and exit
codes)."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from smcal_it import (TM, TS, Daemon, Receiver, check, check_request,
                      conf_text, db_rows, event_ids, expect, iso_s,
                      new_secret, now,
                      read_events, run_cmd, run_scenarios, scenario_dir,
                      sleep_until, smctl, vcalendar, vevent, wait_events,
                      wait_for, write)

ORACLE = os.environ.get("SMCAL_ORACLE", "")
QID_RE = re.compile(r"^q_[a-z2-7]{16}$")
PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc
PLATFORMS = [("instagram", {"slots": "mon 09:00, wed 12:30, fri 17:00"}),
             ("x", {})]


def start(name, events=(), platforms=None, daemon=None, **kw):
    """A daemon on a calendar of events (vevent texts) in d/cal.ics."""
    d = scenario_dir(name)
    cal = write(os.path.join(d, "cal.ics"), vcalendar(list(events)))
    write(os.path.join(d, "smcal.conf"),
          conf_text(d, [("main", cal)],
                    platforms=PLATFORMS if platforms is None else platforms,
                    daemon=daemon, **kw))
    dm = Daemon(d).start()
    return d, dm, os.path.join(d, "run", "smcal.sock")


def ctl(sock, *args, rc=0):
    """smctl -s sock args; checks the exit status; (stdout, stderr)."""
    code, out, err = smctl("-s", sock, *args)
    check(code == rc, "smctl %s: exit %d, expected %d\nstdout: %s\n"
          "stderr: %s" % (" ".join(args), code, rc, out[-1500:], err[-1500:]))
    return out, err


def lines(out):
    return [json.loads(x) for x in out.splitlines() if x.strip()]


def add(sock, *args):
    """smctl add ... --json: the reply."""
    out, _ = ctl(sock, "add", *args, "--json")
    r = lines(out)[0]
    check(QID_RE.match(r["id"]), "add: id %r" % r["id"])
    return r


def utc_of(s):
    return int(datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=UTC).timestamp())


def events_of(d):
    return read_events(os.path.join(d, "state", "events.jsonl"), torn=True)


def log_path(d):
    return os.path.join(d, "state", "events.jsonl")


def queued_ids(sock):
    out, _ = ctl(sock, "list", "--calendar", "queue", "--from", "-30d",
                 "--to", "+3650d", "--json")
    return [p["id"] for p in lines(out)]


# ---------------------------------------------------------------------------


def s_roundtrip():
    t = now()
    s0 = (t // 60 + 120) * 60  # two hours ahead, on a minute
    events = [
        vevent("tip@example.org", s0, "Tip of the day",
               extra=["RRULE:FREQ=DAILY;COUNT=5",
                      "X-SMCAL-PLATFORM:instagram"]),
        vevent("launch@example.org", s0 + 1800, "Launch",
               extra=["X-SMCAL-PLATFORM:x"]),
    ]
    d, dm, sock = start("roundtrip", events)
    out, _ = ctl(sock, "add", "--at", "+1h", "--platform", "instagram",
                 "--title", "Winter sale", "--body", "Line one\nLine two",
                 "--url", "https://example.org/sale", "--campaign", "winter")
    q1 = out.splitlines()[0]
    check(QID_RE.match(q1), "add prints the id first: %r" % out)
    check("queued for" in out, "add says when: %r" % out)
    r2 = add(sock, "--at", iso_s(s0 + 3600), "--platform", "x", "--title",
             "Second")
    q2 = r2["id"]
    # Escapes in JSON (quote, backslash, tab, non-ASCII, beyond the BMP)
    # come out as text in the table.
    odd = 'Café "quoted" \\ tab\there 😀'
    q3 = add(sock, "--at", iso_s(s0 + 5400), "--platform", "x", "--title",
             odd)["id"]
    check(r2["publish_at"] == iso_s(s0 + 3600) and r2["slot"] is False and
          r2["warnings"] == [], "add --json: %s" % r2)

    out, _ = ctl(sock, "list", "--to", "+5d", "--json")
    got = lines(out)
    ids = [(p["id"], p["occurrence"]) for p in got]
    want = 5 + 1 + 3
    check(len(got) == want, "list: %d posts, expected %d: %s" %
          (len(got), want, ids))
    at = [utc_of(p["publish_at"]) for p in got]
    check(at == sorted(at), "list is not in publish order: %s" % ids)
    by_id = {}
    for p in got:
        by_id.setdefault(p["id"], []).append(p)
    check(len(by_id["tip@example.org"]) == 5 and
          all(p["recurring"] and p["calendar"] == "main"
              for p in by_id["tip@example.org"]), "the series: %s" % got)
    p1 = by_id[q1][0]
    check(p1["calendar"] == "queue" and p1["status"] == "scheduled" and
          p1["title"] == "Winter sale" and p1["body"] == "Line one\nLine two"
          and p1["platforms"] == ["instagram"] and
          p1["campaign"] == "winter" and not p1["recurring"],
          "the queued post in the list: %s" % p1)
    check(p1["publish_at_local"].endswith("Z"), "UTC daemon: %s" % p1)
    # Filters.
    out, _ = ctl(sock, "list", "--to", "+5d", "--calendar", "queue",
                 "--json")
    check(sorted(p["id"] for p in lines(out)) == sorted([q1, q2, q3]),
          "--calendar queue: %s" % out)
    check([p for p in lines(out) if p["id"] == q3][0]["title"] == odd,
          "the title through JSON: %s" % out)
    out, _ = ctl(sock, "list", "--to", "+5d", "--platform", "x", "--json")
    check(sorted(p["id"] for p in lines(out)) ==
          sorted(["launch@example.org", q2, q3]), "--platform x: %s" % out)
    # The table, for people.
    out, _ = ctl(sock, "list", "--to", "+5d")
    check(re.search(r"^WHEN +STATUS +PLATFORMS +TITLE +ID +OCCURRENCE",
                    out, re.M) and "Winter sale" in out and q1 in out and
          odd.replace("\t", " ") in out and "9 posts" in out,
          "list table:\n%s" % out)
    check("\033[" not in out, "colour in a pipe:\n%s" % out)

    # show
    out, _ = ctl(sock, "show", q1, "--json")
    s = lines(out)[0]
    check(s["id"] == q1 and s["url"] == "https://example.org/sale",
          "show --json: %s" % s)
    out, _ = ctl(sock, "show", q1)
    check("Winter sale" in out and "  Line two" in out, "show:\n%s" % out)
    out, _ = ctl(sock, "show", "tip@example.org", "--json")
    first = iso_s(s0)
    check(lines(out)[0]["occurrence"] == first,
          "show of a series gives its next occurrence: %s" % out)

    # done and cancel; a series needs --occurrence.
    code, _, err = smctl("-s", sock, "done", "tip@example.org")
    check(code == 1 and "--occurrence" in err and "recurring" in err and
          first in err, "done of a series without --occurrence: %d %s" %
          (code, err))
    second = iso_s(s0 + 86400)
    out, _ = ctl(sock, "done", "tip@example.org", "--occurrence", second,
                 "--url", "https://instagram.com/p/2", "--json")
    p = lines(out)[0]
    check(p["status"] == "done" and p["occurrence"] == second and
          p["posted_url"] == "https://instagram.com/p/2",
          "done of one occurrence: %s" % p)
    # The same occurrence written with an offset is the same one.
    local = datetime.fromtimestamp(s0 + 2 * 86400, UTC).astimezone(
        timezone(timedelta(hours=2))).isoformat()
    out, _ = ctl(sock, "show", "tip@example.org", "--occurrence", local,
                 "--json")
    check(lines(out)[0]["occurrence"] == iso_s(s0 + 2 * 86400),
          "--occurrence with an offset: %s" % out)
    out, _ = ctl(sock, "cancel", "launch@example.org")
    check(out.startswith("cancelled launch@example.org"), "cancel: %s" % out)
    ctl(sock, "cancel", q2)
    out, _ = ctl(sock, "done", q1, "--url", "https://instagram.com/p/1")
    check(out.startswith("marked done: " + q1), "done: %s" % out)
    out, _ = ctl(sock, "list", "--to", "+5d", "--json")
    st = {(p["id"], p["occurrence"]): p["status"] for p in lines(out)}
    check(st[(q1, iso_s(utc_of(p1["publish_at"])))] == "done" and
          st[(q2, iso_s(s0 + 3600))] == "cancelled" and
          st[("launch@example.org", iso_s(s0 + 1800))] == "cancelled" and
          st[("tip@example.org", second)] == "done" and
          st[("tip@example.org", first)] == "scheduled", "statuses: %s" % st)
    out, _ = ctl(sock, "list", "--to", "+5d", "--status", "done", "--json")
    check(len(lines(out)) == 2, "--status done: %s" % out)

    # next: cancelled and done ones are left out.
    out, _ = ctl(sock, "next", "3", "--json")
    nx = [(p["id"], p["occurrence"]) for p in lines(out)]
    check(nx == [("tip@example.org", first),
                 (q3, iso_s(s0 + 5400)),
                 ("tip@example.org", iso_s(s0 + 2 * 86400))],
          "next 3: %s" % nx)

    # export, read back.
    ics = os.path.join(d, "export.ics")
    ctl(sock, "export", "-o", ics)
    with open(ics, "rb") as f:
        text = f.read().decode()
    check(text.startswith("BEGIN:VCALENDAR\r\n") and
          text.endswith("END:VCALENDAR\r\n") and "UID:" + q1 in text and
          "X-SMCAL-DONE-URL:https://instagram.com/p/1" in text and
          "RELATED-TO:tip@example.org" in text, "export:\n%s" % text[:3000])
    code, out, err = smctl("lint", ics)
    check(code == 0 and "0 errors, 0 warnings" in out + err,
          "smctl lint of the export: %d %s %s" % (code, out, err))
    lo, hi = time.strftime("%Y-%m-%d", time.gmtime(t - 86400)), \
        time.strftime("%Y-%m-%d", time.gmtime(t + 10 * 86400))
    code, out, err = smctl("expand", ics, "--from", lo, "--to", hi, "--json",
                           "--all")
    check(code == 0, "smctl expand of the export: %d %s" % (code, err))
    exp = {e["uid"]: e for e in lines(out)}
    check(set(exp) == {q1, q2, q3} and exp[q3]["summary"] == odd and exp[q1]["start"] == p1["publish_at"] and
          exp[q2]["status"] == "cancelled" and
          exp[q1]["platforms"] == ["instagram"],
          "expand of the export: %s" % out)
    for engine in ("py", "js"):
        code, out, err = run_cmd([ORACLE, "--engine", engine, ics, lo, hi],
                                 timeout=300)
        check(code == 0 and q1 in out,
              "oracle %s on the export: exit %d\n%s\n%s" %
              (engine, code, out, err[-2000:]))
    out, _ = ctl(sock, "export")
    check(out.replace("\n", "\r\n").count("BEGIN:VEVENT") == 3,
          "export to stdout: %s" % out[:500])
    dm.stop()


def first_after(slots, t0, zone, days=60):
    """Slot instants (weekday 0=Mon, "HH:MM") of zone after t0, sorted."""
    out = []
    day0 = datetime.fromtimestamp(t0, zone).date()
    for k in range(days):
        day = day0 + timedelta(days=k)
        for wd, hm in slots:
            if day.weekday() != wd:
                continue
            h, m = map(int, hm.split(":"))
            inst = int(datetime(day.year, day.month, day.day, h, m,
                                tzinfo=zone).timestamp())
            if inst >= t0:
                out.append(inst)
    return sorted(out)


def s_slots():
    t = now()
    # The next DST change of Paris, a Sunday; a weekly post at Sunday
    # 02:30 takes every Sunday slot before it.
    day = datetime.fromtimestamp(t, PARIS).date() + timedelta(days=1)
    while (datetime(day.year, day.month, day.day, 12, tzinfo=PARIS)
           .utcoffset() == datetime(day.year, day.month, day.day, 0, 0,
                                    tzinfo=PARIS).utcoffset()):
        day += timedelta(days=1)
    change = day  # the offset changes on this day (at 02:00 or 03:00)
    check(change.weekday() == 6, "Paris changes on a Sunday: %s" % change)
    sundays = first_after([(6, "02:30")], t + 120, PARIS, 400)
    check(sundays, "no Sunday")
    before = [s for s in sundays
              if datetime.fromtimestamp(s, PARIS).date() < change]
    events = []
    if before:
        d0 = datetime.fromtimestamp(before[0], PARIS)
        until = datetime.fromtimestamp(before[-1], UTC)
        events.append(vevent(
            "sundays@example.org",
            "DTSTART;TZID=Europe/Paris:" + d0.strftime("%Y%m%dT%H%M%S"),
            "Sunday post",
            extra=["RRULE:FREQ=WEEKLY;UNTIL=" +
                   until.strftime("%Y%m%dT%H%M%SZ"),
                   "X-SMCAL-PLATFORM:tiktok"]))
    platforms = [("tiktok", {"slots": "sun 02:30"}),
                 ("linkedin", {"slots": "mon 09:00, mon 10:00, mon 15:00",
                               "min_spacing": "4h"})]
    d, dm, sock = start("slots", events, platforms=platforms,
                        daemon={"timezone": "Europe/Paris"})
    r = add(sock, "--platform", "tiktok", "--title", "after the weeks")
    # 02:30 on that Sunday: a gap (spring) takes the offset before it, a
    # repeated time (autumn) its first occurrence: Python's fold=0.
    want = datetime(change.year, change.month, change.day, 2, 30,
                    tzinfo=PARIS).astimezone(UTC)
    check(r["slot"] is True and r["publish_at"] ==
          want.strftime("%Y-%m-%dT%H:%M:%SZ"),
          "next free slot on the DST day: %s, expected %s" % (r, want))
    r2 = add(sock, "--platform", "tiktok")
    nxt = change + timedelta(days=7)
    want2 = datetime(nxt.year, nxt.month, nxt.day, 2, 30, tzinfo=PARIS)
    check(utc_of(r2["publish_at"]) == int(want2.timestamp()) and
          r2["publish_at_local"] == want2.isoformat(),
          "the slot after: %s, expected %s" % (r2, want2.isoformat()))

    # min_spacing 4h: 10:00 is too close to 09:00, 15:00 is not.
    slots = [(0, "09:00"), (0, "10:00"), (0, "15:00")]
    cands = first_after(slots, t + 120, PARIS)
    first = datetime.fromtimestamp(cands[0], PARIS)
    r = add(sock, "--platform", "linkedin", "--at",
            first.strftime("%Y-%m-%d %H:%M"))
    check(utc_of(r["publish_at"]) == cands[0] and r["slot"] is False,
          "--at in the configured zone: %s, expected %s" % (r, first))
    taken = [cands[0]]
    for i in range(3):
        r = add(sock, "--platform", "linkedin")
        want = next(c for c in cands
                    if all(abs(c - x) >= 4 * 3600 for x in taken))
        check(utc_of(r["publish_at"]) == want,
              "free slot %d with min_spacing: %s, expected %s" %
              (i, r, datetime.fromtimestamp(want, PARIS)))
        taken.append(want)
    # An explicit time too close is added, with a warning.
    close = datetime.fromtimestamp(cands[0] + 3600, PARIS)
    out, err = ctl(sock, "add", "--platform", "linkedin", "--at",
                   close.isoformat())
    check("warning" in err and "min_spacing" in err,
          "guardrail warning: %r" % err)
    dm.stop()


def s_bulk():
    t = now()
    d, dm, sock = start("bulk")
    bad = write(os.path.join(d, "posts.csv"),
                "at,platform,title,body\n"
                "%s,instagram,fine,\n"
                ",instagram,a slot,\n"
                "next tuesday,instagram,bad time,\n"
                "+2h,myspace,bad platform,\n"
                "+3h,x,\"quoted, with comma\",\"two\nlines\"\n"
                % iso_s(t + 7200))
    code, out, err = smctl("-s", sock, "add", "--file", bad)
    check(code == 1, "a bad file: exit %d\n%s\n%s" % (code, out, err))
    check(re.search(r"posts\.csv:4: .*next tuesday", err) and
          "RFC 3339" in err and re.search(r"posts\.csv:5: .*myspace", err)
          and "instagram, x" in err and "nothing was added" in err,
          "every bad row with its line:\n%s" % err)
    check(queued_ids(sock) == [], "nothing stored after a bad file")
    check(db_rows(d, "SELECT count(*) FROM queue")[0][0] == 0,
          "the queue table is empty")

    good = write(os.path.join(d, "posts.jsonl"),
                 "\n".join(json.dumps(x) for x in [
                     {"platform": "instagram", "title": "one"},
                     {"at": iso_s(t + 3 * 86400), "platforms": ["instagram"],
                      "title": "given"},
                     {"platform": "instagram", "title": "two"},
                     {"platform": "instagram", "title": "three",
                      "draft": True},
                 ]) + "\n")
    out, err = ctl(sock, "add", "--file", good, "--json")
    r = lines(out)[0]
    posts = r["posts"]
    check(len(posts) == 4 and [p["line"] for p in posts] == [1, 2, 3, 4],
          "bulk add: %s" % r)
    slot = [utc_of(p["publish_at"]) for p in posts if p["slot"]]
    given = [utc_of(p["publish_at"]) for p in posts if not p["slot"]]
    check(given == [t + 3 * 86400] and len(slot) == 3 and
          slot == sorted(slot) and len(set(slot)) == 3 and
          given[0] not in slot, "slots of the rows: %s" % posts)
    valid = first_after([(0, "09:00"), (2, "12:30"), (4, "17:00")], t + 60,
                        UTC)
    check(slot == [x for x in valid if x not in given][:3],
          "the rows take the first free slots in order: %s, slots %s" %
          (slot, valid[:6]))
    check(sorted(queued_ids(sock)) == sorted(p["id"] for p in posts),
          "the file's posts are listed")
    out, _ = ctl(sock, "add", "--file", good)
    check("queued 4 posts from" in out and "free slot" in out,
          "bulk table:\n%s" % out)
    dm.stop()


def s_fires():
    d = scenario_dir("fires")
    secret = new_secret()
    rx = Receiver(d, [secret])
    cal = write(os.path.join(d, "cal.ics"), vcalendar([]))
    hooks = [("hook", {"url": rx.base + "/ok/q", "format": "json",
                       "secret": secret, "events": "post.due"})]
    write(os.path.join(d, "smcal.conf"),
          conf_text(d, [("main", cal)], webhooks=hooks, platforms=PLATFORMS,
                    daemon={"webhook": "hook"}))
    dm = Daemon(d).start()
    sock = os.path.join(d, "run", "smcal.sock")
    due = now() + 3 * TS
    r = add(sock, "--at", iso_s(due), "--platform", "instagram", "--title",
            "Three seconds")
    qid = r["id"]
    got = rx.wait("/ok/q", 1, 10 + 3 * TS, "the queued post's post.due")
    e = got[0]
    body = json.loads(e["body"])
    check(body["type"] == "post.due" and body["post"]["uid"] == qid and
          body["post"]["calendar"] == "queue" and
          body["post"]["title"] == "Three seconds",
          "the delivered event: %s" % body)
    check_request(e, event_ids(log_path(d)), qid)
    ev = [x for x in events_of(d) if x["post"]["uid"] == qid]
    check(len(ev) == 1, "one event: %s" % ev)
    late_ms = e["time"] - due * 1000
    expect(-500 <= late_ms <= 2000 * TM,
           "delivered %d ms after its instant" % late_ms)
    expect(ev[0]["late"] is False or TM > 1, "fired late: %s" % ev[0])
    dm.stop()
    rx.stop()


def varlink(sock):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    return s


def call_msg(method, params=None, more=False):
    m = {"method": method, "parameters": params or {}}
    if more:
        m["more"] = True
    return json.dumps(m).encode() + b"\0"


def read_replies(s, n, timeout=30):
    buf, out = b"", []
    s.settimeout(timeout * TM)
    while len(out) < n:
        data = s.recv(1 << 16)
        check(data, "the daemon closed the connection after %d replies" %
              len(out))
        buf += data
        while b"\0" in buf:
            msg, buf = buf.split(b"\0", 1)
            out.append(json.loads(msg))
    return out


def s_kill9():
    d, dm, sock = start("kill9")
    due = now() + 5 * TS
    r = add(sock, "--at", iso_s(due), "--platform", "x", "--title", "durable")
    # Twenty more on one connection; kill -9 the moment the last reply is
    # in.
    s = varlink(sock)
    s.sendall(b"".join(call_msg("io.smcal.Posts.Add",
                                {"platform": "x", "at": iso_s(due + 60 + i)})
                       for i in range(20)))
    reps = read_replies(s, 20)
    dm.kill9()
    s.close()
    ids = [x["parameters"]["id"] for x in reps if "error" not in x]
    check(len(ids) == 20, "pipelined adds: %s" % reps[:3])
    dm.start()
    stored = set(queued_ids(sock))
    check(r["id"] in stored and set(ids) <= stored,
          "acknowledged adds lost by kill -9: %s" %
          (({r["id"]} | set(ids)) - stored))
    wait_events(log_path(d), {("post.due", r["id"], due * 1000)},
                10 + 5 * TS, "the post fires after the restart")
    dm.stop()


def s_cancel():
    t = now()
    due = t + 5 * TS
    d, dm, sock = start("cancel", [vevent("c1@example.org", due, "Calendar",
                                          extra=["X-SMCAL-PLATFORM:x"])],
                        reminders={"lead": "2s"})
    a = add(sock, "--at", iso_s(due), "--platform", "x")["id"]
    b = add(sock, "--at", iso_s(due), "--platform", "x")["id"]
    ctl(sock, "cancel", a)
    ctl(sock, "cancel", "c1@example.org")
    out, _ = ctl(sock, "status", "--json")
    st = lines(out)[0]
    check(st["queued"] == 1, "status counts the queue: %s" % st["queued"])
    nxt = [(e["type"], e["uid"]) for e in st["next_events"]]
    check(("post.due", b) in nxt and ("post.due", a) not in nxt and
          ("post.due", "c1@example.org") not in nxt,
          "status's next events leave cancelled ones out: %s" % nxt)
    wait_events(log_path(d), {("post.due", b, due * 1000)}, 10 + 5 * TS,
                "the post not cancelled")
    sleep_until(time.time() + 1)
    uids = {e["post"]["uid"] for e in events_of(d)}
    check(a not in uids and "c1@example.org" not in uids,
          "events of cancelled posts fired: %s" % uids)
    code, _, err = smctl("-s", sock, "done", a)
    check(code == 1 and "cancelled" in err, "done of a cancelled post: %s" %
          err)
    dm.stop()


def s_done():
    t = now()
    due = t + 3 * TS
    d, dm, sock = start("done", [vevent("c2@example.org", due, "Calendar",
                                        extra=["X-SMCAL-PLATFORM:x"])],
                        overdue="4s")
    a = add(sock, "--at", iso_s(due), "--platform", "x")["id"]
    b = add(sock, "--at", iso_s(due), "--platform", "x")["id"]
    wait_events(log_path(d), {("post.due", a, due * 1000),
                              ("post.due", b, due * 1000),
                              ("post.due", "c2@example.org", due * 1000)},
                10 + 3 * TS, "post.due")
    ctl(sock, "done", a, "--url", "https://x.com/p/1")
    ctl(sock, "done", "c2@example.org")
    wait_events(log_path(d), {("post.overdue", b, (due + 4) * 1000)}, 15,
                "post.overdue of the post not marked done")
    sleep_until(time.time() + 1)
    over = {e["post"]["uid"] for e in events_of(d)
            if e["type"] == "post.overdue"}
    check(over == {b}, "post.overdue after done: %s" % over)
    dm.stop()


def s_reminders():
    """Reminders due before a post existed are neither fired nor recorded
    as missed; a post added with a time already past fires late."""
    d, dm, sock = start("reminders", lead="1d, 1h, %ds" % (2 * TS))
    t = now()
    due = t + 4 * TS
    a = add(sock, "--at", iso_s(due), "--platform", "x")["id"]
    b = add(sock, "--at", iso_s(t - 600), "--platform", "x",
            "--allow-past")["id"]
    wait_events(log_path(d), {("post.reminder", a, (due - 2 * TS) * 1000),
                              ("post.due", a, due * 1000),
                              ("post.due", b, (t - 600) * 1000)},
                10 + 4 * TS, "the reminder, post.due and the late post")
    evs = [e for e in events_of(d) if e["post"]["uid"] in (a, b)]
    got = sorted((e["type"], e["post"]["uid"], e["lead_s"]) for e in evs)
    check(got == sorted([("post.reminder", a, 2 * TS), ("post.due", a, 0),
                         ("post.due", b, 0)]),
          "events of queued posts: %s" % got)
    late = [e["late"] for e in evs if e["post"]["uid"] == b]
    check(late == [True], "the post added in the past fires late: %s" % evs)
    missed = db_rows(d, "SELECT type, uid, lead_s FROM missed")
    check(missed == [], "reminders from before the posts were recorded as "
          "missed: %s" % missed)
    out, _ = ctl(sock, "status", "--json")
    check(lines(out)[0]["missed"] == 0, "status counts missed events")
    dm.stop()


def s_reload():
    t = now()
    due = t + 6 * TS
    d, dm, sock = start("reload")
    a = add(sock, "--at", iso_s(due), "--platform", "instagram")["id"]
    # A calendar save and a reload: a new world and scheduler.
    write(os.path.join(d, "cal.ics"),
          vcalendar([vevent("late@example.org", due, "Added")]))
    code, out, err = smctl("-c", os.path.join(d, "smcal.conf"), "reload")
    check(code == 0, "reload: %s %s" % (out, err))
    check(a in queued_ids(sock), "the queue after a reload")
    b = add(sock, "--at", iso_s(due), "--platform", "x")["id"]
    dm.send(signal.SIGHUP)
    dm.wait_log(r"reloaded: ", 10, "SIGHUP", count=2)
    wait_events(log_path(d), {("post.due", a, due * 1000),
                              ("post.due", b, due * 1000),
                              ("post.due", "late@example.org", due * 1000)},
                15 + 6 * TS, "the queue fires after reloads")
    n = [e["post"]["uid"] for e in events_of(d)].count(a)
    check(n == 1, "%s fired %d times" % (a, n))
    dm.stop()


def s_pipelined():
    t = now()
    d, dm, sock = start("pipelined")
    s = varlink(sock)
    msgs = [call_msg("io.smcal.Posts.Add",
                     {"platform": "x", "at": iso_s(t + 3600 + i),
                      "title": "p%d" % i}) for i in range(300)]
    msgs.insert(150, call_msg("io.smcal.Status"))
    msgs.insert(200, call_msg("io.smcal.Posts.Add",
                              {"platform": "myspace", "at": "+1h"}))
    msgs.append(call_msg("io.smcal.Posts.Next", {"count": 2}, more=True))
    s.sendall(b"".join(msgs))
    reps = read_replies(s, len(msgs) + 1)
    s.close()
    check("version" in reps[150]["parameters"],
          "the status reply is in its place: %s" % reps[150])
    check(reps[200].get("error") == "io.smcal.InvalidParameter" and
          "myspace" in reps[200]["parameters"]["message"],
          "the refused add is in its place: %s" % reps[200])
    adds = [r for i, r in enumerate(reps[:len(msgs) - 1])
            if i not in (150, 200)]
    titles = [r["parameters"]["publish_at"] for r in adds]
    check(titles == [iso_s(t + 3600 + i) for i in range(300)],
          "add replies out of order")
    ids = {r["parameters"]["id"] for r in adds}
    check(len(ids) == 300, "distinct ids: %d" % len(ids))
    nxt = reps[len(msgs) - 1:]
    check(nxt[0]["parameters"]["post"]["publish_at"] == iso_s(t + 3600) and
          nxt[0].get("continues") and not nxt[1].get("continues"),
          "Next after the adds: %s" % nxt)
    check(len(queued_ids(sock)) == 300, "300 posts listed")
    # More calls than one turn serves, then the end of the client's
    # writing: every call is still answered before the connection closes.
    s = varlink(sock)
    s.sendall(b"".join(call_msg("io.smcal.Status") for _ in range(700)))
    s.shutdown(socket.SHUT_WR)
    reps = read_replies(s, 700)
    check(all("version" in r["parameters"] for r in reps),
          "700 status replies after the client's EOF")
    s.settimeout(5 * TM)
    check(s.recv(1) == b"", "the connection closes after the replies")
    s.close()
    dm.stop()


def s_errors():
    d, dm, sock = start("errors")
    code, _, err = smctl("-s", sock, "add", "--platform", "myspace",
                         "--at", "+1h")
    check(code == 1 and "unknown platform \"myspace\"" in err and
          "instagram, x" in err, "unknown platform: %d %s" % (code, err))
    code, _, err = smctl("-s", sock, "add", "--platform", "x", "--at", "-1h")
    check(code == 1 and "in the past" in err and "--allow-past" in err,
          "a time in the past: %d %s" % (code, err))
    out, _ = ctl(sock, "add", "--platform", "x", "--at", "-1h",
                 "--allow-past")
    check(QID_RE.match(out.splitlines()[0]), "--allow-past: %s" % out)
    code, _, err = smctl("-s", sock, "add", "--platform", "x", "--at",
                         "tomorrow at noon")
    check(code == 1 and "RFC 3339" in err and "+2h" in err,
          "a bad time says the forms: %d %s" % (code, err))
    code, _, err = smctl("-s", sock, "add", "--platform", "x", "--at", "+1h",
                         "--url", "example.org")
    check(code == 1 and "https://" in err, "a bad URL: %s" % err)
    code, _, _ = smctl("-s", sock, "add", "--at", "+1h")
    check(code == 2, "no --platform: exit %d" % code)
    code, _, _ = smctl("-s", sock, "list", "--status", "sent")
    check(code == 2, "a bad --status: exit %d" % code)
    code, _, err = smctl("-s", sock, "list", "--from", "whenever")
    check(code == 1 and "whenever" in err, "a bad --from: %d %s" % (code, err))
    code, _, err = smctl("-s", sock, "show", "q_aaaaaaaaaaaaaaaa")
    check(code == 1 and "no queued post" in err, "unknown id: %s" % err)
    code, _, err = smctl("-s", sock, "cancel", "nobody@example.org")
    check(code == 1 and "no queued post or calendar post" in err,
          "unknown UID: %s" % err)
    code, _, err = smctl("-s", os.path.join(d, "nothing.sock"), "list")
    check(code == 69 and "nothing.sock" in err, "unreachable: %d %s" %
          (code, err))
    code, out, _ = smctl("add", "--help")
    check(code == 0 and "--platform" in out and "--file" in out,
          "add --help: %s" % out)
    # A body from stdin.
    p = subprocess.run(
        [os.environ["SMCTL"], "-s", sock, "add", "--platform", "x", "--at",
         "+2h", "--json"], input=b"from stdin\n", capture_output=True,
        timeout=30 * TM)
    check(p.returncode == 0, "body from stdin: %s" % p.stderr)
    qid = json.loads(p.stdout)["id"]
    out, _ = ctl(sock, "show", qid, "--json")
    check(lines(out)[0]["body"] == "from stdin", "stdin body: %s" % out)
    dm.stop()


if __name__ == "__main__":
    sys.exit(run_scenarios("queue", [
        ("roundtrip", s_roundtrip),
        ("slots", s_slots),
        ("bulk", s_bulk),
        ("fires", s_fires),
        ("kill9", s_kill9),
        ("cancel", s_cancel),
        ("done", s_done),
        ("reminders", s_reminders),
        ("reload", s_reload),
        ("pipelined", s_pipelined),
        ("errors", s_errors),
    ], sys.argv))
