#!/usr/bin/env python3
"""Webhook delivery scenarios for smcald (run by webhooks.sh; stdlib only).

The real daemon (`smcald -f -c CONF`, inside $SMCAL_IT_VG when set) fires
posts due a few seconds ahead (UTC) to webhooks served by
webhook_receiver.mjs (Node), which checks every request's Standard Webhooks
signature with the npm `standardwebhooks` verifier and logs one JSON line
per request.  Each post names its webhook with X-SMCAL-WEBHOOK.  Expectations
are polled with deadlines; timing checks are loose bounds (SPEC 5: backoff
+-20% jitter, Retry-After honoured, timeouts) and the measured intervals are
printed.

Scenarios:
  deliveries  one daemon, one post per webhook: success (webhook-id = the
              event id of events.jsonl, "attempt" in json bodies), 500 x2
              then 200 (backoff 1s, 2s), 429 + Retry-After: 2, a receiver
              that never answers (timeout 2s), connection refused (outbox
              pending then failed), 410 (failed, endpoint disabled, later
              deliveries wait), slack, discord (429 with retry_after in the
              body, 2000 chars, allowed_mentions), ntfy headers, JSON and
              text templates, French dates, two secrets (rotation), events
              filter, and a hung endpoint (concurrency 1) that does not delay
              a healthy one
  kill9       kill -9 with deliveries pending (failed once, long backoff) and
              one in flight; after a restart all are delivered, same
              webhook-id

The helpers live in smcal_it.py; this module re-exports the ones it used to
define, with their signatures, for the scripts that import them from here.

Usage: webhooks_test.py [SCENARIO...]   (default: all)
"""
import datetime
import json
import os
import re
import sqlite3
import sys
import threading
import time
import zoneinfo

import smcal_it as it
from smcal_it import (  # noqa: F401 (re-exported)
    FINDING_RE, ID_RE, NODE, NODE_MODULES, RECEIVER, ROOT, SMCALD, TM, TS,
    VG, Daemon, Fail, Receiver, all_status, check, check_request,
    closed_port, created, event_ids, expect, findings, fmt_s, fold,
    ical_text, ical_utc, new_secret, now, outbox, problems, read_events,
    running, scenario_dir, sleep_until, timings, vcalendar, vevent,
    wait_for, wait_outbox, write)

FR_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
           "dimanche"]
FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet",
             "août", "septembre", "octobre", "novembre", "décembre"]


# ---------------------------------------------------------------------------
# The former helpers' own signatures


def conf_text(d, cal, webhooks, lead="2s"):
    """One calendar (main) allowed every webhook; webhooks: (name, {key:
    value}) pairs."""
    return it.conf_text(d, cal, webhooks, lead=lead)


def db_rows(d, sql, args=()):
    """Rows as dicts."""
    return it.db_rows(d, sql, args, as_dict=True)


class OutboxWatcher(threading.Thread):
    """Samples the outbox every 20 ms and keeps each row's distinct states
    (status, attempts, next_at, last_status, last_error, updated_at) with
    the instant first seen: transient states (pending between two
    attempts) can be checked after the fact."""

    def __init__(self, d):
        super().__init__(daemon=True)
        self.path = os.path.join(d, "state", "smcal.db")
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.states = {}  # row id -> [(seen, {state})]

    def run(self):
        con = None
        while not self.stop_flag.is_set():
            try:
                if con is None and os.path.exists(self.path):
                    con = sqlite3.connect("file:%s?mode=ro" % self.path,
                                          uri=True, timeout=1)
                    con.row_factory = sqlite3.Row
                if con is not None:
                    rows = con.execute(
                        "SELECT id, webhook, event_id, status, attempts, "
                        "next_at, last_status, last_error, updated_at "
                        "FROM outbox").fetchall()
                    seen = time.time()
                    with self.lock:
                        for r in rows:
                            st = dict(r)
                            h = self.states.setdefault(st["id"], [])
                            if not h or h[-1][1] != st:
                                h.append((seen, st))
            except sqlite3.Error:
                pass  # not created yet, or busy: the next sample
            self.stop_flag.wait(0.02)
        if con is not None:
            con.close()

    def stop(self):
        self.stop_flag.set()
        self.join()

    def history(self, webhook):
        """The states of the webhook's rows, per row id."""
        with self.lock:
            return {i: [s for _, s in h] for i, h in self.states.items()
                    if h[0][1]["webhook"] == webhook}

    def next_at_after(self, webhook, attempts):
        """next_at (s) stored when the webhook's (only) row went back to
        pending after `attempts` attempts, or None."""
        for states in self.history(webhook).values():
            for s in states:
                if s["status"] == "pending" and s["attempts"] == attempts:
                    return s["next_at"] / 1000.0
        return None


