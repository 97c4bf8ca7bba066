/*
 * The batch report as one self-contained HTML page
 * (batch_results_<id>.html beside the Markdown): the totals, every
 * experiment's score curve inline, the experiments and the comparison of
 * groups with their 95 % intervals, from the same data as the Markdown.
 */
#include "report/batch_report.h"

#include <math.h>
#include <stdlib.h>

#include "report/html.h"
#include "util/json.h"

static void cell_num(struct po_buf *out, const json_t *obj, const char *key, int decimals)
{
	po_buf_adds(out, "<td class=\"num\">");
	po_html_num(out, po_json_num(obj, key, NAN), decimals);
	po_buf_adds(out, "</td>");
}

static void cell_ci(struct po_buf *out, const json_t *g, const char *key, int decimals)
{
	struct po_buf t = PO_BUF_INIT;

	po_batch_ci_text(&t, json_object_get(g, key), decimals);
	po_buf_adds(out, "<td class=\"num\">");
	po_html_escape(out, t.data);
	po_buf_adds(out, "</td>");
	po_buf_release(&t);
}

static void experiments(struct po_buf *out, const json_t *r)
{
	const json_t *e;
	size_t i;

	po_buf_adds(out, "<h2>Experiments</h2>\n<table class=\"experiments\">\n<tr><th>#</th>"
		    "<th>Experiment</th><th>Status</th><th>Baseline</th><th>Final</th>"
		    "<th>Improvement</th><th>Iterations</th><th>Calls</th><th>Cost (USD)</th>"
		    "<th>Report</th></tr>\n");
	json_array_foreach(json_object_get(r, "experiments"), i, e) {
		const json_t *res = po_batch_summary_of(e);

		po_buf_addf(out, "<tr class=\"experiment\"><td>%lld</td><td>",
			    po_json_int(e, "index", 0) + 1);
		po_html_escape(out, po_json_str(e, "name", ""));
		po_buf_adds(out, "</td><td>");
		po_html_escape(out, po_json_str(e, "status", ""));
		po_buf_adds(out, "</td>");
		cell_num(out, res, "baseline_score", 2);
		cell_num(out, res, "final_score", 2);
		po_buf_adds(out, "<td class=\"num\">");
		if (po_json_num(res, "improvement", NAN) > 0)
			po_buf_addch(out, '+');
		po_html_num(out, po_json_num(res, "improvement", NAN), 2);
		po_buf_adds(out, "</td>");
		cell_num(out, res, "iterations_run", 0);
		cell_num(out, res, "calls", 0);
		cell_num(out, res, "cost_usd", 4);
		po_buf_adds(out, "<td><code>");
		po_html_escape(out, po_json_str(res, "report", ""));
		po_buf_adds(out, "</code></td></tr>\n");
	}
	po_buf_adds(out, "</table>\n");
}

static void comparison(struct po_buf *out, const json_t *r)
{
	const json_t *g;
	size_t i;

	po_buf_adds(out, "<h2>Comparison (mean \xc2\xb1 95 % CI)</h2>\n<p class=\"note\">Groups:"
		    " all experiments, then one group per value of each setting that differs"
		    " between experiments. \"\xc2\xb1 n/a\": one experiment, no interval.</p>\n"
		    "<table class=\"comparison\">\n<tr><th>Group</th><th>Experiments</th>"
		    "<th>Successful</th><th>Baseline</th><th>Final</th><th>Improvement</th>"
		    "<th>Iterations</th><th>Calls</th><th>Cost (USD)</th></tr>\n");
	json_array_foreach(json_object_get(json_object_get(r, "comparison"), "groups"), i, g) {
		struct po_buf label = PO_BUF_INIT;

		po_batch_group_label(&label, g);
		po_buf_adds(out, "<tr class=\"group\"><td>");
		po_html_escape(out, label.data);
		po_buf_addf(out, "</td><td class=\"num\">%zu</td><td class=\"num\">%lld</td>",
			    json_array_size(json_object_get(g, "experiments")),
			    po_json_int(g, "successful", 0));
		cell_ci(out, g, "baseline_score", 2);
		cell_ci(out, g, "final_score", 2);
		cell_ci(out, g, "improvement", 2);
		cell_ci(out, g, "iterations_run", 1);
		cell_ci(out, g, "calls", 0);
		cell_ci(out, g, "cost_usd", 4);
		po_buf_adds(out, "</tr>\n");
		po_buf_release(&label);
	}
	po_buf_adds(out, "</table>\n");
}

void po_batch_report_html(struct po_buf *out, const json_t *r)
{
	struct po_buf title = PO_BUF_INIT, chart = PO_BUF_INIT;

	po_buf_addf(&title, "Batch %s", po_json_str(r, "batch_id", ""));
	po_html_page_open(out, title.data);
	po_buf_adds(out, "<p class=\"note\">Run at ");
	po_html_escape(out, po_json_str(r, "timestamp", "?"));
	po_buf_addf(out, ". Scores are 0-100. %lld experiments: %lld successful, %lld failed."
		    "</p>\n", po_json_int(r, "total_experiments", 0),
		    po_json_int(r, "successful", 0), po_json_int(r, "failed", 0));
	po_buf_adds(out, "<h2>Score curves</h2>\n<figure>\n");
	po_batch_report_chart(&chart, r);
	po_html_svg(out, chart.data);
	po_buf_adds(out, "<figcaption class=\"note\">Best score per iteration of every experiment."
		    "</figcaption>\n</figure>\n");
	experiments(out, r);
	comparison(out, r);
	po_html_page_close(out);
	po_buf_release(&title);
	po_buf_release(&chart);
}
