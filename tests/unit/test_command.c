/*
 * Unit tests of the command metric (eval/command*.c): the reply parser, and
 * metrics that answer, hang, crash, print garbage, die on one case only or
 * cannot start, each failing its own cases with a clear message while the
 * others are scored; and a metric beside the judge.
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
#include <time.h>

#include "core/project.h"
#include "eval/command.h"
#include "eval/scorer.h"
#include "llm/llm.h"
#include "opt/archive.h"
#include "util/buf.h"
#include "util/mem.h"

static void parses(const char *line, double score, const char *feedback)
{
	struct po_command_reply r;
	char *why = NULL;

	if (po_command_reply_parse(line, strlen(line), &r, &why) < 0)
		fail_msg("%s: %s", line, why);
	assert_null(r.error);
	assert_true(fabs(r.score - score) < 1e-12);
	if (feedback)
		assert_string_equal(r.feedback, feedback);
	else
		assert_null(r.feedback);
	po_command_reply_release(&r);
}

static void rejects(const char *line, const char *msg)
{
	struct po_command_reply r;
	char *why = NULL;

	assert_int_equal(po_command_reply_parse(line, strlen(line), &r, &why), -1);
	if (!strstr(why, msg))
		fail_msg("\"%s\" lacks \"%s\"", why, msg);
	free(why);
}

static void test_reply(void **state)
{
	struct po_command_reply r;
	char *why = NULL;

	(void)state;
	parses("{\"score\": 0.8, \"feedback\": \"shorter\"}\n", 0.8, "shorter");
	parses("{\"score\": 1}\r\n", 1, NULL);
	parses("{\"score\": 0, \"pass\": false, \"reason\": \"no team\"}", 0, "no team");
	rejects("hello", "bad reply \"hello\": not JSON");
	rejects("", "an empty line");
	rejects("[0.5]", "not a JSON object");
	rejects("{\"score\": 1.5}", "outside 0..1");
	rejects("{\"score\": -0.1}", "outside 0..1");
	rejects("{\"score\": \"0.5\"}", "not a number");
	rejects("{\"feedback\": \"x\"}", "no \"score\"");
	rejects("{\"score\": 0.5, \"pass\": 1}", "\"pass\" is not");
	rejects("{\"score\": 0.5, \"feedback\": 2}", "\"feedback\" is not a string");
	rejects("{\"score\": 0.5, \"score\": 0.6}", "not JSON");
	rejects("\x01\"\\", "bad reply \"\\x01\\\"\\\\\"");
	rejects("\xc3\xa9t\xc3", "bad reply \"\xc3\xa9t\\xc3\": not JSON"); /* messages stay UTF-8 */
	assert_int_equal(po_command_reply_parse("{\"error\": \"no expected\"}", 24, &r, &why), 0);
	assert_string_equal(r.error, "no expected");
	po_command_reply_release(&r);
}

static void test_request(void **state)
{
	struct po_test_case tc = { .id = "c1", .inputs = json_pack("{s:s}", "q", "x\ny"),
				   .expected = json_string("billing") };
	struct po_case_result item = { .tc = &tc, .output = "the \"billing\" team" };
	char *line = po_command_request(NULL, &item);
	json_t *j;

	(void)state;
	assert_non_null(strchr(line, '\n'));
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1); /* one line */
	j = json_loads(line, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "output")), "the \"billing\" team");
	assert_string_equal(json_string_value(json_object_get(j, "expected")), "billing");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "inputs"), "q")),
			    "x\ny");
	json_decref(j);
	json_decref(tc.inputs);
	json_decref(tc.expected);
	free(line);
}

static const char GOOD[] = "{\"overall_score\": 4, \"criteria_scores\": {\"accuracy\": 4, "
			   "\"completeness\": 4, \"clarity\": 4, \"format\": 4}, \"feedback\": \"ok\"}";
static const char POOR[] = "{\"overall_score\": 2, \"criteria_scores\": {\"accuracy\": 2, "
			   "\"completeness\": 2, \"clarity\": 2, \"format\": 2}, \"feedback\": \"meh\"}";
static int judge_calls;

/* Generate answers with the prompt itself; the judge with GOOD. */
static int echo_complete(struct po_provider *p, const struct po_llm_request *reqs,
			 struct po_llm_response *out, size_t n, struct po_err *err)
{
	(void)p;
	(void)err;
	for (size_t i = 0; i < n; i++) {
		judge_calls += reqs[i].role == PO_ROLE_JUDGE;
		/* the judge says GOOD at even sample indices, POOR at odd ones */
		out[i].content = po_xstrdup(reqs[i].role != PO_ROLE_JUDGE ? reqs[i].prompt :
					    reqs[i].sample % 2 ? POOR : GOOD);
	}
	return 0;
}

