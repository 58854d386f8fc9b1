#!/usr/bin/env python3
"""The posting plan (SPEC 7) with the real smcald and the real smctl (run
by cadence.sh; Python 3 stdlib only, plus the Node webhook receiver for the
gap scenario).  Built on smcal_it.py, with control_test.py's smctl helpers.

Each scenario gets its own directory under $SMCAL_IT_TMP and runs the
daemon in the foreground (smcal_it.Daemon).  Calendars are written
relative to now; the expected cadence tables are computed here, by the
rules of SPEC 7 written out again (periods from zoneinfo, targets as exact
fractions rounded half up, the pro-rata rule for behind), not by asking
smcal.  Timing is asserted loosely (seconds).

Scenarios:
  gap      cadence.gap at its notice instant (not before), to the
           platform's webhook (json) and to [daemon] webhook (slack),
           signed and verified, webhook-id = the event id; a restart
           fires nothing again
  edit     a gap told at start (late); the calendar edit that fills it is
           seen at once (smctl cadence, the stored state recovered); the
           post removed again: the gap fires again, with a new id; once
           more after a restart: nothing
  add      the missing post added through smctl add clears the gap at once
           (smctl cadence, the stored state, status); cancelled through
           smctl cancel, the gap is told again; a calendar post cancelled
           through the socket no longer counts
  behind   cadence.behind at the instant the current day falls behind its
           pro-rata target (done marks in the store), to the log sink,
           once, not again after a restart
  table    smctl cadence --json against the table computed here (Europe/
           Paris: weeks, a monthly plan, a daily plan, history, drafts,
           cancelled, a post on two platforms, done marks, Monday 00:30),
           --period month, --platform; the human table, colour only on a
           terminal; smctl status's short count; smctl calendar (--json
           and the grid); smctl lint -c's guardrails

Usage: cadence_test.py [SCENARIO...]   (default: all)
"""
import calendar as cal_mod
import datetime
import json
import os
import re
import sqlite3
import sys
import time
import zoneinfo
from fractions import Fraction

import control_test as ct
import smcal_it as dt
from smcal_it import Fail, check, now, wait_for

TM = dt.TM
TS = dt.TS
UTC = datetime.timezone.utc
ESC = "\033["
ROW_KEYS = ["platform", "period", "start", "end", "target", "scheduled",
            "published", "gap", "status"]


# ---------------------------------------------------------------------------
# Calendars and configs


def vevent(uid, at, platforms, status=None, type_=None):
    lines = ["BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20260101T000000Z",
             "DTSTART:" + dt.ical_utc(at), "SUMMARY:post " + uid,
             "X-SMCAL-PLATFORM:" + ",".join(platforms)]
    if status:
        lines.append("STATUS:" + status)
    if type_:
        lines.append("X-SMCAL-TYPE:" + type_)
    lines.append("END:VEVENT")
    return "\r\n".join(lines) + "\r\n"


def ics(posts):
    """posts: dicts with uid, at, platforms, and optional status
    (TENTATIVE, CANCELLED) and type."""
    return dt.vcalendar("".join(
        vevent(p["uid"], p["at"], p["platforms"], p.get("status"),
               p.get("type")) for p in posts))


def begin_line(text, uid):
    """The line number of the BEGIN:VEVENT of uid in a calendar's text."""
    lines = text.split("\r\n")
    for i, line in enumerate(lines):
        if line == "UID:" + uid:
            return i  # BEGIN:VEVENT is the line before: 1-based i
    raise Fail("no %s in the calendar" % uid)


def conf(d, zone="UTC", webhook="none", cadence="", platforms="",
         extra=""):
    return ("[daemon]\n"
            "socket = {d}/run/smcal.sock\n"
            "state_dir = {d}/state\n"
            "timezone = {zone}\n"
            "webhook = {webhook}\n"
            "catchup = 1h\n"
            "log_level = debug\n\n"
            "[reminders]\n"
            "lead = none\n"
            "overdue = 1h\n\n"
            "[cadence]\n{cadence}\n"
            "[calendar:main]\n"
            "path = {d}/main.ics\n\n"
            "{platforms}\n{extra}").format(
                d=d, zone=zone, webhook=webhook, cadence=cadence,
                platforms=platforms, extra=extra)


def away_from_midnight(margin):
    """Waits until the UTC day has at least margin seconds left, so that a
    scenario's days do not change under it."""
    left = 86400 - now() % 86400
    if left < margin:
        dt.sleep_until(now() + left + 2)


