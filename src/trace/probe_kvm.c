// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * probe_kvm.c - userspace half of the kvm family (bpf/kvm.bpf.c): attach,
 * the vCPU-thread map for sched.steal, and decoding keys into
 *
 *   kvm.exit{reason=EPT_VIOLATION, isa=vmx}     in-kernel exit handling
 *   kvm.guest                                   guest run time per entry
 *   kvm.userspace{reason=IO}                    VMM emulation per exit
 *   kvm.pio{port=0x3f8, dir=write, handler=user, device=serial}
 *   kvm.mmio{gpa=0xd0000, dir=write, handler=user, device=...}
 *   kvm.notify{space=mmio, addr=0xfeb00e50, queue=1, device=virtio-net}
 *                                               virtio notifies (ioeventfd)
 *   kvm.irq{kind=msi, vector=..} / kvm.halt{how=poll|wait}
 *   sched.steal                                 vCPU threads' run-queue wait
 *
 * Exit reason names are the kernel's own tables (the print fmt of the
 * kvm_exit tracepoint: VMX basic reasons, SVM exit codes), keyed by raw
 * reason + isa so one binary decodes either vendor.  `device` names the
 * well-known PC ports and the local APIC/IO-APIC/HPET windows.  A write the
 * kernel completed without the VMM at any other address is an ioeventfd:
 * kvm.notify, by address and the queue index the guest wrote (docs/kvm.md).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kvm.skel.h"
#include "trace/probe_util.h"
#include "trace/sample.h"
#include "trace/session.h"
#include "trace/vmm.h"
#include "vtax/kvm.h"

struct kvm_state {
	struct kvm_bpf *skel;
	struct bpf_link *steal_wakeup, *steal_switch;
	int steal_wanted; /* attached once: --sample switches it from then on */
	int nvcpus;
};

struct reason_name {
	unsigned code;
	const char *name;
};

/* arch/x86/include/uapi/asm/vmx.h VMX_EXIT_REASONS (basic reason) */
static const struct reason_name vmx_reasons[] = {
	{ 0, "EXCEPTION_NMI" }, { 1, "EXTERNAL_INTERRUPT" }, { 2, "TRIPLE_FAULT" },
	{ 3, "INIT_SIGNAL" }, { 4, "SIPI_SIGNAL" }, { 7, "INTERRUPT_WINDOW" },
	{ 8, "NMI_WINDOW" }, { 9, "TASK_SWITCH" }, { 10, "CPUID" }, { 12, "HLT" },
	{ 13, "INVD" }, { 14, "INVLPG" }, { 15, "RDPMC" }, { 16, "RDTSC" },
	{ 18, "VMCALL" }, { 19, "VMCLEAR" }, { 20, "VMLAUNCH" }, { 21, "VMPTRLD" },
	{ 22, "VMPTRST" }, { 23, "VMREAD" }, { 24, "VMRESUME" }, { 25, "VMWRITE" },
	{ 26, "VMOFF" }, { 27, "VMON" }, { 28, "CR_ACCESS" }, { 29, "DR_ACCESS" },
	{ 30, "IO_INSTRUCTION" }, { 31, "MSR_READ" }, { 32, "MSR_WRITE" },
	{ 33, "INVALID_STATE" }, { 34, "MSR_LOAD_FAIL" }, { 36, "MWAIT_INSTRUCTION" },
	{ 37, "MONITOR_TRAP_FLAG" }, { 39, "MONITOR_INSTRUCTION" },
	{ 40, "PAUSE_INSTRUCTION" }, { 41, "MCE_DURING_VMENTRY" },
	{ 43, "TPR_BELOW_THRESHOLD" }, { 44, "APIC_ACCESS" }, { 45, "EOI_INDUCED" },
	{ 46, "GDTR_IDTR" }, { 47, "LDTR_TR" }, { 48, "EPT_VIOLATION" },
	{ 49, "EPT_MISCONFIG" }, { 50, "INVEPT" }, { 51, "RDTSCP" },
	{ 52, "PREEMPTION_TIMER" }, { 53, "INVVPID" }, { 54, "WBINVD" }, { 55, "XSETBV" },
	{ 56, "APIC_WRITE" }, { 57, "RDRAND" }, { 58, "INVPCID" }, { 59, "VMFUNC" },
	{ 60, "ENCLS" }, { 61, "RDSEED" }, { 62, "PML_FULL" }, { 63, "XSAVES" },
	{ 64, "XRSTORS" }, { 67, "UMWAIT" }, { 68, "TPAUSE" }, { 74, "BUS_LOCK" },
	{ 75, "NOTIFY" }, { 77, "TDCALL" }, { 84, "MSR_READ_IMM" }, { 85, "MSR_WRITE_IMM" },
};

