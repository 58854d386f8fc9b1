#!/usr/bin/env python3
"""Messages a team reads, from the real daemon (run by i18n.sh).

Issue 11, "Messages a team reads": webhook sentences in the webhook's
language (po/fr.po, compiled by the build into $BUILD/locale, which the
build tree's smcald finds beside itself), a missing locale said once per
load and not once per message, templates with {{event}} and RFC 3339 times,
and smcald's own log: RFC 3339 times in the configured zone, a timestamp at
the start of each line away from the journal (none under it), "1 post" and
"1 calendar".  Webhooks go to webhook_receiver.mjs (every Standard Webhooks
signature verified); helpers come from webhooks_test.py.

Scenarios:
  french    slack, discord and ntfy webhooks with locale fr_FR.UTF-8 read
            French sentences (dates in Paris, French day and month names);
            a webhook without locale reads English; one whose locale is not
            installed (xx_XX.UTF-8) reads English, and its three messages
            give one warning per problem, then one more after a SIGHUP
            reload; a JSON template gets {{event}}, {{type}} (the content
            type) and {{publish_at_iso}}/{{scheduled_at_iso}} with Paris's
            offset
  logtimes  [daemon] timezone = Europe/Paris: every line starts with an
            RFC 3339 timestamp with milliseconds and Paris's offset;
            "loaded 1 post in 1 calendar", "events since" and "missed:
            ... at" write RFC 3339 times in Paris (no epoch numbers)
  journal   JOURNAL_STREAM set: no timestamp (journald adds its own), with
            the "<N>" priority without -f and the plain "smcald: " with -f
  installed the smcald that `make install DESTDIR=... PREFIX=/usr` put in
            place (i18n.sh runs it; SMCAL_INSTALLED_SMCALD) finds its
            catalogue under PREFIX/share/locale and writes French

Usage: i18n_test.py [SCENARIO...]   (default: all)
"""
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time
import traceback
import zoneinfo

import webhooks_test as wt
from webhooks_test import (Daemon, Fail, Receiver, check, check_request,
                           event_ids, expect, ical_text, ical_utc, fold,
                           new_secret, scenario_dir, vcalendar, wait_outbox,
                           all_status, write)

TS = wt.TS
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NBSP = "\u00a0"
# A line away from the journal: RFC 3339, milliseconds, the zone's offset.
STAMP_RE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}"
                      r"(?:[+-]\d\d:\d\d|Z)) smcald: "
                      r"(?:debug|info|notice|warning|error): ")


def vevent(uid, start, summary, extra=()):
    lines = ["BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20260101T000000Z",
             "DTSTART:" + ical_utc(start), "SUMMARY:" + ical_text(summary)]
    lines += list(extra)
    lines.append("END:VEVENT")
    return "".join(fold(x) + "\r\n" for x in lines)


def daemon_head(d, zone="UTC", webhook="none", catchup="1h"):
    return ("[daemon]\n"
            "socket = {d}/run/smcal.sock\n"
            "state_dir = {d}/state\n"
            "timezone = {z}\n"
            "webhook = {w}\n"
            "catchup = {c}\n"
            "log_level = info\n\n"
            "[reminders]\n"
            "lead = none\n"
            "overdue = 1h\n\n"
            "[platform:instagram]\n\n"
            "[type:informative]\n\n").format(d=d, z=zone, w=webhook,
                                              c=catchup)


def webhook_section(name, keys):
    return "[webhook:%s]\n%s\n" % (name, "".join(
        "%s = %s\n" % kv for kv in keys.items()))


def paris_iso(t):
    """An instant as smcald writes it in Paris: RFC 3339 with the offset."""
    return datetime.datetime.fromtimestamp(t, PARIS).isoformat()


def french_date(t):
    """%A %e %B à %H:%M in fr_FR.UTF-8, Paris time."""
    local = datetime.datetime.fromtimestamp(t, PARIS)
    return "%s %2d %s à %02d:%02d" % (
        wt.FR_DAYS[local.weekday()], local.day,
        wt.FR_MONTHS[local.month - 1], local.hour, local.minute)


def count(dm, pattern):
    return len(re.findall(pattern, dm.text()))


# ---------------------------------------------------------------------------


