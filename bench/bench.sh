#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# bench.sh - `make bench`: what vtax's probes add to the work they observe,
# in one interleaved run, against the untraced workload, an untraced A/A
# twin (the noise), empty programs on the same hooks (the floor), the least
# latency probe (bpf/bench_floor.bpf.c) and bpftrace running the equivalent
# script.  Rows: a getppid loop, a pipe ping-pong (sched), a TCP ping-pong
# over veth+bridge+DNAT (198.18.x namespaces of tests/integration/20-net-topo.sh)
# and redis kv (1 connection) under `attach --all` and under the attach
# compare makes (server + client, every default family).
#
# Method: every round runs every (row, configuration) pair once, in a new
# random order; each figure is the workload's own timing (ns per call /
# round trip / request), so no tracer start-up is in it.  PM QoS is held
# (/dev/cpu_dma_latency = 0) and workloads are pinned (taskset).  The
# report (bench/report.py) gives medians, the added cost paired by round
# with a bootstrap 95% CI, and ratios; it writes bench/RESULTS.md.
#
# Runtime: ROUNDS (default 5) x about 60 s on this 2-vCPU VM; each single
# measurement is bounded by `timeout 90`.  BENCH_SMOKE=1: one round,
# tiny sizes (the suite's check that the harness still works, ~40 s).
# Env: ROUNDS, ROWS (comma list of getppid,sched,tcp,kv), SAMPLE (the
# --sample column's spec, default 10ms/500ms), BENCH_OUT (the
# markdown file; default bench/RESULTS.md), BENCH_DATA (raw samples).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${VTAX_BENCH_BUILD:-$ROOT/build}
ROUNDS=${ROUNDS:-5}
ROWS=${ROWS:-getppid,sched,tcp,kv}
OUT=${BENCH_OUT:-$ROOT/bench/RESULTS.md}
N_SYS=${N_SYS:-1000000}
N_PIPE=${N_PIPE:-20000}
N_TCP=${N_TCP:-20000}
KV_S=${KV_S:-1}
if [ "${BENCH_SMOKE:-0}" = 1 ]; then
	ROUNDS=1 N_SYS=20000 N_PIPE=500 N_TCP=500 KV_S=0.3
fi
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root" >&2; exit 1; }
command -v bpftrace >/dev/null || { echo "bench: bpftrace missing (scripts/setup.sh installs it)" >&2; exit 1; }
[ -x "$B/vtax" ] || { echo "bench: build first (make)" >&2; exit 1; }

