// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * env_vm.c - the "vm" environment: a QEMU guest running the server.
 *
 *   kernel     Debian's linux-image-6.1.0-N-amd64, fetched once with
 *              `apt-get download` into the cache dir (/var/cache/vtax) and
 *              unpacked with `dpkg-deb -x`.  virtio and ext4 are modules
 *              there and the .deb has no modules.dep: env_image.c orders
 *              them from their .modinfo; the guest init insmods them.
 *   initramfs  busybox-static, the server (redis-server, or mariadbd with
 *              /usr/share/mysql) and its libraries, the vtax binary and
 *              its libraries, the modules and an /init script; written by
 *              vtax as a newc cpio (env_image.c).
 *   network    virtio-net on a tap (vtaxtapN) on a bridge (vtaxbrN),
 *              host 198.19.N.1/24, guest 198.19.N.2: the client's packets
 *              cross the tap and QEMU's virtio-net backend.  No NAT.
 *   storage    virtio-blk (cache=none) on a raw ext4 image in the work dir,
 *              mounted at /data in the guest.  MariaDB's data directory is
 *              initialised on the host (mariadb-install-db, as for the other
 *              environments) and written into the image by `mkfs.ext4 -d`,
 *              so every table and log I/O of the guest's server goes
 *              through virtio-blk.
 *   commands   a virtio-serial port "vtax.cmd" backed by a unix socket:
 *              the guest's init reads "SEQ TIMEOUT shell-quoted-argv" lines
 *              and answers "VTAX-OUT SEQ LEN\n<bytes>VTAX-RC SEQ RC\n".  It
 *              is off the measured network path, and each command runs
 *              under the guest's `timeout -s KILL`.
 *   accel      KVM only when it can boot a kernel: PVM (/sys/module/kvm_pvm,
 *              a paravirtual KVM) cannot, so TCG is used directly there;
 *              elsewhere with /dev/kvm and kvm_intel/kvm_amd a KVM boot is
 *              tried within a bound, then TCG.  Under TCG the environment is
 *              marked emulated with a "not representative" label.
 *              Inside a VM (nested KVM) the machine is microvm, not pc (see
 *              vm_machine), and the environment is labelled nested.
 *
 * Servers: redis (kv) and MariaDB (oltp, port 3306); io runs its own load.
 * QEMU gets PDEATHSIG, so a killed vtax takes its guest with it;
 * cleanup_stale removes vtax taps with no QEMU attached and empty bridges.
 */
#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "env/env.h"
#include "env/server.h"
#include "util/state.h"

#define VM_LABEL_TCG "emulated (TCG): not representative of KVM"
#define VM_LABEL_NESTED_TCG "nested KVM under TCG: exit counts and reasons are real, times are not"
#define VM_CMD_PORT "vtax.cmd"
#define VM_SERVER_PORT 6379 /* redis in the guest, on its own address */
#define VM_MARIADB_PORT 3306 /* MariaDB in the guest */

static int ip_cmd(struct vtax_env *e, char *err, size_t errlen, char *const argv[])
{
	char msg[512] = "";
	/* the default bound (60 s), not 10: in a loaded TCG guest `ip` itself
	 * is read over 9p, and `ip addr add` once took longer than 10 s */
	struct vtax_run_opts ro = { .verbose = e ? e->priv.verbose : 0, .err = msg,
				    .errlen = sizeof(msg) };
	int r = vtax_spawn__run(argv, NULL, 0, &ro);

	if (r && err)
		snprintf(err, errlen, "%s %s %s failed (%d): %.200s", argv[0], argv[1], argv[2], r, msg);
	return r < 0 ? r : (r ? -EIO : 0);
}

static int link_exists(const char *name)
{
	char p[128];

	snprintf(p, sizeof(p), "/sys/class/net/%s", name);
	return access(p, F_OK) == 0;
}

/* ---- guest kernel: cache, download, unpack ---- */

static int find_kernel(const char *cache, char *vmlinuz, size_t vl, char *moddir, size_t ml)
{
	DIR *d = opendir(cache);
	struct dirent *de;
	int found = 0;

	if (!d)
		return -ENOENT;
	while (!found && (de = readdir(d))) {
		char boot[700], mods[700];
		DIR *b;
		struct dirent *be;

		if (strncmp(de->d_name, "linux-image-", 12) || strchr(de->d_name, '.') == NULL ||
		    strstr(de->d_name, ".deb"))
			continue;
		snprintf(boot, sizeof(boot), "%s/%s/boot", cache, de->d_name);
		b = opendir(boot);
		if (!b)
			continue;
		while ((be = readdir(b))) {
			if (strncmp(be->d_name, "vmlinuz-", 8))
				continue;
			snprintf(mods, sizeof(mods), "%s/%s/lib/modules/%s", cache, de->d_name, be->d_name + 8);
			if (access(mods, F_OK))
				continue;
			if (snprintf(vmlinuz, vl, "%s/%s", boot, be->d_name) >= (int)vl ||
			    snprintf(moddir, ml, "%s", mods) >= (int)ml)
				continue;
			found = 1;
			break;
		}
		closedir(b);
	}
	closedir(d);
	return found ? 0 : -ENOENT;
}

