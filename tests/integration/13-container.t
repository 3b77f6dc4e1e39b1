#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# --container on a real Docker container (busybox image built offline):
# the subject is container:NAME, its syscalls are traced (docker exec'd
# processes included, via its cgroup), its rootfs files classify as overlay.
. "$(dirname "$0")/lib.sh"
need_root
ensure_docker || skip_all "Docker daemon cannot be started"
TMP=$(mktemp -d)
IMG=vtax-test-busybox:$$
NAME=vtax-test-c$$
cleanup() {
	docker rm -f "$NAME" >/dev/null 2>&1
	docker rmi -f "$IMG" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
mkdir -p "$TMP/rootfs/bin" "$TMP/rootfs/etc" "$TMP/rootfs/data"
cp /bin/busybox "$TMP/rootfs/bin/busybox"
for a in sh cat sleep stat; do ln -s busybox "$TMP/rootfs/bin/$a"; done
echo hello >"$TMP/rootfs/data/file"
tar -C "$TMP/rootfs" -c . | docker import --change 'LABEL vtax=1' - "$IMG" >/dev/null
ok $? "busybox image imported offline"
docker run -d --name "$NAME" --label vtax=1 --network none "$IMG" \
	/bin/sh -c 'while :; do cat /data/file >/dev/null; sleep 0.02; done' >/dev/null
ok $? "container started"

( sleep 0.5; docker exec "$NAME" /bin/stat /data/file >/dev/null ) &
"$VTAX" attach --container "$NAME" --duration 2 --format json -o "$TMP/c.json" 2>"$TMP/err"
ok $? "vtax attach --container $NAME"
wait
id=$(jpy "$TMP/c.json" "[s['id'] for s in d['subjects']]")
[[ "$id" == *"container:$NAME"* ]]; ok $? "subject is container:$NAME ($id)"
n=$(hsum "$TMP/c.json" container: syscall clock_nanosleep part=total count)
diag "nanosleeps: $n"
ge "$n" 30; ok $? "the container's sleeps are traced ($n in 2 s at 50/s)"
o=$(hsum "$TMP/c.json" container: syscall openat fs=overlay,part=total count)
ge "$o" 30; ok $? "openat of the container's files classify as overlay ($o)"
e=$(hsum "$TMP/c.json" container: syscall execve "" count)
ge "$e" 1; ok $? "docker exec'd and forked processes are part of the container subject ($e execve)"

# --all: the host broken down per container plus "host"
"$VTAX" attach --all --probes syscall,sched --duration 2 --format json -o "$TMP/all.json" 2>"$TMP/err"
ok $? "vtax attach --all"
python3 - "$TMP/all.json" "$NAME" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); name = sys.argv[2]
ids = {s["id"]: s for s in d["subjects"]}
c = ids["container:" + name]
n = sum(h["count"] for h in c["histograms"] if h["name"] == "clock_nanosleep" and h["labels"].get("part") == "total")
assert "host" in ids, ids.keys()
assert n >= 30, n
# the container's sleeps are not also counted as the host's
hn = sum(h["count"] for h in ids["host"]["histograms"] if h["name"] == "openat" and h["labels"].get("fs") == "overlay")
print(f"# container nanosleeps {n}, host overlay openat {hn}")
PY
ok $? "--all shows container:$NAME as its own subject beside host"

"$VTAX" attach --container vtax-no-such-container-$$ --duration 1 2>"$TMP/err" >/dev/null
rc=$?; [ $rc -ne 0 ] && grep -q 'no such container' "$TMP/err" && [ "$(wc -l <"$TMP/err")" -eq 1 ]
ok $? "a missing container is one clear error line, non-zero exit"
done_testing
