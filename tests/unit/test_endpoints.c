/*
 * Several endpoints behind one provider, against three mock servers on
 * 127.0.0.1: calls spread by the fewest in flight, an endpoint that dies is
 * taken out and its calls answered by the others (none lost, none answered
 * twice), counted per endpoint; a bad URL in the list is named.
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
#include "llm/providers/endpoints.h"

#include "mock_server.h"

#define KEY "sk-ant-test-endpoints-0123456789"
#define NMOCK 3

static struct mock M[NMOCK];

static int setup(void **state)
{
	const char *const args[] = { "--api-key", KEY, "--latency-ms", "20", NULL };

	(void)state;
	unsetenv("ANTHROPIC_BASE_URL");
	setenv("ANTHROPIC_API_KEY", KEY, 1);
	for (int i = 0; i < NMOCK; i++)
		if (mock_start(&M[i], args) < 0)
			return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NMOCK; i++)
		mock_stop(&M[i]);
	return 0;
}

static struct po_provider *provider(const char *bases, struct po_err *err)
{
	struct po_provider_spec spec;

	po_provider_spec_init(&spec);
	spec.name = "anthropic";
	spec.base_url = bases;
	spec.concurrency = 2;
	spec.timeout_s = 10;
	return po_provider_new(&spec, NULL, err);
}

/* n calls, each answered with its own prompt's first line. */
static void run_calls(struct po_provider *p, int n, int first)
{
	struct po_llm_request *reqs = calloc((size_t)n, sizeof(*reqs));
	struct po_llm_response *out = calloc((size_t)n, sizeof(*out));
	char (*prompts)[32] = calloc((size_t)n, 32);
	struct po_err err = { 0 };

	for (int i = 0; i < n; i++) {
		snprintf(prompts[i], 32, "call %d", first + i);
		reqs[i].prompt = prompts[i];
		reqs[i].max_tokens = 64;
	}
	assert_int_equal(p->ops->complete(p, reqs, out, (size_t)n, &err), 0);
	for (int i = 0; i < n; i++) {
		char want[64];

		assert_non_null(out[i].content);
		snprintf(want, sizeof(want), "A mock answer to: %s\n", prompts[i]);
		assert_non_null(strstr(out[i].content, want));
		po_llm_response_release(&out[i]);
	}
	free(reqs);
	free(out);
	free(prompts);
}

static void test_balance_and_failover(void **state)
{
	char bases[256];
	struct po_err err = { 0 };
	struct po_provider *p;
	long before[NMOCK], total = 0;

	(void)state;
	snprintf(bases, sizeof(bases), "%s, %s/v1,%s", M[0].base, M[1].base, M[2].base);
	p = provider(bases, &err);
	assert_non_null(p);
	/* 2 in flight per endpoint, 6 at once: 60 calls spread evenly. */
	run_calls(p, 60, 0);
	for (int i = 0; i < NMOCK; i++) {
		long r = mock_stat(&M[i], "requests");
		assert_true(r >= 15 && r <= 25);
		/* the mock counts a call out after its answer is sent: one more at most */
		assert_true(mock_stat(&M[i], "max_in_flight") <= 3);
		total += r;
	}
	assert_int_equal(total, 60);
	/* The second endpoint dies: every call is still answered, once. */
	mock_stop(&M[1]);
	for (int i = 0; i < NMOCK; i++)
		before[i] = i == 1 ? 0 : mock_stat(&M[i], "requests");
	run_calls(p, 60, 60);
	assert_int_equal(mock_stat(&M[0], "requests") - before[0] +
			 mock_stat(&M[2], "requests") - before[2], 60);
	/* What the results show: calls and errors per endpoint, the dead one out. */
	{
		json_t *eps = p->ops->endpoints(p), *dead = json_array_get(eps, 1);
		char want[96];

		assert_int_equal(json_array_size(eps), 3);
		snprintf(want, sizeof(want), "%s/v1/messages", M[1].base);
		assert_string_equal(json_string_value(json_object_get(dead, "url")), want);
		assert_true(json_integer_value(json_object_get(dead, "errors")) >= 1);
		assert_false(json_is_true(json_object_get(dead, "up")));
		assert_int_equal(json_integer_value(json_object_get(json_array_get(eps, 0),
								    "errors")), 0);
		assert_true(json_is_true(json_object_get(json_array_get(eps, 0), "up")));
		json_decref(eps);
	}
	p->ops->free(p);
	/* Start it again for the next test (another port: a new list). */
	{
		const char *const args[] = { "--api-key", KEY, NULL };
		assert_int_equal(mock_start(&M[1], args), 0);
	}
}

static void test_bad_url_named(void **state)
{
	struct po_err err = { 0 };
	char bases[256];

	(void)state;
	snprintf(bases, sizeof(bases), "%s,ftp://replica-2:8000,%s", M[0].base, M[2].base);
	assert_null(provider(bases, &err));
	assert_string_equal(err.msg,
			    "--base-url: \"ftp://replica-2:8000\" (endpoint 2 of 3) is not an http:// or https:// URL; give the endpoints as URLs separated by commas");
	snprintf(bases, sizeof(bases), "%s,", M[0].base);
	assert_null(provider(bases, &err));
	assert_non_null(strstr(err.msg, "\"\" (endpoint 2 of 2)"));
}

/* The bookkeeping alone: out after three failures, one probe, back in. */
static void test_health(void **state)
{
	const char *urls[] = { "http://a", "http://b" };
	struct po_endpoints e;
	double wake = 1e9;

	(void)state;
	po_endpoints_init(&e, urls, 2, 4);
	for (int k = 0; k < 3; k++) {
		po_endpoints_started(&e, 1, 0);
		po_endpoints_done(&e, 1, true, 0);
	}
	assert_true(e.v[1].out_until > 0);
	/* while out, every call goes to a */
	for (int k = 0; k < 4; k++) {
		assert_int_equal(po_endpoints_pick(&e, 10, &wake), 0);
		po_endpoints_started(&e, 0, 10);
	}
	assert_int_equal(po_endpoints_pick(&e, 10, &wake), -1);
	assert_true(wake == e.v[1].out_until);
	/* its time out over: one probe, no more until it answers */
	assert_int_equal(po_endpoints_pick(&e, 5000, &wake), 1);
	po_endpoints_started(&e, 1, 5000);
	assert_true(e.v[1].probing);
	assert_int_equal(po_endpoints_pick(&e, 5000, &wake), -1);
	po_endpoints_done(&e, 1, false, 5100);
	assert_true(e.v[1].out_until == 0 && e.v[1].fails == 0);
	assert_int_equal(po_endpoints_pick(&e, 5100, &wake), 1);
	assert_int_equal(e.v[1].errors, 3);
	po_endpoints_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_balance_and_failover),
		cmocka_unit_test(test_bad_url_named),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
