# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 20-net-topo.sh - the hand-made "Docker host" topology the net tests and
# bench/net_overhead.sh share.  Source it, then `net_topo_up`; `net_topo_down`
# (put it in an EXIT trap) removes everything: deleting the namespaces
# deletes their veths, bridges and iptables rules.
#
#   client netns (NS_C)            host netns (NS_H)                server netns (NS_S)
#   eth0 198.18.1.2 --veth-- hc (port of br1 198.18.1.1)
#                                  routing, conntrack, iptables
#                                  DNAT 198.18.1.1:8080 -> 198.18.0.2:9000
#                                  MASQUERADE of DNATed flows only
#                            hs (port of br0 198.18.0.1) --veth-- eth0 198.18.0.2
#
# A client in NS_C reaching 198.18.1.1:8080 takes the NATed path (as a
# Docker published port does); reaching 198.18.0.2:9000 is route-only.
# vtax runs inside NS_H (nsenter --net), where the bridges and NAT live:
# netfilter BPF links attach to the namespace of the process making them.

NET_SFX=${NET_SFX:-$$}
NS_C=vtxc$NET_SFX
NS_H=vtxh$NET_SFX
NS_S=vtxs$NET_SFX
NET_C_ADDR=198.18.1.2
NET_H_ADDR=198.18.1.1
NET_S_ADDR=198.18.0.2
NET_PUB_PORT=8080
NET_SRV_PORT=9000

net_topo_down() {
	local n
	for n in "$NS_C" "$NS_H" "$NS_S"; do
		ip netns del "$n" 2>/dev/null
	done
	return 0
}

net_topo_up() {
	set -e
	ip netns add "$NS_C"
	ip netns add "$NS_H"
	ip netns add "$NS_S"
	for n in "$NS_C" "$NS_H" "$NS_S"; do ip -n "$n" link set lo up; done
	ip -n "$NS_H" link add br1 type bridge
	ip -n "$NS_H" link add br0 type bridge
	ip -n "$NS_H" link add hc type veth peer name eth0 netns "$NS_C"
	ip -n "$NS_H" link add hs type veth peer name eth0 netns "$NS_S"
	ip -n "$NS_H" link set hc master br1
	ip -n "$NS_H" link set hs master br0
	for d in br1 br0 hc hs; do ip -n "$NS_H" link set "$d" up; done
	ip -n "$NS_H" addr add "$NET_H_ADDR/24" dev br1
	ip -n "$NS_H" addr add 198.18.0.1/24 dev br0
	ip -n "$NS_C" addr add "$NET_C_ADDR/24" dev eth0
	ip -n "$NS_C" link set eth0 up
	ip -n "$NS_C" route add default via "$NET_H_ADDR"
	ip -n "$NS_S" addr add "$NET_S_ADDR/24" dev eth0
	ip -n "$NS_S" link set eth0 up
	ip -n "$NS_S" route add default via 198.18.0.1
	ip netns exec "$NS_H" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$NS_H" iptables -t nat -A PREROUTING -d "$NET_H_ADDR" -p tcp \
		--dport "$NET_PUB_PORT" -j DNAT --to-destination "$NET_S_ADDR:$NET_SRV_PORT"
	ip netns exec "$NS_H" iptables -t nat -A POSTROUTING -o br0 -m conntrack --ctstate DNAT \
		-j MASQUERADE
	set +e
}

# net_pingpong NATED(1|0) ARGS... : tcp_pingpong both, client in NS_C,
# server in NS_S, through the NAT (1) or routed only (0)
net_pingpong_args() {
	if [ "$1" = 1 ]; then
		echo "both --server-netns /run/netns/$NS_S --client-netns /run/netns/$NS_C -a $NET_H_ADDR -P $NET_PUB_PORT -p $NET_SRV_PORT"
	else
		echo "both --server-netns /run/netns/$NS_S --client-netns /run/netns/$NS_C -a $NET_S_ADDR -P $NET_SRV_PORT -p $NET_SRV_PORT"
	fi
}
