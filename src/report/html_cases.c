/*
 * The run report's test case sections: the heat map of test cases x
 * accepted candidates, the judge's per-criterion means for the baseline
 * and the best as bars, and the most improved and most worsened cases'
 * outputs side by side with their scores and the judge's feedback.
 */
#include "report/html_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"
#include "util/json.h"
#include "util/mem.h"

/* Longest output shown in full; the rest is cut with a note. */
#define MAX_OUTPUT_BYTES 20000
/* Cases shown at each end of the ranking. */
#define EXAMPLES_EACH 2

static double case_score(const json_t *ev, const char *id)
{
	double v;

	return po_run_case_score(po_run_case(ev, id), &v) ? v : NAN;
}

static void heat_range(const struct po_run_files *rf, const json_t *cases, double *lo,
		       double *hi)
{
	const json_t *c;
	size_t i, k;

	*lo = INFINITY;
	*hi = -INFINITY;
	json_array_foreach(cases, i, c)
		for (k = 0; k < rf->naccepted; k++) {
			double v = case_score(rf->eval[rf->accepted[k]],
					      po_json_str(c, "test_case_id", ""));

			if (isfinite(v)) {
				*lo = fmin(*lo, v);
				*hi = fmax(*hi, v);
			}
		}
}

void po_html_section_heatmap(struct po_buf *out, const struct po_run_files *rf)
{
	const json_t *cases = rf->n && rf->eval[0] ? json_object_get(rf->eval[0], "cases") : NULL;
	const json_t *c;
	double lo, hi;
	size_t i, k;

	po_buf_adds(out, "<h2 id=\"heatmap\">Test cases \xc3\x97 accepted candidates</h2>\n");
	if (!json_array_size(cases)) {
		po_buf_adds(out, "<p>The evaluation files of this run are not available.</p>\n");
		return;
	}
	heat_range(rf, cases, &lo, &hi);
	po_buf_adds(out, "<p class=\"note\">The score of each test case (0-100) for each accepted"
		    " candidate, red (lowest here) to green (highest); grey: not scored.</p>\n"
		    "<table class=\"heat\">\n<tr><th>Test case</th>");
	for (k = 0; k < rf->naccepted; k++)
		po_buf_addf(out, "<th class=\"num\">#%zu</th>", rf->accepted[k]);
	po_buf_adds(out, "</tr>\n");
	json_array_foreach(cases, i, c) {
		const char *id = po_json_str(c, "test_case_id", "");

		po_buf_adds(out, "<tr class=\"case\"><th>");
		po_html_escape(out, id);
		po_buf_adds(out, "</th>");
		for (k = 0; k < rf->naccepted; k++) {
			double v = case_score(rf->eval[rf->accepted[k]], id);

			po_buf_adds(out, "<td class=\"cell\" style=\"");
			po_html_score_style(out, v, lo, hi);
			po_buf_adds(out, "\">");
			po_html_num(out, v, 1);
			po_buf_adds(out, "</td>");
		}
		po_buf_adds(out, "</tr>\n");
	}
	po_buf_adds(out, "</table>\n");
}

/* Adds the mean per criterion of ev's scored cases to *means (name -> real). */
static json_t *criteria_means(const json_t *ev)
{
	json_t *sum = json_object(), *count = json_object(), *val;
	const json_t *c;
	const char *key;
	size_t i;

	json_array_foreach(json_object_get(ev, "cases"), i, c) {
		if (!po_json_bool(c, "ok", 0))
			continue;
		json_object_foreach(json_object_get(c, "criteria_scores"), key, val) {
			if (!json_is_number(val))
				continue;
			json_object_set_new(sum, key, json_real(po_json_num(sum, key, 0) +
							      json_number_value(val)));
			json_object_set_new(count, key, json_real(po_json_num(count, key, 0) + 1));
		}
	}
	json_object_foreach(sum, key, val)
		json_real_set(val, json_number_value(val) / po_json_num(count, key, 1));
	json_decref(count);
	return sum;
}

