#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 40-testvmm.t - proves the test VMM (tests/fixtures/testvmm.c) drives exactly
# the KVM exits it claims, as the kernel itself counts them, so vtax's KVM
# exit attribution tests can trust its numbers:
#  - kvm tracepoint counts (perf stat, with field filters on port, direction,
#    gpa, width and exit reason) equal N and M for several N/M, with and
#    without the `in` ack, below and above 1 MiB;
#  - --hold-us is userspace time per exit: N=500 x 200 us gives an elapsed
#    time of at least 100 ms and within +30%;
#  - the vCPU thread is named "CPU 0/KVM" and --wait-start holds the guest;
#  - failures (no /dev/kvm, a guest that never halts) exit non-zero with one
#    line on stderr.
# Only the KVM tracepoints that fire under PVM are asserted (kvm_exit and
# kvm_entry do not fire there; see docs/testvmm.md).
. "$(dirname "$0")/lib.sh"
need_root
[ -e /dev/kvm ] || skip_all "no /dev/kvm"
VMM=$FIX/testvmm
[ -x "$VMM" ] || { ok 1 "$VMM is built (run make)"; done_testing; }

TMP=$(mktemp -d)
VPID=""
IN=""
cleanup() {
	# Only the testvmm we started, by its PID.
	[ -n "$IN" ] && exec {IN}>&-
	[ -n "$VPID" ] && kill "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# perf needs tracefs for tracepoint ids.  It stays mounted afterwards: it is
# a kernel interface vtax itself mounts, and a concurrent tracer may use it.
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
if ! command -v perf >/dev/null || ! perf stat -x, -e kvm:kvm_pio true >/dev/null 2>&1; then
	ok 1 "perf counts kvm tracepoints (scripts/setup.sh installs linux-perf)"
	done_testing
fi

# vmm_count NAME PORT ADDR -- testvmm-args...
# Runs testvmm under perf stat; leaves the JSON in $TMP/NAME.json and one
# count per line in $TMP/NAME.cnt, in the order of the -e list below.
EVNAMES=(pio_out pio_in pio_all pio_wrongport mmio_write mmio_all mmio_wrongaddr
	uexit_io uexit_mmio uexit_hlt uexit_all fpu_load)
vmm_count() {
	local name=$1 port=$2 addr=$3
	shift 4
	perf stat -x, -o "$TMP/$name.perf" \
		-e kvm:kvm_pio --filter "rw == 1 && port == $port && size == 1 && count == 1" \
		-e kvm:kvm_pio --filter "rw == 0 && port == $port && val == 0xa5" \
		-e kvm:kvm_pio \
		-e kvm:kvm_pio --filter "port != $port" \
		-e kvm:kvm_mmio --filter "type == 2 && len == 1 && gpa == $addr" \
		-e kvm:kvm_mmio \
		-e kvm:kvm_mmio --filter "gpa != $addr" \
		-e kvm:kvm_userspace_exit --filter "reason == 2 && errno == 0" \
		-e kvm:kvm_userspace_exit --filter "reason == 6 && errno == 0" \
		-e kvm:kvm_userspace_exit --filter "reason == 5 && errno == 0" \
		-e kvm:kvm_userspace_exit \
		-e kvm:kvm_fpu --filter "load == 1" \
		"$VMM" --port "$port" --addr "$addr" "$@" >"$TMP/$name.json" 2>"$TMP/$name.err"
	local rc=$?
	grep -v '^#' "$TMP/$name.perf" | grep ',kvm:' | cut -d, -f1 >"$TMP/$name.cnt"
	return $rc
}
cnt() { # cnt NAME EVENT -> count
	local i
	for i in "${!EVNAMES[@]}"; do
		[ "${EVNAMES[$i]}" = "$2" ] && { sed -n "$((i + 1))p" "$TMP/$1.cnt"; return; }
	done
	echo "no such event $2" >&2
	echo -1
}

# case: NAME N M PORT ADDR ACK(0/1)
run_case() {
	local name=$1 n=$2 m=$3 port=$4 addr=$5 ack=$6 args nin got want
	args=(--pio "$n" --mmio "$m")
	[ "$ack" = 1 ] && args+=(--pio-ack)
	nin=$((ack ? n : 0))
	vmm_count "$name" "$port" "$addr" -- "${args[@]}"
	ok $? "$name: testvmm ${args[*]} --port $port --addr $addr runs"
	[ "$(wc -l <"$TMP/$name.cnt")" -eq "${#EVNAMES[@]}" ]
	ok $? "$name: perf reported all ${#EVNAMES[@]} counters"
	got=$(jpy "$TMP/$name.json" '"%d %d %d %d %d" % (d["pio_exits"], d["pio_in"], d["mmio_exits"], d["hlt"], d["kvm_runs"])')
	want="$((n + nin)) $nin $m 1 $((n + nin + m + 1))"
	[ "$got" = "$want" ]
	ok $? "$name: testvmm JSON pio_exits pio_in mmio_exits hlt kvm_runs = $want (got $got)"
	got="$(cnt "$name" pio_out) $(cnt "$name" pio_in) $(cnt "$name" pio_all) $(cnt "$name" pio_wrongport)"
	want="$n $nin $((n + nin)) 0"
	[ "$got" = "$want" ]
	ok $? "$name: kvm_pio write/read(0xa5)/all/other-port = $want (got $got)"
	got="$(cnt "$name" mmio_write) $(cnt "$name" mmio_all) $(cnt "$name" mmio_wrongaddr)"
	want="$m $m 0"
	[ "$got" = "$want" ]
	ok $? "$name: kvm_mmio write len 1 at $addr / all / other gpa = $want (got $got)"
	got="$(cnt "$name" uexit_io) $(cnt "$name" uexit_mmio) $(cnt "$name" uexit_hlt) $(cnt "$name" uexit_all) $(cnt "$name" fpu_load)"
	want="$((n + nin)) $m 1 $((n + nin + m + 1)) $((n + nin + m + 1))"
	[ "$got" = "$want" ]
	ok $? "$name: kvm_userspace_exit IO/MMIO/HLT/all and kvm_fpu load = $want (got $got)"
}

run_case pio-only 1000 0 0x3f8 0xd0000 0
run_case mmio-only 0 1000 0x3f8 0xd0000 0
run_case mixed 123 456 0x510 0xd0000 0
run_case ack 200 7 0x510 0xd0000 1
run_case unreal 50 300 0x3f8 0xd0000000 0
run_case empty 0 0 0x3f8 0xd0000 0

# ioeventfd notifies: the kernel completes them (kvm_mmio/kvm_pio fire, no
# kvm_userspace_exit) and the eventfds count exactly K and K'.
perf stat -x, -o "$TMP/ntf.perf" \
	-e kvm:kvm_mmio --filter "type == 2 && len == 4 && gpa == 0xd1050 && val == 5" \
	-e kvm:kvm_pio --filter "rw == 1 && port == 0xc050 && size == 2 && val == 5" \
	-e kvm:kvm_userspace_exit \
	"$VMM" --pio 3 --mmio 4 --notify 700 --notify-pio 300 --notify-queue 5 >"$TMP/ntf.json" 2>"$TMP/ntf.err"
ok $? "notify: testvmm --notify 700 --notify-pio 300 runs ($(cat "$TMP/ntf.err"))"
got=$(grep ',kvm:' "$TMP/ntf.perf" | cut -d, -f1 | tr '\n' ' ')
[ "$got" = "700 300 8 " ]
ok $? "notify: kvm_mmio(0xd1050, len 4, 5) / kvm_pio(0xc050, size 2, 5) / kvm_userspace_exit = 700 300 8 (got $got)"
got=$(jpy "$TMP/ntf.json" '"%d %d %d" % (d["notify_eventfd"], d["notify_pio_eventfd"], d["kvm_runs"])')
[ "$got" = "700 300 8" ]
ok $? "notify: eventfd counts 700 and 300, 8 KVM_RUN returns (got $got)"

# --hold-us: userspace time per exit.  SCHED_FIFO keeps other load on this
# 2-CPU machine from stretching the run; a few tries absorb the rest.
for try in 1 2 3; do
	"$VMM" --pio 500 --mmio 0 --hold-us 200 --rt-prio 1 >"$TMP/hold.json" 2>"$TMP/hold.err" || break
	el=$(jpy "$TMP/hold.json" 'd["elapsed_ns"]')
	le "$el" 130000000 && break
	diag "try $try: elapsed $el ns, retrying"
done
[ -s "$TMP/hold.json" ]
ok $? "testvmm --pio 500 --hold-us 200 --rt-prio 1 runs"
el=$(jpy "$TMP/hold.json" 'd["elapsed_ns"]')
hold=$(jpy "$TMP/hold.json" 'd["hold_ns"]')
us=$(jpy "$TMP/hold.json" 'd["userspace_ns"]')
kr=$(jpy "$TMP/hold.json" 'd["kvm_run_ns"]')
diag "elapsed $el ns, hold $hold ns, userspace $us ns, in KVM_RUN $kr ns"
ge "$el" 100000000; ok $? "elapsed_ns >= 500 x 200 us ($el)"
le "$el" 130000000; ok $? "elapsed_ns within +30% of 100 ms ($el)"
ge "$hold" 100000000 && le "$hold" "$us" && le "$us" "$el"
ok $? "100 ms <= hold_ns <= userspace_ns <= elapsed_ns"

# --wait-start: the named vCPU thread exists and the guest has not run.
mkfifo "$TMP/start"
"$VMM" --pio 10 --mmio 10 --wait-start <"$TMP/start" >"$TMP/ws.json" 2>"$TMP/ws.err" &
VPID=$!
exec {IN}>"$TMP/start"
for _ in $(seq 50); do grep -q ready "$TMP/ws.err" && break; sleep 0.1; done
tid=$(sed -n 's/.*vcpu_tid=\([0-9]*\).*/\1/p' "$TMP/ws.err")
[ -n "$tid" ] && [ "$(cat "/proc/$VPID/task/$tid/comm" 2>/dev/null)" = "CPU 0/KVM" ]
ok $? "--wait-start: ready line names vCPU thread $tid, comm 'CPU 0/KVM'"
[ ! -s "$TMP/ws.json" ] && kill -0 "$VPID" 2>/dev/null
ok $? "--wait-start: guest held until a start line"
echo go >&$IN
exec {IN}>&-
IN=""
wait "$VPID"
rc=$?
VPID=""
[ "$rc" -eq 0 ] && [ "$(jpy "$TMP/ws.json" 'd["pio_exits"] + d["mmio_exits"]')" -eq 20 ]
ok $? "--wait-start: guest ran after the start line"

# Failures: one line on stderr, non-zero exit.
mkdir "$TMP/nodev"
unshare -m sh -c "mount --bind '$TMP/nodev' /dev && exec '$VMM'" >"$TMP/nodev.out" 2>"$TMP/nodev.err"
rc=$?
[ "$rc" -ne 0 ] && [ "$(wc -l <"$TMP/nodev.err")" -eq 1 ] && grep -q '/dev/kvm' "$TMP/nodev.err" &&
	[ ! -s "$TMP/nodev.out" ]
ok $? "no /dev/kvm: exit $rc, one line: $(cat "$TMP/nodev.err")"
"$VMM" --pio 4000000000 --timeout-ms 200 >"$TMP/to.out" 2>"$TMP/to.err"
rc=$?
[ "$rc" -ne 0 ] && [ "$(wc -l <"$TMP/to.err")" -eq 1 ] && grep -q 'timed out' "$TMP/to.err"
ok $? "guest that never halts: exit $rc, one line: $(cat "$TMP/to.err")"
"$VMM" --addr 0x8000 >/dev/null 2>"$TMP/addr.err"
rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/addr.err")" -eq 1 ]
ok $? "MMIO address inside guest RAM refused: exit $rc"

done_testing
