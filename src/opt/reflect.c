/*
 * reflect — reflective Pareto evolution (after GEPA). The pool holds every
 * candidate that passed the minibatch gate, each evaluated on all training
 * cases. A step draws a parent from the pool's Pareto front over the
 * training cases (by how many cases each member is best on), runs it on a
 * minibatch of training cases, shows the mutate role those outputs with the
 * judge's scores and feedback (worst first) and asks for a rewrite. The
 * child is evaluated on the same minibatch with the same sample; only when
 * it beats its parent there is it evaluated on the other training cases and
 * added to the pool, and nominated when its training mean is above the
 * incumbent's. With probability `merge` the step merges two front members
 * instead. A step tries up to `tries` children until one passes the gate.
 * Without a split the training cases are every case, so a nominee's
 * validation evaluation is already paid for.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "opt/demos.h"
#include "opt/pool.h"
#include "opt/strategy.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

struct po_strategy {
	uint64_t seed;
	int minibatch, tries, pool_max;
	bool minibatch_given;     /* set by the user: too large is an error */
	double merge, demos_rate;
	bool ties;                /* a child that ties its parent passes the gate (default) */
	struct po_pool pool;
	struct po_demos *demos;   /* the few-shot operator, fed by minibatch outputs */
};

static const char *const rf_params[] = { "minibatch", "merge", "tries", "pool", "demos",
					 "ties", NULL };

static int rf_check(const json_t *p, struct po_err *err)
{
	int ret = po_param_check_int(p, "reflect", "minibatch", 1, 64, err);

	if (!ret)
		ret = po_param_check_num(p, "reflect", "merge", 0, 1, err);
	if (!ret)
		ret = po_param_check_int(p, "reflect", "tries", 1, 10, err);
	if (!ret)
		ret = po_param_check_int(p, "reflect", "pool", 2, 256, err);
	if (!ret)
		ret = po_param_check_num(p, "reflect", "demos", 0, 1, err);
	if (!ret && json_object_get(p, "ties") && !json_is_boolean(json_object_get(p, "ties")))
		ret = po_error(err, PO_EINPUT, "strategy reflect: \"ties\" must be true or false");
	return ret;
}

static struct po_strategy *rf_new(const json_t *params, uint64_t seed)
{
	struct po_strategy *s = po_xcalloc(1, sizeof(*s));

	s->seed = seed;
	s->minibatch = po_param_int(params, "minibatch", 3);
	s->minibatch_given = json_object_get(params, "minibatch") != NULL;
	s->merge = po_param_num(params, "merge", 0.15);
	s->tries = po_param_int(params, "tries", 3);
	s->pool_max = po_param_int(params, "pool", 24);
	s->demos_rate = po_param_num(params, "demos", 0);
	s->demos = po_demos_new(3);
	/* A tie passes unless told otherwise: with scores of 0 or 100 per case
	 * (exact answers) a minibatch mean often ties, and a strict gate then
	 * turns down most real gains; with the judge's scores ties are rare. */
	s->ties = !json_is_false(json_object_get(params, "ties"));
	return s;
}

static int rf_fits(const struct po_strategy *s, const struct po_step_shape *shape,
		   struct po_err *err)
{
	if ((size_t)s->minibatch > shape->train && s->minibatch_given)
		return po_error(err, PO_EINPUT,
				"strategy reflect: a minibatch of %d is larger than the %zu training "
				"cases; set \"minibatch\" to %zu or fewer, or give the training set "
				"more cases (--split)", s->minibatch, shape->train, shape->train);
	return 0;
}

/* Upper bound: every try runs parent and child on a minibatch; the last
 * one passes and is evaluated on the rest of the training cases and, with
 * a split, on the validation cases. */
static void rf_estimate(const struct po_strategy *s, const struct po_step_shape *shape,
			struct po_step_estimate *out)
{
	double mb = (double)s->minibatch, evals;

	evals = s->tries * 2 * mb + ((double)shape->train - mb) + (shape->split ? shape->val : 0);
	out->calls[PO_ROLE_GENERATE] = evals;
	out->calls[PO_ROLE_JUDGE] = evals;
	out->calls[PO_ROLE_MUTATE] = s->tries;
	out->candidates = 1;
}

/* Keeps the pool within its size: drops the member best on the fewest
 * training cases (never the incumbent), the oldest first on ties. */
static void trim_pool(struct po_strategy *s, struct po_search *ctx)
{
	while (s->pool.n > (size_t)s->pool_max) {
		size_t *wins = po_xcalloc(s->pool.n, sizeof(*wins)), worst = SIZE_MAX;
		po_pool_wins(ctx, &s->pool, &ctx->split->train, wins);
		for (size_t i = 0; i < s->pool.n; i++)
			if (!json_equal(s->pool.m[i].prompts, ctx->incumbent) &&
			    (worst == SIZE_MAX || wins[i] < wins[worst]))
				worst = i;
		free(wins);
		if (worst == SIZE_MAX)
			return;
		po_pool_remove(&s->pool, worst);
	}
}

