/*
 * Tests of the openai provider: replies of OpenAI and of the compatible
 * servers (error as a string or an object, usage missing, content parts,
 * cached tokens), the key rules (required for api.openai.com only), request
 * bodies (reasoning models, temperature), and batches against the mock
 * server, misbehaving too: invalid JSON, a cut connection, a body that never
 * ends, 529 and 503, latency.
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
#include "llm/providers/openai.h"
#include "util/timeutil.h"

#include "mock_server.h"

#define KEY "sk-proj-test-abcdef0123456789"

static struct mock M;      /* requires KEY */
static struct mock LOCAL;  /* a local server: no key */
static char BASE[96], LOCAL_BASE[96];

static int setup(void **state)
{
	const char *const args[] = { "--api-key", KEY, NULL };

	(void)state;
	unsetenv("OPENAI_BASE_URL");
	if (mock_start(&M, args) < 0 || mock_start(&LOCAL, NULL) < 0)
		return -1;
	snprintf(BASE, sizeof(BASE), "%s/v1", M.base);
	snprintf(LOCAL_BASE, sizeof(LOCAL_BASE), "%s/v1", LOCAL.base);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mock_stop(&M);
	mock_stop(&LOCAL);
	return 0;
}

static void test_parse_reply(void **state)
{
	const char *ok = "{\"model\":\"gpt-x\",\"choices\":[{\"message\":{\"role\":\"assistant\","
			 "\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":"
			 "100,\"completion_tokens\":5,\"prompt_tokens_details\":{\"cached_tokens\":64}}}";
	struct po_llm_response r = { 0 };
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_openai_parse_reply(ok, strlen(ok), &r, &err), 0);
	assert_string_equal(r.content, "hi");
	assert_string_equal(r.model, "gpt-x");
	assert_int_equal(r.input_tokens, 36);
	assert_int_equal(r.cache_read_tokens, 64);
	assert_int_equal(r.output_tokens, 5);
	po_llm_response_release(&r);

	/* llama.cpp style: no usage, no model; content as parts. */
	const char *parts = "{\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
			    "{\"type\":\"text\",\"text\":\"b\"}]}}]}";
	assert_int_equal(po_openai_parse_reply(parts, strlen(parts), &r, &err), 0);
	assert_string_equal(r.content, "ab");
	assert_int_equal(r.input_tokens, 0);
	assert_int_equal(r.output_tokens, 0);
	assert_null(r.model);
	po_llm_response_release(&r);

	const char *refused = "{\"choices\":[{\"message\":{\"content\":null,\"refusal\":\"no\"}}]}";
	assert_int_equal(po_openai_parse_reply(refused, strlen(refused), &r, &err), PO_ELLM);
	assert_string_equal(err.msg, "the model refused: no");
	const char *null_content = "{\"choices\":[{\"message\":{\"content\":null},\"finish_reason\":\"length\"}]}";
	assert_int_equal(po_openai_parse_reply(null_content, strlen(null_content), &r, &err), PO_ELLM);
	assert_string_equal(err.msg, "the reply has no text (finish_reason length)");
	assert_int_equal(po_openai_parse_reply("{\"choices\":[]}", 14, &r, &err), PO_ELLM);
	assert_string_equal(err.msg, "no \"choices\" in the reply");
	/* A 200 carrying an error (some proxies do). */
	const char *e200 = "{\"error\":\"model not loaded\"}";
	assert_int_equal(po_openai_parse_reply(e200, strlen(e200), &r, &err), PO_ELLM);
	assert_string_equal(err.msg, "the reply is an error: model not loaded");
	assert_null(r.content);
}

static void test_parse_error(void **state)
{
	const char *obj = "{\"error\":{\"message\":\"You exceeded your current quota\","
			  "\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}";
	char *type, *msg;

	(void)state;
	po_openai_parse_error(obj, strlen(obj), &type, &msg);
	assert_string_equal(type, "insufficient_quota");
	assert_string_equal(msg, "You exceeded your current quota");
	free(type);
	free(msg);
	po_openai_parse_error("{\"error\":\"boom\"}", 16, &type, &msg);
	assert_null(type);
	assert_string_equal(msg, "boom");
	free(msg);
	po_openai_parse_error("{\"detail\":\"Not Found\"}", 22, &type, &msg);
	assert_string_equal(msg, "Not Found");
	free(msg);
	po_openai_parse_error("{\"error\":{\"code\":404}}", 22, &type, &msg);
	assert_null(type);
	assert_null(msg);
	po_openai_parse_error("not json", 8, &type, &msg);
	assert_null(msg);
}

static double TIMEOUT = 5;  /* of the providers made by provider() */
static int ATTEMPTS = 2;

static struct po_provider *provider(const char *key, const char *base, struct po_err *err)
{
	struct po_provider_spec spec;

