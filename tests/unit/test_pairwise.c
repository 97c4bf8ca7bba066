/*
 * Unit tests of the pairwise judge: its prompt, the parser of its replies
 * (bare, fenced, in prose, in other words, malformed), the order in which a
 * pair is shown, and the simulator's answers to pairwise requests.
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

#include "eval/pairwise.h"
#include "sim/sim.h"
#include "util/mem.h"

#define assert_near(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

static struct po_criterion crit[] = {
	{ "accuracy", "Accuracy", "Correct answers.", 0.6 },
	{ "clarity", "Clarity", "Plain language.", 0.4 },
};
static const struct po_rubric rubric = { crit, 2 };

static void test_prompt(void **state)
{
	struct po_buf b = PO_BUF_INIT;
	json_t *inputs = json_pack("{s:s, s:i}", "question", "Why?", "n", 3);
	json_t *schema = po_pairwise_schema();

	(void)state;
	po_pairwise_build_prompt(&b, &rubric, "A demo.", inputs, "first text", "second text");
	assert_non_null(strstr(b.data, "## Project\nA demo."));
	assert_non_null(strstr(b.data, "- n: 3\n- question: Why?\n"));
	assert_non_null(strstr(b.data, "- accuracy (Accuracy, weight 0.60): Correct answers."));
	assert_non_null(strstr(b.data, PO_PAIR_A_BEGIN "\nfirst text\n" PO_PAIR_A_END));
	assert_non_null(strstr(b.data, PO_PAIR_B_BEGIN "\nsecond text\n" PO_PAIR_B_END));
	assert_true(strstr(b.data, PO_PAIR_A_BEGIN) < strstr(b.data, PO_PAIR_B_BEGIN));
	assert_non_null(strstr(b.data, "\"winner\""));
	/* The schema asks for exactly the reply's fields. */
	assert_string_equal(json_string_value(json_array_get(json_object_get(schema, "required"), 0)),
			    "winner");
	assert_int_equal(json_array_size(json_object_get(json_object_get(json_object_get(schema,
		"properties"), "winner"), "enum")), 3);
	json_decref(schema);
	json_decref(inputs);
	po_buf_release(&b);
}

static double pref_of(const char *reply)
{
	struct po_err err = { 0 };
	double p = NAN;
	char *reason = NULL;

	if (po_pairwise_parse(reply, &p, &reason, &err) != 0) {
		fprintf(stderr, "unexpected error for %s: %s\n", reply, err.msg);
		fail();
	}
	free(reason);
	return p;
}

static void test_parse(void **state)
{
	struct po_err err = { 0 };
	char *reason = NULL;
	double p;

	(void)state;
	assert_int_equal(po_pairwise_parse("{\"winner\": \"A\", \"strength\": 5, \"reason\": \"r\"}",
					   &p, &reason, &err), 0);
	assert_near(p, 1.0, 1e-12);
	assert_string_equal(reason, "r");
	free(reason);
	assert_near(pref_of("{\"winner\": \"B\", \"strength\": 2}"), -0.4, 1e-12);
	assert_near(pref_of("{\"winner\": \"tie\", \"strength\": 4}"), 0, 1e-12);
	/* No strength: clearly better (3); out of range: clamped; a numeric string. */
	assert_near(pref_of("{\"winner\": \"a\"}"), 0.6, 1e-12);
	assert_near(pref_of("{\"winner\": \"B\", \"strength\": 9}"), -1.0, 1e-12);
	assert_near(pref_of("{\"winner\": \"A\", \"strength\": \" 2 \"}"), 0.4, 1e-12);
	assert_near(pref_of("{\"winner\": \"A\", \"strength\": null}"), 0.6, 1e-12);
	/* Other words for the same verdicts. */
	assert_near(pref_of("{\"winner\": \"Output B\", \"strength\": 1}"), -0.2, 1e-12);
	assert_near(pref_of("{\"winner\": \"response_a\", \"strength\": 1}"), 0.2, 1e-12);
	assert_near(pref_of("{\"winner\": \"Draw\"}"), 0, 1e-12);
	assert_near(pref_of("{\"winner\": \"neither\"}"), 0, 1e-12);
	/* Fenced, in prose, nested. */
	assert_near(pref_of("```json\n{\"winner\": \"B\", \"strength\": 3}\n```"), -0.6, 1e-12);
	assert_near(pref_of("I compared them {not json} and: {\"winner\": \"A\", \"strength\": 4}. Done."),
		    0.8, 1e-12);
	assert_near(pref_of("{\"result\": {\"winner\": \"A\", \"strength\": 1}}"), 0.2, 1e-12);
	/* A preference given directly. */
	assert_near(pref_of("{\"preference\": -0.3}"), -0.3, 1e-12);
	assert_near(pref_of("{\"preference\": 7}"), 1.0, 1e-12);
}

