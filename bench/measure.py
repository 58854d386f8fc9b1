#!/usr/bin/env python3
"""Runs one command and reports its wall time and peak memory.

    python3 bench/measure.py [--timeout SEC] [-o OUT] CMD [ARG...]

The command's standard output goes to OUT (default /dev/null) and its
standard error passes through.  Prints one line on standard output:

    SECONDS MAX_RSS_MB STATUS

STATUS is "ok", "exit N", "signal N" or "timeout".  MAX_RSS_MB is the
largest resident set of the command or of any descendant it waited for, as
the kernel reports it through wait4(2).  On a timeout the command's whole
process group is killed.  The exit status is 0 whenever the measurement
itself worked; read STATUS for the command's fate.

A process forked from Python starts with Python's own peak (about 14 MB),
and the kernel keeps that peak across exec, so a small command would never
read below it.  The command is therefore started by a small sh that puts it
in the background and exits; this process is a child subreaper
(PR_SET_CHILD_SUBREAPER), so the command is re-parented here and reaped with
its own usage, whose floor is sh's peak (about 1 MB).
"""

import argparse
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time


PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Makes orphaned descendants our children; False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def run(cmd, out, timeout):
    """Runs cmd with stdout to out; returns (pid or None on timeout,
    wait status, rusage)."""
    if become_subreaper():
        # sh reports the command's pid on a pipe and exits at once.  The
        # command inherits the pipe too, so read one line, not to the end.
        rfd, wfd = os.pipe()
        launcher = subprocess.Popen(
            ["/bin/sh", "-c", 'fd=$1; shift; "$@" & echo $! >&"$fd"',
             "sh", str(wfd)] + cmd,
            stdout=out, stdin=subprocess.DEVNULL, pass_fds=(wfd,),
            start_new_session=True)
        os.close(wfd)
        with os.fdopen(rfd) as r:
            text = r.readline().strip()
        launcher.wait()
        if not text:
            raise OSError(0, "could not start")
        pid, pgid = int(text), launcher.pid
    else:
        proc = subprocess.Popen(cmd, stdout=out, start_new_session=True)
        pid = pgid = proc.pid
        proc.returncode = 0  # reaped by wait4 below; keep Popen quiet
    timed_out = threading.Event()

    def kill():
        timed_out.set()
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = None
    if timeout > 0:
        timer = threading.Timer(timeout, kill)
        timer.start()
    _, status, usage = os.wait4(pid, 0)
    if timer:
        timer.cancel()
    return (None if timed_out.is_set() else pid), status, usage


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=0,
                    help="kill the command after SEC seconds (0: never)")
    ap.add_argument("-o", "--output", default=os.devnull,
                    help="file for the command's standard output")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if not args.cmd:
        ap.error("no command")

    with open(args.output, "wb") as out:
        t0 = time.monotonic()
        try:
            pid, status, usage = run(args.cmd, out, args.timeout)
        except OSError as e:
            print(f"measure: {args.cmd[0]}: {e.strerror}", file=sys.stderr)
            print("0 0 exit 127")
            return 0
        elapsed = time.monotonic() - t0
        timed_out = pid is None

    if timed_out:
        fate = "timeout"
    elif os.WIFSIGNALED(status):
        fate = f"signal {os.WTERMSIG(status)}"
    elif os.WEXITSTATUS(status) != 0:
        fate = f"exit {os.WEXITSTATUS(status)}"
    else:
        fate = "ok"
    # ru_maxrss is in KiB on Linux.
    print(f"{elapsed:.2f} {usage.ru_maxrss / 1024:.1f} {fate}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
