/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * syscall.bpf.c - the syscall probe family: enter-to-exit latency per
 * syscall and subject, split into on-CPU, run-queue and blocked time (the
 * off-CPU parts are accumulated by sched.bpf.c while the task is inside the
 * syscall), and for file syscalls by the filesystem of the file touched.
 *
 * Filesystem of a syscall (from the superblock magic, via CO-RE):
 *   fd syscalls (read, write, fstat, fsync...)  the fd's file at enter
 *   open/openat/creat                           the returned fd at exit
 *   stat/newfstatat/statx                       st_dev the kernel wrote back,
 *                                               mapped through vtax_dev_class
 *   other path syscalls                         the directory they start from
 *                                               (dirfd, cwd, or / if absolute)
 */
#include "common.bpf.h"

#define AT_FDCWD_ -100

/* syscall nr -> enum vtax_sys_kind, filled by userspace */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VTAX_NR_SYSCALLS);
	__type(key, __u32);
	__type(value, __u8);
} vtax_sys_kind SEC(".maps");

/* kernel dev_t -> fs class: from mountinfo (userspace) and from files seen */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} vtax_dev_class SEC(".maps");

/* the fast path (keys.h): (subject, nr) -> slot + 1 (0: none yet);
 * userspace reads it through mmap, without a syscall per entry */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, VTAX_FAST_SUBJECTS * VTAX_NR_SYSCALLS);
	__type(key, __u32);
	__type(value, __u64);
} vtax_fast_slot SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256); /* resized by the loader (bounded by CPUs) */
	__type(key, __u32);
	__type(value, struct vtax_hist);
} vtax_fast_hists SEC(".maps");

/* slots handed out so far */
__u32 vtax_fast_used;

/* One on-CPU-only, fs-less syscall sample; 0 when it went to a fast slot. */
static __always_inline int vtax_fast_add(__u32 subject, __u32 nr, __u64 ns)
{
	__u32 i = subject * VTAX_NR_SYSCALLS + nr, sl;
	__u64 *slot, bi;
	struct vtax_hist *h;

	if (subject >= VTAX_FAST_SUBJECTS || nr >= VTAX_NR_SYSCALLS)
		return -1;
	slot = bpf_map_lookup_elem(&vtax_fast_slot, &i);
	if (!slot)
		return -1;
	sl = (__u32)*slot;
	if (!sl) {
		__u32 mine = __sync_fetch_and_add(&vtax_fast_used, 1) + 1;

		/* another CPU may have claimed this key meanwhile: its slot wins */
		sl = (__u32)__sync_val_compare_and_swap(slot, 0, (__u64)mine);
		if (!sl)
			sl = mine;
	}
	sl -= 1;
	h = bpf_map_lookup_elem(&vtax_fast_hists, &sl);
	if (!h)
		return -1; /* past the last slot: the hash takes it */
	/* bounded on the register that indexes (see vtax_hist_add: 6.1 verifier) */
	bi = vtax_hist_index(ns);
	barrier_var(bi);
	if (bi >= VTAX_HIST_NBUCKETS)
		return -1;
	h->buckets[bi]++;
	h->count++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	return 0;
}

static __always_inline __u32 vtax_fs_of_sb(struct super_block *sb)
{
	unsigned long magic;
	__u32 cls, dev;

	if (!sb)
		return VTAX_FS_UNKNOWN;
	magic = BPF_CORE_READ(sb, s_magic);
	switch (magic) {
	case 0x794c7630: cls = VTAX_FS_OVERLAY; break;
	case 0xEF53: cls = VTAX_FS_EXT4; break;
	case 0x58465342: cls = VTAX_FS_XFS; break;
	case 0x9123683E: cls = VTAX_FS_BTRFS; break;
	case 0x01021994: cls = VTAX_FS_TMPFS; break;
	case 0x9fa0: cls = VTAX_FS_PROC; break;
	case 0x62656572: cls = VTAX_FS_SYSFS; break;
	case 0x27e0eb:
	case 0x63677270: cls = VTAX_FS_CGROUP; break;
	case 0x65735546: {
		char n[4] = {};

		/* virtiofs shares FUSE's magic; its fs type is "virtiofs" */
		bpf_probe_read_kernel_str(n, sizeof(n), BPF_CORE_READ(sb, s_type, name));
		cls = (n[0] == 'v' && n[1] == 'i') ? VTAX_FS_VIRTIOFS : VTAX_FS_FUSE;
		break;
	}
	case 0x01021997: cls = VTAX_FS_9P; break;
	case 0x6969: cls = VTAX_FS_NFS; break;
	case 0x534F434B: cls = VTAX_FS_SOCK; break;
	case 0x50495045: cls = VTAX_FS_PIPE; break;
	case 0x09041934: cls = VTAX_FS_ANON; break;
	default: cls = VTAX_FS_OTHER; break;
	}
	/* teach the dev map, so stat() of files on this fs is classified */
	dev = BPF_CORE_READ(sb, s_dev);
	if (!bpf_map_lookup_elem(&vtax_dev_class, &dev))
		bpf_map_update_elem(&vtax_dev_class, &dev, &cls, BPF_NOEXIST);
	return cls;
}

