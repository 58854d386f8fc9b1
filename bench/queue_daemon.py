#!/usr/bin/env python3
"""The post queue through the real smcald and smctl (bench/queue.sh runs
it), with N posts already queued (default 100,000):

- smcald's start with them (loading the queue into the scheduler) and its
  resident memory;
- `smctl add` through the real CLI: one process per add, each acknowledged
  once durable; sequential, and from 8 clients at once (the daemon commits
  the adds of one loop iteration together);
- adds pipelined on one socket connection (group commit);
- `smctl list` of the N posts, JSON Lines and the table;
- `smctl status` latency (and a raw io.smcal.Status round trip) while
  1,000 pipelined adds are in flight on another connection;
- the daemon's resident memory at the end.

    queue_daemon.py BUILD OUTDIR [N]

A benchmark, never a test: it prints figures and their targets and exits
0 whenever it could run."""
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time

BUILD, OUT = sys.argv[1], sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
SMCALD = os.path.join(BUILD, "smcald")
SMCTL = os.path.join(BUILD, "smctl")
B32 = "abcdefghijklmnopqrstuvwxyz234567"


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def qid(i):
    s = ""
    for _ in range(16):
        s += B32[i % 32]
        i //= 32
    return "q_" + s


def call(method, params=None, more=False):
    m = {"method": method, "parameters": params or {}}
    if more:
        m["more"] = True
    return json.dumps(m).encode() + b"\0"


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""

    def replies(self, n):
        out = []
        while len(out) < n:
            while b"\0" not in self.buf:
                data = self.s.recv(1 << 20)
                if not data:
                    raise SystemExit("smcald closed the connection")
                self.buf += data
            msg, self.buf = self.buf.split(b"\0", 1)
            out.append(json.loads(msg))
        return out

    def close(self):
        self.s.close()


def main():
    d = os.path.join(OUT, "queue-daemon")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "run"))
    os.makedirs(os.path.join(d, "state"), mode=0o750)
    cal = os.path.join(d, "cal.ics")
    with open(cal, "w") as f:
        f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n"
                "END:VCALENDAR\r\n")
    sock = os.path.join(d, "run", "smcal.sock")
    conf = os.path.join(d, "smcal.conf")
    with open(conf, "w") as f:
        f.write("[daemon]\nsocket = %s\nstate_dir = %s/state\n"
                "timezone = UTC\nwebhook = none\nlog_level = warning\n"
                "[reminders]\nlead = none\noverdue = none\n"
                "[calendar:main]\npath = %s\n"
                "[platform:instagram]\nslots = mon 09:00, wed 12:30\n"
                "[platform:x]\n" % (sock, d, cal))
    log = open(os.path.join(d, "smcald.stderr"), "ab")

    def start():
        p = subprocess.Popen([SMCALD, "-f", "-c", conf],
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=log)
        t0 = time.monotonic()
        while not os.path.exists(sock) or subprocess.run(
                [SMCTL, "-s", sock, "status", "--json"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL).returncode != 0:
            if p.poll() is not None:
                raise SystemExit("smcald exited (see %s)" % log.name)
            time.sleep(0.05)
        return p, time.monotonic() - t0

    # The schema, then N posts straight into the database: a year ahead,
    # on two platforms.
    p, _ = start()
    p.terminate()
    p.wait()
    now = int(time.time())
    db = sqlite3.connect(os.path.join(d, "state", "smcal.db"))
    rows = ((qid(i), "Post %d" % i, "Body of post %d" % i,
             "instagram" if i % 2 else "x", None, None, "bench", None,
             now + 3600 + (i * 311) % (365 * 86400), 0, "scheduled", now,
             now, 1) for i in range(N))
    db.executemany("INSERT INTO queue (id, title, body, platforms, type, "
                   "persona, campaign, url, publish_at, draft, status, "
                   "created_at, updated_at, revision) VALUES "
                   "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.commit()
    db.close()

    print("queue through smcald and smctl, %d posts queued" % N)
    p, took = start()
    print("  start with them: ready in %.2f s, RSS %.0f MB" %
          (took, rss_mb(p.pid)))

    def cli_add(i):
        r = subprocess.run([SMCTL, "-s", sock, "add", "--platform", "x",
                            "--at", "+%dm" % (60 + i), "--title", "cli"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise SystemExit("smctl add: %s" % r.stderr.decode())

    k = 300
    t0 = time.monotonic()
    for i in range(k):
        cli_add(i)
    seq = k / (time.monotonic() - t0)
    k8 = 800
    idx = iter(range(k8))
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                i = next(idx, None)
            if i is None:
                return
            cli_add(1000 + i)

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    par = k8 / (time.monotonic() - t0)
    print("  smctl add (a process per add, acknowledged when durable): "
          "%.0f adds/s one at a time, %.0f adds/s from 8 clients "
          "(target >= 500)" % (seq, par))

    m = 10000
    c = Conn(sock)
    msgs = b"".join(call("io.smcal.Posts.Add",
                         {"platform": "instagram", "at": "+%ds" % (7200 + i),
                          "title": "pipelined %d" % i}) for i in range(m))
    t0 = time.monotonic()
    c.s.sendall(msgs)
    reps = c.replies(m)
    pip = m / (time.monotonic() - t0)
    c.close()
    bad = [r for r in reps if "error" in r]
    print("  adds pipelined on one connection: %.0f adds/s (%d; target "
          ">= 5,000)%s" % (pip, m, ", %d refused: %s" % (len(bad), bad[0])
                           if bad else ""))

    total = N + k + k8 + m
    for args, what in ((["--json"], "JSON Lines"), ([], "table")):
        t0 = time.monotonic()
        r = subprocess.run([SMCTL, "-s", sock, "list", "--calendar", "queue",
                            "--from", "-1d", "--to", "+400d"] + args,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        el = time.monotonic() - t0
        n = r.stdout.count(b"\n") - (0 if args else 2)
        print("  smctl list of %d posts (%s): %.2f s (target < 1 s)%s" %
              (total, what, el, "" if r.returncode == 0 else
               " FAILED: " + r.stderr.decode()[:200]))
        if args and n != total:
            print("    (listed %d lines, expected %d)" % (n, total))

    # Status while 1,000 adds are in flight on another connection.
    lat, raw = [], []
    for _ in range(5):
        c = Conn(sock)
        flood = b"".join(call("io.smcal.Posts.Add",
                              {"platform": "x", "at": "+%ds" % (9000 + i)})
                         for i in range(1000))
        done = threading.Event()

        def drain():
            c.replies(1000)
            done.set()

        th = threading.Thread(target=drain)
        th.start()
        c.s.sendall(flood)
        s = Conn(sock)
        t0 = time.monotonic()
        s.s.sendall(call("io.smcal.Status"))
        s.replies(1)
        raw.append(time.monotonic() - t0)
        s.close()
        t0 = time.monotonic()
        subprocess.run([SMCTL, "-s", sock, "status"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        lat.append(time.monotonic() - t0)
        th.join()
        c.close()
    print("  status while 1,000 adds are in flight: smctl status %.0f ms "
          "median, %.0f ms max; io.smcal.Status round trip %.1f ms median, "
          "%.1f ms max (target < 50 ms)" %
          (statistics.median(lat) * 1000, max(lat) * 1000,
           statistics.median(raw) * 1000, max(raw) * 1000))
    print("  smcald RSS at the end: %.0f MB (%d posts queued)" %
          (rss_mb(p.pid), total + 5000))
    p.terminate()
    p.wait()
    log.close()


main()