static void echo_free(struct po_provider *p)
{
	free(p);
}

static const struct po_provider_ops echo_ops = {
	.name = "echo", .complete = echo_complete, .free = echo_free,
};

static const char CASES[] = "[{\"id\": \"a\", \"inputs\": {\"q\": \"x\"}, \"expected\": \"x\"},"
			    " {\"id\": \"b\", \"inputs\": {\"q\": \"y\"}, \"expected\": \"x\"},"
			    " {\"id\": \"c\", \"inputs\": {\"q\": \"z\"}, \"expected\": \"x\"}]";

/* Evaluates "Q: {q}" on `cases` (CASES when NULL) with the check (JSON) as
 * the only scorer, or beside the judge; the project stays for a second run. */
static struct po_project *evaluate(const char *check, bool judge, const char *cases,
				   struct po_evaluation *ev)
{
	const char *prompts = "{\"main\": \"Q: {q}\"}";
	struct po_project *p = NULL;
	struct po_provider *prov = po_xcalloc(1, sizeof(*prov));
	struct po_engine_config cfg;
	struct po_engine *engine;
	struct po_eval_settings st;
	struct po_err err = { 0 };
	struct po_buf config = PO_BUF_INIT;
	const json_t *cand;

	cases = cases ? cases : CASES;
	if (check)
		po_buf_addf(&config, "{\"judge\": %s, \"scorers\": [%s]}", judge ? "true" : "false",
			    check);
	else
		po_buf_adds(&config, "{\"judge_samples\": 3}");
	if (po_project_parse(&p, "t", ".", cases, strlen(cases), prompts, strlen(prompts),
			     config.data, config.len, NULL, &err) < 0)
		fail_msg("%s", err.msg);
	po_buf_release(&config);
	cand = p->prompts;
	prov->ops = &echo_ops;
	po_engine_config_init(&cfg);
	for (int i = 0; i < PO_ROLE_COUNT; i++)
		cfg.roles[i] = prov;
	assert_int_equal(po_engine_new(&engine, &cfg, &err), 0);
	po_eval_settings_init(&st);
	judge_calls = 0;
	assert_int_equal(po_evaluate(engine, p, &st, &cand, 1, 0, ev, &err), 0);
	po_engine_free(engine);
	return p;
}

static void has_error(const struct po_case_result *r, const char *msg)
{
	assert_false(r->ok);
	if (!r->error || !strstr(r->error, msg))
		fail_msg("case %s: \"%s\" lacks \"%s\"", r->tc->id, r->error ? r->error : "(none)",
			 msg);
}

/* A check running the shell script, with more keys (JSON text; new string). */
static char *sh_check(const char *script, const char *more)
{
	json_t *c = json_pack("{s:s, s:[s,s,s]}", "type", "command", "run", "sh", "-c", script);
	char *s;

	if (more) {
		json_t *m = json_loads(more, 0, NULL);

		json_object_update(c, m);
		json_decref(m);
	}
	s = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	return s;
}

/* A shell metric: full marks when the output says "Q: x", else a quarter. */
#define SCORE_X "while read -r l; do case \"$l\" in *'\"output\":\"Q: x\"'*) echo '{\"score\": 1}';; " \
		"*) echo '{\"score\": 0.25, \"feedback\": \"say x\"}';; esac; done"

static void test_metric_scores(void **state)
{
	struct po_evaluation ev;
	char *check = sh_check(SCORE_X, NULL);
	struct po_project *p = evaluate(check, false, NULL, &ev);
	json_t *js, *sc;

	(void)state;
	assert_int_equal(judge_calls, 0);
	assert_true(ev.cases[0].ok && ev.cases[1].ok && ev.cases[2].ok);
	assert_true(ev.cases[0].score == 100 && ev.cases[1].score == 25);
	assert_string_equal(json_string_value(json_array_get(ev.cases[1].improvements, 0)),
			    "Check failed: say x");
	js = po_evaluation_to_json(&ev);
	sc = json_object_get(json_array_get(json_object_get(js, "cases"), 1), "scorers");
	assert_string_equal(json_string_value(json_object_get(json_array_get(sc, 0), "name")),
			    "command");
	assert_string_equal(json_string_value(json_object_get(json_array_get(sc, 0), "message")),
			    "say x");
	json_decref(js);
	po_evaluation_release(&ev);
	po_project_free(p);
	free(check);
}