# ---------------------------------------------------------------------------
# Checks of the scenarios below


def check_attempts(reqs, ids, uid, what):
    """Attempts of one delivery: same webhook-id, timestamps that do not go
    back, json bodies numbered by attempt."""
    wids = {check_request(e, ids, uid) for e in reqs}
    expect(len(wids) == 1, "%s: attempts under several webhook-ids %s" %
           (what, wids))
    stamps = [int(e["headers"].get("webhook-timestamp", "0")) for e in reqs]
    expect(stamps == sorted(stamps), "%s: webhook-timestamps go back: %s" %
           (what, stamps))
    for i, e in enumerate(reqs):
        if e["json"] and e["body"].startswith("{\"type\""):
            n = json.loads(e["body"]).get("attempt")
            expect(n == i + 1, "%s: request %d carries attempt %r" %
                   (what, i + 1, n))


def intervals(reqs):
    return [(b["time"] - a["time"]) / 1000.0 for a, b in zip(reqs, reqs[1:])]


def scheduled_delays(watcher, webhook, what, bounds):
    """The delays the daemon chose: next_at minus the instant it recorded
    the attempt's outcome (updated_at), per attempt that is retried; each
    within bounds[k] = (lo, hi) seconds.  Deterministic: no clocks race."""
    out = []
    hist = list(watcher.history(webhook).values())
    states = hist[0] if hist else []
    for k, (lo, hi) in enumerate(bounds, 1):
        st = [s for s in states if s["status"] == "pending" and
              s["attempts"] == k]
        if not expect(st, "%s: the outbox never showed the delivery pending "
                      "after attempt %d" % (what, k)):
            continue
        delay = (st[0]["next_at"] - st[0]["updated_at"]) / 1000.0
        expect(lo - 0.002 <= delay <= hi + 0.002, "%s: retry %d scheduled "
               "%.3f s after attempt %d, expected %.1f..%.1f s" %
               (what, k, delay, k, lo, hi))
        out.append(delay)
    return out


def retry_lateness(watcher, webhook, arrivals, what):
    """How long after the next_at the daemon stored each retry went out:
    arrivals are the instants (s) of attempts 1..n.  A retry must never go
    out early (-50 ms for the receiver's and sqlite's clocks)."""
    out = []
    for k in range(1, len(arrivals)):
        at = watcher.next_at_after(webhook, k)
        if not expect(at is not None, "%s: the outbox never showed the "
                      "delivery pending after attempt %d" % (what, k)):
            continue
        late = arrivals[k] - at
        expect(late >= -0.05, "%s: attempt %d went out %.3f s before its "
               "next_at" % (what, k + 1, -late))
        out.append(late)
    return out


# ---------------------------------------------------------------------------
# Scenario: one daemon, many webhooks


