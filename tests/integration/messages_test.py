#!/usr/bin/env python3
"""Hostile calendar text against the real daemon (run by messages.sh).

Issue 13, items 3 to 6: calendar text is written by many people, so a post
must reach its receivers as text, never as markup, mentions, extra headers
or extra log lines, and only through routes its calendar is allowed.  The
real smcald fires posts due a few seconds ahead (UTC) to
webhook_receiver.mjs (Node, every Standard Webhooks signature verified by
the npm verifier); the receiver logs one JSON line per request.  Helpers
come from smcal_it.py.

Scenarios:
  formats   slack (&, <, > as entities: no <!channel>, no <url|text>),
            discord (markdown escaped, URL as <URL>), ntfy (Title as RFC
            2047 words decoding to the exact title, no Click for
            javascript:), an HTML template (entities); the daemon's own
            log stays one line per message
  journal   smcald under a journal (JOURNAL_STREAM, no -f): a title holding
            "\\n<2>smcald: ..." never becomes a line of its own, so never a
            critical entry
  routing   an agency's daemon: client A's post naming client B's webhook
            is delivered along A's route, never to B's endpoint, with a log
            line; smctl lint -c (file matched to its [calendar:*], or
            --calendar) and smcald --check report it

Usage: messages_test.py [SCENARIO...]   (default: all)
"""
import email.header
import json
import os
import re
import sys

from smcal_it import (SMCALD, TS, Daemon, Receiver, all_status, check_request,
                      conf_text, event_ids, expect, new_secret, now, outbox,
                      run_cmd, run_scenarios, scenario_dir, smctl, vcalendar,
                      vevent, wait_outbox, write)

SLACK_TITLE = ("<!channel> <!everyone> <@U0123ABC> "
               "<http://evil.example/x|click me> a&b")
DISCORD_TITLE = ("[click me](https://evil.example/x) ||hidden|| **b** "
                 "<@123> @everyone")
NTFY_TITLE = "Café =?utf-8?q?=0AX-Evil:_1?= done"
HTML_TITLE = '<script>alert("x")</script> & co\'s'
LOG_TITLE = "Launch\n<2>smcald: forged critical line"


def decode_2047(value):
    """A header value as ntfy reads it (RFC 2047 words decoded)."""
    out = ""
    for part, charset in email.header.decode_header(value):
        out += (part.decode(charset or "ascii", "replace")
                if isinstance(part, bytes) else part)
    return out


def log_lines(dm):
    """smcald's log lines without the timestamp that starts each one away
    from the journal."""
    return [re.sub(r"^\d{4}-\d\d-\d\dT\S+ (?=smcald: )", "", x)
            for x in dm.text().splitlines()]


# ---------------------------------------------------------------------------


