#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# gnuplot export: data files + a script, rendered to PNG by gnuplot.
# A compare document is assembled from two real runs with known latencies
# (sleeps of 2 ms in "native", 3 ms in "slow") plus a ledger, so the
# overlaid CDFs must cross 0.5 at ~2 ms and ~3 ms and the ledger table must
# carry the ledger's components.
. "$(dirname "$0")/lib.sh"
command -v gnuplot >/dev/null || skip_all "gnuplot not installed"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && [ "$(stat -c %s "$1")" -gt 5000 ]; }

# real runs, checked in: `vtax run -- sleeper 2 100` and `sleeper 3 100`
cp "$ROOT/tests/fixtures/run-sleeper-2ms-x100.json" "$TMP/a.json" || exit 1
cp "$ROOT/tests/fixtures/run-sleeper-3ms-x100.json" "$TMP/b.json" || exit 1
python3 - "$TMP/a.json" "$TMP/b.json" "$TMP/cmp.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
envs = []
for name, r in (("native", a), ("slow", b)):
    for k in ("vtax_schema", "tool", "version"):
        r.pop(k, None)
    r["env"] = name
    r["mode"] = "compare-env"
    envs.append(r)
doc = {"vtax_schema": 1, "tool": "vtax", "version": "test", "mode": "compare",
       "workload": {"name": "sleeper"}, "environments": envs,
       "ledger": {"unit": "request", "baseline": "native", "environments": [
           {"env": "slow", "diff_ns_per_op": 1000000, "closure": 0.9,
            "components": [{"name": "sleep-extra", "ns_per_op": 900000}],
            "unexplained_ns_per_op": 100000}]}}
json.dump(doc, open(sys.argv[3], "w"))
PY
ok $? "compare document assembled"

"$VTAX" export "$TMP/cmp.json" --format gnuplot -o "$TMP/plots" 2>"$TMP/err"
ok $? "vtax export --format gnuplot -o DIR"
for f in plot.gp cdf.dat ledger.dat; do [ -s "$TMP/plots/$f" ]; ok $? "$f written"; done
(cd "$TMP/plots" && gnuplot plot.gp) 2>"$TMP/gperr"
ok $? "gnuplot plot.gp runs$( [ -s "$TMP/gperr" ] && echo ": $(head -2 "$TMP/gperr")")"
for f in cdf tail ledger; do png "$TMP/plots/$f.png"; ok $? "$f.png rendered (PNG, > 5 kB)"; done
python3 - "$TMP/plots/cdf.dat" <<'PY'
import sys
blocks = [b for b in open(sys.argv[1]).read().split("\n\n\n")]
assert len(blocks) == 2, len(blocks)
med = []
for b in blocks:
    rows = [list(map(float, l.split())) for l in b.splitlines() if l and not l.startswith("#")]
    assert rows[-1][1] == 1.0 and all(r0[1] <= r1[1] for r0, r1 in zip(rows, rows[1:]))
    med.append(next(r[0] for r in rows if r[1] >= 0.5))
print("# CDF medians (us):", med)
# the merged syscall headline is dominated by the sleeps
assert 1900 <= med[0] <= 2400 and 2900 <= med[1] <= 3500, med
PY
ok $? "cdf.dat: one block per environment, CDF reaches 1, medians at ~2 ms and ~3 ms"
grep -q '"environment" "sleep-extra" "unexplained"' "$TMP/plots/ledger.dat" &&
	grep -q '^"slow" 900 100$' "$TMP/plots/ledger.dat"
ok $? "ledger.dat holds the ledger in µs per request"
grep -q 'index 1 using 1:2 with steps lw 2 title "slow"' "$TMP/plots/plot.gp"; ok $? "script overlays the environments"

# a single run: one curve per subject, families as bars
"$VTAX" export "$TMP/a.json" --format gnuplot -o "$TMP/one" 2>"$TMP/err" && (cd "$TMP/one" && gnuplot plot.gp 2>/dev/null)
ok $? "single run exports and renders"
png "$TMP/one/ledger.png" && grep -q '"syscall"' "$TMP/one/ledger.dat"; ok $? "single run: time per family as bars"
done_testing
