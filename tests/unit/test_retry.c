/*
 * Tests of the retry policy and rate-limit pacing: which statuses are
 * retried, backoff growth and jitter bounds, retry-after in its three forms,
 * the date and duration parsers, and when the next call may start.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "llm/providers/retry.h"

static void test_classify(void **state)
{
	(void)state;
	assert_int_equal(po_retry_classify(200, "{}", 2), PO_RETRY_OK);
	assert_int_equal(po_retry_classify(204, NULL, 0), PO_RETRY_OK);
	assert_int_equal(po_retry_classify(0, NULL, 0), PO_RETRY_AGAIN);
	static const long again[] = { 408, 409, 429, 500, 502, 503, 504, 529 };
	for (size_t i = 0; i < sizeof(again) / sizeof(again[0]); i++)
		assert_int_equal(po_retry_classify(again[i], "{}", 2), PO_RETRY_AGAIN);
	static const long final[] = { 400, 404, 413, 422 };
	for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++)
		assert_int_equal(po_retry_classify(final[i], "{}", 2), PO_RETRY_FINAL);
	assert_int_equal(po_retry_classify(401, NULL, 0), PO_RETRY_FATAL);
	assert_int_equal(po_retry_classify(403, NULL, 0), PO_RETRY_FATAL);
	/* Quota and spend limits are never retried, whatever their status. */
	const char *oq = "{\"error\":{\"code\":\"insufficient_quota\",\"message\":\"You exceeded your current quota\"}}";
	assert_int_equal(po_retry_classify(429, oq, strlen(oq)), PO_RETRY_FATAL);
	const char *aq = "{\"type\":\"error\",\"error\":{\"message\":\"Your credit balance is too low\"}}";
	assert_int_equal(po_retry_classify(400, aq, strlen(aq)), PO_RETRY_FATAL);
	const char *rl = "{\"error\":{\"type\":\"rate_limit_error\",\"message\":\"rate limit\"}}";
	assert_int_equal(po_retry_classify(429, rl, strlen(rl)), PO_RETRY_AGAIN);
	/* OpenAI's ordinary rate limit links to the billing page: retried. */
	const char *orl = "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini in organization org-x on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits to learn more. You can increase your rate limit by adding a payment method to your account at https://platform.openai.com/account/billing.\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}";
	assert_int_equal(po_retry_classify(429, orl, strlen(orl)), PO_RETRY_AGAIN);
	/* A 400 that echoes a prompt about credit balances is not a quota error. */
	const char *echo = "{\"error\":{\"message\":\"bad request\"},\"prompt\":\"explain the credit balance\"}";
	assert_int_equal(po_retry_classify(400, echo, strlen(echo)), PO_RETRY_FINAL);
	/* OpenAI's billing hard limit, and a plain-text gateway error. */
	const char *hard = "{\"error\":{\"code\":\"billing_hard_limit_reached\",\"message\":\"Billing hard limit has been reached\"}}";
	assert_int_equal(po_retry_classify(400, hard, strlen(hard)), PO_RETRY_FATAL);
	const char *plain = "monthly spend limit reached for this key";
	assert_int_equal(po_retry_classify(429, plain, strlen(plain)), PO_RETRY_FATAL);
	/* Only the length given is read. */
	assert_int_equal(po_retry_classify(429, oq, 5), PO_RETRY_AGAIN);
}

static void test_backoff(void **state)
{
	(void)state;
	/* Equal jitter: between half and all of base * 2^(attempt-1). */
	assert_float_equal(po_retry_backoff_ms(1, 500, 30000, 0), 250, 1e-9);
	assert_float_equal(po_retry_backoff_ms(1, 500, 30000, 0.999999), 500, 1e-3);
	assert_float_equal(po_retry_backoff_ms(2, 500, 30000, 0), 500, 1e-9);
	assert_float_equal(po_retry_backoff_ms(4, 500, 30000, 0), 2000, 1e-9);
	/* Capped, and no overflow for absurd attempt numbers. */
	assert_float_equal(po_retry_backoff_ms(10, 500, 30000, 0), 15000, 1e-9);
	assert_float_equal(po_retry_backoff_ms(1000000, 500, 30000, 0.5), 22500, 1e-9);
	/* A bad random number is not trusted. */
	assert_float_equal(po_retry_backoff_ms(1, 100, 1000, 7), 75, 1e-9);
	assert_float_equal(po_retry_backoff_ms(0, 100, 1000, 0), 50, 1e-9);
}

