#!/usr/bin/env python3
"""Control socket scenarios: the real smcald and the real smctl (run by
control.sh; Python 3 stdlib only, plus the Node webhook receiver of
webhooks_test.py for the deliveries scenario).

Each scenario gets its own directory under $SMCAL_IT_TMP and runs the
daemon in the foreground (daemon_test.Daemon).  smctl runs as a
subprocess (inside $SMCAL_IT_VG when set), as root or, for the permission
scenario, as unprivileged users this script creates and removes.  Raw
varlink clients (Conn below) check what smctl does not show: pipelining,
partial messages, limits.  Timing is asserted loosely (seconds).

Scenarios:
  status       status (tables, --json, colour only on a terminal and never
               with NO_COLOR), the socket's path from -s / SMCAL_SOCKET /
               -c, GetInfo and GetInterfaceDescription, every declared
               method answered, socket mode and group, removed at stop
  reload       reload ok; a config with errors: exit 1, the errors
               printed, the running config stays; a broken calendar keeps
               its previous version; reloads pipelined and concurrent
  deliveries   a loopback receiver that fails (500), deliveries --failed,
               retry once it is fixed: delivered with the same webhook-id;
               70 failed deliveries streamed; retry of a delivered or
               unknown delivery refused
  pipeline     several calls in one write answered in order, a call split
               into one-byte writes, oneway calls, per-call errors that
               keep the connection (unknown method, wrong parameter types,
               ExpectedMore)
  limits       2 MiB without a NUL, invalid JSON, 50 idle connections, a
               client that does not read its replies: smctl status still
               answers, a post still fires on time; idle and stuck
               connections are closed after 30 s
  permissions  users outside the allowed groups refused with the groups
               named; read_groups read, admin_groups and admin_users
               change; groups held by the process count; no access to the
               socket at all: exit 69
  unreachable  exit 69 naming the socket and where its path came from, 78
               for an unreadable -c, 2 for usage; a second daemon refused,
               a stale socket removed, a file that is not a socket kept
  activation   smcald started the systemd way (LISTEN_FDS, LISTEN_PID)
               through systemd-socket-activate, talked to with smctl

Usage: control_test.py [SCENARIO...]   (default: all)
"""
import grp
import json
import os
import pty
import pwd
import re
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import traceback

import daemon_test as dt
from daemon_test import Fail, check, now, wait_for

SMCTL = os.environ["SMCTL"]
SMCALD = dt.SMCALD
ROOT = dt.ROOT
VG = dt.VG
TM = dt.TM
TS = dt.TS
EXIT_FAILED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_CONFIG = 1, 2, 69, 78
IDLE_S = 30  # CONTROL_IDLE_MS
with open(SMCALD, "rb") as _f:
    ASAN = b"__asan_init" in _f.read()
ESC = "\033["


# ---------------------------------------------------------------------------
# smctl and raw varlink clients


def smctl(args, env=None, user=None, timeout=60):
    """Runs smctl; returns (exit code, stdout, stderr).  user: run as that
    account (setpriv with its groups from the group database); extra:
    env entries added to a copy of the environment."""
    e = dict(os.environ)
    e.pop("SMCAL_SOCKET", None)
    e.update(env or {})
    prefix = []
    if user:
        prefix = ["setpriv", "--reuid=" + user["name"],
                  "--regid=" + str(user["gid"])]
        prefix += (["--groups=" + ",".join(map(str, user["groups"]))]
                   if "groups" in user else ["--init-groups"])
    p = subprocess.run(prefix + VG + [SMCTL] + args, env=e,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout * TM)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    if dt.FINDING_RE.search(err):
        dt.findings.append("smctl %s: %s" % (" ".join(args), err[:2000]))
    return p.returncode, out, err


def expect(args, code, what, **kw):
    rc, out, err = smctl(args, **kw)
    check(rc == code, "%s: smctl %s exited %d, expected %d\nstdout: %s\n"
          "stderr: %s" % (what, " ".join(args), rc, code, out[:2000],
                          err[:2000]))
    return out, err


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class Conn:
    """A raw varlink client on a Unix socket."""

    def __init__(self, path, timeout=10):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout * TM)
        self.s.connect(path)
        self.buf = b""

    @staticmethod
    def message(method, params=None, more=False, oneway=False):
        m = {"method": method}
        if params is not None:
            m["parameters"] = params
        if more:
            m["more"] = True
        if oneway:
            m["oneway"] = True
        return json.dumps(m).encode() + b"\0"

    def call(self, method, params=None, more=False, oneway=False):
        self.s.sendall(self.message(method, params, more, oneway))

    def raw(self, data):
        self.s.sendall(data)

    def reply(self):
        while b"\0" not in self.buf:
            data = self.s.recv(65536)
            if not data:
                raise Fail("the daemon closed the connection; %d bytes "
                           "unread: %r" % (len(self.buf), self.buf[:200]))
            self.buf += data
        msg, _, self.buf = self.buf.partition(b"\0")
        return json.loads(msg)

    def stream(self):
        """Replies of one call until the one without "continues"."""
        out = []
        while True:
            r = self.reply()
            out.append(r)
            if not r.get("continues"):
                return out

    def closed(self):
        """True once the daemon closed the connection (all replies
        read)."""
        try:
            while True:
                data = self.s.recv(65536)
                if not data:
                    return True
                self.buf += data
        except (socket.timeout, BlockingIOError):
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True

    def close(self):
        self.s.close()


