// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 12-stats - the intervals of `vtax compare` (src/compare/stats.c) on
 * synthetic data whose answer is known: Student t quantiles against the
 * table, and the coverage of each interval (the fraction of many seeded
 * experiments whose 95% interval holds the true value) near 95%.  With
 * T trials the coverage's sd is sqrt(.95*.05/T): 0.49% at T=2000, so the
 * bands below are about ±3 sd (t) and wider where the percentile
 * bootstrap is known to under-cover a little at small n.
 * Seeded, so the same every run.  Runtime: about 2 s of CPU.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compare/stats.h"
#include "tap.h"

#define N 30

struct pair {
	const double *a, *b;
};

static double mean_diff(const int *idx, int n, void *ctx)
{
	const struct pair *p = ctx;
	double s = 0;

	for (int i = 0; i < n; i++)
		s += p->a[idx[i]] - p->b[idx[i]];
	return s / n;
}

static double ratio_of_means(const int *idx, int n, void *ctx)
{
	const struct pair *p = ctx;
	double sa = 0, sb = 0;

	for (int i = 0; i < n; i++) {
		sa += p->a[idx[i]];
		sb += p->b[idx[i]];
	}
	return sb != 0 ? sa / sb : NAN;
}

static double median_diff(const int *idx, int n, void *ctx)
{
	const struct pair *p = ctx;
	double a[N], b[N];

	for (int i = 0; i < n; i++) {
		a[i] = p->a[idx[i]];
		b[i] = p->b[idx[i]];
	}
	return vtax_stats__median(a, n) - vtax_stats__median(b, n);
}

