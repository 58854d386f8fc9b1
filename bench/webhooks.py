#!/usr/bin/env python3
"""Webhook burst benchmark: 1,000 posts due in the same second, delivered to
a local receiver.

    python3 bench/webhooks.py --smcald BUILD/smcald --out DIR
                              [--posts N] [--concurrency 8,32]
                              [--receivers python,node] [--lead SEC]

For each receiver and each `concurrency`, one run of the real daemon
(smcald -f -c CONF) with a fresh state directory under DIR/webhooks-*/:

- The calendar holds N posts (default 1,000) in bench/gen.py's style, all
  with the same UTC DTSTART, --lead seconds (default 20) after the daemon is
  spawned.  catchup = 0, [reminders] lead = 1d, overdue = 2h: nothing but
  those N post.due events falls inside the window.
- Every event goes to one webhook ([daemon] webhook = bench): format json,
  a whsec_ secret, events = post.due, the run's concurrency, timeout 10s.
- The receiver answers 200 at once and records, per request, its arrival
  time (time.time(), taken when the request line and headers have been
  read), webhook-id, webhook-timestamp, webhook-signature, body, client
  port, and the number of requests it was handling at that moment.
  "python" is a ThreadingHTTPServer (HTTP/1.1 keep-alive, one thread per
  connection) in a process of its own, started from this file; "node" is
  a tiny node:http server written into the run's directory at run time.

Measured per run: due -> first and due -> last delivery received (s);
deliveries per second, N / (last - first arrival); duplicates (a
webhook-id received twice); missing (post.due ids of the event log never
received); the most requests the receiver saw at once (it must stay within
`concurrency`) and the TCP connections used; the daemon's own count of
"delivered" log lines, of retries and of failures; its VmHWM at the end
(/proc/PID/status); and every request's Standard Webhooks signature,
HMAC-SHA256 over "{id}.{timestamp}.{body}" with the base64-decoded key after
whsec_, compared with each "v1," entry of webhook-signature.

Before the runs, each receiver's own rate is measured with a loopback
client: N POSTs of a same-sized body from a pool of 8 and of 32 threads,
each with a keep-alive http.client connection.  That client is Python too,
so the figure is a lower bound on what the receiver can take; when the
daemon's delivery rate comes close to it, the receiver (not the daemon) may
be what the run measured.

Prints one table (also written to DIR/webhooks-table.txt).  A benchmark: it
exits 0 whatever the numbers are; anything the daemon did wrong is printed
under the table with log excerpts.
"""

import argparse
import base64
import concurrent.futures
import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import daemon as benchd  # noqa: E402  (bench/daemon.py: Daemon, helpers)
import gen  # noqa: E402

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
TARGET_S = 2.0

CONF = """\
; Written by bench/webhooks.py for one benchmark run.
[daemon]
socket      = {state}/smcal.sock
state_dir   = {state}
timezone    = UTC
catchup     = 0
webhook     = bench
log_level   = info
watchdog    = no
fire_drafts = no

[reminders]
lead    = 1d
overdue = 2h

[calendar:main]
path = {calendar}

[webhook:bench]
url         = http://127.0.0.1:{port}/
format      = json
secret      = {secret}
events      = post.due
concurrency = {concurrency}
timeout     = 10s
"""

# ---------------------------------------------------------------------------
# Receivers.  Both print their port on the first line of stdout, answer
# every POST with 200 and record it, and hand the records over as one JSON
# array on GET /__dump.


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver
    disable_nagle_algorithm = True
    records = []
    lock = threading.Lock()
    busy = 0

    def log_message(self, *args):
        pass

    def do_POST(self):
        t = time.time()
        cls = Receiver
        with cls.lock:
            cls.busy += 1
            busy = cls.busy
        try:
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n > 0 else b""
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
        finally:
            with cls.lock:
                cls.busy -= 1
        rec = {"t": t, "id": self.headers.get("webhook-id"),
               "ts": self.headers.get("webhook-timestamp"),
               "sig": self.headers.get("webhook-signature"),
               "body": body.decode("utf-8", "replace"),
               "port": self.client_address[1], "busy": busy}
        with cls.lock:
            cls.records.append(rec)

    def do_GET(self):
        with Receiver.lock:
            data = json.dumps(Receiver.records).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve_python():
    http.server.ThreadingHTTPServer.request_queue_size = 128
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    srv.serve_forever()
    return 0


