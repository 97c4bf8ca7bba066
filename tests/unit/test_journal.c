/*
 * The call journal: one parseable JSON line per call with every field, lines
 * appended across engines (runs), cache hits marked and free, errors kept,
 * text that is not UTF-8 still gives a valid line, and an unwritable path
 * is a clear error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "llm/journal.h"
#include "llm/llm.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/mem.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/po-test-journal-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* Parses every line of the file; returns the array (new reference). */
static json_t *read_lines(const char *path)
{
	struct po_buf b = PO_BUF_INIT;
	struct po_err err = { 0 };
	json_t *a = json_array();
	char *line, *save = NULL;

	assert_int_equal(po_fs_read_file(path, &b, &err), 0);
	assert_true(b.len > 0 && b.data[b.len - 1] == '\n');
	for (line = strtok_r(b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t je;
		json_t *o = json_loads(line, 0, &je);
		if (!o)
			fail_msg("bad line '%s': %s", line, je.text);
		json_array_append_new(a, o);
	}
	po_buf_release(&b);
	return a;
}

static void test_lines(void **state)
{
	char path[128];
	struct po_journal *j;
	struct po_err err = { 0 };
	struct po_journal_entry en = {
		.ts = 1700000000, .run_id = "r1", .role = "judge", .provider = "anthropic",
		.model = "claude-x", .key = "abc", .sample = 3, .latency_ms = 12.5,
		.input_tokens = 10, .output_tokens = 20, .cache_read_tokens = 1,
		.cache_write_tokens = 2, .cost_usd = 0.25, .cached = false, .attempts = 2,
		.error = NULL,
	};

	(void)state;
	snprintf(path, sizeof(path), "%s/a.jsonl", dir);
	assert_int_equal(po_journal_open(&j, path, &err), 0);
	po_journal_add(j, &en);
	en.error = "HTTP 529 \"overloaded\"\nretry later";
	en.cached = true;
	po_journal_add(j, &en);
	en.error = "bad \xff\xfe bytes";
	po_journal_add(j, &en);
	/* Nothing on disk until the flush. */
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(po_journal_flush(j, &err), 0);
	po_journal_close(j);

	json_t *a = read_lines(path);
	assert_int_equal(json_array_size(a), 3);
	json_t *o = json_array_get(a, 0);
	assert_string_equal(json_string_value(json_object_get(o, "role")), "judge");
	assert_string_equal(json_string_value(json_object_get(o, "provider")), "anthropic");
	assert_string_equal(json_string_value(json_object_get(o, "model")), "claude-x");
	assert_string_equal(json_string_value(json_object_get(o, "key")), "abc");
	assert_string_equal(json_string_value(json_object_get(o, "run_id")), "r1");
	assert_int_equal(json_integer_value(json_object_get(o, "sample")), 3);
	assert_int_equal(json_integer_value(json_object_get(o, "input_tokens")), 10);
	assert_int_equal(json_integer_value(json_object_get(o, "output_tokens")), 20);
	assert_int_equal(json_integer_value(json_object_get(o, "cache_read_tokens")), 1);
	assert_int_equal(json_integer_value(json_object_get(o, "cache_write_tokens")), 2);
	assert_int_equal(json_integer_value(json_object_get(o, "attempts")), 2);
	assert_true(json_real_value(json_object_get(o, "latency_ms")) == 12.5);
	assert_true(json_real_value(json_object_get(o, "cost_usd")) == 0.25);
	assert_true(json_is_false(json_object_get(o, "cached")));
	assert_true(json_is_null(json_object_get(o, "error")));
	o = json_array_get(a, 1);
	assert_true(json_is_true(json_object_get(o, "cached")));
	assert_string_equal(json_string_value(json_object_get(o, "error")),
			    "HTTP 529 \"overloaded\"\nretry later");
	o = json_array_get(a, 2);
	assert_true(json_is_string(json_object_get(o, "error")));
	json_decref(a);
}

static void test_unwritable(void **state)
{
	struct po_journal *j = (struct po_journal *)1;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_journal_open(&j, "/nonexistent-dir/x/llm_calls.jsonl", &err), PO_EIO);
	assert_null(j);
	assert_string_equal(err.msg, "cannot open the call journal '/nonexistent-dir/x/llm_calls.jsonl': No such file or directory");
}

