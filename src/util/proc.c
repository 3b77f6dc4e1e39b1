// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * proc.c - the one /proc walker (proc.h): processes, threads, fds, command
 * lines and per-thread on-CPU time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util/proc.h"

/* fn(number, arg) for every all-digit entry of dir */
static int for_each_num(const char *dir, int (*fn)(pid_t n, void *arg), void *arg)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return -errno;
	while (!rc && (e = readdir(d))) {
		char *end;
		long n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		n = strtol(e->d_name, &end, 10);
		if (*end || n < 0)
			continue;
		rc = fn((pid_t)n, arg);
	}
	closedir(d);
	return rc;
}

int vtax_proc__for_each_pid(int (*fn)(pid_t pid, void *arg), void *arg)
{
	return for_each_num("/proc", fn, arg);
}

int vtax_proc__for_each_task(pid_t pid, int (*fn)(pid_t tid, void *arg), void *arg)
{
	char dir[64];

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	return for_each_num(dir, fn, arg);
}

struct fd_walk {
	const char *dir;
	int (*fn)(int fd, const char *link, void *arg);
	void *arg;
};

static int fd_one(pid_t fd, void *arg)
{
	struct fd_walk *w = arg;
	char path[96], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d", w->dir, (int)fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = 0;
	return w->fn((int)fd, link, w->arg);
}

int vtax_proc__for_each_fd(pid_t pid, int (*fn)(int fd, const char *link, void *arg), void *arg)
{
	char dir[64];
	struct fd_walk w = { dir, fn, arg };

	if (pid > 0)
		snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	else
		snprintf(dir, sizeof(dir), "/proc/self/fd");
	return for_each_num(dir, fd_one, &w);
}

ssize_t vtax_proc__read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if (!len)
		return -EINVAL;
	buf[0] = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	buf[n] = 0;
	close(fd);
	return n;
}

int vtax_proc__cmdline(pid_t pid, char *buf, size_t len, const char **argv, int max)
{
	char path[64];
	ssize_t n;
	int na = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = vtax_proc__read(path, buf, len);
	if (n < 0)
		return (int)n;
	for (ssize_t i = 0; i < n && na < max - 1; i += (ssize_t)strlen(buf + i) + 1)
		argv[na++] = buf + i;
	argv[na] = NULL;
	return na;
}

struct oncpu_walk {
	struct vtax_oncpu *s;
	pid_t pid;
};

static int oncpu_one(pid_t tid, void *arg)
{
	struct oncpu_walk *w = arg;
	struct vtax_oncpu *s = w->s;
	char path[96], buf[64], comm[64];
	pid_t pid = w->pid;

	if (s->n >= VTAX_ONCPU_MAX_THREADS)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
	if (vtax_proc__read(path, buf, sizeof(buf)) < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
	if (vtax_proc__read(path, comm, sizeof(comm)) < 0)
		comm[0] = 0;
	s->tid[s->n] = tid;
	/* "<on-CPU ns> <run_delay ns> <timeslices>" */
	{
		char *end;

		s->ns[s->n] = strtoull(buf, &end, 10);
		s->runq[s->n] = strtoull(end, NULL, 10);
	}
	/* QEMU names vCPU threads "CPU 0/TCG", "CPU 1/KVM" (debug-threads=on) */
	s->vcpu[s->n] = !strncmp(comm, "CPU ", 4);
	s->n++;
	return 0;
}

void vtax_oncpu__read(pid_t pid, struct vtax_oncpu *s)
{
	struct oncpu_walk w = { s, pid };

	s->n = 0;
	if (pid <= 0)
		return;
	vtax_proc__for_each_task(pid, oncpu_one, &w);
}

void vtax_oncpu__delta(const struct vtax_oncpu *a, const struct vtax_oncpu *b, double *all,
		       double *vcpu, double *runq)
{
	*all = *vcpu = 0;
	if (runq)
		*runq = 0;
	for (int i = 0; i < b->n; i++) {
		uint64_t base = 0, rbase = 0;
		double d;

		for (int j = 0; j < a->n; j++)
			if (a->tid[j] == b->tid[i]) {
				base = a->ns[j];
				rbase = a->runq[j];
			}
		d = b->ns[i] >= base ? (double)(b->ns[i] - base) : 0;
		*all += d;
		if (b->vcpu[i])
			*vcpu += d;
		else if (runq && b->runq[i] >= rbase)
			*runq += (double)(b->runq[i] - rbase);
	}
}

unsigned long long vtax_proc__start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	ssize_t n;
	int fd;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	{
		/* comm may hold spaces and ')': the fields follow the last ')' */
		char *p = strrchr(buf, ')');
		int field = 2;

		if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
			return 0;
		for (p++; *p && field < 22; p++)
			if (*p == ' ')
				field++;
		start = strtoull(p, NULL, 10);
	}
	return start;
}