	if (key)
		setenv("OPENAI_API_KEY", key, 1);
	else
		unsetenv("OPENAI_API_KEY");
	po_provider_spec_init(&spec);
	spec.name = "openai";
	spec.base_url = base;
	spec.max_attempts = ATTEMPTS;
	spec.timeout_s = TIMEOUT;
	return po_provider_new(&spec, NULL, err);
}

static void test_key_rules(void **state)
{
	struct po_err err = { 0 };
	struct po_provider *p;

	(void)state;
	assert_null(provider(NULL, NULL, &err));
	assert_int_equal(err.code, PO_ELLM);
	assert_string_equal(err.msg, "openai: OPENAI_API_KEY is not set; export it (or put it in "
				     ".env), or point --base-url / OPENAI_BASE_URL at a local server");
	/* OPENAI_BASE_URL is read when --base-url is not given. */
	setenv("OPENAI_BASE_URL", LOCAL_BASE, 1);
	p = provider(NULL, NULL, &err);
	unsetenv("OPENAI_BASE_URL");
	assert_non_null(p);
	struct po_llm_request r = { .prompt = "hello" };
	struct po_llm_response out = { 0 };
	mock_reset(&LOCAL);
	assert_int_equal(p->ops->complete(p, &r, &out, 1, &err), 0);
	assert_non_null(out.content);
	assert_int_equal(mock_stat(&LOCAL, "requests"), 1);
	/* No key: no Authorization header at all. */
	json_t *stats = mock_control(&LOCAL, "/_mock/stats", NULL);
	assert_null(json_object_get(json_object_get(stats, "last_headers"), "authorization"));
	json_decref(stats);
	po_llm_response_release(&out);
	p->ops->free(p);
}

static void test_batch_and_bodies(void **state)
{
	struct po_llm_request reqs[3] = {
		{ .prompt = "one", .system = "sys", .temperature = 0.2, .max_tokens = 50 },
		{ .prompt = "two [[mock:nousage]]", .model = "llama3" },
		{ .prompt = "three [[mock:cachetokens]]" },
	};
	struct po_llm_response out[3] = { 0 };
	struct po_err err = { 0 };
	struct po_provider *p = provider(KEY, BASE, &err);
	json_t *stats, *body, *msgs;

	(void)state;
	assert_non_null(p);
	assert_int_equal(p->ops->complete(p, reqs, out, 3, &err), 0);
	for (int i = 0; i < 3; i++) {
		assert_null(out[i].error);
		assert_non_null(out[i].content);
	}
	assert_string_equal(out[0].model, PO_OPENAI_DEFAULT_MODEL);
	assert_true(out[0].input_tokens > 0);
	assert_string_equal(out[1].model, "llama3");
	assert_int_equal(out[1].input_tokens, 0);
	assert_int_equal(out[1].output_tokens, 0);
	assert_int_equal(out[2].cache_read_tokens, 11);
	for (int i = 0; i < 3; i++)
		po_llm_response_release(&out[i]);

	/* system + user messages, temperature, max_tokens */
	assert_int_equal(p->ops->complete(p, reqs, out, 1, &err), 0);
	stats = mock_control(&M, "/_mock/stats", NULL);
	assert_string_equal(json_string_value(json_object_get(json_object_get(stats, "last_headers"),
							      "authorization")), "Bearer " KEY);
	body = json_object_get(stats, "last_body");
	msgs = json_object_get(body, "messages");
	assert_int_equal(json_array_size(msgs), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 0), "role")), "system");
	assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 1), "content")), "one");
	assert_int_equal(json_integer_value(json_object_get(body, "max_tokens")), 50);
	assert_float_equal(json_real_value(json_object_get(body, "temperature")), 0.2, 1e-9);
	json_decref(stats);
	po_llm_response_release(&out[0]);

	/* A reasoning model: developer role, max_completion_tokens, no temperature. */
	reqs[0].model = "o3-mini";
	assert_int_equal(p->ops->complete(p, reqs, out, 1, &err), 0);
	stats = mock_control(&M, "/_mock/stats", NULL);
	body = json_object_get(stats, "last_body");
	assert_null(json_object_get(body, "temperature"));
	assert_null(json_object_get(body, "max_tokens"));
	assert_int_equal(json_integer_value(json_object_get(body, "max_completion_tokens")), 50);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(body, "messages"), 0), "role")), "developer");
	json_decref(stats);
	po_llm_response_release(&out[0]);
	p->ops->free(p);
}

