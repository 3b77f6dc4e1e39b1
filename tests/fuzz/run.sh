#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# run.sh OUT SECONDS - replay each harness's regression inputs, then fuzz it
# for SECONDS from its seed corpus; print executions per harness; exit
# non-zero on any crash (the input is kept in OUT/crash-NAME-*: add it to
# tests/fuzz/regress/NAME/ once fixed).  Why: docs/failures.md, tests/fuzz/README.
set -u
out=$1 secs=$2 here=$(cd "$(dirname "$0")" && pwd) fail=0 total=0
for bin in "$out"/fuzz/*; do
	[ -x "$bin" ] || continue
	name=${bin##*/}
	work="$out/corpus/$name"
	mkdir -p "$work"
	if [ -d "$here/regress/$name" ] && [ -n "$(ls -A "$here/regress/$name")" ]; then
		if ! "$bin" "$here/regress/$name"/* >"$out/$name.regress.log" 2>&1; then
			echo "fuzz $name: a regression input crashes again (see $out/$name.regress.log)"
			fail=1
		fi
	fi
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/crash-$name-" "$work" "$here/corpus/$name" >"$out/$name.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$name.log")
	total=$((total + ${execs:-0}))
	if [ $rc -ne 0 ]; then
		echo "fuzz $name: CRASH after ${execs:-?} executions (see $out/$name.log, $out/crash-$name-*)"
		grep -m3 'ERROR\|SUMMARY' "$out/$name.log"
		fail=1
	else
		echo "fuzz $name: ${execs:-?} executions in ${secs}s, no crash"
	fi
done
echo "fuzz: $total executions in all"
exit $fail