def mark_done(d, rows):
    """Done marks written into the daemon's store: (uid, rid) pairs of the
    calendar main."""
    db = sqlite3.connect(os.path.join(d, "state", "smcal.db"), timeout=20)
    db.executemany("INSERT INTO done (calendar, uid, recurrence_id, url, at)"
                   " VALUES ('main', ?, ?, NULL, ?)",
                   [(u, r, now()) for u, r in rows])
    db.commit()
    db.close()


def facts(d, prefix):
    db = sqlite3.connect(os.path.join(d, "state", "smcal.db"), timeout=20)
    rows = db.execute("SELECT key, value FROM meta WHERE key LIKE ?",
                      (prefix + "%",)).fetchall()
    db.close()
    return dict(rows)


def cadence_events(d, kind):
    return [e for e in dt.read_events(os.path.join(d, "state",
                                                   "events.jsonl"))
            if e["type"] == kind]


def iso_ms(t):
    return dt.iso_s(t)[:-1] + ".000Z"


def smctl_json(sock, args):
    out, _ = ct.expect(["-s", sock] + args + ["--json"], 0,
                       "smctl %s --json" % " ".join(args))
    return ct.json_lines(out)


# ---------------------------------------------------------------------------
# SPEC 7 written out again: periods, targets, rows


def local_date(t, tz):
    return datetime.datetime.fromtimestamp(t, tz).date()


def midnight(day, tz):
    return int(datetime.datetime(day.year, day.month, day.day,
                                 tzinfo=tz).timestamp())


def period_of(day, unit, tz):
    if unit == "day":
        first, n, label = day, 1, day.isoformat()
    elif unit == "month":
        first = day.replace(day=1)
        n = cal_mod.monthrange(day.year, day.month)[1]
        label = "%04d-%02d" % (day.year, day.month)
    else:
        first = day - datetime.timedelta(days=day.weekday())
        n = 7
        y, w, _ = (first + datetime.timedelta(days=3)).isocalendar()
        label = "%04d-W%02d" % (y, w)
    return {"unit": unit, "first": first, "n": n, "label": label,
            "start": midnight(first, tz),
            "end": midnight(first + datetime.timedelta(days=n), tz)}


def step(p, k, tz):
    for _ in range(abs(k)):
        day = (p["first"] + datetime.timedelta(days=p["n"]) if k > 0
               else p["first"] - datetime.timedelta(days=1))
        p = period_of(day, p["unit"], tz)
    return p


def target(plan, p):
    """plan: (N, unit) or None.  N / (days of the plan's unit holding the
    day) per local day, summed exactly, rounded half up."""
    if not plan:
        return 0
    n, unit = plan
    s = Fraction(0)
    for i in range(p["n"]):
        day = p["first"] + datetime.timedelta(days=i)
        days = (1 if unit == "day" else 7 if unit == "week" else
                cal_mod.monthrange(day.year, day.month)[1])
        s += Fraction(n, days)
    return int(s + Fraction(1, 2))


def row_for(name, plan, p, posts, t):
    tgt = target(plan, p)
    mine = [x for x in posts if name in x["platforms"] and
            x.get("status") != "CANCELLED" and
            p["start"] <= x["at"] < p["end"]]
    sched = len(mine)
    pub = sum(1 for x in mine if x.get("done"))
    if p["start"] <= t < p["end"]:
        expected = tgt * (t - p["start"]) // (p["end"] - p["start"])
        status = ("behind" if pub < expected else
                  "short" if sched < tgt else "ok")
    else:
        status = "short" if sched < tgt else "ok"
    vals = [name, p["label"], dt.iso_s(p["start"]), dt.iso_s(p["end"]),
            tgt, sched, pub, max(0, tgt - sched), status]
    return dict(zip(ROW_KEYS, vals))


def table(platforms, posts, t, tz, lookahead, unit=None, history=0,
          only=None):
    """platforms: (name, plan) in config order; the rows smctl cadence
    --json should print at instant t."""
    out = []
    for name, plan in platforms:
        if (only and name != only) or (not only and not plan):
            continue
        u = unit or (plan[1] if plan else "week")
        cur = period_of(local_date(t, tz), u, tz)
        for k in range(-history, lookahead + 1):
            out.append(row_for(name, plan, step(cur, k, tz), posts, t))
    return out


