/*
 * The experiment report: turns optimization_final_results.json into a
 * Markdown document (summary, history, convergence analysis, best prompts,
 * next steps) and writes it with its SVG chart into the docs folder.
 */
#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/md.h"
#include "report/svg.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timeutil.h"

/* A history longer than this is bad input, not a run; the chart ignores the rest. */
#define MAX_CHART_ITERATIONS 100000
/* Longest project name used in a file name. */
#define MAX_NAME_IN_FILE 100

/* Appends s as one shell word: as is when plain, else single-quoted. */
static void sh_word(struct po_buf *out, const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_./:=+-@%,", *p))
			break;
	if (*s && !*p) {
		po_buf_adds(out, s);
		return;
	}
	po_buf_addch(out, '\'');
	for (p = s; *p; p++) {
		if (*p == '\'')
			po_buf_adds(out, "'\\''");
		else
			po_buf_addch(out, *p);
	}
	po_buf_addch(out, '\'');
}

/* ---- values that may be missing ------------------------------------------ */

static int get_num(const json_t *obj, const char *key, double *v)
{
	const json_t *j = json_object_get(obj, key);

	if (!json_is_number(j))
		return 0;
	*v = json_number_value(j);
	return isfinite(*v);
}

static void add_num(struct po_buf *out, const json_t *obj, const char *key, int decimals)
{
	double v;

	if (get_num(obj, key, &v))
		po_svg_addnum(out, v, decimals);
	else
		po_buf_adds(out, "n/a");
}

/* A setting, as short as it can be: 0.1, 5, 0.25. */
static void add_setting(struct po_buf *out, const json_t *obj, const char *key)
{
	size_t start = out->len;

	add_num(out, obj, key, 2);
	if (!memchr(out->data + start, '.', out->len - start))
		return;
	while (out->data[out->len - 1] == '0')
		po_buf_setlen(out, out->len - 1);
	if (out->data[out->len - 1] == '.')
		po_buf_setlen(out, out->len - 1);
}

static void add_signed(struct po_buf *out, double v, int decimals)
{
	if (v > 0 && round(v * 100) != 0)
		po_buf_addch(out, '+');
	po_svg_addnum(out, v, decimals);
}

static void add_int(struct po_buf *out, const json_t *obj, const char *key)
{
	double v;

	if (get_num(obj, key, &v))
		po_svg_addnum(out, v, 0);
	else
		po_buf_adds(out, "n/a");
}

static void add_str(struct po_buf *out, const json_t *obj, const char *key)
{
	const char *s = po_json_str(obj, key, NULL);

	if (s && *s)
		po_md_text(out, s, PO_MD_LINE_START);
	else
		po_buf_adds(out, "n/a");
}

static void add_yes_no(struct po_buf *out, const json_t *obj, const char *key)
{
	const json_t *j = json_object_get(obj, key);

	if (json_is_boolean(j))
		po_buf_adds(out, json_is_true(j) ? "Yes" : "No");
	else
		po_buf_adds(out, "n/a");
}

static int is_true(const json_t *obj, const char *key)
{
	return json_is_true(json_object_get(obj, key));
}

/* ---- sections -------------------------------------------------------------- */

static void row_start(struct po_buf *out, const char *label)
{
	po_buf_addf(out, "| %s | ", label);
}

static void row_end(struct po_buf *out)
{
	po_buf_adds(out, " |\n");
}

static void section_title(struct po_buf *out, const json_t *fr)
{
	const char *ts = po_json_str(fr, "timestamp", NULL);
	double unixtime;
	char iso[32];

	po_buf_adds(out, "# Experiment Report: ");
	add_str(out, fr, "project");
	po_buf_adds(out, "\n\n**Date:** ");
	if (ts && *ts) {
		po_md_text(out, ts, PO_MD_LINE_START);
	} else if (get_num(fr, "unixtime", &unixtime)) {
		po_time_iso8601((int64_t)unixtime, iso, sizeof(iso));
		po_md_text(out, iso, PO_MD_LINE_START);
	} else {
		po_buf_adds(out, "n/a");
	}
	po_buf_adds(out, "\n\n");
}

