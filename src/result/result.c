// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * result.c - build and query the in-memory result model (result.h).
 *
 * Arrays grow by doubling; lookups are linear because a result holds at
 * most a few thousand series and is built once per interval.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "result/result.h"

static void copy_str(char *dst, size_t n, const char *src)
{
	if (!src)
		src = "";
	snprintf(dst, n, "%s", src);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	memset((char *)p + *cap * elem, 0, (ncap - *cap) * elem);
	*arr = p;
	*cap = ncap;
	return 0;
}

struct vtax_result *vtax_result__new(const char *mode)
{
	struct vtax_result *r = calloc(1, sizeof(*r));

	if (r)
		copy_str(r->mode, sizeof(r->mode), mode);
	return r;
}

void vtax_result__free(struct vtax_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nsubjects; i++) {
		free(r->subjects[i].series);
		free(r->subjects[i].counters);
	}
	free(r->subjects);
	free(r->drops);
	free(r);
}

struct vtax_subject *vtax_result__subject(struct vtax_result *r, const char *id, const char *kind)
{
	struct vtax_subject *s;

	for (size_t i = 0; i < r->nsubjects; i++)
		if (!strcmp(r->subjects[i].id, id))
			return &r->subjects[i];
	if (grow((void **)&r->subjects, &r->cap_subjects, r->nsubjects + 1, sizeof(*s)))
		return NULL;
	s = &r->subjects[r->nsubjects++];
	memset(s, 0, sizeof(*s));
	copy_str(s->id, sizeof(s->id), id);
	copy_str(s->kind, sizeof(s->kind), kind);
	return s;
}

static int labels_equal(const struct vtax_series *se, int n, const struct vtax_label *l)
{
	if (se->nlabels != n)
		return 0;
	for (int i = 0; i < n; i++)
		if (strcmp(se->labels[i].key, l[i].key) || strcmp(se->labels[i].value, l[i].value))
			return 0;
	return 1;
}

struct vtax_series *vtax_subject__find(const struct vtax_subject *s, const char *family,
				       const char *name, int nlabels,
				       const struct vtax_label *labels)
{
	for (size_t i = 0; i < s->nseries; i++) {
		struct vtax_series *se = &s->series[i];

		if (!strcmp(se->family, family) && !strcmp(se->name, name) &&
		    labels_equal(se, nlabels, labels))
			return se;
	}
	return NULL;
}

struct vtax_series *vtax_subject__series(struct vtax_subject *s, const char *family,
					 const char *name, int nlabels,
					 const struct vtax_label *labels)
{
	struct vtax_series *se = vtax_subject__find(s, family, name, nlabels, labels);

	if (se)
		return se;
	if (nlabels > VTAX_MAX_LABELS)
		nlabels = VTAX_MAX_LABELS;
	if (grow((void **)&s->series, &s->cap_series, s->nseries + 1, sizeof(*se)))
		return NULL;
	se = &s->series[s->nseries++];
	memset(se, 0, sizeof(*se));
	copy_str(se->family, sizeof(se->family), family);
	copy_str(se->name, sizeof(se->name), name);
	se->cause = VTAX_CAUSE_NONE;
	se->nlabels = nlabels;
	for (int i = 0; i < nlabels; i++) {
		copy_str(se->labels[i].key, sizeof(se->labels[i].key), labels[i].key);
		copy_str(se->labels[i].value, sizeof(se->labels[i].value), labels[i].value);
	}
	return se;
}

static int counter_set(struct vtax_counter **arr, size_t *n, size_t *cap, const char *name,
		       const char *unit, double value, int add)
{
	struct vtax_counter *c;

	for (size_t i = 0; i < *n; i++) {
		if (!strcmp((*arr)[i].name, name)) {
			(*arr)[i].value = add ? (*arr)[i].value + value : value;
			return 0;
		}
	}
	if (grow((void **)arr, cap, *n + 1, sizeof(*c)))
		return -ENOMEM;
	c = &(*arr)[(*n)++];
	copy_str(c->name, sizeof(c->name), name);
	copy_str(c->unit, sizeof(c->unit), unit);
	c->value = value;
	return 0;
}

int vtax_subject__counter(struct vtax_subject *s, const char *name, const char *unit,
			  double value, int add)
{
	return counter_set(&s->counters, &s->ncounters, &s->cap_counters, name, unit, value, add);
}

int vtax_result__drop(struct vtax_result *r, const char *name, double value)
{
	return counter_set(&r->drops, &r->ndrops, &r->cap_drops, name, "count", value, 1);
}

