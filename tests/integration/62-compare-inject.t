#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 62-compare-inject.t - a known delay per request, injected on docker-nat's
# veth while `vtax compare` runs, must be recovered within 10% by the
# difference vs native (and its 95% interval) and by the bridge+veth hops
# cause (issue 10, "Tests that can fail").
#
# The delay: build/fixtures/tc_delay holds the transmitting CPU for X = 500 us on
# every TCP packet with payload to the container's redis port, at the egress
# of the container's host-side veth (a tcx program; its fd holds the link,
# so it goes away with the process on every exit path).  A kv request (64-
# byte value) is one such packet: +X per request, on the request's way in,
# after the bridge and before the veth queues it.  tests/fixtures/bpf/
# tc_delay.c says why not tbf (measured: on a 1-connection ping-pong a
# token bucket sets the request period, it does not add a known time) and
# why not netem (not in this kernel).  The fixture reports the time it held
# per packet, which is the X the test expects.
#
# Two runs of native,docker-nat (6 rounds of 0.5 s, probes sched,net): one
# plain, one with the delay attached once the container exists and before
# round 1 (checked against --progress-log).  docker-nat's own tax is the
# plain run's: the injected run's difference minus the plain run's must be
# X -10%..+20% with its explained part X within 10% (the check says why),
# and its hops cause's (corrected) delta minus the plain run's must be X
# within 10%; the injected run's interval, less the plain run's
# difference, must begin within X -10%..+20% when the intervals are tight enough
# to say so (else a TAP SKIP that says how wide they were).  Closure of the
# injected run (corrected components) must be within 90-110%: X dominates
# it, and the hops carry it (under the same power condition).  The one hop
# component that grew most must have grown by X within 10% whatever the
# load (it held within 2% at load 5-6: it is timed between two events on
# one CPU with nothing between them but the held time).
# Runtime: about 2 x 40 s on a quiet 2-core VM (docker image cached).
. "$(dirname "$0")/lib.sh"
compare_test_needs redis-server docker nsenter
[ -x build/fixtures/tc_delay ] || skip_all "build/fixtures/tc_delay not built (make)"
ensure_docker || skip_all "Docker's daemon does not answer"
X_US=${VTAX_T62_X_US:-500} # the held time per request (see the comment above the interval check)
PORT=6379 # redis inside the container (env_docker.c)