def check_table(sock, args, want_at, what):
    """smctl cadence ARGS --json against want_at(t), computed at the
    instants before and after the call (a pro-rata threshold may pass
    in between: then again)."""
    for _ in range(3):
        t0 = now()
        rows = smctl_json(sock, ["cadence"] + args)
        t1 = now()
        a, b = want_at(t0), want_at(t1)
        if a != b:
            continue
        for r in rows:
            check(list(r.keys()) == ROW_KEYS,
                  "%s: fields %s, SPEC 7 says %s" % (what, list(r.keys()),
                                                    ROW_KEYS))
        if rows != a:
            diff = ["  got  %s\n  want %s" % (g, w) for g, w in
                    zip(rows, a) if g != w]
            raise Fail("%s: %d rows, expected %d; differences:\n%s" %
                       (what, len(rows), len(a), "\n".join(diff)))
        return rows
    raise Fail("%s: the table kept changing during the calls" % what)


# ---------------------------------------------------------------------------
# Scenarios


def s_gap():
    d = dt.scenario_dir("gap")
    rx = dt.Receiver(d, [dt.new_secret()])
    secret = rx.secrets[0]
    away_from_midnight(300)
    t0 = now()
    today = t0 - t0 % 86400
    # The first day at least two minutes ahead is short on both
    # platforms; its notice instant is a few seconds from now.  Every
    # other day of the lookahead has its post.
    k = 1 if today + 86400 - t0 >= 120 else 2
    day_start = today + k * 86400
    notice_at = t0 + 8 * TS
    gap_notice = day_start - notice_at
    posts = []
    for off in range(0, 4):
        if off != k:
            for p in ("ig", "li"):
                posts.append({"uid": "%s-%d" % (p, off),
                              "at": today + off * 86400 + 43200,
                              "platforms": [p]})
    dt.write(os.path.join(d, "main.ics"), ics(posts))
    hooks = ("[webhook:ighook]\nurl = %s/ok/ig\nsecret = %s\n"
             "events = cadence.gap, cadence.behind\n\n"
             "[webhook:team]\nurl = %s/slack/team\nformat = slack\n"
             "secret = %s\nevents = cadence.gap, cadence.behind\n" %
             (rx.base, secret, rx.base, secret))
    dt.write(os.path.join(d, "smcal.conf"), conf(
        d, webhook="team",
        cadence="lookahead = 3\ngap_notice = %ds\n" % gap_notice,
        platforms=("[platform:ig]\ncadence = 1/day\nwebhook = ighook\n\n"
                   "[platform:li]\ncadence = 1/day\n"),
        extra=hooks))
    dm = dt.Daemon(d).start()
    sock = os.path.join(d, "run", "smcal.sock")
    label = datetime.datetime.fromtimestamp(day_start, UTC).date()
    label = label.isoformat()

    # Not before its instant.
    dt.sleep_until(notice_at - 1.5)
    check(not cadence_events(d, "cadence.gap"),
          "cadence.gap before its notice instant (%s): %s" %
          (dt.iso_s(notice_at), cadence_events(d, "cadence.gap")))
    s = ct.status_json(sock)
    check(s["cadence_short"] == 2 and s["lookahead"] == 3,
          "status: cadence_short %s, lookahead %s" %
          (s.get("cadence_short"), s.get("lookahead")))

    evs = wait_for(lambda: (lambda e: e if len(e) >= 2 else None)(
        cadence_events(d, "cadence.gap")), 15, "two cadence.gap events")
    check(len(evs) == 2, "cadence.gap events: %s" % evs)
    by = {e["cadence"]["platform"]: e for e in evs}
    check(set(by) == {"ig", "li"}, "platforms: %s" % list(by))
    for p, e in by.items():
        check(e["scheduled_at"] == iso_ms(notice_at),
              "%s: scheduled_at %s, the notice instant is %s" %
              (p, e["scheduled_at"], iso_ms(notice_at)))
        late_ms = (dt.iso_ms_to_ms(e["fired_at"]) -
                   dt.iso_ms_to_ms(e["scheduled_at"]))
        check(0 <= late_ms <= 5000 * TM,
              "%s: fired %d ms after its instant" % (p, late_ms))
        check(e["late"] == (late_ms > dt.LATE_MS),
              "%s: late %s for %d ms" % (p, e["late"], late_ms))
        check(e["lead_s"] == gap_notice and dt.ID_RE.match(e["id"]),
              "%s: lead_s %s (want %d), id %s" %
              (p, e["lead_s"], gap_notice, e["id"]))
        want = dict(zip(ROW_KEYS, [p, label, dt.iso_s(day_start),
                                   dt.iso_s(day_start + 86400), 1, 0,
                                   0, 1, "short"]))
        check(e["cadence"] == want and "post" not in e,
              "%s: cadence %s, want %s" % (p, e["cadence"], want))

    # ig by its platform's webhook (json), li by [daemon] webhook
    # (slack): each once, signed, webhook-id = the event's id.
    ig = rx.wait("/ok/ig", 1, 15, "the json delivery")
    li = rx.wait("/slack/team", 1, 15, "the slack delivery")
    for e, p in ((ig[0], "ig"), (li[0], "li")):
        h = e["headers"]
        check(e["verified"], "%s: signature not verified: %s" %
              (p, e["verify_errors"]))
        check(h.get("webhook-id") == by[p]["id"],
              "%s: webhook-id %s, event id %s" %
              (p, h.get("webhook-id"), by[p]["id"]))
        check(re.match(r"^v1,\S+$", h.get("webhook-signature", "")),
              "%s: signature %r" % (p, h.get("webhook-signature")))
    body = json.loads(ig[0]["body"])
    check(body["type"] == "cadence.gap" and body["attempt"] == 1 and
          body["cadence"] == by["ig"]["cadence"] and
          body["id"] == by["ig"]["id"], "json body: %s" % body)
    text = json.loads(li[0]["body"])["text"]
    check(text.startswith("Cadence gap on li for %s (starts " % label)
          and text.endswith("scheduled 0, target 1, missing 1."),
          "slack text: %r" % text)
    check(re.search(r"event cadence\.gap %s ig: to webhook ighook" %
                    by["ig"]["id"], dm.text()),
          "no delivery line in the log:\n%s" % dm.tail())

    # A restart tells nothing again: the ledger and the stored state.
    st = facts(d, "cadence.gap:")
    check(st == {"cadence.gap:ig:" + label: 2,
                 "cadence.gap:li:" + label: 2},
          "stored states: %s" % st)
    dm.stop()
    dm.start()
    dm.wait_log(r"cadence: \d+ platforms? short", 10, "a look")
    time.sleep(2 * TS)
    check(len(cadence_events(d, "cadence.gap")) == 2,
          "the restart fired cadence.gap again: %s" %
          cadence_events(d, "cadence.gap"))
    check(len(rx.entries("/ok/")) == 1 and
          len(rx.entries("/slack/")) == 1,
          "the receiver got more after the restart: %s" %
          [e["path"] for e in rx.entries()])
    dm.stop()


