#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 60-compare-storage.t - the filesystem cause of the ledger: the io
# (O_DIRECT file I/O run inside the environment with `vtax load`) and oltp
# (MariaDB) workloads on docker-overlay vs docker-volume.  The overlay
# component (syscalls on overlay files, per operation) must appear for
# docker-overlay and be absent for docker-volume, whose data is on the
# host's filesystem like native's.
. "$(dirname "$0")/lib.sh"
compare_test_needs docker

tmp=$(mktemp -d /tmp/vtax-t60st.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

for w in io oltp; do
	if [ $w = oltp ] && ! command -v mariadbd >/dev/null && ! [ -x /usr/sbin/mariadbd ]; then
		echo skip >"$tmp/$w.rc"
		continue
	fi
	"$vtax" compare --workload $w --quick --duration 2 --envs native,docker-overlay,docker-volume \
		-f json -o "$tmp/$w.json" 2>"$tmp/$w.err"
	echo "$?" >"$tmp/$w.rc"
done

python3 - "$tmp" <<'PY'
import json, sys
sys.path.insert(0, "tests/integration")
from tap_why import Tap, why
tmp = sys.argv[1]
tap = Tap()
ok = tap.ok
for w in ("io", "oltp"):
    rc = open("%s/%s.rc" % (tmp, w)).read().strip()
    if rc == "skip":
        for m in ("runs", "overlay component for docker-overlay", "none for docker-volume"):
            ok(True, "%s: %s" % (w, m), "mariadb-server not installed")
        continue
    try:
        d = json.load(open("%s/%s.json" % (tmp, w)))
    except Exception as e:
        d = None
    if not ok(rc == "0" and d and all(e["status"] == "ok" for e in d["environments"]),
              "%s: compare native,docker-overlay,docker-volume exits 0, all ok (rc %s%s)" %
              (w, rc, why(d, "%s/%s.err" % (tmp, w)))):
        if d:
            for e in d["environments"]:
                print("# %s: %s %s" % (e["env"], e["status"], e.get("error")))
        print("# " + open("%s/%s.err" % (tmp, w)).read().replace("\n", "\n# "))
        ok(False, "%s: overlay component for docker-overlay" % w)
        ok(False, "%s: no overlay component for docker-volume" % w)
        continue
    led = {e["env"]: e for e in d["ledger"]["environments"]}
    fs = {k: [c for c in v["causes"] if c["cause"] == "fs"][0] for k, v in led.items()}
    o, v = fs["docker-overlay"], fs["docker-volume"]
    print("# %s overlay: %.0f ns/op on overlay (native same syscalls %.0f ns/op): %s" %
          (w, o["env_ns_per_op"], o["native_ns_per_op"],
           ", ".join(i["series"] for i in o["components"][:4])))
    ok(o["measured"] and o["present"] and o["env_ns_per_op"] > 0,
       "%s: overlay component for docker-overlay" % w)
    ok(v["measured"] and not v["present"] and v["env_ns_per_op"] == 0,
       "%s: no overlay component for docker-volume" % w)
tap.plan()
PY
