/*
 * What a run prints: one line per iteration as it goes (in the seed's words),
 * the convergence notice, and the CONVERGENCE ANALYSIS block, which is read
 * back from optimization_final_results.json so `status` prints the same.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

/* Failed evaluations are left out of a score, never hidden. */
static void print_failed(const struct po_event *ev)
{
	if (ev->failed > 0)
		printf("    (%d of %d evaluation%s failed and %s left out of this score; see the evaluation file)\n",
		       ev->failed, ev->cases, ev->cases == 1 ? "" : "s",
		       ev->failed == 1 ? "was" : "were");
}

void cli_progress_event(const struct po_event *ev, void *userdata)
{
	(void)userdata;
	switch (ev->kind) {
	case PO_EV_INFO:
		printf("%s\n", ev->message);
		break;
	case PO_EV_WARNING:
		cli_warning("%s", ev->message);
		break;
	case PO_EV_BASELINE:
		printf("Baseline score: %.2f\n", ev->score);
		print_failed(ev);
		break;
	case PO_EV_ITERATION:
		printf("=== Iteration %d/%d ===  ", ev->iteration, ev->max_iterations);
		if (isfinite(ev->score))
			printf("Current score: %.2f  Best: %.2f  ", ev->score, ev->best);
		else
			printf("Current score: n/a  Best: %.2f  ", ev->best);
		if (ev->improved)
			printf("\u2713 Improvement! %.2f \u2192 %.2f\n", ev->previous_best, ev->best);
		else
			printf("\u2717 No improvement. Keeping previous prompts.\n");
		print_failed(ev);
		break;
	case PO_EV_CONVERGED:
		printf("\n\U0001F3AF Convergence detected at iteration %d\n", ev->iteration);
		printf("No improvement for %d consecutive iterations.\n", ev->no_improvement);
		if (ev->saved > 0)
			printf("Stopping early. Saved %d iterations.\n", ev->saved);
		break;
	}
	fflush(stdout);
}

static const char rule[] =
	"================================================================================";


/*
 * The held-out lines: the improvement on the test cases with its interval,
 * said plainly when the interval includes zero; or that the improvement was
 * measured on the cases it was selected on (no split).
 */
/* "Candidates rejected before evaluation: 3 (duplicate 2, lost_placeholder 1);
 * placeholders put back: 1", when the mutation checks did anything. */
static void print_rejected(const json_t *f)
{
	const json_t *rej = json_object_get(f, "candidates_rejected");
	long long total = po_json_int(rej, "total", 0), repaired;
	const char *key;
	const json_t *v;
	int n = 0;

	repaired = po_json_int(f, "candidates_repaired", 0);
	if (!total && !repaired)
		return;
	printf("Candidates rejected before evaluation: %lld", total);
	json_object_foreach((json_t *)rej, key, v) {
		if (strcmp(key, "total") && json_integer_value(v) > 0)
			printf("%s%s %lld", n++ ? ", " : " (", key, (long long)json_integer_value(v));
	}
	printf("%s; placeholders put back: %lld\n", n ? ")" : "", repaired);
}