def s_edit():
    d = dt.scenario_dir("edit")
    away_from_midnight(120)
    t0 = now()
    today = t0 - t0 % 86400
    # Every day of the lookahead has its post but the day after tomorrow:
    # within gap_notice already, so its gap is told at start (late).
    posts = [{"uid": "ig-%d" % off, "at": today + off * 86400 + 43200,
              "platforms": ["ig"]} for off in (0, 1, 3)]
    cal = os.path.join(d, "main.ics")
    dt.write(cal, ics(posts))
    dt.write(os.path.join(d, "smcal.conf"), conf(
        d, cadence="lookahead = 3\ngap_notice = 3d\n",
        platforms="[platform:ig]\ncadence = 1/day\n"))
    dm = dt.Daemon(d).start()
    sock = os.path.join(d, "run", "smcal.sock")
    day2 = today + 2 * 86400
    label = datetime.datetime.fromtimestamp(day2, UTC).date().isoformat()
    key = "cadence.gap:ig:" + label
    evs = wait_for(lambda: cadence_events(d, "cadence.gap"), 10,
                   "the gap told at start")
    check(len(evs) == 1 and evs[0]["cadence"]["period"] == label and
          evs[0]["late"] is True and
          evs[0]["scheduled_at"] == iso_ms(day2 - 3 * 86400),
          "the gap at start: %s" % evs)
    # The log sink has it (webhook = none).
    dm.wait_log(r"event \{\"type\":\"cadence\.gap\",\"id\":\"%s\"" %
                evs[0]["id"], 5, "the log sink's line")

    def day_status(want):
        def pred():
            rows = smctl_json(sock, ["cadence", "--platform", "ig"])
            r = [x for x in rows if x["period"] == label]
            return r and r[0]["status"] == want
        return pred
    check(day_status("short")(), "smctl cadence does not show the gap")

    # The edit that fills the gap is seen at once: the calendar is
    # reloaded (its directory is watched) and the plan looked at again.
    filled = posts + [{"uid": "ig-2", "at": day2 + 43200,
                       "platforms": ["ig"]}]
    t_edit = time.monotonic()
    dt.write_atomic(cal, ics(filled))
    wait_for(day_status("ok"), 10, "the filled day in smctl cadence")
    seen = time.monotonic() - t_edit
    wait_for(lambda: facts(d, key).get(key) == 3, 10,
             "the state recovered (sent 1, recovered 1)")
    check(len(cadence_events(d, "cadence.gap")) == 1,
          "a gap was told after the fill")

    # Short again: told again, with a new id.
    dt.write_atomic(cal, ics(posts))
    evs = wait_for(lambda: (lambda e: e if len(e) == 2 else None)(
        cadence_events(d, "cadence.gap")), 10, "the second gap")
    check(evs[1]["cadence"]["period"] == label and
          evs[1]["id"] != evs[0]["id"], "the second gap: %s" % evs)
    wait_for(lambda: facts(d, key).get(key) == 4, 10,
             "the state sent twice")
    dm.stop()
    dm.start()
    dm.wait_log(r"cadence: \d+ platforms? short", 10, "a look")
    time.sleep(1 * TS)
    check(len(cadence_events(d, "cadence.gap")) == 2,
          "the restart told the gap again")
    dm.stop()
    dt.timings.append("edit: the filled gap was seen by smctl cadence %.2f s "
                      "after the save" % seen)


