#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 90-kill9.t - SIGKILL `vtax compare` at 20 moments spread over the set-up,
# runs and teardown of native, docker-nat and vm; after `vtax cleanup` the
# host holds nothing of the killed run, and its lists (namespaces, links,
# iptables/nft rules, containers, images, networks, volumes, mounts, cgroups,
# processes, BPF links) are as before.
#
# Moments are phases of --progress-log plus a delay, so no reference run is
# needed: the kill lands in the phase it names however fast the host is.
# native/docker-nat kills run `--envs native,docker-nat`, vm kills `--envs vm`
# (QEMU under TCG: ~70 s to boot).  In `make test` it runs 7 moments (6
# native/docker-nat, the vm teardown: ~2.5 min on a quiet host); `make kill9`
# (VTAX_KILL9_FULL=1) runs all 20: ~7 min on a quiet host, 20 min measured
# on a shared one at load 20.  A moment the run never reaches (its set-up
# failed) is skipped, after checking that the failed run left nothing.
#
# The machine is shared: other runs create and remove vtax objects at the
# same time.  Per kill, everything that names the killed run (its PID, its
# container's and network's ids, its programs, its processes, its state
# file's entries) must be gone; at the end the whole lists must be equal to
# the first snapshot, except for lines of runs that are still alive.
. "$(dirname "$0")/lib.sh"
compare_test_needs docker qemu-system-x86_64 iptables-save
TMP=$(mktemp -d /tmp/vtax-kill9.XXXXXX)
cleanup() {
	[ -n "${V:-}" ] && kill -KILL "$V" 2>/dev/null
	"$vtax" cleanup -q >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
T0=$(date +%s)

# one line per object, stable across runs: names, not counters
snapshot() {
	{
		ip netns list | awk '{print "netns " $1}'
		ip -o link show | awk -F': ' '{print "link " $2}' | sed 's/@.*//'
		iptables-save 2>/dev/null | grep -v '^[#:]' | sed 's/^/ipt /'
		command -v nft >/dev/null && nft list ruleset 2>/dev/null | grep -v 'counter packets\|^\s*$' | sed 's/^/nft /'
		docker ps -a --format 'container {{.Names}} {{.Image}} {{.Label "vtax.pid"}}'
		docker images -q | sort -u | xargs -r docker image inspect -f 'image {{.RepoTags}} {{.Id}} {{index .Config.Labels "vtax.pid"}}' 2>/dev/null | sed 's/sha256://'
		docker network ls --format 'network {{.Name}} {{.ID}}'
		docker volume ls --format 'volume {{.Name}}'
		awk '{print "mount " $2 " " $3}' /proc/self/mounts
		find /sys/fs/cgroup -maxdepth 3 -type d 2>/dev/null | sed 's/^/cgroup /'
		# processes adopted by init: what a killed run's children become
		ps -eo ppid=,pid=,comm= | awk '$1 == 1 {print "proc " $3 " " $2}'
		# BPF links with the PID holding them (fdinfo link_id), so that a live
		# run's links are told apart; ids change per run, so count per owner
		grep -s '^link_id:' /proc/[0-9]*/fdinfo/* 2>/dev/null | awk -F/ '{print "bpflink owner " $3}' | sort | uniq -c |
			awk '{print $2, $3, $4, "x" $1}'
		ls /run/vtax 2>/dev/null | sed 's/^/state /'
	} | sort
}

# Lines of other runs on this shared machine are set aside (VTAX_KILL9_STRICT=1
# on a quiet host: none are): Docker objects, bridges and cgroups whose ids
# are not our runs', and vtax objects or BPF links named by PIDs not ours.
others() { # reads diff lines, prints those that may be ours
	[ -n "${VTAX_KILL9_STRICT:-}" ] && { cat; return; }
	while IFS= read -r l; do
		# what went away is not a leftover; an orphan is ours if a run of ours started it
		case $l in
		"<"*) continue ;;
		"> proc "*) grep -qx "${l##* }" "$TMP/ourkids" && echo "$l"; continue ;;
		esac
		local hexid p mine=0 named=0
		hexid=$(grep -oE '\b(br-)?[0-9a-f]{12,64}\b' <<<"$l" | head -1)
		if [ -n "$hexid" ]; then
			hexid=${hexid#br-}
			grep -qF "${hexid:0:12}" "$TMP/ourids" && echo "$l"
			continue
		fi
		for p in $(grep -oE '[0-9]{3,7}' <<<"$l"); do
			named=1
			grep -qx "$p" "$TMP/ours" && mine=1
		done
		# a line naming only PIDs that are not ours is another run's
		{ [ $named -eq 0 ] || [ $mine -eq 1 ]; } && echo "$l"
	done
}

"$vtax" cleanup -q >/dev/null 2>&1
snapshot >"$TMP/before"
: >"$TMP/ours"
: >"$TMP/ourids"
: >"$TMP/ourkids"

# kill ENVS PHASE_REGEX DELAY DESCRIPTION
kill_at() {
	local envs=$1 phase=$2 delay=$3 what=$4 log="$TMP/progress" i hit=0 st ids=""
	rm -f "$log"
	# a loaded shared host boots the TCG guest slowly: give set-up room
	local more=""
	[ "$envs" = vm ] && more="--env-timeout 400"
	# shellcheck disable=SC2086
	"$vtax" compare --quick --envs "$envs" -d 1 --warmup 0.2 --no-untraced $more --progress-log "$log" \
		-o "$TMP/out.txt" >/dev/null 2>"$TMP/err" &
	V=$!
	echo "$V" >>"$TMP/ours"
	for i in $(seq 1 3000); do
		grep -qE "$phase" "$log" 2>/dev/null && { hit=1; break; }
		kill -0 "$V" 2>/dev/null || break
		sleep 0.1
	done
	sleep "$delay"
	# what names this run, collected before the kill (the state file is its record)
	st=$(cat "/run/vtax/$V.state" 2>/dev/null)
	for c in $(docker ps -aq --filter "label=vtax.pid=$V" 2>/dev/null); do ids="$ids ${c:0:12}"; done
	for n in $(docker network ls -q --filter "label=vtax.pid=$V" 2>/dev/null); do ids="$ids br-${n:0:12} ${n:0:12}"; done
	kids=$(pgrep -g "$V" 2>/dev/null; pgrep -P "$V" 2>/dev/null)
	kill -KILL "$V" 2>/dev/null
	wait "$V" 2>/dev/null
	V=
	# a docker CLI the run had started finishes its request on its own
	# (bounded by vtax's own timeouts); cleanup comes after it, as a user's would
	for i in $(seq 1 150); do
		local alive=0 k
		for k in $kids; do [ -e "/proc/$k" ] && alive=1; done
		[ $alive -eq 0 ] && break
		sleep 0.1
	done
	for x in $ids; do echo "$x" >>"$TMP/ourids"; done
	for k in $kids; do echo "$k" >>"$TMP/ourkids"; done
	"$vtax" cleanup >"$TMP/clean" 2>&1
	local rc=$? left=""
	# anything that still names this run
	local pid=$(tail -1 "$TMP/ours")
	[ -e "/run/vtax/$pid.state" ] && left="$left state-file"
	docker ps -aq --filter "label=vtax.pid=$pid" | grep -q . && left="$left container"
	docker network ls -q --filter "label=vtax.pid=$pid" | grep -q . && left="$left network"
	docker volume ls -q --filter "label=vtax.pid=$pid" | grep -q . && left="$left volume"
	docker images -q --filter "label=vtax.pid=$pid" | grep -q . && left="$left image"
	ip netns list | grep -q "vtax-cli-$pid\b" && left="$left netns"
	ip -o link show | grep -q "vtaxc$pid\b" && left="$left veth"
	for x in $ids; do
		iptables-save | grep -q "$x" && left="$left iptables:$x"
		grep -q "$x" /proc/self/mounts && left="$left mount:$x"
		find /sys/fs/cgroup -maxdepth 4 -name "*$x*" 2>/dev/null | grep -q . && left="$left cgroup:$x"
	done
	while IFS=$'\t' read -r sign kind id rest; do
		[ "$sign" = "+" ] || continue
		case $kind in
		path) [ -e "$id" ] && left="$left path:$id" ;;
		link) ip link show "$id" >/dev/null 2>&1 && left="$left link:$id" ;;
		netns) [ -e "/run/netns/$id" ] && left="$left netns:$id" ;;
		process) p=${id%%:*}; [ "$(awk '{print $22}' /proc/$p/stat 2>/dev/null)" = "${id#*:}" ] && left="$left process:$id" ;;
		bpf-link) for prog in $(tr ',' ' ' <<<"${rest#prog-ids	}"); do
				bpftool link show 2>/dev/null | grep -q "prog $prog\b" && left="$left bpflink:$prog"
			done ;;
		esac
	done <<<"$st"
	for k in $kids; do [ -e "/proc/$k" ] && left="$left pid:$k($(cat /proc/$k/comm 2>/dev/null))"; done
	local nrec=$(grep -c '^+' <<<"$st")
	[ "$nrec" -eq 0 ] && diag "no state file read before the kill: $(tail -2 "$TMP/err" | tr '\n' ' ')"
	if [ $hit -eq 0 ] && [ $rc -eq 0 ] && [ -z "$left" ]; then
		# the run ended (failed) before the phase: nothing to kill there, and it left nothing
		skip "$what: the run never reached the phase ($(grep -m1 -o 'failed: [^;(]*' "$TMP/err" || tail -1 "$TMP/err"))"
	elif [ $hit -eq 1 ] && [ $rc -eq 0 ] && [ -z "$left" ]; then
		ok 0 "$what: killed (pid $pid, $nrec objects recorded), cleanup left nothing of it ($(tail -1 "$TMP/clean"))"
	else
		ok 1 "$what: phase reached=$hit cleanup rc=$rc; left:$left"
		sed 's/^/#   /' "$TMP/clean" | tail -20
		tail -3 "$TMP/err" | sed 's/^/#   vtax: /'
	fi
}

ND=native,docker-nat
kill_at $ND '^[0-9.]+ native setup' 0 "native set-up, at once"
kill_at $ND 'native prepare' 0.05 "native prepare"
kill_at $ND 'native attach' 0.1 "native attach"
kill_at $ND 'native measure traced' 0.4 "native traced run"
kill_at $ND 'docker-nat setup' 1.5 "docker-nat set-up (image import)"
kill_at $ND 'docker-nat setup' 3.0 "docker-nat set-up (container start)"
if [ -n "${VTAX_KILL9_FULL:-}" ]; then
	kill_at $ND 'native collect' 0 "native collect"
	kill_at $ND 'native teardown' 0 "native teardown"
	kill_at $ND 'docker-nat setup' 0.3 "docker-nat set-up (image build)"
	kill_at $ND 'docker-nat setup' 4.0 "docker-nat set-up (readiness)"
	kill_at $ND 'docker-nat prepare' 0.1 "docker-nat prepare"
	kill_at $ND 'docker-nat attach' 0.2 "docker-nat attach"
	kill_at $ND 'docker-nat measure traced' 0.5 "docker-nat traced run"
	kill_at $ND 'docker-nat collect' 0 "docker-nat collect"
	kill_at $ND 'docker-nat teardown' 0 "docker-nat teardown, at once"
	kill_at $ND 'docker-nat teardown' 0.3 "docker-nat teardown, later"
	kill_at vm 'vm setup' 2 "vm set-up (initramfs)"
	kill_at vm 'vm setup' 25 "vm set-up (guest booting)"
	kill_at vm 'vm measure traced' 0.5 "vm traced run"
fi
kill_at vm 'vm teardown' 0 "vm teardown"

"$vtax" cleanup -q >/dev/null 2>&1
snapshot >"$TMP/after"
diff "$TMP/before" "$TMP/after" | grep '^[<>]' | others >"$TMP/diff"
[ ! -s "$TMP/diff" ]
ok $? "host lists as before the first kill ($(wc -l <"$TMP/before") lines; lines of other live runs set aside)"
sed 's/^/#   /' "$TMP/diff" | head -30
diag "runtime $(($(date +%s) - T0)) s"
done_testing
