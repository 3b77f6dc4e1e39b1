#!/usr/bin/env bash
# 50-env-stale.t - cleanup_stale: leftovers of a SIGKILLed run (no teardown) are found by label/name and removed.
# Drives build/tests/50-envctl (tests/unit/50-envctl.c); see docs/environments.md.
set -u
cd "$(dirname "$0")/../.." || exit 1
BIN=${VTAX_BUILD:-build}/tests/50-envctl
TMP=$(mktemp -d /tmp/vtax-50env.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
n=0
fail=0

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip_all "needs root"
[ -x "$BIN" ] || skip_all "$BIN not built (make)"

# emit: renumber one run's TAP lines into this script's sequence.
emit() {
	local tag=$1 file=$2 line seen=0
	while IFS= read -r line; do
		case "$line" in
		"ok "*|"not ok "*)
			n=$((n + 1)); seen=1
			local st=${line%% *} rest=${line#* - }
			[ "$st" = "not" ] && { st="not ok"; fail=1; }
			[ "$st" = "ok" ] || st="not ok"
			echo "$st $n - $tag: $rest" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$file"
	return $((1 - seen))
}

# check TAG RC OUT ERR: the run printed tests and exited 0, else show its log.
check() {
	local tag=$1 rc=$2 out=$3 err=$4
	emit "$tag" "$out" || true
	n=$((n + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $tag: exited 0"
	else
		echo "not ok $n - $tag: exited $rc"
		fail=1
		tail -n 15 "$err" | sed 's/^/#   /'
	fi
}

# run TAG VAR=VAL...: one set-up/exec/teardown cycle of the env test binary.
run() {
	local tag=$1 rc
	shift
	env "$@" timeout -s TERM 300 "$BIN" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	check "$tag" $rc "$TMP/out" "$TMP/err"
}

vtax_links() { ls /sys/class/net 2>/dev/null | grep '^vtax' | sort; }

finish() { echo "1..$n"; exit $fail; }

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
	n=$((n + 1))
	if grep -q '^# holding' "$TMP/hold"; then
		echo "ok $n - $tag: set up (pid $pid), now SIGKILLed"
	else
		echo "not ok $n - $tag: set-up did not finish"; fail=1; tail -5 "$TMP/holderr" | sed 's/^/#   /'
	fi
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
