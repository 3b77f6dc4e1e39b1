#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# aa_rate.sh - how often `vtax compare` says "differs" when nothing differs
# (issue 10's false-positive rate), and whether a run's place in its round
# moves its figures (an order effect the shuffle would only average out).
#
# K runs (default 20) of `vtax compare --envs native,native@2` (two
# identical native instances: an A/A test), each ROUNDS rounds (default 5)
# of SLOT_S-second slots (0.5), kv with a local client, sched probes only
# (traced slots load fast).  With calibrated 95% intervals about 5% of the
# runs say "differs" (1 of 20; 3 or more of 20 happens by chance with
# probability 7.5%).  Then, over every untraced run of every compare: its
# mean latency against the round's median, by slot and by what ran just
# before it (a traced slot, whose programs were being detached, or not).
# Prints a markdown report (also to AA_OUT, default bench/AA.md).
# Runtime: K x about 20 s.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
V=${VTAX_BENCH_BUILD:-$ROOT/build}/vtax
K=${K:-20} ROUNDS=${ROUNDS:-5} SLOT_S=${SLOT_S:-0.5}
OUT=${AA_OUT:-$ROOT/bench/AA.md}
[ "$(id -u)" -eq 0 ] || { echo "aa_rate: needs root" >&2; exit 1; }
[ -x "$V" ] || { echo "aa_rate: build first (make)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/vtax-aa.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
for k in $(seq "$K"); do
	timeout 300 "$V" compare --envs native,native@2 --runs "$ROUNDS" --duration "$SLOT_S" \
		--client local --probes sched --order-seed "$k" -f json -o "$tmp/aa$k.json" \
		2>"$tmp/aa$k.err" || echo "# run $k failed: $(tail -n 1 "$tmp/aa$k.err")" >&2
done
python3 - "$tmp" "$K" "$OUT" "$(uptime)" <<'PY'
import glob, json, statistics, sys
tmp, K, out, up = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
docs = []
for f in sorted(glob.glob(tmp + "/aa*.json")):
    try:
        docs.append(json.load(open(f)))
    except Exception:
        pass
lines = ["# A/A: native against native@2", "", "Machine: `%s`" % up.strip(), ""]
rows, differs = [], 0
for d in docs:
    le = [e for e in d["ledger"]["environments"] if e["env"] == "native@2"][0]
    ci = le.get("diff_ci95_ns")
    rows.append((le["diff_ns_per_op"], ci, le["within_noise"]))
    differs += not le["within_noise"]
lines += ["%d compares, %d rounds each: **%d said \"differs\"** (expected about 5%%: %.1f)." %
          (len(docs), docs[0]["rounds"]["count"] if docs else 0, differs, 0.05 * len(docs)), "",
          "| run | difference (us) | 95% CI (us) | verdict |", "|---|---:|---|---|"]
for i, (dv, ci, wn) in enumerate(rows, 1):
    lines.append("| %d | %+.2f | %s | %s |" % (i, dv / 1e3, "%.2f .. %.2f" % (ci[0] / 1e3, ci[1] / 1e3) if ci else "-",
                                             "same" if wn else "differs"))
# order effects: untraced runs, relative to their round's median untraced mean
by_slot, by_prev = {}, {"after traced": [], "after untraced": [], "first": []}
for d in docs:
    runs = []
    for e in d["environments"]:
        for p in ("untraced", "traced"):
            for r in (e.get(p) or {}).get("runs", []):
                runs.append((r["round"], r["slot"], e["env"], p, r["mean_ns"]))
    for rnd in {r[0] for r in runs}:
        rr = sorted([r for r in runs if r[0] == rnd], key=lambda r: r[1])
        u = [r[4] for r in rr if r[3] == "untraced"]
        if len(u) < 2:
            continue
        med = statistics.median(u)
        for j, r in enumerate(rr):
            if r[3] != "untraced":
                continue
            rel = r[4] / med - 1
            by_slot.setdefault(r[1], []).append(rel)
            by_prev["first" if j == 0 else "after " + rr[j - 1][3]].append(rel)
lines += ["", "Untraced runs' mean latency relative to their round's median (median of runs, n):", "",
          "| place | median | n |", "|---|---:|---:|"]
for s in sorted(by_slot):
    lines.append("| slot %d | %+.1f%% | %d |" % (s, 100 * statistics.median(by_slot[s]), len(by_slot[s])))
for k, v in by_prev.items():
    if v:
        lines.append("| %s | %+.1f%% | %d |" % (k, 100 * statistics.median(v), len(v)))
text = "\n".join(lines) + "\n"
sys.stdout.write(text)
open(out, "w").write(text)
PY
