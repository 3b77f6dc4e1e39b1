#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 20-net-drop.t - an iptables DROP rule in the host's FORWARD chain: every
# datagram of a burst is counted as dropped, with the kernel's reason
# (NETFILTER_DROP), at the hop it was in (received on the bridge, about to
# be forwarded) and in the netfilter stage that dropped it (filter@forward).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/20-net-topo.sh"
need_root
[ -x "$FIX/tcp_pingpong" ] || skip_all "build/fixtures/tcp_pingpong missing (make)"
command -v iptables >/dev/null || skip_all "iptables missing"
TMP=$(mktemp -d)
trap 'net_topo_down; rm -rf "$TMP"' EXIT
net_topo_up || skip_all "cannot build the namespace topology"
K=10
mac=$(ip -n "$NS_H" -br link show br1 | awk '{print $3}')
ip -n "$NS_C" neigh replace "$NET_H_ADDR" lladdr "$mac" dev eth0 nud permanent
ip netns exec "$NS_H" iptables -A FORWARD -p udp --dport 9200 -j DROP
ok $? "DROP rule for UDP port 9200 in the host's FORWARD chain"

# the receiver never gets them: it ends at its 2 s timeout (exit 3)
nsenter --net="/run/netns/$NS_H" "$VTAX" run --probes net --port 9200 -f json -o "$TMP/d.json" -- \
	"$FIX/tcp_pingpong" udp-burst --server-netns "/run/netns/$NS_S" \
	--client-netns "/run/netns/$NS_C" -a "$NET_S_ADDR" -p 9200 -k $K -s 100 -t 2 \
	>"$TMP/out" 2>"$TMP/err"
grep -q "sent=$K" "$TMP/out"
ok $? "$K datagrams sent"
IPT=$(ip netns exec "$NS_H" iptables -L FORWARD -v -x -n | awk '/dpt:9200/ {print $1}')
diag "iptables DROP rule matched $IPT packets"
# a histogram's first insert can fail when the kernel's allocator cache is
# empty; vtax counts those (hist_map_full): exact up to what it reports
lost=$(jpy "$TMP/d.json" "d['drops'].get('hist_map_full', 0)")
diag "samples vtax reports lost: $lost"
exact() { [ "$1" -le "$2" ] && [ $(($2 - $1)) -le "$lost" ]; }
n=$(hsum "$TMP/d.json" pid: net drop "reason=NETFILTER_DROP" count)
check "drops with reason NETFILTER_DROP ($n) = packets the rule dropped ($IPT)" -- exact "$n" "$IPT"
check "... = datagrams sent ($K)" -- exact "$n" "$K"
n=$(hsum "$TMP/d.json" pid: net drop "reason=NETFILTER_DROP,nf=filter@forward" count)
check "dropped in the filter stage of FORWARD ($n)" -- exact "$n" "$K"
n=$(hsum "$TMP/d.json" pid: net drop "reason=NETFILTER_DROP,hop=receive,dev=bridge" count)
check "at the hop after the bridge delivered them to the host ($n)" -- exact "$n" "$K"
other=$(jpy "$TMP/d.json" "sum(h['count'] for s in d['subjects'] for h in s['histograms'] if h['family']=='net' and h['name']=='drop' and h['labels'].get('reason')!='NETFILTER_DROP')")
check "no other drops on this flow ($other)" -- test "$other" -eq 0
n=$(hsum "$TMP/d.json" pid: net sock_queue "" count)
check "nothing delivered to the server socket ($n)" -- test "$n" -eq 0
done_testing
