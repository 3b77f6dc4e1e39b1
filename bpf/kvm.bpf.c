/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kvm.bpf.c - the kvm probe family: where a VM's time goes on the host.
 *
 * Per vCPU thread (state in task storage, so no map of threads is needed):
 *
 *   kvm_entry ........ guest runs ........ kvm_exit(reason)    -> kvm.guest
 *   kvm_exit(reason) .. in-kernel handling .. kvm_entry         -> kvm.exit{reason}
 *        [ kvm_userspace_exit(r) .. VMM emulates .. kvm_fpu(load) ] -> kvm.userspace{r}
 *   (kvm.exit excludes the bracketed userspace time, counted once in
 *    kvm.userspace.)
 *
 * Re-entry into KVM_RUN is taken from kvm_fpu(load=1): kvm_arch_vcpu_ioctl_run
 * loads the guest FPU state at the top of every KVM_RUN, on the vCPU thread,
 * before completing the userspace I/O.  That tracepoint only fires on KVM
 * threads, so the userspace time costs nothing to other tasks; a sys_enter
 * hook on ioctl would cost every syscall of every task (~80 ns, docs/kernel-facts.md).
 *
 * Accesses: kvm_pio / kvm_mmio / kvm_fast_mmio make one pending access per
 * thread.  If the next kvm_userspace_exit is KVM_EXIT_IO/MMIO, the access
 * went to the VMM and its time is the userspace time; else it was handled
 * in the kernel (in-kernel device, ioeventfd) and its time is the exit's
 * in-kernel time, known only where kvm_exit/kvm_entry fire (0 elsewhere).
 * A PIO *in* that goes to userspace traces kvm_pio only on completion
 * (after re-entry): it takes the userspace time just measured.  An MMIO read
 * that goes to userspace traces "unsatisfied read" before the exit and
 * "read" on completion: the completion is not a second access.
 *
 * Notifications (virtio's fast path): a write completed in the kernel (no
 * userspace exit followed) at an address no in-kernel PC device claims is an
 * ioeventfd, which is how VMMs receive virtio queue notifies.  Its key keeps
 * the low byte written (the queue index a virtio driver writes) so the
 * notify address and queue come out of one series; kvm_fast_mmio (VMX's
 * EPT-misconfig shortcut for zero-length ioeventfds) carries no data.
 *
 * kvm_exit is a classic tracepoint: its record carries the exit reason the
 * kernel read from the VMCS/VMCB (tp_btf only gives the vcpu and isa).
 */
#include "common.bpf.h"
#include "vtax/kvm.h"
#include "module_types.bpf.h"

#define KVM_EXIT_IO_ 2
#define KVM_EXIT_MMIO_ 6
#define KVM_EXIT_HLT_ 5
#define KVM_EXIT_SHUTDOWN_ 8
#define KVM_EXIT_FAIL_ENTRY_ 9
#define KVM_EXIT_INTERNAL_ERROR_ 17
#define KVM_EXIT_SYSTEM_EVENT_ 24
#define KVM_PIO_IN_ 0
#define KVM_TRACE_MMIO_UNSATISFIED_READ_ 0
#define KVM_TRACE_MMIO_READ_ 1
#define KVM_TRACE_MMIO_WRITE_ 2
#define SYS_IOCTL_NR 16 /* x86_64 */

/* vCPU threads (tid -> 1), for sched.steal: filled by userspace from
 * /proc (src/trace/vmm.c) and by kvm_fpu below as threads enter KVM_RUN */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} vtax_kvm_vcpu SEC(".maps");

static __always_inline struct vtax_task_state *kvm_state(__u32 *subject)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct vtax_task_state *st;

	*subject = vtax_task_subject(t, &st);
	if (!*subject)
		return NULL;
	return st;
}

/*
 * A write the kernel completed, at an address where no in-kernel PC device
 * sits (PIC, PIT, ELCR below 0x100 / 0x4d0; IO-APIC, HPET, local APIC in
 * 0xfec00000..0xfee00fff): an ioeventfd, i.e. a notification.
 */
