/*
 * Tests of the HTTP transport against the mock server (tests/mock/mock_llm.py,
 * started as a child on 127.0.0.1): concurrency bound and overlap, connection
 * reuse, each misbehaviour (429 with retry-after, 500, 529, cut connection,
 * endless body, oversized body, 401, quota, refused connection) and the
 * message it gives, attempts limit, rate-limit pacing, interrupt, reading a
 * usage out of a broken body.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "llm/providers/http_api.h"
#include "util/timeutil.h"

#include "mock_server.h"

static struct mock M;
static char URL[128];
static const char BODY[] = "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

static int setup(void **state)
{
	(void)state;
	if (mock_start(&M, NULL) < 0)
		return -1;
	snprintf(URL, sizeof(URL), "%s/v1/messages", M.base);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mock_stop(&M);
	return 0;
}

static void fast_options(struct po_http_options *o, int concurrency)
{
	po_http_options_init(o);
	o->concurrency = concurrency;
	o->backoff_base_ms = 20;
	o->backoff_cap_ms = 100;
	o->timeout_s = 5;
	o->max_attempts = 3;
}

/* n calls to the mock, call i with the header "X-Mock: behaviors[i]" (NULL: none). */
static struct po_http_call *make_calls(size_t n, const char *const *behaviors,
				       struct curl_slist ***lists)
{
	struct po_http_call *c = calloc(n, sizeof(*c));
	*lists = calloc(n, sizeof(**lists));

	for (size_t i = 0; i < n; i++) {
		char line[128];
		const char *lines[] = { line, NULL };

		snprintf(line, sizeof(line), "X-Mock: %s",
			 behaviors && behaviors[i] ? behaviors[i] : "ok");
		(*lists)[i] = po_http_headers_new(lines);
		c[i].url = URL;
		c[i].headers = (*lists)[i];
		c[i].body = BODY;
		c[i].body_len = strlen(BODY);
	}
	return c;
}

static void free_calls(struct po_http_call *c, size_t n, struct curl_slist **lists)
{
	for (size_t i = 0; i < n; i++) {
		po_http_call_release(&c[i]);
		po_http_headers_free(lists[i]);
	}
	free(c);
	free(lists);
}

/* Runs one call with the given behaviour; returns the transport. */
static struct po_http_call run_one(const char *behavior, struct po_http_options *o,
				   double *wall_ms)
{
	struct curl_slist **lists;
	struct po_http_call *c = make_calls(1, (const char *[]){ behavior }, &lists);
	struct po_http *h = po_http_new(o, NULL);
	struct po_http_call out;
	double t0 = po_time_mono_ms();

	assert_non_null(h);
	assert_int_equal(po_http_run(h, c, 1, NULL), 0);
	if (wall_ms)
		*wall_ms = po_time_mono_ms() - t0;
	out = c[0];
	c[0].response = (struct po_buf)PO_BUF_INIT;
	c[0].error = c[0].request_id = NULL;
	free_calls(c, 1, lists);
	po_http_free(h);
	return out;
}

static void test_batch_concurrency(void **state)
{
	struct po_http_options o;
	struct curl_slist **lists;
	const char *lat[24];
	struct po_http_call *c;
	struct po_http *h;
	double t0, wall;

	(void)state;
	for (int i = 0; i < 24; i++)
		lat[i] = "latency=100";
	mock_reset(&M);
	fast_options(&o, 8);
	h = po_http_new(&o, NULL);
	c = make_calls(24, lat, &lists);
	t0 = po_time_mono_ms();
	assert_int_equal(po_http_run(h, c, 24, NULL), 0);
	wall = po_time_mono_ms() - t0;
	for (int i = 0; i < 24; i++) {
		assert_int_equal(c[i].outcome, PO_HTTP_OK);
		assert_int_equal(c[i].status, 200);
		assert_int_equal(c[i].attempts, 1);
		assert_non_null(strstr(c[i].response.data, "\"type\": \"message\""));
		assert_non_null(c[i].request_id);
		assert_true(c[i].latency_ms >= 95);
	}
	/* 24 calls of 100 ms, 8 at a time: 3 rounds, not 24. */
	assert_true(wall < 1500);
	assert_true(wall >= 290);
	assert_int_equal(po_http_stats(h)->max_in_flight, 8);
	assert_int_equal(mock_stat(&M, "max_in_flight"), 8);
	assert_int_equal(mock_stat(&M, "requests"), 24);
	/* Connections are kept: a second batch opens none. */
	long conns = mock_stat(&M, "connections");
	assert_true(conns <= 8 + 3);  /* 3: the stats calls themselves */
	free_calls(c, 24, lists);
	c = make_calls(16, NULL, &lists);
	assert_int_equal(po_http_run(h, c, 16, NULL), 0);
	assert_int_equal(mock_stat(&M, "connections"), conns + 1);
	free_calls(c, 16, lists);
	po_http_free(h);
}

