// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * export_html.c - one self-contained HTML report: inline CSS and SVG that
 * vtax draws itself, no script, no font or image fetched, so it reads the
 * same offline, in a mail attachment or in a CI artifact.
 *
 * Sections, in the order a reader asks the questions:
 *   1. the ledger: stacked bars per environment of the extra time per
 *      operation by component (compare), or without a ledger the time per
 *      probe family per subject;
 *   2. latency: the headline latency CDFs overlaid (log x) and their tails
 *      (1 - CDF, log-log), with a percentile table;
 *   3. breakdowns: network time per hop (family net) and KVM exits per
 *      reason (family kvm), per environment/subject;
 *   4. latency over time: a heatmap per environment when the result holds
 *      per-interval histograms ("intervals", written by attach);
 *   5. the top series per subject, counters and drops.
 * Every figure is also given as text (tables, <title> tooltips) so that the
 * page can be searched and checked without looking at the pictures.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "util/fmt.h"
#include "export/export.h"
#include "trace/hist.h"
#include "result/result_json.h"
#include "util/version.h"

static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
	"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
	"#1b6ca8", "#d37295",
};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* An axis tick: a power of ten as "1 µs", "100 ms". */
static const char *fmt_tick(char *buf, size_t len, double ns)
{
	static const char *const units[] = { "ns", "µs", "ms", "s" };
	int u = 0;

	while (ns >= 1000 && u < 3) {
		ns /= 1000;
		u++;
	}
	snprintf(buf, len, "%g %s", ns, units[u]);
	return buf;
}

