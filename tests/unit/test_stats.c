/*
 * Unit tests of the statistics module against table values (computed
 * independently with 30-digit arithmetic) and hand-worked examples.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "eval/stats.h"
#include "util/rng.h"

#define assert_near(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

static void test_mean_sd(void **state)
{
	static const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };

	(void)state;
	assert_near(po_stats_mean(x, 8), 5.0, 1e-12);
	assert_near(po_stats_sd(x, 8), sqrt(32.0 / 7.0), 1e-12);
	assert_near(po_stats_mean(x, 0), 0, 0);
	assert_near(po_stats_sd(x, 1), 0, 0);
	assert_near(po_stats_sd(x, 0), 0, 0);
}

static void test_betainc(void **state)
{
	(void)state;
	/* I_0.5(2, 3) = (6 + 4 + 1) / 16 from the binomial identity. */
	assert_near(po_stats_betainc(0.5, 2, 3), 0.6875, 1e-12);
	assert_near(po_stats_betainc(0.3, 0.7, 2.5), 0.711720746255319, 1e-9);
	assert_near(po_stats_betainc(0.45, 50, 60), 0.464235291430604, 1e-9);
	assert_near(po_stats_betainc(0, 2, 3), 0, 0);
	assert_near(po_stats_betainc(1, 2, 3), 1, 0);
	assert_true(isnan(po_stats_betainc(1.5, 2, 3)));
	assert_true(isnan(po_stats_betainc(0.5, 0, 3)));
}

static void test_t_cdf(void **state)
{
	int i;

	(void)state;
	assert_near(po_stats_t_cdf(0, 5), 0.5, 1e-15);
	assert_near(po_stats_t_cdf(-2.5, 3), 0.0438533235040328, 1e-9);
	assert_near(po_stats_t_cdf(1.3, 7.5), 0.883936610592196, 1e-9);
	assert_near(po_stats_t_cdf(-40, 3), 1.71903403945793e-05, 1e-12);
	/* Closed forms for 1 and 2 degrees of freedom. */
	for (i = -20; i <= 20; i++) {
		double t = i * 0.37;

		assert_near(po_stats_t_cdf(t, 1), 0.5 + atan(t) / M_PI, 1e-10);
		assert_near(po_stats_t_cdf(t, 2), 0.5 + t / (2 * sqrt(2 + t * t)), 1e-10);
	}
	assert_true(isnan(po_stats_t_cdf(1, 0)));
}

static void test_t_quantile(void **state)
{
	(void)state;
	assert_near(po_stats_t_quantile(0.975, 1), 12.7062047361747, 1e-6);
	assert_near(po_stats_t_quantile(0.975, 10), 2.22813885198627, 1e-6);
	assert_near(po_stats_t_quantile(0.975, 30), 2.04227245630124, 1e-6);
	assert_near(po_stats_t_quantile(0.025, 10), -2.22813885198627, 1e-6);
	assert_near(po_stats_t_quantile(0.995, 2.5), 7.16372813894878, 1e-6);
	assert_near(po_stats_t_quantile(0.5, 4), 0, 0);
	/* Round trip, including far tails. */
	assert_near(po_stats_t_cdf(po_stats_t_quantile(1e-9, 4), 4), 1e-9, 1e-15);
	assert_near(po_stats_t_cdf(po_stats_t_quantile(0.9, 200), 200), 0.9, 1e-12);
	assert_true(isinf(po_stats_t_quantile(1, 3)));
	assert_true(isnan(po_stats_t_quantile(1.5, 3)));
}

static void test_mean_ci(void **state)
{
	static const double x[] = { 10, 12, 14 };
	static const double same[] = { 3, 3, 3 };
	struct po_ci ci;

	(void)state;
	/* mean 12, sd 2, half width = t(0.975, 2) * 2 / sqrt(3) = 4.30265 * 1.1547 */
	ci = po_stats_mean_ci(x, 3, 0.95);
	assert_near(ci.mean, 12, 1e-12);
	assert_near(ci.high - ci.mean, 4.302652729911275 * 2 / sqrt(3), 1e-6);
	assert_near(ci.mean - ci.low, ci.high - ci.mean, 1e-12);
	ci = po_stats_mean_ci(same, 3, 0.95);
	assert_near(ci.low, 3, 0);
	assert_near(ci.high, 3, 0);
	ci = po_stats_mean_ci(x, 1, 0.95);
	assert_near(ci.low, 10, 0);
	assert_near(ci.high, 10, 0);
}

