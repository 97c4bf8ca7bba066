/*
 * hillclimb — the seed's loop: each iteration asks the LLM for one mutation
 * of the current best prompt set (the prompts taking turns when a project has
 * several), using the judge's feedback on the best; the experiment keeps it
 * when it scores higher.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char *nth_prompt_name(const json_t *prompts, size_t k)
{
	/* Sorted order, so the turn order does not depend on hash order. */
	const char *key, *names[64];
	size_t n = 0, i, j;
	json_t *v;

	json_object_foreach((json_t *)prompts, key, v) {
		if (n < PO_ARRAY_SIZE(names))
			names[n++] = key;
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	return n ? names[k % n] : NULL;
}

static int hc_propose(struct po_strategy *s, const struct po_opt_ctx *ctx,
		      struct po_candidate **out, size_t *n, struct po_err *err)
{
	const char *name = nth_prompt_name(ctx->best_prompts, (size_t)(ctx->iteration - 1));
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