static void summary_calls(struct po_buf *out, const json_t *calls)
{
	static const char *const roles[] = { "generate", "judge", "mutate" };
	size_t i;
	int shown = 0;

	add_int(out, calls, "total");
	for (i = 0; i < PO_ARRAY_SIZE(roles); i++) {
		if (!json_is_number(json_object_get(calls, roles[i])))
			continue;
		po_buf_adds(out, shown++ ? ", " : " (");
		po_buf_addf(out, "%s ", roles[i]);
		add_int(out, calls, roles[i]);
	}
	if (shown)
		po_buf_addch(out, ')');
}

/* "generate anthropic/claude-...": the provider is named when the results
 * say which one each role used (older results name only the model). */
static void summary_models(struct po_buf *out, const json_t *models, const json_t *providers)
{
	static const char *const roles[] = { "generate", "judge", "mutate" };
	size_t i;

	if (!json_is_object(models)) {
		po_buf_adds(out, "n/a");
		return;
	}
	for (i = 0; i < PO_ARRAY_SIZE(roles); i++) {
		if (i)
			po_buf_adds(out, ", ");
		po_buf_addf(out, "%s ", roles[i]);
		if (json_is_string(json_object_get(providers, roles[i]))) {
			add_str(out, providers, roles[i]);
			po_buf_addch(out, '/');
		}
		add_str(out, models, roles[i]);
	}
}

static void summary_wall_time(struct po_buf *out, const json_t *fr)
{
	double s;

	if (!get_num(fr, "wall_seconds", &s)) {
		po_buf_adds(out, "n/a");
		return;
	}
	po_svg_addnum(out, s, 2);
	po_buf_adds(out, " s");
	if (s >= 60) {
		long long total = llround(s);

		po_buf_addf(out, " (%lld min %lld s)", total / 60, total % 60);
	}
}

static void summary_true_score(struct po_buf *out, const json_t *fr)
{
	const json_t *ts = json_object_get(fr, "true_score");
	double base, best, opt, reported;

	if (!json_is_object(ts))
		return;
	row_start(out, "True baseline score (simulator)");
	add_num(out, ts, "baseline", 2);
	row_end(out);
	row_start(out, "True best score (simulator)");
	add_num(out, ts, "best", 2);
	row_end(out);
	row_start(out, "True optimum (simulator)");
	add_num(out, ts, "optimum", 2);
	row_end(out);
	row_start(out, "Reported improvement vs true improvement");
	if (get_num(fr, "improvement", &reported)) {
		add_signed(out, reported, 2);
		po_buf_adds(out, " reported vs ");
	} else {
		po_buf_adds(out, "n/a reported vs ");
	}
	if (get_num(ts, "baseline", &base) && get_num(ts, "best", &best))
		add_signed(out, best - base, 2);
	else
		po_buf_adds(out, "n/a");
	po_buf_adds(out, " true points");
	row_end(out);
	if (get_num(ts, "best", &best) && get_num(ts, "optimum", &opt)) {
		row_start(out, "Gap to the optimum");
		po_svg_addnum(out, opt - best, 2);
		po_buf_adds(out, " points");
		row_end(out);
	}
}

