/*
 * The run report's "What Changed": the word diff of the baseline prompts
 * against the best (git's --word-diff style in a fenced block) and the
 * score of each test case for both, read from the run's iteration files.
 */
#include "report/report_sections.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/diff.h"
#include "report/fields.h"
#include "report/md.h"
#include "report/svg.h"
#include "util/json.h"
#include "util/mem.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void prompts_diff(struct po_buf *out, const json_t *a, const json_t *b)
{
	size_t n = 0, cap = json_object_size(a) + json_object_size(b);
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
	for (size_t i = 0; i < n; i++) {
		struct po_buf d = PO_BUF_INIT;
		struct po_diff_stats st;

		po_diff_words(&d, json_string_value(json_object_get(a, names[i])),
			      json_string_value(json_object_get(b, names[i])), PO_DIFF_TEXT, &st);
		po_buf_adds(out, "### ");
		po_md_code(out, names[i], 0);
		po_buf_addf(out, " (+%zu words, -%zu words)\n\n", st.inserted, st.deleted);
		po_md_fence(out, d.data, "text");
		po_buf_addch(out, '\n');
		po_buf_release(&d);
	}
	free(names);
}

static void score_cell(struct po_buf *out, const json_t *c, double *v)
{
	if (po_run_case_score(c, v)) {
		po_svg_addnum(out, *v, 2);
	} else {
		*v = NAN;
		po_buf_adds(out, "n/a");
	}
}

static void cases_table(struct po_buf *out, const json_t *base, const json_t *best)
{
	const json_t *c;
	size_t i;

	po_buf_adds(out, "| Test case | Baseline | Best | Change |\n|---|---:|---:|---:|\n");
	json_array_foreach(json_object_get(base, "cases"), i, c) {
		const char *id = po_json_str(c, "test_case_id", "");
		double a, b;

		po_buf_adds(out, "| ");
		po_md_code(out, id, PO_MD_NO_PIPE);
		po_buf_adds(out, " | ");
		score_cell(out, c, &a);
		po_buf_adds(out, " | ");
		score_cell(out, po_run_case(best, id), &b);
		po_buf_adds(out, " | ");
		if (isfinite(a) && isfinite(b))
			po_field_signed(out, b - a, 2);
		else
			po_buf_adds(out, "n/a");
		po_buf_adds(out, " |\n");
	}
	po_buf_addch(out, '\n');
}

/* Each rule or command scorer's mean (0-100), baseline and best. */
static void scorers_table(struct po_buf *out, const json_t *base_ev, const json_t *best_ev)
{
	json_t *base = po_run_scorer_means(base_ev), *top = po_run_scorer_means(best_ev), *val;
	const char *key;

	json_object_foreach(top, key, val)
		if (!json_object_get(base, key))
			json_object_set_new(base, key, json_real(NAN));
	if (json_object_size(base)) {
		po_buf_adds(out, "Each scorer's mean score (0-100):\n\n| Scorer | Baseline | Best |\n"
			    "|---|---:|---:|\n");
		json_object_foreach(base, key, val) {
			po_buf_adds(out, "| ");
			po_md_text(out, key, 0);
			po_buf_adds(out, " | ");
			po_svg_addnum(out, json_number_value(val), 2);
			po_buf_adds(out, " | ");
			po_svg_addnum(out, po_json_num(top, key, NAN), 2);
			po_buf_adds(out, " |\n");
		}
		po_buf_adds(out, "\n");
	}
	json_decref(base);
	json_decref(top);
}

void po_report_section_changes(struct po_buf *out, const struct po_run_files *rf)
{
	size_t best = po_run_best(rf);
	const json_t *a = po_run_prompts(rf, 0), *b = po_run_prompts(rf, best);

	po_buf_adds(out, "## What Changed\n\n");
	if (!a || !b || !rf->eval[0] || !rf->eval[best]) {
		po_buf_adds(out, "The iteration files of this run are not available.\n\n");
		return;
	}
	po_buf_addf(out, "The baseline prompts (iteration 0) against the best (iteration %zu),"
		    " word by word: `[-removed-]`, `{+added+}`.\n\n", best);
	prompts_diff(out, a, b);
	po_buf_addf(out, "Score per test case, baseline (iteration 0) and best (iteration %zu):"
		    "\n\n", best);
	cases_table(out, rf->eval[0], rf->eval[best]);
	scorers_table(out, rf->eval[0], rf->eval[best]);
}
