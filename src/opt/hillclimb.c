/*
 * hillclimb — the seed's loop: each step asks the LLM for one mutation of
 * the incumbent (the prompts taking turns when a project has a system prompt
 * too), using the judge's feedback on it, evaluates it on the validation set
 * and nominates it; the experiment keeps it when acceptance says it is
 * better. It keeps no state of its own.
 */
#include <stdio.h>
#include <stdlib.h>

#include "opt/strategy.h"
#include "util/err.h"
#include "util/mem.h"

struct po_strategy {
	uint64_t seed;
};

static const char *const hc_params[] = { NULL };

static struct po_strategy *hc_new(const json_t *params, uint64_t seed)
{
	struct po_strategy *s = po_xcalloc(1, sizeof(*s));

	(void)params;
	s->seed = seed;
	return s;
}

static void hc_estimate(const struct po_strategy *s, const struct po_step_shape *shape,
			struct po_step_estimate *out)
{
	(void)s;
	out->calls[PO_ROLE_GENERATE] = (double)shape->val;
	out->calls[PO_ROLE_JUDGE] = (double)shape->val;
	out->calls[PO_ROLE_MUTATE] = 1;
	out->candidates = 1;
}

/*
 * The prompts a run renders take turns: the main prompt, then the system
 * prompt when the project has one. Other prompts in the file are never sent,
 * so mutating them would waste iterations.
 */
static const char *nth_prompt_name(const struct po_project *p, size_t k)
{
	if (p->system_prompt && k % 2)
		return p->system_prompt;
	return p->main_prompt;
}

static int hc_step(struct po_strategy *s, struct po_search *ctx, struct po_err *err)
{
	const char *name = nth_prompt_name(ctx->project, (size_t)(ctx->iteration - 1));
	json_t *feedback = ctx->incumbent_eval ? po_evaluation_feedback(ctx->incumbent_eval, 5) :
						 NULL;
	json_t *prompts = NULL;
	struct po_evaluation ev = { 0 };
	char origin[256];
	const char *origins[1] = { origin };
	int ret;

	(void)s;
	ret = po_search_mutate(ctx, ctx->incumbent, name, feedback, (unsigned)ctx->iteration,
			       &prompts, err);
	json_decref(feedback);
	if (ret)
		return ret;
	snprintf(origin, sizeof(origin), "mutation of %s", name);
	ret = po_search_evaluate(ctx, (const json_t *const *)&prompts, 1, &ctx->split->val,
				 (unsigned)ctx->iteration, origins, &ev, err);
	if (ret) {
		json_decref(prompts);
		return ret;
	}
	po_search_nominate(ctx, prompts, origin, &ev);
	return 0;
}

static void hc_free(struct po_strategy *s)
{
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
