/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * net_floor.bpf.c - empty programs on exactly the hooks the net family
 * (bpf/net.bpf.c) uses: its packet tracepoints, the send-syscall
 * tracepoints it loads when the syscall family is absent, and netfilter
 * programs at the same priorities.  bench/net_overhead.sh runs the
 * ping-pong under these (bench/net_floor) to show what merely running a
 * program on those hooks costs: the floor no net probe can go below.
 * The "full" set adds net_dev_start_xmit, which the family used before it
 * switched to qdisc_dequeue, so the old hook set's floor can be shown too.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/net_dev_queue")
int BPF_PROG(nfl_dev_queue) { return 0; }
SEC("tp_btf/qdisc_dequeue")
int BPF_PROG(nfl_qdisc_dequeue) { return 0; }
SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(nfl_start_xmit) { return 0; }
SEC("tp_btf/netif_rx")
int BPF_PROG(nfl_netif_rx) { return 0; }
SEC("tp_btf/netif_receive_skb")
int BPF_PROG(nfl_receive_skb) { return 0; }
SEC("tp_btf/tcp_probe")
int BPF_PROG(nfl_tcp_probe) { return 0; }
SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(nfl_copy) { return 0; }
SEC("tp_btf/kfree_skb")
int BPF_PROG(nfl_kfree_skb) { return 0; }

SEC("tracepoint/syscalls/sys_enter_sendto")
int nfl_enter_sendto(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_enter_sendmsg")
int nfl_enter_sendmsg(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_enter_write")
int nfl_enter_write(void *ctx) { return 0; }
SEC("tracepoint/syscalls/sys_enter_writev")
int nfl_enter_writev(void *ctx) { return 0; }

SEC("netfilter")
int nfl_nf(struct bpf_nf_ctx *ctx) { return 1; /* NF_ACCEPT */ }
