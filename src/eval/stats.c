/*
 * Statistics (see stats.h): Student's t distribution through the regularized
 * incomplete beta function, confidence intervals and the paired t-test.
 */
#include "eval/stats.h"

#include <math.h>
#include <string.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util/mem.h"
#include "util/rng.h"

double po_stats_mean(const double *x, size_t n)
{
	double sum = 0;
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		sum += x[i];
	return sum / (double)n;
}

double po_stats_sd(const double *x, size_t n)
{
	double m, ss = 0;
	size_t i;

	if (n < 2)
		return 0;
	/* Two passes: summing squares around the mean avoids cancellation. */
	m = po_stats_mean(x, n);
	for (i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	return sqrt(ss / (double)(n - 1));
}

/*
 * Continued fraction of the incomplete beta function, evaluated with the
 * modified Lentz method; it converges fast for x < (a + 1) / (a + b + 2),
 * which the caller ensures by symmetry.
 */
static double betacf(double x, double a, double b)
{
	const double tiny = 1e-300;
	double c = 1, d, h, num;
	int m;

	d = 1 - (a + b) * x / (a + 1);
	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 1000; m++) {
		double del;

		/* even step */
		num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
		d = 1 + num * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + num / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		h *= d * c;
		/* odd step */
		num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		d = 1 + num * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + num / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

/* lgamma() writes the global signgam; the reentrant form keeps callers thread-safe. */
static double log_gamma(double v)
{
	int sign;

	return lgamma_r(v, &sign);
}

double po_stats_betainc(double x, double a, double b)
{
	double lnfront;

	if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1))
		return NAN;
	if (x == 0 || x == 1)
		return x;
	lnfront = log_gamma(a + b) - log_gamma(a) - log_gamma(b) + a * log(x) + b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(lnfront) * betacf(x, a, b) / a;
	return 1 - exp(lnfront) * betacf(1 - x, b, a) / b;
}

/* P(|T| >= |t|): computed directly so that small p-values keep their precision. */
static double t_two_tail(double t, double df)
{
	if (isinf(t))
		return 0;
	return po_stats_betainc(df / (df + t * t), df / 2, 0.5);
}

double po_stats_t_cdf(double t, double df)
{
	double tail;

	if (!(df > 0) || isnan(t))
		return NAN;
	tail = t_two_tail(t, df) / 2;
	return t > 0 ? 1 - tail : tail;
}

double po_stats_t_quantile(double p, double df)
{
	double lo, hi, target;
	bool upper;
	int i;

	if (!(df > 0) || !(p >= 0) || !(p <= 1))
		return NAN;
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return INFINITY;
	if (p == 0.5)
		return 0;
	/*
	 * Solve on the upper half with the one-sided tail as the target, so a
	 * p close to 0 or 1 does not lose its digits in 1 - p. Bisection is slow
	 * but cannot diverge, and the tail is monotone in t.
	 */
	upper = p > 0.5;
	target = upper ? 1 - p : p;
	lo = 0;
	hi = 1;
	while (t_two_tail(hi, df) / 2 > target && hi < 1e300)
		hi *= 2;
	for (i = 0; i < 2000 && hi - lo > 1e-13 * hi; i++) {
		double mid = lo + (hi - lo) / 2;

		if (t_two_tail(mid, df) / 2 > target)
			lo = mid;
		else
			hi = mid;
	}
	return upper ? lo + (hi - lo) / 2 : -(lo + (hi - lo) / 2);
}

static double clamp_level(double level)
{
	if (!(level > 0) || !(level < 1))
		return 0.95;
	return level;
}

struct po_ci po_stats_mean_ci(const double *x, size_t n, double level)
{
	struct po_ci ci;
	double sd, half;

	ci.mean = ci.low = ci.high = po_stats_mean(x, n);
	if (n < 2)
		return ci;
	sd = po_stats_sd(x, n);
	if (sd == 0)
		return ci;
	half = po_stats_t_quantile(1 - (1 - clamp_level(level)) / 2, (double)(n - 1)) *
	       sd / sqrt((double)n);
	ci.low = ci.mean - half;
	ci.high = ci.mean + half;
	return ci;
}

double po_stats_paired_t(const double *a, const double *b, size_t n, double level,
			 struct po_ci *diff_ci)
{
	double *d, m, sd, p;
	size_t i;

	if (!n) {
		if (diff_ci)
			diff_ci->mean = diff_ci->low = diff_ci->high = 0;
		return 1;
	}
	d = po_xmalloc(n * sizeof(*d));
	for (i = 0; i < n; i++)
		d[i] = b[i] - a[i];
	m = po_stats_mean(d, n);
	sd = po_stats_sd(d, n);
	if (diff_ci)
		*diff_ci = po_stats_mean_ci(d, n, level);
	free(d);

	if (n < 2 || m == 0)
		return 1;
	/* Identical non-zero differences: no noise at all, the shift is certain. */
	if (sd == 0)
		return 0;
	p = t_two_tail(m / (sd / sqrt((double)n)), (double)(n - 1));
	return p > 1 ? 1 : p;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/* The q-quantile of sorted v[0..n) with linear interpolation between ranks. */
static double sorted_quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;

	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

struct po_ci po_stats_bootstrap_ci(const double *x, size_t n, double level, size_t resamples,
				   uint64_t seed)
{
	struct po_ci ci;
	struct po_rng rng;
	double *means, alpha;
	size_t r, i;

	ci.mean = ci.low = ci.high = po_stats_mean(x, n);
	if (!n || !resamples)
		return ci;
	alpha = 1 - clamp_level(level);
	po_rng_seed(&rng, seed);
	means = po_xmalloc(resamples * sizeof(*means));
	for (r = 0; r < resamples; r++) {
		double sum = 0;

		for (i = 0; i < n; i++)
			sum += x[po_rng_below(&rng, n)];
		means[r] = sum / (double)n;
	}
	qsort(means, resamples, sizeof(*means), cmp_double);
	ci.low = sorted_quantile(means, resamples, alpha / 2);
	ci.high = sorted_quantile(means, resamples, 1 - alpha / 2);
	free(means);
	/* Rounding in the resampled means must not put the mean outside. */
	if (ci.low > ci.mean)
		ci.low = ci.mean;
	if (ci.high < ci.mean)
		ci.high = ci.mean;
	return ci;
}

double po_stats_quantile(const double *x, size_t n, double q)
{
	double *v, pos, frac, lo, hi, r;
	size_t k;

	if (!n)
		return NAN;
	v = po_xcalloc(n, sizeof(*v));
	memcpy(v, x, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_double);
	pos = q * (double)(n - 1);
	k = (size_t)floor(pos);
	frac = pos - (double)k;
	lo = v[k];
	hi = v[k + 1 < n ? k + 1 : k];
	if (frac == 0 || lo == hi)
		r = lo;
	else if (isinf(hi))
		r = hi; /* between a value and infinity: infinite */
	else
		r = lo + (hi - lo) * frac;
	free(v);
	return r;
}
