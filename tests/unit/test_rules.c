/*
 * Unit tests of the rule scorers (eval/rules_*.c) and their configuration
 * (core/checks.c): each family on outputs that pass and fail, the checks'
 * validation messages (file:line:col, did-you-mean, PCRE2's message), and
 * the mixing of checks with the judge in an evaluation (eval/mix.c).
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

#include "core/checks.h"
#include "core/project.h"
#include "eval/scorer.h"
#include "llm/llm.h"
#include "util/buf.h"
#include "util/mem.h"

/* What one check said of one output. */
struct verdict {
	bool ok, passed;
	double score;
	char msg[512];
};

/* Runs the check written as JSON on output, for a case whose expected is
 * `expected` (JSON text, NULL: none). */
static struct verdict run(const char *check, const char *output, const char *expected)
{
	struct po_src s = { "t.json", check, strlen(check), NULL };
	json_t *arr = json_pack("[o]", json_loads(check, 0, NULL));
	struct po_checks cs = { 0 };
	struct po_err err = { 0 };
	struct po_test_case tc = { .id = "c1" };
	struct po_case_result r = { .tc = &tc, .output = po_xstrdup(output),
				    .gen_cost_usd = 0.002, .gen_latency_ms = 1500 };
	struct po_case_result *items[] = { &r };
	struct po_scorer_ctx ctx = { 0 };
	struct verdict v = { 0 };

	if (po_checks_parse(&s, "", arr, &cs, &err) < 0)
		fail_msg("%s", err.msg);
	tc.expected = expected ? json_loads(expected, JSON_DECODE_ANY, NULL) : NULL;
	ctx.check = &cs.v[0];
	assert_non_null(po_scorer_find(cs.v[0].type));
	assert_int_equal(po_scorer_find(cs.v[0].type)->score(&ctx, items, 1, &err), 0);
	v.ok = r.ok;
	v.passed = r.passed;
	v.score = r.score;
	snprintf(v.msg, sizeof(v.msg), "%s", r.ok ? (r.feedback ? r.feedback : "") : r.error);
	po_case_result_release(&r);
	json_decref(tc.expected);
	json_decref(arr);
	po_checks_release(&cs);
	return v;
}

static void pass(const char *check, const char *output, const char *expected)
{
	struct verdict v = run(check, output, expected);

	if (!v.ok || !v.passed)
		fail_msg("%s on \"%s\": want a pass, got %s", check, output, v.msg);
}

static void fails(const char *check, const char *output, const char *expected, const char *msg)
{
	struct verdict v = run(check, output, expected);

	if (!v.ok || v.passed)
		fail_msg("%s on \"%s\": want a fail, got ok=%d %s", check, output, v.ok, v.msg);
	assert_true(v.score < 100);
	if (msg)
		assert_string_equal(v.msg, msg);
}

static void test_text(void **state)
{
	(void)state;
	pass("{\"type\": \"equals\", \"value\": \"yes\"}", "yes", NULL);
	fails("{\"type\": \"equals\", \"value\": \"yes\"}", "yes ", NULL,
	      "equals \"yes\": the output is not exactly the value");
	pass("{\"type\": \"equals\"}", "billing", "\"billing\"");
	pass("{\"type\": \"equals\", \"value\": {\"a\": 1}}", "{\"a\": 1.0}", NULL);
	pass("{\"type\": \"contains\", \"value\": \"ticket\"}", "Your ticket is T-1", NULL);
	fails("{\"type\": \"contains\", \"value\": \"ticket\"}", "Your Ticket", NULL,
	      "contains \"ticket\": not found in the output");
	pass("{\"type\": \"icontains\", \"value\": \"ticket\"}", "Your TICKET", NULL);
	pass("{\"type\": \"contains-any\", \"value\": [\"a1\", \"b2\"]}", "x b2", NULL);
	fails("{\"type\": \"contains-any\", \"value\": [\"a1\", \"b2\"]}", "x", NULL, NULL);
	pass("{\"type\": \"contains-all\", \"value\": [\"a1\", \"b2\"]}", "a1 b2", NULL);
	fails("{\"type\": \"contains-all\", \"value\": [\"a1\", \"b2\"]}", "a1", NULL,
	      "contains-all (2 strings): \"b2\" is not in the output");
	pass("{\"type\": \"not-contains\", \"value\": \"password\"}", "hello", NULL);
	fails("{\"type\": \"not-contains\", \"value\": \"password\"}", "your password?", NULL, NULL);
	pass("{\"type\": \"starts-with\", \"value\": \"Dear\"}", "Dear Ada", NULL);
	fails("{\"type\": \"starts-with\", \"value\": \"Dear\"}", " Dear Ada", NULL, NULL);
	pass("{\"type\": \"regex\", \"value\": \"T-[0-9]{3}\\\\b\"}", "ticket T-123 open", NULL);
	fails("{\"type\": \"regex\", \"value\": \"^T-[0-9]+$\"}", "ticket T-123", NULL,
	      "regex \"^T-[0-9]+$\": no match in the output");
	pass("{\"type\": \"length\", \"unit\": \"words\", \"max\": 3}", "one two  three\n", NULL);
	fails("{\"type\": \"length\", \"unit\": \"words\", \"max\": 2}", "one two three", NULL,
	      "length in words, at most 2: the output has 3 words");
	pass("{\"type\": \"length\", \"min\": 2, \"max\": 2}", "\xc3\xa9\xc3\xa9", NULL);
	fails("{\"type\": \"length\", \"unit\": \"lines\", \"min\": 3}", "a\nb\n", NULL, NULL);
	pass("{\"type\": \"expected\"}", "  Billing\n Team ", "\"billing team\"");
	pass("{\"type\": \"not-regex\", \"value\": \"(?i)password\"}", "hello", NULL);
	fails("{\"type\": \"not-icontains\", \"value\": \"pass\"}", "PASSWORD?", NULL,
	      "not-icontains \"pass\": the output passes the check it must fail");
	fails("{\"type\": \"expected\"}", "billing", "\"billing team\"", NULL);
}

