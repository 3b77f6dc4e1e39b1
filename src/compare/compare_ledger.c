// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * compare_ledger.c - from the measured environments of a compare to the
 * ledger's input (ledger.h): the headline figures (difference, noise,
 * throughput) from the untraced pass, the components from the traced
 * runs' sessions, native as the baseline.  ledger.c itself only does the
 * arithmetic.
 */
#include "compare/compare_int.h"

void vtax_compare__build_ledger(struct vtax_compare *c)
{
	struct vtax_ledger_input in[VTAX_COMPARE_MAX_ENVS];
	struct vtax_ledger_opts lo = {
		.sz = sizeof(lo),
		.op_name = c->op_name,
		.concurrency = c->concurrency,
	};
	int base = -1, n = 0;

	for (int i = 0; i < c->nenvs; i++)
		if (c->envs[i].kind == VTAX_ENV_NATIVE && c->envs[i].ok)
			base = i;
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
		};
		if (i == base)
			base = n;
		n++;
	}
	if (vtax_ledger__build(&c->ledger, &lo, &in[base], in, n) == 0)
		c->have_ledger = 1;
}
