#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# vtax set-up: installs every build and runtime dependency from Debian's
# archive (bookworm + bookworm-backports), mounts tracefs/bpffs when missing.
# Idempotent: safe to run again; does nothing that is already done.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: must run as root (it installs packages and mounts tracefs)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# libbpf >= 1.3 (netfilter links) and bpftool come from bookworm-backports.
# Its source is derived from the Debian source this machine already uses
# (same mirror URI and key), so a machine behind a local mirror keeps using
# it: no archive host is named here.
. /etc/os-release
CODENAME=${VERSION_CODENAME:-bookworm}
BP=/etc/apt/sources.list.d/vtax-$CODENAME-backports.sources
. "$(dirname "$0")/apt-sources.sh"
if ! grep -rqs "^[^#]*$CODENAME-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
	read -r BP_URI BP_KEY < <(main_source "$CODENAME" | head -1) || true
	if [ -z "${BP_URI:-}" ]; then
		echo "setup.sh: no enabled apt source for suite $CODENAME found in /etc/apt/sources.list(.d): cannot derive $CODENAME-backports" >&2
		exit 1
	fi
	[ "${BP_KEY:--}" = "-" ] && BP_KEY=/usr/share/keyrings/debian-archive-keyring.gpg
	cat >"$BP" <<SRC
Types: deb
URIs: $BP_URI
Suites: $CODENAME-backports
Components: main
Signed-By: $BP_KEY
SRC
	echo "setup.sh: added $CODENAME-backports from $BP_URI ($BP)" >&2
	rm -f /var/lib/vtax-apt-updated
fi

BUILD_PKGS=(make gcc clang llvm pkg-config libelf-dev zlib1g-dev libjansson-dev
	libhiredis-dev libmariadb-dev liburing-dev libmicrohttpd-dev
	cppcheck clang-tidy clang-format valgrind libclang-rt-14-dev)
RUN_PKGS=(iproute2 iptables kmod util-linux procps psmisc busybox-static
	docker.io redis-server redis-tools mariadb-server mariadb-client
	qemu-system-x86 fio sysbench gnuplot-nox prometheus chromium
	python3 e2fsprogs linux-perf bpftrace xz-utils)
# man page, completion, Debian package and their tests (85-87-*.t):
# pandoc renders vtax(8), man-db checks it, debhelper/devscripts/lintian
# build and check the package, debootstrap makes the clean root it is
# installed into, systemd's systemd-analyze checks the unit.
PKG_PKGS=(pandoc man-db bash-completion debhelper devscripts lintian fakeroot
	debootstrap systemd curl)
BP_PKGS=(libbpf-dev bpftool)

need=()
for p in "${BUILD_PKGS[@]}" "${RUN_PKGS[@]}" "${PKG_PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
bp_need=0
if ! pkg-config --atleast-version=1.3 libbpf 2>/dev/null || ! command -v bpftool >/dev/null || ! bpftool version >/dev/null 2>&1; then
	bp_need=1
fi

if [ ${#need[@]} -gt 0 ] || [ $bp_need -eq 1 ]; then
	if [ ! -e /var/lib/vtax-apt-updated ] || [ $bp_need -eq 1 ]; then
		apt-get update -qq
		touch /var/lib/vtax-apt-updated
	fi
	if [ $bp_need -eq 1 ]; then
		apt-get install -y -qq -t bookworm-backports "${BP_PKGS[@]}" >/dev/null
	fi
	if [ ${#need[@]} -gt 0 ]; then
		echo "setup.sh: installing ${need[*]}" >&2
		# services must not auto-start in a way that breaks apt on a container-less box
		apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	fi
fi

# Servers are started by vtax itself per run; do not leave Debian's own
# instances listening (they would skew the native baseline).
for svc in redis-server mariadb; do
	if command -v systemctl >/dev/null && systemctl is-active -q "$svc" 2>/dev/null; then
		systemctl stop "$svc" || true
		systemctl disable "$svc" >/dev/null 2>&1 || true
	fi
done

# Debian's 6.1 and 6.12 kernels for `make test-kernels` (tests/kernels/),
# cached in /var/cache/vtax-kernels: a kernel that cannot be fetched fails
# set-up here, loudly, rather than skipping the matrix later.
for k in 6.1 6.12; do
	bash "$(dirname "$0")/../tests/kernels/fetch-kernel.sh" "$k" >/dev/null
done

# tracefs and bpffs
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || true


# Docker's daemon: start it when it is not answering.
bash "$(dirname "$0")/start-dockerd.sh" || echo "setup.sh: warning: Docker is unavailable; its tests will skip" >&2

echo "setup.sh: ok (libbpf $(pkg-config --modversion libbpf), $(bpftool version | head -1))" >&2
