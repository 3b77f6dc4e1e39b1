// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 13-rounds - from per-round ledgers to the final ledger's intervals
 * (src/compare/rounds.c) on synthetic results: merging rounds keeps each
 * series' cause tag and adds histograms and counters; rounds whose
 * difference is known give an interval around it and "differs"; rounds of
 * an A/A give "same within noise"; the adaptive stop waits for the minimum
 * rounds and the width; the correction subtracts intervals x cost per run.
 * No root, no kernel: milliseconds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compare/rounds.h"
#include "trace/probe.h"
#include "tap.h"

#define OPS 1000ull

/* one environment's round(s): n hop samples adding up to hop_ns per op over ops */
static struct vtax_result *round_result(double hop_ns, uint64_t n, uint64_t ops)
{
	struct vtax_result *r = vtax_result__new("compare-env");
	struct vtax_subject *s = vtax_result__subject(r, "server", "pid");
	struct vtax_label l = { "dev", "veth" };
	struct vtax_series *se = vtax_subject__series(s, "net", "xmit", 1, &l);

	vtax_hist__record_n(&se->hist, (uint64_t)(hop_ns * (double)ops / (double)n), n);
	se->cause = VTAX_CAUSE_HOPS;
	vtax_subject__counter(s, "compare.server_oncpu_ns", "ns", 5, 1);
	return r;
}

static void lat(struct vtax_hist *h, double mean_ns)
{
	memset(h, 0, sizeof(*h));
	vtax_hist__record_n(h, (uint64_t)mean_ns, OPS);
}

/* one round: native at base_ns, env at base_ns + diff_ns; hops differ by hop_ns */
static void one_round(struct vtax_rounds *rs, double base_ns, double diff_ns, double hop_ns,
		      double prog_ns)
{
	struct vtax_result *rb = round_result(1000, 2 * OPS, OPS), *re = round_result(1000 + hop_ns, 4 * OPS, OPS);
	struct vtax_hist lb, le, tb, te;
	struct vtax_ledger_input in[2] = {
		{ .env = "native", .traced = rb, .traced_ops = OPS, .latency = &lb, .traced_latency = &tb,
		  .untraced = 1, .families = 1u << VTAX_FAM_NET, .prog_run_ns = prog_ns },
		{ .env = "env", .traced = re, .traced_ops = OPS, .latency = &le, .traced_latency = &te,
		  .untraced = 1, .families = 1u << VTAX_FAM_NET, .prog_run_ns = prog_ns },
	};
	struct vtax_ledger_opts o = { .sz = sizeof(o), .op_name = "request", .concurrency = 1 };
	struct vtax_ledger l;

	lat(&lb, base_ns);
	lat(&le, base_ns + diff_ns);
	lat(&tb, base_ns + 500);
	lat(&te, base_ns + diff_ns + 900);
	if (vtax_ledger__build(&l, &o, &in[0], in, 2) == 0) {
		vtax_rounds__add(rs, &l);
		vtax_ledger__free(&l);
	}
	vtax_result__free(rb);
	vtax_result__free(re);
}