static void test_json(void **state)
{
	const char *schema = "{\"type\": \"json-schema\", \"value\": {\"type\": \"object\", "
			     "\"required\": [\"label\"], \"properties\": {\"label\": "
			     "{\"enum\": [\"bug\", \"feature\"]}}}}";

	(void)state;
	pass("{\"type\": \"is-json\"}", " {\"a\": [1, 2]} ", NULL);
	fails("{\"type\": \"is-json\"}", "{\"a\": ", NULL, NULL);
	pass("{\"type\": \"is-json\", \"value\": {\"type\": \"array\"}}", "[1]", NULL);
	pass(schema, "{\"label\": \"bug\"}", NULL);
	fails(schema, "{\"label\": \"question\"}", NULL,
	      "json-schema: $.label: the value is none of the 2 allowed (enum)");
	fails(schema, "{}", NULL, "json-schema: $: the object lacks \"label\"");
	pass("{\"type\": \"json-path-equals\", \"path\": \"$.fields.name\", \"value\": \"Ada\"}",
	     "{\"fields\": {\"name\": \"Ada\"}}", NULL);
	pass("{\"type\": \"json-path-equals\", \"path\": \"$.items[1]['k']\"}",
	     "{\"items\": [0, {\"k\": 2.0}]}", "2");
	fails("{\"type\": \"json-path-equals\", \"path\": \"$.items[5]\", \"value\": 1}",
	      "{\"items\": [1]}", NULL, "json-path-equals $.items[5]: the output has nothing at $.items[5]");
}

static void test_similarity(void **state)
{
	struct verdict v;

	(void)state;
	v = run("{\"type\": \"levenshtein\"}", "kitten", "\"sitting\"");
	assert_true(v.ok);
	assert_true(fabs(v.score - 100.0 * (1 - 3.0 / 7)) < 1e-3);
	assert_false(v.passed);
	pass("{\"type\": \"levenshtein\", \"threshold\": 0.5}", "kitten", "\"sitting\"");
	pass("{\"type\": \"levenshtein\", \"value\": \"abc\"}", "abc", NULL);
	v = run("{\"type\": \"f1\"}", "The cat sat", "\"the cat ran away\"");
	assert_true(fabs(v.score - 100.0 * 2 * 2 / 7) < 1e-3); /* 2 common, 3 + 4 tokens */
	assert_true(v.passed);                                  /* 0.57 >= 0.5 */
	assert_false(run("{\"type\": \"f1\", \"threshold\": 0.6}", "The cat sat",
			 "\"the cat ran away\"").passed);
	pass("{\"type\": \"f1\"}", "the CAT, ran away!", "\"the cat ran away\"");
	v = run("{\"type\": \"levenshtein\"}", "x", NULL);
	assert_false(v.ok); /* nothing to compare with: a failed evaluation */
}

static void test_call(void **state)
{
	(void)state;
	pass("{\"type\": \"cost\", \"threshold\": 0.01}", "x", NULL);
	fails("{\"type\": \"cost\", \"threshold\": 0.001}", "x", NULL,
	      "cost (threshold 0.001): the call cost $0.002000");
	pass("{\"type\": \"latency\", \"threshold\": 2000}", "x", NULL);
	fails("{\"type\": \"latency\", \"threshold\": 1000}", "x", NULL, NULL);
}

