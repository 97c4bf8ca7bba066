/*
 * The population strategies' shared parts (see pool.h): the pool and its
 * Pareto front over the training cases, minibatches, traces, parameters.
 */
#include "opt/pool.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

void po_pool_release(struct po_pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		json_decref(p->m[i].prompts);
	free(p->m);
	memset(p, 0, sizeof(*p));
}

long po_pool_find(const struct po_pool *p, const json_t *prompts)
{
	for (size_t i = 0; i < p->n; i++)
		if (json_equal(p->m[i].prompts, prompts))
			return (long)i;
	return -1;
}

void po_pool_add(struct po_pool *p, const json_t *prompts, unsigned sample)
{
	if (po_pool_find(p, prompts) >= 0)
		return;
	if (p->n == p->alloc) {
		p->alloc = p->alloc ? p->alloc * 2 : 8;
		p->m = po_xrealloc(p->m, p->alloc * sizeof(*p->m));
	}
	p->m[p->n++] = (struct po_member){ .prompts = json_incref((json_t *)prompts),
					   .sample = sample };
}

void po_pool_remove(struct po_pool *p, size_t i)
{
	json_decref(p->m[i].prompts);
	memmove(&p->m[i], &p->m[i + 1], (p->n - i - 1) * sizeof(*p->m));
	p->n--;
}

/* A case's score in an entry: NAN when not evaluated or failed. */
static double entry_score(const struct po_archive_entry *e, size_t idx)
{
	if (!e || e->invalid || !e->cases[idx].evaluated || !e->cases[idx].ok)
		return NAN;
	return e->cases[idx].score;
}

double po_pool_mean(const struct po_search *ctx, const struct po_member *m,
		    const struct po_caseset *set)
{
	const struct po_archive_entry *e = po_archive_find(ctx->archive, m->prompts, m->sample);

	return e ? po_archive_mean(e, set) : NAN;
}

void po_pool_wins(const struct po_search *ctx, const struct po_pool *p,
		  const struct po_caseset *set, size_t *wins)
{
	double *s = po_xcalloc(p->n ? p->n : 1, sizeof(*s));
	const struct po_archive_entry **e = po_xcalloc(p->n ? p->n : 1, sizeof(*e));

	/* Each member's entry found once (a look-up hashes its prompt text). */
	for (size_t i = 0; i < p->n; i++)
		e[i] = po_archive_find(ctx->archive, p->m[i].prompts, p->m[i].sample);
	memset(wins, 0, p->n * sizeof(*wins));
	for (size_t c = 0; c < set->n; c++) {
		double best = -INFINITY;
		for (size_t i = 0; i < p->n; i++) {
			s[i] = entry_score(e[i], set->idx[c]);
			if (isfinite(s[i]) && s[i] > best)
				best = s[i];
		}
		for (size_t i = 0; i < p->n && isfinite(best); i++)
			if (isfinite(s[i]) && s[i] >= best - 1e-9)
				wins[i]++;
	}
	free(e);
	free(s);
}

size_t po_pool_pick(const size_t *wins, size_t n, long not, struct po_rng *r)
{
	size_t total = 0, k = 0, i;
	uint64_t x;

	for (i = 0; i < n; i++)
		if ((long)i != not)
			total += wins[i];
	if (!total) {
		/* No member wins a case: any but `not`, uniformly. */
		size_t m = n - (not >= 0 && (size_t)not < n);
		x = po_rng_below(r, m ? m : 1);
		for (i = 0; i < n; i++)
			if ((long)i != not && k++ == x)
				return i;
		return 0;
	}
	x = po_rng_below(r, total);
	for (i = 0; i < n; i++) {
		if ((long)i == not)
			continue;
		if (x < wins[i])
			return i;
		x -= wins[i];
	}
	return n - 1;
}

