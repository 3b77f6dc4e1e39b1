#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# fetch-kernel.sh SERIES - download (apt-get download, cached) and unpack
# Debian's newest kernel of a series, so the kernel matrix and the guest
# harness (tests/kernels/vm-run.sh) can boot it.  SERIES is 6.1 (bookworm's
# stock linux-image-6.1.0-N-amd64) or 6.12 (linux-image-6.12.N+deb12-amd64,
# bookworm-backports / Debian 13's series).  Prints the unpacked tree's path
# (DIR, with DIR/boot/vmlinuz-VER and DIR/lib/modules/VER, depmod'ed).
# Cache: $VTAX_KERNEL_CACHE (default /var/cache/vtax-kernels); a cached tree
# is reused.  Exits non-zero with one line on stderr when the package cannot
# be found or downloaded: CI must fail loudly, not skip.
set -euo pipefail

series=${1:?usage: fetch-kernel.sh 6.1|6.12}
cache=${VTAX_KERNEL_CACHE:-/var/cache/vtax-kernels}
case "$series" in
6.1) re='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
6.12) re='^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
*)
	echo "fetch-kernel.sh: unknown series '$series' (6.1 or 6.12)" >&2
	exit 2
	;;
esac

pkg=$(apt-cache search --names-only "$re" | awk '{print $1}' | sort -V | tail -1)
if [ -z "$pkg" ]; then
	echo "fetch-kernel.sh: no package matches $re in apt's lists (run scripts/setup.sh: it adds bookworm-backports and runs apt-get update)" >&2
	exit 1
fi
ver=${pkg#linux-image-}
dir=$cache/$ver
if [ -e "$dir/.ok" ]; then
	echo "$dir"
	exit 0
fi
mkdir -p "$cache/debs"
deb=$(ls "$cache"/debs/"${pkg}"_*.deb 2>/dev/null | tail -1 || true)
if [ -z "$deb" ]; then
	echo "fetch-kernel.sh: downloading $pkg" >&2
	# _apt downloads into a directory it can write
	chown _apt "$cache/debs" 2>/dev/null || true
	# stale package lists name a version the archive no longer has: update once
	(cd "$cache/debs" && { apt-get download -q "$pkg" >&2 || { apt-get update -qq && apt-get download -q "$pkg" >&2; }; }) || {
		echo "fetch-kernel.sh: apt-get download $pkg failed" >&2
		exit 1
	}
	deb=$(ls "$cache"/debs/"${pkg}"_*.deb | tail -1)
fi
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
dpkg-deb -x "$deb" "$dir.tmp"
[ -e "$dir.tmp/boot/vmlinuz-$ver" ] || {
	echo "fetch-kernel.sh: $deb has no boot/vmlinuz-$ver" >&2
	exit 1
}
# 6.1's package ships no modules.dep; modprobe inside the guest needs it
depmod -b "$dir.tmp" "$ver"
touch "$dir.tmp/.ok"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "$dir"
