// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmm.h - finding virtual machine monitors (QEMU, Firecracker, cloud
 * hypervisor, a test VMM) and their vCPU threads from /proc.
 */
#ifndef VTAX_VMM_H
#define VTAX_VMM_H

#include <stdint.h>
#include <sys/types.h>

struct vtax_session;

#define VTAX_VMM_MAX_VCPUS 512

struct vtax_vmm_info {
	pid_t pid;
	int nvcpu_fds;          /* anon_inode:kvm-vcpu:N fds held */
	int nthreads;
	int nvcpus;             /* vCPU threads found */
	pid_t vcpu_tids[VTAX_VMM_MAX_VCPUS];
	char comm[32];
};

/* 1 if pid holds /dev/kvm or a KVM VM/vCPU fd, 0 if not, <0 on error */
int vtax_vmm__is_vmm(pid_t pid);
/* threads of a VMM, with its vCPU threads found */
int vtax_vmm__inspect(pid_t pid, struct vtax_vmm_info *info);
/* every VMM process on the host; returns how many (up to max) */
int vtax_vmm__list(pid_t *pids, int max);
/* subject vm:PID for a VMM (all its threads, by tgid); err on a non-VMM */
int vtax_vmm__add_subject(struct vtax_session *s, pid_t pid, uint32_t *id, char *err,
			  size_t errlen);
/* --all: every VMM as its own subject; returns how many were added */
int vtax_vmm__add_all(struct vtax_session *s);

#endif
