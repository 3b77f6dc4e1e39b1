#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 60-compare-fail.t - a failing environment is reported and the others
# still run: Docker is made unreachable for vtax alone (DOCKER_HOST points
# at a socket that does not exist), so the Docker environments fail at
# set-up while native still measures.  Exit status 3
# (report complete, some environment failed); the JSON says which and why.
. "$(dirname "$0")/lib.sh"
compare_test_needs redis-server

tmp=$(mktemp -d /tmp/vtax-t60fail.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

DOCKER_HOST=unix:///nonexistent/docker.sock "$vtax" compare --quick --duration 1 \
	--envs docker-nat,native --env-timeout 20 -f json -o "$tmp/f.json" 2>"$tmp/f.err"
rc=$?

# A text report to a path that is not a regular file (a FIFO here; /dev/null
# in practice) is written into it, never replaced by a renamed temp file.
mkfifo "$tmp/fifo"
timeout 150 cat "$tmp/fifo" >"$tmp/fifo.got" &
reader=$!
timeout -s INT 120 "$vtax" compare --quick --duration 1 --warmup 0 --no-untraced --envs native \
	-o "$tmp/fifo" 2>"$tmp/fifo.err"
frc=$?
wait $reader
fifo_ok=0
[ -p "$tmp/fifo" ] && [ $frc -eq 0 ] && grep -q "^vtax compare: workload kv" "$tmp/fifo.got" && fifo_ok=1
[ "$(ls "$tmp" | grep -c '^fifo\.')" = 2 ] || fifo_ok=0 # fifo.got, fifo.err: no temp file left

python3 - "$tmp" "$rc" "$fifo_ok" "$frc" <<'PY'
import json, sys
tmp, rc = sys.argv[1], int(sys.argv[2])
fifo_ok, frc = sys.argv[3] == "1", int(sys.argv[4])
sys.path.insert(0, "tests/integration")
from tap_why import Tap
tap = Tap()
ok = tap.ok
ok(fifo_ok, "-o to a FIFO (as /dev/null): the report is written into it, the FIFO stays (rc %d)" % frc)
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
tap.plan()
PY
