#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 50-env-stale.t - cleanup_stale: leftovers of a SIGKILLed run (no teardown) are found by label/name and removed.
# Drives build/tests/50-envctl (tests/unit/50-envctl.c); see docs/environments.md.
. "$(dirname "$0")/env_lib.sh"

# killed TAG VAR=VAL...: set up, SIGKILL the process once ready, then clean up.
killed() {
	local tag=$1 pid i
	shift
	env "$@" VTAX_TEST_MODE=hold "$BIN" >"$TMP/hold" 2>"$TMP/holderr" &
	pid=$!
	for i in $(seq 1 600); do
		grep -qs '^# holding' "$TMP/hold" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	grep -q '^# holding' "$TMP/hold"
	ok $? "$tag: set up (pid $pid), then SIGKILLed"
	grep -q '^# holding' "$TMP/hold" || tail -5 "$TMP/holderr" | sed 's/^/#   /' 
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	sleep 1
	run "$tag cleanup" "$@" VTAX_TEST_MODE=cleanup VTAX_TEST_VICTIM=$pid
	# The victim's work directory is its caller's to remove (vtax compare removes its own).
	wd=$(sed -n 's/^# holding pid [0-9]* workdir \(\/tmp\/vtax-envtest-[A-Za-z0-9]*\)$/\1/p' "$TMP/hold")
	[ -n "$wd" ] && rm -rf -- "$wd"
}
if command -v dockerd >/dev/null; then
	killed "docker-overlay(3)" VTAX_TEST_ENV=docker-overlay VTAX_TEST_LAYERS=3
	killed "docker-nat" VTAX_TEST_ENV=docker-nat
	killed "docker-volume" VTAX_TEST_ENV=docker-volume
fi
if command -v qemu-system-x86_64 >/dev/null; then
	killed "vm" VTAX_TEST_ENV=vm
fi
finish
