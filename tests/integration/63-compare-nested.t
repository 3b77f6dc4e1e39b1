#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 63-compare-nested.t - the guided comparison's vm environment on a real
# KVM: `vtax compare --envs native,vm` where the host is itself a virtual
# machine with kvm_amd/kvm_intel (the kernel matrix's TCG guests), so the
# vm is a nested KVM guest: QEMU's microvm machine (virtio-mmio), redis over
# virtio-net.  kvm_exit/kvm_entry fire there, so the ledger must show:
#  - the vm running under KVM on the microvm machine, labelled "nested KVM
#    under TCG: exit counts and reasons are real, times are not";
#  - its KVM exits cause, itemized by exit reason, with the reasons a
#    virtio-mmio guest must take: npf (its MMIO: virtio registers and
#    notifies) among them;
#  - VMM userspace emulation (QEMU handles virtio-mmio register reads in
#    userspace);
#  - virtio notifications named by device and queue from QEMU's own layout:
#    kvm.notify{device=virtio-net, vq=tx} at least once per request.
# Nothing of the run is left: no QEMU, no vtaxbr/vtaxtap link.
# Skips on hosts without a real KVM (PVM, none) and on bare metal (not nested).
# Runtime: ~6-10 min in a matrix guest under TCG (the nested boot alone ~1-3 min).
. "$(dirname "$0")/lib.sh"
compare_test_needs qemu-system-x86_64
if [ "${VTAX_GUEST:-}" = 1 ] && [ ! -e /dev/kvm ]; then
	grep -qw svm /proc/cpuinfo && modprobe kvm_amd 2>/dev/null
	grep -qw vmx /proc/cpuinfo && modprobe kvm_intel 2>/dev/null
fi
[ -c /dev/kvm ] || skip_all "no /dev/kvm"
[ -e /sys/module/kvm_pvm ] && skip_all "PVM's /dev/kvm cannot boot a kernel (60-compare-vm.t covers the TCG vm)"
[ -e /sys/module/kvm_amd ] || [ -e /sys/module/kvm_intel ] || skip_all "neither kvm_amd nor kvm_intel is loaded"
grep -qw hypervisor /proc/cpuinfo || skip_all "not a virtual machine: the vm is not nested here"

tmp=$(mktemp -d /tmp/vtax-t63.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$tmp/work"

# few requests: every exit of the nested guest is emulated by the outer TCG
"$VTAX" compare --quick --duration 2 --envs native,vm --env-timeout 900 --workdir "$tmp/work" \
	-f json -o "$tmp/n.json" 2>"$tmp/n.err" &
pid=$!
wait $pid
rc=$?
links=$(vm_links)
procs=$(procs_under "$tmp/work/")

python3 - "$tmp" "$rc" "$links" "$procs" <<'PY'
import json, sys
tmp, rc, links, procs = sys.argv[1:5]
sys.path.insert(0, "tests/integration")
from tap_why import Tap, why
tap = Tap()
ok = tap.ok
try:
    d = json.load(open(tmp + "/n.json"))
    vm = [e for e in d["environments"] if e["env"] == "vm"][0]
except Exception:
    d, vm = None, None
ok(rc == "0" and vm is not None and vm["status"] == "ok" and vm["throughput_ops_s"] > 0,
   "nested vm completes with a throughput (rc %s)%s" % (rc, why(d, tmp + "/n.err")))
if vm is None or vm["status"] != "ok":
    print("# " + open(tmp + "/n.err").read()[-3000:].replace("\n", "\n# "))
    tap.plan(); sys.exit(1)
label = "nested KVM under TCG: exit counts and reasons are real, times are not"
print("# vm: accel=%s machine=%s label=%s, %.0f req/s" % (vm.get("accel"), vm.get("machine"), vm.get("label"),
                                                         vm["throughput_ops_s"]))
ok(vm.get("accel") == "kvm" and vm.get("machine") == "microvm", "the vm ran under KVM on the microvm machine")
ok(vm["emulated"] is True and vm["label"] == label, "and is labelled: %s" % vm["label"])
le = [e for e in d["ledger"]["environments"] if e["env"] == "vm"][0]
causes = {c["cause"]: c for c in le["causes"]}
ex = causes["kvm_exits"]
reasons = sorted(c["series"] for c in ex["components"])
print("# kvm_exits components: " + ", ".join("%s %.1f us" % (c["series"], c["env_ns_per_op"] / 1e3)
                                              for c in ex["components"]))
ok(ex["measured"] and ex["present"] and ex["env_ns_per_op"] > 0, "the ledger has KVM exit time per request")
ok(any("reason=npf" in s or "NPF" in s.upper() for s in reasons) and len(reasons) >= 2,
   "itemized by exit reason, npf among them (%d reasons)" % len(reasons))
vmm = causes["vmm"]
ok(vmm["measured"] and vmm["present"] and vmm["env_ns_per_op"] > 0,
   "VMM userspace emulation per request: %.1f us" % (vmm["env_ns_per_op"] / 1e3))
ops = vm["traced"]["ops"] + vm["traced"]["warmup_ops"]
notif = {}
for s in vm["subjects"]:
    for h in s.get("histograms", []):
        if h["family"] == "kvm" and h["name"] == "notify":
            k = "%s/%s" % (h["labels"].get("device", "?"), h["labels"].get("vq", h["labels"].get("queue", "?")))
            notif[k] = notif.get(k, 0) + h["count"]
print("# notifications over %d requests: %s" % (ops, notif))
ok(notif.get("virtio-net/tx", 0) >= ops,
   "virtio-net tx notifications named by device and queue, >= 1 per request (%d for %d)" %
   (notif.get("virtio-net/tx", 0), ops))
ok(not [k for k in notif if k.startswith("?")], "every notification is named (%s)" % sorted(notif))
ok(links.strip() == "", "no vtaxbr/vtaxtap link left (%s)" % links.replace("\n", " "))
ok(procs.strip() == "", "no QEMU or server process of this run left")
tap.plan()
PY
