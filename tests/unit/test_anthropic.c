/*
 * Tests of the anthropic provider: the reply and error parsers, the missing
 * key error, and whole batches against the mock server (headers sent, usage
 * with cache tokens, a refused key that stops the run without showing the
 * key, which models get a temperature and what a refusal costs, 404,
 * invalid JSON (its usage still read), 529).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/provider.h"
#include "llm/providers/anthropic.h"
#include "util/timeutil.h"

#include "mock_server.h"

#define KEY "sk-ant-test-0123456789abcdef"

static struct mock M;

static int setup(void **state)
{
	const char *const args[] = { "--api-key", KEY, NULL };

	(void)state;
	unsetenv("ANTHROPIC_BASE_URL");
	return mock_start(&M, args);
}

static int teardown(void **state)
{
	(void)state;
	mock_stop(&M);
	return 0;
}

static void test_parse_reply(void **state)
{
	const char *ok = "{\"id\":\"msg_1\",\"type\":\"message\",\"model\":\"claude-x\","
			 "\"content\":[{\"type\":\"thinking\",\"thinking\":\"hmm\"},"
			 "{\"type\":\"text\",\"text\":\"Hello \"},{\"type\":\"text\",\"text\":\"world\"}],"
			 "\"usage\":{\"input_tokens\":12,\"output_tokens\":3,"
			 "\"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":2000}}";
	struct po_llm_response r = { 0 };
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_anthropic_parse_reply(ok, strlen(ok), &r, &err), 0);
	assert_string_equal(r.content, "Hello world");
	assert_string_equal(r.model, "claude-x");
	assert_int_equal(r.input_tokens, 12);
	assert_int_equal(r.output_tokens, 3);
	assert_int_equal(r.cache_write_tokens, 100);
	assert_int_equal(r.cache_read_tokens, 2000);
	po_llm_response_release(&r);

	/* usage missing or odd: zero tokens, still an answer */
	const char *nouse = "{\"content\":[{\"type\":\"text\",\"text\":\"x\"}],\"usage\":{\"input_tokens\":\"9\"}}";
	assert_int_equal(po_anthropic_parse_reply(nouse, strlen(nouse), &r, &err), 0);
	assert_int_equal(r.input_tokens, 0);
	assert_null(r.model);
	po_llm_response_release(&r);

	const char *empty = "{\"content\":[],\"stop_reason\":\"max_tokens\"}";
	assert_int_equal(po_anthropic_parse_reply(empty, strlen(empty), &r, &err), PO_ELLM);
	assert_string_equal(err.msg, "the reply has no text (stop_reason max_tokens)");
	assert_null(r.content);
	assert_int_equal(po_anthropic_parse_reply("{\"content\":3}", 13, &r, &err), PO_ELLM);
	assert_string_equal(err.msg, "no \"content\" array in the reply");
	assert_int_equal(po_anthropic_parse_reply("{\"a\":", 5, &r, &err), PO_ELLM);
	assert_non_null(strstr(err.msg, "not valid JSON (line 1"));
	assert_null(r.content);
	assert_int_equal(r.input_tokens, 0);

	/* Unusable but billed: the usage is read all the same. */
	const char *broken = "{\"model\":\"claude-x\",\"usage\":{\"input_tokens\":7,"
			     "\"output_tokens\":3},\"content\":[{\"type\":\"te";
	assert_int_equal(po_anthropic_parse_reply(broken, strlen(broken), &r, &err), PO_ELLM);
	assert_non_null(strstr(err.msg, "not valid JSON"));
	assert_null(r.content);
	assert_int_equal(r.input_tokens, 7);
	assert_int_equal(r.output_tokens, 3);
	po_llm_response_release(&r);
	memset(&r, 0, sizeof(r));
	const char *notext = "{\"model\":\"claude-x\",\"content\":[],\"stop_reason\":\"max_tokens\","
			     "\"usage\":{\"input_tokens\":5,\"output_tokens\":4096}}";
	assert_int_equal(po_anthropic_parse_reply(notext, strlen(notext), &r, &err), PO_ELLM);
	assert_int_equal(r.input_tokens, 5);
	assert_int_equal(r.output_tokens, 4096);
	assert_string_equal(r.model, "claude-x");
	po_llm_response_release(&r);
	memset(&r, 0, sizeof(r));
	/* A "usage" quoted inside a text is not the usage. */
	const char *quoted = "{\"content\":[{\"type\":\"text\",\"text\":\"a \\\"usage\\\": "
			     "{\\\"input_tokens\\\": 99}\"}], \"x\": [";
	assert_int_equal(po_anthropic_parse_reply(quoted, strlen(quoted), &r, &err), PO_ELLM);
	assert_int_equal(r.input_tokens, 0);
	po_llm_response_release(&r);
}

