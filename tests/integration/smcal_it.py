#!/usr/bin/env python3
"""What every integration scenario shares (Python 3 stdlib only).

The *_test.py scripts of tests/integration import their helpers from here:
the daemon (start, READY, SIGTERM, kill -9, restart, valgrind, sanitizer
findings), the config and calendar writers, the webhook receivers (the Node
one that verifies Standard Webhooks signatures with the npm verifier, and a
plain one in this process), readers of the event log and the database,
waiting helpers and the scenario runner.  daemon_test.py and
webhooks_test.py re-export the names they used to define, with the same
signatures, for the scripts that import them.

Writing a new scenario
----------------------
A script tests/integration/AREA.sh sources lib.sh and runs AREA_test.py with
SMCALD, SMCTL, SMCAL_IT_TMP (a private directory, removed afterwards) and
SMCAL_IT_VG (the valgrind prefix under `make valgrind`) in the environment:
copy daemon.sh.  AREA_test.py holds one function per scenario:

    import os, sys
    from smcal_it import (TS, Daemon, check, conf_text, now, posts,
                          run_scenarios, scenario_dir, wait_events, write)

    def s_fires():
        d = scenario_dir("fires")              # $SMCAL_IT_TMP/fires
        due = now() + 3 * TS
        cal = write(os.path.join(d, "cal.ics"), posts(("p1", due)))
        write(os.path.join(d, "smcal.conf"), conf_text(d, [("main", cal)]))
        dm = Daemon(d).start()                 # returns once it is ready
        wait_events(os.path.join(d, "state", "events.jsonl"),
                    {("post.due", "p1", due * 1000)}, 10, "p1 due")
        check(dm.alive(), "the daemon died")
        dm.stop()                              # exit 0 and "stopping" checked

    if __name__ == "__main__":
        sys.exit(run_scenarios("area", [("fires", s_fires)], sys.argv))

`AREA_test.py NAME...` runs the named scenarios only.  check(cond, msg)
ends the scenario with a failure; expect(cond, msg) records one and lets the
scenario go on.  Timeouts are seconds and are multiplied by TM (10 under
valgrind); space the instants of posts by TS.  Assert timing loosely.  The
runner kills whatever a scenario left running, prints the stderr of its
daemons when it failed, and fails the run on any sanitizer or valgrind
report found in a daemon's or a command's stderr.
"""
import base64
import calendar
import hashlib
import hmac
import http.server
import itertools
import json
import os
import re
import select
import shlex
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
try:
    ROOT = os.environ["SMCAL_IT_TMP"]
except KeyError:
    raise SystemExit("SMCAL_IT_TMP is not set: run the scenarios through "
                     "their tests/integration/*.sh script") from None
SMCALD = os.environ.get("SMCALD", "")
SMCTL = os.environ.get("SMCTL") or (
    os.path.join(os.path.dirname(SMCALD), "smctl") if SMCALD else "")
VG = shlex.split(os.environ.get("SMCAL_IT_VG",
                                os.environ.get("SMCAL_VALGRIND_CMD", "")))
NODE = os.environ.get("NODE", "node")
RECEIVER = os.environ.get("SMCAL_RECEIVER",
                          os.path.join(HERE, "webhook_receiver.mjs"))
NODE_MODULES = os.environ.get("SMCAL_NODE_TEST_DIR", "")
# Deadlines and upper timing bounds (TM) are multiplied by 10 under
# valgrind; instants of posts (TS) are spread out a little so that a slow
# start does not eat them.
TM = 10 if VG else 1
TS = 3 if VG else 1
LATE_MS = 2000  # SPEC 4: "late" is fired more than 2 s after the instant
EXIT_CONFIG = 78
ID_RE = re.compile(r"^evt_[0-9a-f]{32}$")
FINDING_RE = re.compile(
    r"(AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
    r"runtime error:|^==\d+== )", re.M)
# The daemon's log line once it has loaded (-f: "smcald: info: ...", under
# the journal "<6>...") and the one of a clean stop.
READY_RE = r"(?:smcald: info: |^<6>)loaded \d+ posts?\b"
STOPPING_RE = r"(?:smcald: info: |^<6>)%s: stopping"

running = []  # daemons and receivers started, killed on the way out
created = []  # daemons of the current scenario, for their logs on failure
findings = []  # sanitizer / valgrind reports seen in stderr
problems = []  # expect() failures of the current scenario
timings = []  # measured figures, printed after the scenarios


