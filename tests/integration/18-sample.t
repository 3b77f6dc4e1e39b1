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
#  - bad --sample values are one line and a non-zero exit;
#  - --sample-netfilter samples the netfilter brackets alone, scaled by
#    the share of packets its windows saw.
# Runtime: about 35 s.
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

# ---- the net family sampled: gated packet programs, netfilter links --------
# a paced loopback ping-pong (1 ms between requests: time-driven), traced
# whole for 1000 requests, then sampled for 3000: the scaled counts of the
# packet paths (tracepoint programs, gated) and of the conntrack brackets
# (netfilter links, detached between windows) must recover 3x the whole
# run's within 15%
P=$((30000 + $$ % 20000))
"$VTAX" run --probes net -f json -o "$TMP/n1.json" -- "$FIX/tcp_pingpong" both -p "$P" -n 1000 -g 1000 -t 60 \
	>/dev/null 2>"$TMP/e"
ok $? "unsampled net run: 1000 paced requests over loopback"
"$VTAX" run --probes net --sample 10ms/50ms -f json -o "$TMP/n3.json" -- "$FIX/tcp_pingpong" both -p "$((P + 1))" \
	-n 3000 -g 1000 -t 60 >/dev/null 2>"$TMP/e"
ok $? "sampled net run (--sample 10ms/50ms): 3000 paced requests"
for series in path conntrack; do
	ref=$(hsum "$TMP/n1.json" pid: net "$series" "" count)
	got=$(hsum "$TMP/n3.json" pid: net "$series" "" count)
	if [ "$ref" -eq 0 ]; then
		skip "no $series series on this host (no conntrack on loopback)"
		continue
	fi
	diag "net $series: whole run $ref for 1000 requests; sampled, scaled: $got for 3000 (fractions $(jpy "$TMP/n3.json" "d['sample']['family_fractions']"))"
	within "$got" "$((3 * ref))" 0.15
	ok $? "sampled net $series count $got recovers 3 x $ref within 15%"
done

# ---- --sample-netfilter: the brackets alone, on a closed-loop workload ------
# An unpaced loopback ping-pong runs as fast as it can, so it runs slower
# while the brackets are attached: its windows hold fewer packets than
# their share of time.  The brackets' counts are scaled by the share of
# the subjects' packets in the windows (counted by the hop programs,
# which trace whole), so they must recover the whole run's within 5%;
# every other series is not scaled and equals the whole run's; the gate
# never shuts.
"$VTAX" run --sample 5% --sample-netfilter 5% -- true >"$TMP/o" 2>"$TMP/e"
rc=$?
[ "$rc" -ne 0 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] && grep -q -- '--sample-netfilter' "$TMP/e"
ok $? "--sample with --sample-netfilter: one line, exit $rc"
"$VTAX" run --sample-netfilter 95% -- true >"$TMP/o" 2>"$TMP/e"
rc=$?
[ "$rc" -ne 0 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] && grep -q -- '^vtax: --sample-netfilter' "$TMP/e"
ok $? "--sample-netfilter 95%: one line naming the option, exit $rc"
"$VTAX" run --probes syscall --sample-netfilter 5% -- true >"$TMP/o" 2>"$TMP/e"
rc=$?
[ "$rc" -ne 0 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] && grep -q -- '^vtax: --sample-netfilter: the net probes are not loaded' "$TMP/e"
ok $? "--sample-netfilter without the net probes: one line, exit $rc"
NQ=40000
"$VTAX" run --probes net -f json -o "$TMP/q1.json" -- "$FIX/tcp_pingpong" both -p "$((P + 2))" -n $NQ -t 60 \
	>/dev/null 2>"$TMP/e"
ok $? "unsampled net run: $NQ unpaced requests over loopback"
"$VTAX" run --probes net --sample-netfilter 10ms/50ms -f json -o "$TMP/q2.json" -- "$FIX/tcp_pingpong" both \
	-p "$((P + 3))" -n $NQ -t 60 >"$TMP/q2.out" 2>"$TMP/e" &
VP=$!
python3 "$(dirname "$0")/gate_poll.py" "$VP" 60 >"$TMP/poll"
wait "$VP"
ok $? "the same with --sample-netfilter 10ms/50ms"
read -r npoll polled zero swing _ <"$TMP/poll"
diag "gate polled $npoll times: on-fraction $polled, all off in $zero, $swing switches; sample block $(jpy "$TMP/q2.json" "d.get('sample')")"
[ "$npoll" -gt 100 ] && [ "$swing" = 0 ] && le "$zero" 0
ok $? "--sample-netfilter never shuts the gate ($swing switches in $npoll polls)"
jpy "$TMP/q2.json" "d['sample']['scope'] == 'netfilter' and d['sample']['fraction_of'] == 'packets' and list(d['sample']['family_fractions']) == ['net.netfilter'] and 0.05 < d['sample']['fraction'] < 0.4" | grep -qx True
ok $? "JSON sample block: scope netfilter, a share of packets, only net.netfilter scaled"
ref=$(hsum "$TMP/q1.json" pid: net path "" count)
got=$(hsum "$TMP/q2.json" pid: net path "" count)
within "$got" "$ref" 0.01; ok $? "the packet paths trace whole: $got against $ref unsampled"
ref=$(hsum "$TMP/q1.json" pid: net conntrack "" count)
got=$(hsum "$TMP/q2.json" pid: net conntrack "" count)
if [ "$ref" -eq 0 ]; then
	skip "no conntrack series on this host (no conntrack on loopback)"