static void test_429_retry_after(void **state)
{
	struct po_http_options o;
	struct po_http_call c;
	double wall;

	(void)state;
	fast_options(&o, 1);
	/* The first answer asks for 300 ms, far above the 20 ms backoff. */
	mock_queue(&M, "429,retry-after-ms=300");
	c = run_one("ok", &o, &wall);
	assert_int_equal(c.outcome, PO_HTTP_OK);
	assert_int_equal(c.attempts, 2);
	assert_true(wall >= 300);
	po_http_call_release(&c);

	mock_queue(&M, "429,retry-after=1");
	c = run_one("ok", &o, &wall);
	assert_int_equal(c.outcome, PO_HTTP_OK);
	assert_int_equal(c.attempts, 2);
	assert_true(wall >= 1000);
	po_http_call_release(&c);
}

static void test_5xx_and_529_retried(void **state)
{
	struct po_http_options o;
	struct po_http_call c;

	(void)state;
	fast_options(&o, 2);
	mock_queue(&M, "500");
	c = run_one("ok", &o, NULL);
	assert_int_equal(c.outcome, PO_HTTP_OK);
	assert_int_equal(c.attempts, 2);
	po_http_call_release(&c);

	mock_queue(&M, "529");
	mock_queue(&M, "503");
	c = run_one("ok", &o, NULL);
	assert_int_equal(c.outcome, PO_HTTP_OK);
	assert_int_equal(c.attempts, 3);
	po_http_call_release(&c);

	/* Always failing: gives up after max_attempts, the last answer kept. */
	c = run_one("529", &o, NULL);
	assert_int_equal(c.outcome, PO_HTTP_FAILED);
	assert_true(c.retryable);
	assert_int_equal(c.attempts, 3);
	assert_int_equal(c.status, 529);
	assert_non_null(strstr(c.response.data, "overloaded_error"));
	po_http_call_release(&c);
}

static void test_never_retried(void **state)
{
	static const char *const final[] = { "400", "404" };
	struct po_http_options o;
	struct po_http_call c;

	(void)state;
	fast_options(&o, 1);
	for (size_t i = 0; i < 2; i++) {
		c = run_one(final[i], &o, NULL);
		assert_int_equal(c.outcome, PO_HTTP_FAILED);
		assert_false(c.retryable);
		assert_int_equal(c.attempts, 1);
		po_http_call_release(&c);
	}
	c = run_one("401", &o, NULL);
	assert_int_equal(c.outcome, PO_HTTP_FATAL);
	assert_int_equal(c.attempts, 1);
	assert_int_equal(c.status, 401);
	po_http_call_release(&c);
	c = run_one("quota", &o, NULL);
	assert_int_equal(c.outcome, PO_HTTP_FATAL);
	assert_int_equal(c.attempts, 1);
	po_http_call_release(&c);
}

static void test_fatal_stops_batch(void **state)
{
	static const char *const b[] = { "401", "latency=300", "latency=300", "latency=300",
					  "latency=300", "latency=300" };
	struct po_http_options o;
	struct curl_slist **lists;
	struct po_http_call *c;
	struct po_http *h;
	int fatal = 0, not_sent = 0;

	(void)state;
	fast_options(&o, 2);
	h = po_http_new(&o, NULL);
	c = make_calls(6, b, &lists);
	mock_reset(&M);
	assert_int_equal(po_http_run(h, c, 6, NULL), 0);
	for (int i = 0; i < 6; i++) {
		fatal += c[i].outcome == PO_HTTP_FATAL;
		not_sent += c[i].outcome == PO_HTTP_NOT_SENT;
	}
	assert_int_equal(fatal, 1);
	assert_int_equal(not_sent, 5);
	assert_non_null(strstr(c[5].error, "not sent"));
	/* No more than the two that were in flight reached the server. */
	assert_true(mock_stat(&M, "requests") <= 3);
	free_calls(c, 6, lists);
	po_http_free(h);
}

static void test_cut_connection(void **state)
{
	struct po_http_options o;
	struct po_http_call c;

	(void)state;
	fast_options(&o, 1);
	mock_queue(&M, "cut");
	c = run_one("ok", &o, NULL);
	assert_int_equal(c.outcome, PO_HTTP_OK);
	assert_int_equal(c.attempts, 2);
	po_http_call_release(&c);

	/* Cut every time: the status that arrived is kept, and the message says
	 * the server closed the connection mid-answer (not "unreachable"). */
	c = run_one("cut", &o, NULL);
	assert_int_equal(c.outcome, PO_HTTP_FAILED);
	assert_true(c.retryable);
	assert_int_equal(c.attempts, 3);
	assert_int_equal(c.status, 200);
	assert_int_equal(c.broke, PO_HTTP_BREAK_CLOSED);
	assert_non_null(c.error);
	struct po_buf b = PO_BUF_INIT;
	po_http_describe_failure(&b, "anthropic", &c, NULL, NULL, "ANTHROPIC_API_KEY", 5);
	assert_non_null(strstr(b.data, "anthropic: HTTP 200 arrived, but the server closed the "
				       "connection mid-answer (53 bytes received, request req_mock_"));
	assert_non_null(strstr(b.data, ", 3 attempts); the server or a proxy dropped the "
				       "connection; try again later or raise --max-attempts"));
	assert_null(strstr(b.data, "reachable"));
	po_buf_release(&b);
	po_http_call_release(&c);
}

