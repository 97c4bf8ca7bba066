/*
 * Pipelined evaluation against the mock server: each case's judge call
 * starts as soon as its generate call returns (llm.h's
 * po_engine_complete_then()). Same scores and calls as the two-phase
 * evaluation, faster when the batch does not fill whole rounds, and a judge
 * answer already in the response cache is not paid again. Prompt caching:
 * the judge's shared prefix marked with cache_control (Anthropic), the
 * provider's cached tokens priced at their discount (Anthropic, OpenAI).
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
#include <sys/stat.h>

#include "core/project.h"
#include "core/tags.h"
#include "eval/evaluate.h"
#include "llm/llm.h"
#include "llm/provider.h"
#include "util/mem.h"
#include "util/timeutil.h"

#include "mock_server.h"

#define KEY "sk-ant-test-pipeline-0123456789"
#define LATENCY_MS 300
#define NCASES 6
#define CONCURRENCY 4

static struct mock M;

/* The anthropic provider without its complete_chain: the two-phase
 * evaluation, for comparison. */
struct plain {
	struct po_provider base;
	struct po_provider *inner;
	struct po_provider_ops ops;
};

static int plain_complete(struct po_provider *p, const struct po_llm_request *reqs,
			  struct po_llm_response *out, size_t n, struct po_err *err)
{
	struct plain *w = p->impl;

	return w->inner->ops->complete(w->inner, reqs, out, n, err);
}

static void plain_free(struct po_provider *p)
{
	struct plain *w = p->impl;

	w->inner->ops->free(w->inner);
	free(w);
}

static struct po_provider *provider_named(const char *name, bool pipelined)
{
	struct po_provider_spec spec;
	struct po_err err = { 0 };
	struct po_provider *p;
	struct plain *w;

	po_provider_spec_init(&spec);
	spec.name = name;
	spec.base_url = M.base;
	spec.concurrency = CONCURRENCY;
	spec.timeout_s = 30;
	p = po_provider_new(&spec, NULL, &err);
	assert_non_null(p);
	if (pipelined)
		return p;
	w = po_xcalloc(1, sizeof(*w));
	w->inner = p;
	w->ops = *p->ops;
	w->ops.complete = plain_complete;
	w->ops.free = plain_free;
	w->ops.complete_chain = NULL;
	w->base.ops = &w->ops;
	w->base.impl = w;
	return &w->base;
}

static struct po_engine *engine_named(const char *name, bool pipelined, const char *cache)
{
	struct po_engine_config cfg;
	struct po_engine *e = NULL;
	struct po_err err = { 0 };
	struct po_provider *p = provider_named(name, pipelined);

	po_engine_config_init(&cfg);
	for (int r = 0; r < PO_ROLE_COUNT; r++)
		cfg.roles[r] = p;
	cfg.cache_path = cache;
	assert_int_equal(po_engine_new(&e, &cfg, &err), 0);
	return e;
}

static struct po_engine *engine(bool pipelined, const char *cache)
{
	return engine_named("anthropic", pipelined, cache);
}

static struct po_project *project(void)
{
	static const char prompts[] = "{\"main\": \"Write a press release for {input}.\"}";
	struct po_project *p = NULL;
	struct po_err err = { 0 };
	char tc[1024];
	size_t len = 0;

	len += (size_t)snprintf(tc + len, sizeof(tc) - len, "{\"test_cases\": [");
	for (int i = 0; i < NCASES; i++)
		len += (size_t)snprintf(tc + len, sizeof(tc) - len,
					"%s{\"id\": \"c%d\", \"inputs\": {\"input\": \"product %d\"}}",
					i ? "," : "", i, i);
	len += (size_t)snprintf(tc + len, sizeof(tc) - len, "]}");
	if (po_project_parse(&p, "t", "dir", tc, len, prompts, strlen(prompts), "{}", 2, NULL,
			     &err) < 0)
		fail_msg("%s", err.msg);
	return p;
}

static int setup(void **state)
{
	char lat[16];
	const char *args[] = { "--api-key", KEY, "--latency-ms", lat, NULL };

	(void)state;
	snprintf(lat, sizeof(lat), "%d", LATENCY_MS);
	unsetenv("ANTHROPIC_BASE_URL");
	setenv("ANTHROPIC_API_KEY", KEY, 1);
	setenv("OPENAI_API_KEY", KEY, 1);
	unsetenv("OPENAI_BASE_URL");
	return mock_start(&M, args);
}

static int teardown(void **state)
{
	(void)state;
	mock_stop(&M);
	return 0;
}

/* One evaluation of the project's prompts; its wall time in ms. */
static double evaluate(struct po_engine *e, const struct po_project *p, const json_t *prompts,
		       struct po_evaluation *ev)
{
	struct po_eval_settings st;
	struct po_err err = { 0 };
	double t0 = po_time_mono_ms();

