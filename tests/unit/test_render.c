/*
 * Unit tests for eval/render: placeholders, literal braces, JSON examples,
 * and the message a user sees when a template needs an input it lacks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "eval/render.h"

static json_t *inputs(void)
{
	return json_pack("{s:s, s:i, s:b, s:f, s:s, s:s}", "projectName", "Atlas", "n", 12, "ok", 1,
			 "x", 0.5, "a.b-c", "dotted", "empty", "");
}

/* Renders t and returns the status; the output is left in out. */
static int render(struct po_buf *out, const char *t, struct po_err *err)
{
	json_t *in = inputs();
	int ret;

	po_buf_reset(out);
	ret = po_render(out, t, in, "tpl", "tc-01", err);
	json_decref(in);
	return ret;
}

static void expect(const char *t, const char *want)
{
	struct po_buf out = PO_BUF_INIT;
	struct po_err err = { 0 };

	assert_int_equal(render(&out, t, &err), 0);
	assert_string_equal(out.data, want);
	po_buf_release(&out);
}

static void test_placeholders(void **state)
{
	expect("Project: {projectName}.", "Project: Atlas.");
	expect("{projectName}{projectName}", "AtlasAtlas");
	expect("{n} items, ok={ok}, x={x}", "12 items, ok=true, x=0.5");
	expect("{a.b-c}", "dotted");
	expect("[{empty}]", "[]");
	expect("", "");
	expect("no braces at all", "no braces at all");
}

static void test_literal_braces(void **state)
{
	expect("{{projectName}}", "{projectName}");
	expect("{{{projectName}}}", "{Atlas}");
	expect("a {{ b }} c", "a { b } c");
	expect("{{\"a\": {{\"b\": 1}}}}", "{\"a\": {\"b\": 1}}");
}

static void test_json_examples_survive(void **state)
{
	expect("Reply as {\"score\": 4, \"why\": \"...\"}", "Reply as {\"score\": 4, \"why\": \"...\"}");
	expect("{\"a\": {\"b\": {\"c\": 1}}}", "{\"a\": {\"b\": {\"c\": 1}}}");
	expect("{ projectName }", "{ projectName }");
	expect("{1abc} {-x} {} { } {", "{1abc} {-x} {} { } {");
	expect("}{ }} {projectName", "}{ }} {projectName");
	expect("set {x:1} then {projectName}", "set {x:1} then Atlas");
}

static void test_unknown_placeholder(void **state)
{
	struct po_buf out = PO_BUF_INIT;
	struct po_err err = { 0 };
	json_t *in = json_pack("{s:s}", "projectName", "Atlas");

	po_buf_adds(&out, "kept ");
	assert_int_equal(po_render(&out, "{projectName} costs {budget}", in, "generate_prfaq",
				   "tc-03", &err),
			 PO_ETEMPLATE);
	assert_int_equal(err.code, PO_ETEMPLATE);
	assert_string_equal(err.msg,
			    "template 'generate_prfaq' uses placeholder {budget}, but test case 'tc-03' has no input 'budget'; add \"budget\" to its inputs or remove {budget} from the template");
	/* what was already in the buffer is kept; the partial render is not */
	assert_string_equal(out.data, "kept ");
	/* an escaped name is not a placeholder */
	po_buf_reset(&out);
	assert_int_equal(po_render(&out, "{{budget}}", in, "t", "c", &err), 0);
	assert_string_equal(out.data, "{budget}");
	json_decref(in);
	po_buf_release(&out);
}

static void test_collect_placeholders(void **state)
{
	json_t *names = json_pack("[s]", "n");

	po_template_placeholders("{projectName} {n} {{skip}} {\"json\": 1} {problem} {projectName}",
				 names);
	assert_int_equal(json_array_size(names), 3);
	assert_string_equal(json_string_value(json_array_get(names, 0)), "n");
	assert_string_equal(json_string_value(json_array_get(names, 1)), "projectName");
	assert_string_equal(json_string_value(json_array_get(names, 2)), "problem");
	po_template_placeholders("", names);
	po_template_placeholders(NULL, names);
	assert_int_equal(json_array_size(names), 3);
	json_decref(names);
}

static void test_long_template(void **state)
{
	struct po_buf t = PO_BUF_INIT, out = PO_BUF_INIT;
	struct po_err err = { 0 };
	json_t *in = inputs();
	int i;

	for (i = 0; i < 100000; i++)
		po_buf_adds(&t, "{projectName}{ ");
	assert_int_equal(po_render(&out, t.data, in, "t", "c", &err), 0);
	assert_int_equal(out.len, 100000 * strlen("Atlas{ "));
	json_decref(in);
	po_buf_release(&t);
	po_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_literal_braces),
		cmocka_unit_test(test_json_examples_survive),
		cmocka_unit_test(test_unknown_placeholder),
		cmocka_unit_test(test_collect_placeholders),
		cmocka_unit_test(test_long_template),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