static void section_summary(struct po_buf *out, const json_t *fr)
{
	const json_t *conv = json_object_get(fr, "convergence");
	const json_t *tokens = json_object_get(fr, "tokens");
	double v;

	po_buf_adds(out, "## Summary\n\n| Metric | Value |\n|---|---|\n");
	row_start(out, "Baseline score");
	add_num(out, fr, "baseline_score", 2);
	row_end(out);
	row_start(out, "Final score");
	add_num(out, fr, "final_score", 2);
	row_end(out);
	row_start(out, "Improvement");
	if (get_num(fr, "improvement", &v)) {
		add_signed(out, v, 2);
		po_buf_adds(out, " points");
	} else {
		po_buf_adds(out, "n/a");
	}
	if (get_num(fr, "improvement_percent", &v)) {
		po_buf_adds(out, " (");
		add_signed(out, v, 2);
		po_buf_adds(out, "%)");
	}
	row_end(out);
	row_start(out, "Iterations run");
	add_int(out, fr, "iterations_run");
	po_buf_adds(out, " of ");
	add_int(out, fr, "max_iterations");
	if (is_true(conv, "stopped_early"))
		po_buf_adds(out, " (stopped early: converged)");
	row_end(out);
	row_start(out, "Strategy");
	add_str(out, fr, "strategy");
	row_end(out);
	row_start(out, "Provider");
	add_str(out, fr, "provider");
	row_end(out);
	row_start(out, "Models");
	summary_models(out, json_object_get(fr, "models"), json_object_get(fr, "providers"));
	row_end(out);
	row_start(out, "Seed");
	add_int(out, fr, "seed");
	row_end(out);
	row_start(out, "LLM calls");
	summary_calls(out, json_object_get(fr, "calls"));
	row_end(out);
	row_start(out, "Tokens");
	add_int(out, tokens, "input");
	po_buf_adds(out, " input, ");
	add_int(out, tokens, "output");
	po_buf_adds(out, " output");
	row_end(out);
	row_start(out, "Failed evaluations");
	add_int(out, fr, "failed_evaluations");
	row_end(out);
	row_start(out, "Wall time");
	summary_wall_time(out, fr);
	row_end(out);
	summary_true_score(out, fr);
	po_buf_addch(out, '\n');
}

/* Calls, tokens and dollars per role (absent from results of older runs). */
static void section_usage(struct po_buf *out, const json_t *fr)
{
	static const char *const roles[] = { "generate", "judge", "mutate" };
	const json_t *calls = json_object_get(fr, "calls");
	const json_t *tok = json_object_get(json_object_get(fr, "tokens"), "by_role");
	const json_t *cost = json_object_get(fr, "cost");
	const json_t *hits = json_object_get(json_object_get(fr, "cache"), "hits_by_role");
	const json_t *budget = json_object_get(fr, "budget");
	const char *msg = po_json_str(budget, "message", NULL);
	size_t i;

	if (!json_is_object(cost) || !json_is_object(tok))
		return;
	po_buf_adds(out, "## LLM Usage and Cost\n\n"
		    "| Role | Calls | Cache hits | Input tokens | Output tokens | Cost (USD) |\n"
		    "|---|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < PO_ARRAY_SIZE(roles); i++) {
		const json_t *t = json_object_get(tok, roles[i]);
		po_buf_addf(out, "| %s | ", roles[i]);
		add_int(out, calls, roles[i]);
		po_buf_adds(out, " | ");
		add_int(out, hits, roles[i]);
		po_buf_adds(out, " | ");
		add_int(out, t, "input");
		po_buf_adds(out, " | ");
		add_int(out, t, "output");
		po_buf_adds(out, " | ");
		add_num(out, json_object_get(cost, "by_role"), roles[i], 4);
		po_buf_adds(out, " |\n");
	}
	po_buf_adds(out, "| **total** | ");
	add_int(out, calls, "total");
	po_buf_adds(out, " | ");
	add_int(out, json_object_get(fr, "cache"), "hits");
	po_buf_adds(out, " | ");
	add_int(out, json_object_get(fr, "tokens"), "input");
	po_buf_adds(out, " | ");
	add_int(out, json_object_get(fr, "tokens"), "output");
	po_buf_adds(out, " | ");
	add_num(out, cost, "total_usd", 4);
	po_buf_adds(out, " |\n\nPrices of ");
	add_str(out, cost, "prices_date");
	po_buf_adds(out, " (");
	add_str(out, cost, "prices");
	po_buf_adds(out, "); the cache saved $");
	add_num(out, cost, "saved_by_cache_usd", 4);
	po_buf_adds(out, ".");
	if (po_json_int(cost, "unpriced_calls", 0) > 0) {
		po_buf_adds(out, " ");
		add_int(out, cost, "unpriced_calls");
		po_buf_adds(out, " calls used a model missing from the price table and are counted at $0.");
	}
	if (is_true(budget, "stopped") && msg && *msg) {
		po_buf_adds(out, " The run stopped at its limit: ");
		po_md_text(out, msg, PO_MD_LINE_START);
		po_buf_adds(out, ".");
	}
	po_buf_adds(out, "\n\n");
}