static void print_heldout(const json_t *f)
{
	const json_t *h = json_object_get(f, "heldout");
	const json_t *t;

	if (!json_is_object(h)) {
		printf("No held-out test cases (--split none): the improvement above was measured on the cases it was selected on\n");
		return;
	}
	if (po_json_str(h, "skipped", NULL)) {
		printf("Held-out test cases: not evaluated (%s)\n", po_json_str(h, "skipped", ""));
		return;
	}
	if (po_json_bool(h, "shown", 0))
		printf("Held-out improvement: %+.2f points, 95%% CI %+.2f to %+.2f (%lld test cases: %lld better, %lld worse, %lld same); on validation %+.2f\n",
		       po_json_num(h, "improvement", 0), po_json_num(h, "ci_low", 0),
		       po_json_num(h, "ci_high", 0), po_json_int(h, "scored", 0),
		       po_json_int(h, "better", 0), po_json_int(h, "worse", 0),
		       po_json_int(h, "same", 0), po_json_num(h, "validation_improvement", 0));
	else
		printf("No improvement shown on held-out cases: %+.2f points, 95%% CI %+.2f to %+.2f (%lld test cases); on validation %+.2f\n",
		       po_json_num(h, "improvement", 0), po_json_num(h, "ci_low", 0),
		       po_json_num(h, "ci_high", 0), po_json_int(h, "scored", 0),
		       po_json_num(h, "validation_improvement", 0));
	t = json_object_get(h, "true_improvement");
	if (json_is_number(t))
		printf("True held-out improvement (simulator): %+.2f points\n", json_number_value(t));
}
void cli_print_convergence_analysis(const char *results_dir)
{
	struct po_buf path = PO_BUF_INIT;
	struct po_err err = { 0 };
	json_t *f = NULL, *conv, *recs, *truth, *calls;
	int iters, maxit, wasted;
	size_t i;

	po_fs_join(&path, results_dir, "optimization_final_results.json");
	if (po_json_load_file(path.data, &f, &err) < 0) {
		cli_warning("%s", err.msg);
		po_buf_release(&path);
		return;
	}
	conv = json_object_get(f, "convergence");
	recs = json_object_get(f, "recommendations");
	truth = json_object_get(f, "true_score");
	calls = json_object_get(f, "calls");
	iters = (int)po_json_int(f, "iterations_run", 0);
	maxit = (int)po_json_int(f, "max_iterations", 0);
	wasted = (int)po_json_int(conv, "wasted_iterations", 0);

	printf("\n%s\nCONVERGENCE ANALYSIS\n%s\n\n", rule, rule);
	if (po_json_bool(conv, "converged", 0)) {
		printf("Converged: Yes\n");
		printf("Convergence Iteration: %lld\n",
		       po_json_int(conv, "convergence_iteration", 0));
	} else {
		printf("Converged: No\n");
		printf("Convergence Iteration: N/A\n");
	}
	if (wasted == 0 && po_json_bool(conv, "stopped_early", 0))
		printf("Wasted Iterations: 0 (early stop prevented waste)\n");
	else
		printf("Wasted Iterations: %d\n", wasted);
	printf("Plateau Variance: \u00b1%.2f\n", po_json_num(conv, "plateau_variance", 0));
	printf("Plateau Std Dev: %.2f\n", po_json_num(conv, "plateau_stddev", 0));
	printf("Plateau Average: %.2f\n\n", po_json_num(conv, "plateau_average", 0));
	printf("Best Score: %.2f\n", po_json_num(f, "final_score", 0));
	if (iters < maxit && po_json_bool(conv, "stopped_early", 0))
		printf("Total Iterations: %d (stopped early from %d)\n", iters, maxit);
	else
		printf("Total Iterations: %d\n", iters);
	printf("No Improvement Count: %lld\n", po_json_int(conv, "no_improvement_count", 0));
	if (json_array_size(recs)) {
		printf("\nRecommendations:\n");
		for (i = 0; i < json_array_size(recs); i++)
			printf("%zu. %s\n", i + 1, json_string_value(json_array_get(recs, i)));
	}
	printf("%s\n\n", rule);

	printf("Baseline: %.2f  Final: %.2f  Improvement: %+.2f points (%+.2f%%)\n",
	       po_json_num(f, "baseline_score", 0), po_json_num(f, "final_score", 0),
	       po_json_num(f, "improvement", 0), po_json_num(f, "improvement_percent", 0));
	print_heldout(f);
	if (json_is_object(truth))
		printf("True score (simulator, noise-free): baseline %.2f, best %.2f, optimum %.2f\n",
		       po_json_num(truth, "baseline", 0), po_json_num(truth, "best", 0),
		       po_json_num(truth, "optimum", 0));
	printf("Strategy: %s  Provider: %s  Seed: %lld  LLM calls: %lld  Wall time: %.3f s\n",
	       po_json_str(f, "strategy", "?"), po_json_str(f, "provider", "?"),
	       po_json_int(f, "seed", 0), po_json_int(calls, "total", 0),
	       po_json_num(f, "wall_seconds", 0));
	if (json_is_object(json_object_get(f, "cost"))) {
		const json_t *cost = json_object_get(f, "cost"), *tok = json_object_get(f, "tokens");
		const json_t *by = json_object_get(cost, "by_role");
		printf("Cost: $%.4f (generate $%.4f, judge $%.4f, mutate $%.4f)  Tokens: %lld in, %lld out  Cache hits: %lld (saved $%.4f)\n",
		       po_json_num(cost, "total_usd", 0), po_json_num(by, "generate", 0),
		       po_json_num(by, "judge", 0), po_json_num(by, "mutate", 0),
		       po_json_int(tok, "input", 0), po_json_int(tok, "output", 0),
		       po_json_int(calls, "cache_hits", 0), po_json_num(cost, "saved_by_cache_usd", 0));
	}
	print_rejected(f);
	printf("Results: %s\n", results_dir);
	json_decref(f);
	po_buf_release(&path);
}
