// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * stats.c - confidence intervals for `vtax compare` (stats.h): Student t
 * on paired round differences, percentile bootstrap over rounds, and the
 * small seeded RNG both the bootstrap and the round order use.  Pure
 * arithmetic; tests/unit/12-stats.c checks it on synthetic data.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "compare/stats.h"

/* ---- RNG -------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void vtax_rng__seed(struct vtax_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t vtax_rng__next(struct vtax_rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

double vtax_rng__uniform(struct vtax_rng *r)
{
	return (double)(vtax_rng__next(r) >> 11) * 0x1.0p-53;
}

double vtax_rng__normal(struct vtax_rng *r)
{
	/* Box-Muller; u1 in (0, 1] so the log is finite */
	double u1 = 1.0 - vtax_rng__uniform(r), u2 = vtax_rng__uniform(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

unsigned vtax_rng__below(struct vtax_rng *r, unsigned n)
{
	uint64_t lim, x;

	if (n <= 1)
		return 0;
	lim = UINT64_MAX - UINT64_MAX % n;
	do
		x = vtax_rng__next(r);
	while (x >= lim);
	return (unsigned)(x % n);
}

void vtax_rng__shuffle(struct vtax_rng *r, int *v, int n)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)vtax_rng__below(r, (unsigned)i + 1), t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

/* ---- descriptive ------------------------------------------------------ */

double vtax_stats__mean(const double *x, int n)
{
	double s = 0;

	if (n <= 0)
		return NAN;
	for (int i = 0; i < n; i++)
		s += x[i];
	return s / n;
}

double vtax_stats__sd(const double *x, int n)
{
	double m, s = 0;

	if (n < 2)
		return 0;
	m = vtax_stats__mean(x, n);
	for (int i = 0; i < n; i++)
		s += (x[i] - m) * (x[i] - m);
	return sqrt(s / (n - 1));
}

double vtax_stats__quantile_sorted(const double *v, int n, double q)
{
	double h;
	int i;

	if (n <= 0)
		return NAN;
	if (q <= 0)
		return v[0];
	if (q >= 1)
		return v[n - 1];
	h = (n - 1) * q;
	i = (int)floor(h);
	return i + 1 < n ? v[i] + (h - i) * (v[i + 1] - v[i]) : v[i];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double vtax_stats__median(const double *x, int n)
{
	double *t, m;

	if (n <= 0)
		return NAN;
	t = malloc(sizeof(*t) * (size_t)n);
	if (!t)
		return NAN;
	memcpy(t, x, sizeof(*t) * (size_t)n);
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	m = vtax_stats__quantile_sorted(t, n, 0.5);
	free(t);
	return m;
}

/* ---- Student t -------------------------------------------------------- */

/* Continued fraction of the regularized incomplete beta (modified Lentz). */
static double betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	d = fabs(d) < tiny ? tiny : d;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= 300; m++) {
		double m2 = 2.0 * m, aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2)), del;

		d = 1 + aa * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + aa * d;
		d = fabs(d) < tiny ? tiny : d;
		c = 1 + aa / c;
		c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-14)
			break;
	}
	return h;
}

static double betai(double a, double b, double x)
{
	double bt;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return bt * betacf(a, b, x) / a;
	return 1 - bt * betacf(b, a, 1 - x) / b;
}

double vtax_stats__t_cdf(double t, double df)
{
	double p;

	if (!(df > 0) || isnan(t))
		return NAN;
	p = 0.5 * betai(df / 2, 0.5, df / (df + t * t));
	return t > 0 ? 1 - p : p;
}

double vtax_stats__t_quantile(double p, double df)
{
	double lo = -1e4, hi = 1e4;

	if (!(p > 0 && p < 1) || !(df > 0))
		return NAN;
	/* bisection: monotone, 100 halvings of 2e4 is far below 1e-12 */
	for (int i = 0; i < 100; i++) {
		double mid = (lo + hi) / 2;

		if (vtax_stats__t_cdf(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

static void ci_none(struct vtax_ci *ci, const char *method, int n)
{
	ci->lo = ci->hi = NAN;
	ci->n = n;
	ci->ok = 0;
	ci->method = method;
}

int vtax_stats__mean_ci(const double *x, int n, double level, struct vtax_ci *ci)
{
	double h;

	ci_none(ci, "t", n);
	ci->est = n > 0 ? vtax_stats__mean(x, n) : NAN;
	if (n < 1)
		return -EINVAL;
	if (n < 2 || !isfinite(ci->est))
		return 0;
	h = vtax_stats__t_quantile(0.5 + level / 2, n - 1) * vtax_stats__sd(x, n) / sqrt(n);
	if (!isfinite(h))
		return 0;
	ci->lo = ci->est - h;
	ci->hi = ci->est + h;
	ci->ok = 1;
	return 0;
}

int vtax_stats__paired_ci(const double *a, const double *b, int n, double level,
			  struct vtax_ci *ci)
{
	double *d;
	int rc;

	if (n < 1) {
		ci_none(ci, "t", n);
		ci->est = NAN;
		return -EINVAL;
	}
	d = malloc(sizeof(*d) * (size_t)n);
	if (!d)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		d[i] = a[i] - b[i];
	rc = vtax_stats__mean_ci(d, n, level, ci);
	free(d);
	return rc;
}

/* ---- bootstrap -------------------------------------------------------- */

int vtax_stats__bootstrap(int n, vtax_stats_fn fn, void *ctx, int reps, uint64_t seed,
			  double level, struct vtax_ci *ci)
{
	struct vtax_rng rng;
	double *rep;
	int *idx, good = 0;

	ci_none(ci, "bootstrap", n);
	ci->est = NAN;
	if (n < 1 || !fn)
		return -EINVAL;
	if (reps <= 0)
		reps = VTAX_STATS_BOOT_REPS;
	idx = malloc(sizeof(*idx) * (size_t)n);
	rep = malloc(sizeof(*rep) * (size_t)reps);
	if (!idx || !rep) {
		free(idx);
		free(rep);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++)
		idx[i] = i;
	ci->est = fn(idx, n, ctx);
	if (n >= 2) {
		vtax_rng__seed(&rng, seed);
		for (int r = 0; r < reps; r++) {
			double v;

			for (int i = 0; i < n; i++)
				idx[i] = (int)vtax_rng__below(&rng, (unsigned)n);
			v = fn(idx, n, ctx);
			if (isfinite(v))
				rep[good++] = v;
		}
		if (good >= 2 && good >= reps - reps / 20) {
			qsort(rep, (size_t)good, sizeof(*rep), cmp_double);
			ci->lo = vtax_stats__quantile_sorted(rep, good, 0.5 - level / 2);
			ci->hi = vtax_stats__quantile_sorted(rep, good, 0.5 + level / 2);
			ci->ok = 1;
		}
	}
	free(idx);
	free(rep);
	return 0;
}

/* ---- intervals -------------------------------------------------------- */

int vtax_ci__within_noise(const struct vtax_ci *ci)
{
	return !ci->ok || (ci->lo <= 0 && ci->hi >= 0);
}

double vtax_ci__width(const struct vtax_ci *ci)
{
	return ci->ok ? ci->hi - ci->lo : NAN;
}

json_t *vtax_ci__to_json(const struct vtax_ci *ci, double k)
{
	if (!ci->ok || !isfinite(ci->lo) || !isfinite(ci->hi))
		return json_null();
	return json_pack("[f,f]", ci->lo * k, ci->hi * k);
}
