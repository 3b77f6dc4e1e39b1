#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 60-compare-kv.t - `vtax compare` with the kv workload (real redis-server)
# on native, docker-nat and docker-host, checked from the JSON report:
#   A. a client on the host (--client local; the remote default is
#      60-compare-remote.t's) on docker-nat's gateway path (client ->
#      OUTPUT DNAT -> bridge -> veth):
#      NAT (net.nat, a NATed connection), conntrack and veth/bridge hop
#      components are non-zero in docker-nat and absent in docker-host;
#      docker-host's difference from native is within noise (the ledger's
#      band, or 25% of native's mean on this shared 2-core machine).
#   B. docker-nat through docker-proxy (--via-proxy): a larger per-request
#      latency than native (by more than the noise band), a docker-proxy
#      component, and a closure of at least 60%.
# Latencies and differences are the untraced runs' (no vtax probe attached;
# 60-compare-untraced.t checks that pass in detail), components the traced.
# The net-family assertions are skipped (TAP SKIP) when `vtax doctor` shows
# the net family is not loaded on this host.
. "$(dirname "$0")/lib.sh"
compare_test_needs redis-server docker

tmp=$(mktemp -d /tmp/vtax-t60kv.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

net=0
"$vtax" doctor 2>/dev/null | grep -Eq '^[[:space:]]+net[[:space:]]+yes' && net=1

"$vtax" compare --quick --runs 2 --client local --envs native,docker-nat,docker-host -f json -o "$tmp/a.json" \
	2>"$tmp/a.err"
echo "$?" >"$tmp/a.rc"
"$vtax" compare --quick --envs native,docker-nat --via-proxy -f json -o "$tmp/b.json" 2>"$tmp/b.err"
echo "$?" >"$tmp/b.rc"

NET=$net python3 - "$tmp" <<'PY'
import json, os, sys
sys.path.insert(0, "tests/integration")
from tap_why import Tap, why
from compare_json import load, env, led, cause
tmp = sys.argv[1]
net = os.environ["NET"] == "1"
tap = Tap()
ok = tap.ok
def items(le, key, prefix):
    return [i for i in cause(le, key)["components"] if i["series"].startswith(prefix)]
noskip = None if net else "net family not loaded (vtax doctor)"

rc, a = load(tmp, "a")
if not ok(rc == 0 and a and all(e["status"] == "ok" for e in a["environments"]),
          "A: compare native,docker-nat,docker-host exits 0, every environment ok (rc %d%s)" %
          (rc, why(a, "%s/a.err" % tmp))):
    if a:
        for e in a["environments"]:
            print("# %s: %s %s" % (e["env"], e["status"], e.get("error")))
    tap.plan(); sys.exit(1)
ok(a["mode"] == "compare" and a["vtax_schema"] == 1 and len(a["environments"]) == 3
   and all(e["throughput_ops_s"] > 0 and e["client_latency"]["count"] > 0 and len(e["runs"]) == 2
           for e in a["environments"]),
   "A: JSON has throughput, client latency and 2 runs per environment")
ok(all(e["headline_pass"] == "untraced" and e["untraced"]["client_latency"]["count"] > 0
       and e["traced"]["client_latency"]["count"] > 0
       and all(r["vtax_bpf_links"] == 0 and not r["session_open"] for r in e["untraced"]["runs"])
       for e in a["environments"])
   and all(l["diff_from"] == "untraced" for l in a["ledger"]["environments"]),
   "A: headline figures from untraced runs (no vtax BPF link), components from traced runs")
nat, host = led(a, "docker-nat"), led(a, "docker-host")
natp = sum(i["env_ns_per_op"] for i in items(nat, "nat", "net.nat{"))
ctk = sum(i["env_ns_per_op"] for i in items(nat, "nat", "net.conntrack"))
veth = sum(i["env_ns_per_op"] for i in cause(nat, "hops")["components"]
           if "dev=veth" in i["series"] or "dev=bridge" in i["series"])
print("# docker-nat per request: NAT %.0f ns, conntrack %.0f ns, veth/bridge hops %.0f ns" % (natp, ctk, veth))
ok(natp > 0 and ctk > 0, "A: docker-nat has NAT and conntrack time per request", noskip)
ok(veth > 0, "A: docker-nat has bridge/veth hop time per request", noskip)
hnat = sum(i["env_ns_per_op"] for i in items(host, "nat", "net.nat{"))
hveth = sum(i["env_ns_per_op"] for i in cause(host, "hops")["components"]
            if "dev=veth" in i["series"] or "dev=bridge" in i["series"])
print("# docker-host per request: NAT %.0f ns, veth/bridge hops %.0f ns" % (hnat, hveth))
ok(hnat == 0 and hveth < 0.05 * max(veth, 1), "A: docker-host has no NAT and no bridge/veth hops", noskip)
nmean = env(a, "native")["client_latency"]["mean_ns"]
print("# docker-host: diff %.0f ns/request, noise band %.0f ns, native mean %.0f ns" %
      (host["diff_ns_per_op"], host["noise_ns"], nmean))
ok(host["within_noise"] or abs(host["diff_ns_per_op"]) <= 0.25 * nmean,
   "A: docker-host differs from native within noise")

rc, b = load(tmp, "b")
if not ok(rc == 0 and b and all(e["status"] == "ok" for e in b["environments"]),
          "B: compare --via-proxy exits 0, every environment ok (rc %d%s)" %
          (rc, why(b, "%s/b.err" % tmp))):
    tap.plan(); sys.exit(1)
ok(b["client"]["where"] == "local", "B: --via-proxy runs the client on the host (%s)" % b["client"])
p = led(b, "docker-nat")
print("# docker-nat via proxy: %s" % p["headline"])
ok(p["diff_ns_per_op"] > p["noise_ns"] and p["diff_ns_per_op"] > 0,
   "B: docker-nat (via docker-proxy) costs more per request than native, beyond noise")
ok(cause(p, "proxy")["present"] and cause(p, "proxy")["delta_ns_per_op"] > 0,
   "B: the docker-proxy component is non-zero")
ok(cause(p, "hops")["present"], "B: bridge/veth hops are itemized", noskip)
ok(p["closure"] is not None and p["closure"] >= 0.60,
   "B: closure >= 60%% (%s)" % p["closure"], None if net else noskip)
ok(p["lead"] is not None and p["headline"].startswith("In docker-nat") and "knob:" in p["headline"],
   "B: the headline leads with the biggest cause and its knob")
tap.plan()
PY
