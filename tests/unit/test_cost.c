/*
 * The price table and the engine's limits: the built-in table loads and is
 * dated, lookups take the exact name or the longest prefix, a call's cost is
 * its tokens times the prices, bad tables are refused with file:line:col,
 * unknown models cost 0 and are counted, the per-model "temperature" flag
 * (most specific entry that has one), and --max-calls / --budget-usd refuse
 * a batch before anything is sent.
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

#include "llm/cost.h"
#include "llm/llm.h"
#include "llm/providers/shared.h"
#include "util/fs.h"
#include "util/mem.h"

static void test_builtin_table(void **state)
{
	struct po_prices *p;
	struct po_price pr;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_prices_load(&p, NULL, &err), 0);
	assert_int_equal(strlen(po_prices_date(p)), 10);
	assert_true(strlen(po_prices_source(p)) > 20);
	assert_true(po_prices_count(p) > 10);
	assert_true(po_prices_find(p, "anthropic", "claude-sonnet-4-5-20250929", &pr));
	assert_true(pr.input == 3 && pr.output == 15 && pr.cache_read == 0.3 && pr.cache_write == 3.75);
	/* Longest prefix: gpt-4o-mini is not priced as gpt-4o. */
	assert_true(po_prices_find(p, "openai", "gpt-4o-mini-2024-07-18", &pr));
	assert_true(pr.input == 0.15);
	assert_true(po_prices_find(p, "openai", "gpt-4o-2024-08-06", &pr));
	assert_true(pr.input == 2.5);
	/* OpenAI has no cache write price: it defaults to the input price. */
	assert_true(pr.cache_write == 2.5);
	assert_true(po_prices_find(p, "sim", "sim", &pr));
	assert_true(pr.input == 0 && pr.output == 0);
	assert_false(po_prices_find(p, "anthropic", "no-such-model", &pr));
	assert_true(pr.input == 0 && pr.output == 0);
	assert_false(po_prices_find(p, "nosuchprovider", "gpt-4o", &pr));
	assert_false(po_prices_find(p, "anthropic", NULL, &pr));
	po_prices_free(p);
}

static void test_exact_beats_prefix_and_cost(void **state)
{
	static const char T[] = "{\"date\": \"2026-01-01\", \"providers\": {\"x\": {"
				"\"m*\": {\"input\": 1, \"output\": 2},"
				"\"m-big\": {\"input\": 10, \"output\": 20, \"cache_read\": 1, \"cache_write\": 12.5},"
				"\"m-b*\": {\"input\": 5, \"output\": 6}}}}";
	struct po_prices *p;
	struct po_price pr;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_prices_parse(&p, "t.json", T, strlen(T), &err), 0);
	assert_true(po_prices_find(p, "x", "m-big", &pr));
	assert_true(pr.input == 10);
	assert_true(po_prices_find(p, "x", "m-bigger", &pr));
	assert_true(pr.input == 5);
	assert_true(po_prices_find(p, "x", "mo", &pr));
	assert_true(pr.input == 1);
	assert_true(pr.cache_read == 1 && pr.cache_write == 1);
	assert_true(po_prices_find(p, "x", "m-big", &pr));
	/* 1M input at 10, 500k output at 20, 200k read at 1, 100k write at 12.5 */
	assert_true(fabs(po_price_cost(&pr, 1000000, 500000, 200000, 100000) -
			 (10 + 10 + 0.2 + 1.25)) < 1e-9);
	po_prices_free(p);
}