def s_deliveries():
    d = scenario_dir("deliveries")
    os.makedirs(os.path.join(d, "run"))
    s1, s2 = new_secret(), new_secret()
    rx = Receiver(d, [s1, s2])
    base = rx.base
    secret_file = os.path.join(d, "rotate.secret")
    write(secret_file, "%s\n%s\n" % (s1, s2), 0o600)
    dead = closed_port()

    def hook(path, fmt="json", **kw):
        keys = {"url": base + path if path.startswith("/") else path,
                "format": fmt, "secret": s1, "events": "post.due"}
        keys.update(kw)
        return {k: v for k, v in keys.items() if v is not None}

    template = ('{"event": "{{event}}", "title": "{{title}}", '
                '"when": "{{publish_at}}", "platforms": "{{platforms}}"}')
    webhooks = [
        ("ok", hook("/ok/main", events="post.reminder, post.due")),
        ("fail2", hook("/fail/2/main", backoff="1s, 2s", max_attempts=5)),
        ("r429", hook("/429/2/main", backoff="10s", max_attempts=3)),
        ("hang", hook("/hang/main", timeout="2s", backoff="1s",
                      max_attempts=2)),
        ("refused", hook("http://127.0.0.1:%d/refused" % dead,
                         backoff="2s", max_attempts=2, connect_timeout="2s")),
        ("gone", hook("/gone/main")),
        ("slack", hook("/slack/main", "slack")),
        ("discord", hook("/discord/main", "discord", backoff="10s")),
        ("ntfy", hook("/ntfy/smcal-test", "ntfy")),
        ("tmpl", hook("/ok/tmpl", "template", template=template,
                      content_type="application/json",
                      headers="X-Team: social")),
        ("tmpltext", hook("/ok/tmpltext", "template",
                          template="{{event}}: {{title}} at {{publish_at}}",
                          content_type="text/plain; charset=utf-8")),
        ("fr", hook("/slack/fr", "slack", locale="fr_FR.UTF-8",
                    date_format="%A %e %B à %H:%M",
                    timezone="Europe/Paris")),
        ("rotate", hook("/ok/rotate", secret=None, secret_file=secret_file)),
        ("hanga", hook("/hang/iso", timeout="10s", concurrency=1,
                       max_attempts=1)),
        ("okb", hook("/ok/iso")),
    ]
    t = now()
    due = t + 4 * TS
    later = due + 3  # a second post to the gone webhook, after the 410
    tmpl_title = 'Say "hi"\nthen \'bye\' \\ done, {ok}'
    long_title = "@everyone " + "Très long titre — " * 140  # > 2000 chars
    ntfy_url = "https://example.com/p/ntfy?a=1&b=2"
    cal = os.path.join(d, "cal.ics")
    write(cal, vcalendar([
        vevent("p-ok", due, "Plain JSON post", "ok"),
        vevent("p-fail2", due, "Fails twice", "fail2"),
        vevent("p-429", due, "Rate limited", "r429"),
        vevent("p-hang", due, "Never answered", "hang"),
        vevent("p-refused", due, "Refused", "refused"),
        vevent("p-gone", due, "Gone", "gone"),
        vevent("p-gone2", later, "Gone again", "gone"),
        vevent("p-slack", due, "Slack post", "slack",
               ["X-SMCAL-PLATFORM:linkedin"]),
        vevent("p-discord", due, long_title, "discord"),
        vevent("p-ntfy", due, "Ntfy post", "ntfy",
               ["X-SMCAL-PLATFORM:instagram", "X-SMCAL-TYPE:informative",
                "URL:" + ntfy_url]),
        vevent("p-tmpl", due, tmpl_title, "tmpl",
               ["X-SMCAL-PLATFORM:instagram,x"]),
        vevent("p-tmpltext", due, "Text template", "tmpltext"),
        vevent("p-fr", due, "Publication", "fr"),
        vevent("p-rotate", due, "Rotation", "rotate"),
        vevent("p-hanga1", due, "Hung A1", "hanga"),
        vevent("p-hanga2", due, "Hung A2", "hanga"),
        vevent("p-okb", due, "Healthy B", "okb"),
    ]))
    write(os.path.join(d, "smcal.conf"), conf_text(d, cal, webhooks))
    ev_log = os.path.join(d, "state", "events.jsonl")
    watcher = OutboxWatcher(d)
    watcher.start()
    lateness = []  # retries: seconds after their stored next_at
    dm = Daemon(d).start()

    # -- a hung endpoint does not delay a healthy one (checked first: it is
    # the one with a deadline measured from the due instant)
    iso_ok = rx.wait("/ok/iso", 1, 10 + 4 * TS, "the healthy endpoint B")[0]
    lag = iso_ok["time"] / 1000.0 - due
    timings.append("isolation: B (/ok) arrived %.3f s after its due instant "
                   "while A (/hang, concurrency 1) hung" % lag)
    expect(lag <= 2.0 * TM, "healthy webhook B arrived %.2f s after its due "
           "instant (> 2 s) next to a hung one" % lag)
    # A may not have started yet at this very moment; within a second it
    # must hold one request in flight and keep the other queued.
    wait_outbox(d, "hanga", lambda rows: len(rows) == 2 and
                any(r["status"] == "sending" for r in rows), 5,
                "A's first request in flight")
    a_rows = outbox(d, "hanga")
    expect(sorted((r["status"], r["attempts"]) for r in a_rows) ==
           [("pending", 0), ("sending", 1)],
           "hung webhook A with concurrency 1: outbox %s, expected one "
           "sending and one pending untried" %
           [(r["status"], r["attempts"]) for r in a_rows])
    a_reqs = rx.entries("/hang/iso")
    expect(len(a_reqs) == 1, "hung webhook A (concurrency 1) received %d "
           "requests at once" % len(a_reqs))

    # -- plain success, reminder and due, webhook-id = event id
    ok = rx.wait("/ok/main", 2, 10, "reminder and due to ok")
    ids = event_ids(ev_log)
    types = [json.loads(e["body"])["type"] for e in ok]
    expect(types == ["post.reminder", "post.due"], "ok received %s, expected "
           "a reminder then the due event" % types)
    for e in ok:
        check_request(e, ids, "p-ok")
        body = json.loads(e["body"])
        expect(body["id"] == e["headers"].get("webhook-id"),
               "json body id %s != webhook-id %s" %
               (body["id"], e["headers"].get("webhook-id")))
        expect(body.get("attempt") == 1 and body["post"]["uid"] == "p-ok",
               "json body attempt/uid: %r" % body)
        expect(e["headers"].get("content-type", "").startswith(
            "application/json"), "json content-type %r" %
            e["headers"].get("content-type"))
    wait_outbox(d, "ok", all_status("delivered", 2), 5, "ok delivered")

    # -- slack
    sl = rx.wait("/slack/main", 1, 10, "slack")
    check_request(sl[0], ids, "p-slack")
    body = json.loads(sl[0]["body"]) if sl[0]["json"] else {}
    expect(list(body) == ["text"] and "Slack post" in body.get("text", "")
           and "linkedin" in body.get("text", ""),
           "slack body %r" % sl[0]["body"])

    # -- French dates
    fr = rx.wait("/slack/fr", 1, 10, "the French webhook")
    check_request(fr[0], ids, "p-fr")
    text = json.loads(fr[0]["body"]).get("text", "") if fr[0]["json"] else ""
    local = datetime.datetime.fromtimestamp(due,
                                            zoneinfo.ZoneInfo("Europe/Paris"))
    want = "%s %2d %s à %02d:%02d" % (FR_DAYS[local.weekday()], local.day,
                                       FR_MONTHS[local.month - 1], local.hour,
                                       local.minute)
    expect(want in text, "French date: %r not in %r" % (want, text))
    expect(not dm.text().count("is not installed"),
           "the daemon says a locale is not installed")

    # -- two secrets
    rot = rx.wait("/ok/rotate", 1, 10, "the rotation webhook")
    check_request(rot[0], ids, "p-rotate", secrets_n=2)
    expect(rot[0]["verified_by"] == [True, True], "rotation: verified by "
           "each secret alone %s (errors %s)" %
           (rot[0]["verified_by"], rot[0]["verify_errors"]))
    other = [e for e in rx.entries() if e["path"] != "/ok/rotate"]
    expect(all(e["verified_by"] == [True, False] for e in other),
           "single-secret webhooks: some request verified other than by the "
           "first secret only: %s" % [(e["path"], e["verified_by"])
                                      for e in other
                                      if e["verified_by"] != [True, False]])

    # -- ntfy
    nt = rx.wait("/ntfy/smcal-test", 1, 10, "ntfy")
    e = nt[0]
    check_request(e, ids, "p-ntfy")
    h = e["headers"]
    expect(h.get("title") == "Ntfy post", "ntfy Title %r" % h.get("title"))
    expect(h.get("priority") == "4", "ntfy Priority %r for post.due" %
           h.get("priority"))
    tags = (h.get("tags") or "").split(",")
    expect("instagram" in tags and "informative" in tags,
           "ntfy Tags %r" % h.get("tags"))
    expect(h.get("click") == ntfy_url, "ntfy Click %r" % h.get("click"))
    expect(h.get("content-type", "").startswith("text/plain"),
           "ntfy content-type %r" % h.get("content-type"))
    expect("Ntfy post" in e["body"] and not e["body"].startswith("{"),
           "ntfy body is not the plain message: %r" % e["body"])

    # -- templates
    tp = rx.wait("/ok/tmpl", 1, 10, "the JSON template")
    e = tp[0]
    check_request(e, ids, "p-tmpl")
    expect(e["json"] is True, "JSON template body is not valid JSON: %r" %
           e["body"])
    if e["json"]:
        b = json.loads(e["body"])
        expect(b.get("title") == tmpl_title, "template title %r, expected %r"
               % (b.get("title"), tmpl_title))
        expect(b.get("event") == "post.due" and
               b.get("platforms") == "instagram, x",
               "template fields %r" % b)
    expect(e["headers"].get("x-team") == "social",
           "configured header X-Team: %r" % e["headers"].get("x-team"))
    tt = rx.wait("/ok/tmpltext", 1, 10, "the text template")
    check_request(tt[0], ids, "p-tmpltext")
    expect(tt[0]["body"].startswith("post.due: Text template at ") and
           tt[0]["headers"].get("content-type", "").startswith("text/plain"),
           "text template body %r (%s)" %
           (tt[0]["body"], tt[0]["headers"].get("content-type")))

    # -- 500, 500, 200 on backoff 1s, 2s
    f2 = rx.wait("/fail/2/main", 3, 15, "three attempts to fail2")
    check_attempts(f2, ids, "p-fail2", "fail2")
    expect([e["status"] for e in f2] == [500, 500, 200],
           "fail2 statuses %s" % [e["status"] for e in f2])
    iv = intervals(f2)
    timings.append("500,500,200 (backoff 1s, 2s +-20%%): %s" % fmt_s(iv))
    expect(all(0.7 <= x < 5 * TM for x in iv), "fail2 retry intervals %s "
           "outside [0.7 s, 5 s)" % fmt_s(iv))
    lateness += retry_lateness(watcher, "fail2",
                               [e["time"] / 1000.0 for e in f2], "fail2")
    sched = scheduled_delays(watcher, "fail2", "fail2",
                             [(0.8, 1.2), (1.6, 2.4)])
    timings.append("  scheduled by the daemon (next_at - outcome): %s" %
                   fmt_s(sched))
    rows = wait_outbox(d, "fail2", all_status("delivered"), 5,
                       "fail2 delivered")
    expect(rows[0]["attempts"] == 3 and rows[0]["last_status"] == 200,
           "fail2 outbox %s" % rows[0])

    # -- 429 with Retry-After: 2 (the backoff would be 10s)
    r4 = rx.wait("/429/2/main", 2, 15, "two attempts to r429")
    check_attempts(r4, ids, "p-429", "r429")
    iv = intervals(r4)
    timings.append("429 + Retry-After: 2 (backoff 10s): %s" % fmt_s(iv))
    expect(1.8 <= iv[0] < 5 * TM, "Retry-After: 2 not honoured: retry %.2f s"
           " later" % iv[0])
    expect([e["status"] for e in r4] == [429, 200], "r429 statuses %s" %
           [e["status"] for e in r4])
    lateness += retry_lateness(watcher, "r429",
                               [e["time"] / 1000.0 for e in r4], "r429")
    sched = scheduled_delays(watcher, "r429", "r429", [(1.9, 2.1)])
    timings.append("  scheduled by the daemon (next_at - outcome): %s" %
                   fmt_s(sched))

    # -- Discord: 429 with retry_after 1.5 in the body, then 204
    dc = rx.wait("/discord/main", 2, 15, "two attempts to discord")
    check_attempts(dc, ids, "p-discord", "discord")
    iv = intervals(dc)
    timings.append("discord 429 retry_after 1.5 (backoff 10s): %s" %
                   fmt_s(iv))
    expect(1.4 <= iv[0] < 5 * TM, "discord retry_after 1.5 not honoured: "
           "retry %.2f s later" % iv[0])
    lateness += retry_lateness(watcher, "discord",
                               [e["time"] / 1000.0 for e in dc], "discord")
    sched = scheduled_delays(watcher, "discord", "discord", [(1.5, 2.1)])
    timings.append("  scheduled by the daemon (next_at - outcome): %s" %
                   fmt_s(sched))
    b = json.loads(dc[1]["body"]) if dc[1]["json"] else {}
    content = b.get("content", "")
    expect(0 < len(content) <= 2000, "discord content is %d characters" %
           len(content))
    expect("allowed_mentions" in b and b["allowed_mentions"] == {"parse": []},
           "discord allowed_mentions %r" % b.get("allowed_mentions"))
    wait_outbox(d, "discord", all_status("delivered"), 5, "discord delivered")
    expect(outbox(d, "discord")[0]["last_status"] == 204,
           "discord last_status %r" % outbox(d, "discord")[0]["last_status"])

    # -- 410: failed at once, the webhook disabled, later deliveries wait
    gn = rx.wait("/gone/main", 1, 10, "the gone webhook")
    check_request(gn[0], ids, "p-gone")
    rows = wait_outbox(d, "gone", lambda rows: rows[0]["status"] == "failed",
                       5, "gone failed")
    expect(rows[0]["last_status"] == 410 and rows[0]["attempts"] == 1,
           "gone outbox %s" % rows[0])
    dis = db_rows(d, "SELECT webhook, reason FROM disabled_endpoint")
    expect([r["webhook"] for r in dis] == ["gone"],
           "disabled_endpoint rows %s, expected gone" % dis)
    expect(re.search(r"webhook gone .*DISABLED", dm.text()),
           "the log does not say the gone webhook is DISABLED")

    # -- connection refused: pending with the error, then failed
    rows = wait_outbox(d, "refused", all_status("failed"), 10 + 4 * TS,
                       "refused failed after max_attempts = 2")
    final = rows[0]
    expect(final["attempts"] == 2 and final["last_error"] and
           final["last_status"] == 0, "refused final row %s" % final)
    hist = list(watcher.history("refused").values())
    hist = hist[0] if hist else []
    between = [s for s in hist if s["status"] == "pending" and
               s["attempts"] == 1]
    expect(between and between[0]["last_error"], "refused: the outbox never "
           "showed it pending with an error after attempt 1; states seen: %s"
           % [(s["status"], s["attempts"], s["last_error"]) for s in hist])
    if between:
        late = retry_lateness(watcher, "refused",
                              [between[0]["updated_at"] / 1000.0,
                               final["updated_at"] / 1000.0], "refused")
        lateness += late
        timings.append("connection refused (backoff 2s): attempt 2 %.2f s "
                       "after attempt 1 (outbox updated_at); error %r" %
                       ((final["updated_at"] - between[0]["updated_at"]) /
                        1000.0, final["last_error"]))
        sched = scheduled_delays(watcher, "refused", "refused", [(1.6, 2.4)])
        timings.append("  scheduled by the daemon (next_at - outcome): %s"
                       % fmt_s(sched))

    # -- a receiver that never answers: timeout 2s, retried once
    hg = rx.wait("/hang/main", 2, 15, "two attempts to hang")
    check_attempts(hg, ids, "p-hang", "hang")
    iv = intervals(hg)
    timings.append("no answer (timeout 2s, backoff 1s): %s" % fmt_s(iv))
    expect(2.5 <= iv[0] < 8 * TM, "hang: second attempt %.2f s after the "
           "first (timeout 2s + backoff 1s +-20%%)" % iv[0])
    # The first attempt ended at its timeout: next_at counts from there.
    lateness += retry_lateness(watcher, "hang",
                               [e["time"] / 1000.0 for e in hg], "hang")
    sched = scheduled_delays(watcher, "hang", "hang", [(0.8, 1.2)])
    timings.append("  scheduled by the daemon (next_at - outcome): %s" %
                   fmt_s(sched))
    st1 = [s for h in watcher.history("hang").values() for s in h
           if s["status"] == "pending" and s["attempts"] == 1]
    expect(st1 and re.search(r"time", st1[0]["last_error"] or "", re.I),
           "hang: attempt 1 recorded %r, expected a timeout" %
           (st1[0]["last_error"] if st1 else None))
    rows = wait_outbox(d, "hang", all_status("failed"), 10,
                       "hang failed after its second timeout")
    expect(rows[0]["attempts"] == 2 and
           re.search(r"time", rows[0]["last_error"] or "", re.I),
           "hang final row %s (expected a timeout error)" % rows[0])

    # -- the second post to the disabled webhook waits
    sleep_until(later + 1.5)
    rows = outbox(d, "gone")
    expect(len(rows) == 2 and rows[1]["status"] == "pending" and
           rows[1]["attempts"] == 0,
           "a delivery to the disabled webhook: %s (expected pending, "
           "untried)" % rows[1:])
    expect(len(rx.entries("/gone/")) == 1, "the disabled webhook received "
           "%d requests" % len(rx.entries("/gone/")))

    # -- events filter: only ok takes reminders
    reminders = [e["path"] for e in rx.entries()
                 if e["json"] and '"type":"post.reminder"' in e["body"]]
    expect(reminders == ["/ok/main"], "reminders went to %s (events = "
           "post.due elsewhere)" % reminders)
    # -- every request the receiver saw verified
    bad = [(e["path"], e["verify_errors"]) for e in rx.entries()
           if not e["verified"]]
    expect(not bad, "requests that did not verify: %s" % bad)

    # -- retries go out when the outbox says they are due (SPEC 5's
    # schedule, not a polling tick); a few ms on a quiet machine
    timings.append("retry lateness after the stored next_at: %s" %
                   fmt_s(lateness))
    if lateness:
        mean = sum(lateness) / len(lateness)
        expect(mean <= 0.3 * TM and max(lateness) <= 1.5 * TM,
               "retries went out %s after their next_at (mean %.2f s): "
               "they wait for a polling tick instead of their instant" %
               (fmt_s(lateness), mean))

    took = dm.stop()  # with A's request still hanging
    expect(took < 5 * TM, "SIGTERM with a request in flight took %.1f s" %
           took)
    watcher.stop()
    rx.stop()