static void test_parse_error(void **state)
{
	const char *e = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}";
	char *type, *msg;

	(void)state;
	po_anthropic_parse_error(e, strlen(e), &type, &msg);
	assert_string_equal(type, "overloaded_error");
	assert_string_equal(msg, "Overloaded");
	free(type);
	free(msg);
	po_anthropic_parse_error("<html>502</html>", 16, &type, &msg);
	assert_null(type);
	assert_null(msg);
	po_anthropic_parse_error("{\"error\":\"gateway says no\"}", 27, &type, &msg);
	assert_null(type);
	assert_string_equal(msg, "gateway says no");
	free(msg);
	po_anthropic_parse_error(NULL, 0, &type, &msg);
	assert_null(msg);
}

static void test_missing_key(void **state)
{
	struct po_provider_spec spec;
	struct po_err err = { 0 };

	(void)state;
	unsetenv("ANTHROPIC_API_KEY");
	po_provider_spec_init(&spec);
	spec.name = "anthropic";
	assert_null(po_provider_new(&spec, NULL, &err));
	assert_int_equal(err.code, PO_ELLM);
	assert_string_equal(err.msg, "anthropic: ANTHROPIC_API_KEY is not set; export it (or put "
				     "it in .env), or use --provider sim");
	setenv("ANTHROPIC_API_KEY", "", 1);
	assert_null(po_provider_new(&spec, NULL, &err));
	assert_int_equal(err.code, PO_ELLM);
}

static struct po_provider *provider(const char *key, const char *base)
{
	struct po_provider_spec spec;
	struct po_provider *p;

	setenv("ANTHROPIC_API_KEY", key, 1);
	po_provider_spec_init(&spec);
	spec.name = "anthropic";
	spec.base_url = base;
	spec.max_attempts = 2;
	spec.timeout_s = 5;
	p = po_provider_new(&spec, NULL, NULL);
	assert_non_null(p);
	return p;
}

static void test_batch(void **state)
{
	struct po_llm_request reqs[3] = {
		{ .role = PO_ROLE_GENERATE, .prompt = "Write about {x}", .system = "Be brief.",
		  .temperature = 0.7, .max_tokens = 100 },
		{ .role = PO_ROLE_JUDGE, .model = "claude-haiku-4-5",
		  .prompt = "Reply with \"overall_score\": <number from 0 to 5>" },
		{ .role = PO_ROLE_GENERATE, .prompt = "cache me [[mock:cachetokens]]" },
	};
	struct po_llm_response out[3] = { 0 };
	struct po_err err = { 0 };
	struct po_provider *p = provider(KEY, M.base);
	json_t *stats, *h, *body;

	(void)state;
	assert_int_equal(p->ops->complete(p, reqs, out, 3, &err), 0);
	for (int i = 0; i < 3; i++) {
		assert_null(out[i].error);
		assert_non_null(out[i].content);
		assert_int_equal(out[i].attempts, 1);
		assert_true(out[i].input_tokens > 0 && out[i].output_tokens > 0);
	}
	assert_string_equal(out[0].model, PO_ANTHROPIC_DEFAULT_MODEL);
	assert_string_equal(out[1].model, "claude-haiku-4-5");
	assert_non_null(strstr(out[1].content, "\"overall_score\""));
	assert_int_equal(out[2].cache_write_tokens, 7);
	assert_int_equal(out[2].cache_read_tokens, 11);
	assert_int_equal(out[0].cache_read_tokens, 0);
	stats = mock_control(&M, "/_mock/stats", NULL);
	h = json_object_get(stats, "last_headers");
	assert_string_equal(json_string_value(json_object_get(h, "anthropic-version")), "2023-06-01");
	assert_string_equal(json_string_value(json_object_get(h, "x-api-key")), KEY);
	assert_string_equal(json_string_value(json_object_get(h, "content-type")), "application/json");
	json_decref(stats);
	for (int i = 0; i < 3; i++)
		po_llm_response_release(&out[i]);

	/* The body: model, max_tokens (default 4096), system, temperature. */
	assert_int_equal(p->ops->complete(p, reqs, out, 1, &err), 0);
	stats = mock_control(&M, "/_mock/stats", NULL);
	body = json_object_get(stats, "last_body");
	assert_string_equal(json_string_value(json_object_get(body, "model")),
			    PO_ANTHROPIC_DEFAULT_MODEL);
	assert_int_equal(json_integer_value(json_object_get(body, "max_tokens")), 100);
	assert_string_equal(json_string_value(json_object_get(body, "system")), "Be brief.");
	assert_float_equal(json_real_value(json_object_get(body, "temperature")), 0.7, 1e-9);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(body, "messages"), 0), "content")), "Write about {x}");
	json_decref(stats);
	po_llm_response_release(&out[0]);
	p->ops->free(p);

	/* A base URL ending in /v1 works too. */
	char base[96];
	snprintf(base, sizeof(base), "%s/v1/", M.base);
	p = provider(KEY, base);
	assert_int_equal(p->ops->complete(p, reqs, out, 1, &err), 0);
	assert_non_null(out[0].content);
	po_llm_response_release(&out[0]);
	p->ops->free(p);
}