/* arch/x86/include/uapi/asm/svm.h SVM_EXIT_REASONS */
static const struct reason_name svm_reasons[] = {
	{ 0x000, "read_cr0" }, { 0x002, "read_cr2" }, { 0x003, "read_cr3" },
	{ 0x004, "read_cr4" }, { 0x008, "read_cr8" }, { 0x010, "write_cr0" },
	{ 0x012, "write_cr2" }, { 0x013, "write_cr3" }, { 0x014, "write_cr4" },
	{ 0x018, "write_cr8" }, { 0x020, "read_dr0" }, { 0x021, "read_dr1" },
	{ 0x022, "read_dr2" }, { 0x023, "read_dr3" }, { 0x024, "read_dr4" },
	{ 0x025, "read_dr5" }, { 0x026, "read_dr6" }, { 0x027, "read_dr7" },
	{ 0x030, "write_dr0" }, { 0x031, "write_dr1" }, { 0x032, "write_dr2" },
	{ 0x033, "write_dr3" }, { 0x034, "write_dr4" }, { 0x035, "write_dr5" },
	{ 0x036, "write_dr6" }, { 0x037, "write_dr7" }, { 0x040, "DE_excp" },
	{ 0x041, "DB_excp" }, { 0x043, "BP_excp" }, { 0x044, "OF_excp" },
	{ 0x045, "BR_excp" }, { 0x046, "UD_excp" }, { 0x047, "NM_excp" },
	{ 0x048, "DF_excp" }, { 0x04a, "TS_excp" }, { 0x04b, "NP_excp" },
	{ 0x04c, "SS_excp" }, { 0x04d, "GP_excp" }, { 0x04e, "PF_excp" },
	{ 0x050, "MF_excp" }, { 0x051, "AC_excp" }, { 0x052, "MC_excp" },
	{ 0x053, "XF_excp" }, { 0x060, "interrupt" }, { 0x061, "nmi" }, { 0x062, "smi" },
	{ 0x063, "init" }, { 0x064, "vintr" }, { 0x065, "cr0_sel_write" },
	{ 0x066, "read_idtr" }, { 0x067, "read_gdtr" }, { 0x068, "read_ldtr" },
	{ 0x069, "read_rt" }, { 0x06a, "write_idtr" }, { 0x06b, "write_gdtr" },
	{ 0x06c, "write_ldtr" }, { 0x06d, "write_rt" }, { 0x06e, "rdtsc" },
	{ 0x06f, "rdpmc" }, { 0x070, "pushf" }, { 0x071, "popf" }, { 0x072, "cpuid" },
	{ 0x073, "rsm" }, { 0x074, "iret" }, { 0x075, "swint" }, { 0x076, "invd" },
	{ 0x077, "pause" }, { 0x078, "hlt" }, { 0x079, "invlpg" }, { 0x07a, "invlpga" },
	{ 0x07b, "io" }, { 0x07c, "msr" }, { 0x07d, "task_switch" },
	{ 0x07e, "ferr_freeze" }, { 0x07f, "shutdown" }, { 0x080, "vmrun" },
	{ 0x081, "hypercall" }, { 0x082, "vmload" }, { 0x083, "vmsave" }, { 0x084, "stgi" },
	{ 0x085, "clgi" }, { 0x086, "skinit" }, { 0x087, "rdtscp" }, { 0x088, "icebp" },
	{ 0x089, "wbinvd" }, { 0x08a, "monitor" }, { 0x08b, "mwait" }, { 0x08d, "xsetbv" },
	{ 0x08f, "write_efer_trap" }, { 0x090, "write_cr0_trap" },
	{ 0x094, "write_cr4_trap" }, { 0x098, "write_cr8_trap" }, { 0x0a2, "invpcid" },
	{ 0x0a5, "buslock" }, { 0x0a6, "idle-halt" }, { 0x400, "npf" },
	{ 0x401, "avic_incomplete_ipi" }, { 0x402, "avic_unaccelerated_access" },
	{ 0x403, "vmgexit" }, { 0xffffffffu, "invalid_guest_state" },
};

