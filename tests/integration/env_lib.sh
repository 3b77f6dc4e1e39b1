# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# env_lib.sh - shared driver of the 50-env-*.t tests: runs build/tests/50-envctl
# (tests/unit/50-envctl.c) once per environment and renumbers its TAP output.
# Source it from a test: . "$(dirname "$0")/env_lib.sh"
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
BIN=${VTAX_BUILD:-build}/tests/50-envctl
TMP=$(mktemp -d /tmp/vtax-50env.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

need_root
[ -x "$BIN" ] || skip_all "$BIN not built (make)"

# emit: renumber one run's TAP lines into this script's sequence (lib.sh's ok).
emit() {
	local tag=$1 file=$2 line seen=0
	while IFS= read -r line; do
		case "$line" in
		"ok "*) seen=1; ok 0 "$tag: ${line#* - }" ;;
		"not ok "*) seen=1; ok 1 "$tag: ${line#* - }" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$file"
	return $((1 - seen))
}

# run_verdict TAG RC OUT ERR: the run's own tests, then that it exited 0
# (else its log).
run_verdict() {
	local tag=$1 rc=$2 out=$3 err=$4
	emit "$tag" "$out" || true
	ok "$rc" "$tag: exited $rc"
	[ "$rc" -eq 0 ] || tail -n 15 "$err" | sed 's/^/#   /'
}

# run TAG VAR=VAL...: one set-up/exec/teardown cycle of the env test binary.
run() {
	local tag=$1 rc
	shift
	env "$@" timeout -s TERM 300 "$BIN" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	run_verdict "$tag" $rc "$TMP/out" "$TMP/err"
}

vtax_links() { ls /sys/class/net 2>/dev/null | grep '^vtax' | sort; }

finish() { done_testing; }
