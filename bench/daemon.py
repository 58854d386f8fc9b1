#!/usr/bin/env python3
"""Daemon benchmark: fire lateness at scale, idle wake-ups, load and
reload time, resident memory.

    python3 bench/daemon.py --smcald BUILD/smcald --data DIR --out DIR
                            [--posts N] [--near K] [--idle SEC]

Three runs of the real daemon (smcald -f -c CONF), each with a fresh state
directory under OUT/daemon-*/ (--only runs one of them):

1. Lateness.  One calendar of N posts (default 100,000): N - K of them are
   bench/gen.py's editorial calendar (all in 2027, far ahead; generated once
   into DIR and reused while gen.py is unchanged) and K (default 1,000) are
   written for this run with a UTC DTSTART 20 s to 79 s after the daemon's
   start, a random whole second each, so every second carries a batch of
   several posts.  catchup = 0 and [reminders] lead = 1d, overdue = 2h: no
   reminder or overdue event falls inside the window.  The run ends when
   the event log holds K post.due events (or 15 s after the last instant).
   Per event, "fired" lateness is fired_at - scheduled_at from the event
   log line: fired_at is read once at the wake-up, before the batch is
   built.  "Durable" lateness is the instant the daemon's sd_notify STATUS
   for that batch reached our NOTIFY_SOCKET (kernel receive timestamp)
   minus scheduled_at: the daemon sends it after the batch is written and
   fdatasync'ed to the event log and committed to the ledger, so it bounds
   the time until the event is on disk.  Also checked: every post fired
   exactly once, nothing else fired, nothing was marked late.

2. Idle, load, reload, memory.  gen.py's calendar of N posts (the file
   bench/run.sh generates, reused).  Start-up time runs from spawning the
   daemon to its "loaded" log line and to READY=1 (sd_notify).  After
   READY and a 1 s settle, the voluntary + involuntary context switches of
   the main thread (/proc/PID/task/PID/status) and of all its threads are
   read, again after --idle seconds (default 60): each wake-up of a
   sleeping thread is one switch back to sleep, so the delta counts
   wake-ups.  VmRSS and VmHWM are read after load; then SIGHUP, and the
   reload time runs to the "reloaded:" line and to the following READY=1.

3. Reload (issue 12).  The same N posts and a 20-post calendar beside
   them.  After READY and a 1 s settle (VmRSS then is "steady"): SIGHUP
   with nothing changed, then a save of the small calendar (a new version
   renamed over it, as editors save).  For each: the reload's time, the
   daemon's own figure from its "reloaded: ... in X ms" line (from the
   reload's start to the new world in service) beside the wall time from
   the signal or the rename to that line (less the 200 ms debounce of the
   file watch); and the peak RSS during it (VmHWM, reset through
   /proc/PID/clear_refs just before).  Targets: (a) the save under 50 ms
   with no peak above steady + 10%, (b) the SIGHUP under 20 ms.

Prints one table (also written to OUT/daemon-table.txt).  A benchmark: it
exits 0 whatever the numbers are; anything the daemon did wrong is printed
under the table.
"""

import argparse
import calendar
import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402  (bench/gen.py: the same post style)

SO_TIMESTAMPNS = 35  # Linux; Python does not export it

CONF = """\
; Written by bench/daemon.py for one benchmark run.
[daemon]
socket      = {state}/smcal.sock
state_dir   = {state}
timezone    = UTC
catchup     = 0
webhook     = none
log_level   = info
watchdog    = no
fire_drafts = no

[reminders]
lead    = 1d
overdue = 2h

[calendar:main]
path = {calendar}
"""


# ---------------------------------------------------------------------------
# Data.

def ensure_gen(data, n):
    """DATA/posts-N.ics from gen.py, generated when missing or older than
    gen.py (the rule bench/run.sh follows)."""
    path = os.path.join(data, f"posts-{n}.ics")
    genpy = os.path.join(HERE, "gen.py")
    if (not os.path.exists(path) or os.path.getsize(path) == 0 or
            os.path.getmtime(genpy) > os.path.getmtime(path)):
        print(f"generating {path}", flush=True)
        subprocess.run([sys.executable, genpy, str(n), path + ".tmp"],
                       check=True)
        os.replace(path + ".tmp", path)
    return path


