// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * export.h - vtax results in the formats other tools read: CSV (tidy long
 * format), OpenMetrics text, gnuplot data + script, and a self-contained
 * HTML report (docs/export.md).
 *
 * Every exporter reads one model, struct vtax_export_doc: a list of
 * environments, each a struct vtax_result (one for `run`/`attach`, one per
 * environment for `compare`), plus the compare ledger when there is one.
 * It is built from a JSON document (vtax_export__from_json: a run/attach
 * result or a compare document) or from a result in memory.
 *
 * Every file is written to a temp file next to its destination and renamed
 * into place once complete, so a failure never leaves partial output.
 */
#ifndef VTAX_EXPORT_H
#define VTAX_EXPORT_H

#include <jansson.h>
#include <stdio.h>
#include "result/result.h"

/* One measured environment: a compare environment, or the one result. */
struct vtax_export_env {
	char name[64];             /* compare environment name, else "" */
	struct vtax_result *r;
	int owned;                 /* r is freed with the doc */
	const json_t *intervals;   /* optional "intervals" array (heatmap) */
	double throughput_ops_s;   /* compare: measured throughput, NAN if absent */
};

/* One component of one environment's ledger, per workload operation. */
struct vtax_export_ledger_item {
	char component[64];
	char knob[96];             /* what removes it ("--net=host"), may be "" */
	double ns_per_op;
};

struct vtax_export_ledger_env {
	char env[64];
	double delta_ns_per_op;    /* end-to-end difference from the baseline, NAN if absent */
	double closure;            /* explained / delta in [0,1], NAN if absent */
	double delta_lo, delta_hi; /* its 95% confidence interval (diff_ci95_ns), NAN if absent */
	char headline[512];        /* the ledger's own one-line summary, may be "" */
	size_t nitems;
	struct vtax_export_ledger_item *items;
};

struct vtax_export_doc {
	char mode[16];             /* run, attach, compare */
	char workload[64];         /* compare: the workload name, else "" */
	char op_unit[32];          /* ledger: "request", "transaction", "io", "op" */
	char baseline[64];         /* ledger: the reference environment */
	size_t nenvs;
	struct vtax_export_env *envs;
	size_t nledger;
	struct vtax_export_ledger_env *ledger;
	json_t *json;              /* the source document (a reference), or NULL */
	size_t nnotes;             /* failed environments, warnings: shown in reports */
	char notes[8][256];
};

/* A latency distribution to draw: one environment, or one subject. */
struct vtax_export_curve {
	char name[128];
	char what[96];             /* which series were merged, for captions */
	struct vtax_hist h;
};

/* Options of the OpenMetrics writer. */
struct vtax_om_opts {
	int le_per_octave;         /* 1, 2, 4, 8 or 16 `le` buckets per power of two */
	size_t max_series;         /* cap on histogram series (0 = none); the rest merge into name="_other" */
	int with_eof;              /* end with "# EOF" */
};

/* Build a doc from a JSON document (takes a reference on doc). */
int vtax_export__from_json(json_t *doc, struct vtax_export_doc *d, char *err, size_t errlen);
/* Build a doc around r (not copied, not freed); intervals may be NULL. */
int vtax_export__from_result(const struct vtax_result *r, const json_t *intervals,
			     struct vtax_export_doc *d);
void vtax_export__free(struct vtax_export_doc *d);

/* Known format name? (csv, openmetrics, gnuplot, html) */
int vtax_export__known(const char *format);
/* Write d as format to path ("-" or NULL = stdout where the format allows). */
int vtax_export__doc_write(const char *format, const struct vtax_export_doc *d, const char *path,
			   const struct vtax_om_opts *om, char *err, size_t errlen);
/* For run/attach/compare: export r, with doc's optional "intervals"; or,
 * when r is NULL, the document doc (a saved result or a compare document),
 * as format to path ("-" = stdout).  0 or -errno with err filled. */
/* --le-per-octave: 1, 2, 4, 8 or 16; 0, or one error line and 1 */
int vtax_export__parse_le(const char *s, int *out);
int vtax_export__write(const char *format, const struct vtax_result *r, json_t *doc,
		       const char *path, char *err, size_t errlen);

/* The headline latency of a result: its client-side latency series
 * (families client/load/workload) if any, else every syscall's
 * part=total series; subject NULL = all subjects.  Fills what. */
void vtax_export__headline(const struct vtax_result *r, const char *subject, struct vtax_hist *out,
			   char *what, size_t whatlen);
/* Curves to overlay: one per environment (compare), else one per subject. */
int vtax_export__curves(const struct vtax_export_doc *d, struct vtax_export_curve **out, size_t *n);
/* "subject" column value for an environment's subject. */
const char *vtax_export__env_name(const struct vtax_export_env *e);
/* Is this series a whole (not a part of another series)?  Used to sum
 * time per family without counting syscall parts twice. */
int vtax_export__is_whole(const struct vtax_series *se);

/* Per-format writers (export_*.c). */
int vtax_export__csv(const struct vtax_export_doc *d, const char *path, char *err, size_t errlen);
int vtax_export__openmetrics(FILE *f, const struct vtax_export_doc *d, const struct vtax_om_opts *o);
int vtax_export__gnuplot(const struct vtax_export_doc *d, const char *dir, char *err, size_t errlen);
int vtax_export__html(FILE *f, const struct vtax_export_doc *d);

/* Per-interval headline histograms of an attach run (HTML heatmap), kept
 * bounded: past VTAX_INTERVALS_MAX intervals, neighbours are merged
 * pairwise (the time resolution halves, the memory does not grow). */
#define VTAX_INTERVALS_MAX 240
struct vtax_intervals;
struct vtax_intervals *vtax_intervals__new(void);
void vtax_intervals__free(struct vtax_intervals *iv);
/* Record one interval: delta is what happened in [t_s, t_s + len_s). */
int vtax_intervals__add(struct vtax_intervals *iv, const struct vtax_result *delta, double t_s,
			double len_s);
/* The "intervals" array of the JSON result (docs/json.md). */
json_t *vtax_intervals__to_json(const struct vtax_intervals *iv);

#endif