int main(void)
{
	struct vtax_rounds *rs = calloc(1, sizeof(*rs));
	struct vtax_rng rng;
	double worst;

	/* merge: cause tags survive, histograms and counters add */
	{
		struct vtax_result *a = round_result(1000, OPS, OPS), *b = round_result(3000, OPS, OPS);
		struct vtax_result *m = vtax_result__new("compare-env");
		const struct vtax_subject *s;

		tap_ok(!vtax_result__merge(m, a) && !vtax_result__merge(m, b), "merge two rounds");
		s = &m->subjects[0];
		tap_ok(m->nsubjects == 1 && s->nseries == 1 && s->series[0].cause == VTAX_CAUSE_HOPS,
		       "the merged series keeps its family's cause tag");
		tap_ok(s->series[0].hist.count == 2 * OPS &&
			       s->series[0].hist.sum_ns == a->subjects[0].series[0].hist.sum_ns +
								   b->subjects[0].series[0].hist.sum_ns,
		       "histograms add");
		tap_ok(s->ncounters == 1 && s->counters[0].value == 10, "counters add");
		vtax_result__free(a);
		vtax_result__free(b);
		vtax_result__free(m);
	}

	/* a known difference of 16.3 us under a drift 5x larger, noise sd 2 us */
	vtax_rng__seed(&rng, 7);
	for (int r = 0; r < 12; r++)
		one_round(rs, 60000 + 80000 * vtax_rng__uniform(&rng),
			  16300 + 2000 * vtax_rng__normal(&rng), 3000, 100);
	tap_ok(rs->nenvs == 1 && rs->env[0].n == 12 && !strcmp(rs->env[0].env, "env"),
	       "12 rounds of one environment kept");
	{
		struct vtax_result *rb = round_result(1000, 2 * 12 * OPS, 12 * OPS), *re = round_result(4000, 4 * 12 * OPS, 12 * OPS);
		struct vtax_hist lb, le;
		struct vtax_ledger_input in[2] = {
			{ .env = "native", .traced = rb, .traced_ops = 12 * OPS, .latency = &lb,
			  .untraced = 1, .families = 1u << VTAX_FAM_NET, .prog_run_ns = 100 },
			{ .env = "env", .traced = re, .traced_ops = 12 * OPS, .latency = &le, .untraced = 1,
			  .families = 1u << VTAX_FAM_NET, .prog_run_ns = 100 },
		};
		struct vtax_ledger_opts o = { .sz = sizeof(o), .op_name = "request", .concurrency = 1 };
		struct vtax_ledger l;
		const struct vtax_ledger_env *e;
		const struct vtax_ledger_cause *h;

		lat(&lb, 100000);
		lat(&le, 116300);
		vtax_ledger__build(&l, &o, &in[0], in, 2);
		vtax_rounds__apply(rs, &l);
		e = &l.envs[0];
		h = &e->causes[VTAX_CAUSE_HOPS];
		tap_ok(e->rounds == 12 && e->diff_ci.ok && e->diff_ci.lo < 16300 && e->diff_ci.hi > 16300 &&
			       e->diff_ci.hi - e->diff_ci.lo < 6000,
		       "difference interval holds 16.3us and is narrow despite the drift: %.0f to %.0f",
		       e->diff_ci.lo, e->diff_ci.hi);
		tap_ok(!e->within_noise && strstr(e->headline, "95% CI") && strstr(e->headline, "12 rounds"),
		       "'differs'; the headline carries the interval: %s", e->headline);
		tap_ok(fabs(e->noise_ns - (e->diff_ci.hi - e->diff_ci.lo) / 2) < 1e-6,
		       "noise band = half the interval");
		tap_ok(h->present && h->delta_ci.ok && fabs(h->delta_ns - 3000) < 50,
		       "hops delta 3.0us with an interval (%.0f)", h->delta_ns);
		/* 4 intervals per op in the env, 2 on native, 100 ns per program run */
		tap_ok(fabs(h->env_n - 4) < 1e-9 && fabs(h->base_n - 2) < 1e-9 &&
			       fabs(h->corr_delta_ns - (h->delta_ns - 200)) < 1e-6,
		       "corrected hops = raw - (4 - 2) intervals x 100 ns (%.0f -> %.0f)", h->delta_ns,
		       h->corr_delta_ns);
		tap_ok(isfinite(e->closure) && e->closure_ci.ok && isfinite(e->closure_corr) &&
			       e->closure_corr < e->closure,
		       "closure %.3f (95%% CI %.3f to %.3f), corrected %.3f", e->closure, e->closure_ci.lo,
		       e->closure_ci.hi, e->closure_corr);
		tap_ok(vtax_rounds__tight(rs, 5, 8000, &worst) && !vtax_rounds__tight(rs, 13, 8000, &worst) &&
			       !vtax_rounds__tight(rs, 5, 10, &worst),
		       "adaptive stop: needs the minimum rounds and the width (widest %.0f ns)", worst);
		/* a cause read once per run, not per round (TCG emulation): the
		 * rounds lack it; the closure's interval must still hold the
		 * closure, and the cause gets no (zero-width) interval */
		{
			struct vtax_rounds_env *re0 = &rs->env[0];
			struct vtax_ci before = e->closure_ci;

			for (int k = 0; k < re0->n; k++) {
				re0->explained[k] -= re0->cause[VTAX_CAUSE_HOPS][k];
				re0->explained_corr[k] -= re0->cause_corr[VTAX_CAUSE_HOPS][k];
				re0->cause[VTAX_CAUSE_HOPS][k] = re0->cause_corr[VTAX_CAUSE_HOPS][k] = 0;
			}
			re0->present[VTAX_CAUSE_HOPS] = 0;
			vtax_rounds__apply(rs, &l);
			/* the hops are the same 3 us in every round: the closure's
			 * interval is the one the per-round values gave */
			tap_ok(e->closure_ci.ok && fabs(e->closure_ci.lo - before.lo) < 1e-3 &&
				       fabs(e->closure_ci.hi - before.hi) < 1e-3 && !h->delta_ci.ok,
			       "a cause without per-round values (TCG's): closure interval %.3f to %.3f "
			       "as with them (%.3f to %.3f); the cause has no interval",
			       e->closure_ci.lo, e->closure_ci.hi, before.lo, before.hi);
		}
		vtax_ledger__free(&l);
		vtax_result__free(rb);
		vtax_result__free(re);
	}

	/* A/A: no difference, same drift: "same within noise" */
	memset(rs, 0, sizeof(*rs));
	for (int r = 0; r < 8; r++)
		one_round(rs, 60000 + 80000 * vtax_rng__uniform(&rng), 2000 * vtax_rng__normal(&rng), 0, 0);
	{
		struct vtax_result *rb = round_result(1000, OPS, OPS), *re = round_result(1000, OPS, OPS);
		struct vtax_hist lb, le;
		struct vtax_ledger_input in[2] = {
			{ .env = "native", .traced = rb, .traced_ops = OPS, .latency = &lb, .untraced = 1,
			  .families = 1u << VTAX_FAM_NET },
			{ .env = "env", .traced = re, .traced_ops = OPS, .latency = &le, .untraced = 1,
			  .families = 1u << VTAX_FAM_NET },
		};
		struct vtax_ledger_opts o = { .sz = sizeof(o), .op_name = "request", .concurrency = 1 };
		struct vtax_ledger l;

		lat(&lb, 100000);
		lat(&le, 100300);
		vtax_ledger__build(&l, &o, &in[0], in, 2);
		vtax_rounds__apply(rs, &l);
		tap_ok(l.envs[0].diff_ci.ok && l.envs[0].within_noise && isnan(l.envs[0].closure) &&
			       strstr(l.envs[0].headline, "within noise"),
		       "A/A: same within noise, no closure: %s", l.envs[0].headline);
		vtax_ledger__free(&l);
		vtax_result__free(rb);
		vtax_result__free(re);
	}
	free(rs);
	return tap_done();
}
