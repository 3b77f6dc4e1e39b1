/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sched.bpf.c - the scheduler probe family, and the core every other family
 * needs: following forks into subjects, forgetting exited processes, and the
 * per-task off-CPU accounting that splits a syscall into on-CPU, run-queue
 * and blocked time.
 *
 *   sched_switch(prev)   prev leaves the CPU: runnable (preempted) or blocked
 *   sched_wakeup(p)      p blocked -> runnable: blocked time ends, runq starts
 *   sched_switch(next)   next gets the CPU: run-queue wait ends
 *
 * Histograms: sched.runq{cause=wakeup|preempt} per subject; a preempted
 * runq sample is one involuntary preemption.
 */
#include "common.bpf.h"

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vtax_fork, struct task_struct *parent, struct task_struct *child)
{
	struct vtax_cfg *cfg = vtax_cfg();
	__u32 ptgid, ctgid, *s;

	if (!cfg || !cfg->follow_forks)
		return 0;
	ptgid = parent->tgid;
	ctgid = child->tgid;
	if (ptgid == ctgid)
		return 0; /* a thread: shares the tgid entry */
	s = bpf_map_lookup_elem(&vtax_pid_subject, &ptgid);
	if (!s)
		return 0;
	if (bpf_map_update_elem(&vtax_pid_subject, &ctgid, s, BPF_ANY))
		vtax_drop(VTAX_DROP_PID_MAP_FULL);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vtax_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid;

	/* the group leader exits last; its entry tells userspace the target
	 * is gone (attach ends when every target has exited) */
	if (p->pid == tgid)
		bpf_map_delete_elem(&vtax_pid_subject, &tgid);
	return 0;
}

/* A task moved to another cgroup (docker exec, systemd): recompute subjects. */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(vtax_cgroup_attach, struct cgroup *dst, const char *path, struct task_struct *t)
{
	struct vtax_task_state *st;

	st = bpf_task_storage_get(&vtax_task, t, 0, 0);
	if (st)
		st->gen = 0;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(vtax_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	VTAX_GATE(END);
	struct vtax_task_state *st;
	struct vtax_cfg *cfg = vtax_cfg();
	__u64 now = bpf_ktime_get_ns(), epoch = cfg ? cfg->sample_epoch_ns : 0;
	__u32 subject;

	subject = vtax_task_subject(prev, &st);
	if (subject && st) {
		st->off_ts = now;
		if (preempt || prev_state == 0) {
			st->off_state = VTAX_OFF_RUNNABLE;
			st->runq_ts = now;
		} else {
			st->off_state = VTAX_OFF_BLOCKED;
		}
	}

	subject = vtax_task_subject(next, &st);
	if (!subject || !st)
		return 0;
	/* --sample: a wait that began before this window is not measured */
	if (st->off_state == VTAX_OFF_RUNNABLE && st->runq_ts && st->runq_ts >= epoch) {
		__u64 wait = now - st->runq_ts;
		/* off_ts == runq_ts means it never blocked: a preemption */
		__u32 cause = st->off_ts == st->runq_ts ? VTAX_RUNQ_PREEMPT : VTAX_RUNQ_WAKEUP;

		vtax_hist_add(subject, VTAX_FAM_SCHED, VTAX_SCHED_RUNQ, cause, 0, wait);
		if (st->sys_ts)
			st->sys_runq_ns += wait;
	} else if (st->off_state == VTAX_OFF_BLOCKED && st->off_ts && st->off_ts >= epoch) {
		/* wakeup not seen (before we attached): count it all as blocked */
		if (st->sys_ts)
			st->sys_blocked_ns += now - st->off_ts;
	}
	st->off_state = VTAX_OFF_NONE;
	st->runq_ts = 0;
	return 0;
}

static __always_inline void vtax_woken(struct task_struct *p)
{
	struct vtax_task_state *st;
	struct vtax_cfg *cfg;
	__u64 now;

	if (!vtax_task_subject(p, &st) || !st)
		return;
	now = bpf_ktime_get_ns();
	cfg = vtax_cfg();
	/* --sample: blocked since before this window: not measured */
	if (st->off_state == VTAX_OFF_BLOCKED && cfg && st->off_ts >= cfg->sample_epoch_ns) {
		__u64 blocked = now - st->off_ts;

		vtax_hist_add(st->subject, VTAX_FAM_SCHED, VTAX_SCHED_OFFCPU_BLOCKED, 0, 0, blocked);
		if (st->sys_ts)
			st->sys_blocked_ns += blocked;
	}
	if (st->off_state != VTAX_OFF_RUNNABLE) {
		st->off_state = VTAX_OFF_RUNNABLE;
		st->runq_ts = now;
	}
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(vtax_wakeup, struct task_struct *p)
{
	VTAX_GATE(END);
	vtax_woken(p);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(vtax_wakeup_new, struct task_struct *p)
{
	VTAX_GATE(END);
	struct vtax_task_state *st;

	if (!vtax_task_subject(p, &st) || !st)
		return 0;
	st->off_state = VTAX_OFF_RUNNABLE;
	st->off_ts = 0;
	st->runq_ts = bpf_ktime_get_ns();
	return 0;
}
