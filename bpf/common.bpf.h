/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * common.bpf.h - what every vtax probe family shares in the kernel:
 * the histogram map and its update, subjects (which tracked workload a task
 * belongs to), per-task state in task storage, drop counters, config.
 *
 * Each family is its own BPF object (bpf/<family>.bpf.c) so a family that
 * cannot load on a host (no kvm tracepoints, no netfilter links) does not
 * take the others down.  The maps below are declared in every object; the
 * loader (src/trace/session.c) creates them once, with the sched object, and
 * makes the other objects reuse the same fds (bpf_map__reuse_fd).
 */
#ifndef VTAX_COMMON_BPF_H
#define VTAX_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vtax/keys.h"
#include "core_fixes.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define VTAX_MAX_CGROUP_DEPTH 8

/*
 * Per-CPU: a histogram update is three plain adds on this CPU's copy, no
 * locked instructions (measured: atomics tripled the per-syscall cost).
 * Not preallocated, so only keys in use take memory (x possible CPUs);
 * userspace sums the CPUs when it reads.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384); /* resized by the loader (--max-hists) */
	__type(key, struct vtax_hist_key);
	__type(value, struct vtax_hist);
} vtax_hists SEC(".maps");

/* a zeroed histogram to insert from (too big for the BPF stack) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vtax_hist);
} vtax_zero_hist SEC(".maps");

/* tgid -> subject: processes named by the user (--pid, run) and children */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} vtax_pid_subject SEC(".maps");

/* cgroup id (kernfs id == inode of the cgroup dir) -> subject */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} vtax_cgroup_subject SEC(".maps");

/* samples waiting for their histogram to exist (see keys.h) */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, VTAX_SPILL_RING_BYTES);
} vtax_spill_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vtax_task_state);
} vtax_task SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VTAX_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} vtax_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vtax_cfg);
} vtax_cfg_map SEC(".maps");

static __always_inline void vtax_drop(__u32 why)
{
	__u64 *c = bpf_map_lookup_elem(&vtax_drops, &why);

	if (c)
		*c += 1;
}

static __always_inline struct vtax_cfg *vtax_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vtax_cfg_map, &zero);
}

/*
 * --sample (docs/sampling.md): the first statement of every program whose
 * chain role the sampler switches (VTAX_GATE(START) or VTAX_GATE(END), the
 * role vtax_chain_role() gives its name; tests/unit check they agree).
 * Between windows the program returns here, so a window's edge is one map
 * write instead of a text patch on every CPU; only gaps long enough to pay
 * for one release the links too (park() in src/trace/sample.c).
 */