static void test_bad_key_is_fatal_and_redacted(void **state)
{
	const char *wrong = "sk-ant-WRONG-key-987654321";
	struct po_llm_request reqs[4] = {
		{ .prompt = "a" }, { .prompt = "b" }, { .prompt = "c" }, { .prompt = "d" },
	};
	struct po_llm_response out[4] = { 0 };
	struct po_err err = { 0 };
	struct po_provider *p = provider(wrong, M.base);

	(void)state;
	assert_int_equal(p->ops->complete(p, reqs, out, 4, &err), PO_ELLM);
	assert_non_null(strstr(err.msg, "anthropic: HTTP 401 authentication_error: invalid "
					"x-api-key: [redacted] (request req_mock_"));
	assert_non_null(strstr(err.msg, "; the key was refused; check ANTHROPIC_API_KEY"));
	assert_null(strstr(err.msg, wrong));
	for (int i = 0; i < 4; i++) {
		assert_non_null(out[i].error);
		assert_null(out[i].content);
		assert_null(strstr(out[i].error, wrong));
		po_llm_response_release(&out[i]);
	}
	p->ops->free(p);
}

static long requests(void)
{
	return mock_stat(&M, "requests");
}

static long refused(void)
{
	return mock_stat(&M, "temperature_refused");
}

static bool sent_temperature(void)
{
	json_t *stats = mock_control(&M, "/_mock/stats", NULL);
	bool yes = json_object_get(json_object_get(stats, "last_body"), "temperature") != NULL;

	json_decref(stats);
	return yes;
}

/* Sends n requests of a model (prompt may carry a [[mock:...]]); returns the wall time. */
static double batch(struct po_provider *p, const char *model, const char *prompt, size_t n,
		    int *retried)
{
	struct po_llm_request r[8];
	struct po_llm_response out[8] = { 0 };
	double t0 = po_time_mono_ms(), wall;

	for (size_t i = 0; i < n; i++)
		r[i] = (struct po_llm_request){ .model = model, .prompt = prompt, .temperature = 0.5 };
	assert_int_equal(p->ops->complete(p, r, out, n, NULL), 0);
	wall = po_time_mono_ms() - t0;
	*retried = 0;
	for (size_t i = 0; i < n; i++) {
		assert_null(out[i].error);
		assert_non_null(out[i].content);
		assert_true(out[i].attempts == 1 || out[i].attempts == 2);
		*retried += out[i].attempts == 2;
		po_llm_response_release(&out[i]);
	}
	return wall;
}

static void test_temperature(void **state)
{
	struct po_provider *p = provider(KEY, M.base);
	long before;
	int retried;

	(void)state;
	/* A model that refuses a temperature and that nothing declares: its
	 * first call goes alone, is refused, and is sent again without; the
	 * other five go without at once. One extra call in all, not six. */
	/* Refusals are what the mock counts here: the request count may hold
	 * one more when libcurl sends a request again on a new connection
	 * because the reused one was closed under it. */
	before = refused();
	batch(p, "claude-no-temp-1", "hi", 6, &retried);
	assert_int_equal(retried, 1);
	assert_int_equal(refused() - before, 1);
	assert_false(sent_temperature());
	/* Remembered for the rest of the run. */
	before = refused();
	batch(p, "claude-no-temp-1", "hi", 6, &retried);
	assert_int_equal(retried, 0);
	assert_int_equal(refused() - before, 0);

	/* A model that takes one, not declared: the first call alone (one
	 * round trip more, once per run), then the rest with temperature. */
	before = requests();
	assert_true(batch(p, "claude-unlisted-1", "[[mock:latency=400]]", 4, &retried) >= 800);
	assert_int_equal(retried, 0);
	assert_in_range(requests() - before, 4, 5); /* 5: a reconnect (see above) */
	assert_true(sent_temperature());
	assert_true(batch(p, "claude-unlisted-1", "[[mock:latency=400]]", 4, &retried) < 780);

	/* Declared in the built-in price table: the default model takes one
	 * (no trial round), claude-opus-4-7 gets none. */
	assert_true(batch(p, NULL, "[[mock:latency=400]]", 4, &retried) < 780);
	assert_true(sent_temperature());
	before = requests();
	batch(p, "claude-opus-4-7", "hi", 2, &retried);
	assert_in_range(requests() - before, 2, 3);
	assert_false(sent_temperature());
	p->ops->free(p);
	assert_true(po_anthropic_model_rejects_temperature("claude-opus-4-7-20260416"));
	assert_false(po_anthropic_model_rejects_temperature("claude-opus-4-6"));
}