int po_pool_evaluate_train(struct po_search *ctx, const json_t *prompts, unsigned sample,
			   const char *origin, struct po_err *err)
{
	struct po_evaluation ev = { 0 };
	int ret = po_search_evaluate(ctx, &prompts, 1, &ctx->split->train, sample, &origin, &ev,
				     err);

	po_evaluation_release(&ev);
	return ret;
}

struct rank_item {
	size_t i;
	double mean;
};

static int cmp_rank(const void *a, const void *b)
{
	const struct rank_item *x = a, *y = b;

	if (isnan(x->mean) != isnan(y->mean))
		return isnan(x->mean) ? 1 : -1;
	if (!isnan(x->mean) && x->mean != y->mean)
		return x->mean > y->mean ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

void po_pool_rank(const struct po_search *ctx, const struct po_pool *p,
		  const struct po_caseset *set, size_t **out)
{
	struct rank_item *r = po_xcalloc(p->n ? p->n : 1, sizeof(*r));

	*out = po_xcalloc(p->n ? p->n : 1, sizeof(**out));
	for (size_t i = 0; i < p->n; i++)
		r[i] = (struct rank_item){ i, po_pool_mean(ctx, &p->m[i], set) };
	qsort(r, p->n, sizeof(*r), cmp_rank);
	for (size_t i = 0; i < p->n; i++)
		(*out)[i] = r[i].i;
	free(r);
}

int po_pool_evaluate_children(struct po_search *ctx, struct po_pool *p, json_t *const *kids,
			      const char *const *origins, size_t n, unsigned sample,
			      struct po_err *err)
{
	struct po_evaluation *ev = po_xcalloc(n ? n : 1, sizeof(*ev));
	int ret = po_search_evaluate(ctx, (const json_t *const *)kids, n, &ctx->split->train,
				     sample, origins, ev, err);

	for (size_t i = 0; i < n; i++) {
		if (!ret && !ev[i].invalid && ev[i].n_ok)
			po_pool_add(p, kids[i], sample);
		po_evaluation_release(&ev[i]);
	}
	free(ev);
	return ret;
}

void po_pool_nominate_best(struct po_search *ctx, const struct po_pool *p, json_t *const *kids,
			   const char *const *origins, size_t n, unsigned sample)
{
	long inc = po_pool_find(p, ctx->incumbent), best = -1;
	double bar = inc >= 0 ? po_pool_mean(ctx, &p->m[inc], &ctx->split->train) : -INFINITY;
	struct po_evaluation none = { 0 };

	for (size_t i = 0; i < n; i++) {
		struct po_member m = { .prompts = kids[i], .sample = sample };
		double mean = po_pool_find(p, kids[i]) >= 0 ?
			      po_pool_mean(ctx, &m, &ctx->split->train) : NAN;
		if (isfinite(mean) && mean > bar) {
			bar = mean;
			best = (long)i;
		}
	}
	if (best < 0) {
		ctx->why_none = "no new candidate scored above the incumbent on the training cases";
		return;
	}
	po_search_nominate(ctx, json_incref(kids[best]), origins[best], sample, &none);
}

int po_pool_seed(struct po_pool *p, struct po_search *ctx, struct po_err *err)
{
	int ret;

	if (p->n)
		return 0;
	ret = po_pool_evaluate_train(ctx, ctx->incumbent, ctx->incumbent_sample, "baseline", err);
	if (!ret)
		po_pool_add(p, ctx->incumbent, ctx->incumbent_sample);
	return ret;
}

void po_pool_keep_best(struct po_pool *p, const struct po_search *ctx, size_t max)
{
	size_t *rank;
	bool *keep;
	struct po_pool kept = { 0 };
	size_t n = 0;

	if (p->n <= max)
		return;
	po_pool_rank(ctx, p, &ctx->split->train, &rank);
	keep = po_xcalloc(p->n, sizeof(*keep));
	for (size_t i = 0; i < p->n; i++)
		if (json_equal(p->m[i].prompts, ctx->incumbent)) {
			keep[i] = true;
			n++;
		}
	for (size_t r = 0; r < p->n && n < max; r++)
		if (!keep[rank[r]]) {
			keep[rank[r]] = true;
			n++;
		}
	/* In their old order, so a run and its resumed twin agree. */
	for (size_t i = 0; i < p->n; i++)
		if (keep[i])
			po_pool_add(&kept, p->m[i].prompts, p->m[i].sample);
	po_pool_release(p);
	*p = kept;
	free(rank);
	free(keep);
}

void po_kids_unique(json_t **kids, size_t *n)
{
	size_t k = 0;

	for (size_t i = 0; i < *n; i++) {
		bool dup = !kids[i];
		for (size_t j = 0; j < k && !dup; j++)
			dup = json_equal(kids[j], kids[i]);
		if (dup)
			json_decref(kids[i]);
		else
			kids[k++] = kids[i];
	}
	*n = k;
}

json_t *po_pool_save(const struct po_pool *p)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < p->n; i++)
		json_array_append_new(arr, json_pack("{s:O, s:I}", "prompts", p->m[i].prompts,
						     "sample", (json_int_t)p->m[i].sample));
	return json_pack("{s:o}", "pool", arr);
}