/* Every check type has its scorer, and every scorer but the judge is a check type. */
static void test_tables_agree(void **state)
{
	const char *const *t = po_check_types();
	size_t n = 0;

	(void)state;
	for (; *t; t++, n++)
		assert_non_null(po_scorer_find(*t));
	assert_non_null(strstr(po_scorer_names(), "judge"));
	for (const char *p = po_scorer_names(); *p; p++)
		n -= *p == ',';
	assert_int_equal(n, 0); /* n types and the judge: n commas */
}

static void expect_error(const char *config, const char *tc, const char *msg)
{
	const char *prompts = "{\"main\": \"Q: {q}\"}";
	struct po_project *p = NULL;
	struct po_err err = { 0 };

	assert_int_equal(po_project_parse(&p, "t", "d", tc, strlen(tc), prompts, strlen(prompts),
					  config, strlen(config), NULL, &err), PO_EINPUT);
	assert_null(p);
	assert_string_equal(err.msg, msg);
}

static void test_config_errors(void **state)
{
	const char *tc = "[{\"id\": \"a\", \"inputs\": {\"q\": \"x\"}}]";

	(void)state;
	expect_error("{\"scorers\": [{\"type\": \"contians\", \"value\": \"x\"}]}", tc,
		     "d/config_t.json:1:15: unknown check type \"contians\"; did you mean \"contains\"? (known: equals, contains, icontains, contains-any, contains-all, not-contains, starts-with, regex, is-json, json-schema, json-path-equals, length, levenshtein, f1, expected, cost, latency, command)");
	expect_error("{\"scorers\": [\n  {\"type\": \"regex\", \"value\": \"T-(\"}]}", tc,
		     "d/config_t.json:2:30: bad regex \"T-(\": missing closing parenthesis at offset 3 (PCRE2 syntax)");
	expect_error("{\"scorers\": [{\"type\": \"contains\"}]}", tc,
		     "d/config_t.json:1:14: a \"contains\" check needs a \"value\"");
	expect_error("{\"scorers\": [{\"type\": \"contains\", \"value\": \"x\", \"wieght\": 2}]}", tc,
		     "d/config_t.json:1:49: unknown check field \"wieght\"; did you mean \"weight\"? (known: type, weight, required, value)");
	expect_error("{\"scorers\": [{\"type\": \"length\", \"unit\": \"pages\", \"max\": 3}]}", tc,
		     "d/config_t.json:1:41: unknown unit \"pages\"; use \"chars\", \"words\" or \"lines\"");
	expect_error("{\"scorers\": [{\"type\": \"length\"}]}", tc,
		     "d/config_t.json:1:14: a \"length\" check needs \"min\", \"max\" or both");
	expect_error("{\"scorers\": [{\"type\": \"f1\", \"threshold\": 2}]}", tc,
		     "d/config_t.json:1:42: \"threshold\" is 2; use a similarity from 0 to 1");
	expect_error("{\"scorers\": [{\"type\": \"json-path-equals\", \"path\": \"fields.x\", \"value\": 1}]}",
		     tc, "d/config_t.json:1:51: bad path \"fields.x\": expected '$' (the document) first at offset 0");
	expect_error("{\"scorers\": [{\"type\": \"expected\"}]}", tc,
		     "d/config_t.json:1:14: the \"expected\" check compares with each test case's \"expected\", which test case \"a\" lacks; give the check a \"value\" or the test case an \"expected\"");
	expect_error("{\"judge\": false}", tc,
		     "d/config_t.json:1:11: the judge is off and test case \"a\" has no checks: nothing would score it; add \"scorers\" to the config or \"assert\" to the test case");
	expect_error("{\"scorers\": {\"type\": \"is-json\"}}", tc,
		     "d/config_t.json:1:13: expected an array of checks, found an object; write [{\"type\": \"contains\", \"value\": \"...\"}]");
	expect_error("{}", "[{\"id\": \"a\", \"inputs\": {\"q\": \"x\"}, \"assert\": [{\"type\": \"regex\", \"value\": \"[\"}]}]",
		     "d/test_cases_t.json:1:74: bad regex \"[\": missing terminating ] for character class at offset 1 (PCRE2 syntax)");
}

static const char GOOD[] = "{\"overall_score\": 4, \"criteria_scores\": {\"accuracy\": 4, "
			   "\"completeness\": 3, \"clarity\": 5, \"format\": 2}, \"feedback\": \"ok\", "
			   "\"improvements\": [\"be shorter\"]}";
static int judge_calls;