TMP=$(mktemp -d /tmp/vtax-bench.XXXXXX)
DATA=${BENCH_DATA:-$TMP/samples}
: >"$DATA"
REDIS_PID= IDLE_PID= QOS_HELD=0 NET_UP=0
# the calibration passes turn BPF run-time statistics on: restored on every exit path
STATS0=$(sysctl -n kernel.bpf_stats_enabled)
NET_SFX=bn$$
. "$ROOT/tests/integration/20-net-topo.sh"
cleanup() {
	sysctl -qw kernel.bpf_stats_enabled="$STATS0" 2>/dev/null
	[ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
	# (a killed sleep's status is 143: under set -e that ended the trap)
	if [ -n "$IDLE_PID" ]; then kill "$IDLE_PID" 2>/dev/null; wait "$IDLE_PID" 2>/dev/null || true; fi
	[ "$NET_UP" = 1 ] && net_topo_down
	exec 9>&- 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# PM QoS: the request holds while fd 9 stays open (see issue 10)
if { exec 9>/dev/cpu_dma_latency; } 2>/dev/null; then
	printf '\0\0\0\0' >&9 && QOS_HELD=1
fi

has_row() { [[ ",$ROWS," == *",$1,"* ]]; }
T() { timeout 90 "$@"; }
TS=$(readlink -f "$(command -v taskset)")
NSE=$(readlink -f "$(command -v nsenter)")

# Run "$@" under `vtax attach ARGS` started in the background, once it says
# it is tracing (--ready-file: every family attached), then stop it.
with_attach() { # "VTAX_BIN ARGS" CMD...: ARGS given to `VTAX_BIN attach`
	local attach_args="${1%% *} attach ${1#* }"; shift
	local vp ready="$TMP/attach.ready"
	rm -f "$ready"
	# shellcheck disable=SC2086
	$attach_args --ready-file "$ready" -o /dev/null >/dev/null 2>"$TMP/attach.err" &
	vp=$!
	for _ in $(seq 1 300); do
		[ -e "$ready" ] && break
		kill -0 "$vp" 2>/dev/null || break
		sleep 0.05
	done
	"$@" || true
	kill -INT "$vp" 2>/dev/null || true
	wait "$vp" 2>/dev/null || true
}

# a fixture's "WALL CPU" line (bpftrace's own output goes to a file)
num() { grep -E '^[0-9]+(\.[0-9]+)?( [0-9]+(\.[0-9]+)?)?$' | tail -1; }

BT_SYS='tracepoint:raw_syscalls:sys_enter /pid == cpid/ { @s[tid] = nsecs; }
tracepoint:raw_syscalls:sys_exit /@s[tid]/ { @h[args->id] = hist(nsecs - @s[tid]); delete(@s[tid]); }'
BT_RUNQ='tracepoint:sched:sched_wakeup { @q[args->pid] = nsecs; }
tracepoint:sched:sched_switch /@q[args->next_pid]/ { @h = hist(nsecs - @q[args->next_pid]); delete(@q[args->next_pid]); }'
BT_NET='tracepoint:net:net_dev_queue { @t[args->skbaddr] = nsecs; }
tracepoint:net:netif_receive_skb /@t[args->skbaddr]/ { @h[str(args->name)] = hist(nsecs - @t[args->skbaddr]); delete(@t[args->skbaddr]); }'
bt() { local prog=$1; shift; T bpftrace -o "$TMP/bt.out" -e "$prog" -c "$*"; }

# ---- rows: run_ROW CONFIG prints one number (ns per operation) ----
# "vtax-before" configurations: the same under VTAX_BEFORE (another build's
# vtax binary), for a before/after comparison inside one interleaved run
vbin() { if [ "${1%-before}" != "$1" ]; then echo "$VTAX_BEFORE"; else echo "$B/vtax"; fi; }
run_getppid() {
	local w="$TS -c 0 $B/bench/sys_loop $N_SYS"
	case ${1%-before} in
	base | aa) T $w ;;
	empty) T "$B/bench/floor" empty $w ;;
	least) T "$B/bench/floor" least $w ;;
	vtax) T "$(vbin "$1")" run --probes syscall,sched -o /dev/null -- $w 2>/dev/null ;;
	vtax-sample) T "$(vbin "$1")" run --probes syscall,sched --sample "$SAMPLE" -o /dev/null -- $w 2>/dev/null ;;
	bpftrace) bt "$BT_SYS" "$w" ;;
	esac | num
}

run_sched() {
	local w="$TS -c 0 $B/bench/pipe_pingpong $N_PIPE"
	case ${1%-before} in
	base | aa) T $w ;;
	empty) T "$B/bench/floor" empty $w ;;
	least) T "$B/bench/floor" lrunq $w ;;
	vtax) T "$(vbin "$1")" run --probes sched -o /dev/null -- $w 2>/dev/null ;;
	bpftrace) bt "$BT_RUNQ" "$w" ;;
	esac | num
}

run_tcp() {
	local pp="$B/fixtures/tcp_pingpong $(net_pingpong_args 1) -c 1 -n $N_TCP -t 60"
	local inh="$NSE --net=/run/netns/$NS_H $TS -c 0"
	case ${1%-before} in
	base | aa) T $inh $pp ;;
	empty) T $inh "$B/bench/net_floor" lean $pp ;;
	vtax) T $inh "$(vbin "$1")" run --probes net -o /dev/null -- $pp 2>/dev/null ;;
	bpftrace) bt "$BT_NET" "$inh $pp" ;;
	esac | sed -n 's/.*rtt_mean_us=\([0-9.]*\).*/\1/p' | awk '{ printf "%.1f\n", $1 * 1000 }'
}