static __always_inline __u32 vtax_fs_of_fd(struct task_struct *t, long fd)
{
	struct fdtable *fdt;
	struct file **fdarr, *f = NULL;

	if (fd < 0)
		return VTAX_FS_UNKNOWN;
	fdt = BPF_CORE_READ(t, files, fdt);
	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return VTAX_FS_UNKNOWN;
	fdarr = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fdarr[fd]);
	if (!f)
		return VTAX_FS_UNKNOWN;
	return vtax_fs_of_sb(BPF_CORE_READ(f, f_inode, i_sb));
}

/* Filesystem a path lookup starts on: / for absolute, else dirfd or cwd. */
static __always_inline __u32 vtax_fs_of_path(struct task_struct *t, long dirfd, const char *path)
{
	char c = 0;

	bpf_probe_read_user(&c, 1, path);
	if (c == '/')
		return vtax_fs_of_sb(BPF_CORE_READ(t, fs, root.dentry, d_sb));
	if (dirfd == AT_FDCWD_)
		return vtax_fs_of_sb(BPF_CORE_READ(t, fs, pwd.dentry, d_sb));
	return vtax_fs_of_fd(t, dirfd);
}

/* glibc's dev_t encoding (st_dev) -> the kernel's MKDEV */
static __always_inline __u32 vtax_kdev_of_user(__u64 d)
{
	__u32 major = (__u32)((d >> 8) & 0xfff) | (__u32)((d >> 32) & ~0xfffULL);
	__u32 minor = (__u32)(d & 0xff) | (__u32)((d >> 12) & 0xffffff00ULL);

	return (major << 20) | minor;
}

