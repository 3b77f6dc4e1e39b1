#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 21-net-docker.t - the net family on real Docker containers (issue 3).
#
# A container on a Docker network of the test's own (198.18.X.0/24,
# labelled vtax=1), image imported offline from busybox-static, serving an
# echo (busybox nc -ll -e cat) published with -p on the network's gateway
# IP and on 127.0.0.1.  A client on the host (tcp_pingpong client, traced
# by PID beside the container) runs request/response round trips:
#   gateway IP: Docker's OUTPUT DNAT -> bridge -> veth into the container:
#     conntrack, NAT, bridge and veth hops appear with non-zero time;
#   127.0.0.1: served by docker-proxy (the userland proxy): its relays are
#     timed as net.proxy on the container's subject, one per message each
#     way (a request, then its echo).
# A second container with --net=host serves the same echo on a port of its
# own: its traffic has loopback hops only - no bridge, veth, NAT or proxy.
# Every histogram sample is kept (drops == 0).
. "$(dirname "$0")/lib.sh"
need_root
[ -x "$FIX/tcp_pingpong" ] || skip_all "build/fixtures/tcp_pingpong missing (make)"
command -v docker >/dev/null || skip_all "docker missing"
ensure_docker || skip_all "Docker daemon not available"
BB=$(command -v busybox) || skip_all "busybox-static missing"
ldd "$BB" >/dev/null 2>&1 && skip_all "busybox is not static (install busybox-static)"