def s_french():
    d = scenario_dir("french")
    os.makedirs(os.path.join(d, "run"))
    secret = new_secret()
    rx = Receiver(d, [secret])

    def hook(path, fmt, **kw):
        keys = {"url": rx.base + path, "format": fmt, "secret": secret,
                "events": "post.due"}
        keys.update(kw)
        return keys

    fr = {"locale": "fr_FR.UTF-8", "timezone": "Europe/Paris",
          "date_format": "%A %e %B à %H:%M"}
    hooks = [
        ("fr-slack", hook("/slack/fr", "slack", **fr)),
        ("fr-discord", hook("/ok/frdiscord", "discord", **fr)),
        ("fr-ntfy", hook("/ntfy/fr-topic", "ntfy", **fr)),
        ("en-slack", hook("/slack/en", "slack")),
        ("bad", hook("/slack/bad", "slack", locale="xx_XX.UTF-8")),
        ("tpl", hook("/ok/tpl", "template", timezone="Europe/Paris",
                     template='{"event": "{{event}}", "type": "{{type}}", '
                              '"at": "{{publish_at_iso}}", '
                              '"sched": "{{scheduled_at_iso}}"}')),
    ]
    due = wt.now() + 4 * TS
    cal = os.path.join(d, "cal.ics")
    plat = ["X-SMCAL-PLATFORM:instagram"]
    write(cal, vcalendar([
        vevent("p-frs", due, "Lancement", ["X-SMCAL-WEBHOOK:fr-slack"] + plat),
        vevent("p-frd", due, "Lancement *web*",
               ["X-SMCAL-WEBHOOK:fr-discord",
                "URL:https://example.com/lancement"]),
        vevent("p-frn", due, "", ["X-SMCAL-WEBHOOK:fr-ntfy"]),
        vevent("p-en", due, "Launch", ["X-SMCAL-WEBHOOK:en-slack"] + plat),
        vevent("p-bad1", due, "Bad 1", ["X-SMCAL-WEBHOOK:bad"]),
        vevent("p-bad2", due, "Bad 2", ["X-SMCAL-WEBHOOK:bad"]),
        vevent("p-bad3", due + 1, "Bad 3", ["X-SMCAL-WEBHOOK:bad"]),
        vevent("p-tpl", due, "Template",
               ["X-SMCAL-WEBHOOK:tpl", "X-SMCAL-TYPE:informative"]),
    ]))
    conf = daemon_head(d)
    conf += ("[calendar:main]\npath = %s\nwebhooks = %s\n\n" %
             (cal, ", ".join(n for n, _ in hooks)))
    conf += "".join(webhook_section(n, k) for n, k in hooks)
    write(os.path.join(d, "smcal.conf"), conf)
    dm = Daemon(d).start()
    ids = event_ids_wait(d, 8)
    when = french_date(due)

    # -- slack in French: « », no-break spaces, French date
    sl = rx.wait("/slack/fr", 1, 10, "the French Slack message")
    check_request(sl[0], ids, "p-frs")
    text = json.loads(sl[0]["body"]).get("text", "") if sl[0]["json"] else ""
    want = ("À publier maintenant" + NBSP + ": «" + NBSP + "Lancement" +
            NBSP + "» sur instagram (" + when + ").")
    expect(text == want, "French Slack text %r, expected %r" % (text, want))

    # -- discord in French, markdown still escaped, URL as <URL>
    dc = rx.wait("/ok/frdiscord", 1, 10, "the French Discord message")
    check_request(dc[0], ids, "p-frd")
    content = (json.loads(dc[0]["body"]).get("content", "")
               if dc[0]["json"] else "")
    want = ("À publier maintenant" + NBSP + ": «" + NBSP +
            "Lancement \\*web\\*" + NBSP + "» (" + when + ").\n"
            "<https://example.com/lancement>")
    expect(content == want, "French Discord content %r, expected %r" %
           (content, want))

    # -- ntfy in French: the body, and "(sans titre)" as the Title
    nt = rx.wait("/ntfy/fr-topic", 1, 10, "the French ntfy message")
    check_request(nt[0], ids, "p-frn")
    want = ("À publier maintenant" + NBSP + ": «" + NBSP + "(sans titre)" +
            NBSP + "» (" + when + ").")
    expect(nt[0]["body"] == want, "French ntfy body %r, expected %r" %
           (nt[0]["body"], want))
    expect(nt[0]["headers"].get("title") == "(sans titre)",
           "French ntfy Title %r" % nt[0]["headers"].get("title"))

    # -- English without a locale
    en = rx.wait("/slack/en", 1, 10, "the English Slack message")
    check_request(en[0], ids, "p-en")
    text = json.loads(en[0]["body"]).get("text", "") if en[0]["json"] else ""
    want = "Due now: “Launch” on instagram (%s)." % time.strftime(
        "%Y-%m-%d %H:%M UTC", time.gmtime(due))
    expect(text == want, "English Slack text %r, expected %r" % (text, want))

    # -- the template: the event type, the content type, RFC 3339 in Paris
    tp = rx.wait("/ok/tpl", 1, 10, "the template")
    check_request(tp[0], ids, "p-tpl")
    body = json.loads(tp[0]["body"]) if tp[0]["json"] else {}
    want = {"event": "post.due", "type": "informative", "at": paris_iso(due),
            "sched": paris_iso(due)}
    expect(body == want, "template body %r, expected %r" % (body, want))

    # -- a locale that is not installed: English, and one warning per
    # problem for its three messages
    bad = rx.wait("/slack/bad", 3, 10, "the three messages of 'bad'")
    for e in bad:
        text = json.loads(e["body"]).get("text", "") if e["json"] else ""
        expect(re.match(r"^Due now: “Bad \d” \(", text),
               "'bad' text is not English: %r" % text)
    wait_outbox(d, "bad", all_status("delivered", 3), 5, "bad delivered")
    not_installed = r"webhook bad: locale xx_XX\.UTF-8 is not installed"
    no_catalogue = (r"webhook bad: no translation of smcal's messages for "
                    r"locale xx_XX\.UTF-8 \(no smcal\.mo for xx_XX or xx in ")
    expect(count(dm, not_installed) == 1,
           "'is not installed' said %d times for three messages, expected "
           "once:\n%s" % (count(dm, not_installed), dm.tail()))
    expect(count(dm, no_catalogue) == 1,
           "'no translation' said %d times, expected once" %
           count(dm, no_catalogue))
    # The French webhooks have their catalogue and their locale.
    expect(count(dm, r"webhook fr-\S+: (locale|no translation)") == 0,
           "warnings about the French webhooks:\n%s" % dm.tail())
    # A reload says it again, once.
    dm.proc.send_signal(signal.SIGHUP)
    dm.wait_log(r"smcald: info: reloaded: 8 posts in 1 calendar\b", 10,
                "the reload")
    expect(count(dm, not_installed) == 2 and count(dm, no_catalogue) == 2,
           "after one reload: 'is not installed' x%d, 'no translation' x%d;"
           " expected 2 each" % (count(dm, not_installed),
                                 count(dm, no_catalogue)))
    dm.stop()
    rx.stop()


