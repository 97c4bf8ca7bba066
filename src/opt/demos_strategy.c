/*
 * demos — the few-shot strategy: each step feeds the operator's pool with
 * the incumbent's outputs on the train cases (from its evaluation there,
 * which the archive serves when it is paid already) and nominates one edit
 * of the incumbent's examples (opt/demos.h); acceptance evaluates it on the
 * validation cases. No mutate call: the edit is deterministic.
 */
#include <stdio.h>
#include <stdlib.h>

#include "opt/demos.h"
#include "opt/strategy.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

#define DEFAULT_MAX_EXAMPLES 3
/* Sample indices of the incumbent's evaluations for outputs, far from the
 * iteration numbers the nominees use. */
#define OUTPUT_SAMPLE_BASE 1000000u

struct po_strategy {
	struct po_demos *demos;
	json_t *seen;           /* the incumbent whose train outputs were sought */
	unsigned seen_sample;
	/* The run's, from the last step (for the outcome). */
	const struct po_project *project;
	const struct po_split *split;
};

static const char *const demos_params[] = { "max_examples", NULL };

static int demos_check(const json_t *params, struct po_err *err)
{
	const json_t *v = json_object_get(params, "max_examples");

	if (v && (!json_is_integer(v) || json_integer_value(v) < 1 ||
		  json_integer_value(v) > PO_DEMOS_MAX_EXAMPLES))
		return po_error(err, PO_EINPUT,
				"strategy demos: max_examples must be an integer from 1 to %d (the examples a template holds), e.g. 3",
				PO_DEMOS_MAX_EXAMPLES);
	return 0;
}

static struct po_strategy *demos_new(const json_t *params, uint64_t seed)
{
	struct po_strategy *s = po_xcalloc(1, sizeof(*s));
	json_int_t max = po_json_int(params, "max_examples", DEFAULT_MAX_EXAMPLES);

	(void)seed;
	s->demos = po_demos_new((size_t)max);
	return s;
}

/* Examples come from other training cases than the one a prompt runs on. */
static int demos_check_shape(const struct po_strategy *s, const struct po_step_shape *shape,
			     struct po_err *err)
{
	(void)s;
	if (shape->train < 2)
		return po_error(err, PO_EINPUT,
				"strategy demos needs at least 2 training cases to take examples from, and this run has %zu (%zu test cases); add test cases%s, or choose another strategy",
				shape->train, shape->ncases,
				shape->split && shape->ncases >= 2 ? ", use --split none" : "");
	return 0;
}

/* Per step: the nominee on the validation cases and, when the incumbent
 * changed or the pool is empty, the incumbent on the train cases. */
static void demos_estimate(const struct po_strategy *s, const struct po_step_shape *shape,
			   struct po_step_estimate *out)
{
	(void)s;
	out->calls[PO_ROLE_GENERATE] = (double)(shape->val + shape->train);
	out->calls[PO_ROLE_JUDGE] = (double)(shape->val + shape->train);
	out->calls[PO_ROLE_MUTATE] = 0;
	out->candidates = 1;
}

static int observe(struct po_strategy *s, struct po_search *ctx, unsigned sample,
		   struct po_err *err)
{
	/* names the entry when this sample of the incumbent is new */
	static const char *const origin[] = { "demos: outputs of the best prompt" };
	struct po_evaluation ev = { 0 };
	int ret = po_search_evaluate(ctx, &ctx->incumbent, 1, &ctx->split->train, sample, origin,
				     &ev, err);

	if (!ret)
		po_demos_observe(s->demos, ctx, &ev);
	po_evaluation_release(&ev);
	return ret;
}

/*
 * The incumbent's outputs on the train cases, once per incumbent: what its
 * evaluation there gives (nothing when the archive served it), and when the
 * pool is still empty, a fresh evaluation with a sample of its own.
 */
static int feed_pool(struct po_strategy *s, struct po_search *ctx, struct po_err *err)
{
	int ret;

	if (s->seen && s->seen_sample == ctx->incumbent_sample &&
	    json_equal(s->seen, ctx->incumbent) && po_demos_pool_size(s->demos))
		return 0;
	ret = observe(s, ctx, ctx->incumbent_sample, err);
	if (!ret && !po_demos_pool_size(s->demos))
		ret = observe(s, ctx, OUTPUT_SAMPLE_BASE + (unsigned)ctx->iteration, err);
	if (ret)
		return ret;
	json_decref(s->seen);
	s->seen = json_deep_copy(ctx->incumbent);
	s->seen_sample = ctx->incumbent_sample;
	return 0;
}

static int demos_step(struct po_strategy *s, struct po_search *ctx, struct po_err *err)
{
	struct po_evaluation ev = { 0 };
	json_t *prompts = NULL;
	char op[200], origin[256];
	int ret = feed_pool(s, ctx, err);

	s->project = ctx->project;
	s->split = ctx->split;
	if (ret)
		return ret;
	ret = po_demos_propose(s->demos, ctx, ctx->incumbent, ctx->project->main_prompt, &prompts,
			       op, sizeof(op), err);
	if (ret)
		return ret;
	snprintf(origin, sizeof(origin), "demos: %s", op);
	po_search_nominate(ctx, prompts, origin, (unsigned)ctx->iteration, &ev);
	return 0;
}

/* A nominee's outputs on the cases that are train cases too (every case
 * without a split) go to the pool at no cost. */
static void demos_outcome(struct po_strategy *s, const struct po_nominee *n,
			  const struct po_accept_decision *d)
{
	struct po_search ctx = { .project = s->project, .split = s->split };

	(void)d;
	if (s->project && s->split)
		po_demos_observe(s->demos, &ctx, &n->eval);
}

static json_t *demos_save(const struct po_strategy *s)
{
	return json_pack("{s:o, s:O?, s:i}", "pool", po_demos_save(s->demos), "seen", s->seen,
			 "seen_sample", (int)s->seen_sample);
}

static int demos_restore(struct po_strategy *s, const json_t *state, struct po_err *err)
{
	const json_t *seen = json_object_get(state, "seen");

	if (!state)
		return 0;
	json_decref(s->seen);
	s->seen = json_is_object(seen) ? json_deep_copy(seen) : NULL;
	s->seen_sample = (unsigned)po_json_int(state, "seen_sample", 0);
	return po_demos_restore(s->demos, json_object_get(state, "pool"), err);
}

static void demos_free(struct po_strategy *s)
{
	po_demos_free(s->demos);
	json_decref(s->seen);
	free(s);
}

const struct po_strategy_ops po_strategy_demos = {
	.name = "demos",
	.summary = "adds, swaps or removes few-shot examples (training cases' best outputs) in the best prompt",
	.params = demos_params,
	.check = demos_check,
	.new = demos_new,
	.check_shape = demos_check_shape,
	.estimate = demos_estimate,
	.step = demos_step,
	.outcome = demos_outcome,
	.save = demos_save,
	.restore = demos_restore,
	.free = demos_free,
};