else
	diag "conntrack brackets: whole run $ref; sampled, scaled by the packet share: $got"
	within "$got" "$ref" 0.05
	ok $? "scaled conntrack count $got recovers the whole run's $ref within 5%"
fi

# ---- window edges patch no kernel text; long gaps release the links --------
# Attaching or detaching a tracepoint program patches kernel text (static
# key, static call) and syncs every CPU by IPI; the gate's edges are map
# writes.  Function-call IPIs per second (CAL in /proc/interrupts) while
# vtax traces an idle process for 3 s, sampled at 10ms/50ms (gaps too
# short to park: 40 edges a second, all gate writes), must stay within
# 50/s of the same session unsampled (the design that detached links at
# every edge caused ~2,200/s at 10 cycles a second here).  With 10ms/1s
# the gaps are long: the gated programs' links are released in them and
# made again before the next window (src/trace/sample.c, park()), so the
# session must hold fewer bpf_link descriptors in a gap than with short
# gaps, where only the netfilter links (which patch nothing) come and go.
cal() { awk '$1 == "CAL:" { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }' /proc/interrupts; }
attach_idle() { # attach_idle SECONDS ARGS...: `vtax attach -p IDLE ARGS` for SECONDS once
	# tracing; prints "IPIs-per-second fewest-links most-links"
	local secs=$1 vp c0 c1 t0 t1
	shift
	rm -f "$TMP/ready"
	"$VTAX" attach -p "$SLP" --probes sched,net --ready-file "$TMP/ready" "$@" -o /dev/null >/dev/null 2>&1 &
	vp=$!
	for _ in $(seq 1 300); do [ -e "$TMP/ready" ] && break; kill -0 "$vp" 2>/dev/null || break; sleep 0.05; done
	sleep 0.5
	c0=$(cal) t0=$(date +%s.%N)
	python3 - "$vp" "$secs" >"$TMP/links" <<'PY'
import os, sys, time
pid, end = sys.argv[1], time.monotonic() + float(sys.argv[2])
n = []
while time.monotonic() < end:
    try:
        n.append(sum(1 for f in os.listdir(f"/proc/{pid}/fd")
                     if os.readlink(f"/proc/{pid}/fd/{f}") == "anon_inode:bpf_link"))
    except OSError:
        pass
    time.sleep(0.01)
print(min(n or [0]), max(n or [0]))
PY
	c1=$(cal) t1=$(date +%s.%N)
	kill -INT "$vp" 2>/dev/null
	wait "$vp"
	echo "$(python3 -c "import sys; print(round((int(sys.argv[2]) - int(sys.argv[1])) / (float(sys.argv[4]) - float(sys.argv[3]))))" "$c0" "$c1" "$t0" "$t1") $(cat "$TMP/links")"
}
if [ -z "$(cal)" ]; then
	skip "no function-call IPI count in /proc/interrupts on this architecture"
	skip "(the parking check shares the set-up)"
else
	sleep 60 &
	SLP=$!
	read -r r_full _ _ <<<"$(attach_idle 3)"
	read -r r_samp lo_s hi_s <<<"$(attach_idle 3 --sample 10ms/50ms)"
	read -r r_park lo_p hi_p <<<"$(attach_idle 4 --sample 10ms/1s)"
	kill "$SLP" 2>/dev/null; wait "$SLP" 2>/dev/null; SLP=
	diag "function-call IPIs per second: unsampled $r_full, --sample 10ms/50ms $r_samp (links $lo_s..$hi_s), 10ms/1s $r_park (links $lo_p..$hi_p)"
	[ -n "$r_full" ] && [ -n "$r_samp" ] && [ "$r_samp" -le $((r_full + 50)) ]
	ok $? "short gaps: the gate alone, no IPIs added ($r_samp/s against $r_full/s unsampled, at most +50/s)"
	# short gaps release only the netfilter links (theirs patch nothing);
	# long ones the tracepoint programs' too
	[ -n "$lo_p" ] && [ -n "$lo_s" ] && [ "$lo_p" -lt "$lo_s" ] && [ "$hi_p" = "$hi_s" ]
	ok $? "long gaps (10ms/1s): the gated links are released and made again (held $lo_p..$hi_p; with short gaps $lo_s..$hi_s)"
fi

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