# ---------------------------------------------------------------------------
# Scenario: kill -9 with deliveries pending


def s_kill9():
    d = scenario_dir("kill9")
    os.makedirs(os.path.join(d, "run"))
    s1 = new_secret()
    rx = Receiver(d, [s1])
    webhooks = [
        ("flaky", {"url": rx.base + "/fail/1000/k9", "secret": s1,
                   "events": "post.due", "backoff": "5s",
                   "max_attempts": 10}),
        ("stuck", {"url": rx.base + "/hangonce/k9", "secret": s1,
                   "events": "post.due", "timeout": "60s",
                   "max_attempts": 3}),
    ]
    t = now()
    due = t + 4 * TS
    uids = ["k1", "k2", "k3"]
    cal = os.path.join(d, "cal.ics")
    write(cal, vcalendar([vevent(u, due, "post " + u, "flaky") for u in uids]
                         + [vevent("k4", due, "post k4", "stuck")]))
    write(os.path.join(d, "smcal.conf"), conf_text(d, cal, webhooks,
                                                   lead="none"))
    ev_log = os.path.join(d, "state", "events.jsonl")
    dm = Daemon(d).start()
    first = rx.wait("/fail/1000/k9", 3, 10 + 4 * TS, "three failures")
    rx.wait("/hangonce/k9", 1, 10, "the request left hanging")
    wait_outbox(d, "flaky", lambda rows: len(rows) == 3 and all(
        r["status"] == "pending" and r["attempts"] == 1 for r in rows), 5,
        "the failures recorded as pending")
    wait_outbox(d, "stuck", all_status("sending"), 5,
                "the hanging request recorded as sending")
    dm.kill9()
    before = {json.loads(e["body"])["post"]["uid"]: e["headers"]["webhook-id"]
              for e in first + rx.entries("/hangonce/k9")}
    rows = outbox(d, "flaky") + outbox(d, "stuck")
    expect(sorted(r["status"] for r in rows) ==
           ["pending", "pending", "pending", "sending"],
           "outbox after kill -9: %s" % [(r["webhook"], r["status"])
                                         for r in rows])
    next_at = {r["event_id"]: r["next_at"] / 1000.0
               for r in outbox(d, "flaky")}
    events_before = read_events(ev_log)
    rx.control("/_ctl/pass/k9")
    t_restart = time.time()
    dm.start()
    rows = wait_outbox(d, "flaky", all_status("delivered", 3), 15,
                       "the pending deliveries delivered after restart")
    wait_outbox(d, "stuck", all_status("delivered"), 10,
                "the interrupted delivery delivered after restart")
    expect(re.search(r"1 delivery was in flight", dm.text()),
           "the log does not mention the delivery in flight at the kill")
    ids = event_ids(ev_log)
    after = {}
    for e in rx.entries("/fail/1000/k9") + rx.entries("/hangonce/k9"):
        if e["status"] == 200:
            uid = json.loads(e["body"])["post"]["uid"]
            after[uid] = e["headers"]["webhook-id"]
            check_request(e, ids, uid)
    expect(set(after) == set(uids + ["k4"]), "delivered after restart: %s" %
           sorted(after))
    for u, wid in after.items():
        expect(before.get(u) == wid, "%s: webhook-id %s before the kill, %s "
               "after" % (u, before.get(u), wid))
    ok = [e for e in rx.entries("/fail/1000/k9") if e["status"] == 200]
    late = []
    for e in ok:
        at = next_at[e["headers"]["webhook-id"]]
        late.append(e["time"] / 1000.0 - at)
        expect(late[-1] >= -0.05, "a retry went out %.3f s before its "
               "next_at" % -late[-1])
    resent = [e for e in rx.entries("/hangonce/k9") if e["status"] == 200]
    timings.append("kill -9 / restart: pending retries (backoff 5s) went "
                   "out %s after their next_at; the delivery in flight at "
                   "the kill was resent %.2f s after the restart" %
                   (fmt_s(late), resent[0]["time"] / 1000.0 - t_restart
                    if resent else float("nan")))
    expect(read_events(ev_log) == events_before,
           "the restart fired events again")
    dm.stop()
    rx.stop()


SCENARIOS = [
    ("deliveries", s_deliveries),
    ("kill9", s_kill9),
]


def main(argv):
    return it.run_scenarios("webhook", SCENARIOS, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
