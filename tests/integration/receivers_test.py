#!/usr/bin/env python3
"""Hostile and broken receivers against the real smcald (run by
receivers.sh; stdlib only).  Issue 13, items 7-10 and 14.

The receivers are Python loopback servers (class Server below), because
each scenario needs control below HTTP: an endless chunked body, a reset
at a precise moment, an interim 1xx response.  The daemon, the config and
calendar writers and the outbox helpers come from smcal_it.py.
Timing checks are loose bounds (seconds); the measured figures are printed.

Scenarios:
  endless     receivers answer 200 with a chunked body that never ends
              (16 KiB chunks, or one chunk extension without end, which no
              body byte ever leaves): posts due every second still fire on
              time, a healthy webhook is delivered on time, and the endless
              deliveries count as delivered (the 200 was known; the body
              stopped at the 64 KiB cap or at 0.5 s of loop time)
  keepalive   a receiver resets a kept-alive connection as the next request
              arrives: the delivery goes out again on a fresh connection
              instead of failing with "select/poll returned error"
  starvation  a hung endpoint with concurrency 64 and 70 due deliveries next
              to a healthy one: the healthy one is not delayed by the hung
              one's timeout
  interim     a Retry-After on an interim 103 response is not applied to the
              final 503 (which has none); one on the final response is
  headers     configured headers are added at send time from the current
              config: a retry after a token rotation and SIGHUP sends the new
              token; rows hold only what the format generates; a row written
              by an older smcald (configured headers inside) sends each
              header once, with the current value

Usage: receivers_test.py [SCENARIO...]   (default: all)
"""
import os
import select
import signal
import socket
import struct
import sys
import threading
import time

from smcal_it import (TM, TS, Daemon, all_status, check, conf_text,
                      db_exec, db_rows, expect, fmt_s, iso_ms_to_ms, now,
                      read_events, run_scenarios, scenario_dir, sleep_until,
                      timings, vcalendar, vevent, wait_for, wait_outbox, write)


# ---------------------------------------------------------------------------
# A loopback HTTP/1.1 server with per-path behaviours


