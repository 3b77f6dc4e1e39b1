#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 40-kvm-exits.t - the kvm family against the test VMM (tests/fixtures/testvmm.c):
#   1. `vtax run` of testvmm --pio N --mmio M: exactly N kvm.pio{port=P,
#      dir=write, handler=user} and M kvm.mmio{gpa=A, dir=write} accesses,
#      and exactly N + M kvm.userspace exits (IO, MMIO);
#   2. with --hold-us 200 (the VMM busy-waits 200 us per exit): the median
#      and the mean userspace handling time per exit are within 10% of 200 us
#      and of the VMM's own measurement, each plus the kernel's part of the
#      round trip measured by a run without hold (a few us natively, tens
#      of us under TCG) (with the syscall family loaded, which gives the
#      exact re-entry time);
#   3. PIO reads (--pio-ack) that go to userspace are counted as reads;
#   4. `vtax attach --vm PID` makes subject vm:PID with the same counts, and
#      its vCPU thread's run-queue wait appears as sched.steal;
#   5. `vtax attach --all` shows a running VMM as its own subject vm:PID
#      beside "host", with its exits counted there and not in host;
#   6. virtio's fast path: writes to an MMIO address and a port carrying a
#      KVM_IOEVENTFD (testvmm --notify/--notify-pio) come back as exactly K
#      kvm.notify{space,addr,queue} each, with no userspace exit and the
#      eventfd counting K (under PVM kvm_exit does not fire, so no exit
#      reasons here: tests/integration/41-kvm-real.t has them).
# The VMM is started and stopped by this script; nothing else is created.
set -u
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || exit 1
B=${VTAX_TEST_BUILD:-build}
VTAX=$B/vtax
TVMM=$B/fixtures/testvmm

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -x "$VTAX" ] && [ -x "$TVMM" ] || skip_all "build first (make)"
[ -c /dev/kvm ] || skip_all "no /dev/kvm"

