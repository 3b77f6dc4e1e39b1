// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * result_json.c - write and read the vtax JSON result format (docs/json.md).
 *
 * A histogram is written with its summary (count, sum, percentiles, max)
 * for readers that want numbers, and its non-empty buckets as
 * [lo_ns, hi_ns, count] triples for readers that want shapes.  Reading
 * back maps each triple to the bucket index of lo_ns, so a written result
 * reads back into identical histograms.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/output.h"
#include "result/result_json.h"
#include "util/version.h"

json_t *vtax_hist__to_json(const struct vtax_hist *h)
{
	json_t *o = json_object(), *b = json_array();

	json_object_set_new(o, "count", json_integer((json_int_t)h->count));
	json_object_set_new(o, "sum_ns", json_integer((json_int_t)h->sum_ns));
	json_object_set_new(o, "mean_ns", json_real(vtax_hist__mean(h)));
	json_object_set_new(o, "p50_ns", json_integer((json_int_t)vtax_hist__quantile(h, 0.50)));
	json_object_set_new(o, "p90_ns", json_integer((json_int_t)vtax_hist__quantile(h, 0.90)));
	json_object_set_new(o, "p99_ns", json_integer((json_int_t)vtax_hist__quantile(h, 0.99)));
	json_object_set_new(o, "p999_ns", json_integer((json_int_t)vtax_hist__quantile(h, 0.999)));
	json_object_set_new(o, "max_ns", json_integer((json_int_t)h->max_ns));
	for (unsigned i = 0; i < VTAX_HIST_NBUCKETS; i++) {
		if (!h->buckets[i])
			continue;
		json_array_append_new(b, json_pack("[III]", (json_int_t)vtax_hist_lo(i),
						   (json_int_t)vtax_hist_hi(i),
						   (json_int_t)h->buckets[i]));
	}
	json_object_set_new(o, "buckets", b);
	return o;
}

int vtax_hist__from_json(const json_t *j, struct vtax_hist *h, char *err, size_t errlen)
{
	json_t *b = json_object_get(j, "buckets"), *t;
	size_t i;

	vtax_hist__reset(h);
	if (!json_is_object(j) || !json_is_array(b)) {
		snprintf(err, errlen, "histogram without a buckets array");
		return -EINVAL;
	}
	json_array_foreach(b, i, t) {
		json_t *lo = json_array_get(t, 0), *cnt = json_array_get(t, 2);

		if (!json_is_integer(lo) || !json_is_integer(cnt) || json_integer_value(lo) < 0 ||
		    json_integer_value(cnt) < 0) {
			snprintf(err, errlen, "bad bucket triple at index %zu", i);
			return -EINVAL;
		}
		h->buckets[vtax_hist_index((uint64_t)json_integer_value(lo))] +=
			(uint64_t)json_integer_value(cnt);
	}
	h->count = (uint64_t)json_integer_value(json_object_get(j, "count"));
	h->sum_ns = (uint64_t)json_integer_value(json_object_get(j, "sum_ns"));
	h->max_ns = (uint64_t)json_integer_value(json_object_get(j, "max_ns"));
	return 0;
}

static json_t *counters_to_json(const struct vtax_counter *c, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:f}", "name", c[i].name, "unit",
						   c[i].unit, "value", c[i].value));
	return a;
}

