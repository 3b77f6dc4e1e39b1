/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * module_types.bpf.h - kernel types vtax reads that distro kernels define in
 * a module's BTF (kvm.ko), not in vmlinux's.  The checked-in vmlinux.h comes
 * from one build host's kernel and may or may not carry them, so vtax
 * declares the fields it reads itself, under CO-RE flavour names ("___vtax"
 * is dropped when libbpf matches the type against the running kernel's and
 * its modules' BTF): the build never depends on vmlinux.h having them, and
 * the offsets come from the kernel vtax runs on.
 */
#ifndef VTAX_MODULE_TYPES_BPF_H
#define VTAX_MODULE_TYPES_BPF_H

#include "vmlinux.h"

/* only ever used through pointers (tp_btf arguments) */
struct kvm_vcpu;

/* the kvm_exit tracepoint's record (arch/x86/kvm/trace.h); isa was
 * widened/moved over time, so every field is relocated */
struct trace_event_raw_kvm_exit___vtax {
	struct trace_entry ent;
	unsigned int exit_reason;
	unsigned long guest_rip;
	__u32 isa;
} __attribute__((preserve_access_index));

/* conntrack's entry (nf_conntrack.ko on distro kernels): only its status
 * bits are read, and only where the type exists when vtax loads
 * (bpf_core_field_exists), so the net family loads before conntrack does */
struct nf_conn___vtax {
	unsigned long status;
} __attribute__((preserve_access_index));

#endif
