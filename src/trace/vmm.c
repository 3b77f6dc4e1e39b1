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
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "trace/session.h"
#include "trace/vmm.h"

#define KVM_RUN_IOCTL 0xae80ul
#define SYS_IOCTL_NR 16

/* Calls fn(fdnum, link) for each fd of pid; stops early on nonzero. */
static int for_each_fd(pid_t pid, int (*fn)(int fd, const char *link, void *arg), void *arg)
{
	char dir[64], path[320], link[256];
	struct dirent *e;
	DIR *d;
	int rc = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while (!rc && (e = readdir(d))) {
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		rc = fn(atoi(e->d_name), link, arg);
	}
	closedir(d);
	return rc;
}

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
	int rc = for_each_fd(pid, fd_is_kvm, NULL);

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

static int read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
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

int vtax_vmm__inspect(pid_t pid, struct vtax_vmm_info *info)
{
	struct vcpu_fds v = { .n = 0 };
	char dir[64], path[320], buf[256];
	struct dirent *e;
	DIR *d;
	int rc;

	memset(info, 0, sizeof(*info));
	info->pid = pid;
	rc = vtax_vmm__is_vmm(pid);
	if (rc <= 0)
		return rc < 0 ? rc : -ENOENT;
	for_each_fd(pid, fd_collect_vcpu, &v);
	info->nvcpu_fds = v.n;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	read_small(path, info->comm, sizeof(info->comm));

	snprintf(dir, sizeof(dir), "/proc/%d/task", pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		pid_t tid = (pid_t)atoi(e->d_name);
		int vcpu = 0;

		if (tid <= 0)
			continue;
		info->nthreads++;
		snprintf(path, sizeof(path), "%s/%d/comm", dir, tid);
		if (!read_small(path, buf, sizeof(buf)) && comm_is_vcpu(buf))
			vcpu = 1;
		snprintf(path, sizeof(path), "%s/%d/syscall", dir, tid);
		if (!vcpu && v.n && !read_small(path, buf, sizeof(buf)) &&
		    syscall_is_kvm_run(buf, &v))
			vcpu = 1;
		if (vcpu && info->nvcpus < VTAX_VMM_MAX_VCPUS)
			info->vcpu_tids[info->nvcpus++] = tid;
	}
	closedir(d);
	return 0;
}

int vtax_vmm__list(pid_t *pids, int max)
{
	struct dirent *e;
	DIR *d = opendir("/proc");
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < max) {
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid > 0 && pid != getpid() && vtax_vmm__is_vmm(pid) == 1)
			pids[n++] = pid;
	}
	closedir(d);
	return n;
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
