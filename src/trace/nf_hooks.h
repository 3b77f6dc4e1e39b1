// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nf_hooks.h - which netfilter hooks are registered in the calling thread's
 * network namespace (bpf/nf_hooks.bpf.c, an iter/task program), and the
 * stage hooks the net family brackets.  The net family (probe_net.c)
 * brackets a stage only where a hook of that stage's priority exists: a
 * bracket around nothing costs two program runs per packet and turns on
 * nf_hook_slow for a hook that had no entries.
 */
#ifndef VTAX_TRACE_NF_HOOKS_H
#define VTAX_TRACE_NF_HOOKS_H

#include <stddef.h>

#define VTAX_NFPROTO_IPV4 2
#define VTAX_NFPROTO_IPV6 10

/* one registered, non-BPF netfilter hook */
struct vtax_nf_hook {
	int pf, hook, priority;
};

/* the stage hooks the net family brackets: per family (IPv4, IPv6), a
 * stage (VTAX_NET_ST_*) on a hook (VTAX_NF_*) at the stage's priority */
struct vtax_nf_stage_hook {
	int stage, hook, prio;
};
#define VTAX_NF_STAGE_HOOKS 9
extern const struct vtax_nf_stage_hook vtax_nf_stage_hooks[VTAX_NF_STAGE_HOOKS];
extern const int vtax_nf_pfs[2];

struct vtax_nf_hooks;

/* Load the discovery program; NULL and a one-line reason in err when the
 * kernel refuses it (then every stage is to be bracketed). */
struct vtax_nf_hooks *vtax_nf_hooks__open(char *err, size_t errlen);
/* The non-BPF hooks registered in the calling thread's current network
 * namespace (IPv4 and IPv6), at most max: the count, or -errno. */
int vtax_nf_hooks__read(struct vtax_nf_hooks *h, struct vtax_nf_hook *out, int max);
/* Is a hook of pf on hook at exactly prio among v[0..n)? */
int vtax_nf_hooks__has(const struct vtax_nf_hook *v, int n, int pf, int hook, int prio);
/* Whether v[0..n) has a hook of (pf, hook) strictly between priorities lo
 * and hi: two stages with none between them can share one program. */
int vtax_nf_hooks__between(const struct vtax_nf_hook *v, int n, int pf, int hook, int lo, int hi);
/* How many of the 2 x VTAX_NF_STAGE_HOOKS stage hooks v[0..n) has. */
int vtax_nf_hooks__stages(const struct vtax_nf_hook *v, int n);
void vtax_nf_hooks__close(struct vtax_nf_hooks *h);

#endif