static int find_deb(const char *cache, char *deb, size_t len)
{
	DIR *d = opendir(cache);
	struct dirent *de;
	int found = 0;

	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (strncmp(de->d_name, "linux-image-", 12) || n < 5 || strcmp(de->d_name + n - 4, ".deb") ||
		    strstr(de->d_name, "-dbg"))
			continue;
		if (!found || strverscmp(de->d_name, strrchr(deb, '/') + 1) > 0)
			snprintf(deb, len, "%s/%s", cache, de->d_name);
		found = 1;
	}
	closedir(d);
	return found ? 0 : -ENOENT;
}

/*
 * Debian's kernel package for the guest: the newest 6.1.0-N-amd64 the
 * archive offers (bookworm's kernel, the one verified to boot under TCG).
 */
static int fetch_kernel(struct vtax_env *e, const char *cache, double deadline, char *err, size_t errlen)
{
	char out[16384], pkg[128] = "", *save = NULL;
	char *search[] = { "apt-cache", "search", "--names-only", "^linux-image-6\\.1\\.0-[0-9]+-amd64$", NULL };
	struct vtax_run_opts ro = { .timeout_s = 60, .stop = e->priv.stop, .verbose = e->priv.verbose };
	int r;

	r = vtax_spawn__run(search, out, sizeof(out), &ro);
	if (r) {
		snprintf(err, errlen, "apt-cache search for a guest kernel failed (%d)", r);
		return r < 0 ? r : -ENOENT;
	}
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[128];

		if (sscanf(l, "%127s", name) == 1 && (!pkg[0] || strverscmp(name, pkg) > 0))
			snprintf(pkg, sizeof(pkg), "%s", name);
	}
	if (!pkg[0]) {
		snprintf(err, errlen, "no linux-image-6.1.0-*-amd64 in the package archive (apt-get update?)");
		return -ENOENT;
	}
	{
		char *dl[] = { "apt-get", "download", "-q", pkg, NULL };
		char msg[1024];

		vtax_env__log(e, "downloading guest kernel %s into %s", pkg, cache);
		ro.cwd = cache;
		ro.err = msg;
		ro.errlen = sizeof(msg);
		ro.timeout_s = deadline - vtax_now_s();
		r = vtax_spawn__run(dl, NULL, 0, &ro);
		if (r) {
			snprintf(err, errlen, "apt-get download %s failed (%d): %.300s", pkg, r, msg);
			return r < 0 ? r : -EIO;
		}
	}
	return 0;
}

static int guest_kernel(struct vtax_env *e, const char *cache, double deadline, char *vmlinuz, size_t vl,
			char *moddir, size_t ml, char *err, size_t errlen)
{
	char deb[600], tmp[600], dst[600], *base;
	int r;

	if (find_kernel(cache, vmlinuz, vl, moddir, ml) == 0)
		return 0;
	r = vtax_env__mkdirp(cache, 0755);
	if (r) {
		snprintf(err, errlen, "cannot create %s: %s", cache, strerror(-r));
		return r;
	}
	if (find_deb(cache, deb, sizeof(deb))) {
		r = fetch_kernel(e, cache, deadline, err, errlen);
		if (r)
			return r;
		if (find_deb(cache, deb, sizeof(deb))) {
			snprintf(err, errlen, "the downloaded kernel package is not in %s", cache);
			return -ENOENT;
		}
	}
	/* Unpack beside, then rename: a concurrent or killed run never sees half a tree. */
	base = strrchr(deb, '/') + 1;
	snprintf(dst, sizeof(dst), "%s/%.*s", cache, (int)strcspn(base, "_"), base);
	snprintf(tmp, sizeof(tmp), "%s/.unpack-%d", cache, (int)getpid());
	{
		char *x[] = { "dpkg-deb", "-x", deb, tmp, NULL };
		struct vtax_run_opts ro = { .timeout_s = deadline - vtax_now_s(), .stop = e->priv.stop,
					    .verbose = e->priv.verbose };

		vtax_env__rm_rf(tmp);
		r = vtax_spawn__run(x, NULL, 0, &ro);
	}
	if (r) {
		vtax_env__rm_rf(tmp);
		snprintf(err, errlen, "dpkg-deb -x %s failed (%d)", deb, r);
		return r < 0 ? r : -EIO;
	}
	if (rename(tmp, dst))
		vtax_env__rm_rf(tmp);
	if (find_kernel(cache, vmlinuz, vl, moddir, ml)) {
		snprintf(err, errlen, "no vmlinuz/modules in %s", dst);
		return -ENOENT;
	}
	return 0;
}

/* ---- host network: bridge + tap ---- */

