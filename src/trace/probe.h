// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * probe.h - the contract between the session and a probe family.
 *
 * A family (src/probe_<name>.c + bpf/<name>.bpf.c) opens its skeleton,
 * makes it share the session's maps (vtax_session__share_maps), loads and
 * attaches, and later decodes its histogram keys into readable names and
 * labels.  Families are listed once, in probe.c.
 */
#ifndef VTAX_PROBE_H
#define VTAX_PROBE_H

#include <stddef.h>
#include "vtax/keys.h"
#include "result/result.h"

struct vtax_session;
struct bpf_object_skeleton;

struct vtax_probe_ops {
	const char *name;          /* as in --probes */
	enum vtax_family family;
	const char *summary;       /* one line for --help and doctor */
	const char *hooks;         /* the kernel hooks it uses (result "hooks", doctor) */
	/* open, share maps, load, attach.  0 or -errno with err filled. */
	int (*attach)(struct vtax_session *s, void **state, char *err, size_t errlen);
	void (*detach)(void *state);
	/* key -> name + labels; return 0, or <0 to skip the key */
	int (*decode)(const struct vtax_hist_key *k, char *name, size_t namelen,
		      struct vtax_label *labels, int *nlabels);
	/* optional: the ledger cause of a key's series (result/cause.h), or
	 * VTAX_CAUSE_NONE; without it every series of the family is NONE */
	int (*cause)(const struct vtax_hist_key *k);
	/* optional: add counters (packets, throttling...) at collection */
	void (*collect)(struct vtax_session *s, void *state, struct vtax_result *r);
	/* optional: subjects were added/changed (called by vtax_session__commit),
	 * e.g. to refresh a family's own netns or VM maps */
	void (*subjects_changed)(struct vtax_session *s, void *state);
	/* optional: called about every 2 s while a run, attach or serve goes
	 * on (vtax_session__refresh): re-read the host state the family's
	 * links depend on (net: netfilter hooks registered since) */
	void (*refresh)(struct vtax_session *s, void *state);
	/* optional: can this host run it?  1 yes, 0 no (why filled) */
	int (*supported)(char *why, size_t whylen);
	/* optional, for --sample (trace/sample.c): the skeleton whose
	 * auto-attached links the sampler switches ... */
	struct bpf_object_skeleton *(*skeleton)(void *state);
	/* ... and the links the family made itself (netfilter, lazily attached
	 * programs): attach (on 1) or detach (on 0) every one of chain role
	 * `role` (enum vtax_chain_role), or count those attached (on -1);
	 * returns how many links changed (or are attached).  Called with the
	 * session locked. */
	int (*sample_links)(struct vtax_session *s, void *state, int role, int on);
	/* optional, for --sample-netfilter: a cumulative count of the events
	 * its sampled links would see (net: the subjects' packets, counted
	 * by programs that trace whole), so the sampler can state the share
	 * of events its windows covered.  Called with the session locked. */
	uint64_t (*sample_events)(struct vtax_session *s, void *state);
};

extern const struct vtax_probe_ops *const vtax_probes[];
const struct vtax_probe_ops *vtax_probe__find(const char *name);
const struct vtax_probe_ops *vtax_probe__by_family(enum vtax_family f);
/* "syscall,sched" -> bitmask of families; -EINVAL + err on unknown names */
int vtax_probe__parse_list(const char *list, unsigned *mask, char *err, size_t errlen);
/* default set: everything this build has */
unsigned vtax_probe__default_mask(void);

#endif
