#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 16-hostile.t - hostile conditions (docs/failures.md): Docker absent or
# unreachable, no root, missing capabilities, no BTF, a missing tracepoint
# family, netfilter BPF unsupported, BPF maps full, output disk full or
# read-only, a symlink in a shared directory, a port in use, and two vtax
# runs at once.  Each: one clear line, the exit status the table states,
# nothing left behind (state files, BPF links, vtax objects, temp files).
# Mounts are made in a private mount namespace (unshare -m): they vanish
# with it.  Runtime ~40 s (the two concurrent compares are most of it).
. "$(dirname "$0")/lib.sh"
need_root
cd "$ROOT" || exit 1
V=$PWD/${VTAX_TEST_BUILD:-build}/vtax
[ -x "$V" ] || skip_all "$V not built"
TMP=$(mktemp -d /tmp/vtax-hostile.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# expect DESC RC PATTERN -- cmd...: exit status RC ("nz": any non-zero),
# exactly one stderr line matching PATTERN
expect() {
	local d=$1 want=$2 pat=$3 rc lines; shift 3; [ "$1" = "--" ] && shift
	timeout 120 "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	lines=$(grep -vc '^$' "$TMP/err")
	if { [ "$want" = nz ] && [ $rc -ne 0 ] && [ $rc -ne 124 ]; } || [ "$rc" = "$want" ]; then
		[ "$lines" -eq 1 ] && grep -q -- "$pat" "$TMP/err"
		ok $? "$d: exit $rc, '$(head -1 "$TMP/err")'"
	else
		ok 1 "$d: exit $rc (want $want), $lines lines: $(head -3 "$TMP/err" | tr '\n' '|')"
	fi
}
# the runs of this test keep their state files in a directory of its own
# (VTAX_STATE_DIR), so that other runs on the machine are not counted
export VTAX_STATE_DIR=$TMP/state
mkdir -m 700 "$VTAX_STATE_DIR"
nothing_left() { # DESC: no state file left = everything the runs made was removed
	local leftover
	leftover=$(ls -A "$VTAX_STATE_DIR")
	[ -z "$leftover" ]; ok $? "$1: no state file left${leftover:+ ($leftover)}"
}
LINKS0=$(bpf_unheld_links)

# -- Docker absent or unreachable (never the real daemon: a dead socket, a PATH without docker)
expect "compare, Docker unreachable" 3 "docker-nat failed.*not answering" -- \
	env DOCKER_HOST=unix://$TMP/dead.sock "$V" compare --quick -d 0.5 --envs docker-nat -o "$TMP/c.txt"
nothing_left "Docker unreachable"
mkdir "$TMP/bin"
for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
	for f in "$d"/*; do
		b=${f##*/}
		case $b in docker | dockerd | docker-proxy | containerd*) continue ;; esac
		[ -e "$TMP/bin/$b" ] || ln -s "$f" "$TMP/bin/$b" 2>/dev/null
	done
done
expect "compare, no docker installed" 1 "missing docker" -- \
	env PATH="$TMP/bin" "$V" compare --quick -d 0.5 --envs docker-nat -o "$TMP/c.txt"
expect "attach --container, no docker installed" nz "docker is not installed" -- \
	env PATH="$TMP/bin" "$V" attach --container x --duration 1
nothing_left "no docker"

# -- privileges
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	for c in "compare --quick --envs native" "attach --all -d 1" "cleanup"; do
		# shellcheck disable=SC2086
		expect "not root: $c" nz "must run as root" -- setpriv --reuid=nobody --regid=nogroup --clear-groups "$V" $c
	done
else
	skip "no nobody user or setpriv"
fi
if command -v capsh >/dev/null; then
	expect "root without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN" 1 "Operation not permitted" -- \
		capsh --drop=cap_bpf,cap_perfmon,cap_sys_admin -- -c "exec $V run -o /dev/null -- true"
else
	skip "no capsh"
fi

# -- kernel: no BTF (hidden by a tmpfs in a private mount namespace: real, not simulated)
expect "no BTF" 1 "no BTF" -- unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf && exec $V run -o /dev/null -- true"
# a missing tracepoint family and netfilter BPF: simulated (VTAX_TEST_UNAVAILABLE, test-only)
expect "a family missing, not asked for (simulated)" 0 "kvm probes unavailable" -- \
	env VTAX_TEST_UNAVAILABLE=kvm "$V" run -o /dev/null -- true