static int vm_network(struct vtax_env *e, int *idx, char *err, size_t errlen)
{
	char addrs[16384] = "";
	char *ip[] = { "ip", "-4", "-o", "addr", "show", NULL };
	struct vtax_run_opts ro = { .timeout_s = 0 } /* the default, 60 s: a loaded emulated guest reads `ip` over 9p */;

	vtax_spawn__run(ip, addrs, sizeof(addrs), &ro);
	if (access("/dev/net/tun", F_OK)) {
		/* no static node for tun (a host without udev's static nodes, a
		 * minimal guest): loading the module creates it */
		char *mp[] = { "modprobe", "tun", NULL };

		vtax_spawn__run(mp, NULL, 0, &ro);
		if (access("/dev/net/tun", F_OK)) {
			snprintf(err, errlen, "no /dev/net/tun (modprobe tun failed): the vm needs a tap device");
			return -ENODEV;
		}
	}
	for (int t = 0; t < 64; t++) {
		int n = ((int)getpid() + t * 13) % 250 + 1;
		char br[16], tap[16], probe[32], cidr[32];
		int r;

		snprintf(br, sizeof(br), "vtaxbr%d", n);
		snprintf(tap, sizeof(tap), "vtaxtap%d", n);
		snprintf(probe, sizeof(probe), " 198.19.%d.", n);
		if (strstr(addrs, probe) || link_exists(br) || link_exists(tap))
			continue;
		snprintf(cidr, sizeof(cidr), "198.19.%d.1/24", n);
		{
			char *a[] = { "ip", "link", "add", br, "type", "bridge", NULL };

			if (ip_cmd(e, err, errlen, a))
				continue; /* taken meanwhile: next number */
		}
		/* recorded once made: a failed add may be another run's bridge */
		vtax_state__add("link", br, (char *[]){ "ip", "link", "del", br, NULL });
		snprintf(e->priv.bridge, sizeof(e->priv.bridge), "%s", br);
		{
			char *a1[] = { "ip", "addr", "add", cidr, "dev", br, NULL };
			char *a2[] = { "ip", "link", "set", br, "up", NULL };
			char *a3[] = { "ip", "tuntap", "add", "dev", tap, "mode", "tap", NULL };
			char *a4[] = { "ip", "link", "set", tap, "master", br, NULL };
			char *a5[] = { "ip", "link", "set", tap, "up", NULL };

			if ((r = ip_cmd(e, err, errlen, a1)) || (r = ip_cmd(e, err, errlen, a2)))
				return r;
			snprintf(e->priv.tap, sizeof(e->priv.tap), "%s", tap);
			if ((r = ip_cmd(e, err, errlen, a3)))
				return r;
			vtax_state__add("link", tap, (char *[]){ "ip", "link", "del", tap, NULL });
			if ((r = ip_cmd(e, err, errlen, a4)) || (r = ip_cmd(e, err, errlen, a5)))
				return r;
		}
		*idx = n;
		return 0;
	}
	snprintf(err, errlen, "no free vtaxbrN / 198.19.N.0/24 for the guest network");
	return -EADDRINUSE;
}

/* ---- guest image ---- */

static const char vm_init[] =
	"#!/bin/busybox sh\n"
	"# vtax guest init: modules, network, data disk, server, command loop.\n"
	"/bin/busybox mount -t proc proc /proc\n"
	"mount -t sysfs sysfs /sys\n"
	"mount -t devtmpfs devtmpfs /dev\n"
	"for m in /modules/*.ko; do insmod $m || echo \"vtax: insmod $m failed\"; done\n"
	"ip link set lo up\n"
	"ip addr add @GUEST@/24 dev eth0\n"
	"ip link set eth0 up\n"
	"# replies to a remote client (compare --client remote) go back through the host\n"
	"ip route add default via @GW@\n"
	"mkdir -p /data\n"
	"mount -t ext4 -o noatime /dev/vda /data || echo 'vtax: cannot mount /dev/vda'\n"
	"@SERVER@\n"
	"port=\n"
	"for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do\n"
	"  for d in /sys/class/virtio-ports/*; do\n"
	"    [ \"$(cat $d/name 2>/dev/null)\" = '" VM_CMD_PORT "' ] && port=/dev/${d##*/}\n"
	"  done\n"
	"  [ -n \"$port\" ] && [ -e \"$port\" ] && break\n"
	"  sleep 0.5\n"
	"done\n"
	"echo \"vtax: command port $port\"\n"
	"exec 3<>$port\n"
	"echo VTAX-READY >&3\n"
	"while read -r seq t cmd <&3; do\n"
	"  timeout -s KILL \"$t\" sh -c \"$cmd\" </dev/null >/tmp/vtax.out 2>/tmp/vtax.err\n"
	"  rc=$?\n"
	"  n=$(wc -c </tmp/vtax.out)\n"
	"  echo \"VTAX-OUT $seq $n\" >&3\n"
	"  cat /tmp/vtax.out >&3\n"
	"  echo \"VTAX-RC $seq $rc\" >&3\n"
	"done\n"
	"poweroff -f\n";

static int subst(char *out, size_t len, const char *tmpl, const char *key, const char *val)
{
	const char *p = strstr(tmpl, key);

	if (!p)
		return snprintf(out, len, "%s", tmpl) >= (int)len ? -E2BIG : 0;
	if ((size_t)snprintf(out, len, "%.*s%s%s", (int)(p - tmpl), tmpl, val, p + strlen(key)) >= len)
		return -E2BIG;
	return 0;
}