static void section_chart(struct po_buf *out, const char *svg_name)
{
	if (!svg_name || !*svg_name)
		return;
	po_buf_adds(out, "![Score per iteration](");
	po_md_link_dest(out, svg_name);
	po_buf_adds(out, ")\n\n*Blue: the score of the candidate evaluated at each iteration"
		    " (iteration 0 is the baseline). Orange: the best score so far.*\n\n");
}

static void history_row(struct po_buf *out, const json_t *h)
{
	double it, failed;
	const json_t *imp = json_object_get(h, "improved");

	po_buf_adds(out, "| ");
	add_int(out, h, "iteration");
	po_buf_adds(out, " | ");
	add_num(out, h, "score", 2);
	po_buf_adds(out, " | ");
	add_num(out, h, "best_score", 2);
	po_buf_adds(out, " | ");
	if (get_num(h, "iteration", &it) && it == 0)
		po_buf_adds(out, "baseline");
	else if (json_is_boolean(imp))
		po_buf_adds(out, json_is_true(imp) ? "\xe2\x9c\x93" : "\xe2\x9c\x97");
	else
		po_buf_adds(out, "n/a");
	po_buf_adds(out, " | ");
	add_int(out, h, "evaluated");
	if (get_num(h, "failed", &failed) && failed > 0) {
		po_buf_adds(out, " (");
		po_svg_addnum(out, failed, 0);
		po_buf_adds(out, " failed)");
	}
	po_buf_adds(out, " | ");
	add_str(out, h, "candidate");
	po_buf_adds(out, " |\n");
}

static void section_history(struct po_buf *out, const json_t *fr)
{
	const json_t *hist = json_object_get(fr, "iteration_history");
	size_t i;

	po_buf_adds(out, "## Iteration History\n\n");
	if (!json_is_array(hist) || !json_array_size(hist)) {
		po_buf_adds(out, "No iterations were recorded.\n\n");
		return;
	}
	po_buf_adds(out, "| Iteration | Score | Best | Improved | Cases scored | Candidate |\n"
		    "|---:|---:|---:|:---:|---:|---|\n");
	for (i = 0; i < json_array_size(hist); i++)
		history_row(out, json_array_get(hist, i));
	po_buf_addch(out, '\n');
}

static void item_start(struct po_buf *out, const char *label)
{
	po_buf_addf(out, "- **%s:** ", label);
}

