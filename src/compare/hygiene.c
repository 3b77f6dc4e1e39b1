// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * hygiene.c - PM QoS, CPU pinning and quiet rounds for `vtax compare`
 * (hygiene.h): the host's own variables held still so that differences
 * between environments are the environments'.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "compare/hygiene.h"
#include "util/proc.h"

#define TREE_MAX 256

static void note(struct vtax_hygiene *h, const char *what)
{
	size_t n = strlen(h->note);

	snprintf(h->note + n, sizeof(h->note) - n, "%s%s", n ? "; " : "", what);
}

void vtax_hygiene__init(struct vtax_hygiene *h, const struct vtax_hygiene_opts *o)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(h, 0, sizeof(*h));
	if (o)
		h->opts = *o;
	else
		h->opts.server_cpu = h->opts.client_cpu = -1;
	h->pmqos_fd = -1;
	h->server_cpu = h->opts.server_cpu >= 0 ? h->opts.server_cpu : (int)(ncpu > 1 ? ncpu - 1 : 0);
	h->client_cpu = h->opts.client_cpu >= 0 ? h->opts.client_cpu : 0;
	if (!h->opts.no_pin) {
		if (ncpu < 2)
			note(h, "one CPU: server and client not pinned");
		else if (h->server_cpu == h->client_cpu || h->server_cpu >= ncpu ||
			 h->client_cpu >= ncpu)
			note(h, "server and client CPUs must be distinct online CPUs: not pinned");
		else
			h->pin = 1;
	}
	h->quiet = !h->opts.no_quiet;
	if (!h->opts.no_pmqos) {
		h->pmqos_fd = open("/dev/cpu_dma_latency", O_RDWR | O_CLOEXEC);
		if (h->pmqos_fd < 0) {
			char m[96];

			snprintf(m, sizeof(m), "PM QoS not held: /dev/cpu_dma_latency: %s", strerror(errno));
			note(h, m);
		}
	}
}

void vtax_hygiene__hold(struct vtax_hygiene *h)
{
	int32_t zero = 0;

	if (h->pmqos_fd < 0 || h->pmqos)
		return;
	/* the request stays in force while the fd is open with this value */
	if (write(h->pmqos_fd, &zero, sizeof(zero)) == (ssize_t)sizeof(zero))
		h->pmqos = h->pmqos_held = 1;
	else
		note(h, "PM QoS not held: write to /dev/cpu_dma_latency failed");
}

void vtax_hygiene__release(struct vtax_hygiene *h)
{
	/* the kernel drops the request when the fd closes; reopen for the next hold */
	if (h->pmqos_fd < 0 || !h->pmqos)
		return;
	close(h->pmqos_fd);
	h->pmqos_fd = open("/dev/cpu_dma_latency", O_RDWR | O_CLOEXEC);
	h->pmqos = 0;
}

void vtax_hygiene__fini(struct vtax_hygiene *h)
{
	if (h->pmqos_fd >= 0)
		close(h->pmqos_fd);
	h->pmqos_fd = -1;
	h->pmqos = 0;
}

/* pid and its descendants, breadth first, from each task's children list */
struct tree {
	pid_t *out;
	int n, max;
};

static int add_children(pid_t tid, void *arg)
{
	struct tree *t = arg;
	char path[80], buf[4096], *p, *end;
	ssize_t len;

	/* /proc/TID/task/TID/children works for any thread of the process */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)tid, (int)tid);
	len = vtax_proc__read(path, buf, sizeof(buf));
	if (len <= 0)
		return 0;
	for (p = buf; t->n < t->max; p = end) {
		long c = strtol(p, &end, 10);
		int dup = 0;

		if (end == p)
			break;
		for (int k = 0; k < t->n; k++)
			dup |= t->out[k] == c;
		if (!dup && c > 0)
			t->out[t->n++] = (pid_t)c;
	}
	return 0;
}

static int tree(pid_t pid, pid_t *out, int max)
{
	struct tree t = { out, 0, max };

	if (pid <= 0)
		return 0;
	out[t.n++] = pid;
	for (int i = 0; i < t.n; i++)
		vtax_proc__for_each_task(out[i], add_children, &t);
	return t.n;
}

struct pin {
	cpu_set_t set;
	int pinned, err;
};

static int pin_one(pid_t tid, void *arg)
{
	struct pin *p = arg;

	if (sched_setaffinity(tid, sizeof(p->set), &p->set) == 0)
		p->pinned++;
	else if (errno != ESRCH)
		p->err = -errno;
	return 0;
}

int vtax_hygiene__pin_tree(pid_t pid, int cpu)
{
	pid_t procs[TREE_MAX];
	int n = tree(pid, procs, TREE_MAX);
	struct pin p = { .pinned = 0 };

	CPU_ZERO(&p.set);
	CPU_SET(cpu, &p.set);
	for (int i = 0; i < n; i++)
		vtax_proc__for_each_task(procs[i], pin_one, &p);
	return p.pinned ? p.pinned : p.err ? p.err : -ESRCH;
}

int vtax_hygiene__pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

int vtax_hygiene__signal_tree(pid_t pid, int sig)
{
	pid_t procs[TREE_MAX];
	int n = tree(pid, procs, TREE_MAX), done = 0;

	for (int i = 0; i < n; i++)
		done += kill(procs[i], sig) == 0;
	return done;
}

void vtax_hygiene__describe(const struct vtax_hygiene *h, char *buf, size_t len)
{
	char pin[80];

	if (h->pin)
		snprintf(pin, sizeof(pin), "server on CPU %d and client on CPU %d", h->server_cpu,
			 h->client_cpu);
	else
		snprintf(pin, sizeof(pin), "not pinned%s", h->opts.no_pin ? " (--no-pin)" : "");
	snprintf(buf, len, "hygiene: PM QoS %s, %s, %s%s%s",
		 h->opts.no_pmqos		 ? "off (--no-pmqos)"
		 : h->pmqos_held || h->pmqos_fd >= 0 ? "held (cpu_dma_latency 0 while measuring)"
						: "not held",
		 pin,
		 h->quiet ? "other environments stopped during each measurement"
			  : "other environments left running (--no-quiet)",
		 h->note[0] ? "; " : "", h->note);
}

json_t *vtax_hygiene__to_json(const struct vtax_hygiene *h)
{
	return json_pack("{s:b,s:b,s:o,s:o,s:b,s:s?}", "pmqos",
			 !h->opts.no_pmqos && (h->pmqos_held || h->pmqos_fd >= 0), "pin", h->pin,
			 "server_cpu", h->pin ? json_integer(h->server_cpu) : json_null(), "client_cpu",
			 h->pin ? json_integer(h->client_cpu) : json_null(), "quiet", h->quiet, "note",
			 h->note[0] ? h->note : NULL);
}