/* include/uapi/linux/kvm.h KVM_EXIT_* */
static const char *const uexit_names[] = {
	"UNKNOWN", "EXCEPTION", "IO", "HYPERCALL", "DEBUG", "HLT", "MMIO",
	"IRQ_WINDOW_OPEN", "SHUTDOWN", "FAIL_ENTRY", "INTR", "SET_TPR", "TPR_ACCESS",
	"S390_SIEIC", "S390_RESET", "DCR", "NMI", "INTERNAL_ERROR", "OSI", "PAPR_HCALL",
	"S390_UCONTROL", "WATCHDOG", "S390_TSCH", "EPR", "SYSTEM_EVENT", "S390_STSI",
	"IOAPIC_EOI", "HYPERV", "ARM_NISV", "X86_RDMSR", "X86_WRMSR", "DIRTY_RING_FULL",
	"AP_RESET_HOLD", "X86_BUS_LOCK", "XEN", "RISCV_SBI", "RISCV_CSR", "NOTIFY",
	"LOONGARCH_IOCSR", "MEMORY_FAULT", "TDX",
};

static const struct {
	unsigned lo, hi;
	const char *name;
} pc_ports[] = {
	{ 0x20, 0x21, "pic" }, { 0xa0, 0xa1, "pic" }, { 0x40, 0x43, "pit" },
	{ 0x60, 0x60, "i8042" }, { 0x64, 0x64, "i8042" }, { 0x61, 0x61, "speaker" },
	{ 0x70, 0x71, "rtc" }, { 0x80, 0x80, "post" }, { 0x92, 0x92, "a20" },
	{ 0x3f8, 0x3ff, "serial" }, { 0x2f8, 0x2ff, "serial" }, { 0x3e8, 0x3ef, "serial" },
	{ 0x2e8, 0x2ef, "serial" }, { 0x1f0, 0x1f7, "ide" }, { 0x170, 0x177, "ide" },
	{ 0x3c0, 0x3df, "vga" }, { 0x402, 0x402, "debugcon" }, { 0x510, 0x51b, "fw_cfg" },
	{ 0x600, 0x67f, "acpi" }, { 0xb000, 0xb03f, "acpi" }, { 0xcf8, 0xcff, "pci-config" },
};

static const char *reason_lookup(const struct reason_name *t, size_t n, unsigned code)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return NULL;
}

static const char *port_device(unsigned port)
{
	for (size_t i = 0; i < sizeof(pc_ports) / sizeof(pc_ports[0]); i++)
		if (port >= pc_ports[i].lo && port <= pc_ports[i].hi)
			return pc_ports[i].name;
	return NULL;
}

static const char *mmio_device(uint64_t gpa, unsigned handler)
{
	if (gpa >= 0xfee00000ull && gpa < 0xfee01000ull)
		return "lapic";
	if (gpa >= 0xfec00000ull && gpa < 0xfec01000ull)
		return "ioapic";
	if (gpa >= 0xfed00000ull && gpa < 0xfed00400ull)
		return "hpet";
	if (handler == VTAX_KVM_H_IOEVENTFD)
		return "virtio-notify"; /* ioeventfds on the fast MMIO bus */
	return NULL;
}

static const char *const handler_names[] = {
	[VTAX_KVM_H_USER] = "user", [VTAX_KVM_H_KERNEL] = "kernel",
	[VTAX_KVM_H_IOEVENTFD] = "ioeventfd",
};

static int kvm_supported(char *why, size_t whylen)
{
	if (access("/sys/kernel/tracing/events/kvm", F_OK) &&
	    access("/sys/kernel/debug/tracing/events/kvm", F_OK) &&
	    access("/dev/kvm", F_OK)) {
		snprintf(why, whylen, "no KVM on this host (no kvm tracepoints, no /dev/kvm)");
		return 0;
	}
	return 1;
}

