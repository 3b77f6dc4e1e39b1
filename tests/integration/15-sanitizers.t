#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# vtax's userspace under ASan/UBSan (build-san/, `make SAN=1`) and under
# valgrind memcheck, on real tracing sessions: loading, collecting, the
# result model, JSON and text reports, Ctrl-C.  Any report fails the test.
. "$(dirname "$0")/lib.sh"
need_root
[ -x "$VTAX_SAN" ] || skip_all "no ASan build (make SAN=1)"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87

"$VTAX_SAN" run --format json -o "$TMP/a.json" -- "$FIX/getppid_n" 20000 >/dev/null 2>"$TMP/asan1"
rc=$?; [ $rc -eq 0 ] && ! grep -q Sanitizer "$TMP/asan1"; ok $? "ASan/UBSan: run + JSON (exit $rc)"
"$VTAX_SAN" run --hist --top 50 -- sh -c "ls / >/dev/null; '$FIX/sleeper' 5 4" >/dev/null 2>"$TMP/asan2"
rc=$?; [ $rc -eq 0 ] && ! grep -q Sanitizer "$TMP/asan2"; ok $? "ASan/UBSan: run + text report with bars (exit $rc)"
"$VTAX_SAN" attach --all --interval 0.5 --duration 1.5 -o "$TMP/all.txt" 2>"$TMP/asan3"
rc=$?; [ $rc -eq 0 ] && ! grep -q Sanitizer "$TMP/asan3"; ok $? "ASan/UBSan: attach --all with live intervals (exit $rc)"
"$VTAX_SAN" attach --pid 4000000 2>"$TMP/asan4"; ! grep -q Sanitizer "$TMP/asan4"; ok $? "ASan/UBSan: error path"
# a subject with no events at all (a process asleep the whole time): once a
# qsort(NULL, 0) that UBSan rejects
"$FIX/sleeper" 3000 1 & SL=$!
"$VTAX_SAN" attach --pid $SL --probes syscall --duration 1 --format json -o "$TMP/e.json" 2>"$TMP/asan5"
rc=$?; kill $SL 2>/dev/null; wait $SL 2>/dev/null
[ $rc -eq 0 ] && ! grep -q Sanitizer "$TMP/asan5"; ok $? "ASan/UBSan: a subject without events (exit $rc)"
# --sample's threads: the sampler switching the gate, parking the links in
# gaps of ~290 ms and making them again, the reaper releasing them
"$FIX/sleeper" 5 400 & SL=$!
"$VTAX_SAN" attach --pid $SL --probes syscall,sched,net --sample 10ms/300ms --duration 2 --format json \
	-o "$TMP/s.json" 2>"$TMP/asan7"
rc=$?; kill $SL 2>/dev/null; wait $SL 2>/dev/null
[ $rc -eq 0 ] && ! grep -q Sanitizer "$TMP/asan7" && grep -q '"windows"' "$TMP/s.json"
ok $? "ASan/UBSan: attach --sample, links parked in the gaps (exit $rc)"
# --sample-netfilter: the netfilter links switched alone, the packet
# counter read at every edge, on loopback traffic
"$VTAX_SAN" run --probes net --sample-netfilter 10ms/50ms --format json -o "$TMP/nf.json" -- \
	"$FIX/tcp_pingpong" both -p $((30000 + $$ % 20000)) -n 5000 -t 60 >/dev/null 2>"$TMP/asan8"
rc=$?
[ $rc -eq 0 ] && ! grep -q Sanitizer "$TMP/asan8" && grep -q '"scope": *"netfilter"' "$TMP/nf.json"
ok $? "ASan/UBSan: run --sample-netfilter on loopback traffic (exit $rc)"
# compare (native, redis): the remote client's namespace, the load generator,
# the ledger and the text report under ASan/UBSan
if command -v redis-server >/dev/null; then
	"$VTAX_SAN" compare --quick --duration 1 --warmup 0 --envs native -o "$TMP/cmp.txt" 2>"$TMP/asan6"
	rc=$?
	[ $rc -eq 0 ] && ! grep -q Sanitizer "$TMP/asan6" && grep -q "^vtax compare" "$TMP/cmp.txt"
	ok $? "ASan/UBSan: compare native with the remote client (exit $rc)"
else
	skip "redis-server not installed"
fi
for u in "$ROOT"/build-san/tests/*; do
	[ -x "$u" ] || continue
	"$u" >"$TMP/u.out" 2>"$TMP/u.err"; rc=$?
	[ $rc -eq 0 ] && ! grep -q Sanitizer "$TMP/u.err"; ok $? "ASan/UBSan: unit test $(basename "$u") (exit $rc)"
done
if command -v valgrind >/dev/null; then
	VG=(valgrind -q --suppressions="$ROOT/tests/valgrind.supp" --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite)
	"${VG[@]}" "$VTAX" run --format json -o "$TMP/v.json" -- "$FIX/getppid_n" 1000 >/dev/null 2>"$TMP/vg1"
	rc=$?; ok $rc "valgrind: run + JSON clean (exit $rc)"; [ $rc -ne 0 ] && sed 's/^/# /' "$TMP/vg1" | grep -v 'unhandled eBPF' | head -30
	"${VG[@]}" "$VTAX" attach --all --duration 1 --top 5 >/dev/null 2>"$TMP/vg2"
	rc=$?; ok $rc "valgrind: attach --all + text clean (exit $rc)"; [ $rc -ne 0 ] && sed 's/^/# /' "$TMP/vg2" | grep -v 'unhandled eBPF' | head -30
	"${VG[@]}" "$VTAX" attach --all --probes syscall,sched --sample 10ms/300ms --duration 2 -o /dev/null 2>"$TMP/vg4"
	rc=$?; ok $rc "valgrind: attach --sample (parking) clean (exit $rc)"; [ $rc -ne 0 ] && sed 's/^/# /' "$TMP/vg4" | grep -v 'unhandled eBPF' | head -30
	if command -v redis-server >/dev/null; then
		"${VG[@]}" "$VTAX" compare --quick --duration 1 --warmup 0 --no-untraced --envs native \
			-o "$TMP/vcmp.txt" 2>"$TMP/vg3"
		rc=$?; ok $rc "valgrind: compare native clean (exit $rc)"; [ $rc -ne 0 ] && sed 's/^/# /' "$TMP/vg3" | grep -v 'unhandled eBPF' | head -30
	fi
else
	skip "valgrind not installed"
fi
done_testing