TAG=vtax-nettest:$$
NETN=vtaxnet$$
CB=vtaxnb$$ CH=vtaxnh$$
TMP=$(mktemp -d)
BG=()
cleanup() {
	local p
	for p in "${BG[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	docker rm -f "$CB" "$CH" >/dev/null 2>&1
	docker network rm "$NETN" >/dev/null 2>&1
	docker rmi -f "$TAG" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

CONNS=2 REQS=100
N=$((CONNS * REQS))
PB=$((18000 + $$ % 1000))   # bridge container's port (published as is)
PH=$((PB + 1000))           # --net=host container's port

mkdir -p "$TMP/rootfs/bin"
cp "$BB" "$TMP/rootfs/bin/busybox"
for a in sh cat nc; do ln -s busybox "$TMP/rootfs/bin/$a"; done
tar -C "$TMP/rootfs" -c . | docker import --change 'LABEL vtax=1' - "$TAG" >/dev/null
ok $? "busybox-static image imported offline ($TAG)"

# a /24 of 198.18.0.0/15 that no other network holds
SUB=
for i in $(seq 0 40); do
	x=$(( ($$ + i * 7) % 200 + 40 ))
	if docker network create --subnet "198.18.$x.0/24" --label vtax=1 "$NETN" >/dev/null 2>&1; then
		SUB=$x
		break
	fi
done
check "Docker network $NETN on 198.18.$SUB.0/24" -- test -n "$SUB"
[ -n "$SUB" ] || { done_testing; }
GW=198.18.$SUB.1

docker run -d --name "$CB" --label vtax=1 --network "$NETN" -p "$GW:$PB:$PB" -p "127.0.0.1:$PB:$PB" \
	"$TAG" /bin/nc -ll -p "$PB" -e /bin/cat >/dev/null
ok $? "bridge container $CB publishing $PB on $GW and 127.0.0.1"
docker run -d --name "$CH" --label vtax=1 --net=host "$TAG" /bin/nc -ll -p "$PH" -e /bin/cat >/dev/null
ok $? "--net=host container $CH serving $PH"

# the servers answer (bounded wait)
ready() { "$FIX/tcp_pingpong" client -a "$1" -P "$2" -c 1 -n 1 -t 2 >/dev/null 2>&1; }
for _ in $(seq 1 50); do ready "$GW" "$PB" && ready 127.0.0.1 "$PB" && ready 127.0.0.1 "$PH" && break; sleep 0.2; done
check "echo servers answer on $GW:$PB, 127.0.0.1:$PB and 127.0.0.1:$PH" -- \
	bash -c "$(declare -f ready); FIX=$FIX; ready $GW $PB && ready 127.0.0.1 $PB && ready 127.0.0.1 $PH"

# vtrace OUT CONTAINER ADDR PORT: the client starts once vtax is attached
# (a bounded pause), vtax traces it by PID beside the container
vtrace() {
	local out=$1 c=$2 addr=$3 port=$4 cp
	(sleep 3; exec "$FIX/tcp_pingpong" client -a "$addr" -P "$port" -c $CONNS -n $REQS -t 20) \
		>"$out.client" 2>&1 &
	cp=$!
	BG+=("$cp")
	timeout 60 "$VTAX" attach --container "$c" --pid "$cp" --probes net --port "$port" \
		--duration 8 -f json -o "$out" >"$out.out" 2>"$out.err"
	local rc=$?
	wait "$cp"
	return $(( rc | $? ))
}
nodrops() { # nodrops FILE: no histogram sample was lost
	[ "$(jpy "$1" "d['drops'].get('hist_map_full', 0) + d['drops'].get('hist_spill_lost', 0)")" = 0 ]
}

# ---- bridge + OUTPUT DNAT (gateway IP) ----
vtrace "$TMP/gw.json" "$CB" "$GW" "$PB"
ok $? "traced $N round trips to $GW:$PB (OUTPUT DNAT)" || sed 's/^/# /' "$TMP/gw.json.err" "$TMP/gw.json.client"
for h in "nat:hook=output" "conntrack:hook=output" "xmit:dev=bridge" "xmit:dev=veth" "backlog:dev=veth"; do
	n=$(hsum "$TMP/gw.json" "" net "${h%%:*}" "${h#*:}" count)
	t=$(hsum "$TMP/gw.json" "" net "${h%%:*}" "${h#*:}" sum_ns)
	check "${h%%:*}{${h#*:}}: $n packets >= $N, $t ns > 0" -- test "$n" -ge $N -a "$t" -gt 0
done
n=$(hsum "$TMP/gw.json" "" net "" "dev=veth" count)
check "hops on the container's veth ($n)" -- test "$n" -ge $((2 * N))
n=$(hsum "$TMP/gw.json" "container:" net "" "dev=veth" count)
check "the container's own replies are its subject's ($n veth hops)" -- test "$n" -ge $N
n=$(hsum "$TMP/gw.json" "" net proxy "" count)
check "no docker-proxy relay on the DNAT path ($n)" -- test "$n" -eq 0
check "no samples lost (gateway run)" -- nodrops "$TMP/gw.json"

# ---- docker-proxy (127.0.0.1) ----
vtrace "$TMP/lo.json" "$CB" 127.0.0.1 "$PB"
ok $? "traced $N round trips to 127.0.0.1:$PB (docker-proxy)" || sed 's/^/# /' "$TMP/lo.json.err" "$TMP/lo.json.client"
np=$(jpy "$TMP/lo.json" "max([c['value'] for s in d['subjects'] for c in s['counters'] if c['name']=='net.proxies'] or [0])")
check "docker-proxy processes of the container found ($np)" -- ge "$np" 1
for r in to_container to_client; do
	n=$(hsum "$TMP/lo.json" "container:" net proxy "relay=$r" count)
	t=$(hsum "$TMP/lo.json" "container:" net proxy "relay=$r" sum_ns)
	# one relay per message; a message the proxy reads in two pieces
	# (rare) is relayed twice
	check "net.proxy{relay=$r}: $n relays ~ $N messages, $t ns > 0" -- \
		test "$n" -ge $N -a "$n" -le $((N + N / 10)) -a "$t" -gt 0
done
n=$(hsum "$TMP/lo.json" "container:" net proxy "relay=to_container,from=loopback" count)
check "requests reach the proxy over loopback ($n)" -- test "$n" -ge $N
p50=$(jpy "$TMP/lo.json" "sorted([h['p50_ns'] for s in d['subjects'] for h in s['histograms'] if h['name']=='proxy'])[-1]")
diag "docker-proxy relay p50: $p50 ns"
n=$(hsum "$TMP/lo.json" "container:" net "" "dev=veth" count)
check "relayed packets cross the container's veth as its subject's ($n)" -- test "$n" -ge $((2 * N))
check "no samples lost (proxy run)" -- nodrops "$TMP/lo.json"

# ---- --net=host ----
vtrace "$TMP/host.json" "$CH" 127.0.0.1 "$PH"
ok $? "traced $N round trips to the --net=host container (127.0.0.1:$PH)" || sed 's/^/# /' "$TMP/host.json.err"
n=$(hsum "$TMP/host.json" "" net xmit "dev=loopback" count)
check "loopback hops carry its traffic ($n >= $((2 * N)))" -- test "$n" -ge $((2 * N))
for h in "::dev=veth" "::dev=bridge" "nat::" "proxy::"; do
	IFS=: read -r name _ lab <<<"$h"
	n=$(hsum "$TMP/host.json" "" net "$name" "$lab" count)
	check "--net=host: no ${name:-hop}{$lab} samples ($n)" -- test "$n" -eq 0
done
check "no samples lost (--net=host run)" -- nodrops "$TMP/host.json"
done_testing