static int vm_initramfs(const struct vtax_env_opts *o, struct vtax_env *e, const char *moddir, const char *guest,
			const char *cpio, char *err, size_t errlen)
{
	/* virtio_mmio: the microvm machine's transport (nested KVM, see vm_machine) */
	static const char *const mods[] = { "crc32c_generic", "virtio_pci", "virtio_mmio", "virtio_net",
					    "virtio_blk", "virtio_console", "ext4", NULL };
	char root[600], (*paths)[512], a[4096], a2[4096], b[1024], init[8192], gw[32];
	struct vtax_rootfs *r;
	int n, ret;

	snprintf(root, sizeof(root), "%s/initrd-root", e->priv.dir);
	r = vtax_rootfs__new_workload(root, o->server, o->vtax_exe, &ret);
	if (!r) {
		snprintf(err, errlen, "cannot assemble the guest's initramfs: %s", strerror(-ret));
		goto out;
	}
	paths = calloc(64, sizeof(*paths));
	if (!paths) {
		ret = -ENOMEM;
		goto out;
	}
	n = vtax_kmod__resolve(moddir, mods, paths, 64);
	if (n <= 0) {
		ret = n < 0 ? n : -ENOENT;
		snprintf(err, errlen, "cannot resolve guest modules in %s: %s", moddir, strerror(-ret));
		free(paths);
		goto out;
	}
	/* The name prefix keeps the dependency order in the init's glob. */
	for (int i = 0; i < n && !ret; i++) {
		char dst[600];
		const char *bn = strrchr(paths[i], '/') + 1;

		snprintf(dst, sizeof(dst), "/modules/%02d-%s", i, bn);
		ret = vtax_rootfs__add_file(r, paths[i], dst, 0644);
	}
	free(paths);
	if (ret)
		goto out;
	if (o->server != VTAX_SERVER_NONE) {
		/* the same server configuration as every environment; the guest
		 * listens on its own address, in the background of the init */
		int mdb = o->server == VTAX_SERVER_MARIADB;
		struct vtax_server_conf sc = { .port = mdb ? VM_MARIADB_PORT : VM_SERVER_PORT,
					       .data_dir = mdb ? "/data/mysql" : "/data", .bind = { "0.0.0.0" },
					       .run_dir = "/run", .err_log = mdb ? "/tmp/mariadb.err" : NULL,
					       .share_dir = mdb ? "/usr/share/mysql" : NULL };
		struct vtax_server_argv sa;
		char line[sizeof(b) - 160];

		ret = vtax_server__argv(o->server, &sc, &sa);
		if (!ret)
			ret = vtax_server__shell(&sa, line, sizeof(line));
		if (ret) {
			snprintf(err, errlen, "server command line: %s", strerror(-ret));
			goto out;
		}
		if (mdb)
			/* if it dies, its last errors go to the console, which a failed set-up quotes */
			snprintf(b, sizeof(b), "mkdir -p /run /tmp; (%s; echo \"vtax: mariadbd exited $?\"; "
				 "tail -n 4 /tmp/mariadb.err) >/dev/console 2>&1 &", line);
		else
			snprintf(b, sizeof(b), "%s >/tmp/redis.log 2>&1 &", line);
	} else {
		snprintf(b, sizeof(b), ": no server");
	}
	/* the host's end of the guest's /24: 198.19.N.1 */
	snprintf(gw, sizeof(gw), "%.*s1", (int)(strrchr(guest, '.') + 1 - guest), guest);
	if ((ret = subst(a, sizeof(a), vm_init, "@GUEST@", guest)) ||
	    (ret = subst(a2, sizeof(a2), a, "@GW@", gw)) ||
	    (ret = subst(init, sizeof(init), a2, "@SERVER@", b)))
		goto out;
	ret = vtax_rootfs__add_text(r, "/init", init, 0755);
	if (!ret)
		ret = vtax_rootfs__write_cpio(r, cpio);
	if (ret)
		snprintf(err, errlen, "cannot write the initramfs: %s", strerror(-ret));
out:
	vtax_rootfs__free(r);
	vtax_env__rm_rf(root);
	return ret;
}

/* The data disk: a raw ext4 image, holding the tree at seed (NULL: empty). */
static int vm_disk(struct vtax_env *e, const char *img, int mb, const char *seed, double deadline, char *err,
		   size_t errlen)
{
	char msg[512] = "";
	char *mk[] = { "mkfs.ext4", "-F", "-q", "-E", "lazy_itable_init=0,lazy_journal_init=0", (char *)img, NULL,
		       NULL, NULL };
	struct vtax_run_opts ro = { .timeout_s = deadline - vtax_now_s(), .stop = e->priv.stop,
				    .verbose = e->priv.verbose, .err = msg, .errlen = sizeof(msg) };
	int fd, r;

	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)mb << 20)) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "cannot create %s: %s", img, strerror(-r));
		return r;
	}
	close(fd);
	if (seed) {
		mk[5] = "-d";
		mk[6] = (char *)seed;
		mk[7] = (char *)img;
	}
	r = vtax_spawn__run(mk, NULL, 0, &ro);
	if (r) {
		snprintf(err, errlen, "mkfs.ext4 %s failed (%d): %.200s", img, r, msg);
		return r < 0 ? r : -EIO;
	}
	return 0;
}

/* ---- accelerator choice ---- */

/*
 * KVM is worth a try only where it can boot a stock kernel.  PVM (a
 * paravirtual KVM, /sys/module/kvm_pvm) exposes /dev/kvm but cannot: go
 * straight to TCG.  Otherwise /dev/kvm must open and a VMX/SVM module be
 * loaded; the boot itself is then bounded and falls back to TCG.
 */
