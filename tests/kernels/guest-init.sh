#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# guest-init.sh - /init of the busybox initramfs that tests/kernels/vm-run.sh
# boots: loads the 9p/virtio modules listed in /modules.order, mounts the
# host's / read-only over 9p (tag hostroot) with tmpfs where programs
# write, the kernel's own modules at /lib/modules/$(uname -r), proc, sys,
# dev, tracefs, bpffs and cgroup2, the writable 9p share (tag vtaxout) at
# /tmp/vtax-out, then runs /tmp/vtax-out/cmd.sh in a chroot and writes its
# exit status to /tmp/vtax-out/rc.  Then it powers the guest off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
say() { echo "vtax-guest: $*" >/dev/console; }
die() { say "$*"; sync; reboot -f; }
while read -r m; do
	insmod "/modules/$m" || say "insmod $m failed"
done </modules.order
kdir=$(cat /kernel-dir)
R=/newroot
mkdir -p $R
mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot $R || die "cannot mount the host's / over 9p"
for d in tmp run var/lib var/tmp var/log root; do
	mount -t tmpfs -o mode=0755 tmpfs $R/$d || die "tmpfs on /$d failed"
done
chmod 1777 $R/tmp $R/var/tmp
# the host may have no /lib/modules at all (and / is read-only): a modprobe
# wrapper reading the guest kernel's tree serves PATH, iptables and the
# kernel's own module requests (/proc/sys/kernel/modprobe)
[ -d "$R$kdir/lib/modules/$(uname -r)" ] || die "no modules for $(uname -r) under $kdir"
mkdir -p $R/run/vtax-guest/bin
printf '#!/bin/sh\nexec /sbin/modprobe -d %s "$@"\n' "$kdir" >$R/run/vtax-guest/bin/modprobe
chmod +x $R/run/vtax-guest/bin/modprobe
# the kernel's module requests run in PID 1's root (this initramfs), not
# in the chroot: the same path here enters the chroot first
mkdir -p /run/vtax-guest/bin
printf '#!/bin/busybox sh\nexec /bin/busybox chroot %s /sbin/modprobe -d %s "$@"\n' "$R" "$kdir" >/run/vtax-guest/bin/modprobe
chmod +x /run/vtax-guest/bin/modprobe
echo /run/vtax-guest/bin/modprobe >/proc/sys/kernel/modprobe
mount -t proc proc $R/proc
mount -t sysfs sys $R/sys
mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm
mount -t tracefs nodev $R/sys/kernel/tracing
mount -t debugfs nodev $R/sys/kernel/debug 2>/dev/null
mount -t bpf bpf $R/sys/fs/bpf
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup
# controllers for child cgroups (CFS quota tests), as systemd would enable
echo "+cpu +io +memory +pids" >$R/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
mkdir -p $R/tmp/vtax-out
mount -t 9p -o trans=virtio,version=9p2000.L vtaxout $R/tmp/vtax-out || die "cannot mount the output share"
# the working directory (the repository) when the tmpfs mounts above hide it
# (a clone under /tmp, say): vm-run.sh shares it read-only as vtaxcwd
cwd=$(cat $R/tmp/vtax-out/cwd 2>/dev/null)
if [ -n "$cwd" ] && [ ! -d "$R$cwd" ]; then
	mkdir -p "$R$cwd"
	mount -t 9p -o trans=virtio,version=9p2000.L,ro vtaxcwd "$R$cwd" || die "cannot mount the working directory"
fi
ip link set lo up 2>/dev/null
say "booted $(uname -r); running the command"
chroot $R /usr/bin/env -i PATH=/run/vtax-guest/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root TERM=dumb LANG=C.UTF-8 VTAX_GUEST=1 \
	/bin/sh -c '/bin/sh /tmp/vtax-out/cmd.sh >/tmp/vtax-out/out 2>&1; echo $? >/tmp/vtax-out/rc.tmp; mv /tmp/vtax-out/rc.tmp /tmp/vtax-out/rc; sync'
say "command exited $(cat $R/tmp/vtax-out/rc 2>/dev/null)"
umount $R/tmp/vtax-out
sync
reboot -f
