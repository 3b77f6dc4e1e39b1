#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Bad input: one clear line on stderr, non-zero exit, nothing left attached.
. "$(dirname "$0")/lib.sh"
need_root
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
LINKS0=$(bpf_unheld_links)

bad() { # bad DESCRIPTION PATTERN -- cmd...
	local d=$1 pat=$2; shift 2; [ "$1" = "--" ] && shift
	timeout 20 "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$? lines
	lines=$(wc -l <"$TMP/err")
	if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ "$lines" -eq 1 ] && grep -q -- "$pat" "$TMP/err"; then
		ok 0 "$d: exit $rc, '$(cat "$TMP/err")'"
	else
		ok 1 "$d: exit $rc, $lines lines: $(head -3 "$TMP/err")"
	fi
}
bad "unknown command" "unknown command" -- "$VTAX" frobnicate
bad "unknown option" "unknown option" -- "$VTAX" run --no-such-option -- true
bad "option missing its value" "needs a value" -- "$VTAX" attach --duration
for c in compare export serve doctor; do
	bad "$c: unknown option" "unknown option\|unexpected argument" -- "$VTAX" $c --no-such-option
done
bad "compare: unknown environment" "" -- "$VTAX" compare --envs native,moon
bad "compare: unknown workload" "" -- "$VTAX" compare --workload nosql
bad "run without a command" "no command" -- "$VTAX" run
bad "attach without a target" "no target" -- "$VTAX" attach --duration 1
bad "pid that does not exist" "no such process" -- "$VTAX" attach --pid 4000000 --duration 1
bad "pid that is not a number" "not a process id" -- "$VTAX" attach --pid abc
bad "cgroup path that is not a cgroup" "not a cgroup" -- "$VTAX" attach --cgroup /tmp --duration 1
bad "cgroup path that does not exist" "No such file" -- "$VTAX" attach --cgroup /sys/fs/cgroup/cpu/vtax-nope --duration 1
bad "bad duration" "duration" -- "$VTAX" attach --pid 1 --duration -3
bad "unknown probe family" "unknown probe family" -- "$VTAX" run --probes syscall,bogus -- true
bad "unknown format" "unknown format" -- "$VTAX" run --format yaml -- true
bad "unwritable output" "cannot write" -- "$VTAX" run -o /proc/vtax-nope/out.json -- true
bad "unwritable ready file" "ready-file: cannot write" -- "$VTAX" run --ready-file /proc/vtax-nope/ready -- true
bad "empty ready file" "ready-file: needs a path" -- "$VTAX" run --ready-file "" -- true
# --ready-file: there while tracing, gone after; the command starts after it
"$VTAX" run --probes sched --ready-file "$TMP/ready" -o /dev/null -- sh -c "cat '$TMP/ready' > '$TMP/ready.seen'" 2>/dev/null
grep -q "^ready pid=[0-9]* subjects=1$" "$TMP/ready.seen" && [ ! -e "$TMP/ready" ]
ok $? "--ready-file: the command saw '$(cat "$TMP/ready.seen" 2>/dev/null)', and it is removed at the end"
rm -f "$TMP/ready.seen"
bad "container when Docker is unreachable" "Docker is not running" -- env DOCKER_HOST=unix:///nonexistent.sock "$VTAX" attach --container x --duration 1
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	bad "not root" "must run as root" -- setpriv --reuid=nobody --regid=nogroup --clear-groups "$VTAX" run -- true
else
	skip "no nobody user or setpriv"
fi
# an unwritable output is found before the command runs (it must not run)
"$VTAX" run -o /proc/vtax-nope/out.json -- touch "$TMP/ran" 2>/dev/null
[ ! -e "$TMP/ran" ]; ok $? "unwritable output: refused before the command ran"
bad "command that does not exist" "cannot run" -- "$VTAX" run -o "$TMP/nocmd.json" -- "$TMP/no-such-cmd"
[ -z "$(ls -A "$TMP" | grep -v '^out$\|^err$')" ]
ok $? "and it left no output or temp file in the output directory ($(ls -A "$TMP" | tr '\n' ' '))"
"$VTAX" run -o /dev/null -- true 2>/dev/null
[ -c /dev/null ]; ok $? "-o /dev/null writes to the device, never replaces it"
# the output directory after a write that fails half-way (a full tmpfs, in a private mount namespace)
mkdir "$TMP/full"
unshare -m sh -c "mount -t tmpfs -o size=12k none '$TMP/full' && dd if=/dev/zero of='$TMP/full/fill' bs=1k count=8 2>/dev/null &&
	'$VTAX' run -f json -o '$TMP/full/r.json' -- true 2>/dev/null; ls -A '$TMP/full' >'$TMP/full.ls'"
[ "$(cat "$TMP/full.ls")" = fill ]; ok $? "no temp files left in the output directory after a failed write ($(tr '\n' ' ' <"$TMP/full.ls"))"
rm -rf "$TMP/full" "$TMP/full.ls"

# a target that exits mid-run ends the run with what was collected
# The target starts its 50 x 10 ms sleeps only once vtax is attached and
# waiting (its first --interval summary on stderr; a FIFO gate), so the run
# cannot race vtax's start-up on a loaded host.
mkfifo "$TMP/go"
( read -r _ <"$TMP/go"; exec "$FIX/sleeper" 50 10 ) & P=$!
timeout 90 "$VTAX" attach --interval 1 --pid $P --format json -o "$TMP/a.json" 2>"$TMP/err" & V=$!
for _ in $(seq 600); do
	grep -qs '^vtax: last' "$TMP/err" && break
	sleep 0.1
done
echo go >"$TMP/go"
wait $V
ok $? "attach ends by itself when the target exits$(grep -v "^vtax: last\|^pid:" "$TMP/err" | head -1 | sed "s/^/: /")"
n=$(hsum "$TMP/a.json" pid: syscall "" "part=total" count)
ge "$n" 1; ok $? "and reports what it collected ($n syscalls)"

# Ctrl-C ends a run cleanly with a report, and detaches everything
"$VTAX" attach --all --format json -o "$TMP/int.json" 2>"$TMP/err" & V=$!
sleep 2; kill -INT $V; wait $V; rc=$?
[ $rc -eq 0 ] && [ -s "$TMP/int.json" ]; ok $? "SIGINT ends attach --all with a report (exit $rc)"
python3 -c "import json; d=json.load(open('$TMP/int.json')); assert any(s['id']=='host' for s in d['subjects'])"
ok $? "--all has a host subject"
sleep 0.5
L1=$(bpf_unheld_links)
[ "$L1" -le "$LINKS0" ]; ok $? "no BPF link left that no process holds ($L1 vs $LINKS0 before; other runs' links are held by them)"
done_testing
