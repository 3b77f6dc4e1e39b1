// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * targets.h - turn what the user named (--pid, --cgroup, --container,
 * --all) into session subjects.
 */
#ifndef VTAX_TARGETS_H
#define VTAX_TARGETS_H

#include <sys/types.h>
#include "trace/session.h"

#define VTAX_MAX_TARGETS 64

struct vtax_targets {
	pid_t pids[VTAX_MAX_TARGETS];
	int npids;
	const char *cgroups[VTAX_MAX_TARGETS];
	int ncgroups;
	const char *containers[VTAX_MAX_TARGETS];
	int ncontainers;
	pid_t vms[VTAX_MAX_TARGETS];   /* VMM PIDs (--vm) */
	int nvms;
	int all;
};

int vtax_targets__apply(struct vtax_session *s, const struct vtax_targets *t, char *err,
			size_t errlen);
/* --all: pick up containers started since; returns how many were added */
int vtax_targets__rescan(struct vtax_session *s, const struct vtax_targets *t);
/* one container -> subject (container:NAME), tracked by cgroup and pid */
int vtax_targets__add_container(struct vtax_session *s, const char *name_or_id, uint32_t *id,
				char *err, size_t errlen);
/* does any target remain that can still end by exiting? */
int vtax_targets__only_pids(const struct vtax_targets *t);

#endif
