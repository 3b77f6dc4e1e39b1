// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * probe_syscall.c - userspace half of the syscall family (bpf/syscall.bpf.c):
 * tells BPF which syscalls touch files and how (vtax_sys_kind), seeds the
 * dev -> filesystem map from every mount namespace's mountinfo, and decodes
 * keys into `syscall.<name>{fs=..., part=...}`.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include "util/proc.h"
#include "trace/probe_util.h"
#include "trace/session.h"
#include "syscall.skel.h"

static const char *const syscall_names[VTAX_NR_SYSCALLS] = {
#include "syscall_names.h"
};

const char *const vtax_fs_names[VTAX_FS_MAX] = {
	[VTAX_FS_NONE] = "", [VTAX_FS_OVERLAY] = "overlay", [VTAX_FS_EXT4] = "ext4",
	[VTAX_FS_XFS] = "xfs", [VTAX_FS_BTRFS] = "btrfs", [VTAX_FS_TMPFS] = "tmpfs",
	[VTAX_FS_PROC] = "proc", [VTAX_FS_SYSFS] = "sysfs", [VTAX_FS_CGROUP] = "cgroup",
	[VTAX_FS_FUSE] = "fuse", [VTAX_FS_9P] = "9p", [VTAX_FS_VIRTIOFS] = "virtiofs",
	[VTAX_FS_NFS] = "nfs", [VTAX_FS_SOCK] = "socket", [VTAX_FS_PIPE] = "pipe",
	[VTAX_FS_ANON] = "anon_inode", [VTAX_FS_DEVTMPFS] = "devtmpfs",
	[VTAX_FS_OTHER] = "other", [VTAX_FS_UNKNOWN] = "unknown",
};

static const char *const part_names[] = {
	/* raw parts (leading '_') are folded by syscall_collect() */
	[VTAX_PART_ONCPU_ONLY] = "_oncpu_only", [VTAX_PART_TOTAL_OFFCPU] = "_total_offcpu",
	[VTAX_PART_ONCPU] = "_oncpu", [VTAX_PART_RUNQ] = "runq",
	[VTAX_PART_BLOCKED] = "blocked",
};

const char *vtax_syscall_name(unsigned nr)
{
	if (nr < VTAX_NR_SYSCALLS && syscall_names[nr])
		return syscall_names[nr];
	return NULL;
}

static const struct {
	long nr;
	unsigned char kind;
} sys_kinds[] = {
	{ SYS_read, VTAX_SK_FD0 }, { SYS_write, VTAX_SK_FD0 }, { SYS_pread64, VTAX_SK_FD0 },
	{ SYS_pwrite64, VTAX_SK_FD0 }, { SYS_readv, VTAX_SK_FD0 }, { SYS_writev, VTAX_SK_FD0 },
	{ SYS_preadv, VTAX_SK_FD0 }, { SYS_pwritev, VTAX_SK_FD0 }, { SYS_preadv2, VTAX_SK_FD0 },
	{ SYS_pwritev2, VTAX_SK_FD0 }, { SYS_fstat, VTAX_SK_FD0 }, { SYS_fsync, VTAX_SK_FD0 },
	{ SYS_fdatasync, VTAX_SK_FD0 }, { SYS_lseek, VTAX_SK_FD0 }, { SYS_getdents64, VTAX_SK_FD0 },
	{ SYS_getdents, VTAX_SK_FD0 }, { SYS_ftruncate, VTAX_SK_FD0 }, { SYS_fallocate, VTAX_SK_FD0 },
	{ SYS_sync_file_range, VTAX_SK_FD0 }, { SYS_fadvise64, VTAX_SK_FD0 },
	{ SYS_close, VTAX_SK_FD0 }, { SYS_ioctl, VTAX_SK_FD0 }, { SYS_fchmod, VTAX_SK_FD0 },
	{ SYS_fchown, VTAX_SK_FD0 }, { SYS_flock, VTAX_SK_FD0 }, { SYS_fstatfs, VTAX_SK_FD0 },
	{ SYS_sendfile, VTAX_SK_FD0 }, { SYS_copy_file_range, VTAX_SK_FD0 },
	{ SYS_recvfrom, VTAX_SK_FD0 }, { SYS_sendto, VTAX_SK_FD0 }, { SYS_recvmsg, VTAX_SK_FD0 },
	{ SYS_sendmsg, VTAX_SK_FD0 }, { SYS_fgetxattr, VTAX_SK_FD0 },
	{ SYS_openat, VTAX_SK_OPEN }, { SYS_openat2, VTAX_SK_OPEN },
	{ SYS_open, VTAX_SK_OPEN_CWD }, { SYS_creat, VTAX_SK_OPEN_CWD },
	{ SYS_newfstatat, VTAX_SK_STAT }, { SYS_statx, VTAX_SK_STATX },
	{ SYS_stat, VTAX_SK_STAT_CWD }, { SYS_lstat, VTAX_SK_STAT_CWD },
	{ SYS_faccessat, VTAX_SK_PATH_AT }, { SYS_faccessat2, VTAX_SK_PATH_AT },
	{ SYS_unlinkat, VTAX_SK_PATH_AT }, { SYS_mkdirat, VTAX_SK_PATH_AT },
	{ SYS_renameat, VTAX_SK_PATH_AT }, { SYS_renameat2, VTAX_SK_PATH_AT },
	{ SYS_readlinkat, VTAX_SK_PATH_AT }, { SYS_fchmodat, VTAX_SK_PATH_AT },
	{ SYS_fchownat, VTAX_SK_PATH_AT }, { SYS_utimensat, VTAX_SK_PATH_AT },
	{ SYS_mknodat, VTAX_SK_PATH_AT }, { SYS_symlinkat, VTAX_SK_PATH_AT },
	{ SYS_linkat, VTAX_SK_PATH_AT },
	{ SYS_access, VTAX_SK_PATH }, { SYS_unlink, VTAX_SK_PATH }, { SYS_mkdir, VTAX_SK_PATH },
	{ SYS_rmdir, VTAX_SK_PATH }, { SYS_rename, VTAX_SK_PATH }, { SYS_readlink, VTAX_SK_PATH },
	{ SYS_chmod, VTAX_SK_PATH }, { SYS_chown, VTAX_SK_PATH }, { SYS_truncate, VTAX_SK_PATH },
	{ SYS_chdir, VTAX_SK_PATH }, { SYS_statfs, VTAX_SK_PATH }, { SYS_getxattr, VTAX_SK_PATH },
	{ SYS_lgetxattr, VTAX_SK_PATH }, { SYS_execve, VTAX_SK_PATH },
};