def event_ids_wait(d, n):
    """The event log's ids once it holds n events."""
    path = os.path.join(d, "state", "events.jsonl")
    return wt.wait_for(lambda: (lambda ids: ids if len(ids) >= n else None)(
        event_ids(path)), 10 + 4 * TS, "%d events in the event log" % n)


def check_stamps(dm, zone):
    """Every line starts with an RFC 3339 timestamp with milliseconds, in
    zone's offset at that instant, close to now."""
    # Valgrind's own lines (under make valgrind) are not smcald's.
    lines = [x for x in dm.text().splitlines()
             if not re.match(r"^==\d+==", x)]
    check(lines, "the daemon logged nothing")
    for line in lines:
        m = STAMP_RE.match(line)
        if not expect(m, "a line without its timestamp: %r" % line):
            continue
        t = datetime.datetime.fromisoformat(m.group(1))
        want = datetime.datetime.fromtimestamp(t.timestamp(), zone)
        expect(t.utcoffset() == want.utcoffset(),
               "timestamp %s: offset is not Europe/Paris's (%s)" %
               (m.group(1), want.isoformat()))
        expect(abs(t.timestamp() - time.time()) < 300 * wt.TM,
               "timestamp %s is far from now" % m.group(1))
    return lines


def s_logtimes():
    d = scenario_dir("logtimes")
    os.makedirs(os.path.join(d, "run"))
    cal = os.path.join(d, "cal.ics")
    conf = os.path.join(d, "smcal.conf")
    t0 = wt.now()
    first = t0 + 3 * TS
    write(cal, vcalendar([vevent("first", first, "First")]))
    write(conf, daemon_head(d, zone="Europe/Paris") +
          "[calendar:main]\npath = %s\n" % cal)
    dm = Daemon(d).start()
    dm.wait_log(r"smcald: info: event \{", 10 + 3 * TS, "the first post")
    lines = check_stamps(dm, PARIS)
    loaded = [x for x in lines if "loaded" in x]
    m = re.search(r"loaded 1 post in 1 calendar \(1 series\); events since "
                  r"(\S+) not yet fired or recorded are decided now$",
                  loaded[0] if loaded else "")
    expect(m, "the start-up line: %r" % loaded)
    if m:
        # First start: the catch-up window (1h) and the day of lookback
        # (SM_SCHED_LOOKBACK) back from now.
        at = datetime.datetime.fromisoformat(m.group(1))
        expect(m.group(1) == paris_iso(at.timestamp()),
               "events since %s: not RFC 3339 in Paris" % m.group(1))
        expect(abs(at.timestamp() - (t0 - 3600 - 86400)) < 60 * wt.TM,
               "events since %s, expected about %s" %
               (m.group(1), paris_iso(t0 - 3600 - 86400)))
    dm.stop()

    # Down while "gone" was due, with catchup = 0: missed, and said so with
    # its time in Paris.
    t_stop = wt.now()
    gone = t_stop + 2
    write(cal, vcalendar([vevent("first", first, "First"),
                          vevent("gone", gone, "Gone")]))
    write(conf, daemon_head(d, zone="Europe/Paris", catchup="0") +
          "[calendar:main]\npath = %s\n" % cal)
    # Past the 2 s within which an event still counts as on time.
    wt.sleep_until(gone + 3.5)
    dm.start()
    dm.wait_log(r"missed: post\.due gone ", 10, "the missed line")
    lines = check_stamps(dm, PARIS)
    missed = [x for x in lines if "missed: post.due gone" in x]
    want = ("missed: post.due gone %s at %s: past the catch-up window of "
            "0s, not fired" % (time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                             time.gmtime(gone)),
                               paris_iso(gone)))
    expect(len(missed) == 1 and missed[0].endswith(want),
           "missed line %r, expected it to end with %r" % (missed, want))
    loaded = [x for x in lines if "loaded" in x]
    m = re.search(r"loaded 2 posts in 1 calendar \(2 series\); events since "
                  r"(\S+) not yet fired or recorded are decided now$",
                  loaded[0] if loaded else "")
    expect(m, "the restart line: %r" % loaded)
    if m:
        # The earlier of what the first run processed (+ 1 s) and the
        # lookback (a day before now, catchup being 0).
        at = datetime.datetime.fromisoformat(m.group(1)).timestamp()
        expect(m.group(1) == paris_iso(at) and
               abs(at - (t_stop - 86400)) < 60 * wt.TM,
               "events since %s, expected about %s" %
               (m.group(1), paris_iso(t_stop - 86400)))
    expect(not re.search(r"\b1[0-9]{9}\b", "\n".join(lines)),
           "an epoch number in the log:\n%s" % dm.tail())
    dm.stop()