def s_add():
    d = dt.scenario_dir("add")
    away_from_midnight(120)
    t0 = now()
    today = t0 - t0 % 86400
    # As in edit: the day after tomorrow is short, told at start.
    posts = [{"uid": "ig-%d" % off, "at": today + off * 86400 + 43200,
              "platforms": ["ig"]} for off in (0, 1, 3)]
    dt.write(os.path.join(d, "main.ics"), ics(posts))
    dt.write(os.path.join(d, "smcal.conf"), conf(
        d, cadence="lookahead = 3\ngap_notice = 3d\n",
        platforms="[platform:ig]\ncadence = 1/day\n"))
    dm = dt.Daemon(d).start()
    sock = os.path.join(d, "run", "smcal.sock")
    day2 = today + 2 * 86400
    label = datetime.datetime.fromtimestamp(day2, UTC).date().isoformat()
    key = "cadence.gap:ig:" + label
    evs = wait_for(lambda: cadence_events(d, "cadence.gap"), 10,
                   "the gap told at start")
    check(len(evs) == 1 and evs[0]["cadence"]["period"] == label,
          "the gap at start: %s" % evs)
    check(ct.status_json(sock)["cadence_short"] == 1, "status: not short")

    def day_status(want):
        def pred():
            rows = smctl_json(sock, ["cadence", "--platform", "ig"])
            r = [x for x in rows if x["period"] == label]
            return r and r[0]["status"] == want
        return pred

    # The missing post through smctl add: the gap is seen filled at once
    # (the queue's posts count like the calendars'), recovered in the
    # store, and status counts no platform short.
    out, _ = ct.expect(["-s", sock, "add", "--platform", "ig", "--at",
                        dt.iso_s(day2 + 43200), "--title", "the missing "
                        "post", "--json"], 0, "smctl add")
    qid = json.loads(out)["id"]
    wait_for(day_status("ok"), 10, "the added post in smctl cadence")
    wait_for(lambda: facts(d, key).get(key) == 3, 10,
             "the state recovered after the add")
    check(ct.status_json(sock)["cadence_short"] == 0,
          "status after the add: %s" % ct.status_json(sock)["cadence_short"])
    check(len(cadence_events(d, "cadence.gap")) == 1,
          "a gap was told after the add")
    # Cancelled through smctl cancel: short again, told again.
    ct.expect(["-s", sock, "cancel", qid], 0, "smctl cancel")
    evs = wait_for(lambda: (lambda e: e if len(e) == 2 else None)(
        cadence_events(d, "cadence.gap")), 10, "the gap after the cancel")
    check(evs[1]["cadence"]["period"] == label and
          evs[1]["id"] != evs[0]["id"] and evs[1]["cadence"]["gap"] == 1,
          "the gap after the cancel: %s" % evs[1])
    # A calendar occurrence cancelled through the socket no longer counts
    # either: tomorrow falls short too.
    day1 = today + 86400
    ct.expect(["-s", sock, "cancel", "ig-1"], 0, "cancel a calendar post")
    label1 = datetime.datetime.fromtimestamp(day1, UTC).date().isoformat()
    wait_for(lambda: any(e["cadence"]["period"] == label1 for e in
                         cadence_events(d, "cadence.gap")), 10,
             "the gap of the cancelled calendar post's day")
    dm.stop()


