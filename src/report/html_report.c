/*
 * The run report's HTML page: its frame and order, the summary, usage and
 * chart, the word diffs of the prompts (baseline against best, each
 * accepted step against its parent), convergence and recommendations.
 */
#include "report/html_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/diff.h"
#include "report/fields.h"
#include "report/html.h"
#include "report/svg.h"
#include "util/json.h"
#include "util/mem.h"

static const char *const roles[] = { "generate", "judge", "mutate" };

static void num_or_na(struct po_buf *out, const json_t *obj, const char *key, int decimals)
{
	double v;

	if (po_field_get_num(obj, key, &v))
		po_html_num(out, v, decimals);
	else
		po_buf_adds(out, "n/a");
}

static void row_open(struct po_buf *out, const char *label)
{
	po_buf_adds(out, "<tr><th>");
	po_html_escape(out, label);
	po_buf_adds(out, "</th><td>");
}

static void row_num(struct po_buf *out, const char *label, const json_t *obj, const char *key,
		    int decimals)
{
	row_open(out, label);
	num_or_na(out, obj, key, decimals);
	po_buf_adds(out, "</td></tr>\n");
}

static void row_str(struct po_buf *out, const char *label, const char *s)
{
	row_open(out, label);
	po_html_escape(out, s && *s ? s : "n/a");
	po_buf_adds(out, "</td></tr>\n");
}

/* "+4.17 [1.20, 7.30]": the held-out improvement, when the run measured one. */
static void row_heldout(struct po_buf *out, const json_t *fr)
{
	const json_t *h = json_object_get(fr, "heldout");
	double v, lo, hi;

	if (!json_is_object(h) || !po_field_get_num(h, "improvement", &v))
		return;
	row_open(out, "Held-out improvement (95 % CI)");
	po_field_signed(out, v, 2);
	if (po_field_get_num(h, "ci_low", &lo) && po_field_get_num(h, "ci_high", &hi)) {
		po_buf_adds(out, " [");
		po_html_num(out, lo, 2);
		po_buf_adds(out, ", ");
		po_html_num(out, hi, 2);
		po_buf_adds(out, "]");
	}
	po_buf_adds(out, " points</td></tr>\n");
}

static void row_true_scores(struct po_buf *out, const json_t *fr)
{
	const json_t *ts = json_object_get(fr, "true_score");
	double base, best;

	if (!json_is_object(ts))
		return;
	row_num(out, "True baseline score (simulator)", ts, "baseline", 2);
	row_num(out, "True best score (simulator)", ts, "best", 2);
	row_num(out, "True optimum (simulator)", ts, "optimum", 2);
	if (po_field_get_num(ts, "baseline", &base) && po_field_get_num(ts, "best", &best)) {
		row_open(out, "True improvement (simulator)");
		po_field_signed(out, best - base, 2);
		po_buf_adds(out, " points</td></tr>\n");
	}
}

static void section_summary(struct po_buf *out, const json_t *fr)
{
	double v;

	if (po_json_str(fr, "simulated_note", NULL)) {
		po_buf_adds(out, "<p class=\"note\"><strong>Simulated scores:</strong> ");
		po_html_escape(out, po_json_str(fr, "simulated_note", NULL));
		po_buf_adds(out, ".</p>\n");
	}
	po_buf_adds(out, "<h2 id=\"summary\">Summary</h2>\n<table class=\"summary\">\n");
	row_num(out, "Baseline score", fr, "baseline_score", 2);
	row_num(out, "Final score", fr, "final_score", 2);
	row_open(out, "Improvement");
	if (po_field_get_num(fr, "improvement", &v)) {
		po_field_signed(out, v, 2);
		po_buf_adds(out, " points");
	} else {
		po_buf_adds(out, "n/a");
	}
	if (po_field_get_num(fr, "improvement_percent", &v)) {
		po_buf_adds(out, " (");
		po_field_signed(out, v, 2);
		po_buf_adds(out, " %)");
	}
	po_buf_adds(out, "</td></tr>\n");
	row_heldout(out, fr);
	row_true_scores(out, fr);
	row_open(out, "Iterations run");
	num_or_na(out, fr, "iterations_run", 0);
	po_buf_adds(out, " of ");
	num_or_na(out, fr, "max_iterations", 0);
	po_buf_adds(out, "</td></tr>\n");
	row_str(out, "Strategy", po_json_str(fr, "strategy", NULL));
	row_str(out, "Provider", po_json_str(fr, "provider", NULL));
	row_num(out, "Seed", fr, "seed", 0);
	row_num(out, "Failed evaluations", fr, "failed_evaluations", 0);
	/* The time in a span of its own: the golden outputs mask it. */
	row_open(out, "Wall time");
	po_buf_adds(out, "<span class=\"time\">");
	num_or_na(out, fr, "wall_seconds", 2);
	po_buf_adds(out, " s</span></td></tr>\n</table>\n");
}