static const char *fmt_count(char *buf, size_t len, double v)
{
	if (v >= 1e9)
		snprintf(buf, len, "%.2fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}

static void series_label(char *buf, size_t len, const struct vtax_series *se, int with_family)
{
	size_t off = (size_t)snprintf(buf, len, "%s%s%s", with_family ? se->family : "",
				      with_family ? "." : "", se->name);

	for (int l = 0; l < se->nlabels && off < len; l++) {
		if (!strcmp(se->labels[l].key, "part") && !strcmp(se->labels[l].value, "total"))
			continue;
		off += (size_t)snprintf(buf + off, len - off, " %s=%s", se->labels[l].key,
					se->labels[l].value);
	}
}

static const char css[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
	"color:#1d2430;background:#f6f7f9;margin:0}"
	"main{max-width:1180px;margin:0 auto;padding:24px 28px 48px;background:#fff;"
	"box-shadow:0 0 0 1px #e3e6ea}"
	"h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 6px;"
	"border-bottom:2px solid #e3e6ea;padding-bottom:4px}h3{font-size:15px;margin:18px 0 4px}"
	".meta{color:#5b6573;margin:0 0 8px}.note{color:#5b6573;font-size:13px;margin:4px 0 10px}"
	".warn{background:#fff4e5;border-left:4px solid #f28e2b;padding:8px 12px;margin:8px 0}"
	".lead{font-size:16px;background:#eef4fb;border-left:4px solid #4e79a7;padding:10px 14px;"
	"margin:12px 0}"
	"table{border-collapse:collapse;margin:8px 0 4px;font-size:13px}"
	"th,td{padding:3px 10px;border-bottom:1px solid #e3e6ea;text-align:right;white-space:nowrap}"
	"th{background:#f1f3f6;font-weight:600}td.l,th.l{text-align:left}"
	"tr:hover td{background:#f8fafc}"
	"svg{display:block;margin:6px 0;max-width:100%;height:auto}"
	"svg text{font-family:system-ui,Helvetica,Arial,sans-serif;fill:#1d2430}"
	".grid{stroke:#e3e6ea;stroke-width:1}.axis{stroke:#8a94a3;stroke-width:1}"
	".sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;"
	"vertical-align:-1px}"
	"footer{color:#8a94a3;font-size:12px;margin-top:36px}";

/* ---- stacked bars ---- */

struct stack {
	size_t nrows, ncols;
	char rows[64][128];
	char cols[24][64];
	double v[64][24];       /* ns */
	double total[64];       /* the row's stated total (ledger delta), NAN if none */
	double closure[64];
	double lo[64], hi[64];  /* the total's 95% interval (error bar), NAN if none */
};

static size_t stack_col(struct stack *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->ncols; i++)
		if (!strcmp(s->cols[i], name))
			return i;
	if (s->ncols == 24)
		return 23;
	snprintf(s->cols[s->ncols], sizeof(s->cols[0]), "%s", s->ncols == 23 ? "other" : name);
	return s->ncols++;
}

static void stack_from_ledger(const struct vtax_export_doc *d, struct stack *s)
{
	for (size_t e = 0; e < d->nledger && s->nrows < 64; e++, s->nrows++) {
		const struct vtax_export_ledger_env *le = &d->ledger[e];

		snprintf(s->rows[s->nrows], sizeof(s->rows[0]), "%s", le->env);
		for (size_t i = 0; i < le->nitems; i++)
			s->v[s->nrows][stack_col(s, le->items[i].component)] += le->items[i].ns_per_op;
		s->total[s->nrows] = le->delta_ns_per_op;
		s->closure[s->nrows] = le->closure;
		s->lo[s->nrows] = le->delta_lo;
		s->hi[s->nrows] = le->delta_hi;
	}
}

static void stack_from_families(const struct vtax_export_doc *d, struct stack *s)
{
	for (size_t e = 0; e < d->nenvs; e++) {
		const struct vtax_result *r = d->envs[e].r;

		for (size_t i = 0; i < r->nsubjects && s->nrows < 64; i++, s->nrows++) {
			const struct vtax_subject *sj = &r->subjects[i];

			if (d->nenvs > 1)
				snprintf(s->rows[s->nrows], sizeof(s->rows[0]), "%s · %s",
					 vtax_export__env_name(&d->envs[e]), sj->id);
			else
				snprintf(s->rows[s->nrows], sizeof(s->rows[0]), "%s", sj->id);
			s->total[s->nrows] = NAN;
			s->closure[s->nrows] = NAN;
			s->lo[s->nrows] = s->hi[s->nrows] = NAN;
			for (size_t k = 0; k < sj->nseries; k++)
				if (vtax_export__is_whole(&sj->series[k]))
					s->v[s->nrows][stack_col(s, sj->series[k].family)] +=
						(double)sj->series[k].hist.sum_ns;
		}
	}
}

static void svg_stack(FILE *f, const struct stack *s)
{
	const double left = 210, width = 680, rowh = 34, top = 28;
	double lo = 0, hi = 0, x0, scale;
	char b1[32];
	double h;

	for (size_t r = 0; r < s->nrows; r++) {
		double pos = 0, neg = 0;

		for (size_t c = 0; c < s->ncols; c++)
			if (s->v[r][c] > 0)
				pos += s->v[r][c];
			else
				neg += s->v[r][c];
		if (pos > hi)
			hi = pos;
		if (neg < lo)
			lo = neg;
		/* room for the error bar */
		if (isfinite(s->hi[r]) && s->hi[r] > hi)
			hi = s->hi[r];
		if (isfinite(s->lo[r]) && s->lo[r] < lo)
			lo = s->lo[r];
	}
	if (hi - lo <= 0)
		hi = 1;
	scale = width / (hi - lo);
	x0 = left - lo * scale;
	h = top + rowh * (double)s->nrows + 26 + 22 * (double)((s->ncols + 4) / 5);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1120\" height=\"%.0f\" "
		   "viewBox=\"0 0 1120 %.0f\" role=\"img\">\n", h, h);
	/* scale ticks: 5 steps */
	for (int t = 0; t <= 5; t++) {
		double v = lo + (hi - lo) * t / 5, x = x0 + v * scale;

		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\"/>"
			   "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\">%s</text>\n",
			x, top - 6, x, top + rowh * (double)s->nrows, x, top - 10,
			vtax_fmt_ns(v, b1, sizeof(b1), VTAX_FMT_HTML));
	}
	for (size_t r = 0; r < s->nrows; r++) {
		double y = top + rowh * (double)r + 6, pos = x0, neg = x0, sum = 0;

		fputs("<text x=\"200\" font-size=\"13\" text-anchor=\"end\" ", f);
		fprintf(f, "y=\"%.1f\">", y + 16);
		esc(f, s->rows[r]);
		fputs("</text>\n", f);
		for (size_t c = 0; c < s->ncols; c++) {
			double v = s->v[r][c], w = fabs(v) * scale, x;

			if (v == 0)
				continue;
			sum += v;
			if (v > 0) {
				x = pos;
				pos += w;
			} else {
				neg -= w;
				x = neg;
			}
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"22\" fill=\"%s\" "
				   "stroke=\"#fff\" stroke-width=\"0.6\"><title>",
				x, y, w, palette[c % NPALETTE]);
			esc(f, s->rows[r]);
			fputs(" · ", f);
			esc(f, s->cols[c]);
			fprintf(f, ": %s</title></rect>\n", vtax_fmt_ns(v, b1, sizeof(b1), VTAX_FMT_HTML));
			if (w > 70) {
				fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" "
					   "style=\"fill:#fff\">%s</text>\n",
					x + w / 2, y + 15, vtax_fmt_ns(v, b1, sizeof(b1), VTAX_FMT_HTML));
			}
		}
		/* the difference's 95% interval: an error bar across the row */
		if (isfinite(s->lo[r]) && isfinite(s->hi[r])) {
			double xl = x0 + s->lo[r] * scale, xh = x0 + s->hi[r] * scale;
			char b2[32];

			fprintf(f, "<g class=\"errbar\" stroke=\"#222\" stroke-width=\"1.5\"><title>95%% CI %s to ",
				vtax_fmt_ns(s->lo[r], b1, sizeof(b1), VTAX_FMT_HTML));
			fprintf(f, "%s</title><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
				   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
				   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n",
				vtax_fmt_ns(s->hi[r], b2, sizeof(b2), VTAX_FMT_HTML), xl, y + 11, xh, y + 11, xl, y + 4, xl,
				y + 18, xh, y + 4, xh, y + 18);
			if (xh > pos)
				pos = xh;
		}
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" font-weight=\"600\">%s",
			pos + 6, y + 16,
			vtax_fmt_ns(isfinite(s->total[r]) ? s->total[r] : sum, b1, sizeof(b1), VTAX_FMT_HTML));
		if (isfinite(s->closure[r]))
			fprintf(f, " · closure %.0f%%", 100 * s->closure[r]);
		fputs("</text>\n", f);
	}
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\"/>\n", x0,
		top - 4, x0, top + rowh * (double)s->nrows);
	for (size_t c = 0; c < s->ncols; c++) {
		double lx = left + (double)(c % 5) * 170, ly = top + rowh * (double)s->nrows + 22 +
							      22 * (double)(c / 5);

		fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			   "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\">",
			lx, ly - 10, palette[c % NPALETTE], lx + 17, ly);
		esc(f, s->cols[c]);
		fputs("</text>\n", f);
	}
	fputs("</svg>\n", f);
}