static void section_convergence(struct po_buf *out, const json_t *fr)
{
	const json_t *conv = json_object_get(fr, "convergence");
	double wasted, v;

	po_buf_adds(out, "## Convergence Analysis\n\n");
	if (!json_is_object(conv)) {
		po_buf_adds(out, "No convergence data was recorded.\n\n");
		return;
	}
	item_start(out, "Converged");
	add_yes_no(out, conv, "converged");
	po_buf_addch(out, '\n');
	item_start(out, "Convergence Iteration");
	add_int(out, conv, "convergence_iteration");
	po_buf_addch(out, '\n');
	item_start(out, "Wasted Iterations");
	add_int(out, conv, "wasted_iterations");
	if (get_num(conv, "wasted_iterations", &wasted)) {
		if (wasted == 0 && is_true(conv, "stopped_early"))
			po_buf_adds(out, " (early stop prevented waste)");
		else if (wasted > 0)
			po_buf_adds(out, " (run after convergence)");
	}
	po_buf_addch(out, '\n');
	item_start(out, "Plateau Variance");
	if (get_num(conv, "plateau_variance", &v)) {
		po_buf_adds(out, "\xc2\xb1");
		po_svg_addnum(out, v, 2);
	} else {
		po_buf_adds(out, "n/a");
	}
	po_buf_addch(out, '\n');
	item_start(out, "Plateau Std Dev");
	add_num(out, conv, "plateau_stddev", 2);
	po_buf_addch(out, '\n');
	item_start(out, "Plateau Average");
	add_num(out, conv, "plateau_average", 2);
	po_buf_addch(out, '\n');
	item_start(out, "Best Score");
	add_num(out, conv, "best_score", 2);
	po_buf_addch(out, '\n');
	item_start(out, "Total Iterations");
	add_int(out, conv, "total_iterations");
	if (is_true(conv, "stopped_early") && get_num(fr, "max_iterations", &v)) {
		po_buf_adds(out, " (stopped early from ");
		po_svg_addnum(out, v, 0);
		po_buf_addch(out, ')');
	}
	po_buf_addch(out, '\n');
	item_start(out, "No Improvement Count");
	add_int(out, conv, "no_improvement_count");
	po_buf_adds(out, "\n\n");

	if (json_is_false(json_object_get(conv, "enabled"))) {
		po_buf_adds(out, "Convergence detection was disabled: the run used all its"
			    " iterations.\n\n");
		return;
	}
	po_buf_adds(out, "Detection: stop after ");
	add_int(out, conv, "no_improvement_threshold");
	po_buf_adds(out, " consecutive iterations without an improvement of at least ");
	add_setting(out, conv, "min_improvement_percent");
	po_buf_adds(out, "% of the best score.\n\n");
}

static void section_recommendations(struct po_buf *out, const json_t *fr)
{
	const json_t *recs = json_object_get(fr, "recommendations");
	size_t i;
	int n = 0;

	po_buf_adds(out, "## Recommendations\n\n");
	for (i = 0; i < json_array_size(recs); i++) {
		const char *s = json_string_value(json_array_get(recs, i));

		if (!s || !*s)
			continue;
		po_buf_addf(out, "%d. ", ++n);
		po_md_text(out, s, PO_MD_LINE_START);
		po_buf_addch(out, '\n');
	}
	if (!n)
		po_buf_adds(out, "No recommendations.\n");
	po_buf_addch(out, '\n');
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void section_prompts(struct po_buf *out, const json_t *fr)
{
	const json_t *prompts = json_object_get(fr, "best_prompts");
	const char **names;
	const char *key;
	json_t *val;
	size_t n = 0, i;

	po_buf_adds(out, "## Best Prompts\n\n");
	if (!json_is_object(prompts) || !json_object_size(prompts)) {
		po_buf_adds(out, "No prompts were recorded.\n\n");
		return;
	}
	/* Sorted, so two reports of the same prompts diff cleanly. */
	PO_ALLOC_ARRAY(names, json_object_size(prompts));
	json_object_foreach((json_t *)prompts, key, val)
		names[n++] = key;
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		const char *tpl = json_string_value(json_object_get(prompts, names[i]));

		po_buf_adds(out, "### ");
		po_md_code(out, names[i], 0);
		po_buf_adds(out, "\n\n");
		if (tpl)
			po_md_fence(out, tpl, "text");
		else
			po_buf_adds(out, "n/a\n");
		po_buf_addch(out, '\n');
	}
	free(names);
}

