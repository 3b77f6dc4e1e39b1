// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * stats.h - the statistics behind `vtax compare`'s intervals: why a
 * difference is "within noise" and how sure each figure is.
 *
 * compare measures in interleaved rounds (every environment, both passes,
 * about a second each, in a random order per round).  A round's means of
 * two environments were taken seconds apart on the same host, so their
 * difference cancels the host's drift; the rounds' differences are the
 * samples.  Two methods, each stated in the report and the JSON:
 *
 *   t          Student t on the paired differences of round means (mean
 *              ± t(0.975, n-1) · sd/√n).  For means and for differences
 *              of means (the difference per operation, each cause's
 *              delta, raw and corrected).
 *   bootstrap  percentile bootstrap over rounds: rounds are resampled with
 *              replacement (whole rounds, so the pairing stays), the
 *              statistic recomputed, and the 2.5% and 97.5% quantiles of
 *              VTAX_STATS_BOOT_REPS replicates are the interval.  Fixed
 *              seed: the same data give the same interval.  For quantities
 *              that are not a mean of per-round values: p50/p99
 *              differences (medians of rounds' quantiles) and ratios
 *              (closure = Σ causes / difference).
 *
 * "Within noise" means exactly: the 95% interval of the difference
 * contains 0.  tests/unit/12-stats.c checks coverage (≈95% over many
 * seeds of synthetic normal data with a known difference) for both.
 */
#ifndef VTAX_STATS_H
#define VTAX_STATS_H

#include <stdint.h>
#include <jansson.h>

#define VTAX_STATS_LEVEL 0.95
#define VTAX_STATS_BOOT_REPS 2000
#define VTAX_STATS_SEED 0x7674617830313030ull /* "vtax0100" */

/* xoshiro256** seeded by splitmix64: fast, reproducible, no global state */
struct vtax_rng {
	uint64_t s[4];
};

void vtax_rng__seed(struct vtax_rng *r, uint64_t seed);
uint64_t vtax_rng__next(struct vtax_rng *r);
double vtax_rng__uniform(struct vtax_rng *r);          /* [0, 1) */
double vtax_rng__normal(struct vtax_rng *r);           /* N(0, 1) */
unsigned vtax_rng__below(struct vtax_rng *r, unsigned n); /* [0, n), unbiased */
void vtax_rng__shuffle(struct vtax_rng *r, int *v, int n);

/* A point estimate and its interval. */
struct vtax_ci {
	double est;        /* the statistic on the data as measured */
	double lo, hi;     /* the interval (NAN when !ok) */
	int n;             /* rounds it rests on */
	int ok;            /* an interval could be computed (n >= 2, finite) */
	const char *method; /* "t" or "bootstrap" */
};

double vtax_stats__mean(const double *x, int n);
double vtax_stats__sd(const double *x, int n); /* sample sd (n - 1); 0 for n < 2 */
/* Quantile of sorted v[0..n) with linear interpolation (type 7). */
double vtax_stats__quantile_sorted(const double *v, int n, double q);
double vtax_stats__median(const double *x, int n);
/* Student t: CDF and quantile with df degrees of freedom. */
double vtax_stats__t_cdf(double t, double df);
double vtax_stats__t_quantile(double p, double df);

/* Mean of x[0..n) with a Student t interval.  0 or -EINVAL (n < 1). */
int vtax_stats__mean_ci(const double *x, int n, double level, struct vtax_ci *ci);
/* Mean of a[i] - b[i] (paired) with a Student t interval. */
int vtax_stats__paired_ci(const double *a, const double *b, int n, double level,
			  struct vtax_ci *ci);

/*
 * Percentile bootstrap over n rounds: fn(idx, n, ctx) computes the
 * statistic on the rounds idx[0..n) (a resample, repeats allowed; the
 * identity for the estimate).  Replicates where fn is not finite (e.g.
 * a ratio whose denominator came out 0) are dropped; more than 5% of
 * them dropped makes the interval !ok.  reps <= 0: VTAX_STATS_BOOT_REPS.
 */
typedef double (*vtax_stats_fn)(const int *idx, int n, void *ctx);
int vtax_stats__bootstrap(int n, vtax_stats_fn fn, void *ctx, int reps, uint64_t seed,
			  double level, struct vtax_ci *ci);

/* The interval contains 0 (the meaning of "within noise"); 1 also when !ok. */
int vtax_ci__within_noise(const struct vtax_ci *ci);
double vtax_ci__width(const struct vtax_ci *ci); /* hi - lo, NAN when !ok */
/* [lo, hi] scaled by k, or null when !ok. */
json_t *vtax_ci__to_json(const struct vtax_ci *ci, double k);

#endif