class Fail(Exception):
    pass


def check(cond, msg):
    """A precondition: the scenario cannot go on without it."""
    if not cond:
        raise Fail(msg)


def expect(cond, msg):
    """An expectation: recorded, and the scenario goes on."""
    if not cond:
        problems.append(msg)
    return bool(cond)


# ---------------------------------------------------------------------------
# Time


def now():
    return int(time.time())


def ical_utc(t):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


def iso_s(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def iso_ms_to_ms(s):
    """"2026-12-01T08:00:00.003Z" -> milliseconds since the epoch."""
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})Z$", s)
    check(m, "bad timestamp %r" % s)
    secs = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
    return secs * 1000 + int(m.group(2))


def fmt_s(xs):
    return ", ".join("%.2f s" % x for x in xs)


# ---------------------------------------------------------------------------
# Files, calendars and configs


def scenario_dir(name, mode=None):
    """$SMCAL_IT_TMP/name, new (mode: chmod it, e.g. 0o755 for another
    user to look in)."""
    d = os.path.join(ROOT, name)
    os.makedirs(d)
    if mode is not None:
        os.chmod(d, mode)
    return d


def write(path, text, mode=None):
    """Writes text (or bytes) as is; returns path."""
    if isinstance(text, bytes):
        with open(path, "wb") as f:
            f.write(text)
    else:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    if mode is not None:
        os.chmod(path, mode)
    return path


