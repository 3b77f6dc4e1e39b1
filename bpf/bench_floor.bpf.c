/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bench_floor.bpf.c - the yardsticks `make bench` (bench/bench.sh) measures
 * vtax's probe cost against, on exactly the tracepoints the syscall and
 * sched families use:
 *   floor_*   empty programs: what merely running a program there costs
 *   least_*   the least a syscall latency probe can do: a clock read into
 *             task storage at sys_enter, a second read and one per-CPU add
 *             at sys_exit (issue 11's definition)
 *   lrunq_*   the same for run-queue latency: a clock read into task
 *             storage at sched_wakeup, a second read and one per-CPU add
 *             when the task is switched in
 * bench/floor.c chooses which set to load.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter) { return 0; }
SEC("tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit) { return 0; }
SEC("tp_btf/sched_switch")
int BPF_PROG(floor_switch) { return 0; }
SEC("tp_btf/sched_wakeup")
int BPF_PROG(floor_wakeup) { return 0; }
SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(floor_wakeup_new) { return 0; }
SEC("tp_btf/sched_process_fork")
int BPF_PROG(floor_fork) { return 0; }
SEC("tp_btf/sched_process_exit")
int BPF_PROG(floor_exit) { return 0; }

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} floor_ts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} floor_total SEC(".maps");

static __always_inline void floor_start(struct task_struct *t)
{
	__u64 *ts = bpf_task_storage_get(&floor_ts, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (ts)
		*ts = bpf_ktime_get_ns();
}

static __always_inline void floor_stop(struct task_struct *t)
{
	__u64 *ts = bpf_task_storage_get(&floor_ts, t, 0, 0);
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&floor_total, &k);

	if (ts && v && *ts)
		*v += bpf_ktime_get_ns() - *ts;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(least_sys_enter)
{
	floor_start(bpf_get_current_task_btf());
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(least_sys_exit)
{
	floor_stop(bpf_get_current_task_btf());
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(lrunq_wakeup, struct task_struct *p)
{
	if (p->pid)
		floor_start(p);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(lrunq_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	if (next->pid)
		floor_stop(next);
	return 0;
}
