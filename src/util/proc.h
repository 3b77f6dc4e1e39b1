// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * proc.h - the one /proc reader of vtax: walk processes, a process's
 * threads or its file descriptors, read a process's command line, and the
 * on-CPU time of a process's threads (schedstat).  Every module that needs
 * /proc goes through here rather than opening its own directory walk.
 */
#ifndef VTAX_PROC_H
#define VTAX_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* fn(pid, arg) for every process in /proc; stops at the first nonzero
 * return and returns it.  -errno when /proc cannot be read. */
int vtax_proc__for_each_pid(int (*fn)(pid_t pid, void *arg), void *arg);
/* fn(tid, arg) for every thread of pid; as above. */
int vtax_proc__for_each_task(pid_t pid, int (*fn)(pid_t tid, void *arg), void *arg);
/* fn(fd, link target, arg) for every open fd of pid (0: this process). */
int vtax_proc__for_each_fd(pid_t pid, int (*fn)(int fd, const char *link, void *arg), void *arg);
/* Read a small /proc (or /sys) file into buf (NUL-terminated); bytes
 * read, or -errno. */
ssize_t vtax_proc__read(const char *path, char *buf, size_t len);
/* pid's command line split into argv (pointers into buf, at most max-1,
 * NULL-terminated); the count, or -errno. */
int vtax_proc__cmdline(pid_t pid, char *buf, size_t len, const char **argv, int max);

/* Start time of pid in clock ticks since boot (/proc/PID/stat field 22);
 * 0 when gone or a zombie.  With the PID it names one process for good. */
unsigned long long vtax_proc__start_time(pid_t pid);

/* On-CPU time and run-queue wait of a process's threads, from
 * /proc/PID/task/TID/schedstat (the scheduler's own sum_exec_runtime and
 * run_delay: exact, and free - no probe runs for them). */
#define VTAX_ONCPU_MAX_THREADS 512
struct vtax_oncpu {
	int n;
	pid_t tid[VTAX_ONCPU_MAX_THREADS];
	uint64_t ns[VTAX_ONCPU_MAX_THREADS];
	uint64_t runq[VTAX_ONCPU_MAX_THREADS]; /* run_delay: ns runnable, not running */
	int vcpu[VTAX_ONCPU_MAX_THREADS]; /* QEMU vCPU thread ("CPU n/KVM|TCG") */
};
/* Snapshot pid's threads (s->n = 0 when pid <= 0 or gone). */
void vtax_oncpu__read(pid_t pid, struct vtax_oncpu *s);
/* Between two snapshots: on-CPU ns of all threads and of vCPU threads
 * only, and (runq, may be NULL) the run-queue wait of the threads that are
 * not vCPUs (a vCPU thread's wait is its guest's steal time).  Threads
 * born between the snapshots count from zero. */
void vtax_oncpu__delta(const struct vtax_oncpu *a, const struct vtax_oncpu *b, double *all,
		       double *vcpu, double *runq);

#endif