static void section_usage(struct po_buf *out, const json_t *fr)
{
	const json_t *calls = json_object_get(fr, "calls");
	const json_t *tokens = json_object_get(fr, "tokens");
	const json_t *cost = json_object_get(fr, "cost");

	po_buf_adds(out, "<h2 id=\"usage\">LLM calls, tokens and cost</h2>\n<table>\n"
		    "<tr><th>Role</th><th>Model</th><th class=\"num\">Calls</th>"
		    "<th class=\"num\">Input tokens</th><th class=\"num\">Output tokens</th>"
		    "<th class=\"num\">Cost (USD)</th></tr>\n");
	for (size_t i = 0; i < PO_ARRAY_SIZE(roles); i++) {
		const json_t *t = json_object_get(json_object_get(tokens, "by_role"), roles[i]);
		const char *model;

		po_buf_addf(out, "<tr><td>%s</td><td>", roles[i]);
		model = po_json_str(json_object_get(fr, "models"), roles[i], NULL);
		po_html_escape(out, model && *model ? model : "n/a");
		po_buf_adds(out, "</td><td class=\"num\">");
		num_or_na(out, calls, roles[i], 0);
		po_buf_adds(out, "</td><td class=\"num\">");
		num_or_na(out, t, "input", 0);
		po_buf_adds(out, "</td><td class=\"num\">");
		num_or_na(out, t, "output", 0);
		po_buf_adds(out, "</td><td class=\"num\">");
		num_or_na(out, json_object_get(cost, "by_role"), roles[i], 4);
		po_buf_adds(out, "</td></tr>\n");
	}
	po_buf_adds(out, "<tr><th>total</th><td></td><td class=\"num\">");
	num_or_na(out, calls, "total", 0);
	po_buf_adds(out, "</td><td class=\"num\">");
	num_or_na(out, tokens, "input", 0);
	po_buf_adds(out, "</td><td class=\"num\">");
	num_or_na(out, tokens, "output", 0);
	po_buf_adds(out, "</td><td class=\"num\">");
	num_or_na(out, cost, "total_usd", 4);
	po_buf_adds(out, "</td></tr>\n</table>\n");
}

static void section_chart(struct po_buf *out, const char *svg)
{
	if (!svg)
		return;
	po_buf_adds(out, "<h2 id=\"chart\">Score per iteration</h2>\n<figure>\n");
	po_html_svg(out, svg);
	po_buf_adds(out, "<figcaption class=\"note\">Blue: the score of the candidate of each"
		    " iteration (0 is the baseline). Orange: the best score so far."
		    "</figcaption>\n</figure>\n");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The diff of two prompt sets, one <pre> per prompt name (sorted; names in
 * only one set are all added or all removed); unchanged prompts are named. */
static void prompt_set_diff(struct po_buf *out, const json_t *a, const json_t *b)
{
	size_t n = 0, i, cap = json_object_size(a) + json_object_size(b);
	const char **names;
	const char *key;
	json_t *val;

	PO_ALLOC_ARRAY(names, cap ? cap : 1);
	json_object_foreach((json_t *)a, key, val)
		names[n++] = key;
	json_object_foreach((json_t *)b, key, val)
		if (!json_object_get(a, key))
			names[n++] = key;
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		const char *ta = json_string_value(json_object_get(a, names[i]));
		const char *tb = json_string_value(json_object_get(b, names[i]));
		struct po_diff_stats st;
		struct po_buf d = PO_BUF_INIT;

		po_diff_words(&d, ta, tb, PO_DIFF_HTML, &st);
		po_buf_adds(out, "<h4><code>");
		po_html_escape(out, names[i]);
		po_buf_addf(out, "</code> <span class=\"note\">+%zu words, \xe2\x88\x92%zu words"
			    "</span></h4>\n<pre class=\"diff\">", st.inserted, st.deleted);
		po_buf_add(out, d.data, d.len);
		po_buf_adds(out, "</pre>\n");
		po_buf_release(&d);
	}
	free(names);
}

static double iter_score(const struct po_run_files *rf, size_t i)
{
	return po_json_num(rf->eval[i], "score", NAN);
}