def write_atomic(path, text):
    """An editor's save: write a temporary file, then rename it over."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)


def ical_text(s):
    """A TEXT value escaped (RFC 5545 3.3.11)."""
    return (s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold(line):
    """RFC 5545 folding at 75 octets, never inside a UTF-8 character."""
    out, cur, n = [], "", 0
    for ch in line:
        b = len(ch.encode("utf-8"))
        if n + b > 74:
            out.append(cur)
            cur, n = " ", 1
        cur += ch
        n += b
    out.append(cur)
    return "\r\n".join(out)


def vevent(uid, start, summary=None, webhook=None, extra=(), raw=False):
    """A VEVENT: start is a UTC instant (s), a whole DTSTART line ("DTSTART;
    VALUE=DATE:20261202") or None (no DTSTART); summary defaults to
    "post UID"; webhook adds X-SMCAL-WEBHOOK; extra is one more line or a
    list of them.  Lines are folded and the summary escaped, unless raw:
    then everything is written exactly as given (hostile or broken text)."""
    lines = ["BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20260101T000000Z"]
    if isinstance(start, str):
        lines.append(start)
    elif start is not None:
        lines.append("DTSTART:" + ical_utc(start))
    if summary is None:
        summary = "post " + uid
    lines.append("SUMMARY:" + (summary if raw else ical_text(summary)))
    if webhook:
        lines.append("X-SMCAL-WEBHOOK:" + webhook)
    if isinstance(extra, str):
        extra = [extra] if extra else []
    lines += list(extra)
    lines.append("END:VEVENT")
    if raw:
        return "\r\n".join(lines) + "\r\n"
    return "".join(fold(x) + "\r\n" for x in lines)


def vcalendar(events="", cut_short="", head=()):
    """A VCALENDAR around events: one string, or a list whose items are
    VEVENT texts (vevent()) or lists of property lines (wrapped in BEGIN/END
    VEVENT, written as given).  head: lines after PRODID.  cut_short: the
    text that ends the file instead of END:VCALENDAR (a save stopped
    half-way)."""
    if isinstance(events, str):
        body = events
    else:
        body = "".join(
            e if isinstance(e, str) else
            "BEGIN:VEVENT\r\n" + "".join(x + "\r\n" for x in e) +
            "END:VEVENT\r\n" for e in events)
    text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//smcal tests//EN\r\n"
            + "".join(x + "\r\n" for x in head) + body)
    return text + (cut_short or "END:VCALENDAR\r\n")


def posts(*items):
    """items: (uid, start) pairs -> a calendar of plain posts."""
    return vcalendar("".join(vevent(u, t, raw=True) for u, t in items))


def ini_section(header, keys):
    """"[header]" and its "key = value" lines; None values are left out."""
    return "[%s]\n%s\n" % (header, "".join(
        "%s = %s\n" % (k, v) for k, v in keys.items() if v is not None))


def conf_text(d, calendars=(), webhooks=(), platforms=(), daemon=None,
              reminders=None, catchup="1h", lead="none", overdue="1h",
              extra="", sections="", defaults=True):
    """A config for a daemon whose files are all under d.

    [daemon]: socket d/run/smcal.sock, state_dir d/state, timezone UTC,
    webhook none, catchup, log_level info, updated by the daemon dict (a
    None value removes a key), then the raw extra lines.  [reminders]: lead
    and overdue, updated by reminders.  calendars: (name, path) or (name,
    path, {key: value}) tuples, or one path: [calendar:main], allowed every
    webhook given.  webhooks and platforms: (name, {key: value}) pairs.
    sections: raw text at the end.  defaults=False writes only the keys
    given (a newcomer's minimal config)."""
    dk, rk = {}, {}
    if defaults:
        dk = {"socket": "%s/run/smcal.sock" % d, "state_dir": "%s/state" % d,
              "timezone": "UTC", "webhook": "none", "catchup": catchup,
              "log_level": "info"}
        rk = {"lead": lead, "overdue": overdue}
    dk.update(daemon or {})
    rk.update(reminders or {})
    if isinstance(calendars, str):
        allow = ", ".join(n for n, _ in webhooks)
        calendars = [("main", calendars, {"webhooks": allow or None})]
    text = ini_section("daemon", dk)
    if extra:
        text = text[:-1] + extra + "\n"
    if rk:
        text += ini_section("reminders", rk)
    for c in calendars:
        text += ini_section("calendar:" + c[0],
                            dict({"path": c[1]}, **(c[2] if len(c) > 2
                                                   else {})))
    for name, keys in platforms:
        text += ini_section("platform:" + name, keys)
    for name, keys in webhooks:
        text += ini_section("webhook:" + name, keys)
    return text + sections


def new_secret():
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def signature_valid(secret, hdrs, body):
    """Standard Webhooks: some v1 signature of webhook-signature is the
    HMAC-SHA256 of "id.timestamp.body" under secret (hdrs: lower-case)."""
    key = base64.b64decode(secret[len("whsec_"):])
    msg = ("%s.%s." % (hdrs.get("webhook-id", ""),
                       hdrs.get("webhook-timestamp", ""))).encode() + body
    sig = "v1," + base64.b64encode(
        hmac.new(key, msg, hashlib.sha256).digest()).decode()
    return sig in hdrs.get("webhook-signature", "").split()


def closed_port():
    """A loopback port nobody listens on (bound, then closed)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------------------
# Waiting


def wait_for(pred, timeout, what, interval=0.02):
    """Polls pred() until it returns a true value, which it returns; fails
    after timeout * TM s."""
    deadline = time.monotonic() + timeout * TM
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise Fail("timed out after %gs waiting for %s" %
                       (timeout * TM, what))
        time.sleep(interval)


def sleep_until(t):
    """Lets the wall clock pass t (an observation window, never an
    assertion)."""
    while time.time() < t:
        time.sleep(min(0.1, max(0.01, t - time.time())))


# ---------------------------------------------------------------------------
# Commands


def run_cmd(args, prefix=(), timeout=30, cwd=None):
    """Runs args (inside VG, after prefix: e.g. setpriv) to its end;
    returns (exit status, stdout, stderr).  Sanitizer and valgrind reports
    in stderr are findings."""
    p = subprocess.run(list(prefix) + VG + [str(a) for a in args],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout * TM, cwd=cwd)
    err = p.stderr.decode("utf-8", "replace")
    if FINDING_RE.search(err):
        findings.append("%s: %s" % (" ".join(map(str, args)), err[:2000]))
    return p.returncode, p.stdout.decode("utf-8", "replace"), err


def smctl(*args, **kw):
    """run_cmd of SMCTL with args; same keywords."""
    check(SMCTL, "SMCTL is not set")
    return run_cmd([SMCTL] + list(args), **kw)


# ---------------------------------------------------------------------------
# The daemon


class Notify:
    """An sd_notify socket (abstract: any user may send to it) keeping the
    datagrams it receives, in order."""

    seq = itertools.count()

    def __init__(self):
        name = "smcal-it-%d-%d" % (os.getpid(), next(Notify.seq))
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + name)
        self.name = "@" + name  # NOTIFY_SOCKET
        self.lock = threading.Lock()
        self.messages = []
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            with self.lock:
                self.messages.append(data.decode("utf-8", "replace"))

    def since(self, mark):
        with self.lock:
            return self.messages[mark:]


class Daemon:
    """smcald on the config d/smcal.conf (or conf_path), stderr appended to
    d/NAME.stderr.  prefix: the command before it (another user); umask;
    env: variables added; foreground=False drops -f; notify=True gives it an
    sd_notify socket and waits for READY=1 there instead of the log line."""

    def __init__(self, d, name="smcald", conf_path=None, prefix=(),
                 umask=None, env=None, foreground=True, notify=False):
        self.dir = d
        self.conf = conf_path or os.path.join(d, "smcal.conf")
        self.log = os.path.join(d, name + ".stderr")
        self.prefix = list(prefix)
        self.umask = umask
        self.env = dict(env or {})
        self.foreground = foreground
        self.notify = Notify() if notify else None
        self.proc = None
        self.mark = 0  # where the current run's stderr starts
        self.nmark = 0  # where its sd_notify messages start
        created.append(self)

    def command(self):
        return (self.prefix + VG + [SMCALD] +
                (["-f"] if self.foreground else []) + ["-c", self.conf])

    def start(self, wait_ready=True):
        check(self.proc is None, "daemon already running")
        check(SMCALD, "SMCALD is not set")
        self.mark = (os.path.getsize(self.log)
                     if os.path.exists(self.log) else 0)
        env = None  # inherits os.environ as it is now
        if self.env or self.notify:
            env = dict(os.environ, **self.env)
            if self.notify:
                env["NOTIFY_SOCKET"] = self.notify.name
                self.nmark = len(self.notify.since(0))
        um = self.umask
        with open(self.log, "ab") as logf:
            self.proc = subprocess.Popen(
                self.command(), env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=logf,
                preexec_fn=(lambda: os.umask(um)) if um is not None else None)
        running.append(self)
        if wait_ready:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10):
        if self.notify:
            self.wait_notice(r"^READY=1$", timeout, "start-up")
        else:
            self.wait_log(READY_RE, timeout, "start-up")

    def restart(self, **kw):
        """SIGTERM (checked as stop() does), then start(**kw)."""
        self.stop()
        return self.start(**kw)

    @property
    def pid(self):
        return self.proc.pid

    def text(self, whole=False):
        """stderr of the current (or last) run; whole: of every run."""
        with open(self.log, "rb") as f:
            if not whole:
                f.seek(self.mark)
            return f.read().decode("utf-8", "replace")

    def tail(self, n=30, width=300, whole=True):
        return "\n".join(x[:width] + ("..." if len(x) > width else "")
                         for x in self.text(whole).splitlines()[-n:])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def exited(self, what):
        if not self.alive():
            raise Fail("daemon exited (%s) while waiting for %s" %
                       (self.proc.returncode if self.proc else "?", what))

    def wait_log(self, pattern, timeout, what, count=1):
        """Waits for count matches of pattern (re.M) in this run's
        stderr; fails early when the daemon exits."""
        rx = re.compile(pattern, re.M)

        def seen():
            if len(rx.findall(self.text())) >= count:
                return True
            self.exited(what)
            return False

        wait_for(seen, timeout, "%s (log /%s/ x%d)" % (what, pattern, count))

    def notices(self):
        """This run's sd_notify messages (notify=True)."""
        check(self.notify, "the daemon has no notify socket")
        return self.notify.since(self.nmark)

    def wait_notice(self, pattern, timeout, what, count=1):
        """Waits for count sd_notify messages with a line matching
        pattern (re.M)."""
        rx = re.compile(pattern, re.M)

        def seen():
            if len([m for m in self.notices() if rx.search(m)]) >= count:
                return True
            self.exited(what)
            return False

        wait_for(seen, timeout, "%s (sd_notify /%s/ x%d)" %
                 (what, pattern, count))

    def send(self, sig):
        self.proc.send_signal(sig)

    def ended(self):
        self.proc = None
        if self in running:
            running.remove(self)
        self.scan()

    def stop(self, sig=signal.SIGTERM, name=None):
        """Stops with sig; checks exit 0 within 5 s and the log's
        "SIG: stopping"; returns how long it took."""
        name = name or signal.Signals(sig).name
        check(self.alive(), "daemon not running before %s" % name)
        t0 = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=5 * TM)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Fail("%s: daemon still running after %ds" % (name, 5 * TM))
        took = time.monotonic() - t0
        self.ended()
        check(rc == 0, "%s: exit status %s, expected 0" % (name, rc))
        check(re.search(STOPPING_RE % name, self.text(), re.M),
              "%s: no '%s: stopping' in the log" % (name, name))
        return took

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.ended()

    def kill(self):
        """kill -9 if still running (the runner's clean-up)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.ended()

    def wait_exit(self, timeout):
        """The exit status, or None when still running after timeout s."""
        try:
            rc = self.proc.wait(timeout=timeout * TM)
        except subprocess.TimeoutExpired:
            return None
        self.ended()
        return rc

    def refused(self, pattern, what, timeout=10):
        """Expects exit 78 within timeout s and pattern in stderr."""
        rc = self.wait_exit(timeout)
        check(rc is not None, "%s: the daemon started (still running after "
              "%ds) instead of refusing" % (what, timeout * TM))
        check(rc == EXIT_CONFIG, "%s: exit %s, expected 78\n%s" %
              (what, rc, self.tail()))
        check(re.search(pattern, self.text()), "%s: no /%s/ in stderr:\n%s" %
              (what, pattern, self.tail()))

    def scan(self):
        """The first sanitizer or valgrind report of this run: a finding."""
        t = self.text()
        m = FINDING_RE.search(t)
        if m:
            start = t.rfind("\n", 0, m.start()) + 1
            findings.append("%s: %s" % (self.log, t[start:start + 2000]))

    def event_lines(self):
        """The log sink's JSON objects of the current run."""
        out = []
        for line in self.text().splitlines():
            # Away from the journal a line may start with its timestamp.
            m = re.match(r"^(?:\S+ )?smcald: info: event (\{.*)$", line)
            if m:
                out.append(json.loads(m.group(1)))
        return out


# ---------------------------------------------------------------------------
# Webhook receivers


class Receiver:
    """webhook_receiver.mjs (Node): checks every request's Standard Webhooks
    signature with the npm verifier, once per secret, and logs one JSON line
    per request to d/receiver.jsonl; its paths choose its behaviour (see
    the file's header: /ok, /fail/N, /429/S, /hang, /gone, ...)."""

    def __init__(self, d, secrets):
        check(NODE_MODULES, "SMCAL_NODE_TEST_DIR is not set (the .sh script "
              "runs scripts/test-setup.sh node)")
        self.log = os.path.join(d, "receiver.jsonl")
        self.err = os.path.join(d, "receiver.stderr")
        self.secrets = secrets
        with open(self.err, "wb") as errf:
            self.proc = subprocess.Popen(
                [NODE, RECEIVER, "--log", self.log, "--modules",
                 NODE_MODULES] + secrets, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=errf)
        self.out = self.proc.stdout
        running.append(self)
        ready, _, _ = select.select([self.out], [], [], 15 * TM)
        line = self.out.readline().decode() if ready else ""
        check(line.strip().isdigit(), "the receiver did not print its port "
              "(%r); stderr: %s" % (line, self.stderr()))
        self.port = int(line)
        self.base = "http://127.0.0.1:%d" % self.port

    def stderr(self):
        try:
            with open(self.err, "rb") as f:
                return f.read().decode("utf-8", "replace")[-2000:]
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def entries(self, prefix=None):
        """The logged requests (to paths starting with prefix)."""
        if not os.path.exists(self.log):
            return []
        with open(self.log, "rb") as f:
            data = f.read().decode("utf-8")
        out = []
        for line in data.split("\n")[:-1]:
            e = json.loads(line)
            if prefix is None or e["path"].startswith(prefix):
                out.append(e)
        return out

    def wait(self, prefix, n, timeout, what):
        def pred():
            check(self.alive(), "the receiver exited: %s" % self.stderr())
            got = self.entries(prefix)
            return got if len(got) >= n else None
        return wait_for(pred, timeout, "%s (%d requests to %s)" %
                        (what, n, prefix))

    def control(self, path):
        """POST to a control path (/_ctl/pass/KEY)."""
        with urllib.request.urlopen(self.base + path, data=b"",
                                    timeout=5) as r:
            check(r.status == 200, "receiver control %s: %d" %
                  (path, r.status))

    def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        if self in running:
            running.remove(self)

    kill = stop

    def scan(self):
        """Nothing to report: the receiver is not built with sanitizers."""


class PlainReceiver:
    """A loopback HTTP receiver in this process: answers every POST with
    status and keeps each request as {"time", "path", "headers" (names in
    lower case), "body" (bytes)}; check signatures with signature_valid."""

    def __init__(self, status=200):
        self.lock = threading.Lock()
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with outer.lock:
                    outer.requests.append({
                        "time": time.time(), "path": self.path,
                        "headers": {k.lower(): v
                                    for k, v in self.headers.items()},
                        "body": body})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.port = self.server.server_address[1]
        self.base = "http://127.0.0.1:%d" % self.port
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def received(self, prefix=""):
        with self.lock:
            return [r for r in self.requests if r["path"].startswith(prefix)]

    def wait(self, prefix, n, timeout, what):
        def pred():
            got = self.received(prefix)
            return got if len(got) >= n else None
        return wait_for(pred, timeout, "%s (%d requests to %s)" %
                        (what, n, prefix))

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def check_request(e, ids, uid, secrets_n=1, kind=None):
    """One request the Node receiver logged: signed and verified,
    webhook-id = the event id of the post's event (ids: event_ids()), a
    fresh timestamp.  Returns the webhook-id."""
    h = e["headers"]
    what = "%s (%s)" % (e["path"], uid)
    expect(e["verified"], "%s: signature not verified by the standardwebhooks"
           " verifier: %s; headers %s" % (what, e["verify_errors"], h))
    sigs = h.get("webhook-signature", "").split(" ")
    expect(len(sigs) == secrets_n and all(s.startswith("v1,") for s in sigs),
           "%s: webhook-signature %r, expected %d v1 signature(s)" %
           (what, h.get("webhook-signature"), secrets_n))
    wid = h.get("webhook-id", "")
    expect(ID_RE.match(wid) and "." not in wid, "%s: webhook-id %r is not "
           "an evt_ id" % (what, wid))
    if kind is None:
        kind = "post.due"
        if e["json"] and e["body"]:
            body = json.loads(e["body"])
            if body.get("type") in ("post.reminder", "post.due",
                                    "post.overdue"):
                kind = body["type"]
    want = ids.get((kind, uid))
    expect(want is not None and wid == want, "%s: webhook-id %s, but the "
           "event log has %s for %s %s" % (what, wid, want, kind, uid))
    ts = h.get("webhook-timestamp", "")
    expect(ts.isdigit() and -3 * TM <= int(ts) - e["time"] / 1000.0 <= 1.5,
           "%s: webhook-timestamp %r, received at %.3f" %
           (what, ts, e["time"] / 1000.0))
    return wid


# ---------------------------------------------------------------------------
# The event log


def read_events(path, strict=False, torn=False):
    """The event log's objects.  A last line without its newline (still
    being written) is left out, and any other line must be one JSON object.
    strict: the log must end with a newline too.  torn (after a kill -9): a
    line that is not JSON is passed over, or, where a torn fragment was
    glued to the next append, read as that next event."""
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read().decode("utf-8", "replace")
    lines = data.split("\n")
    if lines and lines[-1] != "":
        check(not strict, "event log %s does not end with a newline: %r" %
              (path, lines[-1][:200]))
    out = []
    for i, line in enumerate(lines[:-1]):
        try:
            out.append(json.loads(line))
            continue
        except ValueError:
            check(torn, "event log %s line %d is not one JSON object "
                  "(a line torn by a kill, not repaired on restart?): %r" %
                  (path, i + 1, line[:400]))
        k = line.rfind('{"type":')
        if k > 0:
            try:
                out.append(json.loads(line[k:]))
            except ValueError:
                pass
    return out


def key(ev):
    """(type, uid, scheduled_at in ms): what identifies an event."""
    return (ev["type"], ev["post"]["uid"], iso_ms_to_ms(ev["scheduled_at"]))


def keys_of(events):
    return [key(e) for e in events]


def event_ids(path):
    """(type, uid) -> id, from the event log."""
    return {(e["type"], e["post"]["uid"]): e["id"] for e in read_events(path)}


def have_all(path, expected):
    """A poller: true once every expected key is in the event log."""
    def pred():
        got = set(keys_of(read_events(path, torn=True)))
        return expected <= got
    return pred


def missing_msg(path, expected):
    got = set(keys_of(read_events(path, torn=True)))
    return "missing %s" % sorted(expected - got)[:10]


def wait_events(path, expected, timeout, what):
    """Waits until every expected key (key()) is in the event log."""
    try:
        wait_for(have_all(path, expected), timeout, what)
    except Fail as e:
        raise Fail("%s; %s" % (e, missing_msg(path, expected)))


def check_event_shape(ev, calendar_name="main"):
    """Fields of SPEC 4 and the late rule."""
    check(ID_RE.match(ev.get("id", "")), "bad id %r" % ev.get("id"))
    check(ev["type"] in ("post.reminder", "post.due", "post.overdue"),
          "bad type %r" % ev["type"])
    sched = iso_ms_to_ms(ev["scheduled_at"])
    fired = iso_ms_to_ms(ev["fired_at"])
    check(fired >= sched, "%s %s fired at %s before its instant %s" %
          (ev["type"], ev["post"]["uid"], ev["fired_at"], ev["scheduled_at"]))
    check(isinstance(ev["late"], bool), "late is not a boolean: %r" % ev)
    check(ev["post"]["calendar"] == calendar_name,
          "calendar %r, expected %r" % (ev["post"]["calendar"], calendar_name))
    pub = ev["post"]["publish_at"]
    check(ev["post"]["recurrence_id"] == pub,
          "recurrence_id %r != publish_at %r" % (ev["post"]["recurrence_id"],
                                                 pub))
    pub_ms = calendar.timegm(time.strptime(pub, "%Y-%m-%dT%H:%M:%SZ")) * 1000
    if ev["type"] == "post.reminder":
        check(sched == pub_ms - ev["lead_s"] * 1000 and ev["lead_s"] > 0,
              "reminder at %s, lead_s %s, publish_at %s" %
              (ev["scheduled_at"], ev["lead_s"], pub))
    else:
        check(ev["lead_s"] == 0, "lead_s %r on %s" % (ev["lead_s"],
                                                       ev["type"]))
    if ev["type"] == "post.due":
        check(sched == pub_ms, "post.due at %s, publish_at %s" %
              (ev["scheduled_at"], pub))


def check_on_time(ev):
    """late is exactly 'fired more than 2 s after the instant'; on a quiet
    machine that is false for events due while the daemon runs."""
    lag = iso_ms_to_ms(ev["fired_at"]) - iso_ms_to_ms(ev["scheduled_at"])
    check(ev["late"] == (lag > LATE_MS),
          "%s %s: late=%s but fired %d ms after its instant" %
          (ev["type"], ev["post"]["uid"], ev["late"], lag))
    if ev["late"]:
        print("  note: %s %s fired %d ms late (slow machine)" %
              (ev["type"], ev["post"]["uid"], lag))


def exactly_once(events, expected, what):
    """Each expected key once in events, and nothing else."""
    ks = keys_of(events)
    for k in expected:
        n = ks.count(k)
        check(n == 1, "%s: %s appears %d times in the event log" %
              (what, k, n))
    extra = [k for k in ks if k not in expected]
    check(not extra, "%s: unexpected events %s" % (what, extra[:10]))


def ids_consistent(events):
    """Same (type, uid, instant) never under two ids, and the reverse."""
    by_key, by_id = {}, {}
    for e in events:
        k = key(e)
        by_key.setdefault(k, set()).add(e["id"])
        by_id.setdefault(e["id"], set()).add(k)
    for k, ids in by_key.items():
        check(len(ids) == 1, "%s fired under several ids %s" % (k, ids))
    for i, ks in by_id.items():
        check(len(ks) == 1, "id %s used for several events %s" % (i, ks))


# ---------------------------------------------------------------------------
# The database


def db_query(db, sql, args=(), as_dict=False):
    """Rows of sql on db (a database file, or a scenario directory: its
    state/smcal.db): tuples, or dicts."""
    if os.path.isdir(db):
        db = os.path.join(db, "state", "smcal.db")
    con = sqlite3.connect(db, timeout=30)
    if as_dict:
        con.row_factory = sqlite3.Row
    try:
        rows = con.execute(sql, args).fetchall()
        return [dict(r) for r in rows] if as_dict else rows
    finally:
        con.close()


def db_rows(d, sql, args=(), as_dict=False):
    """db_query on the scenario directory d's state database."""
    return db_query(os.path.join(d, "state", "smcal.db"), sql, args, as_dict)


def db_exec(db, sql, args=(), many=False):
    """Runs and commits sql (executemany with many) on db (as db_query)."""
    if os.path.isdir(db):
        db = os.path.join(db, "state", "smcal.db")
    con = sqlite3.connect(db, timeout=30)
    try:
        (con.executemany if many else con.execute)(sql, args)
        con.commit()
    finally:
        con.close()


def check_ledger(d, events):
    """The fired table holds exactly the ids of events."""
    fired = {r[0] for r in db_rows(d, "SELECT id FROM fired")}
    ids = {e["id"] for e in events}
    check(ids <= fired, "ids in the event log but not in the fired table: %s"
          % sorted(ids - fired)[:5])
    check(fired <= ids, "ids in the fired table but not in the event log: %s"
          % sorted(fired - ids)[:5])


def outbox(d, webhook):
    """The webhook's outbox rows (dicts), oldest first."""
    return db_rows(d, "SELECT id, event_id, webhook, event_type, status, "
                   "attempts, next_at, last_status, last_error, created_at, "
                   "updated_at FROM outbox WHERE webhook = ? ORDER BY id",
                   (webhook,), as_dict=True)


def wait_outbox(d, webhook, pred, timeout, what):
    """Waits until the webhook has rows and pred(rows); returns them."""
    def f():
        rows = outbox(d, webhook)
        return rows if rows and pred(rows) else None
    try:
        return wait_for(f, timeout, what)
    except Fail as e:
        raise Fail("%s; outbox rows of %s: %s" % (e, webhook,
                                                    outbox(d, webhook)))


def all_status(status, n=1):
    """A wait_outbox predicate: at least n rows, all in status."""
    return lambda rows: len(rows) >= n and all(r["status"] == status
                                               for r in rows)


# ---------------------------------------------------------------------------
# The runner


def stop_all():
    """Kills what is still running (scanning the daemons' stderr)."""
    for p in list(running):
        p.kill()
        if p in running:
            running.remove(p)


def run_scenarios(title, scenarios, argv):
    """Runs the scenarios ((name, function) pairs, or a dict) named in
    argv[1:], or all; prints "ok"/"FAIL" per scenario, the measured
    timings, the findings and "TITLE tests: N run, N failed, N findings".
    Returns the exit status: 0, 1 (a failure or a finding), 2 (usage)."""
    table = dict(scenarios)
    chosen = argv[1:] or list(table)
    unknown = [c for c in chosen if c not in table]
    if unknown:
        print("unknown scenario(s): %s; known: %s" %
              (" ".join(unknown), " ".join(table)), file=sys.stderr)
        return 2
    width = max(len(n) for n in table)
    failed = []
    t_all = time.monotonic()
    for name in chosen:
        t0 = time.monotonic()
        del created[:]
        del problems[:]
        err = None
        try:
            table[name]()
        except Exception as e:  # Fail, or a bug of the test itself
            err = e
        finally:
            stop_all()
        took = time.monotonic() - t0
        if err is None and not problems:
            print("ok   %-*s %5.1fs" % (width, name, took))
            continue
        failed.append(name)
        print("FAIL %-*s %5.1fs" % (width, name, took), file=sys.stderr)
        for p in problems:
            print("  - %s" % p, file=sys.stderr)
        if err is not None:
            print("  - %s" % err, file=sys.stderr)
            if not isinstance(err, Fail):
                traceback.print_exception(err)
            elif err.__context__ is not None:
                print("    (while handling: %r)" % err.__context__,
                      file=sys.stderr)
        for dm in created:
            print("  --- daemon stderr (%s), last lines:\n%s" %
                  (dm.log, dm.tail()), file=sys.stderr)
    if timings:
        print("measured:")
        for t in timings:
            print("  " + t)
    for f in findings:
        print("SANITIZER/VALGRIND finding:\n%s" % f, file=sys.stderr)
    print("%s tests: %d run, %d failed, %d findings, %.1fs" %
          (title, len(chosen), len(failed), len(findings),
           time.monotonic() - t_all))
    return 1 if failed or findings else 0