static void table_stack(FILE *f, const struct stack *s, int ledger)
{
	char b1[32];

	fputs("<table><tr><th class=\"l\">", f);
	fputs(ledger ? "environment" : "subject", f);
	fputs("</th>", f);
	for (size_t c = 0; c < s->ncols; c++) {
		fputs("<th>", f);
		esc(f, s->cols[c]);
		fputs("</th>", f);
	}
	fputs(ledger ? "<th>difference</th><th>closure</th>" : "<th>sum</th>", f);
	fputs("</tr>\n", f);
	for (size_t r = 0; r < s->nrows; r++) {
		double sum = 0;

		fputs("<tr><td class=\"l\">", f);
		esc(f, s->rows[r]);
		fputs("</td>", f);
		for (size_t c = 0; c < s->ncols; c++) {
			sum += s->v[r][c];
			fprintf(f, "<td>%s</td>", s->v[r][c] ? vtax_fmt_ns(s->v[r][c], b1, sizeof(b1), VTAX_FMT_HTML) : "");
		}
		if (ledger) {
			fprintf(f, "<td>%s",
				vtax_fmt_ns(isfinite(s->total[r]) ? s->total[r] : sum, b1, sizeof(b1), VTAX_FMT_HTML));
			if (isfinite(s->lo[r]) && isfinite(s->hi[r])) {
				fprintf(f, " <span class=\"ci\">(95%% CI %s to ",
					vtax_fmt_ns(s->lo[r], b1, sizeof(b1), VTAX_FMT_HTML));
				fprintf(f, "%s)</span>", vtax_fmt_ns(s->hi[r], b1, sizeof(b1), VTAX_FMT_HTML));
			}
			fputs("</td>", f);
			if (isfinite(s->closure[r]))
				fprintf(f, "<td>%.0f%%</td>", 100 * s->closure[r]);
			else
				fputs("<td>–</td>", f);
		} else {
			fprintf(f, "<td>%s</td>", vtax_fmt_ns(sum, b1, sizeof(b1), VTAX_FMT_HTML));
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void section_ledger(FILE *f, const struct vtax_export_doc *d)
{
	struct stack *s = calloc(1, sizeof(*s));
	char b1[32];

	if (!s)
		return;
	if (d->nledger) {
		size_t best_e = 0, best_i = 0;
		double best = 0;

		stack_from_ledger(d, s);
		fputs("<section id=\"ledger\"><h2>Tax ledger</h2>\n<p class=\"note\">", f);
		fprintf(f, "Extra time per %s compared with ", d->op_unit[0] ? d->op_unit : "operation");
		esc(f, d->baseline[0] ? d->baseline : "the baseline");
		fputs(", itemized by cause. The bold figure is the whole difference; "
		      "closure is the share the named causes explain.</p>\n",
		      f);
		for (size_t e = 0; e < d->nledger; e++)
			for (size_t i = 0; i < d->ledger[e].nitems; i++)
				if (strcmp(d->ledger[e].items[i].component, "unexplained") &&
				    d->ledger[e].items[i].ns_per_op > best) {
					best = d->ledger[e].items[i].ns_per_op;
					best_e = e;
					best_i = i;
				}
		if (best > 0) {
			const struct vtax_export_ledger_item *it = &d->ledger[best_e].items[best_i];

			fputs("<p class=\"lead\">Biggest named cause: <b>", f);
			esc(f, it->component);
			fputs("</b> in <b>", f);
			esc(f, d->ledger[best_e].env);
			fprintf(f, "</b>, %s per %s", vtax_fmt_ns(best, b1, sizeof(b1), VTAX_FMT_HTML),
				d->op_unit[0] ? d->op_unit : "operation");
			if (it->knob[0]) {
				fputs("; what removes it: <b>", f);
				esc(f, it->knob);
				fputs("</b>", f);
			}
			fputs(".</p>\n", f);
		}
		for (size_t e = 0; e < d->nledger; e++) {
			if (!d->ledger[e].headline[0])
				continue;
			fputs("<p class=\"note\"><b>", f);
			esc(f, d->ledger[e].env);
			fputs("</b>: ", f);
			esc(f, d->ledger[e].headline);
			fputs("</p>\n", f);
		}
	} else {
		stack_from_families(d, s);
		fputs("<section id=\"ledger\"><h2>Where the time went</h2>\n<p class=\"note\">"
		      "Total time per probe family and subject (no compare ledger in this result). "
		      "Families can overlap: run-queue waits also happen inside syscalls.</p>\n",
		      f);
	}
	if (s->nrows && s->ncols) {
		svg_stack(f, s);
		table_stack(f, s, d->nledger > 0);
	} else {
		fputs("<p class=\"note\">No data.</p>\n", f);
	}
	fputs("</section>\n", f);
	free(s);
}

/* ---- latency CDFs on a log axis ---- */

struct logx {
	double left, width, lo_log, hi_log;
};

static double logx_x(const struct logx *a, double ns)
{
	double l = log10(ns > 1 ? ns : 1);

	return a->left + (l - a->lo_log) / (a->hi_log - a->lo_log) * a->width;
}

static void logx_axis(FILE *f, const struct logx *a, double ytop, double ybot)
{
	char b1[32];

	for (int e = (int)a->lo_log; e <= (int)a->hi_log; e++) {
		double x = logx_x(a, pow(10, e));

		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\"/>"
			   "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\">%s</text>\n",
			x, ytop, x, ybot, x, ybot + 15, fmt_tick(b1, sizeof(b1), pow(10, e)));
		for (int m = 2; m < 10 && e < (int)a->hi_log; m++) {
			double xm = logx_x(a, m * pow(10, e));

			fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" "
				   "stroke=\"#f1f3f6\"/>\n", xm, ytop, xm, ybot);
			/* few decades: label 2x and 5x too, so the axis can be read */
			if (a->hi_log - a->lo_log <= 2 && (m == 2 || m == 5))
				fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"10\" "
					   "text-anchor=\"middle\" style=\"fill:#5b6573\">%s</text>\n",
					xm, ybot + 15, fmt_tick(b1, sizeof(b1), m * pow(10, e)));
		}
	}
	fprintf(f, "<line class=\"axis\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>\n",
		a->left, ybot, a->left + a->width, ybot);
}

