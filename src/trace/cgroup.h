// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cgroup.h - a process's identity on this host: its cgroups (cgroup v1
 * hybrid and v2) and its namespaces.
 */
#ifndef VTAX_CGROUP_H
#define VTAX_CGROUP_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

/* Mount point of the v1 hierarchy carrying controller, or of cgroup2 when
 * controller is NULL or not mounted as v1.  0 or -ENOENT. */
int vtax_cgroup__mount(const char *controller, char *out, size_t len, int *is_v2);
/* Absolute cgroup directory of pid for controller (v1) or on v2. */
int vtax_cgroup__of_pid(pid_t pid, const char *controller, char *out, size_t len);

/* Inode of /proc/PID/ns/NS ("net", "mnt", ...), 0 if unreadable. */
unsigned long vtax_proc__ns_ino(pid_t pid, const char *ns);

struct vtax_cfs_stat {
	uint64_t nr_periods, nr_throttled, throttled_ns;
	int64_t quota_us;  /* -1: unlimited */
	uint64_t period_us;
};
/* CFS bandwidth figures of a cgroup directory (v1 cpu.stat or v2 cpu.stat/cpu.max). */
int vtax_cgroup__cfs_stat(const char *dir, struct vtax_cfs_stat *st);

/* The parsers behind the two above, on an open mountinfo / cgroup file
 * (seams for tests/fuzz): the mount point of controller's hierarchy (or
 * cgroup2's), and the cgroup path relative to it. */
int vtax_cgroup__mount_from(FILE *f, const char *controller, char *out, size_t len, int *is_v2);
int vtax_cgroup__rel_from(FILE *f, int is_v2, const char *controller, char *rel, size_t rlen);

#endif