static void test_temperature_flags(void **state)
{
	static const char T[] = "{\"date\": \"2026-01-01\", \"providers\": {\"x\": {"
				"\"r*\": {\"input\": 1, \"output\": 2, \"temperature\": false},"
				"\"r-chat*\": {\"input\": 1, \"output\": 2, \"temperature\": true},"
				"\"r-mini*\": {\"input\": 1, \"output\": 2},"
				"\"plain\": {\"input\": 1, \"output\": 2}}}}";
	struct po_prices *p;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_prices_parse(&p, "t.json", T, strlen(T), &err), 0);
	assert_int_equal(po_prices_temperature(p, "x", "r1"), 0);
	assert_int_equal(po_prices_temperature(p, "x", "r-chat-latest"), 1);
	/* r-mini* says nothing: the most specific entry that does decides. */
	assert_int_equal(po_prices_temperature(p, "x", "r-mini-2"), 0);
	assert_int_equal(po_prices_temperature(p, "x", "plain"), -1);
	assert_int_equal(po_prices_temperature(p, "x", "other"), -1);
	assert_int_equal(po_prices_temperature(p, "y", "r1"), -1);
	assert_int_equal(po_prices_temperature(NULL, "x", "r1"), -1);
	po_prices_free(p);

	/* The built-in table: models known to refuse one, and to take one. */
	assert_int_equal(po_prices_load(&p, NULL, &err), 0);
	assert_int_equal(po_prices_temperature(p, "openai", "o1"), 0);
	assert_int_equal(po_prices_temperature(p, "openai", "o1-mini"), 0);
	assert_int_equal(po_prices_temperature(p, "openai", "o3-mini-2025-01-31"), 0);
	assert_int_equal(po_prices_temperature(p, "openai", "o4-mini"), 0);
	assert_int_equal(po_prices_temperature(p, "openai", "gpt-5-nano"), 0);
	assert_int_equal(po_prices_temperature(p, "openai", "gpt-4o-mini"), 1);
	assert_int_equal(po_prices_temperature(p, "openai", "gpt-4.1-nano"), 1);
	assert_int_equal(po_prices_temperature(p, "anthropic", "claude-opus-4-7"), 0);
	assert_int_equal(po_prices_temperature(p, "anthropic", "claude-opus-4-6"), 1);
	assert_int_equal(po_prices_temperature(p, "anthropic", "claude-sonnet-4-5-20250929"), 1);
	assert_int_equal(po_prices_temperature(p, "anthropic", "claude-haiku-4-5"), 1);
	assert_int_equal(po_prices_temperature(p, "openai", "llama3.1"), -1);
	struct po_price pr;
	assert_true(po_prices_find(p, "anthropic", "claude-opus-4-7", &pr));
	assert_true(pr.input == 5 && pr.output == 25);
	assert_true(po_prices_find(p, "openai", "o1-2024-12-17", &pr));
	assert_true(pr.input == 15 && pr.output == 60);
	po_prices_free(p);
}

static void expect_error(const char *text, int code, const char *msg)
{
	struct po_prices *p = (struct po_prices *)1;
	struct po_err err = { 0 };

	assert_int_equal(po_prices_parse(&p, "prices.json", text, strlen(text), &err), code);
	assert_null(p);
	if (msg)
		assert_string_equal(err.msg, msg);
	else
		assert_non_null(strstr(err.msg, "prices.json:1:"));
}

static void test_bad_tables(void **state)
{
	(void)state;
	expect_error("{\"date\": 1}", PO_EINPUT,
		     "prices.json:1:10: a price table needs \"date\": \"YYYY-MM-DD\" (when its prices were checked); see docs/costs-and-cache.md");
	expect_error("{\"date\": \"d\"}", PO_EINPUT,
		     "prices.json:1:1: a price table needs \"providers\": {\"anthropic\": {MODEL: {\"input\": N, \"output\": N}}}; see docs/costs-and-cache.md");
	expect_error("{\"date\": \"d\", \"providers\": {\"a\": {\"m\": {\"input\": 1}}}}", PO_EINPUT,
		     "prices.json:1:40: the price of \"m\" has no \"output\"; see docs/costs-and-cache.md");
	expect_error("{\"date\": \"d\", \"providers\": {\"a\": {\"m\": {\"input\": 1, \"output\": -2}}}}",
		     PO_EINPUT,
		     "prices.json:1:63: \"output\" of \"m\" must be a number of dollars per million tokens between 0 and 1000000; see docs/costs-and-cache.md");
	expect_error("{\"date\": \"d\", \"providers\": {\"a\": {\"m\": {\"input\": 1, \"outptu\": 2}}}}",
		     PO_EINPUT,
		     "prices.json:1:63: unknown key \"outptu\" in the price of \"m\" (known: input, output, cache_read, cache_write, temperature); see docs/costs-and-cache.md");
	expect_error("{\"date\": \"d\", \"providers\": {\"a\": {\"m\": {\"input\": 1, \"output\": 2, \"temperature\": 0}}}}",
		     PO_EINPUT,
		     "prices.json:1:81: \"temperature\" of \"m\" must be true or false (false: the model refuses a temperature, none is sent); see docs/costs-and-cache.md");
	expect_error("{\"date\": \"d\", \"providers\": {\"a\": [1]}}", PO_EINPUT,
		     "prices.json:1:34: the models of provider \"a\" must be an object, not an array; see docs/costs-and-cache.md");
	expect_error("{\"date\": \"d\",", PO_ESYNTAX, NULL);
}