int main(void)
{
	struct vtax_rng rng;
	struct vtax_ci ci, ci2;
	double a[N], b[N], s = 0, s2 = 0;
	int cover, fp, trials;

	/* t table (two-sided 95%: p = 0.975) */
	tap_ok(fabs(vtax_stats__t_quantile(0.975, 1) - 12.7062) < 1e-3, "t(.975, 1) = 12.706 (%.4f)",
	       vtax_stats__t_quantile(0.975, 1));
	tap_ok(fabs(vtax_stats__t_quantile(0.975, 9) - 2.2622) < 1e-3, "t(.975, 9) = 2.262 (%.4f)",
	       vtax_stats__t_quantile(0.975, 9));
	tap_ok(fabs(vtax_stats__t_quantile(0.975, 29) - 2.0452) < 1e-3, "t(.975, 29) = 2.045 (%.4f)",
	       vtax_stats__t_quantile(0.975, 29));
	tap_ok(fabs(vtax_stats__t_quantile(0.975, 1e6) - 1.95997) < 1e-3, "t(.975, inf) = 1.960");
	tap_ok(fabs(vtax_stats__t_cdf(0, 5) - 0.5) < 1e-12 &&
		       fabs(vtax_stats__t_cdf(-2.5706, 5) - 0.025) < 1e-4,
	       "t CDF: symmetric, t(.025, 5) = -2.571");

	/* the RNG: reproducible, N(0,1) */
	vtax_rng__seed(&rng, 42);
	{
		struct vtax_rng r2;
		uint64_t x = vtax_rng__next(&rng);

		vtax_rng__seed(&r2, 42);
		tap_ok(x == vtax_rng__next(&r2), "same seed, same stream");
	}
	for (int i = 0; i < 200000; i++) {
		double z = vtax_rng__normal(&rng);

		s += z;
		s2 += z * z;
	}
	tap_ok(fabs(s / 200000) < 0.01 && fabs(s2 / 200000 - 1) < 0.02,
	       "normal: mean %.4f, variance %.4f", s / 200000, s2 / 200000);
	{
		int v[8] = { 0, 1, 2, 3, 4, 5, 6, 7 }, seen = 0;

		vtax_rng__shuffle(&rng, v, 8);
		for (int i = 0; i < 8; i++)
			seen |= 1 << v[i];
		tap_ok(seen == 0xff, "shuffle is a permutation");
	}

	/* degenerate input: no interval, hence "within noise" */
	a[0] = 5;
	vtax_stats__mean_ci(a, 1, VTAX_STATS_LEVEL, &ci);
	tap_ok(!ci.ok && ci.est == 5 && vtax_ci__within_noise(&ci) && isnan(vtax_ci__width(&ci)),
	       "one round: estimate, no interval");
	tap_ok(vtax_stats__mean_ci(a, 0, VTAX_STATS_LEVEL, &ci) < 0, "no rounds: -EINVAL");

	/*
	 * Paired t over 10 rounds: each round shares a large drift (the host's
	 * state: idle wake-ups, other load) that pairing must cancel; known
	 * difference 16.3 us, per-round noise sd 3 us, drift sd 40 us.
	 */
	trials = 2000;
	cover = 0;
	for (int t = 0; t < trials; t++) {
		for (int i = 0; i < 10; i++) {
			double drift = 40000 * vtax_rng__normal(&rng);

			a[i] = 60000 + 16300 + drift + 3000 * vtax_rng__normal(&rng);
			b[i] = 60000 + drift + 3000 * vtax_rng__normal(&rng);
		}
		vtax_stats__paired_ci(a, b, 10, VTAX_STATS_LEVEL, &ci);
		cover += ci.ok && ci.lo <= 16300 && ci.hi >= 16300;
	}
	tap_ok(cover >= 0.935 * trials && cover <= 0.965 * trials,
	       "paired t, 10 rounds, drift 13x the difference: coverage %.1f%% (93.5-96.5)",
	       100.0 * cover / trials);
	tap_ok(ci.hi - ci.lo < 10000, "... and pairing cancels the drift: width %.0f ns",
	       ci.hi - ci.lo);

	/* A/A: the same environment twice; "differs" is a false positive */
	fp = 0;
	for (int t = 0; t < trials; t++) {
		for (int i = 0; i < 10; i++) {
			double drift = 40000 * vtax_rng__normal(&rng);

			a[i] = 60000 + drift + 3000 * vtax_rng__normal(&rng);
			b[i] = 60000 + drift + 3000 * vtax_rng__normal(&rng);
		}
		vtax_stats__paired_ci(a, b, 10, VTAX_STATS_LEVEL, &ci);
		fp += !vtax_ci__within_noise(&ci);
	}
	tap_ok(fp >= 0.035 * trials && fp <= 0.065 * trials,
	       "A/A: 'differs' in %.1f%% of trials (3.5-6.5: 5%% by construction)",
	       100.0 * fp / trials);

	/* bootstrap, mean difference, 30 rounds */
	trials = 1000;
	cover = 0;
	for (int t = 0; t < trials; t++) {
		struct pair p = { a, b };

		for (int i = 0; i < N; i++) {
			double drift = 10000 * vtax_rng__normal(&rng);

			a[i] = 16300 + drift + 3000 * vtax_rng__normal(&rng);
			b[i] = drift + 3000 * vtax_rng__normal(&rng);
		}
		vtax_stats__bootstrap(N, mean_diff, &p, 500, (uint64_t)t, VTAX_STATS_LEVEL, &ci);
		cover += ci.ok && ci.lo <= 16300 && ci.hi >= 16300;
	}
	tap_ok(cover >= 0.92 * trials && cover <= 0.97 * trials,
	       "bootstrap mean difference, 30 rounds: coverage %.1f%% (92-97)", 100.0 * cover / trials);

	/* bootstrap, a ratio (the closure): explained ~ N(14, 2), diff ~ N(16, 2) per round */
	cover = 0;
	for (int t = 0; t < trials; t++) {
		struct pair p = { a, b };

		for (int i = 0; i < N; i++) {
			a[i] = 14000 + 2000 * vtax_rng__normal(&rng);
			b[i] = 16000 + 2000 * vtax_rng__normal(&rng);
		}
		vtax_stats__bootstrap(N, ratio_of_means, &p, 500, (uint64_t)t, VTAX_STATS_LEVEL, &ci);
		cover += ci.ok && ci.lo <= 0.875 && ci.hi >= 0.875;
	}
	tap_ok(cover >= 0.92 * trials && cover <= 0.97 * trials,
	       "bootstrap closure (ratio of means 87.5%%), 30 rounds: coverage %.1f%% (92-97)",
	       100.0 * cover / trials);

	/* bootstrap, difference of medians (p50): known 5000 */
	cover = 0;
	for (int t = 0; t < trials; t++) {
		struct pair p = { a, b };

		for (int i = 0; i < N; i++) {
			a[i] = 45000 + 4000 * vtax_rng__normal(&rng);
			b[i] = 40000 + 4000 * vtax_rng__normal(&rng);
		}
		vtax_stats__bootstrap(N, median_diff, &p, 500, (uint64_t)t, VTAX_STATS_LEVEL, &ci);
		cover += ci.ok && ci.lo <= 5000 && ci.hi >= 5000;
	}
	tap_ok(cover >= 0.91 * trials && cover <= 0.98 * trials,
	       "bootstrap median difference, 30 rounds: coverage %.1f%% (91-98)",
	       100.0 * cover / trials);

	/* fixed seed: the same data give the same interval */
	{
		struct pair p = { a, b };

		vtax_stats__bootstrap(N, median_diff, &p, 0, VTAX_STATS_SEED, VTAX_STATS_LEVEL, &ci);
		vtax_stats__bootstrap(N, median_diff, &p, 0, VTAX_STATS_SEED, VTAX_STATS_LEVEL, &ci2);
		tap_ok(ci.ok && ci.lo == ci2.lo && ci.hi == ci2.hi && !strcmp(ci.method, "bootstrap"),
		       "bootstrap is reproducible: [%.0f, %.0f]", ci.lo, ci.hi);
	}
	/* ratios whose denominator can vanish: replicates dropped, interval refused */
	{
		struct pair p = { a, b };

		for (int i = 0; i < N; i++) {
			a[i] = 1;
			b[i] = i % 2 ? 1 : -1;
		}
		vtax_stats__bootstrap(N, ratio_of_means, &p, 500, 1, VTAX_STATS_LEVEL, &ci);
		tap_ok(!ci.ok || isfinite(ci.lo), "a ratio with a vanishing denominator: %s",
		       ci.ok ? "interval" : "no interval");
	}
	{
		json_t *j;

		ci.ok = 1;
		ci.lo = 14100;
		ci.hi = 18500;
		j = vtax_ci__to_json(&ci, 1);
		tap_ok(json_is_array(j) && json_array_size(j) == 2 &&
			       json_real_value(json_array_get(j, 0)) == 14100,
		       "JSON [lo, hi]");
		json_decref(j);
		ci.ok = 0;
		j = vtax_ci__to_json(&ci, 1);
		tap_ok(json_is_null(j), "JSON null without an interval");
		json_decref(j);
	}
	return tap_done();
}
