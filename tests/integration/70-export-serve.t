#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# `vtax serve`: a real Prometheus (Debian's) scrapes vtax's /metrics every
# second on loopback; the test then asks Prometheus's HTTP API for a vtax
# histogram.  Known tax: a sleeper doing 10 ms sleeps, so Prometheus must
# see its clock_nanosleep count grow and histogram_quantile(0.5) ~10 ms.
# Both servers are stopped by PID; no BPF link may stay behind.
. "$(dirname "$0")/lib.sh"
need_root
command -v prometheus >/dev/null || skip_all "prometheus not installed"
TMP=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
query() { # query PROMQL -> first value or empty
	curl -s --max-time 5 "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null
}
VPORT=$(freeport); PPORT=$(freeport)

"$FIX/sleeper" 10 6000 & SP=$!; PIDS+=($SP)
"$VTAX" serve --listen 127.0.0.1:$VPORT --pid $SP --refresh 0.5 --environment itest 2>"$TMP/serve.err" & VP=$!; PIDS+=($VP)
for i in $(seq 50); do curl -sf --max-time 2 "http://127.0.0.1:$VPORT/metrics" -o "$TMP/m1" && break; sleep 0.2; done
[ -s "$TMP/m1" ]; ok $? "vtax serve answers on /metrics"
ct=$(curl -s -o /dev/null -w '%{content_type}' -H 'Accept: application/openmetrics-text; version=1.0.0' "http://127.0.0.1:$VPORT/metrics")
[ "${ct%%;*}" = "application/openmetrics-text" ]; ok $? "OpenMetrics content type when asked ($ct)"
promtool check metrics <"$TMP/m1" >/dev/null 2>&1; ok $? "promtool accepts the exposition"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$VPORT/nope"); [ "$code" = 404 ]; ok $? "unknown path is 404"

cat >"$TMP/prom.yml" <<YML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: vtax
    static_configs: [{targets: ['127.0.0.1:$VPORT']}]
YML
prometheus --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/tsdb" \
	--web.listen-address=127.0.0.1:$PPORT --log.level=warn >"$TMP/prom.log" 2>&1 & PP=$!; PIDS+=($PP)
up=""
for i in $(seq 60); do up=$(query 'up{job="vtax"}'); [ "$up" = 1 ] && break; sleep 0.5; done
[ "$up" = 1 ]; ok $? "Prometheus scrapes vtax (up == 1)"
sel='vtax_latency_seconds_count{job="vtax",environment="itest",family="syscall",name="clock_nanosleep",part="total"}'
c1=$(query "$sel"); sleep 3; c2=$(query "$sel")
diag "clock_nanosleep count in Prometheus: $c1 -> $c2"
[ -n "$c1" ] && ge "$c2" "$((${c1%.*} + 100))"; ok $? "Prometheus holds the vtax histogram and it grows (~100 sleeps/s)"
q=''
for i in $(seq 20); do
	q=$(query 'histogram_quantile(0.5, sum by (le) (rate(vtax_latency_seconds_bucket{job="vtax",name="clock_nanosleep",part="total"}[5s])))')
	[ -n "$q" ] && [ "$q" != NaN ] && break; sleep 0.5
done
diag "median sleep from Prometheus: $q s"
within "$q" 0.0101 0.25; ok $? "histogram_quantile(0.5) of the sleeps ~10 ms (within 25%)"
s=$(query "sum(rate(vtax_latency_seconds_sum{job=\"vtax\",name=\"clock_nanosleep\",part=\"total\"}[5s])) / sum(rate(vtax_latency_seconds_count{job=\"vtax\",name=\"clock_nanosleep\",part=\"total\"}[5s]))")
within "$s" 0.0101 0.10; ok $? "mean from _sum/_count ~10 ms ($s s)"

# the BPF links vtax holds, from its fds, to check they are gone after it ends
mylinks=$(grep -h '^link_id:' /proc/$VP/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u)
diag "vtax serve holds $(echo $mylinks | wc -w) BPF links"
kill $VP; wait $VP; rc=$?
[ $rc -eq 0 ]; ok $? "vtax serve exits 0 on SIGTERM (rc=$rc)"
"$VTAX" serve --listen 127.0.0.1:$PPORT --pid $SP --duration 2 2>"$TMP/e1" >/dev/null
[ $? -ne 0 ] && grep -q "cannot listen" "$TMP/e1"; ok $? "a port in use (Prometheus's): exit non-zero, says so"
kill $PP; wait $PP 2>/dev/null
left=0; for id in $mylinks; do bpftool link show id "$id" >/dev/null 2>&1 && left=$((left + 1)); done
[ -n "$mylinks" ] && [ $left -eq 0 ]; ok $? "every BPF link vtax serve held is gone ($left left)"
# the series cap bounds the exposition: 1 series, the rest folded into name="_other"
P3=$(freeport)
"$VTAX" serve --listen 127.0.0.1:$P3 --pid $SP --max-series 1 --duration 20 2>"$TMP/e3" & V3=$!; PIDS+=($V3)
for i in $(seq 50); do curl -sf --max-time 2 "http://127.0.0.1:$P3/metrics" -o "$TMP/m3" && grep -q 'subject="_other"' "$TMP/m3" && break; sleep 0.3; done
n=$(grep -c '^vtax_latency_seconds_count' "$TMP/m3"); o=$(grep -c '^vtax_latency_seconds_count{subject="_other"' "$TMP/m3")
merged=$(awk '$1=="vtax_series_merged" {print $2}' "$TMP/m3")
[ "$((n - o))" -le 1 ] && [ "$o" -ge 1 ] && [ "${merged:-0}" -ge 1 ]; ok $? "--max-series 1: $((n - o)) series + $o folded (_other), vtax_series_merged $merged"
promtool check metrics <"$TMP/m3" >/dev/null 2>&1; ok $? "capped exposition still valid"
kill $V3; wait $V3 2>/dev/null
"$VTAX" serve --listen nonsense --pid $SP 2>"$TMP/e2"; [ $? -ne 0 ] && [ "$(wc -l <"$TMP/e2")" = 1 ]; ok $? "bad --listen: one error line ($(cat "$TMP/e2"))"
done_testing
