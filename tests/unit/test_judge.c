/*
 * Unit tests of the judge: what the judge prompt asks for, and how replies
 * (bare, fenced, wrapped in prose, malformed) become scores or errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/judge.h"
#include "core/project.h"
#include "util/mem.h"

#define assert_near(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

static struct po_criterion prfaq_criteria[] = {
	{ "press_release_quality", "Press release quality", "Headline, dateline, quotes.", 0.30 },
	{ "faq_completeness", "FAQ completeness", "At least seven questions.", 0.25 },
	{ "clarity", "Clarity", "Plain language.", 0.25 },
	{ "structure_adherence", "Structure adherence", "Markdown sections.", 0.20 },
};
static const struct po_rubric prfaq = { prfaq_criteria, 4 };

#define FULL_REPLY \
	"{\"overall_score\": 3.5, \"criteria_scores\": {\"press_release_quality\": 4, " \
	"\"faq_completeness\": 3, \"clarity\": 5, \"structure_adherence\": 2}, " \
	"\"content_quality\": \"good\", \"feedback\": \"Needs a customer quote.\", " \
	"\"strengths\": [\"clear\"], \"improvements\": [\"customer quote with metrics\", " \
	"\"pricing\"], \"evolutionary_strategy\": \"ask for quotes\"}"

static void test_build_prompt(void **state)
{
	struct po_buf b = PO_BUF_INIT;
	json_t *inputs = json_pack("{s:s, s:s, s:i}", "projectName", "Atlas",
				   "customer", "hospitals", "budget", 5);
	const char *begin, *end;

	(void)state;
	po_judge_build_prompt(&b, &prfaq, "Writes PR-FAQ documents.", inputs, "# Atlas\nbody");
	assert_non_null(strstr(b.data, "expert reviewer"));
	assert_non_null(strstr(b.data, "Writes PR-FAQ documents."));
	/* inputs sorted by name, non-strings as JSON */
	begin = strstr(b.data, "- budget: 5\n- customer: hospitals\n- projectName: Atlas\n");
	assert_non_null(begin);
	assert_non_null(strstr(b.data,
		"- press_release_quality (Press release quality, weight 0.30): Headline, dateline, quotes.\n"));
	assert_non_null(strstr(b.data, "- structure_adherence (Structure adherence, weight 0.20)"));
	begin = strstr(b.data, PO_JUDGE_OUTPUT_BEGIN "\n# Atlas\nbody\n" PO_JUDGE_OUTPUT_END);
	assert_non_null(begin);
	end = strstr(b.data, "\"criteria_scores\"");
	assert_non_null(end);
	assert_true(end > begin);
	assert_non_null(strstr(end, "\"faq_completeness\": <number from 0 to 5>"));
	assert_non_null(strstr(b.data, "\"overall_score\": <number from 0 to 5>"));
	assert_non_null(strstr(b.data, "\"improvements\""));
	assert_non_null(strstr(b.data, "\"evolutionary_strategy\""));
	assert_non_null(strstr(b.data, "Reply with the JSON object only"));
	assert_non_null(po_judge_system_prompt());
	assert_non_null(strstr(po_judge_system_prompt(), "JSON"));

	/* Same inputs, same prompt (the cache depends on it). */
	{
		struct po_buf b2 = PO_BUF_INIT;

		po_judge_build_prompt(&b2, &prfaq, "Writes PR-FAQ documents.", inputs,
				      "# Atlas\nbody");
		assert_string_equal(b.data, b2.data);
		po_buf_release(&b2);
	}
	/* For a prompt cache: the shared part (instructions, rubric, reply
	 * shape) first, then the case: its inputs and the output. */
	{
		struct po_buf c = PO_BUF_INIT;
		size_t shared = po_judge_build_prompt_shared_first(&c, &prfaq,
								   "Writes PR-FAQ documents.",
								   inputs, "# Atlas\nbody");

		end = strstr(c.data, "\"criteria_scores\"");
		begin = strstr(c.data, PO_JUDGE_OUTPUT_BEGIN "\n# Atlas\nbody\n" PO_JUDGE_OUTPUT_END);
		assert_non_null(end);
		assert_non_null(begin);
		assert_true(end < begin);
		assert_true(shared > 0 && shared < c.len);
		assert_true((size_t)(end - c.data) < shared);
		assert_true(!strncmp(c.data + shared, "## Test case inputs\n", 20));
		assert_null(memmem(c.data, shared, "Atlas", 5));
		assert_non_null(strstr(c.data + shared, "- budget: 5\n"));
		po_buf_release(&c);
	}
	po_buf_reset(&b);
	po_judge_build_prompt(&b, NULL, NULL, NULL, NULL);
	assert_non_null(strstr(b.data, "(none)"));
	assert_non_null(strstr(b.data, PO_JUDGE_OUTPUT_BEGIN "\n" PO_JUDGE_OUTPUT_END));
	po_buf_release(&b);
	json_decref(inputs);
}