kv_load() {
	T taskset -c 0 "$B/vtax" load --workload kv --port "$KV_PORT" --conns 1 \
		--duration "$KV_S" --warmup 0.2 "$@"
}
# p50, not the mean: on a shared 2-vCPU host the mean follows whatever else
# runs (one 5 ms stall in 0.3 s of 25 us requests moves it by half)
kv_mean() { tee "$TMP/kv.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["latency"]["p50_ns"])'; }
# the mean as well: a sampled configuration changes few requests, which a
# p50 cannot show (the kv-mean row)
kv_mean_of() { python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["latency"]["mean_ns"]))' "$TMP/kv.json" 2>/dev/null || echo nan; }
# redis's CPU time so far (ns; the server is single-threaded)
redis_cpu() { cut -d' ' -f1 "/proc/$REDIS_PID/schedstat"; }
run_kv() {
	local c0 p50 ops
	c0=$(redis_cpu)
	p50=$(run_kv1 "$1" | tail -1)
	ops=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["ops"] + d["warmup_ops"])' "$TMP/kv.json" 2>/dev/null || echo 0)
	[ -n "$p50" ] || return 0
	if [ "${ops:-0}" -gt 0 ]; then
		echo "$p50 $(( ($(redis_cpu) - c0) / ops )) $(kv_mean_of)"
	else
		echo "$p50"
	fi
}
run_kv1() {
	local v
	v=$(vbin "$1")
	case ${1%-before} in
	base | aa) kv_load | kv_mean ;;
	empty) T "$TS" -c 0 "$B/bench/floor" empty "$B/vtax" load --workload kv --port "$KV_PORT" --conns 1 \
			--duration "$KV_S" --warmup 0.2 | kv_mean ;;
	least) T "$TS" -c 0 "$B/bench/floor" least "$B/vtax" load --workload kv --port "$KV_PORT" --conns 1 \
			--duration "$KV_S" --warmup 0.2 | kv_mean ;;
	# the floor of kv's probe plan (net; sched's core has no per-request
	# hook): empty programs on exactly its hooks, netfilter priorities
	# included.  The floor runs pinned as kv_load is (taskset before it:
	# its child inherits the CPU)
	empty-plan) T "$TS" -c 0 "$B/bench/net_floor" lean "$B/vtax" load --workload kv \
			--port "$KV_PORT" --conns 1 --duration "$KV_S" --warmup 0.2 | kv_mean ;;
	vtax-all) with_attach "$v --all" kv_load >"$TMP/kv1.json"; kv_mean <"$TMP/kv1.json" ;;
	# what the rest of a busy host pays: kv's plan attached to an idle
	# process, so that every kv event is foreign to the session
	vtax-foreign | vtax-foreign-before)
		with_attach "$v -p $IDLE_PID $(plan_of "$1")" kv_load >"$TMP/kv1.json"
		kv_mean <"$TMP/kv1.json" ;;
	vtax | vtax-nfwhole | vtax-every | vtax-sample)
		# what compare does: start the client paused, attach to server
		# and client (vtax: kv's probe plan with the netfilter brackets
		# sampled, as compare's traced runs attach by default;
		# vtax-nfwhole: the same plan, brackets whole; vtax-every: every
		# family, brackets whole; VTAX_BEFORE's vtax-before: the plan
		# compare attached before this change), then let it go
		"$TS" -c 0 "$B/vtax" load --workload kv --port "$KV_PORT" --conns 1 \
			--duration "$KV_S" --warmup 0.2 --wait-signal >"$TMP/kv1.json" &
		local cp=$!
		sleep 0.2
		local fams
		fams=$(plan_of "$1")
		case $1 in
		vtax | vtax-before) fams="$fams --sample-netfilter $SAMPLE_NF" ;;
		vtax-sample | vtax-sample-before) fams="$fams --sample $SAMPLE" ;;
		vtax-nfwhole) ;;
		*) fams= ;;
		esac
		with_attach "$v -p $REDIS_PID -p $cp $fams" bash -c "kill -USR1 $cp; wait $cp 2>/dev/null; while kill -0 $cp 2>/dev/null; do sleep 0.05; done"
		wait "$cp" 2>/dev/null || true
		kv_mean <"$TMP/kv1.json" ;;
	bpftrace)
		T bpftrace -o "$TMP/bt.out" -e "${BT_SYS/pid == cpid/pid == cpid || pid == $REDIS_PID}" \
			-c "$TS -c 0 $B/vtax load --workload kv --port $KV_PORT --conns 1 --duration $KV_S --warmup 0.2" |
			grep '^{' | kv_mean ;;
	esac
}

