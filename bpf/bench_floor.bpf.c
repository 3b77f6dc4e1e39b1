/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bench_floor.bpf.c - empty programs on exactly the tracepoints the syscall
 * and sched families use.  bench/syscall_overhead.sh measures vtax's cost
 * against this floor: what merely running a BPF program there costs.
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

/*
 * The least an enter-to-exit latency probe can do: a clock read at enter
 * kept in task storage, a clock read at exit, the difference discarded.
 * Loaded instead of the empty pair by `floor timing`.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} floor_ts SEC(".maps");

__u64 floor_sink;

SEC("tp_btf/sys_enter")
int BPF_PROG(timing_sys_enter)
{
	__u64 *ts = bpf_task_storage_get(&floor_ts, bpf_get_current_task_btf(), 0,
					 BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (ts)
		*ts = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(timing_sys_exit)
{
	__u64 *ts = bpf_task_storage_get(&floor_ts, bpf_get_current_task_btf(), 0, 0);

	if (ts && *ts)
		floor_sink += bpf_ktime_get_ns() - *ts;
	return 0;
}
