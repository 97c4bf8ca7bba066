/*
 * Unit tests for util/jsonpos: the line:col that validation messages point at.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/jsonpos.h"

static int find(const char *text, const char *path, struct po_jsonpos *pos)
{
	return po_jsonpos_find(text, strlen(text), path, pos);
}

static const char doc[] =
	"{\n"
	"  \"project\": \"x\",\n"
	"  \"test_cases\": [\n"
	"    {\"id\": \"a\", \"inputs\": {}},\n"
	"    {\n"
	"      \"id\": \"b\",\n"
	"      \"inputs\": \"oops\"\n"
	"    }\n"
	"  ]\n"
	"}\n";

static void test_nested_path(void **state)
{
	struct po_jsonpos pos;

	assert_int_equal(find(doc, "test_cases/1/inputs", &pos), 0);
	assert_int_equal(pos.line, 7);
	assert_int_equal(pos.col, 17);
	assert_int_equal(pos.key_line, 7);
	assert_int_equal(pos.key_col, 7);

	assert_int_equal(find(doc, "/test_cases/0/inputs", &pos), 0);
	assert_int_equal(pos.line, 4);
	assert_int_equal(pos.col, 27);

	assert_int_equal(find(doc, "test_cases/1", &pos), 0);
	assert_int_equal(pos.line, 5);
	assert_int_equal(pos.col, 5);
	/* array elements have no key: the key position is the value's */
	assert_int_equal(pos.key_line, 5);
	assert_int_equal(pos.key_col, 5);
}

static void test_root(void **state)
{
	struct po_jsonpos pos;

	assert_int_equal(find("  \n  [1]", "", &pos), 0);
	assert_int_equal(pos.line, 2);
	assert_int_equal(pos.col, 3);
	assert_int_equal(find("{}", NULL, &pos), 0);
	assert_int_equal(pos.line, 1);
	assert_int_equal(pos.col, 1);
}

static void test_missing_points_at_parent(void **state)
{
	struct po_jsonpos pos;

	/* test case 1 has no "expected": point at the test case itself */
	assert_int_equal(find(doc, "test_cases/1/expected", &pos), -1);
	assert_int_equal(pos.line, 5);
	assert_int_equal(pos.col, 5);
	assert_int_equal(find(doc, "test_cases/7", &pos), -1);
	assert_int_equal(pos.line, 3);
	assert_int_equal(pos.col, 17);
	/* an index into an object is a key, and there is no key "0" */
	assert_int_equal(find(doc, "0", &pos), -1);
	assert_int_equal(pos.line, 1);
	assert_int_equal(pos.col, 1);
	/* a key into an array does not exist */
	assert_int_equal(find(doc, "test_cases/x", &pos), -1);
	/* nothing below a scalar */
	assert_int_equal(find(doc, "project/0", &pos), -1);
	assert_int_equal(pos.line, 2);
	assert_int_equal(pos.col, 14);
}

static void test_escaped_keys(void **state)
{
	const char *t = "{\"a/b\": 1, \"t~x\": 2, \"\\u00e9\\n\": 3, \"\\\"q\": 4, \"\": 5}";
	struct po_jsonpos pos;

	assert_int_equal(find(t, "a~1b", &pos), 0);
	assert_int_equal(pos.col, 9);
	assert_int_equal(find(t, "t~0x", &pos), 0);
	assert_int_equal(pos.col, 19);
	assert_int_equal(find(t, "\xc3\xa9\n", &pos), 0);
	assert_int_equal(pos.col, 34);
	assert_int_equal(find(t, "\"q", &pos), 0);
	assert_int_equal(pos.col, 44);
	assert_int_equal(find(t, "/", &pos), 0);
	assert_int_equal(pos.col, 51);
}

static void test_columns_count_characters(void **state)
{
	/* "é" is two bytes but one column, as in jansson's messages */
	const char *t = "{\"k\": \"\xc3\xa9\xc3\xa9\", \"v\": [true, null, {\"z\": [1, 2]}, 3.5e1]}";
	struct po_jsonpos pos;

	assert_int_equal(find(t, "v", &pos), 0);
	assert_int_equal(pos.col, 18);
	assert_int_equal(find(t, "v/3", &pos), 0);
	assert_int_equal(pos.col, 46);
	assert_int_equal(find(t, "v/2/z/1", &pos), 0);
	assert_int_equal(pos.col, 41);
}

static void test_surrogate_pair_key(void **state)
{
	const char *t = "{\"\\ud83d\\ude00\": 1}";
	struct po_jsonpos pos;

	assert_int_equal(find(t, "\xf0\x9f\x98\x80", &pos), 0);
	assert_int_equal(pos.col, 18);
}

static void test_hostile_input(void **state)
{
	static const char *bad[] = {
		"", " ", "{", "[", "\"", "{\"a\"", "{\"a\":", "{\"a\" 1}", "[1 2]", "{\"a\":1 \"b\":2}",
		"[\"\\", "{\"\\u12\": 1}", "{\"a\": [}", ":", "}}}}", "[[[[[[[[[[", "{\"x\":\"\\ud800\"}",
	};
	struct po_jsonpos pos;
	char deep[20001];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		find(bad[i], "a/0/b", &pos);
		assert_true(pos.line >= 1 && pos.col >= 1);
	}
	/* deep nesting off the path is skipped without recursion */
	deep[0] = '{';
	memcpy(deep + 1, "\"s\":", 4);
	memset(deep + 5, '[', 9995);
	memset(deep + 10000, ']', 9995);
	memcpy(deep + 19995, ",\"t\":", 5);
	deep[20000] = '\0';
	assert_int_equal(find(deep, "t", &pos), -1);
	/* text need not be NUL-terminated: the length bounds the scan */
	assert_int_equal(po_jsonpos_find("[1, 2]", 4, "1", &pos), -1);
	assert_int_equal(po_jsonpos_find(NULL, 0, "a", &pos), -1);
	assert_int_equal(pos.line, 1);
}

static void test_path_building(void **state)
{
	struct po_buf p = PO_BUF_INIT;
	struct po_jsonpos pos;
	const char *t = "{\"a/b~\": [0, {\"in puts\": 1}]}";

	po_jsonpos_path_key(&p, "a/b~");
	po_jsonpos_path_index(&p, 1);
	po_jsonpos_path_key(&p, "in puts");
	assert_string_equal(p.data, "/a~1b~0/1/in puts");
	assert_int_equal(find(t, p.data, &pos), 0);
	assert_int_equal(pos.col, 26);
	assert_int_equal(pos.key_col, 15);
	po_buf_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_path),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_missing_points_at_parent),
		cmocka_unit_test(test_escaped_keys),
		cmocka_unit_test(test_columns_count_characters),
		cmocka_unit_test(test_surrogate_pair_key),
		cmocka_unit_test(test_hostile_input),
		cmocka_unit_test(test_path_building),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