static void test_endless_body_times_out(void **state)
{
	struct po_http_options o;
	struct po_http_call c;
	double wall;

	(void)state;
	fast_options(&o, 1);
	o.timeout_s = 0.4;
	o.max_attempts = 2;
	c = run_one("endless", &o, &wall);
	assert_int_equal(c.outcome, PO_HTTP_FAILED);
	assert_int_equal(c.attempts, 2);
	/* HTTP 200 had arrived: kept, and said. */
	assert_int_equal(c.status, 200);
	assert_int_equal(c.broke, PO_HTTP_BREAK_TIMEOUT);
	assert_true(c.response.len > 50);
	assert_non_null(strstr(c.error, "imed out"));
	assert_true(wall >= 800 && wall < 3000);
	struct po_buf b = PO_BUF_INIT;
	po_http_describe_failure(&b, "anthropic", &c, NULL, NULL, "ANTHROPIC_API_KEY", 0.4);
	assert_non_null(strstr(b.data, "anthropic: HTTP 200 arrived, but its body did not finish "
				       "within --timeout 0.4 s ("));
	assert_non_null(strstr(b.data, " bytes received, request req_mock_"));
	assert_non_null(strstr(b.data, ", 2 attempts); raise --timeout, or check the server: its "
				       "answer may not end"));
	po_buf_release(&b);
	po_http_call_release(&c);

	/* No answer at all within the timeout (latency above it). */
	o.timeout_s = 0.3;
	o.max_attempts = 1;
	c = run_one("latency=2000", &o, NULL);
	assert_int_equal(c.outcome, PO_HTTP_FAILED);
	assert_int_equal(c.status, 0);
	assert_int_equal(c.broke, PO_HTTP_BREAK_TIMEOUT);
	b = (struct po_buf)PO_BUF_INIT;
	po_http_describe_failure(&b, "openai", &c, NULL, NULL, "OPENAI_API_KEY", 0.3);
	assert_string_equal(b.data, "openai: no answer within --timeout 0.3 s; raise --timeout or "
				    "check the server");
	po_buf_release(&b);
	po_http_call_release(&c);
}

static void test_response_cap(void **state)
{
	struct po_http_options o;
	struct po_http_call c;

	(void)state;
	fast_options(&o, 1);
	o.max_response = 4096;
	c = run_one("huge=100000", &o, NULL);
	assert_int_equal(c.outcome, PO_HTTP_FAILED);
	assert_int_equal(c.attempts, 1);
	assert_non_null(strstr(c.error, "response larger than 4096 bytes"));
	assert_int_equal(c.response.len, 0);
	po_http_call_release(&c);
}

static void test_refused(void **state)
{
	struct po_http_options o;
	struct po_http_call c = { 0 };
	struct po_http *h;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	char url[64];

	(void)state;
	/* A port that was free a moment ago: bound, then closed. */
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/messages", ntohs(a.sin_port));
	fast_options(&o, 1);
	o.max_attempts = 2;
	h = po_http_new(&o, NULL);
	/* A good call first on the same handle: nothing of it carries over. */
	c.url = URL;
	c.body = BODY;
	c.body_len = strlen(BODY);
	assert_int_equal(po_http_run(h, &c, 1, NULL), 0);
	assert_int_equal(c.outcome, PO_HTTP_OK);
	po_http_call_release(&c);
	c.url = url;
	c.body = BODY;
	c.body_len = strlen(BODY);
	assert_int_equal(po_http_run(h, &c, 1, NULL), 0);
	assert_int_equal(c.outcome, PO_HTTP_FAILED);
	assert_int_equal(c.attempts, 2);
	assert_int_equal(c.status, 0);
	assert_int_equal(c.broke, PO_HTTP_BREAK_NONE);
	assert_non_null(strstr(c.error, "onnect"));
	struct po_buf b = PO_BUF_INIT;
	po_http_describe_failure(&b, "anthropic", &c, NULL, NULL, "ANTHROPIC_API_KEY", 5);
	assert_non_null(strstr(b.data, "anthropic: Failed to connect to 127.0.0.1 port "));
	assert_non_null(strstr(b.data, " (2 attempts); check --base-url and that the server is "
				       "reachable"));
	po_buf_release(&b);
	po_http_call_release(&c);
	po_http_free(h);
}