def wait_closed(conn, timeout, what):
    conn.s.settimeout(0.2)
    wait_for(conn.closed, timeout, what, interval=0.01)


# ---------------------------------------------------------------------------
# Set-up


def write_conf(d, cals, extra="", sock=None, lead="none"):
    """A config with the calendars [(name, path)]; returns the socket."""
    sock = sock or os.path.join(d, "run", "smcal.sock")
    text = dt.conf_text(d, cals, lead=lead, extra=extra)
    text = text.replace("socket = %s/run/smcal.sock" % d, "socket = " + sock)
    dt.write(os.path.join(d, "smcal.conf"), text)
    return sock


def start(name, posts=(), extra="", conf_extra=None, cals=None):
    """A scenario directory, a calendar of posts [(uid, start)] and a
    running daemon; returns (dir, daemon, socket)."""
    d = dt.scenario_dir(name)
    cal = os.path.join(d, "main.ics")
    dt.write(cal, dt.posts(*posts))
    sock = write_conf(d, cals or [("main", cal)], extra=extra)
    dm = dt.Daemon(d).start()
    return d, dm, sock


def status_json(sock, **kw):
    out, _ = expect(["-s", sock, "status", "--json"], 0, "status --json",
                    **kw)
    objs = json_lines(out)
    check(len(objs) == 1, "status --json printed %d objects" % len(objs))
    return objs[0]


