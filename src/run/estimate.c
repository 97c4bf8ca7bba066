/*
 * The pre-run estimate of calls and cost, and the limits' gate before each
 * iteration, both from the strategy's estimate of a step.
 */
#include "run/experiment_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/judge.h"
#include "eval/render.h"
#include "llm/cost.h"
#include "report/console.h"

/* Cost of `calls` calls of role r of about in/out tokens each (at half
 * price through a provider batch); false when the model is missing from
 * the price table. */
static bool role_cost(const struct po_experiment *e, int r, double calls, double in, double outt,
		      double *usd)
{
	struct po_price pr;
	bool ok = po_prices_find(po_engine_prices(e->engine), po_exp_role_provider(e, r),
				 e->settings.models[r], &pr);

	*usd += calls * po_price_cost(&pr, (long)in, (long)outt, 0, 0) *
		(po_exp_role_batch(e, r) ? 0.5 : 1.0);
	return ok;
}

void po_exp_step_shape(const struct po_experiment *e, struct po_step_shape *shape)
{
	*shape = (struct po_step_shape){
		.ncases = e->project->ncases, .train = e->split.train.n, .val = e->split.val.n,
		.split = e->split_cfg.enabled, .system_prompt = e->project->system_prompt != NULL,
	};
}

void po_exp_step_estimate(const struct po_experiment *e, struct po_step_estimate *out)
{
	struct po_step_shape shape;

	po_exp_step_shape(e, &shape);
	memset(out, 0, sizeof(*out));
	e->strategy_ops->estimate(e->strategy, &shape, out);
	/* A project scored by rule checks alone makes no judge call. */
	if (!e->project->judge)
		out->calls[PO_ROLE_JUDGE] = 0;
}

/* Calls per evaluation of a case: generate, and judge when the judge scores. */
static int per_case(const struct po_experiment *e)
{
	return e->project->judge ? 2 : 1;
}

/* The calls of the held-out evaluation at the end (baseline and best on
 * the test cases, generate and judge): none without a split. */
static long heldout_calls(const struct po_experiment *e)
{
	return e->split_cfg.enabled ? 2 * (long)e->split.test.n * per_case(e) : 0;
}

/* The baseline's second measurement, the noise floor (run/heldout.c). */
static long noise_calls(const struct po_experiment *e)
{
	return e->split_cfg.enabled || po_accept_needs_remeasure(&e->accept) ?
		       (long)e->split.val.n * per_case(e) : 0;
}

/*
 * What the calls are made of. A step of one candidate on the validation
 * cases and one mutation is the seed's iteration, said as the seed's users
 * know it; other strategies get the calls of a step.
 */
static void describe_shape(const struct po_experiment *e, const struct po_step_estimate *st,
			   char *out, size_t size)
{
	double val = (double)e->split.val.n;

	if (st->calls[PO_ROLE_GENERATE] == val && st->calls[PO_ROLE_JUDGE] == val &&
	    st->calls[PO_ROLE_MUTATE] == 1)
		snprintf(out, size, "(%d iterations + 1) x %zu cases x 2 + %d mutations",
			 e->opts.max_iterations, e->split.val.n, e->opts.max_iterations);
	else
		snprintf(out, size,
			 "%zu cases x %d for the baseline + %d iterations x %.0f calls (%.0f generate, %.0f judge, %.0f mutate)",
			 e->split.val.n, per_case(e), e->opts.max_iterations,
			 st->calls[PO_ROLE_GENERATE] + st->calls[PO_ROLE_JUDGE] +
				 st->calls[PO_ROLE_MUTATE],
			 st->calls[PO_ROLE_GENERATE], st->calls[PO_ROLE_JUDGE],
			 st->calls[PO_ROLE_MUTATE]);
	if (noise_calls(e)) {
		size_t len = strlen(out);
		snprintf(out + len, size - len, " + %zu cases x %d for the noise floor",
			 e->split.val.n, per_case(e));
	}
	if (heldout_calls(e)) {
		size_t len = strlen(out);
		snprintf(out + len, size - len, " + 2 x %zu held-out test cases x %d",
			 e->split.test.n, per_case(e));
	}
}

