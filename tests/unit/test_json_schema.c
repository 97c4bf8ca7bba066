/*
 * Unit tests of the JSON Schema validator (eval/json_schema.c): a few
 * messages by hand, then the official JSON Schema Test Suite (Debian's
 * json-schema-test-suite, draft 7) over every keyword the validator
 * implements. A test group whose schema uses a keyword it does not
 * implement is skipped and counted; the pass count may not drop below
 * MIN_PASS.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/json_schema.h"

#define SUITE_DIR "/usr/share/json-schema-test-suite/tests/draft7"
/* The pass count reached; a change that loses a passing test fails here. */
#define MIN_PASS 213

static void expect(const char *schema, const char *inst, int want, const char *msg)
{
	json_t *s = json_loads(schema, JSON_DECODE_ANY, NULL);
	json_t *i = json_loads(inst, JSON_DECODE_ANY, NULL);
	char *got = NULL;

	assert_non_null(s);
	assert_non_null(i);
	assert_int_equal(po_json_schema_validate(s, i, &got), want);
	if (msg)
		assert_string_equal(got, msg);
	else
		assert_null(got);
	free(got);
	json_decref(s);
	json_decref(i);
}

static void test_messages(void **state)
{
	(void)state;
	expect("{\"type\": \"object\", \"properties\": {\"fields\": {\"type\": \"object\", "
	       "\"properties\": {\"name\": {\"type\": \"string\"}}}}}",
	       "{\"fields\": {\"name\": 3}}", 0, "$.fields.name: expected string, found an integer");
	expect("{\"required\": [\"id\"]}", "{\"x\": 1}", 0, "$: the object lacks \"id\"");
	expect("{\"items\": {\"maximum\": 3}}", "[1, 2, 5]", 0, "$[2]: 5 is not at most 3");
	expect("{\"pattern\": \"^T-[0-9]+$\"}", "\"T-12\"", 1, NULL);
	expect("{\"pattern\": \"(\"}", "\"x\"", -1,
	       "bad \"pattern\": missing closing parenthesis at offset 1");
	expect("{\"enum\": [1, \"a\"]}", "1.0", 1, NULL);
	expect("{\"additionalProperties\": false, \"properties\": {\"a\": {}}}", "{\"a\": 1, \"b\": 2}",
	       0, "$.b: no value is allowed here");
	expect("{\"maxLength\": 2}", "\"\xc3\xa9\xc3\xa9\"", 1, NULL);
}

static void test_unsupported(void **state)
{
	json_t *s = json_loads("{\"properties\": {\"a\": {\"$ref\": \"#\"}}}", 0, NULL);

	(void)state;
	assert_string_equal(po_json_schema_unsupported(s), "$ref");
	json_decref(s);
	s = json_loads("{\"type\": \"string\", \"title\": \"t\", \"minLength\": 1}", 0, NULL);
	assert_null(po_json_schema_unsupported(s));
	json_decref(s);
}

/* Runs one file of the suite; adds to the counts. */
static void run_file(const char *name, int *pass, int *fail, int *skip)
{
	char path[512];
	json_error_t e;
	json_t *groups, *g;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s.json", SUITE_DIR, name);
	groups = json_load_file(path, JSON_ALLOW_NUL, &e);
	if (!groups)
		fail_msg("%s: %s", path, e.text);
	json_array_foreach(groups, i, g) {
		const json_t *schema = json_object_get(g, "schema");
		json_t *tests = json_object_get(g, "tests"), *t;
		size_t k;

		if (po_json_schema_unsupported(schema)) {
			*skip += (int)json_array_size(tests);
			continue;
		}
		json_array_foreach(tests, k, t) {
			int r = po_json_schema_validate(schema, json_object_get(t, "data"), NULL);
			bool want = json_is_true(json_object_get(t, "valid"));

			if ((r == 1) == want) {
				(*pass)++;
				continue;
			}
			(*fail)++;
			print_message("FAIL %s: %s / %s\n", name,
				      json_string_value(json_object_get(g, "description")),
				      json_string_value(json_object_get(t, "description")));
		}
	}
	json_decref(groups);
}

static void test_suite(void **state)
{
	static const char *const files[] = {
		"type", "properties", "required", "additionalProperties", "enum", "const",
		"items", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
		"minLength", "maxLength", "minItems", "maxItems", "pattern", "patternProperties",
		"boolean_schema",
	};
	FILE *f = fopen(SUITE_DIR "/type.json", "r");
	int pass = 0, fail = 0, skip = 0;

	(void)state;
	if (!f) {
		print_message("JSON Schema Test Suite not installed (%s); apt-get install json-schema-test-suite\n",
			      SUITE_DIR);
		skip();
	}
	fclose(f);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		run_file(files[i], &pass, &fail, &skip);
	print_message("JSON Schema Test Suite (draft 7, %zu keyword files): %d passed, %d failed, %d skipped (unsupported keywords)\n",
		      sizeof(files) / sizeof(files[0]), pass, fail, skip);
	assert_true(pass >= MIN_PASS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_suite),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
