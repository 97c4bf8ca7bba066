/*
 * Unit tests of the test case formats (core/cases_*.c): the same cases
 * written in JSON, JSON Lines, CSV and YAML load to the same project, and
 * each format's mistakes are reported at file:line:col of what the user
 * wrote, including the validator's messages about a case.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cases_format.h"
#include "core/project.h"
#include "util/mem.h"

static const char JSON[] =
	"{\"test_cases\": [\n"
	" {\"id\": \"case-001\", \"inputs\": {\"ticket\": \"I was charged twice.\\nPlease refund.\", \"lang\": \"en\"},"
	" \"expected\": \"billing\", \"industry\": \"retail\"},\n"
	" {\"id\": \"case-002\", \"inputs\": {\"ticket\": \"App crashes, \\\"settings\\\" page\", \"lang\": \"d\\u00e9\"},"
	" \"expected\": \"technical\"}\n"
	"]}\n";

static const char JSONL[] =
	"{\"id\": \"case-001\", \"inputs\": {\"ticket\": \"I was charged twice.\\nPlease refund.\", \"lang\": \"en\"},"
	" \"expected\": \"billing\", \"industry\": \"retail\"}\n"
	"\n"
	"{\"id\": \"case-002\", \"inputs\": {\"ticket\": \"App crashes, \\\"settings\\\" page\", \"lang\": \"d\xc3\xa9\"},"
	" \"expected\": \"technical\"}\n";

static const char CSV[] =
	"\xef\xbb\xbfticket,lang,expected,__metadata\r\n"
	"\"I was charged twice.\nPlease refund.\",en,billing,\"{\"\"industry\"\": \"\"retail\"\"}\"\r\n"
	"\"App crashes, \"\"settings\"\" page\",d\xc3\xa9,technical,\r\n";

static const char YAML[] =
	"# routing tickets\n"
	"test_cases:\n"
	"  - id: case-001\n"
	"    inputs:\n"
	"      ticket: |-\n"
	"        I was charged twice.\n"
	"        Please refund.\n"
	"      lang: en\n"
	"    expected: billing\n"
	"    industry: retail\n"
	"  - id: case-002\n"
	"    inputs: {ticket: 'App crashes, \"settings\" page', lang: d\xc3\xa9}\n"
	"    expected: technical\n";

/* Loads text as the test cases file `path`; returns the project or NULL with err. */
static struct po_project *load(const char *path, const char *text, struct po_err *err)
{
	const char *prompts = "{\"main\": \"Route ({lang}): {ticket}\"}";
	struct po_srcmap map = { 0 };
	struct po_project *p = NULL;
	char *json = NULL;

	if (po_cases_convert(path, text, strlen(text), &json, &map, err) == 0) {
		struct po_src ts = { path, json, strlen(json), map.n ? &map : NULL };

		struct po_src ps = { "prompts_t.json", prompts, strlen(prompts), NULL };

		po_project_parse_src(&p, "t", ".", &ts, &ps, NULL, NULL, err);
	}
	free(json);
	po_srcmap_release(&map);
	return p;
}

static void test_same_project(void **state)
{
	const char *paths[] = { "t.jsonl", "t.csv", "t.yaml" };
	const char *texts[] = { JSONL, CSV, YAML };
	struct po_err err = { 0 };
	struct po_project *ref = load("t.json", JSON, &err);

	(void)state;
	if (!ref)
		fail_msg("%s", err.msg);
	assert_int_equal(ref->ncases, 2);
	for (size_t f = 0; f < 3; f++) {
		struct po_project *p = load(paths[f], texts[f], &err);

		if (!p)
			fail_msg("%s: %s", paths[f], err.msg);
		assert_string_equal(p->test_cases_path, paths[f]);
		assert_int_equal(p->ncases, ref->ncases);
		for (size_t i = 0; i < p->ncases; i++) {
			const struct po_test_case *a = &ref->cases[i], *b = &p->cases[i];

			assert_string_equal(a->id, b->id);
			if (!json_equal(a->inputs, b->inputs) || !json_equal(a->expected, b->expected) ||
			    !json_equal(a->raw, b->raw)) {
				char *x = json_dumps(a->raw, JSON_SORT_KEYS), *y = json_dumps(b->raw, JSON_SORT_KEYS);

				fail_msg("%s case %zu:\n%s\n%s", paths[f], i, x, y);
			}
		}
		po_project_free(p);
	}
	po_project_free(ref);
}

static void fails(const char *path, const char *text, const char *msg)
{
	struct po_err err = { 0 };
	struct po_project *p = load(path, text, &err);

	if (p)
		fail_msg("%s loaded", path);
	if (strncmp(err.msg, msg, strlen(msg)))
		fail_msg("\"%s\" does not start with \"%s\"", err.msg, msg);
}

static void test_errors(void **state)
{
	(void)state;
	fails("t.csv", "ticket,lang\n\"abc,en\n", "t.csv:2:1: a quoted field is not closed");
	fails("t.csv", "ticket,lang\nx,en\nabc\n", "t.csv:3:1: the row has 1 field, the header 2");
	fails("t.csv", "ticket,lang\n\"a\nb\",en\nab\"c,en\n", "t.csv:4:3: a quote inside an unquoted field");
	fails("t.csv", "ticket,lang\n\"a\"x,en\n", "t.csv:2:4: expected a comma");
	fails("t.csv", "ticket,ticket\n", "t.csv:1:8: column \"ticket\" appears twice");
	fails("t.csv", "ticket,\n", "t.csv:1:8: column 2 has no name");
	fails("t.csv", "", "t.csv:1:1: the file is empty");
	fails("t.csv", "ticket,lang,__metadata\na,b,[1]\n", "t.csv:2:5: expected a JSON object in \"__metadata\"");
	fails("t.csv", "ticket,lang\na,\xff\n", "t.csv:2:3: the cell is not UTF-8 text");
	/* the validator's messages point into the file as written */
	fails("t.csv", "ticket,lang,__id\na,b,x\nc,d,x\n", "t.csv:3:5: duplicate");
	fails("t.jsonl", "{\"id\": \"a\", \"inputs\": {\"ticket\": \"x\", \"lang\": \"y\"}}\n{\"id\": \"b\", \"inputs\": 5}\n",
	      "t.jsonl:2:23: ");
	fails("t.jsonl", "{\"id\": \"a\",\n", "t.jsonl:1:");
	fails("t.jsonl", "[1]\n", "t.jsonl:1:1: expected a test case object");
	fails("t.yaml", "test_cases:\n  - id: a\n    inputs: 5\n", "t.yaml:3:13: ");
	fails("t.yaml", "test_cases: [a\n", "t.yaml:2:1: invalid YAML");
	fails("t.yaml", "test_cases:\n  - id: a\n    id: b\n", "t.yaml:3:5: this key appears twice");
	fails("t.yaml", "a: &x [*x, *x]\n", "t.yaml:");
	fails("t.yaml", "", "t.yaml:1:1: the file is empty");
}

/* A template's placeholder that no column has: named, with the nearest. */
static void test_placeholder_column(void **state)
{
	struct po_err err = { 0 };
	struct po_project *p = load("t.csv", "tiket,lang\nhello,en\n", &err);

	(void)state;
	assert_null(p);
	assert_non_null(strstr(err.msg, "has no input 'ticket'"));
	assert_non_null(strstr(err.msg, "prompts_t.json:1:10: template 'main'"));
	assert_non_null(strstr(err.msg, "(did you mean {tiket}, its input 'tiket'?); the inputs "
					"are the columns of t.csv (its header row)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_project),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_placeholder_column),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
