#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""phase_hog.py LOG ENV CPU PID [MAX_S] - a CPU hog on CPU that runs only
while `vtax compare`'s --progress-log LOG names environment ENV (any phase
but teardown), until process PID (the compare) exits or MAX_S seconds
(default 240) pass.  The hog is a busy shell loop pinned to CPU, stopped
(SIGSTOP) whenever another environment's line is the last one; the log is
polled every 2 ms by this one process (no fork per poll: a poller that
forks would itself load the CPUs it measures).  The hog is killed on every
exit path.  Prints the seconds the hog was allowed to run."""
import os
import signal
import subprocess
import sys
import time

log, env, cpu, vpid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
max_s = float(sys.argv[5]) if len(sys.argv) > 5 else 240
hog = subprocess.Popen(["bash", "-c", "end=$((SECONDS+%d)); while [ $SECONDS -lt $end ]; do :; done" % (max_s + 5)],
                       preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
os.kill(hog.pid, signal.SIGSTOP)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
running, ran, since, last, buf = False, 0.0, 0.0, "", ""
t_end = time.monotonic() + max_s
try:
    f = None
    while time.monotonic() < t_end:
        try:
            os.kill(vpid, 0)
        except ProcessLookupError:
            break
        if f is None:
            try:
                f = open(log)
            except OSError:
                time.sleep(0.01)
                continue
        buf += f.read()
        lines = buf.split("\n")
        buf = lines[-1]
        full = [l for l in lines[:-1] if l.strip()]
        if full:
            last = full[-1]
        p = last.split()
        want = len(p) >= 3 and p[1] == env and p[2] != "teardown"
        if want != running:
            os.kill(hog.pid, signal.SIGCONT if want else signal.SIGSTOP)
            now = time.monotonic()
            if want:
                since = now
            else:
                ran += now - since
            running = want
        time.sleep(0.002)
finally:
    if running:
        ran += time.monotonic() - since
    hog.kill()
    hog.wait()
print("hog_ran_s=%.2f" % ran)
