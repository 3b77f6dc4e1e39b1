#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 20-net-tbf.t - a tbf rate limit on the client's veth and a burst of UDP
# datagrams of known size: vtax's qdisc hop shows the queueing delay the
# token bucket imposes (computed here from rate, burst and packet size,
# within 10%), and the other hops do not change.
#
# tbf (rate R bytes/s, bucket B bytes, full at the start) lets packet i
# (0-based, L bytes on the wire each, all enqueued at once) leave at
# max(0, ((i+1)L - B) / R) after the first arrived; its delay is that minus
# its own arrival (reported by the sender): the sum of the delays is what
# the qdisc hop must add up to.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/20-net-topo.sh"
need_root
[ -x "$FIX/tcp_pingpong" ] || skip_all "build/fixtures/tcp_pingpong missing (make)"
TMP=$(mktemp -d)
trap 'net_topo_down; rm -rf "$TMP"' EXIT
net_topo_up || skip_all "cannot build the namespace topology"
K=20 SIZE=958            # 958 + 8 UDP + 20 IP + 14 Ethernet = 1000 bytes at the qdisc
L=1000 RATE=1000000 B=3000
# neighbours resolved up front: no packet waits for ARP
mac=$(ip -n "$NS_H" -br link show br1 | awk '{print $3}')
ip -n "$NS_C" neigh replace "$NET_H_ADDR" lladdr "$mac" dev eth0 nud permanent

vrun() {
	nsenter --net="/run/netns/$NS_H" "$VTAX" run --probes net --port 9100 -f json -o "$1" -- \
		"$FIX/tcp_pingpong" udp-burst --server-netns "/run/netns/$NS_S" \
		--client-netns "/run/netns/$NS_C" -a "$NET_S_ADDR" -p 9100 -k $K -s $SIZE -t 10 \
		>"$1.out" 2>"$1.err"
}
vrun "$TMP/base.json"
ok $? "burst of $K datagrams without a rate limit" || sed "s/^/# /" "$TMP/base.json.err" "$TMP/base.json.out"
ip -n "$NS_C" link set eth0 mtu 1500
tc -n "$NS_C" qdisc add dev eth0 root tbf rate $((RATE * 8))bit burst $B limit 100000
ok $? "tbf rate $((RATE * 8)) bit/s burst $B bytes on the client veth"
vrun "$TMP/tbf.json"
ok $? "burst of $K datagrams through tbf"
grep -q "received=$K" "$TMP/tbf.json.out"
ok $? "all $K datagrams arrived"

p50() { # p50 FILE NAME LABELS: p50 of the busiest matching series
	python3 - "$@" <<'PY'
import json, sys
f, name, labels = sys.argv[1:4]
want = dict(kv.split("=", 1) for kv in labels.split(",") if kv)
best = None
for s in json.load(open(f))["subjects"]:
    for h in s["histograms"]:
        if h["family"] == "net" and h["name"] == name and all(h["labels"].get(k) == v for k, v in want.items()):
            if best is None or h["count"] > best["count"]:
                best = h
print(best["p50_ns"] if best else 0)
PY
}
diag "samples vtax reports lost: $(jpy "$TMP/tbf.json" "d['drops'].get('hist_map_full', 0)")"
# departure of packet i: the first's arrival + max(0, ((i+1)L - B)/R);
# its delay: that minus its own arrival (the sender reports arrivals)
at=$(sed -n 's/^send_at_us=//p' "$TMP/tbf.json.out")
expect=$(python3 -c "
a = [float(x) / 1e6 for x in '$at'.split(',')]
print(sum(max(0, a[0] + max(0, ((i + 1) * $L - $B) / $RATE) - a[i]) for i in range($K)) * 1e9)")
got=$(hsum "$TMP/tbf.json" pid: net qdisc "dev=veth,dir=tx" sum_ns)
n=$(hsum "$TMP/tbf.json" pid: net qdisc "dev=veth,dir=tx" count)
diag "qdisc hop: $n packets, $got ns in total; computed $expect ns"
# --port 9100: only the burst (no IPv6 neighbour discovery queued behind it)
# a qdisc hop exists only where a real qdisc holds packets (qdisc_dequeue):
# the tbf veth, not the noqueue veths on the way
check "qdisc hop counted every datagram, once: at the tbf veth ($n = $K)" -- test "$n" -eq $K
check "qdisc delay within 10% of the token bucket's ($got vs $expect ns)" -- within "$got" "$expect" 0.10
# the rate limit's delay lands in the qdisc hop alone: every other hop's
# total grows by less than 1% of it (cold caches after each 1 ms pause
# make them a few us slower per packet, which is real and small)
for h in "send:dev=veth" "xmit:dev=veth" "backlog:dev=veth" "bridge:dev=veth" "forward:dev=bridge"; do
	x=$(hsum "$TMP/base.json" pid: net "${h%%:*}" "${h#*:}" sum_ns)
	y=$(hsum "$TMP/tbf.json" pid: net "${h%%:*}" "${h#*:}" sum_ns)
	check "${h%%:*}{${h#*:}} unchanged ($x -> $y ns)" -- \
		python3 -c "import sys; sys.exit(0 if $y - $x < 0.01 * $expect else 1)"
done
done_testing
