#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Export to CSV and OpenMetrics from a real run with a known tax, checked in
# as tests/fixtures/run-sleeper-20ms-x25.json (`vtax run -- sleeper 20 25`:
# 25 sleeps of 20 ms).  No root: exporting is JSON to text.  Checks that the tidy CSV and the summary CSV
# hold exactly the JSON's histograms, that the OpenMetrics text passes
# `promtool check metrics`, has cumulative `le` buckets in seconds whose
# +Inf equals _count, and puts the 25 sleeps between 16.8 and 33.6 ms with
# a _sum of 0.5 s (±10%).
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || skip_all "promtool (Debian prometheus) not installed"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

cp "$ROOT/tests/fixtures/run-sleeper-20ms-x25.json" "$TMP/r.json" || exit 1

# ---- CSV ----
"$VTAX" export "$TMP/r.json" --format csv -o "$TMP/out.csv" 2>"$TMP/err"
ok $? "vtax export --format csv"
[ -s "$TMP/out.csv" ] && [ -s "$TMP/out.summary.csv" ]; ok $? "out.csv and out.summary.csv written"
python3 - "$TMP/r.json" "$TMP/out.csv" "$TMP/out.summary.csv" <<'PY'
import csv, json, sys
d = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
assert list(rows[0].keys()) == ["subject", "environment", "family", "name", "labels", "lo_ns", "hi_ns", "count"], rows[0].keys()
got = {}
for r in rows:
    k = (r["subject"], r["family"], r["name"], r["labels"])
    got[k] = got.get(k, 0) + int(r["count"])
    assert int(r["lo_ns"]) < int(r["hi_ns"])
want = {}
for s in d["subjects"]:
    for h in s["histograms"]:
        lab = ";".join(f"{k}={v}" for k, v in h["labels"].items())
        want[(s["id"], h["family"], h["name"], lab)] = sum(b[2] for b in h["buckets"])
assert got == {k: v for k, v in want.items() if v}, "bucket rows differ from the JSON"
sl = [r for r in rows if r["name"] == "clock_nanosleep" and r["labels"] == "part=total"]
assert sum(int(r["count"]) for r in sl) == 25, sl
assert all(19_000_000 <= int(r["lo_ns"]) and int(r["hi_ns"]) <= 40_000_000 for r in sl), sl
summ = list(csv.DictReader(open(sys.argv[3])))
assert list(summ[0].keys()) == ["subject", "environment", "family", "name", "labels", "statistic", "value"]
st = {(r["name"], r["labels"], r["statistic"]): float(r["value"]) for r in summ}
h = next(h for s in d["subjects"] for h in s["histograms"] if h["name"] == "clock_nanosleep" and h["labels"] == {"part": "total"})
for k in ("count", "sum_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns"):
    assert st[("clock_nanosleep", "part=total", k)] == h[k], (k, st[("clock_nanosleep", "part=total", k)], h[k])
assert abs(st[("clock_nanosleep", "part=total", "p50_ns")] - 20e6) < 2e6
assert any(r["family"] == "drop" for r in summ)
print("# csv ok: %d bucket rows, %d summary rows" % (len(rows), len(summ)))
PY
ok $? "CSV bucket rows sum to the JSON histograms; summary matches; sleeps in 19-40 ms"

# ---- OpenMetrics ----
"$VTAX" export "$TMP/r.json" --format openmetrics -o "$TMP/r.om" 2>"$TMP/err"
ok $? "vtax export --format openmetrics"
promtool check metrics <"$TMP/r.om" >"$TMP/lint" 2>&1
ok $? "promtool check metrics accepts it$( [ -s "$TMP/lint" ] && echo ": $(head -3 "$TMP/lint")")"
tail -1 "$TMP/r.om" | grep -qx '# EOF'; ok $? "ends with # EOF"
python3 - "$TMP/r.json" "$TMP/r.om" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
series = {}
pat = re.compile(r'^(vtax_latency_seconds_(bucket|count|sum))\{(.*)\} (\S+)$')
for line in open(sys.argv[2]):
    m = pat.match(line)
    if not m:
        continue
    labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3)))
    le = labels.pop("le", None)
    key = tuple(sorted(labels.items()))
    s = series.setdefault(key, {"buckets": []})
    if m.group(2) == "bucket":
        s["buckets"].append((float(le), float(m.group(4))))
    else:
        s[m.group(2)] = float(m.group(4))
nhist = sum(len(s["histograms"]) for s in d["subjects"])
assert len(series) == nhist, (len(series), nhist)
for key, s in series.items():
    les = [b[0] for b in s["buckets"]]
    cnts = [b[1] for b in s["buckets"]]
    assert les == sorted(les) and les[-1] == float("inf"), key
    assert all(a <= b for a, b in zip(cnts, cnts[1:])), ("not cumulative", key)
    assert cnts[-1] == s["count"], key
k = next(k for k in series if ("name", "clock_nanosleep") in k and ("part", "total") in k)
s = series[k]
assert dict(k)["family"] == "syscall" and dict(k)["subject"].startswith("pid:")
assert s["count"] == 25, s["count"]
assert abs(s["sum"] - 0.5) <= 0.05, s["sum"]
below = max(c for le, c in s["buckets"] if le <= 0.016777216)
upto = min(c for le, c in s["buckets"] if le >= 0.033554432)
assert below == 0 and upto == 25, (below, upto)
print("# openmetrics ok: %d histogram series" % len(series))
PY
ok $? "OpenMetrics: one histogram per JSON series, cumulative le, +Inf == _count, sleeps at 16.8-33.6 ms, _sum 0.5 s"

# ---- straight from run (a live trace: root only) ----
if [ "$(id -u)" -eq 0 ]; then
	"$VTAX" run --format openmetrics -o "$TMP/run.om" -- "$FIX/getppid_n" 1000 >/dev/null 2>"$TMP/err"
	ok $? "vtax run --format openmetrics"
	promtool check metrics <"$TMP/run.om" >/dev/null 2>&1; ok $? "promtool accepts run's OpenMetrics"
	grep -q 'vtax_latency_seconds_count{subject="pid:[0-9]*",family="syscall",name="getppid",part="total"} 1000$' "$TMP/run.om"
	ok $? "run --format openmetrics: exactly 1000 getppid"
	"$VTAX" run --format csv -o "$TMP/run.csv" -- "$FIX/getppid_n" 500 >/dev/null 2>"$TMP/err"
	ok $? "vtax run --format csv"
	n=$(awk -F, '$4=="getppid" && $5=="part=total" {s+=$8} END {print s+0}' "$TMP/run.csv")
	[ "$n" = 500 ] && [ -s "$TMP/run.summary.csv" ]; ok $? "run --format csv: 500 getppid in bucket rows ($n), summary written"
else
	for _ in 1 2 3 4 5; do skip "vtax run needs root"; done
fi
[ -z "$(ls "$TMP" | grep -E '\.[A-Za-z0-9]{6}$')" ]; ok $? "no temp files left behind"
done_testing
