#!/bin/bash
# 60-compare-fail.t - a failing environment is reported and the others
# still run: Docker is made unreachable for vtax alone (DOCKER_HOST points
# at a socket that does not exist), so the Docker environments fail at
# set-up while native still measures.  Exit status 3
# (report complete, some environment failed); the JSON says which and why.
set -u
cd "$(dirname "$0")/../.." || exit 1
vtax=${VTAX_TEST_BUILD:-build}/vtax
[ -x "$vtax" ] || { echo "1..0 # SKIP $vtax not built (make)"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
command -v redis-server >/dev/null || { echo "1..0 # SKIP redis-server not installed"; exit 0; }

tmp=$(mktemp -d /tmp/vtax-t60fail.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

DOCKER_HOST=unix:///nonexistent/docker.sock "$vtax" compare --quick --duration 1 \
	--envs docker-nat,native --env-timeout 20 -f json -o "$tmp/f.json" 2>"$tmp/f.err"
rc=$?

python3 - "$tmp" "$rc" <<'PY'
import json, sys
tmp, rc = sys.argv[1], int(sys.argv[2])
n = 0
def ok(cond, msg):
    global n
    n += 1
    print("%sok %d - %s" % ("" if cond else "not ", n, msg))
ok(rc == 3, "exit status 3 when an environment failed (got %d)" % rc)
try:
    d = json.load(open(tmp + "/f.json"))
except Exception as e:
    print("# " + open(tmp + "/f.err").read().replace("\n", "\n# "))
    d = {"environments": []}
envs = {e["env"]: e for e in d["environments"]}
nat = envs.get("docker-nat", {})
nat_err = nat.get("error") or ""
print("# docker-nat: %s" % nat_err)
ok(nat.get("status") == "failed" and len(nat_err) > 0, "docker-nat is reported failed, with a reason")
nat_ok = envs.get("native", {})
ok(nat_ok.get("status") == "ok" and nat_ok.get("throughput_ops_s", 0) > 0
   and nat_ok.get("client_latency", {}).get("count", 0) > 0,
   "native still runs after the failure (throughput and latency measured)")
ok(d.get("ledger") is not None and d["ledger"]["environments"] == [],
   "the ledger has no row for the failed environment")
err = open(tmp + "/f.err").read()
ok("docker-nat failed:" in err, "stderr names the failed environment")
print("1..%d" % n)
PY