static void section_diffs(struct po_buf *out, const struct po_run_files *rf)
{
	size_t best = po_run_best(rf);
	const json_t *base = po_run_prompts(rf, 0), *top = po_run_prompts(rf, best);

	po_buf_adds(out, "<h2 id=\"diff\">What changed: the baseline prompts against the best"
		    "</h2>\n");
	if (!base || !top) {
		po_buf_adds(out, "<p>The iteration files of this run are not available.</p>\n");
		return;
	}
	po_buf_addf(out, "<p class=\"note\">Iteration 0 (baseline, ");
	po_html_num(out, iter_score(rf, 0), 2);
	po_buf_addf(out, ") against iteration %zu (best, ", best);
	po_html_num(out, iter_score(rf, best), 2);
	po_buf_adds(out, "). <ins>Added words</ins>, <del>removed words</del>.</p>\n");
	prompt_set_diff(out, base, top);

	po_buf_adds(out, "<h3 id=\"steps\">Each accepted step against its parent</h3>\n");
	if (rf->naccepted < 2)
		po_buf_adds(out, "<p>No candidate was accepted: the baseline stayed the best.</p>\n");
	for (size_t k = 1; k < rf->naccepted; k++) {
		size_t it = rf->accepted[k], parent = rf->accepted[k - 1];
		const json_t *pa = po_run_prompts(rf, parent), *pb = po_run_prompts(rf, it);

		po_buf_addf(out, "<details class=\"step\"%s><summary>Iteration %zu (",
			    k + 1 == rf->naccepted ? " open" : "", it);
		po_html_escape(out, po_json_str(rf->sim[it], "candidate", "n/a"));
		po_buf_adds(out, "): ");
		po_html_num(out, iter_score(rf, parent), 2);
		po_buf_adds(out, " \xe2\x86\x92 ");
		po_html_num(out, iter_score(rf, it), 2);
		po_buf_addf(out, ", parent: iteration %zu</summary>\n", parent);
		if (pa && pb)
			prompt_set_diff(out, pa, pb);
		po_buf_adds(out, "</details>\n");
	}
}

static void section_convergence(struct po_buf *out, const json_t *fr)
{
	const json_t *conv = json_object_get(fr, "convergence");
	const json_t *recs = json_object_get(fr, "recommendations");
	const json_t *v;

	po_buf_adds(out, "<h2 id=\"convergence\">Convergence analysis</h2>\n");
	if (!json_is_object(conv)) {
		po_buf_adds(out, "<p>No convergence data was recorded.</p>\n");
	} else {
		po_buf_adds(out, "<table>\n");
		v = json_object_get(conv, "converged");
		row_str(out, "Converged", json_is_boolean(v) ? (json_is_true(v) ? "Yes" : "No")
							      : "n/a");
		row_num(out, "Convergence iteration", conv, "convergence_iteration", 0);
		row_num(out, "Wasted iterations", conv, "wasted_iterations", 0);
		row_num(out, "Plateau range", conv, "plateau_variance", 2);
		row_num(out, "Plateau std dev", conv, "plateau_stddev", 2);
		row_num(out, "Plateau average", conv, "plateau_average", 2);
		row_num(out, "Best score", conv, "best_score", 2);
		row_num(out, "Total iterations", conv, "total_iterations", 0);
		row_num(out, "No improvement count", conv, "no_improvement_count", 0);
		po_buf_adds(out, "</table>\n");
	}
	po_buf_adds(out, "<h2 id=\"recommendations\">Recommendations</h2>\n<ol>\n");
	for (size_t i = 0; i < json_array_size(recs); i++) {
		const char *s = json_string_value(json_array_get(recs, i));

		if (s && *s)
			po_html_elem(out, "li", NULL, s);
	}
	po_buf_adds(out, "</ol>\n");
}

void po_report_html(struct po_buf *out, const json_t *fr, const struct po_run_files *rf,
		    const char *chart_svg)
{
	struct po_buf title = PO_BUF_INIT;

	po_buf_addf(&title, "Experiment Report: %s", po_json_str(fr, "project", "n/a"));
	po_html_page_open(out, title.data);
	po_buf_adds(out, "<p class=\"note\">Finished ");
	po_html_escape(out, po_json_str(fr, "timestamp", "n/a"));
	po_buf_adds(out, ". Results folder: <code>");
	po_html_escape(out, po_json_str(fr, "results_dir", "n/a"));
	po_buf_adds(out, "</code>.</p>\n");
	section_summary(out, fr);
	section_usage(out, fr);
	section_chart(out, chart_svg);
	section_diffs(out, rf);
	po_html_section_lineage(out, rf);
	po_html_section_heatmap(out, rf);
	po_html_section_criteria(out, rf);
	po_html_section_examples(out, rf);
	po_html_section_integrity(out, fr);
	section_convergence(out, fr);
	po_html_page_close(out);
	po_buf_release(&title);
}