static int kvm_plausible(void)
{
	int fd;

	if (access("/sys/module/kvm_pvm", F_OK) == 0)
		return 0;
	if (access("/sys/module/kvm_intel", F_OK) && access("/sys/module/kvm_amd", F_OK))
		return 0;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/*
 * Inside a virtual machine (the CPU's hypervisor flag) a KVM guest is a
 * nested one, and there the PC machine's PCI enumeration takes minutes (each
 * config-space access is an exit the outer hypervisor emulates: more than 4
 * minutes measured under TCG, MACHINE.md).  QEMU's microvm machine has no PCI:
 * its virtio devices are virtio-mmio, found through ACPI, and a stock Debian
 * kernel boots there in ~30 s.  On bare metal, and under TCG, the PC machine
 * with virtio-pci (what cloud guests see) stays.
 */
static int host_is_guest(void)
{
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "re");
	int r = 0;

	if (!f)
		return 0;
	while (!r && fgets(line, sizeof(line), f))
		if (strncmp(line, "flags", 5) == 0)
			r = strstr(line, " hypervisor") != NULL;
	fclose(f);
	return r;
}

struct vm_machine {
	const char *name, *machine, *cpu, *net, *blk, *serial;
};

static const struct vm_machine vm_pc = { "pc", "pc", "max", "virtio-net-pci", "virtio-blk-pci",
					 "virtio-serial-pci" };
/*
 * Nested: no legacy timers or PIC (each of their accesses is an exit the
 * outer hypervisor emulates; the guest uses the local APIC and kvm-clock)
 * and the kvm64 CPU model (-cpu max under nested SVM exposes features
 * every use of which is emulated): MACHINE.md's verified ~30 s boot.
 */
static const struct vm_machine vm_microvm = { "microvm", "microvm,pit=off,pic=off,rtc=off", "kvm64",
					      "virtio-net-device", "virtio-blk-device",
					      "virtio-serial-device" };

/*
 * The outer hypervisor's CPUID signature (leaf 0x40000000): "TCGTCGTCGTCG"
 * under QEMU's TCG, "KVMKVMKVM" under KVM, "Microsoft Hv", "VMwareVMware".
 */
static void outer_hypervisor(char sig[13])
{
	unsigned a = 0, b = 0, c = 0, d = 0;

	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	for (int i = 0; i < 12; i++)
		if (sig[i] && (sig[i] < 0x20 || sig[i] > 0x7e))
			sig[i] = '?';
}

/* A nested KVM guest's exits are real; its times carry the outer hypervisor's work. */
static void label_nested(struct vtax_env *e)
{
	char sig[13];

	outer_hypervisor(sig);
	e->emulated = 1;
	if (strcmp(sig, "TCGTCGTCGTCG") == 0)
		snprintf(e->label, sizeof(e->label), VM_LABEL_NESTED_TCG);
	else
		snprintf(e->label, sizeof(e->label),
			 "nested KVM (outer hypervisor \"%s\"): exit counts and reasons are real, "
			 "times include the outer hypervisor's",
			 sig);
}

static const struct vm_machine *vm_machine(const char *accel)
{
	return strcmp(accel, "kvm") == 0 && host_is_guest() ? &vm_microvm : &vm_pc;
}

/* ---- the command channel ---- */

static int cmd_connect(struct vtax_env *e, double deadline)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(e->priv.cmd_sock) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	strcpy(a.sun_path, e->priv.cmd_sock);
	while (vtax_now_s() < deadline) {
		if (vtax_env__stopped(e))
			return -EINTR;
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
		close(fd);
		if (e->priv.child > 0 && waitpid(e->priv.child, NULL, WNOHANG) == e->priv.child) {
			e->priv.child = 0;
			return -ECHILD;
		}
		usleep(50000);
	}
	return -ETIMEDOUT;
}

/* Read one '\n'-terminated line (bounded), byte by byte: the stream mixes lines and raw output. */
static int cmd_readline(struct vtax_env *e, char *line, size_t len, double deadline)
{
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd pf = { .fd = e->priv.cmd_fd, .events = POLLIN };
		double left = deadline - vtax_now_s();
		char c;
		ssize_t r;

		if (left <= 0)
			return -ETIMEDOUT;
		if (vtax_env__stopped(e))
			return -EINTR;
		if (poll(&pf, 1, left > 0.1 ? 100 : (int)(left * 1000) + 1) <= 0)
			continue;
		r = read(e->priv.cmd_fd, &c, 1);
		if (r == 0)
			return -ECONNRESET;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (c == '\n')
			break;
		line[n++] = c;
	}
	line[n] = 0;
	return (int)n;
}

static int cmd_readn(struct vtax_env *e, char *out, size_t outlen, size_t n, double deadline)
{
	size_t got = 0, kept = 0;

	while (got < n) {
		struct pollfd pf = { .fd = e->priv.cmd_fd, .events = POLLIN };
		double left = deadline - vtax_now_s();
		char buf[4096];
		size_t want = n - got < sizeof(buf) ? n - got : sizeof(buf);
		ssize_t r;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pf, 1, left > 0.1 ? 100 : (int)(left * 1000) + 1) <= 0)
			continue;
		r = read(e->priv.cmd_fd, buf, want);
		if (r == 0)
			return -ECONNRESET;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (out && outlen && kept + 1 < outlen) {
			size_t c = (size_t)r < outlen - 1 - kept ? (size_t)r : outlen - 1 - kept;

			memcpy(out + kept, buf, c);
			kept += c;
			out[kept] = 0;
		}
		got += r;
	}
	return 0;
}

static unsigned int cmd_seq;