void vtax_result__hook(struct vtax_result *r, const char *what, const char *how)
{
	size_t i;

	for (i = 0; i < r->nhooks; i++)
		if (!strcmp(r->hooks[i].what, what))
			break;
	if (i == r->nhooks) {
		if (r->nhooks >= sizeof(r->hooks) / sizeof(r->hooks[0]))
			return;
		r->nhooks++;
	}
	snprintf(r->hooks[i].what, sizeof(r->hooks[i].what), "%s", what);
	snprintf(r->hooks[i].how, sizeof(r->hooks[i].how), "%s", how);
}

const char *vtax_series__label(const struct vtax_series *se, const char *key)
{
	for (int i = 0; i < se->nlabels; i++)
		if (!strcmp(se->labels[i].key, key))
			return se->labels[i].value;
	return NULL;
}

int vtax_series__add_label(struct vtax_series *se, const char *key, const char *value)
{
	if (se->nlabels >= VTAX_MAX_LABELS)
		return -ENOSPC;
	copy_str(se->labels[se->nlabels].key, sizeof(se->labels[0].key), key);
	copy_str(se->labels[se->nlabels].value, sizeof(se->labels[0].value), value);
	se->nlabels++;
	return 0;
}

static int by_total_desc(const void *a, const void *b)
{
	const struct vtax_series *x = a, *y = b;
	int c = strcmp(x->family, y->family);

	if (c)
		return c;
	if (x->hist.sum_ns != y->hist.sum_ns)
		return x->hist.sum_ns < y->hist.sum_ns ? 1 : -1;
	return strcmp(x->name, y->name);
}

void vtax_result__sort(struct vtax_result *r)
{
	for (size_t i = 0; i < r->nsubjects; i++)
		if (r->subjects[i].nseries > 1) /* qsort(NULL, 0) is undefined */
			qsort(r->subjects[i].series, r->subjects[i].nseries,
			      sizeof(struct vtax_series), by_total_desc);
}

struct vtax_result *vtax_result__delta(const struct vtax_result *cur,
				       const struct vtax_result *prev)
{
	struct vtax_result *d = vtax_result__new(cur->mode);

	if (!d)
		return NULL;
	for (size_t i = 0; i < cur->nsubjects; i++) {
		const struct vtax_subject *cs = &cur->subjects[i], *ps = NULL;
		struct vtax_subject *ds = vtax_result__subject(d, cs->id, cs->kind);

		if (!ds)
			goto fail;
		for (size_t k = 0; prev && k < prev->nsubjects; k++)
			if (!strcmp(prev->subjects[k].id, cs->id)) /* NOLINT(clang-analyzer-core.NonNullParamChecker): ids are arrays */
				ps = &prev->subjects[k];
		for (size_t k = 0; k < cs->nseries; k++) {
			const struct vtax_series *c = &cs->series[k];
			const struct vtax_series *p =
				ps ? vtax_subject__find(ps, c->family, c->name, c->nlabels, c->labels)
				   : NULL;
			struct vtax_series *o;

			if (p && p->hist.count == c->hist.count)
				continue;
			o = vtax_subject__series(ds, c->family, c->name, c->nlabels, c->labels);
			if (!o)
				goto fail;
			o->hist = c->hist;
			o->cause = c->cause;
			if (!p)
				continue;
			for (unsigned b = 0; b < VTAX_HIST_NBUCKETS; b++)
				o->hist.buckets[b] -= p->hist.buckets[b] <= c->hist.buckets[b]
							      ? p->hist.buckets[b]
							      : c->hist.buckets[b];
			o->hist.count -= p->hist.count <= c->hist.count ? p->hist.count : c->hist.count;
			o->hist.sum_ns -= p->hist.sum_ns <= c->hist.sum_ns ? p->hist.sum_ns : c->hist.sum_ns;
		}
		for (size_t k = 0; k < cs->ncounters; k++) {
			double pv = 0;

			for (size_t j = 0; ps && j < ps->ncounters; j++)
				if (!strcmp(ps->counters[j].name, cs->counters[k].name))
					pv = ps->counters[j].value;
			vtax_subject__counter(ds, cs->counters[k].name, cs->counters[k].unit,
					      strcmp(cs->counters[k].unit, "ratio") ?
						      cs->counters[k].value - pv : cs->counters[k].value,
					      0);
		}
	}
	return d;
fail:
	vtax_result__free(d);
	return NULL;
}

