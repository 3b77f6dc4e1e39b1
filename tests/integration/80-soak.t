#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 80-soak.t - `vtax attach --all` under a fork storm, a syscall storm and a
# UDP flood on a veth of its own (198.19.253.0/24, into a namespace of its
# own), for SOAK_SECONDS (default 60; `make soak`: 600).  Checks: vtax's RSS
# stays flat (sampled every 2 s; the last quarter's peak within 8 MiB of the
# first quarter's), vtax keeps running, and its counts agree with the
# generators' own: getppid calls, execs, packets sent on the veth, each at
# least what the generator did minus what vtax reports as dropped, and not
# wildly more (other work on the host adds some).  Runtime SOAK_SECONDS + ~15 s.
. "$(dirname "$0")/lib.sh"
need_root
cd "$ROOT" || exit 1
V=$PWD/${VTAX_TEST_BUILD:-build}/vtax
[ -x "$V" ] && [ -x "$FIX/getppid_n" ] || skip_all "vtax or fixtures not built"
SECS=${SOAK_SECONDS:-60}
TMP=$(mktemp -d /tmp/vtax-soak.XXXXXX)
NS=vtax-soak-$$ HV=vsoak$$ K=$(($$ % 64))
HA=198.19.253.$((4 * K + 1)) CA=198.19.253.$((4 * K + 2))
cleanup() {
	for p in ${GENS:-} ${VP:-}; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip link del "$HV" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS" && ip link add "$HV" type veth peer name eth0 netns "$NS" &&
	ip addr add "$HA/30" dev "$HV" && ip link set "$HV" up &&
	ip -n "$NS" addr add "$CA/30" dev eth0 && ip -n "$NS" link set eth0 up
ok $? "a veth of its own: $HV $HA -> $NS $CA"

"$V" attach --all -f json -o "$TMP/soak.json" --ready-file "$TMP/ready" 2>"$TMP/vtax.err" &
VP=$!
wait_ready "$TMP/ready" "$VP" 120
ok $? "vtax attach --all says it is tracing (--ready-file)"
END=$(($(date +%s) + SECS))

# generators: each bounded in count and time, each counting what it did
# the syscall storm uses getsid, which nothing else on the host calls in bulk
# (getppid is every benchmark's favourite), so vtax's count has an upper bound too
python3 - "$END" "$TMP/getsid" <<'PY' &
import os, sys, time
end, out, n, cap = int(sys.argv[1]), sys.argv[2], 0, 2_000_000_000
while n < cap and time.time() < end:
    for _ in range(10000):
        os.getsid(0)
    n += 10000
open(out, "w").write(str(n))
PY
G1=$!
( n=0; while [ "$(date +%s)" -lt $END ] && [ $n -lt 2000000 ]; do
	/bin/true; n=$((n + 1)); done; echo $n >"$TMP/execs" ) &
G2=$!
python3 - "$HA" "$CA" "$END" "$TMP/udp" <<'PY' &
import socket, sys, time
src, dst, end, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
n, cap, payload = 0, 50_000_000, b"x" * 64
while n < cap and time.time() < end:
    for _ in range(1000):
        try:
            s.sendto(payload, (dst, 9))
            n += 1
        except (BlockingIOError, ConnectionRefusedError):
            pass  # an ICMP port-unreachable from the peer, reported on the next send
open(out, "w").write(str(n))
PY
G3=$!
GENS="$G1 $G2 $G3"

: >"$TMP/rss"
while kill -0 $G1 2>/dev/null || kill -0 $G2 2>/dev/null || kill -0 $G3 2>/dev/null; do
	awk '/^VmRSS/ {print $2}' /proc/$VP/status >>"$TMP/rss" 2>/dev/null
	sleep 2
done
wait $G1 $G2 $G3
GENS=
TXV0=$(cat /sys/class/net/$HV/statistics/tx_packets)
kill -0 $VP 2>/dev/null; ok $? "vtax still running after ${SECS}s of storms"
kill -INT $VP; wait $VP; rc=$?; VP=
[ $rc -eq 0 ] && [ -s "$TMP/soak.json" ]; ok $? "SIGINT: a report (exit $rc)"

# memory: flat
read -r q1 q4 n <<<"$(python3 -c "
v=[int(x) for x in open('$TMP/rss') if x.strip()]
q=max(1,len(v)//4)
print(max(v[:q]), max(v[-q:]), len(v))")"
le "$q4" "$((q1 + 8192))"; ok $? "RSS flat: first quarter peak ${q1} KiB, last quarter peak ${q4} KiB ($n samples)"

ppid=$(cat "$TMP/getsid") execs=$(cat "$TMP/execs") udp=$(cat "$TMP/udp")
read -r c_ppid c_exec c_tx dropped <<<"$(python3 -c "
import json
d=json.load(open('$TMP/soak.json'))
h=[s for s in d['subjects'] if s['id']=='host'][0]
def hs(fam,name): return sum(x['count'] for x in h['histograms'] if x['family']==fam and x['name']==name and x.get('labels',{}).get('part','total') in ('total',''))
tx=sum(c['value'] for c in h.get('counters',[]) if c['name']=='net.tx.packets')
print(int(hs('syscall','getsid')), int(hs('syscall','execve')), int(tx), int(sum(d['drops'].values())))")"
diag "generators: getsid $ppid, execs $execs, udp $udp (veth tx $TXV0); vtax: getsid $c_ppid, execve $c_exec, tx $c_tx, drops $dropped"
ge "$((c_ppid + dropped))" "$ppid"; ok $? "getsid: vtax counted $c_ppid (+$dropped dropped) >= the storm's $ppid"
le "$c_ppid" "$((ppid + ppid / 100 + 1000))"; ok $? "getsid: and not more than the storm's + 1% ($c_ppid)"
ge "$((c_exec + dropped))" "$execs"; ok $? "execve: vtax counted $c_exec (+$dropped dropped) >= the fork storm's $execs"
ge "$((c_tx + dropped))" "$udp"; ok $? "packets: vtax counted $c_tx sent (+$dropped dropped) >= the flood's $udp"
grep -q "BPF maps full" "$TMP/vtax.err" && [ "$dropped" -eq 0 ]; [ $? -ne 0 ]
ok $? "every loss vtax warned about is in its drops ($(head -1 "$TMP/vtax.err"))"
done_testing