static void test_retry_after(void **state)
{
	int64_t now = 1445412480; /* Wed, 21 Oct 2015 07:28:00 GMT */

	(void)state;
	assert_float_equal(po_retry_after_ms("2", NULL, now), 2000, 1e-9);
	assert_float_equal(po_retry_after_ms("0.5", NULL, now), 500, 1e-9);
	assert_float_equal(po_retry_after_ms("2", "150", now), 150, 1e-9);
	assert_float_equal(po_retry_after_ms(NULL, "150.5", now), 150.5, 1e-9);
	assert_float_equal(po_retry_after_ms("Wed, 21 Oct 2015 07:28:30 GMT", NULL, now), 30000,
			   1e-9);
	/* A date in the past means now. */
	assert_float_equal(po_retry_after_ms("Wed, 21 Oct 2015 07:27:00 GMT", NULL, now), 0, 1e-9);
	assert_true(po_retry_after_ms(NULL, NULL, now) < 0);
	assert_true(po_retry_after_ms("soon", NULL, now) < 0);
	assert_true(po_retry_after_ms("-3", NULL, now) < 0);
	assert_true(po_retry_after_ms("3x", "abc", now) < 0);
	/* A bad retry-after-ms falls back to retry-after. */
	assert_float_equal(po_retry_after_ms("1", "abc", now), 1000, 1e-9);

	assert_float_equal(po_retry_delay_ms(300, -1, 60000), 300, 1e-9);
	assert_float_equal(po_retry_delay_ms(300, 2000, 60000), 2000, 1e-9);
	assert_float_equal(po_retry_delay_ms(300, 3600000, 60000), 60000, 1e-9);
}

