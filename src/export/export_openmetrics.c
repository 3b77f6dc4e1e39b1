// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * export_openmetrics.c - results as OpenMetrics text (the Prometheus
 * exposition format), for `vtax export --format openmetrics` and for
 * `vtax serve`'s /metrics.
 *
 * Names follow Prometheus conventions: base units (seconds), the unit as
 * the name's suffix, one metric family per measured quantity:
 *   vtax_latency_seconds      histogram {subject, environment, family,
 *                             name, <the series' own labels>, le}
 *   vtax_<counter>[_unit]     gauge per subject counter (ns -> seconds)
 *   vtax_drop_events          gauge {environment, reason}: cumulative drops
 *   vtax_ledger_seconds_per_op gauge {environment, component} (compare)
 *   vtax_ledger_closure_ratio gauge {environment} (compare)
 *   vtax_series_merged        gauge {environment}: series folded into
 *                             name="_other" by the series cap
 * Drops are gauges, not counters, because promtool's linter (and the
 * classic text parser) rejects an OpenMetrics counter's _total sample.
 *
 * The `le` bounds are a fixed grid (le_per_octave per power of two, from
 * 16 ns to 2^38 ns, plus +Inf), the same for every series, every scrape
 * and every host, so that sum by (le) and histogram_quantile() work across
 * a fleet.  The grid's edges are edges of vtax's own buckets, so the
 * cumulative counts are exact.  vtax's buckets are [lo, hi): a value
 * exactly on an edge is counted in the next `le` (1 ns off, by design).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "export/export.h"
#include "trace/hist.h"

