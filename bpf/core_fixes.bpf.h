/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * core_fixes.bpf.h - CO-RE shims for kernel fields that were renamed, so
 * one vtax binary runs on old and new kernels.
 */
#ifndef VTAX_CORE_FIXES_BPF_H
#define VTAX_CORE_FIXES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

/*
 * kernfs_node.parent became __parent in 6.15.  Both names are read through
 * flavours of their own, so this compiles whichever one the checked-in
 * vmlinux.h (one build host's kernel) happens to have.
 */
struct kernfs_node___new {
	struct kernfs_node *__parent;
} __attribute__((preserve_access_index));

struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

/*
 * The relocation of the field a kernel lacks is poisoned by libbpf, and the
 * verifier rejects the program if it can reach it: the check makes that
 * branch dead, but only while the two reads stay apart.  Clang merged them
 * (one read of a selected offset) in the blk programs once VTAX_GATE
 * changed their control flow: "failed to resolve CO-RE relocation
 * ...__parent" on Debian's 6.1 and 6.12, while an empty asm barrier did
 * not keep them apart.  Each read is therefore a subprogram of its own:
 * calls to two different functions are never merged, and the verifier
 * only walks the one the constant check leads to.
 */
static __noinline struct kernfs_node *vtax_kn_parent_new(struct kernfs_node *kn)
{
	return BPF_CORE_READ((struct kernfs_node___new *)kn, __parent);
}

static __noinline struct kernfs_node *vtax_kn_parent_old(struct kernfs_node *kn)
{
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

static __always_inline struct kernfs_node *vtax_kn_parent(struct kernfs_node *kn)
{
	struct kernfs_node___new *kn_new = (void *)kn;

	if (bpf_core_field_exists(kn_new->__parent))
		return vtax_kn_parent_new(kn);
	return vtax_kn_parent_old(kn);
}

#endif