class StreamDaemon(Daemon):
    """smcald with JOURNAL_STREAM set, as systemd starts it; foreground
    (-f) or not."""

    def __init__(self, d, foreground):
        Daemon.__init__(self, d, "smcald-fg" if foreground else "smcald")
        self.foreground = foreground

    def start(self):
        check(self.proc is None, "daemon already running")
        self.mark = (os.path.getsize(self.log)
                     if os.path.exists(self.log) else 0)
        env = dict(os.environ, JOURNAL_STREAM="8:12345")
        logf = open(self.log, "ab")
        args = [wt.SMCALD] + (["-f"] if self.foreground else [])
        self.proc = subprocess.Popen(
            wt.VG + args + ["-c", self.conf], env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=logf)
        logf.close()
        wt.running.append(self)
        self.wait_log(r"loaded 1 post in 1 calendar", 10, "start-up")
        return self


def s_journal():
    for fg, prefix in ((False, r"<[0-7]>"), (True, r"smcald: \w+: ")):
        d = scenario_dir("journal-fg" if fg else "journal")
        os.makedirs(os.path.join(d, "run"))
        cal = os.path.join(d, "cal.ics")
        write(cal, vcalendar([vevent("p", wt.now() + 2 * TS, "Post")]))
        write(os.path.join(d, "smcal.conf"),
              daemon_head(d, zone="Europe/Paris") +
              "[calendar:main]\npath = %s\n" % cal)
        dm = StreamDaemon(d, fg).start()
        dm.wait_log(r"event \{", 10 + 2 * TS, "the post")
        lines = [x for x in dm.text().splitlines()
                 if not re.match(r"^==\d+==", x)]
        bad = [x for x in lines if not re.match(prefix, x)]
        expect(not bad, "under the journal (-f: %s), lines not starting "
               "with %s: %r" % (fg, prefix, bad))
        stamped = [x for x in lines if re.search(r"^\S*\d{4}-\d\d-\d\dT", x)]
        expect(not stamped, "timestamps under the journal: %r" % stamped)
        dm.stop()