def s_formats():
    d = scenario_dir("formats")
    os.makedirs(os.path.join(d, "run"))
    secret = new_secret()
    rx = Receiver(d, [secret])

    def hook(path, fmt, **kw):
        keys = {"url": rx.base + path, "format": fmt, "secret": secret,
                "events": "post.due"}
        keys.update(kw)
        return keys

    hooks = [
        ("slack", hook("/slack/msg", "slack")),
        ("discord", hook("/ok/discord", "discord")),
        ("ntfy", hook("/ntfy/msg-topic", "ntfy")),
        ("html", hook("/ok/html", "template",
                      content_type='"text/html; charset=utf-8"',
                      template='<p title="{{title}}">{{title}}</p>'
                               '<a href="{{url}}">link</a>')),
    ]
    due = now() + 4 * TS
    cal = os.path.join(d, "cal.ics")
    write(cal, vcalendar([
        vevent("p-slack", due, SLACK_TITLE, "slack",
               ["X-SMCAL-PLATFORM:<!here>",
                "URL:https://example.com/?a=1&b=<2>"]),
        vevent("p-discord", due, DISCORD_TITLE, "discord",
               ["URL:https://example.com/p_(1)"]),
        vevent("p-ntfy", due, NTFY_TITLE, "ntfy",
               ["X-SMCAL-PLATFORM:instagram", "URL:javascript:alert(1)"]),
        vevent("p-html", due, HTML_TITLE, "html",
               ['URL:https://example.com/"><script>x</script>']),
        vevent("p-log", due, LOG_TITLE, "slack"),
    ]))
    # The one calendar is allowed every webhook.
    write(os.path.join(d, "smcal.conf"), conf_text(d, cal, hooks))
    dm = Daemon(d).start()
    ev_log = os.path.join(d, "state", "events.jsonl")

    # -- slack: the title, platform and URL as text
    sl = rx.wait("/slack/msg", 2, 10, "two posts to slack")
    ids = event_ids(ev_log)
    texts = {}
    for e in sl:
        body = json.loads(e["body"]) if e["json"] else {}
        text = body.get("text", "")
        uid = "p-log" if "Launch" in text else "p-slack"
        check_request(e, ids, uid)
        texts[uid] = text
    text = texts.get("p-slack", "")
    want = ("Due now: “&lt;!channel&gt; &lt;!everyone&gt; &lt;@U0123ABC&gt; "
            "&lt;http://evil.example/x|click me&gt; a&amp;b” on "
            "&lt;!here&gt; (")
    expect(text.startswith(want), "slack text %r does not start with %r" %
           (text, want))
    expect(text.endswith("\nhttps://example.com/?a=1&amp;b=&lt;2&gt;"),
           "slack URL line: %r" % text)
    expect("<" not in text and ">" not in text,
           "slack text keeps a control sequence: %r" % text)

    # -- discord: markdown shown as typed, the URL as <URL>
    dc = rx.wait("/ok/discord", 1, 10, "discord")
    check_request(dc[0], ids, "p-discord")
    body = json.loads(dc[0]["body"]) if dc[0]["json"] else {}
    content = body.get("content", "")
    expect(content.startswith(
        "Due now: “\\[click me\\]\\(https://evil.example/x\\) "
        "\\|\\|hidden\\|\\| \\*\\*b\\*\\* \\<@123\\> @everyone” ("),
        "discord content %r" % content)
    expect(content.endswith("\n<https://example.com/p_(1)>"),
           "discord URL line: %r" % content)
    expect(body.get("allowed_mentions") == {"parse": []},
           "discord allowed_mentions %r" % body.get("allowed_mentions"))

    # -- ntfy: ntfy decodes RFC 2047 words; the title decodes to itself
    nt = rx.wait("/ntfy/msg-topic", 1, 10, "ntfy")
    check_request(nt[0], ids, "p-ntfy")
    h = nt[0]["headers"]
    title = h.get("title", "")
    expect(title.startswith("=?UTF-8?B?") and title.isascii(),
           "ntfy Title not sent as RFC 2047 words: %r" % title)
    expect(decode_2047(title) == NTFY_TITLE, "ntfy Title decodes to %r, "
           "expected %r" % (decode_2047(title), NTFY_TITLE))
    expect("click" not in h, "ntfy Click for a javascript: URL: %r" %
           h.get("click"))
    expect(h.get("tags") == "instagram", "ntfy Tags %r" % h.get("tags"))
    expect(NTFY_TITLE in nt[0]["body"],
           "ntfy body lost the title: %r" % nt[0]["body"])

    # -- HTML template: entities
    ht = rx.wait("/ok/html", 1, 10, "the HTML template")
    check_request(ht[0], ids, "p-html")
    esc = ("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
           "co&#39;s")
    want = ('<p title="%s">%s</p><a href="https://example.com/&quot;&gt;'
            '&lt;script&gt;x&lt;/script&gt;">link</a>' % (esc, esc))
    expect(ht[0]["body"] == want, "HTML template body %r, expected %r" %
           (ht[0]["body"], want))
    expect(ht[0]["headers"].get("content-type") ==
           "text/html; charset=utf-8", "HTML content-type %r" %
           ht[0]["headers"].get("content-type"))

    for name in ("slack", "discord", "ntfy", "html"):
        wait_outbox(d, name, all_status("delivered"), 5,
                    "%s delivered" % name)

    # -- the daemon's own log: every line is one of smcald's
    dm.wait_log(r"forged critical", 5, "the log line of p-log")
    bad = [x for x in log_lines(dm) if not x.startswith("smcald: ")]
    expect(not bad, "log lines not written by smcald's logger: %r" % bad)
    expect(any("Launch\\n<2>smcald: forged critical line" in x
               for x in log_lines(dm)),
           "the escaped title is not in the log:\n%s" % dm.tail())
    dm.stop()
    rx.stop()


def s_journal():
    d = scenario_dir("journal")
    os.makedirs(os.path.join(d, "run"))
    secret = new_secret()
    rx = Receiver(d, [secret])
    due = now() + 4 * TS
    cal = os.path.join(d, "cal.ics")
    # A title that forges a critical entry, with a terminal escape and a
    # bidi override for good measure; routed to a webhook, whose log line
    # names the title.
    title = LOG_TITLE + " \x1b[2J \u202e"
    write(cal, vcalendar([vevent("p-j", due, title)]))
    write(os.path.join(d, "smcal.conf"), conf_text(
        d, [("main", cal)], [("hook", {"url": rx.base + "/ok/journal",
                                       "secret": secret,
                                       "events": "post.due"})],
        daemon={"webhook": "hook"}))
    # smcald as systemd runs it: no -f, JOURNAL_STREAM set, so each line
    # starts with the journal's "<N>" priority.
    dm = Daemon(d, foreground=False, env={"JOURNAL_STREAM": "8:12345"})
    dm.start()
    rx.wait("/ok/journal", 1, 10, "the post")
    dm.wait_log(r"to webhook hook", 5, "the routing log line")
    lines = log_lines(dm)
    prio = re.compile(r"^<([0-7])>")
    stray = [x for x in lines if not prio.match(x)]
    crit = [x for x in lines if prio.match(x) and int(x[1]) <= 2]
    expect(not stray, "lines without a journal priority: %r" % stray)
    expect(not crit, "critical (or worse) journal lines: %r" % crit)
    line = [x for x in lines if "forged critical" in x]
    expect(len(line) == 1 and line[0].startswith("<6>") and
           "Launch\\n<2>smcald: forged critical line \\x1b[2J \\u202e" in
           line[0], "the title's log line: %r" % line)
    dm.stop()
    rx.stop()


