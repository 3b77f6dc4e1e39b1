#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The `make bench` harness (bench/bench.sh) must not rot: one round at tiny
# sizes (BENCH_SMOKE=1) must give a figure for every (row, configuration)
# pair (untraced, A/A, empty floors, least probe, vtax, vtax --sample,
# attach --all, bpftrace; getppid, sched, tcp, kv rows), write the markdown table, and
# leave no namespace or redis-server behind, and restore the BPF run-time
# statistics switch its calibration passes turn on.  Timing figures themselves are
# not asserted (a shared 2-vCPU host).  Runtime: ~30-60 s.
. "$(dirname "$0")/lib.sh"
need_root
command -v bpftrace >/dev/null || skip_all "bpftrace not installed (scripts/setup.sh)"
command -v redis-server >/dev/null || skip_all "redis-server not installed"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

stats0=$(sysctl -n kernel.bpf_stats_enabled)
BENCH_SMOKE=1 BENCH_OUT="$TMP/RESULTS.md" BENCH_DATA="$TMP/samples" \
	timeout 240 bash "$ROOT/bench/bench.sh" >"$TMP/out" 2>"$TMP/err"
ok $? "bench.sh (smoke) exits 0" || sed 's/^/# /' "$TMP/err"
n=$(wc -l <"$TMP/samples")
# getppid 7 configurations x (wall, CPU), sched 6 x 2, tcp 5, kv 12 x (p50, CPU, mean)
ok $([ "$n" -eq 67 ] && echo 0 || echo 1) "67 (row, configuration) samples ($n)"
bad=$(awk '$4 !~ /^[0-9]+(\.[0-9]+)?$/ { print $2 "/" $3 }' "$TMP/samples" | tr '\n' ' ')
ok $([ -z "$bad" ] && echo 0 || echo 1) "every configuration produced a figure (${bad:-all})"
for h in "getppid loop" "sched ping-pong" "TCP ping-pong" "redis kv"; do
	grep -q "^### $h" "$TMP/RESULTS.md"
	ok $? "RESULTS.md has the $h table"
done
grep -q '^| vtax attach --all | [0-9,]* |' "$TMP/RESULTS.md"
ok $? "the kv table has an attach --all row with a figure"
grep -q "^| vtax attached to an idle process (kv's traffic foreign to it) | [0-9,]* |" "$TMP/RESULTS.md"
ok $? "the kv table has a foreign-traffic row with a figure"
grep -q "^| empty programs on kv's plan hooks (net, netfilter) | [0-9,]* |" "$TMP/RESULTS.md"
ok $? "the kv table has the plan's floor with a figure"
grep -q "^| vtax, netfilter brackets whole (--sample-netfilter off) | [0-9,]* |" "$TMP/RESULTS.md"
ok $? "the kv table has the plan with the netfilter brackets whole, with a figure"
[ "$(grep -c '^| vtax --sample (duty-cycled: gated at the edges, links released in long gaps) | [0-9,]* |' "$TMP/RESULTS.md")" -ge 4 ]
ok $? "getppid and kv tables have a --sample row with a figure"
grep -q 'PM QoS held' "$TMP/RESULTS.md" && grep -q 'model\|CPUs' "$TMP/RESULTS.md"
ok $? "RESULTS.md states the method and the machine"
left=$(ip netns list 2>/dev/null | grep -c "bn[0-9]" || true)
ok $([ "$left" -eq 0 ] && echo 0 || echo 1) "no bench namespace left behind"
ok $([ "$(sysctl -n kernel.bpf_stats_enabled)" = "$stats0" ] && echo 0 || echo 1) "BPF run-time statistics restored ($stats0)"
done_testing
