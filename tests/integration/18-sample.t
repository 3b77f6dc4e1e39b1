#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# --sample (docs/sampling.md): duty-cycled tracing, the programs switched
# off between windows by their gate.  A known workload whose pace tracing cannot change (N
# sleeps of 1 ms: time-driven, not CPU-bound) proves that
#  - the fraction vtax reports is the time its gate really let the
#    chain-starting programs run (polled independently through bpf());
#  - the count scaled by 1/fraction recovers the known N (within 15%);
#  - the mean per call agrees with an unsampled run (within 10%);
#  - nothing stays attached afterwards, nor after Ctrl-C mid-cycle;
#  - bad --sample values are one line and a non-zero exit.
# Runtime: about 25 s.
. "$(dirname "$0")/lib.sh"
need_root
command -v bpftool >/dev/null || skip_all "needs bpftool"
TMP=$(mktemp -d)
SLP=
cleanup() { [ -n "$SLP" ] && kill "$SLP" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

# ---- bad input --------------------------------------------------------
for bad in 0% 95% abc 10ms 10ms/5ms 10xs/100ms 0.5ms/100ms 10ms/1000s; do
	"$VTAX" run --sample "$bad" -- true >"$TMP/o" 2>"$TMP/e"
	rc=$?
	[ "$rc" -ne 0 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] && grep -q -- '--sample' "$TMP/e"
	ok $? "--sample $bad: one line, exit $rc"
done

# ---- unsampled reference ------------------------------------------------
N0=1000
"$VTAX" run --probes syscall -f json -o "$TMP/full.json" -- "$FIX/sleeper" 1 $N0 >/dev/null 2>"$TMP/e"
ok $? "unsampled run of $N0 sleeps of 1 ms"
full_n=$(hsum "$TMP/full.json" pid: syscall clock_nanosleep part=total count)
full_sum=$(hsum "$TMP/full.json" pid: syscall clock_nanosleep part=total sum_ns)
[ "$full_n" = "$N0" ]; ok $? "unsampled: every sleep counted ($full_n)"

# ---- sampled run, its gate polled through bpf() --------------------------
N=3000 # ~3.3 s: ~65 windows of 10 ms every 50 ms on average
"$VTAX" run --probes syscall --sample 10ms/50ms -f json -o "$TMP/s.json" -- "$FIX/sleeper" 1 $N \
	>/dev/null 2>"$TMP/e" &
VP=$!
# its gate, read from outside through the bpf() system call every ~0.5 ms
# (tests/integration/gate_poll.py), bounded by vtax's exit and 30 s
python3 "$(dirname "$0")/gate_poll.py" "$VP" 30 >"$TMP/poll"
wait "$VP"
ok $? "sampled run (--sample 10ms/50ms) exits 0"
read -r npoll polled zero swing epochs top1 top2 <"$TMP/poll"
frac=$(jpy "$TMP/s.json" "d['sample']['fraction']")
sfrac=$(jpy "$TMP/s.json" "d['sample']['family_fractions']['syscall']")
wins=$(jpy "$TMP/s.json" "d['sample']['windows']")
diag "polls: $npoll, gate switches: $swing, windows begun (epochs): $epochs, polled on-fraction $polled (all off: $zero); reported $frac (syscall $sfrac); $wins windows"
[ "$npoll" -gt 500 ] && [ "$swing" -ge 20 ]; ok $? "vtax's gate polled ($npoll polls, $swing switches)"
python3 -c "import sys; sys.exit(0 if abs(float(sys.argv[1]) - float(sys.argv[2])) <= 0.02 else 1)" "$polled" "$frac"
ok $? "reported fraction $frac matches the polled on-time $polled (within 0.02: an edge is one map write)"
python3 -c "import sys; e, w = int(sys.argv[1]), int(sys.argv[2]); sys.exit(0 if 0.7 * w <= e <= w + 1 else 1)" "$epochs" "$wins"
ok $? "windows begun as polled ($epochs new epochs in 90% of the run) agree with the $wins reported"
ge "$zero" 0.3; ok $? "every program switched off between windows (in $zero of the polls)"
[ "$top1" = "$top2" ] && [ "$top1" -gt 0 ]; ok $? "no descriptor leaks across ~65 cycles (most fds held: $top1 in the first half, $top2 in the second)"
python3 -c "import sys; f=float(sys.argv[1]); sys.exit(0 if 0.12 <= f <= 0.3 else 1)" "$sfrac"
ok $? "syscall programs' fraction $sfrac near the nominal 20% (0.12..0.3: random window phases)"
jpy "$TMP/s.json" "d['sample']['scaled'] and d['sample']['spec'] == '10ms/50ms' and d['sample']['on_ns'] < d['sample']['wall_ns']" | grep -qx True
ok $? "JSON sample block: spec, on_ns < wall_ns, scaled"

n=$(hsum "$TMP/s.json" pid: syscall clock_nanosleep part=total count)
s_sum=$(hsum "$TMP/s.json" pid: syscall clock_nanosleep part=total sum_ns)
diag "scaled count $n of $N; means: sampled $((s_sum / (n > 0 ? n : 1))) ns, unsampled $((full_sum / N0)) ns"
within "$n" "$N" 0.15; ok $? "scaled count $n recovers the known $N within 15%"
within "$((s_sum / (n > 0 ? n : 1)))" "$((full_sum / N0))" 0.10
ok $? "mean per sleep agrees with the unsampled run within 10%"
[ ! -e "${VTAX_STATE_DIR:-/run/vtax}/$VP.state" ]; ok $? "no state file left by the sampled run"

"$VTAX" run --sample 10ms/50ms -- "$FIX/sleeper" 1 200 >"$TMP/t.txt" 2>&1
grep -q '^sampled (--sample 10ms/50ms): traced .*% of wall time' "$TMP/t.txt"
ok $? "text report states the sampled fraction"

# ---- Ctrl-C in the middle of a cycle ----------------------------------------
"$FIX/sleeper" 1 20000 &
SLP=$!
"$VTAX" attach --pid "$SLP" --probes syscall --sample 10ms/30ms -f json -o "$TMP/a.json" >/dev/null 2>"$TMP/ae" &
VA=$!
# loading takes a while on a busy host: Ctrl-C once the cycle has run ~1 s
held=0
for _ in $(seq 1 100); do
	held=$(ls -l "/proc/$VA/fd" 2>/dev/null | grep -c 'anon_inode:bpf_link')
	[ "$held" -gt 0 ] && break
	sleep 0.1
done
sleep 1
kill -INT "$VA"
wait "$VA"
rc=$?
kill "$SLP" 2>/dev/null; wait "$SLP" 2>/dev/null; SLP=
[ "$rc" -eq 0 ] && [ "$held" -ge 1 ]; ok $? "attach --sample ends on Ctrl-C (exit $rc; it held $held links)"
jpy "$TMP/a.json" "d['sample']['windows'] >= 2" | grep -qx True; ok $? "its report covers several windows"
[ ! -e "${VTAX_STATE_DIR:-/run/vtax}/$VA.state" ]; ok $? "no state file left after Ctrl-C"
left=$(bpf_unheld_links)
[ "$left" = 0 ]; ok $? "no BPF link left attached without a holder ($left)"
done_testing