/* Mean of a over the cases where both a and b are ok (NAN when none). */
static double paired_diff(const struct po_evaluation *a, const struct po_evaluation *b)
{
	double sum = 0;
	size_t n = 0;

	for (size_t i = 0; i < a->n && i < b->n; i++)
		if (a->cases[i].ok && b->cases[i].ok) {
			sum += a->cases[i].score - b->cases[i].score;
			n++;
		}
	return n ? sum / (double)n : NAN;
}

/* One try's child, made by reflection on the parent's minibatch outputs
 * (*pev: the parent's minibatch evaluation) or by merging two members. */
struct child {
	json_t *prompts;
	const char *op;
	const json_t *parents[2];
	size_t nparents;
	char origin[128];
};

static int reflect_child(struct po_search *ctx, const struct po_member *parent,
			 const struct po_caseset *mb, unsigned sample, const char *name,
			 struct po_evaluation *pev, struct child *c, struct po_err *err)
{
	const json_t *pp = parent->prompts;
	const char *origin = "parent on a minibatch";
	struct po_trace *tr;
	struct po_buf req = PO_BUF_INIT;
	json_t *ph;
	size_t n;
	int ret;

	ret = po_search_evaluate(ctx, &pp, 1, mb, sample, &origin, pev, err);
	if (ret)
		return ret;
	n = po_traces(pev, &tr);
	ph = po_search_placeholders(pp, name);
	po_mutate_build_reflective(&req, name, json_string_value(json_object_get(pp, name)), tr,
				   n, ph);
	ret = po_search_ask(ctx, pp, name, req.data, n, sample, &c->prompts, err);
	free(tr);
	json_decref(ph);
	po_buf_release(&req);
	c->op = "reflect";
	c->parents[0] = pp;
	c->nparents = 1;
	snprintf(c->origin, sizeof(c->origin), "reflection on %s", name);
	return ret;
}

static int merge_child(struct po_search *ctx, const struct po_member *a,
		       const struct po_member *b, unsigned sample, const char *name,
		       struct child *c, struct po_err *err)
{
	struct po_buf req = PO_BUF_INIT;
	json_t *ph = po_search_placeholders(a->prompts, name);
	int ret;

	po_mutate_build_merge(&req, name, json_string_value(json_object_get(a->prompts, name)),
			      json_string_value(json_object_get(b->prompts, name)), ph);
	ret = po_search_ask(ctx, a->prompts, name, req.data, 0, sample, &c->prompts, err);
	json_decref(ph);
	po_buf_release(&req);
	c->op = "merge";
	c->parents[0] = a->prompts;
	c->parents[1] = b->prompts;
	c->nparents = 2;
	snprintf(c->origin, sizeof(c->origin), "merge of two front members (%s)", name);
	return ret;
}

/* A few-shot edit of the parent (no LLM call): an example added, swapped
 * or removed, from the training outputs seen so far. */
static int demos_child(struct po_strategy *s, struct po_search *ctx,
		       const struct po_member *parent, const char *name, struct child *c,
		       struct po_err *err)
{
	char op[128];
	int ret = po_demos_propose(s->demos, ctx, parent->prompts, name, &c->prompts, op,
				   sizeof(op), err);

	c->op = "demos";
	c->parents[0] = parent->prompts;
	c->nparents = 1;
	snprintf(c->origin, sizeof(c->origin), "%s", ret ? "few-shot edit" : op);
	return ret;
}

/*
 * The gate: the child on the minibatch against its parent (a reflection:
 * the parent's fresh minibatch outputs; a merge: the better parent's
 * training scores). Passed: the child joins the pool, evaluated on every
 * training case, and is nominated when above the incumbent there.
 */
static int gate(struct po_strategy *s, struct po_search *ctx, struct child *c,
		const struct po_caseset *mb, unsigned sample, const struct po_evaluation *pev,
		double parent_mb, bool *passed, struct po_err *err)
{
	const json_t *cp = c->prompts;
	const char *origin = c->origin;
	struct po_evaluation cev = { 0 }, none = { 0 };
	struct po_member me = { .prompts = c->prompts, .sample = sample };
	long inc;
	double gain;
	int ret;

	*passed = false;
	po_search_lineage(ctx, cp, c->op, c->parents, c->nparents);
	ret = po_search_evaluate(ctx, &cp, 1, mb, sample, &origin, &cev, err);
	if (ret || cev.invalid || !cev.n_ok)
		goto out;
	gain = pev ? paired_diff(&cev, pev) : cev.mean - parent_mb;
	if (!(gain > 0) && !(s->ties && gain == 0))
		goto out;
	*passed = true;
	ret = po_pool_evaluate_train(ctx, cp, sample, origin, err);
	if (ret)
		goto out;
	po_pool_add(&s->pool, cp, sample);
	inc = po_pool_find(&s->pool, ctx->incumbent);
	if (inc < 0 || po_pool_mean(ctx, &me, &ctx->split->train) >
			       po_pool_mean(ctx, &s->pool.m[inc], &ctx->split->train)) {
		po_search_nominate(ctx, json_incref(c->prompts), c->origin, sample, &none);
	} else {
		ctx->why_none = "the best child beat its parent on the minibatch but not the "
				"incumbent on the training cases";
	}
	trim_pool(s, ctx);
out:
	po_evaluation_release(&cev);
	return ret;
}