static void parse_fails(const char *reply, const char *needle)
{
	struct po_err err = { 0 };
	char *reason = (char *)"untouched";
	double p = 5;

	assert_int_equal(po_pairwise_parse(reply, &p, &reason, &err), PO_EEVAL);
	assert_int_equal(err.code, PO_EEVAL);
	if (!strstr(err.msg, needle)) {
		fprintf(stderr, "message '%s' lacks '%s'\n", err.msg, needle);
		fail();
	}
	assert_null(reason);
	assert_near(p, 0, 0);
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_fails("", "pairwise reply is empty");
	parse_fails(NULL, "pairwise reply is empty");
	parse_fails("A is better.", "holds no JSON object with \"winner\": \"A is better.\"");
	parse_fails("{\"overall_score\": 3}", "holds no JSON object");
	parse_fails("{\"winner\": \"C\"}", "\"winner\" is \"C\", not \"A\", \"B\" or \"tie\"");
	parse_fails("{\"winner\": \"A or B\"}", "\"winner\" is \"A or B\"");
	parse_fails("{\"winner\": 1}", "\"winner\" is an integer");
	parse_fails("{\"winner\": \"A\", \"strength\": \"high\"}", "\"strength\" is not a number");
	parse_fails("{\"winner\": \"A\", \"strength\": \"0x3\"}", "\"strength\" is not a number");
	parse_fails("{\"winner\": \"A\", \"strength\": true}", "\"strength\" is not a number");
}

/* The order: the same inputs, the same order; a fair coin over cases; and
 * it depends on the seed and on both prompt sets. */
static void test_order(void **state)
{
	int first = 0, differ_seed = 0, differ_hash = 0, differ_inc = 0;
	char id[32];

	(void)state;
	for (int i = 0; i < 2000; i++) {
		bool f;

		snprintf(id, sizeof(id), "tc-%d", i);
		f = po_pairwise_nominee_first(42, id, 0x1234, 0x5678);
		assert_true(f == po_pairwise_nominee_first(42, id, 0x1234, 0x5678));
		first += f;
		differ_seed += f != po_pairwise_nominee_first(43, id, 0x1234, 0x5678);
		differ_hash += f != po_pairwise_nominee_first(42, id, 0x1235, 0x5678);
		differ_inc += f != po_pairwise_nominee_first(42, id, 0x1234, 0x5679);
	}
	/* 2000 fair coins: 1000 +- 4.5 standard deviations. */
	assert_true(first > 900 && first < 1100);
	assert_true(differ_seed > 900 && differ_seed < 1100);
	assert_true(differ_hash > 900 && differ_hash < 1100);
	assert_true(differ_inc > 900 && differ_inc < 1100);
}

/* ---- the simulator ---------------------------------------------------- */

static struct po_sim *new_sim(double noise)
{
	struct po_sim_config cfg;
	struct po_err err = { 0 };
	struct po_sim *sim;

	po_sim_config_init(&cfg);
	cfg.noise = noise;
	sim = po_sim_new(&cfg, &err);
	assert_non_null(sim);
	return sim;
}