static void test_parse_bare_weighted(void **state)
{
	struct po_judgement j;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_judge_parse(FULL_REPLY, &prfaq, &j, &err), 0);
	/* 0.3*4 + 0.25*3 + 0.25*5 + 0.2*2 = 3.6 -> 72 */
	assert_near(j.score, 72, 1e-9);
	assert_near(j.overall, 3.5, 1e-12);
	assert_near(json_real_value(json_object_get(j.criteria, "clarity")), 5, 0);
	assert_string_equal(j.feedback, "Needs a customer quote.");
	assert_int_equal(json_array_size(j.improvements), 2);
	assert_string_equal(json_string_value(json_array_get(j.improvements, 0)),
			    "customer quote with metrics");
	assert_true(json_is_object(j.reply));
	po_judgement_release(&j);
	assert_null(j.reply);
}

static void test_parse_fenced_and_prose(void **state)
{
	struct po_judgement j;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_judge_parse("Here is my evaluation:\n```json\n" FULL_REPLY
					"\n```\nHope this helps.", &prfaq, &j, &err), 0);
	assert_near(j.score, 72, 1e-9);
	po_judgement_release(&j);

	/* Prose braces and an unclosed brace before the answer are skipped. */
	assert_int_equal(po_judge_parse("I checked {projectName} and { this.\n" FULL_REPLY
					" Done {ok}.", &prfaq, &j, &err), 0);
	assert_near(j.score, 72, 1e-9);
	po_judgement_release(&j);

	/* An answer wrapped in another object is found inside it. */
	assert_int_equal(po_judge_parse("{\"result\": " FULL_REPLY "}", &prfaq, &j, &err), 0);
	assert_near(j.score, 72, 1e-9);
	po_judgement_release(&j);
}

static void test_parse_braces_in_strings(void **state)
{
	struct po_judgement j;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_judge_parse(
		"{\"feedback\": \"keep {projectName} and } and \\\"}\\\" intact\", "
		"\"overall_score\": 2}", &prfaq, &j, &err), 0);
	assert_near(j.score, 40, 1e-9);
	assert_string_equal(j.feedback, "keep {projectName} and } and \"}\" intact");
	po_judgement_release(&j);
}

static void test_parse_numeric_strings_and_clamp(void **state)
{
	struct po_judgement j;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_judge_parse("{\"overall_score\": \"4.5\"}", &prfaq, &j, &err), 0);
	assert_near(j.score, 90, 1e-9);
	po_judgement_release(&j);
	assert_int_equal(po_judge_parse("{\"overall_score\": 9}", &prfaq, &j, &err), 0);
	assert_near(j.score, 100, 1e-9);
	assert_near(j.overall, 5, 0);
	po_judgement_release(&j);
	assert_int_equal(po_judge_parse("{\"overall_score\": -2}", &prfaq, &j, &err), 0);
	assert_near(j.score, 0, 0);
	po_judgement_release(&j);
	assert_int_equal(po_judge_parse(
		"{\"criteria_scores\": {\"clarity\": \" 4 \", \"faq_completeness\": 7}}",
		&prfaq, &j, &err), 0);
	/* equal weights 0.25/0.25 renormalised: (4 + 5) / 2 */
	assert_near(j.score, 90, 1e-9);
	assert_near(j.overall, 4.5, 1e-12);
	po_judgement_release(&j);
}

static void test_parse_partial_criteria(void **state)
{
	struct po_judgement j;
	struct po_err err = { 0 };

	(void)state;
	/* weights 0.30 and 0.20 renormalised to 0.6 / 0.4: 0.6*5 + 0.4*0 = 3 */
	assert_int_equal(po_judge_parse(
		"{\"overall_score\": 1, \"criteria_scores\": {\"press_release_quality\": 5, "
		"\"structure_adherence\": 0, \"tone\": 1}}", &prfaq, &j, &err), 0);
	assert_near(j.score, 60, 1e-9);
	assert_near(j.overall, 1, 0);
	/* extra criteria are recorded but do not score */
	assert_non_null(json_object_get(j.criteria, "tone"));
	po_judgement_release(&j);

	/* The display name, in any case, matches the criterion. */
	assert_int_equal(po_judge_parse(
		"{\"criteria_scores\": {\"CLARITY\": 2, \"Press Release Quality\": 2}}",
		&prfaq, &j, &err), 0);
	assert_near(j.score, 40, 1e-9);
	assert_non_null(json_object_get(j.criteria, "press_release_quality"));
	po_judgement_release(&j);

	/* No rubric criterion given: the overall score is used. */
	assert_int_equal(po_judge_parse(
		"{\"overall_score\": 3, \"criteria_scores\": {\"tone\": 5}}", &prfaq, &j, &err), 0);
	assert_near(j.score, 60, 1e-9);
	po_judgement_release(&j);
}

