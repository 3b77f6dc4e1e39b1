#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 61-compare-stats.t - compare's verdicts must survive a noisy host
# (docs/compare.md "Rounds, intervals"): the intervals come from
# interleaved rounds, and "within noise" means the difference's 95%
# interval contains 0.
#   A. A/A: native against native@2, a second native instance, in K=3
#      short runs (5 rounds of 0.5 s, sched probes only: attaching every
#      family takes seconds here).  Each must say "same within noise" with
#      a consistent interval; the test fails when 2 or more of the 3 say
#      "differs".  With a calibrated 95% interval a run says "differs" with
#      probability 5%, so this test fails by chance with probability
#      3 x 0.05^2 x 0.95 + 0.05^3 = 0.7%.
#   B. one run of native, docker-host and docker-nat through docker-proxy
#      (docker-host "same"; if it says "differs", a second native,docker-host
#      run decides, so that line fails by chance 0.25% of the time)
#      (--via-proxy: a client on the host, docker-proxy relaying every
#      byte): docker-host "same", docker-nat "differs" with a positive
#      difference; the JSON carries the rounds, the hygiene, per cause
#      delta_ci95_ns and the closure's interval; the headline carries the
#      interval.  "differs" is asserted when the run has the power to see
#      it: docker-host's interval no wider than +-50 us (docker-proxy adds
#      tens of us per request here); else that line is a TAP SKIP that says
#      how wide the intervals were (on a host loaded by other work they
#      reached +-90 ms).  docker-nat's closure through docker-proxy, with
#      corrected components, must be within 60-130% when its interval is
#      within +-30% (docker-proxy's on-CPU time, its cause until then, gave
#      198%; docs/compare.md "docker-proxy").
# Runtime: about 1 min (A) + 1.5 min (B) on a quiet 2-core VM.
. "$(dirname "$0")/lib.sh"
compare_test_needs redis-server docker

tmp=$(mktemp -d /tmp/vtax-t61st.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

for k in 1 2 3; do
	"$vtax" compare --envs native,native@2 --runs 5 --duration 0.5 --client local --probes sched \
		--order-seed "$k" -f json -o "$tmp/aa$k.json" 2>"$tmp/aa$k.err"
	echo "$?" >"$tmp/aa$k.rc"
done
"$vtax" compare --envs native,docker-host,docker-nat --via-proxy --runs 6 --probes sched,net \
	-f json -o "$tmp/b.json" 2>"$tmp/b.err"
echo "$?" >"$tmp/b.rc"
# A 95% interval says "differs" for an environment that does not differ
# once in 20 runs by construction (CI saw it once).  If docker-host said
# so, a second, independent run of native,docker-host decides: the check
# then fails by chance with probability 0.05^2 = 0.25%.
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if [e for e in d["ledger"]["environments"] if e["env"] == "docker-host" and not e["within_noise"]] else 1)' "$tmp/b.json" 2>/dev/null; then
	"$vtax" compare --envs native,docker-host --runs 6 --probes sched,net -f json -o "$tmp/b2.json" 2>"$tmp/b2.err"
	echo "$?" >"$tmp/b2.rc"
fi

python3 - "$tmp" <<'PY'
import json, sys
sys.path.insert(0, "tests/integration")
from tap_why import why, Tap
from compare_json import load, led
tmp = sys.argv[1]
t = Tap()



def consistent(le):
    ci = le["diff_ci95_ns"]
    return (ci is not None and ci[0] <= le["diff_ns_per_op"] <= ci[1]
            and le["within_noise"] == (ci[0] <= 0 <= ci[1]))

differs = 0
for k in (1, 2, 3):
    rc, d = load(tmp, "aa%d" % k)
    if not t.ok(rc == 0 and d and d["ledger"] and [e["env"] for e in d["environments"]] == ["native", "native@2"],
                "A/A run %d: native and native@2 measured (rc %d%s)" % (k, rc, why(d, "%s/aa%d.err" % (tmp, k)))):
        differs += 1
        continue
    le = led(d, "native@2")
    print("# A/A %d: %s" % (k, le["headline"]))
    t.ok(d["rounds"]["count"] == 5 and le["rounds"] == 5 and consistent(le),
         "A/A run %d: 5 rounds, the difference inside its interval, within_noise == interval holds 0 (%s)"
         % (k, le["diff_ci95_ns"]))
    differs += not le["within_noise"]
