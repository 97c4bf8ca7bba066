/*
 * Statistics for deciding whether a prompt is really better: means, sample
 * standard deviations, Student's t distribution, t-based and bootstrap
 * confidence intervals, and the paired t-test over test cases.
 * Nothing here allocates memory that outlives a call.
 */
#ifndef PO_STATS_H
#define PO_STATS_H

#include <stddef.h>
#include <stdint.h>

/* A confidence interval: low <= mean <= high. */
struct po_ci {
	double mean, low, high;
};

/* Mean of x[0..n); 0 when n is 0. */
double po_stats_mean(const double *x, size_t n);
/* Sample standard deviation (n - 1 in the denominator); 0 when n < 2. */
double po_stats_sd(const double *x, size_t n);
/* The q-quantile (0..1) of x[0..n-1], linear between order statistics;
 * infinities sort last and stay infinite; NAN when n is 0. */
double po_stats_quantile(const double *x, size_t n, double q);

/* Regularized incomplete beta function I_x(a, b), a, b > 0, x in [0, 1]. NaN otherwise. */
double po_stats_betainc(double x, double a, double b);
/* P(T <= t) for Student's t with df > 0 degrees of freedom. NaN when df <= 0. */
double po_stats_t_cdf(double t, double df);
/* The t with P(T <= t) = p, for 0 < p < 1 and df > 0 (±INFINITY at p 0/1, NaN otherwise). */
double po_stats_t_quantile(double p, double df);

/*
 * Two-sided t-based confidence interval of the mean at `level` (e.g. 0.95).
 * With fewer than two values (or no spread) the interval is the mean itself.
 */
struct po_ci po_stats_mean_ci(const double *x, size_t n, double level);

/*
 * Paired t-test of mean(b[i] - a[i]) = 0. Returns the two-sided p-value:
 * 1 when n < 2 or all differences are 0, 0 when the differences are all
 * equal and non-zero. When diff_ci is not NULL it receives the t-based
 * interval of the mean difference at `level`.
 */
double po_stats_paired_t(const double *a, const double *b, size_t n, double level,
			 struct po_ci *diff_ci);

/*
 * Percentile bootstrap interval of the mean at `level` from `resamples`
 * resamples drawn with util/rng.h seeded by `seed`: same inputs, same interval.
 * mean is the mean of x. With n 0 everything is 0; with resamples 0 the
 * interval is the mean itself.
 */
struct po_ci po_stats_bootstrap_ci(const double *x, size_t n, double level, size_t resamples,
				   uint64_t seed);

#endif
