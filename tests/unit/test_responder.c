/*
 * Tests of the responder: answers with the simulator (its hint, or the
 * responder's settings), seed-style requests, error responses, two
 * responders on one folder answering each request once, takeover of a
 * dead responder's claim, bad options. Each test has its own folder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bridge/bridge.h"
#include "bridge/responder.h"
#include "llm/provider.h"
#include "sim/sim.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/mem.h"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup_tmp(void **state)
{
	char *dir = po_xstrdup("/tmp/po_test_responder_XXXXXX");

	assert_non_null(mkdtemp(dir));
	*state = dir;
	return 0;
}

static int teardown_tmp(void **state)
{
	nftw(*state, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(*state);
	return 0;
}

static void put_request(const char *dir, uint64_t id, const char *suffix, const char *text)
{
	struct po_buf p = PO_BUF_INIT;
	struct po_err err = { 0 };

	po_buf_addf(&p, "%s/llm_requests", dir);
	assert_int_equal(po_fs_mkdirs(p.data, &err), 0);
	po_bridge_path(&p, dir, "llm_requests", "request", id, suffix);
	assert_int_equal(po_bridge_write(p.data, text, strlen(text), &err), 0);
	po_buf_release(&p);
}

static json_t *get_response(const char *dir, uint64_t id)
{
	struct po_buf p = PO_BUF_INIT;
	json_t *j;

	po_bridge_path(&p, dir, "llm_responses", "response", id, NULL);
	j = json_load_file(p.data, 0, NULL);
	po_buf_release(&p);
	return j;
}

static struct po_responder *new_responder(const char *dir, volatile int *stop)
{
	struct po_responder_options o;
	struct po_responder *r;
	struct po_err err = { 0 };

	po_responder_options_init(&o);
	o.dir = dir;
	o.stop = stop;
	o.interval = 0.02;
	assert_int_equal(po_responder_new(&r, &o, &err), 0);
	return r;
}

/* The simulator's answer to a request, for comparison. */
static char *sim_answer(uint64_t seed, double noise, enum po_role role, const char *prompt)
{
	struct po_sim_config cfg;
	struct po_sim *sim;
	struct po_llm_request req = { .role = role, .prompt = prompt, .max_tokens = 1024 };
	struct po_llm_response resp = { 0 };
	char *s;

	po_sim_config_init(&cfg);
	cfg.seed = seed;
	cfg.noise = noise;
	sim = po_sim_new(&cfg, NULL);
	po_sim_answer(sim, &req, &resp);
	s = po_xstrdup(resp.content);
	po_llm_response_release(&resp);
	po_sim_free(sim);
	return s;
}

static void test_answers_with_hint_and_defaults(void **state)
{
	const char *dir = *state;
	struct po_responder *r = new_responder(dir, NULL);
	const char *judge = "Evaluate <output_to_evaluate>A kettle.</output_to_evaluate>";
	struct po_buf t = PO_BUF_INIT;
	struct po_err err = { 0 };
	char *want;
	json_t *j;

	po_buf_addf(&t, "{\"request_id\": 1, \"run_id\": \"R\", \"role\": \"judge\", \"prompt\": \"%s\","
		    " \"sim\": {\"seed\": 7, \"noise\": 0}}", judge);
	put_request(dir, 1, NULL, t.data);
	/* seed-style: no role, no run_id, no hint */
	po_buf_reset(&t);
	po_buf_addf(&t, "{\"request_id\": 2, \"prompt\": \"%s\"}", judge);
	put_request(dir, 2, NULL, t.data);
	assert_int_equal(po_responder_once(r, &err), 0);
	assert_int_equal(po_responder_stats(r)->answered, 2);
	assert_int_equal(po_responder_stats(r)->errors, 0);

	j = get_response(dir, 1);
	assert_non_null(j);
	want = sim_answer(7, 0, PO_ROLE_JUDGE, judge);
	assert_string_equal(json_string_value(json_object_get(j, "content")), want);
	assert_string_equal(json_string_value(json_object_get(j, "run_id")), "R");
	free(want);
	json_decref(j);

	j = get_response(dir, 2);
	want = sim_answer(42, 4, PO_ROLE_JUDGE, judge); /* the role was detected */
	assert_string_equal(json_string_value(json_object_get(j, "content")), want);
	assert_null(json_object_get(j, "run_id"));
	free(want);
	json_decref(j);
	po_buf_release(&t);
	po_responder_free(r);
}

