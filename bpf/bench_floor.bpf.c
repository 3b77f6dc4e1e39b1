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
