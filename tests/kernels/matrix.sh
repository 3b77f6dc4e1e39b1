#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# matrix.sh - `make test-kernels`: vtax's integration subset
# (tests/kernels/subset.sh) on Debian 12's stock kernel (6.1), Debian's 6.12
# (bookworm-backports; Debian 13's series), both booted under QEMU TCG with
# this host's userland (vm-run.sh), and on the host's own kernel.  The host
# column runs first, alone (its timing checks - run-queue wait, CFS quota -
# failed while two TCG guests kept both CPUs busy), then the two guests side
# by side (single-threaded TCG: one host CPU each).  Prints TAP (one line per kernel x family) and a table
# kernel x family -> hook used / pass.  A kernel that cannot be fetched is
# a failure, not a skip.  Results stay in $VTAX_MATRIX_OUT (default
# build/kernel-matrix).  Bounded: $VTAX_MATRIX_TIMEOUT (default 2400: three single-threaded TCG guests share two CPUs while the nested one runs) s per
# guest; every vtax run in a TCG guest pays the BPF verifier under emulation.
# The "nested" row: the guided comparison's vm environment on a real KVM
# (tests/integration/63-compare-nested.t: a microvm guest under the TCG
# guest's kvm_amd) in a third guest of kernel $VTAX_MATRIX_NESTED (default
# 6.1; "none" skips it) with ONE vCPU: with two, the nested guest never
# reached its init (docs/kernel-facts.md); with one it boots in ~1 min.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 1
out=${VTAX_MATRIX_OUT:-$ROOT/build/kernel-matrix}
KERNELS=${VTAX_MATRIX_KERNELS:-6.1 6.12}
rm -rf "$out"
mkdir -p "$out"
[ -x build/vtax ] || { echo "not ok 1 - build/vtax missing (make)"; echo "1..1"; exit 1; }
start=$(date +%s)
fail=0
pids=()
mkdir -p "$out/host"
bash "$HERE/subset.sh" "$out/host/res"
for k in $KERNELS; do
	mkdir -p "$out/$k"
	if ! kdir=$("$HERE/fetch-kernel.sh" "$k" 2>"$out/$k/fetch.err"); then
		echo "# cannot fetch kernel $k: $(tail -n 1 "$out/$k/fetch.err")"
		fail=1
		continue
	fi
	"$HERE/vm-run.sh" --out "$out/$k" --timeout "${VTAX_MATRIX_TIMEOUT:-2400}" "$kdir" -- \
		env "VTAX_MATRIX_TESTS=${VTAX_MATRIX_TESTS:-}" bash tests/kernels/subset.sh /tmp/vtax-out/res \
		>"$out/$k/vm.log" 2>&1 &
	pids+=($!)
done
NESTED=${VTAX_MATRIX_NESTED:-6.1}
if [ "$NESTED" != none ]; then
	mkdir -p "$out/$NESTED-nested"
	if kdir=$("$HERE/fetch-kernel.sh" "$NESTED" 2>"$out/$NESTED-nested/fetch.err"); then
		"$HERE/vm-run.sh" --out "$out/$NESTED-nested" --smp 1 --mem 3G \
			--timeout "${VTAX_MATRIX_NESTED_TIMEOUT:-1800}" "$kdir" -- \
			env VTAX_MATRIX_TESTS=63-compare-nested VTAX_SUBSET_HOOKS=0 VTAX_SUBSET_TEST_TIMEOUT=1500 \
			bash tests/kernels/subset.sh /tmp/vtax-out/res >"$out/$NESTED-nested/vm.log" 2>&1 &
		pids+=($!)
	else
		echo "# cannot fetch kernel $NESTED: $(tail -n 1 "$out/$NESTED-nested/fetch.err")"
		fail=1
	fi
fi
for p in "${pids[@]}"; do wait "$p"; done
python3 - "$out" "host $KERNELS" "$fail" "$(($(date +%s) - start))" "$HERE/known-issues.txt" "$NESTED" <<'PY'
import json, os, sys
out, cols, fetch_fail, secs = sys.argv[1], sys.argv[2].split(), int(sys.argv[3]), sys.argv[4]
nested_col = sys.argv[6]
fams = [("syscall", "10-syscall"), ("sched", "11-sched"), ("net", "20-net-nat"),
        ("blk", "45-blk-requests"), ("kvm", "40-kvm-exits"), ("kvm-real", "41-kvm-real"),
        ("nested", "63-compare-nested")]
