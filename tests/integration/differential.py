"""Differential test: smctl expand --all against oracle-expand's two engines.

For every corpus file, over 1990-01-01 .. 2031-01-01, keys (UID, identity)
are compared.  Where both engines run and produce the same keys, smcal must
produce exactly those.  Where they disagree (or one fails), smcal must
produce every key both agree on, nothing neither produces, and the file must
have a section in tests/data/oracle-decisions.md saying which answer RFC 5545
supports.  Oracle outputs are cached by file content hash (they are slow).
"""
import hashlib, json, os, subprocess, sys

smctl, shared, decisions_path, cache = sys.argv[1:5]
oracle = os.path.join(shared, "tools", "oracle-expand")
FROM, TO = "1990-01-01", "2031-01-01"
os.makedirs(cache, exist_ok=True)
decisions = open(decisions_path, encoding="utf-8").read()


def oracle_keys(engine, path):
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()[:24]
    cpath = os.path.join(cache, "%s-%s.json" % (engine, digest))
    if os.path.exists(cpath):
        rc, keys = json.load(open(cpath))
        return rc, set(tuple(k) for k in keys)
    args = [oracle, "--engine", engine, path, FROM, TO]
    if engine == "py":  # VTODO posts are posts too (SPEC section 3).
        args += ["--components", "VEVENT,VTODO"]
    # Under load an engine has been seen to exit 0 with no output at all:
    # an empty answer is asked again before it is believed (and cached).
    for attempt in range(3):
        p = subprocess.run(args, capture_output=True, text=True)
        keys = set()
        if p.returncode == 0:
            for line in p.stdout.splitlines():
                f = line.split("\t")
                if len(f) >= 2:
                    keys.add((f[0], f[1]))
        if p.returncode != 0 or keys:
            break
    json.dump([p.returncode, sorted(keys)], open(cpath, "w"))
    return p.returncode, keys


def smcal_keys(path):
    p = subprocess.run([smctl, "expand", path, "--from", FROM, "--to", TO,
                        "--all", "--json"], capture_output=True, text=True,
                       errors="replace")  # diagnostics quote raw bytes
    if p.returncode != 0:
        raise SystemExit("smctl expand %s exited %d: %s" %
                         (path, p.returncode, p.stderr[-500:]))
    keys = set()
    for line in p.stdout.splitlines():
        o = json.loads(line)
        uid, rid = o["uid"], o["recurrence_id"]
        if uid.startswith("smcal-derived-"):
            uid = "<no-uid>"  # the oracles' name for a missing UID
        if len(rid) == 19:
            rid += "[floating]"
        keys.add((uid, rid))
    return keys


failures, agreed_files, decided_files, total_keys = [], 0, 0, 0
root = os.path.join(shared, "corpus", "ics")
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root)
               for f in fs if f.endswith(".ics"))
for path in files:
    rel = os.path.relpath(path, root)
    rc_py, py = oracle_keys("py", path)
    rc_js, js = oracle_keys("js", path)
    sm = smcal_keys(path)
    total_keys += len(sm)
    both_ran = rc_py == 0 and rc_js == 0
    if both_ran and py == js:
        agreed_files += 1
        if sm != py:
            failures.append("%s: engines agree on %d keys; smcal misses %s, "
                            "adds %s" % (rel, len(py), sorted(py - sm)[:3],
                                         sorted(sm - py)[:3]))
        continue
    decided_files += 1
    agree = (py & js) if both_ran else set()
    missing = agree - sm
    union = (py if rc_py == 0 else set()) | (js if rc_js == 0 else set())
    extra = sm - union if both_ran else set()
    if missing:
        failures.append("%s: smcal misses keys both engines give: %s" %
                        (rel, sorted(missing)[:3]))
    if extra and "`%s`" % rel not in decisions:
        failures.append("%s: smcal gives keys neither engine gives: %s" %
                        (rel, sorted(extra)[:3]))
    if "`%s`" % rel not in decisions:
        failures.append("%s: engines disagree (py rc %d, %d keys; js rc %d, "
                        "%d keys) and oracle-decisions.md has no entry"
                        % (rel, rc_py, len(py), rc_js, len(js)))

print("differential: %d files, %d where the engines agree, %d decided in "
      "oracle-decisions.md, %d smcal keys" % (len(files), agreed_files,
                                              decided_files, total_keys))
for f in failures:
    print("FAIL " + f)
sys.exit(1 if failures or not files else 0)