/* Beside the judge: both scores mixed, the metric's line after the judge's. */
static void test_metric_with_judge(void **state)
{
	struct po_evaluation ev;
	char *check = sh_check(SCORE_X, NULL);
	struct po_project *p = evaluate(check, true, NULL, &ev);
	json_t *js, *sc;

	(void)state;
	assert_int_equal(judge_calls, 3);
	assert_true(ev.cases[0].ok && ev.cases[1].ok);
	assert_true(ev.cases[0].score > ev.cases[1].score);
	js = po_evaluation_to_json(&ev);
	sc = json_object_get(json_array_get(json_object_get(js, "cases"), 0), "scorers");
	assert_int_equal(json_array_size(sc), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(sc, 1), "name")),
			    "command");
	json_decref(js);
	po_evaluation_release(&ev);
	po_project_free(p);
	free(check);
}

/* judge_samples: three judge calls per output, their mean the score. */
static void test_judge_samples(void **state)
{
	struct po_evaluation one, three;
	struct po_project *p = evaluate(NULL, true, NULL, &three);
	struct po_project *q = evaluate("{\"type\": \"length\", \"min\": 0}", true, NULL, &one);

	(void)state;
	assert_int_equal(judge_calls, 3); /* q: one judge call per case */
	assert_int_equal(p->judge_samples, 3);
	assert_true(three.cases[0].ok);
	assert_int_equal(three.cases[0].judge_attempts, 3);
	/* GOOD (80), POOR (40), GOOD (80) */
	if (fabs(three.cases[0].score - 200.0 / 3) > 1e-4)
		fail_msg("score %g, not the mean of 80, 40 and 80", three.cases[0].score);
	po_evaluation_release(&one);
	po_evaluation_release(&three);
	po_project_free(p);
	po_project_free(q);
}

/* A result served from the archive, or restored from its file, keeps each
 * scorer's result. */
static void test_archive_keeps_scorers(void **state)
{
	struct po_evaluation ev;
	char *check = sh_check(SCORE_X, NULL);
	struct po_project *p = evaluate(check, false, NULL, &ev);
	struct po_archive *a = po_archive_new(p->ncases), *b = po_archive_new(p->ncases);
	struct po_archive_entry *e = po_archive_add(a, p->prompts, 0, 0, "baseline");
	struct po_case_result res = { 0 };
	struct po_err err = { 0 };
	json_t *line;

	(void)state;
	po_archive_record(a, e, p, &ev);
	assert_true(po_archive_case_result(e, p, 1, &res));
	assert_true(json_equal(res.scorers, ev.cases[1].scorers));
	po_case_result_release(&res);
	line = po_archive_entry_to_json(a, e, p);
	assert_int_equal(po_archive_load_json(b, line, p, &err), 0);
	assert_true(po_archive_case_result(po_archive_get(b, 0), p, 1, &res));
	assert_string_equal(json_string_value(json_object_get(json_array_get(res.scorers, 0),
							      "message")), "say x");
	po_case_result_release(&res);
	json_decref(line);
	po_archive_free(a);
	po_archive_free(b);
	po_evaluation_release(&ev);
	po_project_free(p);
	free(check);
}

static void test_hanging(void **state)
{
	struct po_evaluation ev;
	time_t t0 = time(NULL);
	struct po_project *p = evaluate("{\"type\": \"command\", \"timeout\": 0.3, \"workers\": 3, "
					"\"run\": [\"sh\", \"-c\", \"read -r l; sleep 30\"]}",
					false, NULL, &ev);

	(void)state;
	for (size_t i = 0; i < 3; i++)
		has_error(&ev.cases[i], "command sh: timed out after 0.3s without a reply line");
	assert_true(time(NULL) - t0 < 10);
	po_evaluation_release(&ev);
	po_project_free(p);
}

static void test_crashing(void **state)
{
	struct po_evaluation ev;
	struct po_project *p = evaluate("{\"type\": \"command\", \"run\": [\"sh\", \"-c\", "
					"\"read -r l; echo 'Traceback: boom' >&2; exit 3\"]}",
					false, NULL, &ev);

	(void)state;
	has_error(&ev.cases[0], "the metric exited with status 3 before replying; its stderr "
				"ends: \"Traceback: boom\"");
	po_evaluation_release(&ev);
	po_project_free(p);
}