static void curves_range(const struct vtax_export_curve *c, size_t nc, struct logx *a)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	for (size_t i = 0; i < nc; i++)
		for (unsigned b = 0; b < VTAX_HIST_NBUCKETS; b++)
			if (c[i].h.buckets[b]) {
				if (vtax_hist_lo(b) < lo)
					lo = vtax_hist_lo(b);
				if (vtax_hist_hi(b) > hi)
					hi = vtax_hist_hi(b);
			}
	if (!hi) {
		lo = 100;
		hi = 1000000;
	}
	a->lo_log = floor(log10(lo > 1 ? (double)lo : 1));
	a->hi_log = ceil(log10((double)hi));
	if (a->hi_log <= a->lo_log)
		a->hi_log = a->lo_log + 1;
}

static void legend(FILE *f, const struct vtax_export_curve *c, size_t nc, double x, double y)
{
	for (size_t i = 0; i < nc; i++) {
		fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"14\" height=\"4\" fill=\"%s\"/>"
			   "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\">",
			x, y + 20.0 * (double)i - 4, palette[i % NPALETTE], x + 20, y + 20.0 * (double)i);
		esc(f, c[i].name);
		fputs("</text>\n", f);
	}
}

/* tail = 0: CDF, linear y.  tail = 1: 1 - CDF, log y down to 1e-ylog. */
static void svg_cdf(FILE *f, const struct vtax_export_curve *c, size_t nc, int tail)
{
	const double top = 20, ph = 300, ylog = 5;
	struct logx a = { .left = 70, .width = 800 };

	curves_range(c, nc, &a);
	fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1120\" height=\"360\" "
	      "viewBox=\"0 0 1120 360\" role=\"img\">\n", f);
	logx_axis(f, &a, top, top + ph);
	for (int t = 0; t <= (tail ? (int)ylog : 4); t++) {
		double y = top + ph * t / (tail ? ylog : 4);

		fprintf(f, "<line class=\"grid\" x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\"/>"
			   "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">",
			a.left, y, a.left + a.width, y, a.left - 6, y + 4);
		if (tail)
			fprintf(f, "%s</text>\n", t == 0 ? "1" : t == 1 ? "0.1" : t == 2 ? "0.01" :
				t == 3 ? "0.001" : t == 4 ? "1e-4" : "1e-5");
		else
			fprintf(f, "%.2f</text>\n", 1.0 - t / 4.0);
	}
	fprintf(f, "<text x=\"16\" y=\"%.0f\" font-size=\"12\" transform=\"rotate(-90 16 %.0f)\" "
		   "text-anchor=\"middle\">%s</text>\n",
		top + ph / 2, top + ph / 2,
		tail ? "fraction slower than x (log)" : "fraction at most x");
	for (size_t i = 0; i < nc; i++) {
		uint64_t total = 0, cum = 0;
		int started = 0;

		for (unsigned b = 0; b < VTAX_HIST_NBUCKETS; b++)
			total += c[i].h.buckets[b];
		if (!total)
			continue;
		fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2.2\" d=\"",
			palette[i % NPALETTE]);
		for (unsigned b = 0; b < VTAX_HIST_NBUCKETS; b++) {
			double frac, y;

			if (!c[i].h.buckets[b])
				continue;
			if (!started) {
				fprintf(f, "M%.1f %.1f", logx_x(&a, (double)vtax_hist_lo(b)),
					tail ? top : top + ph);
				started = 1;
			}
			cum += c[i].h.buckets[b];
			frac = (double)cum / (double)total;
			if (tail) {
				double q = 1 - frac, l = q > 0 ? -log10(q) : ylog;

				y = top + ph * (l < ylog ? l : ylog) / ylog;
			} else {
				y = top + ph * (1 - frac);
			}
			fprintf(f, " H%.1f V%.1f", logx_x(&a, (double)vtax_hist_hi(b)), y);
			if (tail && frac >= 1)
				break;
		}
		fputs("\"><title>", f);
		esc(f, c[i].name);
		fputs("</title></path>\n", f);
	}
	legend(f, c, nc, a.left + a.width + 20, top + 10);
	fprintf(f, "<text x=\"%.0f\" y=\"352\" font-size=\"12\" text-anchor=\"middle\">latency "
		   "(log scale)</text>\n", a.left + a.width / 2);
	fputs("</svg>\n", f);
}

