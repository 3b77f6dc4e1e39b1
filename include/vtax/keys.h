/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * keys.h - map keys, enums and per-task state shared by BPF programs and
 * userspace.  A histogram is keyed by (subject, family, name, l1, l2); each
 * family's decoder (src/probe_*.c) turns name/l1/l2 into readable names and
 * labels.
 */
#ifndef VTAX_KEYS_H
#define VTAX_KEYS_H

#include "vtax/hist.h"

enum vtax_family {
	VTAX_FAM_SYSCALL = 1,
	VTAX_FAM_SCHED = 2,
	VTAX_FAM_NET = 3,
	VTAX_FAM_BLK = 4,
	VTAX_FAM_KVM = 5,
	VTAX_FAM_MAX
};

struct vtax_hist_key {
	vtax_u32 subject; /* 0 = untracked; ids are assigned by userspace */
	vtax_u32 family;  /* enum vtax_family */
	vtax_u32 name;    /* family-specific: syscall nr, sched item, hop, ... */
	vtax_u32 l1;      /* family-specific label: fs class, ... */
	vtax_u32 l2;      /* family-specific label: part, ... */
};

/* syscall family: l1 = filesystem class, l2 = part */
enum vtax_fs_class {
	VTAX_FS_NONE = 0, /* not a file syscall */
	VTAX_FS_OVERLAY, VTAX_FS_EXT4, VTAX_FS_XFS, VTAX_FS_BTRFS, VTAX_FS_TMPFS,
	VTAX_FS_PROC, VTAX_FS_SYSFS, VTAX_FS_CGROUP, VTAX_FS_FUSE, VTAX_FS_9P,
	VTAX_FS_VIRTIOFS, VTAX_FS_NFS, VTAX_FS_SOCK, VTAX_FS_PIPE, VTAX_FS_ANON,
	VTAX_FS_DEVTMPFS, VTAX_FS_OTHER, VTAX_FS_UNKNOWN,
	VTAX_FS_MAX
};

/*
 * How a syscall's time splits.  To keep one histogram update on the fast
 * path, a syscall that never left the CPU records only PART_ONCPU_ONLY (its
 * total equals its on-CPU time); one that did records the other four.
 * Userspace rebuilds total = ONCPU_ONLY + TOTAL_OFFCPU and
 * oncpu = ONCPU_ONLY + ONCPU.
 */
enum vtax_sys_part {
	VTAX_PART_ONCPU_ONLY = 0,
	VTAX_PART_TOTAL_OFFCPU = 1,
	VTAX_PART_ONCPU = 2,
	VTAX_PART_RUNQ = 3,
	VTAX_PART_BLOCKED = 4,
};

/* how a syscall names its file: filled per syscall nr by userspace */
enum vtax_sys_kind {
	VTAX_SK_NONE = 0,
	VTAX_SK_FD0 = 1,     /* arg0 is an fd (read, write, fstat, fsync, ...) */
	VTAX_SK_OPEN = 2,    /* returns an fd; dirfd in arg0 (openat) */
	VTAX_SK_OPEN_CWD = 3, /* returns an fd; path in arg0 (open, creat) */
	VTAX_SK_STAT = 4,    /* newfstatat: struct stat * in arg2 */
	VTAX_SK_STATX = 5,   /* statx: struct statx * in arg4 */
	VTAX_SK_STAT_CWD = 6, /* stat/lstat: struct stat * in arg1 */
	VTAX_SK_PATH_AT = 7, /* dirfd in arg0, path in arg1 (unlinkat, mkdirat, ...) */
	VTAX_SK_PATH = 8,    /* path in arg0 relative to cwd (access, unlink, ...) */
};
#define VTAX_NR_SYSCALLS 512

/*
 * The syscall family's fast path (bpf/syscall.bpf.c): an on-CPU-only
 * syscall with no filesystem (getppid, futex, epoll_wait that did not
 * sleep...) of subject < VTAX_FAST_SUBJECTS goes to a per-CPU array slot
 * found through vtax_fast_slot[subject * VTAX_NR_SYSCALLS + nr] (two array
 * lookups the verifier inlines) instead of the histogram hash (hashing a
 * 20-byte key per call).  Slots are handed out in BPF on first use;
 * userspace merges them as the keys (subject, syscall, nr, none,
 * oncpu_only).  Past the last slot, samples take the hash as before.
 */
#define VTAX_FAST_SUBJECTS 64

/*
 * Samples whose histogram could not be created yet.  New keys of the
 * (not preallocated) histogram map come from the kernel's per-CPU element
 * cache, which a burst of new keys can empty until it refills a moment
 * later - and which stays empty while a SCHED_FIFO task (a busy-waiting
 * VMM) holds its CPU, so that every sample of a key not yet created lands
 * here.  Such samples are parked in one BPF ring buffer shared by all
 * CPUs and merged by the session's drainer thread (any CPU), so none is
 * lost unless the ring fills between two drains (counted:
 * hist_spill_lost).  1 MiB holds about 21,000 samples: 20 ms at a
 * million spilled samples a second.  (It was a 256-slot per-CPU array,
 * which the hogged CPU's samples overflowed in ~50 ms on a loaded host;
 * a per-CPU array value cannot exceed 32 KiB.)
 */