static int kvm_attach(struct vtax_session *s, void **state, char *err, size_t errlen)
{
	struct kvm_state *ks = calloc(1, sizeof(*ks));
	int rc;

	if (!ks)
		return -ENOMEM;
	ks->skel = kvm_bpf__open();
	if (!ks->skel) {
		rc = -errno;
		vtax_probe_error(err, errlen, "open", rc);
		free(ks);
		return rc;
	}
	/* the steal programs sit on scheduler hooks: attached only once a vCPU
	 * thread is known (kvm_subjects_changed) */
	bpf_program__set_autoattach(ks->skel->progs.vtax_kvm_steal_wakeup, false);
	bpf_program__set_autoattach(ks->skel->progs.vtax_kvm_steal_switch, false);
	rc = vtax_session__share_maps(s, ks->skel->obj);
	if (!rc)
		rc = kvm_bpf__load(ks->skel);
	if (rc) {
		vtax_probe_error(err, errlen, "load", rc);
		goto fail;
	}
	rc = kvm_bpf__attach(ks->skel);
	if (rc) {
		vtax_probe_error(err, errlen, "attach kvm tracepoints", rc);
		goto fail;
	}
	*state = ks;
	return 0;
fail:
	kvm_bpf__destroy(ks->skel);
	free(ks);
	return rc;
}

static void kvm_detach(void *state)
{
	struct kvm_state *ks = state;

	bpf_link__destroy(ks->steal_wakeup);
	bpf_link__destroy(ks->steal_switch);
	kvm_bpf__destroy(ks->skel);
	free(ks);
}

static void steal_attach(struct kvm_state *ks)
{
	if (ks->steal_wanted)
		return;
	ks->steal_wakeup = bpf_program__attach(ks->skel->progs.vtax_kvm_steal_wakeup);
	ks->steal_switch = bpf_program__attach(ks->skel->progs.vtax_kvm_steal_switch);
	if (!ks->steal_wakeup || !ks->steal_switch) {
		fprintf(stderr, "vtax: kvm: cannot attach the steal-time programs\n");
		bpf_link__destroy(ks->steal_wakeup);
		bpf_link__destroy(ks->steal_switch);
		ks->steal_wakeup = ks->steal_switch = NULL;
		return;
	}
	ks->steal_wanted = 1;
}

/* Register the vCPU threads of every VMM among the subjects. */
static void kvm_subjects_changed(struct vtax_session *s, void *state)
{
	struct kvm_state *ks = state;
	int fd = bpf_map__fd(ks->skel->maps.vtax_kvm_vcpu);
	struct vtax_vmm_info *info = malloc(sizeof(*info));

	if (!info)
		return;
	for (size_t i = 0; i < s->nsubjects; i++) {
		struct vtax_subject_def *d = &s->subjects[i];

		if (d->pid <= 0 || vtax_vmm__inspect(d->pid, info))
			continue;
		for (int j = 0; j < info->nvcpus; j++) {
			uint32_t tid = (uint32_t)info->vcpu_tids[j], one = 1;

			if (!bpf_map_update_elem(fd, &tid, &one, BPF_NOEXIST))
				ks->nvcpus++;
		}
		if (!strcmp(d->kind, "vm"))
			steal_attach(ks);
	}
	if (ks->nvcpus)
		steal_attach(ks);
	free(info);
}

static void hexlabel(struct vtax_label *l, const char *key, unsigned long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "0x%llx", v);
	vtax_label__set(l, key, buf);
}

/*
 * kvm.notify{space, addr, queue}: a guest write that KVM completed by
 * signalling an ioeventfd (so always in the kernel).  queue is the value
 * written (virtio drivers write the queue index to the notify register);
 * absent when the kernel did not report the data (kvm_fast_mmio).  The
 * device is added at collection from the VMM's layout, when vtax knows it.
 */
static int notify_labels(char *name, size_t namelen, struct vtax_label *labels, int *nlabels,
			 const char *space, unsigned long long addr, int queue)
{
	char buf[16];

	snprintf(name, namelen, "notify");
	vtax_label__set(&labels[0], "space", space);
	hexlabel(&labels[1], "addr", addr);
	*nlabels = 2;
	if (queue >= 0) {
		snprintf(buf, sizeof(buf), "%d", queue);
		vtax_label__set(&labels[2], "queue", buf);
		*nlabels = 3;
	}
	return 0;
}

static int kvm_decode(const struct vtax_hist_key *k, char *name, size_t namelen,
		      struct vtax_label *labels, int *nlabels)
{
	const char *n;
	char buf[64];