static void test_errors(void **state)
{
	struct po_llm_request reqs[2] = {
		{ .prompt = "[[mock:500,strerror]]" },
		{ .prompt = "[[mock:429,retry-after-ms=10]]" },
	};
	struct po_llm_response out[2] = { 0 };
	struct po_err err = { 0 };
	struct po_provider *p = provider(KEY, BASE, &err);

	(void)state;
	assert_int_equal(p->ops->complete(p, reqs, out, 2, &err), 0);
	assert_non_null(strstr(out[0].error, "openai: HTTP 500: Internal server error (request "
					     "req_mock_"));
	assert_non_null(strstr(out[0].error, ", 2 attempts); the server failed; try again later "
					     "or raise --max-attempts"));
	assert_non_null(strstr(out[1].error, "openai: HTTP 429 rate_limit_error: Number of "
					     "requests has exceeded your rate limit"));
	assert_non_null(strstr(out[1].error, "; rate limited; lower --concurrency or raise "
					     "--max-attempts"));
	po_llm_response_release(&out[0]);
	po_llm_response_release(&out[1]);

	/* Out of quota: fatal for the run, never retried. */
	struct po_llm_request q = { .prompt = "[[mock:quota]]" };
	assert_int_equal(p->ops->complete(p, &q, out, 1, &err), PO_ELLM);
	assert_non_null(strstr(err.msg, "openai: HTTP 429 insufficient_quota: You exceeded your "
					"current quota"));
	assert_non_null(strstr(err.msg, "; the account is out of credit or over its spend limit; "
					"add credit or raise the limit"));
	assert_int_equal(out[0].attempts, 1);
	po_llm_response_release(&out[0]);
	p->ops->free(p);

	/* A refused key: fatal, and the echoed key is not shown. */
	p = provider("sk-wrong-key-55555", BASE, &err);
	assert_int_equal(p->ops->complete(p, &q, out, 1, &err), PO_ELLM);
	assert_null(strstr(err.msg, "sk-wrong-key-55555"));
	assert_non_null(strstr(err.msg, "[redacted]"));
	assert_non_null(strstr(err.msg, "check OPENAI_API_KEY"));
	po_llm_response_release(&out[0]);
	p->ops->free(p);
}

/* The misbehaviours of the mock through the openai provider, as one batch:
 * what each failed call says, and that the good ones are not held up. */
static void test_misbehaviour(void **state)
{
	struct po_llm_request reqs[6] = {
		{ .prompt = "[[mock:badjson]]" },
		{ .prompt = "[[mock:cut]]" },
		{ .prompt = "[[mock:529]]" },
		{ .prompt = "[[mock:503]]" },
		{ .prompt = "a [[mock:latency=300]]" },
		{ .prompt = "b [[mock:latency=300]]" },
	};
	struct po_llm_response out[6] = { 0 };
	struct po_err err = { 0 };
	struct po_provider *p = provider(KEY, BASE, &err);
	double t0 = po_time_mono_ms(), wall;

	(void)state;
	assert_int_equal(p->ops->complete(p, reqs, out, 6, &err), 0);
	wall = po_time_mono_ms() - t0;

	/* Invalid JSON in a 200: not retried, its usage kept (billed). */
	assert_null(out[0].content);
	assert_non_null(strstr(out[0].error, "openai: HTTP 200 but the reply is unusable: not "
					     "valid JSON (line 1"));
	assert_non_null(strstr(out[0].error, "; check --base-url: the server may not speak this API"));
	assert_int_equal(out[0].attempts, 1);
	assert_int_equal(out[0].input_tokens, 12);
	assert_int_equal(out[0].output_tokens, 5);

	/* Cut mid-body: retried, then said as such (not "unreachable"). */
	assert_null(out[1].content);
	assert_non_null(strstr(out[1].error, "openai: HTTP 200 arrived, but the server closed the "
					     "connection mid-answer ("));
	assert_non_null(strstr(out[1].error, " bytes received, request req_mock_"));
	assert_non_null(strstr(out[1].error, ", 2 attempts); the server or a proxy dropped the "
					     "connection; try again later or raise --max-attempts"));
	assert_null(strstr(out[1].error, "reachable"));
	assert_int_equal(out[1].attempts, 2);

	/* 529 and 503: retried, then the server's words and what to do. */
	assert_non_null(strstr(out[2].error, "openai: HTTP 529 overloaded_error: Overloaded "
					     "(request req_mock_"));
	assert_non_null(strstr(out[2].error, ", 2 attempts); the API is overloaded; try again "
					     "later or raise --max-attempts"));
	assert_int_equal(out[2].attempts, 2);
	assert_non_null(strstr(out[3].error, "openai: HTTP 503 api_error: Internal server error "
					     "(request req_mock_"));
	assert_non_null(strstr(out[3].error, ", 2 attempts); the server failed; try again later "
					     "or raise --max-attempts"));
	assert_int_equal(out[3].attempts, 2);

	/* Latency: answered, in parallel with the rest, timed from the start. */
	for (int i = 4; i < 6; i++) {
		assert_null(out[i].error);
		assert_non_null(out[i].content);
		assert_int_equal(out[i].attempts, 1);
		assert_true(out[i].latency_ms >= 295);
	}
	assert_true(wall >= 300 && wall < 5000);
	for (int i = 0; i < 6; i++)
		po_llm_response_release(&out[i]);

	/* 529 then 503 then an answer: three attempts, one good answer. */
	p->ops->free(p);
	ATTEMPTS = 3;
	p = provider(KEY, BASE, &err);
	mock_queue(&M, "529");
	mock_queue(&M, "503");
	assert_int_equal(p->ops->complete(p, reqs + 4, out, 1, &err), 0);
	assert_non_null(out[0].content);
	assert_int_equal(out[0].attempts, 3);
	po_llm_response_release(&out[0]);
	p->ops->free(p);
	ATTEMPTS = 2;

	/* A body that never ends: cut at --timeout, the status kept. */
	TIMEOUT = 1;
	p = provider(KEY, BASE, &err);
	struct po_llm_request endless = { .prompt = "[[mock:endless]]" };
	t0 = po_time_mono_ms();
	assert_int_equal(p->ops->complete(p, &endless, out, 1, &err), 0);
	wall = po_time_mono_ms() - t0;
	assert_null(out[0].content);
	assert_non_null(strstr(out[0].error, "openai: HTTP 200 arrived, but its body did not "
					     "finish within --timeout 1 s ("));
	assert_non_null(strstr(out[0].error, " bytes received, request req_mock_"));
	assert_non_null(strstr(out[0].error, ", 2 attempts); raise --timeout, or check the server: "
					     "its answer may not end"));
	assert_true(wall >= 1900 && wall < 6000);
	po_llm_response_release(&out[0]);
	p->ops->free(p);
	TIMEOUT = 5;
}