def s_behind():
    d = dt.scenario_dir("behind")
    away_from_midnight(600)
    t0 = now()
    today = t0 - t0 % 86400
    # 2880 posts a day, every 30 s from midnight (drafts: no post.due);
    # with p of them done, the day falls behind at midnight + (p+1) x 30 s.
    p = (t0 + 5 * TS - today + 29) // 30 - 1
    behind_at = today + (p + 1) * 30
    text = dt.vcalendar(
        "BEGIN:VEVENT\r\nUID:tick\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART:%s\r\nRRULE:FREQ=SECONDLY;INTERVAL=30;COUNT=2880\r\n"
        "STATUS:TENTATIVE\r\nSUMMARY:tick\r\nX-SMCAL-PLATFORM:b\r\n"
        "END:VEVENT\r\n" % dt.ical_utc(today))
    dt.write(os.path.join(d, "main.ics"), text)
    path = os.path.join(d, "smcal.conf")
    # First without a plan (the store is created), then the done marks,
    # then the plan.
    dt.write(path, conf(d, cadence="lookahead = 0\n",
                        platforms="[platform:b]\n"))
    dm = dt.Daemon(d).start()
    dm.stop()
    mark_done(d, [("tick", dt.iso_s(today + 30 * i)) for i in range(p)])
    dt.write(path, conf(d, cadence="lookahead = 0\n",
                        platforms="[platform:b]\ncadence = 2880/day\n"))
    check(now() < behind_at - 1, "the set-up took too long")
    dm.start()
    dt.sleep_until(behind_at - 1)
    check(not cadence_events(d, "cadence.behind"),
          "cadence.behind before it was behind")
    ev = wait_for(lambda: cadence_events(d, "cadence.behind"), 15,
                  "cadence.behind")
    check(len(ev) == 1, "cadence.behind: %s" % ev)
    e = ev[0]
    label = datetime.datetime.fromtimestamp(today, UTC).date().isoformat()
    late_ms = dt.iso_ms_to_ms(e["fired_at"]) - behind_at * 1000
    check(e["scheduled_at"] == iso_ms(behind_at) and
          0 <= late_ms <= 5000 * TM and e["lead_s"] == 0,
          "cadence.behind at %s (fired %d ms after %s)" %
          (e["scheduled_at"], late_ms, iso_ms(behind_at)))
    want = dict(zip(ROW_KEYS, ["b", label, dt.iso_s(today),
                               dt.iso_s(today + 86400), 2880, 2880, p, 0,
                               "behind"]))
    check(e["cadence"] == want, "cadence %s, want %s" % (e["cadence"], want))
    dm.wait_log(r"event \{\"type\":\"cadence\.behind\"", 5, "the log sink")
    check(not cadence_events(d, "cadence.gap"), "a gap with lookahead 0")
    dm.stop()
    dm.start()
    time.sleep(2 * TS)
    check(len(cadence_events(d, "cadence.behind")) == 1,
          "the restart told cadence.behind again")
    dm.stop()