	po_eval_settings_init(&st);
	if (po_evaluate(e, p, &st, &prompts, 1, 0, ev, &err) < 0)
		fail_msg("%s", err.msg);
	return po_time_mono_ms() - t0;
}

static void test_same_results_fewer_rounds(void **state)
{
	struct po_project *p = project();
	struct po_engine *two = engine(false, NULL), *pipe = engine(true, NULL);
	struct po_evaluation a, b;
	double t_two, t_pipe;

	(void)state;
	/* A first batch opens the connections of each. */
	evaluate(two, p, p->prompts, &a);
	po_evaluation_release(&a);
	evaluate(pipe, p, p->prompts, &a);
	po_evaluation_release(&a);
	mock_reset(&M);

	t_two = evaluate(two, p, p->prompts, &a);
	assert_int_equal(mock_stat(&M, "requests"), 2 * NCASES);
	t_pipe = evaluate(pipe, p, p->prompts, &b);
	assert_int_equal(mock_stat(&M, "requests"), 4 * NCASES);
	assert_int_equal(a.n_ok, NCASES);
	assert_int_equal(b.n_ok, NCASES);
	assert_true(a.mean == b.mean);
	for (size_t i = 0; i < a.n; i++) {
		assert_true(a.cases[i].score == b.cases[i].score);
		assert_string_equal(a.cases[i].output, b.cases[i].output);
		assert_int_equal(b.cases[i].judge_attempts, 1);
	}
	/* The engine counts each judge call once. */
	assert_int_equal(po_engine_stats(pipe)->calls[PO_ROLE_JUDGE], 2 * NCASES);
	assert_int_equal(po_engine_stats(pipe)->calls[PO_ROLE_GENERATE], 2 * NCASES);
	/* 12 calls on 4 slots: 4 rounds in two phases (2 + 2), 3 pipelined. */
	print_message("two-phase %.0f ms, pipelined %.0f ms (round %d ms)\n", t_two, t_pipe,
		      LATENCY_MS);
	assert_true(t_two >= 4 * LATENCY_MS);
	assert_true(t_pipe < 3.6 * LATENCY_MS);
	po_evaluation_release(&a);
	po_evaluation_release(&b);
	po_engine_free(two);
	po_engine_free(pipe);
	po_project_free(p);
}

static void test_cached_judge_not_sent(void **state)
{
	char dir[] = "/tmp/po-test-pipeline-XXXXXX", path[128];
	struct po_project *p = project();
	struct po_engine *e;
	struct po_evaluation a, b;
	/* Another prompt with the same first line: the mock answers the same
	 * output, so the judge requests are the ones already cached. */
	json_t *other = json_pack("{s:s}", "main", "Write a press release for {input}.\nBe brief.");

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cache.sqlite", dir);
	e = engine(true, path);
	evaluate(e, p, p->prompts, &a);
	mock_reset(&M);
	evaluate(e, p, other, &b);
	assert_int_equal(mock_stat(&M, "requests"), NCASES);
	assert_int_equal(po_engine_stats(e)->cache_hits[PO_ROLE_JUDGE], NCASES);
	assert_true(a.mean == b.mean);
	po_evaluation_release(&a);
	po_evaluation_release(&b);
	po_engine_free(e);
	json_decref(other);
	po_project_free(p);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cache.sqlite-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cache.sqlite-shm", dir);
	unlink(path);
	rmdir(dir);
}

/* The cost of a role's calls at the table's prices (per million tokens). */
static double priced(const struct po_engine_stats *s, int r, double in, double out, double cr,
		     double cw)
{
	return ((double)s->input_tokens[r] * in + (double)s->output_tokens[r] * out +
		(double)s->cache_read_tokens[r] * cr + (double)s->cache_write_tokens[r] * cw) / 1e6;
}

