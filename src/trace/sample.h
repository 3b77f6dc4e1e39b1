// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sample.h - `--sample`: duty-cycled tracing (docs/sampling.md).  While a
 * window is off, every program of the session returns at its first test
 * (its gate, cfg.sample_off), and in long gaps its link is released too;
 * netfilter hooks are detached in every gap.  While on, the workload pays
 * the full price.  A thread of the session switches the gate; the result
 * states the fraction of wall time measured (the measured on-time, not the
 * nominal one).
 */
#ifndef VTAX_SAMPLE_H
#define VTAX_SAMPLE_H

#include <stddef.h>
#include <stdint.h>
#include "result/result.h"

struct vtax_session;

struct vtax_sample_spec {
	uint64_t on_ns;     /* one window */
	uint64_t period_ns; /* mean window-to-window time (randomised per cycle) */
	int scope;          /* enum vtax_sample_scope (result/result.h) */
	char text[32];      /* as given, for the report */
};

/* The option that gives a scope's spec ("--sample", "--sample-netfilter")
 * and the report's name for what it samples. */
const char *vtax_sample__option(int scope);

/* Which end of a chain (syscall enter -> exit, netfilter open -> close,
 * packet hops...) a program is, by its name: chain-ending programs are
 * switched on first and off last, chain-starting ones the other way
 * round, ALWAYS ones (fork/exit following) are never switched.  Each
 * switched program's gate names the same role (tests/unit/14-gates.c). */
enum vtax_chain_role { VTAX_CHAIN_ALWAYS, VTAX_CHAIN_END, VTAX_CHAIN_START };
int vtax_chain_role(const char *prog_name);

/*
 * "5%" (10 ms windows, period 10 ms / 5%) or "ON/PERIOD" with units ns, us,
 * ms or s ("10ms/200ms").  A window of 1 ms to 10 s, a fraction of 0.1% to
 * 90%, a period up to 600 s.  0, or -EINVAL with err filled (one line,
 * naming scope's option).
 */
int vtax_sample__parse(const char *text, int scope, struct vtax_sample_spec *sp, char *err,
		       size_t errlen);
/* compare's default for its traced runs: netfilter brackets in 10 ms
 * windows, 10% of the time (docs/sampling.md says why) */
#define VTAX_SAMPLE_NF_DEFAULT "10ms/100ms"

struct bpf_link;
/* Release n links in the background (each stops at once; the kernel's
 * wait after it is the reaper thread's); v[i] is NULL afterwards (NULL
 * entries are skipped).  reap_flush waits until every one is released. */
void vtax_sample__destroy_links(struct bpf_link **v, int n);
void vtax_sample__reap_flush(void);

/* How long chain-ending programs stay after a window (see sample.c). */
uint64_t vtax_sample__drain_ns(const struct vtax_sample_spec *sp);

/* Start switching the session's programs (they run now: the first
 * off-time is random, so the phase is too).  0 or -errno; -ENOTSUP for
 * --sample-netfilter where the net family has no netfilter link to switch
 * (fentry brackets, or no hook bracketed): the brackets then trace whole,
 * which the caller may accept (err says why). */
int vtax_session__sample_start(struct vtax_session *s, const struct vtax_sample_spec *sp,
			       char *err, size_t errlen);
/* Stop the thread and leave every link attached as before sampling (close
 * then detaches everything).  Safe to call when not sampling. */
void vtax_session__sample_stop(struct vtax_session *s);
/* Measured so far: time the chain-starting programs were attached (each
 * link's own on-time, averaged over all of them), wall time
 * since sample_start, windows begun, and per family f (fam_on[2 * VTAX_FAM_MAX],
 * may be NULL) the mean on-time of its links: fam_on[2f] of those where
 * its chains start (chain-starting ones; chain-ending ones for sched and
 * net's hops), fam_on[2f + 1] of the other role (net: the netfilter
 * brackets' open side); 0 when none.  0 when sampling, else -1. */
int vtax_session__sample_stats(struct vtax_session *s, uint64_t *on_ns, uint64_t *wall_ns,
			       uint64_t *windows, uint64_t *fam_on);
/* --sample-netfilter: the share of the subjects' packets that fell in the
 * windows (counted by the hop programs, which trace whole), and how many
 * packets that is: what the brackets' series are scaled by, rather than
 * the share of time (a workload slowed by the brackets puts fewer packets
 * in the windows).  0, or -1 when not sampling netfilter or fewer than
 * VTAX_SAMPLE_MIN_EVENTS packets were counted (then the share of time). */
#define VTAX_SAMPLE_MIN_EVENTS 1000
int vtax_session__sample_event_share(struct vtax_session *s, double *share, uint64_t *events);
/* Serialises link changes (the sampler thread, commit's subjects_changed). */
void vtax_session__lock(struct vtax_session *s);
void vtax_session__unlock(struct vtax_session *s);
/* Under the lock, around commit's subjects_changed (families attach links
 * of their own there: netfilter in a new namespace, docker-proxy, steal):
 * count them before (cnt[VTAX_FAM_MAX][2], [role == START]), account the
 * new ones as attached now, then detach them again if a window is off. */
void vtax_session__sample_count(struct vtax_session *s, int cnt[][2]);
void vtax_session__sample_added(struct vtax_session *s, int before[][2]);
void vtax_session__sample_reapply(struct vtax_session *s);

#endif