json_t *vtax_result__to_json(const struct vtax_result *r)
{
	json_t *o = json_object(), *subs = json_array(), *drops = json_object();

	json_object_set_new(o, "mode", json_string(r->mode));
	json_object_set_new(o, "env", json_string(r->env));
	json_object_set_new(o, "label", json_string(r->label));
	json_object_set_new(o, "start_unix_ns", json_integer((json_int_t)r->start_unix_ns));
	json_object_set_new(o, "duration_s", json_real(r->duration_s));
	for (size_t i = 0; i < r->nsubjects; i++) {
		const struct vtax_subject *s = &r->subjects[i];
		json_t *so = json_object(), *hs = json_array();

		json_object_set_new(so, "id", json_string(s->id));
		json_object_set_new(so, "kind", json_string(s->kind));
		for (size_t k = 0; k < s->nseries; k++) {
			const struct vtax_series *se = &s->series[k];
			json_t *ho = vtax_hist__to_json(&se->hist), *lab = json_object();

			for (int l = 0; l < se->nlabels; l++)
				json_object_set_new(lab, se->labels[l].key,
						    json_string(se->labels[l].value));
			json_object_set_new(ho, "family", json_string(se->family));
			json_object_set_new(ho, "name", json_string(se->name));
			json_object_set_new(ho, "labels", lab);
			/* the ledger cause its family gave it (cause.h) */
			if (vtax_cause__key(se->cause))
				json_object_set_new(ho, "ledger_cause",
						    json_string(vtax_cause__key(se->cause)));
			json_array_append_new(hs, ho);
		}
		json_object_set_new(so, "histograms", hs);
		json_object_set_new(so, "counters", counters_to_json(s->counters, s->ncounters));
		json_array_append_new(subs, so);
	}
	json_object_set_new(o, "subjects", subs);
	for (size_t i = 0; i < r->ndrops; i++)
		json_object_set_new(drops, r->drops[i].name, json_integer((json_int_t)r->drops[i].value));
	json_object_set_new(o, "drops", drops);
	if (r->nhooks) {
		json_t *hk = json_object();

		for (size_t i = 0; i < r->nhooks; i++)
			json_object_set_new(hk, r->hooks[i].what, json_string(r->hooks[i].how));
		json_object_set_new(o, "hooks", hk);
	}
	if (r->sample.spec[0]) {
		json_t *sa = json_object();

		json_object_set_new(sa, "spec", json_string(r->sample.spec));
		json_object_set_new(sa, "scope", json_string(r->sample.scope == VTAX_SAMPLE_NETFILTER ?
								     "netfilter" : "all"));
		json_object_set_new(sa, "fraction", json_real(r->sample.fraction));
		if (r->sample.scope == VTAX_SAMPLE_NETFILTER)
			json_object_set_new(sa, "fraction_of", json_string(r->sample.events ? "packets" : "time"));
		if (r->sample.events)
			json_object_set_new(sa, "packets", json_integer((json_int_t)r->sample.events));
		json_object_set_new(sa, "on_ns", json_integer((json_int_t)r->sample.on_ns));
		json_object_set_new(sa, "wall_ns", json_integer((json_int_t)r->sample.wall_ns));
		json_object_set_new(sa, "windows", json_integer((json_int_t)r->sample.windows));
		json_object_set_new(sa, "scaled", json_boolean(r->sample.scaled));
		{
			json_t *fa = json_object();

			for (int i = 0; i < r->sample.nfams; i++)
				json_object_set_new(fa, r->sample.fams[i].family,
						    json_real(r->sample.fams[i].fraction));
			json_object_set_new(sa, "family_fractions", fa);
		}
		json_object_set_new(o, "sample", sa);
	}
	if (r->bpf_map_bytes || r->rss_bytes) {
		json_t *fp = json_object();

		json_object_set_new(fp, "bpf_map_bytes", json_integer((json_int_t)r->bpf_map_bytes));
		json_object_set_new(fp, "rss_bytes", json_integer((json_int_t)r->rss_bytes));
		json_object_set_new(o, "footprint", fp);
	}
	return o;
}

static const char *str_or(const json_t *o, const char *key, const char *dflt)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : dflt;
}

static int counters_from_json(const json_t *a, struct vtax_subject *s)
{
	size_t i;
	json_t *c;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return -EINVAL;
	json_array_foreach(a, i, c) {
		if (!json_is_string(json_object_get(c, "name")))
			return -EINVAL;
		if (vtax_subject__counter(s, str_or(c, "name", ""), str_or(c, "unit", ""),
					  json_number_value(json_object_get(c, "value")), 0))
			return -ENOMEM;
	}
	return 0;
}

struct vtax_result *vtax_result__from_json(const json_t *j, char *err, size_t errlen)
{
	struct vtax_result *r;
	json_t *subs, *so, *drops, *v;
	const char *key;
	size_t i, k;