/* ---- engine: pricing and limits ---- */

struct script {
	int calls;
	const char *model;
};

static int script_complete(struct po_provider *p, const struct po_llm_request *reqs,
			   struct po_llm_response *out, size_t n, struct po_err *err)
{
	struct script *s = p->impl;

	(void)err;
	(void)reqs;
	for (size_t i = 0; i < n; i++) {
		s->calls++;
		out[i].content = po_xstrdup("ok");
		out[i].model = po_xstrdup(s->model);
		out[i].input_tokens = 1000;
		out[i].output_tokens = 100;
	}
	return 0;
}

static void script_free(struct po_provider *p)
{
	free(p);
}

static const struct po_provider_ops ops = {
	.name = "anthropic", .complete = script_complete, .free = script_free };

static struct po_engine *engine(struct script *s, long max_calls, double budget,
				struct po_shared *shared)
{
	struct po_provider *p = po_xcalloc(1, sizeof(*p));
	struct po_engine_config cfg;
	struct po_engine *e;
	struct po_err err = { 0 };

	p->ops = &ops;
	p->impl = s;
	po_engine_config_init(&cfg);
	for (int r = 0; r < PO_ROLE_COUNT; r++)
		cfg.roles[r] = p;
	cfg.max_calls = max_calls;
	cfg.budget_usd = budget;
	cfg.shared = shared;
	if (po_engine_new(&e, &cfg, &err) < 0)
		fail_msg("%s", err.msg);
	return e;
}

static int run(struct po_engine *e, size_t n, struct po_err *err)
{
	struct po_llm_request reqs[8];
	struct po_llm_response out[8];
	int ret;

	for (size_t i = 0; i < n; i++)
		reqs[i] = (struct po_llm_request){ .role = PO_ROLE_GENERATE, .model = NULL,
						   .max_tokens = 100, .prompt = "hello world" };
	ret = po_engine_complete(e, reqs, out, n, err);
	for (size_t i = 0; i < n; i++)
		po_llm_response_release(&out[i]);
	return ret;
}

static void test_engine_prices_calls(void **state)
{
	struct script s = { 0, "claude-sonnet-4-20250514" };
	struct po_engine *e = engine(&s, 0, 0, NULL);
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(run(e, 4, &err), 0);
	const struct po_engine_stats *st = po_engine_stats(e);
	/* 4 x (1000 x $3 + 100 x $15) / 1M */
	assert_true(fabs(st->cost_usd[PO_ROLE_GENERATE] - 4 * 0.0045) < 1e-12);
	assert_true(fabs(po_engine_total_cost(e) - 0.018) < 1e-12);
	assert_int_equal(st->unpriced_calls[PO_ROLE_GENERATE], 0);
	po_engine_free(e);

	s.model = "mystery-model";
	e = engine(&s, 0, 0, NULL);
	assert_int_equal(run(e, 2, &err), 0);
	assert_int_equal(po_engine_stats(e)->unpriced_calls[PO_ROLE_GENERATE], 2);
	assert_true(po_engine_total_cost(e) == 0);
	po_engine_free(e);
}