static void test_judge_prefix_cached(void **state)
{
	struct po_project *p = project();
	struct po_engine *e = engine(true, NULL);
	const struct po_engine_stats *st;
	struct po_evaluation ev;
	json_t *stats, *body, *content, *first;
	const char *head, *tail;

	(void)state;
	mock_reset(&M);
	evaluate(e, p, p->prompts, &ev);
	assert_int_equal(ev.n_ok, NCASES);
	/* The last request was a judge call: two text blocks, the shared one
	 * (instructions, rubric, reply shape) marked for the cache. */
	stats = mock_control(&M, "/_mock/stats", NULL);
	body = json_object_get(stats, "last_body");
	content = json_object_get(json_array_get(json_object_get(body, "messages"), 0), "content");
	assert_int_equal(json_array_size(content), 2);
	first = json_array_get(content, 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(first,
		"cache_control"), "type")), "ephemeral");
	head = json_string_value(json_object_get(first, "text"));
	tail = json_string_value(json_object_get(json_array_get(content, 1), "text"));
	assert_non_null(strstr(head, "## Rubric"));
	assert_non_null(strstr(head, "\"overall_score\""));
	assert_null(strstr(head, "product "));
	assert_true(!strncmp(tail, "## Test case inputs", 19));
	assert_non_null(strstr(tail, PO_JUDGE_OUTPUT_BEGIN));
	assert_null(json_object_get(json_array_get(content, 1), "cache_control"));
	/* Written once, read by the other judge calls; generate calls carry no mark. */
	assert_int_equal(json_integer_value(json_object_get(stats, "cache_writes")), 1);
	assert_int_equal(json_integer_value(json_object_get(stats, "cache_reads")), NCASES - 1);
	json_decref(stats);
	st = po_engine_stats(e);
	assert_true(st->cache_read_tokens[PO_ROLE_JUDGE] > 0);
	assert_true(st->cache_write_tokens[PO_ROLE_JUDGE] > 0);
	assert_int_equal(st->cache_read_tokens[PO_ROLE_GENERATE], 0);
	/* claude-sonnet-4*: input 3, output 15, cache read 0.3, cache write 3.75 */
	assert_float_equal(st->cost_usd[PO_ROLE_JUDGE], priced(st, PO_ROLE_JUDGE, 3, 15, 0.3, 3.75),
			   1e-12);
	assert_true(st->cost_usd[PO_ROLE_JUDGE] <
		    priced(st, PO_ROLE_JUDGE, 3, 15, 3, 3) - 1e-9);
	po_evaluation_release(&ev);
	po_engine_free(e);
	po_project_free(p);
}

/* OpenAI caches prefixes by itself: its cached_tokens are billed at the
 * cache read price, the rest of the prompt at the input price. */
static void test_openai_cached_tokens(void **state)
{
	struct po_engine *e = engine_named("openai", true, NULL);
	struct po_llm_request req = { .role = PO_ROLE_JUDGE, .model = "gpt-4o",
				      .prompt = "cached [[mock:cachetokens]]" };
	struct po_llm_response out = { 0 };
	struct po_err err = { 0 };
	const struct po_engine_stats *st;

	(void)state;
	assert_int_equal(po_engine_complete(e, &req, &out, 1, &err), 0);
	assert_non_null(out.content);
	assert_int_equal(out.cache_read_tokens, 11);
	st = po_engine_stats(e);
	assert_int_equal(st->cache_read_tokens[PO_ROLE_JUDGE], 11);
	/* gpt-4o*: input 2.5, output 10, cache read 1.25 */
	assert_float_equal(st->cost_usd[PO_ROLE_JUDGE], priced(st, PO_ROLE_JUDGE, 2.5, 10, 1.25, 0),
			   1e-12);
	po_llm_response_release(&out);
	po_engine_free(e);
}

/* A refused key on a call sent ahead stops the evaluation like any fatal
 * answer: an error naming the key's variable, nothing leaked (ASan). */
static void test_fatal_follow_up(void **state)
{
	struct po_project *p = project();
	struct po_engine *e = engine(true, NULL);
	struct po_eval_settings st;
	struct po_evaluation ev;
	struct po_err err = { 0 };
	const json_t *prompts = p->prompts;

	(void)state;
	for (int i = 0; i < NCASES; i++)
		mock_queue(&M, "ok");
	mock_queue(&M, "401");
	po_eval_settings_init(&st);
	assert_true(po_evaluate(e, p, &st, &prompts, 1, 0, &ev, &err) < 0);
	assert_non_null(strstr(err.msg, "ANTHROPIC_API_KEY"));
	assert_null(strstr(err.msg, KEY));
	po_evaluation_release(&ev);
	po_engine_free(e);
	po_project_free(p);
	mock_reset(&M);
}

/* A judge model whose temperature is untried: its calls are not sent ahead
 * but with the judge's batch, where the first goes alone (refused here: the
 * mock refuses a temperature to models named "no-temp") and the others
 * without a temperature. */
static void test_untried_judge_model(void **state)
{
	struct po_project *p = project();
	struct po_engine *e = engine(true, NULL);
	struct po_eval_settings st;
	struct po_evaluation ev;
	struct po_err err = { 0 };
	const json_t *prompts = p->prompts;

	(void)state;
	mock_reset(&M);
	po_eval_settings_init(&st);
	st.models[PO_ROLE_JUDGE] = "claude-mock-no-temp";
	assert_int_equal(po_evaluate(e, p, &st, &prompts, 1, 0, &ev, &err), 0);
	assert_int_equal(ev.n_ok, NCASES);
	assert_int_equal(mock_stat(&M, "requests"), 2 * NCASES + 1);
	assert_int_equal(mock_stat(&M, "temperature_refused"), 1);
	po_evaluation_release(&ev);
	po_engine_free(e);
	po_project_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_results_fewer_rounds),
		cmocka_unit_test(test_cached_judge_not_sent),
		cmocka_unit_test(test_judge_prefix_cached),
		cmocka_unit_test(test_openai_cached_tokens),
		cmocka_unit_test(test_fatal_follow_up),
		cmocka_unit_test(test_untried_judge_model),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