# kv's probe plan as compare attaches it (vtax_ledger__probe_plan: net and
# kvm, sched's core only, its run-queue cause from schedstat; no socket-
# queue hop without --via-proxy), and for the VTAX_BEFORE binary the plan
# compare attached before (sched,net,kvm)
KV_PLAN=${KV_PLAN:-"--probes net,kvm --no-sock-queue"}
KV_PLAN_BEFORE=${KV_PLAN_BEFORE:-"--probes sched,net,kvm"}
plan_of() { case $1 in *-before) echo "$KV_PLAN_BEFORE" ;; *) echo "$KV_PLAN" ;; esac; }
# --sample's column (docs/sampling.md): kv's plan and getppid's families,
# duty-cycled; SAMPLE is its spec
SAMPLE=${SAMPLE:-10ms/500ms}
# compare's default for its traced runs (src/trace/sample.h)
SAMPLE_NF=${SAMPLE_NF:-10ms/100ms}
CONFIGS_getppid="base aa empty least vtax vtax-sample bpftrace"
CONFIGS_sched="base aa empty least vtax bpftrace"
CONFIGS_tcp="base aa empty vtax bpftrace"
CONFIGS_kv="base aa empty empty-plan least vtax vtax-nfwhole vtax-sample vtax-every vtax-all vtax-foreign bpftrace"
if [ -n "${VTAX_BEFORE:-}" ]; then
	CONFIGS_getppid+=" vtax-before vtax-sample-before"
	CONFIGS_sched+=" vtax-before"
	CONFIGS_tcp+=" vtax-before"
	CONFIGS_kv+=" vtax-before vtax-sample-before vtax-foreign-before"
fi

if has_row tcp; then
	net_topo_up >/dev/null
	NET_UP=1
fi
if has_row kv; then
	KV_PORT=$((20000 + $$ % 20000))
	taskset -c 1 redis-server --port "$KV_PORT" --bind 127.0.0.1 --save '' --appendonly no \
		--protected-mode no >"$TMP/redis.log" 2>&1 &
	REDIS_PID=$!
	sleep 100000 &
	IDLE_PID=$!
	for _ in $(seq 1 50); do
		redis-cli -p "$KV_PORT" ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	# one warm-up run that also fills the keyspace
	kv_load >/dev/null
fi

start=$(date +%s)
for r in $(seq 1 "$ROUNDS"); do
	pairs=()
	for row in getppid sched tcp kv; do
		has_row "$row" || continue
		v=CONFIGS_$row
		for c in ${!v}; do pairs+=("$row $c"); done
	done
	while read -r row c; do
		val=$("run_$row" "$c" 2>>"$TMP/errors" || true)
		[ -n "$val" ] || { echo "bench: round $r: $row/$c produced no figure" >&2; val=nan; }
		set -- $val
		echo "$r $row $c $1" >>"$DATA"
		[ -n "${2:-}" ] && echo "$r $row-cpu $c $2" >>"$DATA"
		[ -n "${3:-}" ] && echo "$r $row-mean $c $3" >>"$DATA"
	done < <(printf '%s\n' "${pairs[@]}" | shuf)
	echo "bench: round $r/$ROUNDS done ($(( $(date +%s) - start )) s)" >&2
