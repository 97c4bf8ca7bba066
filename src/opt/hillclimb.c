/*
 * hillclimb — the seed's loop: each step asks the LLM for one mutation of
 * the incumbent (the prompts taking turns when a project has a system prompt
 * too), using the judge's feedback on the incumbent's outputs for the train
 * cases, evaluates the mutation on the validation cases and nominates it;
 * the experiment keeps it when acceptance says it is better. Without a
 * split, train and validation are every case, as in the seed. What it keeps
 * (the incumbent's feedback) is rebuilt from the archive after --resume.
 */
#include <stdio.h>
#include <stdlib.h>

#include "opt/strategy.h"
#include "util/err.h"
#include "util/mem.h"

struct po_strategy {
	uint64_t seed;
	json_t *fb_prompts;     /* the prompts whose train feedback is held */
	unsigned fb_sample;
	json_t *feedback;       /* their most frequent improvements */
};

static const char *const hc_params[] = { NULL };

static struct po_strategy *hc_new(const json_t *params, uint64_t seed)
{
	struct po_strategy *s = po_xcalloc(1, sizeof(*s));

	(void)params;
	s->seed = seed;
	return s;
}

/* With a split, a step after an accepted mutation also evaluates the new
 * incumbent on the train cases (its feedback): counted in the upper bound. */
static void hc_estimate(const struct po_strategy *s, const struct po_step_shape *shape,
			struct po_step_estimate *out)
{
	double train = shape->split ? (double)shape->train : 0;

	(void)s;
	out->calls[PO_ROLE_GENERATE] = (double)shape->val + train;
	out->calls[PO_ROLE_JUDGE] = (double)shape->val + train;
	out->calls[PO_ROLE_MUTATE] = 1;
	out->candidates = 1;
}

/*
 * The judge's feedback on the incumbent over the train cases, with the
 * sample it was evaluated with: taken from the archive when it is there
 * (always without a split), else evaluated once per incumbent.
 */
static int train_feedback(struct po_strategy *s, struct po_search *ctx, struct po_err *err)
{
	struct po_evaluation ev = { 0 };
	int ret;

	if (s->fb_prompts && s->fb_sample == ctx->incumbent_sample &&
	    json_equal(s->fb_prompts, ctx->incumbent))
		return 0;
	ret = po_search_evaluate(ctx, &ctx->incumbent, 1, &ctx->split->train,
				 ctx->incumbent_sample, NULL, &ev, err);
	if (ret)
		return ret;
	json_decref(s->fb_prompts);
	json_decref(s->feedback);
	s->fb_prompts = json_deep_copy(ctx->incumbent);
	s->fb_sample = ctx->incumbent_sample;
	s->feedback = po_evaluation_feedback(&ev, 5);
	po_evaluation_release(&ev);
	return 0;
}

static int hc_step(struct po_strategy *s, struct po_search *ctx, struct po_err *err)
{
	const char *name = po_search_prompt_name(ctx, (size_t)(ctx->iteration - 1));
	json_t *prompts = NULL;
	struct po_evaluation ev = { 0 };
	char origin[256];
	int ret;

	ret = train_feedback(s, ctx, err);
	if (ret)
		return ret;
	ret = po_search_mutate(ctx, ctx->incumbent, name, s->feedback, (unsigned)ctx->iteration,
			       &prompts, err);
	if (ret)
		return ret;
	snprintf(origin, sizeof(origin), "mutation of %s", name);
	po_search_lineage(ctx, prompts, "mutate", &ctx->incumbent, 1);
	/* Acceptance evaluates it on the validation cases (racing it under a
	 * paired rule), so that a clearly worse one costs fewer calls. */
	po_search_nominate(ctx, prompts, origin, (unsigned)ctx->iteration, &ev);
	return 0;
}

static void hc_free(struct po_strategy *s)
{
	json_decref(s->fb_prompts);
	json_decref(s->feedback);
	free(s);
}

const struct po_strategy_ops po_strategy_hillclimb = {
	.name = "hillclimb",
	.summary = "one LLM mutation of the best prompt per iteration, kept when it scores higher",
	.params = hc_params,
	.new = hc_new,
	.estimate = hc_estimate,
	.step = hc_step,
	.free = hc_free,
};