tmp=$(mktemp -d /tmp/vtax-t62.XXXXXX) || exit 1
vpid='' dpid=''
cleanup() {
	# the fixture first (its link goes with it), then vtax (it removes its
	# container, network and namespace on SIGTERM)
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	[ -n "$vpid" ] && kill -TERM "$vpid" 2>/dev/null && wait "$vpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

args=(--envs native,docker-nat --runs 6 --duration 0.5 --probes sched,net)
"$vtax" compare "${args[@]}" -f json -o "$tmp/base.json" 2>"$tmp/base.err"
echo "$?" >"$tmp/base.rc"

"$vtax" compare "${args[@]}" --progress-log "$tmp/progress" -f json -o "$tmp/inj.json" 2>"$tmp/inj.err" &
vpid=$!
# the container, as soon as it exists (set-up of both environments, the
# warm-ups and the calibration runs come before round 1: seconds)
cpid=0
for _ in $(seq 1 1500); do # 30 s at most
	kill -0 "$vpid" 2>/dev/null || break
	cpid=$(docker inspect -f '{{.State.Pid}}' "vtax-docker-nat-$vpid" 2>/dev/null) || cpid=0
	[ "${cpid:-0}" -gt 0 ] && break
	sleep 0.02
done
# the host's end of the container's eth0: "eth0@ifN" seen from inside (not
# /sys/class/net, which shows the namespace sysfs was mounted in)
ifx=''
[ "${cpid:-0}" -gt 0 ] &&
	ifx=$(nsenter -t "$cpid" -n ip -o link show eth0 2>/dev/null | sed -n 's/.*eth0@if\([0-9]*\).*/\1/p')
if [ -n "$ifx" ]; then
	build/fixtures/tc_delay --ifindex "$ifx" --delay-us "$X_US" --port "$PORT" --max-s 240 \
		>"$tmp/delay.out" 2>"$tmp/delay.err" &
	dpid=$!
	for _ in $(seq 1 250); do
		grep -q '^attached' "$tmp/delay.out" 2>/dev/null && break
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.02
	done
	# rounds that had begun before the delay was in place
	awk '$3 == "measure" && $5 >= 1' "$tmp/progress" 2>/dev/null | wc -l >"$tmp/early"
fi
wait "$vpid"
echo "$?" >"$tmp/inj.rc"
vpid=''
if [ -n "$dpid" ]; then
	kill "$dpid" 2>/dev/null
	wait "$dpid"
	dpid=''
fi
[ -n "$ifx" ] && grep -q '^attached' "$tmp/delay.out" && ! bpftool net show dev "$(ip -o link | awk -F': ' -v i="$ifx" '$1 == i {print $2}' | cut -d@ -f1)" 2>/dev/null | grep -q tc_delay
echo "$?" >"$tmp/detached"

python3 - "$tmp" "$X_US" <<'PY'
import json, sys
sys.path.insert(0, "tests/integration")
from tap_why import why, Tap
from compare_json import load, led, cause
tmp, x_us = sys.argv[1], float(sys.argv[2])
t = Tap()


def read(name, default=""):
    try:
        return open("%s/%s" % (tmp, name)).read()
    except OSError:
        return default



rb, b = load(tmp, "base")
ri, i = load(tmp, "inj")
out = dict(kv.split("=", 1) for kv in read("delay.out").split() if "=" in kv)
attached = "attached" in read("delay.out")
t.ok(rb == 0 and b and b["ledger"], "plain run: native and docker-nat measured (rc %d%s)" % (rb, why(b, tmp + "/base.err")))
t.ok(ri == 0 and i and i["ledger"], "injected run: native and docker-nat measured (rc %d%s)" % (ri, why(i, tmp + "/inj.err")))
t.ok(attached and read("early", "1").strip() == "0",
     "the delay was attached to the container's veth before round 1 (%s; rounds begun before: %s)"
     % (read("delay.out").strip().replace("\n", "; ") or read("delay.err").strip() or "no container found",
        read("early", "?").strip()))
t.ok(read("detached", "1").strip() == "0", "nothing left on the veth once the fixture ended")
if not (b and i and b["ledger"] and i["ledger"] and attached and int(out.get("packets", 0)) > 0):
    t.plan()
    sys.exit(0)

pk, held = int(out["packets"]), int(out["held_ns"])
x = held / pk  # ns held per packet: per request (one packet each)
ops = sum(e["untraced"]["ops"] + e["untraced"]["warmup_ops"] + e["traced"]["ops"] + e["traced"]["warmup_ops"]
          for e in i["environments"] if e["env"] == "docker-nat")
print("# held %.1f us per packet (asked %.0f), %d packets, %d requests recorded in docker-nat" % (x / 1e3, x_us, pk, ops))
# every recorded request went through the hold once; the unrecorded ones
# (1 s warm-up, one calibration slot) add at most 2 s / X
t.ok(ops <= pk <= ops + 2e9 / x and abs(x - x_us * 1e3) <= 0.02 * x_us * 1e3,
     "one held packet per request, %.1f us each (%d packets for %d recorded requests)" % (x / 1e3, pk, ops))

lb, li = led(b, "docker-nat"), led(i, "docker-nat")
print("# plain:    %s\n# injected: %s" % (lb["headline"], li["headline"]))
got = li["diff_ns_per_op"] - lb["diff_ns_per_op"]
ci, cb = li["diff_ci95_ns"], lb["diff_ci95_ns"]
# power: the two runs' intervals together must be narrower than the 10%
# asked of them, else a host busy with other work (QEMU guests of other
# jobs: +-1.4 ms measured) decides the figure, not vtax
half = (ci[1] - ci[0]) / 2 + (cb[1] - cb[0]) / 2 if ci and cb else float("inf")
weak = None if half <= 0.08 * x else \
    "intervals too wide on this host to place X within 10%%: +-%.1f us in all (> 8%% of X)" % (half / 1e3)
# the difference holds X and what a CPU held with bottom halves off costs
# besides (below): CI twice got X + 9.6% (548.8 us for 500.5), and +17%
# with X = 1000 us here.  That excess lands in time no probe sees (the
# unexplained part grew by 24-31 us at X = 500, 110-120 us at X = 1000),
# so: the difference within X - 10% .. X + 20%, and its explained part (the
# difference less the unexplained part's growth) within X +- 10%
du = li["unexplained_ns_per_op"] - lb["unexplained_ns_per_op"]
t.ok(0.9 * x <= got <= 1.2 * x and abs(got - du - x) <= 0.10 * x,
     "difference: injected %.1f us - plain %.1f us = %.1f us, X = %.1f us (within -10%%..+20%%); "
     "less the unexplained part's growth (%.1f us): %.1f us (within 10%%)"
     % (li["diff_ns_per_op"] / 1e3, lb["diff_ns_per_op"] / 1e3, got / 1e3, x / 1e3, du / 1e3,
        (got - du) / 1e3), skip=weak)
lo, hi = (ci[0] - lb["diff_ns_per_op"], ci[1] - lb["diff_ns_per_op"]) if ci else (float("nan"),) * 2
# the interval must rule out less than 0.9 X, and begin in the same band
# as the difference above (X -10%..+20%), for the same reason: holding a
# CPU with bottom halves off costs the request more than the time held, on
# the host, untraced (the softirq work and tick that queue behind the
# hold).  Measured untraced excess over X: +1.5 to +48 us with X = 500 us
# (an earlier CI run's interval: 528.9 to 568.6 us), +53 to +91 us in
# CI's run of 2026-11-30 (554.2 to 592.2 us for X = 501.1 us; the
# unexplained part grew by 40.9 us), +150 to +170 us with X = 1000 us
# (VTAX_T62_X_US=1000), while the hop holding the delay grew by X within
# 1% in every run (the check after this one): vtax's attribution is held
# to 10% there, the physical cost of the hold is what this interval bounds
t.ok(0.9 * x <= lo <= 1.2 * x and hi >= lo and not li["within_noise"],
     "the injected run's 95%% interval less the plain difference (%.1f to %.1f us) begins within X -10%%..+20%%"
     % (lo / 1e3, hi / 1e3), skip=weak)
hb, hi_ = cause(lb, "hops"), cause(li, "hops")
hg = hi_["corrected"]["delta_ns_per_op"] - hb["corrected"]["delta_ns_per_op"]
# the hop the delay is in: the component that grew most from the plain run
plain = {c["series"]: c["delta_ns_per_op"] for c in hb["components"]}
grew = sorted(((c["delta_ns_per_op"] - plain.get(c["series"], 0), c["series"]) for c in hi_["components"]),
              reverse=True)
print("# hops components that grew most: " + ", ".join("%s %+.1f us" % (s, g / 1e3) for g, s in grew[:3]))
t.ok(grew and abs(grew[0][0] - x) <= 0.10 * x,
     "the delay is in one bridge+veth hop: %s grew by %.1f us, X = %.1f us (within 10%%)"
     % (grew and grew[0][1], grew and grew[0][0] / 1e3, x / 1e3))
# the whole cause also holds the other hops.  They grow a little when the
# requests are X apart (colder caches: +15-27 us over ~30 hops measured
# with X = 300 us; 20-net-tbf.t sees the same), hence X = 500 us, the
# most the issue asks for; and under load they swing with preemption inside
# them (+31.6 us in one hop seen at load 5): asserted when the cause's
# intervals are tight enough, as above
hw = sum((c["corrected"]["delta_ci95_ns"][1] - c["corrected"]["delta_ci95_ns"][0]) / 2
         if c["corrected"]["delta_ci95_ns"] else float("inf") for c in (hb, hi_))
t.ok(hi_["present"] and abs(hg - x) <= 0.10 * x,
     "bridge+veth hops cause: injected %.1f us - plain %.1f us = %.1f us (corrected), X = %.1f us (within 10%%)"
     % (hi_["corrected"]["delta_ns_per_op"] / 1e3, hb["corrected"]["delta_ns_per_op"] / 1e3, hg / 1e3, x / 1e3),
     skip=None if hw <= 0.08 * x else
     "hops intervals too wide on this host: +-%.1f us in all (> 8%% of X)" % (hw / 1e3))
cl = li["closure_corrected"]
t.ok(cl is not None and 0.90 <= cl <= 1.10,
     "injected run: closure with corrected components %s (90-110%%)" % (cl is not None and "%.0f%%" % (cl * 100)),
     skip=weak)
t.plan()
PY