static void test_parse_no_rubric(void **state)
{
	struct po_judgement j;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_judge_parse("{\"overall_score\": 3, \"criteria_scores\": {\"a\": 5}}",
					NULL, &j, &err), 0);
	assert_near(j.score, 60, 1e-9);
	po_judgement_release(&j);
	assert_int_equal(po_judge_parse("{\"criteria_scores\": {\"a\": 5, \"b\": 4}}",
					NULL, &j, &err), 0);
	assert_near(j.score, 90, 1e-9);
	po_judgement_release(&j);
}

static void test_parse_errors(void **state)
{
	struct po_judgement j;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_judge_parse("", &prfaq, &j, &err), PO_EEVAL);
	assert_non_null(strstr(err.msg, "empty"));
	assert_int_equal(po_judge_parse(NULL, &prfaq, &j, &err), PO_EEVAL);

	assert_int_equal(po_judge_parse("The output is great, 5/5!", &prfaq, &j, &err), PO_EEVAL);
	assert_int_equal(err.code, PO_EEVAL);
	assert_string_equal(err.msg,
		"judge reply holds no JSON object with \"overall_score\" or \"criteria_scores\": "
		"\"The output is great, 5/5!\"; the judge model must reply with the JSON shape of "
		"the judge prompt");
	assert_null(j.reply);

	assert_int_equal(po_judge_parse("{\"overall_score\": \"high\", \"criteria_scores\": "
					"{\"tone\": 3}}", &prfaq, &j, &err), PO_EEVAL);
	assert_string_equal(err.msg,
		"judge reply has no usable score: \"overall_score\" is not a number ('high') and "
		"\"criteria_scores\" has no numeric score for the rubric criteria "
		"(press_release_quality, faq_completeness, clarity, structure_adherence); "
		"check the judge model's replies");
	assert_null(j.criteria);

	assert_int_equal(po_judge_parse("{\"criteria_scores\": [4]}", &prfaq, &j, &err), PO_EEVAL);
	assert_non_null(strstr(err.msg, "\"overall_score\" is missing"));
	assert_non_null(strstr(err.msg, "is an array, not an object"));

	/* Not scores: booleans, nan, hex, fractions. */
	assert_int_equal(po_judge_parse("{\"overall_score\": true}", &prfaq, &j, &err), PO_EEVAL);
	assert_int_equal(po_judge_parse("{\"overall_score\": \"nan\"}", &prfaq, &j, &err), PO_EEVAL);
	assert_int_equal(po_judge_parse("{\"overall_score\": \"0x4\"}", &prfaq, &j, &err), PO_EEVAL);
	assert_int_equal(po_judge_parse("{\"overall_score\": \"4/5\"}", &prfaq, &j, &err), PO_EEVAL);
	assert_int_equal(po_judge_parse("{\"overall_score\": 1e999}", &prfaq, &j, &err), PO_EEVAL);
}

static void test_parse_improvements_shapes(void **state)
{
	struct po_judgement j;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_judge_parse("{\"overall_score\": 2, \"improvements\": \"add pricing\"}",
					&prfaq, &j, &err), 0);
	assert_int_equal(json_array_size(j.improvements), 1);
	assert_null(j.feedback);
	po_judgement_release(&j);
	assert_int_equal(po_judge_parse("{\"overall_score\": 2, \"improvements\": [1, \"a\", \"\", "
					"null, \"b\"]}", &prfaq, &j, &err), 0);
	assert_int_equal(json_array_size(j.improvements), 2);
	po_judgement_release(&j);
	assert_int_equal(po_judge_parse("{\"overall_score\": 2}", &prfaq, &j, &err), 0);
	assert_non_null(j.improvements);
	assert_int_equal(json_array_size(j.improvements), 0);
	po_judgement_release(&j);
}

static void test_parse_size_cap(void **state)
{
	size_t pad = 1100 * 1024;
	char *big = po_xmalloc(pad + sizeof(FULL_REPLY));
	struct po_judgement j;
	struct po_err err = { 0 };

	(void)state;
	memset(big, '{', pad);
	memcpy(big + pad, FULL_REPLY, sizeof(FULL_REPLY));
	/* The answer lies past the 1 MiB that is considered. */
	assert_int_equal(po_judge_parse(big, &prfaq, &j, &err), PO_EEVAL);
	/* Many stray braces before the answer within the cap are still fine. */
	memmove(big + 1000, big + pad, sizeof(FULL_REPLY));
	memset(big, 'x', 900);
	assert_int_equal(po_judge_parse(big, &prfaq, &j, &err), 0);
	assert_near(j.score, 72, 1e-9);
	po_judgement_release(&j);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_prompt),
		cmocka_unit_test(test_parse_bare_weighted),
		cmocka_unit_test(test_parse_fenced_and_prose),
		cmocka_unit_test(test_parse_braces_in_strings),
		cmocka_unit_test(test_parse_numeric_strings_and_clamp),
		cmocka_unit_test(test_parse_partial_criteria),
		cmocka_unit_test(test_parse_no_rubric),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_improvements_shapes),
		cmocka_unit_test(test_parse_size_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
