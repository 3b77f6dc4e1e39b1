#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Syscall attribution with injected, known taxes:
#  - exactly N getppid calls are counted exactly;
#  - 25 sleeps of 20 ms show 500 ms blocked (±10%) and little on-CPU time;
#  - JSON carries the documented fields.
. "$(dirname "$0")/lib.sh"
need_root
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

for n in 1000 100000; do
	"$VTAX" run --format json -o "$TMP/g.json" -- "$FIX/getppid_n" $n >/dev/null 2>"$TMP/err"
	ok $? "vtax run getppid_n $n exits 0"
	got=$(hsum "$TMP/g.json" pid: syscall getppid part=total count)
	[ "$got" = "$n" ]; ok $? "getppid counted exactly: $got == $n"
	oncpu=$(hsum "$TMP/g.json" pid: syscall getppid part=oncpu count)
	[ "$oncpu" = "$n" ]; ok $? "on-CPU part has every call: $oncpu"
done

"$VTAX" run --format json -o "$TMP/s.json" -- "$FIX/sleeper" 20 25 "$TMP/slept" 2>"$TMP/err"
ok $? "vtax run sleeper 20ms x 25"
cnt=$(hsum "$TMP/s.json" pid: syscall clock_nanosleep part=total count)
[ "$cnt" = 25 ]; ok $? "25 clock_nanosleep calls ($cnt)"
blocked=$(hsum "$TMP/s.json" pid: syscall clock_nanosleep part=blocked sum_ns)
slept=$(cat "$TMP/slept")
runq=$(hsum "$TMP/s.json" pid: syscall clock_nanosleep part=runq sum_ns)
diag "blocked ns: $blocked, runq ns: $runq; the sleeps took $slept ns (nominal 500 ms)"
# a sleep is at least its nominal time; it is blocked time plus the wait for
# the CPU after the wakeup (large on a loaded or emulated machine)
ge "$blocked" 475000000; ok $? "blocked time at least the nominal 500 ms (-5%)"
within "$((blocked + runq))" "$slept" 0.10; ok $? "blocked + run-queue time within 10% of what the sleeps took"
oncpu=$(hsum "$TMP/s.json" pid: syscall clock_nanosleep part=oncpu sum_ns)
diag "on-CPU ns: $oncpu (switch-ins repaired: $(jpy "$TMP/s.json" "d['drops'].get('switch_in_unseen', 0)"))"
# natively a sleep's on-CPU part is a few us; in a TCG guest (VTAX_GUEST=1,
# tests/kernels/) every switch-in and syscall exit, vtax's own programs
# included, is emulated: 440 and 660 us a sleep were seen (11.1 and 16.5 ms
# for these 25 in the 6.12 and 6.1 guests), so there the bound is 10% of
# the nominal time slept - still far below a sleep counted as on-CPU
lim=10000000
[ "${VTAX_GUEST:-}" = 1 ] && lim=50000000
le "$oncpu" $lim; ok $? "on-CPU time of the sleeps is small (< $((lim / 1000000)) ms)"

# the schema fields issue 2 promises
python3 - "$TMP/g.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["vtax_schema"] == 1 and d["mode"] == "run"
s = d["subjects"][0]
assert s["id"].startswith("pid:")
h = s["histograms"][0]
for k in ("family", "name", "labels", "count", "sum_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns", "buckets"):
    assert k in h, k
for lo, hi, c in h["buckets"]:
    assert lo < hi and c > 0
assert sum(b[2] for b in h["buckets"]) == h["count"]
assert "syscall_enter_without_exit" in d["drops"]
PY
ok $? "JSON has subjects, histograms with percentiles and [lo,hi,count] buckets, drop counters"

# text report: readable rows with units
"$VTAX" run -- "$FIX/getppid_n" 5000 >"$TMP/t.txt" 2>&1
grep -Eq '^  getppid +5000 ' "$TMP/t.txt"; ok $? "text report shows getppid with its count"
"$VTAX" run --hist -- "$FIX/sleeper" 5 3 >"$TMP/h.txt" 2>&1
grep -q '|\*' "$TMP/h.txt"; ok $? "--hist draws bars"
done_testing