	*nlabels = 0;
	switch (k->name) {
	case VTAX_KVM_EXIT: {
		unsigned isa = k->l2;

		if (isa == VTAX_KVM_ISA_VMX) {
			n = reason_lookup(vmx_reasons, sizeof(vmx_reasons) / sizeof(vmx_reasons[0]),
					  k->l1 & 0xffff);
			if (k->l1 & 0x80000000u)
				n = "FAILED_VMENTRY";
		} else {
			n = reason_lookup(svm_reasons, sizeof(svm_reasons) / sizeof(svm_reasons[0]),
					  k->l1);
		}
		if (!n) {
			snprintf(buf, sizeof(buf), "0x%x", k->l1);
			n = buf;
		}
		snprintf(name, namelen, "exit");
		vtax_label__set(&labels[0], "reason", n);
		vtax_label__set(&labels[1], "isa", isa == VTAX_KVM_ISA_VMX ? "vmx" :
				isa == VTAX_KVM_ISA_SVM ? "svm" : "other");
		*nlabels = 2;
		return 0;
	}
	case VTAX_KVM_GUEST:
		snprintf(name, namelen, "guest");
		return 0;
	case VTAX_KVM_USERSPACE:
		snprintf(name, namelen, "userspace");
		if (k->l1 & VTAX_KVM_UREASON_ERRNO)
			snprintf(buf, sizeof(buf), "%s", (k->l1 & 0xffff) == EINTR ? "INTR_SIGNAL" : "ERROR");
		else if (k->l1 < sizeof(uexit_names) / sizeof(uexit_names[0]))
			snprintf(buf, sizeof(buf), "%s", uexit_names[k->l1]);
		else
			snprintf(buf, sizeof(buf), "%u", k->l1);
		vtax_label__set(&labels[0], "reason", buf);
		*nlabels = 1;
		return 0;
	case VTAX_KVM_PIO: {
		unsigned port = k->l1 & 0xffff, h = k->l2;
		const char *dev = port_device(port);

		if (k->l1 & VTAX_KVM_NOTIFY)
			return notify_labels(name, namelen, labels, nlabels, "pio", port,
					     (int)(k->l1 >> 24));

		snprintf(name, namelen, "pio");
		hexlabel(&labels[0], "port", port);
		vtax_label__set(&labels[1], "dir", (k->l1 >> 16) & 1 ? "write" : "read");
		vtax_label__set(&labels[2], "handler", h < 3 ? handler_names[h] : "?");
		*nlabels = 3;
		if (dev) {
			vtax_label__set(&labels[3], "device", dev);
			*nlabels = 4;
		}
		return 0;
	}
	case VTAX_KVM_MMIO: {
		uint64_t gpa = (uint64_t)k->l1 | ((uint64_t)(k->l2 & 0xffff) << 32);
		unsigned h = (k->l2 >> 20) & 0xf;
		const char *dev = mmio_device(gpa, h);

		if ((k->l2 & VTAX_KVM_NOTIFY) || h == VTAX_KVM_H_IOEVENTFD)
			return notify_labels(name, namelen, labels, nlabels, "mmio", gpa,
					     (k->l2 & VTAX_KVM_NOTIFY) ? (int)(k->l2 >> 24) : -1);
		snprintf(name, namelen, "mmio");
		hexlabel(&labels[0], "gpa", gpa);
		vtax_label__set(&labels[1], "dir", (k->l2 >> 16) & 1 ? "write" : "read");
		vtax_label__set(&labels[2], "handler", h < 3 ? handler_names[h] : "?");
		*nlabels = 3;
		if (dev) {
			vtax_label__set(&labels[3], "device", dev);
			*nlabels = 4;
		}
		return 0;
	}
	case VTAX_KVM_IRQ:
		snprintf(name, namelen, "irq");
		vtax_label__set(&labels[0], "kind", k->l1 == VTAX_KVM_IRQ_SET ? "set_irq" :
				k->l1 == VTAX_KVM_IRQ_MSI ? "msi" : "inj_virq");
		snprintf(buf, sizeof(buf), "%u", k->l2);
		vtax_label__set(&labels[1], k->l1 == VTAX_KVM_IRQ_SET ? "gsi" : "vector", buf);
		*nlabels = 2;
		return 0;
	case VTAX_KVM_HALT:
		snprintf(name, namelen, "halt");
		vtax_label__set(&labels[0], "how", k->l1 ? "wait" : "poll");
		*nlabels = 1;
		return 0;
	case VTAX_KVM_STEAL:
		snprintf(name, namelen, "steal");
		return 0;
	}
	return -ENOENT;
}

/* The ledger cause of a key: exits (exit -> next entry), the VMM's
 * userspace handling, and steal (moved to sched.steal at collection). */