NODE_RECEIVER = r"""
// Written by bench/webhooks.py: a loopback webhook receiver.
const http = require("node:http");
const { performance } = require("node:perf_hooks");
const records = [];
let busy = 0;
const srv = http.createServer((req, res) => {
  if (req.method === "GET") {
    const data = JSON.stringify(records);
    res.writeHead(200, { "Content-Type": "application/json",
                         "Content-Length": Buffer.byteLength(data) });
    res.end(data);
    return;
  }
  const t = (performance.timeOrigin + performance.now()) / 1000;
  busy++;
  const rec = { t, id: req.headers["webhook-id"] ?? null,
                ts: req.headers["webhook-timestamp"] ?? null,
                sig: req.headers["webhook-signature"] ?? null,
                port: req.socket.remotePort, busy };
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    rec.body = Buffer.concat(chunks).toString("utf8");
    records.push(rec);
    res.writeHead(200, { "Content-Length": "0" });
    res.end();
  });
  res.on("close", () => { busy--; });
});
srv.keepAliveTimeout = 60000;
srv.listen(0, "127.0.0.1", () => {
  process.stdout.write(srv.address().port + "\n");
});
"""


class ReceiverProc:
    """A receiver in a process of its own (so it never shares a GIL with
    this script)."""

    def __init__(self, kind, workdir):
        self.kind = kind
        err = open(os.path.join(workdir, f"receiver-{kind}.err"), "wb")
        if kind == "python":
            cmd = [sys.executable, os.path.abspath(__file__), "--serve"]
        else:
            script = os.path.join(workdir, "receiver.cjs")
            with open(script, "w") as f:
                f.write(NODE_RECEIVER)
            cmd = ["node", script]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=err)
        err.close()
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            self.proc.kill()
            raise RuntimeError(f"{kind} receiver did not start "
                               f"(see {workdir}/receiver-{kind}.err)")
        self.port = int(line)

    def dump(self):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("GET", "/__dump")
        data = c.getresponse().read()
        c.close()
        return json.loads(data)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def client_load(port, n, workers, body):
    """n POSTs from `workers` threads, one keep-alive connection each;
    returns (seconds, errors)."""
    lock = threading.Lock()
    nxt = [0]
    errors = [0]

    def work():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= n:
                break
            try:
                c.request("POST", "/", body, {
                    "Content-Type": "application/json",
                    "webhook-id": f"evt_capacity{i:06d}",
                    "webhook-timestamp": str(int(time.time())),
                    "webhook-signature": "v1,x"})
                r = c.getresponse()
                r.read()
                if r.status != 200:
                    errors[0] += 1
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.close()

    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        for f in [ex.submit(work) for _ in range(workers)]:
            f.result()
    return time.perf_counter() - t0, errors[0]


def receiver_capacity(kind, workdir, n, pools, body):
    """{pool size: requests per second} for one receiver."""
    out = {}
    r = ReceiverProc(kind, workdir)
    try:
        client_load(r.port, min(n, 100), 4, body)  # warm-up
        for w in pools:
            secs, errors = client_load(r.port, n, w, body)
            out[w] = (n / secs if secs > 0 else None, errors)
    finally:
        r.stop()
    return out


# ---------------------------------------------------------------------------
# One run.

def write_calendar(path, n, at):
    rng = random.Random(2027)
    with open(path + ".tmp", "wb") as f:
        f.write(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                b"PRODID:-//smcal//bench webhooks//EN\r\n")
        for i in range(n):
            f.write(b"".join(gen.fold(x)
                             for x in benchd.near_post(rng, i, at)))
        f.write(b"END:VCALENDAR\r\n")
    os.replace(path + ".tmp", path)


def cpu_s(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def fdatasync_ms(directory, n=200):
    """Median and p99 of n 200-byte append + fdatasync in directory (the
    state directories live there), in ms."""
    path = os.path.join(directory, ".fdatasync-probe")
    ts = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for _ in range(n):
            os.write(fd, b"x" * 200)
            t = time.perf_counter()
            os.fdatasync(fd)
            ts.append((time.perf_counter() - t) * 1000)
    finally:
        os.close(fd)
        os.unlink(path)
    return benchd.pct(ts, 50), benchd.pct(ts, 99)


def verify(rec, key):
    """None when some v1 signature of rec matches, else the reason."""
    if not rec.get("id") or not rec.get("ts") or not rec.get("sig"):
        return "missing webhook-id/-timestamp/-signature"
    msg = f"{rec['id']}.{rec['ts']}.{rec['body']}".encode()
    want = base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest())
    for part in rec["sig"].split():
        v, _, sig = part.partition(",")
        if v == "v1" and hmac.compare_digest(sig.encode(), want):
            try:
                skew = abs(float(rec["ts"]) - rec["t"])
            except ValueError:
                return f"bad webhook-timestamp {rec['ts']!r}"
            if skew > 300:
                return f"webhook-timestamp {skew:.0f} s off"
            return None
    return "no v1 signature matches"


