/*
 * Unit tests of the convergence detector: when it converges, what it reports
 * about the plateau, and the recommendation lines a user reads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "promptopt.h"

static struct po_convergence *feed(const struct po_convergence_config *cfg,
				   const double *scores, int n)
{
	struct po_convergence *c = po_convergence_new(cfg);
	int i;

	for (i = 0; i < n; i++)
		po_convergence_update(c, i, scores[i]);
	return c;
}

static void test_defaults(void **state)
{
	struct po_convergence_config cfg;

	(void)state;
	po_convergence_config_init(&cfg);
	assert_int_equal(cfg.no_improvement_threshold, 5);
	assert_true(fabs(cfg.min_improvement_percent - 0.1) < 1e-12);
	assert_true(cfg.enable_early_stop);
	assert_true(cfg.track_plateau_variance);
}

/* Baseline at 0, gains up to iteration 6, then 5 flat iterations: converged at 11. */
static void test_seed_example(void **state)
{
	static const double s[] = { 60, 61, 62, 63, 64, 65, 66, 66, 65.5, 66, 65, 66 };
	struct po_convergence *c = po_convergence_new(NULL);
	struct po_convergence_status st;
	char rec[512];
	int i;

	(void)state;
	assert_false(po_convergence_update(c, 0, s[0]));
	for (i = 1; i <= 6; i++)
		assert_true(po_convergence_update(c, i, s[i]));
	for (i = 7; i <= 10; i++) {
		assert_false(po_convergence_update(c, i, s[i]));
		assert_false(po_convergence_should_stop(c));
	}
	assert_false(po_convergence_update(c, 11, s[11]));
	assert_true(po_convergence_should_stop(c));

	po_convergence_get_status(c, &st);
	assert_true(st.converged);
	assert_int_equal(st.convergence_iteration, 11);
	assert_int_equal(st.wasted_iterations, 0);
	assert_int_equal(st.total_iterations, 12);
	assert_int_equal(st.no_improvement_count, 5);
	assert_int_equal(st.last_improvement_iteration, 6);
	assert_true(fabs(st.best_score - 66) < 1e-12);
	assert_int_equal(st.plateau_length, 6);
	assert_true(fabs(st.plateau_variance - 1.0) < 1e-12);

	assert_int_equal(po_convergence_recommendations(c, 20, rec, sizeof(rec)), 1);
	assert_string_equal(rec,
		"Convergence detected at iteration 11; stopping early saved 9 of 20 iterations.\n");
	po_convergence_free(c);
}

static void test_first_score_zero(void **state)
{
	struct po_convergence *c = po_convergence_new(NULL);
	struct po_convergence_status st;

	(void)state;
	assert_false(po_convergence_update(c, 0, 0));
	assert_false(po_convergence_update(c, 1, 0));
	/* With a best of 0 there is no relative gain: any gain counts. */
	assert_true(po_convergence_update(c, 2, 0.001));
	po_convergence_get_status(c, &st);
	assert_int_equal(st.no_improvement_count, 0);
	assert_int_equal(st.last_improvement_iteration, 2);
	assert_true(fabs(st.best_score - 0.001) < 1e-15);
	po_convergence_free(c);
}

/* +0.05 % steps raise the best but never reset the counter. */
static void test_small_gains_never_reset(void **state)
{
	struct po_convergence *c = po_convergence_new(NULL);
	struct po_convergence_status st;
	double score = 100;
	int i;

	(void)state;
	po_convergence_update(c, 0, score);
	for (i = 1; i <= 5; i++) {
		score *= 1.0005;
		assert_false(po_convergence_update(c, i, score));
	}
	po_convergence_get_status(c, &st);
	assert_true(st.converged);
	assert_int_equal(st.convergence_iteration, 5);
	assert_int_equal(st.last_improvement_iteration, 0);
	assert_true(fabs(st.best_score - score) < 1e-9);
	po_convergence_free(c);
}

static void test_exact_threshold_is_significant(void **state)
{
	struct po_convergence *c = po_convergence_new(NULL);

	(void)state;
	po_convergence_update(c, 0, 200);
	assert_true(po_convergence_update(c, 1, 200.2));
	assert_false(po_convergence_update(c, 2, 200.39));
	po_convergence_free(c);
}