static __always_inline bool notify_addr(__u32 acc, __u64 addr)
{
	if (acc & VTAX_KVM_ACC_PIO)
		return addr >= 0x100 && addr != 0x4d0 && addr != 0x4d1;
	return addr < 0xfec00000ull || addr >= 0xfee01000ull;
}

/* Record the pending access with handler h and time ns, and forget it. */
static __always_inline void acc_flush(__u32 subject, struct vtax_task_state *st, __u32 h, __u64 ns)
{
	__u32 acc = st->kvm_acc;
	__u32 dir = (acc & VTAX_KVM_ACC_WRITE) ? VTAX_KVM_DIR_WRITE : VTAX_KVM_DIR_READ;
	__u32 ntf = 0;

	if (!acc)
		return;
	if (h != VTAX_KVM_H_USER && (acc & VTAX_KVM_ACC_DATUM) && notify_addr(acc, st->kvm_acc_addr))
		ntf = VTAX_KVM_NOTIFY | (acc >> VTAX_KVM_ACC_DATUM_SHIFT) << 24;
	if (acc & VTAX_KVM_ACC_PIO)
		vtax_hist_add(subject, VTAX_FAM_KVM, VTAX_KVM_PIO,
			      (__u32)(st->kvm_acc_addr & 0xffff) | (dir << 16) | ntf, h, ns);
	else
		vtax_hist_add(subject, VTAX_FAM_KVM, VTAX_KVM_MMIO, (__u32)st->kvm_acc_addr,
			      VTAX_KVM_MMIO_L2(st->kvm_acc_addr, dir, h) | ntf, ns);
	st->kvm_acc = 0;
}

/* ACC bits carrying the low byte a write stores (data: a kernel pointer). */
static __always_inline __u32 acc_datum(const void *data)
{
	__u8 b = 0;

	if (!data || bpf_probe_read_kernel(&b, 1, data))
		return 0;
	return VTAX_KVM_ACC_DATUM | ((__u32)b << VTAX_KVM_ACC_DATUM_SHIFT);
}

/* A new access: an older one still pending never went to userspace. */
static __always_inline void acc_start(__u32 subject, struct vtax_task_state *st, __u32 acc,
				      __u64 addr)
{
	if (st->kvm_acc)
		acc_flush(subject, st, VTAX_KVM_H_KERNEL, 0);
	st->kvm_acc = acc;
	st->kvm_acc_addr = addr;
	st->kvm_last_user_ns = 0;
}

SEC("tracepoint/kvm/kvm_exit")
int vtax_kvm_exit(struct trace_event_raw_kvm_exit___vtax *ctx)
{
	VTAX_GATE(START);
	struct vtax_task_state *st;
	__u64 now = bpf_ktime_get_ns();
	__u32 subject;

	st = kvm_state(&subject);
	if (!st)
		return 0;
	if (st->kvm_entry_ts)
		vtax_hist_add(subject, VTAX_FAM_KVM, VTAX_KVM_GUEST, 0, 0, now - st->kvm_entry_ts);
	st->kvm_entry_ts = 0;
	st->kvm_ts = now;
	st->kvm_reason = (__u64)ctx->exit_reason | ((__u64)ctx->isa << 32);
	st->kvm_user_ns = 0;
	return 0;
}

SEC("tp_btf/kvm_entry")
int BPF_PROG(vtax_kvm_entry, struct kvm_vcpu *vcpu, bool immediate_exit)
{
	VTAX_GATE(END);
	struct vtax_task_state *st;
	__u64 now = bpf_ktime_get_ns();
	__u32 subject;

	st = kvm_state(&subject);
	if (!st)
		return 0;
	if (st->kvm_ts) {
		__u64 total = now - st->kvm_ts;
		__u64 kern = total > st->kvm_user_ns ? total - st->kvm_user_ns : 0;

		vtax_hist_add(subject, VTAX_FAM_KVM, VTAX_KVM_EXIT, (__u32)st->kvm_reason,
			      (__u32)(st->kvm_reason >> 32), kern);
		if (st->kvm_acc && !(st->kvm_acc & VTAX_KVM_ACC_USER))
			acc_flush(subject, st, VTAX_KVM_H_KERNEL, kern);
	} else if (st->kvm_entry_ts) {
		/* two entries without an exit between: an exit was lost */
		vtax_drop(VTAX_DROP_KVM_NO_START);
	}
	st->kvm_ts = 0;
	st->kvm_user_ns = 0;
	st->kvm_entry_ts = now;
	return 0;
}