	if (!json_is_object(j) || !json_is_array(json_object_get(j, "subjects"))) {
		snprintf(err, errlen, "not a vtax result: no \"subjects\" array");
		return NULL;
	}
	r = vtax_result__new(str_or(j, "mode", ""));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(r->env, sizeof(r->env), "%s", str_or(j, "env", ""));
	snprintf(r->label, sizeof(r->label), "%s", str_or(j, "label", ""));
	r->duration_s = json_number_value(json_object_get(j, "duration_s"));
	r->start_unix_ns = (uint64_t)json_integer_value(json_object_get(j, "start_unix_ns"));
	subs = json_object_get(j, "subjects");
	json_array_foreach(subs, i, so) {
		struct vtax_subject *s;
		json_t *hs = json_object_get(so, "histograms"), *ho;

		if (!json_is_string(json_object_get(so, "id")) || !json_is_array(hs)) {
			snprintf(err, errlen, "subject %zu: missing id or histograms", i);
			goto fail;
		}
		s = vtax_result__subject(r, str_or(so, "id", ""), str_or(so, "kind", ""));
		if (!s)
			goto oom;
		json_array_foreach(hs, k, ho) {
			struct vtax_label labels[VTAX_MAX_LABELS];
			json_t *lab = json_object_get(ho, "labels"), *lv;
			struct vtax_series *se;
			int n = 0;

			if (!json_is_string(json_object_get(ho, "family")) ||
			    !json_is_string(json_object_get(ho, "name"))) {
				snprintf(err, errlen, "subject %s histogram %zu: missing family or name",
					 s->id, k);
				goto fail;
			}
			json_object_foreach(lab, key, lv) {
				if (n >= VTAX_MAX_LABELS || !json_is_string(lv))
					break;
				snprintf(labels[n].key, sizeof(labels[n].key), "%s", key);
				snprintf(labels[n].value, sizeof(labels[n].value), "%s",
					 json_string_value(lv));
				n++;
			}
			se = vtax_subject__series(s, str_or(ho, "family", ""), str_or(ho, "name", ""),
						  n, labels);
			if (!se)
				goto oom;
			if (vtax_hist__from_json(ho, &se->hist, err, errlen))
				goto fail;
			se->cause = vtax_cause__from_key(str_or(ho, "ledger_cause", NULL));
		}
		if (counters_from_json(json_object_get(so, "counters"), s)) {
			snprintf(err, errlen, "subject %s: bad counters", s->id);
			goto fail;
		}
	}
	v = json_object_get(json_object_get(j, "footprint"), "bpf_map_bytes");
	r->bpf_map_bytes = json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
	v = json_object_get(json_object_get(j, "footprint"), "rss_bytes");
	r->rss_bytes = json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
	{
		const json_t *sa = json_object_get(j, "sample");

		if (json_is_object(sa)) {
			snprintf(r->sample.spec, sizeof(r->sample.spec), "%s", str_or(sa, "spec", "?"));
			r->sample.scope = !strcmp(str_or(sa, "scope", "all"), "netfilter") ?
						  VTAX_SAMPLE_NETFILTER : VTAX_SAMPLE_ALL;
			r->sample.fraction = json_number_value(json_object_get(sa, "fraction"));
			r->sample.events = (uint64_t)json_integer_value(json_object_get(sa, "packets"));
			r->sample.on_ns = (uint64_t)json_integer_value(json_object_get(sa, "on_ns"));
			r->sample.wall_ns = (uint64_t)json_integer_value(json_object_get(sa, "wall_ns"));
			r->sample.windows = (uint64_t)json_integer_value(json_object_get(sa, "windows"));
			r->sample.scaled = json_is_true(json_object_get(sa, "scaled"));
			{
				const char *fk;
				json_t *fv;

				json_object_foreach(json_object_get(sa, "family_fractions"), fk, fv) {
					int k = r->sample.nfams;

					if (k >= 8)
						break;
					snprintf(r->sample.fams[k].family, sizeof(r->sample.fams[k].family), "%s", fk);
					r->sample.fams[k].fraction = json_number_value(fv);
					r->sample.nfams++;
				}
			}
		}
	}
	drops = json_object_get(j, "drops");
	json_object_foreach(drops, key, v)
		vtax_result__drop(r, key, json_number_value(v));
	json_object_foreach(json_object_get(j, "hooks"), key, v)
		if (json_is_string(v))
			vtax_result__hook(r, key, json_string_value(v));
	return r;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	vtax_result__free(r);
	return NULL;
}

json_t *vtax_json__document(const struct vtax_result *r)
{
	json_t *o = vtax_result__to_json(r);

	json_object_set_new(o, "vtax_schema", json_integer(VTAX_SCHEMA_VERSION));
	json_object_set_new(o, "tool", json_string("vtax"));
	json_object_set_new(o, "version", json_string(VTAX_VERSION));
	return o;
}

int vtax_json__write_file(json_t *doc, const char *path, char *err, size_t errlen)
{
	struct vtax_out o;
	int rc = vtax_out__open(&o, path, err, errlen);

	if (rc)
		return rc;
	errno = 0;
	if (json_dumpf(doc, o.f, JSON_INDENT(1) | JSON_PRESERVE_ORDER) || fputc('\n', o.f) == EOF) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
		vtax_out__abort(&o);
		return -EIO;
	}
	return vtax_out__commit(&o, err, errlen);
}

/* A parsed document is a vtax result if it says so (vtax_schema). */
static json_t *vtax_doc(json_t *doc, const json_error_t *je, const char *path, char *err, size_t errlen)
{
	if (!doc) {
		snprintf(err, errlen, "%s: not valid JSON (line %d: %s)", path, je->line, je->text);
		return NULL;
	}
	if (!json_is_integer(json_object_get(doc, "vtax_schema"))) {
		snprintf(err, errlen, "%s: not a vtax result (no \"vtax_schema\")", path);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

json_t *vtax_json__load_buffer(const char *buf, size_t len, const char *name, char *err, size_t errlen)
{
	json_error_t je;

	return vtax_doc(json_loadb(buf, len, 0, &je), &je, name, err, errlen);
}

json_t *vtax_json__load_file(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);

	return vtax_doc(doc, &je, path, err, errlen);
}