def near_post(rng, i, start):
    """One post due at `start` (UTC epoch seconds), in gen.py's style."""
    platform = rng.choice(gen.PLATFORMS)
    topic = rng.choice(gen.TOPICS)
    title = f"{topic[0].upper()}{topic[1:]} ({platform})"
    when = dt.datetime.fromtimestamp(start, dt.timezone.utc)
    return [
        "BEGIN:VEVENT",
        f"UID:near-{i:06d}@bench.smcal.example",
        f"DTSTAMP:{when:%Y%m%dT%H%M%SZ}",
        f"DTSTART:{when:%Y%m%dT%H%M%SZ}",
        f"SUMMARY:{gen.escape_text(title)}",
        f"DESCRIPTION:{gen.escape_text(gen.copy_text(rng, topic, 200))}",
        f"CATEGORIES:{rng.choice(gen.TYPES)},{rng.choice(gen.CAMPAIGNS)}",
        f"X-SMCAL-PLATFORM:{platform}",
        f"URL:https://blog.example.com/now/{i}",
        "END:VEVENT",
    ]


def write_lateness_calendar(far, out_path, near, base):
    """far's posts plus `near` posts due base+20 .. base+79; returns the
    list of their instants (by post index)."""
    rng = random.Random(2027)
    instants = [base + rng.randint(20, 79) for _ in range(near)]
    with open(far, "rb") as f:
        body = f.read()
    end = b"END:VCALENDAR\r\n"
    if not body.endswith(end):
        raise SystemExit(f"{far}: does not end with END:VCALENDAR")
    with open(out_path + ".tmp", "wb") as f:
        f.write(body[:-len(end)])
        for i, at in enumerate(instants):
            f.write(b"".join(gen.fold(x) for x in near_post(rng, i, at)))
        f.write(end)
    os.replace(out_path + ".tmp", out_path)
    return instants


# ---------------------------------------------------------------------------
# The daemon under test.

