#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# HTML export: one self-contained page, opened in headless Chromium.
#  - a compare document (two real runs with known latencies, 2 ms and 3 ms
#    sleeps, plus a ledger): the rendered page holds the ledger's figures,
#    both environments' medians, and the lead cause;
#  - `vtax attach --format html` on a sleeper: the page has the heatmap
#    (per-interval histograms) and the subject's figures;
#  - nothing external: no script, no URL fetched.
. "$(dirname "$0")/lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip_all "chromium not installed"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
chrome() { # chrome URL_FILE OUT_PNG -> dom on stdout
	local prof; prof=$(mktemp -d -p "$TMP")
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" --window-size=1400,2000 --screenshot="$2" "file://$1" >/dev/null 2>&1
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" --dump-dom "file://$1" 2>/dev/null
}
png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && [ "$(stat -c %s "$1")" -gt 20000 ]; }
has() { grep -qF -- "$2" "$1"; }

# real runs, checked in: `vtax run -- sleeper 2 100` and `sleeper 3 100`
cp "$ROOT/tests/fixtures/run-sleeper-2ms-x100.json" "$TMP/a.json" || exit 1
cp "$ROOT/tests/fixtures/run-sleeper-3ms-x100.json" "$TMP/b.json" || exit 1
python3 - "$TMP/a.json" "$TMP/b.json" "$TMP/cmp.json" <<'PY'
# the shape `vtax compare -f json` writes (src/compare/compare.c, src/compare/ledger.c)
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
envs = []
for name, r, tput in (("native", a, 480.0), ("slow-env", b, 320.0)):
    for k in ("vtax_schema", "tool", "version"):
        r.pop(k, None)
    r.update(env=name, mode="compare-env", status="ok", error=None, throughput_ops_s=tput)
    # the client-side latency: here the sleeps themselves
    r["client_latency"] = next(h for s in r["subjects"] for h in s["histograms"]
                               if h["name"] == "clock_nanosleep" and h["labels"] == {"part": "total"})
    envs.append(r)
envs[1]["label"] = "emulated (TCG): not representative of KVM"
envs.append({"mode": "compare-env", "env": "vm", "label": "", "subjects": [], "drops": {},
             "status": "failed", "error": "cannot boot the guest"})
json.dump({"vtax_schema": 1, "tool": "vtax", "version": "test", "mode": "compare",
           "workload": {"name": "sleeper", "op": "request"}, "environments": envs,
           "ledger": {"baseline": "native", "op": "request", "environments": [
               {"env": "slow-env", "diff_ns_per_op": 1000000.0, "explained_ns_per_op": 900000.0,
                "unexplained_ns_per_op": 100000.0, "closure": 0.9, "lead": "sleep",
                "headline": "In slow-env each request costs 1000us more than on native.",
                "causes": [
                    {"cause": "sleep", "name": "sleep-extra", "knob": "sleep less", "family": "syscall",
                     "measured": True, "present": True, "delta_ns_per_op": 900000.0, "components": []},
                    {"cause": "nat", "name": "NAT+conntrack", "knob": "--net=host", "family": "net",
                     "measured": True, "present": False, "delta_ns_per_op": 0.0, "components": []}]}]}},
          open(sys.argv[3], "w"))
PY
ok $? "compare document assembled"
# the medians the page must show, as vtax computes them (JSON p50 of the headline)
"$VTAX" export "$TMP/cmp.json" --format html -o "$TMP/cmp.html" 2>"$TMP/err"
ok $? "vtax export --format html"
! grep -qiE '<script|src=|href="http|url\(' "$TMP/cmp.html"; ok $? "self-contained: no script, no external resource"
chrome "$TMP/cmp.html" "$TMP/cmp.png" >"$TMP/cmp.dom"
png "$TMP/cmp.png"; ok $? "Chromium renders a screenshot"
grep -q '<svg' "$TMP/cmp.dom"; ok $? "rendered DOM holds inline SVG figures ($(grep -o '<svg' "$TMP/cmp.dom" | wc -l))"
has "$TMP/cmp.dom" "Tax ledger" && has "$TMP/cmp.dom" "sleep-extra" && has "$TMP/cmp.dom" "900.0 µs" &&
	has "$TMP/cmp.dom" "closure 90%" && has "$TMP/cmp.dom" "1.00 ms"
