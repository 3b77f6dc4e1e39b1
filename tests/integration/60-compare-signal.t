#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 60-compare-signal.t - SIGINT or SIGTERM in the middle of `vtax compare`
# leaves nothing behind: exit status 130, no container, network, volume or
# image labelled with this run's vtax.pid, no server process, no work
# directory, no tracing left attached (no BPF link of vtax's).  SIGINT
# lands while docker-nat is measuring traced (a session attached), SIGTERM
# while native is measuring untraced; vtax's --progress-log says when.
. "$(dirname "$0")/lib.sh"
compare_test_needs redis-server docker

tmp=$(mktemp -d /tmp/vtax-t60sig.XXXXXX) || exit 1
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

left_behind() { # what this run's pid left: docker objects, processes, dirs
	local p=$1
	docker ps -aq --filter "label=vtax.pid=$p"
	docker network ls -q --filter "label=vtax.pid=$p"
	docker volume ls -q --filter "label=vtax.pid=$p"
	docker images -q --filter "label=vtax.pid=$p"
	ls -d "$tmp/work"/vtax-compare.* 2>/dev/null
	# servers started from the run's work directory (redis, mariadb, qemu)
	procs_under "$tmp/work/"
}

mkdir -p "$tmp/work"
for sig in INT TERM; do
	if [ $sig = INT ]; then
		envs=native,docker-nat when=docker-nat pass=traced
	else
		envs=native when=native pass=untraced
	fi
	: >"$tmp/$sig.log"
	"$vtax" compare --envs $envs --duration 6 --warmup 0 --workdir "$tmp/work" \
		--progress-log "$tmp/$sig.log" -f json -o "$tmp/$sig.json" >"$tmp/$sig.out" \
		2>"$tmp/$sig.err" &
	pid=$!
	# wait until the environment is measuring in that pass, with a client
	# running (a child of vtax in its own process group)
	measuring=0
	for _ in $(seq 1 900); do
		kill -0 "$pid" 2>/dev/null || break
		if grep -q " $when measure $pass " "$tmp/$sig.log" && pgrep -P "$pid" >/dev/null; then
			sleep 1.5
			measuring=1
			break
		fi
		sleep 0.1
	done
	check "SIG$sig: compare reached $when's $pass measurement" -- [ "$measuring" = 1 ]
	kill -$sig "$pid"
	st=0
	for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	wait "$pid"
	st=$?
	check "SIG$sig: exit status 130 (got $st)" -- [ "$st" = 130 ]
	[ $st = 130 ] || sed 's/^/# /' "$tmp/$sig.err"
	check "SIG$sig: no report written" -- [ ! -s "$tmp/$sig.json" ]
	lb=$(left_behind "$pid")
	check "SIG$sig: nothing left behind${lb:+: $(echo $lb)}" -- [ -z "$lb" ]
	pid=
done
done_testing