/* Which models get a temperature: the reasoning models and those the price
 * table marks get none; a refusal of an undeclared model costs one call. */
static void test_temperature(void **state)
{
	struct po_llm_request r[5];
	struct po_llm_response out[5] = { 0 };
	struct po_err err = { 0 };
	struct po_provider *p = provider(KEY, BASE, &err);
	static const char *const none[] = { "o1", "o1-mini", "o4-mini", "gpt-5", "gpt-5-mini" };
	long before;
	int retried = 0;

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		r[0] = (struct po_llm_request){ .model = none[i], .prompt = "x", .temperature = 0.3 };
		assert_int_equal(p->ops->complete(p, r, out, 1, &err), 0);
		json_t *stats = mock_control(&M, "/_mock/stats", NULL);
		assert_null(json_object_get(json_object_get(stats, "last_body"), "temperature"));
		json_decref(stats);
		po_llm_response_release(&out[0]);
	}
	before = mock_stat(&M, "requests");
	for (size_t i = 0; i < 5; i++)
		r[i] = (struct po_llm_request){ .model = "local-no-temp", .prompt = "x",
						.temperature = 0.3 };
	assert_int_equal(p->ops->complete(p, r, out, 5, &err), 0);
	for (size_t i = 0; i < 5; i++) {
		assert_non_null(out[i].content);
		retried += out[i].attempts == 2;
		po_llm_response_release(&out[i]);
	}
	assert_int_equal(retried, 1);
	assert_int_equal(mock_stat(&M, "requests") - before, 6);
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
	struct po_provider *p = provider(KEY, BASE, &err);
	json_t *stats, *rf;

	(void)state;
	assert_int_equal(p->ops->complete(p, &req, &out, 1, &err), 0);
	assert_non_null(out.content);
	po_llm_response_release(&out);
	stats = mock_control(&M, "/_mock/stats", NULL);
	rf = json_object_get(json_object_get(stats, "last_body"), "response_format");
	assert_string_equal(json_string_value(json_object_get(rf, "type")), "json_schema");
	assert_string_equal(json_string_value(json_object_get(json_object_get(rf, "json_schema"),
							      "name")), "reply");
	assert_true(json_equal(json_object_get(json_object_get(rf, "json_schema"), "schema"), schema));
	json_decref(stats);
	req.schema = NULL;
	assert_int_equal(p->ops->complete(p, &req, &out, 1, &err), 0);
	po_llm_response_release(&out);
	stats = mock_control(&M, "/_mock/stats", NULL);
	assert_null(json_object_get(json_object_get(stats, "last_body"), "response_format"));
	assert_null(json_object_get(json_object_get(stats, "last_body"), "tools"));
	json_decref(stats);
	json_decref(schema);
	p->ops->free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_reply),
		cmocka_unit_test(test_parse_error),
		cmocka_unit_test(test_key_rules),
		cmocka_unit_test(test_batch_and_bodies),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_misbehaviour),
		cmocka_unit_test(test_temperature),
		cmocka_unit_test(test_structured_output),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
