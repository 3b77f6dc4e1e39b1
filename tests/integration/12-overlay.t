#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Filesystem attribution with a known overlay depth: stat and openat of
# files that live in the lowest layer of an overlay with 1 and with 30
# lower layers, and in a plain directory.  vtax must classify overlay vs
# the backing fs, and the 30-layer stack must cost more per cold lookup.
. "$(dirname "$0")/lib.sh"
need_root
TMP=$(mktemp -d)
MNTS=()
cleanup() {
	for m in "${MNTS[@]}"; do umount "$m" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
N=300
BASEFS=$(stat -f -c %T "$TMP")
case $BASEFS in ext2/ext3) BASEFS=ext4 ;; esac

mk_overlay() { # mk_overlay NAME DEPTH
	local d=$TMP/$1 lowers="" i
	mkdir -p "$d/upper" "$d/work" "$d/merged"
	for i in $(seq 1 "$2"); do
		mkdir -p "$d/l$i"; echo "$i" >"$d/l$i/layer$i"
		lowers=${lowers:+$lowers:}$d/l$i
	done
	# files in the lowest layer: every lookup walks the whole stack
	for i in $(seq 0 $((N - 1))); do : >"$d/l$2/f$i"; done
	mount -t overlay overlay -o "lowerdir=$lowers,upperdir=$d/upper,workdir=$d/work" "$d/merged"
	MNTS+=("$d/merged")
}
mk_overlay o1 1
mk_overlay o30 30
mkdir -p "$TMP/plain"; for i in $(seq 0 $((N - 1))); do : >"$TMP/plain/f$i"; done

for t in plain o1/merged o30/merged; do
	sync; echo 2 >/proc/sys/vm/drop_caches   # cold dentries: lookups walk the layers
	"$VTAX" run --format json -o "$TMP/$(echo $t | tr / _).json" -- "$FIX/fsops" "$TMP/$t" $N 2>"$TMP/err"
	ok $? "vtax run fsops in $t"
done
P=$TMP/plain.json O1=$TMP/o1_merged.json O30=$TMP/o30_merged.json

for f in "$O1" "$O30"; do
	c=$(hsum "$f" pid: syscall newfstatat fs=overlay,part=total count)
	[ "$c" = $N ]; ok $? "$(basename $f): all $N stats classified overlay ($c)"
	c=$(hsum "$f" pid: syscall openat fs=overlay,part=total count)
	[ "$c" = $N ]; ok $? "$(basename $f): all $N openat classified overlay ($c)"
done
c=$(hsum "$P" pid: syscall newfstatat fs=$BASEFS,part=total count)
# the dynamic loader adds a few stats of its own on the root fs
ge "$c" $N && le "$c" $((N + 10)); ok $? "plain dir: $N stats classified $BASEFS ($c, loader's included)"
c=$(hsum "$P" pid: syscall newfstatat fs=overlay,part=total count)
[ "$c" = 0 ]; ok $? "plain dir: no overlay stats ($c)"
c=$(hsum "$P" pid: syscall openat fs=$BASEFS,part=total count)
ge "$c" $N; ok $? "plain dir: openat classified $BASEFS ($c)"

m1=$(python3 -c "print($(hsum "$O1" pid: syscall newfstatat fs=overlay,part=total sum_ns)/$N)")
m30=$(python3 -c "print($(hsum "$O30" pid: syscall newfstatat fs=overlay,part=total sum_ns)/$N)")
mp=$(python3 -c "print($(hsum "$P" pid: syscall newfstatat fs=$BASEFS,part=total sum_ns)/$N)")
diag "mean cold stat: plain $mp ns, overlay x1 $m1 ns, overlay x30 $m30 ns"
ge "$m30" "$(python3 -c "print(1.5*$m1)")"; ok $? "30 lower layers cost more per stat than 1 (>= 1.5x)"
ge "$m1" "$mp"; ok $? "overlay costs more per stat than the plain directory"
done_testing