/* ---- the engine writes the journal ---- */

static int echo_complete(struct po_provider *p, const struct po_llm_request *reqs,
			 struct po_llm_response *out, size_t n, struct po_err *err)
{
	(void)p;
	(void)err;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(reqs[i].prompt, "bad")) {
			out[i].error = po_xstrdup("HTTP 400: bad request");
			out[i].attempts = 1;
			continue;
		}
		out[i].content = po_xstrdup(reqs[i].prompt);
		out[i].model = po_xstrdup("claude-haiku-4-5-20251001");
		out[i].input_tokens = 1000000;
		out[i].output_tokens = 1000000;
		out[i].attempts = 3;
		out[i].latency_ms = 5;
	}
	return 0;
}

static void echo_free(struct po_provider *p)
{
	free(p);
}

static const struct po_provider_ops echo_ops = {
	.name = "anthropic", .complete = echo_complete, .free = echo_free };

static void run_engine(const char *journal, const char *cache)
{
	struct po_provider *p = po_xcalloc(1, sizeof(*p));
	struct po_engine_config cfg;
	struct po_engine *e;
	struct po_err err = { 0 };
	struct po_llm_request reqs[3] = {
		{ .role = PO_ROLE_GENERATE, .prompt = "one", .max_tokens = 10 },
		{ .role = PO_ROLE_JUDGE, .prompt = "bad", .max_tokens = 10, .sample = 4 },
		{ .role = PO_ROLE_MUTATE, .prompt = "two", .model = "claude-haiku-4-5", .max_tokens = 10 },
	};
	struct po_llm_response out[3];

	p->ops = &echo_ops;
	po_engine_config_init(&cfg);
	for (int r = 0; r < PO_ROLE_COUNT; r++)
		cfg.roles[r] = p;
	cfg.journal_path = journal;
	cfg.cache_path = cache;
	cfg.run_id = "run-7";
	assert_int_equal(po_engine_new(&e, &cfg, &err), 0);
	assert_int_equal(po_engine_complete(e, reqs, out, 3, &err), 0);
	for (int i = 0; i < 3; i++)
		po_llm_response_release(&out[i]);
	po_engine_free(e);
}

static void test_engine_journal(void **state)
{
	char jpath[128], cpath[128];
	json_t *a, *o;

	(void)state;
	snprintf(jpath, sizeof(jpath), "%s/llm_calls.jsonl", dir);
	snprintf(cpath, sizeof(cpath), "%s/cache.sqlite", dir);
	run_engine(jpath, cpath);
	run_engine(jpath, cpath); /* a second run appends; its hits are free */
	a = read_lines(jpath);
	assert_int_equal(json_array_size(a), 6);
	o = json_array_get(a, 0);
	assert_string_equal(json_string_value(json_object_get(o, "role")), "generate");
	assert_string_equal(json_string_value(json_object_get(o, "model")), "claude-haiku-4-5-20251001");
	assert_int_equal(strlen(json_string_value(json_object_get(o, "key"))), 64);
	assert_int_equal(json_integer_value(json_object_get(o, "attempts")), 3);
	/* 1M tokens in at $1 + 1M out at $5 */
	assert_true(json_real_value(json_object_get(o, "cost_usd")) == 6.0);
	o = json_array_get(a, 1);
	assert_string_equal(json_string_value(json_object_get(o, "error")), "HTTP 400: bad request");
	assert_int_equal(json_integer_value(json_object_get(o, "sample")), 4);
	assert_true(json_real_value(json_object_get(o, "cost_usd")) == 0);
	for (int i = 3; i < 6; i++) {
		o = json_array_get(a, i);
		assert_string_equal(json_string_value(json_object_get(o, "run_id")), "run-7");
		if (i == 4) { /* the error was not cached: called again */
			assert_true(json_is_false(json_object_get(o, "cached")));
			continue;
		}
		assert_true(json_is_true(json_object_get(o, "cached")));
		assert_int_equal(json_integer_value(json_object_get(o, "attempts")), 0);
		assert_true(json_real_value(json_object_get(o, "cost_usd")) == 0);
		assert_string_equal(json_string_value(json_object_get(o, "key")),
				    json_string_value(json_object_get(json_array_get(a, i - 3), "key")));
	}
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_unwritable),
		cmocka_unit_test(test_engine_journal),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