static void test_call_failures(void **state)
{
	struct po_llm_request reqs[3] = {
		{ .model = "claude-nope", .prompt = "[[mock:404]]" },
		{ .prompt = "[[mock:badjson]]" },
		{ .prompt = "[[mock:529]]" },
	};
	struct po_llm_response out[3] = { 0 };
	struct po_err err = { 0 };
	struct po_provider *p = provider(KEY, M.base);
	char want[256];

	(void)state;
	/* Failed calls are failed calls, not a failed provider. */
	assert_int_equal(p->ops->complete(p, reqs, out, 3, &err), 0);
	assert_null(out[0].content);
	assert_non_null(strstr(out[0].error, "anthropic: HTTP 404 not_found_error: model: "
					     "claude-nope (request req_mock_"));
	assert_non_null(strstr(out[0].error, "); check --model and --base-url"));
	assert_int_equal(out[0].attempts, 1);
	assert_non_null(strstr(out[1].error, "anthropic: HTTP 200 but the reply is unusable: not "
					     "valid JSON"));
	assert_non_null(strstr(out[1].error, "check --base-url"));
	/* ... and its usage is kept: those tokens were billed. */
	assert_int_equal(out[1].input_tokens, 12);
	assert_int_equal(out[1].output_tokens, 5);
	snprintf(want, sizeof(want), ", 2 attempts); the API is overloaded; try again later or "
		 "raise --max-attempts");
	assert_non_null(strstr(out[2].error, "anthropic: HTTP 529 overloaded_error: Overloaded"));
	assert_non_null(strstr(out[2].error, want));
	assert_int_equal(out[2].attempts, 2);
	for (int i = 0; i < 3; i++)
		po_llm_response_release(&out[i]);
	p->ops->free(p);
}

/* Structured output: a request with a schema says so in the body (the
 * judge's, eval/judge_scorer.c); without one the body has none of it. */
static void test_structured_output(void **state)
{
	json_t *schema = json_pack("{s:s, s:{s:{s:s}}, s:[s]}", "type", "object", "properties",
				   "overall_score", "type", "number", "required", "overall_score");
	struct po_llm_request req = { .role = PO_ROLE_JUDGE, .prompt = "judge this",
				      .schema = schema };
	struct po_llm_response out = { 0 };
	struct po_err err = { 0 };
	struct po_provider *p = provider(KEY, M.base);
	json_t *stats, *rf;

	(void)state;
	assert_int_equal(p->ops->complete(p, &req, &out, 1, &err), 0);
	assert_non_null(out.content);
	po_llm_response_release(&out);
	stats = mock_control(&M, "/_mock/stats", NULL);
	rf = json_object_get(stats, "last_body");
	assert_string_equal(json_string_value(json_object_get(json_object_get(rf, "tool_choice"),
							      "name")), "reply");
	assert_string_equal(json_string_value(json_object_get(json_object_get(rf, "tool_choice"),
							      "type")), "tool");
	assert_true(json_equal(json_object_get(json_array_get(json_object_get(rf, "tools"), 0),
					       "input_schema"), schema));
	json_decref(stats);
	req.schema = NULL;
	assert_int_equal(p->ops->complete(p, &req, &out, 1, &err), 0);
	po_llm_response_release(&out);
	stats = mock_control(&M, "/_mock/stats", NULL);
	assert_null(json_object_get(json_object_get(stats, "last_body"), "response_format"));
	assert_null(json_object_get(json_object_get(stats, "last_body"), "tools"));
	json_decref(stats);
	/* the forced tool call's input is the reply, as JSON text */
	{
		const char *tool = "{\"content\": [{\"type\": \"tool_use\", \"name\": \"reply\", "
				   "\"input\": {\"overall_score\": 4}}], \"usage\": {}}";

		assert_int_equal(po_anthropic_parse_reply(tool, strlen(tool), &out, &err), 0);
		assert_string_equal(out.content, "{\"overall_score\":4}");
		po_llm_response_release(&out);
	}
	json_decref(schema);
	p->ops->free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_reply),
		cmocka_unit_test(test_parse_error),
		cmocka_unit_test(test_missing_key),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_bad_key_is_fatal_and_redacted),
		cmocka_unit_test(test_temperature),
		cmocka_unit_test(test_structured_output),
		cmocka_unit_test(test_call_failures),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
