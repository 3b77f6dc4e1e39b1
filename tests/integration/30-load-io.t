#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# 30-load-io.t - the "io" load generator (src/load/load_io.c): runs
# build/tests/30-loadgen with VTAX_TEST_IO_DIR on a disk-backed temp dir
# (/var/tmp: /tmp may be tmpfs) so that O_DIRECT reads reach the device and
# show in the kernel's per-process I/O accounting, and with a ramfs mount
# (which refuses O_DIRECT) to check the buffered fallback.  Everything
# (mount, files) is removed on exit.
set -u
cd "$(dirname "$0")/../.." || exit 1
bin=${VTAX_TEST_BUILD:-build}/tests/30-loadgen
[ -x "$bin" ] || { echo "1..0 # SKIP $bin not built (make)"; exit 0; }

tmp=$(mktemp -d /var/tmp/vtax-t30io.XXXXXX) || exit 1
mounted=0
cleanup() {
	[ $mounted = 1 ] && umount "$tmp/ramfs"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir "$tmp/disk" "$tmp/ramfs"
if [ "$(id -u)" = 0 ] && mount -t ramfs vtax-t30 "$tmp/ramfs" 2>/dev/null; then
	mounted=1
	export VTAX_TEST_IO_NODIRECT_DIR="$tmp/ramfs"
fi
VTAX_TEST_IO_DIR="$tmp/disk" "$bin"
