#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# vtax's own footprint with the default families (issue 11): the result
# states the kernel memory of its BPF maps and its RSS, both under budget
# (maps < 64 MiB, RSS < 32 MiB), and the syscall fast path keeps exact
# counts (N getppid calls -> N samples, through the per-CPU slots).
# `vtax doctor` states the same map memory.
# Runtime: ~5 s.
. "$(dirname "$0")/lib.sh"
need_root
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

"$VTAX" run --format json -o "$TMP/r.json" -- "$FIX/getppid_n" 54321 >/dev/null 2>"$TMP/err"
ok $? "vtax run (default families)"
maps=$(jpy "$TMP/r.json" 'd["footprint"]["bpf_map_bytes"]')
rss=$(jpy "$TMP/r.json" 'd["footprint"]["rss_bytes"]')
diag "BPF maps $((maps / 1048576)) MiB, RSS $((rss / 1048576)) MiB"
ok $([ "$maps" -gt 0 ] && [ "$maps" -lt $((64 << 20)) ] && echo 0 || echo 1) "BPF map memory stated and < 64 MiB ($maps)"
ok $([ "$rss" -gt 0 ] && [ "$rss" -lt $((32 << 20)) ] && echo 0 || echo 1) "RSS stated and < 32 MiB ($rss)"
n=$(hsum "$TMP/r.json" pid: syscall getppid part=total count)
ok $([ "$n" = 54321 ] && echo 0 || echo 1) "getppid counted exactly through the fast path ($n)"
"$VTAX" run -- true 2>/dev/null | grep -q "vtax's own footprint: BPF maps"
ok $? "the text report states the footprint"
# doctor states the same figure for a default run, as the kernel accounts it
dm=$("$VTAX" doctor 2>/dev/null | sed -n 's/.*BPF map memory *yes *\([0-9.]*\) MiB.*/\1/p')
ok $(python3 -c "import sys; sys.exit(0 if '$dm' and abs(float('$dm') * 1048576 - $maps) <= 0.1 * $maps else 1)" && echo 0 || echo 1) \
	"doctor's BPF map memory (${dm:-none} MiB) is the run's within 10% ($((maps / 1048576)) MiB)"
done_testing