SEC("tp_btf/kvm_userspace_exit")
int BPF_PROG(vtax_kvm_userspace_exit, __u32 reason, int err)
{
	VTAX_GATE(END);
	struct vtax_task_state *st;
	__u32 subject, ur;

	st = kvm_state(&subject);
	if (!st)
		return 0;
	ur = err < 0 ? VTAX_KVM_UREASON_ERRNO | (__u32)(-err & 0xffff) : reason;
	st->kvm_uexit_ts = bpf_ktime_get_ns();
	/*
	 * An exit that often ends the VM (a VMM without an in-kernel irqchip
	 * stopping at hlt, a shutdown, a reset or poweroff, an error) may never
	 * see another kvm_entry: record it now, with its in-kernel time up to
	 * here, so the last exit of a VM is counted too.
	 */
	if (st->kvm_ts && (ur == KVM_EXIT_HLT_ || ur == KVM_EXIT_SHUTDOWN_ ||
			   ur == KVM_EXIT_FAIL_ENTRY_ || ur == KVM_EXIT_INTERNAL_ERROR_ ||
			   ur == KVM_EXIT_SYSTEM_EVENT_)) {
		vtax_hist_add(subject, VTAX_FAM_KVM, VTAX_KVM_EXIT, (__u32)st->kvm_reason,
			      (__u32)(st->kvm_reason >> 32), st->kvm_uexit_ts - st->kvm_ts);
		st->kvm_ts = 0;
	}
	st->kvm_ureason = ur;
	st->kvm_last_user_ns = 0;
	if (st->kvm_acc) {
		if ((ur == KVM_EXIT_IO_ && (st->kvm_acc & VTAX_KVM_ACC_PIO)) ||
		    (ur == KVM_EXIT_MMIO_ && (st->kvm_acc & VTAX_KVM_ACC_MMIO)))
			st->kvm_acc |= VTAX_KVM_ACC_USER;
		else
			acc_flush(subject, st, VTAX_KVM_H_KERNEL, 0);
	}
	return 0;
}

/* load=1: the thread is back in KVM_RUN (top of kvm_arch_vcpu_ioctl_run). */
SEC("tp_btf/kvm_fpu")
int BPF_PROG(vtax_kvm_fpu, int load)
{
	VTAX_GATE(END);
	struct vtax_task_state *st;
	__u32 subject, tid, one = 1;
	__u64 dt, end;

	if (!load)
		return 0;
	st = kvm_state(&subject);
	if (!st)
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	if (!bpf_map_lookup_elem(&vtax_kvm_vcpu, &tid))
		bpf_map_update_elem(&vtax_kvm_vcpu, &tid, &one, BPF_NOEXIST);
	if (!st->kvm_uexit_ts)
		return 0;
	/*
	 * When the syscall family is loaded it has stamped this ioctl's entry
	 * (sys_ts, in the shared task storage): that is the exact moment the
	 * VMM came back.  kvm_fpu fires later, after vcpu_load, which costs
	 * ~7 us per KVM_RUN on the PVM hosts (docs/kvm.md): kernel time, not
	 * VMM time.  Without the syscall family, kvm_fpu is the end.
	 */
	end = bpf_ktime_get_ns();
	if (st->sys_nr == SYS_IOCTL_NR && st->sys_ts > st->kvm_uexit_ts && st->sys_ts < end)
		end = st->sys_ts;
	dt = end - st->kvm_uexit_ts;
	vtax_hist_add(subject, VTAX_FAM_KVM, VTAX_KVM_USERSPACE, st->kvm_ureason, 0, dt);
	st->kvm_user_ns += dt;
	if (st->kvm_acc & VTAX_KVM_ACC_USER) {
		if (st->kvm_acc & VTAX_KVM_ACC_UREAD) {
			/* the completion's kvm_mmio(read) records it */
			st->kvm_last_user_ns = dt;
		} else {
			acc_flush(subject, st, VTAX_KVM_H_USER, dt);
		}
	} else if (st->kvm_ureason == KVM_EXIT_IO_) {
		/* a PIO in: kvm_pio fires on completion, right after this */
		st->kvm_last_user_ns = dt;
	}
	st->kvm_uexit_ts = 0;
	return 0;
}

