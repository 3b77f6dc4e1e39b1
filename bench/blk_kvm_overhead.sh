#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Cost per event of the kvm and blk probe families, side by side in one run:
#   kvm  testvmm --pio N (N PIO exits to userspace, no hold): wall time of
#        its KVM_RUN loop (testvmm's own elapsed_ns) untraced, under
#        `vtax run --probes kvm`, and under `--probes kvm,syscall` (the exact
#        re-entry time piggybacks on the syscall family's sys_enter).
#   blk  odirect_reads on a loop device: K sync O_DIRECT 4 KiB reads
#        (the fixture's elapsed_ns) untraced and under `--probes blk`.
# `--probes sched` is the core every session loads (sched_switch/wakeup): the
# family's own cost is the difference to it.
# Rounds interleave the variants so machine noise hits all alike; medians;
# prints ns added per exit / per I/O.  The loop device and its backing file
# are removed on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${VTAX_BENCH_BUILD:-$ROOT/build}
N=${N:-20000}
K=${K:-5000}
ROUNDS=${ROUNDS:-7}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
[ -c /dev/kvm ] || { echo "bench: no /dev/kvm" >&2; exit 1; }

tmp=$(mktemp -d /var/tmp/vtax-bench-blkkvm.XXXXXX)
loop=
cleanup() {
	[ -n "$loop" ] && losetup -d "$loop"
	rm -rf "$tmp"
}
trap cleanup EXIT
truncate -s 64M "$tmp/img"
loop=$(losetup --find --show --direct-io=on "$tmp/img")

field() { python3 -c "import json,sys; print(json.loads(sys.stdin.readline())['$1'])"; }
kvm_base=() kvm_sched=() kvm_on=() kvm_sys=() blk_base=() blk_sched=() blk_on=()
for _ in $(seq 1 "$ROUNDS"); do
	kvm_base+=("$("$B/fixtures/testvmm" --pio "$N" --mmio 0 | field elapsed_ns)")
	kvm_sched+=("$("$B/vtax" run --probes sched -o /dev/null -- "$B/fixtures/testvmm" --pio "$N" --mmio 0 | field elapsed_ns)")
	kvm_on+=("$("$B/vtax" run --probes kvm -o /dev/null -- "$B/fixtures/testvmm" --pio "$N" --mmio 0 | field elapsed_ns)")
	kvm_sys+=("$("$B/vtax" run --probes kvm,syscall -o /dev/null -- "$B/fixtures/testvmm" --pio "$N" --mmio 0 | field elapsed_ns)")
	blk_base+=("$("$B/fixtures/odirect_reads" "$loop" "$K" | field elapsed_ns)")
	blk_sched+=("$("$B/vtax" run --probes sched -o /dev/null -- "$B/fixtures/odirect_reads" "$loop" "$K" | field elapsed_ns)")
	blk_on+=("$("$B/vtax" run --probes blk -o /dev/null -- "$B/fixtures/odirect_reads" "$loop" "$K" | field elapsed_ns)")
done
python3 - "$N" "$K" "${kvm_base[*]}" "${kvm_sched[*]}" "${kvm_on[*]}" "${kvm_sys[*]}" "${blk_base[*]}" "${blk_sched[*]}" "${blk_on[*]}" <<'PY'
import statistics as st, sys
n, k = int(sys.argv[1]), int(sys.argv[2])
kb, kc, ko, ks, bb, bc, bo = (st.median(float(x) for x in a.split()) for a in sys.argv[3:10])
rounds = len(sys.argv[3].split())
mins = [min(float(x) for x in a.split()) for a in sys.argv[3:10]]
print(f"kvm: testvmm, {n} PIO exits to userspace per run, {rounds} rounds, median per exit")
print(f"  untraced                    {kb / n:9.1f} ns")
print(f"  vtax --probes sched (core)  {kc / n:9.1f} ns   (+{(kc - kb) / n:.1f} ns per exit)")
print(f"  vtax --probes kvm           {ko / n:9.1f} ns   (+{(ko - kb) / n:.1f} ns per exit, +{(ko - kc) / n:.1f} over sched)")
print(f"  vtax --probes kvm,syscall   {ks / n:9.1f} ns   (+{(ks - kb) / n:.1f} ns per exit, +{(ks - kc) / n:.1f} over sched)")
print(f"blk: {k} O_DIRECT 4 KiB reads on a loop device, median per I/O")
print(f"  untraced                    {bb / k:9.1f} ns")
print(f"  vtax --probes sched (core)  {bc / k:9.1f} ns   (+{(bc - bb) / k:.1f} ns per I/O)")
print(f"  vtax --probes blk           {bo / k:9.1f} ns   (+{(bo - bb) / k:.1f} ns per I/O, +{(bo - bc) / k:.1f} over sched)")
m = mins
print("minimum over rounds (less sensitive to other load on the machine):")
print(f"  kvm: +{(m[2] - m[1]) / n:.1f} ns per exit over sched, kvm+syscall +{(m[3] - m[1]) / n:.1f}; "
      f"blk: +{(m[6] - m[5]) / k:.1f} ns per I/O over sched")
PY