static void test_dates(void **state)
{
	(void)state;
	assert_int_equal(po_retry_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
	assert_int_equal(po_retry_parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
	assert_int_equal(po_retry_parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), -1);
	assert_int_equal(po_retry_parse_http_date("Sun, 06 Nov 1994 08:49:37 PST"), -1);
	assert_int_equal(po_retry_parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"), -1);
	assert_int_equal(po_retry_parse_http_date(""), -1);

	assert_int_equal(po_retry_parse_rfc3339("1994-11-06T08:49:37Z"), 784111777);
	assert_int_equal(po_retry_parse_rfc3339("1994-11-06T08:49:37.123Z"), 784111777);
	assert_int_equal(po_retry_parse_rfc3339("1994-11-06T10:49:37+02:00"), 784111777);
	assert_int_equal(po_retry_parse_rfc3339("2024-02-29T00:00:00Z"), 1709164800);
	assert_int_equal(po_retry_parse_rfc3339("1994-11-06 08:49:37"), -1);
	assert_int_equal(po_retry_parse_rfc3339("1994-13-06T08:49:37Z"), -1);
	assert_int_equal(po_retry_parse_rfc3339("1994-11-06T08:49:37Zjunk"), -1);

	assert_float_equal(po_retry_parse_duration_ms("1s"), 1000, 1e-9);
	assert_float_equal(po_retry_parse_duration_ms("6m0s"), 360000, 1e-9);
	assert_float_equal(po_retry_parse_duration_ms("20ms"), 20, 1e-9);
	assert_float_equal(po_retry_parse_duration_ms("1h2m3.5s"), 3723500, 1e-6);
	assert_float_equal(po_retry_parse_duration_ms("2.5"), 2500, 1e-9);
	assert_true(po_retry_parse_duration_ms("") < 0);
	assert_true(po_retry_parse_duration_ms("5d") < 0);
	assert_true(po_retry_parse_duration_ms("s") < 0);
}

static void test_ratelimit_headers(void **state)
{
	struct po_ratelimit rl;
	int64_t unix_now = 1700000000;

	(void)state;
	po_ratelimit_init(&rl);
	assert_true(po_ratelimit_header(&rl, "anthropic-ratelimit-requests-limit", "50", 1000,
					unix_now));
	assert_true(po_ratelimit_header(&rl, "Anthropic-RateLimit-Requests-Remaining", "7", 1000,
					unix_now));
	assert_true(po_ratelimit_header(&rl, "anthropic-ratelimit-requests-reset",
					"2023-11-14T22:13:30Z", 1000, unix_now));
	assert_int_equal(rl.w[PO_RL_REQUESTS].limit, 50);
	assert_int_equal(rl.w[PO_RL_REQUESTS].remaining, 7);
	assert_float_equal(rl.w[PO_RL_REQUESTS].reset_ms, 1000 + 10000, 1e-9);
	assert_true(po_ratelimit_header(&rl, "anthropic-ratelimit-output-tokens-remaining", "900",
					1000, unix_now));
	assert_int_equal(rl.w[PO_RL_OUTPUT_TOKENS].remaining, 900);

	assert_true(po_ratelimit_header(&rl, "x-ratelimit-remaining-tokens", "12345", 1000,
					unix_now));
	assert_true(po_ratelimit_header(&rl, "x-ratelimit-reset-tokens", "6m0s", 1000, unix_now));
	assert_int_equal(rl.w[PO_RL_TOKENS].remaining, 12345);
	assert_float_equal(rl.w[PO_RL_TOKENS].reset_ms, 361000, 1e-9);

	assert_false(po_ratelimit_header(&rl, "content-type", "application/json", 0, 0));
	assert_false(po_ratelimit_header(&rl, "x-ratelimit-remaining-bananas", "3", 0, 0));
	assert_false(po_ratelimit_header(&rl, "anthropic-ratelimit-", "3", 0, 0));
	/* A garbled value leaves the window as it was. */
	po_ratelimit_header(&rl, "x-ratelimit-remaining-requests", "lots", 1000, unix_now);
	assert_int_equal(rl.w[PO_RL_REQUESTS].remaining, 7);
}

static void test_ratelimit_pacing(void **state)
{
	struct po_ratelimit rl;

	(void)state;
	po_ratelimit_init(&rl);
	/* Nothing known: start now. */
	assert_float_equal(po_ratelimit_next_start(&rl, 100), 100, 1e-9);

	/* A pause (429 with retry-after) holds every start. */
	po_ratelimit_pause(&rl, 100, 500);
	assert_float_equal(po_ratelimit_next_start(&rl, 200), 600, 1e-9);
	assert_float_equal(po_ratelimit_next_start(&rl, 700), 700, 1e-9);
	/* A shorter pause does not shorten a longer one. */
	po_ratelimit_pause(&rl, 200, 100);
	assert_float_equal(po_ratelimit_next_start(&rl, 200), 600, 1e-9);

	/* Plenty left: no wait. */
	po_ratelimit_init(&rl);
	rl.w[PO_RL_REQUESTS] = (struct po_ratelimit_window){ 100, 80, 10000 };
	assert_float_equal(po_ratelimit_next_start(&rl, 1000), 1000, 1e-9);

	/* Nothing left: wait for the reset. */
	rl.w[PO_RL_REQUESTS].remaining = 0;
	assert_float_equal(po_ratelimit_next_start(&rl, 1000), 10000, 1e-9);
	/* After the reset the window is stale and says nothing. */
	assert_float_equal(po_ratelimit_next_start(&rl, 10001), 10001, 1e-9);

	/* Little left (5 of 100, under 10 %): spread over the 9 s to the reset. */
	rl.w[PO_RL_REQUESTS].remaining = 5;
	po_ratelimit_started(&rl, 1000);
	assert_int_equal(rl.w[PO_RL_REQUESTS].remaining, 4);
	assert_float_equal(po_ratelimit_next_start(&rl, 1000), 1000 + 9000.0 / 4, 1e-6);

	/* Tokens: fewer than one call's worth left waits for the reset. */
	po_ratelimit_init(&rl);
	rl.w[PO_RL_INPUT_TOKENS] = (struct po_ratelimit_window){ 400000, 100, 5000 };
	assert_float_equal(po_ratelimit_next_start(&rl, 1000), 5000, 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_ratelimit_headers),
		cmocka_unit_test(test_ratelimit_pacing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
