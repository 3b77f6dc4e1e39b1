// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rounds.c - per-round ledger values -> the final ledger's 95% intervals
 * (rounds.h; methods in stats.h and docs/compare.md).
 */
#include <math.h>
#include <string.h>
#include "compare/rounds.h"

static struct vtax_rounds_env *env_of(struct vtax_rounds *rs, const char *name)
{
	for (int i = 0; i < rs->nenvs; i++)
		if (!strcmp(rs->env[i].env, name))
			return &rs->env[i];
	if (rs->nenvs >= VTAX_ROUNDS_MAX_ENVS)
		return NULL;
	memset(&rs->env[rs->nenvs], 0, sizeof(rs->env[0]));
	snprintf(rs->env[rs->nenvs].env, sizeof(rs->env[0].env), "%s", name);
	return &rs->env[rs->nenvs++];
}

static const struct vtax_rounds_env *env_find(const struct vtax_rounds *rs, const char *name)
{
	for (int i = 0; i < rs->nenvs; i++)
		if (!strcmp(rs->env[i].env, name))
			return &rs->env[i];
	return NULL;
}

void vtax_rounds__add(struct vtax_rounds *rs, const struct vtax_ledger *round)
{
	for (int i = 0; i < round->nenvs; i++) {
		const struct vtax_ledger_env *le = &round->envs[i];
		struct vtax_rounds_env *re = env_of(rs, le->env);
		int k;

		if (!re || re->n >= VTAX_ROUNDS_MAX || !isfinite(le->diff_ns))
			continue;
		k = re->n++;
		re->diff[k] = le->diff_ns;
		re->traced_diff[k] = le->traced_diff_ns;
		re->explained[k] = le->explained_ns;
		re->explained_corr[k] = le->explained_corr_ns;
		re->p50[k] = le->d_p50_ns;
		re->p99[k] = le->d_p99_ns;
		for (int c = 0; c < VTAX_CAUSE__COUNT; c++) {
			const struct vtax_ledger_cause *lc = &le->causes[c];
			int on = lc->measured && lc->present;

			re->cause[c][k] = on ? lc->delta_ns : 0;
			re->cause_corr[c][k] = on ? lc->corr_delta_ns : 0;
			re->present[c] |= on;
		}
	}
}

struct ratio_ctx {
	const double *num, *den;
};

static double ratio_fn(const int *idx, int n, void *ctx)
{
	const struct ratio_ctx *r = ctx;
	double a = 0, b = 0;

	for (int i = 0; i < n; i++) {
		a += r->num[idx[i]];
		b += r->den[idx[i]];
	}
	/* a closure is defined for a positive difference only */
	return b > 0 ? a / b : NAN;
}

static double mean_fn(const int *idx, int n, void *ctx)
{
	const double *v = ctx;
	double s = 0;

	for (int i = 0; i < n; i++)
		s += v[idx[i]];
	return s / n;
}

static void mean_ci(const double *v, int n, struct vtax_ci *ci)
{
	vtax_stats__mean_ci(v, n, VTAX_STATS_LEVEL, ci);
}

/*
 * The interval around the ledger's own estimate (all rounds merged, each
 * weighted by its operations) rather than the plain mean of the rounds (or
 * the ratio of their sums, for a closure): the same width, shifted so that
 * the figure printed sits where the rounds' own statistic sat in it, and
 * the components still add up to it.
 */
static void centre(struct vtax_ci *ci, double est)
{
	if (ci->ok && isfinite(est) && isfinite(ci->est)) {
		ci->lo += est - ci->est;
		ci->hi += est - ci->est;
		ci->est = est;
	}
}

static const struct vtax_ci no_ci = { .lo = NAN, .hi = NAN, .est = NAN };

static void centred_ci(const double *v, int n, double est, struct vtax_ci *ci)
{
	mean_ci(v, n, ci);
	centre(ci, est);
}

/*
 * The closure's intervals (raw, corrected): a bootstrap over rounds of
 * explained / difference, centred on the ledger's closure.  A cause with no
 * per-round value (TCG emulation: the vCPU threads' on-CPU time is read once
 * per run, not per round) enters every round's explained time as the run's
 * figure.
 */
