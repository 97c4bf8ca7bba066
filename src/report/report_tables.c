/*
 * The run report's tables: the summary of the run (with the simulator's
 * truth), LLM usage and cost per role, and the iteration history.
 */
#include "report/report_sections.h"

#include <math.h>

#include "report/fields.h"
#include "report/md.h"
#include "report/svg.h"
#include "util/json.h"
#include "util/mem.h"

static void row_start(struct po_buf *out, const char *label)
{
	po_buf_addf(out, "| %s | ", label);
}

static void row_end(struct po_buf *out)
{
	po_buf_adds(out, " |\n");
}

static void summary_calls(struct po_buf *out, const json_t *calls)
{
	static const char *const roles[] = { "generate", "judge", "mutate" };
	size_t i;
	int shown = 0;

	po_field_int(out, calls, "total");
	for (i = 0; i < PO_ARRAY_SIZE(roles); i++) {
		if (!json_is_number(json_object_get(calls, roles[i])))
			continue;
		po_buf_adds(out, shown++ ? ", " : " (");
		po_buf_addf(out, "%s ", roles[i]);
		po_field_int(out, calls, roles[i]);
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
			po_field_str(out, providers, roles[i]);
			po_buf_addch(out, '/');
		}
		po_field_str(out, models, roles[i]);
	}
}

static void summary_wall_time(struct po_buf *out, const json_t *fr)
{
	double s;

	if (!po_field_get_num(fr, "wall_seconds", &s)) {
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
	po_field_num(out, ts, "baseline", 2);
	row_end(out);
	row_start(out, "True best score (simulator)");
	po_field_num(out, ts, "best", 2);
	row_end(out);
	row_start(out, "True optimum (simulator)");
	po_field_num(out, ts, "optimum", 2);
	row_end(out);
	row_start(out, "Reported improvement vs true improvement");
	if (po_field_get_num(fr, "improvement", &reported)) {
		po_field_signed(out, reported, 2);
		po_buf_adds(out, " reported vs ");
	} else {
		po_buf_adds(out, "n/a reported vs ");
	}
	if (po_field_get_num(ts, "baseline", &base) && po_field_get_num(ts, "best", &best))
		po_field_signed(out, best - base, 2);
	else
		po_buf_adds(out, "n/a");
	po_buf_adds(out, " true points");
	row_end(out);
	if (po_field_get_num(ts, "best", &best) && po_field_get_num(ts, "optimum", &opt)) {
		row_start(out, "Gap to the optimum");
		po_svg_addnum(out, opt - best, 2);
		po_buf_adds(out, " points");
		row_end(out);
	}
}

/* The held-out rows: improvement with its interval, or why there is none. */
static void summary_heldout(struct po_buf *out, const json_t *fr)
{
	const json_t *h = json_object_get(fr, "heldout");

	row_start(out, "Held-out improvement");
	if (!json_is_object(h)) {
		po_buf_adds(out, "none: no split, the improvement was measured on the cases it was selected on");
		row_end(out);
		return;
	}
	if (po_json_str(h, "skipped", NULL)) {
		po_buf_adds(out, "not evaluated (");
		po_md_text(out, po_json_str(h, "skipped", ""), 0);
		po_buf_adds(out, ")");
		row_end(out);
		return;
	}
	if (!po_json_bool(h, "shown", 0))
		po_buf_adds(out, "**no improvement shown:** ");
	po_field_signed(out, po_json_num(h, "improvement", 0), 2);
	po_buf_adds(out, " points, 95 % CI ");
	po_field_signed(out, po_json_num(h, "ci_low", 0), 2);
	po_buf_adds(out, " to ");
	po_field_signed(out, po_json_num(h, "ci_high", 0), 2);
	po_buf_addf(out, " (%lld test cases: %lld better, %lld worse, %lld same)",
		    (long long)po_json_int(h, "scored", 0), (long long)po_json_int(h, "better", 0),
		    (long long)po_json_int(h, "worse", 0), (long long)po_json_int(h, "same", 0));
	row_end(out);
	row_start(out, "Validation improvement, and its gap to held-out");
	po_field_signed(out, po_json_num(h, "validation_improvement", 0), 2);
	po_buf_adds(out, " points; gap ");
	po_field_signed(out, po_json_num(h, "gap", 0), 2);
	row_end(out);
	if (json_is_number(json_object_get(h, "true_improvement"))) {
		row_start(out, "True held-out improvement (simulator)");
		po_field_signed(out, po_json_num(h, "true_improvement", 0), 2);
		po_buf_adds(out, " points");
		row_end(out);
	}
}

void po_report_section_summary(struct po_buf *out, const json_t *fr)
{
	const json_t *conv = json_object_get(fr, "convergence");
	const json_t *tokens = json_object_get(fr, "tokens");
	double v;

	po_buf_adds(out, "## Summary\n\n| Metric | Value |\n|---|---|\n");
	row_start(out, "Baseline score");
	po_field_num(out, fr, "baseline_score", 2);
	row_end(out);
	row_start(out, "Final score");
	po_field_num(out, fr, "final_score", 2);
	row_end(out);
	row_start(out, "Improvement");
	if (po_field_get_num(fr, "improvement", &v)) {
		po_field_signed(out, v, 2);
		po_buf_adds(out, " points");
	} else {
		po_buf_adds(out, "n/a");
	}
	if (po_field_get_num(fr, "improvement_percent", &v)) {
		po_buf_adds(out, " (");
		po_field_signed(out, v, 2);
		po_buf_adds(out, "%)");
	}
	row_end(out);
	row_start(out, "Iterations run");
	po_field_int(out, fr, "iterations_run");
	po_buf_adds(out, " of ");
	po_field_int(out, fr, "max_iterations");
	if (po_field_true(conv, "stopped_early"))
		po_buf_adds(out, " (stopped early: converged)");
	row_end(out);
	row_start(out, "Strategy");
	po_field_str(out, fr, "strategy");
	row_end(out);
	row_start(out, "Provider");
	po_field_str(out, fr, "provider");
	row_end(out);
	row_start(out, "Models");
	summary_models(out, json_object_get(fr, "models"), json_object_get(fr, "providers"));
	row_end(out);
	row_start(out, "Seed");
	po_field_int(out, fr, "seed");
	row_end(out);
	row_start(out, "LLM calls");
	summary_calls(out, json_object_get(fr, "calls"));
	row_end(out);
	row_start(out, "Tokens");
	po_field_int(out, tokens, "input");
	po_buf_adds(out, " input, ");
	po_field_int(out, tokens, "output");
	po_buf_adds(out, " output");
	row_end(out);
	row_start(out, "Failed evaluations");
	po_field_int(out, fr, "failed_evaluations");
	row_end(out);
	row_start(out, "Wall time");
	summary_wall_time(out, fr);
	row_end(out);
	summary_heldout(out, fr);
	summary_true_score(out, fr);
	po_buf_addch(out, '\n');
}

void po_report_section_usage(struct po_buf *out, const json_t *fr)
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
		po_field_int(out, calls, roles[i]);
		po_buf_adds(out, " | ");
		po_field_int(out, hits, roles[i]);
		po_buf_adds(out, " | ");
		po_field_int(out, t, "input");
		po_buf_adds(out, " | ");
		po_field_int(out, t, "output");
		po_buf_adds(out, " | ");
		po_field_num(out, json_object_get(cost, "by_role"), roles[i], 4);
		po_buf_adds(out, " |\n");
	}
	po_buf_adds(out, "| **total** | ");
	po_field_int(out, calls, "total");
	po_buf_adds(out, " | ");
	po_field_int(out, json_object_get(fr, "cache"), "hits");
	po_buf_adds(out, " | ");
	po_field_int(out, json_object_get(fr, "tokens"), "input");
	po_buf_adds(out, " | ");
	po_field_int(out, json_object_get(fr, "tokens"), "output");
	po_buf_adds(out, " | ");
	po_field_num(out, cost, "total_usd", 4);
	po_buf_adds(out, " |\n\nPrices of ");
	po_field_str(out, cost, "prices_date");
	po_buf_adds(out, " (");
	po_field_str(out, cost, "prices");
	po_buf_adds(out, "); the cache saved $");
	po_field_num(out, cost, "saved_by_cache_usd", 4);
	po_buf_adds(out, ".");
	if (po_json_int(cost, "unpriced_calls", 0) > 0) {
		po_buf_adds(out, " ");
		po_field_int(out, cost, "unpriced_calls");
		po_buf_adds(out, " calls used a model missing from the price table and are counted at $0.");
	}
	if (po_field_true(budget, "stopped") && msg && *msg) {
		po_buf_adds(out, " The run stopped at its limit: ");
		po_md_text(out, msg, PO_MD_LINE_START);
		po_buf_adds(out, ".");
	}
	po_buf_adds(out, "\n\n");
}

