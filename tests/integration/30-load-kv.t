#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 30-load-kv.t - the "kv" load generator (src/load/load_kv.c) against a real
# redis-server on loopback: starts one on a free port in a temp dir, runs
# build/tests/30-loadgen with VTAX_TEST_REDIS_PORT (which checks the
# generator's counts against INFO commandstats, max_ops, the stop flag,
# progress, and errors instead of hangs), then stops the server by PID.
set -u
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
bin=${VTAX_TEST_BUILD:-build}/tests/30-loadgen
[ -x "$bin" ] || skip_all "$bin not built (make)"
command -v redis-server >/dev/null || skip_all "redis-server not installed"

tmp=$(mktemp -d /tmp/vtax-t30kv.XXXXXX) || exit 1
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A loopback port nobody listens on (redis refuses port 0 as "any").
free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		# nothing listening: ss shows no socket and a connect is refused
		if [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] &&
			! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

port=$(free_port) || skip_all "no free port"
redis-server --port "$port" --bind 127.0.0.1 --dir "$tmp" --save '' --appendonly no \
	--daemonize no --logfile "$tmp/redis.log" &
pid=$!
up=0
for _ in $(seq 1 100); do
	if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
		up=1
		break
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ $up != 1 ]; then
	ok 1 "redis-server starts on 127.0.0.1:$port"
	sed 's/^/# /' "$tmp/redis.log"
	done_testing
fi

VTAX_TEST_REDIS_PORT=$port "$bin"