tmp=$(mktemp -d /tmp/vtax-t40kvm.XXXXXX) || exit 1
tv_pid=
vt_pid=
cleanup() {
	[ -n "$vt_pid" ] && kill "$vt_pid" 2>/dev/null
	[ -n "$tv_pid" ] && kill "$tv_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# q FILE SUBJECT_PREFIX FAMILY NAME 'k=v,...' FIELD(count|sum_ns|p50_ns|mean)
q() {
	python3 - "$@" <<'PY'
import json, sys
f, subj, fam, name, labels, field = sys.argv[1:7]
want = dict(kv.split("=", 1) for kv in labels.split(",") if kv)
d = json.load(open(f))
cnt = tot = 0
p50 = []
for s in d["subjects"]:
    if not s["id"].startswith(subj):
        continue
    for h in s["histograms"]:
        if h["family"] != fam or h["name"] != name:
            continue
        if any(h["labels"].get(k) != v for k, v in want.items()):
            continue
        cnt += h["count"]; tot += h["sum_ns"]; p50.append(h["p50_ns"])
if field == "count": print(cnt)
elif field == "sum_ns": print(tot)
elif field == "mean": print(tot / cnt if cnt else 0)
elif field == "p50_ns": print(p50[0] if len(p50) == 1 else -1)
PY
}
within_pct() { python3 -c "import sys; v,t,p=map(float,sys.argv[1:]); sys.exit(0 if abs(v-t)<=t*p/100 else 1)" "$@"; }
# time_check WHAT GOT WANT WANT_WHY LOW HIGH RANGE_WHY: natively GOT (ns)
# within 10% of WANT; in a TCG guest (VTAX_GUEST=1, tests/kernels/) GOT in
# [LOW, HIGH], since there the VMM's own time overshoots and skews (below)
time_check() {
	if [ "${VTAX_GUEST:-}" = 1 ]; then
		ge "$2" "$5" && le "$2" "$6"
		ok $? "$1 $2 ns in [$5, $6] ns: between $7 (TCG guest)"
	else
		within_pct "$2" "$3" 10
		ok $? "$1 $2 ns within 10% of $3 ns ($4)"
	fi
}
# 1. exact counts, port and address
N=1500 M=700 P=0x510 A=0xfebd0000
"$VTAX" run --probes kvm -f json -o "$tmp/r1.json" -- \
	"$TVMM" --pio $N --mmio $M --port $P --addr $A > "$tmp/tv1.json" 2> "$tmp/err1"
rc=$?
ok $rc "vtax run -- testvmm --pio $N --mmio $M exits 0"
pio=$(q "$tmp/r1.json" pid: kvm pio "port=$P,dir=write,handler=user" count)
mmio=$(q "$tmp/r1.json" pid: kvm mmio "gpa=$A,dir=write,handler=user" count)
all_pio=$(q "$tmp/r1.json" pid: kvm pio "" count)
all_mmio=$(q "$tmp/r1.json" pid: kvm mmio "" count)
ok $([ "$pio" = $N ] && [ "$all_pio" = $N ]; echo $?) "kvm.pio{port=$P,dir=write,handler=user} = $N (got $pio, all ports $all_pio)"
ok $([ "$mmio" = $M ] && [ "$all_mmio" = $M ]; echo $?) "kvm.mmio{gpa=$A,dir=write,handler=user} = $M (got $mmio, all $all_mmio)"
uio=$(q "$tmp/r1.json" pid: kvm userspace "reason=IO" count)
ummio=$(q "$tmp/r1.json" pid: kvm userspace "reason=MMIO" count)
ok $([ "$uio" = $N ] && [ "$ummio" = $M ]; echo $?) "kvm.userspace{IO} = $N and {MMIO} = $M (got $uio, $ummio)"

# 2. userspace handling time: the VMM holds each exit 200 us.  vtax's
# userspace time runs from kvm_userspace_exit to the re-entry, so it is the
# VMM's own time (testvmm's userspace_ns, its clock between a KVM_RUN return
# and the next call) plus the kernel's part of the round trip (return to
# user, ioctl entry).  That part is measured, not assumed: a run with no
# hold gives it as vtax's per-exit time minus the VMM's.  Natively it is a
# few us (<2% of the hold); under TCG the kernel's paths are emulated and
# it was 40-60 us per exit (6.12 guest: vtax 52.7 us, VMM 9.4 us at hold 0;
# then at hold 200: VMM 234.9 us per exit, expected 278.2, vtax 277.1).
H=200
"$VTAX" run --probes kvm,syscall -f json -o "$tmp/r0.json" -- \
	"$TVMM" --pio 400 --mmio 200 --hold-us 0 --rt-prio 10 > "$tmp/tv0.json" 2> "$tmp/err0"
ok $? "vtax run -- testvmm --hold-us 0 exits 0"
# per-exit mean time (ns) in userspace after REASON (IO: 400 exits, MMIO:
# 200): vtax's (over the exits it counted), the VMM's own (testvmm's
# io_/mmio_userspace_ns over its exits) and vtax's count; FILE VMMJSON REASON
per_exit() {
	local n t
	n=$(q "$1" pid: kvm userspace "reason=$3" count)
	t=$(q "$1" pid: kvm userspace "reason=$3" sum_ns)
	python3 -c "import json,sys; n,t=int(sys.argv[1]),int(sys.argv[2]); v=json.load(open(sys.argv[3])); r=sys.argv[4]
print(t // max(n, 1), v[r.lower() + '_userspace_ns'] // {'IO': 400, 'MMIO': 200}[r], n)" "$n" "$t" "$2" "$3"
}
# the kernel's part per exit, measured for each reason: under TCG an MMIO
# exit's round trip (nested page fault, instruction emulation) differs from
# a port write's, and one shared figure put MMIO 15% off on 6.1
declare -A K
n0=0
for reason in IO MMIO; do
	read -r v0 m0 c0 <<<"$(per_exit "$tmp/r0.json" "$tmp/tv0.json" $reason)"
	K[$reason]=$((v0 > m0 ? v0 - m0 : 0))
	n0=$((n0 + c0))
	diag "no hold, $reason: vtax $v0 ns, the VMM $m0 ns per exit ($c0 counted): the kernel's part ${K[$reason]} ns"
done
# the kernel's part is only as good as the count it is averaged over (kvm+
# syscall once counted 82 and 527 of the 600, and the hold run 526: while the
# SCHED_FIFO VMM busy-waits, its CPU's map element cache stays empty and the
# per-CPU spill ring overflowed before the run's end, and again, at load,
# with a 20 ms drain (527 of 600 in CI): the spill is now one shared 1 MiB
# ring buffer drained by the session's thread)
ok $([ "$n0" = 600 ]; echo $?) "no hold: all 600 userspace exits counted (got $n0)"
"$VTAX" run --probes kvm,syscall -f json -o "$tmp/r2.json" -- \
	"$TVMM" --pio 400 --mmio 200 --hold-us $H --rt-prio 10 > "$tmp/tv2.json" 2> "$tmp/err2"
ok $? "vtax run -- testvmm --hold-us $H exits 0"
declare -A E G
for reason in IO MMIO; do
	read -r v2 m2 c2 <<<"$(per_exit "$tmp/r2.json" "$tmp/tv2.json" $reason)"
	E[$reason]=$((m2 + K[$reason]))
	# in a TCG guest the kernel's part of the round trip is not stable
	# between runs: measured without hold it was 67.5 us and then 34.6 us in
	# the hold run (6.1), and in CI 31.9 us without hold and 86.4 us in the
	# hold run (vtax's IO mean 403.5 us, the VMM's 317.0 us).  So there the
	# upper bound is 115% of the VMM's own time + three times the part
	# measured; natively every check is within 10% of the expected time
	G[$reason]=$(((m2 + 3 * K[$reason]) * 115 / 100))
	diag "hold $H us, $reason: vtax $v2 ns, the VMM $m2 ns per exit ($c2 counted); expected ${E[$reason]} ns"
	p50=$(q "$tmp/r2.json" pid: kvm userspace "reason=$reason" p50_ns)
	mean=$(q "$tmp/r2.json" pid: kvm userspace "reason=$reason" mean)
	# under TCG the VMM's own time per exit overshoots the hold by tens of
	# us and is skewed (6.1 guest: median 303 us, mean 361 us): the median
	# lies between the hold and the VMM's own mean + the kernel's part
	time_check "kvm.userspace{$reason} median" "$p50" \
		$((H * 1000 + K[$reason])) "$H us + the kernel's ${K[$reason]} ns" \
		$((H * 1000)) "${G[$reason]}" "the hold and 115% of the VMM's own $m2 ns + 3x the kernel's part"
	time_check "kvm.userspace{$reason} mean" "$mean" \
		"${E[$reason]}" "the VMM's own $m2 ns + the kernel's ${K[$reason]} ns" \
		"$m2" "${G[$reason]}" "the VMM's own time and 115% of it + 3x the kernel's part"
done
pmean=$(q "$tmp/r2.json" pid: kvm pio "dir=write,handler=user" mean)
time_check "kvm.pio handling time per access" "$pmean" "${E[IO]}" "the VMM's own time + the kernel's part" \
	$((H * 1000)) "${G[IO]}" "the hold and 115% of the VMM's own time + 3x the kernel's part"
# against the VMM's own clock: total userspace time it measured, plus the
# kernel's part per exit
truth=$(python3 -c "import json;print(json.load(open('$tmp/tv2.json'))['userspace_ns'])")
got=$(( $(q "$tmp/r2.json" pid: kvm userspace "reason=IO" sum_ns) + $(q "$tmp/r2.json" pid: kvm userspace "reason=MMIO" sum_ns) ))
kern=$((400 * K[IO] + 200 * K[MMIO]))
time_check "total kvm.userspace" "$got" $((truth + kern)) "testvmm's own $truth ns + the kernel's $kern ns" \
	"$truth" $(((truth + 3 * kern) * 115 / 100)) "testvmm's own time and 115% of it + 3x the kernel's part"

# 3. PIO reads that go to the VMM (kvm_pio fires on completion)
"$VTAX" run --probes kvm -f json -o "$tmp/r3.json" -- \
	"$TVMM" --pio 300 --mmio 0 --pio-ack > /dev/null 2>&1
rd=$(q "$tmp/r3.json" pid: kvm pio "port=0x3f8,dir=read,handler=user" count)
wr=$(q "$tmp/r3.json" pid: kvm pio "port=0x3f8,dir=write,handler=user" count)
ok $([ "$rd" = 300 ] && [ "$wr" = 300 ]; echo $?) "--pio-ack: 300 reads and 300 writes (got $rd, $wr)"

# 4. attach --vm PID
mkfifo "$tmp/go"
"$TVMM" --pio 800 --mmio 300 --port 0x3f8 --addr 0xd0000 --wait-start \
	< "$tmp/go" > "$tmp/tv4.json" 2> "$tmp/err4" &
tv_pid=$!
exec 9> "$tmp/go"
for _ in $(seq 50); do grep -q ready "$tmp/err4" && break; sleep 0.1; done
# --duration bounds the run should the VMM never exit; the VMM starts once
# vtax says it is tracing (--ready-file): a guess from /proc (links in
# place, main thread in poll) never held on Debian's 6.12 under TCG, so the
# VMM ran after vtax's duration and counted 0 (tests/kernels/known-issues.txt)
"$VTAX" attach --vm "$tv_pid" --probes kvm,sched -f json -o "$tmp/r4.json" --duration 600 \
	--ready-file "$tmp/ready4" &
vt_pid=$!
wait_ready "$tmp/ready4" "$vt_pid"
ok $? "vtax attach --vm says it is tracing (--ready-file)"
echo go >&9
exec 9>&-
wait "$tv_pid"
tv_pid=
wait "$vt_pid"
ok $? "vtax attach --vm exits 0 when the VMM exits"
vt_pid=
subj=$(python3 -c "import json;d=json.load(open('$tmp/r4.json'));print(' '.join(s['id']+'/'+s['kind'] for s in d['subjects']))")
ok $([ "$subj" = "vm:$(python3 -c "import json;print(json.load(open('$tmp/tv4.json'))['pid'])")/vm" ]; echo $?) "one subject vm:PID of kind vm (got '$subj')"
pio=$(q "$tmp/r4.json" vm: kvm pio "port=0x3f8,dir=write,handler=user" count)
mmio=$(q "$tmp/r4.json" vm: kvm mmio "gpa=0xd0000,dir=write,handler=user" count)
ok $([ "$pio" = 800 ] && [ "$mmio" = 300 ]; echo $?) "attach --vm: 800 PIO and 300 MMIO (got $pio, $mmio)"
steal=$(q "$tmp/r4.json" vm: sched steal "" count)
ok $([ "$steal" -gt 0 ]; echo $?) "the vCPU thread's run-queue waits appear as sched.steal ($steal)"

# 5. attach --all: every process holding /dev/kvm is a VM subject
mkfifo "$tmp/go5"
"$TVMM" --pio 500 --mmio 200 --port 0x3f8 --addr 0xd0000 --wait-start \
	< "$tmp/go5" > "$tmp/tv5.json" 2> "$tmp/err5" &
tv_pid=$!
exec 9> "$tmp/go5"
for _ in $(seq 50); do grep -q ready "$tmp/err5" && break; sleep 0.1; done
"$VTAX" attach --all --probes kvm,sched -f json -o "$tmp/r5.json" --duration 600 \
	--ready-file "$tmp/ready5" &
vt_pid=$!
wait_ready "$tmp/ready5" "$vt_pid"
ok $? "vtax attach --all says it is tracing (--ready-file)"
echo go >&9
exec 9>&-
wait "$tv_pid"
tv_pid=
# --all ends on Ctrl-C: once the VMM is done, like a user would
kill -INT "$vt_pid"
wait "$vt_pid"
ok $? "vtax attach --all with a VMM running, ended by SIGINT"
vt_pid=
vpid=$(python3 -c "import json;print(json.load(open('$tmp/tv5.json'))['pid'])")
pio=$(q "$tmp/r5.json" "vm:$vpid" kvm pio "port=0x3f8,dir=write,handler=user" count)
hpio=$(q "$tmp/r5.json" host kvm pio "" count)
ok $([ "$pio" = 500 ] && [ "$hpio" = 0 ]; echo $?) "--all: subject vm:$vpid has its 500 PIO exits, host none (got $pio, host $hpio)"

# 6. ioeventfd notifies: completed in the kernel, named by address and queue
K=900 KP=333 NA=0xfeb00e50 NP=0xc050 Q=3
"$VTAX" run --probes kvm -f json -o "$tmp/r6.json" -- "$TVMM" --pio 20 --mmio 10 \
	--notify $K --notify-addr $NA --notify-pio $KP --notify-port $NP --notify-queue $Q \
	> "$tmp/tv6.json" 2> "$tmp/err6"
ok $? "vtax run -- testvmm --notify $K --notify-pio $KP exits 0"
efd=$(python3 -c "import json;d=json.load(open('$tmp/tv6.json'));print(d['notify_eventfd'], d['notify_pio_eventfd'], d['kvm_runs'])")
ok $([ "$efd" = "$K $KP 31" ]; echo $?) "eventfd counts $K and $KP, and only 20+10+1 KVM_RUN returns (got $efd)"
nm=$(q "$tmp/r6.json" pid: kvm notify "space=mmio,addr=$NA,queue=$Q" count)
np=$(q "$tmp/r6.json" pid: kvm notify "space=pio,addr=$NP,queue=$Q" count)
nall=$(q "$tmp/r6.json" pid: kvm notify "" count)
ok $([ "$nm" = $K ] && [ "$np" = $KP ] && [ "$nall" = $((K + KP)) ]; echo $?) \
	"kvm.notify{mmio,$NA,queue=$Q} = $K and {pio,$NP,queue=$Q} = $KP (got $nm, $np, all $nall)"
# the final hlt's userspace time never ends (no KVM_RUN follows): IO + MMIO only
u="$(q "$tmp/r6.json" pid: kvm userspace "reason=IO" count) $(q "$tmp/r6.json" pid: kvm userspace "" count)"
um=$(q "$tmp/r6.json" pid: kvm mmio "" count)
ok $([ "$u" = "20 30" ] && [ "$um" = 10 ]; echo $?) "no userspace exit and no kvm.mmio for a notify: userspace IO/all 20 30, mmio 10 (got $u, $um)"

done_testing
