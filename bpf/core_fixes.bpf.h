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

static __always_inline struct kernfs_node *vtax_kn_parent(struct kernfs_node *kn)
{
	struct kernfs_node___new *kn_new = (void *)kn;
	struct kernfs_node___old *kn_old = (void *)kn;

	if (bpf_core_field_exists(kn_new->__parent))
		return BPF_CORE_READ(kn_new, __parent);
	return BPF_CORE_READ(kn_old, parent);
}

#endif