static void section_latency(FILE *f, const struct vtax_export_doc *d)
{
	struct vtax_export_curve *c;
	char b[8][32];
	size_t nc;

	if (vtax_export__curves(d, &c, &nc))
		return;
	fputs("<section id=\"latency\"><h2>Latency distribution</h2>\n<p class=\"note\">", f);
	esc(f, nc ? c[0].what : "latency");
	fputs(d->nenvs > 1 ? ", one curve per environment." : ", one curve per subject.", f);
	fputs(" Above: cumulative distribution on a log latency axis. Below: the tail, "
	      "1&nbsp;&minus;&nbsp;CDF on log&ndash;log axes, where p99 and p99.9 differences show.</p>\n"
	      "<h3>CDF</h3>\n",
	      f);
	svg_cdf(f, c, nc, 0);
	fputs("<h3>Tail</h3>\n", f);
	svg_cdf(f, c, nc, 1);
	fputs("<table><tr><th class=\"l\"></th><th class=\"l\">curve</th>", f);
	if (d->nenvs > 1 && isfinite(d->envs[0].throughput_ops_s))
		fputs("<th>throughput</th>", f);
	fputs("<th>count</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th>"
	      "<th>max</th></tr>\n", f);
	for (size_t i = 0; i < nc; i++) {
		const struct vtax_hist *h = &c[i].h;

		fprintf(f, "<tr><td class=\"l\"><span class=\"sw\" style=\"background:%s\"></span></td>"
			   "<td class=\"l\">", palette[i % NPALETTE]);
		esc(f, c[i].name);
		fputs("</td>", f);
		/* compare: one curve per environment, in order */
		if (d->nenvs > 1 && isfinite(d->envs[0].throughput_ops_s))
			fprintf(f, "<td>%s ops/s</td>",
				fmt_count(b[7], 32, i < d->nenvs ? d->envs[i].throughput_ops_s : NAN));
		fprintf(f, "<td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
			   "<td>%s</td></tr>\n",
			fmt_count(b[0], 32, (double)h->count), vtax_fmt_ns(vtax_hist__mean(h), b[1], 32, VTAX_FMT_HTML),
			vtax_fmt_ns((double)vtax_hist__quantile(h, 0.5), b[2], 32, VTAX_FMT_HTML),
			vtax_fmt_ns((double)vtax_hist__quantile(h, 0.9), b[3], 32, VTAX_FMT_HTML),
			vtax_fmt_ns((double)vtax_hist__quantile(h, 0.99), b[4], 32, VTAX_FMT_HTML),
			vtax_fmt_ns((double)vtax_hist__quantile(h, 0.999), b[5], 32, VTAX_FMT_HTML),
			vtax_fmt_ns((double)h->max_ns, b[6], 32, VTAX_FMT_HTML));
	}
	fputs("</table>\n</section>\n", f);
	free(c);
}

/* ---- per-hop / per-exit-reason breakdowns ---- */

struct bar {
	const struct vtax_series *se;
};

static int bar_cmp(const void *a, const void *b)
{
	const struct vtax_series *x = ((const struct bar *)a)->se, *y = ((const struct bar *)b)->se;

	return x->hist.sum_ns < y->hist.sum_ns ? 1 : x->hist.sum_ns > y->hist.sum_ns ? -1 : 0;
}

