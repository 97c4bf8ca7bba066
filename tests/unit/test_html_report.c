/*
 * The HTML report's page from a hand-made results folder: the held-out
 * interval, escaping of hostile prompt and output text, the word diff,
 * a lineage node per evaluated candidate (and the reason of one rejected
 * before evaluation), a heat map row per case, the sample outputs; and a
 * folder without iteration files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/html_report.h"
#include "report/run_files.h"
#include "util/fs.h"
#include "util/json.h"

static size_t count_of(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void write_json(const char *dir, const char *name, json_t *v)
{
	struct po_buf path = PO_BUF_INIT;

	po_fs_join(&path, dir, name);
	assert_int_equal(po_json_write_file(path.data, v, NULL), 0);
	po_buf_release(&path);
	json_decref(v);
}

/* Iteration i: the prompt, outputs and per-case scores a and b. */
static void iteration(const char *dir, int i, const char *prompt, double a, double b,
		      int improved)
{
	char name[64];

	snprintf(name, sizeof(name), "simulation_iteration_%03d.json", i);
	write_json(dir, name, json_pack("{s:i, s:s, s:{s:s}, s:[{s:s, s:s}, {s:s, s:s}]}",
					"iteration", i, "candidate", i ? "mutation of p" : "baseline",
					"prompts", "p", prompt, "outputs", "test_case_id", "c1",
					"output", "<b>out</b> one", "test_case_id", "c2", "output",
					"out two"));
	snprintf(name, sizeof(name), "evaluation_iteration_%03d.json", i);
	write_json(dir, name,
		   json_pack("{s:i, s:f, s:b, s:[{s:s, s:b, s:f, s:s, s:{s:f}}, {s:s, s:b, s:f, "
			     "s:s, s:{s:f}}], s:[{s:s, s:f, s:b, s:b}]}",
			     "iteration", i, "score", (a + b) / 2, "improved", improved, "cases",
			     "test_case_id", "c1", "ok", 1, "score", a, "feedback", "fb & <1>",
			     "criteria_scores", "clarity", a / 20, "test_case_id", "c2", "ok", 1,
			     "score", b, "feedback", "fb2", "criteria_scores", "clarity", b / 20,
			     "population", "candidate", "mutation of p", "score", (a + b) / 2,
			     "nominated", 1, "accepted", improved));
}

static void test_page(void **state)
{
	char tmpl[] = "/tmp/po-html-XXXXXX";
	char *dir = mkdtemp(tmpl);
	struct po_buf out = PO_BUF_INIT;
	struct po_run_files rf;
	json_t *fr;

	(void)state;
	assert_non_null(dir);
	iteration(dir, 0, "Write it. <script>alert(1)</script>", 50, 60, 0);
	iteration(dir, 1, "Write it. Carefully. <script>alert(1)</script>", 70, 55, 1);
	iteration(dir, 2, "Write it badly.", 40, 40, 0);
	write_json(dir, "evaluation_iteration_003.json",
		   json_pack("{s:i, s:n, s:b, s:s, s:[]}", "iteration", 3, "score", "improved", 0,
			     "invalid", "unknown placeholder {x}", "cases"));
	fr = json_pack("{s:s, s:s, s:f, s:f, s:{s:f, s:f, s:f}, s:[{s:i}, {s:i}, {s:i}, {s:i}],"
		       " s:[s]}",
		       "project", "p<&>", "results_dir", dir, "baseline_score", 55.0,
		       "final_score", 62.5, "heldout", "improvement", 2.5, "ci_low", 0.5,
		       "ci_high", 4.5, "iteration_history", "iteration", 0, "iteration", 1,
		       "iteration", 2, "iteration", 3, "recommendations", "Run <longer>.");
	assert_int_equal(po_run_files_load(&rf, fr), 3);
	assert_int_equal(rf.naccepted, 2);
	po_report_html(&out, fr, &rf, "<?xml version=\"1.0\"?>\n<svg></svg>\n");

	assert_non_null(strstr(out.data, "<title>Experiment Report: p&lt;&amp;&gt;</title>"));
	assert_non_null(strstr(out.data, "+2.50 [0.50, 4.50] points"));
	assert_null(strstr(out.data, "<script"));
	assert_null(strstr(out.data, "<?xml"));
	assert_non_null(strstr(out.data, "<svg></svg>"));
	assert_non_null(strstr(out.data, "Write it. <ins>Carefully.</ins> &lt;script&gt;"));
	assert_int_equal(count_of(out.data, "<li class=\"node "), 3);
	assert_int_equal(count_of(out.data, "<li class=\"node accepted\""), 2);
	assert_non_null(strstr(out.data, "rejected before evaluation: unknown placeholder {x}"));
	assert_int_equal(count_of(out.data, "<tr class=\"case\">"), 2);
	assert_non_null(strstr(out.data, "Most improved: c1"));
	assert_non_null(strstr(out.data, "Most worsened: c2"));
	assert_non_null(strstr(out.data, "&lt;b&gt;out&lt;/b&gt; one"));
	assert_non_null(strstr(out.data, "fb &amp; &lt;1&gt;"));
	assert_non_null(strstr(out.data, "<li>Run &lt;longer&gt;.</li>"));
	po_run_files_release(&rf);

	/* Without the iteration files: the sections say so. */
	json_object_set_new(fr, "results_dir", json_string("/nonexistent/po-html"));
	po_buf_reset(&out);
	assert_int_equal(po_run_files_load(&rf, fr), 0);
	po_report_html(&out, fr, &rf, NULL);
	assert_non_null(strstr(out.data, "The iteration files of this run are not available."));
	assert_int_equal(count_of(out.data, "<li class=\"node "), 0);
	assert_non_null(strstr(out.data, "</html>\n"));
	po_run_files_release(&rf);

	po_fs_remove_tree(dir);
	po_buf_release(&out);
	json_decref(fr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