static void test_paired_t(void **state)
{
	static const double a[] = { 1, 2, 3, 4, 5 };
	static const double b[] = { 2, 4, 3, 6, 7 };
	static const double shifted[] = { 2, 3, 4, 5, 6 };
	struct po_ci ci;
	double p;

	(void)state;
	/* d = 1 2 0 2 2: mean 1.4, sd sqrt(0.8), t = 3.5 with 4 df. */
	p = po_stats_paired_t(a, b, 5, 0.95, &ci);
	assert_near(p, 0.0248961634602436, 1e-8);
	assert_near(ci.mean, 1.4, 1e-12);
	assert_near(ci.high - 1.4, 2.77644510519779 * 0.4, 1e-6);
	/* The order matters only for the sign of the difference. */
	assert_near(po_stats_paired_t(b, a, 5, 0.95, &ci), p, 1e-12);
	assert_near(ci.mean, -1.4, 1e-12);

	assert_near(po_stats_paired_t(a, a, 5, 0.95, &ci), 1, 0);
	assert_near(ci.mean, 0, 0);
	assert_near(po_stats_paired_t(a, shifted, 5, 0.95, NULL), 0, 0);
	assert_near(po_stats_paired_t(a, b, 1, 0.95, &ci), 1, 0);
	assert_near(ci.mean, 1, 0);
	assert_near(po_stats_paired_t(a, b, 0, 0.95, NULL), 1, 0);
}

static void test_bootstrap(void **state)
{
	static const double same[] = { 5, 5, 5, 5 };
	double x[200];
	struct po_rng rng;
	struct po_ci bs, bs2, t;
	size_t i;

	(void)state;
	po_rng_seed(&rng, 7);
	for (i = 0; i < 200; i++)
		x[i] = 50 + 10 * po_rng_normal(&rng);
	bs = po_stats_bootstrap_ci(x, 200, 0.95, 2000, 1);
	bs2 = po_stats_bootstrap_ci(x, 200, 0.95, 2000, 1);
	t = po_stats_mean_ci(x, 200, 0.95);
	assert_near(bs.mean, t.mean, 1e-12);
	assert_true(bs.low < bs.mean && bs.mean < bs.high);
	assert_near(bs.low, bs2.low, 0);
	assert_near(bs.high, bs2.high, 0);
	/* For normal data the percentile interval is close to the t interval. */
	assert_near((bs.high - bs.low) / (t.high - t.low), 1, 0.15);
	bs2 = po_stats_bootstrap_ci(x, 200, 0.95, 2000, 2);
	assert_true(bs2.low != bs.low || bs2.high != bs.high);
	/* A wider level gives a wider interval. */
	bs2 = po_stats_bootstrap_ci(x, 200, 0.99, 2000, 1);
	assert_true(bs2.low < bs.low && bs2.high > bs.high);

	bs = po_stats_bootstrap_ci(same, 4, 0.95, 500, 3);
	assert_near(bs.low, 5, 0);
	assert_near(bs.high, 5, 0);
	bs = po_stats_bootstrap_ci(same, 0, 0.95, 500, 3);
	assert_near(bs.mean, 0, 0);
	bs = po_stats_bootstrap_ci(x, 200, 0.95, 0, 3);
	assert_near(bs.low, bs.mean, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mean_sd),
		cmocka_unit_test(test_betainc),
		cmocka_unit_test(test_t_cdf),
		cmocka_unit_test(test_t_quantile),
		cmocka_unit_test(test_mean_ci),
		cmocka_unit_test(test_paired_t),
		cmocka_unit_test(test_bootstrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
