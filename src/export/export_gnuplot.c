// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * export_gnuplot.c - results as gnuplot data files and a script that draws
 * them: `vtax export R.json --format gnuplot -o DIR; cd DIR; gnuplot plot.gp`
 * makes cdf.png (latency CDFs overlaid, log x), tail.png (1 - CDF, log-log)
 * and ledger.png (stacked bars per environment).
 *
 *   DIR/cdf.dat     one block per curve (gnuplot `index`), rows
 *                   "latency_us cdf ccdf" at every non-empty bucket's upper
 *                   edge: the CDF is exact at those points
 *   DIR/ledger.dat  a table: first column the environment (or subject),
 *                   then one column per component; per-operation µs from
 *                   the compare ledger, or without one the total seconds
 *                   per probe family (families can overlap in time)
 *   DIR/plot.gp     the script (pngcairo when gnuplot has it, else png)
 *
 * A curve is an environment of a compare, or a subject of a run/attach
 * (export.h: vtax_export__curves).  The files are written as temp files
 * and renamed together at the end; on failure none is left and a
 * directory this call created is removed.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "export/export.h"
#include "trace/hist.h"
#include "util/output.h"

/* A string as a gnuplot double-quoted string / quoted data field. */
static void gp_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
	fputc('"', f);
}

static void write_cdf(FILE *f, const struct vtax_export_curve *c, size_t nc)
{
	fputs("# vtax latency CDFs: one block per curve (gnuplot index N)\n", f);
	for (size_t i = 0; i < nc; i++) {
		uint64_t total = 0, cum = 0;

		for (unsigned b = 0; b < VTAX_HIST_NBUCKETS; b++)
			total += c[i].h.buckets[b];
		fprintf(f, "%s# curve %zu: %s (%s)\n# latency_us cdf ccdf\n", i ? "\n\n" : "", i,
			c[i].name, c[i].what);
		if (!total) {
			/* an empty block would shift every later index */
			fputs("1 0 1\n", f);
			continue;
		}
		for (unsigned b = 0; b < VTAX_HIST_NBUCKETS; b++) {
			if (!c[i].h.buckets[b])
				continue;
			cum += c[i].h.buckets[b];
			fprintf(f, "%.6g %.9g %.9g\n", (double)vtax_hist_hi(b) / 1e3,
				(double)cum / (double)total, 1.0 - (double)cum / (double)total);
		}
	}
}

/* Columns of the stacked-bar table. */
struct bars {
	size_t nrows, ncols;
	char rows[64][128];
	char cols[32][64];
	double v[64][32];
	char ylabel[96];
};

static size_t bars_col(struct bars *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->ncols; i++)
		if (!strcmp(b->cols[i], name))
			return i;
	if (b->ncols == 32)
		return 31; /* the last column collects the rest */
	snprintf(b->cols[b->ncols], sizeof(b->cols[0]), "%s", name);
	return b->ncols++;
}

static void build_bars(const struct vtax_export_doc *d, struct bars *b)
{
	memset(b, 0, sizeof(*b));
	if (d->nledger) {
		snprintf(b->ylabel, sizeof(b->ylabel), "extra µs per %s vs %s",
			 d->op_unit[0] ? d->op_unit : "operation",
			 d->baseline[0] ? d->baseline : "baseline");
		for (size_t e = 0; e < d->nledger && b->nrows < 64; e++, b->nrows++) {
			snprintf(b->rows[b->nrows], sizeof(b->rows[0]), "%s", d->ledger[e].env);
			for (size_t i = 0; i < d->ledger[e].nitems; i++)
				b->v[b->nrows][bars_col(b, d->ledger[e].items[i].component)] +=
					d->ledger[e].items[i].ns_per_op / 1e3;
		}
		return;
	}
	snprintf(b->ylabel, sizeof(b->ylabel), "total time per probe family (s; families overlap)");
	for (size_t e = 0; e < d->nenvs; e++) {
		const struct vtax_result *r = d->envs[e].r;

		for (size_t s = 0; s < r->nsubjects && b->nrows < 64; s++) {
			const struct vtax_subject *sj = &r->subjects[s];

			if (d->nenvs > 1)
				snprintf(b->rows[b->nrows], sizeof(b->rows[0]), "%s %s",
					 vtax_export__env_name(&d->envs[e]), sj->id);
			else
				snprintf(b->rows[b->nrows], sizeof(b->rows[0]), "%s", sj->id);
			for (size_t k = 0; k < sj->nseries; k++)
				if (vtax_export__is_whole(&sj->series[k]))
					b->v[b->nrows][bars_col(b, sj->series[k].family)] +=
						(double)sj->series[k].hist.sum_ns / 1e9;
			b->nrows++;
		}
	}
}