def log_lines(text, pattern, limit=5):
    rx = re.compile(pattern)
    hits = [ln for ln in text.splitlines() if rx.search(ln)]
    return len(hits), hits[:limit]


def run_burst(args, kind, conc):
    work = os.path.join(args.out, f"webhooks-{kind}-c{conc}")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "cal"))
    r = {"kind": kind, "conc": conc, "problems": [], "work": work}
    rec = ReceiverProc(kind, work)
    try:
        return _run_burst(args, kind, conc, work, rec, r)
    finally:
        rec.stop()


def _run_burst(args, kind, conc, work, recv, r):
    cal = os.path.join(work, "cal", f"burst-{args.posts}.ics")
    due = int(time.time()) + args.lead
    write_calendar(cal, args.posts, due)
    d = benchd.Daemon(args.smcald, work, cal)
    with open(d.conf, "w") as f:  # the webhook route instead of none
        f.write(CONF.format(state=os.path.abspath(d.state),
                            calendar=os.path.abspath(cal), port=recv.port,
                            secret=SECRET, concurrency=conc))
    print(f"{kind} receiver, concurrency {conc}: {args.posts} posts due at "
          f"{time.strftime('%H:%M:%S', time.gmtime(due))}Z, "
          f"{due - time.time():.1f} s from now", flush=True)
    d.start()
    t_ready = d.wait_note("READY=1", 60)
    if t_ready is None:
        r["problems"].append(f"no READY=1 within 60 s (see {d.stderr_path})")
        d.stop()
        return r
    r["ready_before_due_s"] = due - t_ready
    pid = d.proc.pid
    cpu0 = cpu_s(pid)
    # Wait for the daemon's "delivered" lines (read from its log, so the
    # receiver is never asked anything during the burst): until all N, or
    # nothing new for 15 s once due, or 120 s past the instant.
    rx = re.compile(r"^(?:\S+ )?smcald: \w+: delivered ", re.M)
    last_n, last_change = -1, time.time()
    while d.alive():
        now = time.time()
        n = len(rx.findall(d.log_text()))
        if n != last_n:
            last_n, last_change = n, now
        if n >= args.posts:
            break
        if now > due + 120 or (now > due + 2 and now - last_change > 15):
            break
        time.sleep(0.25 if now > due - 1 else 1)
    time.sleep(1.0)  # a straggler or a duplicate would show now
    st = benchd.proc_status(pid)
    r["hwm_mb"] = benchd.kb_to_mb(st.get("VmHWM"))
    cpu1 = cpu_s(pid)
    if cpu0 is not None and cpu1 is not None:
        r["cpu_s"] = cpu1 - cpu0
    if not d.alive():
        r["problems"].append(f"smcald exited ({d.proc.returncode}) "
                             "before the end")
    records = recv.dump()
    rc = d.stop()
    if rc not in (0, None):
        r["problems"].append(f"smcald exit status {rc}")

    # What the daemon fired.
    events = benchd.read_events(d.events_path)
    want = {}
    fired_at = []
    for e in events:
        if (e.get("type") == "post.due" and
                e.get("post", {}).get("uid", "").startswith("near-")):
            want[e.get("id")] = e
            try:
                fired_at.append(benchd.utc_ms(e["fired_at"]) / 1000 - due)
            except (KeyError, ValueError):
                pass
    r["fired"] = len(want)
    r["fired_max_s"] = max(fired_at) if fired_at else None
    if len(want) != args.posts:
        r["problems"].append(f"the event log holds {len(want)} post.due "
                             f"events, not {args.posts}")
    with d.lock:
        notes = [t for t, m in d.notes
                 if "STATUS=" in m and re.search(r"\b[1-9]\d* fired", m)]
    r["status_s"] = notes[0] - due if notes else None

    # What the receiver got.
    key = base64.b64decode(SECRET[len("whsec_"):])
    times = sorted(x["t"] for x in records)
    ids = [x["id"] for x in records]
    counts = {}
    for i in ids:
        counts[i] = counts.get(i, 0) + 1
    r["received"] = len(records)
    r["unique"] = len(counts)
    r["dups"] = sum(c - 1 for c in counts.values() if c > 1)
    r["missing"] = [i for i in want if i not in counts]
    r["strangers"] = [i for i in counts if i not in want]
    r["max_busy"] = max((x["busy"] for x in records), default=0)
    r["conns"] = len({x["port"] for x in records})
    bad = [(x["id"], why) for x in records
           for why in [verify(x, key)] if why]
    r["sig_ok"] = len(records) - len(bad)
    body_bad = 0
    for x in records:
        try:
            b = json.loads(x["body"])
            if b.get("id") != x["id"] or b.get("type") != "post.due":
                body_bad += 1
        except ValueError:
            body_bad += 1
    if times:
        r["first_s"] = times[0] - due
        r["last_s"] = times[-1] - due
        r["p50_s"] = benchd.pct([t - due for t in times], 50)
        r["rate"] = (len(times) / (times[-1] - times[0])
                     if times[-1] > times[0] else None)
    # Per-second arrival histogram, to show a stall.
    hist = {}
    for t in times:
        k = int(t - due)
        hist[k] = hist.get(k, 0) + 1
    r["hist"] = hist

    # What the daemon says.
    text = d.log_text()
    r["log_delivered"], _ = log_lines(text,
                                      r"^(?:\S+ )?smcald: \w+: delivered ")
    r["log_retry"], ex_retry = log_lines(text, r"retrying in")
    r["log_failed"], ex_failed = log_lines(text, r"failed after|DISABLED")
    n_warn, ex_warn = log_lines(
        text, r"^(?:\S+ )?smcald: (warning|error|critical): ")
    outbox = {}
    try:
        db = sqlite3.connect(f"file:{d.state}/smcal.db?mode=ro", uri=True)
        for status, n, multi in db.execute(
                "SELECT status, count(*), sum(attempts > 1) FROM outbox "
                "GROUP BY status"):
            outbox[status] = (n, multi or 0)
        db.close()
    except sqlite3.Error as e:
        outbox = {"error": str(e)}
    r["outbox"] = outbox

    p = r["problems"]
    if r["missing"]:
        p.append(f"{len(r['missing'])} of {len(want)} ids never received, "
                 f"e.g. {r['missing'][:3]}")
    if r["dups"]:
        p.append(f"{r['dups']} duplicate deliveries, e.g. "
                 f"{[i for i, c in counts.items() if c > 1][:3]}")
    if r["strangers"]:
        p.append(f"{len(r['strangers'])} received ids not in the event "
                 f"log, e.g. {r['strangers'][:3]}")
    if bad:
        p.append(f"{len(bad)} signatures fail, e.g. {bad[:2]}")
    if body_bad:
        p.append(f"{body_bad} bodies are not post.due JSON with the "
                 "webhook-id as id")
    if r["max_busy"] > conc:
        p.append(f"the receiver saw {r['max_busy']} requests at once, over "
                 f"concurrency = {conc}")
    if r["log_delivered"] != r["unique"]:
        p.append(f"the daemon logged {r['log_delivered']} \"delivered\", "
                 f"the receiver got {r['unique']} ids")
    if r.get("last_s") is not None and r["last_s"] > TARGET_S:
        p.append(f"last delivery {r['last_s']:.2f} s after the instant "
                 f"(target {TARGET_S:g} s); arrivals per second after the "
                 f"instant: {dict(sorted(hist.items()))}")
    for ex in (ex_retry + ex_failed) or (ex_warn if n_warn else []):
        p.append("log: " + ex)
    return r


