/*
 * ga — a genetic algorithm over prompts (after EvoPrompt's GA). The first
 * step builds a population of `population` prompt sets: the baseline and
 * population-1 mutations of it, evaluated together on the training cases.
 * Each later step makes `children` children: two parents chosen by
 * `selection` (a tournament of two, or roulette on training scores), an LLM
 * crossover of the two, then an LLM mutation of the result guided by the
 * judge's feedback on the first parent (from the archive, no calls). The
 * children are evaluated together on the training cases; the best child is
 * nominated when it beats the incumbent there, and the population keeps its
 * best `population` members of parents and children (elitism: the best is
 * never lost; the incumbent always stays).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opt/pool.h"
#include "opt/strategy.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

struct po_strategy {
	uint64_t seed;
	int population, children;
	bool roulette;
	bool initialized;
	struct po_pool pool;
};

static const char *const ga_params[] = { "population", "children", "selection", NULL };

static int ga_check(const json_t *p, struct po_err *err)
{
	const json_t *sel = json_object_get(p, "selection");
	int ret = po_param_check_int(p, "ga", "population", 2, 32, err);

	if (!ret)
		ret = po_param_check_int(p, "ga", "children", 1, 16, err);
	if (!ret && sel && (!json_is_string(sel) || (strcmp(json_string_value(sel), "tournament") &&
						     strcmp(json_string_value(sel), "roulette"))))
		ret = po_error(err, PO_EINPUT,
			       "strategy ga: \"selection\" must be \"tournament\" or \"roulette\"");
	return ret;
}

static struct po_strategy *ga_new(const json_t *params, uint64_t seed)
{
	struct po_strategy *s = po_xcalloc(1, sizeof(*s));

	s->seed = seed;
	s->population = po_param_int(params, "population", 6);
	s->children = po_param_int(params, "children", 2);
	s->roulette = !strcmp(po_json_str(params, "selection", "tournament"), "roulette");
	return s;
}

/* The larger of the first step (population-1 mutations) and a generation
 * (children crossovers and mutations). */
static void ga_estimate(const struct po_strategy *s, const struct po_step_shape *shape,
			struct po_step_estimate *out)
{
	double kids = fmax(s->population - 1, s->children);
	double evals = kids * (double)shape->train + (shape->split ? (double)shape->val : 0);

	out->calls[PO_ROLE_GENERATE] = evals;
	out->calls[PO_ROLE_JUDGE] = evals;
	out->calls[PO_ROLE_MUTATE] = fmax(s->population - 1, 2.0 * s->children);
	out->candidates = 1;
}

/* A parent: the better of two drawn at random, or drawn with probability
 * proportional to its training score (roulette); `not` excluded. */
static size_t select_parent(const struct po_strategy *s, const struct po_search *ctx,
			    struct po_rng *r, long not)
{
	size_t n = s->pool.n, a, b;
	double total = 0, x;

	if (s->roulette) {
		for (size_t i = 0; i < n; i++)
			if ((long)i != not)
				total += fmax(po_pool_mean(ctx, &s->pool.m[i], &ctx->split->train), 0);
		x = po_rng_double(r) * total;
		for (size_t i = 0; i < n; i++) {
			if ((long)i == not)
				continue;
			x -= fmax(po_pool_mean(ctx, &s->pool.m[i], &ctx->split->train), 0);
			if (x <= 0)
				return i;
		}
		return not == (long)(n - 1) ? n - 2 : n - 1;
	}
	do
		a = po_rng_below(r, n);
	while ((long)a == not);
	do
		b = po_rng_below(r, n);
	while ((long)b == not && n > 1);
	return po_pool_mean(ctx, &s->pool.m[b], &ctx->split->train) >
	       po_pool_mean(ctx, &s->pool.m[a], &ctx->split->train) ? b : a;
}

/* The judge's most frequent improvements for a member on the training
 * cases, from the archive. */
static json_t *member_feedback(const struct po_search *ctx, const struct po_member *m)
{
	const struct po_archive_entry *e = po_archive_find(ctx->archive, m->prompts, m->sample);
	struct po_evaluation ev = { 0 };
	json_t *fb;

	ev.cases = po_xcalloc(ctx->split->train.n ? ctx->split->train.n : 1, sizeof(*ev.cases));
	for (size_t i = 0; e && i < ctx->split->train.n; i++) {
		const struct po_archive_case *c = &e->cases[ctx->split->train.idx[i]];
		if (c->evaluated && c->ok)
			ev.cases[ev.n++].improvements = c->improvements;
	}
	fb = po_evaluation_feedback(&ev, 5);
	free(ev.cases);
	return fb;
}

/* One child: crossover of a and b, then a mutation (a lost crossover: the
 * mutation of a alone). *kid NULL when the LLM gave nothing usable. */