static void test_early_stop_off(void **state)
{
	static const double s[] = { 50, 55, 55, 54, 55, 53, 55, 55, 55, 56.0, 54 };
	struct po_convergence_config cfg;
	struct po_convergence *c;
	struct po_convergence_status st;

	(void)state;
	po_convergence_config_init(&cfg);
	cfg.enable_early_stop = false;
	c = feed(&cfg, s, 11);
	po_convergence_get_status(c, &st);
	assert_true(st.converged);
	assert_false(po_convergence_should_stop(c));
	assert_int_equal(st.convergence_iteration, 6);
	/* 7..10 were run after convergence; the gain at 9 does not undo it. */
	assert_int_equal(st.wasted_iterations, 4);
	assert_int_equal(st.last_improvement_iteration, 9);
	assert_int_equal(st.no_improvement_count, 1);
	po_convergence_free(c);
}

static void test_threshold_one(void **state)
{
	struct po_convergence_config cfg;
	struct po_convergence *c;
	struct po_convergence_status st;

	(void)state;
	po_convergence_config_init(&cfg);
	cfg.no_improvement_threshold = 1;
	c = po_convergence_new(&cfg);
	po_convergence_update(c, 0, 10);
	po_convergence_update(c, 1, 20);
	assert_false(po_convergence_should_stop(c));
	po_convergence_update(c, 2, 19);
	assert_true(po_convergence_should_stop(c));
	po_convergence_get_status(c, &st);
	assert_int_equal(st.convergence_iteration, 2);
	po_convergence_free(c);
}

static void test_plateau_stats(void **state)
{
	static const double s[] = { 50, 60, 58, 59, 57 };
	struct po_convergence_config cfg;
	struct po_convergence *c;
	struct po_convergence_status st;

	(void)state;
	c = feed(NULL, s, 5);
	po_convergence_get_status(c, &st);
	assert_int_equal(st.plateau_length, 4);
	assert_true(fabs(st.plateau_variance - 3.0) < 1e-12);
	assert_true(fabs(st.plateau_average - 58.5) < 1e-12);
	assert_true(fabs(st.plateau_stddev - sqrt(5.0 / 3.0)) < 1e-12);
	po_convergence_free(c);

	po_convergence_config_init(&cfg);
	cfg.track_plateau_variance = false;
	c = feed(&cfg, s, 5);
	po_convergence_get_status(c, &st);
	assert_true(st.plateau_variance == 0);
	assert_true(st.plateau_average == 0);
	assert_true(st.plateau_stddev == 0);
	po_convergence_free(c);
}

static void test_recommend_variance(void **state)
{
	static const double s[] = { 50, 70, 62, 68, 63 };
	struct po_convergence *c = feed(NULL, s, 5);
	char rec[512];

	(void)state;
	assert_int_equal(po_convergence_recommendations(c, 20, rec, sizeof(rec)), 1);
	assert_string_equal(rec,
		"High plateau variance (\xc2\xb1" "8.00) suggests mutations are too aggressive.\n");
	po_convergence_free(c);
}

static void test_recommend_diminishing(void **state)
{
	static const double s[] = { 50, 60, 63 };
	struct po_convergence *c = feed(NULL, s, 3);
	char rec[512];

	(void)state;
	assert_int_equal(po_convergence_recommendations(c, 20, rec, sizeof(rec)), 1);
	assert_string_equal(rec,
		"Diminishing returns: the last improvement (+3.00 points) was less than half the first (+10.00 points); consider stopping earlier or changing the mutation strategy.\n");
	po_convergence_free(c);
}

/* A run that went on after converging (no early stop): the seed's words. */
static void test_recommend_went_on(void **state)
{
	static const double s[] = { 50, 60, 60, 60, 60, 60, 60, 60, 60 };
	struct po_convergence *c = feed(NULL, s, 9);
	char rec[512];

	(void)state;
	assert_int_equal(po_convergence_recommendations(c, 8, rec, sizeof(rec)), 1);
	assert_string_equal(rec,
		"Convergence detected at iteration 6. Could have stopped 2 iterations earlier.\n");
	po_convergence_free(c);
}