int vtax_env_vm__exec(struct vtax_env *e, char *const argv[], char *out, size_t outlen, double timeout_s)
{
	char cmd[8192], line[256];
	size_t n = 0;
	/* PID in the high bits: a forked caller never reuses its parent's numbers. */
	unsigned int seq = ((unsigned int)getpid() << 16) | (++cmd_seq & 0xffff);
	int t = timeout_s < 1 ? 1 : (int)(timeout_s + 0.999), r;
	double deadline = vtax_now_s() + t + 2;

	if (out && outlen)
		out[0] = 0;
	if (e->priv.cmd_fd < 0)
		return -ENOTCONN;
	n = snprintf(cmd, sizeof(cmd), "%u %d", seq, t);
	/* Each argument single-quoted for the guest's sh -c (' becomes '\''). */
	for (int i = 0; argv[i]; i++) {
		if (strchr(argv[i], '\n'))
			return -EINVAL;
		if (n + 4 >= sizeof(cmd))
			return -E2BIG;
		cmd[n++] = ' ';
		cmd[n++] = '\'';
		for (const char *p = argv[i]; *p; p++) {
			if (n + 6 >= sizeof(cmd))
				return -E2BIG;
			if (*p == '\'') {
				memcpy(cmd + n, "'\\''", 4); /* NOLINT(bugprone-not-null-terminated-result): cmd is terminated below */
				n += 4;
			} else {
				cmd[n++] = *p;
			}
		}
		cmd[n++] = '\'';
	}
	cmd[n++] = '\n';
	if (write(e->priv.cmd_fd, cmd, n) != (ssize_t)n)
		return -EIO;
	for (;;) {
		unsigned int s;
		size_t len;
		int rc;

		r = cmd_readline(e, line, sizeof(line), deadline);
		if (r < 0)
			return r;
		if (sscanf(line, "VTAX-OUT %u %zu", &s, &len) == 2) {
			/* A late answer to an earlier, timed-out command is read and dropped. */
			r = cmd_readn(e, s == seq ? out : NULL, outlen, len, deadline);
			if (r)
				return r;
			continue;
		}
		if (sscanf(line, "VTAX-RC %u %d", &s, &rc) == 2 && s == seq)
			return rc;
	}
}

/* ---- setup / teardown ---- */

/*
 * Can the guest's disk image bypass the host's page cache (QEMU cache=none
 * opens it O_DIRECT)?  tmpfs refuses O_DIRECT before Linux 6.6 (a kernel
 * matrix guest's /tmp, a --workdir on /dev/shm), and QEMU then exits at
 * once ("filesystem does not support O_DIRECT").
 */
static int direct_io_ok(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);

	if (fd < 0)
		return errno != EINVAL;
	close(fd);
	return 1;
}

/* The last line QEMU wrote to its log (its own reason for exiting), appended to err. */
static void qemu_log_tail(struct vtax_env *e, char *err, size_t errlen)
{
	char path[600], line[512], last[512] = "";
	size_t l = strlen(err);
	FILE *f;

	snprintf(path, sizeof(path), "%s/qemu.log", e->priv.dir);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (line[strspn(line, " \t\r\n")])
			snprintf(last, sizeof(last), "%.*s", (int)strcspn(line, "\r\n"), line);
	fclose(f);
	if (last[0])
		snprintf(err + l, errlen - l, "; qemu: %s", last);
}

/*
 * no_timer_check: on a busy host a TCG guest's IO-APIC timer check can miss
 * its ticks and panic ("IO-APIC + timer doesn't work"), seen here at load 20
 * on 2 CPUs; virtual machines do not need the check.
 */
