// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * export.c - the model every exporter reads (struct vtax_export_doc), built
 * from a run/attach result or a compare document; the format dispatcher;
 * atomic output files; and per-interval histograms for the HTML heatmap.
 *
 * Compare documents come from another part of vtax and may grow: they are
 * read defensively.  An environment is any item of "environments" holding a
 * result object (directly, or under "result"); items without one (a failed
 * environment) are skipped.  The ledger is read from the shapes documented
 * in docs/export.md, and anything unrecognised in it is ignored rather
 * than guessed at.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmd/cli.h"
#include "export/export.h"
#include "trace/hist.h"
#include "util/output.h"
#include "result/result_json.h"

static const char *jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* First of several keys that holds a number. */
static double jnum_any(const json_t *o, const char *const *keys, double dflt)
{
	for (; *keys; keys++) {
		const json_t *v = json_object_get(o, *keys);

		if (json_is_number(v))
			return json_number_value(v);
	}
	return dflt;
}

static const char *jstr_any(const json_t *o, const char *const *keys)
{
	for (; *keys; keys++) {
		const char *s = jstr(o, *keys);

		if (s)
			return s;
	}
	return NULL;
}

static const char *const k_name[] = { "component", "name", "cause", "key", NULL };
static const char *const k_value[] = { "ns_per_op", "per_op_ns", "delta_ns_per_op", "delta_ns",
				       "ns", "value", NULL };
static const char *const k_delta[] = { "diff_ns_per_op", "delta_ns_per_op", "delta_ns",
				       "total_delta_ns", "difference_ns", NULL };
static const char *const k_unexpl[] = { "unexplained_ns_per_op", "unexplained_ns",
					"unexplained", NULL };
static const char *const k_items[] = { "components", "items", "rows", "causes", NULL };

