/*
 * The batch report: totals, a table per experiment, the comparison of
 * groups (mean ± 95 % CI), failures, settings and files, in Markdown, with
 * a chart of all score curves drawn by po_svg_multi_chart().
 */
#include "report/batch_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/md.h"
#include "report/svg.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

/* Longest curve drawn; a longer history is bad input, not a run. */
#define MAX_CURVE 100000
/* Code spans in this report: always padded ("` x `"), '|' as a space. */
#define CODE_SPAN (PO_MD_PAD | PO_MD_NO_PIPE)

static void num(struct po_buf *out, const json_t *v, int decimals)
{
	if (json_is_number(v))
		po_svg_addnum(out, json_number_value(v), decimals);
	else
		po_buf_adds(out, "n/a");
}

void po_batch_ci_text(struct po_buf *out, const json_t *c, int decimals)
{
	double mean = po_json_num(c, "mean", NAN), low = po_json_num(c, "low", NAN);
	double high = po_json_num(c, "high", NAN);
	double tol = 0.5 * pow(10, -decimals);

	if (!json_is_object(c) || !isfinite(mean)) {
		po_buf_adds(out, "n/a");
		return;
	}
	po_svg_addnum(out, mean, decimals);
	if (!isfinite(low) || !isfinite(high)) {
		po_buf_adds(out, " ± n/a");
	} else if (fabs((high - mean) - (mean - low)) < tol) {
		po_buf_adds(out, " ± ");
		po_svg_addnum(out, (high - low) / 2, decimals);
	} else {
		po_buf_adds(out, " [");
		po_svg_addnum(out, low, decimals);
		po_buf_adds(out, ", ");
		po_svg_addnum(out, high, decimals);
		po_buf_addch(out, ']');
	}
}

static void signed_num(struct po_buf *out, double v, int decimals)
{
	if (isfinite(v) && v >= 0)
		po_buf_addch(out, '+');
	po_svg_addnum(out, v, decimals);
}

void po_batch_group_label(struct po_buf *out, const json_t *g)
{
	const char *setting = po_json_str(g, "setting", "");
	const json_t *v = json_object_get(g, "value");
	char *s;

	po_buf_adds(out, setting);
	if (!strcmp(setting, "all"))
		return;
	po_buf_addch(out, '=');
	if (!v || json_is_null(v)) {
		po_buf_adds(out, "(default)");
	} else if (json_is_string(v)) {
		po_buf_adds(out, json_string_value(v));
	} else {
		s = po_json_dumps_compact(v);
		po_buf_adds(out, s ? s : "?");
		free(s);
	}
}

static void totals(struct po_buf *out, const json_t *r)
{
	const json_t *shard = json_object_get(r, "shard");

	po_buf_addf(out, "| Total experiments | %lld |\n", po_json_int(r, "total_experiments", 0));
	po_buf_addf(out, "| Successful | %lld |\n", po_json_int(r, "successful", 0));
	po_buf_addf(out, "| Failed | %lld |\n", po_json_int(r, "failed", 0));
	if (po_json_int(r, "interrupted", 0) || po_json_int(r, "not_run", 0))
		po_buf_addf(out, "| Interrupted / not run | %lld / %lld |\n",
			    po_json_int(r, "interrupted", 0), po_json_int(r, "not_run", 0));
	if (po_json_int(r, "stopped", 0))
		po_buf_addf(out, "| Stopped at the call or budget limit | %lld |\n",
			    po_json_int(r, "stopped", 0));
	if (json_is_object(shard))
		po_buf_addf(out, "| Shard | %lld of %lld (plan of %lld experiments) |\n",
			    po_json_int(shard, "index", 0), po_json_int(shard, "count", 0),
			    po_json_int(json_object_get(r, "plan"), "experiments", 0));
	po_buf_adds(out, "| Wall time | ");
	num(out, json_object_get(r, "elapsed_seconds"), 2);
	po_buf_adds(out, " s |\n");
}

const json_t *po_batch_summary_of(const json_t *rec)
{
	const json_t *s = json_object_get(rec, "summary");

	return json_is_object(s) ? s : json_object_get(rec, "results");
}