n = bad = 0
# tests/kernels/known-issues.txt: "KERNEL-PREFIX FAMILY reason" lines for
# cells that fail for a reason that is understood and written down there
# (not yet fixed).  Such a cell prints as TAP TODO: visible in every run and
# in the table, not counted as a failure; one that passes again shows as an
# unexpected success, so the line can be removed.
known = []
try:
    for line in open(sys.argv[5]):
        line = line.strip()
        if line and not line.startswith("#"):
            kp, fam, why = line.split(None, 2)
            known.append((kp, fam, why))
except OSError:
    pass
def known_issue(kernel, fam):
    for kp, f, why in known:
        if f == fam and kernel.startswith(kp):
            return why
    return ""
table = {}
names = {}
for c in cols:
    res = os.path.join(out, c, "res")
    names[c] = open(os.path.join(res, "kernel")).read().strip() if os.path.exists(os.path.join(res, "kernel")) else c
    def summary(res):
        summ = {}
        try:
            for line in open(os.path.join(res, "summary")):
                t, rc, s = line.split()
                summ[t] = (int(rc), int(s))
        except OSError:
            pass
        return summ
    try:
        hooks = json.load(open(os.path.join(res, "hooks.json"))).get("hooks", {})
    except (OSError, ValueError):
        hooks = {}
    for fam, t in fams:
        if fam == "nested":
            # its own one-vCPU guest, for one kernel only
            if c != nested_col:
                table[(c, fam)] = "-"
                continue
            res = os.path.join(out, c + "-nested", "res")
        else:
            res = os.path.join(out, c, "res")
        n += 1
        tap = os.path.join(res, t + ".tap")
        body = open(tap).read() if os.path.exists(tap) else ""
        skipped = "1..0 # SKIP" in body
        rc, s = summary(res).get(t, (None, 0))
        hook = hooks.get("kvm" if fam == "nested" else fam.split("-")[0], "not loaded")
        short = hook.split(" ")[0] if not hook.startswith("n/m") else "n/m"
        if fam == "net":
            nf = hooks.get("net.netfilter", "")
            short += "+" + ("nf-links" if nf.startswith("netfilter") else
                            "nf-fentry" if nf.startswith("fentry") else "nf:n/m")
        if (fam.startswith("kvm") or fam == "nested") and hook.startswith("tracepoint"):
            short = "tp+tp_btf"
        if rc is None:
            st, okk = "no run", False
        elif skipped and t == "41-kvm-real" and c == "host":
            # a PVM host's kvm_exit never fires: the guests' SVM covers it
            st, okk = "skip (no kvm_exit)", True
        elif skipped:
            st, okk = "skip", False
        else:
            st, okk = ("pass" if rc == 0 else "FAIL"), rc == 0
        why = known_issue(names[c], fam)
        if not okk:
            if not why:
                bad += 1
            for l in body.splitlines():
                if l.startswith("not ok") or "SKIP" in l:
                    print("# %s %s: %s" % (names[c], t, l))
        todo = " # TODO known issue: %s" % why if why else ""
        print("%s %d - %s %s: %s (%ss; hook: %s)%s" % ("ok" if okk else "not ok", n, names[c], fam, st, s, hook, todo))
        if why:
            st += " (known issue)"
        table[(c, fam)] = "%s / %s" % (short, st)
if fetch_fail:
    n += 1; bad += 1
    print("not ok %d - a kernel could not be fetched" % n)
print("1..%d" % n)
w = 26
print("# kernel matrix (%s s): family -> hook used / result" % secs)
print("# %-9s" % "family" + "".join("%-*s" % (w, names[c][:w - 1]) for c in cols))
for fam, _ in fams:
    print("# %-9s" % fam + "".join("%-*s" % (w, table.get((c, fam), "-")) for c in cols))
for c in cols:
    try:
        h = json.load(open(os.path.join(out, c, "res", "hooks.json"))).get("hooks", {})
        print("# %s hooks: %s" % (names[c], json.dumps(h)))
    except (OSError, ValueError):
        pass
sys.exit(1 if bad else 0)
PY