/*
 * Before any call: about how many calls the run makes at most and what they
 * cost, from the sizes of the rendered prompts and the price table. Outputs
 * are guessed (a typical length, capped by max_tokens); the upper figure has
 * every output at max_tokens.
 */
void po_exp_estimate(struct po_experiment *e)
{
	const struct po_project *p = e->project;
	const struct po_eval_settings *st = &e->settings;
	const char *main_t = json_string_value(json_object_get(p->prompts, p->main_prompt));
	const char *sys_t = p->system_prompt ?
		json_string_value(json_object_get(p->prompts, p->system_prompt)) : NULL;
	double iters = e->opts.max_iterations, cases = (double)p->ncases;
	struct po_step_estimate step;
	double gen_calls, judge_calls, mut_calls;
	double gen_in = 0, gen_out, judge_in, judge_out, mut_in, mut_out, usd = 0, usd_max = 0;
	struct po_buf b = PO_BUF_INIT, text = PO_BUF_INIT;
	bool priced = true;
	char unpriced[256] = "", shape[256];

	po_exp_step_estimate(e, &step);
	/* The noise floor and the held-out evaluations: one generate call per
	 * case evaluation, and one judge call when the judge scores. */
	gen_calls = (double)e->split.val.n + iters * step.calls[PO_ROLE_GENERATE] +
		    (double)(heldout_calls(e) + noise_calls(e)) / per_case(e);
	judge_calls = !e->project->judge ? 0 :
		      (double)e->split.val.n + iters * step.calls[PO_ROLE_JUDGE] +
			      (double)(heldout_calls(e) + noise_calls(e)) / 2;
	mut_calls = iters * step.calls[PO_ROLE_MUTATE];
	describe_shape(e, &step, shape, sizeof(shape));
	for (size_t i = 0; i < p->ncases; i++) {
		po_buf_reset(&b);
		if (main_t && po_render(&b, main_t, p->cases[i].inputs, p->main_prompt,
					p->cases[i].id, NULL) == 0)
			gen_in += (double)b.len;
	}
	gen_in = (cases ? gen_in / cases : 0) + (sys_t ? (double)strlen(sys_t) : 0);
	gen_in = gen_in / 4 + 1;
	gen_out = st->max_tokens[PO_ROLE_GENERATE] < 800 ? st->max_tokens[PO_ROLE_GENERATE] : 800;
	po_buf_reset(&b);
	po_judge_build_prompt(&b, &p->rubric, p->description, p->ncases ? p->cases[0].inputs : NULL,
			      "");
	judge_in = (double)(b.len + strlen(po_judge_system_prompt())) / 4 + gen_out;
	judge_out = st->max_tokens[PO_ROLE_JUDGE] < 400 ? st->max_tokens[PO_ROLE_JUDGE] : 400;
	mut_out = (main_t ? (double)strlen(main_t) : 0) / 4 + 100;
	mut_in = mut_out + 500;
	if (mut_out > st->max_tokens[PO_ROLE_MUTATE])
		mut_out = st->max_tokens[PO_ROLE_MUTATE];

	struct { int r; double calls, in, out, max_out; } parts[] = {
		{ PO_ROLE_GENERATE, gen_calls, gen_in, gen_out, st->max_tokens[PO_ROLE_GENERATE] },
		{ PO_ROLE_JUDGE, judge_calls, judge_in, judge_out, st->max_tokens[PO_ROLE_JUDGE] },
		{ PO_ROLE_MUTATE, mut_calls, mut_in, mut_out, st->max_tokens[PO_ROLE_MUTATE] },
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		int r = parts[i].r;
		if (!role_cost(e, r, parts[i].calls, parts[i].in, parts[i].out, &usd) && priced) {
			priced = false;
			snprintf(unpriced, sizeof(unpriced), "%s/%s", po_exp_role_provider(e, r),
				 st->models[r] ? st->models[r] : "(default model)");
		}
		role_cost(e, r, parts[i].calls, parts[i].in + parts[i].max_out - parts[i].out,
			  parts[i].max_out, &usd_max);
	}
	po_buf_reset(&b);
	po_buf_addf(&b, "Estimate: at most %.0f LLM calls, about $%.2f (up to $%.2f if every answer used max_tokens; prices of %s): %s",
		    gen_calls + judge_calls + mut_calls, usd, usd_max,
		    po_prices_date(po_engine_prices(e->engine)), shape);
	/* A line the console's width holds. */
	po_console_wrap(&text, b.data);
	if (text.len && text.data[text.len - 1] == '\n')
		po_buf_setlen(&text, text.len - 1);
	po_exp_msg(e, PO_EV_INFO, "%s", text.data);
	po_buf_release(&text);
	po_buf_release(&b);
	if (po_exp_role_batch(e, PO_ROLE_GENERATE) || po_exp_role_batch(e, PO_ROLE_JUDGE))
		po_exp_msg(e, PO_EV_INFO,
			   "Batch API: the evaluation calls go as provider batches at half price (in the estimate above), about %.0f of them, two per step; each may take minutes to hours (up to 24), so the run may take hours",
			   2 * (iters + 1) + 4);
	if (!priced)
		po_exp_msg(e, PO_EV_WARNING,
			 "no price for %s in the price table: its calls are counted at $0 and --budget-usd cannot hold them; add it with --prices FILE (see docs/costs-and-cache.md)",
			 unpriced);
}