/* Horizontal bars of one family of one subject: length = total time. */
static int breakdown(FILE *f, const char *title, const struct vtax_subject *s, const char *family,
		     const char *unit)
{
	struct bar *bars = calloc(s->nseries ? s->nseries : 1, sizeof(*bars));
	size_t n = 0, shown;
	double max = 0;
	char b[4][32], lab[200];

	if (!bars)
		return 0;
	for (size_t k = 0; k < s->nseries; k++)
		if (!strcmp(s->series[k].family, family) && s->series[k].hist.count)
			bars[n++].se = &s->series[k];
	if (!n) {
		free(bars);
		return 0;
	}
	qsort(bars, n, sizeof(*bars), bar_cmp);
	shown = n < 24 ? n : 24;
	max = (double)bars[0].se->hist.sum_ns;
	if (max <= 0)
		max = 1;
	fputs("<h3>", f);
	esc(f, title);
	fputs("</h3>\n", f);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1120\" height=\"%zu\" "
		   "viewBox=\"0 0 1120 %zu\" role=\"img\">\n", 24 * shown + 10, 24 * shown + 10);
	for (size_t i = 0; i < shown; i++) {
		const struct vtax_hist *h = &bars[i].se->hist;
		double w = 320 * (double)h->sum_ns / max, y = 24.0 * (double)i + 4;

		series_label(lab, sizeof(lab), bars[i].se, 0);
		/* long label sets would run off the left edge: cut, full text in the tooltip */
		fprintf(f, "<text x=\"380\" y=\"%.0f\" font-size=\"12\" text-anchor=\"end\">", y + 13);
		if (strlen(lab) > 56) {
			char cut[64];

			snprintf(cut, sizeof(cut), "%.53s…", lab);
			esc(f, cut);
		} else {
			esc(f, lab);
		}
		fprintf(f, "</text><rect x=\"390\" y=\"%.0f\" width=\"%.1f\" height=\"17\" fill=\"%s\">"
			   "<title>", y, w > 1 ? w : 1, palette[i % NPALETTE]);
		esc(f, lab);
		fprintf(f, "</title></rect><text x=\"%.1f\" y=\"%.0f\" font-size=\"12\">%s total · "
			   "%s %s · mean %s · p99 %s</text>\n",
			390 + (w > 1 ? w : 1) + 6, y + 13, vtax_fmt_ns((double)h->sum_ns, b[0], 32, VTAX_FMT_HTML),
			fmt_count(b[1], 32, (double)h->count), unit,
			vtax_fmt_ns(vtax_hist__mean(h), b[2], 32, VTAX_FMT_HTML),
			vtax_fmt_ns((double)vtax_hist__quantile(h, 0.99), b[3], 32, VTAX_FMT_HTML));
	}
	fputs("</svg>\n", f);
	if (n > shown)
		fprintf(f, "<p class=\"note\">%zu more not shown.</p>\n", n - shown);
	free(bars);
	return 1;
}

static void section_breakdowns(FILE *f, const struct vtax_export_doc *d)
{
	static const struct { const char *family, *title, *what, *unit, *none; } fams[] = {
		{ "net", "Network time per hop", "hops", "packets",
		  "No per-hop network series in this result (the net probe was not loaded or saw no packets of these subjects)." },
		{ "kvm", "KVM exits by reason", "exit reasons", "exits",
		  "No KVM exit series in this result (no VM subject, or the kvm probe was not loaded)." },
	};
	char title[256];

	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		int any = 0;

		fprintf(f, "<section id=\"%s\"><h2>%s</h2>\n", fams[i].family, fams[i].title);
		for (size_t e = 0; e < d->nenvs; e++) {
			const struct vtax_result *r = d->envs[e].r;

			for (size_t s = 0; s < r->nsubjects; s++) {
				if (d->nenvs > 1)
					snprintf(title, sizeof(title), "%s · %s",
						 vtax_export__env_name(&d->envs[e]), r->subjects[s].id);
				else
					snprintf(title, sizeof(title), "%s", r->subjects[s].id);
				any |= breakdown(f, title, &r->subjects[s], fams[i].family, fams[i].unit);
			}
		}
		if (!any)
			fprintf(f, "<p class=\"note\">%s</p>\n", fams[i].none);
		else
			fprintf(f, "<p class=\"note\">Bars are total time; sorted by it. Each line gives "
				   "the %s, their count, mean and p99.</p>\n", fams[i].what);
		fputs("</section>\n", f);
	}
}

/* ---- latency heatmap over time ---- */