static void test_garbage(void **state)
{
	struct po_evaluation ev;
	struct po_project *p = evaluate("{\"type\": \"command\", \"run\": [\"sh\", \"-c\", "
					"\"while read -r l; do echo hello; done\"]}", false, NULL, &ev);

	(void)state;
	for (size_t i = 0; i < 3; i++)
		has_error(&ev.cases[i], "bad reply \"hello\": not JSON; a metric prints one line");
	po_evaluation_release(&ev);
	po_project_free(p);
}

/* One worker that dies on case b: a and c are still scored (it restarts). */
static void test_restart(void **state)
{
	struct po_evaluation ev;
	struct po_project *p = evaluate("{\"type\": \"command\", \"workers\": 1, \"run\": [\"sh\", \"-c\", "
					"\"while read -r l; do case \\\"$l\\\" in *'Q: y'*) exit 1;; esac; "
					"echo '{\\\"score\\\": 0.5}'; done\"]}", false, NULL, &ev);

	(void)state;
	assert_true(ev.cases[0].ok && ev.cases[0].score == 50);
	has_error(&ev.cases[1], "exited with status 1");
	assert_true(ev.cases[2].ok && ev.cases[2].score == 50);
	po_evaluation_release(&ev);
	po_project_free(p);
}

/* A metric that cannot start, and one that always dies: after five deaths
 * in a row the remaining cases are not sent to it. */
static void test_gives_up(void **state)
{
	const char *seven = "[{\"id\": \"1\", \"inputs\": {\"q\": \"x\"}}, {\"id\": \"2\", \"inputs\": {\"q\": \"x\"}},"
			    " {\"id\": \"3\", \"inputs\": {\"q\": \"x\"}}, {\"id\": \"4\", \"inputs\": {\"q\": \"x\"}},"
			    " {\"id\": \"5\", \"inputs\": {\"q\": \"x\"}}, {\"id\": \"6\", \"inputs\": {\"q\": \"x\"}},"
			    " {\"id\": \"7\", \"inputs\": {\"q\": \"x\"}}]";
	struct po_evaluation ev;
	struct po_project *p = evaluate("{\"type\": \"command\", \"workers\": 1, "
					"\"run\": [\"no-such-metric-program\"]}", false, seven, &ev);

	(void)state;
	has_error(&ev.cases[0], "command no-such-metric-program: cannot start "
				"\"no-such-metric-program\" in .: No such file or directory");
	has_error(&ev.cases[4], "cannot start");
	has_error(&ev.cases[5], "not run: the metric failed 5 times in a row (last: cannot start");
	has_error(&ev.cases[6], "not run");
	po_evaluation_release(&ev);
	po_project_free(p);
}

static void test_config_errors(void **state)
{
	const char *bad[][2] = {
		{ "{\"type\": \"command\"}", "a \"command\" check needs \"run\"" },
		{ "{\"type\": \"command\", \"run\": []}", "a non-empty array of strings" },
		{ "{\"type\": \"command\", \"run\": [\"x\", 3]}", "expected a non-empty string" },
		{ "{\"type\": \"command\", \"run\": [\"x\"], \"timeout\": 0}", "timeout" },
		{ "{\"type\": \"command\", \"run\": [\"x\"], \"workers\": 0}", "workers" },
		{ "{\"type\": \"command\", \"run\": [\"x\"], \"wrokers\": 2}", "did you mean \"workers\"" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct po_project *p = NULL;
		struct po_err err = { 0 };
		struct po_buf config = PO_BUF_INIT;

		po_buf_addf(&config, "{\"judge\": false, \"scorers\": [%s]}", bad[i][0]);
		assert_int_not_equal(po_project_parse(&p, "t", ".", CASES, strlen(CASES),
						  "{\"main\": \"Q: {q}\"}", 18, config.data,
						  config.len, NULL, &err), 0);
		if (!strstr(err.msg, bad[i][1]))
			fail_msg("\"%s\" lacks \"%s\"", err.msg, bad[i][1]);
		po_buf_release(&config);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_metric_scores),
		cmocka_unit_test(test_metric_with_judge),
		cmocka_unit_test(test_archive_keeps_scorers),
		cmocka_unit_test(test_judge_samples),
		cmocka_unit_test(test_hanging),
		cmocka_unit_test(test_crashing),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_gives_up),
		cmocka_unit_test(test_config_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