static json_t *inputs(void)
{
	return json_pack("{s:s, s:s, s:s}", "projectName", "TaskFlow",
			 "problemDescription", "Small teams lose track of tasks spread across email and chat",
			 "businessContext", "We sell collaboration software to small businesses");
}

/* A PR-FAQ-like text that shows several features, and an off-topic one. */
#define GOOD "# TaskFlow launches today\n\nSEATTLE, Nov. 3 -- TaskFlow, a task " \
	"tracker, announced ... 42% of small teams lose tasks ... \"We built this\", said the CEO.\n" \
	"## FAQ\n1. What does it cost? $5 per user.\n2. How do I get support? Email us.\n" \
	"3. Q?\n4. Q?\n5. Q?\n6. Q?\n7. Q?\n8. Q?\n"
#define POOR "The request did not say which product this is about, so here is a general note " \
	"about productivity software."

static double sim_pref(struct po_sim *sim, const char *a, const char *b, unsigned sample,
		       bool with_kind)
{
	json_t *in = inputs();
	json_t *meta = with_kind ? json_pack("{s:s, s:s, s:O}", "kind", "pairwise", "test_case_id",
					     "tc-1", "inputs", in) :
				   json_pack("{s:s, s:O}", "test_case_id", "tc-1", "inputs", in);
	struct po_buf prompt = PO_BUF_INIT;
	struct po_llm_request req = { .role = PO_ROLE_JUDGE, .metadata = meta, .sample = sample };
	struct po_llm_response resp = { 0 };
	struct po_err err = { 0 };
	double p = NAN;

	po_pairwise_build_prompt(&prompt, &rubric, NULL, in, a, b);
	req.prompt = prompt.data;
	po_sim_answer(sim, &req, &resp);
	assert_non_null(resp.content);
	assert_int_equal(po_pairwise_parse(resp.content, &p, NULL, &err), 0);
	po_llm_response_release(&resp);
	po_buf_release(&prompt);
	json_decref(meta);
	json_decref(in);
	return p;
}

static void test_sim_prefers_better(void **state)
{
	struct po_sim *quiet = new_sim(0), *noisy = new_sim(4);
	int right = 0;

	(void)state;
	/* Without noise: the better output wins, whichever side it is on, and
	 * the same output on both sides is a tie. */
	assert_true(sim_pref(quiet, GOOD, POOR, 0, true) > 0);
	assert_true(sim_pref(quiet, POOR, GOOD, 0, true) < 0);
	assert_near(sim_pref(quiet, GOOD, GOOD, 0, true), 0, 0);
	/* The request is recognised by its markers when metadata lacks "kind". */
	assert_true(sim_pref(quiet, GOOD, POOR, 0, false) > 0);
	assert_int_equal(po_sim_detect_role(NULL, "Compare " PO_PAIR_A_BEGIN "x" PO_PAIR_A_END
					    PO_PAIR_B_BEGIN "y" PO_PAIR_B_END), PO_ROLE_JUDGE);
	/* With noise: same sample, same answer; a large gap still decides. */
	assert_near(sim_pref(noisy, GOOD, POOR, 3, true), sim_pref(noisy, GOOD, POOR, 3, true), 0);
	for (unsigned s = 0; s < 50; s++)
		right += sim_pref(noisy, POOR, GOOD, s, true) < 0;
	assert_int_equal(right, 50);
	po_sim_free(quiet);
	po_sim_free(noisy);
}

/* With noise, identical outputs split both ways: the noise and the small
 * bias for the output shown first, which the drawn order cancels. */
static void test_sim_noise_and_bias(void **state)
{
	struct po_sim *noisy = new_sim(4);
	int a = 0, b = 0;

	(void)state;
	for (unsigned s = 0; s < 400; s++) {
		double p = sim_pref(noisy, GOOD, GOOD, s, true);
		a += p > 0;
		b += p < 0;
	}
	assert_true(a > 100 && b > 100);
	assert_true(a > b);
	po_sim_free(noisy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prompt),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_sim_prefers_better),
		cmocka_unit_test(test_sim_noise_and_bias),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