def s_table():
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    d = dt.scenario_dir("table")
    t0 = now()

    def at(day, hh, mm=0):
        return int(datetime.datetime(day.year, day.month, day.day, hh, mm,
                                     tzinfo=paris).timestamp())
    today = local_date(t0, paris)
    w0 = today - datetime.timedelta(days=today.weekday())
    wk = [w0 + datetime.timedelta(days=7 * i) for i in range(-1, 4)]
    day = datetime.timedelta(days=1)
    m0 = today.replace(day=1)
    m1 = (m0 + datetime.timedelta(days=32)).replace(day=1)
    posts = [
        # ig, 3/week: last week one done; this week two, one done; next
        # week a draft, a post on ig and li, one 1h30 later (min_spacing
        # 4h), a third that day (daily_cap 2) and a cancelled one; the
        # week after, Monday 00:30 Paris: Sunday in UTC.
        {"uid": "ig-h", "at": at(wk[0] + 2 * day, 9), "platforms": ["ig"],
         "done": True, "type": "informative"},
        {"uid": "ig-a", "at": at(wk[1] + day, 10), "platforms": ["ig"],
         "done": True, "type": "inspiring"},
        {"uid": "ig-b", "at": at(wk[1] + 3 * day, 18), "platforms": ["ig"]},
        {"uid": "ig-c", "at": at(wk[2], 9), "platforms": ["ig"],
         "status": "TENTATIVE"},
        {"uid": "ig-d", "at": at(wk[2] + 2 * day, 12, 30),
         "platforms": ["ig", "li"], "type": "offer"},
        {"uid": "ig-e", "at": at(wk[2] + 2 * day, 14), "platforms": ["ig"]},
        {"uid": "ig-g", "at": at(wk[2] + 2 * day, 19), "platforms": ["ig"]},
        {"uid": "ig-x", "at": at(wk[2] + 4 * day, 17), "platforms": ["ig"],
         "status": "CANCELLED"},
        {"uid": "ig-m", "at": at(wk[3], 0, 30), "platforms": ["ig"]},
        # li, 4/month: two this month, one next month.
        {"uid": "li-a", "at": at(m0 + 2 * day, 9), "platforms": ["li"],
         "done": True},
        {"uid": "li-b", "at": at(m0 + 15 * day, 9), "platforms": ["li"]},
        {"uid": "li-c", "at": at(m1 + 3 * day, 9), "platforms": ["li"]},
        # x, 2/day: one today (done), two tomorrow.
        {"uid": "x-a", "at": at(today, 9), "platforms": ["x"],
         "done": True},
        {"uid": "x-b", "at": at(today + day, 9), "platforms": ["x"]},
        {"uid": "x-c", "at": at(today + day, 20), "platforms": ["x"]},
        # blog: no plan.
        {"uid": "blog-a", "at": at(today, 10), "platforms": ["blog"]},
    ]
    text = ics(posts)
    dt.write(os.path.join(d, "main.ics"), text)
    cfg = os.path.join(d, "smcal.conf")
    dt.write(cfg, conf(
        d, zone="Europe/Paris", cadence="lookahead = 2\n",
        platforms=("[platform:ig]\ncadence = 3/week\nmin_spacing = 4h\n"
                   "daily_cap = 2\n\n[platform:li]\ncadence = 4/month\n\n"
                   "[platform:x]\ncadence = 2/day\n\n[platform:blog]\n"),
        extra="[mix]\ninformative = 50\ninspiring = 30\noffer = 20\n"))
    dm = dt.Daemon(d).start()
    sock = os.path.join(d, "run", "smcal.sock")
    mark_done(d, [(p["uid"], dt.iso_s(p["at"])) for p in posts
                  if p.get("done")])
    plats = [("ig", (3, "week")), ("li", (4, "month")), ("x", (2, "day")),
             ("blog", None)]

    # Each platform in its plan's unit, a past period too.
    rows = check_table(sock, ["--history", "1"], lambda t: table(
        plats, posts, t, paris, 2, history=1), "cadence --history 1")
    # Spot checks of what the rules mean, beyond the computation above.
    by = {(r["platform"], r["period"]): r for r in rows}
    w2 = period_of(wk[2], "week", paris)["label"]
    w3 = period_of(wk[3], "week", paris)["label"]
    check(by[("ig", w2)]["scheduled"] == 4,
          "next week: draft, two-platform post, two more; not the "
          "cancelled one: %s" % by[("ig", w2)])
    check(by[("ig", w3)]["scheduled"] == 1,
          "Monday 00:30 Paris belongs to its Paris week: %s" %
          by[("ig", w3)])
    check(by[("x", today.isoformat())]["published"] == 1,
          "x today: %s" % by[("x", today.isoformat())])
    # Every platform by month, and a platform without a plan.
    check_table(sock, ["--period", "month"], lambda t: table(
        plats, posts, t, paris, 2, unit="month"), "cadence --period month")
    check_table(sock, ["--platform", "blog", "--history", "2"],
                lambda t: table(plats, posts, t, paris, 2, history=2,
                                only="blog"), "cadence --platform blog")
    check_table(sock, ["--period", "day", "--platform", "ig"],
                lambda t: table(plats, posts, t, paris, 2, unit="day",
                                only="ig"), "cadence --period day")
    out, err = ct.expect(["-s", sock, "cadence", "--platform", "nope"], 1,
                         "an unknown platform")
    check("platform nope is not configured (ig, li, x, blog)" in err,
          "unknown platform: %s" % err)

    # smctl status: platforms short now or in the next lookahead periods.
    short = {r["platform"] for r in table(plats, posts, now(), paris, 2)
             if r["scheduled"] < r["target"]}
    s = ct.status_json(sock)
    check(s["cadence_platforms"] == 3, "status cadence_platforms %s, expected "
          "3 (ig, li, x)" % s["cadence_platforms"])
    check(s["cadence_short"] == len(short),
          "status cadence_short %s, expected %d (%s)" %
          (s["cadence_short"], len(short), sorted(short)))
    out, _ = ct.expect(["-s", sock, "status"], 0, "status")
    check("cadence: %d platform%s short in the current or next 2 periods"
          % (len(short), "" if len(short) == 1 else "s") in out,
          "status lacks the cadence line:\n%s" % out)

    # People: the table, the mix, the guardrails; colour on a terminal.
    out, _ = ct.expect(["-s", sock, "cadence"], 0, "cadence")
    for want in ("PLATFORM", "TARGET", "SCHEDULED", "PUBLISHED", "GAP",
                 "STATUS", "* the current period (Europe/Paris)",
                 "content mix", "informative", "untyped",
                 "ig: ", "are 1h30m apart (min_spacing 4h)",
                 "3 posts on %s (daily_cap 2)" % (wk[2] + 2 * day)):
        check(want in out, "smctl cadence lacks %r:\n%s" % (want, out))
    check(ESC not in out, "colour in a pipe")
    env = dict(os.environ, TERM="xterm")
    env.pop("NO_COLOR", None)
    out = ct.run_in_pty(["-s", sock, "cadence"], env)
    check(ESC + "33m" in out, "short is not yellow on a terminal:\n%r" %
          out[:400])
    env["NO_COLOR"] = "1"
    out = ct.run_in_pty(["-s", sock, "cadence"], env)
    check(ESC not in out, "colour with NO_COLOR")

    # smctl calendar: this week's posts per day and platform, and the
    # plans' periods over it.
    g = smctl_json(sock, ["calendar"])[0]
    check(g["platforms"] == ["ig", "li", "x", "blog"] and
          g["first_day"] == wk[1].isoformat() and len(g["days"]) == 7,
          "grid: %s" % {k: g[k] for k in ("platforms", "first_day")})
    for i, dd in enumerate(g["days"]):
        date = wk[1] + i * day
        want = [sum(1 for p in posts if n in p["platforms"] and
                    p.get("status") != "CANCELLED" and
                    local_date(p["at"], paris) == date)
                for n, _ in plats]
        check(dd["date"] == date.isoformat() and dd["posts"] == want,
              "grid day %s: %s, want %s" % (date, dd, want))
    t = now()
    want = []
    win = period_of(wk[1], "week", paris)
    for name, plan in plats:
        if not plan:
            continue
        p = period_of(wk[1], plan[1], paris)
        while p["start"] < win["end"]:
            want.append(row_for(name, plan, p, posts, t))
            p = step(p, 1, paris)
    check(g["periods"] == want, "grid periods:\n%s\nwant\n%s" %
          (g["periods"], want))
    out, _ = ct.expect(["-s", sock, "calendar", "--month"], 0, "calendar")
    check("month %04d-%02d" % (today.year, today.month) in out and
          "plan ig" in out and "(Europe/Paris)" in out,
          "calendar --month:\n%s" % out)

    # smctl lint -c: the guardrails of the file, at the later post's line.
    out, _ = ct.expect(["-c", cfg, "lint", os.path.join(d, "main.ics")], 0,
                       "lint -c")
    spacing = "main.ics:%d: warning: ig: " % begin_line(text, "ig-e")
    cap = "main.ics:%d: warning: ig: 3 posts on %s (daily_cap 2)" % (
        begin_line(text, "ig-g"), wk[2] + 2 * day)
    check(spacing in out and "1h30m apart (min_spacing 4h)" in out and
          cap in out, "lint -c:\n%s" % out)
    dm.stop()


SCENARIOS = [
    ("gap", s_gap),
    ("edit", s_edit),
    ("add", s_add),
    ("behind", s_behind),
    ("table", s_table),
]


if __name__ == "__main__":
    sys.exit(dt.run_scenarios("cadence", SCENARIOS, sys.argv))
