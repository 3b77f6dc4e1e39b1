# env_lib.sh - shared driver of the 50-env-*.t tests: runs build/tests/50-envctl
# (tests/unit/50-envctl.c) once per environment and renumbers its TAP output.
# Source it from a test: . "$(dirname "$0")/env_lib.sh"
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