#define VTAX_GATE(role)                                                          \
	do {                                                                     \
		struct vtax_cfg *gate_cfg__ = vtax_cfg();                        \
		if (gate_cfg__ && (gate_cfg__->sample_off & VTAX_SAMPLE_OFF_##role)) \
			return 0;                                                \
	} while (0)

/* Add one sample to the histogram (subject, family, name, l1, l2). */
static __always_inline void vtax_hist_add(__u32 subject, __u32 family, __u32 name, __u32 l1,
					  __u32 l2, __u64 ns)
{
	struct vtax_hist_key key = {
		.subject = subject, .family = family, .name = name, .l1 = l1, .l2 = l2,
	};
	struct vtax_hist *h;
	__u64 bi;

	h = bpf_map_lookup_elem(&vtax_hists, &key);
	if (!h) {
		__u32 zero = 0;
		struct vtax_hist *z = bpf_map_lookup_elem(&vtax_zero_hist, &zero);

		if (!z)
			return;
		bpf_map_update_elem(&vtax_hists, &key, z, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&vtax_hists, &key);
		if (!h) {
			/* element cache empty (or map full): park the sample;
			 * no wake-up, the drainer polls */
			struct vtax_spill_ent e = { .key = key, .ns = ns };

			if (bpf_ringbuf_output(&vtax_spill_map, &e, sizeof(e), BPF_RB_NO_WAKEUP))
				vtax_drop(VTAX_DROP_SPILL_LOST);
			return;
		}
	}
	/*
	 * Bound the very register the access uses: vtax_hist_index() already
	 * clamps, but clang keeps the clamp on a copy and the 6.1 verifier does
	 * not carry a bound from a copy back ("R1 unbounded memory access").
	 * barrier_var makes the value opaque, so the check below stays and
	 * applies to the register that indexes the array.
	 */
	bi = vtax_hist_index(ns);
	barrier_var(bi);
	if (bi >= VTAX_HIST_NBUCKETS)
		return;
	/* this CPU's copy; tracepoint programs run with migration disabled */
	h->buckets[bi]++;
	h->count++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

static __always_inline struct vtax_task_state *vtax_task_state(struct task_struct *t)
{
	struct vtax_task_state *st;

	/* the idle task and exiting tasks cannot get storage: not a drop.
	 * Direct loads (t is a BTF pointer in tp_btf), not probe-read helpers. */
	if (!t->pid || (t->flags & 0x4 /* PF_EXITING */))
		return NULL;
	st = bpf_task_storage_get(&vtax_task, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		vtax_drop(VTAX_DROP_TASK_STORAGE);
	return st;
}

/* The cgroup id of a task on the hierarchy the session uses. */
static __always_inline struct kernfs_node *vtax_task_cgroup_kn(struct task_struct *t,
							       struct vtax_cfg *cfg)
{
	if (cfg->cgroup_v1) {
		__u32 i = cfg->v1_subsys;

		if (i >= CGROUP_SUBSYS_COUNT)
			return NULL;
		return BPF_CORE_READ(t, cgroups, subsys[i], cgroup, kn);
	}
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn);
}

/*
 * Which subject a task belongs to (0: not traced), looked up afresh: the
 * pid map, then the task's cgroup and its ancestors, else --all.  For
 * program types that may not use task storage (6.12's verifier refuses
 * bpf_task_storage_get in netfilter programs; 6.18's allows it); everything
 * else goes through the per-task cache below.
 */
static __always_inline __u32 vtax_subject_lookup(struct task_struct *t, struct vtax_cfg *cfg)
{
	struct kernfs_node *kn;
	__u32 tgid, *s;

	tgid = t->tgid;
	if (tgid == cfg->self_tgid)
		return 0;
	s = bpf_map_lookup_elem(&vtax_pid_subject, &tgid);
	if (s)
		return *s;
	if (cfg->have_cgroups) {
		kn = vtax_task_cgroup_kn(t, cfg);
		for (int i = 0; i < VTAX_MAX_CGROUP_DEPTH && kn; i++) {
			__u64 id = BPF_CORE_READ(kn, id);

			s = bpf_map_lookup_elem(&vtax_cgroup_subject, &id);
			if (s)
				return *s;
			kn = vtax_kn_parent(kn);
		}
	}
	return cfg->all_subject;
}

/* Which subject a task belongs to (0: not traced); cached per task. */
static __always_inline __u32 vtax_subject_of(struct task_struct *t, struct vtax_task_state *st)
{
	struct vtax_cfg *cfg = vtax_cfg();

	if (!cfg)
		return 0;
	if (st->gen == cfg->gen)
		return st->subject;
	st->subject = vtax_subject_lookup(t, cfg);
	st->gen = cfg->gen;
	return st->subject;
}

/*
 * The task is running (its own syscall exit), yet its state says it is off
 * the CPU: the scheduler let it back in without our sched_wakeup and
 * sched_switch programs running for it (seen here about once per 1000
 * blocking syscalls on this 6.18 kernel, with no recursion miss counted).
 * The time since it left is off-CPU all the same: charge it as blocked
 * (its run-queue wait cannot be told apart) and count the repair, so a sleep never shows up as on-CPU time.
 */
static __always_inline void vtax_off_unseen(struct vtax_task_state *st, __u64 sys_ts, __u64 now)
{
	/* only BLOCKED is impossible for a running task: RUNNABLE is also
	 * what a wakeup of a task still on its CPU leaves behind */
	if (st->off_state != VTAX_OFF_BLOCKED || st->off_ts < sys_ts || st->off_ts > now)
		return;
	st->sys_blocked_ns += now - st->off_ts;
	st->off_state = VTAX_OFF_NONE;
	st->runq_ts = 0;
	vtax_drop(VTAX_DROP_SWITCH_IN_UNSEEN);
}

/* Subject of a task without creating storage for untracked ones is not
 * possible (the cache lives in the storage); this is the common entry. */
static __always_inline __u32 vtax_task_subject(struct task_struct *t, struct vtax_task_state **stp)
{
	struct vtax_task_state *st = vtax_task_state(t);

	*stp = st;
	if (!st)
		return 0;
	return vtax_subject_of(t, st);
}

#endif
