#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# `vtax export` on bad input: not JSON, truncated JSON, JSON that is not a
# vtax result, a vtax document with broken histograms, an empty compare,
# an unknown format, an unwritable output path.  Each: exit non-zero, one
# error line on stderr starting "vtax: ", no output file (and no temp
# file) left behind, an existing output file left untouched.
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
O="$TMP/out"; mkdir "$O"

# a real run, checked in: `vtax run -- getppid_n 100`
cp "$ROOT/tests/fixtures/run-getppid-100.json" "$TMP/good.json" || exit 1
"$VTAX" export "$TMP/good.json" --format csv -o "$TMP/good.csv" 2>"$TMP/err"
ok $? "the control: the good result exports (the bad inputs below differ from it)"
size=$(stat -c %s "$TMP/good.json")
head -c $((size / 2)) "$TMP/good.json" >"$TMP/truncated.json"
echo 'hello, not json' >"$TMP/text.json"
echo '{"foo": [1, 2, 3]}' >"$TMP/other.json"
: >"$TMP/empty.json"
python3 - "$TMP/good.json" "$TMP" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); t = sys.argv[2]
d2 = dict(d); d2["subjects"] = "nope"
json.dump(d2, open(t + "/nosubjects.json", "w"))
d3 = json.loads(json.dumps(d)); d3["subjects"][0]["histograms"][0]["buckets"] = [["x", 2, 3]]
json.dump(d3, open(t + "/badbucket.json", "w"))
json.dump({"vtax_schema": 1, "mode": "compare", "environments": [], "ledger": {}}, open(t + "/emptycmp.json", "w"))
json.dump({"vtax_schema": 1, "mode": "compare", "environments": [{"env": "x", "subjects": [{"id": 5}]}]}, open(t + "/badcmp.json", "w"))
PY

expect_fail() { # expect_fail DESC ARGS... : non-zero, one "vtax: " line, $O empty
	local d=$1; shift
	"$VTAX" export "$@" >"$TMP/stdout" 2>"$TMP/stderr"; local rc=$?
	local lines; lines=$(wc -l <"$TMP/stderr")
	[ $rc -ne 0 ] && [ "$lines" -eq 1 ] && grep -q '^vtax: ' "$TMP/stderr" && [ -z "$(ls -A "$O")" ] && [ ! -s "$TMP/stdout" ]
	ok $? "$d: exit $rc, '$(head -1 "$TMP/stderr")'"
	rm -rf "${O:?}"/*
}
for f in html csv openmetrics; do
	expect_fail "truncated JSON ($f)" "$TMP/truncated.json" --format $f -o "$O/x"
done
expect_fail "not JSON" "$TMP/text.json" --format html -o "$O/x.html"
expect_fail "empty file" "$TMP/empty.json" --format csv -o "$O/x.csv"
expect_fail "JSON but not a vtax result" "$TMP/other.json" --format csv -o "$O/x.csv"
expect_fail "vtax document without subjects" "$TMP/nosubjects.json" --format openmetrics -o "$O/x.om"
expect_fail "corrupt bucket" "$TMP/badbucket.json" --format csv -o "$O/x.csv"
expect_fail "compare without environments" "$TMP/emptycmp.json" --format html -o "$O/x.html"
expect_fail "compare with a broken environment" "$TMP/badcmp.json" --format gnuplot -o "$O/plots"
expect_fail "missing input file" "$TMP/nope.json" --format csv -o "$O/x.csv"
expect_fail "unknown format" "$TMP/good.json" --format xlsx -o "$O/x.xlsx"
expect_fail "gnuplot without a directory" "$TMP/good.json" --format gnuplot
expect_fail "unwritable path (no such directory)" "$TMP/good.json" --format html -o "$O/no/such/dir/x.html"
expect_fail "unwritable path (a file as directory)" "$TMP/good.json" --format gnuplot -o "$TMP/good.json/plots"
expect_fail "unwritable path (/proc)" "$TMP/good.json" --format csv -o /proc/vtax-test.csv

# a full device fails at write/close time: the temp file must go too
if [ -w /dev/full ]; then
	ln -s /dev/full "$TMP/full.csv"
	"$VTAX" export "$TMP/good.json" --format csv -o "$TMP/full.csv" 2>"$TMP/stderr"
	[ $? -ne 0 ] && [ "$(wc -l <"$TMP/stderr")" -eq 1 ]; ok $? "write error (/dev/full): exit non-zero, one line"
	rm -f "$TMP/full.csv"
fi
# an existing output survives a failed export
echo keep >"$O/keep.html"
"$VTAX" export "$TMP/truncated.json" --format html -o "$O/keep.html" 2>/dev/null
[ $? -ne 0 ] && [ "$(cat "$O/keep.html")" = keep ] && [ "$(ls -A "$O")" = keep.html ]
ok $? "existing output untouched, no temp file, after a failed export"
rm -f "$O/keep.html"
# run/attach reject an unknown format before tracing anything
"$VTAX" run --format xlsx -- true 2>"$TMP/stderr"; [ $? -ne 0 ] && [ "$(wc -l <"$TMP/stderr")" -eq 1 ]
ok $? "run --format xlsx: one error line ($(cat "$TMP/stderr"))"
# and the good file still exports in every format
for f in csv openmetrics html; do
	"$VTAX" export "$TMP/good.json" --format $f -o "$O/g.$f" 2>/dev/null && [ -s "$O/g.$f" ]; ok $? "good input exports as $f"
done
"$VTAX" export "$TMP/good.json" --format gnuplot -o "$O/gp" 2>/dev/null && [ -s "$O/gp/plot.gp" ]; ok $? "good input exports as gnuplot"
[ -z "$(find "$TMP" -name '*.??????' -newer "$TMP/good.json")" ]; ok $? "no temp files anywhere"
done_testing