static void heatmap(FILE *f, const struct vtax_export_env *env, const char *title)
{
	const json_t *iv = env->intervals, *it;
	size_t n = json_array_size(iv), i;
	struct vtax_hist *h = calloc(n ? n : 1, sizeof(*h));
	double *t0 = calloc(n ? n : 1, sizeof(double)), *len = calloc(n ? n : 1, sizeof(double));
	const unsigned group = VTAX_HIST_SUB / 4; /* 4 rows per power of two */
	unsigned rlo = VTAX_HIST_NBUCKETS, rhi = 0, nrows;
	double tmax = 0, left = 80, width = 860, top = 14, ph = 300, cw, rh;
	char b1[32], err[128];
	size_t m = 0;

	if (!h || !t0 || !len)
		goto out;
	json_array_foreach(iv, i, it) {
		const json_t *hj = json_object_get(it, "headline");

		if (!hj || vtax_hist__from_json(hj, &h[m], err, sizeof(err)))
			continue;
		t0[m] = json_number_value(json_object_get(it, "t_s"));
		len[m] = json_number_value(json_object_get(it, "len_s"));
		if (t0[m] + len[m] > tmax)
			tmax = t0[m] + len[m];
		for (unsigned b = 0; b < VTAX_HIST_NBUCKETS; b++)
			if (h[m].buckets[b]) {
				if (b / group < rlo)
					rlo = b / group;
				if (b / group > rhi)
					rhi = b / group;
			}
		m++;
	}
	if (!m || rlo > rhi || tmax <= 0)
		goto out;
	nrows = rhi - rlo + 1;
	rh = ph / nrows;
	fputs("<h3>", f);
	esc(f, title);
	fputs("</h3>\n", f);
	fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1120\" height=\"370\" "
	      "viewBox=\"0 0 1120 370\" role=\"img\">\n", f);
	for (size_t k = 0; k < m; k++) {
		uint64_t tot = 0;

		for (unsigned b = 0; b < VTAX_HIST_NBUCKETS; b++)
			tot += h[k].buckets[b];
		if (!tot)
			continue;
		cw = width * len[k] / tmax;
		for (unsigned r = rlo; r <= rhi; r++) {
			uint64_t cnt = 0;
			double frac, light;

			for (unsigned b = r * group; b < (r + 1) * group && b < VTAX_HIST_NBUCKETS; b++)
				cnt += h[k].buckets[b];
			if (!cnt)
				continue;
			/* share of the interval's operations in this latency band */
			frac = (double)cnt / (double)tot;
			light = 95 - 70 * sqrt(frac);
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.2f\" "
				   "fill=\"hsl(212,70%%,%.0f%%)\"><title>t=%.1fs: %.1f%% in [%s, ",
				left + width * t0[k] / tmax, top + ph - (double)(r - rlo + 1) * rh,
				cw + 0.3, rh + 0.3, light, t0[k], 100 * frac,
				vtax_fmt_ns((double)vtax_hist_lo(r * group), b1, sizeof(b1), VTAX_FMT_HTML));
			fprintf(f, "%s)</title></rect>\n",
				vtax_fmt_ns((double)vtax_hist_hi((r + 1) * group - 1), b1, sizeof(b1), VTAX_FMT_HTML));
		}
	}
	/* latency axis: the lower edge of every k-th band, at most ~12 labels */
	for (unsigned r = rlo; r <= rhi; r += (nrows + 11) / 12) {
		double y = top + ph - (double)(r - rlo) * rh;

		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>"
			   "<line class=\"axis\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
			left - 8, y + 4, vtax_fmt_ns((double)vtax_hist_lo(r * group), b1, sizeof(b1), VTAX_FMT_HTML),
			left - 5, left, y, y);
	}
	for (int t = 0; t <= 5; t++)
		fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\">%.*f s"
			   "</text>\n", left + width * t / 5, top + ph + 16, tmax < 10 ? 1 : 0,
			tmax * t / 5);
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
		   "stroke=\"#8a94a3\"/>\n", left, top, width, ph);
	fprintf(f, "<text x=\"%.0f\" y=\"362\" font-size=\"12\" text-anchor=\"middle\">time since "
		   "start (%zu intervals); darker = larger share of that interval's operations</text>\n",
		left + width / 2, m);
	fputs("</svg>\n", f);
out:
	free(h);
	free(t0);
	free(len);
}

static void section_heatmap(FILE *f, const struct vtax_export_doc *d)
{
	int any = 0;

	for (size_t e = 0; e < d->nenvs; e++)
		any |= json_array_size(d->envs[e].intervals) > 0;
	if (!any)
		return;
	fputs("<section id=\"heatmap\"><h2>Latency over time</h2>\n<p class=\"note\">Headline latency "
	      "(all subjects) per interval: each column is an interval, each row a latency band "
	      "(log scale, 4 per power of two).</p>\n",
	      f);
	for (size_t e = 0; e < d->nenvs; e++)
		if (json_array_size(d->envs[e].intervals))
			heatmap(f, &d->envs[e], *vtax_export__env_name(&d->envs[e])
							 ? vtax_export__env_name(&d->envs[e])
							 : d->envs[e].r->mode);
	fputs("</section>\n", f);
}

/* ---- tables of series, counters, drops ---- */

static void section_series(FILE *f, const struct vtax_export_doc *d)
{
	char b[8][32], lab[200];

	fputs("<section id=\"series\"><h2>Top series</h2>\n<p class=\"note\">Per subject, the "
	      "series with the most total time (whole series; syscall on-CPU/run-queue/blocked "
	      "parts are in the CSV and JSON).</p>\n",
	      f);
	for (size_t e = 0; e < d->nenvs; e++) {
		const struct vtax_result *r = d->envs[e].r;

		for (size_t i = 0; i < r->nsubjects; i++) {
			const struct vtax_subject *s = &r->subjects[i];
			struct bar *bars = calloc(s->nseries ? s->nseries : 1, sizeof(*bars));
			size_t n = 0;

			if (!bars)
				return;
			for (size_t k = 0; k < s->nseries; k++)
				if (vtax_export__is_whole(&s->series[k]))
					bars[n++].se = &s->series[k];
			qsort(bars, n, sizeof(*bars), bar_cmp);
			fputs("<h3>", f);
			if (d->nenvs > 1) {
				esc(f, vtax_export__env_name(&d->envs[e]));
				fputs(" · ", f);
			}
			esc(f, s->id);
			fprintf(f, " <small>(%s)</small></h3>\n", s->kind);
			fputs("<table><tr><th class=\"l\">series</th><th>count</th><th>total</th>"
			      "<th>mean</th><th>p50</th><th>p99</th><th>max</th></tr>\n",
			      f);
			for (size_t k = 0; k < n && k < 15; k++) {
				const struct vtax_hist *h = &bars[k].se->hist;

				series_label(lab, sizeof(lab), bars[k].se, 1);
				fputs("<tr><td class=\"l\">", f);
				esc(f, lab);
				fprintf(f, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
					   "<td>%s</td></tr>\n",
					fmt_count(b[0], 32, (double)h->count),
					vtax_fmt_ns((double)h->sum_ns, b[1], 32, VTAX_FMT_HTML),
					vtax_fmt_ns(vtax_hist__mean(h), b[2], 32, VTAX_FMT_HTML),
					vtax_fmt_ns((double)vtax_hist__quantile(h, 0.5), b[3], 32, VTAX_FMT_HTML),
					vtax_fmt_ns((double)vtax_hist__quantile(h, 0.99), b[4], 32, VTAX_FMT_HTML),
					vtax_fmt_ns((double)h->max_ns, b[5], 32, VTAX_FMT_HTML));
			}
			fputs("</table>\n", f);
			if (s->ncounters) {
				fputs("<table><tr><th class=\"l\">counter</th><th>value</th></tr>\n", f);
				for (size_t c = 0; c < s->ncounters; c++) {
					fputs("<tr><td class=\"l\">", f);
					esc(f, s->counters[c].name);
					fprintf(f, "</td><td>%.6g %s</td></tr>\n", s->counters[c].value,
						s->counters[c].unit);
				}
				fputs("</table>\n", f);
			}
			free(bars);
		}
	}
	fputs("</section>\n", f);
}