static int ledger_add_item(struct vtax_export_ledger_env *le, const char *name, const char *knob,
			   double v)
{
	struct vtax_export_ledger_item *n;

	/* causes measured as absent (or exactly nothing) would only add empty columns */
	if (!isfinite(v) || v == 0)
		return 0;
	n = realloc(le->items, (le->nitems + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	le->items = n;
	snprintf(n[le->nitems].component, sizeof(n->component), "%s", name);
	snprintf(n[le->nitems].knob, sizeof(n->knob), "%s", knob ? knob : "");
	n[le->nitems].ns_per_op = v;
	le->nitems++;
	return 0;
}

/* One environment's ledger entry: {"components": [...] | {...}, ...}. */
static int ledger_env_from_json(const json_t *e, const char *name, struct vtax_export_ledger_env *le)
{
	const json_t *items = NULL, *it;
	const char *key;
	size_t i;
	double u;

	memset(le, 0, sizeof(*le));
	snprintf(le->env, sizeof(le->env), "%s", name);
	le->delta_ns_per_op = jnum_any(e, k_delta, NAN);
	le->closure = jnum_any(e, (const char *const[]){ "closure", NULL }, NAN);
	{
		const json_t *ci = json_object_get(e, "diff_ci95_ns");

		le->delta_lo = le->delta_hi = NAN;
		if (json_is_array(ci) && json_array_size(ci) == 2 &&
		    json_is_number(json_array_get(ci, 0)) && json_is_number(json_array_get(ci, 1))) {
			le->delta_lo = json_number_value(json_array_get(ci, 0));
			le->delta_hi = json_number_value(json_array_get(ci, 1));
		}
	}
	snprintf(le->headline, sizeof(le->headline), "%s",
		 jstr_any(e, (const char *const[]){ "headline", "summary", NULL }) ?: "");
	for (const char *const *k = k_items; *k && !items; k++)
		items = json_object_get(e, *k);
	if (json_is_array(items)) {
		json_array_foreach(items, i, it) {
			const char *n = jstr_any(it, k_name);

			if (json_is_false(json_object_get(it, "present")))
				continue;
			if (n && ledger_add_item(le, n, jstr(it, "knob"), jnum_any(it, k_value, NAN)))
				return -ENOMEM;
		}
	} else if (json_is_object(items)) {
		json_object_foreach((json_t *)items, key, it) {
			double v = json_is_number(it) ? json_number_value(it)
						      : jnum_any(it, k_value, NAN);

			if (ledger_add_item(le, key, NULL, v))
				return -ENOMEM;
		}
	}
	u = jnum_any(e, k_unexpl, NAN);
	if (isfinite(u) && ledger_add_item(le, "unexplained", NULL, u))
		return -ENOMEM;
	return 0;
}

static int ledger_from_json(const json_t *l, struct vtax_export_doc *d)
{
	const json_t *envs, *e;
	const char *key, *s;
	size_t i;

	if (!json_is_object(l))
		return 0;
	if ((s = jstr_any(l, (const char *const[]){ "op", "unit", "op_unit", "per", NULL })))
		snprintf(d->op_unit, sizeof(d->op_unit), "%s", s);
	if ((s = jstr_any(l, (const char *const[]){ "baseline", "reference", NULL })))
		snprintf(d->baseline, sizeof(d->baseline), "%s", s);
	envs = json_object_get(l, "environments");
	if (!envs)
		envs = json_object_get(l, "envs");
	if (json_is_array(envs)) {
		d->ledger = calloc(json_array_size(envs) + 1, sizeof(*d->ledger));
		if (!d->ledger)
			return -ENOMEM;
		json_array_foreach(envs, i, e) {
			const char *n = jstr_any(e, (const char *const[]){ "env", "name",
									   "environment", NULL });

			if (!json_is_object(e) || !n)
				continue;
			if (ledger_env_from_json(e, n, &d->ledger[d->nledger++]))
				return -ENOMEM;
		}
	} else {
		/* keyed by environment name: {"docker-nat": {...}, ...} */
		if (!json_is_object(envs))
			envs = l;
		d->ledger = calloc(json_object_size(envs) + 1, sizeof(*d->ledger));
		if (!d->ledger)
			return -ENOMEM;
		json_object_foreach((json_t *)envs, key, e) {
			if (!json_is_object(e))
				continue;
			if (ledger_env_from_json(e, key, &d->ledger[d->nledger]))
				return -ENOMEM;
			/* an object that held no ledger shape is not an environment */
			if (d->ledger[d->nledger].nitems || isfinite(d->ledger[d->nledger].delta_ns_per_op))
				d->nledger++;
			else
				free(d->ledger[d->nledger].items);
		}
	}
	return 0;
}

static int add_env(struct vtax_export_doc *d, const char *name, struct vtax_result *r, int owned,
		   const json_t *intervals)
{
	struct vtax_export_env *n = realloc(d->envs, (d->nenvs + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	d->envs = n;
	memset(&n[d->nenvs], 0, sizeof(*n));
	snprintf(n[d->nenvs].name, sizeof(n->name), "%s", name ? name : "");
	n[d->nenvs].throughput_ops_s = NAN;
	n[d->nenvs].r = r;
	n[d->nenvs].owned = owned;
	n[d->nenvs].intervals = json_is_array(intervals) ? intervals : NULL;
	d->nenvs++;
	return 0;
}

int vtax_export__from_json(json_t *doc, struct vtax_export_doc *d, char *err, size_t errlen)
{
	const char *mode = jstr(doc, "mode");
	struct vtax_result *r;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(doc)) {
		snprintf(err, errlen, "not a vtax result (not a JSON object)");
		return -EINVAL;
	}
	d->json = json_incref(doc);
	snprintf(d->mode, sizeof(d->mode), "%s", mode ? mode : "");
	if (json_is_array(json_object_get(doc, "environments"))) {
		const json_t *envs = json_object_get(doc, "environments"), *e, *w;
		size_t i;

		const char *op = jstr(json_object_get(doc, "workload"), "op");

		json_array_foreach(envs, i, e) {
			const json_t *res = e;
			const char *name, *st = jstr(e, "status"), *msg;
			char suberr[256], dflt[32];

			snprintf(dflt, sizeof(dflt), "env%zu", i + 1);
			name = jstr_any(e, (const char *const[]){ "env", "name", "environment", NULL });
			if (!name || !*name)
				name = dflt;
			if (!json_is_array(json_object_get(res, "subjects")) &&
			    json_is_object(json_object_get(e, "result")))
				res = json_object_get(e, "result");
			if (!json_is_array(json_object_get(res, "subjects")) || (st && !strcmp(st, "failed"))) {
				/* a failed environment: nothing measured, say why */
				msg = jstr(e, "error");
				if (d->nnotes < 8)
					snprintf(d->notes[d->nnotes++], sizeof(d->notes[0]), "%s failed: %s",
						 name, msg ? msg : "no measurements");
				continue;
			}
			r = vtax_result__from_json(res, suberr, sizeof(suberr));
			if (!r) {
				snprintf(err, errlen, "environment %zu: %s", i, suberr);
				vtax_export__free(d);
				return -EINVAL;
			}
			if ((msg = jstr(e, "warning")) && *msg && d->nnotes < 8)
				snprintf(d->notes[d->nnotes++], sizeof(d->notes[0]), "%s: %s", name, msg);
			/* the workload's client-side latency becomes a series of its own,
			 * so every exporter sees it (subject "client", family "client") */
			if (json_is_object(json_object_get(e, "client_latency"))) {
				struct vtax_subject *cs = vtax_result__subject(r, "client", "client");
				struct vtax_series *se =
					cs ? vtax_subject__series(cs, "client", op && *op ? op : "op", 0, NULL)
					   : NULL;

				if (!se) {
					vtax_result__free(r);
					goto oom;
				}
				if (vtax_hist__from_json(json_object_get(e, "client_latency"), &se->hist,
							 suberr, sizeof(suberr))) {
					snprintf(err, errlen, "environment %s: client_latency: %s", name,
						 suberr);
					vtax_result__free(r);
					vtax_export__free(d);
					return -EINVAL;
				}
			}
			if (add_env(d, name, r, 1, json_object_get(res, "intervals"))) {
				vtax_result__free(r);
				goto oom;
			}
			d->envs[d->nenvs - 1].throughput_ops_s =
				jnum_any(e, (const char *const[]){ "throughput_ops_s", NULL }, NAN);
		}
		if (!d->nenvs) {
			snprintf(err, errlen, "compare document without any measured environment");
			vtax_export__free(d);
			return -EINVAL;
		}
		w = json_object_get(doc, "workload");
		if (json_is_string(w))
			snprintf(d->workload, sizeof(d->workload), "%s", json_string_value(w));
		else if (jstr_any(w, (const char *const[]){ "name", "kind", "workload", NULL }))
			snprintf(d->workload, sizeof(d->workload), "%s",
				 jstr_any(w, (const char *const[]){ "name", "kind", "workload", NULL }));
		if (ledger_from_json(json_object_get(doc, "ledger"), d))
			goto oom;
		if (!d->mode[0])
			snprintf(d->mode, sizeof(d->mode), "compare");
		return 0;
	}
	r = vtax_result__from_json(doc, err, errlen);
	if (!r) {
		vtax_export__free(d);
		return -EINVAL;
	}
	if (add_env(d, r->env, r, 1, json_object_get(doc, "intervals"))) {
		vtax_result__free(r);
		goto oom;
	}
	if (ledger_from_json(json_object_get(doc, "ledger"), d))
		goto oom;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	vtax_export__free(d);
	return -ENOMEM;
}

int vtax_export__from_result(const struct vtax_result *r, const json_t *intervals,
			     struct vtax_export_doc *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->mode, sizeof(d->mode), "%s", r->mode);
	/* not owned: the cast only lets one struct serve both cases */
	return add_env(d, r->env, (struct vtax_result *)r, 0, intervals);
}

void vtax_export__free(struct vtax_export_doc *d)
{
	for (size_t i = 0; i < d->nenvs; i++)
		if (d->envs[i].owned)
			vtax_result__free(d->envs[i].r);
	free(d->envs);
	for (size_t i = 0; i < d->nledger; i++)
		free(d->ledger[i].items);
	free(d->ledger);
	json_decref(d->json);
	memset(d, 0, sizeof(*d));
}

const char *vtax_export__env_name(const struct vtax_export_env *e)
{
	return e->name[0] ? e->name : e->r->env;
}

int vtax_export__is_whole(const struct vtax_series *se)
{
	const char *part = vtax_series__label(se, "part");

	return !part || !strcmp(part, "total");
}

static int is_client_family(const char *f)
{
	return !strcmp(f, "client") || !strcmp(f, "load") || !strcmp(f, "workload");
}

void vtax_export__headline(const struct vtax_result *r, const char *subject, struct vtax_hist *out,
			   char *what, size_t whatlen)
{
	int client = 0;

	vtax_hist__reset(out);
	for (size_t i = 0; i < r->nsubjects && !client; i++)
		for (size_t k = 0; k < r->subjects[i].nseries && !client; k++)
			if ((!subject || !strcmp(subject, r->subjects[i].id)) &&
			    is_client_family(r->subjects[i].series[k].family))
				client = 1;
	for (size_t i = 0; i < r->nsubjects; i++) {
		const struct vtax_subject *s = &r->subjects[i];

		if (subject && strcmp(subject, s->id))
			continue;
		for (size_t k = 0; k < s->nseries; k++) {
			const struct vtax_series *se = &s->series[k];

			if (client ? is_client_family(se->family)
				   : !strcmp(se->family, "syscall") && vtax_export__is_whole(se))
				vtax_hist__merge(out, &se->hist);
		}
	}
	snprintf(what, whatlen, "%s", client ? "client-side operation latency"
					     : "syscall latency (all syscalls)");
}

int vtax_export__curves(const struct vtax_export_doc *d, struct vtax_export_curve **out, size_t *n)
{
	struct vtax_export_curve *c = NULL, *t;
	size_t nc = 0;

	for (size_t e = 0; e < d->nenvs; e++) {
		const struct vtax_result *r = d->envs[e].r;
		size_t nsub = d->nenvs > 1 ? 1 : r->nsubjects;

		for (size_t s = 0; s < nsub; s++) {
			t = realloc(c, (nc + 1) * sizeof(*c));
			if (!t) {
				free(c);
				return -ENOMEM;
			}
			c = t;
			if (d->nenvs > 1)
				snprintf(c[nc].name, sizeof(c->name), "%s", vtax_export__env_name(&d->envs[e]));
			else
				snprintf(c[nc].name, sizeof(c->name), "%s", r->subjects[s].id);
			vtax_export__headline(r, d->nenvs > 1 ? NULL : r->subjects[s].id, &c[nc].h,
					      c[nc].what, sizeof(c->what));
			nc++;
		}
	}
	*out = c;
	*n = nc;
	return 0;
}

static const char *const formats[] = { "csv", "openmetrics", "gnuplot", "html", NULL };

int vtax_export__known(const char *format)
{
	for (int i = 0; formats[i]; i++)
		if (!strcmp(format, formats[i]))
			return 1;
	return 0;
}

int vtax_export__doc_write(const char *format, const struct vtax_export_doc *d, const char *path,
			   const struct vtax_om_opts *om, char *err, size_t errlen)
{
	struct vtax_om_opts dflt = { .le_per_octave = 4, .with_eof = 1 };
	struct vtax_out of;
	int rc;

	if (!vtax_export__known(format)) {
		snprintf(err, errlen, "unknown export format '%s' (csv, openmetrics, gnuplot, html)",
			 format);
		return -EINVAL;
	}
	if (!strcmp(format, "csv"))
		return vtax_export__csv(d, path, err, errlen);
	if (!strcmp(format, "gnuplot")) {
		if (!path || !strcmp(path, "-")) {
			snprintf(err, errlen, "gnuplot output is a directory: give --output DIR");
			return -EINVAL;
		}
		return vtax_export__gnuplot(d, path, err, errlen);
	}
	rc = vtax_out__open(&of, path ? path : "-", err, errlen);
	if (rc)
		return rc;
	if (!strcmp(format, "openmetrics"))
		rc = vtax_export__openmetrics(of.f, d, om ? om : &dflt);
	else
		rc = vtax_export__html(of.f, d);
	if (rc) {
		snprintf(err, errlen, "cannot export %s: %s", format, strerror(-rc));
		vtax_out__abort(&of);
		return rc;
	}
	return vtax_out__commit(&of, err, errlen);
}

int vtax_export__write(const char *format, const struct vtax_result *r, json_t *doc,
		       const char *path, char *err, size_t errlen)
{
	struct vtax_export_doc d;
	int rc;

	if (!vtax_export__known(format)) {
		snprintf(err, errlen, "unknown export format '%s' (csv, openmetrics, gnuplot, html)",
			 format);
		return -EINVAL;
	}
	/* a result in memory is used as is (its doc may add "intervals");
	 * without one, doc is a saved result or a compare document */
	if (r)
		rc = vtax_export__from_result(r, json_object_get(doc, "intervals"), &d);
	else if (doc)
		rc = vtax_export__from_json(doc, &d, err, errlen);
	else
		rc = -EINVAL;
	if (rc) {
		if (r || !doc)
			snprintf(err, errlen, "%s", r ? "out of memory" : "nothing to export");
		return rc;
	}
	rc = vtax_export__doc_write(format, &d, path, NULL, err, errlen);
	vtax_export__free(&d);
	return rc;
}

/* ---- per-interval headline histograms ---- */

struct vtax_interval {
	double t_s, len_s;
	struct vtax_hist h;
};

struct vtax_intervals {
	size_t n;
	struct vtax_interval iv[VTAX_INTERVALS_MAX];
};

struct vtax_intervals *vtax_intervals__new(void)
{
	return calloc(1, sizeof(struct vtax_intervals));
}

void vtax_intervals__free(struct vtax_intervals *iv)
{
	free(iv);
}

int vtax_intervals__add(struct vtax_intervals *iv, const struct vtax_result *delta, double t_s,
			double len_s)
{
	char what[96];

	if (iv->n == VTAX_INTERVALS_MAX) {
		/* halve the time resolution: merge neighbours pairwise */
		for (size_t i = 0; i < VTAX_INTERVALS_MAX / 2; i++) {
			struct vtax_interval *a = &iv->iv[2 * i], *b = &iv->iv[2 * i + 1];

			vtax_hist__merge(&a->h, &b->h);
			a->len_s += b->len_s;
			if (i != 2 * i)
				iv->iv[i] = *a;
		}
		iv->n = VTAX_INTERVALS_MAX / 2;
	}
	iv->iv[iv->n].t_s = t_s;
	iv->iv[iv->n].len_s = len_s;
	vtax_export__headline(delta, NULL, &iv->iv[iv->n].h, what, sizeof(what));
	iv->n++;
	return 0;
}

json_t *vtax_intervals__to_json(const struct vtax_intervals *iv)
{
	json_t *a = json_array();

	for (size_t i = 0; iv && i < iv->n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "t_s", json_real(iv->iv[i].t_s));
		json_object_set_new(o, "len_s", json_real(iv->iv[i].len_s));
		json_object_set_new(o, "headline", vtax_hist__to_json(&iv->iv[i].h));
		json_array_append_new(a, o);
	}
	return a;
}

int vtax_export__parse_le(const char *s, int *out)
{
	long v = 0;

	if (vtax_parse_long("le-per-octave", s, 1, 16, &v))
		return 1;
	if (v & (v - 1)) /* a power of two: bounds stay on one grid */
		return vtax_die("--le-per-octave: one of 1, 2, 4, 8, 16");
	*out = (int)v;
	return 0;
}