static void closure_cis(const struct vtax_rounds_env *re, struct vtax_ledger_env *le)
{
	double whole = 0, whole_corr = 0, ex[VTAX_ROUNDS_MAX], exc[VTAX_ROUNDS_MAX];
	struct ratio_ctx rc;

	for (int c = 0; c < VTAX_CAUSE__COUNT; c++) {
		const struct vtax_ledger_cause *lc = &le->causes[c];

		if (lc->measured && lc->present && !re->present[c]) {
			whole += lc->delta_ns;
			whole_corr += lc->corr_delta_ns;
		}
	}
	for (int k = 0; k < re->n; k++) {
		ex[k] = re->explained[k] + whole;
		exc[k] = re->explained_corr[k] + whole_corr;
	}
	rc = (struct ratio_ctx){ ex, re->diff };
	vtax_stats__bootstrap(re->n, ratio_fn, &rc, 0, VTAX_STATS_SEED, VTAX_STATS_LEVEL, &le->closure_ci);
	centre(&le->closure_ci, le->closure);
	rc = (struct ratio_ctx){ exc, re->diff };
	vtax_stats__bootstrap(re->n, ratio_fn, &rc, 0, VTAX_STATS_SEED, VTAX_STATS_LEVEL,
			      &le->closure_corr_ci);
	centre(&le->closure_corr_ci, le->closure_corr);
}

void vtax_rounds__apply(const struct vtax_rounds *rs, struct vtax_ledger *l)
{
	for (int i = 0; i < l->nenvs; i++) {
		struct vtax_ledger_env *le = &l->envs[i];
		const struct vtax_rounds_env *re = env_find(rs, le->env);

		if (!re || re->n < 1)
			continue;
		le->rounds = re->n;
		centred_ci(re->diff, re->n, le->diff_ns, &le->diff_ci);
		centred_ci(re->traced_diff, re->n, le->traced_diff_ns, &le->traced_diff_ci);
		vtax_stats__bootstrap(re->n, mean_fn, (void *)re->p50, 0, VTAX_STATS_SEED,
				      VTAX_STATS_LEVEL, &le->p50_ci);
		vtax_stats__bootstrap(re->n, mean_fn, (void *)re->p99, 0, VTAX_STATS_SEED,
				      VTAX_STATS_LEVEL, &le->p99_ci);
		closure_cis(re, le);
		for (int c = 0; c < VTAX_CAUSE__COUNT; c++) {
			if (!re->present[c]) {
				/* no per-round values (closure_cis): no interval */
				le->causes[c].delta_ci = le->causes[c].corr_ci = no_ci;
				continue;
			}
			centred_ci(re->cause[c], re->n, le->causes[c].delta_ns, &le->causes[c].delta_ci);
			centred_ci(re->cause_corr[c], re->n, le->causes[c].corr_delta_ns,
				   &le->causes[c].corr_ci);
		}
	}
	vtax_ledger__decide(l);
}

int vtax_rounds__tight(const struct vtax_rounds *rs, int min_rounds, double width_ns,
		       double *worst)
{
	int tight = rs->nenvs > 0;

	*worst = 0;
	for (int i = 0; i < rs->nenvs; i++) {
		const struct vtax_rounds_env *re = &rs->env[i];
		struct vtax_ci ci;
		double w;

		if (re->n < min_rounds || re->n < 2) {
			tight = 0;
			*worst = INFINITY;
			continue;
		}
		mean_ci(re->diff, re->n, &ci);
		w = vtax_ci__width(&ci);
		for (int c = 0; c < VTAX_CAUSE__COUNT; c++) {
			if (!re->present[c])
				continue;
			mean_ci(re->cause[c], re->n, &ci);
			w = fmax(w, vtax_ci__width(&ci));
		}
		if (!(w <= width_ns))
			tight = 0;
		*worst = fmax(*worst, isfinite(w) ? w : INFINITY);
	}
	return tight;
}

int vtax_result__merge(struct vtax_result *dst, const struct vtax_result *src)
{
	if (!dst || !src)
		return 0;
	for (size_t i = 0; i < src->nsubjects; i++) {
		const struct vtax_subject *ss = &src->subjects[i];
		struct vtax_subject *ds = vtax_result__subject(dst, ss->id, ss->kind);

		if (!ds)
			return -1;
		for (size_t j = 0; j < ss->nseries; j++) {
			const struct vtax_series *se = &ss->series[j];
			struct vtax_series *de =
				vtax_subject__series(ds, se->family, se->name, se->nlabels, se->labels);

			if (!de)
				return -1;
			de->cause = se->cause; /* the family's tag (result/cause.h) */
			vtax_hist__merge(&de->hist, &se->hist);
		}
		for (size_t j = 0; j < ss->ncounters; j++)
			if (vtax_subject__counter(ds, ss->counters[j].name, ss->counters[j].unit,
						  ss->counters[j].value, 1))
				return -1;
	}
	for (size_t i = 0; i < src->ndrops; i++)
		vtax_result__drop(dst, src->drops[i].name, src->drops[i].value);
	vtax_result__merge_sample(dst, src);
	return 0;
}