static void test_error_responses(void **state)
{
	const char *dir = *state;
	struct po_responder *r = new_responder(dir, NULL);
	struct po_err err = { 0 };
	json_t *j;

	put_request(dir, 1, NULL, "{\"prompt\": 3, \"run_id\": \"R\"}");
	put_request(dir, 2, NULL, "{\"prompt\": \"x\", \"sim\": {\"seed\": 1, \"noise\": 0, \"catalogue\": \"nope\"}}");
	assert_int_equal(po_responder_once(r, &err), 0);
	assert_int_equal(po_responder_stats(r)->errors, 2);
	j = get_response(dir, 1);
	assert_string_equal(json_string_value(json_object_get(j, "error")),
			    "\"prompt\" must be a string, not an integer");
	assert_null(json_object_get(j, "content"));
	json_decref(j);
	j = get_response(dir, 2);
	assert_non_null(strstr(json_string_value(json_object_get(j, "error")), "nope"));
	json_decref(j);
	po_responder_free(r);
}

struct counter {
	pthread_mutex_t mu;
	int seen[2001];
};

static void count(const struct po_responder_event *ev, void *ud)
{
	struct counter *c = ud;

	pthread_mutex_lock(&c->mu);
	if (ev->request_id <= 2000)
		c->seen[ev->request_id]++;
	pthread_mutex_unlock(&c->mu);
}

struct serve {
	const char *dir;
	struct counter *c;
	volatile int *stop;
	long answered;
};

static void *serve_thread(void *arg)
{
	struct serve *s = arg;
	struct po_responder_options o;
	struct po_responder *r;
	struct po_err err = { 0 };

	po_responder_options_init(&o);
	o.dir = s->dir;
	o.stop = s->stop;
	o.interval = 0.02;
	o.on_answer = count;
	o.userdata = s->c;
	if (po_responder_new(&r, &o, &err) < 0)
		return NULL;
	po_responder_serve(r, &err);
	s->answered = po_responder_stats(r)->answered;
	po_responder_free(r);
	return NULL;
}

static void test_two_responders_each_request_once(void **state)
{
	const char *dir = *state;
	struct counter c;
	volatile int stop = 0;
	struct serve s[2] = { { dir, &c, &stop, 0 }, { dir, &c, &stop, 0 } };
	pthread_t th[2];
	struct po_buf p = PO_BUF_INIT;
	int n = 2000, waited = 0;

	memset(&c, 0, sizeof(c));
	pthread_mutex_init(&c.mu, NULL);
	put_request(dir, 1, NULL, "{\"prompt\": \"x\"}");
	for (int k = 0; k < 2; k++)
		assert_int_equal(pthread_create(&th[k], NULL, serve_thread, &s[k]), 0);
	for (int i = 2; i <= n; i++) {
		char text[96];
		snprintf(text, sizeof(text), "{\"prompt\": \"Write a PR-FAQ %d\", \"role\": \"generate\"}", i);
		put_request(dir, (uint64_t)i, NULL, text);
	}
	po_bridge_path(&p, dir, "llm_responses", "response", (uint64_t)n, NULL);
	for (;;) {
		long total;
		pthread_mutex_lock(&c.mu);
		total = 0;
		for (int i = 1; i <= n; i++)
			total += c.seen[i] > 0;
		pthread_mutex_unlock(&c.mu);
		if (total == n || waited++ > 1000)
			break;
		usleep(10000);
	}
	stop = 1;
	for (int k = 0; k < 2; k++)
		pthread_join(th[k], NULL);
	for (int i = 1; i <= n; i++)
		assert_int_equal(c.seen[i], 1);
	assert_int_equal(s[0].answered + s[1].answered, n);
	pthread_mutex_destroy(&c.mu);
	po_buf_release(&p);
}

static void test_takes_over_dead_claims(void **state)
{
	const char *dir = *state;
	struct po_responder *r = new_responder(dir, NULL);
	struct po_err err = { 0 };
	char suffix[48];
	pid_t dead = fork();
	json_t *j;

	if (!dead)
		_exit(0);
	waitpid(dead, NULL, 0);
	snprintf(suffix, sizeof(suffix), ".claimed.%ld", (long)dead);
	put_request(dir, 3, suffix, "{\"prompt\": \"x\", \"role\": \"generate\", \"run_id\": \"R\"}");
	/* our own process's claims belong to a live responder */
	snprintf(suffix, sizeof(suffix), ".claimed.%ld", (long)getpid());
	put_request(dir, 4, suffix, "{\"prompt\": \"x\"}");
	assert_int_equal(po_responder_once(r, &err), 0);
	assert_int_equal(po_responder_stats(r)->reclaimed, 1);
	j = get_response(dir, 3);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "run_id")), "R");
	json_decref(j);
	assert_null(get_response(dir, 4));
	po_responder_free(r);
}

static void take_notice(const char *text, void *ud)
{
	struct po_buf *b = ud;

	po_buf_addf(b, "%s\n", text);
}

