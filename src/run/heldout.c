/*
 * The honest figures of a run with a split: the noise floor (the baseline
 * measured twice on the validation cases before the search; the noise stop
 * rule reads it), and the
 * held-out test cases: the baseline and the best prompts evaluated on them
 * once each, at the end (nothing in the search ever sees them), their
 * per-case differences and a 95 % paired Student's t interval of the
 * improvement (over 100 seeds of the built-in project's 10 test cases a
 * percentile bootstrap interval held the true improvement 89 % of the
 * time, t 95 %; docs/bench.md); with the simulator, the true improvement.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/stats.h"
#include "opt/search.h"
#include "run/experiment_internal.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/rng.h"

/* The sample index of the held-out evaluations (the baseline's, so that the
 * same prompts give the same outputs and an unchanged prompt shows 0). */
#define HELDOUT_SAMPLE 0u

static json_t *skipped(const char *why)
{
	return json_pack("{s:s}", "skipped", why);
}

/* The paired differences of the cases both evaluations scored, and counts. */
static size_t differences(const struct po_evaluation *base, const struct po_evaluation *best,
			  double *d, double *mb, double *mn, long counts[3])
{
	size_t n = 0;

	*mb = *mn = 0;
	for (size_t i = 0; i < base->n && i < best->n; i++) {
		if (!base->cases[i].ok || !best->cases[i].ok)
			continue;
		d[n] = best->cases[i].score - base->cases[i].score;
		*mb += base->cases[i].score;
		*mn += best->cases[i].score;
		counts[d[n] > 0 ? 0 : d[n] < 0 ? 1 : 2]++;
		n++;
	}
	if (n) {
		*mb /= (double)n;
		*mn /= (double)n;
	}
	return n;
}

static json_t *figures(struct po_experiment *e, const struct po_evaluation *ev)
{
	double *d = po_xcalloc(ev[0].n ? ev[0].n : 1, sizeof(*d)), mb, mn;
	long counts[3] = { 0, 0, 0 };
	size_t n = differences(&ev[0], &ev[1], d, &mb, &mn, counts);
	double val_imp = e->best_score - e->baseline_score, imp;
	struct po_ci ci;
	json_t *o;

	if (!n) {
		free(d);
		return skipped("no held-out case was scored for both the baseline and the best prompts");
	}
	ci = po_stats_mean_ci(d, n, 0.95);
	imp = po_stats_mean(d, n);
	o = json_pack("{s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:I, s:b}", "cases",
		      (json_int_t)e->split.test.n, "scored", (json_int_t)n, "baseline", mb, "best",
		      mn, "improvement", imp, "ci_low", n > 1 ? ci.low : imp, "ci_high",
		      n > 1 ? ci.high : imp, "validation_improvement", val_imp, "gap", val_imp - imp,
		      "better", (json_int_t)counts[0], "worse", (json_int_t)counts[1], "same",
		      (json_int_t)counts[2], "shown", n > 1 && ci.low > 0);
	if (e->sim) {
		double tb = po_exp_true_mean_on(e, e->baseline_prompts, &e->split.test);
		double tn = po_exp_true_mean_on(e, e->best_prompts, &e->split.test);
		json_object_set_new(o, "true_improvement", json_real(tn - tb));
	}
	free(d);
	return o;
}

/* The second sample of the baseline: past every iteration's and retry's. */
#define NOISE_SAMPLE 900001u