static void experiment_table(struct po_buf *out, const json_t *r)
{
	const json_t *e;
	size_t i;

	po_buf_adds(out, "| # | Experiment | Status | Seed | Baseline | Final | Improvement | "
			 "Iterations | Saved | Calls | Cost (USD) | Time (s) |\n"
			 "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	json_array_foreach(json_object_get(r, "experiments"), i, e) {
		const json_t *res = po_batch_summary_of(e);
		const json_t *cfg = json_object_get(e, "config");

		po_buf_addf(out, "| %lld | ", po_json_int(e, "index", 0) + 1);
		po_md_text(out, po_json_str(e, "name", ""), 0);
		po_buf_addf(out, " | %s | %lld | ", po_json_str(e, "status", ""),
			    po_json_int(cfg, "seed", 0));
		if (!json_is_object(res)) {
			po_buf_adds(out, "| | | | | | | |\n");
			continue;
		}
		num(out, json_object_get(res, "baseline_score"), 2);
		po_buf_adds(out, " | ");
		num(out, json_object_get(res, "final_score"), 2);
		po_buf_adds(out, " | ");
		signed_num(out, po_json_num(res, "improvement", NAN), 2);
		po_buf_adds(out, " (");
		signed_num(out, po_json_num(res, "improvement_percent", NAN), 1);
		po_buf_addf(out, " %%) | %lld/%lld | %lld | %lld | ",
			    po_json_int(res, "iterations_run", 0), po_json_int(res, "max_iterations", 0),
			    po_json_int(res, "iterations_saved", 0), po_json_int(res, "calls", 0));
		num(out, json_object_get(res, "cost_usd"), 4);
		po_buf_adds(out, " | ");
		num(out, json_object_get(e, "elapsed_seconds"), 2);
		po_buf_adds(out, " |\n");
	}
}

static void group_table(struct po_buf *out, const json_t *r)
{
	const json_t *g;
	size_t i;

	po_buf_adds(out, "| Group | Experiments | Successful | Baseline | Final | Improvement | "
			 "Iterations | Saved | Calls | Cost (USD) | Time (s) |\n"
			 "|---|---|---|---|---|---|---|---|---|---|---|\n");
	json_array_foreach(json_object_get(json_object_get(r, "comparison"), "groups"), i, g) {
		struct po_buf label = PO_BUF_INIT;

		po_batch_group_label(&label, g);
		po_buf_adds(out, "| ");
		po_md_text(out, label.data, 0);
		po_buf_release(&label);
		po_buf_addf(out, " | %zu | %lld | ", json_array_size(json_object_get(g, "experiments")),
			    po_json_int(g, "successful", 0));
		po_batch_ci_text(out, json_object_get(g, "baseline_score"), 2);
		po_buf_adds(out, " | ");
		po_batch_ci_text(out, json_object_get(g, "final_score"), 2);
		po_buf_adds(out, " | ");
		po_batch_ci_text(out, json_object_get(g, "improvement"), 2);
		po_buf_adds(out, " | ");
		po_batch_ci_text(out, json_object_get(g, "iterations_run"), 1);
		po_buf_adds(out, " | ");
		po_batch_ci_text(out, json_object_get(g, "iterations_saved"), 1);
		po_buf_adds(out, " | ");
		po_batch_ci_text(out, json_object_get(g, "calls"), 0);
		po_buf_adds(out, " | ");
		po_batch_ci_text(out, json_object_get(g, "cost_usd"), 4);
		po_buf_adds(out, " | ");
		po_batch_ci_text(out, json_object_get(g, "elapsed_seconds"), 2);
		po_buf_adds(out, " |\n");
	}
}

static void failures(struct po_buf *out, const json_t *r)
{
	const json_t *e;
	size_t i;
	bool any = false;

	json_array_foreach(json_object_get(r, "experiments"), i, e) {
		if (po_json_bool(e, "success", 0))
			continue;
		if (!any)
			po_buf_adds(out, "\n## Experiments that did not finish\n\n");
		any = true;
		po_buf_addf(out, "- (%lld) **", po_json_int(e, "index", 0) + 1);
		po_md_text(out, po_json_str(e, "name", ""), 0);
		po_buf_addf(out, "** (%s): ", po_json_str(e, "status", ""));
		po_md_text(out, po_json_str(e, "error", ""), 0);
		po_buf_addch(out, '\n');
	}
}

static void settings_and_files(struct po_buf *out, const json_t *r)
{
	const json_t *e;
	size_t i;

	po_buf_adds(out, "\n## Settings and files\n\n");
	json_array_foreach(json_object_get(r, "experiments"), i, e) {
		const json_t *res = po_batch_summary_of(e);
		char *cfg = po_json_dumps_compact(json_object_get(e, "config"));

		po_buf_addf(out, "- (%lld) ", po_json_int(e, "index", 0) + 1);
		po_md_code(out, cfg ? cfg : "{}", CODE_SPAN);
		free(cfg);
		if (json_is_string(json_object_get(e, "results_dir"))) {
			po_buf_adds(out, "; results ");
			po_md_code(out, po_json_str(e, "results_dir", ""), CODE_SPAN);
		}
		if (json_is_string(json_object_get(res, "report"))) {
			po_buf_adds(out, "; report ");
			po_md_code(out, po_json_str(res, "report", ""), CODE_SPAN);
		}
		po_buf_addch(out, '\n');
	}
}