# Measured with `make bench-aa` (bench/AA.md) on a quiet host, 2026-11-30:
# 0 of 20 such runs said "differs" (intervals +-2.4 to +-26 us), and a
# run's slot in its round or a traced slot just before it moved untraced
# latency by at most 1%.  (An earlier CI run had 2 of 3 "differs", by 4.6
# and 0.8 us; not seen in the 23 runs since.)
t.ok(differs <= 1, "A/A: 'differs' in %d of 3 runs (at most 1; chance failure 0.7%%)" % differs)

rc, d = load(tmp, "b")
if t.ok(rc == 0 and d and d["ledger"], "native, docker-host, docker-nat via docker-proxy measured (rc %d%s)"
        % (rc, why(d, tmp + "/b.err"))):
    h, p = led(d, "docker-host"), led(d, "docker-nat")
    print("# %s\n# %s" % (h["headline"], p["headline"]))
    hy = d["hygiene"]
    t.ok(d["rounds"]["count"] == 6 and d["rounds"]["mode"] == "fixed" and hy["pin"] in (True, False)
         and "pmqos" in hy and "quiet" in hy, "JSON states the rounds and the hygiene (%s)" % hy)
    import os
    rc2, d2 = load(tmp, "b2") if os.path.exists(tmp + "/b2.rc") else (None, None)
    h2 = led(d2, "docker-host") if rc2 == 0 and d2 and d2.get("ledger") else None
    t.ok(consistent(h) and (h["within_noise"] or (h2 is not None and consistent(h2) and h2["within_noise"])),
         "docker-host: same as native within noise (%s%s)" % (h["diff_ci95_ns"], "" if h["within_noise"] else
         "; 'differs' there, so a second run: %s" % (h2 and (h2["diff_ci95_ns"], h2["within_noise"]))))
    # power: docker-proxy adds tens of us per request on these VMs; an
    # interval wider than that (a host busy with other work) cannot show it
    half = (h["diff_ci95_ns"][1] - h["diff_ci95_ns"][0]) / 2 if h["diff_ci95_ns"] else float("inf")
    t.ok(consistent(p) and not p["within_noise"] and p["diff_ci95_ns"][0] > 0,
         "docker-nat via docker-proxy: differs, interval above 0 (%s)" % p["diff_ci95_ns"],
         skip=None if half <= 50000 else
         "host too noisy to detect a docker-proxy-sized effect: intervals +-%.0f us (> 50 us)" % (half / 1e3))
    t.ok("95% CI" in p["headline"], "the headline carries the interval")
    pc = [c for c in p["causes"] if c["present"] and c["measured"]]
    t.ok(pc and all(c["delta_ci95_ns"] is None or c["delta_ci95_ns"][0] <= c["delta_ns_per_op"] <= c["delta_ci95_ns"][1]
                    for c in pc) and all("corrected" in c for c in pc),
         "every present cause has its delta inside delta_ci95_ns and a corrected figure")
    t.ok(p["closure"] is None or p["closure_ci95"] is None or len(p["closure_ci95"]) == 2,
         "closure interval present with the closure (%s %s)" % (p["closure"], p["closure_ci95"]))
    # closure through docker-proxy, corrected components: 60-130%.  Its
    # on-CPU time was its cause once and gave 198% (it double counted the
    # packets' kernel time, held vtax's programs and Go's off-path work);
    # now its cause is the wait for it to read.  Relays (read -> write) and
    # its write -> device are not timed, hence a band reaching below 85%.
    # Asserted when the closure's interval is within +-30%: on a host busy
    # with other work the waits swing it (20-116% seen under load 5).
    cc, cci = p["closure_corrected"], p["closure_corrected_ci95"]
    print("# docker-proxy on-CPU %s us per request (no cause); its cause %.1f us"
          % (p["proxy_oncpu_ns_per_op"] and "%.1f" % (p["proxy_oncpu_ns_per_op"] / 1e3),
             [c for c in p["causes"] if c["cause"] == "proxy"][0]["corrected"]["delta_ns_per_op"] / 1e3))
    t.ok(cc is not None and 0.60 <= cc <= 1.30,
         "docker-nat via docker-proxy: closure with corrected components %s within 60-130%% (95%% CI %s)"
         % (cc is not None and "%.0f%%" % (cc * 100), cci and "%.0f-%.0f%%" % (cci[0] * 100, cci[1] * 100)),
         skip=None if cc is not None and cci and (cci[1] - cci[0]) / 2 <= 0.30 else
         "closure interval too wide on this host (%s)" % cci)
t.plan()
PY
