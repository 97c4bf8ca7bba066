/*
 * hillclimb — the seed's loop: each iteration asks the LLM for one mutation
 * of the current best prompt set (the prompts taking turns when a project has
 * a system prompt too), using the judge's feedback on the best; the experiment keeps it
 * when it scores higher.
 */
#include <stdio.h>
#include <stdlib.h>

#include "opt/strategy.h"
#include "util/err.h"
#include "util/mem.h"

struct po_strategy {
	uint64_t seed;
};

static struct po_strategy *hc_new(uint64_t seed)
{
	struct po_strategy *s = po_xcalloc(1, sizeof(*s));

	s->seed = seed;
	return s;
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

static int hc_propose(struct po_strategy *s, const struct po_opt_ctx *ctx,
		      struct po_candidate **out, size_t *n, struct po_err *err)
{
	const char *name = nth_prompt_name(ctx->project, (size_t)(ctx->iteration - 1));
	json_t *feedback = ctx->best_eval ? po_evaluation_feedback(ctx->best_eval, 5) : NULL;
	json_t *prompts = NULL;
	char origin[256];
	int ret;

	*out = NULL;
	*n = 0;
	ret = po_strategy_mutate(ctx, ctx->best_prompts, name, feedback,
				 (unsigned)ctx->iteration, &prompts, err);
	json_decref(feedback);
	if (ret)
		return ret;
	snprintf(origin, sizeof(origin), "mutation of %s", name);
	*out = po_xcalloc(1, sizeof(**out));
	(*out)[0].prompts = prompts;
	(*out)[0].origin = po_xstrdup(origin);
	*n = 1;
	return 0;
}

static void hc_free(struct po_strategy *s)
{
	free(s);
}

const struct po_strategy_ops po_strategy_hillclimb = {
	.name = "hillclimb",
	.summary = "one LLM mutation of the best prompt per iteration, kept when it scores higher",
	.new = hc_new,
	.propose = hc_propose,
	.observe = NULL,
	.free = hc_free,
};
