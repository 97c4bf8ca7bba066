/*
 * opro — optimization by prompting (after OPRO). Each step shows the
 * mutate role the best `top_k` prompt sets so far with their scores on the
 * training cases, in ascending order, and the best one's outputs on
 * `examples` training cases, and asks `proposals` times for a new template
 * (one call each, a different sample each). The proposals are evaluated
 * together on the training cases (one batch: --concurrency is used) and the
 * best is nominated when it beats the incumbent there. The pool is every
 * proposal evaluated, best `pool` kept.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "opt/pool.h"
#include "opt/strategy.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

struct po_strategy {
	uint64_t seed;
	int top_k, proposals, examples, pool_max;
	bool examples_given;      /* set by the user: too many is an error */
	struct po_pool pool;
};

static const char *const op_params[] = { "top_k", "proposals", "examples", "pool", NULL };

static int op_check(const json_t *p, struct po_err *err)
{
	int ret = po_param_check_int(p, "opro", "top_k", 1, 20, err);

	if (!ret)
		ret = po_param_check_int(p, "opro", "proposals", 1, 16, err);
	if (!ret)
		ret = po_param_check_int(p, "opro", "examples", 1, 8, err);
	if (!ret)
		ret = po_param_check_int(p, "opro", "pool", 2, 256, err);
	return ret;
}

static struct po_strategy *op_new(const json_t *params, uint64_t seed)
{
	struct po_strategy *s = po_xcalloc(1, sizeof(*s));

	s->seed = seed;
	s->top_k = po_param_int(params, "top_k", 8);
	s->proposals = po_param_int(params, "proposals", 4);
	s->examples = po_param_int(params, "examples", 3);
	s->examples_given = json_object_get(params, "examples") != NULL;
	s->pool_max = po_param_int(params, "pool", 64);
	return s;
}

static int op_check_shape(const struct po_strategy *s, const struct po_step_shape *shape,
			  struct po_err *err)
{
	if ((size_t)s->examples > shape->train && s->examples_given)
		return po_error(err, PO_EINPUT,
				"strategy opro: %d examples is more than the %zu training cases; set "
				"\"examples\" to %zu or fewer, or give the training set more cases "
				"(--split)", s->examples, shape->train, shape->train);
	return 0;
}

static void op_estimate(const struct po_strategy *s, const struct po_step_shape *shape,
			struct po_step_estimate *out)
{
	double evals = s->examples + (double)s->proposals * (double)shape->train +
		       (shape->split ? (double)shape->val : 0);

	out->calls[PO_ROLE_GENERATE] = evals;
	out->calls[PO_ROLE_JUDGE] = evals;
	out->calls[PO_ROLE_MUTATE] = s->proposals;
	out->candidates = 1;
}

/* The meta-prompt: the best top_k members, ascending, and the best one's
 * outputs on a few training cases (evaluated with the step's sample). */
static int meta_prompt(struct po_strategy *s, struct po_search *ctx, const char *name,
		       unsigned sample, struct po_rng *r, struct po_buf *req,
		       const json_t **parents, size_t *nparents, struct po_err *err)
{
	size_t *rank, k = s->pool.n < (size_t)s->top_k ? s->pool.n : (size_t)s->top_k;
	const char **tmpl = po_xcalloc(k ? k : 1, sizeof(*tmpl));
	double *score = po_xcalloc(k ? k : 1, sizeof(*score));
	const char *origin = "best so far on a few cases";
	const json_t *best;
	struct po_caseset ex = { 0 };
	struct po_evaluation ev = { 0 };
	struct po_trace *tr;
	json_t *ph;
	size_t n;
	int ret;

	po_pool_rank(ctx, &s->pool, &ctx->split->train, &rank);
	for (size_t i = 0; i < k; i++) {
		const struct po_member *m = &s->pool.m[rank[k - 1 - i]];
		tmpl[i] = json_string_value(json_object_get(m->prompts, name));
		score[i] = po_pool_mean(ctx, m, &ctx->split->train);
	}
	best = s->pool.m[rank[0]].prompts;
	*nparents = k < PO_MAX_PARENTS ? k : PO_MAX_PARENTS;
	for (size_t i = 0; i < *nparents; i++)
		parents[i] = s->pool.m[rank[i]].prompts;
	po_minibatch(&ctx->split->train, (size_t)s->examples, r, &ex);
	ret = po_search_evaluate(ctx, &best, 1, &ex, sample, &origin, &ev, err);
	if (!ret) {
		n = po_traces(&ev, &tr);
		ph = po_search_placeholders(best, name);
		po_mutate_build_opro(req, name, tmpl, score, k, tr, n, ph);
		json_decref(ph);
		free(tr);
	}
	po_evaluation_release(&ev);
	po_caseset_release(&ex);
	free(rank);
	free(tmpl);
	free(score);
	return ret;
}