/* Label value escaping per OpenMetrics: backslash, quote, newline. */
static void om_value(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A metric or label name: [a-zA-Z_][a-zA-Z0-9_]*, everything else -> '_'. */
static void om_sanitize(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	if (len < 2)
		return;
	if (!((*src >= 'a' && *src <= 'z') || (*src >= 'A' && *src <= 'Z') || *src == '_'))
		dst[i++] = '_';
	for (; *src && i + 1 < len; src++) {
		char c = *src;

		dst[i++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '_') ? c : '_';
	}
	dst[i] = 0;
}

/* A label of a series: reserved names and our own get a "label_" prefix. */
static void om_label_name(char *dst, size_t len, const char *key)
{
	static const char *const reserved[] = { "subject", "environment", "family", "name", "le",
						NULL };
	char tmp[64];

	om_sanitize(tmp, sizeof(tmp), key);
	for (int i = 0; reserved[i]; i++)
		if (!strcmp(tmp, reserved[i]) || !strncmp(tmp, "__", 2)) {
			snprintf(dst, len, "label_%s", tmp);
			return;
		}
	snprintf(dst, len, "%s", tmp);
}

struct om_ctx {
	FILE *f;
	const struct vtax_om_opts *o;
	size_t emitted;
	size_t merged;
};

/* {subject="..",environment="..",family="..",name="..",k="v" (no closing brace) */
static void series_labels(FILE *f, const char *subject, const char *env, const char *family,
			  const char *name, const struct vtax_series *se)
{
	char ln[80];

	fputs("{subject=", f);
	om_value(f, subject);
	if (env && *env) {
		fputs(",environment=", f);
		om_value(f, env);
	}
	fputs(",family=", f);
	om_value(f, family);
	fputs(",name=", f);
	om_value(f, name);
	for (int l = 0; se && l < se->nlabels; l++) {
		om_label_name(ln, sizeof(ln), se->labels[l].key);
		fprintf(f, ",%s=", ln);
		om_value(f, se->labels[l].value);
	}
}

static void emit_hist(struct om_ctx *c, const char *subject, const char *env, const char *family,
		      const char *name, const struct vtax_series *se, const struct vtax_hist *h)
{
	FILE *f = c->f;
	int per = c->o->le_per_octave;
	unsigned step = VTAX_HIST_SUB / (unsigned)per;
	uint64_t cum = 0, total = 0;
	unsigned b = 0;

	for (unsigned i = 0; i < VTAX_HIST_NBUCKETS; i++)
		total += h->buckets[i];
	/* grid edges are the lower edges of buckets SUB, SUB+step, ... and 2^MAX_EXP */
	for (unsigned edge_idx = VTAX_HIST_SUB;; edge_idx += step) {
		uint64_t edge = edge_idx < VTAX_HIST_NBUCKETS ? vtax_hist_lo(edge_idx)
							      : 1ULL << VTAX_HIST_MAX_EXP;

		for (; b < edge_idx && b < VTAX_HIST_NBUCKETS; b++)
			cum += h->buckets[b];
		fputs("vtax_latency_seconds_bucket", f);
		series_labels(f, subject, env, family, name, se);
		fprintf(f, ",le=\"%.9g\"} %llu\n", (double)edge / 1e9, (unsigned long long)cum);
		if (edge_idx >= VTAX_HIST_NBUCKETS)
			break;
	}
	fputs("vtax_latency_seconds_bucket", f);
	series_labels(f, subject, env, family, name, se);
	fprintf(f, ",le=\"+Inf\"} %llu\n", (unsigned long long)total);
	/* _count equals the +Inf bucket: both from the buckets (in serve the
	 * kernel updates count and buckets without a common lock) */
	fputs("vtax_latency_seconds_count", f);
	series_labels(f, subject, env, family, name, se);
	fprintf(f, "} %llu\n", (unsigned long long)total);
	fputs("vtax_latency_seconds_sum", f);
	series_labels(f, subject, env, family, name, se);
	fprintf(f, "} %.9g\n", (double)h->sum_ns / 1e9);
	c->emitted++;
}

#define OM_MAX_FAMILIES 16

struct om_other {
	char family[16];
	struct vtax_hist h;
};

static int emit_histograms(struct om_ctx *c, const struct vtax_export_doc *d)
{
	struct om_other *other = calloc(OM_MAX_FAMILIES, sizeof(*other));

	if (!other)
		return -ENOMEM;
	fputs("# TYPE vtax_latency_seconds histogram\n"
	      "# UNIT vtax_latency_seconds seconds\n"
	      "# HELP vtax_latency_seconds Latency by subject, family (syscall, sched, net, blk, kvm, client) and series name; cumulative since vtax started.\n",
	      c->f);
	for (size_t e = 0; e < d->nenvs; e++) {
		const struct vtax_result *r = d->envs[e].r;
		const char *env = vtax_export__env_name(&d->envs[e]);
		size_t nother = 0;

		for (size_t i = 0; i < r->nsubjects; i++) {
			const struct vtax_subject *s = &r->subjects[i];

			for (size_t k = 0; k < s->nseries; k++) {
				const struct vtax_series *se = &s->series[k];
				size_t o;

				if (!c->o->max_series || c->emitted < c->o->max_series) {
					emit_hist(c, s->id, env, se->family, se->name, se, &se->hist);
					continue;
				}
				/* over the cap: fold into one series per family */
				for (o = 0; o < nother && strcmp(other[o].family, se->family); o++)
					;
				if (o == nother && nother < OM_MAX_FAMILIES)
					snprintf(other[nother++].family, sizeof(other->family), "%s",
						 se->family);
				if (o == OM_MAX_FAMILIES)
					o = OM_MAX_FAMILIES - 1;
				vtax_hist__merge(&other[o].h, &se->hist);
				c->merged++;
			}
		}
		for (size_t o = 0; o < nother; o++) {
			emit_hist(c, "_other", env, other[o].family, "_other", NULL, &other[o].h);
			memset(&other[o], 0, sizeof(other[o]));
		}
	}
	free(other);
	return 0;
}

/* "sched.cfs.throttled_ns" + unit ns -> vtax_sched_cfs_throttled_seconds */
static void counter_metric(char *dst, size_t len, const struct vtax_counter *c, double *scale)
{
	char base[96];
	size_t n;

	om_sanitize(base, sizeof(base), c->name);
	n = strlen(base);
	*scale = 1;
	if (!strcmp(c->unit, "ns")) {
		if (n > 3 && !strcmp(base + n - 3, "_ns"))
			base[n - 3] = 0;
		snprintf(dst, len, "vtax_%s_seconds", base);
		*scale = 1e-9;
	} else if (!strcmp(c->unit, "bytes") && !(n > 6 && !strcmp(base + n - 6, "_bytes"))) {
		snprintf(dst, len, "vtax_%s_bytes", base);
	} else if (!strcmp(c->unit, "ratio") && !(n > 6 && !strcmp(base + n - 6, "_ratio"))) {
		snprintf(dst, len, "vtax_%s_ratio", base);
	} else {
		snprintf(dst, len, "vtax_%s", base);
	}
}

static void emit_counters(struct om_ctx *c, const struct vtax_export_doc *d)
{
	/* a metric family's samples must be contiguous: one pass per name */
	char done[64][96];
	size_t ndone = 0;

	for (size_t e = 0; e < d->nenvs; e++) {
		const struct vtax_result *r = d->envs[e].r;

		for (size_t i = 0; i < r->nsubjects; i++) {
			for (size_t k = 0; k < r->subjects[i].ncounters; k++) {
				const struct vtax_counter *cn = &r->subjects[i].counters[k];
				char metric[96];
				double scale;
				size_t x;

				counter_metric(metric, sizeof(metric), cn, &scale);
				for (x = 0; x < ndone && strcmp(done[x], metric); x++)
					;
				if (x < ndone || ndone == 64)
					continue;
				snprintf(done[ndone++], sizeof(done[0]), "%s", metric);
				fprintf(c->f, "# TYPE %s gauge\n# HELP %s vtax counter %s (%s) per subject.\n",
					metric, metric, cn->name, cn->unit[0] ? cn->unit : "value");
				for (size_t e2 = e; e2 < d->nenvs; e2++) {
					const struct vtax_result *r2 = d->envs[e2].r;
					const char *env = vtax_export__env_name(&d->envs[e2]);

					for (size_t i2 = 0; i2 < r2->nsubjects; i2++) {
						const struct vtax_subject *s2 = &r2->subjects[i2];

						for (size_t k2 = 0; k2 < s2->ncounters; k2++) {
							char m2[96];
							double sc2;

							counter_metric(m2, sizeof(m2), &s2->counters[k2], &sc2);
							if (strcmp(m2, metric))
								continue;
							fprintf(c->f, "%s{subject=", metric);
							om_value(c->f, s2->id);
							if (*env) {
								fputs(",environment=", c->f);
								om_value(c->f, env);
							}
							fprintf(c->f, "} %.9g\n", s2->counters[k2].value * sc2);
							break; /* one sample per subject */
						}
					}
				}
			}
		}
	}
}

static void env_label(FILE *f, const char *env, int more)
{
	if (*env) {
		fputs("environment=", f);
		om_value(f, env);
		if (more)
			fputc(',', f);
	}
}

static void emit_drops(struct om_ctx *c, const struct vtax_export_doc *d)
{
	fputs("# TYPE vtax_drop_events gauge\n"
	      "# HELP vtax_drop_events Events vtax could not measure (map full, missed start), cumulative.\n",
	      c->f);
	for (size_t e = 0; e < d->nenvs; e++) {
		const struct vtax_result *r = d->envs[e].r;

		for (size_t i = 0; i < r->ndrops; i++) {
			fputs("vtax_drop_events{", c->f);
			env_label(c->f, vtax_export__env_name(&d->envs[e]), 1);
			fputs("reason=", c->f);
			om_value(c->f, r->drops[i].name);
			fprintf(c->f, "} %.0f\n", r->drops[i].value);
		}
	}
	fputs("# TYPE vtax_series_merged gauge\n"
	      "# HELP vtax_series_merged Histogram series folded into name=\"_other\" by the series cap.\n"
	      "vtax_series_merged ",
	      c->f);
	fprintf(c->f, "%zu\n", c->merged);
	fputs("# TYPE vtax_duration_seconds gauge\n"
	      "# HELP vtax_duration_seconds How long the measurement has run.\n",
	      c->f);
	for (size_t e = 0; e < d->nenvs; e++) {
		fputs("vtax_duration_seconds", c->f);
		if (*vtax_export__env_name(&d->envs[e])) {
			fputc('{', c->f);
			env_label(c->f, vtax_export__env_name(&d->envs[e]), 0);
			fputc('}', c->f);
		}
		fprintf(c->f, " %.6g\n", d->envs[e].r->duration_s);
	}
	/* --sample: counts are of the windows only here (cumulative counters
	 * must not move backwards, so they are never scaled); this is the
	 * measured fraction of wall time traced, per family */
	for (size_t e = 0, first = 1; e < d->nenvs; e++) {
		const struct vtax_result *r = d->envs[e].r;

		for (int i = 0; i < r->sample.nfams && r->sample.spec[0] && !r->sample.scaled; i++) {
			if (first)
				fputs("# TYPE vtax_sample_fraction gauge\n"
				      "# HELP vtax_sample_fraction Measured fraction of wall time traced (--sample); "
				      "counts cover that fraction.\n",
				      c->f);
			first = 0;
			fputs("vtax_sample_fraction{", c->f);
			env_label(c->f, vtax_export__env_name(&d->envs[e]), 1);
			fputs("family=", c->f);
			om_value(c->f, r->sample.fams[i].family);
			fprintf(c->f, "} %.6g\n", r->sample.fams[i].fraction);
		}
	}
}

static void emit_ledger(struct om_ctx *c, const struct vtax_export_doc *d)
{
	if (!d->nledger)
		return;
	fputs("# TYPE vtax_ledger_seconds_per_op gauge\n"
	      "# HELP vtax_ledger_seconds_per_op Extra time per workload operation versus the baseline environment, by component.\n",
	      c->f);
	for (size_t e = 0; e < d->nledger; e++) {
		const struct vtax_export_ledger_env *le = &d->ledger[e];

		for (size_t i = 0; i < le->nitems; i++) {
			fputs("vtax_ledger_seconds_per_op{", c->f);
			env_label(c->f, le->env, 1);
			fputs("component=", c->f);
			om_value(c->f, le->items[i].component);
			fprintf(c->f, "} %.9g\n", le->items[i].ns_per_op / 1e9);
		}
	}
	fputs("# TYPE vtax_ledger_closure_ratio gauge\n"
	      "# HELP vtax_ledger_closure_ratio Share of the difference from the baseline that named components explain.\n",
	      c->f);
	for (size_t e = 0; e < d->nledger; e++) {
		if (!isfinite(d->ledger[e].closure))
			continue;
		fputs("vtax_ledger_closure_ratio{", c->f);
		env_label(c->f, d->ledger[e].env, 0);
		fprintf(c->f, "} %.6g\n", d->ledger[e].closure);
	}
}

int vtax_export__openmetrics(FILE *f, const struct vtax_export_doc *d, const struct vtax_om_opts *o)
{
	struct om_ctx c = { .f = f, .o = o };
	int per = o->le_per_octave;
	int rc;

	if (per != 1 && per != 2 && per != 4 && per != 8 && per != 16)
		return -EINVAL;
	rc = emit_histograms(&c, d);
	if (rc)
		return rc;
	emit_counters(&c, d);
	emit_drops(&c, d);
	emit_ledger(&c, d);
	if (o->with_eof)
		fputs("# EOF\n", f);
	return ferror(f) ? -EIO : 0;
}