class Server:
    """Accepts on 127.0.0.1, one thread per connection.  Each request is
    logged (time, path, raw header list, body, connection number, its
    index on that connection) and answered by routes[prefix](srv, conn,
    req), which returns True to keep the connection for another request."""

    def __init__(self, routes):
        self.routes = routes
        self.lock = threading.Lock()
        self.log = []
        self.events = []  # (time, what) noted by behaviours
        self.conns = []
        self.nconn = 0
        self.busy = {}  # route prefix -> requests being answered now
        self.max_busy = {}  # route prefix -> the most at once
        self.stopping = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]
        self.base = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.accept_loop, daemon=True)
        self.thread.start()

    def note(self, what):
        with self.lock:
            self.events.append((time.time(), what))

    def noted(self, prefix):
        with self.lock:
            return [(t, w) for t, w in self.events if w.startswith(prefix)]

    def accept_loop(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.nconn += 1
                n = self.nconn
                self.conns.append(conn)
            threading.Thread(target=self.serve, args=(conn, n),
                             daemon=True).start()

    def serve(self, conn, n):
        buf = bytearray()
        k = 0
        try:
            while not self.stopping.is_set():
                req = read_request(conn, buf)
                if req is None:
                    break
                k += 1
                req.update(conn=n, index=k, time=time.time())
                with self.lock:
                    self.log.append(req)
                fn = None
                for prefix, f in self.routes.items():
                    if req["path"].startswith(prefix):
                        fn = f
                        break
                if fn is None:
                    send(conn, b"HTTP/1.1 404 Not Found\r\n"
                         b"Content-Length: 0\r\n\r\n")
                    continue
                with self.lock:
                    self.busy[prefix] = self.busy.get(prefix, 0) + 1
                    self.max_busy[prefix] = max(self.busy[prefix],
                                                self.max_busy.get(prefix, 0))
                try:
                    keep = fn(self, conn, req)
                finally:
                    with self.lock:
                        self.busy[prefix] -= 1
                if not keep:
                    break
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def requests(self, prefix):
        with self.lock:
            return [r for r in self.log if r["path"].startswith(prefix)]

    def wait(self, prefix, n, timeout, what):
        def pred():
            got = self.requests(prefix)
            return got if len(got) >= n else None
        return wait_for(pred, timeout, "%s (%d requests to %s)" %
                        (what, n, prefix))

    def stop(self):
        self.stopping.set()
        try:
            self.sock.close()
        except OSError:
            pass
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def read_request(conn, buf):
    """One request from the connection (buf keeps what was read beyond
    it): a dict with method, path, headers [(name, value)], body; None at
    the end of the connection."""
    while b"\r\n\r\n" not in buf:
        try:
            data = conn.recv(65536)
        except OSError:
            return None
        if not data:
            return None
        buf += data
        if len(buf) > 1 << 20:
            return None
    end = buf.index(b"\r\n\r\n")
    head = bytes(buf[:end]).decode("latin-1").split("\r\n")
    del buf[:end + 4]
    method, path, _ = head[0].split(" ", 2)
    headers = []
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    length = int(header(headers, "content-length") or 0)
    while len(buf) < length:
        data = conn.recv(65536)
        if not data:
            return None
        buf += data
    body = bytes(buf[:length])
    del buf[:length]
    return {"method": method, "path": path, "headers": headers,
            "body": body.decode("utf-8", "replace")}


def header(headers, name):
    vals = header_all(headers, name)
    return vals[0] if vals else None


def header_all(headers, name):
    return [v for n, v in headers if n.lower() == name.lower()]


def send(conn, data):
    conn.sendall(data)


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def r_ok(srv, conn, req):
    send(conn, OK)
    return True


def r_hang(srv, conn, req):
    """Never answers; holds the connection until the daemon gives up."""
    while not srv.stopping.is_set():
        r, _, _ = select.select([conn], [], [], 0.2)
        if r:
            try:
                if not conn.recv(65536):
                    return False
            except OSError:
                return False
    return False


def r_endless(srv, conn, req):
    """200, then a chunked body as fast as the socket takes it, forever:
    /endless/body sends 16 KiB chunks; /endless/ext one chunk whose size
    line never ends (a chunk extension: "1;xxxx..."), so that no body byte
    ever reaches the client's write callback."""
    send(conn, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
         b"Transfer-Encoding: chunked\r\n\r\n")
    if req["path"].startswith("/endless/ext"):
        send(conn, b"1;")
        chunk = b"x" * 0x4000
    else:
        chunk = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
    sent = 0
    t0 = time.time()
    try:
        while not srv.stopping.is_set():
            conn.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    srv.note("endless %s closed after %d bytes, %.2f s" %
             (req["path"], sent, time.time() - t0))
    return False


def r_race(srv, conn, req):
    """Answers the first request of a connection and keeps it open (no
    Connection: close); when the next request arrives on it, the server
    gives up on the connection at that very moment: closed with a reset,
    the request unread (an idle timeout firing as the request comes in)."""
    if req["index"] == 1:
        send(conn, OK)
        while not srv.stopping.is_set():
            r, _, _ = select.select([conn], [], [], 0.2)
            if r:
                break
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        srv.note("reset conn %d" % req["conn"])
        return False
    return False


def r_interim_early(srv, conn, req):
    """A 103 with Retry-After: 3000, then a 503 without one."""
    send(conn, b"HTTP/1.1 103 Early Hints\r\nRetry-After: 3000\r\n"
         b"Link: </x.css>; rel=preload\r\n\r\n"
         b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
    return True


def r_interim_final(srv, conn, req):
    """A 103 without Retry-After, then a 503 with Retry-After: 2."""
    send(conn, b"HTTP/1.1 103 Early Hints\r\nLink: </x.css>\r\n\r\n"
         b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\n"
         b"Content-Length: 0\r\n\r\n")
    return True


def r_fail_first(srv, conn, req):
    """500 for the first request to this exact path, then 200."""
    n = len([r for r in srv.requests(req["path"])
             if r["path"] == req["path"]])
    if n <= 1:
        send(conn, b"HTTP/1.1 500 Internal Server Error\r\n"
             b"Content-Length: 0\r\n\r\n")
    else:
        send(conn, OK)
    return True


# ---------------------------------------------------------------------------
# Calendars


def hook(url, **kw):
    keys = {"url": url, "format": "json", "events": "post.due"}
    keys.update(kw)
    return keys


def lateness_of(ev_log, uids):
    """Seconds between scheduled_at and fired_at of the posts' due events."""
    out = {}
    for e in read_events(ev_log):
        if e["type"] == "post.due" and e["post"]["uid"] in uids:
            out[e["post"]["uid"]] = (iso_ms_to_ms(e["fired_at"]) -
                                     iso_ms_to_ms(e["scheduled_at"])) / 1000.0
    return out


# ---------------------------------------------------------------------------
# Scenario: an endless body


def s_endless():
    d = scenario_dir("endless")
    os.makedirs(os.path.join(d, "run"))
    srv = Server({"/endless": r_endless, "/ok": r_ok})
    webhooks = [
        ("endless", hook(srv.base + "/endless/body", timeout="6s",
                         backoff="1m", max_attempts=2)),
        ("flood", hook(srv.base + "/endless/ext", timeout="6s",
                       backoff="1m", max_attempts=2)),
        ("healthy", hook(srv.base + "/ok", timeout="5s", max_attempts=1)),
    ]
    due = now() + 4 * TS
    logged = ["tick%d" % i for i in range(1, 9)]
    cal = os.path.join(d, "cal.ics")
    write(cal, vcalendar(
        [vevent("p-%s%d" % (w, i), due, "Endless %d" % i, w)
         for i in range(2) for w in ("endless", "flood")] +
        [vevent("p-healthy", due + 2, "Healthy", "healthy")] +
        [vevent(u, due + i, "Tick %d" % i)  # no webhook: the log sink
         for i, u in enumerate(logged, 1)]))
    write(os.path.join(d, "smcal.conf"),
          conf_text(d, cal, webhooks, lead="none"))
    ev_log = os.path.join(d, "state", "events.jsonl")
    dm = Daemon(d).start()
    try:
        srv.wait("/endless", 4, 10 + 4 * TS, "the endless requests")
        sleep_until(due + len(logged) + 1.5)
        late = lateness_of(ev_log, set(logged))
        got = [late.get(u) for u in logged]
        timings.append("endless body: posts due every second fired %s "
                       "late" % fmt_s(x for x in got if x is not None))
        expect(all(x is not None for x in got),
               "posts due every second next to an endless body: only %d of "
               "%d fired within 1.5 s of the last one's instant" %
               (len([x for x in got if x is not None]), len(got)))
        worst = max((x for x in got if x is not None), default=0)
        expect(worst <= 1.5 * TM, "posts fired up to %.2f s late next to an "
               "endless body (> 1.5 s)" % worst)
        ok = srv.wait("/ok", 1, 10, "the healthy webhook")
        lag = ok[0]["time"] - (due + 2)
        timings.append("endless body: the healthy webhook received its post "
                       "%.2f s after its instant" % lag)
        expect(lag <= 2.0 * TM, "the healthy webhook received its post %.2f "
               "s after its instant (> 2 s)" % lag)
        rows = wait_outbox(d, "healthy", lambda r: r[0]["status"] != "sending"
                           and r[0]["attempts"] >= 1, 10,
                           "the healthy delivery's outcome")
        expect(rows[0]["status"] == "delivered", "the healthy delivery next "
               "to an endless body: %s (%s)" % (rows[0]["status"],
                                                 rows[0]["last_error"]))
        rows = []
        for w in ("endless", "flood"):
            rows += wait_outbox(d, w, lambda r: len(r) == 2 and all(
                x["status"] != "sending" and x["attempts"] >= 1 for x in r),
                10, "the %s deliveries' outcomes" % w)
        closed = [w for _, w in srv.noted("endless")]
        timings.append("endless body: the endless deliveries ended %s; "
                       "receiver: %s" %
                       (sorted(set((x["webhook"], x["status"],
                                    x["attempts"], x["last_status"],
                                    x["last_error"]) for x in rows)),
                        "; ".join(closed)))
        expect(all(x["status"] == "delivered" and x["last_status"] == 200
                   and x["attempts"] == 1 for x in rows),
               "a 200 whose body never ends: outbox %s, expected delivered "
               "at the first attempt (the status is known)" %
               [(x["webhook"], x["status"], x["attempts"],
                 x["last_status"], x["last_error"]) for x in rows])
        wait_for(lambda: len(srv.noted("endless")) == 4, 5,
                 "the daemon to close the endless connections")
    finally:
        if dm.alive():
            dm.stop()
        srv.stop()


# ---------------------------------------------------------------------------
# Scenario: a kept-alive connection reset as the next request arrives


def s_keepalive():
    d = scenario_dir("keepalive")
    os.makedirs(os.path.join(d, "run"))
    srv = Server({"/race": r_race})
    webhooks = [("racy", hook(srv.base + "/race", max_attempts=1))]
    due = now() + 4 * TS
    uids = ["ka1", "ka2", "ka3"]
    cal = os.path.join(d, "cal.ics")
    write(cal, vcalendar([vevent(u, due + 2 * i, "Keep-alive %d" % i, "racy")
                          for i, u in enumerate(uids)]))
    write(os.path.join(d, "smcal.conf"),
          conf_text(d, cal, webhooks, lead="none"))
    dm = Daemon(d).start()
    try:
        rows = wait_outbox(d, "racy", lambda r: len(r) == 3 and all(
            x["status"] in ("delivered", "failed") for x in r),
            10 + 4 * TS + 4, "the three deliveries' outcomes")
        resets = srv.noted("reset")
        timings.append("keep-alive reset: %d connection(s) reset as a "
                       "request arrived; outcomes %s" %
                       (len(resets), [(x["status"], x["last_error"])
                                      for x in rows]))
        check(len(resets) >= 1, "the receiver reset %d kept-alive "
              "connections: the race did not happen (the daemon did not "
              "reuse the connection)" % len(resets))
        expect(all(x["status"] == "delivered" for x in rows),
               "deliveries over a kept-alive connection reset as the request "
               "arrived: %s (curl retries those on a fresh connection)" %
               [(x["event_id"], x["status"], x["last_error"]) for x in rows])
        answered = {}
        for r in srv.requests("/race"):
            if r["index"] == 1:
                wid = header(r["headers"], "webhook-id")
                answered[wid] = answered.get(wid, 0) + 1
        expect(sorted(answered) == sorted(x["event_id"] for x in rows) and
               all(v == 1 for v in answered.values()),
               "answered requests per webhook-id: %s" % answered)
    finally:
        if dm.alive():
            dm.stop()
        srv.stop()


# ---------------------------------------------------------------------------
# Scenario: a hung endpoint with concurrency 64 next to a healthy one


def s_starvation():
    d = scenario_dir("starvation")
    os.makedirs(os.path.join(d, "run"))
    srv = Server({"/hang": r_hang, "/ok": r_ok})
    webhooks = [
        ("hung", hook(srv.base + "/hang", concurrency=64, timeout="8s",
                      max_attempts=1)),
        ("healthy", hook(srv.base + "/ok", max_attempts=1)),
    ]
    due = now() + 4 * TS
    n = 70
    cal = os.path.join(d, "cal.ics")
    write(cal, vcalendar(
        [vevent("h%02d" % i, due, "Hung %d" % i, "hung") for i in range(n)] +
        [vevent("ok1", due, "Healthy 1", "healthy"),
         vevent("ok2", due + 1, "Healthy 2", "healthy")]))
    write(os.path.join(d, "smcal.conf"),
          conf_text(d, cal, webhooks, lead="none"))
    dm = Daemon(d).start()
    try:
        ok = srv.wait("/ok", 2, 10 + 4 * TS + 10, "the healthy webhook")
        lags = [ok[0]["time"] - due, ok[1]["time"] - (due + 1)]
        with srv.lock:
            held = srv.max_busy.get("/hang", 0)
        timings.append("starvation: the healthy webhook received its posts "
                       "%s after their instants; the hung one (concurrency "
                       "64, %d due) held %d requests at most" %
                       (fmt_s(lags), n, held))
        expect(max(lags) <= 2.0 * TM, "a healthy webhook next to a hung one "
               "with concurrency 64 received its posts %s after their "
               "instants (> 2 s)" % fmt_s(lags))
        expect(held < 64, "the hung webhook held %d requests at once: all "
               "of the global bound" % held)
    finally:
        if dm.alive():
            dm.stop()
        srv.stop()


# ---------------------------------------------------------------------------
# Scenario: Retry-After on an interim response


def s_interim():
    d = scenario_dir("interim")
    os.makedirs(os.path.join(d, "run"))
    srv = Server({"/early": r_interim_early, "/final": r_interim_final})
    webhooks = [
        ("early", hook(srv.base + "/early", backoff="4s", max_attempts=2)),
        ("final", hook(srv.base + "/final", backoff="30s", max_attempts=2)),
    ]
    due = now() + 4 * TS
    cal = os.path.join(d, "cal.ics")
    write(cal, vcalendar([vevent("i-early", due, "Early", "early"),
                          vevent("i-final", due, "Final", "final")]))
    write(os.path.join(d, "smcal.conf"),
          conf_text(d, cal, webhooks, lead="none"))
    dm = Daemon(d).start()
    try:
        for name, lo, hi, what in (
                ("early", 3.2, 4.8, "the backoff (4 s +-20%): the 103's "
                 "Retry-After: 3000 is not the final response's"),
                ("final", 1.9, 2.1, "the final 503's Retry-After: 2")):
            rows = wait_outbox(d, name, lambda r: r[0]["attempts"] >= 1 and
                               r[0]["status"] != "sending", 10 + 4 * TS,
                               "%s's first outcome" % name)
            r = rows[0]
            delay = (r["next_at"] - r["updated_at"]) / 1000.0
            timings.append("interim 103 then 503 (%s): retry scheduled "
                           "%.2f s later" % (name, delay))
            expect(r["status"] == "pending" and r["last_status"] == 503 and
                   lo <= delay <= hi, "%s: after a 103 and a 503 the retry "
                   "is scheduled %.1f s later (%s, HTTP %s), expected %s" %
                   (name, delay, r["status"], r["last_status"], what))
        # The retry itself goes out on that schedule.
        srv.wait("/early", 2, 10, "the early webhook's retry")
    finally:
        if dm.alive():
            dm.stop()
        srv.stop()


# ---------------------------------------------------------------------------
# Scenario: configured headers at send time


def insert_legacy_row(d, webhook, event_id, headers, t_ms):
    """A pending delivery as an smcald before this change stored it: the
    configured headers inside the row's headers."""
    db_exec(d, "INSERT INTO outbox (event_id, webhook, event_type, event_at,"
            " body, content_type, headers, json_event, status, attempts,"
            " next_at, created_at, updated_at) VALUES (?, ?, 'post.due', ?,"
            " ?, 'text/plain; charset=utf-8', ?, 0, 'pending', 0, ?, ?, ?)",
            (event_id, webhook, t_ms // 1000, b"Legacy row", headers, t_ms,
             t_ms, t_ms))


def s_headers():
    d = scenario_dir("headers")
    os.makedirs(os.path.join(d, "run"))
    srv = Server({"/tok": r_fail_first, "/ntfy": r_ok})
    conf = os.path.join(d, "smcal.conf")

    def webhooks(token):
        return [
            ("tok", hook(srv.base + "/tok", backoff="5s", max_attempts=3,
                         headers="Authorization: Bearer %s, X-Team: a" %
                         token)),
            ("nt", hook(srv.base + "/ntfy/t", format="ntfy",
                        headers="Authorization: Bearer %s, Priority: 5" %
                        token)),
        ]
    due = now() + 4 * TS
    cal = os.path.join(d, "cal.ics")
    write(cal, vcalendar([vevent("hd-tok", due, "Token", "tok"),
                          vevent("hd-nt", due, "Ntfy", "nt",
                                 ["X-SMCAL-PLATFORM:instagram"])]))
    write(conf, conf_text(d, cal, webhooks("old"), lead="none"))
    dm = Daemon(d).start()
    try:
        first = srv.wait("/tok", 1, 10 + 4 * TS, "the first attempt")[0]
        expect(header_all(first["headers"], "authorization") ==
               ["Bearer old"], "attempt 1: Authorization %s" %
               header_all(first["headers"], "authorization"))
        nt = srv.wait("/ntfy", 1, 10, "the ntfy post")[0]
        h = nt["headers"]
        expect(header_all(h, "title") == ["Ntfy"] and
               header_all(h, "tags") == ["instagram"] and
               header_all(h, "priority") == ["5"] and
               header_all(h, "authorization") == ["Bearer old"],
               "ntfy headers (the format's, then the configured ones, a "
               "configured one replacing the format's of the same name): "
               "%s" % h)
        # The rows hold what the format generated, never the config's.
        stored = db_rows(d, "SELECT webhook, headers FROM outbox",
                         as_dict=True)
        expect(all("Authorization" not in r["headers"] and "X-Team" not in
                   r["headers"] for r in stored) and
               any(r["webhook"] == "nt" and "Title: Ntfy" in r["headers"]
                   for r in stored),
               "outbox rows store configured headers: %s" % stored)
        # The token is rotated before the retry (backoff 5 s).
        write(conf, conf_text(d, cal, webhooks("new"), lead="none"))
        dm.proc.send_signal(signal.SIGHUP)
        dm.wait_log(r"reloaded: ", 5, "the reload")
        second = srv.wait("/tok", 2, 10, "the retry")[1]
        got = header_all(second["headers"], "authorization")
        timings.append("token rotation: attempt 1 sent %s, the retry after "
                       "SIGHUP sent %s" %
                       (header_all(first["headers"], "authorization"), got))
        expect(got == ["Bearer new"], "the retry after a token rotation and "
               "SIGHUP sent Authorization %s, expected the new token once"
               % got)
        expect(header_all(second["headers"], "x-team") == ["a"],
               "the retry's X-Team %s" %
               header_all(second["headers"], "x-team"))
        wait_outbox(d, "tok", all_status("delivered"), 5, "tok delivered")

        # A row written by an older smcald: the configured headers inside.
        dm.stop()
        t_ms = int(time.time() * 1000)
        insert_legacy_row(d, "nt", "evt_" + "0" * 31 + "1",
                          "Title: Legacy\nPriority: 3\nAuthorization: "
                          "Bearer old\nPriority: 4\n", t_ms)
        dm.start()
        wait_outbox(d, "nt", lambda r: len(r) == 2 and all(
            x["status"] == "delivered" for x in r), 10,
            "the legacy row delivered")
        legacy = [r for r in srv.requests("/ntfy")
                  if r["body"] == "Legacy row"]
        check(legacy, "the legacy row was not received")
        h = legacy[0]["headers"]
        timings.append("legacy row: sent %s" % h)
        expect(header_all(h, "authorization") == ["Bearer new"] and
               header_all(h, "priority") == ["5"] and
               header_all(h, "title") == ["Legacy"],
               "a row written by an older smcald sent %s: expected each "
               "header once, the configured ones from the current config" %
               h)
    finally:
        if dm.alive():
            dm.stop()
        srv.stop()


SCENARIOS = [
    ("endless", s_endless),
    ("keepalive", s_keepalive),
    ("starvation", s_starvation),
    ("interim", s_interim),
    ("headers", s_headers),
]


def main(argv):
    return run_scenarios("receiver", SCENARIOS, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
