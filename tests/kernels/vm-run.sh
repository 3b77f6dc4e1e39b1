#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# vm-run.sh - run one command inside a Debian kernel booted under QEMU TCG,
# with this host's own userland (/ shared read-only over 9p), and hand back
# its output and exit status.  The kernel matrix (tests/kernels/matrix.sh)
# and the in-guest KVM tests use it: under TCG, `-cpu max` gives the guest
# SVM with nested paging, so `modprobe kvm_amd` in the guest gives a real
# /dev/kvm whose kvm_exit/kvm_entry fire.
#
#   vm-run.sh [options] KERNEL -- COMMAND [ARG...]
#     KERNEL        6.1 | 6.12 (fetched by fetch-kernel.sh, cached) or an
#                   unpacked kernel tree (DIR/boot/vmlinuz-VER, DIR/lib/modules/VER)
#     --out DIR     the writable share (default: a new temporary dir, removed);
#                   the guest sees it as /tmp/vtax-out; the command's stdout
#                   and stderr land in DIR/out, its exit status in DIR/rc,
#                   the guest's console in DIR/console.log
#     --timeout S   kill the guest after S seconds (default 600): exit 124
#     --mem M       guest memory (default 2G); --smp N vCPUs (default 2)
#     --qemu ARG    one more QEMU argument (repeatable)
# The command runs as root in a chroot of the host's /, in the current
# directory, with tmpfs on /tmp /run /var/lib /var/tmp /var/log /root,
# proc/sys/dev/tracefs/bpffs/cgroup2 mounted; modprobe (PATH, iptables and
# the kernel's requests) loads the guest kernel's modules from KERNEL's tree.  VTAX_GUEST=1 is set.
# Output: the command's output on stdout; exit status: the command's, 124 on
# timeout, 125 when the guest never ran it (console tail on stderr).
# Single-threaded TCG: multi-threaded TCG crashed a 6.12 guest when
# tracepoints were attached (MACHINE.md).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
out='' timeout=600 mem=2G smp=2 qemu_extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--qemu) qemu_extra+=("$2"); shift 2 ;;
	--) shift; break ;;
	-*) echo "vm-run.sh: unknown option $1" >&2; exit 2 ;;
	*) kernel=$1; shift ;;
	esac
done
[ -n "${kernel:-}" ] && [ $# -gt 0 ] || { echo "usage: vm-run.sh [--out DIR] [--timeout S] KERNEL -- COMMAND..." >&2; exit 2; }
case "$kernel" in
/*) kdir=$kernel ;;
*) kdir=$("$HERE/fetch-kernel.sh" "$kernel") ;;
esac
vmlinuz=$(ls "$kdir"/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$vmlinuz" ] || { echo "vm-run.sh: no boot/vmlinuz-* under $kdir" >&2; exit 2; }
ver=${vmlinuz##*/vmlinuz-}
mdir=$kdir/lib/modules/$ver

# the initramfs: busybox-static, /init, the 9p/virtio modules and their
# dependencies (modules.dep order; built-in ones are skipped), decompressed
initrd=$kdir/vtax-initramfs-$(cat "$HERE/guest-init.sh" "$0" | md5sum | cut -c1-8).cpio.gz
if [ ! -e "$initrd" ]; then
	ir=$(mktemp -d)
	trap 'rm -rf "$ir"' EXIT
	mkdir -p "$ir"/{bin,proc,sys,dev,newroot,modules}
	cp /bin/busybox "$ir/bin/busybox"
	cp "$HERE/guest-init.sh" "$ir/init"
	chmod +x "$ir/init"
	echo "$kdir" >"$ir/kernel-dir"
	declare -A seen=()
	add() { # add MODULE_PATH (relative to $mdir), dependencies first
		local p=$1 d
		[ -n "${seen[$p]:-}" ] && return 0
		seen[$p]=1
		for d in $(awk -v p="$p:" '$1 == p { $1 = ""; print }' "$mdir/modules.dep"); do add "$d"; done
		local n=${p##*/}; n=${n%.xz}
		case "$p" in *.xz) xz -dc "$mdir/$p" >"$ir/modules/$n" ;; *) cp "$mdir/$p" "$ir/modules/$n" ;; esac
		echo "$n" >>"$ir/modules.order"
	}
	: >"$ir/modules.order"
	for m in virtio_pci 9pnet_virtio 9p; do
		p=$(awk -F: -v m="/$m.ko" '{ f = "/" $1; sub(/\.xz$/, "", f) } substr(f, length(f) - length(m) + 1) == m { print $1; exit }' "$mdir/modules.dep")
		[ -n "$p" ] && add "$p"
	done
	(cd "$ir" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	rm -rf "$ir"
	trap - EXIT
fi

own_out=0
if [ -z "$out" ]; then
	out=$(mktemp -d /tmp/vtax-vm.XXXXXX)
	own_out=1
fi
mkdir -p "$out"
rm -f "$out/rc" "$out/out" "$out/console.log"
printf '%s\n' "$PWD" >"$out/cwd"
{
	printf 'cd %q || exit 125\n' "$PWD"
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$out/cmd.sh"

cleanup() { [ $own_out -eq 1 ] && rm -rf "$out"; return 0; }
trap cleanup EXIT
rc=0
timeout --kill-after=10 "$timeout" qemu-system-x86_64 -accel tcg,thread=single -cpu max \
	-m "$mem" -smp "$smp" -nodefaults -display none -no-reboot \
	-serial "file:$out/console.log" -monitor none \
	-kernel "$vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 quiet loglevel=4 rdinit=/init" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$out,mount_tag=vtaxout,security_model=none" \
	-virtfs "local,path=$PWD,mount_tag=vtaxcwd,security_model=none,readonly=on,multidevs=remap" \
	"${qemu_extra[@]}" </dev/null >/dev/null 2>"$out/qemu.err" || rc=$?
[ -e "$out/out" ] && cat "$out/out"
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "vm-run.sh: guest ($ver) timed out after ${timeout}s; console:" >&2
	tail -n 15 "$out/console.log" >&2
	exit 124
fi
if [ ! -e "$out/rc" ]; then
	echo "vm-run.sh: guest ($ver) did not run the command (qemu exit $rc); console:" >&2
	tail -n 15 "$out/console.log" "$out/qemu.err" >&2
	exit 125
fi
exit "$(cat "$out/rc")"
