#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# subset.sh RESDIR - the kernel matrix's integration subset, run on the
# kernel it finds itself on (a TCG guest booted by vm-run.sh, or the host):
# one test per probe family, chosen because each checks an injected, known
# tax exactly - syscall (exact counts, on-CPU/blocked split), sched (run-queue
# wait of pinned busy processes, CFS quota), net (namespace topology with
# DNAT: netfilter brackets, or n/m with the reason where the kernel has no
# netfilter BPF links), blk (exact request counts on a loop device), kvm
# (exact exits of the test VMM; kvm_amd gives a real SVM /dev/kvm in a guest,
# where 41-kvm-real checks exits by SVM reason, notifies and attach --vm).
# Writes RESDIR/<test>.tap, RESDIR/summary ("test exit seconds"),
# RESDIR/doctor.txt and RESDIR/hooks.json (a run's hooks table).
set -u
res=${1:?usage: subset.sh RESDIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
TESTS=${VTAX_MATRIX_TESTS:-10-syscall 11-sched 20-net-nat 45-blk-requests 40-kvm-exits 41-kvm-real}
mkdir -p "$res"
: >"$res/summary"
# a guest's own KVM (SVM under TCG -cpu max); the host keeps what it has
[ -e /dev/kvm ] || modprobe kvm_amd 2>/dev/null || true
# loop devices for the blk test (a module on Debian's kernels)
[ -e /dev/loop-control ] || modprobe loop 2>/dev/null || true
uname -r >"$res/kernel"
for t in $TESTS; do
	s=$(date +%s)
	timeout "${VTAX_SUBSET_TEST_TIMEOUT:-1200}" bash "tests/integration/$t.t" >"$res/$t.tap" 2>&1
	rc=$?
	echo "$t $rc $(($(date +%s) - s))" >>"$res/summary"
done
# after the tests: the hooks a family picks depend on what is loaded (6.1's
# fentry brackets need nf_conntrack and nf_nat, which iptables loads);
# VTAX_SUBSET_HOOKS=0 (the nested-KVM guest) skips them
[ "${VTAX_SUBSET_HOOKS:-1}" = 1 ] || exit 0
timeout 120 build/vtax doctor >"$res/doctor.txt" 2>&1
timeout 120 build/vtax run --probes syscall,sched,net,blk,kvm -f json -o "$res/hooks.json" -- true \
	>/dev/null 2>"$res/hooks.err"