void vtax_result__unsample(struct vtax_result *r)
{
	if (!r || !r->sample.spec[0] || r->sample.scaled)
		return;
	for (size_t i = 0; i < r->nsubjects; i++) {
		struct vtax_subject *s = &r->subjects[i];

		for (size_t j = 0; j < s->nseries; j++) {
			struct vtax_hist *h = &s->series[j].hist;
			uint64_t n = h->count, n2 = 0;
			double f = r->sample.fraction, g, k;

			/* each family by its own links' measured on-time; net's
			 * netfilter stages by their open programs' (VTAX_SAMPLE_NF_FAMILY) */
			const char *fam = s->series[j].family, *nm = s->series[j].name;
			char key[16];

			snprintf(key, sizeof(key), "%s", fam);
			if (!strcmp(fam, "net") && (!strcmp(nm, "conntrack") || !strcmp(nm, "nat") ||
						    !strcmp(nm, "nat_miss") || !strcmp(nm, "filter")))
				snprintf(key, sizeof(key), VTAX_SAMPLE_NF_FAMILY);
			/* the send hop starts at the send syscall's entry, a
			 * chain-starting program: off during the drain, when the
			 * other hops still run, so it is scaled by the same
			 * (chain-starting) clock as the netfilter opens */
			else if (!strcmp(fam, "net") && !strcmp(nm, "send") &&
				 r->sample.scope == VTAX_SAMPLE_ALL)
				snprintf(key, sizeof(key), VTAX_SAMPLE_NF_FAMILY);
			/* --sample-netfilter: every other series traced whole */
			if (r->sample.scope == VTAX_SAMPLE_NETFILTER && strcmp(key, VTAX_SAMPLE_NF_FAMILY))
				continue;
			g = vtax_result__sample_fraction(&r->sample, key);
			if (g >= 0)
				f = g;
			if (!n || !(f > 0))
				continue;
			k = 1.0 / f;
			/* the count is the sum of the buckets, as everywhere; the sum
			 * follows the count, so the mean stays exact */
			for (unsigned b = 0; b < VTAX_HIST_NBUCKETS; b++) {
				h->buckets[b] = (uint64_t)((double)h->buckets[b] * k + 0.5);
				n2 += h->buckets[b];
			}
			h->sum_ns = (uint64_t)((double)h->sum_ns * ((double)n2 / (double)n) + 0.5);
			h->count = n2;
		}
	}
	r->sample.scaled = 1;
}

void vtax_result__merge_sample(struct vtax_result *dst, const struct vtax_result *src)
{
	struct vtax_sample_info *d = &dst->sample;
	const struct vtax_sample_info *sa = &src->sample;
	double wd = (double)d->wall_ns, ws = (double)sa->wall_ns, nf;

	if (!sa->spec[0] || !sa->wall_ns)
		return;
	if (!d->spec[0]) {
		copy_str(d->spec, sizeof(d->spec), sa->spec);
		d->scope = sa->scope;
	}
	for (int i = 0; i < sa->nfams; i++) {
		int k = 0;

		while (k < d->nfams && strcmp(d->fams[k].family, sa->fams[i].family))
			k++;
		if (k == d->nfams) {
			if (k >= 8)
				continue;
			copy_str(d->fams[k].family, sizeof(d->fams[k].family), sa->fams[i].family);
			d->fams[k].fraction = 0;
			d->nfams++;
		}
		d->fams[k].fraction = (d->fams[k].fraction * wd + sa->fams[i].fraction * ws) / (wd + ws);
	}
	d->on_ns += sa->on_ns;
	d->wall_ns += sa->wall_ns;
	d->windows += sa->windows;
	d->events += sa->events;
	d->fraction = (double)d->on_ns / (double)d->wall_ns;
	/* netfilter scope: the brackets' (packet) share, as the family's */
	nf = vtax_result__sample_fraction(d, VTAX_SAMPLE_NF_FAMILY);
	if (d->scope == VTAX_SAMPLE_NETFILTER && nf >= 0)
		d->fraction = nf;
	d->scaled = sa->scaled;
}

double vtax_result__sample_fraction(const struct vtax_sample_info *si, const char *family)
{
	double f = -1;

	/* the last entry of that name, as the lookups it replaced */
	for (int i = 0; i < si->nfams; i++)
		if (!strcmp(si->fams[i].family, family))
			f = si->fams[i].fraction;
	return f;
}