done
# Calibration, outside the timed rounds: program runs and BPF CPU per kv
# request under the attach compare makes, with BPF run-time statistics on
# for this pass only (they add two clock reads to every program run).
# CALIB lists "label|vtax attach options" pairs.
CALIB_OUT=$TMP/calib
: >"$CALIB_OUT"
calib_kv() {
	local label=$1 opts=$2 vp cp st0 ops
	"$TS" -c 0 "$B/vtax" load --workload kv --port "$KV_PORT" --conns 1 --no-prepare \
		--duration "$KV_S" --warmup 0.2 --wait-signal >"$TMP/cal.json" &
	cp=$!
	sleep 0.2
	# shellcheck disable=SC2086
	"$B/vtax" attach -p "$REDIS_PID" -p "$cp" $opts -o /dev/null >/dev/null 2>>"$TMP/errors" &
	vp=$!
	for _ in $(seq 1 100); do
		[ "$(ls -l "/proc/$vp/fd" 2>/dev/null | grep -c bpf_link)" -gt 0 ] && break
		sleep 0.1
	done
	sleep 0.5
	python3 "$ROOT/bench/progstats.py" snap "$vp" >"$TMP/s0" || true
	kill -USR1 "$cp"
	wait "$cp" || true
	python3 "$ROOT/bench/progstats.py" snap "$vp" >"$TMP/s1" || true
	kill -INT "$vp" 2>/dev/null || true
	wait "$vp" 2>/dev/null || true
	ops=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["ops"] + d["warmup_ops"])' "$TMP/cal.json" 2>/dev/null || echo 0)
	[ "${ops:-0}" -gt 0 ] || return 0
	echo "$label $(python3 "$ROOT/bench/progstats.py" diff "$TMP/s0" "$TMP/s1" "$ops")" >>"$CALIB_OUT"
}
# Per-program cost on the syscall hooks: ns per run of the sys_enter and
# sys_exit programs as the kernel's run-time statistics time them (program
# time only: preemption by other work on a shared host is not in it), for
# the least probe, the empty floor and vtax, interleaved, CAL_ROUNDS rounds.
calib_sys() { # label loader...
	local label=$1 lp; shift
	rm -f "$TMP/cal.out"
	"$@" sh -c "while [ ! -e $TMP/cal.go ]; do sleep 0.05; done; $TS -c 0 $B/bench/sys_loop $N_CAL > $TMP/cal.out; sleep 2" >/dev/null 2>&1 &
	lp=$!
	rm -f "$TMP/cal.go"
	for _ in $(seq 1 200); do
		[ "$(ls -l "/proc/$lp/fd" 2>/dev/null | grep -c bpf_link)" -gt 0 ] && break
		sleep 0.05
	done
	sleep 0.3
	python3 "$ROOT/bench/progstats.py" snap "$lp" >"$TMP/s0" 2>/dev/null || true
	touch "$TMP/cal.go"
	for _ in $(seq 1 1200); do [ -s "$TMP/cal.out" ] && break; sleep 0.05; done
	python3 "$ROOT/bench/progstats.py" snap "$lp" >"$TMP/s1" 2>/dev/null || true
	wait "$lp" || true
	echo "$label $(python3 "$ROOT/bench/progstats.py" diff "$TMP/s0" "$TMP/s1" "$N_CAL")" >>"$TMP/calsys"
}
N_CAL=${N_CAL:-2000000} CAL_ROUNDS=${CAL_ROUNDS:-3}
[ "${BENCH_SMOKE:-0}" = 1 ] && N_CAL=50000 CAL_ROUNDS=1
: >"$TMP/calsys"
if has_row getppid; then
	sysctl -qw kernel.bpf_stats_enabled=1
	for _ in $(seq 1 "$CAL_ROUNDS"); do
		{
			echo "least $B/bench/floor least"
			echo "empty $B/bench/floor empty"
			echo "vtax $B/vtax run --probes syscall,sched -o /dev/null --"
			if [ -n "${VTAX_BEFORE:-}" ]; then
				echo "vtax-before $VTAX_BEFORE run --probes syscall,sched -o /dev/null --"
			fi
		} | shuf | while read -r label cmd; do
			# shellcheck disable=SC2086
			calib_sys "$label" $cmd
		done
	done
	sysctl -qw kernel.bpf_stats_enabled="$STATS0"
