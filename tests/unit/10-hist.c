// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 10-hist - unit tests of the shared log-linear histogram: bucket edges,
 * percentile error against an exact sort of random samples, merging, and
 * the JSON round trip of a result.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "trace/hist.h"
#include "result/result_json.h"
#include "tap.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t rnd64(void)
{
	return ((uint64_t)random() << 33) ^ ((uint64_t)random() << 2) ^ (uint64_t)random();
}

int main(void)
{
	static struct vtax_hist h, h2, m;
	int edges_ok = 1, width_ok = 1, mono_ok = 1;
	double worst = 0;

	/* every value lands in a bucket whose edges contain it */
	for (uint64_t v = 0; v < 100000; v++) {
		unsigned i = vtax_hist_index(v);

		if (!(vtax_hist_lo(i) <= v && v < vtax_hist_hi(i)))
			edges_ok = 0;
	}
	for (int e = 0; e < 38; e++) {
		uint64_t v = 1ull << e, vs[3] = { v, v + v / 3, 2 * v - 1 };

		for (int k = 0; k < 3; k++) {
			unsigned i = vtax_hist_index(vs[k]);

			if (!(vtax_hist_lo(i) <= vs[k] && vs[k] < vtax_hist_hi(i)))
				edges_ok = 0;
		}
	}
	tap_ok(edges_ok, "bucket edges contain their values (0..1e5 and every power of two)");
	for (unsigned i = 1; i < VTAX_HIST_NBUCKETS; i++) {
		double lo = (double)vtax_hist_lo(i), hi = (double)vtax_hist_hi(i);

		if (vtax_hist_lo(i) <= vtax_hist_lo(i - 1))
			mono_ok = 0;
		if (lo >= 16 && (hi - lo) / lo > 0.0625 + 1e-12)
			width_ok = 0;
	}
	tap_ok(mono_ok, "bucket lower edges strictly increase");
	tap_ok(width_ok, "every bucket is at most 6.25%% wide relative to its lower edge");
	tap_ok(vtax_hist_hi(VTAX_HIST_NBUCKETS - 1) >= 100000000000ull,
	       "range reaches at least 100 s (top edge %.0f s)",
	       (double)vtax_hist_hi(VTAX_HIST_NBUCKETS - 1) / 1e9);
	tap_ok(vtax_hist_index(1ull << 60) == VTAX_HIST_NBUCKETS - 1, "huge values clamp to the top bucket");
	tap_ok(vtax_hist_index(0) == 0 && vtax_hist_index(15) == 15, "values below 16 ns are exact");

	/* percentiles vs exact order statistics, several distributions */
	srandom(42);
	for (int dist = 0; dist < 3; dist++) {
		size_t n = 200000;
		uint64_t *s = malloc(n * sizeof(*s));
		const double qs[] = { 0.5, 0.9, 0.99, 0.999 };

		vtax_hist__reset(&h);
		for (size_t i = 0; i < n; i++) {
			double u = (double)(random() + 1) / 2147483648.0;

			if (dist == 0) /* uniform 1us..1ms */
				s[i] = 1000 + rnd64() % 999000;
			else if (dist == 1) /* log-uniform 10ns..100s */
				s[i] = (uint64_t)(10.0 * pow(1e10, u));
			else /* exponential, mean 50us */
				s[i] = (uint64_t)(-50000.0 * log(u)) + 1;
			vtax_hist__record(&h, s[i]);
		}
		qsort(s, n, sizeof(*s), cmp_u64);
		for (int q = 0; q < 4; q++) {
			double exact = (double)s[(size_t)(qs[q] * (double)n) - 1];
			double got = (double)vtax_hist__quantile(&h, qs[q]);
			double err = fabs(got - exact) / exact;

			if (err > worst)
				worst = err;
		}
		tap_ok(h.count == n && h.max_ns == s[n - 1], "distribution %d: count and exact max kept",
		       dist);
		free(s);
	}
	tap_ok(worst <= 0.04, "p50/p90/p99/p99.9 within 4%% of the exact sort (worst %.2f%%)",
	       worst * 100);

	/* merge == recording everything into one */
	vtax_hist__reset(&h);
	vtax_hist__reset(&h2);
	vtax_hist__reset(&m);
	for (int i = 0; i < 10000; i++) {
		uint64_t v = rnd64() % 10000000;

		vtax_hist__record(i % 2 ? &h : &h2, v);
		vtax_hist__record(&m, v);
	}
	vtax_hist__merge(&h, &h2);
	tap_ok(!memcmp(&h, &m, sizeof(h)), "merging two halves equals recording all");
	tap_ok(vtax_hist__quantile(&h2, 0.0) > 0 || h2.count == 0, "quantile(0) is a real sample");
	vtax_hist__reset(&h2);
	tap_ok(vtax_hist__quantile(&h2, 0.5) == 0, "an empty histogram reads 0");

	/* JSON round trip */
	{
		struct vtax_result *r = vtax_result__new("run"), *back;
		struct vtax_label l[2] = { { "fs", "overlay" }, { "part", "total" } };
		struct vtax_subject *s = vtax_result__subject(r, "pid:1", "pid");
		struct vtax_series *se = vtax_subject__series(s, "syscall", "read", 2, l);
		char err[256] = "";
		json_t *j;

		se->hist = m;
		vtax_subject__counter(s, "sched.cfs.throttled_fraction", "ratio", 0.5, 0);
		vtax_result__drop(r, "hist_map_full", 3);
		j = vtax_json__document(r);
		back = vtax_result__from_json(j, err, sizeof(err));
		tap_ok(back && back->nsubjects == 1 && back->subjects[0].nseries == 1 &&
			       !memcmp(&back->subjects[0].series[0].hist, &m, sizeof(m)),
		       "a result survives JSON write/read unchanged %s", err);
		tap_ok(back && back->ndrops == 1 && back->drops[0].value == 3, "drop counters round-trip");
		json_decref(j);
		vtax_result__free(back);
		j = json_pack("{s:i,s:[{s:i}]}", "vtax_schema", 1, "subjects", "x", 1);
		back = vtax_result__from_json(j, err, sizeof(err));
		tap_ok(!back && err[0], "a malformed result is refused: %s", err);
		json_decref(j);
		vtax_result__free(r);
	}
	return tap_done();
}