static void section_files(struct po_buf *out, const json_t *fr, const char *svg_name)
{
	const char *dir = po_json_str(fr, "results_dir", NULL);
	const json_t *files = json_object_get(fr, "files");
	struct po_buf path = PO_BUF_INIT;
	size_t i;

	po_buf_adds(out, "## Files Generated\n\n");
	po_buf_adds(out, "Results folder: ");
	if (dir && *dir) {
		po_buf_addf(&path, "%s/", dir);
		po_md_code(out, path.data, 0);
	} else {
		po_buf_adds(out, "n/a");
	}
	po_buf_adds(out, "\n\n");
	for (i = 0; i < json_array_size(files); i++) {
		const char *f = json_string_value(json_array_get(files, i));

		if (!f)
			continue;
		if (dir && *dir) {
			po_fs_join(&path, dir, f);
		} else {
			po_buf_reset(&path);
			po_buf_adds(&path, f);
		}
		po_buf_adds(out, "- ");
		po_md_code(out, path.data, 0);
		po_buf_addch(out, '\n');
	}
	if (svg_name && *svg_name) {
		po_buf_adds(out, "- ");
		po_md_code(out, svg_name, 0);
		po_buf_adds(out, " (the chart, next to this report)\n");
	}
	po_buf_addch(out, '\n');
	po_buf_release(&path);
}

static void next_step_thresholds(struct po_buf *out, const json_t *fr)
{
	const json_t *conv = json_object_get(fr, "convergence");
	const char *project = po_json_str(fr, "project", NULL);
	struct po_buf file = PO_BUF_INIT;
	double v, max_it, run;

	po_buf_adds(out, "**Adjust the thresholds** (`no_improvement_threshold` = ");
	add_setting(out, conv, "no_improvement_threshold");
	po_buf_adds(out, ", `min_improvement_percent` = ");
	add_setting(out, conv, "min_improvement_percent");
	if (project && *project) {
		po_buf_addf(&file, "config_%s.json", project);
		po_buf_adds(out, " in ");
		po_md_code(out, file.data, 0);
		po_buf_release(&file);
	}
	po_buf_adds(out, "):");
	if (json_is_false(json_object_get(conv, "converged")) &&
	    get_num(fr, "max_iterations", &max_it) && get_num(fr, "iterations_run", &run) &&
	    run >= max_it)
		po_buf_adds(out, " the run did not converge within its iterations; run longer"
			    " with more `--iterations`.");
	else if (get_num(conv, "wasted_iterations", &v) && v > 0)
		po_buf_adds(out, " iterations ran after convergence; enable early stopping.");
	else if (get_num(conv, "plateau_variance", &v) && v > 5)
		po_buf_adds(out, " the plateau is wide, so mutations may be too aggressive or"
			    " the judge too noisy; score more test cases or samples.");
	else
		po_buf_adds(out, " lower the threshold to stop sooner, raise it to search"
			    " longer.");
}