fi

if has_row kv; then
	sysctl -qw kernel.bpf_stats_enabled=1
	IFS=';' read -ra CAL <<<"${CALIB:-every-family|;kv-plan,netfilter-whole|$KV_PLAN;kv-plan,--sample-netfilter=$SAMPLE_NF|$KV_PLAN --sample-netfilter $SAMPLE_NF;previous-plan(sched,net,kvm),--sample-netfilter=$SAMPLE_NF|$KV_PLAN_BEFORE --sample-netfilter $SAMPLE_NF;kv-plan,--sample=$SAMPLE|$KV_PLAN --sample $SAMPLE}"
	for c in "${CAL[@]}"; do calib_kv "${c%%|*}" "${c#*|}"; done
	sysctl -qw kernel.bpf_stats_enabled="$STATS0"
fi

# Capacity, outside the timed rounds: `vtax attach --all` (every default
# family), once it has written its --ready-file, while N_CAP getppid calls
# run as fast as they can; vtax's own CPU (its schedstat) over the loop's
# wall time, the event rate (syscalls/s; two program runs each, sys_enter
# and sys_exit) and every drop and miss vtax reports.
cap_run() {
	local vp c0 c1 t0 t1 out
	rm -f "$TMP/cap.ready"
	"$B/vtax" attach --all --ready-file "$TMP/cap.ready" --format json -o "$TMP/cap.json" \
		>/dev/null 2>>"$TMP/errors" &
	vp=$!
	# steady state only: every family attached and the first commit done
	# (the first link appears seconds before the last; counting from it
	# put the attach itself into "vtax's own CPU": 11.3% measured)
	for _ in $(seq 1 600); do
		[ -e "$TMP/cap.ready" ] && break
		kill -0 "$vp" 2>/dev/null || break
		sleep 0.1
	done
	sleep 0.5
	c0=$(cut -d' ' -f1 "/proc/$vp/schedstat")
	t0=$(date +%s%N)
	"$TS" -c 0 "$B/bench/sys_loop" "$N_CAP" >/dev/null
	t1=$(date +%s%N)
	c1=$(cut -d' ' -f1 "/proc/$vp/schedstat")
	kill -INT "$vp"
	wait "$vp" || true
	python3 - "$N_CAP" "$t0" "$t1" "$c0" "$c1" "$TMP/cap.json" <<'PY' >"$TMP/capacity"
import json, sys
n, t0, t1, c0, c1 = (float(x) for x in sys.argv[1:6])
d = json.load(open(sys.argv[6]))
drops = {k: v for k, v in d.get("drops", {}).items() if v}
fp = d.get("footprint", {})
print(json.dumps({"events_per_s": round(n / ((t1 - t0) / 1e9)), "vtax_cpu_pct": round(100 * (c1 - c0) / (t1 - t0), 3),
                  "drops": drops, "bpf_map_bytes": fp.get("bpf_map_bytes", 0), "rss_bytes": fp.get("rss_bytes", 0)}))
PY
}
N_CAP=${N_CAP:-3000000}
[ "${BENCH_SMOKE:-0}" = 1 ] && N_CAP=${N_CAP_SMOKE:-100000}
cap_run || true

[ -s "$TMP/errors" ] && { echo "bench: stderr of the runs:" >&2; tail -20 "$TMP/errors" >&2; }
[ -n "${BENCH_KEEP:-}" ] && cp "$TMP/calsys" "$BENCH_KEEP.calsys"
python3 "$ROOT/bench/report.py" --data "$DATA" --out "$OUT" --qos "$QOS_HELD" \
	--elapsed "$(( $(date +%s) - start ))" --calib "$CALIB_OUT" --capacity "$TMP/capacity" --calsys "$TMP/calsys" --sizes "getppid=$N_SYS sched=$N_PIPE tcp=$N_TCP kv=${KV_S}s; --sample $SAMPLE; --sample-netfilter $SAMPLE_NF"
