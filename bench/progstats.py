#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""progstats.py - per-program run counts and run time of one process's BPF
programs (the prog fds it holds, from /proc/PID/fdinfo), as the kernel's
BPF run-time statistics count them (kernel.bpf_stats_enabled must be 1).
bench/bench.sh's calibration pass snapshots these around a kv run to give
program runs and BPF CPU per request, outside the timed rounds (the
statistics add two clock reads to every program run on the host).
  progstats.py snap PID > FILE            {prog_id: [name, run_cnt, run_time_ns]}
  progstats.py diff BEFORE AFTER OPS      runs and ns per operation, per program
"""
import json, os, subprocess, sys


def snap(pid):
    ids = set()
    d = f"/proc/{pid}/fdinfo"
    for fd in os.listdir(d):
        try:
            for line in open(os.path.join(d, fd)):
                if line.startswith("prog_id:"):
                    ids.add(int(line.split()[1]))
        except OSError:
            pass
    out = {}
    progs = []
    for _ in range(10):  # a program of another process may vanish mid-listing: retry
        r = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True)
        try:
            progs = json.loads(r.stdout)
            if r.returncode == 0:
                break
        except ValueError:
            pass
    for p in progs:
        if p["id"] in ids:
            out[p["id"]] = [p.get("name", "?"), p.get("run_cnt", 0), p.get("run_time_ns", 0)]
    json.dump(out, sys.stdout)


def diff(a, b, ops):
    a, b, ops = json.load(open(a)), json.load(open(b)), float(ops)
    per = {}
    for k, (name, cnt, ns) in b.items():
        c0, n0 = a.get(k, [name, 0, 0])[1:]
        r = per.setdefault(name, [0, 0])
        r[0] += cnt - c0
        r[1] += ns - n0
    runs = sum(v[0] for v in per.values()) / ops
    ns = sum(v[1] for v in per.values()) / ops
    top = sorted(per.items(), key=lambda kv: -kv[1][1])
    print(json.dumps({"ops": ops, "runs_per_op": round(runs, 2), "bpf_ns_per_op": round(ns),
                      "programs": {n: [round(v[0] / ops, 2), round(v[1] / ops)] for n, v in top if v[0]}}))


if sys.argv[1] == "snap":
    snap(int(sys.argv[2]))
else:
    diff(sys.argv[2], sys.argv[3], sys.argv[4])