static unsigned fs_class_of_type(const char *t)
{
	static const struct {
		const char *name;
		unsigned cls;
	} m[] = {
		{ "overlay", VTAX_FS_OVERLAY }, { "ext4", VTAX_FS_EXT4 }, { "ext3", VTAX_FS_EXT4 },
		{ "ext2", VTAX_FS_EXT4 }, { "xfs", VTAX_FS_XFS }, { "btrfs", VTAX_FS_BTRFS },
		{ "tmpfs", VTAX_FS_TMPFS }, { "devtmpfs", VTAX_FS_DEVTMPFS }, { "proc", VTAX_FS_PROC },
		{ "sysfs", VTAX_FS_SYSFS }, { "cgroup", VTAX_FS_CGROUP }, { "cgroup2", VTAX_FS_CGROUP },
		{ "fuse", VTAX_FS_FUSE }, { "9p", VTAX_FS_9P }, { "virtiofs", VTAX_FS_VIRTIOFS },
		{ "nfs", VTAX_FS_NFS }, { "nfs4", VTAX_FS_NFS },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(m[i].name, t) || (!strncmp(t, "fuse.", 5) && m[i].cls == VTAX_FS_FUSE))
			return m[i].cls;
	return VTAX_FS_OTHER;
}

static void seed_mountinfo(int map_fd, const char *path)
{
	char line[4096];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned maj, min, cls;
		char *sep = strstr(line, " - "), fstype[64];
		uint32_t kdev;

		if (!sep || sscanf(line, "%*s %*s %u:%u", &maj, &min) != 2 ||
		    sscanf(sep + 3, "%63s", fstype) != 1)
			continue;
		cls = fs_class_of_type(fstype);
		kdev = (maj << 20) | min;
		bpf_map_update_elem(map_fd, &kdev, &cls, BPF_ANY);
	}
	fclose(f);
}

struct mntns_seen {
	int map_fd;
	unsigned long ino[256];
	int n;
};

static int seed_mntns(pid_t pid, void *arg)
{
	struct mntns_seen *m = arg;
	char p[64];
	struct stat st;

	if (pid <= 0)
		return 0;
	if (m->n >= 256)
		return 1;
	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)pid);
	if (stat(p, &st))
		return 0;
	for (int i = 0; i < m->n; i++)
		if (m->ino[i] == st.st_ino)
			return 0;
	m->ino[m->n++] = st.st_ino;
	snprintf(p, sizeof(p), "/proc/%d/mountinfo", (int)pid);
	seed_mountinfo(m->map_fd, p);
	return 0;
}