static int vm_boot(const struct vtax_env_opts *o, struct vtax_env *e, const char *accel, const char *vmlinuz,
		   const char *initrd, const char *disk, int idx, double deadline, char *err, size_t errlen)
{
	const struct vm_machine *m = vm_machine(accel);
	char name[64], mem[16], netdev[96], nic[96], drive[700], chardev[700], log[600], serial[700], ready[64];
	char blk[64], monitor[600];
	char *argv[] = {
		"qemu-system-x86_64", "-name", name, "-M", (char *)m->machine, "-accel", (char *)accel,
		"-cpu", (char *)m->cpu, "-m", mem, "-smp", "1",
		"-nodefaults", "-no-user-config", "-display", "none", "-vga", "none", "-no-reboot",
		"-serial", serial, "-kernel", (char *)vmlinuz, "-initrd", (char *)initrd,
		"-append", "console=ttyS0 panic=-1 quiet loglevel=4 no_timer_check",
		"-netdev", netdev, "-device", nic, "-drive", drive, "-device", blk,
		"-chardev", chardev, "-device", (char *)m->serial,
		"-device", "virtserialport,chardev=vtaxcmd,name=" VM_CMD_PORT, "-monitor", monitor, NULL,
	};
	int r;

	snprintf(blk, sizeof(blk), "%s,drive=d0", m->blk);
	snprintf(e->machine, sizeof(e->machine), "%s", m->name);

	snprintf(name, sizeof(name), "vtax-vm-%d,debug-threads=on", (int)getpid());
	snprintf(mem, sizeof(mem), "%d", o->vm_mem_mb > 0 ? o->vm_mem_mb : 1024);
	snprintf(netdev, sizeof(netdev), "tap,id=n0,ifname=%s,script=no,downscript=no", e->priv.tap);
	snprintf(nic, sizeof(nic), "%s,netdev=n0,mac=52:54:00:13:%02x:02", m->net, idx & 0xff);
	/* cache=none: the guest's I/O reaches the host's device, as a
	 * container's does; where the image's filesystem cannot do that, the
	 * page cache is in the path and the report says so */
	if (direct_io_ok(disk)) {
		snprintf(drive, sizeof(drive), "file=%s,format=raw,if=none,id=d0,cache=none,aio=threads", disk);
	} else {
		snprintf(drive, sizeof(drive), "file=%s,format=raw,if=none,id=d0,cache=writeback,aio=threads",
			 disk);
		snprintf(e->caveat, sizeof(e->caveat),
			 "the vm's disk image is on a filesystem without O_DIRECT (tmpfs?): its I/O goes "
			 "through the host's page cache (--workdir on a disk filesystem avoids this)");
	}
	snprintf(e->priv.cmd_sock, sizeof(e->priv.cmd_sock), "%s/cmd.sock", e->priv.dir);
	snprintf(chardev, sizeof(chardev), "socket,id=vtaxcmd,path=%s,server=on,wait=off", e->priv.cmd_sock);
	snprintf(serial, sizeof(serial), "file:%s/console.log", e->priv.dir);
	/* the human monitor: asked for the virtio layout once the guest is up */
	snprintf(monitor, sizeof(monitor), "unix:%s/monitor.sock,server=on,wait=off", e->priv.dir);
	snprintf(log, sizeof(log), "%s/qemu.log", e->priv.dir);
	unlink(e->priv.cmd_sock);
	if (e->priv.verbose) {
		fprintf(stderr, "vtax: run:");
		for (int i = 0; argv[i]; i++)
			fprintf(stderr, " %s", argv[i]);
		fputc('\n', stderr);
	}
	e->priv.child = vtax_env__spawn(argv, log, SIGKILL);
	if (e->priv.child < 0) {
		r = e->priv.child;
		e->priv.child = 0;
		snprintf(err, errlen, "cannot start qemu-system-x86_64: %s", strerror(-r));
		return r;
	}
	e->priv.cmd_fd = cmd_connect(e, deadline);
	if (e->priv.cmd_fd < 0) {
		r = e->priv.cmd_fd;
		e->priv.cmd_fd = -1;
		snprintf(err, errlen, "QEMU (%s) did not open its command socket: %s", accel,
			 r == -ECHILD ? "it exited" : strerror(-r));
		qemu_log_tail(e, err, errlen);
		return r;
	}
	/* The guest init says VTAX-READY once modules, network, disk and server are up. */
	for (;;) {
		r = cmd_readline(e, ready, sizeof(ready), deadline);
		if (r < 0) {
			snprintf(err, errlen, "the %s guest did not boot in time: %s", accel, strerror(-r));
			qemu_log_tail(e, err, errlen);
			return r;
		}
		if (strcmp(ready, "VTAX-READY") == 0) {
			char mon[600];

			snprintf(mon, sizeof(mon), "%s/monitor.sock", e->priv.dir);
			r = vtax_vm_layout__query(mon, &e->layout, 10);
			if (r)
				vtax_env__log(e, "no virtio layout from QEMU's monitor (%s): kvm.notify stays unnamed",
					      strerror(-r));
			return 0;
		}
	}
}

static void vm_kill(struct vtax_env *e)
{
	if (e->priv.cmd_fd >= 0) {
		close(e->priv.cmd_fd);
		e->priv.cmd_fd = -1;
	}
	if (e->priv.child > 0) {
		vtax_env__stop_child(e->priv.child, 5);
		e->priv.child = 0;
	}
}

/* Delete one link vtax made (tap or bridge) and mark it undone in the state
 * file; NAME is emptied.  Non-zero if it exists and could not be deleted. */
static int del_link(struct vtax_env *e, char *name)
{
	char *a[] = { "ip", "link", "del", name, NULL };
	int busy = 0;

	if (!name[0])
		return 0;
	if (link_exists(name) && ip_cmd(e, NULL, 0, a))
		busy = 1;
	else
		vtax_state__done("link", name);
	name[0] = 0;
	return busy;
}