int po_exp_noise_floor(struct po_experiment *e, struct po_err *err)
{
	const json_t *base = e->baseline_prompts;
	const char *origin = "baseline (second sample)";
	struct po_search ctx = {
		.engine = e->engine, .project = e->project, .settings = &e->settings,
		.archive = e->archive, .split = &e->split, .seed = e->opts.seed,
	};
	struct po_evaluation first = { 0 }, again = { 0 };
	double *d;
	size_t n = 0;
	int ret;

	e->noise_case_sd = e->noise_mean_sd = NAN;
	if (!e->split_cfg.enabled && !po_accept_needs_remeasure(&e->accept))
		return 0;
	/* The first sample is the baseline's own evaluation (in the archive). */
	ret = po_search_evaluate(&ctx, &base, 1, &e->split.val, 0, &origin, &first, err);
	if (!ret)
		ret = po_search_evaluate(&ctx, &base, 1, &e->split.val, NOISE_SAMPLE, &origin,
					 &again, err);
	po_search_clear(&ctx);
	if (ret) {
		po_evaluation_release(&first);
		return ret;
	}
	d = po_xcalloc(again.n ? again.n : 1, sizeof(*d));
	for (size_t i = 0; i < again.n && i < first.n; i++)
		if (again.cases[i].ok && first.cases[i].ok)
			d[n++] = again.cases[i].score - first.cases[i].score;
	/* The difference of two measurements has twice the variance of one. */
	if (n > 1) {
		e->noise_case_sd = po_stats_sd(d, n) / sqrt(2.0);
		e->noise_mean_sd = e->noise_case_sd / sqrt((double)n);
		po_exp_msg(e, PO_EV_INFO,
			   "Noise floor: one evaluation of a test case varies by ±%.1f points,\n  the mean of the %zu validation cases by ±%.1f",
			   e->noise_case_sd, n, e->noise_mean_sd);
	}
	free(d);
	po_evaluation_release(&first);
	po_evaluation_release(&again);
	return 0;
}

json_t *po_exp_noise_json(const struct po_experiment *e)
{
	if (!isfinite(e->noise_case_sd))
		return json_null();
	return json_pack("{s:f, s:f, s:I}", "case_sd", e->noise_case_sd, "mean_sd",
			 e->noise_mean_sd, "cases", (json_int_t)e->split.val.n);
}

json_t *po_exp_heldout(struct po_experiment *e)
{
	const json_t *prompts[2] = { e->baseline_prompts, e->best_prompts };
	struct po_search ctx = {
		.engine = e->engine, .project = e->project, .settings = &e->settings,
		.archive = e->archive, .split = &e->split, .iteration = e->iterations_run,
		.seed = e->opts.seed,
	};
	const char *origins[2] = { "baseline (held-out)", "best (held-out)" };
	struct po_evaluation ev[2];
	struct po_err err = { 0 };
	json_t *o;
	int ret;

	if (!e->split_cfg.enabled || !e->baseline_prompts)
		return json_null();
	if (e->interrupted)
		return skipped("interrupted: the held-out cases were not evaluated");
	memset(ev, 0, sizeof(ev));
	po_exp_msg(e, PO_EV_INFO, "Held-out test: the baseline and the best prompts on %zu test cases",
		   e->split.test.n);
	ret = po_search_evaluate(&ctx, prompts, 2, &e->split.test, HELDOUT_SAMPLE, origins, ev,
				 &err);
	po_search_clear(&ctx);
	if (ret)
		o = skipped(ret == PO_EBUDGET ? "the call or budget limit was reached before the held-out cases" :
						err.msg);
	else
		o = figures(e, ev);
	po_evaluation_release(&ev[0]);
	po_evaluation_release(&ev[1]);
	return o;
}

/*
 * The noise-floor rule: the last `patience` iterations accepted nothing,
 * and none of their nominees scored more than the noise floor of a
 * validation mean above the best (*gain: the largest such gain, -inf when
 * none scored). Without a measured floor, the baseline's standard error.
 */
bool po_exp_noise_stop(const struct po_experiment *e, double *floor, double *gain)
{
	size_t n = json_array_size(e->history), k;

	k = (size_t)e->opts.convergence.no_improvement_threshold;
	*floor = e->noise_mean_sd;
	*gain = -INFINITY;
	if (!isfinite(*floor) && e->best_eval.n_ok > 1)
		*floor = e->best_eval.stddev / sqrt((double)e->best_eval.n_ok);
	/* The history's first row is the baseline. */
	if (!isfinite(*floor) || n < k + 1)
		return false;
	/* The last k steps that nominated a candidate or were lost (as the
	 * seed's detector counts them); the first row is the baseline. */
	for (size_t i = n, seen = 0; seen < k; i--) {
		const json_t *h;
		double sc, best;
		if (i <= 1)
			return false;
		h = json_array_get(e->history, i - 1);
		if (!po_exp_row_counted(h))
			continue;
		seen++;
		if (json_is_true(json_object_get(h, "improved")))
			return false;
		sc = po_json_num(h, "score", NAN);
		best = po_json_num(h, "best_score", NAN);
		if (isfinite(sc) && sc - best > *gain)
			*gain = sc - best;
	}
	return *gain < *floor;
}