static void section_next_steps(struct po_buf *out, const json_t *fr)
{
	const char *project = po_json_str(fr, "project", NULL);
	const char *dir = po_json_str(fr, "results_dir", NULL);
	const json_t *ts = json_object_get(fr, "true_score");
	struct po_buf cmd = PO_BUF_INIT, file = PO_BUF_INIT;
	double base, best, reported, max_it;
	int n = 0;

	po_buf_adds(out, "## Next Steps\n\n");
	if (project && *project) {
		po_buf_addf(&file, "prompts_%s.json", project);
		if (dir && *dir) {
			struct po_buf tmp = PO_BUF_INIT;

			po_fs_join(&tmp, dir, file.data);
			po_buf_reset(&file);
			po_buf_adds(&file, tmp.data);
			po_buf_release(&tmp);
		}
		po_buf_adds(&cmd, "cp ");
		sh_word(&cmd, file.data);
		po_buf_adds(&cmd, " path/to/your/prompts.json");
		po_buf_addf(out, "%d. **Deploy the best prompts:** ", ++n);
		po_md_code(out, cmd.data, 0);
		po_buf_addch(out, '\n');
	}
	if (project && *project) {
		double seed = 42;

		/* Another seed shows whether the gain holds or was luck. */
		get_num(fr, "seed", &seed);
		po_buf_reset(&cmd);
		po_buf_adds(&cmd, "promptopt run --project ");
		sh_word(&cmd, project);
		po_buf_adds(&cmd, " --iterations ");
		if (get_num(fr, "max_iterations", &max_it) && max_it >= 1)
			po_svg_addnum(&cmd, max_it, 0);
		else
			po_buf_adds(&cmd, "20");
		po_buf_adds(&cmd, " --seed ");
		po_svg_addnum(&cmd, seed + 1, 0);
		po_buf_adds(&cmd, " --results-dir ");
		po_buf_reset(&file);
		po_buf_adds(&file, "results-seed-");
		po_svg_addnum(&file, seed + 1, 0);
		sh_word(&cmd, file.data);
		po_buf_addf(out, "%d. **Run again with another seed** to check that the gain holds: ",
			    ++n);
		po_md_code(out, cmd.data, 0);
		po_buf_addch(out, '\n');
	}
	po_buf_addf(out, "%d. ", ++n);
	next_step_thresholds(out, fr);
	po_buf_addch(out, '\n');
	if (json_is_object(ts) && get_num(ts, "baseline", &base) && get_num(ts, "best", &best) &&
	    get_num(fr, "improvement", &reported) && reported - (best - base) > 0.5) {
		po_buf_addf(out, "%d. **Mind the noise:** the reported improvement exceeds the"
			    " true one by ", ++n);
		po_svg_addnum(out, reported - (best - base), 2);
		po_buf_adds(out, " points (the winner's curse); score more test cases before"
			    " trusting small gains.\n");
	}
	if (project && *project) {
		po_buf_reset(&cmd);
		po_buf_adds(&cmd, "promptopt status --project ");
		sh_word(&cmd, project);
		po_buf_addf(out, "%d. **Check results later:** ", ++n);
		po_md_code(out, cmd.data, 0);
		po_buf_addch(out, '\n');
	}
	po_buf_release(&cmd);
	po_buf_release(&file);
}

void po_report_markdown(struct po_buf *out, const json_t *final_results, const char *svg_name)
{
	const json_t *fr = json_is_object(final_results) ? final_results : NULL;

	section_title(out, fr);
	section_summary(out, fr);
	section_usage(out, fr);
	section_chart(out, svg_name);
	section_history(out, fr);
	section_convergence(out, fr);
	section_recommendations(out, fr);
	section_prompts(out, fr);
	section_files(out, fr, svg_name);
	section_next_steps(out, fr);
}

/* ---- writing ------------------------------------------------------------- */

/*
 * Series for the chart, indexed by the "iteration" field (position when it
 * is missing); iterations without a score are NaN, drawn as gaps.
 */
static size_t chart_series(const json_t *fr, double **score, double **best)
{
	const json_t *hist = json_object_get(fr, "iteration_history");
	size_t i, n = 0, len = json_array_size(hist);
	double it;

	for (i = 0; i < len; i++) {
		const json_t *h = json_array_get(hist, i);
		size_t idx = i;

		if (get_num(h, "iteration", &it) && it >= 0 && it < MAX_CHART_ITERATIONS)
			idx = (size_t)it;
		if (idx < MAX_CHART_ITERATIONS && idx + 1 > n)
			n = idx + 1;
	}
	*score = po_xmalloc((n ? n : 1) * sizeof(double));
	*best = po_xmalloc((n ? n : 1) * sizeof(double));
	for (i = 0; i < n; i++)
		(*score)[i] = (*best)[i] = NAN;
	for (i = 0; i < len; i++) {
		const json_t *h = json_array_get(hist, i);
		size_t idx = i;
		double v;

		if (get_num(h, "iteration", &it) && it >= 0 && it < MAX_CHART_ITERATIONS)
			idx = (size_t)it;
		if (idx >= n)
			continue;
		if (get_num(h, "score", &v))
			(*score)[idx] = v;
		if (get_num(h, "best_score", &v))
			(*best)[idx] = v;
	}
	return n;
}

