// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * hygiene.c - PM QoS, CPU pinning and quiet rounds for `vtax compare`
 * (hygiene.h): the host's own variables held still so that differences
 * between environments are the environments'.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "compare/hygiene.h"

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

/* pid and its descendants (via /proc/PID/task/TID/children), breadth first */
static int tree(pid_t pid, pid_t *out, int max)
{
	int n = 0;

	if (pid <= 0)
		return 0;
	out[n++] = pid;
	for (int i = 0; i < n; i++) {
		char path[64];
		struct dirent *d;
		DIR *dir;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)out[i]);
		dir = opendir(path);
		if (!dir)
			continue;
		while ((d = readdir(dir))) {
			char p2[300];
			FILE *f;
			int c;

			if (d->d_name[0] < '0' || d->d_name[0] > '9')
				continue;
			snprintf(p2, sizeof(p2), "%s/%s/children", path, d->d_name);
			f = fopen(p2, "re");
			if (!f)
				continue;
			while (n < max && fscanf(f, "%d", &c) == 1) {
				int dup = 0;

				for (int k = 0; k < n; k++)
					dup |= out[k] == c;
				if (!dup)
					out[n++] = c;
			}
			fclose(f);
		}
		closedir(dir);
	}
	return n;
}

int vtax_hygiene__pin_tree(pid_t pid, int cpu)
{
	pid_t procs[TREE_MAX];
	int n = tree(pid, procs, TREE_MAX), pinned = 0, err = 0;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	for (int i = 0; i < n; i++) {
		char path[64];
		struct dirent *d;
		DIR *dir;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)procs[i]);
		dir = opendir(path);
		if (!dir)
			continue;
		while ((d = readdir(dir))) {
			if (d->d_name[0] < '0' || d->d_name[0] > '9')
				continue;
			if (sched_setaffinity(atoi(d->d_name), sizeof(set), &set) == 0)
				pinned++;
			else if (errno != ESRCH)
				err = -errno;
		}
		closedir(dir);
	}
	return pinned ? pinned : err ? err : -ESRCH;
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