int po_pool_restore(struct po_pool *p, const json_t *saved, struct po_err *err)
{
	size_t i;
	json_t *m;

	po_pool_release(p);
	json_array_foreach(json_object_get(saved, "pool"), i, m) {
		if (!json_is_object(json_object_get(m, "prompts")) ||
		    !json_is_integer(json_object_get(m, "sample")))
			return po_error(err, PO_EINPUT,
					"the checkpoint's strategy pool has a member without prompts or sample");
		po_pool_add(p, json_object_get(m, "prompts"), (unsigned)po_json_int(m, "sample", 0));
	}
	return 0;
}

void po_minibatch(const struct po_caseset *set, size_t k, struct po_rng *r,
		  struct po_caseset *out)
{
	size_t n = set->n;
	size_t *idx = po_xcalloc(n ? n : 1, sizeof(*idx));

	memcpy(idx, set->idx, n * sizeof(*idx));
	if (k > n)
		k = n;
	for (size_t i = 0; i < k; i++) {
		size_t j = i + (size_t)po_rng_below(r, n - i), t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
	out->idx = idx;
	out->n = k;
}

static int cmp_trace(const void *a, const void *b)
{
	const struct po_trace *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return strcmp(x->case_id, y->case_id);
}

size_t po_traces(const struct po_evaluation *ev, struct po_trace **out)
{
	size_t n = 0;

	*out = po_xcalloc(ev->n ? ev->n : 1, sizeof(**out));
	for (size_t i = 0; i < ev->n; i++) {
		const struct po_case_result *c = &ev->cases[i];
		if (!c->ok)
			continue;
		(*out)[n++] = (struct po_trace){ .case_id = c->tc ? c->tc->id : "?",
						 .output = c->output, .score = c->score,
						 .improvements = c->improvements };
	}
	qsort(*out, n, sizeof(**out), cmp_trace);
	return n;
}

int po_param_int(const json_t *params, const char *key, int dflt)
{
	const json_t *v = json_object_get(params, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

double po_param_num(const json_t *params, const char *key, double dflt)
{
	const json_t *v = json_object_get(params, key);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

int po_param_check_int(const json_t *params, const char *strategy, const char *key, int min,
		       int max, struct po_err *err)
{
	const json_t *v = json_object_get(params, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return po_error(err, PO_EINPUT,
				"strategy %s: \"%s\" must be a whole number from %d to %d", strategy,
				key, min, max);
	return 0;
}

int po_param_check_num(const json_t *params, const char *strategy, const char *key, double min,
		       double max, struct po_err *err)
{
	const json_t *v = json_object_get(params, key);

	if (!v)
		return 0;
	if (!json_is_number(v) || json_number_value(v) < min || json_number_value(v) > max)
		return po_error(err, PO_EINPUT, "strategy %s: \"%s\" must be a number from %g to %g",
				strategy, key, min, max);
	return 0;
}