static void section_drops(FILE *f, const struct vtax_export_doc *d)
{
	double total = 0;

	for (size_t e = 0; e < d->nenvs; e++)
		for (size_t i = 0; i < d->envs[e].r->ndrops; i++)
			total += d->envs[e].r->drops[i].value;
	fputs("<section id=\"drops\"><h2>Drops</h2>\n", f);
	if (total == 0) {
		fputs("<p class=\"note\">No events were lost: every measurement is in the figures "
		      "above.</p>\n</section>\n", f);
		return;
	}
	fputs("<table><tr><th class=\"l\">environment</th><th class=\"l\">reason</th><th>events</th>"
	      "</tr>\n", f);
	for (size_t e = 0; e < d->nenvs; e++)
		for (size_t i = 0; i < d->envs[e].r->ndrops; i++) {
			if (!d->envs[e].r->drops[i].value)
				continue;
			fputs("<tr><td class=\"l\">", f);
			esc(f, *vtax_export__env_name(&d->envs[e]) ? vtax_export__env_name(&d->envs[e])
								    : d->envs[e].r->mode);
			fputs("</td><td class=\"l\">", f);
			esc(f, d->envs[e].r->drops[i].name);
			fprintf(f, "</td><td>%.0f</td></tr>\n", d->envs[e].r->drops[i].value);
		}
	fputs("</table>\n</section>\n", f);
}

static void header(FILE *f, const struct vtax_export_doc *d)
{
	const struct vtax_result *r0 = d->envs[0].r;
	char when[64] = "";
	time_t t = (time_t)(r0->start_unix_ns / 1000000000ull);
	struct tm tm;

	if (r0->start_unix_ns && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>vtax report: ", f);
	esc(f, d->mode);
	if (d->workload[0]) {
		fputs(" ", f);
		esc(f, d->workload);
	}
	fprintf(f, "</title>\n<style>%s</style></head>\n<body><main>\n<h1>vtax report</h1>\n"
		   "<p class=\"meta\">", css);
	fputs("mode <b>", f);
	esc(f, d->mode[0] ? d->mode : "?");
	fputs("</b>", f);
	if (d->workload[0]) {
		fputs(" · workload <b>", f);
		esc(f, d->workload);
		fputs("</b>", f);
	}
	if (d->nenvs > 1) {
		fputs(" · environments", f);
		for (size_t e = 0; e < d->nenvs; e++) {
			fputs(e ? ", " : " ", f);
			esc(f, vtax_export__env_name(&d->envs[e]));
		}
	} else {
		fprintf(f, " · %zu subject%s", r0->nsubjects, r0->nsubjects == 1 ? "" : "s");
	}
	{
		double secs = 0;

		for (size_t e = 0; e < d->nenvs; e++)
			secs += d->envs[e].r->duration_s;
		fprintf(f, " · %.1f s measured", secs);
	}
	if (when[0])
		fprintf(f, " · started %s", when);
	fputs("</p>\n", f);
	for (size_t i = 0; i < d->nnotes; i++) {
		fputs("<p class=\"warn\">", f);
		esc(f, d->notes[i]);
		fputs("</p>\n", f);
	}
	for (size_t e = 0; e < d->nenvs; e++) {
		if (!d->envs[e].r->label[0])
			continue;
		fputs("<p class=\"warn\">", f);
		if (vtax_export__env_name(&d->envs[e])[0]) {
			fputs("<b>", f);
			esc(f, vtax_export__env_name(&d->envs[e]));
			fputs("</b>: ", f);
		}
		esc(f, d->envs[e].r->label);
		fputs("</p>\n", f);
	}
}

int vtax_export__html(FILE *f, const struct vtax_export_doc *d)
{
	if (!d->nenvs)
		return -EINVAL;
	header(f, d);
	section_ledger(f, d);
	section_latency(f, d);
	section_breakdowns(f, d);
	section_heatmap(f, d);
	section_series(f, d);
	section_drops(f, d);
	fprintf(f, "<footer>generated by vtax %s · histograms are log-linear (±3%%) · "
		   "formats: docs/export.md</footer>\n</main></body></html>\n", VTAX_VERSION);
	return ferror(f) ? -EIO : 0;
}
