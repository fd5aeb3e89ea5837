#!/usr/bin/env python3
"""A misbehaving pnn device for the fault tests: the tanh device of docs/hardware.md
(y = tanh(w * x + b)) that, after --after forward requests, misbehaves once:
  crash    exits with code 3 (after a line on stderr)      hang     never answers
  garbage  answers a line that is not JSON                 rows     answers one row too few
  nan      answers a NaN (Python's json writes it bare)    id       answers with an id it was never sent
  error    answers {"error": ...} (a device-side failure)  none     behaves
With --once FLAG the fault happens only if FLAG does not exist yet (it is created when the
fault happens), so the next start -- a retry, or a resumed run -- finds a healthy device.
--pid FILE appends the process id (the tests check that pnn stopped every device it started)."""
import argparse, json, math, os, sys, time

N = 4
B = [0.3, -0.2, 0.1, 0.25]

ap = argparse.ArgumentParser()
ap.add_argument("--fault", default="none")
ap.add_argument("--after", type=int, default=0)
ap.add_argument("--once")
ap.add_argument("--pid")
a = ap.parse_args()
if a.pid:
    with open(a.pid, "a") as f:
        f.write("%d\n" % os.getpid())

forwards = 0


def faulty():
    if a.fault == "none" or forwards <= a.after:
        return False
    if a.once:
        if os.path.exists(a.once):
            return False
        open(a.once, "w").close()
    return True


def out(obj, raw=None):
    sys.stdout.write((raw if raw is not None else json.dumps(obj)) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    req = json.loads(line)
    if req["op"] == "info":
        out({"id": req["id"], "inputs": [N], "outputs": [N], "params": {"w": [N]}})
        continue
    forwards += 1
    w = req["params"]["w"]
    y = [[math.tanh(w[i] * row[i] + B[i]) for i in range(N)] for row in req["x"]]
    if faulty():
        if a.fault == "crash":
            sys.stderr.write("laser interlock tripped\n")
            sys.stderr.flush()
            sys.exit(3)
        if a.fault == "hang":
            time.sleep(3600)
        if a.fault == "garbage":
            out(None, "#### stage controller: limit switch")
            continue
        if a.fault == "rows":
            y = y[:-1]
        if a.fault == "nan":
            y[0][1] = float("nan")
        if a.fault == "id":
            out({"id": req["id"] + 1000, "y": y})
            continue
        if a.fault == "error":
            out({"id": req["id"], "error": "detector saturated"})
            continue
    out({"id": req["id"], "y": y})
