// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * hygiene.h - benchmark hygiene for `vtax compare`: what the host must hold
 * still for one environment's latency to be comparable with another's.
 * Each item is on by default, named in the report's header and the JSON
 * (`hygiene`), and has a switch to turn it off:
 *
 *   pmqos  (--no-pmqos)  /dev/cpu_dma_latency is held open at 0 while
 *          measuring (PM QoS).  With a cpuidle driver such as haltpoll, an
 *          idle vCPU then polls instead of halting, so a request's wake-up
 *          no longer depends on whatever else keeps the CPUs busy.  Closing
 *          the fd ends the request (also when vtax dies).
 *   pin    (--no-pin)    the server and the client run on fixed, distinct
 *          CPUs, the same in every environment: the server's threads
 *          (native: the server; containers: its host PID tree, the
 *          equivalent of --cpuset-cpus inside the container's cpuset;
 *          vm: every QEMU thread, vCPUs included) on server_cpu, the load
 *          generator on client_cpu, all by sched_setaffinity.
 *   quiet  (--no-quiet)  nothing vtax started runs during a round but what
 *          is measured: the other environments' servers (an idle TCG guest
 *          keeps a CPU busy) are stopped with SIGSTOP and continued with
 *          SIGCONT before their own turn, and always before teardown.
 */
#ifndef VTAX_HYGIENE_H
#define VTAX_HYGIENE_H

#include <stdio.h>
#include <sys/types.h>
#include <jansson.h>

struct vtax_hygiene_opts {
	int no_pmqos, no_pin, no_quiet;
	int server_cpu, client_cpu; /* -1: defaults (last CPU, CPU 0) */
};

struct vtax_hygiene {
	struct vtax_hygiene_opts opts;
	int pmqos_fd;          /* held while measuring (-1: not held) */
	int pmqos;             /* requested and held now */
	int pmqos_held;        /* was held while measuring (for the report) */
	int pin;               /* pinning in effect (>= 2 CPUs) */
	int quiet;
	int server_cpu, client_cpu;
	char note[256];        /* why an item asked for is not in effect */
};

/* Resolve CPUs, open PM QoS (not yet held: see __hold).  Never fails: what
 * cannot be done is said in h->note and the item reported off. */
void vtax_hygiene__init(struct vtax_hygiene *h, const struct vtax_hygiene_opts *o);
/* Hold / release PM QoS latency 0 (no-op when off). */
void vtax_hygiene__hold(struct vtax_hygiene *h);
void vtax_hygiene__release(struct vtax_hygiene *h);
void vtax_hygiene__fini(struct vtax_hygiene *h);

/* Every thread of pid and of its descendants on cpu.  Count pinned, or -errno. */
int vtax_hygiene__pin_tree(pid_t pid, int cpu);
/* The calling thread (the client child) on cpu. */
int vtax_hygiene__pin_self(int cpu);
/* SIGSTOP / SIGCONT pid and its descendants.  Count signalled. */
int vtax_hygiene__signal_tree(pid_t pid, int sig);

/* "hygiene: PM QoS held (cpu_dma_latency 0), server on CPU 1 and client on CPU 0, ..." */
void vtax_hygiene__describe(const struct vtax_hygiene *h, char *buf, size_t len);
json_t *vtax_hygiene__to_json(const struct vtax_hygiene *h);

#endif