/* How to go on after a limit stopped the run. */
void po_exp_budget_advice(const struct po_experiment *e, bool resumable, struct po_buf *b)
{
	bool cached = false;

	for (int r = 0; r < PO_ROLE_COUNT; r++)
		cached |= e->opts.use_cache && po_engine_cacheable(po_exp_role_provider(e, r));
	const char *which = e->opts.budget_usd > 0 && e->opts.max_calls > 0 ?
				    "--max-calls or --budget-usd" :
			    e->opts.budget_usd > 0 ? "--budget-usd" :
			    e->opts.max_calls > 0 ? "--max-calls" : NULL;

	if (which && resumable)
		po_buf_addf(b, "to go on, run again with --resume and a higher %s (the limits count the whole run)",
			    which);
	else if (which)
		po_buf_addf(b, "to go on, run again with a higher %s", which);
	else
		po_buf_addf(b, "to go on, run again with a higher limit of the batch%s",
			    cached ? " (calls already made are answered from the cache at no cost)" : "");
}

/*
 * Before an iteration: does what is left of the limits cover it? The
 * strategy says what a step makes at most; stopping before it wastes
 * nothing, where a refusal half-way through would.
 */
bool po_exp_budget_allows(struct po_experiment *e)
{
	const struct po_engine_stats *st = po_engine_stats(e->engine);
	struct po_step_estimate step;
	long calls_left, need, paid = 0;
	double usd_left, spent = po_engine_total_cost(e->engine);

	po_exp_step_estimate(e, &step);
	/* The held-out evaluation at the end stays paid for. */
	need = (long)ceil(step.calls[PO_ROLE_GENERATE] + step.calls[PO_ROLE_JUDGE] +
			  step.calls[PO_ROLE_MUTATE]) + heldout_calls(e);

	po_engine_remaining(e->engine, &calls_left, &usd_left);
	for (int r = 0; r < PO_ROLE_COUNT; r++)
		paid += st->calls[r] - st->cache_hits[r];
	if (calls_left >= 0 && calls_left < need) {
		snprintf(e->budget_msg, sizeof(e->budget_msg),
			 "call limit reached: %ld calls left, an iteration needs about %ld", calls_left,
			 need);
		return false;
	}
	if (usd_left >= 0 && paid > 0 && spent / (double)paid * (double)need > usd_left) {
		snprintf(e->budget_msg, sizeof(e->budget_msg),
			 "budget reached: $%.4f spent, $%.4f left, an iteration costs about $%.4f",
			 spent, usd_left, spent / (double)paid * (double)need);
		return false;
	}
	return true;
}

