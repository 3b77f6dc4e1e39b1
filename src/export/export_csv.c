// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * export_csv.c - results as tidy CSV (RFC 4180), for R, pandas, a
 * spreadsheet or gnuplot.
 *
 * Two tables, both "long": one observation per row, so that any tool can
 * filter, pivot or facet them without knowing vtax's model.
 *   PATH            subject,environment,family,name,labels,lo_ns,hi_ns,count
 *                   one row per non-empty histogram bucket, [lo_ns, hi_ns)
 *   STEM.summary.csv subject,environment,family,name,labels,statistic,value
 *                   count, sum_ns, mean_ns, p50..p999_ns, max_ns per series,
 *                   the subjects' counters, the drops, and the compare
 *                   ledger (family "ledger", statistic "ns_per_op")
 * labels are "key=value" pairs joined by ';'.  Both files are committed
 * together (temp files renamed at the end) or not at all.  To stdout
 * (no --output) only the bucket table is written.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include "export/export.h"
#include "trace/hist.h"
#include "util/output.h"

/* A field, quoted when it holds a separator, a quote or a line break. */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void labels_str(const struct vtax_series *se, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int l = 0; l < se->nlabels && off < len; l++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", l ? ";" : "",
					se->labels[l].key, se->labels[l].value);
}

/* subject,environment,family,name,labels, */
static void row_head(FILE *f, const char *subject, const char *env, const char *family,
		     const char *name, const char *labels)
{
	csv_field(f, subject);
	fputc(',', f);
	csv_field(f, env);
	fputc(',', f);
	csv_field(f, family);
	fputc(',', f);
	csv_field(f, name);
	fputc(',', f);
	csv_field(f, labels);
	fputc(',', f);
}

static void write_buckets(FILE *f, const struct vtax_export_doc *d)
{
	char lab[512];

	fputs("subject,environment,family,name,labels,lo_ns,hi_ns,count\n", f);
	for (size_t e = 0; e < d->nenvs; e++) {
		const struct vtax_result *r = d->envs[e].r;
		const char *env = vtax_export__env_name(&d->envs[e]);

		for (size_t i = 0; i < r->nsubjects; i++) {
			const struct vtax_subject *s = &r->subjects[i];

			for (size_t k = 0; k < s->nseries; k++) {
				const struct vtax_series *se = &s->series[k];

				labels_str(se, lab, sizeof(lab));
				for (unsigned b = 0; b < VTAX_HIST_NBUCKETS; b++) {
					if (!se->hist.buckets[b])
						continue;
					row_head(f, s->id, env, se->family, se->name, lab);
					fprintf(f, "%llu,%llu,%llu\n",
						(unsigned long long)vtax_hist_lo(b),
						(unsigned long long)vtax_hist_hi(b),
						(unsigned long long)se->hist.buckets[b]);
				}
			}
		}
	}
}

static void stat_row(FILE *f, const char *subject, const char *env, const char *family,
		     const char *name, const char *labels, const char *stat, double v)
{
	row_head(f, subject, env, family, name, labels);
	csv_field(f, stat);
	if (v == floor(v) && fabs(v) < 9e15)
		fprintf(f, ",%.0f\n", v);
	else
		fprintf(f, ",%.6g\n", v);
}

static void write_summary(FILE *f, const struct vtax_export_doc *d)
{
	static const struct { const char *name; double q; } qs[] = {
		{ "p50_ns", 0.50 }, { "p90_ns", 0.90 }, { "p99_ns", 0.99 }, { "p999_ns", 0.999 },
	};
	char lab[512];

	fputs("subject,environment,family,name,labels,statistic,value\n", f);
	for (size_t e = 0; e < d->nenvs; e++) {
		const struct vtax_result *r = d->envs[e].r;
		const char *env = vtax_export__env_name(&d->envs[e]);

		for (size_t i = 0; i < r->nsubjects; i++) {
			const struct vtax_subject *s = &r->subjects[i];

			for (size_t k = 0; k < s->nseries; k++) {
				const struct vtax_series *se = &s->series[k];
				const struct vtax_hist *h = &se->hist;

				labels_str(se, lab, sizeof(lab));
				stat_row(f, s->id, env, se->family, se->name, lab, "count",
					 (double)h->count);
				stat_row(f, s->id, env, se->family, se->name, lab, "sum_ns",
					 (double)h->sum_ns);
				stat_row(f, s->id, env, se->family, se->name, lab, "mean_ns",
					 vtax_hist__mean(h));
				for (size_t q = 0; q < sizeof(qs) / sizeof(qs[0]); q++)
					stat_row(f, s->id, env, se->family, se->name, lab, qs[q].name,
						 (double)vtax_hist__quantile(h, qs[q].q));
				stat_row(f, s->id, env, se->family, se->name, lab, "max_ns",
					 (double)h->max_ns);
			}
			for (size_t c = 0; c < s->ncounters; c++) {
				char stat[32];

				snprintf(stat, sizeof(stat), "%s", s->counters[c].unit[0]
								     ? s->counters[c].unit : "value");
				stat_row(f, s->id, env, "counter", s->counters[c].name, "", stat,
					 s->counters[c].value);
			}
		}
		for (size_t i = 0; i < r->ndrops; i++)
			stat_row(f, "", env, "drop", r->drops[i].name, "", "count", r->drops[i].value);
	}
	for (size_t e = 0; e < d->nledger; e++) {
		const struct vtax_export_ledger_env *le = &d->ledger[e];

		for (size_t i = 0; i < le->nitems; i++)
			stat_row(f, "", le->env, "ledger", le->items[i].component, "", "ns_per_op",
				 le->items[i].ns_per_op);
		if (isfinite(le->delta_ns_per_op))
			stat_row(f, "", le->env, "ledger", "total_delta", "", "ns_per_op",
				 le->delta_ns_per_op);
		if (isfinite(le->closure))
			stat_row(f, "", le->env, "ledger", "closure", "", "ratio", le->closure);
	}
}

int vtax_export__csv(const struct vtax_export_doc *d, const char *path, char *err, size_t errlen)
{
	struct vtax_out main_f, sum_f;
	char sum_path[4096];
	size_t n;
	int rc;

	rc = vtax_out__open(&main_f, path ? path : "-", err, errlen);
	if (rc)
		return rc;
	write_buckets(main_f.f, d);
	if (!path || main_f.f == stdout)
		return vtax_out__commit(&main_f, err, errlen);
	/* out.csv -> out.summary.csv; out -> out.summary.csv */
	n = strlen(path);
	if (n > 4 && !strcmp(path + n - 4, ".csv"))
		n -= 4;
	snprintf(sum_path, sizeof(sum_path), "%.*s.summary.csv", (int)n, path);
	rc = vtax_out__open(&sum_f, sum_path, err, errlen);
	if (rc) {
		vtax_out__abort(&main_f);
		return rc;
	}
	write_summary(sum_f.f, d);
	rc = vtax_out__commit(&sum_f, err, errlen);
	if (rc) {
		vtax_out__abort(&main_f);
		return rc;
	}
	rc = vtax_out__commit(&main_f, err, errlen);
	if (rc)
		unlink(sum_path); /* both or neither */
	return rc;
}
