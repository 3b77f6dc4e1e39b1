#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Scheduler attribution with injected, known taxes:
#  - two busy processes pinned to one CPU for 2 s of wall time each: each
#    waits for the CPU about half the time.  The exact expectation is the
#    kernel's own accounting: each spinner's run_delay from
#    /proc/self/schedstat (the fixture prints it).  wall - cpu time, used
#    before, is printed for comparison only: cpu time includes the CPU spent
#    before the timed loop (exec, dynamic loading), negligible natively but
#    0.1-0.2 s per process in a TCG guest (measured on 6.12 under TCG: a lone
#    spinner, 5.000 s of loop, 5.186 s of CPU), which put wall - cpu >10%
#    below the true wait there while vtax matched run_delay within 2%;
#  - a cgroup with cpu.cfs_quota_us at 20% of the period: a busy process in
#    it is throttled ~80% of the wall time.  The spinner outlives vtax's
#    start (which takes tens of seconds in a TCG guest: a fixed 4 s spinner
#    had ended before vtax attached there) and is killed after.
. "$(dirname "$0")/lib.sh"
need_root
TMP=$(mktemp -d)
CG=""
cleanup() {
	if [ -n "$CG" ] && [ -d "$CG" ]; then
		for p in $(cat "$CG/cgroup.procs" 2>/dev/null); do kill "$p" 2>/dev/null; done
		sleep 0.2; rmdir "$CG" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

"$VTAX" run --format json -o "$TMP/r.json" -- sh -c "'$FIX/spin' 2 0 & '$FIX/spin' 2 0; wait" >"$TMP/spin.out" 2>"$TMP/err"
ok $? "vtax run two pinned spinners"
runq=$(hsum "$TMP/r.json" pid: sched runq "" sum_ns)
pre=$(hsum "$TMP/r.json" pid: sched runq cause=preempt count)
read -r expect wallcpu <<<"$(python3 -c "
import re; rd=wc=0
for l in open('$TMP/spin.out'):
    m=re.search(r'wall_ns=(\d+) cpu_ns=(\d+) run_delay_ns=(-?\d+)', l)
    if m:
        wc+=int(m.group(1))-int(m.group(2))
        rd=-1 if rd < 0 or int(m.group(3)) < 0 else rd+int(m.group(3))
print(rd, wc)")"
diag "run-queue wait: $runq ns (kernel's run_delay: $expect ns; wall - cpu: $wallcpu ns), involuntary preemptions: $pre"
# the injected wait (half of each spinner's 2 s) is a floor: other load on
# the host adds to it (CI's kernel matrix once saw 2.85 s at load 5, with the
# kernel's run_delay agreeing within 0.3%), which the next check pins exactly
ge "$runq" 1300000000; ok $? "run-queue wait holds at least the injected ~2 s (-35%)"
if [ "$expect" -ge 0 ]; then
	within "$runq" "$expect" 0.10; ok $? "run-queue wait within 10% of the kernel's run_delay (schedstat)"
else
	# no schedstats in this kernel: the approximation
	within "$runq" "$wallcpu" 0.10; ok $? "run-queue wait within 10% of wall - cpu time (no schedstat)"
fi
ge "$pre" 10; ok $? "involuntary preemptions counted ($pre)"

# CFS bandwidth: 20 ms per 100 ms period
CGROOT=$(awk '$3 == "cgroup" && $4 ~ /(^|,)cpu(,|$)/ {print $2; exit}' /proc/mounts)
[ -z "$CGROOT" ] && CGROOT=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
CG=$CGROOT/vtax-test-$$
mkdir "$CG"
if [ -e "$CG/cpu.cfs_quota_us" ]; then
	echo 100000 >"$CG/cpu.cfs_period_us"; echo 20000 >"$CG/cpu.cfs_quota_us"
else
	echo "+cpu" >"$CGROOT/cgroup.subtree_control" 2>/dev/null; echo "20000 100000" >"$CG/cpu.max"
fi
sh -c "echo \$\$ > '$CG/cgroup.procs'; exec '$FIX/spin' 300" >/dev/null &
SPIN=$!
sleep 0.3
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SPIN/stat"; }
c0=$(cpu_ticks) t0=$(date +%s.%N)
"$VTAX" attach --cgroup "$CG" --duration 2 --format json -o "$TMP/c.json" 2>"$TMP/err"
ok $? "vtax attach --cgroup"
share=$(python3 -c "import os,sys; print((int(sys.argv[2]) - int(sys.argv[1])) / os.sysconf('SC_CLK_TCK') / (float(sys.argv[4]) - float(sys.argv[3])))" \
	"$c0" "$(cpu_ticks)" "$t0" "$(date +%s.%N)")
frac=$(python3 -c "
import json; d=json.load(open('$TMP/c.json'))
print([c['value'] for s in d['subjects'] for c in s['counters'] if c['name']=='sched.cfs.throttled_fraction'][0])")
diag "throttled fraction: $frac (expect ~0.8); the spinner's CPU share meanwhile: $share"
# ~80% holds when the spinner could use its 20% in every period; on a host
# loaded enough to deny it that (CI's matrix at load 5: 0.63) there is no
# known expectation
if ge "$share" 0.17; then
	within "$frac" 0.8 0.15; ok $? "CFS throttling near 80% of wall time (±15%)"
else
	skip "CFS throttling: the spinner got only $share of a CPU (quota 0.2): the host is too loaded to expect ~80%"
fi
kill $SPIN 2>/dev/null; wait $SPIN 2>/dev/null
done_testing
