/*
 * A nominee's evaluation on the validation cases, for acceptance. Greedy:
 * every validation case at once. Paired: racing, in blocks of validation
 * cases, each block against the incumbent measured again on the same cases
 * with the same sample; after each block the paired test decides: clearly
 * worse, the nominee is rejected with no more calls; clearly better, it is
 * accepted; else the next block. Early looks use alpha divided by the
 * number of looks, so stopping early does not raise the error rate.
 * po_exp_decide runs it on every nominee of a step and picks the one kept.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "opt/search.h"
#include "run/experiment_internal.h"
#include "run/pairwise.h"
#include "util/mem.h"

/* Evaluates prompts on the first n validation cases with the sample. */
static int eval_prefix(struct po_experiment *e, struct po_search *ctx, const json_t *prompts,
		       size_t n, unsigned sample, const char *origin, struct po_evaluation *out,
		       struct po_err *err)
{
	struct po_caseset set = { .idx = e->split.val.idx, .n = n };

	po_evaluation_release(out);
	return po_search_evaluate(ctx, &prompts, 1, &set, sample, &origin, out, err);
}

/* cost: the length penalty (opt/integrity.h) the gain must exceed too. */
static int race(struct po_experiment *e, struct po_search *ctx, struct po_nominee *nm,
		double cost, struct po_accept_decision *d, struct po_err *err)
{
	struct po_accept_config acc = e->accept;
	size_t nval = e->split.val.n, block = (nval + 3) / 4, looks, done = 0;
	struct po_evaluation inc = { 0 };
	struct po_pairwise_race pw = { 0 };
	int ret = 0;

	acc.min_delta += cost;
	if (block < 2)
		block = 2;
	looks = (nval + block - 1) / block;
	for (size_t look = 1; look <= looks && !ret; look++) {
		bool last = look == looks;

		done = last ? nval : look * block;
		ret = eval_prefix(e, ctx, nm->prompts, done, nm->sample, nm->origin, &nm->eval, err);
		if (!ret)
			ret = eval_prefix(e, ctx, e->best_prompts, done, nm->sample,
					  "incumbent measured again", &inc, err);
		if (ret || nm->eval.invalid || (ret = po_exp_pairwise(e, &pw, nm, &inc, err)))
			break;
		if (last) {
			po_accept_decide(&acc, nm->eval.mean, e->best_score, pw.nom, pw.inc, d);
			break;
		}
		po_accept_paired_bounds(&acc, pw.nom, pw.inc, 1 - 2 * acc.alpha / (double)looks, d);
		if (isfinite(d->high) && d->high < cost) {
			e->race.dropped++;
			e->race.saved_calls += (long)(nval - done) * 2 * 2;
			break;
		}
		if (isfinite(d->low) && d->low > acc.min_delta) {
			d->accept = isfinite(nm->eval.mean);
			d->significant = d->accept && po_accept_significant(nm->eval.mean,
									     e->best_score,
									     e->accept.min_improvement_percent);
			e->race.accepted_early++;
			e->race.saved_calls += (long)(nval - done) * 2 * 2;
			break;
		}
	}
	po_pairwise_race_release(&pw);
	po_evaluation_release(&inc);
	return ret;
}

int po_exp_judge_nominee(struct po_experiment *e, struct po_search *ctx, struct po_nominee *nm,
			 struct po_accept_decision *d, struct po_err *err)
{
	const char *origin = nm->origin;
	/* The length penalty: the nominee's score as acceptance sees it is its
	 * mean less this (docs/strategies.md, "Prompt length"). */
	double cost = po_integrity_length_cost(&e->integrity, e->project, e->baseline_prompts,
					       nm->prompts, e->best_prompts);
	int ret = 0;

	*d = (struct po_accept_decision){ .gain = NAN, .low = NAN, .high = NAN };
	if (po_accept_needs_remeasure(&e->accept))
		return race(e, ctx, nm, cost, d, err);
	if (!nm->eval.n && !nm->eval.invalid)
		ret = po_search_evaluate(ctx, (const json_t *const *)&nm->prompts, 1, &e->split.val,
					 nm->sample, &origin, &nm->eval, err);
	if (!ret)
		po_accept_decide(&e->accept, nm->eval.mean - cost, e->best_score, &nm->eval,
				 &e->best_eval, d);
	return ret;
}

/*
 * Acceptance on every nominee (each evaluated on the validation cases when
 * it is not yet, raced under a paired rule): *top is the accepted one with
 * the largest gain, else the best-scoring one (-1: none scored), and the
 * strategy and the observer hear every decision.
 */
int po_exp_decide(struct po_experiment *e, struct po_search *ctx, long *top, bool *accepted,
		  struct po_err *err)
{
	size_t n = ctx->n_nominees;
	struct po_accept_decision *d = po_xcalloc(n ? n : 1, sizeof(*d));
	int ret = 0;

	*top = -1;
	*accepted = false;
	for (size_t i = 0; i < n && !ret; i++) {
		const struct po_nominee *nm = &ctx->nominees[i];
		ret = po_exp_judge_nominee(e, ctx, &ctx->nominees[i], &d[i], err);
		if (!ret && nm->eval.invalid)
			po_exp_msg(e, PO_EV_WARNING, "iteration %d: candidate rejected: %s",
				   ctx->iteration, nm->eval.invalid);
	}
	for (size_t i = 0; i < n && !ret; i++) {
		const struct po_nominee *nm = &ctx->nominees[i], *t;
		if (!nm->eval.n_ok)
			continue;
		t = *top >= 0 ? &ctx->nominees[*top] : NULL;
		if (!t || (d[i].accept && !*accepted) ||
		    (d[i].accept == *accepted && nm->eval.mean > t->eval.mean)) {
			*top = (long)i;
			*accepted = d[i].accept;
		}
	}
	for (size_t i = 0; i < n && !ret; i++) {
		/* One nominee replaces the incumbent; the others are turned down. */
		if ((long)i != *top)
			d[i].accept = d[i].significant = false;
		if (e->observer && e->observer->decision)
			e->observer->decision(e->observer->userdata, e, ctx->iteration,
					      &ctx->nominees[i], &d[i]);
		if (e->strategy_ops->outcome)
			e->strategy_ops->outcome(e->strategy, &ctx->nominees[i], &d[i]);
	}
	free(d);
	return ret;
}