/* One mountinfo per mount namespace on the host (containers included). */
static void seed_all_mount_namespaces(int map_fd)
{
	struct mntns_seen m = { .map_fd = map_fd };

	seed_mountinfo(map_fd, "/proc/self/mountinfo");
	vtax_proc__for_each_pid(seed_mntns, &m);
}

/*
 * Fast-path slots (keys.h): 256, or fewer on hosts with many CPUs, so the
 * per-CPU array stays within 8 MiB (a histogram is ~4.5 KiB per CPU).
 */
static uint32_t fast_slots(void)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t n = (8u << 20) / ((size_t)(ncpu > 0 ? ncpu : 1) * sizeof(struct vtax_hist));

	return n > 256 ? 256 : n < 1 ? 1 : (uint32_t)n;
}

/* Merge the fast-path slots into the result as their hash keys would be:
 * the slot index is read through mmap (attach collects every second: no
 * syscall per entry), then one read per slot in use. */
static void merge_fast(struct vtax_session *s, struct syscall_bpf *skel, struct vtax_result *r)
{
	const size_t n = (size_t)VTAX_FAST_SUBJECTS * VTAX_NR_SYSCALLS;
	int ncpu = libbpf_num_possible_cpus();
	int sfd = bpf_map__fd(skel->maps.vtax_fast_slot), hfd = bpf_map__fd(skel->maps.vtax_fast_hists);
	struct vtax_hist *cpus = ncpu > 0 ? calloc((size_t)ncpu, sizeof(*cpus)) : NULL;
	struct vtax_hist *h = malloc(sizeof(*h));
	const volatile uint64_t *slots = mmap(NULL, n * sizeof(uint64_t), PROT_READ, MAP_SHARED, sfd, 0);

	for (size_t i = 0; slots != MAP_FAILED && cpus && h && i < n; i++) {
		uint32_t slot = (uint32_t)slots[i];
		struct vtax_hist_key key = { .subject = (uint32_t)(i / VTAX_NR_SYSCALLS),
					     .family = VTAX_FAM_SYSCALL,
					     .name = (uint32_t)(i % VTAX_NR_SYSCALLS), .l1 = VTAX_FS_NONE,
					     .l2 = VTAX_PART_ONCPU_ONLY };

		if (!slot)
			continue;
		slot -= 1;
		if (bpf_map_lookup_elem(hfd, &slot, cpus))
			continue;
		vtax_hist__reset(h);
		for (int c = 0; c < ncpu; c++)
			vtax_hist__merge(h, &cpus[c]);
		if (h->count)
			vtax_session__merge_hist(s, r, &key, h);
	}
	if (slots != MAP_FAILED)
		munmap((void *)slots, n * sizeof(uint64_t));
	free(cpus);
	free(h);
}

static int syscall_attach(struct vtax_session *s, void **state, char *err, size_t errlen)
{
	struct syscall_bpf *skel;
	int rc;

	skel = syscall_bpf__open();
	if (!skel) {
		snprintf(err, errlen, "open: %s", strerror(errno));
		return -errno;
	}
	rc = vtax_session__share_maps(s, skel->obj);
	if (!rc)
		rc = bpf_map__set_max_entries(skel->maps.vtax_fast_hists, fast_slots());
	if (!rc)
		rc = syscall_bpf__load(skel);
	if (rc) {
		vtax_probe_error(err, errlen, "load", rc);
		syscall_bpf__destroy(skel);
		return rc;
	}
	for (size_t i = 0; i < sizeof(sys_kinds) / sizeof(sys_kinds[0]); i++) {
		uint32_t nr = (uint32_t)sys_kinds[i].nr;
		uint8_t kind = sys_kinds[i].kind;

		bpf_map_update_elem(bpf_map__fd(skel->maps.vtax_sys_kind), &nr, &kind, BPF_ANY);
	}
	seed_all_mount_namespaces(bpf_map__fd(skel->maps.vtax_dev_class));
	rc = syscall_bpf__attach(skel);
	if (rc) {
		vtax_probe_error(err, errlen, "attach raw_syscalls tracepoints", rc);
		syscall_bpf__destroy(skel);
		return rc;
	}
	*state = skel;
	return 0;
}

static void syscall_detach(void *state)
{
	syscall_bpf__destroy(state);
}

static int syscall_decode(const struct vtax_hist_key *k, char *name, size_t namelen,
			  struct vtax_label *labels, int *nlabels)
{
	const char *n = vtax_syscall_name(k->name);
	int nl = 0;