static void test_names_and_answered_claims(void **state)
{
	const char *dir = *state;
	struct po_responder_options o;
	struct po_responder *r;
	struct po_err err = { 0 };
	struct po_buf notes = PO_BUF_INIT, p = PO_BUF_INIT;
	char suffix[48];
	pid_t dead = fork();
	json_t *j;

	if (!dead)
		_exit(0);
	waitpid(dead, NULL, 0);
	po_responder_options_init(&o);
	o.dir = dir;
	o.on_notice = take_notice;
	o.userdata = &notes;
	assert_int_equal(po_responder_new(&r, &o, &err), 0);
	/* any padding is served, under its own digits */
	po_buf_addf(&p, "%s/llm_requests/request_7.json", dir);
	assert_int_equal(po_bridge_write(p.data, "{\"prompt\": \"x\"}", 15, &err), 0);
	po_buf_reset(&p);
	po_buf_addf(&p, "%s/llm_requests/request_00042.json", dir);
	assert_int_equal(po_bridge_write(p.data, "{\"prompt\": \"x\", \"request_id\": 42}", 33,
					 &err), 0);
	/* not a request name: said, not served */
	po_buf_reset(&p);
	po_buf_addf(&p, "%s/llm_requests/request_8.jsn", dir);
	assert_int_equal(po_bridge_write(p.data, "{}", 2, &err), 0);
	/* a dead responder's claim whose answer is already published */
	snprintf(suffix, sizeof(suffix), ".claimed.%ld", (long)dead);
	put_request(dir, 9, suffix, "{\"prompt\": \"x\"}");
	po_bridge_path(&p, dir, "llm_responses", "response", 9, NULL);
	assert_int_equal(po_bridge_write(p.data, "{\"content\": \"once\"}", 19, &err), 0);
	/* a dead responder's claim that already holds its answer (it died
	 * between the swap and the rename): published as it is */
	put_request(dir, 10, suffix, "{\"request_id\": 10, \"content\": \"written\", \"protocol\": 1}");

	assert_int_equal(po_responder_once(r, &err), 0);
	assert_int_equal(po_responder_stats(r)->answered, 2);
	assert_int_equal(po_responder_stats(r)->errors, 0);
	assert_int_equal(po_responder_stats(r)->reclaimed, 2);
	j = get_response(dir, 10);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "content")), "written");
	json_decref(j);
	po_bridge_path(&p, dir, "llm_requests", "request", 10, suffix);
	assert_false(po_fs_exists(p.data));
	po_buf_reset(&p);
	po_buf_addf(&p, "%s/llm_responses/response_7.json", dir);
	assert_non_null(j = json_load_file(p.data, 0, NULL));
	assert_int_equal(json_integer_value(json_object_get(j, "request_id")), 7);
	json_decref(j);
	po_buf_reset(&p);
	po_buf_addf(&p, "%s/llm_responses/response_00042.json", dir);
	assert_non_null(j = json_load_file(p.data, 0, NULL));
	assert_non_null(json_object_get(j, "content"));
	json_decref(j);
	j = get_response(dir, 9);
	assert_string_equal(json_string_value(json_object_get(j, "content")), "once");
	json_decref(j);
	po_bridge_path(&p, dir, "llm_requests", "request", 9, suffix);
	assert_false(po_fs_exists(p.data));
	assert_non_null(strstr(notes.data, "'request_8.jsn' in "));
	assert_non_null(strstr(notes.data, "request_0009.json: already answered by a responder that stopped"));
	assert_non_null(strstr(notes.data, "request_0010.json: answered by a responder that stopped before publishing it; published"));
	/* said once */
	po_buf_reset(&notes);
	assert_int_equal(po_responder_once(r, &err), 0);
	assert_string_equal(notes.data, "");
	po_buf_release(&notes);
	po_buf_release(&p);
	po_responder_free(r);
}

static struct po_provider *new_provider(const struct po_provider_spec *spec,
					struct po_err *err)
{
	return po_provider_new(spec, NULL, err);
}

static void test_bad_options(void **state)
{
	const char *dir = *state;
	struct po_responder_options o;
	struct po_responder *r;
	struct po_err err = { 0 };

	po_responder_options_init(&o);
	assert_int_equal(po_responder_new(&r, &o, &err), PO_EUSAGE);
	assert_null(r);
	o.dir = dir;
	o.provider = "bridge";
	assert_int_equal(po_responder_new(&r, &o, &err), PO_EUSAGE);
	o.provider = "gpt9";
	assert_int_equal(po_responder_new(&r, &o, &err), PO_EUSAGE);
	assert_string_equal(err.msg, "the responder cannot forward to 'gpt9': no way to build it was given; use sim");
	o.new_provider = new_provider;
	assert_int_equal(po_responder_new(&r, &o, &err), PO_EUSAGE);
	assert_string_equal(err.msg, "unknown provider 'gpt9'; available: sim, bridge, anthropic, openai");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answers_with_hint_and_defaults, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_error_responses, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_two_responders_each_request_once, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_takes_over_dead_claims, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_names_and_answered_claims, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_bad_options, setup_tmp, teardown_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
