#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Cost per traced syscall of `vtax run` (syscall + sched families) on a
# getppid loop, side by side in one run, against:
#   base   the same loop untraced
#   floor  empty BPF programs on the same tracepoints (bench/floor empty)
#   timing the least latency probe: two clock reads and a task-storage
#          slot on sys_enter/sys_exit (bench/floor timing)
# Rounds interleave the three so machine noise hits all alike; medians.
# Target (issue 2): vtax adds at most 2x what the empty programs add.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/build
N=${N:-2000000}
ROUNDS=${ROUNDS:-7}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
base=() floor=() timing=() vtax=()
for r in $(seq 1 "$ROUNDS"); do
	base+=("$("$B/fixtures/getppid_n" "$N")")
	floor+=("$("$B/bench/floor" empty "$B/fixtures/getppid_n" "$N")")
	timing+=("$("$B/bench/floor" timing "$B/fixtures/getppid_n" "$N")")
	vtax+=("$("$B/vtax" run --probes syscall,sched -o /dev/null -- "$B/fixtures/getppid_n" "$N" 2>/dev/null | head -1)")
done
python3 - "${base[*]}" "${floor[*]}" "${timing[*]}" "${vtax[*]}" <<'PY'
import statistics as st, sys
b, f, t, v = ([float(x) for x in a.split()] for a in sys.argv[1:5])
mb, mf, mt, mv = st.median(b), st.median(f), st.median(t), st.median(v)
fa, ta, va = mf - mb, mt - mb, mv - mb
print(f"getppid loop, {len(b)} rounds, median ns per syscall")
print(f"  untraced            {mb:8.1f} ns")
print(f"  empty programs      {mf:8.1f} ns   (+{fa:.1f} ns: the floor)")
print(f"  least latency probe{mt:8.1f} ns   (+{ta:.1f} ns: 2 clock reads + task storage)")
print(f"  vtax syscall+sched  {mv:8.1f} ns   (+{va:.1f} ns)")
print(f"  vtax / untraced     {mv/mb:8.2f}x")
print(f"  vtax added / floor added = {va/fa:.2f}  (target <= 2.0)")
print(f"  vtax added / least-probe added = {va/ta:.2f}")
PY
