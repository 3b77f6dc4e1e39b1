#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 60-compare-remote.t - `vtax compare`'s default client is remote: it runs
# in a namespace of vtax's own behind a veth, as a client on another machine.
#  - native, docker-nat and vm all answer it (vm through the host's FORWARD);
#  - docker-nat's requests take the IBM study's path: NAT on PREROUTING,
#    the FORWARD filter and forwarding through the bridge, all absent from
#    native's;
#  - inside docker-nat's container, conntrack runs for every reply as well
#    (Docker's DNS rules turn it on there): vtax times it with netfilter
#    links in that namespace, one sample per request within 5%;
#  - the client's own packets are charged to the client subject, by its
#    namespace (a veth, not loopback);
#  - afterwards nothing is left: namespace, veth, FORWARD rules, and
#    ip_forward as it was; leftovers of a dead run (a namespace and a rule
#    named after a pid that is gone) are removed by the next run.
. "$(dirname "$0")/lib.sh"
compare_test_needs redis-server docker ip iptables

tmp=$(mktemp -d /tmp/vtax-t60rm.XXXXXX) || exit 1
# a pid that is certainly gone: a child that has exited and been reaped
sh -c 'exit 0' & dead=$!; wait $dead
stale_ns=vtax-cli-$dead
cleanup() {
	ip netns del "$stale_ns" 2>/dev/null
	iptables -w 5 -D FORWARD -i vtaxt$dead -o vtaxt$dead -m comment --comment "$stale_ns" -j ACCEPT 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fwd_before=$(cat /proc/sys/net/ipv4/ip_forward)
ip netns add "$stale_ns"
iptables -w 5 -A FORWARD -i vtaxt$dead -o vtaxt$dead -m comment --comment "$stale_ns" -j ACCEPT

"$vtax" compare --quick --envs native,docker-nat,vm -f json -o "$tmp/r.json" \
	2>"$tmp/r.err" &
pid=$!
# while it measures: its namespace exists and the client lives there
seen_ns=0
for _ in $(seq 1 600); do
	kill -0 $pid 2>/dev/null || break
	ip netns list | grep -q "^vtax-cli-$pid\b" && { seen_ns=1; break; }
	sleep 0.1
done
wait $pid
rc=$?
echo "$rc" >"$tmp/rc"
ip netns list >"$tmp/ns.after"
ip -o link show >"$tmp/links.after"
iptables -w 5 -S FORWARD >"$tmp/fwd.after"
cat /proc/sys/net/ipv4/ip_forward >"$tmp/ipfwd.after"

# bad input: a remote client cannot reach docker-proxy on the host's loopback
"$vtax" compare --client remote --via-proxy >"$tmp/bad.out" 2>&1
echo "$?" >"$tmp/bad.rc"

python3 - "$tmp" "$pid" "$seen_ns" "$fwd_before" "$stale_ns" <<'PY'
import json, sys
sys.path.insert(0, "tests/integration")
from tap_why import why, Tap
tmp, pid, seen_ns, fwd_before, stale_ns = sys.argv[1:6]
tap = Tap()
ok = tap.ok
rc = int(open(tmp + "/rc").read())
try:
    d = json.load(open(tmp + "/r.json"))
except Exception:
    d = None
ok(seen_ns == "1", "the client namespace vtax-cli-%s exists while compare runs" % pid)
if not ok(rc == 0 and d and all(e["status"] == "ok" for e in d["environments"]),
          "compare native,docker-nat,vm (default client) exits 0, every environment ok (rc %d%s)" %
          (rc, why(d, tmp + "/r.err"))):
    tap.plan()
    sys.exit(1)
cl = d["client"]
envs = {e["env"]: e for e in d["environments"]}
ok(cl["where"] == "remote" and cl["namespace"] == "vtax-cli-" + pid,
   "the client was remote by default, and the report says where (%s)" % cl)
ok(envs["native"]["server"]["host"] == cl["host_address"] and
   envs["docker-nat"]["server"]["host"] == cl["host_address"],
   "native and docker-nat are reached at the host's address facing the client (%s)" % cl["host_address"])
ok(envs["vm"]["server"]["host"].startswith("198.19.") and envs["vm"]["server"]["host"].endswith(".2")
   and envs["vm"]["throughput_ops_s"] > 0,
   "the vm is reached through the host's forwarding (%s, %.0f req/s)" %
   (envs["vm"]["server"]["host"], envs["vm"]["throughput_ops_s"]))

def hsum(env, name, field="count", subj=None, **labels):
    t = 0
    for s in envs[env]["subjects"]:
        if subj and s["id"] != subj and not s["id"].startswith(subj + ":"):
            continue
        for h in s["histograms"]:
            if h["family"] == "net" and h["name"] == name and \
               all(h["labels"].get(k) == v for k, v in labels.items()):
                t += h[field]
    return t

pre = hsum("docker-nat", "nat", hook="prerouting")
ok(pre > 0, "docker-nat: NAT on PREROUTING, as for a client on another machine (%d packets)" % pre)
ok(hsum("native", "nat", hook="prerouting") == 0,
   "native: no NAT on PREROUTING (%d)" % hsum("native", "nat", hook="prerouting"))
fw = hsum("docker-nat", "filter", hook="forward")
# native's server is on the host: none of its packets is forwarded.  A FORWARD
# packet has no sender task, so its subject comes from its namespace or from
# the skb's address seen earlier on the path; a stale address (an skb freed
# and reused across environments' runs) can pin a stray packet on native:
# seen once in CI (2026-11-30), after passing in the run before.  A systematic
# misattribution would be thousands; the check allows 1% of docker-nat's.
nfw = hsum("native", "filter", hook="forward")
ok(fw > 0 and nfw <= 0.01 * fw,
   "docker-nat's packets cross the FORWARD filter (%d), native's do not (%d, at most 1%% stray)" % (fw, nfw))
hops = hsum("docker-nat", "forward", dev="bridge")
ok(hops > 0 and hsum("native", "forward", dev="bridge") == 0,
   "docker-nat's packets are forwarded through a bridge (%d), native's are not" % hops)
# Docker's embedded-DNS NAT rules turn conntrack on inside the container's
# namespace: each reply pays a second conntrack lookup there, which vtax
# brackets with netfilter links of its own in that namespace (netns=own)
t = envs["docker-nat"]["traced"]
req = t["ops"] + t["warmup_ops"]
own = hsum("docker-nat", "conntrack", subj="server", hook="output", netns="own")
ok(req > 0 and abs(own - req) <= 0.05 * req,
   "docker-nat: every reply pays conntrack inside the container's namespace too "
   "(%d samples, %d traced requests, within 5%%)" % (own, req))
ok(hsum("native", "conntrack", subj="server", netns="own") == 0,
   "native's server has no namespace of its own to time")
cv = hsum("native", "send", subj="client", dev="veth")
clo = hsum("native", "send", subj="client", dev="loopback")
ok(cv > 0 and clo == 0,
   "the client's packets leave on its veth and are its own (%d sends on veth, %d on loopback)" % (cv, clo))

ns_after = open(tmp + "/ns.after").read()
ok("vtax-cli-" + pid not in ns_after, "its namespace is gone afterwards")
ok(stale_ns not in ns_after, "a dead run's namespace (%s) was removed" % stale_ns)
ok(("vtaxc%s" % pid) not in open(tmp + "/links.after").read(), "its veth is gone")
fwd = open(tmp + "/fwd.after").read()
ok("vtax-cli-" not in fwd, "no FORWARD rule of vtax's is left (its own, and the dead run's)")
ok(open(tmp + "/ipfwd.after").read().strip() == fwd_before,
   "ip_forward as it was (%s)" % fwd_before)
bad = open(tmp + "/bad.out").read().splitlines()
brc = int(open(tmp + "/bad.rc").read())
ok(brc != 0 and len(bad) == 1, "--client remote --via-proxy: one error line, exit %d (%s)" % (brc, bad))
tap.plan()
PY