static void history_row(struct po_buf *out, const json_t *h)
{
	double it, failed;
	const json_t *imp = json_object_get(h, "improved");

	po_buf_adds(out, "| ");
	po_field_int(out, h, "iteration");
	po_buf_adds(out, " | ");
	po_field_num(out, h, "score", 2);
	po_buf_adds(out, " | ");
	po_field_num(out, h, "best_score", 2);
	po_buf_adds(out, " | ");
	if (po_field_get_num(h, "iteration", &it) && it == 0)
		po_buf_adds(out, "baseline");
	else if (json_is_boolean(imp))
		po_buf_adds(out, json_is_true(imp) ? "\xe2\x9c\x93" : "\xe2\x9c\x97");
	else
		po_buf_adds(out, "n/a");
	po_buf_adds(out, " | ");
	po_field_int(out, h, "evaluated");
	if (po_field_get_num(h, "failed", &failed) && failed > 0) {
		po_buf_adds(out, " (");
		po_svg_addnum(out, failed, 0);
		po_buf_adds(out, " failed)");
	}
	po_buf_adds(out, " | ");
	po_field_str(out, h, "candidate");
	if (json_is_string(json_object_get(h, "operator"))) {
		po_buf_adds(out, " (");
		po_field_str(out, h, "operator");
		po_buf_adds(out, ")");
	}
	if (json_is_string(json_object_get(h, "no_candidate"))) {
		po_buf_adds(out, ": ");
		po_field_str(out, h, "no_candidate");
	}
	po_buf_adds(out, " |\n");
}

void po_report_section_history(struct po_buf *out, const json_t *fr)
{
	json_t *hist = po_field_history(fr);
	size_t i;

	po_buf_adds(out, "## Iteration History\n\n");
	if (!json_array_size(hist)) {
		po_buf_adds(out, "No iterations were recorded.\n\n");
		json_decref(hist);
		return;
	}
	po_buf_adds(out, "| Iteration | Score | Best | Improved | Cases scored | Candidate |\n"
		    "|---:|---:|---:|:---:|---:|---|\n");
	for (i = 0; i < json_array_size(hist); i++)
		history_row(out, json_array_get(hist, i));
	po_buf_addch(out, '\n');
	json_decref(hist);
}
