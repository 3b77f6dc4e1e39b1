/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * nf_hooks.bpf.c - which netfilter hooks are registered in the reading
 * thread's network namespace, with their priorities and kinds.
 *
 * Why: the net family brackets netfilter stages with BPF netfilter links,
 * and a link is itself a hook: a bracket around a stage nobody registered
 * costs two program runs per packet and makes the kernel run nf_hook_slow
 * on a hook that had no entries.  src/trace/nf_hooks.c reads this
 * iterator so the family brackets only stages that exist.  Neither
 * `nft list hooks` nor NETFILTER_NETLINK_HOOK can be counted on (not built
 * on every kernel), so this reads the kernel's own tables: for the one task
 * that reads the iterator (the current thread), net->nf.hooks_ipv4[h] and
 * hooks_ipv6[h] (struct nf_hook_entries: num_hook_entries, hooks[], then
 * the orig_ops[] array right after hooks[num_hook_entries], as the
 * kernel's nf_hook_entries_get_hook_ops() finds it).  Its own object, so a
 * kernel that refuses it loses only this optimisation.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define NFH_MAX_PER_HOOK 64 /* entries read per hook point (the kernel allows 1024) */

/* one record per registered hook, written to the seq file */
struct vtax_nfh_rec {
	__u8 pf;	/* 2 IPv4, 10 IPv6 */
	__u8 hook;	/* NF_INET_* */
	__u8 bpf;	/* NF_HOOK_OP_BPF: a BPF netfilter link (vtax's or anyone's) */
	__u8 truncated; /* more than NFH_MAX_PER_HOOK entries on this hook point */
	__s32 priority;
};

SEC("iter/task")
int vtax_nf_hooks(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct seq_file *seq = ctx->meta->seq;
	__u32 bpf_type = 0xffffffff;
	unsigned long hooks_off, ops_off;
	struct net *net;

	/* only the reader: the thread whose namespace is asked about */
	if (!t || (__u32)t->pid != (__u32)bpf_get_current_pid_tgid())
		return 0;
	net = BPF_CORE_READ(t, nsproxy, net_ns);
	if (!net)
		return 0;
	if (bpf_core_enum_value_exists(enum nf_hook_ops_type, NF_HOOK_OP_BPF))
		bpf_type = bpf_core_enum_value(enum nf_hook_ops_type, NF_HOOK_OP_BPF);
	hooks_off = bpf_core_field_offset(struct nf_hook_entries, hooks);
	ops_off = bpf_core_field_offset(struct net, nf) +
		  bpf_core_field_offset(struct netns_nf, hooks_ipv4);
	for (int p = 0; p < 2; p++) {
		if (p)
			ops_off = bpf_core_field_offset(struct net, nf) +
				  bpf_core_field_offset(struct netns_nf, hooks_ipv6);
		for (int h = 0; h < 5; h++) {
			struct nf_hook_entries *e = NULL;
			__u16 n = 0;
			void *ops;

			if (bpf_probe_read_kernel(&e, sizeof(e),
						  (void *)net + ops_off + h * sizeof(void *)) ||
			    !e)
				continue;
			if (bpf_probe_read_kernel(&n, sizeof(n), &e->num_hook_entries))
				continue;
			/* orig_ops[] follows hooks[num_hook_entries] */
			ops = (void *)e + hooks_off +
			      (unsigned long)n * bpf_core_type_size(struct nf_hook_entry);
			for (int i = 0; i < NFH_MAX_PER_HOOK && i < n; i++) {
				struct vtax_nfh_rec r = { .pf = p ? 10 : 2,
							  .hook = (__u8)h,
							  .truncated = n > NFH_MAX_PER_HOOK };
				struct nf_hook_ops *op = NULL;
				__u32 type;

				if (bpf_probe_read_kernel(&op, sizeof(op),
							  ops + i * sizeof(void *)) ||
				    !op)
					continue;
				r.priority = BPF_CORE_READ(op, priority);
				type = (__u32)BPF_CORE_READ_BITFIELD_PROBED(op, hook_ops_type);
				r.bpf = type == bpf_type;
				bpf_seq_write(seq, &r, sizeof(r));
			}
		}
	}
	return 0;
}
