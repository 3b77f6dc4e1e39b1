#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Cost of the net probe family on a TCP request/response ping-pong over
# veth + bridge + DNAT + MASQUERADE (the topology of
# tests/integration/20-net-topo.sh; vtax runs in the "host" namespace, so
# its netfilter links bracket the NAT), side by side in one run:
#   base   the fixture alone
#   floor  empty BPF programs on the net family's hooks (bench/net_floor
#          lean; "floor_full" adds net_dev_start_xmit, the earlier set)
#   sched  under `vtax run --probes sched` (the core every session loads)
#   net    under `vtax run --probes net` (sched is always loaded with it)
# The fixture is pinned to one CPU: client and server then hand off without
# cross-CPU wakeups, the fastest and most stable round trip here (~8-12 us),
# so the ratio is the worst case.  Rounds interleave the variants; medians
# of the fixture's own median RTT.  Prints the ratios; target net/sched
# <= 1.10, and what the empty programs alone add (the floor).  Other
# tracing sessions running on the machine at the same time add their own
# programs' cost to every variant: run it on a quiet machine.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${VTAX_BENCH_BUILD:-$ROOT/build}
N=${N:-20000}
ROUNDS=${ROUNDS:-7}
CPU=${CPU:-0}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
NET_SFX=b$$
. "$ROOT/tests/integration/20-net-topo.sh"
trap net_topo_down EXIT
net_topo_up

rtt() { sed -n 's/.*rtt_p50_us=\([0-9.]*\).*/\1/p'; }
PP="$B/fixtures/tcp_pingpong $(net_pingpong_args 1) -c 1 -n $N -t 60"
inh() { nsenter --net="/run/netns/$NS_H" taskset -c "$CPU" "$@"; }
base=() floor=() floorf=() sched=() net=()
for _ in $(seq 1 "$ROUNDS"); do
	base+=("$(inh $PP | rtt)")
	floor+=("$(inh "$B/bench/net_floor" lean $PP | rtt)")
	floorf+=("$(inh "$B/bench/net_floor" full $PP | rtt)")
	sched+=("$(inh "$B/vtax" run --probes sched -o /dev/null -- $PP | rtt)")
	net+=("$(inh "$B/vtax" run --probes net -o /dev/null -- $PP | rtt)")
done
python3 - "${base[*]}" "${floor[*]}" "${floorf[*]}" "${sched[*]}" "${net[*]}" <<'PY'
import statistics as st, sys
b, f, ff, s, n = (list(map(float, a.split())) for a in sys.argv[1:6])
mb, mf, mff, ms, mn = (st.median(x) for x in (b, f, ff, s, n))
print("net_overhead: TCP ping-pong RTT p50 over veth+bridge+DNAT, %d rounds (us):" % len(b))
for name, x in (("base", b), ("floor", f), ("floor_full", ff), ("sched", s), ("net", n)):
    print("net_overhead:   %-10s %s" % (name, x))
print("net_overhead: median RTT base %.2f, floor %.2f (full set %.2f), sched %.2f, net %.2f us"
      % (mb, mf, mff, ms, mn))
print("net_overhead: floor: empty programs on the net hooks add %.2f us = %.1f%% of the round trip"
      " (full set: %.2f us = %.1f%%)" % (mf - mb, 100 * (mf / mb - 1), mff - mb, 100 * (mff / mb - 1)))
print("net_overhead: net/sched %.3f (+%.2f us per round trip, %.2fx the floor), net/base %.3f (target net/sched <= 1.10)"
      % (mn / ms, mn - ms, (mn - ms) / max(mf - mb, 1e-9), mn / mb))
PY