/* The project name as a file name part: no '/', no control characters, no leading '.'. */
static void name_for_file(struct po_buf *out, const char *project)
{
	size_t i;

	if (!project || !*project)
		project = "unnamed";
	for (i = 0; project[i] && i < MAX_NAME_IN_FILE; i++) {
		char c = project[i];

		if (c == '/' || c == '\\' || (unsigned char)c < 0x20 || (i == 0 && c == '.'))
			c = '_';
		po_buf_addch(out, c);
	}
}

/*
 * Two runs of one project in the same second must not share a report: the
 * name is claimed by creating "<base>.md" exclusively (the report replaces
 * it atomically later), with "_2", "_3"... appended while it is taken.
 */
static int reserve_name(const char *docs_dir, struct po_buf *base, struct po_err *err)
{
	struct po_buf path = PO_BUF_INIT;
	size_t stem = base->len;
	int ret = 0;

	for (int k = 1;; k++) {
		int fd;

		if (k > 1) {
			po_buf_setlen(base, stem);
			po_buf_addf(base, "_%d", k);
		}
		po_buf_reset(&path);
		po_fs_join(&path, docs_dir, base->data);
		po_buf_adds(&path, ".md");
		fd = open(path.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0) {
			close(fd);
			break;
		}
		if (errno != EEXIST || k == 1000) {
			ret = po_error(err, PO_EIO, "cannot create '%s': %s", path.data,
				       strerror(errno));
			break;
		}
	}
	po_buf_release(&path);
	return ret;
}

int po_report_write(const json_t *final_results, const char *docs_dir, int64_t unixtime,
		    struct po_buf *md_path, struct po_err *err)
{
	const char *project = po_json_str(final_results, "project", NULL);
	struct po_buf base = PO_BUF_INIT, name = PO_BUF_INIT, path = PO_BUF_INIT;
	struct po_buf text = PO_BUF_INIT, title = PO_BUF_INIT;
	double *score = NULL, *best = NULL;
	size_t n;
	int ret;

	if (!docs_dir || !*docs_dir)
		docs_dir = "docs";
	ret = po_fs_mkdirs(docs_dir, err);
	if (ret < 0)
		goto out;

	po_buf_adds(&base, "EXPERIMENT_");
	name_for_file(&base, project);
	po_buf_addf(&base, "_%lld", (long long)unixtime);
	ret = reserve_name(docs_dir, &base, err);
	if (ret < 0)
		goto out;

	n = chart_series(final_results, &score, &best);
	po_buf_addf(&title, "Score per iteration: %s", project ? project : "n/a");
	po_svg_score_chart(&text, title.data, score, best, n);
	po_buf_addf(&name, "%s.svg", base.data);
	po_fs_join(&path, docs_dir, name.data);
	/* The chart first: the report never links to a missing file. */
	ret = po_fs_write_atomic(path.data, text.data, text.len, err);
	if (ret < 0)
		goto out;

	po_buf_reset(&text);
	po_report_markdown(&text, final_results, name.data);
	po_buf_reset(&name);
	po_buf_addf(&name, "%s.md", base.data);
	po_fs_join(&path, docs_dir, name.data);
	ret = po_fs_write_atomic(path.data, text.data, text.len, err);
	if (ret < 0)
		goto out;
	po_buf_reset(md_path);
	po_buf_adds(md_path, path.data);
out:
	if (ret < 0 && err)
		err->code = PO_EIO;
	if (ret < 0)
		ret = PO_EIO;
	free(score);
	free(best);
	po_buf_release(&base);
	po_buf_release(&name);
	po_buf_release(&path);
	po_buf_release(&text);
	po_buf_release(&title);
	return ret;
}