ok $? "ledger: component, per-request value, difference and closure shown"
has "$TMP/cmp.dom" "Biggest named cause: <b>sleep-extra</b> in <b>slow-env</b>"; ok $? "lead sentence names the biggest cause"
has "$TMP/cmp.dom" "emulated (TCG): not representative of KVM"; ok $? "environment label shown"
has "$TMP/cmp.dom" "vm failed: cannot boot the guest"; ok $? "failed environment reported"
has "$TMP/cmp.dom" "what removes it: <b>sleep less</b>" && has "$TMP/cmp.dom" "costs 1000us more"; ok $? "knob and the ledger's headline shown"
! grep -q '<th>NAT+conntrack</th>' "$TMP/cmp.dom"; ok $? "absent causes are not drawn"
has "$TMP/cmp.dom" "client-side operation latency" && has "$TMP/cmp.dom" "480 ops/s"; ok $? "client latency is the headline; throughput shown"
python3 - "$TMP/cmp.dom" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
# percentile table rows: curve name then count, mean, p50...
rows = dict(re.findall(r'<td class="l">(native|slow-env)</td><td>[^<]* ops/s</td><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>', dom))
def ms(s):
    v, u = s.split()
    return float(v) * {"ns": 1e-6, "µs": 1e-3, "ms": 1, "s": 1e3}[u]
print("# p50 native %s, slow-env %s" % (rows.get("native"), rows.get("slow-env")))
assert 1.9 <= ms(rows["native"]) <= 2.4 and 2.9 <= ms(rows["slow-env"]) <= 3.5, rows
assert dom.count("<path") >= 4  # two CDFs and two tails
PY
ok $? "percentile table: p50 ~2 ms (native) and ~3 ms (slow-env); CDF and tail curves drawn"
has "$TMP/cmp.dom" "Network time per hop" && has "$TMP/cmp.dom" "KVM exits by reason"; ok $? "per-hop and per-exit-reason sections present"

# attach straight to HTML: heatmap from per-interval histograms (a live
# trace: root only)
if [ "$(id -u)" -eq 0 ]; then
	"$FIX/sleeper" 10 350 & SP=$!
	"$VTAX" attach --pid $SP --format html -o "$TMP/att.html" 2>"$TMP/err"
	ok $? "vtax attach --format html (until the sleeper exits)"
	wait $SP 2>/dev/null
	chrome "$TMP/att.html" "$TMP/att.png" >"$TMP/att.dom"
	png "$TMP/att.png"; ok $? "Chromium renders the attach report"
	has "$TMP/att.dom" "Latency over time" && has "$TMP/att.dom" 'id="heatmap"'; ok $? "heatmap section present"
	n=$(grep -o 'intervals); darker' "$TMP/att.dom" | wc -l); cells=$(grep -c 'fill="hsl(212' "$TMP/att.dom")
	python3 -c "import re,sys; n=int(re.search(r'\((\d+) intervals\)', open('$TMP/att.dom').read()).group(1)); sys.exit(0 if n >= 2 else 1)"
	ok $? "heatmap has several intervals ($cells cells)"
	has "$TMP/att.dom" "pid:$SP" && has "$TMP/att.dom" "syscall.clock_nanosleep"; ok $? "subject and its top series shown"
else
	for _ in 1 2 3 4 5; do skip "attach --format html needs root"; done
fi
"$VTAX" attach --pid 999999999 --format html -o "$TMP/x.html" 2>/dev/null; [ $? -ne 0 ] && [ ! -e "$TMP/x.html" ]
ok $? "failed attach leaves no HTML behind"
[ -n "${KEEP_SCREENSHOTS:-}" ] && cp "$TMP"/*.png "$KEEP_SCREENSHOTS"/
done_testing