static void write_ledger(FILE *f, const struct bars *b)
{
	fputs("\"environment\"", f);
	for (size_t c = 0; c < b->ncols; c++) {
		fputc(' ', f);
		gp_str(f, b->cols[c]);
	}
	fputc('\n', f);
	for (size_t r = 0; r < b->nrows; r++) {
		gp_str(f, b->rows[r]);
		for (size_t c = 0; c < b->ncols; c++)
			fprintf(f, " %.6g", b->v[r][c]);
		fputc('\n', f);
	}
}

static void write_script(FILE *f, const struct vtax_export_doc *d,
			 const struct vtax_export_curve *c, size_t nc, const struct bars *b)
{
	fputs("# vtax plots: cd to this directory, then `gnuplot plot.gp`\n"
	      "# writes cdf.png, tail.png and ledger.png (pngcairo if available, else png)\n"
	      "if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
	      "    set terminal pngcairo size 1200,700 noenhanced font \"sans,11\"\n"
	      "} else {\n"
	      "    set terminal png size 1200,700 noenhanced\n"
	      "}\n"
	      "set grid\n"
	      "set key outside right top\n"
	      "set logscale x 10\n"
	      "set xlabel \"latency (µs)\"\n",
	      f);
	/* CDF */
	fputs("set output \"cdf.png\"\nset ylabel \"fraction of operations <= latency\"\n"
	      "set yrange [0:1]\nset title ",
	      f);
	gp_str(f, nc ? c[0].what : "latency");
	fputs("\nplot \\\n", f);
	for (size_t i = 0; i < nc; i++) {
		fprintf(f, "    \"cdf.dat\" index %zu using 1:2 with steps lw 2 title ", i);
		gp_str(f, c[i].name);
		fputs(i + 1 < nc ? ", \\\n" : "\n", f);
	}
	if (!nc)
		fputs("    NaN notitle\n", f);
	/* tail, log-log */
	fputs("set output \"tail.png\"\nset logscale y 10\nset yrange [1e-5:1]\n"
	      "set ylabel \"fraction of operations > latency\"\nset title \"latency tail (1 - CDF)\"\n"
	      "plot \\\n",
	      f);
	for (size_t i = 0; i < nc; i++) {
		fprintf(f, "    \"cdf.dat\" index %zu using 1:($3 > 0 ? $3 : NaN) with steps lw 2 title ", i);
		gp_str(f, c[i].name);
		fputs(i + 1 < nc ? ", \\\n" : "\n", f);
	}
	if (!nc)
		fputs("    NaN notitle\n", f);
	/* ledger: stacked bars */
	fputs("unset logscale\nset autoscale y\nset yrange [*:*]\nset output \"ledger.png\"\n"
	      "set style data histograms\nset style histogram rowstacked\n"
	      "set style fill solid 0.85 border -1\nset boxwidth 0.6\nset xtics rotate by -20\n"
	      "unset xlabel\nset key outside right top\nset ylabel ",
	      f);
	gp_str(f, b->ylabel);
	fputs("\nset title ", f);
	gp_str(f, d->nledger ? "tax ledger per environment" : "where the time went");
	fputc('\n', f);
	if (b->ncols && b->nrows)
		fprintf(f, "plot for [i=2:%zu] \"ledger.dat\" using i:xtic(1) title columnheader(i)\n",
			b->ncols + 1);
	else
		fputs("plot NaN title \"no data\"\n", f);
}

int vtax_export__gnuplot(const struct vtax_export_doc *d, const char *dir, char *err, size_t errlen)
{
	static const char *const names[] = { "cdf.dat", "ledger.dat", "plot.gp" };
	struct vtax_out of[3];
	struct vtax_export_curve *c = NULL;
	struct bars *b;
	size_t nc = 0, opened = 0, committed = 0;
	char path[4096];
	int made = 0, rc = 0;
	size_t failed = 0;
	struct stat st;

	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "cannot write %s: not a directory", dir);
			return -ENOTDIR;
		}
	} else if (mkdir(dir, 0755)) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return rc;
	} else {
		made = 1;
	}
	b = calloc(1, sizeof(*b));
	if (!b || vtax_export__curves(d, &c, &nc)) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	build_bars(d, b);
	for (; opened < 3; opened++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[opened]);
		rc = vtax_out__open(&of[opened], path, err, errlen);
		if (rc)
			goto out;
	}
	write_cdf(of[0].f, c, nc);
	write_ledger(of[1].f, b);
	write_script(of[2].f, d, c, nc, b);
	for (; committed < 3; committed++) {
		rc = vtax_out__commit(&of[committed], err, errlen);
		if (rc) {
			failed = 1; /* commit closed and removed that temp file */
			goto out;
		}
	}
out:
	for (size_t i = committed + failed; i < opened; i++)
		vtax_out__abort(&of[i]);
	if (rc) {
		for (size_t i = 0; i < committed; i++)
			unlink(of[i].path);
		if (made)
			rmdir(dir);
	}
	free(c);
	free(b);
	return rc;
}
