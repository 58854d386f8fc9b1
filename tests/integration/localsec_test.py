#!/usr/bin/env python3
"""Other local users and the daemon's own files (run by localsec.sh).

The real smcald (`smcald -f -c CONF`, inside $SMCAL_IT_VG when set) runs as
root, as the tests do here and in CI; "another local user" is uid 65534
(nobody) through `setpriv --reuid --regid --clear-groups`, and the same user
plays an unprivileged daemon where a test needs one.  Webhooks go to a
loopback receiver in this process that checks Standard Webhooks signatures
with hmac.  Deadlines are generous; nothing asserts sub-second timing.

Scenarios:
  forged_outbox     a state_dir others can write: another user plants
                    smcal.db (0666) with a pending outbox row; the daemon
                    must refuse to start (78), never sign and send it
  unsafe_state      state_dir group-writable or owned by another user;
                    smcal.db, -wal, -shm writable by others, owned by
                    another user or symbolic links: exit 78 each
  event_log         another user's symlink or file (0666) at the event log
                    path, or a 0666 file of ours: exit 78, target untouched;
                    a reload to such a path keeps the old log
  modes             under umask 000 the daemon's files are not readable or
                    writable by others; a state_dir readable by others is
                    warned about
  one_daemon        a second smcald on the same state_dir (same or another
                    config) exits at once naming the first one's pid; two
                    started together on a fresh state: one runs
  unwritable_state  an unprivileged daemon whose state_dir cannot be created
                    or written exits 78; smcald --check says so (file, line,
                    key); --check refuses a state_dir others can write
  audit_duplicates  the ledger cannot commit for 12 s (another process holds
                    the database's write lock): the event is in the event
                    log once, not once per attempt
  retention         delivered outbox rows older than [daemon] retention are
                    pruned at start, in batches; pending and failed rows and
                    younger ones stay
  rotate            SIGUSR1 reopens the event log (rename rotation); a
                    copytruncate rotation leaves no hole

Usage: localsec_test.py [SCENARIO...]   (default: all)
"""
import os
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time

import smcal_it as it
from smcal_it import (EXIT_CONFIG, ROOT, SMCALD, TM, TS, Daemon, Fail,
                      PlainReceiver, check, conf_text, db_exec, db_query,
                      new_secret, now, posts, read_events, run_cmd,
                      run_scenarios, signature_valid, sleep_until, vcalendar,
                      wait_for, write)

OTHER = 65534  # nobody
AS_OTHER = ["setpriv", "--reuid=%d" % OTHER, "--regid=%d" % OTHER,
            "--clear-groups"]


# ---------------------------------------------------------------------------
# Helpers


def scenario_dir(name):
    # The other user may look in, as in /srv or /home.
    return it.scenario_dir(name, 0o755)


def conf(d, cal, state=None, extra="", sections="", event_log=None,
         socket=None):
    """A config with one calendar (main); state_dir (default d/state),
    event_log and socket as given (line_of finds their lines)."""
    daemon = {"state_dir": state or os.path.join(d, "state"),
              "event_log": event_log}
    if socket:
        daemon["socket"] = socket
    return conf_text(d, [("main", cal)], sections=sections, extra=extra,
                     daemon=daemon)


def line_of(text, key):
    for i, line in enumerate(text.split("\n")):
        if line.split("=")[0].strip() == key:
            return i + 1
    raise Fail("no %s in the config" % key)