void po_batch_report_markdown(struct po_buf *out, const json_t *r, const char *svg_name)
{
	po_buf_adds(out, "# Batch ");
	po_md_text(out, po_json_str(r, "batch_id", ""), 0);
	po_buf_adds(out, "\n\n");
	po_buf_addf(out, "Run at %s. Scores are 0-100; intervals are 95 %% t intervals over "
			 "the successful experiments of a group.\n\n",
		    po_json_str(r, "timestamp", "?"));
	po_buf_adds(out, "| | |\n|---|---|\n");
	totals(out, r);
	if (svg_name) {
		po_buf_adds(out, "\n## Score curves\n\nBest score per iteration of every experiment.\n\n![Score curves](");
		po_buf_adds(out, svg_name);
		po_buf_adds(out, ")\n");
	}
	po_buf_adds(out, "\n## Experiments\n\n");
	experiment_table(out, r);
	po_buf_adds(out, "\n## Comparison (mean ± 95 % CI)\n\n"
			 "Groups: all experiments, then one group per value of each setting that "
			 "differs between experiments. \"± n/a\": one experiment, no interval; "
			 "\"[low, high]\": the interval cut at what the value can be (no negative "
			 "count, no more iterations than the maximum). Time: each experiment from "
			 "start to end, report included.\n\n");
	group_table(out, r);
	failures(out, r);
	settings_and_files(out, r);
}

void po_batch_report_chart(struct po_buf *out, const json_t *r)
{
	const json_t *exps = json_object_get(r, "experiments");
	size_t n = json_array_size(exps);
	const char **names = po_xcalloc(n ? n : 1, sizeof(*names));
	double **series = po_xcalloc(n ? n : 1, sizeof(*series));
	size_t *lens = po_xcalloc(n ? n : 1, sizeof(*lens));
	struct po_buf title = PO_BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(exps, i);
		const json_t *best = json_object_get(po_batch_summary_of(e), "best_scores");
		size_t len = json_array_size(best);

		names[i] = po_json_str(e, "name", "");
		if (!len)
			continue;
		if (len > MAX_CURVE)
			len = MAX_CURVE;
		series[i] = po_xcalloc(len, sizeof(double));
		lens[i] = len;
		for (size_t k = 0; k < len; k++) {
			const json_t *v = json_array_get(best, k);
			series[i][k] = json_is_number(v) ? json_number_value(v) : NAN;
		}
	}
	po_buf_addf(&title, "Batch %s: best score per iteration", po_json_str(r, "batch_id", ""));
	po_svg_multi_chart(out, title.data, names, (const double *const *)series, lens, n);
	for (size_t i = 0; i < n; i++)
		free(series[i]);
	free(series);
	free(lens);
	free(names);
	po_buf_release(&title);
}

int po_batch_report_write(const json_t *r, const char *dir, const char *base,
			  struct po_buf *md_path, struct po_err *err)
{
	struct po_buf md = PO_BUF_INIT, svg = PO_BUF_INIT, path = PO_BUF_INIT, name = PO_BUF_INIT;
	int ret = po_fs_mkdirs(dir, err);

	if (ret)
		return ret;
	po_buf_addf(&name, "%s.svg", base);
	po_batch_report_chart(&svg, r);
	po_buf_addf(&path, "%s/%s", dir, name.data);
	ret = po_fs_replace(path.data, svg.data, svg.len, false, err);
	if (!ret) {
		po_buf_reset(&svg);
		po_batch_report_html(&svg, r);
		po_buf_reset(&path);
		po_buf_addf(&path, "%s/%s.html", dir, base);
		ret = po_fs_replace(path.data, svg.data, svg.len, false, err);
	}
	if (!ret) {
		po_batch_report_markdown(&md, r, name.data);
		po_buf_reset(&path);
		po_buf_addf(&path, "%s/%s.md", dir, base);
		ret = po_fs_replace(path.data, md.data, md.len, false, err);
	}
	if (!ret && md_path) {
		po_buf_reset(md_path);
		po_buf_adds(md_path, path.data);
	}
	po_buf_release(&md);
	po_buf_release(&svg);
	po_buf_release(&path);
	po_buf_release(&name);
	return ret;
}