def s_routing():
    d = scenario_dir("routing")
    os.makedirs(os.path.join(d, "run"))
    secret = new_secret()
    rx = Receiver(d, [secret])
    due = now() + 4 * TS
    cal_a = os.path.join(d, "clienta.ics")
    cal_b = os.path.join(d, "clientb.ics")
    write(cal_a, vcalendar([
        vevent("pa-evil", due, "Client A, sent to B", "clientb-publisher"),
        vevent("pa-own", due, "Client A's own post"),
    ]))
    write(cal_b, vcalendar([vevent("pb-own", due, "Client B's post")]))
    conf_path = write(os.path.join(d, "smcal.conf"), conf_text(
        d, [("clienta", cal_a, {"webhook": "clienta-publisher"}),
            ("clientb", cal_b, {"webhook": "clientb-publisher"})],
        [(name, {"url": rx.base + path, "secret": secret,
                 "events": "post.due"})
         for name, path in (("clienta-publisher", "/ok/clienta"),
                            ("clientb-publisher", "/ok/clientb"))]))

    def lint(*args):
        rc, out, err = smctl("-c", conf_path, "lint", *args)
        return rc, out + err

    # -- offline first: lint and --check know the calendar's allowlist
    rc, out = lint(cal_a)
    expect(rc == 1 and "X-SMCAL-WEBHOOK clientb-publisher is not allowed "
           "in calendar clienta" in out,
           "smctl lint of client A's calendar: exit %d:\n%s" % (rc, out))
    rc, out = lint(cal_b)
    expect(rc == 0, "smctl lint of client B's calendar: exit %d:\n%s" %
           (rc, out))
    rc, out = lint("--calendar", "clientb", cal_a)
    expect(rc == 0, "smctl lint --calendar clientb: exit %d:\n%s" %
           (rc, out))
    other = os.path.join(d, "copy.ics")
    write(other, open(cal_a).read())
    rc, out = lint(other)
    expect(rc == 0 and "not the path of any [calendar:NAME]" in out,
           "smctl lint of a file no calendar loads: exit %d:\n%s" %
           (rc, out))
    rc, out = lint("--calendar", "nosuch", cal_a)
    expect(rc == 2 and "no [calendar:nosuch] section" in out,
           "smctl lint --calendar nosuch: exit %d:\n%s" % (rc, out))
    rc, _, err = run_cmd([SMCALD, "-c", conf_path, "--check"])
    expect(rc == 78 and "X-SMCAL-WEBHOOK clientb-publisher is not "
           "allowed in calendar clienta" in err,
           "smcald --check: exit %d:\n%s" % (rc, err))

    # -- firing: A's override is refused, A's route is used
    dm = Daemon(d).start()
    a = rx.wait("/ok/clienta", 2, 10, "client A's two posts")
    b = rx.wait("/ok/clientb", 1, 10, "client B's post")
    ids = event_ids(os.path.join(d, "state", "events.jsonl"))
    wait_outbox(d, "clienta-publisher", all_status("delivered", 2), 5,
                "client A's deliveries")
    wait_outbox(d, "clientb-publisher", all_status("delivered", 1), 5,
                "client B's delivery")
    uids = sorted(json.loads(e["body"])["post"]["uid"] for e in a)
    expect(uids == ["pa-evil", "pa-own"], "client A's endpoint got %s" %
           uids)
    for e in a:
        check_request(e, ids, json.loads(e["body"])["post"]["uid"])
    # Still nothing more for B once everything is delivered.
    b = rx.entries("/ok/clientb")
    uids = [json.loads(e["body"])["post"]["uid"] for e in b]
    expect(uids == ["pb-own"], "client B's endpoint got %s" % uids)
    rows = [r["event_id"] for r in outbox(d, "clientb-publisher")]
    expect(rows == [ids.get(("post.due", "pb-own"))],
           "client B's outbox rows %s" % rows)
    dm.wait_log(r"calendar clienta may not name webhook clientb-publisher",
                5, "the refusal's log line")
    line = [x for x in log_lines(dm) if "may not name" in x]
    expect(len(line) == 1 and "pa-evil" in line[0] and
           "allows clienta-publisher" in line[0] and
           line[0].startswith("smcald: error: "),
           "refusal log line: %r" % line)
    dm.stop()
    rx.stop()


SCENARIOS = [
    ("formats", s_formats),
    ("journal", s_journal),
    ("routing", s_routing),
]


def main(argv):
    return run_scenarios("message", SCENARIOS, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
