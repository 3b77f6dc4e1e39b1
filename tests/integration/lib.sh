# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# lib.sh - shared helpers for vtax's integration tests (TAP producers).
# Source it: `. "$(dirname "$0")/lib.sh"`.  Tests run as root against the
# real kernel; each removes what it creates in an EXIT trap.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VTAX=${VTAX:-$ROOT/build/vtax}
VTAX_SAN=${VTAX_SAN:-$ROOT/build-san/vtax}
FIX=$ROOT/build/fixtures
T_N=0
T_FAIL=0

ok() { # ok COND_EXIT_STATUS DESCRIPTION; returns COND_EXIT_STATUS's truth
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $T_N - $2"; else echo "not ok $T_N - $2"; T_FAIL=$((T_FAIL + 1)); fi
	[ "$1" -eq 0 ]
}
check() { # check DESCRIPTION -- command...
	local d=$1; shift; [ "$1" = "--" ] && shift
	if "$@"; then ok 0 "$d"; else ok 1 "$d"; fi
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
skip() { T_N=$((T_N + 1)); echo "ok $T_N # SKIP $*"; }
diag() { echo "# $*"; }
done_testing() { echo "1..$T_N"; [ "$T_FAIL" -eq 0 ]; exit $?; }
need_root() { [ "$(id -u)" -eq 0 ] || skip_all "needs root"; }
# compare tests: run from the repository root with $vtax; skip unless vtax
# is built, we are root and every named command is installed
compare_test_needs() {
	cd "$ROOT" || exit 1
	vtax=${VTAX_TEST_BUILD:-build}/vtax
	[ -x "$vtax" ] || skip_all "$vtax not built (make)"
	need_root
	local c
	for c in "$@"; do command -v "$c" >/dev/null || skip_all "$c not installed"; done
}

# jq-like queries with python3: jpy FILE 'expression over d'
jpy() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# Sum of a field over histograms matching family/name/labels in a vtax JSON
# result: hsum FILE SUBJECT_PREFIX FAMILY NAME 'k=v,k=v' FIELD
hsum() {
	python3 - "$@" <<'PY'
import json, sys
f, subj, fam, name, labels, field = sys.argv[1:7]
want = dict(kv.split("=", 1) for kv in labels.split(",") if kv)
d = json.load(open(f))
tot = 0
for s in d["subjects"]:
    if subj and not s["id"].startswith(subj):
        continue
    for h in s["histograms"]:
        if h["family"] != fam or (name and h["name"] != name):
            continue
        if all(h["labels"].get(k) == v for k, v in want.items()):
            tot += h[field]
print(tot)
PY
}
# within VALUE EXPECTED REL_TOL -> exit status
within() { python3 -c "import sys; v,e,t=map(float,sys.argv[1:]); sys.exit(0 if abs(v-e)<=t*abs(e) else 1)" "$1" "$2" "$3"; }
ge() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1])>=float(sys.argv[2]) else 1)" "$1" "$2"; }
le() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1])<=float(sys.argv[2]) else 1)" "$1" "$2"; }
# BPF links whose program is one of vtax's (names vtax_*): what a vtax
# process leaves attached must be none of these once it has exited.
bpf_links() {
	python3 - <<'PY'
import json, subprocess
def j(*a):
    try:
        return json.loads(subprocess.run(["bpftool", "-j", *a], capture_output=True, text=True).stdout or "[]")
    except Exception:
        return []
ids = {p["id"] for p in j("prog", "list") if p.get("name", "").startswith("vtax_")}
print(sum(1 for l in j("link", "list") if l.get("prog_id") in ids))
PY
}
# BPF links that no live process holds (pinned or leaked): vtax must leave
# none.  Unlike a count of all links, other runs on a shared machine do not
# move it; two samples 1 s apart so that a holder exiting right now is not
# taken for a leak.
bpf_unheld_links() {
	local t
	t=$(mktemp)
	_unheld() {
		comm -23 <(bpftool -j link list 2>/dev/null | python3 -c "import json,sys; [print(l['id']) for l in json.load(sys.stdin)]" | sort) \
			<(grep -hs '^link_id:' /proc/[0-9]*/fdinfo/* | awk '{print $2}' | sort -u)
	}
	_unheld >"$t"
	sleep 1
	_unheld | comm -12 - "$t" | wc -l
	rm -f "$t"
}

# Start Docker's daemon if it is not answering (as scripts/setup.sh does).
ensure_docker() {
	docker info >/dev/null 2>&1 && return 0
	bash "$ROOT/scripts/start-dockerd.sh" >/dev/null 2>&1
	docker info >/dev/null 2>&1
}
# A free TCP port on 127.0.0.1 (for servers a test starts)
# Processes whose command line names DIR (servers and QEMU a compare started
# from its --workdir), one /proc/PID per line.
procs_under() {
	local f
	for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' <"$f" | grep -qF "$1" && echo "${f%/cmdline}"
	done 2>/dev/null # a process may exit between the glob and the read
	return 0
}
# wait_ready FILE PID [SECONDS]: wait until the vtax run/attach PID started
# with `--ready-file FILE` has its probes attached and its targets traced
# (FILE exists); 1 if PID exited first or SECONDS (default 300: a loaded
# TCG guest takes tens of seconds to load the families) passed.
wait_ready() {
	local i
	for i in $(seq $((${3:-300} * 10))); do
		[ -s "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# The vm environments' bridges and taps now on the host.
vm_links() { ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | grep -E '^vtax(br|tap)' || true; }
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# promq PORT PROMQL -> the result of a Prometheus instant query on
# 127.0.0.1:PORT as JSON (the "result" list), or [] on any error
promq() {
	curl -s --max-time 5 "http://127.0.0.1:$1/api/v1/query" --data-urlencode "query=$2" |
		python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["data"]["result"]))' 2>/dev/null || echo '[]'
}
