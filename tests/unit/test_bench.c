/*
 * Unit tests of run/bench: seed lists, quantiles with infinities (runs that
 * never reached a threshold), and a small bench whose figures agree with its
 * runs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/stats.h"
#include "run/bench.h"
#include "util/json.h"

static void test_seeds(void **state)
{
	uint64_t *s;
	size_t n;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_bench_parse_seeds("1,5,9-12", &s, &n, &err), 0);
	assert_int_equal(n, 6);
	assert_int_equal(s[0], 1);
	assert_int_equal(s[2], 9);
	assert_int_equal(s[5], 12);
	free(s);
	assert_int_equal(po_bench_parse_seeds("7", &s, &n, &err), 0);
	assert_int_equal(n, 1);
	free(s);
	assert_int_equal(po_bench_parse_seeds("3-", &s, &n, &err), PO_EUSAGE);
	assert_int_equal(po_bench_parse_seeds("1;2", &s, &n, &err), PO_EUSAGE);
	assert_non_null(strstr(err.msg, "expected ',' or '-' at ';2'"));
	assert_int_equal(po_bench_parse_seeds("1-999999999", &s, &n, &err), PO_EUSAGE);
	assert_non_null(strstr(err.msg, "more than"));
	assert_int_equal(po_bench_parse_seeds("99999999999999999999999", &s, &n, &err), PO_EUSAGE);
	assert_null(s);
}

static void test_quantile(void **state)
{
	double x[] = { 4, 1, 3, 2 }, y[] = { 10, INFINITY, 20, INFINITY };

	(void)state;
	assert_true(fabs(po_stats_quantile(x, 4, 0.5) - 2.5) < 1e-12);
	assert_true(fabs(po_stats_quantile(x, 4, 0) - 1) < 1e-12);
	assert_true(fabs(po_stats_quantile(x, 4, 1) - 4) < 1e-12);
	/* Half the runs never reached: the median is infinite, the 25th % not. */
	assert_true(isinf(po_stats_quantile(y, 4, 0.5)));
	assert_true(fabs(po_stats_quantile(y, 4, 1.0 / 3) - 20) < 1e-12);
	assert_true(isnan(po_stats_quantile(x, 0, 0.5)));
}

static void test_small_bench(void **state)
{
	char dir[] = "/tmp/po-bench-unit-XXXXXX";
	uint64_t seeds[] = { 1, 2, 3 };
	struct po_bench_options o;
	struct po_err err = { 0 };
	json_t *r = NULL, *s, *run;
	long ncases = 0;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);
	po_bench_options_init(&o);
	o.seeds = seeds;
	o.nseeds = 3;
	o.jobs = 2;
	o.run.max_iterations = 5;
	o.run.enable_convergence = false;
	o.work_dir = "work";
	/* The seed's loop, whose calls per iteration are bounded below. */
	o.strategies = (const char *const[]){ "hillclimb" };
	o.nstrategies = 1;
	assert_int_equal(po_bench_run(&o, &r, &err), 0);
	{
		json_t *tc = NULL;
		assert_int_equal(po_json_load_file("prompt_tuning_results_pr-faq-validator/test_cases_pr-faq-validator.json",
						   &tc, &err), 0);
		ncases = (long)json_array_size(json_object_get(tc, "test_cases"));
		json_decref(tc);
	}
	s = json_array_get(json_object_get(r, "strategies"), 0);
	assert_string_equal(po_json_str(s, "strategy", ""), "hillclimb");
	assert_int_equal(po_json_int(s, "runs", 0), 3);
	json_array_foreach(json_object_get(r, "runs"), i, run) {
		double base = po_json_num(run, "true_baseline", NAN);
		double best = po_json_num(run, "true_best", NAN);
		assert_true(isfinite(base) && isfinite(best));
		assert_true(best <= po_json_num(s, "optimum", 0) + 1e-9);
		/* 5 iterations: baseline + 5 x (n generate + n judge + 1 mutate) at most */
		assert_true(po_json_int(run, "calls", 0) <= 2 * ncases + 5 * (2 * ncases + 1));
	}
	json_decref(r);
	/* Each run's folder is removed once its figures are taken. */
	assert_int_equal(access("work/run-0", F_OK), -1);
	assert_int_equal(access("work/run-2", F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_quantile),
		cmocka_unit_test(test_small_bench),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