static int op_step(struct po_strategy *s, struct po_search *ctx, struct po_err *err)
{
	const char *name = po_search_prompt_name(ctx, (size_t)(ctx->iteration - 1));
	unsigned sample = (unsigned)ctx->iteration * 16u;
	json_t **kids = po_xcalloc((size_t)s->proposals, sizeof(*kids));
	const char **origins = po_xcalloc((size_t)s->proposals, sizeof(*origins));
	const json_t *parents[PO_MAX_PARENTS];
	size_t nparents = 0, n = 0;
	struct po_buf req = PO_BUF_INIT;
	struct po_rng r;
	int ret;

	po_rng_seed(&r, po_hash_u64((uint64_t)ctx->iteration, s->seed ^ 0x6f70726fULL));
	ret = po_pool_seed(&s->pool, ctx, err);
	if (!ret)
		ret = meta_prompt(s, ctx, name, sample, &r, &req, parents, &nparents, err);
	for (int j = 0; j < s->proposals && !ret; j++) {
		json_t *kid = NULL;
		ret = po_search_ask(ctx, parents[0], name, req.data, (size_t)s->examples,
				    sample + (unsigned)j, &kid, err);
		/* An unusable or rejected proposal is lost, not the step. */
		if (ret == PO_EEVAL)
			ret = 0;
		kids[n++] = kid;
	}
	po_kids_unique(kids, &n);
	for (size_t i = 0; i < n; i++) {
		po_search_lineage(ctx, kids[i], "opro", parents, nparents);
		origins[i] = "proposal from the scored history";
	}
	if (!ret && !n)
		ret = po_error(err, PO_EEVAL, "no usable proposal in %d mutate replies", s->proposals);
	if (!ret)
		ret = po_pool_evaluate_children(ctx, &s->pool, kids, origins, n, sample, err);
	if (!ret) {
		po_pool_nominate_best(ctx, &s->pool, kids, origins, n, sample);
		po_pool_keep_best(&s->pool, ctx, (size_t)s->pool_max);
	}
	for (size_t i = 0; i < n; i++)
		json_decref(kids[i]);
	free(kids);
	free(origins);
	po_buf_release(&req);
	return ret;
}

static json_t *op_save(const struct po_strategy *s)
{
	return po_pool_save(&s->pool);
}

static int op_restore(struct po_strategy *s, const json_t *state, struct po_err *err)
{
	return po_pool_restore(&s->pool, state, err);
}

static void op_free(struct po_strategy *s)
{
	po_pool_release(&s->pool);
	free(s);
}

const struct po_strategy_ops po_strategy_opro = {
	.name = "opro",
	.summary = "OPRO: a meta-prompt of the best prompts so far with their scores; several "
		   "proposals per step evaluated together",
	.params = op_params,
	.check = op_check,
	.new = op_new,
	.check_shape = op_check_shape,
	.estimate = op_estimate,
	.step = op_step,
	.save = op_save,
	.restore = op_restore,
	.free = op_free,
};
