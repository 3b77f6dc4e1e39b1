// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * compare_ledger.c - from the measured environments of a compare to the
 * ledger's input (ledger.h): the headline figures (difference, noise,
 * throughput) from the untraced pass, the components from the traced
 * runs' sessions, native as the baseline.  ledger.c itself only does the
 * arithmetic.
 */
#include <math.h>
#include "compare/compare_int.h"

/* The baseline: the first native environment measured (native@2 is an env). */
static int base_index(const struct vtax_compare *c)
{
	for (int i = 0; i < c->nenvs; i++)
		if (c->envs[i].kind == VTAX_ENV_NATIVE && c->envs[i].ok)
			return i;
	return -1;
}

static int build_of(struct vtax_compare *c, struct vtax_ledger *l,
		    const struct vtax_ledger_input *in, int n, int base)
{
	struct vtax_ledger_opts lo = {
		.sz = sizeof(lo), .op_name = c->op_name, .concurrency = c->concurrency,
	};

	return vtax_ledger__build(l, &lo, &in[base], in, n);
}

void vtax_compare__add_round(struct vtax_compare *c, const struct vtax_ledger_input *in, int n,
			     int base)
{
	struct vtax_ledger l;

	if (c->rounds && build_of(c, &l, in, n, base) == 0) {
		vtax_rounds__add(c->rounds, &l);
		vtax_ledger__free(&l);
	}
}

void vtax_compare__build_ledger(struct vtax_compare *c)
{
	struct vtax_ledger_input in[VTAX_COMPARE_MAX_ENVS];
	int base = base_index(c), n = 0;

	if (base < 0)
		return;
	for (int i = 0; i < c->nenvs; i++) {
		struct vtax_compare_env *ce = &c->envs[i];
		const struct vtax_compare_pass *hp = vtax_compare_env__headline(ce);
		const struct vtax_compare_pass *tp = &ce->pass[VTAX_PASS_TRACED];

		if (!ce->ok)
			continue;
		/* headline (difference, noise, throughput): untraced runs;
		 * components: the traced runs' sessions */
		in[n] = (struct vtax_ledger_input){
			.env = ce->name,
			.traced = ce->traced,
			.traced_ops = tp->ops + tp->warmup_ops,
			.latency = &hp->latency,
			.traced_latency = &tp->latency,
			.untraced = ce->untraced,
			.ops_per_s = hp->ops_per_s,
			.run_mean_min_ns = hp->mean_min_ns,
			.run_mean_max_ns = hp->mean_max_ns,
			.families = ce->families,
			.emulated = ce->emulated,
			.label = ce->label,
			.prog_run_ns = isfinite(ce->prog_run_ns) ? ce->prog_run_ns : 0,
		};
		if (i == base)
			base = n;
		n++;
	}
	if (build_of(c, &c->ledger, in, n, base) == 0) {
		c->have_ledger = 1;
		/* the intervals over rounds, and the verdicts that follow */
		if (c->rounds)
			vtax_rounds__apply(c->rounds, &c->ledger);
	}
}