static int make_child(struct po_search *ctx, const struct po_member *a,
		      const struct po_member *b, const char *name, unsigned sample, json_t **kid,
		      struct po_err *err)
{
	struct po_buf req = PO_BUF_INIT;
	json_t *ph = po_search_placeholders(a->prompts, name), *x = NULL, *fb;
	int ret;

	po_mutate_build_merge(&req, name, json_string_value(json_object_get(a->prompts, name)),
			      json_string_value(json_object_get(b->prompts, name)), ph);
	ret = po_search_ask(ctx, a->prompts, name, req.data, 0, sample, &x, err);
	json_decref(ph);
	po_buf_release(&req);
	if (ret && ret != PO_EEVAL)
		return ret;
	fb = member_feedback(ctx, a);
	ret = po_search_mutate(ctx, x ? x : a->prompts, name, fb, sample, kid, err);
	json_decref(fb);
	json_decref(x);
	return ret == PO_EEVAL ? 0 : ret;
}

/* The first step: population-1 mutations of the baseline, no feedback. */
static int init_population(struct po_strategy *s, struct po_search *ctx, const char *name,
			   unsigned sample, json_t **kids, size_t *n, struct po_err *err)
{
	int ret = 0;

	for (int j = 1; j < s->population && !ret; j++) {
		json_t *kid = NULL;
		ret = po_search_mutate(ctx, ctx->incumbent, name, NULL, sample + (unsigned)j, &kid,
				       err);
		if (ret == PO_EEVAL)
			ret = 0;
		if (kid)
			po_search_lineage(ctx, kid, "mutate", &ctx->incumbent, 1);
		kids[(*n)++] = kid;
	}
	s->initialized = true;
	return ret;
}

static int generation(struct po_strategy *s, struct po_search *ctx, const char *name,
		      unsigned sample, json_t **kids, size_t *n, struct po_err *err)
{
	struct po_rng r;
	int ret = 0;

	po_rng_seed(&r, po_hash_u64((uint64_t)ctx->iteration, s->seed ^ 0x6761ULL));
	for (int j = 0; j < s->children && !ret && s->pool.n >= 2; j++) {
		size_t a = select_parent(s, ctx, &r, -1), b = select_parent(s, ctx, &r, (long)a);
		json_t *kid = NULL;
		const json_t *parents[2] = { s->pool.m[a].prompts, s->pool.m[b].prompts };
		ret = make_child(ctx, &s->pool.m[a], &s->pool.m[b], name, sample + (unsigned)j,
				 &kid, err);
		if (kid)
			po_search_lineage(ctx, kid, "crossover+mutate", parents, 2);
		kids[(*n)++] = kid;
	}
	return ret;
}

static int ga_step(struct po_strategy *s, struct po_search *ctx, struct po_err *err)
{
	const char *name = po_search_prompt_name(ctx, (size_t)(ctx->iteration - 1));
	unsigned sample = (unsigned)ctx->iteration * 16u;
	size_t cap = (size_t)(s->population > s->children ? s->population : s->children), n = 0;
	json_t **kids = po_xcalloc(cap, sizeof(*kids));
	const char **origins = po_xcalloc(cap, sizeof(*origins));
	int ret;

	ret = po_pool_seed(&s->pool, ctx, err);
	if (!ret)
		ret = s->initialized ? generation(s, ctx, name, sample, kids, &n, err) :
				       init_population(s, ctx, name, sample, kids, &n, err);
	po_kids_unique(kids, &n);
	for (size_t i = 0; i < n; i++)
		origins[i] = s->pool.n > 1 ? "crossover and mutation" : "mutation of the baseline";
	if (!ret && !n)
		ret = po_error(err, PO_EEVAL, "no usable child in this generation");
	if (!ret)
		ret = po_pool_evaluate_children(ctx, &s->pool, kids, origins, n, sample, err);
	if (!ret) {
		po_pool_nominate_best(ctx, &s->pool, kids, origins, n, sample);
		po_pool_keep_best(&s->pool, ctx, (size_t)s->population);
	}
	for (size_t i = 0; i < n; i++)
		json_decref(kids[i]);
	free(kids);
	free(origins);
	return ret;
}

static json_t *ga_save(const struct po_strategy *s)
{
	json_t *o = po_pool_save(&s->pool);

	json_object_set_new(o, "initialized", json_boolean(s->initialized));
	return o;
}

static int ga_restore(struct po_strategy *s, const json_t *state, struct po_err *err)
{
	s->initialized = po_json_bool(state, "initialized", false);
	return po_pool_restore(&s->pool, state, err);
}

static void ga_free(struct po_strategy *s)
{
	po_pool_release(&s->pool);
	free(s);
}

const struct po_strategy_ops po_strategy_ga = {
	.name = "ga",
	.summary = "EvoPrompt-style genetic algorithm: a population, selection, LLM crossover "
		   "then mutation, elitism",
	.params = ga_params,
	.check = ga_check,
	.new = ga_new,
	.estimate = ga_estimate,
	.step = ga_step,
	.save = ga_save,
	.restore = ga_restore,
	.free = ga_free,
};
