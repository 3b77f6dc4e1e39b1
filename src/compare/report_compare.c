// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * report_compare.c - the text report of `vtax compare`: the headline
 * sentences of the ledger first (biggest named cause and its knob), then
 * one column per environment (status, throughput, latency percentiles,
 * difference from native, the ledger by cause, closure), then each cause's
 * components, the run-to-run spread and what could not be measured.
 *
 * Throughput, latency and the difference per operation come from the
 * untraced runs (no vtax probe attached); the components from the traced
 * runs.  The traced mean, the traced difference and vtax's overhead
 * (traced - untraced) are shown next to them so the observer effect is
 * explicit.  With --no-untraced everything is from the traced runs.
 *
 * Every figure of an emulated environment (a VM under TCG, or a nested KVM
 * guest whose outer hypervisor is itself emulated) carries a "*" and a
 * footnote with the environment's label ("emulated (TCG): not
 * representative of KVM", "nested KVM under TCG: exit counts and reasons are
 * real, times are not").
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "util/fmt.h"
#include "compare/compare.h"

#define COLW 13

static const char *fmt_rate(double v, char *buf, size_t len)
{
	if (v >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

/* "14.1..18.5us": a 95% interval in the unit of its larger end */
static const char *fmt_ci(const struct vtax_ci *ci, char *buf, size_t len)
{
	double a, k = 1;
	const char *u = "ns";
	int prec = 0;

	if (!ci || !ci->ok) {
		snprintf(buf, len, "-");
		return buf;
	}
	a = fmax(fabs(ci->lo), fabs(ci->hi));
	if (a >= 1e6)
		k = 1e6, u = "ms", prec = 2;
	else if (a >= 1e3)
		k = 1e3, u = "us", prec = 1;
	snprintf(buf, len, "%.*f..%.*f%s", prec, ci->lo / k, prec, ci->hi / k, u);
	return buf;
}

static void cell(FILE *out, const struct vtax_compare_env *ce, const char *s)
{
	char b[48];

	snprintf(b, sizeof(b), "%s%s", s, ce->emulated && strcmp(s, "-") ? "*" : "");
	fprintf(out, " %*s", COLW, b);
}

static void row_label(FILE *out, const char *label)
{
	fprintf(out, "%-34s", label);
}

static const struct vtax_ledger_env *ledger_env(const struct vtax_compare *c,
						 const struct vtax_compare_env *ce)
{
	return c->have_ledger && ce->ok ? vtax_ledger__env(&c->ledger, ce->name) : NULL;
}

/* pass < 0: the headline pass */
static void latency_row(FILE *out, const struct vtax_compare *c, const char *label, double q,
			int pass)
{
	char b[32];

	row_label(out, label);
	for (int i = 0; i < c->nenvs; i++) {
		const struct vtax_compare_env *ce = &c->envs[i];
		const struct vtax_hist *h = pass < 0 ? &vtax_compare_env__headline(ce)->latency
						     : &ce->pass[pass].latency;

		if (!ce->ok || !h->count) {
			cell(out, ce, "-");
			continue;
		}
		cell(out, ce, vtax_fmt_ns(q < 0 ? vtax_hist__mean(h) : (double)vtax_hist__quantile(h, q), b, sizeof(b), 0));
	}
	fputc('\n', out);
}

/* vtax's own cost in each environment: traced - untraced mean, per operation */
static void overhead_row(FILE *out, const struct vtax_compare *c)
{
	char b[32], h[80];

	snprintf(h, sizeof(h), "vtax overhead per %s", c->op_name);
	row_label(out, h);
	for (int i = 0; i < c->nenvs; i++) {
		const struct vtax_compare_env *ce = &c->envs[i];
		double v = vtax_compare_env__overhead_ns(ce);

		cell(out, ce, ce->ok && isfinite(v) ? vtax_fmt_ns(v / c->concurrency, b, sizeof(b), VTAX_FMT_SIGN) : "-");
	}
	fputc('\n', out);
}

/* vtax's own programs per operation, by the kernel's BPF run-time statistics */
static void bpf_rows(FILE *out, const struct vtax_compare *c)
{
	char b[32], h[80];
	int any = 0;

	for (int i = 0; i < c->nenvs; i++)
		any |= c->envs[i].ok && isfinite(c->envs[i].probe_bpf_ns_per_op);
	if (!any)
		return;
	snprintf(h, sizeof(h), "  CPU in vtax's BPF programs");
	row_label(out, h);
	for (int i = 0; i < c->nenvs; i++) {
		const struct vtax_compare_env *ce = &c->envs[i];

		cell(out, ce, ce->ok && isfinite(ce->probe_bpf_ns_per_op)
				      ? vtax_fmt_ns(ce->probe_bpf_ns_per_op, b, sizeof(b), 0) : "-");
	}
	fputc('\n', out);
	row_label(out, "  vtax BPF program runs");
	for (int i = 0; i < c->nenvs; i++) {
		const struct vtax_compare_env *ce = &c->envs[i];

		if (ce->ok && isfinite(ce->probe_bpf_calls_per_op))
			snprintf(b, sizeof(b), "%.1f", ce->probe_bpf_calls_per_op);
		else
			snprintf(b, sizeof(b), "-");
		cell(out, ce, b);
	}
	fputc('\n', out);
}

/* one line naming the observer effect, next to the headlines */
static void overhead_line(FILE *out, const struct vtax_compare *c)
{
	char b[32];
	int n = 0;

	for (int i = 0; i < c->nenvs; i++) {
		const struct vtax_compare_env *ce = &c->envs[i];
		const struct vtax_hist *u = &ce->pass[VTAX_PASS_UNTRACED].latency;
		double v = vtax_compare_env__overhead_ns(ce);

		if (!ce->ok || !isfinite(v))
			continue;
		if (!n)
			fprintf(out, "vtax overhead per %s (traced - untraced):", c->op_name);
		fprintf(out, "%s %s %s (%+.1f%%)", n ? "," : "", ce->name, vtax_fmt_ns(v / c->concurrency, b, sizeof(b), VTAX_FMT_SIGN),
			u->count && vtax_hist__mean(u) > 0 ? 100 * v / vtax_hist__mean(u) : 0.0);
		n++;
	}
	if (n)
		fprintf(out, ";\n  the figures above are from the untraced runs, the components from the traced ones.\n");
	/* --sample: what the components are estimated from (docs/sampling.md) */
	for (int i = 0; i < c->nenvs; i++) {
		const struct vtax_result *t = c->envs[i].traced;

		if (t && t->sample.spec[0] && t->sample.scope == VTAX_SAMPLE_NETFILTER)
			fprintf(out, "netfilter sampled (--sample-netfilter %s): %s's netfilter brackets saw %.2f%% of its traced runs' %s (%llu windows), scaled by 1/fraction; every other probe whole\n",
				t->sample.spec, c->envs[i].name, 100.0 * t->sample.fraction,
				t->sample.events ? "packets" : "wall time", (unsigned long long)t->sample.windows);
		else if (t && t->sample.spec[0])
			fprintf(out, "sampled (--sample %s): %s traced %.2f%% of its traced runs' wall time (measured, %llu windows); components scaled by 1/fraction\n",
				t->sample.spec, c->envs[i].name, 100.0 * t->sample.fraction,
				(unsigned long long)t->sample.windows);
	}
}

static void diff_row(FILE *out, const struct vtax_compare *c, const char *label, size_t off)
{
	char b[32];

	row_label(out, label);
	for (int i = 0; i < c->nenvs; i++) {
		const struct vtax_ledger_env *le = ledger_env(c, &c->envs[i]);

		if (!le) {
			cell(out, &c->envs[i], "-");
			continue;
		}
		double v;

		memcpy(&v, (const char *)le + off, sizeof(v)); /* field picked by offsetof */
		cell(out, &c->envs[i], vtax_fmt_ns(v, b, sizeof(b), VTAX_FMT_SIGN));
	}
	fputc('\n', out);
}

static void workload_line(FILE *out, const struct vtax_compare *c)
{
	const struct vtax_load_opts *l = &c->opts.load;

	fprintf(out, "vtax compare: workload %s", vtax_workload__name(c->opts.workload));
	switch (c->opts.workload) {
	case VTAX_WL_KV:
		fprintf(out, " (redis GET/SET %.0f/%.0f, %d B values, %d connection%s x %d in flight%s)",
			(1 - l->set_ratio) * 100, l->set_ratio * 100, l->value_size, l->conns,
			l->conns == 1 ? "" : "s", l->pipeline, c->opts.via_proxy ? ", via docker-proxy" : "");
		break;
	case VTAX_WL_OLTP:
		fprintf(out, " (MariaDB read/write transactions, %d thread%s, %d tables x %d rows)",
			l->conns, l->conns == 1 ? "" : "s", l->tables, l->table_size);
		break;
	case VTAX_WL_IO:
		fprintf(out, " (%s, %d B blocks, queue depth %d, %s, %llu MiB file)",
			(const char *[]){ "random reads", "random writes", "sequential reads",
					  "sequential writes" }[l->rw & 3],
			l->bs, l->qd, l->direct ? "O_DIRECT" : "buffered",
			(unsigned long long)(l->file_size >> 20));
		break;
	}
	if (c->client_remote)
		fprintf(out, "\n  client: remote, in namespace %s (%s) behind a veth to the host (%s),\n"
			     "  as on another machine (--client local: on the host itself)",
			c->cnet.ns, c->cnet.client_addr, c->cnet.host_addr);
	else if (c->client_note[0])
		fprintf(out, "\n  client: %s", c->client_note);
	{
		char hyg[512], x[32], y[32];

		vtax_hygiene__describe(&c->hyg, hyg, sizeof(hyg));
		fprintf(out, "\n  %s\n", hyg);
		fprintf(out, "  %d interleaved round%s (%s): in each, every environment %s for %.1f s\n"
			"  (+ %.1f s warm-up) in a random order; %.0f s of rounds, %.0f s in all.\n"
			"  95%% intervals over rounds: Student t on paired round differences (means,\n"
			"  causes), percentile bootstrap (p50/p99, closure); widest %s (target %s).\n",
			c->nrounds, c->nrounds == 1 ? "" : "s", c->stop_reason[0] ? c->stop_reason : "-",
			c->opts.no_untraced ? "runs traced" : "runs untraced and traced",
			c->opts.duration_s, c->opts.warmup_s, c->measure_s, c->total_s,
			vtax_fmt_ns(c->worst_ci_ns, x, sizeof(x), 0), vtax_fmt_ns(c->ci_width_ns, y, sizeof(y), 0));
	}
	if (c->opts.no_untraced)
		fprintf(out, "  (--no-untraced: every figure is measured while traced and includes vtax's own cost)\n\n");
	else
		fprintf(out, "  Throughput, latency and the difference are from the untraced runs (no vtax\n"
			"  probe attached); the components from the traced runs.\n\n");
}

void vtax_compare__report_text(FILE *out, const struct vtax_compare *c)
{
	const struct vtax_ledger *l = c->have_ledger ? &c->ledger : NULL;
	int any_emulated = 0, native_ok = 0;
	char b[64], h[64];

	workload_line(out, c);
	for (int i = 0; i < c->nenvs; i++) {
		any_emulated |= c->envs[i].ok && c->envs[i].emulated;
		native_ok |= c->envs[i].kind == VTAX_ENV_NATIVE && c->envs[i].ok;
	}

	/* headlines: the answer first */
	for (int i = 0; l && i < l->nenvs; i++)
		fprintf(out, "%s\n", l->envs[i].headline);
	for (int i = 0; i < c->nenvs; i++)
		if (!c->envs[i].ok)
			fprintf(out, "%s: FAILED: %s\n", c->envs[i].name, c->envs[i].error);
	if (!native_ok)
		fprintf(out, "no ledger: native, the baseline, was not measured\n");
	if (!c->opts.no_untraced)
		overhead_line(out, c);
	fputc('\n', out);

	/* side-by-side table */
	row_label(out, "");
	for (int i = 0; i < c->nenvs; i++) {
		snprintf(h, sizeof(h), "%s%s", c->envs[i].name, c->envs[i].emulated ? "*" : "");
		fprintf(out, " %*s", COLW, h);
	}
	fputc('\n', out);
	row_label(out, "status");
	for (int i = 0; i < c->nenvs; i++)
		fprintf(out, " %*s", COLW, c->envs[i].ok ? "ok" : "FAILED");
	fputc('\n', out);
	snprintf(h, sizeof(h), "throughput (%ss/s)", c->op_name);
	row_label(out, h);
	for (int i = 0; i < c->nenvs; i++)
		cell(out, &c->envs[i],
		     c->envs[i].ok ? fmt_rate(vtax_compare_env__headline(&c->envs[i])->ops_per_s, b, sizeof(b))
				   : "-");
	fputc('\n', out);
	row_label(out, "  vs native");
	for (int i = 0; i < c->nenvs; i++) {
		const struct vtax_ledger_env *le = ledger_env(c, &c->envs[i]);

		if (le && isfinite(le->throughput_ratio))
			snprintf(b, sizeof(b), "%.2fx", le->throughput_ratio);
		else
			snprintf(b, sizeof(b), "-");
		cell(out, &c->envs[i], b);
	}
	fputc('\n', out);
	snprintf(h, sizeof(h), "%s latency mean", c->op_name);
	latency_row(out, c, h, -1, -1);
	latency_row(out, c, "  p50", 0.50, -1);
	latency_row(out, c, "  p99", 0.99, -1);
	latency_row(out, c, "  p99.9", 0.999, -1);
	diff_row(out, c, "  mean - native", offsetof(struct vtax_ledger_env, d_mean_ns));
	diff_row(out, c, "  p99 - native", offsetof(struct vtax_ledger_env, d_p99_ns));
	if (!c->opts.no_untraced) {
		latency_row(out, c, "  mean while traced", -1, VTAX_PASS_TRACED);
		overhead_row(out, c);
	}
	bpf_rows(out, c);

	if (l && l->nenvs) {
		snprintf(h, sizeof(h), "difference per %s", c->op_name);
		diff_row(out, c, h, offsetof(struct vtax_ledger_env, diff_ns));
		if (!c->opts.no_untraced)
			diff_row(out, c, "  while traced", offsetof(struct vtax_ledger_env, traced_diff_ns));
		row_label(out, "  95% CI");
		for (int i = 0; i < c->nenvs; i++) {
			const struct vtax_ledger_env *le = ledger_env(c, &c->envs[i]);

			cell(out, &c->envs[i], le ? fmt_ci(&le->diff_ci, b, sizeof(b)) : "-");
		}
		fputc('\n', out);
		row_label(out, "  verdict");
		for (int i = 0; i < c->nenvs; i++) {
			const struct vtax_ledger_env *le = ledger_env(c, &c->envs[i]);

			cell(out, &c->envs[i], !le ? "-" : le->within_noise ? "same" : "differs");
		}
		fputc('\n', out);
		fprintf(out, "tax ledger, per %s vs %s%s\n", c->op_name, l->baseline,
			l->concurrency > 1 ? " (mean latency / operations in flight)" : "");
		for (int k = 0; l->nenvs && k < VTAX_CAUSE__COUNT; k++) {
			int shown = 0;

			/* a cause row only where some environment has it */
			for (int i = 0; i < l->nenvs; i++)
				shown |= l->envs[i].causes[k].present || !l->envs[i].causes[k].measured;
			if (!shown)
				continue;
			snprintf(h, sizeof(h), "  %s", l->envs[0].causes[k].name);
			row_label(out, h);
			for (int i = 0; i < c->nenvs; i++) {
				const struct vtax_ledger_env *le = ledger_env(c, &c->envs[i]);
				const struct vtax_ledger_cause *cs = le ? &le->causes[k] : NULL;

				if (!cs)
					cell(out, &c->envs[i], "-");
				else if (!cs->measured)
					cell(out, &c->envs[i], "n/m");
				else if (!cs->present)
					cell(out, &c->envs[i], "0");
				else
					cell(out, &c->envs[i], vtax_fmt_ns(cs->delta_ns, b, sizeof(b), VTAX_FMT_SIGN));
			}
			fputc('\n', out);
			row_label(out, "    95% CI");
			for (int i = 0; i < c->nenvs; i++) {
				const struct vtax_ledger_env *le = ledger_env(c, &c->envs[i]);
				const struct vtax_ledger_cause *cs = le ? &le->causes[k] : NULL;

				cell(out, &c->envs[i],
				     cs && cs->measured && cs->present ? fmt_ci(&cs->delta_ci, b, sizeof(b)) : "-");
			}
			fputc('\n', out);
			row_label(out, "    corrected for vtax");
			for (int i = 0; i < c->nenvs; i++) {
				const struct vtax_ledger_env *le = ledger_env(c, &c->envs[i]);
				const struct vtax_ledger_cause *cs = le ? &le->causes[k] : NULL;

				cell(out, &c->envs[i],
				     cs && cs->measured && cs->present && le->prog_run_ns > 0
					     ? vtax_fmt_ns(cs->corr_delta_ns, b, sizeof(b), VTAX_FMT_SIGN)
					     : "-");
			}
			fputc('\n', out);
		}
		diff_row(out, c, "  unexplained", offsetof(struct vtax_ledger_env, unexplained_ns));
		row_label(out, "  closure");
		for (int i = 0; i < c->nenvs; i++) {
			const struct vtax_ledger_env *le = ledger_env(c, &c->envs[i]);

			if (le && isfinite(le->closure))
				snprintf(b, sizeof(b), "%.0f%%", le->closure * 100);
			else
				snprintf(b, sizeof(b), le && le->within_noise ? "(noise)" : "-");
			cell(out, &c->envs[i], b);
		}
		fputc('\n', out);
		row_label(out, "    95% CI");
		for (int i = 0; i < c->nenvs; i++) {
			const struct vtax_ledger_env *le = ledger_env(c, &c->envs[i]);

			if (le && isfinite(le->closure) && le->closure_ci.ok)
				snprintf(b, sizeof(b), "%.0f..%.0f%%", le->closure_ci.lo * 100,
					 le->closure_ci.hi * 100);
			else
				snprintf(b, sizeof(b), "-");
			cell(out, &c->envs[i], b);
		}
		fputc('\n', out);
		row_label(out, "  closure, corrected");
		for (int i = 0; i < c->nenvs; i++) {
			const struct vtax_ledger_env *le = ledger_env(c, &c->envs[i]);

			if (le && isfinite(le->closure_corr))
				snprintf(b, sizeof(b), "%.0f%%", le->closure_corr * 100);
			else
				snprintf(b, sizeof(b), "-");
			cell(out, &c->envs[i], b);
		}
		fputc('\n', out);
		row_label(out, "    95% CI");
		for (int i = 0; i < c->nenvs; i++) {
			const struct vtax_ledger_env *le = ledger_env(c, &c->envs[i]);

			if (le && isfinite(le->closure_corr) && le->closure_corr_ci.ok)
				snprintf(b, sizeof(b), "%.0f..%.0f%%", le->closure_corr_ci.lo * 100,
					 le->closure_corr_ci.hi * 100);
			else
				snprintf(b, sizeof(b), "-");
			cell(out, &c->envs[i], b);
		}
		fputc('\n', out);

		/* components of each significant cause, with their knobs */
		fprintf(out, "\ncomponents (per %s: environment - native = tax)\n", c->op_name);
		for (int i = 0; i < l->nenvs; i++) {
			const struct vtax_ledger_env *le = &l->envs[i];
			int any = 0;

			for (int k = 0; k < VTAX_CAUSE__COUNT; k++) {
				const struct vtax_ledger_cause *cs = &le->causes[k];
				char x[32], y[32];

				if (!vtax_ledger_cause__significant(le, cs))
					continue;
				if (!any)
					fprintf(out, "  %s%s%s%s\n", le->env, le->emulated ? " [" : "",
						le->emulated ? (le->label[0] ? le->label : VTAX_EMULATED_LABEL) : "",
						le->emulated ? "]" : "");
				any = 1;
				/* no interval: a figure read once per run (TCG's) */
				fprintf(out, "    %-26s %10s (%s%s", cs->name,
					vtax_fmt_ns(cs->delta_ns, b, sizeof(b), VTAX_FMT_SIGN),
					cs->delta_ci.ok ? "95% CI " : "one figure per run, no interval",
					cs->delta_ci.ok ? fmt_ci(&cs->delta_ci, x, sizeof(x)) : "");
				if (le->prog_run_ns > 0)
					fprintf(out, "; corrected %s", vtax_fmt_ns(cs->corr_delta_ns, y, sizeof(y), VTAX_FMT_SIGN));
				fprintf(out, ")   knob: %s\n", cs->knob);
				for (int t = 0; t < cs->nitems && t < 8; t++)
					fprintf(out, "      %-44s %10s  (%s - %s)\n", cs->items[t].series,
						vtax_fmt_ns(cs->items[t].delta_ns, b, sizeof(b), VTAX_FMT_SIGN),
						vtax_fmt_ns(cs->items[t].env_ns, x, sizeof(x), 0),
						vtax_fmt_ns(cs->items[t].base_ns, y, sizeof(y), 0));
				if (cs->nitems > 8)
					fprintf(out, "      (%d more in the JSON report)\n", cs->nitems - 8);
				if (cs->id == VTAX_CAUSE_KVM_EXIT)
					for (int t = 0; t < le->nnotify; t++)
						fprintf(out, "      of which virtio notifies %s %-10s %6.2f per %s, %s\n",
							le->notify[t].device, le->notify[t].vq, le->notify[t].per_op,
							l->op_name, vtax_fmt_ns(le->notify[t].ns_per_op, b, sizeof(b), 0));
			}
			if (!any)
				fprintf(out, "  %s: no named cause above noise\n", le->env);
			/* beside the causes, in none (ledger.c, fill_proxy_cpu) */
			if (isfinite(le->proxy_oncpu_ns))
				fprintf(out, "    docker-proxy threads on-CPU %s per %s (traced; in no cause: "
					     "it holds vtax's programs, its packets' kernel time and Go's "
					     "off-path work)\n",
					vtax_fmt_ns(le->proxy_oncpu_ns, b, sizeof(b), 0), c->op_name);
		}
	}

	if (c->nrounds > 1) {
		fprintf(out, "\nrounds: median [min .. max] over %d rounds per pass\n", c->nrounds);
		for (int i = 0; i < c->nenvs; i++) {
			const struct vtax_compare_env *ce = &c->envs[i];
			int named = 0;

			if (!ce->ok)
				continue;
			for (int p = 0; p < VTAX_PASS__COUNT; p++) {
				const struct vtax_compare_pass *ps = &ce->pass[p];
				double v[VTAX_COMPARE_MAX_RUNS] = { 0 }, w[VTAX_COMPARE_MAX_RUNS] = { 0 };
				double mn, mx;
				char x[32], y[32];

				if (!ps->nruns)
					continue;
				for (int r = 0; r < ps->nruns; r++) {
					v[r] = ps->runs[r].p99_ns;
					w[r] = ps->runs[r].mean_ns;
				}
				fprintf(out, "  %-14s %-8s throughput %s [%s", named++ ? "" : ce->name,
					p == VTAX_PASS_TRACED ? "traced" : "untraced",
					fmt_rate(ps->ops_per_s, b, sizeof(b)),
					fmt_rate(ps->ops_per_s_min, x, sizeof(x)));
				fprintf(out, " .. %s]/s", fmt_rate(ps->ops_per_s_max, y, sizeof(y)));
				fprintf(out, "  mean %s", vtax_fmt_ns(vtax_compare__median(w, ps->nruns), b, sizeof(b), 0));
				fprintf(out, " [%s .. %s]", vtax_fmt_ns(ps->mean_min_ns, x, sizeof(x), 0),
					vtax_fmt_ns(ps->mean_max_ns, y, sizeof(y), 0));
				mn = mx = v[0];
				for (int r = 1; r < ps->nruns; r++) {
					mn = fmin(mn, v[r]);
					mx = fmax(mx, v[r]);
				}
				fprintf(out, "  p99 %s", vtax_fmt_ns(vtax_compare__median(v, ps->nruns), b, sizeof(b), 0));
				fprintf(out, " [%s .. %s]%s\n", vtax_fmt_ns(mn, x, sizeof(x), 0), vtax_fmt_ns(mx, y, sizeof(y), 0),
					ce->emulated ? " *" : "");
			}
		}
	}

	fputc('\n', out);
	if (l && l->unavailable[0])
		fprintf(out, "not measured (n/m): probe families %s were not loaded, so their causes are unknown, not zero\n",
			l->unavailable);
	for (int i = 0; i < c->nenvs; i++) {
		if (c->envs[i].fam_errors[0] && (i == 0 || strcmp(c->envs[i].fam_errors, c->envs[0].fam_errors)))
			fprintf(out, "  %s: %s\n", c->envs[i].name, c->envs[i].fam_errors);
		if (c->envs[i].warning[0])
			fprintf(out, "warning: %s: %s\n", c->envs[i].name, c->envs[i].warning);
	}
	/* one footnote per distinct label: TCG, or nested KVM (exits real, times not) */
	for (int i = 0; any_emulated && i < c->nenvs; i++) {
		const char *l = c->envs[i].label[0] ? c->envs[i].label : VTAX_EMULATED_LABEL;
		int seen = 0;

		if (!c->envs[i].ok || !c->envs[i].emulated)
			continue;
		for (int k = 0; k < i; k++)
			seen |= c->envs[k].ok && c->envs[k].emulated &&
				strcmp(c->envs[k].label[0] ? c->envs[k].label : VTAX_EMULATED_LABEL, l) == 0;
		if (!seen)
			fprintf(out, "* %s\n", l);
	}
}