static void test_recommend_none(void **state)
{
	static const double s[] = { 50, 60, 70 };
	struct po_convergence *c = feed(NULL, s, 3);
	char rec[512];

	(void)state;
	/* Ended before its limit (interrupted, or a limit): --resume, not more. */
	assert_int_equal(po_convergence_recommendations(c, 20, rec, sizeof(rec)), 1);
	assert_string_equal(rec,
		"The run ended after 2 of 20 iterations, before converging; to go on, run it again with --resume.\n");
	assert_int_equal(po_convergence_recommendations(c, 2, rec, sizeof(rec)), 1);
	assert_string_equal(rec, "No convergence within 2 iterations; consider more iterations.\n");
	/* Iterations that tested no candidate are not counted, but the run got
	 * that far: it did not end early. */
	po_convergence_skip(c, 19);
	po_convergence_skip(c, 20);
	assert_false(po_convergence_should_stop(c));
	assert_int_equal(po_convergence_recommendations(c, 20, rec, sizeof(rec)), 1);
	assert_string_equal(rec, "No convergence within 20 iterations; consider more iterations.\n");
	po_convergence_free(c);

	c = po_convergence_new(NULL);
	assert_int_equal(po_convergence_recommendations(c, 20, rec, sizeof(rec)), 0);
	assert_string_equal(rec, "");
	po_convergence_free(c);
}

static void test_recommend_several_and_truncation(void **state)
{
	/* Converges at 7 with a wide plateau and a shrinking gain. */
	static const double s[] = { 50, 60, 61, 54, 60, 55, 58, 57 };
	struct po_convergence *c = feed(NULL, s, 8);
	char rec[512], tiny[16];

	(void)state;
	assert_int_equal(po_convergence_recommendations(c, 10, rec, sizeof(rec)), 3);
	assert_non_null(strstr(rec, "Convergence detected at iteration 7; stopping early saved 3 of 10 iterations.\n"));
	assert_non_null(strstr(rec, "(\xc2\xb1" "7.00)"));
	assert_non_null(strstr(rec, "(+1.00 points) was less than half the first (+10.00 points)"));
	assert_int_equal(po_convergence_recommendations(c, 10, tiny, sizeof(tiny)), 3);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	assert_memory_equal(tiny, "Convergence det", 15);
	/* Converged at the last planned iteration: nothing was wasted. */
	assert_int_equal(po_convergence_recommendations(c, 7, rec, sizeof(rec)), 2);
	po_convergence_free(c);
}

static void test_negative_scores(void **state)
{
	struct po_convergence *c = po_convergence_new(NULL);
	struct po_convergence_status st;

	(void)state;
	po_convergence_update(c, 0, -10);
	assert_true(po_convergence_update(c, 1, -5));
	assert_false(po_convergence_update(c, 2, -7));
	assert_true(po_convergence_update(c, 3, -4.999));
	assert_true(po_convergence_update(c, 4, 2));
	assert_false(po_convergence_update(c, 5, 2.001)); /* 0.05 % of 2 */
	po_convergence_get_status(c, &st);
	assert_true(fabs(st.best_score - 2.001) < 1e-12);
	assert_int_equal(st.last_improvement_iteration, 4);
	assert_int_equal(st.no_improvement_count, 1);
	po_convergence_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_seed_example),
		cmocka_unit_test(test_first_score_zero),
		cmocka_unit_test(test_small_gains_never_reset),
		cmocka_unit_test(test_exact_threshold_is_significant),
		cmocka_unit_test(test_early_stop_off),
		cmocka_unit_test(test_threshold_one),
		cmocka_unit_test(test_plateau_stats),
		cmocka_unit_test(test_recommend_variance),
		cmocka_unit_test(test_recommend_diminishing),
		cmocka_unit_test(test_recommend_went_on),
		cmocka_unit_test(test_recommend_none),
		cmocka_unit_test(test_recommend_several_and_truncation),
		cmocka_unit_test(test_negative_scores),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