class Daemon:
    """smcald -f with stderr to a file and sd_notify to our socket."""

    def __init__(self, smcald, workdir, calendar_path):
        self.workdir = workdir
        self.state = os.path.join(workdir, "state")
        shutil.rmtree(self.state, ignore_errors=True)
        os.makedirs(self.state)
        self.conf = os.path.join(workdir, "smcal.conf")
        with open(self.conf, "w") as f:
            f.write(CONF.format(state=os.path.abspath(self.state),
                                calendar=os.path.abspath(calendar_path)))
        self.smcald = smcald
        self.stderr_path = os.path.join(workdir, "smcald.err")
        self.events_path = os.path.join(self.state, "events.jsonl")
        self.notes = []  # (receive time, message)
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.kernel_ts = True
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        except OSError:
            self.kernel_ts = False
        name = f"smcal-bench-{os.getpid()}-{os.path.basename(workdir)}"
        self.sock.bind("\0" + name)
        self.notify_socket = "@" + name
        self.proc = None
        self.t_spawn = None

    def _receive(self):
        while True:
            try:
                data, anc, _, _ = self.sock.recvmsg(
                    4096, socket.CMSG_SPACE(16))
            except OSError:
                return
            t = time.time()
            for level, kind, payload in anc:
                if (level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS
                        and len(payload) >= 16):
                    sec, nsec = struct.unpack("qq", payload[:16])
                    t = sec + nsec / 1e9
            with self.lock:
                self.notes.append((t, data.decode("utf-8", "replace")))

    def start(self):
        threading.Thread(target=self._receive, daemon=True).start()
        env = dict(os.environ, NOTIFY_SOCKET=self.notify_socket)
        env.pop("WATCHDOG_USEC", None)
        env.pop("WATCHDOG_PID", None)
        env.pop("JOURNAL_STREAM", None)
        self.err = open(self.stderr_path, "wb")
        self.t_spawn = time.time()
        self.proc = subprocess.Popen(
            [self.smcald, "-f", "-c", self.conf], stdin=subprocess.DEVNULL,
            stdout=self.err, stderr=self.err, env=env)

    def alive(self):
        return self.proc.poll() is None

    def log_text(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_log(self, pattern, timeout, after=0):
        """The time the log first matched pattern past offset `after`
        (polled every 5 ms), or None."""
        rx = re.compile(pattern)
        end = time.time() + timeout
        while time.time() < end:
            if rx.search(self.log_text()[after:]):
                return time.time()
            if not self.alive():
                return None
            time.sleep(0.005)
        return None

    def wait_note(self, needle, timeout, after=0.0):
        """The receive time of the first notification containing needle
        received after `after`, or None."""
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                for t, msg in self.notes:
                    if t >= after and needle in msg:
                        return t
            if not self.alive():
                return None
            time.sleep(0.005)
        return None

    def stop(self):
        if self.proc and self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()
        self.sock.close()
        return self.proc.returncode


def proc_status(pid, tid=None):
    path = (f"/proc/{pid}/status" if tid is None
            else f"/proc/{pid}/task/{tid}/status")
    out = {}
    try:
        with open(path) as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.strip()
    except OSError:
        pass
    return out


def switches(pid):
    """(main thread switches, all threads' switches, thread count,
    main thread timeslices from schedstat)."""
    def count(st):
        return (int(st.get("voluntary_ctxt_switches", 0)) +
                int(st.get("nonvoluntary_ctxt_switches", 0)))
    main = count(proc_status(pid, pid))
    total = 0
    tids = os.listdir(f"/proc/{pid}/task")
    for tid in tids:
        total += count(proc_status(pid, int(tid)))
    slices = None
    try:
        with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
            slices = int(f.read().split()[2])
    except (OSError, IndexError, ValueError):
        pass
    return main, total, len(tids), slices


def kb_to_mb(v):
    try:
        return int(v.split()[0]) / 1024
    except (AttributeError, IndexError, ValueError):
        return None


# ---------------------------------------------------------------------------
# Runs.

def utc_ms(s):
    """'2026-12-01T08:00:00.003Z' -> epoch milliseconds."""
    t = dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
    return (calendar.timegm(t.timetuple()) * 1000 +
            t.microsecond // 1000)


def pct(values, p):
    """Nearest-rank percentile."""
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, -(-len(v) * p // 100) - 1))
    return v[int(k)]


def read_events(path):
    out = []
    try:
        with open(path, "rb") as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    out.append({"type": "<unparsable>"})
    except FileNotFoundError:
        pass
    return out


def run_lateness(args, far):
    work = os.path.join(args.out, "daemon-late")
    os.makedirs(os.path.join(work, "cal"), exist_ok=True)
    cal = os.path.join(work, "cal", f"posts-{args.posts}-near.ics")
    base = int(time.time())
    instants = write_lateness_calendar(far, cal, args.near, base)
    d = Daemon(args.smcald, work, cal)
    r = {"problems": []}
    print(f"lateness: {args.posts} posts, {args.near} due "
          f"{min(instants) - base}..{max(instants) - base} s after "
          f"{dt.datetime.fromtimestamp(base, dt.timezone.utc):%H:%M:%SZ}",
          flush=True)
    d.start()
    t_loaded = d.wait_log(r"loaded \d+ posts?", 60)
    t_ready = d.wait_note("READY=1", 60)
    if t_ready is None:
        r["problems"].append("lateness run: no READY=1 within 60 s "
                             f"(see {d.stderr_path})")
        d.stop()
        return r
    r["load_s"] = (t_loaded or t_ready) - d.t_spawn
    r["first_offset_s"] = min(instants) - t_ready
    sw0 = switches(d.proc.pid)
    deadline = max(instants) + 15
    due = []
    while time.time() < deadline and d.alive():
        due = [e for e in read_events(d.events_path)
               if e.get("type") == "post.due"]
        if len(due) >= args.near:
            break
        time.sleep(0.5)
    time.sleep(0.5)  # a straggler or a duplicate would show now
    sw1 = switches(d.proc.pid) if d.alive() else None
    if not d.alive():
        r["problems"].append(f"lateness run: smcald exited "
                             f"({d.proc.returncode}) before the end")
    rc = d.stop()
    events = read_events(d.events_path)
    r["events"] = events

    want = {f"near-{i:06d}@bench.smcal.example": at
            for i, at in enumerate(instants)}
    seen = {}
    fired, durable = [], []
    other = {}
    late_marked = 0
    for e in events:
        uid = e.get("post", {}).get("uid", "")
        if e.get("type") != "post.due" or uid not in want:
            key = f"{e.get('type')} {uid}"
            other[key] = other.get(key, 0) + 1
            continue
        seen[uid] = seen.get(uid, 0) + 1
        sched = utc_ms(e["scheduled_at"])
        if sched != want[uid] * 1000:
            r["problems"].append(f"{uid}: scheduled_at {e['scheduled_at']}"
                                 f", expected {want[uid]}")
        fired.append(utc_ms(e["fired_at"]) - sched)
        late_marked += bool(e.get("late"))
    missing = [u for u in want if u not in seen]
    dups = {u: n for u, n in seen.items() if n > 1}
    if missing:
        r["problems"].append(f"{len(missing)} of {args.near} post.due "
                             f"events never fired, e.g. {missing[:3]}")
    if dups:
        r["problems"].append(f"{len(dups)} posts fired more than once, "
                             f"e.g. {list(dups.items())[:3]}")
    if other:
        r["problems"].append(f"{sum(other.values())} unexpected events: "
                             f"{list(other.items())[:3]}")
    if late_marked:
        r["problems"].append(f"{late_marked} events marked late")
    if rc not in (0, None):
        r["problems"].append(f"lateness run: smcald exit status {rc}")

    # Durable: the STATUS after each batch carries the running total of
    # fired events; the events of the log up to that total were durable
    # when it arrived.
    order = events
    done = 0
    with d.lock:
        notes = list(d.notes)
    for t, msg in notes:
        m = re.search(r"(\d+) fired", msg)
        if not m:
            continue
        total = min(int(m.group(1)), len(order))
        while done < total:
            e = order[done]
            if e.get("type") == "post.due" and "scheduled_at" in e:
                durable.append(t * 1000 - utc_ms(e["scheduled_at"]))
            done += 1
    r["fired"] = fired
    r["durable"] = durable
    r["kernel_ts"] = d.kernel_ts
    r["batches"] = len(set(instants))
    r["biggest_batch"] = max(instants.count(x) for x in set(instants))
    if sw0 and sw1:
        r["window_wakeups"] = sw1[0] - sw0[0]
    return r


def run_idle(args, cal_path):
    work = os.path.join(args.out, "daemon-idle")
    os.makedirs(os.path.join(work, "cal"), exist_ok=True)
    # A directory of its own: the daemon watches the calendar's directory.
    link = os.path.join(work, "cal", os.path.basename(cal_path))
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(os.path.abspath(cal_path), link)
    d = Daemon(args.smcald, work, link)
    r = {"problems": []}
    print(f"idle: {args.posts} posts, nothing due for weeks; "
          f"{args.idle:g} s idle, then SIGHUP", flush=True)
    d.start()
    t_loaded = d.wait_log(r"loaded \d+ posts?", 60)
    t_ready = d.wait_note("READY=1", 60)
    if t_ready is None:
        r["problems"].append("idle run: no READY=1 within 60 s "
                             f"(see {d.stderr_path})")
        d.stop()
        return r
    r["load_s"] = (t_loaded or t_ready) - d.t_spawn
    r["ready_s"] = t_ready - d.t_spawn
    m = re.search(r"loaded \d+ posts? in \d+ calendars? \(\d+ series\)",
                  d.log_text())
    r["loaded"] = m.group(0) if m else None
    time.sleep(1)
    pid = d.proc.pid
    st = proc_status(pid)
    r["rss_mb"], r["hwm_mb"] = kb_to_mb(st.get("VmRSS")), kb_to_mb(
        st.get("VmHWM"))
    sw0 = switches(pid)
    t0 = time.time()
    time.sleep(args.idle)
    sw1 = switches(pid)
    elapsed = time.time() - t0
    r["idle_s"] = elapsed
    r["idle_main"] = sw1[0] - sw0[0]
    r["idle_all"] = sw1[1] - sw0[1]
    r["threads"] = (sw0[2], sw1[2])
    if sw0[3] is not None and sw1[3] is not None:
        r["idle_slices"] = sw1[3] - sw0[3]
    with d.lock:
        r["idle_notes"] = sum(1 for t, _ in d.notes if t > t0)

    # Reload.
    mark = len(d.log_text())
    t_hup = time.time()
    os.kill(pid, signal.SIGHUP)
    t_reloaded = d.wait_log(r"reloaded: ", 120, after=mark)
    t_ready2 = d.wait_note("READY=1", 120, after=t_hup)
    if t_reloaded is None:
        r["problems"].append("no \"reloaded:\" line within 120 s of SIGHUP")
    else:
        r["reload_s"] = t_reloaded - t_hup
    if t_ready2 is not None:
        r["reload_ready_s"] = t_ready2 - t_hup
    time.sleep(0.5)
    st = proc_status(pid)
    r["rss2_mb"], r["hwm2_mb"] = kb_to_mb(st.get("VmRSS")), kb_to_mb(
        st.get("VmHWM"))
    if not d.alive():
        r["problems"].append(f"idle run: smcald exited "
                             f"({d.proc.returncode})")
    rc = d.stop()
    if rc not in (0, None):
        r["problems"].append(f"idle run: smcald exit status {rc}")
    fired = read_events(d.events_path)
    if fired:
        r["problems"].append(f"idle run: {len(fired)} events fired with "
                             "nothing due")
    return r


RELOAD_CONF_TAIL = """
[calendar:small]
path = {small}
"""


def reset_peak(pid):
    """Resets VmHWM to the current RSS (Linux 4.0 and later: writing 5 to
    clear_refs); returns whether it worked."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def daemon_ms(text):
    """The reload time the daemon logged on its "reloaded:" line, or
    None (versions that do not log it)."""
    m = re.search(r"reloaded: .* in (\d+(?:\.\d+)?) ms", text)
    return float(m.group(1)) if m else None


def run_reload(args, big):
    """Two calendars: gen.py's N posts and a small one of 20 posts beside
    it.  After READY and a settle: (b) SIGHUP with nothing changed, then
    (a) the small calendar saved (a new version renamed over it, as
    editors save); each time the reload's duration (to the "reloaded:"
    line; for the save, less the 200 ms debounce; and the daemon's own
    figure when it logs one) and the peak RSS during it (VmHWM reset just
    before)."""
    work = os.path.join(args.out, "daemon-reload")
    caldir = os.path.join(work, "cal")
    os.makedirs(caldir, exist_ok=True)
    link = os.path.join(caldir, os.path.basename(big))
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(os.path.abspath(big), link)
    small = os.path.join(caldir, "small.ics")
    subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), "20",
                    small], check=True)
    d = Daemon(args.smcald, work, link)
    with open(d.conf, "a") as f:
        f.write(RELOAD_CONF_TAIL.format(small=os.path.abspath(small)))
    r = {"problems": []}
    print(f"reload: {args.posts} posts and a 20-post calendar beside them; "
          "SIGHUP, then a save of the small one", flush=True)
    d.start()
    if d.wait_note("READY=1", 60) is None:
        r["problems"].append("reload run: no READY=1 within 60 s "
                             f"(see {d.stderr_path})")
        d.stop()
        return r
    time.sleep(1)
    pid = d.proc.pid
    r["steady_mb"] = kb_to_mb(proc_status(pid).get("VmRSS"))
    if not reset_peak(pid):
        r["problems"].append("cannot reset VmHWM (clear_refs): peaks "
                             "include the first load")

    def one(name, action, debounce):
        mark = len(d.log_text())
        reset_peak(pid)
        t0 = time.time()
        action()
        t = d.wait_log(r"reloaded: ", 120, after=mark)
        if t is None:
            r["problems"].append(f"{name}: no \"reloaded:\" line within "
                                 "120 s")
            return
        r[name + "_s"] = t - t0 - debounce
        time.sleep(0.3)
        text = d.log_text()[mark:]
        r[name + "_daemon_ms"] = daemon_ms(text)
        m = re.search(r"reloaded: [^\n]*", text)
        r[name + "_line"] = m.group(0) if m else None
        r[name + "_hwm_mb"] = kb_to_mb(proc_status(pid).get("VmHWM"))
        time.sleep(0.5)

    one("hup", lambda: os.kill(pid, signal.SIGHUP), 0)

    def save():
        with open(small, "rb") as f:
            text = f.read()
        end = b"END:VCALENDAR\r\n"
        extra = (b"BEGIN:VEVENT\r\nUID:saved@bench.smcal.example\r\n"
                 b"DTSTAMP:20261201T090000Z\r\n"
                 b"DTSTART:20271201T090000Z\r\nSUMMARY:Saved\r\n"
                 b"X-SMCAL-PLATFORM:instagram\r\nEND:VEVENT\r\n")
        if not text.endswith(end):
            r["problems"].append(f"{small} does not end with {end!r}")
        with open(small + ".tmp", "wb") as f:
            f.write(text[:-len(end)] + extra + end)
        os.replace(small + ".tmp", small)

    one("save", save, 0.2)
    r["rss_mb"] = kb_to_mb(proc_status(pid).get("VmRSS"))
    if not d.alive():
        r["problems"].append(f"reload run: smcald exited "
                             f"({d.proc.returncode})")
    rc = d.stop()
    if rc not in (0, None):
        r["problems"].append(f"reload run: smcald exit status {rc}")
    return r


# ---------------------------------------------------------------------------

def fmt(v, unit="", digits=1):
    if v is None:
        return "n/a"
    return f"{v:.{digits}f}{unit}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smcald", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--posts", type=int, default=100000)
    ap.add_argument("--near", type=int, default=1000)
    ap.add_argument("--idle", type=float, default=60)
    ap.add_argument("--only", choices=["late", "idle", "reload"],
                    help="run one of the three runs alone")
    args = ap.parse_args()
    os.makedirs(args.data, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)

    far = ensure_gen(args.data, args.posts - args.near)
    full = ensure_gen(args.data, args.posts)
    t0 = time.time()
    late = run_lateness(args, far) if args.only in (None, "late") else {}
    idle = run_idle(args, full) if args.only in (None, "idle") else {}
    rel = run_reload(args, full) if args.only in (None, "reload") else {}

    f, du = late.get("fired", []), late.get("durable", [])
    rows = [("metric", "measured", "target")]
    rows.append((f"post.due fired, of {args.near}",
                 f"{len(f)} ({late.get('batches', 0)} batches, "
                 f"<= {late.get('biggest_batch', 0)}/s)", f"{args.near}"))
    rows.append(("lateness fired p50 / p99 / max",
                 f"{fmt(pct(f, 50), ' ms', 0)} / {fmt(pct(f, 99), ' ms', 0)}"
                 f" / {fmt(max(f) if f else None, ' ms', 0)}",
                 "p99 <= 5 ms"))
    rows.append(("lateness durable p50 / p99 / max",
                 f"{fmt(pct(du, 50), ' ms')} / {fmt(pct(du, 99), ' ms')}"
                 f" / {fmt(max(du) if du else None, ' ms')}", "-"))
    rows.append((f"idle wake-ups in {idle.get('idle_s', args.idle):.0f} s",
                 f"{idle.get('idle_main', 'n/a')} main thread, "
                 f"{idle.get('idle_all', 'n/a')} all threads", "0"))
    rows.append(("load: start -> loaded / READY",
                 f"{fmt(idle.get('load_s'), ' s', 2)} / "
                 f"{fmt(idle.get('ready_s'), ' s', 2)}", "-"))
    rows.append(("reload: SIGHUP -> reloaded / READY",
                 f"{fmt(idle.get('reload_s'), ' s', 2)} / "
                 f"{fmt(idle.get('reload_ready_s'), ' s', 2)}", "-"))
    rows.append(("RSS after load: VmRSS / VmHWM",
                 f"{fmt(idle.get('rss_mb'), ' MB')} / "
                 f"{fmt(idle.get('hwm_mb'), ' MB')}", "<= 100 MB"))
    rows.append(("RSS after reload: VmRSS / VmHWM",
                 f"{fmt(idle.get('rss2_mb'), ' MB')} / "
                 f"{fmt(idle.get('hwm2_mb'), ' MB')}", "<= 100 MB"))
    steady = rel.get("steady_mb")
    for name, label, target in (
            ("save", "reload (a): small calendar saved", "< 50 ms"),
            ("hup", "reload (b): SIGHUP, nothing changed", "< 20 ms")):
        own = rel.get(name + "_daemon_ms")
        wall = rel.get(name + "_s")
        rows.append((label + ": time (daemon's / wall)",
                     f"{fmt(own, ' ms', 1)} / "
                     f"{fmt(wall * 1000 if wall is not None else None, ' ms', 0)}",
                     target))
        hwm = rel.get(name + "_hwm_mb")
        rows.append((label + ": peak RSS",
                     f"{fmt(hwm, ' MB')} (steady {fmt(steady, ' MB')}, "
                     f"+{fmt((hwm / steady - 1) * 100 if hwm and steady else None, '%', 0)})",
                     "<= steady + 10%" if name == "save" else "-"))
    w = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [" | ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip()
             for r in rows]
    lines.insert(1, "-+-".join("-" * x for x in w))
    notes = []
    if idle.get("loaded"):
        notes.append(f"daemon: {idle['loaded']} (idle run)")
    if "load_s" in late:
        notes.append(f"lateness run: loaded in {late['load_s']:.2f} s, "
                     f"first post due {late['first_offset_s']:.1f} s after "
                     f"READY; main-thread context switches in the window "
                     f"(fdatasync and ledger I/O waits included): "
                     f"{late.get('window_wakeups', 'n/a')}")
    notes.append("fired = fired_at - scheduled_at (fired_at is read at the "
                 "wake-up, ms resolution); durable = sd_notify STATUS after write+fdatasync"
                 "+ledger commit, " + ("kernel receive timestamp"
                                       if late.get("kernel_ts")
                                       else "receive time") +
                 ", - scheduled_at")
    if "idle_main" in idle:
        per_h = idle["idle_all"] * 3600 / idle["idle_s"]
        notes.append(f"idle: {per_h:.0f} wake-ups/hour extrapolated "
                     f"(threads {idle['threads'][0]}; schedstat timeslices "
                     f"{idle.get('idle_slices', 'n/a')}; notifications "
                     f"{idle.get('idle_notes', 'n/a')}); cron-style minute "
                     "polling: 1 per 60 s = 60/hour, 1,440/day, up to 60 s "
                     "late")
    for name in ("hup", "save"):
        if rel.get(name + "_line"):
            notes.append(f"reload run, {name}: {rel[name + '_line']}")
    notes.append("reload (a) wall time runs from the rename to the "
                 "\"reloaded:\" line less the 200 ms debounce; peaks are "
                 "VmHWM reset (clear_refs) just before each reload")
    problems = (late.get("problems", []) + idle.get("problems", []) +
                rel.get("problems", []))
    for p in problems:
        notes.append("PROBLEM: " + p)
    notes.append(f"daemon benchmark took {time.time() - t0:.0f} s; logs and "
                 f"event logs in {args.out}/daemon-late and daemon-idle")
    text = "\n".join(lines + notes) + "\n"
    with open(os.path.join(args.out, "daemon-table.txt"), "w") as f:
        f.write(text)
    print()
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