static __always_inline __u32 vtax_fs_of_dev(__u32 kdev, __u32 fallback)
{
	__u32 *c = bpf_map_lookup_elem(&vtax_dev_class, &kdev);

	return c ? *c : fallback;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(vtax_sys_enter, struct pt_regs *regs, long id)
{
	VTAX_GATE(START);
	struct task_struct *t = bpf_get_current_task_btf();
	struct vtax_task_state *st;
	__u32 nr = (__u32)id;
	__u8 *kind;

	struct vtax_cfg *cfg;

	if (!vtax_task_subject(t, &st) || !st)
		return 0;
	/* a syscall whose exit fell in a sampling gap is not a lost exit */
	cfg = vtax_cfg();
	if (st->sys_ts && cfg && st->sys_ts >= cfg->sample_epoch_ns)
		vtax_drop(VTAX_DROP_SYS_ENTER_NO_EXIT);
	st->sys_nr = nr;
	st->sys_fs = VTAX_FS_NONE;
	st->sys_runq_ns = 0;
	st->sys_blocked_ns = 0;
	kind = bpf_map_lookup_elem(&vtax_sys_kind, &nr);
	if (kind && *kind) {
		long a0 = BPF_CORE_READ(regs, di);
		const char *a1 = (const char *)BPF_CORE_READ(regs, si);

		switch (*kind) {
		case VTAX_SK_FD0:
			st->sys_fs = vtax_fs_of_fd(t, a0);
			break;
		case VTAX_SK_OPEN:
		case VTAX_SK_PATH_AT:
			st->sys_fs = vtax_fs_of_path(t, a0, a1);
			break;
		case VTAX_SK_STAT:
			st->sys_fs = vtax_fs_of_path(t, a0, a1);
			st->sys_arg = BPF_CORE_READ(regs, dx);
			break;
		case VTAX_SK_STATX:
			st->sys_fs = vtax_fs_of_path(t, a0, a1);
			st->sys_arg = BPF_CORE_READ(regs, r8);
			break;
		case VTAX_SK_STAT_CWD:
			st->sys_fs = vtax_fs_of_path(t, AT_FDCWD_, (const char *)a0);
			st->sys_arg = (__u64)a1;
			break;
		case VTAX_SK_OPEN_CWD:
		case VTAX_SK_PATH:
			st->sys_fs = vtax_fs_of_path(t, AT_FDCWD_, (const char *)a0);
			break;
		}
	}
	/* last, so the lookups above are not counted in the syscall */
	st->sys_ts = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(vtax_sys_exit, struct pt_regs *regs, long ret)
{
	VTAX_GATE(END);
	__u64 now = bpf_ktime_get_ns();
	struct task_struct *t = bpf_get_current_task_btf();
	struct vtax_task_state *st;
	struct vtax_cfg *cfg = vtax_cfg();
	__u64 total, off, oncpu, epoch = cfg ? cfg->sample_epoch_ns : 0;
	__u32 subject, fs, nr;
	__u8 *kind;

	st = bpf_task_storage_get(&vtax_task, t, 0, 0);
	if (!st)
		return 0;
	/* --sample: entered before this window (its enter program was detached
	 * before it returned): not measured, and no miss either */
	if (st->sys_ts && st->sys_ts < epoch) {
		st->sys_ts = 0;
		return 0;
	}
	if (!st->sys_ts) {
		long nr0;

		/* --sample: exits whose enter fell before the window are expected */
		if (epoch || !vtax_subject_of(t, st))
			return 0;
		nr0 = BPF_CORE_READ(regs, orig_ax);

		/* a new task's first event is its return from clone/fork: not a miss */
		if (nr0 != 56 && nr0 != 57 && nr0 != 58 && nr0 != 435)
			vtax_drop(VTAX_DROP_SYS_EXIT_NO_ENTER);
		return 0;
	}
	/* sys_ts is only set for traced tasks; the subject is the one the
	 * enter program resolved (a cgroup move mid-syscall does not split it) */
	subject = st->subject;
	nr = st->sys_nr;
	total = now - st->sys_ts;
	st->sys_ts = 0;
	fs = st->sys_fs;
	if (fs != VTAX_FS_NONE) {
		kind = bpf_map_lookup_elem(&vtax_sys_kind, &nr);
		if (kind && (*kind == VTAX_SK_OPEN || *kind == VTAX_SK_OPEN_CWD) && ret >= 0) {
			fs = vtax_fs_of_fd(t, ret);
		} else if (kind && ret == 0 &&
			   (*kind == VTAX_SK_STAT || *kind == VTAX_SK_STAT_CWD)) {
			__u64 d = 0;

			bpf_probe_read_user(&d, sizeof(d), (void *)st->sys_arg);
			fs = vtax_fs_of_dev(vtax_kdev_of_user(d), fs);
		} else if (kind && ret == 0 && *kind == VTAX_SK_STATX) {
			__u32 mm[2] = {};

			/* stx_dev_major, stx_dev_minor at 0x88 in struct statx */
			bpf_probe_read_user(mm, sizeof(mm), (void *)(st->sys_arg + 0x88));
			fs = vtax_fs_of_dev((mm[0] << 20) | mm[1], fs);
		}
	}
	vtax_off_unseen(st, now - total, now);
	off = st->sys_runq_ns + st->sys_blocked_ns;
	if (!off) {
		if (fs != VTAX_FS_NONE || vtax_fast_add(subject, nr, total))
			vtax_hist_add(subject, VTAX_FAM_SYSCALL, nr, fs, VTAX_PART_ONCPU_ONLY, total);
		return 0;
	}
	oncpu = total > off ? total - off : 0;
	vtax_hist_add(subject, VTAX_FAM_SYSCALL, nr, fs, VTAX_PART_TOTAL_OFFCPU, total);
	vtax_hist_add(subject, VTAX_FAM_SYSCALL, nr, fs, VTAX_PART_ONCPU, oncpu);
	if (st->sys_runq_ns)
		vtax_hist_add(subject, VTAX_FAM_SYSCALL, nr, fs, VTAX_PART_RUNQ, st->sys_runq_ns);
	if (st->sys_blocked_ns)
		vtax_hist_add(subject, VTAX_FAM_SYSCALL, nr, fs, VTAX_PART_BLOCKED,
			      st->sys_blocked_ns);
	return 0;
}