static int kvm_cause(const struct vtax_hist_key *k)
{
	switch (k->name) {
	case VTAX_KVM_EXIT:
		return VTAX_CAUSE_KVM_EXIT;
	case VTAX_KVM_USERSPACE:
		return VTAX_CAUSE_VMM;
	case VTAX_KVM_STEAL:
		return VTAX_CAUSE_STEAL;
	}
	return VTAX_CAUSE_NONE;
}

/*
 * The vCPU threads' run-queue wait is the guest's steal time: it is
 * reported in the sched family (sched.steal) next to sched.runq, although
 * this object measures it.  Move kvm.steal there (merging into an existing
 * sched.steal when the result is collected into more than once).
 */
static void kvm_collect(struct vtax_session *s, void *state, struct vtax_result *r)
{
	struct kvm_state *ks = state;

	for (size_t i = 0; i < r->nsubjects; i++) {
		struct vtax_subject *subj = &r->subjects[i];
		struct vtax_series *dst;

		for (size_t k = 0; k < subj->nseries; k++) {
			struct vtax_series *se = &subj->series[k];

			if (strcmp(se->family, "kvm") || strcmp(se->name, "steal"))
				continue;
			dst = vtax_subject__find(subj, "sched", "steal", 0, NULL);
			if (!dst) {
				snprintf(se->family, sizeof(se->family), "sched");
				continue;
			}
			vtax_hist__merge(&dst->hist, &se->hist);
			memmove(se, se + 1, (subj->nseries - k - 1) * sizeof(*se));
			subj->nseries--;
			k--;
		}
	}
	/* mark VMs' vCPU threads */
	for (size_t i = 0; i < s->nsubjects; i++) {
		struct vtax_subject_def *d = &s->subjects[i];
		struct vtax_vmm_info *info;
		struct vtax_subject *subj;

		if (strcmp(d->kind, "vm") || d->pid <= 0)
			continue;
		info = malloc(sizeof(*info));
		if (!info)
			return;
		subj = vtax_result__subject(r, d->name, d->kind);
		if (subj && !vtax_vmm__inspect(d->pid, info)) {
			vtax_subject__counter(subj, "kvm.vcpu_threads", "count", info->nvcpus, 0);
			vtax_subject__counter(subj, "kvm.threads", "count", info->nthreads, 0);
		}
		free(info);
	}
	(void)ks;
}

/* --sample: the kvm programs' gates switch with the others' (a gate
 * costs no system call, so a VM traced later is sampled like the rest) */
static struct bpf_object_skeleton *kvm_skeleton(void *state)
{
	return ((struct kvm_state *)state)->skel->skeleton;
}

/* --sample: the steal-time pair, once steal_attach() made it */
static int kvm_sample_links(struct vtax_session *s, void *state, int role, int on)
{
	struct kvm_state *ks = state;
	struct bpf_link **l = role == VTAX_CHAIN_START ? &ks->steal_wakeup : &ks->steal_switch;
	struct bpf_program *p = role == VTAX_CHAIN_START ? ks->skel->progs.vtax_kvm_steal_wakeup :
							  ks->skel->progs.vtax_kvm_steal_switch;

	(void)s;
	if (!ks->steal_wanted || role == VTAX_CHAIN_ALWAYS)
		return 0;
	if (on < 0)
		return !!*l;
	if (on && !*l) {
		*l = bpf_program__attach(p);
		return !!*l;
	}
	if (!on && *l) {
		bpf_link__destroy(*l);
		*l = NULL;
		return 1;
	}
	return 0;
}

const struct vtax_probe_ops vtax_probe_kvm = {
	.name = "kvm",
	.family = VTAX_FAM_KVM,
	.hooks = "tracepoint kvm_exit (record via CO-RE), tp_btf kvm_entry/kvm_pio/kvm_mmio/kvm_userspace_exit/kvm_fpu",
	.summary = "KVM exits by reason, VMM userspace emulation, PIO/MMIO, IRQs, halt, steal",
	.attach = kvm_attach,
	.detach = kvm_detach,
	.decode = kvm_decode,
	.cause = kvm_cause,
	.collect = kvm_collect,
	.subjects_changed = kvm_subjects_changed,
	.supported = kvm_supported,
	.skeleton = kvm_skeleton,
	.sample_links = kvm_sample_links,
};