/*
 * kvm_pio and kvm_mmio are raw_tp, not tp_btf: their data argument is a
 * `void *`, which the 6.1 and 6.12 verifiers refuse to read from a tp_btf
 * context ("arg4 type UNKNOWN is not a struct"); a raw tracepoint's
 * arguments are plain u64s on every kernel, at the same cost.
 */
SEC("raw_tp/kvm_pio")
int BPF_PROG(vtax_kvm_pio, unsigned int rw, unsigned int port, unsigned int size,
	     unsigned int count, const void *data)
{
	VTAX_GATE(END);
	struct vtax_task_state *st;
	__u32 subject;

	st = kvm_state(&subject);
	if (!st)
		return 0;
	if (rw == KVM_PIO_IN_ && st->kvm_last_user_ns) {
		/* completion of a PIO in the VMM answered */
		vtax_hist_add(subject, VTAX_FAM_KVM, VTAX_KVM_PIO,
			      (port & 0xffff) | (VTAX_KVM_DIR_READ << 16), VTAX_KVM_H_USER,
			      st->kvm_last_user_ns);
		st->kvm_last_user_ns = 0;
		return 0;
	}
	acc_start(subject, st, VTAX_KVM_ACC_PIO |
		  (rw != KVM_PIO_IN_ ? VTAX_KVM_ACC_WRITE | acc_datum(data) : 0), port);
	return 0;
}

SEC("raw_tp/kvm_mmio")
int BPF_PROG(vtax_kvm_mmio, int type, int len, u64 gpa, void *val)
{
	VTAX_GATE(END);
	struct vtax_task_state *st;
	__u32 subject;

	st = kvm_state(&subject);
	if (!st)
		return 0;
	if (type == KVM_TRACE_MMIO_READ_ && (st->kvm_acc & VTAX_KVM_ACC_UREAD) &&
	    st->kvm_acc_addr == gpa) {
		/* completion of an unsatisfied read: same access */
		if (st->kvm_acc & VTAX_KVM_ACC_USER)
			acc_flush(subject, st, VTAX_KVM_H_USER, st->kvm_last_user_ns);
		else
			st->kvm_acc = 0;
		st->kvm_last_user_ns = 0;
		return 0;
	}
	switch (type) {
	case KVM_TRACE_MMIO_UNSATISFIED_READ_:
		acc_start(subject, st, VTAX_KVM_ACC_MMIO | VTAX_KVM_ACC_UREAD, gpa);
		break;
	case KVM_TRACE_MMIO_READ_:
		acc_start(subject, st, VTAX_KVM_ACC_MMIO, gpa);
		break;
	case KVM_TRACE_MMIO_WRITE_:
		acc_start(subject, st, VTAX_KVM_ACC_MMIO | VTAX_KVM_ACC_WRITE | acc_datum(val), gpa);
		break;
	}
	return 0;
}

/* ioeventfd on the fast MMIO bus (virtio-pci notify on VMX EPT misconfig):
 * always completed in the kernel, never a userspace exit. */
SEC("tp_btf/kvm_fast_mmio")
int BPF_PROG(vtax_kvm_fast_mmio, u64 gpa)
{
	VTAX_GATE(END);
	struct vtax_task_state *st;
	__u32 subject;

	st = kvm_state(&subject);
	if (!st)
		return 0;
	if (st->kvm_acc)
		acc_flush(subject, st, VTAX_KVM_H_KERNEL, 0);
	vtax_hist_add(subject, VTAX_FAM_KVM, VTAX_KVM_MMIO, (__u32)gpa,
		      VTAX_KVM_MMIO_L2(gpa, VTAX_KVM_DIR_WRITE, VTAX_KVM_H_IOEVENTFD), 0);
	return 0;
}