# ---------------------------------------------------------------------------

def fmt(v, digits=2, unit=""):
    return "n/a" if v is None else f"{v:.{digits}f}{unit}"


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--serve":
        return serve_python()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smcald", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--posts", type=int, default=1000)
    ap.add_argument("--concurrency", default="8,32")
    ap.add_argument("--receivers", default="python,node")
    ap.add_argument("--lead", type=int, default=20)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    concs = [int(x) for x in args.concurrency.split(",") if x.strip()]
    kinds = [k.strip() for k in args.receivers.split(",") if k.strip()]
    notes = []
    if "node" in kinds and shutil.which("node") is None:
        kinds.remove("node")
        notes.append("node not found: no node receiver rows")
    t0 = time.time()

    # A json body of the daemon's size, for the receivers' own rate.
    sample = ("x" * 1100).encode()
    cap = {}
    capdir = os.path.join(args.out, "webhooks-capacity")
    os.makedirs(capdir, exist_ok=True)
    for k in kinds:
        print(f"{k} receiver: its own rate, {args.posts} POSTs from a "
              f"loopback client", flush=True)
        try:
            cap[k] = receiver_capacity(k, capdir, args.posts, concs, sample)
        except RuntimeError as e:
            notes.append(f"PROBLEM: {e}")
            kinds.remove(k)

    sync = fdatasync_ms(args.out)
    runs = []
    for k in kinds:
        for c in concs:
            try:
                runs.append(run_burst(args, k, c))
            except RuntimeError as e:
                notes.append(f"PROBLEM: {e}")

    head = ("conc", "receiver", "recv / uniq", "due->first", "due->last",
            "deliv/s", "dup", "miss", "max busy / conns", "log deliv",
            "VmHWM", "sig ok")
    rows = [head]
    for r in runs:
        rows.append((
            str(r["conc"]), r["kind"],
            f"{r.get('received', 0)} / {r.get('unique', 0)}",
            fmt(r.get("first_s"), 3, " s"), fmt(r.get("last_s"), 2, " s"),
            fmt(r.get("rate"), 0), str(r.get("dups", "n/a")),
            str(len(r.get("missing", [])) if "missing" in r else "n/a"),
            f"{r.get('max_busy', 'n/a')} / {r.get('conns', 'n/a')}",
            str(r.get("log_delivered", "n/a")),
            fmt(r.get("hwm_mb"), 1, " MB"),
            f"{r.get('sig_ok', 0)}/{r.get('received', 0)}"))
    w = [max(len(x[i]) for x in rows) for i in range(len(head))]
    lines = [" | ".join(c.ljust(w[i]) for i, c in enumerate(x)).rstrip()
             for x in rows]
    lines.insert(1, "-+-".join("-" * x for x in w))
    lines.append(f"target: all {args.posts} delivered within "
                 f"{TARGET_S:g} s of the instant, no duplicates, none "
                 "missing")
    for k in kinds:
        parts = [f"{c} threads {fmt(v[0], 0)}/s" +
                 (f" ({v[1]} errors)" if v[1] else "")
                 for c, v in cap.get(k, {}).items()]
        best = [r.get("rate") for r in runs if r["kind"] == k
                and r.get("rate")]
        hint = ""
        if best and cap.get(k):
            top = max(v[0] or 0 for v in cap[k].values())
            if max(best) > 0.7 * top:
                hint = ("; the daemon's rate is within 30% of it: this "
                        "receiver may be the bottleneck")
            else:
                hint = (f"; best daemon rate {max(best):.0f}/s is "
                        f"{max(best) / top:.0%} of it: not the bottleneck")
        notes.append(f"{k} receiver alone (Python http.client loopback "
                     f"client, {args.posts} POSTs): " + ", ".join(parts) +
                     hint)
    for r in runs:
        ob = ", ".join(f"{s} {n[0]}" + (f" ({n[1]} retried)" if n[1] else "")
                       for s, n in r.get("outbox", {}).items()
                       if isinstance(n, tuple))
        notes.append(
            f"{r['kind']} c{r['conc']}: fired {r.get('fired', 'n/a')}, "
            f"latest fired_at +{fmt(r.get('fired_max_s'), 3)} s, "
            f"first STATUS (batch committed) +{fmt(r.get('status_s'), 3)} s, "
            f"median arrival +{fmt(r.get('p50_s'), 2)} s; daemon CPU "
            f"{fmt(r.get('cpu_s'), 2)} s; log retries "
            f"{r.get('log_retry', 'n/a')}, failures "
            f"{r.get('log_failed', 'n/a')}; outbox: {ob or 'n/a'}")
        for p in r["problems"]:
            notes.append(f"PROBLEM {r['kind']} c{r['conc']}: {p}")
    notes.append(f"fdatasync in {args.out} (where the state directories "
                 f"are): median {sync[0]:.3f} ms, p99 {sync[1]:.3f} ms; the "
                 "daemon commits each attempt's start and its outcome "
                 "(SQLite WAL, synchronous = FULL), so the rate follows "
                 "the disk's sync latency")
    notes.append("due->first/last: receiver arrival time minus the posts' "
                 "DTSTART; deliv/s = received / (last - first arrival); max "
                 "busy = most requests the receiver handled at once; conns = "
                 "TCP connections used; log deliv = the daemon's "
                 "\"delivered\" log lines; VmHWM at the end")
    notes.append(f"webhook benchmark took {time.time() - t0:.0f} s; logs, "
                 f"state and receiver scripts in {args.out}/webhooks-*")
    text = "\n".join(lines + notes) + "\n"
    with open(os.path.join(args.out, "webhooks-table.txt"), "w") as f:
        f.write(text)
    print()
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
