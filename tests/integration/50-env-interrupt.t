#!/usr/bin/env bash
# 50-env-interrupt.t - SIGTERM during set-up: set-up aborts promptly and removes what it created.
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
	check "$tag" $rc "$TMP/out" "$TMP/err"
	n=$((n + 1))
	if awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 30) }'; then
		echo "ok $n - $tag: set-up and clean-up ended $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s after SIGTERM"
	else
		echo "not ok $n - $tag: took too long after SIGTERM"; fail=1
	fi
	n=$((n + 1))
	if grep -qs "vtax-vm-$pid" /proc/[0-9]*/cmdline; then
		echo "not ok $n - $tag: a QEMU of pid $pid still runs"; fail=1
	else
		echo "ok $n - $tag: no process of the interrupted run left"
	fi
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
n=$((n + 1))
if [ "$(vtax_links)" = "$before" ]; then echo "ok $n - no vtax bridge/tap left"; else echo "not ok $n - links left: $(vtax_links)"; fail=1; fi
finish
