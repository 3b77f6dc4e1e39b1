// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * probe_sched.c - userspace half of the sched family (bpf/sched.bpf.c), the
 * core object that creates the shared maps.  Decodes sched.runq{cause} and
 * sched.blocked, and adds CFS bandwidth throttling of each subject's cgroup
 * as counters (read from cpu.stat at start and at collection: the kernel
 * has no tracepoint for throttling, and its own counters are exact).
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/clock.h"
#include "trace/cgroup.h"
#include "trace/probe_util.h"
#include "sched.skel.h"
#include "trace/session.h"

struct sched_state {
	struct sched_bpf *skel;
	struct cfs_base {
		uint32_t subject;
		char dir[512];
		struct vtax_cfs_stat st;
		uint64_t t0;
	} base[64];
	int nbase;
};

static int sched_attach(struct vtax_session *s, void **state, char *err, size_t errlen)
{
	struct sched_state *ss = calloc(1, sizeof(*ss));
	int rc;

	if (!ss)
		return -ENOMEM;
	ss->skel = sched_bpf__open();
	if (!ss->skel) {
		rc = -errno;
		vtax_probe_error(err, errlen, "open", rc);
		free(ss);
		return rc;
	}
	/* switch and wake-up are the family's own measures and the syscall
	 * family's off-CPU parts; a session with neither (compare's network
	 * plan, `--probes net`) loads only the core - fork following, exit,
	 * cgroup moves - and the scheduler's hottest hooks stay empty */
	if (vtax_session_opts__sched_core_only(&s->opts)) {
		bpf_program__set_autoload(ss->skel->progs.vtax_switch, false);
		bpf_program__set_autoload(ss->skel->progs.vtax_wakeup, false);
		bpf_program__set_autoload(ss->skel->progs.vtax_wakeup_new, false);
	}
	rc = vtax_session__share_maps(s, ss->skel->obj);
	if (!rc)
		rc = sched_bpf__load(ss->skel);
	if (!rc)
		rc = vtax_session__adopt_maps(s, ss->skel->obj);
	if (rc) {
		vtax_probe_error(err, errlen, "load", rc);
		goto fail;
	}
	rc = sched_bpf__attach(ss->skel);
	if (rc) {
		vtax_probe_error(err, errlen, "attach sched tracepoints", rc);
		goto fail;
	}
	*state = ss;
	return 0;
fail:
	sched_bpf__destroy(ss->skel);
	free(ss);
	return rc;
}

static void sched_detach(void *state)
{
	struct sched_state *ss = state;

	sched_bpf__destroy(ss->skel);
	free(ss);
}

static int sched_decode(const struct vtax_hist_key *k, char *name, size_t namelen,
			struct vtax_label *labels, int *nlabels)
{
	*nlabels = 0;
	switch (k->name) {
	case VTAX_SCHED_RUNQ:
		snprintf(name, namelen, "runq");
		vtax_label__set(&labels[0], "cause",
				k->l1 == VTAX_RUNQ_PREEMPT ? "preempt" : "wakeup");
		*nlabels = 1;
		return 0;
	case VTAX_SCHED_OFFCPU_BLOCKED:
		snprintf(name, namelen, "blocked");
		return 0;
	}
	return -ENOENT;
}

/* The ledger cause of a key: run-queue waits are one; blocked time never
 * is (it waits for something measured elsewhere, or for the client). */
static int sched_cause(const struct vtax_hist_key *k)
{
	return k->name == VTAX_SCHED_RUNQ ? VTAX_CAUSE_RUNQ : VTAX_CAUSE_NONE;
}

/* Find a subject's cgroup (its own for cgroup subjects, the pid's for pid
 * subjects) and remember its CFS counters as the baseline. */
void vtax_sched__baseline(struct vtax_session *s)
{
	struct sched_state *ss = s->fam_state[VTAX_FAM_SCHED];

	if (!ss)
		return;
	for (size_t i = 0; i < s->nsubjects; i++) {
		struct vtax_subject_def *d = &s->subjects[i];
		struct cfs_base *b = NULL;
		char dir[512] = "";

		for (int j = 0; j < ss->nbase; j++)
			if (ss->base[j].subject == d->id)
				b = &ss->base[j];
		if (b || ss->nbase >= 64)
			continue;
		if (d->cgroup_path[0])
			snprintf(dir, sizeof(dir), "%s", d->cgroup_path);
		else if (d->pid > 0 && vtax_cgroup__of_pid(d->pid, "cpu", dir, sizeof(dir)))
			dir[0] = '\0';
		if (!dir[0])
			continue;
		b = &ss->base[ss->nbase];
		if (vtax_cgroup__cfs_stat(dir, &b->st))
			continue;
		b->subject = d->id;
		snprintf(b->dir, sizeof(b->dir), "%s", dir);
		b->t0 = vtax_now_ns();
		ss->nbase++;
	}
}

static void sched_collect(struct vtax_session *s, void *state, struct vtax_result *r)
{
	struct sched_state *ss = state;

	/* the hooks line, when only the core was loaded (sched_attach) */
	if (vtax_session_opts__sched_core_only(&s->opts))
		vtax_result__hook(r, "sched", "core only: tp_btf sched_process_fork/exit, cgroup_attach_task "
					      "(no switch or wake-up program)");
	for (int j = 0; j < ss->nbase; j++) {
		struct cfs_base *b = &ss->base[j];
		struct vtax_subject_def *d = vtax_session__subject(s, b->subject);
		struct vtax_cfs_stat now;
		struct vtax_subject *subj;
		double wall;

		if (!d || vtax_cgroup__cfs_stat(b->dir, &now))
			continue;
		subj = vtax_result__subject(r, d->name, d->kind);
		if (!subj)
			continue;
		wall = (double)(vtax_now_ns() - b->t0);
		vtax_subject__counter(subj, "sched.cfs.periods", "count",
				      (double)(now.nr_periods - b->st.nr_periods), 0);
		vtax_subject__counter(subj, "sched.cfs.throttled_periods", "count",
				      (double)(now.nr_throttled - b->st.nr_throttled), 0);
		vtax_subject__counter(subj, "sched.cfs.throttled_ns", "ns",
				      (double)(now.throttled_ns - b->st.throttled_ns), 0);
		vtax_subject__counter(subj, "sched.cfs.throttled_fraction", "ratio",
				      wall > 0 ? (double)(now.throttled_ns - b->st.throttled_ns) / wall : 0, 0);
		if (now.quota_us > 0 && now.period_us)
			vtax_subject__counter(subj, "sched.cfs.quota_cpus", "ratio",
					      (double)now.quota_us / (double)now.period_us, 0);
	}
}

static struct bpf_object_skeleton *sched_skeleton(void *state)
{
	return ((struct sched_state *)state)->skel->skeleton;
}

const struct vtax_probe_ops vtax_probe_sched = {
	.name = "sched",
	.family = VTAX_FAM_SCHED,
	.hooks = "tp_btf sched_switch/sched_wakeup/sched_process_*",
	.summary = "run-queue latency, preemptions, blocked time, CFS throttling",
	.attach = sched_attach,
	.detach = sched_detach,
	.decode = sched_decode,
	.cause = sched_cause,
	.collect = sched_collect,
	.skeleton = sched_skeleton,
};