/* A bar for v on a scale of 0..max, 300 pixels at most. */
static void bar_of(struct po_buf *out, const char *cls, double v, double max)
{
	po_buf_addf(out, "<td><span class=\"bar %s\" style=\"width:", cls);
	po_html_num(out, isfinite(v) ? fmin(max, fmax(0, v)) * 300 / max : 0, 0);
	po_buf_adds(out, "px\"></span> ");
	po_html_num(out, v, 2);
	po_buf_adds(out, "</td>");
}

static void bar(struct po_buf *out, const char *cls, double v)
{
	bar_of(out, cls, v, 5);
}

/* "Scorers": each rule or command scorer's mean score (0-100) for the
 * baseline and the best, when the cases were scored by any. */
static void scorer_bars(struct po_buf *out, const struct po_run_files *rf, size_t best)
{
	json_t *base = po_run_scorer_means(rf->eval[0]), *top = po_run_scorer_means(rf->eval[best]), *val;
	const char *key;

	json_object_foreach(top, key, val)
		if (!json_object_get(base, key))
			json_object_set_new(base, key, json_real(NAN));
	if (json_object_size(base)) {
		po_buf_adds(out, "<p class=\"note\">Each scorer's mean score (0-100) over the test"
			    " cases it scored.</p>\n<table class=\"criteria scorers\">\n<tr>"
			    "<th>Scorer</th><th>Baseline (#0)</th>");
		po_buf_addf(out, "<th>Best (#%zu)</th></tr>\n", best);
		json_object_foreach(base, key, val) {
			po_buf_adds(out, "<tr class=\"scorer\"><th>");
			po_html_escape(out, key);
			po_buf_adds(out, "</th>");
			bar_of(out, "base", json_number_value(val), 100);
			bar_of(out, "best", po_json_num(top, key, NAN), 100);
			po_buf_adds(out, "</tr>\n");
		}
		po_buf_adds(out, "</table>\n");
	}
	json_decref(base);
	json_decref(top);
}

void po_html_section_criteria(struct po_buf *out, const struct po_run_files *rf)
{
	size_t best = po_run_best(rf);
	json_t *base, *top, *val;
	const char *key;

	po_buf_adds(out, "<h2 id=\"criteria\">Criteria and scorers: baseline and best</h2>\n");
	if (!rf->n || !rf->eval[0] || !rf->eval[best]) {
		po_buf_adds(out, "<p>The evaluation files of this run are not available.</p>\n");
		return;
	}
	base = criteria_means(rf->eval[0]);
	top = criteria_means(rf->eval[best]);
	/* Criteria only the best was scored on, too. */
	json_object_foreach(top, key, val)
		if (!json_object_get(base, key))
			json_object_set_new(base, key, json_real(NAN));
	scorer_bars(out, rf, best);
	if (!json_object_size(base)) {
		po_buf_adds(out, "<p>The judge scored no criteria.</p>\n");
	} else {
		po_buf_adds(out, "<p class=\"note\">The judge's mean score per criterion (0-5) over"
			    " the scored test cases.</p>\n<table class=\"criteria\">\n<tr>"
			    "<th>Criterion</th><th>Baseline (#0)</th>");
		po_buf_addf(out, "<th>Best (#%zu)</th></tr>\n", best);
		json_object_foreach(base, key, val) {
			po_buf_adds(out, "<tr><th>");
			po_html_escape(out, key);
			po_buf_adds(out, "</th>");
			bar(out, "base", json_number_value(val));
			bar(out, "best", po_json_num(top, key, NAN));
			po_buf_adds(out, "</tr>\n");
		}
		po_buf_adds(out, "</table>\n");
	}
	json_decref(base);
	json_decref(top);
}

struct delta {
	const char *id;
	double base, best;
};

