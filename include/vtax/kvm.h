/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kvm.h - the kvm probe family's key layout, shared by bpf/kvm.bpf.c and
 * src/trace/probe_kvm.c (which turns reasons, ports and addresses into names).
 *
 *   name              l1                         l2
 *   EXIT              raw exit_reason            isa (1 VMX, 2 SVM)
 *   GUEST             0                          0
 *   USERSPACE         KVM_EXIT_* (or ERRNO|errno) 0
 *   PIO               port | dir << 16           handler
 *                     [| NOTIFY | datum << 24]
 *   MMIO              gpa bits 0..31             gpa bits 32..47 | dir << 16 | handler << 20
 *                                                [| NOTIFY | datum << 24]
 *   (NOTIFY: a write the kernel completed without the VMM, at an address no
 *   in-kernel PC device claims: an ioeventfd, i.e. a virtio queue notify;
 *   datum is the low byte written, which virtio drivers set to the queue
 *   index.  src/trace/probe_kvm.c names these kvm.notify.)
 *   IRQ               kind                       gsi / vector
 *   HALT              0 poll, 1 wait             valid
 *   STEAL             0                          0
 */
#ifndef VTAX_KVM_H
#define VTAX_KVM_H

enum vtax_kvm_name {
	VTAX_KVM_EXIT = 1,      /* kvm_exit -> kvm_entry, minus VMM userspace time */
	VTAX_KVM_GUEST = 2,     /* kvm_entry -> kvm_exit: guest ran */
	VTAX_KVM_USERSPACE = 3, /* kvm_userspace_exit -> back in KVM_RUN (kvm_fpu load) */
	VTAX_KVM_PIO = 4,       /* one port access; value: handling time */
	VTAX_KVM_MMIO = 5,      /* one MMIO access; value: handling time */
	VTAX_KVM_IRQ = 6,       /* one interrupt raised/injected; value 0 */
	VTAX_KVM_HALT = 7,      /* kvm_vcpu_wakeup: halt-poll or halt-wait time */
	VTAX_KVM_STEAL = 8,     /* vCPU thread runnable -> running (reported as sched.steal) */
};

enum vtax_kvm_isa { VTAX_KVM_ISA_VMX = 1, VTAX_KVM_ISA_SVM = 2 };

enum vtax_kvm_handler {
	VTAX_KVM_H_USER = 0,    /* returned to the VMM (KVM_EXIT_IO/MMIO) */
	VTAX_KVM_H_KERNEL = 1,  /* an in-kernel device or ioeventfd */
	VTAX_KVM_H_IOEVENTFD = 2, /* kvm_fast_mmio: ioeventfd on the fast MMIO bus */
};

enum vtax_kvm_dir { VTAX_KVM_DIR_READ = 0, VTAX_KVM_DIR_WRITE = 1 };

enum vtax_kvm_irq_kind {
	VTAX_KVM_IRQ_SET = 0,   /* kvm_set_irq (level asserted): l2 = gsi */
	VTAX_KVM_IRQ_MSI = 1,   /* kvm_msi_set_irq: l2 = vector */
	VTAX_KVM_IRQ_INJ = 2,   /* kvm_inj_virq into the vCPU: l2 = vector */
};

/* l1 of USERSPACE when kvm_userspace_exit carried an errno (e.g. -EINTR) */
#define VTAX_KVM_UREASON_ERRNO 0x10000u

/* pending access bits in vtax_task_state.kvm_acc */
#define VTAX_KVM_ACC_PIO   0x1u
#define VTAX_KVM_ACC_MMIO  0x2u
#define VTAX_KVM_ACC_WRITE 0x4u
#define VTAX_KVM_ACC_USER  0x8u   /* went to userspace */
#define VTAX_KVM_ACC_UREAD 0x10u  /* unsatisfied MMIO read: completion follows */
#define VTAX_KVM_ACC_DATUM 0x20u  /* bits 24..31 hold the low byte written */
#define VTAX_KVM_ACC_DATUM_SHIFT 24

/* key bit (PIO l1, MMIO l2): a kernel-completed write with its datum in bits 24..31 */
#define VTAX_KVM_NOTIFY 0x20000u

#define VTAX_KVM_MMIO_L2(gpa, dir, h) \
	((vtax_u32)(((gpa) >> 32) & 0xffff) | ((vtax_u32)(dir) << 16) | ((vtax_u32)(h) << 20))

#endif
