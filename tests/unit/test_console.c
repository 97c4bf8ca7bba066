/*
 * Tests of the console text's helpers: wrapping at 100 columns between
 * words (characters, not bytes), and progress.json written at most every
 * PO_PROGRESS_MIN_MS unless forced, read back whole.
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
#include <unistd.h>

#include "report/console.h"
#include "run/progress_file.h"
#include "util/fs.h"
#include "util/json.h"

static void test_wrap(void **state)
{
	struct po_buf b = PO_BUF_INIT;
	char long_line[400];
	const char *p, *nl;

	(void)state;
	po_console_wrap(&b, "short line\nsecond");
	assert_string_equal(b.data, "short line\nsecond\n");
	po_buf_reset(&b);
	/* 150 words of "±ab " (4 characters, 5 bytes): cut between words at
	 * 100 columns counted in characters, continuation lines indented. */
	long_line[0] = '\0';
	for (int i = 0; i < 60; i++)
		strncat(long_line, "\xc2\xb1" "ab ", sizeof(long_line) - strlen(long_line) - 1);
	po_console_wrap(&b, long_line);
	for (p = b.data; (nl = strchr(p, '\n')); p = nl + 1) {
		size_t cols = 0;

		for (const char *q = p; q < nl; q++)
			cols += ((unsigned char)*q & 0xc0) != 0x80;
		assert_true(cols <= PO_CONSOLE_COLUMNS);
		assert_true(nl[-1] != ' ');
		if (p != b.data)
			assert_memory_equal(p, "  \xc2\xb1", 4);
	}
	assert_int_equal(strncmp(b.data, "\xc2\xb1" "ab", 4), 0);
	po_buf_reset(&b);
	/* A word longer than a line stands alone, uncut. */
	memset(long_line, 'x', 150);
	long_line[150] = '\0';
	po_console_wrap(&b, long_line);
	assert_int_equal(b.len, 151);
	po_buf_release(&b);
}

static void test_progress_file(void **state)
{
	char dir[] = "/tmp/po-progress-XXXXXX";
	struct po_progress_file f = { .iteration = 2, .done = 1, .max_iterations = 5,
				      .baseline = 50, .best = 55.5, .started = 1700000000 };
	struct po_progress_info in = { .phase = "iterating", .step_done = 3, .step_total = 10,
				       .calls = 42, .spent_usd = 0.5, .budget_usd = 2,
				       .elapsed_s = 12, .eta_s = NAN };
	json_t *o = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(po_progress_read(dir, &o, NULL), PO_ENOTFOUND);
	assert_true(po_progress_write(dir, &f, &in, false));
	/* Too soon after the last write: skipped, unless forced. */
	in.calls = 43;
	assert_false(po_progress_write(dir, &f, &in, false));
	assert_int_equal(po_progress_read(dir, &o, NULL), 0);
	assert_int_equal(po_json_int(o, "calls", 0), 42);
	json_decref(o);
	assert_true(po_progress_write(dir, &f, &in, true));
	assert_int_equal(po_progress_read(dir, &o, NULL), 0);
	assert_int_equal(po_json_int(o, "calls", 0), 43);
	assert_int_equal(po_json_int(o, "pid", 0), (long long)getpid());
	assert_int_equal(po_json_int(o, "iteration", 0), 2);
	assert_int_equal(po_json_int(o, "iterations_done", 0), 1);
	assert_int_equal(po_json_int(o, "step_calls_estimate", 0), 10);
	assert_string_equal(po_json_str(o, "phase", ""), "iterating");
	assert_string_equal(po_json_str(o, "started", ""), "2023-11-14T22:13:20Z");
	assert_true(json_is_null(json_object_get(o, "eta_seconds")));
	assert_true(fabs(po_json_num(o, "best", 0) - 55.5) < 1e-9);
	json_decref(o);
	po_fs_remove_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_progress_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
