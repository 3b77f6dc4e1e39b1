#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 60-compare-vm-oltp.t - oltp (MariaDB) in the vm environment: the guest's
# mariadbd keeps its data on the virtio-blk disk, so the comparison must
# complete with a throughput, carry the TCG label, and show the guest's
# block I/O as the VMM's (QEMU's I/O threads writing the disk image on the
# host: blk cause present in the vm's ledger row); nothing is left behind.
# Runtime: ~2 min (TCG boot, InnoDB start, a --quick round each).
. "$(dirname "$0")/lib.sh"
compare_test_needs qemu-system-x86_64 mariadbd mariadb-install-db mkfs.ext4

tmp=$(mktemp -d /tmp/vtax-t60vmoltp.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$tmp/work"
start=$(date +%s)
"$vtax" compare -w oltp --quick --duration 2 --envs native,vm --workdir "$tmp/work" \
	-f json -o "$tmp/r.json" 2>"$tmp/err" &
pid=$!
# bounded: SIGTERM after 600 s (vtax then removes what it made)
for _ in $(seq 600); do kill -0 $pid 2>/dev/null || break; sleep 1; done
kill -TERM $pid 2>/dev/null
wait $pid
rc=$?
diag "compare -w oltp --envs native,vm took $(($(date +%s) - start)) s (rc $rc)"
# this run's link names: vtaxbrN/vtaxtapN with N picked from vtax's PID (env_vm.c)
after=$(ls /sys/class/net | grep -E '^vtax(br|tap)' | sort)
mine=$(for t in $(seq 0 63); do k=$(((pid + t * 13) % 250 + 1)); echo "$after" | grep -xE "vtax(br|tap)$k"; done)
procs=$(procs_under "$tmp/work/")

python3 - "$tmp" "$rc" "$mine" "$procs" <<'PY'
import json, sys
tmp, rc, mine, procs = sys.argv[1:5]
n = bad = 0
def ok(cond, msg):
    global n, bad
    n += 1
    bad += not cond
    print("%sok %d - %s" % ("" if cond else "not ", n, msg))
try:
    d = json.load(open(tmp + "/r.json"))
    env = {e["env"]: e for e in d["environments"]}
    vm, nat = env["vm"], env["native"]
except Exception as e:
    print("# " + open(tmp + "/err").read().replace("\n", "\n# "))
    ok(False, "compare -w oltp native,vm wrote a JSON report (rc %s): %s" % (rc, e))
    print("1..%d" % n); sys.exit(1)
print("# native %s %.1f tx/s; vm %s %s %.2f tx/s %s" % (nat["status"], nat.get("throughput_ops_s") or 0,
      vm["status"], vm.get("accel"), vm.get("throughput_ops_s") or 0, vm.get("error") or ""))
ok(rc == "0" and nat["status"] == "ok" and vm["status"] == "ok", "both environments complete (rc %s)" % rc)
ok((vm.get("throughput_ops_s") or 0) > 0, "the guest's MariaDB served transactions")
ok(vm["emulated"] is (vm.get("accel") == "tcg") and (vm.get("accel") != "tcg" or "TCG" in vm["label"]),
   "accel %s is labelled (%s)" % (vm.get("accel"), vm["label"]))
le = [e for e in d["ledger"]["environments"] if e["env"] == "vm"]
blk = [c for c in le[0]["causes"] if c["cause"] == "blk"][0] if le else None
ok(blk and blk["present"] and blk["env_ns_per_op"] > 0,
   "the guest's data I/O reaches the host's block layer through QEMU (blk %.0f ns/tx)" %
   (blk["env_ns_per_op"] if blk else -1))
ok(mine.strip() == "", "no vtaxbr/vtaxtap link of this run left (%s)" % mine.replace("\n", " "))
ok(procs.strip() == "", "no QEMU or server process of this run left (%s)" % procs.replace("\n", " "))
print("1..%d" % n)
sys.exit(1 if bad else 0)
PY
