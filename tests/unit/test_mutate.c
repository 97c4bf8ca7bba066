/*
 * Unit tests of the mutation prompt (what the mutating model is told) and of
 * the extraction of the new template from its reply.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "opt/mutate.h"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void test_build_prompt(void **state)
{
	struct po_buf b = PO_BUF_INIT;
	json_t *fb = json_pack("[s, s, s, i, s, s]", "Add a customer quote with metrics",
			       "  add a CUSTOMER quote with metrics ", "State the\n  pricing",
			       3, "", "Add a customer quote with metrics");
	json_t *ph = json_pack("[s, s]", "projectName", "customer");
	const char *p, *q;

	(void)state;
	po_mutate_build_prompt(&b, "main", "Write a PR-FAQ for {projectName}.", 61.3, fb, ph);
	assert_non_null(strstr(b.data, "expert prompt engineer"));
	assert_non_null(strstr(b.data, "\"main\""));
	assert_non_null(strstr(b.data, "currently score 61.3/100"));
	assert_non_null(strstr(b.data, PO_MUTATE_PROMPT_BEGIN "\nWrite a PR-FAQ for {projectName}.\n"
				       PO_MUTATE_PROMPT_END));
	/* Feedback: one per line, duplicates (ignoring case and spacing) once. */
	p = strstr(b.data, PO_MUTATE_FEEDBACK_BEGIN "\n");
	assert_non_null(p);
	q = strstr(p, PO_MUTATE_FEEDBACK_END);
	assert_non_null(q);
	assert_memory_equal(p, PO_MUTATE_FEEDBACK_BEGIN "\nAdd a customer quote with metrics\n"
			    "State the pricing\n" PO_MUTATE_FEEDBACK_END,
			    (size_t)(q - p) + strlen(PO_MUTATE_FEEDBACK_END));
	assert_non_null(strstr(b.data, "\nPlaceholders: {projectName} {customer}\n"));
	assert_non_null(strstr(b.data, "must stay in the new template"));
	assert_non_null(strstr(b.data, "one focused change"));
	assert_non_null(strstr(b.data, "full new template between <prompt> and </prompt>"));
	assert_int_equal(count(b.data, PO_MUTATE_PROMPT_BEGIN), 1);

	po_buf_reset(&b);
	po_mutate_build_prompt(&b, "main", "Hi", 0, NULL, NULL);
	assert_non_null(strstr(b.data, PO_MUTATE_FEEDBACK_BEGIN "\n" PO_MUTATE_FEEDBACK_END));
	assert_non_null(strstr(b.data, "\nPlaceholders: (none)\n"));
	assert_non_null(strstr(po_mutate_system_prompt(), "<prompt>"));
	po_buf_release(&b);
	json_decref(fb);
	json_decref(ph);
}

static void expect_template(const char *reply, const char *want)
{
	struct po_err err = { 0 };
	char *got = po_mutate_parse_reply(reply, &err);

	if (!got)
		fail_msg("no template from \"%s\": %s", reply, err.msg);
	assert_string_equal(got, want);
	free(got);
}

static void expect_error(const char *reply, const char *msg_part)
{
	struct po_err err = { 0 };
	char *got = po_mutate_parse_reply(reply, &err);

	assert_null(got);
	assert_int_equal(err.code, PO_EEVAL);
	assert_non_null(strstr(err.msg, msg_part));
}

static void test_parse_tags(void **state)
{
	(void)state;
	expect_template("<prompt>\nWrite {x}.\n</prompt>", "Write {x}.");
	/* The first pair wins, prose around is ignored. */
	expect_template("Sure! Here it is:\n<prompt>  A {x}\nB  </prompt>\nand "
			"<prompt>second</prompt>", "A {x}\nB");
	/* A fence inside the tags is removed, its inner ``` kept. */
	expect_template("<prompt>\n```text\nUse ```json``` blocks for {x}\n```\n</prompt>",
			"Use ```json``` blocks for {x}");
}

static void test_parse_fence_and_whole(void **state)
{
	(void)state;
	expect_template("Improved:\n```\nLine one {x}\nLine two\n```\nDone.",
			"Line one {x}\nLine two");
	expect_template("```markdown\nNo closing fence {x}\n", "No closing fence {x}");
	expect_template("```Inline {x}```", "Inline {x}");
	expect_template("  Just the template {x}\n\n", "Just the template {x}");
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_error("", "holds no template");
	expect_error(NULL, "holds no template");
	expect_error(" \n\t ", "holds no template");
	expect_error("<prompt>  \n </prompt>", "empty template between <prompt> and </prompt>");
	expect_error("<prompt>Write a long template that got cut", "no </prompt>");
	expect_error("```\n```", "holds no template");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_prompt),
		cmocka_unit_test(test_parse_tags),
		cmocka_unit_test(test_parse_fence_and_whole),
		cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