def run_in_pty(args, env):
    """Runs smctl with a terminal as stdout; returns its output."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve(SMCTL, [SMCTL] + args, env)
        finally:
            os._exit(127)
    out = b""
    deadline = time.monotonic() + 20 * TM
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if not r:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0,
          "smctl %s on a terminal: status %r" % (" ".join(args), status))
    return out.decode("utf-8", "replace")


# ---------------------------------------------------------------------------
# Scenarios


def s_status():
    t = now()
    d, dm, sock = start("status", [("p1", t + 3600), ("p2", t + 7200)])
    st = os.stat(sock)
    check(stat.S_ISSOCK(st.st_mode), "%s is not a socket" % sock)
    check(stat.S_IMODE(st.st_mode) == 0o660,
          "socket mode %o, expected 0660" % stat.S_IMODE(st.st_mode))

    # People: a table of calendars, the next events, no colour in a pipe.
    out, _ = expect(["-s", sock, "status"], 0, "status")
    for want in ("smcald ", "CALENDAR", "main", "ok", "next events",
                 "post p1", "deliveries: 0 pending, 0 failed"):
        check(want in out, "status lacks %r:\n%s" % (want, out))
    check(ESC not in out, "colour in a pipe:\n%r" % out[:300])

    # Scripts: one object with the fields of io.smcal.Status.
    s = status_json(sock)
    for k in ("version", "protocol", "pid", "started_at", "uptime_s",
              "config", "timezone", "reloading", "posts", "calendars",
              "next_events", "fired", "missed", "missed_recent",
              "deliveries_pending", "deliveries_failed",
              "disabled_webhooks"):
        check(k in s, "status --json lacks %s: %s" % (k, s))
    check(s["pid"] == dm.proc.pid or VG, "pid %s" % s["pid"])
    check(s["posts"] == 2 and s["calendars"][0]["state"] == "ok" and
          s["calendars"][0]["posts"] == 2, "calendars: %s" % s["calendars"])
    ev = [e for e in s["next_events"] if e["type"] == "post.due"]
    check([e["uid"] for e in s["next_events"]] == ["p1", "p1", "p2", "p2"]
          and [e["uid"] for e in ev] == ["p1", "p2"] and
          ev[0]["at"] == dt.iso_s(t + 3600) and
          ev[0]["at_local"] == dt.iso_s(t + 3600)[:-1] + "+00:00" and
          dt.ID_RE.match(ev[0]["id"]), "next events: %s" % ev)

    # The socket from -c FILE, SMCAL_SOCKET, and -s over SMCAL_SOCKET.
    conf = os.path.join(d, "smcal.conf")
    expect(["-c", conf, "status"], 0, "status with -c")
    expect(["status"], 0, "SMCAL_SOCKET", env={"SMCAL_SOCKET": sock})
    expect(["-s", sock, "status"], 0, "-s over SMCAL_SOCKET",
           env={"SMCAL_SOCKET": os.path.join(d, "nowhere.sock")})

    # Colour on a terminal, none with NO_COLOR.
    env = dict(os.environ, TERM="xterm")
    env.pop("NO_COLOR", None)
    out = run_in_pty(["-s", sock, "status"], env)
    check(ESC in out, "no colour on a terminal:\n%r" % out[:300])
    env["NO_COLOR"] = "1"
    out = run_in_pty(["-s", sock, "status"], env)
    check(ESC not in out and "next events" in out,
          "colour with NO_COLOR:\n%r" % out[:300])

    # Any varlink client: GetInfo and the interface descriptions, and
    # every method they declare is answered (queue methods: not
    # implemented yet, never "not found").
    c = Conn(sock)
    c.call("org.varlink.service.GetInfo")
    info = c.reply()["parameters"]
    check(info["interfaces"] == ["org.varlink.service", "io.smcal",
                                 "io.smcal.Posts", "io.smcal.Metrics"] and
          info["product"] == "smcald" and info["vendor"] == "smcal",
          "GetInfo: %s" % info)
    methods = []
    for iface in info["interfaces"]:
        c.call("org.varlink.service.GetInterfaceDescription",
               {"interface": iface})
        desc = c.reply()["parameters"]["description"]
        check(re.search(r"^interface %s$" % re.escape(iface), desc, re.M),
              "description of %s: %s" % (iface, desc[:200]))
        methods += [iface + "." + m for m in
                    re.findall(r"^method (\w+)\(", desc, re.M)]
    for m in ("io.smcal.Status", "io.smcal.Reload", "io.smcal.Deliveries",
              "io.smcal.Retry", "io.smcal.Export", "io.smcal.Posts.Add",
              "io.smcal.Posts.List", "io.smcal.Posts.Get",
              "io.smcal.Posts.Cancel", "io.smcal.Posts.Done",
              "io.smcal.Posts.Next", "io.smcal.Metrics.Record",
              "io.smcal.Metrics.Import", "io.smcal.Metrics.Report",
              "io.smcal.Metrics.Goals"):
        check(m in methods, "%s is not declared" % m)
    for m in methods:
        if m == "io.smcal.Reload":
            continue
        c.call(m, more=m.endswith(".Deliveries"))
        r = c.stream()[-1]
        check(r.get("error") != "org.varlink.service.MethodNotFound",
              "%s: %s" % (m, r))
    c.call("org.varlink.service.GetInterfaceDescription",
           {"interface": "org.example.nothing"})
    r = c.reply()
    check(r.get("error") == "org.varlink.service.InterfaceNotFound",
          "unknown interface: %s" % r)
    c.close()

    dm.stop()
    check(not os.path.exists(sock), "the socket is left after a stop")


def s_reload():
    t = now()
    d, dm, sock = start("reload", [("r1", t + 3600)])
    conf = os.path.join(d, "smcal.conf")
    out, err = expect(["-c", conf, "reload"], 0, "reload")
    check("reloaded: 1 posts in 1 calendars" in out, "reload: %s" % out)
    out, _ = expect(["-c", conf, "reload", "--json"], 0, "reload --json")
    r = json_lines(out)[0]
    check(r["posts"] == 1 and r["calendars"][0]["state"] == "ok",
          "reload --json: %s" % r)

    # A config with errors: exit 1, every error with file and line, the
    # running configuration stays (and smctl still reads the socket's
    # path from the broken file).
    good = open(conf).read()
    bad = good.replace("catchup = 1h", "catchup = banana\nallday_time = 25:99")
    dt.write_atomic(conf, bad)
    out, err = expect(["-c", conf, "reload"], EXIT_FAILED, "bad reload")
    check(re.search(r"smcal\.conf:\d+: .*catchup", err) and
          re.search(r"smcal\.conf:\d+: .*allday_time", err) and
          "2 errors in" in err and
          "the running configuration stays" in err,
          "bad reload's stderr:\n%s" % err)
    s = status_json(sock)
    check(s["posts"] == 1, "the daemon changed after a bad reload: %s" % s)

    # Fixed, with a second calendar: both serve.
    cal2 = os.path.join(d, "second.ics")
    dt.write(cal2, dt.posts(("r2", t + 7200), ("r3", t + 7300)))
    dt.write_atomic(conf, good + "[calendar:second]\npath = %s\n" % cal2)
    out, _ = expect(["-c", conf, "reload"], 0, "reload after the fix")
    check("3 posts in 2 calendars" in out, "fixed reload: %s" % out)

    # A calendar that no longer loads keeps its previous version: the
    # reload succeeds and says so.
    dt.write_atomic(cal2, dt.posts(("r2", t + 7200)).replace(
        "DTSTART:" + dt.ical_utc(t + 7200), "DTSTART:2026-bogus", 1))
    out, err = expect(["-s", sock, "reload"], 0, "reload, broken calendar")
    check("calendar second" in err and "previous version" in err and
          "second.ics:4: VEVENT without DTSTART" in err,
          "broken calendar: %s" % err)
    s = status_json(sock)
    second = [c for c in s["calendars"] if c["name"] == "second"][0]
    check(second["state"] == "previous" and second["posts"] == 2 and
          second["errors"] >= 1, "second calendar: %s" % second)

    # Reloads pipelined on one connection, answered in order, and several
    # callers at once, each answered.
    c = Conn(sock, timeout=30)
    c.raw(Conn.message("io.smcal.Reload") + Conn.message("io.smcal.Status")
          + Conn.message("io.smcal.Reload"))
    r1, r2, r3 = c.reply(), c.reply(), c.reply()
    check("calendars" in r1["parameters"] and "uptime_s" in
          r2["parameters"] and "calendars" in r3["parameters"],
          "pipelined reloads: %s / %s / %s" % (r1, r2, r3))
    c.close()
    conns = [Conn(sock, timeout=30) for _ in range(5)]
    for c in conns:
        c.call("io.smcal.Reload")
    for c in conns:
        r = c.reply()
        check(r["parameters"].get("posts") == 3,
              "concurrent reload: %s" % r)
        c.close()
    dm.stop()


def s_deliveries():
    import webhooks_test as wt
    try:
        d = dt.scenario_dir("deliveries")
        rx = wt.Receiver(d, [wt.new_secret()])
        secret = rx.secrets[0]
        t = now() + 3 * TS
        cal = os.path.join(d, "main.ics")
        dt.write(cal, dt.posts(*[("d%02d" % i, t) for i in range(70)]))
        sock = write_conf(d, [("main", cal)], extra=(
            "[webhook:flaky]\nurl = %s/fail/1000/flaky\nsecret = %s\n"
            "events = post.due\nmax_attempts = 1\n" % (rx.base, secret)))
        conf = os.path.join(d, "smcal.conf")
        text = open(conf).read().replace("webhook = none", "webhook = flaky")
        dt.write(conf, text)
        dm = dt.Daemon(d).start()

        def failed():
            out, _ = expect(["-s", sock, "deliveries", "--failed", "--json",
                             "--limit", "1000"], 0, "deliveries --failed")
            rows = json_lines(out)
            return rows if len(rows) == 70 else None
        rows = wait_for(failed, 30, "70 failed deliveries")
        check(all(r["webhook"] == "flaky" and r["status"] == "failed" and
                  r["last_status"] == 500 and r["attempts"] == 1 and
                  r["event_type"] == "post.due" for r in rows),
              "failed rows: %s" % rows[:2])
        check(len({r["id"] for r in rows}) == 70, "ids not distinct")
        s = status_json(sock)
        check(s["deliveries_failed"] == 70 and s["deliveries_pending"] == 0,
              "status counts: %s" % s)
        out, _ = expect(["-s", sock, "deliveries", "--failed"], 0,
                        "deliveries table")
        check("HTTP 500" in out and "failed" in out and "flaky" in out,
              "deliveries table:\n%s" % out[:500])
        out, _ = expect(["-s", sock, "deliveries", "--pending"], 0,
                        "deliveries --pending")
        check("no pending deliveries" in out, "pending: %s" % out)

        # The receiver is fixed; one delivery is sent again, same id.
        rx.control("/_ctl/pass/flaky")
        target = rows[0]
        out, _ = expect(["-s", sock, "retry", str(target["id"])], 0, "retry")
        check("requeued" in out, "retry: %s" % out)

        def delivered():
            out, _ = expect(["-s", sock, "deliveries", "--json", "--limit",
                             "1000"], 0, "deliveries")
            got = [r for r in json_lines(out) if r["id"] == target["id"]]
            return got[0] if got and got[0]["status"] == "delivered" \
                else None
        row = wait_for(delivered, 20, "the retried delivery delivered")
        check(row["attempts"] == 1 and row["last_status"] == 200,
              "after retry: %s" % row)
        reqs = [e for e in rx.entries("/fail/")
                if e["headers"].get("webhook-id") == target["event_id"]]
        check(len(reqs) == 2 and reqs[-1]["status"] == 200 and
              reqs[-1]["verified"], "receiver saw %s" % reqs)
        s = status_json(sock)
        check(s["deliveries_failed"] == 69, "status after retry: %s" % s)

        # Only failed deliveries are retried; unknown ids are named.
        _, err = expect(["-s", sock, "retry", str(target["id"])],
                        EXIT_FAILED, "retry delivered")
        check("delivered, not failed" in err, "retry delivered: %s" % err)
        _, err = expect(["-s", sock, "retry", "999999"], EXIT_FAILED,
                        "retry unknown")
        check("no delivery 999999" in err, "retry unknown: %s" % err)
        expect(["-s", sock, "retry", "abc"], EXIT_USAGE, "retry abc")
        dm.stop()
    finally:
        for p in list(wt.running):
            p.stop()


def s_pipeline():
    d, dm, sock = start("pipeline", [("q1", now() + 3600)])
    c = Conn(sock)
    # Five calls in one write, answered in order, errors in their place.
    c.raw(Conn.message("org.varlink.service.GetInfo") +
          Conn.message("io.smcal.Nope") +
          Conn.message("io.smcal.Status") +
          Conn.message("io.smcal.Retry", {"id": "7"}) +
          Conn.message("io.smcal.Deliveries", {"filter": "failed"},
                       more=True) +
          Conn.message("io.smcal.Deliveries") +
          Conn.message("io.smcal.Retry", {"id": 7, "extra": 1}))
    r = [c.reply() for _ in range(6)]
    r.append(c.reply())
    check("vendor" in r[0]["parameters"], "1: %s" % r[0])
    check(r[1]["error"] == "org.varlink.service.MethodNotFound" and
          r[1]["parameters"]["method"] == "io.smcal.Nope", "2: %s" % r[1])
    check("uptime_s" in r[2]["parameters"], "3: %s" % r[2])
    check(r[3]["error"] == "org.varlink.service.InvalidParameter" and
          r[3]["parameters"]["parameter"] == "id", "4: %s" % r[3])
    check(r[4] == {"parameters": {}}, "5: empty stream %s" % r[4])
    check(r[5]["error"] == "org.varlink.service.ExpectedMore", "6: %s" % r[5])
    check(r[6]["error"] == "org.varlink.service.InvalidParameter" and
          r[6]["parameters"]["parameter"] == "extra", "7: %s" % r[6])
    # A call arriving one byte at a time.
    for b in Conn.message("io.smcal.Status"):
        c.raw(bytes([b]))
        time.sleep(0.002)
    check("posts" in c.reply()["parameters"], "byte-wise call")
    # oneway: no reply; the next call's reply comes next.
    c.call("io.smcal.Status", oneway=True)
    c.call("org.varlink.service.GetInfo")
    check("vendor" in c.reply()["parameters"], "after a oneway call")
    # A malformed call that is still an object keeps the connection.
    c.raw(b'{"method": 42}\0')
    r = c.reply()
    check(r["error"] == "org.varlink.service.InvalidParameter", "%s" % r)
    c.call("io.smcal.Status")
    check("posts" in c.reply()["parameters"], "after a malformed call")
    c.close()
    # Two clients interleaved, each answered on its own connection.
    a, b = Conn(sock), Conn(sock)
    a.raw(Conn.message("io.smcal.Status")[:10])
    b.call("org.varlink.service.GetInfo")
    check("vendor" in b.reply()["parameters"], "b while a is partial")
    a.raw(Conn.message("io.smcal.Status")[10:])
    check("posts" in a.reply()["parameters"], "a completed")
    a.close()
    b.close()
    dm.stop()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def s_limits():
    t0 = now()
    due = t0 + 12 * TS
    d, dm, sock = start("limits", [("fire", due)])
    events = os.path.join(d, "state", "events.jsonl")
    rss0 = rss_kb(dm.proc.pid)

    # 2 MiB without a NUL: MessageTooLarge, then the connection closes.
    big = Conn(sock)
    errors = []

    def flood():
        try:
            big.raw(b" " * (2 * 1024 * 1024))
        except OSError as e:  # the daemon stopped reading and closed
            errors.append(e)
    th = threading.Thread(target=flood)
    th.start()
    r = big.reply()
    th.join(20 * TM)
    check(r["error"] == "io.smcal.MessageTooLarge" and
          r["parameters"]["limit"] == 1048576, "2 MiB: %s" % r)
    wait_closed(big, 10, "the 2 MiB connection closed")
    big.close()

    # Invalid JSON: ProtocolError, then closed.
    bad = Conn(sock)
    bad.raw(b'{"method": "io.smcal.Status", oops}\0' +
            Conn.message("io.smcal.Status"))
    r = bad.reply()
    check(r["error"] == "io.smcal.ProtocolError" and
          "not a JSON message" in r["parameters"]["message"],
          "invalid JSON: %s" % r)
    wait_closed(bad, 10, "the invalid-JSON connection closed")
    bad.close()

    # 50 idle connections, one stuck inside a message, and one client
    # that sends 3000 calls without reading a reply.
    idle = [Conn(sock) for _ in range(50)]
    stuck = Conn(sock)
    stuck.raw(b'{"method": "io.smcal.Sta')
    slow = Conn(sock)
    slow.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.raw(Conn.message("io.smcal.Status") * 3000)
    opened = time.monotonic()

    # smctl still answers, quickly, while all of them hang on.
    for _ in range(3):
        t = time.monotonic()
        expect(["-s", sock, "status"], 0, "status beside idle clients")
        took = time.monotonic() - t
        check(took < 5 * TM, "status took %.1fs beside 50 idle clients" %
              took)

    # The post fires on time (not late) all the same.
    dt.wait_events(events, {("post.due", "fire", due * 1000)},
                   30 + 12 * TS, "the post beside idle clients")
    ev = [e for e in dt.read_events(events) if e["post"]["uid"] == "fire"]
    check(len(ev) == 1 and not ev[0]["late"], "fired: %s" % ev)

    # The slow reader made the daemon buffer a bounded amount (not
    # measurable under ASan, whose quarantine keeps freed memory, nor
    # under valgrind).
    grew = rss_kb(dm.proc.pid) - rss0
    print("limits: daemon RSS grew by %d KiB with a client not reading "
          "the replies to 3000 calls" % grew)
    check(grew < 64 * 1024 or VG or ASAN, "RSS grew by %d KiB" % grew)

    # After 30 s without a request (or without reading), they are closed;
    # the one stuck inside a message is told why.
    for c in idle + [slow]:
        c.s.settimeout(0.2)
    # The slow client's 3000 calls are served over several loop turns
    # (CONTROL_TURN_CALLS each), so its 30 s start up to a moment after
    # `opened`: reading its replies before then would be progress that
    # keeps it open.  Read nothing until every timer has surely run out.
    time.sleep(max(0, opened + IDLE_S + 2 * TM - time.monotonic()))
    deadline = opened + IDLE_S + 15 * TM
    for c in idle + [stuck, slow]:
        left = deadline - time.monotonic()
        check(left > 0, "connections still open %ds after opening" %
              (IDLE_S + 15 * TM))
        wait_closed(c, left, "an idle connection closed")
    check(time.monotonic() - opened > IDLE_S - 2,
          "closed before the idle time")
    check(b"no complete message" in stuck.buf, "stuck: %r" % stuck.buf[:300])
    for c in idle + [stuck, slow]:
        c.close()
    dm.wait_log(r"does not read its replies", 5, "the slow reader's notice")
    expect(["-s", sock, "status"], 0, "status after the limits")
    dm.stop()


def s_permissions():
    if os.geteuid() != 0:
        raise Fail("needs root to create users (CI runs as root)")
    for tool in ("useradd", "groupadd", "userdel", "groupdel", "setpriv"):
        check(shutil.which(tool), "%s not found" % tool)
    tag = "%04d" % (os.getpid() % 10000)
    groups = {k: "smc%s%s" % (tag, k) for k in ("s", "r", "a")}
    users = {k: "smc%s%s" % (tag, k) for k in ("rd", "ad", "no", "nm", "out")}
    made_u, made_g = [], []
    try:
        for g in groups.values():
            subprocess.run(["groupadd", g], check=True)
            made_g.append(g)
        members = {"rd": [groups["r"]], "ad": [groups["a"]], "no": [],
                   "nm": [], "out": None}
        for k, extra in members.items():
            args = ["useradd", "-M", "-N", "-s", "/usr/sbin/nologin"]
            args += (["-g", groups["s"]] if extra is not None else
                     ["-g", "nogroup"])
            if extra:
                args += ["-G", ",".join(extra)]
            subprocess.run(args + [users[k]], check=True)
            made_u.append(users[k])
        gid = {k: grp.getgrnam(v).gr_gid for k, v in groups.items()}
        who = {k: {"name": v, "gid": gid["s"]} for k, v in users.items()}
        who["out"]["gid"] = grp.getgrnam("nogroup").gr_gid

        # The scenario's directory must be reachable by them.
        d = dt.scenario_dir("permissions")
        os.chmod(ROOT, 0o711)
        os.chmod(d, 0o711)
        os.makedirs(os.path.join(d, "run"), 0o755)
        os.chmod(os.path.join(d, "run"), 0o755)
        cal = os.path.join(d, "main.ics")
        dt.write(cal, dt.posts(("perm", now() + 3600)))
        sock = write_conf(d, [("main", cal)], extra=(
            "socket_group = %s\nread_groups = %s\nadmin_groups = %s\n"
            "admin_users = %s\n" % (groups["s"], groups["r"], groups["a"],
                                    users["nm"])))
        dm = dt.Daemon(d).start()
        st = os.stat(sock)
        check(st.st_gid == gid["s"] and stat.S_IMODE(st.st_mode) == 0o660,
              "socket group %d mode %o" % (st.st_gid,
                                           stat.S_IMODE(st.st_mode)))
        base = ["-s", sock]

        # read_groups: reads, may not change.
        expect(base + ["status"], 0, "reader status", user=who["rd"])
        expect(base + ["deliveries"], 0, "reader deliveries",
               user=who["rd"])
        _, err = expect(base + ["reload"], EXIT_FAILED, "reader reload",
                        user=who["rd"])
        check("io.smcal.Reload" in err and "admin_groups (%s)" % groups["a"]
              in err and "admin_users (%s)" % users["nm"] in err and
              users["rd"] in err, "reader reload refused: %s" % err)
        _, err = expect(base + ["retry", "1"], EXIT_FAILED, "reader retry",
                        user=who["rd"])
        check("io.smcal.Retry" in err and "no delivery" not in err,
              "reader retry: %s" % err)

        # admin_groups and admin_users change things.
        expect(base + ["reload"], 0, "admin reload", user=who["ad"])
        expect(base + ["status"], 0, "admin status", user=who["ad"])
        expect(base + ["reload"], 0, "admin_users reload", user=who["nm"])

        # In none of the groups: refused, the groups named.
        _, err = expect(base + ["status"], EXIT_FAILED, "outsider status",
                        user=who["no"])
        uid = pwd.getpwnam(users["no"]).pw_uid
        check("read_groups (%s)" % groups["r"] in err and
              "admin_groups (%s)" % groups["a"] in err and
              "uid %d (%s)" % (uid, users["no"]) in err,
              "outsider refused: %s" % err)
        # The same user holding the read group in its process (not in
        # the group database) reads.
        holder = dict(who["no"], groups=[gid["s"], gid["r"]])
        expect(base + ["status"], 0, "group held by the process",
               user=holder)
        # org.varlink.service is for whoever may connect.
        out, _ = expect(base + ["status", "--help"], 0, "help",
                        user=who["no"])

        # Not allowed to connect at all: 69, saying why.
        _, err = expect(base + ["status"], EXIT_UNREACHABLE,
                        "no access to the socket", user=who["out"])
        check("Permission denied" in err and sock in err,
              "no access: %s" % err)
        dm.stop()
    finally:
        for u in made_u:
            subprocess.run(["userdel", u], stderr=subprocess.DEVNULL)
        for g in made_g:
            subprocess.run(["groupdel", g], stderr=subprocess.DEVNULL)


def s_unreachable():
    d = dt.scenario_dir("unreachable")
    nowhere = os.path.join(d, "nowhere.sock")
    _, err = expect(["-s", nowhere, "status"], EXIT_UNREACHABLE, "-s")
    check(nowhere in err and "from -s" in err, "-s: %s" % err)
    _, err = expect(["status"], EXIT_UNREACHABLE, "SMCAL_SOCKET",
                    env={"SMCAL_SOCKET": nowhere})
    check("from SMCAL_SOCKET" in err, "SMCAL_SOCKET: %s" % err)
    cal = os.path.join(d, "main.ics")
    dt.write(cal, dt.posts(("u1", now() + 3600)))
    sock = write_conf(d, [("main", cal)])
    conf = os.path.join(d, "smcal.conf")
    _, err = expect(["-c", conf, "reload"], EXIT_UNREACHABLE, "-c")
    check(sock in err and "[daemon] socket of %s" % conf in err,
          "-c: %s" % err)
    _, err = expect(["-c", os.path.join(d, "missing.conf"), "status"],
                    EXIT_CONFIG, "unreadable -c")
    check("missing.conf" in err, "unreadable -c: %s" % err)
    expect(["-s", nowhere, "retry"], EXIT_USAGE, "retry without an id")
    expect(["-s", nowhere, "status", "--frobnicate"], EXIT_USAGE,
           "unknown option")
    expect(["-s", nowhere, "deliveries", "--failed", "--pending"],
           EXIT_USAGE, "two filters")
    expect(["-s", nowhere, "frobnicate"], EXIT_USAGE, "unknown command")
    out, _ = expect(["--help"], 0, "--help")
    for cmd in ("status", "reload", "deliveries", "retry", "lint", "expand"):
        check(cmd in out, "--help lacks %s" % cmd)
        out2, _ = expect([cmd, "--help"], 0, cmd + " --help")
        check(out2.startswith("usage: smctl") and cmd in out2,
              "%s --help: %s" % (cmd, out2))

    # A stale socket (nothing listens): 69, then removed by the daemon.
    os.makedirs(os.path.dirname(sock))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(sock)
    s.close()
    _, err = expect(["-s", sock, "status"], EXIT_UNREACHABLE, "stale socket")
    check("Connection refused" in err, "stale: %s" % err)
    dm = dt.Daemon(d).start()
    dm.wait_log(r"removed the stale socket", 5, "the stale socket removed")
    expect(["-s", sock, "status"], 0, "status after the stale socket")

    # A second daemon on the same socket refuses to start and leaves the
    # first one's socket alone.
    d2 = os.path.join(d, "second")
    os.makedirs(d2)
    dt.write(os.path.join(d2, "smcal.conf"),
             open(conf).read().replace(d + "/state", d2 + "/state"))
    p = subprocess.run(VG + [SMCALD, "-f", "-c",
                             os.path.join(d2, "smcal.conf")],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=30 * TM)
    err = p.stderr.decode()
    check(p.returncode == 1 and "another smcald already answers on %s" %
          sock in err, "second daemon: %d %s" % (p.returncode, err))
    check(not os.path.exists(os.path.join(d2, "state", "smcal.db")),
          "the second daemon opened a database before giving up")
    expect(["-s", sock, "status"], 0, "the first daemon after the second")

    # kill -9 leaves the socket file: the next start removes it.
    dm.kill9()
    check(os.path.exists(sock), "no socket file after kill -9")
    expect(["-s", sock, "status"], EXIT_UNREACHABLE, "after kill -9")
    dm.start()
    dm.wait_log(r"removed the stale socket", 5, "stale socket after kill")
    expect(["-s", sock, "status"], 0, "status after restart")
    dm.stop()

    # A file that is not a socket is never removed.
    dt.write(sock, "precious\n")
    p = subprocess.run(VG + [SMCALD, "-f", "-c", conf],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=30 * TM)
    err = p.stderr.decode()
    check(p.returncode == 1 and "is not a socket" in err and
          open(sock).read() == "precious\n", "regular file: %d %s" %
          (p.returncode, err))


def s_activation():
    check(shutil.which("systemd-socket-activate"),
          "systemd-socket-activate not found (package systemd)")
    d = dt.scenario_dir("activation")
    cal = os.path.join(d, "main.ics")
    t = now()
    dt.write(cal, dt.posts(("a1", t + 3600)))
    sock = os.path.join(d, "activated.sock")
    write_conf(d, [("main", cal)], sock=os.path.join(d, "run", "other.sock"))
    conf = os.path.join(d, "smcal.conf")
    log = os.path.join(d, "activated.stderr")
    with open(log, "wb") as logf:
        proc = subprocess.Popen(
            ["systemd-socket-activate", "-l", sock] + VG +
            [SMCALD, "-f", "-c", conf], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=logf)
    try:
        wait_for(lambda: os.path.exists(sock), 10, "the activator's socket")
        # The first connection starts smcald, which serves it.
        s = status_json(sock)
        check(s["posts"] == 1 and (s["pid"] == proc.pid or VG),
              "activated status: %s (activator pid %d)" % (s, proc.pid))
        text = open(log).read()
        check("(from systemd)" in text and "is not used" in text,
              "activation log:\n%s" % text)
        check(not os.path.exists(os.path.join(d, "run", "other.sock")),
              "smcald made its own socket besides systemd's")
        expect(["-s", sock, "reload"], 0, "reload when activated")
        proc.send_signal(signal.SIGTERM)
        check(proc.wait(timeout=10 * TM) == 0, "exit status after SIGTERM")
        check(os.path.exists(sock), "smcald removed systemd's socket")
        if dt.FINDING_RE.search(open(log).read()):
            dt.findings.append("%s: %s" % (log, open(log).read()[:2000]))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


SCENARIOS = [
    ("status", s_status),
    ("reload", s_reload),
    ("deliveries", s_deliveries),
    ("pipeline", s_pipeline),
    ("limits", s_limits),
    ("permissions", s_permissions),
    ("unreachable", s_unreachable),
    ("activation", s_activation),
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
        del dt.created[:]
        try:
            names[name]()
            print("ok   %-12s %5.1fs" % (name, time.monotonic() - t0))
        except Exception as e:  # Fail, or a bug of the test itself
            failed.append(name)
            print("FAIL %-12s %5.1fs: %s" % (name, time.monotonic() - t0, e),
                  file=sys.stderr)
            if not isinstance(e, Fail):
                traceback.print_exc()
            for dm in dt.created:
                print("  --- daemon stderr (%s), last lines:\n%s" %
                      (dm.log, dm.tail(30)), file=sys.stderr)
        finally:
            for dm in list(dt.running):
                if dm.alive():
                    dm.proc.kill()
                    dm.proc.wait()
                dm.scan()
                dt.running.remove(dm)
                dm.proc = None
    for f in dt.findings:
        print("SANITIZER/VALGRIND finding:\n%s" % f, file=sys.stderr)
    print("control tests: %d run, %d failed, %d findings, %.1fs" %
          (len(chosen), len(failed), len(dt.findings),
           time.monotonic() - t_all))
    return 1 if failed or dt.findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