def s_installed():
    installed = os.environ.get("SMCAL_INSTALLED_SMCALD")
    check(installed and os.access(installed, os.X_OK),
          "no installed smcald (SMCAL_INSTALLED_SMCALD=%r)" % installed)
    d = scenario_dir("installed")
    os.makedirs(os.path.join(d, "run"))
    secret = new_secret()
    rx = Receiver(d, [secret])
    due = wt.now() + 3 * TS
    cal = os.path.join(d, "cal.ics")
    write(cal, vcalendar([vevent("p", due, "Soldes", ["X-SMCAL-WEBHOOK:fr"])]))
    conf = daemon_head(d) + "[calendar:main]\npath = %s\nwebhooks = fr\n\n" \
        % cal
    conf += webhook_section("fr", {
        "url": rx.base + "/slack/installed", "format": "slack",
        "secret": secret, "events": "post.due", "locale": "fr_FR.UTF-8",
        "timezone": "Europe/Paris", "date_format": "%A %e %B à %H:%M"})
    write(os.path.join(d, "smcal.conf"), conf)
    saved = wt.SMCALD
    wt.SMCALD = installed
    try:
        dm = Daemon(d).start()
    finally:
        wt.SMCALD = saved
    sl = rx.wait("/slack/installed", 1, 10, "the installed daemon's message")
    text = json.loads(sl[0]["body"]).get("text", "") if sl[0]["json"] else ""
    want = ("À publier maintenant" + NBSP + ": «" + NBSP + "Soldes" + NBSP +
            "» (" + french_date(due) + ").")
    expect(text == want, "installed smcald's text %r, expected %r" %
           (text, want))
    expect(not re.search(r"no translation", dm.text()),
           "the installed smcald found no catalogue:\n%s" % dm.tail())
    dm.stop()
    rx.stop()


SCENARIOS = [
    ("french", s_french),
    ("logtimes", s_logtimes),
    ("journal", s_journal),
    ("installed", s_installed),
]


def main(argv):
    chosen = argv[1:] or [n for n, _ in SCENARIOS]
    names = dict(SCENARIOS)
    unknown = [c for c in chosen if c not in names]
    if unknown:
        print("unknown scenario(s): %s; known: %s" %
              (" ".join(unknown), " ".join(names)), file=sys.stderr)
        return 2
    failed = []
    t_all = time.monotonic()
    for name in chosen:
        t0 = time.monotonic()
        del wt.created[:]
        del wt.problems[:]
        err = None
        try:
            names[name]()
        except Exception as e:  # Fail, or a bug of the test itself
            err = e
        finally:
            for p in list(wt.running):
                if p.proc is not None and p.proc.poll() is None:
                    p.proc.kill()
                    p.proc.wait()
                if isinstance(p, Daemon):
                    p.scan()
                    p.proc = None
                wt.running.remove(p)
        took = time.monotonic() - t0
        if err is None and not wt.problems:
            print("ok   %-10s %5.1fs" % (name, took))
            continue
        failed.append(name)
        print("FAIL %-10s %5.1fs" % (name, took), file=sys.stderr)
        for p in wt.problems:
            print("  - %s" % p, file=sys.stderr)
        if err is not None:
            print("  - %s" % err, file=sys.stderr)
            if not isinstance(err, Fail):
                traceback.print_exception(err)
        for dm in wt.created:
            print("  --- daemon stderr (%s), last lines:\n%s" %
                  (dm.log, dm.tail()), file=sys.stderr)
    for f in wt.findings:
        print("SANITIZER/VALGRIND finding:\n%s" % f, file=sys.stderr)
    print("i18n tests: %d run, %d failed, %d findings, %.1fs" %
          (len(chosen), len(failed), len(wt.findings),
           time.monotonic() - t_all))
    return 1 if failed or wt.findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
