#!/usr/bin/env bash
# Cost per traced syscall of `vtax run` (syscall + sched families) on a
# getppid loop, side by side in one run, against:
#   base   the same loop untraced
#   floor  empty BPF programs on the same tracepoints (bench/floor)
# Rounds interleave the three so machine noise hits all alike; medians.
# Target (issue 2): vtax adds at most 2x what the empty programs add.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/build
N=${N:-2000000}
ROUNDS=${ROUNDS:-7}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
base=() floor=() vtax=()
for r in $(seq 1 "$ROUNDS"); do
	base+=("$("$B/fixtures/getppid_n" "$N")")
	floor+=("$("$B/bench/floor" "$B/fixtures/getppid_n" "$N")")
	vtax+=("$("$B/vtax" run --probes syscall,sched -o /dev/null -- "$B/fixtures/getppid_n" "$N" 2>/dev/null | head -1)")
done
python3 - "${base[*]}" "${floor[*]}" "${vtax[*]}" <<'PY'
import statistics as st, sys
b, f, v = ([float(x) for x in a.split()] for a in sys.argv[1:4])
mb, mf, mv = st.median(b), st.median(f), st.median(v)
fa, va = mf - mb, mv - mb
print(f"getppid loop, {len(b)} rounds, median ns per syscall")
print(f"  untraced            {mb:8.1f} ns")
print(f"  empty programs      {mf:8.1f} ns   (+{fa:.1f} ns: the floor)")
print(f"  vtax syscall+sched  {mv:8.1f} ns   (+{va:.1f} ns)")
print(f"  vtax / untraced     {mv/mb:8.2f}x")
print(f"  vtax added / floor added = {va/fa:.2f}  (target <= 2.0)")
PY
