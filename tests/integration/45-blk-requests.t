#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 45-blk-requests.t - the blk family on a loop device: an O_DIRECT fixture
# (tests/fixtures/odirect_reads.c) issuing exactly K 4 KiB reads gives
# exactly K blk.service{dev=loopN, op=read, size=4k} requests for its
# subject, and K bio_wait samples; also through a partition (addpart) and
# with 64 KiB reads (size=64k).  The loop device and its backing file in a
# temp dir are removed on every exit path.
set -u
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.." || exit 1
B=${VTAX_TEST_BUILD:-build}
VTAX=$B/vtax
FIX=$B/fixtures/odirect_reads

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -x "$VTAX" ] && [ -x "$FIX" ] || skip_all "build first (make)"
command -v losetup > /dev/null || skip_all "no losetup"

tmp=$(mktemp -d /var/tmp/vtax-t45blk.XXXXXX) || exit 1
loop=
cleanup() {
	[ -n "$loop" ] && { delpart "$loop" 1 2>/dev/null; losetup -d "$loop"; }
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

truncate -s 64M "$tmp/img"
# direct I/O to the backing file needs a filesystem that has it: tmpfs only
# since 6.6 (losetup: "Invalid argument" on 6.1, where a TCG guest's
# /var/tmp is tmpfs).  Then the loop device reads its backing file through
# the page cache; the requests on loopN, which the checks count (the
# fixture reads /dev/loopN with O_DIRECT), are the same either way.
if loop=$(losetup --find --show --direct-io=on "$tmp/img" 2>/dev/null); then
	diag "loop device $loop, direct I/O to its backing file"
else
	loop=$(losetup --find --show "$tmp/img") || skip_all "losetup failed"
	diag "loop device $loop, buffered backing file ($(stat -f -c %T "$tmp") refuses direct I/O)"
fi
dev=$(basename "$loop")

# count FILE NAME 'k=v,...' -> summed count over pid: subjects
count() {
	python3 - "$@" <<'PY'
import json, sys
f, name, labels = sys.argv[1:4]
want = dict(kv.split("=", 1) for kv in labels.split(",") if kv)
d = json.load(open(f))
print(sum(h["count"] for s in d["subjects"] if s["id"].startswith("pid:")
          for h in s["histograms"] if h["family"] == "blk" and h["name"] == name
          and all(h["labels"].get(k) == v for k, v in want.items())))
PY
}

K=257
"$VTAX" run --probes blk -f json -o "$tmp/r1.json" -- "$FIX" "$loop" $K > /dev/null
ok $? "vtax run -- odirect_reads $loop $K"
c=$(count "$tmp/r1.json" service "dev=$dev,op=read,size=4k")
# every request on the loop device is one of the K reads (the fixture's own
# exec may read its binary from the root disk: that is another device)
all=$(count "$tmp/r1.json" service "dev=$dev")
ok $([ "$c" = $K ] && [ "$all" = $K ]; echo $?) "exactly $K blk.service{dev=$dev,op=read,size=4k} (got $c, all $all)"
w=$(count "$tmp/r1.json" bio_wait "dev=$dev,op=read,size=4k")
ok $([ "$w" = $K ]; echo $?) "exactly $K blk.bio_wait samples (got $w)"

K=64
"$VTAX" run --probes blk -f json -o "$tmp/r2.json" -- "$FIX" "$loop" $K 65536 > /dev/null
c=$(count "$tmp/r2.json" service "dev=$dev,op=read,size=64k")
ok $([ "$c" = $K ]; echo $?) "64 KiB reads: exactly $K blk.service{size=64k} (got $c)"

if addpart "$loop" 1 2048 100000 2>/dev/null && for _ in $(seq 50); do [ -b "${loop}p1" ] && break; sleep 0.1; done && [ -b "${loop}p1" ]; then
	K=100
	"$VTAX" run --probes blk -f json -o "$tmp/r3.json" -- "$FIX" "${loop}p1" $K > /dev/null
	c=$(count "$tmp/r3.json" service "dev=$dev,op=read,size=4k")
	ok $([ "$c" = $K ]; echo $?) "through partition ${loop}p1: $K requests charged to disk $dev (got $c)"
else
	skip "addpart on $loop failed"
fi

done_testing
