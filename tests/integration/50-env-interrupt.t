#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 50-env-interrupt.t - SIGTERM during set-up: set-up aborts promptly and removes what it created.
# Drives build/tests/50-envctl (tests/unit/50-envctl.c); see docs/environments.md.
. "$(dirname "$0")/env_lib.sh"

# interrupt TAG DELAY VAR=VAL...: start a set-up, SIGTERM it after DELAY s.
interrupt() {
	local tag=$1 delay=$2 pid rc t0 t1
	shift 2
	env "$@" VTAX_TEST_MODE=interrupt "$BIN" >"$TMP/out" 2>"$TMP/err" &
	pid=$!
	sleep "$delay"
	t0=$(date +%s.%N)
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	t1=$(date +%s.%N)
	run_verdict "$tag" $rc "$TMP/out" "$TMP/err"
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 30) }'
	ok $? "$tag: set-up and clean-up ended $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s after SIGTERM (bound 30 s)"
	! grep -qs "vtax-vm-$pid" /proc/[0-9]*/cmdline
	ok $? "$tag: no process of the interrupted run left (no QEMU named vtax-vm-$pid)"
}
before=$(vtax_links)
if command -v dockerd >/dev/null; then
	interrupt "docker-overlay(8) SIGTERM at 1s" 1 VTAX_TEST_ENV=docker-overlay VTAX_TEST_LAYERS=8
	interrupt "docker-nat mariadb SIGTERM at 0.5s" 0.5 VTAX_TEST_ENV=docker-nat VTAX_TEST_SERVER=mariadb
fi
interrupt "native mariadb SIGTERM at 0.3s" 0.3 VTAX_TEST_ENV=native VTAX_TEST_SERVER=mariadb
if command -v qemu-system-x86_64 >/dev/null; then
	interrupt "vm SIGTERM during boot" 3 VTAX_TEST_ENV=vm
fi
[ "$(vtax_links)" = "$before" ]
ok $? "no vtax bridge/tap left (now: $(vtax_links | tr '\n' ' '))"
finish
