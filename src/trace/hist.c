// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * hist.c - record, merge and read percentiles from vtax histograms.
 *
 * BPF programs fill the same struct in the kernel; userspace merges them
 * (across CPUs, subjects, runs) and reads percentiles.  A percentile is the
 * midpoint of the bucket that holds the wanted rank, clamped to the exact
 * max, so its relative error is bounded by half a bucket (~3.1%).
 */
#include <string.h>
#include "trace/hist.h"

void vtax_hist__reset(struct vtax_hist *h)
{
	memset(h, 0, sizeof(*h));
}

void vtax_hist__record_n(struct vtax_hist *h, uint64_t ns, uint64_t n)
{
	if (!n)
		return;
	h->buckets[vtax_hist_index(ns)] += n;
	h->count += n;
	h->sum_ns += ns * n;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

void vtax_hist__record(struct vtax_hist *h, uint64_t ns)
{
	vtax_hist__record_n(h, ns, 1);
}

void vtax_hist__merge(struct vtax_hist *dst, const struct vtax_hist *src)
{
	for (unsigned i = 0; i < VTAX_HIST_NBUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

bool vtax_hist__empty(const struct vtax_hist *h)
{
	return h->count == 0;
}

double vtax_hist__mean(const struct vtax_hist *h)
{
	return h->count ? (double)h->sum_ns / (double)h->count : 0.0;
}

uint64_t vtax_hist__quantile(const struct vtax_hist *h, double q)
{
	uint64_t total = 0, rank, seen = 0;

	/* count from buckets: BPF updates count and buckets separately, so a
	 * snapshot taken mid-update may differ by one; buckets are the truth. */
	for (unsigned i = 0; i < VTAX_HIST_NBUCKETS; i++)
		total += h->buckets[i];
	if (!total)
		return 0;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	rank = (uint64_t)(q * (double)total + 0.5);
	if (rank < 1)
		rank = 1;
	if (rank > total)
		rank = total;
	for (unsigned i = 0; i < VTAX_HIST_NBUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t lo = vtax_hist_lo(i), hi = vtax_hist_hi(i), v;

			v = (hi - lo <= 1) ? lo : lo + (hi - lo) / 2;
			if (h->max_ns && v > h->max_ns)
				v = h->max_ns;
			if (v < lo && h->max_ns >= lo)
				v = lo;
			return v;
		}
	}
	return h->max_ns;
}
