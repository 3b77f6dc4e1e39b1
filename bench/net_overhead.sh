#!/usr/bin/env bash
# Cost of the net probe family on a TCP request/response ping-pong over
# veth + bridge + DNAT + MASQUERADE (the topology of
# tests/integration/20-net-topo.sh; vtax runs in the "host" namespace, so
# its netfilter links bracket the NAT), side by side in one run:
#   base   the fixture alone
#   sched  under `vtax run --probes sched` (the core every session loads)
#   net    under `vtax run --probes net` (sched is always loaded with it)
# The fixture is pinned to one CPU: client and server then hand off without
# cross-CPU wakeups, the fastest and most stable round trip here (~7 us),
# so the ratio is the worst case.  Rounds interleave the variants; medians
# of the fixture's own median RTT.  Prints the ratios; target net/sched and
# net/base <= 1.10 (see docs/net.md for what the figures mean).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${VTAX_BENCH_BUILD:-$ROOT/build}
N=${N:-20000}
ROUNDS=${ROUNDS:-5}
CPU=${CPU:-0}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
NET_SFX=b$$
. "$ROOT/tests/integration/20-net-topo.sh"
trap net_topo_down EXIT
net_topo_up

rtt() { sed -n 's/.*rtt_p50_us=\([0-9.]*\).*/\1/p'; }
PP="$B/fixtures/tcp_pingpong $(net_pingpong_args 1) -c 1 -n $N -t 60"
inh() { nsenter --net="/run/netns/$NS_H" taskset -c "$CPU" "$@"; }
base=() sched=() net=()
for _ in $(seq 1 "$ROUNDS"); do
	base+=("$(inh $PP | rtt)")
	sched+=("$(inh "$B/vtax" run --probes sched -o /dev/null -- $PP | rtt)")
	net+=("$(inh "$B/vtax" run --probes net -o /dev/null -- $PP | rtt)")
done
python3 - "${base[*]}" "${sched[*]}" "${net[*]}" <<'PY'
import statistics as st, sys
b, s, n = (list(map(float, a.split())) for a in sys.argv[1:4])
mb, ms, mn = st.median(b), st.median(s), st.median(n)
print("net_overhead: TCP ping-pong RTT p50 over veth+bridge+DNAT, %d rounds (us): base %s | sched %s | net %s"
      % (len(b), b, s, n))
print("net_overhead: median RTT base %.2f us, sched %.2f us, net %.2f us" % (mb, ms, mn))
print("net_overhead: net/sched %.3f (+%.2f us per round trip), net/base %.3f (target <= 1.10)"
      % (mn / ms, mn - ms, mn / mb))
PY