static void test_ratelimit_paces(void **state)
{
	/* The first answer says no request is left for 1 s: the second call
	 * waits for the reset instead of being refused. */
	static const char *const b[] = { "ratelimit=0", "ok" };
	struct po_http_options o;
	struct curl_slist **lists;
	struct po_http_call *c;
	struct po_http *h;
	double t0, wall;

	(void)state;
	snprintf(URL, sizeof(URL), "%s/v1/chat/completions", M.base);
	fast_options(&o, 1);
	h = po_http_new(&o, NULL);
	c = make_calls(2, b, &lists);
	t0 = po_time_mono_ms();
	assert_int_equal(po_http_run(h, c, 2, NULL), 0);
	wall = po_time_mono_ms() - t0;
	assert_int_equal(c[0].outcome, PO_HTTP_OK);
	assert_int_equal(c[1].outcome, PO_HTTP_OK);
	assert_int_equal(c[1].attempts, 1);
	assert_true(wall >= 950);
	assert_true(po_http_stats(h)->paced_waits > 0);
	free_calls(c, 2, lists);
	po_http_free(h);
	snprintf(URL, sizeof(URL), "%s/v1/messages", M.base);
}

static void *raise_later(void *flag)
{
	usleep(150 * 1000);
	*(volatile int *)flag = 1;
	return NULL;
}

static void test_interrupt(void **state)
{
	static const char *const b[] = { "latency=5000", "latency=5000", "latency=5000" };
	volatile int flag = 0;
	struct po_http_options o;
	struct curl_slist **lists;
	struct po_http_call *c;
	struct po_http *h;
	struct po_err err = { 0 };
	pthread_t t;
	double t0;

	(void)state;
	fast_options(&o, 2);
	o.interrupt = &flag;
	h = po_http_new(&o, NULL);
	c = make_calls(3, b, &lists);
	t0 = po_time_mono_ms();
	pthread_create(&t, NULL, raise_later, (void *)&flag);
	assert_int_equal(po_http_run(h, c, 3, &err), PO_EINTR);
	assert_true(po_time_mono_ms() - t0 < 1500);
	pthread_join(t, NULL);
	assert_string_equal(err.msg, "interrupted with 3 of 3 calls unanswered");
	for (int i = 0; i < 3; i++)
		assert_int_equal(c[i].outcome, PO_HTTP_NOT_SENT);
	free_calls(c, 3, lists);
	po_http_free(h);
}

static void test_describe_and_redact(void **state)
{
	struct po_http_call c = { 0 };
	struct po_buf b = PO_BUF_INIT;

	(void)state;
	c.status = 429;
	c.attempts = 5;
	c.request_id = "req_1";
	c.response = (struct po_buf)PO_BUF_INIT;
	po_http_describe_failure(&b, "anthropic", &c, "rate_limit_error", "slow\ndown",
				 "ANTHROPIC_API_KEY", 120);
	assert_string_equal(b.data, "anthropic: HTTP 429 rate_limit_error: slow down "
				    "(request req_1, 5 attempts); rate limited; lower --concurrency "
				    "or raise --max-attempts");
	po_buf_reset(&b);
	c.status = 401;
	c.attempts = 1;
	c.request_id = NULL;
	po_http_describe_failure(&b, "openai", &c, NULL, "bad key sk-secret-1", "OPENAI_API_KEY",
				 120);
	po_http_redact(&b, "sk-secret-1");
	assert_string_equal(b.data, "openai: HTTP 401: bad key [redacted]; the key was refused; "
				    "check OPENAI_API_KEY");
	po_buf_reset(&b);
	c.status = 0;
	c.error = "Operation timed out after 2000 milliseconds with 5 bytes received";
	c.attempts = 2;
	po_http_describe_failure(&b, "openai", &c, NULL, NULL, "OPENAI_API_KEY", 2);
	assert_string_equal(b.data, "openai: Operation timed out after 2000 milliseconds with 5 "
				    "bytes received (2 attempts); no complete answer within 2 s; "
				    "raise --timeout or check the server");
	po_buf_release(&b);

	char *u = po_http_join_url("http://h:1/v1/", "/chat/completions");
	assert_string_equal(u, "http://h:1/v1/chat/completions");
	free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_concurrency),
		cmocka_unit_test(test_429_retry_after),
		cmocka_unit_test(test_5xx_and_529_retried),
		cmocka_unit_test(test_never_retried),
		cmocka_unit_test(test_fatal_stops_batch),
		cmocka_unit_test(test_cut_connection),
		cmocka_unit_test(test_endless_body_times_out),
		cmocka_unit_test(test_response_cap),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_ratelimit_paces),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_describe_and_redact),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