expect "the only family asked for is missing (simulated)" 1 "cannot load kvm probes" -- \
	env VTAX_TEST_UNAVAILABLE=kvm "$V" run --probes kvm -o /dev/null -- true
expect "netfilter BPF unsupported (simulated)" 0 "no netfilter time" -- \
	env VTAX_TEST_UNAVAILABLE=netfilter "$V" run --probes net -f json -o "$TMP/nf.json" -- true
jpy "$TMP/nf.json" 'sum(c["value"] for s in d["subjects"] for c in s.get("counters",[]) if c["name"]=="netfilter_links")' >"$TMP/nfl" 2>/dev/null
[ "$(cat "$TMP/nfl")" = "0" ] || [ "$(cat "$TMP/nfl")" = "0.0" ] || [ ! -s "$TMP/nfl" ]
ok $? "and the result has no netfilter links ($(cat "$TMP/nfl"))"

# -- BPF maps full: the smallest histogram map under a fork+syscall burst
# (the burst runs until vtax is done, bounded to 60 s, so it overlaps the
# traced window however long vtax takes to load)
( end=$((SECONDS + 60)); while [ ! -e "$TMP/burst.stop" ] && [ $SECONDS -lt $end ]; do
	/bin/true; ls / >/dev/null; cat /proc/self/stat >/dev/null; done ) &
B=$!
expect "BPF maps full" 0 "BPF maps full" -- "$V" attach --all --max-hists 64 -d 3 -f json -o "$TMP/m.json"
touch "$TMP/burst.stop"
wait $B
# the map reaches capacity; whether samples are lost depends on whether the
# spill ring keeps up, so the check is that the result and the line agree
cap=$(jpy "$TMP/m.json" 'int(d["drops"]["hist_map_at_capacity"])' 2>/dev/null)
lost=$(jpy "$TMP/m.json" 'int(d["drops"]["hist_spill_lost"] + d["drops"]["hist_map_full"])' 2>/dev/null)
if [ "${lost:-0}" -gt 0 ]; then grep -q " $lost events not counted" "$TMP/err"; else grep -q "0 events lost" "$TMP/err"; fi
ok $? "and the result records the map at capacity (${cap:-none}) and what was lost (${lost:-none}), as the line says"
[ "${cap:-0}" -ge 1 ]; ok $? "the 64-key histogram map was at capacity (${cap:-none})"

# -- output: disk full, read-only, a symlink in a shared directory
mkdir "$TMP/full" "$TMP/ro"
expect "output disk full" 1 "No space left on device" -- unshare -m sh -c \
	"mount -t tmpfs -o size=12k none '$TMP/full' && dd if=/dev/zero of='$TMP/full/fill' bs=1k count=8 2>/dev/null &&
	 $V run -f json -o '$TMP/full/out.json' -- true; rc=\$?; ls -A '$TMP/full' >'$TMP/full.ls'; exit \$rc"
[ "$(cat "$TMP/full.ls")" = "fill" ]; ok $? "disk full: no partial output or temp file left ($(tr '\n' ' ' <"$TMP/full.ls"))"
expect "output directory read-only" 1 "Read-only file system" -- unshare -m sh -c \
	"mount -t tmpfs -o ro,size=64k none '$TMP/ro' && exec $V run -o '$TMP/ro/out.json' -- true"
mkdir -m 1777 "$TMP/shared"
echo precious >"$TMP/victim"
ln -s "$TMP/victim" "$TMP/shared/out.json"
expect "output is a symlink in a shared (sticky) directory" 1 "symlink in a shared directory" -- \
	"$V" run -o "$TMP/shared/out.json" -- true
[ "$(cat "$TMP/victim")" = precious ] && [ -L "$TMP/shared/out.json" ]
ok $? "the symlink's target is untouched"
ln -s "$TMP/victim" "$TMP/shared/progress"
"$V" compare --quick --envs native --progress-log "$TMP/shared/progress" -o "$TMP/c.txt" 2>"$TMP/err"
[ $? -ne 0 ] && [ "$(cat "$TMP/victim")" = precious ]; ok $? "--progress-log through a symlink: refused ($(head -1 "$TMP/err"))"

