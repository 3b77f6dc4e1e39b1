#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 60-compare-vm.t - the vm environment in a compare: on these machines QEMU
# runs under TCG, so the run must complete, every figure of the vm must be
# labelled "emulated (TCG): not representative of KVM" (JSON: emulated,
# label; text: the footnote and starred cells), the vCPU threads' emulation
# time is itemized, and nothing is left: no QEMU, no vtaxbr/vtaxtap link of
# this run, no work directory.
. "$(dirname "$0")/lib.sh"
compare_test_needs qemu-system-x86_64

tmp=$(mktemp -d /tmp/vtax-t60vm.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$tmp/work"

"$vtax" compare --quick --duration 2 --envs native,vm --workdir "$tmp/work" \
	-f json -o "$tmp/vm.json" 2>"$tmp/vm.err" &
pid=$!
wait $pid
rc=$?
# the same JSON rendered as text must carry the label too
"$vtax" compare --quick --duration 2 --envs native,vm --workdir "$tmp/work" >"$tmp/vm.txt" \
	2>>"$tmp/vm.err" &
pid2=$!
wait $pid2
rc2=$?

links=$(vm_links)
procs=$(procs_under "$tmp/work/")

python3 - "$tmp" "$rc" "$rc2" "$pid" "$pid2" "$links" "$procs" <<'PY'
import json, sys
tmp, rc, rc2, pid, pid2, links, procs = sys.argv[1:8]
sys.path.insert(0, "tests/integration")
from tap_why import Tap
tap = Tap()
ok = tap.ok
try:
    d = json.load(open(tmp + "/vm.json"))
    vm = [e for e in d["environments"] if e["env"] == "vm"][0]
except Exception as e:
    print("# " + open(tmp + "/vm.err").read().replace("\n", "\n# "))
    ok(False, "compare native,vm wrote a JSON report (rc %s)" % rc)
    tap.plan(); sys.exit(1)
err = vm.get("error") or ""
if vm["status"] != "ok" and "not available" in err:
    print("1..0 # SKIP the vm environment is not available in this build: %s" % err)
    sys.exit(0)
print("# vm: %s accel=%s %s" % (vm["status"], vm.get("accel"), err))
ok(rc == "0" and vm["status"] == "ok" and vm["throughput_ops_s"] > 0,
   "vm completes with a throughput (rc %s)" % rc)
label = "emulated (TCG): not representative of KVM"
ok(vm["emulated"] is True and vm["label"] == label, "vm is labelled emulated in JSON")
ok(vm.get("machine") == "pc", "under TCG the vm is QEMU's pc machine (virtio-pci): %s" % vm.get("machine"))
le = [e for e in d["ledger"]["environments"] if e["env"] == "vm"]
ok(le and le[0]["emulated"] and le[0]["label"] == label and le[0]["headline"].startswith("[" + label),
   "the vm ledger row and headline carry the label")
tcg = [c for c in le[0]["causes"] if c["cause"] == "tcg"][0] if le else None
ok(tcg and tcg["present"] and tcg["env_ns_per_op"] > 0, "TCG emulation time of the vCPU threads is itemized")
# TCG's time is read once per run, not per round: no interval of its own,
# and it must still count in the closure's (a session-6 run printed closure
# 125% with a "95% CI 43 to 52%" that had left it out)
l0 = le[0] if le else {}
ci = l0.get("closure_ci95")
ok(tcg and tcg["delta_ci95_ns"] is None and (l0.get("closure") is None or (ci and ci[0] <= l0["closure"] <= ci[1])),
   "TCG cause without a zero-width interval (%s); closure %s inside its interval %s (none: no closure: %s)"
   % (tcg and tcg["delta_ci95_ns"], l0.get("closure"), ci, l0.get("headline", "")[:160]))
txt = open(tmp + "/vm.txt").read()
ok(rc2 == "0" and ("* " + label) in txt and "vm*" in txt, "text report stars vm and prints the label")
ok(links.strip() == "" or all(not l.endswith(tuple(str((int(p) + t * 13) % 250 + 1) for p in (pid, pid2) for t in range(64))) for l in links.split()),
   "no vtaxbr/vtaxtap link of these runs is left (%s)" % links.replace("\n", " "))
ok(procs.strip() == "", "no QEMU or server process of these runs is left")
tap.plan()
PY