static int cmp_delta(const void *a, const void *b)
{
	const struct delta *x = a, *y = b;
	double dx = x->best - x->base, dy = y->best - y->base;

	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* One side: the iteration's output for id, its score and the judge's feedback. */
static void side(struct po_buf *out, const char *label, const json_t *sim, const json_t *ev,
		 const char *id)
{
	const json_t *o = po_run_output(sim, id), *c = po_run_case(ev, id);
	const char *text = po_json_str(o, "output", NULL);
	size_t len = text ? strlen(text) : 0;

	po_buf_adds(out, "<div>\n<h4>");
	po_html_escape(out, label);
	po_buf_adds(out, ": ");
	po_html_num(out, case_score(ev, id), 1);
	po_buf_adds(out, "</h4>\n<pre class=\"output\">");
	if (text)
		po_html_escape_n(out, text, len > MAX_OUTPUT_BYTES ? MAX_OUTPUT_BYTES : len);
	else
		po_buf_adds(out, "(no output)");
	if (len > MAX_OUTPUT_BYTES)
		po_buf_adds(out, "\n[\xe2\x80\xa6 cut]");
	po_buf_adds(out, "</pre>\n<p class=\"feedback\"><b>Judge:</b> ");
	po_html_escape(out, po_json_str(c, "feedback", "n/a"));
	po_buf_adds(out, "</p>\n</div>\n");
}

static void example(struct po_buf *out, const struct po_run_files *rf, const struct delta *d,
		    const char *kind)
{
	size_t best = po_run_best(rf);
	char label[32];

	po_buf_addf(out, "<h3 class=\"example\">%s: ", kind);
	po_html_escape(out, d->id);
	po_buf_adds(out, ": ");
	po_html_num(out, d->base, 1);
	po_buf_adds(out, " \xe2\x86\x92 ");
	po_html_num(out, d->best, 1);
	po_buf_adds(out, "</h3>\n<div class=\"side\">\n");
	side(out, "Baseline (#0)", rf->sim[0], rf->eval[0], d->id);
	snprintf(label, sizeof(label), "Best (#%zu)", best);
	side(out, label, rf->sim[best], rf->eval[best], d->id);
	po_buf_adds(out, "</div>\n");
}

void po_html_section_examples(struct po_buf *out, const struct po_run_files *rf)
{
	size_t best = po_run_best(rf), n = 0, i, shown = 0;
	const json_t *cases, *c;
	struct delta *d;

	po_buf_adds(out, "<h2 id=\"examples\">Sample outputs: the most improved and the most"
		    " worsened test cases</h2>\n");
	if (!rf->n || !rf->eval[0] || !rf->eval[best] || !rf->sim[0] || !rf->sim[best] ||
	    best == 0) {
		po_buf_adds(out, "<p>Nothing to compare: no candidate beat the baseline, or the"
			    " iteration files are not available.</p>\n");
		return;
	}
	cases = json_object_get(rf->eval[0], "cases");
	PO_ALLOC_ARRAY(d, json_array_size(cases) + 1);
	json_array_foreach(cases, i, c) {
		struct delta x = { po_json_str(c, "test_case_id", ""), 0, 0 };

		x.base = case_score(rf->eval[0], x.id);
		x.best = case_score(rf->eval[best], x.id);
		if (isfinite(x.base) && isfinite(x.best))
			d[n++] = x;
	}
	qsort(d, n, sizeof(*d), cmp_delta);
	for (i = 0; i < n && i < EXAMPLES_EACH && d[i].best > d[i].base; i++, shown++)
		example(out, rf, &d[i], "Most improved");
	for (i = 0; i < EXAMPLES_EACH && i < n; i++) {
		const struct delta *w = &d[n - 1 - i];

		if (w->best >= w->base)
			break;
		example(out, rf, w, "Most worsened");
		shown++;
	}
	if (!shown)
		po_buf_adds(out, "<p>No test case changed its score.</p>\n");
	else if (!n || d[n - 1].best >= d[n - 1].base)
		po_buf_adds(out, "<p>No test case got worse.</p>\n");
	free(d);
}