/* The last lines of the guest console: why a boot failed. */
static void console_tail(struct vtax_env *e, char *err, size_t errlen)
{
	char path[600], buf[4096];
	size_t l = strlen(err), n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/console.log", e->priv.dir);
	f = fopen(path, "re");
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	if (ftell(f) > 300)
		fseek(f, -300, SEEK_END);
	else
		fseek(f, 0, SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	snprintf(err + l, errlen - l, "; console: ...%s", buf);
}

int vtax_env_vm__setup(const struct vtax_env_opts *o, struct vtax_env *e, double deadline, char *err, size_t errlen)
{
	char vmlinuz[700], moddir[700], guest[32], initrd[600], disk[600];
	const char *cache = o->cache_dir ? o->cache_dir : "/var/cache/vtax";
	int idx = 0, r;

	r = guest_kernel(e, cache, deadline, vmlinuz, sizeof(vmlinuz), moddir, sizeof(moddir), err, errlen);
	if (r)
		return r;
	r = vm_network(e, &idx, err, errlen);
	if (r)
		return r;
	snprintf(guest, sizeof(guest), "198.19.%d.2", idx);
	snprintf(initrd, sizeof(initrd), "%s/initrd.cpio", e->priv.dir);
	snprintf(disk, sizeof(disk), "%s/data.img", e->priv.dir);
	r = vm_initramfs(o, e, moddir, guest, initrd, err, errlen);
	if (r)
		return r;
	if (o->server == VTAX_SERVER_MARIADB) {
		/* /data/mysql in the guest: initialised here, copied into the image by mkfs */
		char seed[600], dd[640];

		snprintf(seed, sizeof(seed), "%s/seed", e->priv.dir);
		snprintf(dd, sizeof(dd), "%s/mysql", seed);
		r = vtax_env_native__mariadb_seed(e, dd, deadline, err, errlen);
		if (!r)
			r = vm_disk(e, disk, o->vm_disk_mb > 0 ? o->vm_disk_mb : 512, seed, deadline, err, errlen);
		vtax_env__rm_rf(seed);
	} else {
		r = vm_disk(e, disk, o->vm_disk_mb > 0 ? o->vm_disk_mb : 512, NULL, deadline, err, errlen);
	}
	if (r)
		return r;

	r = -ENODEV;
	if (kvm_plausible()) {
		double kvm_deadline = vtax_now_s() + (deadline - vtax_now_s()) / 3;

		r = vm_boot(o, e, "kvm", vmlinuz, initrd, disk, idx, kvm_deadline, err, errlen);
		if (r == 0) {
			snprintf(e->accel, sizeof(e->accel), "kvm");
			if (host_is_guest())
				label_nested(e);
		} else if (r != -EINTR) {
			vtax_env__log(e, "KVM boot failed (%s): falling back to TCG", err);
			vm_kill(e);
		}
	}
	if (r && r != -EINTR) {
		err[0] = 0;
		r = vm_boot(o, e, "tcg", vmlinuz, initrd, disk, idx, deadline, err, errlen);
		if (r == 0) {
			snprintf(e->accel, sizeof(e->accel), "tcg");
			e->emulated = 1;
			snprintf(e->label, sizeof(e->label), VM_LABEL_TCG);
			fprintf(stderr, "vtax: WARNING: vm runs under TCG emulation: its timings are not "
					"representative of KVM\n");
		}
	}
	if (r) {
		if (r != -EINTR)
			console_tail(e, err, errlen);
		return r;
	}
	e->vmm_pid = e->server_pid = e->priv.child;
	snprintf(e->server_host, sizeof(e->server_host), "%s", guest);
	e->server_port = o->server == VTAX_SERVER_REDIS ? VM_SERVER_PORT :
			 o->server == VTAX_SERVER_MARIADB ? VM_MARIADB_PORT : 0;
	if (o->client_addr) {
		/* routed by the host; compare lets it through FORWARD */
		snprintf(e->remote_host, sizeof(e->remote_host), "%s", guest);
		e->remote_port = e->server_port;
	}
	snprintf(e->data_dir, sizeof(e->data_dir), "/data");
	snprintf(e->vtax_path, sizeof(e->vtax_path), "/usr/bin/vtax");
	vtax_env__fill_identity(e, e->vmm_pid);
	/* The VMM is a host process: found by PID, not by a container cgroup. */
	e->cgroup_path[0] = 0;
	e->cgroup2_path[0] = 0;
	if (o->server != VTAX_SERVER_NONE) {
		r = vtax_env__wait_server(e, e->server_host, e->server_port, deadline, e->vmm_pid, err, errlen);
		if (r && r != -EINTR)
			console_tail(e, err, errlen);
	}
	return r;
}

int vtax_env_vm__teardown(struct vtax_env *e)
{
	int ret = 0;

	vm_kill(e);
	if (del_link(e, e->priv.tap))
		ret = -EBUSY;
	if (del_link(e, e->priv.bridge))
		ret = -EBUSY;
	return ret;
}

static int read_int(const char *path, int *v)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%d", v) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

/*
 * A vtax tap whose QEMU is gone has no carrier (tun carrier = a queue is
 * attached); a vtax bridge with no ports is unused.  Both are removed;
 * anything still in use by a live run is left alone.
 */
int vtax_env_vm__cleanup_stale(char *report, size_t len)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	for (int pass = 0; pass < 2; pass++) {
		d = opendir("/sys/class/net");
		if (!d)
			return -errno;
		while ((de = readdir(d))) {
			char p[300];
			int carrier = 0;

			if (pass == 0 && strncmp(de->d_name, "vtaxtap", 7) == 0) {
				snprintf(p, sizeof(p), "/sys/class/net/%s/carrier", de->d_name);
				if (read_int(p, &carrier) == 0 && carrier)
					continue;
			} else if (pass == 1 && strncmp(de->d_name, "vtaxbr", 6) == 0) {
				DIR *b;
				struct dirent *be;
				int ports = 0;

				snprintf(p, sizeof(p), "/sys/class/net/%s/brif", de->d_name);
				b = opendir(p);
				while (b && (be = readdir(b)))
					ports += be->d_name[0] != '.';
				if (b)
					closedir(b);
				if (ports)
					continue;
			} else {
				continue;
			}
			{
				char *a[] = { "ip", "link", "del", de->d_name, NULL };

				if (vtax_state__undo(a, "link", de->d_name, report, len) == 0)
					n++;
			}
		}
		closedir(d);
	}
	return n;
}