def as_other(args, timeout=30):
    p = subprocess.run(AS_OTHER + args, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    check(p.returncode == 0, "as uid %d: %s: exit %d: %s" %
          (OTHER, " ".join(args), p.returncode, p.stderr.decode()[-500:]))


def mode_of(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def seed_db(d):
    """A database with smcal's schema (a daemon run on a scratch state_dir,
    stopped cleanly), copied to d/seed.db, readable by everyone."""
    cal = os.path.join(d, "seed.ics")
    write(cal, vcalendar(""))
    path = os.path.join(d, "seed.conf")
    write(path, conf(d, cal, state=os.path.join(d, "seed-state")))
    dm = Daemon(d, "seed", conf_path=path).start()
    dm.stop()
    out = os.path.join(d, "seed.db")
    shutil.copyfile(os.path.join(d, "seed-state", "smcal.db"), out)
    os.chmod(out, 0o644)
    return out


# Run as the other user: copy the seed database into the state directory,
# make it writable by everyone, and queue a delivery of the attacker's text.
FORGE = r"""
import os, shutil, sqlite3, sys, time
seed, db, hook = sys.argv[1:4]
shutil.copyfile(seed, db)
os.chmod(db, 0o666)
ms = int(time.time() * 1000)
con = sqlite3.connect(db)
con.execute("INSERT INTO outbox (event_id, webhook, event_type, event_at,"
            " body, content_type, headers, json_event, status, attempts,"
            " next_at, created_at, updated_at) VALUES (?, ?, 'post.due', ?,"
            " ?, 'application/json', '', 0, 'pending', 0, ?, ?, ?)",
            ("evt_forged", hook, ms // 1000,
             b'{"text": "<!channel> wire the money: forged by uid %d"}'
             % os.getuid(), ms, ms, ms))
con.commit()
con.close()
"""


# ---------------------------------------------------------------------------
# Scenarios


def s_forged_outbox():
    """Item 11: a forged outbox row in a state_dir others can write is never
    signed and sent; the daemon exits 78 naming the directory."""
    d = scenario_dir("forged")
    seed = seed_db(d)
    rcv = PlainReceiver()
    try:
        secret = new_secret()
        cal = os.path.join(d, "cal.ics")
        write(cal, vcalendar(""))
        state = os.path.join(d, "state")
        os.mkdir(state)
        os.chmod(state, 0o777)  # a careless install, or a shared volume
        hook = ("[webhook:team]\nurl = %s/hook\n"
                "secret = %s\nformat = json\n" % (rcv.base, secret))
        cpath = os.path.join(d, "smcal.conf")
        write(cpath, conf(d, cal, sections=hook))
        db = os.path.join(state, "smcal.db")
        as_other(["python3", "-c", FORGE, seed, db, "team"])
        check(os.stat(db).st_uid == OTHER, "the forged database is not the "
              "other user's")

        dm = Daemon(d).start(wait_ready=False)
        wait_for(lambda: rcv.received() or not dm.alive(), 10,
                 "the daemon to exit or to send something")
        if rcv.received():
            req = rcv.received()[0]
            hdrs, body = req["headers"], req["body"]
            raise Fail("the forged outbox row was delivered: webhook-id %s, "
                       "signature valid: %s, body %r" %
                       (hdrs.get("webhook-id"),
                        signature_valid(secret, hdrs, body), body))
        dm.refused(r"state_dir %s: writable by" % re.escape(state),
                   "state_dir 0777 with a forged smcal.db")

        # The admin tightens the directory, the planted file stays: its
        # owner is not the daemon's user.
        os.chmod(state, 0o700)
        dm.start(wait_ready=False)
        dm.refused(r"%s: owned by uid %d" % (re.escape(db), OTHER),
                   "a smcal.db owned by another user")
        check(not rcv.received(), "something was delivered: %r" %
              rcv.received()[:1])
    finally:
        rcv.stop()


def s_unsafe_state():
    """Item 11: each unsafe state_dir or database file is refused (78)."""
    d = scenario_dir("unsafe")
    seed = seed_db(d)
    cal = os.path.join(d, "cal.ics")
    write(cal, vcalendar(""))
    cpath = os.path.join(d, "smcal.conf")
    state = os.path.join(d, "state")
    write(cpath, conf(d, cal, state=state))
    db = os.path.join(state, "smcal.db")

    def fresh():
        shutil.rmtree(state, ignore_errors=True)
        os.mkdir(state, 0o700)
        shutil.copyfile(seed, db)
        os.chmod(db, 0o600)

    def other_file(path, mode=0o600):
        with open(path, "wb"):
            pass
        os.chmod(path, mode)
        os.chown(path, OTHER, OTHER)

    victim = os.path.join(d, "elsewhere.db")
    shutil.copyfile(seed, victim)
    cases = [
        ("state_dir group-writable (0770)",
         lambda: os.chmod(state, 0o770),
         r"state_dir %s: writable by" % re.escape(state)),
        ("state_dir owned by another user",
         lambda: os.chown(state, OTHER, OTHER),
         r"state_dir %s: owned by uid %d" % (re.escape(state), OTHER)),
        ("smcal.db writable by others (0666)",
         lambda: os.chmod(db, 0o666),
         r"%s: writable by" % re.escape(db)),
        ("smcal.db-wal owned by another user",
         lambda: other_file(db + "-wal"),
         r"%s-wal: owned by uid %d" % (re.escape(db), OTHER)),
        ("smcal.db-shm a symbolic link",
         lambda: os.symlink(victim, db + "-shm"),
         r"%s-shm: a symbolic link" % re.escape(db)),
        ("smcal.db a symbolic link",
         lambda: (os.unlink(db), os.symlink(victim, db)),
         r"%s: a symbolic link" % re.escape(db)),
    ]
    dm = Daemon(d)
    for what, spoil, pattern in cases:
        fresh()
        spoil()
        dm.start(wait_ready=False)
        dm.refused(pattern, what)
    # The same directory, clean: the daemon starts.
    fresh()
    dm.start()
    dm.stop()


def s_event_log():
    """Item 12: the event log is opened without following symlinks and
    must be the daemon's own file, not writable by others; at start (78) and
    on reload (the old log stays)."""
    d = scenario_dir("evlog")
    logs = os.path.join(d, "logs")
    os.mkdir(logs)
    os.chmod(logs, 0o777)  # e.g. a shared log directory, no sticky bit
    victim = os.path.join(d, "victim.txt")
    precious = b"precious line\nno newline at the end"
    write(victim, precious.decode())
    cal = os.path.join(d, "cal.ics")
    t = now()
    write(cal, posts(("e1", t + 600)))
    cpath = os.path.join(d, "smcal.conf")
    evil = os.path.join(logs, "events.jsonl")

    def victim_intact(what):
        with open(victim, "rb") as f:
            got = f.read()
        check(got == precious, "%s: the symlink's target was changed: %r" %
              (what, got[:300]))

    # a) another user's symlink at the path.
    write(cpath, conf(d, cal, event_log=evil))
    as_other(["ln", "-s", victim, evil])
    dm = Daemon(d).start(wait_ready=False)
    rc = dm.wait_exit(10)
    victim_intact("a symlink at the event log path")
    check(rc is not None, "the daemon runs with a symlink as its event log")
    check(rc == EXIT_CONFIG, "symlink: exit %s, expected 78" % rc)
    check(re.search(r"event log %s: a symbolic link" % re.escape(evil),
                    dm.text()), "symlink: no message naming it:\n" + dm.tail())

    # b) a file another user made, writable by everyone.
    os.unlink(evil)
    as_other(["sh", "-c", "umask 0; : > '%s'" % evil])
    dm.start(wait_ready=False)
    dm.refused(r"event log %s: owned by uid %d" % (re.escape(evil), OTHER),
               "another user's 0666 event log")
    os.unlink(evil)

    # c) our own file, writable by others.
    with open(evil, "wb"):
        pass
    os.chmod(evil, 0o666)
    dm.start(wait_ready=False)
    dm.refused(r"event log %s: writable by" % re.escape(evil),
               "an event log of mode 0666")
    os.unlink(evil)

    # d) a reload to such a path keeps the log in use.
    good = os.path.join(d, "state", "events.jsonl")
    write(cpath, conf(d, cal, event_log=good))
    dm.start()
    as_other(["ln", "-s", victim, evil])
    t = now()
    write(cal, posts(("e1", t + 600), ("e2", t + 5 * TS)))
    write(cpath, conf(d, cal, event_log=evil))
    dm.send(signal.SIGHUP)
    dm.wait_log(r"reload: event log %s: a symbolic link.*events keep going "
                r"to %s" % (re.escape(evil), re.escape(good)), 10,
                "the refused event log on reload")
    wait_for(lambda: any(e["post"]["uid"] == "e2" for e in read_events(good)),
             20 + 5 * TS, "e2 in the event log in use")
    victim_intact("a reload to a symlink")
    dm.stop()


def s_modes():
    """Item 13: under umask 000 no file of the daemon is readable or
    writable by others; a state_dir others can read is warned about."""
    d = scenario_dir("modes")
    cal = os.path.join(d, "cal.ics")
    t = now()
    write(cal, posts(("m1", t + 3 * TS)))
    cpath = os.path.join(d, "smcal.conf")
    write(cpath, conf(d, cal))
    state = os.path.join(d, "state")
    ev_log = os.path.join(state, "events.jsonl")
    dm = Daemon(d, umask=0).start()
    wait_for(lambda: read_events(ev_log), 20 + 3 * TS, "m1 in the event log")
    names = ["smcal.db", "smcal.db-wal", "smcal.db-shm", "events.jsonl"]
    bad = []
    for n in names + [""]:
        p = os.path.join(state, n)
        if os.path.exists(p) and mode_of(p) & 0o027:
            bad.append("%s %04o" % (n or "state_dir", mode_of(p)))
    check(not bad, "under umask 000, files readable or writable by others: "
          "%s" % ", ".join(bad))
    check(not re.search(r"readable by others", dm.text()),
          "a warning on a private state_dir:\n" + dm.tail())
    dm.stop()
    os.chmod(state, 0o755)
    dm.start()
    check(re.search(r"warning: state_dir %s: readable by others" %
                    re.escape(state), dm.text()),
          "no warning for a state_dir of mode 0755:\n" + dm.tail())
    dm.stop()


def s_one_daemon():
    """Issue 7: one daemon per state_dir, whatever the config or socket."""
    d = scenario_dir("one")
    cal = os.path.join(d, "cal.ics")
    t = now()
    write(cal, posts(("o1", t + 8 * TS)))
    cpath = os.path.join(d, "smcal.conf")
    text = conf(d, cal)
    write(cpath, text)
    other = os.path.join(d, "other.conf")
    write(other, text.replace("run/smcal.sock", "run/other.sock"))
    state = os.path.join(d, "state")
    first = Daemon(d).start()
    pid = first.proc.pid
    for name, path in (("second", cpath), ("third", other)):
        dm = Daemon(d, name, conf_path=path).start(wait_ready=False)
        rc = dm.wait_exit(5)
        check(rc is not None, "%s daemon on the same state_dir still running "
              "after 5 s" % name)
        check(rc != 0, "%s daemon: exit 0" % name)
        check(re.search(r"another smcald \(pid %d\) is running on %s" %
                        (pid, re.escape(state)), dm.text()),
              "%s daemon: no 'another smcald (pid %d)':\n%s" %
              (name, pid, dm.tail()))
    ev_log = os.path.join(state, "events.jsonl")
    wait_for(lambda: read_events(ev_log), 20 + 8 * TS, "o1 in the event log")
    time.sleep(2)  # room for a duplicate to show
    ids = [e["id"] for e in read_events(ev_log, strict=True)]
    check(len(ids) == 1, "o1 fired %d times: %s" % (len(ids), ids))
    first.stop()

    # Two started together on a fresh state_dir: one runs, one says why.
    d2 = scenario_dir("one-fresh")
    c2 = os.path.join(d2, "smcal.conf")
    write(c2, conf(d2, cal))
    a = Daemon(d2, "a").start(wait_ready=False)
    b = Daemon(d2, "b").start(wait_ready=False)
    time.sleep(3 * TM)
    alive = [x for x in (a, b) if x.alive()]
    check(len(alive) == 1, "%d of 2 daemons on a fresh state_dir run:\n%s\n%s"
          % (len(alive), a.tail(), b.tail()))
    dead = b if alive[0] is a else a
    rc = dead.wait_exit(1)
    check(re.search(r"another smcald \(pid %d\) is running" %
                    alive[0].proc.pid, dead.text()),
          "the second daemon (exit %s) does not say why:\n%s" %
          (rc, dead.tail()))
    alive[0].wait_ready()
    alive[0].stop()


def s_unwritable_state():
    """Issue 7: a state_dir the daemon cannot create or write exits 78
    (systemd does not restart on 78), and --check reports it with the
    config's file, line and key."""
    d = scenario_dir("unwritable")
    cal = os.path.join(d, "cal.ics")
    write(cal, vcalendar(""))
    rootonly = os.path.join(d, "rootonly")
    os.mkdir(rootonly, 0o755)
    ro = os.path.join(d, "ro")
    os.mkdir(ro)
    os.chown(ro, OTHER, OTHER)
    os.chmod(ro, 0o500)
    cases = [
        ("cannot be created", os.path.join(rootonly, "state"),
         r"state_dir %s: cannot create" % re.escape(
             os.path.join(rootonly, "state"))),
        ("not writable", ro,
         r"state_dir %s: not writable by uid %d" % (re.escape(ro), OTHER)),
    ]
    for what, state, pattern in cases:
        cpath = os.path.join(d, "smcal.conf")
        text = conf(d, cal, state=state)
        write(cpath, text)
        rc, _, err = run_cmd([SMCALD, "--check", "-c", cpath], AS_OTHER)
        check(rc == EXIT_CONFIG, "--check, state_dir %s: exit %d, expected "
              "78\n%s" % (what, rc, err))
        where = "%s:%d:" % (cpath, line_of(text, "state_dir"))
        check(where in err and re.search(pattern, err),
              "--check, state_dir %s: no '%s' ... /%s/ in:\n%s" %
              (what, where, pattern, err))
        dm = Daemon(d, prefix=AS_OTHER).start(wait_ready=False)
        dm.refused(pattern, "an unprivileged daemon, state_dir " + what)

    # As root, --check refuses a state_dir others can write.
    wide = os.path.join(d, "wide")
    os.mkdir(wide)
    os.chmod(wide, 0o777)
    cpath = os.path.join(d, "wide.conf")
    text = conf(d, cal, state=wide)
    write(cpath, text)
    rc, _, err = run_cmd([SMCALD, "--check", "-c", cpath])
    check(rc == EXIT_CONFIG and "%s:%d:" % (cpath, line_of(text, "state_dir"))
          in err and "writable by" in err,
          "--check on a state_dir of mode 0777: exit %d\n%s" % (rc, err))

    # The unprivileged daemon with a state_dir of its own runs.
    own = os.path.join(d, "own")
    os.mkdir(own, 0o700)
    os.chown(own, OTHER, OTHER)
    cpath = os.path.join(d, "own.conf")
    # Its socket too: the daemon serves one, where it may create it.
    write(cpath, conf(d, cal, state=own,
                      socket=os.path.join(own, "smcal.sock")))
    rc, _, err = run_cmd([SMCALD, "--check", "-c", cpath], AS_OTHER)
    check(rc == 0, "--check, the user's own state_dir: exit %d\n%s" %
          (rc, err))
    dm = Daemon(d, "own", conf_path=cpath, prefix=AS_OTHER).start()
    dm.stop()
    check(os.stat(os.path.join(own, "smcal.db")).st_uid == OTHER,
          "the unprivileged daemon's database is not its own")


def s_audit_duplicates():
    """Item 15: while the ledger cannot commit, each attempt's event log
    lines are taken back: the event is in the log once."""
    d = scenario_dir("audit")
    cal = os.path.join(d, "cal.ics")
    t = now()
    due = t + 6 * TS
    write(cal, posts(("a1", due)))
    write(os.path.join(d, "smcal.conf"), conf(d, cal))
    state = os.path.join(d, "state")
    ev_log = os.path.join(state, "events.jsonl")
    db = os.path.join(state, "smcal.db")
    dm = Daemon(d).start()
    con = sqlite3.connect(db, timeout=30, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")  # the write lock, as a sqlite3 shell can
    try:
        sleep_until(due + 12)
        dm.wait_log(r"state database: .*locked", 10, "a failed commit")
    finally:
        con.execute("ROLLBACK")
        con.close()
    wait_for(lambda: db_query(db, "SELECT id FROM fired"), 30,
             "a1 in the ledger")
    time.sleep(1)
    ids = [e["id"] for e in read_events(ev_log, strict=True)]
    fired = [r[0] for r in db_query(db, "SELECT id FROM fired")]
    check(ids == fired, "event log ids %s, ledger %s: each attempt left "
          "its line" % (ids, fired))
    dm.stop()


def s_retention():
    """Item 16: delivered rows older than retention go at start, in
    batches; the rest stays."""
    d = scenario_dir("retention")
    cal = os.path.join(d, "cal.ics")
    write(cal, vcalendar(""))
    cpath = os.path.join(d, "smcal.conf")
    write(cpath, conf(d, cal, extra="retention = 1d"))
    db = os.path.join(d, "state", "smcal.db")
    dm = Daemon(d).start()
    dm.stop()
    ms = int(time.time() * 1000)
    old, young = ms - 2 * 86400 * 1000, ms - 3600 * 1000
    rows = [("evt_old%05d" % i, "delivered", old) for i in range(2500)]
    rows += [("evt_young%d" % i, "delivered", young) for i in range(5)]
    rows += [("evt_failed%d" % i, "failed", old) for i in range(3)]
    db_exec(db, "INSERT INTO outbox (event_id, webhook, event_type, event_at,"
            " body, content_type, status, attempts, next_at, created_at,"
            " updated_at) VALUES (?, 'gone', 'post.due', 0, zeroblob(2000),"
            " 'text/plain', ?, 1, ?, ?, ?)",
            [(i, s, u, u, u) for i, s, u in rows], many=True)
    dm.start()
    wait_for(lambda: not db_query(db, "SELECT 1 FROM outbox WHERE event_id"
                                  " LIKE 'evt_old%' LIMIT 1"), 20,
             "the old delivered rows pruned")
    left = sorted(r[0] for r in db_query(db, "SELECT event_id FROM outbox"))
    want = sorted(["evt_young%d" % i for i in range(5)] +
                  ["evt_failed%d" % i for i in range(3)])
    check(left == want, "left in the outbox: %s" % left[:20])
    dm.wait_log(r"pruned 2500 delivered webhook deliveries older than", 10,
                "the prune's log line")
    dm.stop()


def s_rotate():
    """Item 16: SIGUSR1 reopens the event log after a rename; a truncation
    in place (copytruncate) leaves no hole."""
    d = scenario_dir("rotate")
    cal = os.path.join(d, "cal.ics")
    t = now()
    at = {"r1": t + 4 * TS, "r2": t + 10 * TS, "r3": t + 16 * TS}
    write(cal, posts(*at.items()))
    write(os.path.join(d, "smcal.conf"), conf(d, cal))
    ev_log = os.path.join(d, "state", "events.jsonl")
    dm = Daemon(d).start()

    def uids(path):
        return [e["post"]["uid"] for e in read_events(path, strict=True)]

    wait_for(lambda: read_events(ev_log), 20 + 4 * TS, "r1")
    os.rename(ev_log, ev_log + ".1")
    dm.send(signal.SIGUSR1)
    dm.wait_log(r"SIGUSR1: event log %s reopened" % re.escape(ev_log), 10,
                "the reopen")
    check(os.path.exists(ev_log), "no new event log after SIGUSR1")
    wait_for(lambda: os.path.getsize(ev_log) > 0, 20 + 6 * TS, "r2")
    check(uids(ev_log + ".1") == ["r1"] and uids(ev_log) == ["r2"],
          "after the rename rotation: %s and %s" %
          (uids(ev_log + ".1"), uids(ev_log)))
    check(mode_of(ev_log) & 0o027 == 0, "the new event log has mode %04o" %
          mode_of(ev_log))
    # copytruncate: copied, then cut to 0 in place.
    shutil.copyfile(ev_log, ev_log + ".2")
    os.truncate(ev_log, 0)
    wait_for(lambda: os.path.getsize(ev_log) > 0, 20 + 6 * TS, "r3")
    with open(ev_log, "rb") as f:
        data = f.read()
    check(data.startswith(b"{") and b"\0" not in data,
          "a hole after copytruncate: %r" % data[:80])
    check(uids(ev_log) == ["r3"], "after copytruncate: %s" % uids(ev_log))
    dm.stop()


SCENARIOS = [
    ("forged_outbox", s_forged_outbox),
    ("unsafe_state", s_unsafe_state),
    ("event_log", s_event_log),
    ("modes", s_modes),
    ("one_daemon", s_one_daemon),
    ("unwritable_state", s_unwritable_state),
    ("audit_duplicates", s_audit_duplicates),
    ("retention", s_retention),
    ("rotate", s_rotate),
]


def main(argv):
    # The other user must reach the scenario directories.
    os.chmod(ROOT, 0o755)
    return run_scenarios("localsec", SCENARIOS, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
