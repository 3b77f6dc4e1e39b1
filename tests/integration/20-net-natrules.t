#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 20-net-natrules.t - 5000 non-matching rules in the nat PREROUTING chain
# before the DNAT rule: the NAT component (time in the nat hook, on new
# connections) grows at least 10x; conntrack, filter and the bridge and
# forward hops do not grow (within noise: 2x on their medians).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/20-net-topo.sh"
need_root
[ -x "$FIX/tcp_pingpong" ] || skip_all "build/fixtures/tcp_pingpong missing (make)"
command -v iptables-restore >/dev/null || skip_all "iptables-restore missing"
TMP=$(mktemp -d)
trap 'net_topo_down; rm -rf "$TMP"' EXIT
net_topo_up || skip_all "cannot build the namespace topology"
CONNS=40 REQS=5

vrun() {
	nsenter --net="/run/netns/$NS_H" "$VTAX" run --probes net -f json -o "$1" -- \
		"$FIX/tcp_pingpong" $(net_pingpong_args 1) -c $CONNS -n $REQS -t 30 >"$1.out" 2>"$1.err"
}
p50() { # p50 FILE NAME LABELS: median of the series' p50 (largest-count series)
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

vrun "$TMP/base.json"
ok $? "baseline run: DNAT rule alone"
{
	echo "*nat"
	for i in $(seq 1 5000); do
		echo "-I PREROUTING -s 198.19.$((i / 250)).$((i % 250 + 1))/32 -p tcp --dport 1 -j RETURN"
	done
	echo "COMMIT"
} >"$TMP/rules"
ip netns exec "$NS_H" iptables-restore --noflush <"$TMP/rules"
ok $? "5000 non-matching rules inserted before the DNAT rule"
vrun "$TMP/rules.json"
ok $? "run with 5000 rules"

b=$(hsum "$TMP/base.json" pid: net nat "" sum_ns)
r=$(hsum "$TMP/rules.json" pid: net nat "" sum_ns)
diag "NAT time: $b ns -> $r ns"
check "NAT time in total grows ($b -> $r ns)" -- ge "$r" "$((b * 2))"
# rules are walked once per connection (its first packet): the NAT
# component of a connection is its new-state NAT time
bn=$(hsum "$TMP/base.json" pid: net nat "hook=prerouting,ct=new" sum_ns)
rn=$(hsum "$TMP/rules.json" pid: net nat "hook=prerouting,ct=new" sum_ns)
nb=$(hsum "$TMP/base.json" pid: net nat "hook=prerouting,ct=new" count)
nr=$(hsum "$TMP/rules.json" pid: net nat "hook=prerouting,ct=new" count)
lb=$(jpy "$TMP/base.json" "d['drops'].get('hist_map_full', 0)")
lr=$(jpy "$TMP/rules.json" "d['drops'].get('hist_map_full', 0)")
# exact up to the samples vtax reports it could not store
check "NAT-timed new connections = connections made ($nb, $nr = $CONNS; lost $lb, $lr)" -- \
	test "$nb" -le $CONNS -a $((CONNS - nb)) -le "$lb" -a "$nr" -le $CONNS -a $((CONNS - nr)) -le "$lr"
check "NAT component per connection grows >= 10x ($((bn / CONNS)) -> $((rn / CONNS)) ns)" -- \
	ge "$rn" "$((bn * 10))"
for c in "conntrack:hook=prerouting,ct=established" "filter:hook=forward,ct=established" \
	"bridge:dev=veth" "forward:dev=bridge" "backlog:dev=veth"; do
	x=$(p50 "$TMP/base.json" "${c%%:*}" "${c#*:}")
	y=$(p50 "$TMP/rules.json" "${c%%:*}" "${c#*:}")
	check "${c%%:*}{${c#*:}} does not grow (p50 $x -> $y ns)" -- le "$y" "$((x * 2 + 200))"
done
done_testing