# -- a port already in use
python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1',0)); s.listen(); open('$TMP/port','w').write(str(s.getsockname()[1])); time.sleep(15)" &
H=$!
for i in $(seq 1 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
expect "serve: port in use" 1 "Address already in use" -- "$V" serve --listen "127.0.0.1:$(cat "$TMP/port")" -d 2
kill $H 2>/dev/null; wait $H 2>/dev/null

# -- SIGHUP (a closed terminal) ends a run like SIGINT/SIGTERM (60-compare-signal.t):
# torn down, exit 130, its state file gone
"$V" compare --quick -d 2 --warmup 0.2 --no-untraced --envs native --progress-log "$TMP/hup.log" \
	-o "$TMP/hup.txt" >/dev/null 2>"$TMP/err" &
H=$!
for i in $(seq 1 300); do grep -q "measure" "$TMP/hup.log" 2>/dev/null && break; sleep 0.1; done
kill -HUP $H; wait $H; rc=$?
[ $rc -eq 130 ] && [ ! -e "$VTAX_STATE_DIR/$H.state" ]
ok $? "SIGHUP while measuring: exit $rc, its state file gone: all it made removed ($(tail -1 "$TMP/err"))"

# -- serve: loopback unless told otherwise; a non-loopback address warns
P4=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
timeout 20 "$V" serve --listen "0.0.0.0:$P4" -d 1 >/dev/null 2>"$TMP/err"
grep -q "warning: --listen 0.0.0.0:$P4 is not a loopback address" "$TMP/err"; ok $? "serve on 0.0.0.0 warns ($(head -1 "$TMP/err"))"
"$V" serve --help | grep -q "default 127.0.0.1:"; ok $? "serve's default address is loopback"
timeout 20 "$V" serve --listen "127.0.0.1:$P4" -d 1 >/dev/null 2>"$TMP/err"
! grep -q "warning" "$TMP/err"; ok $? "serve on 127.0.0.1 does not warn"

# -- two runs at once never take each other's resources
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
	for k in 1 2; do
		"$V" compare --quick -d 1 --warmup 0.2 --no-untraced --envs native,docker-nat -f json \
			-o "$TMP/two$k.json" 2>"$TMP/two$k.err" &
		eval "P$k=\$!"
		sleep 0.3
	done
	# while both run: each has its own state file; cleanup --dry-run touches neither
	sleep 4
	s1=$(ls "$VTAX_STATE_DIR/$P1.state" 2>/dev/null) s2=$(ls "$VTAX_STATE_DIR/$P2.state" 2>/dev/null)
	"$V" cleanup --dry-run >"$TMP/dry" 2>&1
	wait "$P1"; r1=$?
	wait "$P2"; r2=$?
	[ -n "$s1" ] && [ -n "$s2" ]; ok $? "two runs: one state file each"
	! grep -qE "$P1|$P2" "$TMP/dry"; ok $? "two runs: cleanup --dry-run lists nothing of either ($(tail -1 "$TMP/dry"))"
	[ $r1 -eq 0 ] && [ $r2 -eq 0 ]; ok $? "two runs at once both measure every environment (exit $r1, $r2: $(tail -1 "$TMP/two1.err") $(tail -1 "$TMP/two2.err"))"
	n1=$(jpy "$TMP/two1.json" 'len([e for e in d["environments"] if not e.get("error")])' 2>/dev/null)
	n2=$(jpy "$TMP/two2.json" 'len([e for e in d["environments"] if not e.get("error")])' 2>/dev/null)
	[ "$n1" = 2 ] && [ "$n2" = 2 ]; ok $? "and both reports hold two environments ($n1, $n2)"
	nothing_left "two runs"
	docker ps -aq --filter "label=vtax.pid=$P1" --filter "label=vtax.pid=$P2" | grep -q .; [ $? -ne 0 ]
	ok $? "two runs: no container of either left"
else
	skip "Docker not running: two concurrent runs need docker-nat"
fi

sleep 0.5
L1=$(bpf_unheld_links)
[ "$L1" -le "$LINKS0" ]; ok $? "no BPF link left that no process holds ($L1 vs $LINKS0 before)"
done_testing
