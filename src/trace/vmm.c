// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vmm.c - find VMM processes and their vCPU threads, for `attach --vm` and
 * `--all` (each VM its own subject) and for the kvm family's steal map.
 *
 * A VMM is any process holding /dev/kvm or a KVM VM/vCPU fd: readlink of
 * /proc/PID/fd/N gives "/dev/kvm", "anon_inode:kvm-vm" or
 * "anon_inode:kvm-vcpu:N".  A vCPU thread is found two ways:
 *   - its name: QEMU (and testvmm) name them "CPU n/KVM";
 *   - what it is doing: a thread blocked in ioctl(vcpu_fd, KVM_RUN) shows
 *     "16 0x<fd> 0xae80 ..." in /proc/PID/task/TID/syscall.
 * A thread that is on a CPU at the moment of the scan shows "running" and
 * has another name is missed here; bpf/kvm.bpf.c adds every thread that
 * enters KVM_RUN (kvm_fpu) to the vCPU map anyway.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "trace/session.h"
#include "util/proc.h"
#include "trace/vmm.h"

#define KVM_RUN_IOCTL 0xae80ul
#define SYS_IOCTL_NR 16

static int is_kvm_link(const char *link)
{
	return !strcmp(link, "/dev/kvm") || !strncmp(link, "anon_inode:kvm-", 15);
}

static int fd_is_kvm(int fd, const char *link, void *arg)
{
	(void)fd;
	(void)arg;
	return is_kvm_link(link) ? 1 : 0;
}

int vtax_vmm__is_vmm(pid_t pid)
{
	int rc = vtax_proc__for_each_fd(pid, fd_is_kvm, NULL);

	return rc < 0 ? rc : rc > 0;
}

struct vcpu_fds {
	int fds[VTAX_VMM_MAX_VCPUS];
	int n;
};

static int fd_collect_vcpu(int fd, const char *link, void *arg)
{
	struct vcpu_fds *v = arg;

	if (!strncmp(link, "anon_inode:kvm-vcpu", 19) && v->n < VTAX_VMM_MAX_VCPUS)
		v->fds[v->n++] = fd;
	return 0;
}

/* a one-line /proc file without its newline; 0 or -errno */
static int read_small(const char *path, char *buf, size_t len)
{
	ssize_t n = vtax_proc__read(path, buf, len);

	if (n < 0)
		return (int)n;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* "CPU 3/KVM" (QEMU's vCPU thread names) */
static int comm_is_vcpu(const char *comm)
{
	unsigned n;
	char tail[8];

	return sscanf(comm, "CPU %u/%7s", &n, tail) == 2 && !strcmp(tail, "KVM");
}

/* blocked in ioctl(fd, KVM_RUN) on one of the vCPU fds? */
static int syscall_is_kvm_run(const char *line, const struct vcpu_fds *v)
{
	unsigned long nr, fd, cmd;

	if (sscanf(line, "%lu 0x%lx 0x%lx", &nr, &fd, &cmd) != 3)
		return 0;
	if (nr != SYS_IOCTL_NR || cmd != KVM_RUN_IOCTL)
		return 0;
	for (int i = 0; i < v->n; i++)
		if ((unsigned long)v->fds[i] == fd)
			return 1;
	return 0;
}

struct task_scan {
	pid_t pid;
	const struct vcpu_fds *v;
	struct vtax_vmm_info *info;
};

/* One thread: a vCPU by its name or by what it is blocked in. */
static int task_one(pid_t tid, void *arg)
{
	struct task_scan *t = arg;
	char path[96], buf[256];
	int vcpu = 0;

	if (tid <= 0)
		return 0;
	t->info->nthreads++;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)t->pid, (int)tid);
	if (!read_small(path, buf, sizeof(buf)) && comm_is_vcpu(buf))
		vcpu = 1;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)t->pid, (int)tid);
	if (!vcpu && t->v->n && !read_small(path, buf, sizeof(buf)) && syscall_is_kvm_run(buf, t->v))
		vcpu = 1;
	if (vcpu && t->info->nvcpus < VTAX_VMM_MAX_VCPUS)
		t->info->vcpu_tids[t->info->nvcpus++] = tid;
	return 0;
}

int vtax_vmm__inspect(pid_t pid, struct vtax_vmm_info *info)
{
	struct vcpu_fds v = { .n = 0 };
	struct task_scan t = { .pid = pid, .v = &v, .info = info };
	char path[64];
	int rc;

	memset(info, 0, sizeof(*info));
	info->pid = pid;
	rc = vtax_vmm__is_vmm(pid);
	if (rc <= 0)
		return rc < 0 ? rc : -ENOENT;
	vtax_proc__for_each_fd(pid, fd_collect_vcpu, &v);
	info->nvcpu_fds = v.n;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	read_small(path, info->comm, sizeof(info->comm));
	rc = vtax_proc__for_each_task(pid, task_one, &t);
	return rc < 0 ? rc : 0;
}

struct vmm_scan {
	pid_t *pids;
	int n, max;
};

static int vmm_one(pid_t pid, void *arg)
{
	struct vmm_scan *m = arg;

	if (m->n >= m->max)
		return 1;
	if (pid > 0 && pid != getpid() && vtax_vmm__is_vmm(pid) == 1)
		m->pids[m->n++] = pid;
	return 0;
}

int vtax_vmm__list(pid_t *pids, int max)
{
	struct vmm_scan m = { pids, 0, max };
	int rc = vtax_proc__for_each_pid(vmm_one, &m);

	return rc < 0 ? rc : m.n;
}

int vtax_vmm__add_subject(struct vtax_session *s, pid_t pid, uint32_t *id, char *err,
			  size_t errlen)
{
	struct vtax_subject_def *d;
	char name[64];
	int rc;

	rc = vtax_vmm__is_vmm(pid);
	if (rc < 0) {
		snprintf(err, errlen, "no such process: %d", pid);
		return -ESRCH;
	}
	if (!rc) {
		snprintf(err, errlen, "process %d is not a VMM (holds no /dev/kvm or KVM fd)", pid);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "vm:%d", pid);
	rc = vtax_session__add_subject(s, name, "vm", id);
	if (rc)
		return rc;
	d = vtax_session__subject(s, *id);
	d->pid = pid;
	/* all threads (vCPUs, I/O threads, vhost workers) share the tgid;
	 * helper processes it forks (e.g. a bridge helper) follow */
	rc = vtax_session__track_pid_tree(s, pid, *id);
	if (rc)
		snprintf(err, errlen, "cannot track VMM %d: %s", pid, strerror(-rc));
	return rc;
}

int vtax_vmm__add_all(struct vtax_session *s)
{
	pid_t pids[256] = { 0 };
	int n = vtax_vmm__list(pids, 256), added = 0;

	for (int i = 0; i < n; i++) {
		char err[256];
		size_t before = s->nsubjects;
		uint32_t id;

		if (!vtax_vmm__add_subject(s, pids[i], &id, err, sizeof(err)) &&
		    s->nsubjects > before)
			added++;
	}
	return added;
}