#define VTAX_SPILL_RING_BYTES (1u << 20)
struct vtax_spill_ent {
	struct vtax_hist_key key;
	vtax_u32 pad;
	vtax_u64 ns;
};

/* sched family names */
enum vtax_sched_name {
	VTAX_SCHED_RUNQ = 1, /* wakeup or preemption -> switch-in; l1 = cause */
	VTAX_SCHED_OFFCPU_BLOCKED = 2, /* blocked (sleep) -> wakeup */
};
enum vtax_runq_cause { VTAX_RUNQ_WAKEUP = 0, VTAX_RUNQ_PREEMPT = 1 };

/* drop and miss counters (per-CPU array, index = enum) */
enum vtax_drop {
	VTAX_DROP_HIST_MAP_FULL = 0,
	VTAX_DROP_TASK_STORAGE = 1,
	VTAX_DROP_SYS_ENTER_NO_EXIT = 2,
	VTAX_DROP_SYS_EXIT_NO_ENTER = 3,
	VTAX_DROP_PID_MAP_FULL = 4,
	VTAX_DROP_SKB_MAP_FULL = 5,
	VTAX_DROP_KVM_NO_START = 6,
	VTAX_DROP_BLK_MAP_FULL = 7,
	VTAX_DROP_BLK_NO_START = 8,
	VTAX_DROP_SWITCH_IN_UNSEEN = 9,
	VTAX_DROP_SPILL_LOST = 10,
	VTAX_DROP_MAX = 16
};

/* session-wide configuration: one entry of the vtax_cfg array map */
/* struct vtax_cfg.sample_off bits: the programs that start chains (sys_enter,
 * a netfilter stage's open, a send...) and those that end them (sys_exit,
 * sched_switch, the hops...); src/trace/sample.c says which is which */
#define VTAX_SAMPLE_OFF_START 1u
#define VTAX_SAMPLE_OFF_END 2u

struct vtax_cfg {
	vtax_u32 gen;            /* bumped whenever subjects change; >= 1 */
	vtax_u32 all_subject;    /* --all: subject for everything unmatched (host), else 0 */
	vtax_u32 cgroup_v1;      /* 1: read cgroup ids from a v1 hierarchy */
	vtax_u32 v1_subsys;      /* that hierarchy's subsystem index (cpu_cgrp_id, ...) */
	vtax_u32 follow_forks;   /* children of tracked processes are tracked */
	vtax_u32 self_tgid;      /* vtax itself: never traced */
	vtax_u32 have_cgroups;   /* the cgroup map holds entries: walk ancestors */
	/* --sample: the chain roles switched off now (VTAX_SAMPLE_OFF_*); 0
	 * when not sampling or inside a window.  A switched program tests it
	 * first (VTAX_GATE in bpf/common.bpf.h) and returns at once. */
	vtax_u32 sample_off;
	/* --sample (docs/sampling.md): start of the current tracing window, 0
	 * when not sampling.  A chain whose start stamp is older began before
	 * the window (its end was never seen): it is discarded, not measured. */
	vtax_u64 sample_epoch_ns;
};

/* per-task state, in BPF task storage */
struct vtax_task_state {
	vtax_u64 sys_ts;      /* syscall enter time, 0 when not in a syscall */
	vtax_u64 off_ts;      /* switch-out time */
	vtax_u64 runq_ts;     /* became runnable (wakeup or preemption) */
	vtax_u64 sys_runq_ns; /* run-queue wait inside the current syscall */
	vtax_u64 sys_blocked_ns; /* blocked time inside the current syscall */
	vtax_u64 sys_arg;     /* saved syscall argument (user buffer pointer) */
	vtax_u32 sys_nr;
	vtax_u32 sys_fs;      /* fs class found at enter */
	vtax_u32 subject;     /* cached subject (0 = untracked) */
	vtax_u32 gen;         /* cfg gen the cache was computed for */
	vtax_u32 off_state;   /* enum below */
	vtax_u32 pad;
	vtax_u64 kvm_ts;      /* kvm family: exit/userspace-exit time */
	vtax_u64 kvm_reason;
	vtax_u64 net_ts;      /* net family: send syscall start */
	/* kvm family (bpf/kvm.bpf.c, include/vtax/kvm.h) */
	vtax_u64 kvm_entry_ts; /* last kvm_entry: guest run started */
	vtax_u64 kvm_uexit_ts; /* kvm_userspace_exit: VMM emulation started */
	vtax_u64 kvm_user_ns;  /* userspace time inside the current exit */
	vtax_u64 kvm_acc_addr; /* pending PIO port / MMIO gpa */
	vtax_u64 kvm_last_user_ns; /* last KVM_EXIT_IO userspace time (PIO in) */
	vtax_u64 kvm_steal_ts; /* vCPU thread became runnable */
	vtax_u32 kvm_acc;      /* pending access: VTAX_KVM_ACC_* bits, 0 none */
	vtax_u32 kvm_ureason;  /* reason of the pending userspace exit */
};
enum vtax_off_state { VTAX_OFF_NONE = 0, VTAX_OFF_BLOCKED = 1, VTAX_OFF_RUNNABLE = 2 };

#endif
