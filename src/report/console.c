/*
 * The console text of a run (see console.h): the seed's lines per
 * iteration, its convergence notice and CONVERGENCE ANALYSIS block.
 */
#include "report/console.h"

#include <math.h>
#include <string.h>
#include <stdio.h>

#include "util/json.h"

/* Failed evaluations are left out of a score, never hidden. */
static void print_failed(struct po_buf *out, const struct po_event *ev)
{
	if (ev->failed > 0)
		po_buf_addf(out, "    (%d of %d evaluation%s failed and %s left out of this score; see the evaluation file)\n",
		       ev->failed, ev->cases, ev->cases == 1 ? "" : "s",
		       ev->failed == 1 ? "was" : "were");
}

/* Characters (not bytes) of UTF-8 text s[0..n). */
static size_t columns(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

void po_console_wrap(struct po_buf *out, const char *text)
{
	const char *line = text;
	bool first = true;

	while (*line) {
		size_t width = first ? PO_CONSOLE_COLUMNS : PO_CONSOLE_COLUMNS - 2, len = 0, cut = 0;

		/* The longest run of words that fits; a longer word stands alone. */
		while (line[len] && line[len] != '\n') {
			if (line[len] == ' ' && columns(line, len) <= width)
				cut = len;
			len++;
		}
		if (columns(line, len) <= width || !cut)
			cut = len;
		while (cut > 0 && line[cut - 1] == ' ')
			cut--;
		po_buf_addf(out, "%s%.*s\n", first ? "" : "  ", (int)cut, line);
		line += cut;
		while (*line == ' ')
			line++;
		if (*line == '\n') {
			line++;
			first = true;
		} else {
			first = false;
		}
	}
}

void po_console_event(struct po_buf *out, const struct po_event *ev)
{
	switch (ev->kind) {
	case PO_EV_INFO:
	case PO_EV_WARNING:
		po_buf_addf(out, "%s\n", ev->message);
		break;
	case PO_EV_BASELINE:
		po_buf_addf(out, "Baseline score: %.2f\n", ev->score);
		print_failed(out, ev);
		break;
	case PO_EV_ITERATION:
		po_buf_addf(out, "=== Iteration %d/%d ===  ", ev->iteration, ev->max_iterations);
		if (isfinite(ev->score))
			po_buf_addf(out, "Current score: %.2f  Best: %.2f  ", ev->score, ev->best);
		else
			po_buf_addf(out, "Current score: n/a  Best: %.2f  ", ev->best);
		if (ev->improved)
			po_buf_addf(out, "\u2713 Improvement! %.2f \u2192 %.2f\n", ev->previous_best, ev->best);
		else if (!isfinite(ev->score))
			/* Nothing was nominated: no candidate was tested, so the
			 * convergence detector does not count the step (a lost one,
			 * warned about above, it does). */
			po_buf_addf(out, "- No candidate this step. Keeping previous prompts.\n");
		else
			po_buf_addf(out, "\u2717 No improvement. Keeping previous prompts.\n");
		print_failed(out, ev);
		break;
	case PO_EV_PROGRESS:
		break;
	case PO_EV_CONVERGED:
		po_buf_addf(out, "\n\U0001F3AF Convergence detected at iteration %d\n", ev->iteration);
		po_buf_addf(out, "No improvement for %d consecutive iterations.\n", ev->no_improvement);
		if (ev->saved > 0)
			po_buf_addf(out, "Stopping early. Saved %d iterations.\n", ev->saved);
		break;
	}
}

static const char rule[] =
	"================================================================================";


/*
 * The held-out lines: the improvement on the test cases with its interval,
 * said plainly when the interval includes zero; or that the improvement was
 * measured on the cases it was selected on (no split).
 */
static void print_heldout(struct po_buf *out, const json_t *f)
{
	const json_t *h = json_object_get(f, "heldout");
	const json_t *t;

	if (!json_is_object(h)) {
		po_buf_addf(out, "No held-out test cases (--split none): the improvement above was measured on the cases it was selected on\n");
		return;
	}
	if (po_json_str(h, "skipped", NULL)) {
		po_buf_addf(out, "Held-out test cases: not evaluated (%s)\n", po_json_str(h, "skipped", ""));
		return;
	}
	if (po_json_bool(h, "shown", 0))
		po_buf_addf(out, "Held-out improvement: %+.2f points, 95%% CI %+.2f to %+.2f\n"
			    "  (%lld test cases: %lld better, %lld worse, %lld same); on validation %+.2f\n",
		       po_json_num(h, "improvement", 0), po_json_num(h, "ci_low", 0),
		       po_json_num(h, "ci_high", 0), po_json_int(h, "scored", 0),
		       po_json_int(h, "better", 0), po_json_int(h, "worse", 0),
		       po_json_int(h, "same", 0), po_json_num(h, "validation_improvement", 0));
	else
		po_buf_addf(out, "No improvement shown on held-out cases: %+.2f points, 95%% CI %+.2f to %+.2f\n"
			    "  (%lld test cases); on validation %+.2f\n",
		       po_json_num(h, "improvement", 0), po_json_num(h, "ci_low", 0),
		       po_json_num(h, "ci_high", 0), po_json_int(h, "scored", 0),
		       po_json_num(h, "validation_improvement", 0));
	t = json_object_get(h, "true_improvement");
	if (json_is_number(t))
		po_buf_addf(out, "True held-out improvement (simulator): %+.2f points\n", json_number_value(t));
}
/* "Candidates rejected before evaluation: 3 (duplicate 2, lost_placeholder 1);
 * placeholders put back: 1", when the mutation checks did anything. */
static void print_rejected(struct po_buf *out, const json_t *f)
{
	const json_t *rej = json_object_get(f, "candidates_rejected");
	long long total = po_json_int(rej, "total", 0), repaired;
	const char *key;
	const json_t *v;
	int n = 0;

	repaired = po_json_int(f, "candidates_repaired", 0);
	if (!total && !repaired)
		return;
	po_buf_addf(out, "Candidates rejected before evaluation: %lld", total);
	json_object_foreach((json_t *)rej, key, v) {
		if (strcmp(key, "total") && json_integer_value(v) > 0)
			po_buf_addf(out, "%s%s %lld", n++ ? ", " : " (", key,
				    (long long)json_integer_value(v));
	}
	po_buf_addf(out, "%s; placeholders put back: %lld\n", n ? ")" : "", repaired);
}

void po_console_analysis(struct po_buf *out, const json_t *f, const char *results_dir)
{
	const json_t *conv, *recs, *truth, *calls;
	int iters, maxit, wasted;
	size_t i;

	conv = json_object_get(f, "convergence");
	recs = json_object_get(f, "recommendations");
	truth = json_object_get(f, "true_score");
	calls = json_object_get(f, "calls");
	iters = (int)po_json_int(f, "iterations_run", 0);
	maxit = (int)po_json_int(f, "max_iterations", 0);
	wasted = (int)po_json_int(conv, "wasted_iterations", 0);

	po_buf_addf(out, "\n%s\nCONVERGENCE ANALYSIS\n%s\n\n", rule, rule);
	if (po_json_bool(conv, "converged", 0)) {
		po_buf_addf(out, "Converged: Yes\n");
		po_buf_addf(out, "Convergence Iteration: %lld\n",
		       po_json_int(conv, "convergence_iteration", 0));
	} else {
		po_buf_addf(out, "Converged: No\n");
		po_buf_addf(out, "Convergence Iteration: N/A\n");
	}
	if (wasted == 0 && po_json_bool(conv, "stopped_early", 0))
		po_buf_addf(out, "Wasted Iterations: 0 (early stop prevented waste)\n");
	else
		po_buf_addf(out, "Wasted Iterations: %d\n", wasted);
	/* A run that did not converge on a plateau of one score has no plateau
	 * to describe: its lines would be zeros. */
	if (po_json_bool(conv, "converged", 0) || po_json_num(conv, "plateau_variance", 0) > 0 ||
	    po_json_num(conv, "plateau_stddev", 0) > 0) {
		po_buf_addf(out, "Plateau Variance: \u00b1%.2f\n",
			    po_json_num(conv, "plateau_variance", 0));
		po_buf_addf(out, "Plateau Std Dev: %.2f\n", po_json_num(conv, "plateau_stddev", 0));
		po_buf_addf(out, "Plateau Average: %.2f\n", po_json_num(conv, "plateau_average", 0));
	}
	po_buf_addf(out, "\n");
	po_buf_addf(out, "Best Score: %.2f\n", po_json_num(f, "final_score", 0));
	if (iters < maxit && po_json_bool(conv, "stopped_early", 0))
		po_buf_addf(out, "Total Iterations: %d (stopped early from %d)\n", iters, maxit);
	else
		po_buf_addf(out, "Total Iterations: %d\n", iters);
	po_buf_addf(out, "No Improvement Count: %lld\n", po_json_int(conv, "no_improvement_count", 0));
	if (json_array_size(recs)) {
		po_buf_addf(out, "\nRecommendations:\n");
		for (i = 0; i < json_array_size(recs); i++) {
			struct po_buf line = PO_BUF_INIT;

			po_buf_addf(&line, "%zu. %s", i + 1,
				    json_string_value(json_array_get(recs, i)));
			po_console_wrap(out, line.data);
			po_buf_release(&line);
		}
	}
	po_buf_addf(out, "%s\n\n", rule);

	po_buf_addf(out, "Baseline: %.2f  Final: %.2f  Improvement: %+.2f points (%+.2f%%)\n",
	       po_json_num(f, "baseline_score", 0), po_json_num(f, "final_score", 0),
	       po_json_num(f, "improvement", 0), po_json_num(f, "improvement_percent", 0));
	print_heldout(out, f);
	if (json_is_object(truth))
		po_buf_addf(out, "True score (simulator, noise-free): baseline %.2f, best %.2f, optimum %.2f\n",
		       po_json_num(truth, "baseline", 0), po_json_num(truth, "best", 0),
		       po_json_num(truth, "optimum", 0));
	po_buf_addf(out, "Strategy: %s  Provider: %s  Seed: %lld  LLM calls: %lld  Wall time: %.3f s\n",
	       po_json_str(f, "strategy", "?"), po_json_str(f, "provider", "?"),
	       po_json_int(f, "seed", 0), po_json_int(calls, "total", 0),
	       po_json_num(f, "wall_seconds", 0));
	if (json_is_object(json_object_get(f, "cost"))) {
		const json_t *cost = json_object_get(f, "cost"), *tok = json_object_get(f, "tokens");
		const json_t *by = json_object_get(cost, "by_role");
		po_buf_addf(out, "Cost: $%.4f (generate $%.4f, judge $%.4f, mutate $%.4f)\n"
			    "Tokens: %lld in, %lld out  Cache hits: %lld (saved $%.4f)\n",
		       po_json_num(cost, "total_usd", 0), po_json_num(by, "generate", 0),
		       po_json_num(by, "judge", 0), po_json_num(by, "mutate", 0),
		       po_json_int(tok, "input", 0), po_json_int(tok, "output", 0),
		       po_json_int(calls, "cache_hits", 0), po_json_num(cost, "saved_by_cache_usd", 0));
	}
	print_rejected(out, f);
	po_buf_addf(out, "Results: %s\n", results_dir);
}
