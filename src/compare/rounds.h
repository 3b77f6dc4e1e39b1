// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rounds.h - from interleaved rounds to intervals.  compare.c measures in
 * rounds (every environment, both passes, about a second each, in a
 * random order per round) and builds one ledger per round from that
 * round's runs alone.  Each ledger quantity then has one value per round,
 * paired with native's of the same round; this module keeps those values
 * and turns them into the 95% intervals of the final ledger (stats.h):
 *
 *   difference per operation, traced difference, each cause's delta (raw
 *   and corrected)   Student t on the per-round paired differences: the
 *                    half width t(0.975, n-1) sd/sqrt(n) around the ledger's
 *                    estimate (all rounds merged);
 *   p50 / p99 differences     percentile bootstrap over rounds of the
 *                             mean per-round quantile difference;
 *   closure                   percentile bootstrap over rounds of
 *                             Σ explained / Σ difference (a ratio).
 *
 * "Within noise" is then exactly: the difference's interval contains 0.
 */
#ifndef VTAX_ROUNDS_H
#define VTAX_ROUNDS_H

#include "compare/ledger.h"
#include "compare/stats.h"

#define VTAX_ROUNDS_MAX 256
#define VTAX_ROUNDS_MAX_ENVS 8
#define VTAX_ROUNDS_MIN 5 /* before an adaptive stop: t with 4 df is already wide */

struct vtax_rounds_env {
	char env[32];
	int n;
	double diff[VTAX_ROUNDS_MAX], traced_diff[VTAX_ROUNDS_MAX];
	double explained[VTAX_ROUNDS_MAX], explained_corr[VTAX_ROUNDS_MAX];
	double p50[VTAX_ROUNDS_MAX], p99[VTAX_ROUNDS_MAX];
	double cause[VTAX_CAUSE__COUNT][VTAX_ROUNDS_MAX];
	double cause_corr[VTAX_CAUSE__COUNT][VTAX_ROUNDS_MAX];
	int present[VTAX_CAUSE__COUNT]; /* the cause had series in some round */
};

struct vtax_rounds {
	int nenvs;
	struct vtax_rounds_env env[VTAX_ROUNDS_MAX_ENVS];
};

/* Keep one round's ledger values (every environment in it). */
void vtax_rounds__add(struct vtax_rounds *rs, const struct vtax_ledger *round);
/* Intervals into the final ledger; within_noise, closure and headlines
 * follow from them. */
void vtax_rounds__apply(const struct vtax_rounds *rs, struct vtax_ledger *l);
/*
 * Adaptive stop: 1 when every environment has >= min_rounds rounds and the
 * full width of its difference interval and of each present cause's delta
 * interval is at most width_ns.  *worst gets the widest of them (ns).
 */
int vtax_rounds__tight(const struct vtax_rounds *rs, int min_rounds, double width_ns,
		       double *worst);

/* dst += src: every subject's series (histograms), counters and drops. */
int vtax_result__merge(struct vtax_result *dst, const struct vtax_result *src);

#endif