static __always_inline void irq_count(__u32 kind, __u32 detail)
{
	struct vtax_task_state *st;
	__u32 subject;

	/* the raising thread's subject: a VMM I/O thread, a vhost worker
	 * (a thread of the VMM since 6.4) or the vCPU itself */
	st = kvm_state(&subject);
	if (st)
		vtax_hist_add(subject, VTAX_FAM_KVM, VTAX_KVM_IRQ, kind, detail, 0);
}

SEC("tp_btf/kvm_set_irq")
int BPF_PROG(vtax_kvm_set_irq, unsigned int gsi, int level, int irq_source_id)
{
	VTAX_GATE(END);
	if (level)
		irq_count(VTAX_KVM_IRQ_SET, gsi);
	return 0;
}

SEC("tp_btf/kvm_msi_set_irq")
int BPF_PROG(vtax_kvm_msi_set_irq, __u64 address, __u64 data)
{
	VTAX_GATE(END);
	irq_count(VTAX_KVM_IRQ_MSI, (__u32)(data & 0xff));
	return 0;
}

SEC("tp_btf/kvm_inj_virq")
int BPF_PROG(vtax_kvm_inj_virq, unsigned int vector, bool soft, bool reinjected)
{
	VTAX_GATE(END);
	irq_count(VTAX_KVM_IRQ_INJ, vector);
	return 0;
}

SEC("tp_btf/kvm_vcpu_wakeup")
int BPF_PROG(vtax_kvm_vcpu_wakeup, __u64 ns, bool waited, bool valid)
{
	VTAX_GATE(END);
	struct vtax_task_state *st;
	__u32 subject;

	st = kvm_state(&subject);
	if (st)
		vtax_hist_add(subject, VTAX_FAM_KVM, VTAX_KVM_HALT, waited ? 1 : 0, valid ? 1 : 0, ns);
	return 0;
}

/*
 * sched.steal: run-queue wait of vCPU threads.  These two programs sit on
 * scheduler hooks every task passes, so userspace attaches them only once
 * vCPU threads are known (src/trace/probe_kvm.c), and they leave at once for a
 * thread not in vtax_kvm_vcpu.
 */
SEC("tp_btf/sched_wakeup")
int BPF_PROG(vtax_kvm_steal_wakeup, struct task_struct *p)
{
	VTAX_GATE(START);
	struct vtax_task_state *st;
	__u32 tid = p->pid;

	if (!bpf_map_lookup_elem(&vtax_kvm_vcpu, &tid))
		return 0;
	st = bpf_task_storage_get(&vtax_task, p, 0, 0);
	if (st && !st->kvm_steal_ts)
		st->kvm_steal_ts = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(vtax_kvm_steal_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	VTAX_GATE(END);
	struct vtax_task_state *st;
	__u32 tid = prev->pid, subject;
	__u64 now;

	if (bpf_map_lookup_elem(&vtax_kvm_vcpu, &tid) && (preempt || prev_state == 0)) {
		st = bpf_task_storage_get(&vtax_task, prev, 0, 0);
		if (st)
			st->kvm_steal_ts = bpf_ktime_get_ns();
	}
	tid = next->pid;
	if (!bpf_map_lookup_elem(&vtax_kvm_vcpu, &tid))
		return 0;
	st = bpf_task_storage_get(&vtax_task, next, 0, 0);
	if (!st || !st->kvm_steal_ts)
		return 0;
	now = bpf_ktime_get_ns();
	subject = vtax_subject_of(next, st);
	if (subject)
		vtax_hist_add(subject, VTAX_FAM_KVM, VTAX_KVM_STEAL, 0, 0, now - st->kvm_steal_ts);
	st->kvm_steal_ts = 0;
	return 0;
}