static void test_max_calls_refuses_batch(void **state)
{
	struct script s = { 0, "claude-sonnet-4-20250514" };
	struct po_engine *e = engine(&s, 5, 0, NULL);
	struct po_err err = { 0 };
	long left;
	double usd;

	(void)state;
	assert_int_equal(run(e, 3, &err), 0);
	po_engine_remaining(e, &left, &usd);
	assert_int_equal(left, 2);
	assert_true(usd == -1);
	assert_int_equal(run(e, 3, &err), PO_EBUDGET);
	assert_int_equal(s.calls, 3); /* nothing sent */
	assert_string_equal(err.msg,
			    "call limit reached: 3 of --max-calls 5 made, the next batch needs 3 more");
	assert_int_equal(run(e, 2, &err), 0);
	assert_int_equal(s.calls, 5);
	po_engine_remaining(e, &left, &usd);
	assert_int_equal(left, 0);
	po_engine_free(e);
}

static void test_budget_refuses_batch(void **state)
{
	struct script s = { 0, "claude-sonnet-4-20250514" };
	/* Before any call the estimate takes max_tokens (100) as output: 4 calls
	 * of ~3 input + 100 output tokens cost ~$0.006; after, the mean (100). */
	struct po_engine *e = engine(&s, 0, 0.02, NULL);
	struct po_err err = { 0 };
	double usd;

	(void)state;
	assert_int_equal(run(e, 4, &err), 0); /* spends $0.018 */
	po_engine_remaining(e, NULL, &usd);
	assert_true(fabs(usd - 0.002) < 1e-9);
	assert_int_equal(run(e, 2, &err), PO_EBUDGET);
	assert_int_equal(s.calls, 4);
	assert_non_null(strstr(err.msg, "budget reached: $0.0180 of --budget-usd 0.0200 spent"));
	po_engine_free(e);
}

static void test_shared_limits(void **state)
{
	struct po_shared *sh = po_shared_new(6, 0);
	struct script s1 = { 0, "claude-sonnet-4-20250514" }, s2 = s1;
	struct po_engine *a = engine(&s1, 0, 0, sh), *b = engine(&s2, 0, 0, sh);
	struct po_err err = { 0 };
	long left;

	(void)state;
	assert_int_equal(run(a, 4, &err), 0);
	po_engine_remaining(b, &left, NULL);
	assert_int_equal(left, 2);
	assert_int_equal(run(b, 3, &err), PO_EBUDGET);
	assert_int_equal(run(b, 2, &err), 0);
	long calls;
	double usd;
	po_shared_totals(sh, &calls, &usd);
	assert_int_equal(calls, 6);
	assert_true(fabs(usd - 6 * 0.0045) < 1e-12);
	po_engine_free(a);
	po_engine_free(b);
	po_shared_free(sh);
}

static void test_prices_file(void **state)
{
	char dir[] = "/tmp/po-test-cost-XXXXXX", path[128];
	struct po_prices *p;
	struct po_err err = { 0 };
	static const char T[] = "{\"date\": \"2030-02-03\", \"source\": \"me\", \"providers\": "
				"{\"sim\": {\"*\": {\"input\": 1000, \"output\": 0}}}}";

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.json", dir);
	assert_int_equal(po_prices_load(&p, path, &err), PO_ENOTFOUND);
	assert_int_equal(po_fs_write_atomic(path, T, strlen(T), &err), 0);
	assert_int_equal(po_prices_load(&p, path, &err), 0);
	assert_string_equal(po_prices_date(p), "2030-02-03");
	po_prices_free(p);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_table),
		cmocka_unit_test(test_exact_beats_prefix_and_cost),
		cmocka_unit_test(test_temperature_flags),
		cmocka_unit_test(test_bad_tables),
		cmocka_unit_test(test_engine_prices_calls),
		cmocka_unit_test(test_max_calls_refuses_batch),
		cmocka_unit_test(test_budget_refuses_batch),
		cmocka_unit_test(test_shared_limits),
		cmocka_unit_test(test_prices_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