/* One try: a child by reflection or merge, through the gate. */
static int one_try(struct po_strategy *s, struct po_search *ctx, struct po_rng *r, int t,
		   bool *passed, struct po_err *err)
{
	const char *name = po_search_prompt_name(ctx, (size_t)(ctx->iteration - 1));
	unsigned sample = (unsigned)ctx->iteration * 16u + (unsigned)t;
	size_t *wins = po_xcalloc(s->pool.n, sizeof(*wins)), a, b;
	struct po_caseset mb = { 0 };
	struct po_evaluation pev = { 0 };
	struct child c = { 0 };
	double pmb = NAN;
	bool merge, demos;
	int ret;

	po_pool_wins(ctx, &s->pool, &ctx->split->train, wins);
	a = po_pool_pick(wins, s->pool.n, -1, r);
	merge = s->pool.n >= 2 && po_rng_double(r) < s->merge;
	demos = !merge && po_demos_pool_size(s->demos) && po_rng_double(r) < s->demos_rate;
	po_minibatch(&ctx->split->train, (size_t)s->minibatch, r, &mb);
	if (demos) {
		ret = demos_child(s, ctx, &s->pool.m[a], name, &c, err);
		pmb = po_pool_mean(ctx, &s->pool.m[a], &mb);
	} else if (merge) {
		b = po_pool_pick(wins, s->pool.n, (long)a, r);
		ret = merge_child(ctx, &s->pool.m[a], &s->pool.m[b], sample, name, &c, err);
		pmb = fmax(po_pool_mean(ctx, &s->pool.m[a], &mb), po_pool_mean(ctx, &s->pool.m[b], &mb));
	} else {
		ret = reflect_child(ctx, &s->pool.m[a], &mb, sample, name, &pev, &c, err);
		po_demos_observe(s->demos, ctx, &pev);
	}
	if (!ret)
		ret = gate(s, ctx, &c, &mb, sample, merge || demos ? NULL : &pev, pmb, passed, err);
	json_decref(c.prompts);
	po_evaluation_release(&pev);
	po_caseset_release(&mb);
	free(wins);
	return ret;
}

static int rf_step(struct po_strategy *s, struct po_search *ctx, struct po_err *err)
{
	struct po_rng r;
	bool passed = false;
	int ret, lost = 0;

	ret = po_pool_seed(&s->pool, ctx, err);
	if (ret)
		return ret;
	po_rng_seed(&r, po_hash_u64((uint64_t)ctx->iteration, s->seed ^ 0x7265666c656374ULL));
	for (int t = 0; t < s->tries && !passed; t++) {
		ret = one_try(s, ctx, &r, t, &passed, err);
		/* An unusable reply loses the try, not the step. */
		if (ret == PO_EEVAL) {
			lost++;
			continue;
		}
		if (ret)
			return ret;
	}
	if (lost == s->tries) {
		/* Every try lost (an unusable reply, or a candidate the integrity
		 * check rejected): say the last reason. */
		char last[sizeof(err->msg)];
		snprintf(last, sizeof(last), "%s", err->msg);
		return po_error(err, PO_EEVAL, "no usable candidate in %d tries; the last: %s",
				s->tries, last);
	}
	if (!passed && !ctx->n_nominees)
		ctx->why_none = "no child beat its parent on the minibatch";
	return 0;
}

static json_t *rf_save(const struct po_strategy *s)
{
	json_t *o = po_pool_save(&s->pool);

	json_object_set_new(o, "demos", po_demos_save(s->demos));
	return o;
}

static int rf_restore(struct po_strategy *s, const json_t *state, struct po_err *err)
{
	int ret = po_pool_restore(&s->pool, state, err);

	if (!ret && json_object_get(state, "demos"))
		ret = po_demos_restore(s->demos, json_object_get(state, "demos"), err);
	return ret;
}

static void rf_free(struct po_strategy *s)
{
	po_pool_release(&s->pool);
	po_demos_free(s->demos);
	free(s);
}

const struct po_strategy_ops po_strategy_reflect = {
	.name = "reflect",
	.summary = "GEPA-style: reflective rewrites from per-case feedback on minibatches, "
		   "parents from the Pareto front, a minibatch gate before full evaluation",
	.params = rf_params,
	.check = rf_check,
	.new = rf_new,
	.estimate = rf_estimate,
	.check_shape = rf_fits,
	.step = rf_step,
	.save = rf_save,
	.restore = rf_restore,
	.free = rf_free,
};