/* Generate answers with the prompt itself; the judge with GOOD. */
static int echo_complete(struct po_provider *p, const struct po_llm_request *reqs,
			 struct po_llm_response *out, size_t n, struct po_err *err)
{
	(void)p;
	(void)err;
	for (size_t i = 0; i < n; i++) {
		judge_calls += reqs[i].role == PO_ROLE_JUDGE;
		out[i].content = po_xstrdup(reqs[i].role == PO_ROLE_JUDGE ? GOOD : reqs[i].prompt);
	}
	return 0;
}

static void echo_free(struct po_provider *p)
{
	free(p);
}

static const struct po_provider_ops echo_ops = {
	.name = "echo", .complete = echo_complete, .free = echo_free };

/* Evaluates the project's prompt with the echo provider into *ev. */
static struct po_project *evaluate(const char *config, const char *tc, struct po_evaluation *ev)
{
	const char *prompts = "{\"main\": \"Q: {q}\"}";
	struct po_project *p = NULL;
	struct po_provider *prov = po_xcalloc(1, sizeof(*prov));
	struct po_engine_config cfg;
	struct po_engine *engine;
	struct po_eval_settings st;
	struct po_err err = { 0 };
	const json_t *cand;

	if (po_project_parse(&p, "t", "d", tc, strlen(tc), prompts, strlen(prompts), config,
			     strlen(config), NULL, &err) < 0)
		fail_msg("%s", err.msg);
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

static void test_mix_without_judge(void **state)
{
	const char *config = "{\"judge\": false, \"scorers\": [{\"type\": \"contains\", \"value\": \"Q:\"}, "
			     "{\"type\": \"contains\", \"value\": \"zzz\", \"weight\": 3}]}";
	const char *tc = "[{\"id\": \"a\", \"inputs\": {\"q\": \"x\"}, \"assert\": [{\"type\": "
			 "\"contains\", \"value\": \"x\", \"required\": true}]},"
			 " {\"id\": \"b\", \"inputs\": {\"q\": \"y\"}, \"assert\": [{\"type\": "
			 "\"contains\", \"value\": \"x\", \"required\": true}]}]";
	struct po_evaluation ev;
	struct po_project *p = evaluate(config, tc, &ev);
	json_t *js, *sc;

	(void)state;
	assert_int_equal(judge_calls, 0);
	assert_true(ev.cases[0].ok && ev.cases[1].ok);
	assert_true(fabs(ev.cases[0].score - 40) < 1e-9); /* (100 + 0 * 3 + 100) / 5 */
	assert_true(ev.cases[1].score == 0);               /* a required check failed */
	assert_string_equal(json_string_value(json_array_get(ev.cases[1].improvements, 1)),
			    "Required check failed: contains \"x\": not found in the output");
	assert_null(ev.cases[0].criteria);
	js = po_evaluation_to_json(&ev);
	sc = json_object_get(json_array_get(json_object_get(js, "cases"), 1), "scorers");
	assert_int_equal(json_array_size(sc), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(sc, 0), "name")),
			    "contains");
	assert_true(json_is_true(json_object_get(json_array_get(sc, 0), "passed")));
	assert_true(json_is_false(json_object_get(json_array_get(sc, 2), "passed")));
	assert_true(json_is_true(json_object_get(json_array_get(sc, 2), "required")));
	assert_int_equal(json_integer_value(json_object_get(js, "evaluated")), 2);
	json_decref(js);
	po_evaluation_release(&ev);
	po_project_free(p);
}

static void test_mix_with_judge(void **state)
{
	const char *tc = "[{\"id\": \"a\", \"inputs\": {\"q\": \"x\"}}]";
	struct po_evaluation alone, mixed;
	struct po_project *p = evaluate("{}", tc, &alone), *q;
	json_t *js;

	(void)state;
	assert_int_equal(judge_calls, 1);
	js = po_evaluation_to_json(&alone);
	assert_null(json_object_get(json_array_get(json_object_get(js, "cases"), 0), "scorers"));
	json_decref(js);
	q = evaluate("{\"judge_weight\": 2, \"scorers\": [{\"type\": \"starts-with\", \"value\": \"Q\"}]}",
		     tc, &mixed);
	assert_int_equal(judge_calls, 1);
	assert_true(fabs(mixed.cases[0].score - (2 * alone.cases[0].score + 100) / 3) < 1e-6);
	assert_string_equal(json_string_value(json_object_get(json_array_get(mixed.cases[0].scorers, 0),
							      "name")), "judge");
	assert_non_null(mixed.cases[0].criteria); /* the judge's criteria are kept */
	po_evaluation_release(&alone);
	po_evaluation_release(&mixed);
	po_project_free(p);
	po_project_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_similarity),
		cmocka_unit_test(test_call),
		cmocka_unit_test(test_tables_agree),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_mix_without_judge),
		cmocka_unit_test(test_mix_with_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