	if (n)
		snprintf(name, namelen, "%s", n);
	else
		snprintf(name, namelen, "sys_%u", k->name);
	if (k->l1 != VTAX_FS_NONE && k->l1 < VTAX_FS_MAX)
		vtax_label__set(&labels[nl++], "fs", vtax_fs_names[k->l1]);
	if (k->l2 < sizeof(part_names) / sizeof(part_names[0]))
		vtax_label__set(&labels[nl++], "part", part_names[k->l2]);
	*nlabels = nl;
	return 0;
}

/*
 * The ledger cause of a key (result/cause.h): a syscall's total time on an
 * overlay file is the filesystem cause; on a data filesystem (what holds
 * data on native) it is the reference the overlay time is compared with.
 * Only the raw parts that make up the total carry it; fold_subject() gives
 * it to the folded part=total series (never to part=oncpu).
 */
static int syscall_cause(const struct vtax_hist_key *k)
{
	if (k->l2 != VTAX_PART_ONCPU_ONLY && k->l2 != VTAX_PART_TOTAL_OFFCPU)
		return VTAX_CAUSE_NONE;
	switch (k->l1) {
	case VTAX_FS_OVERLAY:
		return VTAX_CAUSE_FS;
	case VTAX_FS_EXT4: case VTAX_FS_XFS: case VTAX_FS_BTRFS: case VTAX_FS_TMPFS:
	case VTAX_FS_FUSE: case VTAX_FS_9P: case VTAX_FS_VIRTIOFS: case VTAX_FS_NFS:
	case VTAX_FS_OTHER: case VTAX_FS_UNKNOWN:
		return VTAX_CAUSE_FS_REF;
	}
	return VTAX_CAUSE_NONE; /* no file, sockets, pipes, proc, sysfs, ... */
}

/* Fold the raw parts into what users read: total = oncpu_only + total_offcpu,
 * oncpu = oncpu_only + oncpu (see enum vtax_sys_part). */
static void fold_subject(struct vtax_subject *subj)
{
	size_t n = subj->nseries, w = 0;

	for (size_t i = 0; i < n; i++) {
		struct vtax_series *se = &subj->series[i];
		const char *p0 = vtax_series__label(se, "part");
		struct vtax_label l[VTAX_MAX_LABELS];
		struct vtax_hist h;
		char name[64], part[24];
		int nl = 0, cause = se->cause;

		if (strcmp(se->family, "syscall") || !p0 || p0[0] != '_')
			continue;
		/* copy out: adding series below may move the array (realloc) */
		snprintf(part, sizeof(part), "%s", p0);
		h = se->hist;
		snprintf(name, sizeof(name), "%s", se->name);
		for (int k = 0; k < se->nlabels; k++)
			if (strcmp(se->labels[k].key, "part"))
				l[nl++] = se->labels[k];
		if (!strcmp(part, "_oncpu_only") || !strcmp(part, "_total_offcpu")) {
			struct vtax_series *t;

			vtax_label__set(&l[nl], "part", "total");
			t = vtax_subject__series(subj, "syscall", name, nl + 1, l);
			if (t) {
				vtax_hist__merge(&t->hist, &h);
				t->cause = cause;
			}
		}
		if (!strcmp(part, "_oncpu_only") || !strcmp(part, "_oncpu")) {
			struct vtax_series *t;

			vtax_label__set(&l[nl], "part", "oncpu");
			t = vtax_subject__series(subj, "syscall", name, nl + 1, l);
			if (t)
				vtax_hist__merge(&t->hist, &h);
		}
	}
	for (size_t i = 0; i < subj->nseries; i++) {
		const char *part = vtax_series__label(&subj->series[i], "part");

		if (!strcmp(subj->series[i].family, "syscall") && part && part[0] == '_')
			continue;
		if (w != i)
			subj->series[w] = subj->series[i];
		w++;
	}
	subj->nseries = w;
}

static void syscall_collect(struct vtax_session *s, void *state, struct vtax_result *r)
{
	if (state)
		merge_fast(s, state, r);
	for (size_t i = 0; i < r->nsubjects; i++)
		fold_subject(&r->subjects[i]);
}

static struct bpf_object_skeleton *syscall_skeleton(void *state)
{
	return ((struct syscall_bpf *)state)->skeleton;
}

const struct vtax_probe_ops vtax_probe_syscall = {
	.name = "syscall",
	.family = VTAX_FAM_SYSCALL,
	.hooks = "tp_btf sys_enter/sys_exit",
	.summary = "syscall latency per syscall, split on-CPU / run-queue / blocked, by filesystem",
	.attach = syscall_attach,
	.detach = syscall_detach,
	.decode = syscall_decode,
	.cause = syscall_cause,
	.collect = syscall_collect,
	.skeleton = syscall_skeleton,
};
