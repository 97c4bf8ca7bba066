/*
 * Mixing scorers (see mix.h). Each scorer scores a scratch copy of the
 * items; its result is then folded into the case: weight, error, feedback,
 * improvements, and (for configured checks) a line of the case's "scorers".
 */
#include "eval/mix.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "eval/rules.h"
#include "util/buf.h"
#include "util/mem.h"

/* What is summed for one case while its scorers run. */
struct acc {
	double wsum;
	bool required_failed;
};

static double round6(double x)
{
	return round(x * 1e6) / 1e6;
}

/* A failed check as the mutate role sees it. */
static void add_improvement(struct po_case_result *res, const struct po_check *c,
			    const struct po_case_result *got)
{
	struct po_buf b = PO_BUF_INIT;

	po_buf_addf(&b, "%s%s", c->required ? "Required check failed: " : "Check failed: ",
		    got->feedback ? got->feedback : c->label);
	if (!res->improvements)
		res->improvements = json_array();
	json_array_append_new(res->improvements, json_string(b.data));
	po_buf_release(&b);
}

/* The line of the case's "scorers" for what one scorer said. */
static void record(struct po_case_result *res, const char *name, const struct po_check *c,
		   const struct po_case_result *got)
{
	json_t *e = json_pack("{s:s}", "name", name);

	if (!res->scorers)
		res->scorers = json_array();
	if (got->ok) {
		json_object_set_new(e, "score", json_real(round6(got->score)));
		json_object_set_new(e, "passed", json_boolean(c ? got->passed : true));
	} else {
		json_object_set_new(e, "passed", json_false());
		json_object_set_new(e, "error", json_string(got->error ? got->error : "not scored"));
	}
	if (c && got->feedback && got->ok)
		json_object_set_new(e, "message", json_string(got->feedback));
	if (c && c->required)
		json_object_set_new(e, "required", json_true());
	json_array_append_new(res->scorers, e);
}

/* Folds what a scorer (c: its check, NULL for the judge or an explicit
 * scorer) said of a case into the case; records it when `rec`. */
static void combine(struct po_case_result *res, struct po_case_result *got, double w,
		    const char *name, const struct po_check *c, bool rec, struct acc *a)
{
	if (rec)
		record(res, name, c, got);
	if (!got->ok) {
		if (res->ok || !res->error) {
			free(res->error);
			res->error = got->error;
			got->error = NULL;
		}
		res->ok = false;
		return;
	}
	res->score += w * got->score;
	a->wsum += w;
	if (c) {
		if (!got->passed)
			add_improvement(res, c, got);
		a->required_failed |= c->required && !got->passed;
		return;
	}
	if (!res->criteria) {
		res->criteria = got->criteria;
		got->criteria = NULL;
	}
	if (!res->feedback) {
		res->feedback = got->feedback;
		got->feedback = NULL;
	}
	if (got->improvements) {
		if (!res->improvements)
			res->improvements = json_array();
		json_array_extend(res->improvements, got->improvements);
	}
	res->judge_attempts += got->judge_attempts;
}

/* Scratch copies of items[0..n-1] for one scorer, and pointers to them. */
static void scratch_new(struct po_case_result **items, size_t n, struct po_case_result **scratch,
			struct po_case_result ***sp)
{
	*scratch = po_xcalloc(n ? n : 1, sizeof(**scratch));
	*sp = po_xcalloc(n ? n : 1, sizeof(**sp));
	for (size_t i = 0; i < n; i++) {
		(*scratch)[i] = (struct po_case_result){ .tc = items[i]->tc, .output = items[i]->output,
							 .gen_cost_usd = items[i]->gen_cost_usd,
							 .gen_latency_ms = items[i]->gen_latency_ms };
		(*sp)[i] = &(*scratch)[i];
	}
}

/* What a scorer said in the scratch copies, folded into the items (unless
 * it failed: ret < 0); the copies are freed. */
static void fold(const struct po_scorer_ops *ops, const struct po_check *c, double w, bool rec,
		 struct po_case_result **items, size_t n, struct acc *accs,
		 struct po_case_result *scratch, struct po_case_result **sp, int ret)
{
	for (size_t i = 0; i < n; i++) {
		if (!ret)
			combine(items[i], &scratch[i], w, c ? c->name : ops->name, c, rec,
				&accs[i]);
		scratch[i].output = NULL;
		po_case_result_release(&scratch[i]);
	}
	free(scratch);
	free(sp);
}

/* One scorer on items[0..n-1] (scratch copies), folded into each. */
static int run_one(const struct po_scorer_ctx *ctx, const struct po_scorer_ops *ops,
		   const struct po_check *c, double w, bool rec, struct po_case_result **items,
		   size_t n, struct acc *accs, struct po_err *err)
{
	struct po_scorer_ctx sub = *ctx;
	struct po_case_result *scratch, **sp;
	int ret;

	sub.check = c;
	scratch_new(items, n, &scratch, &sp);
	ret = ops->score(&sub, sp, n, err);
	fold(ops, c, w, rec, items, n, accs, scratch, sp, ret);
	return ret;
}

/* A project check whose scorer runs on its own thread beside the judge. */
struct bg {
	bool started;
	pthread_t t;
	const struct po_scorer_ops *ops;
	struct po_scorer_ctx sub;
	struct po_case_result *scratch, **sp;
	size_t n;
	int ret;
	struct po_err err;
};

static void *bg_main(void *arg)
{
	struct bg *b = arg;

	b->ret = b->ops->score(&b->sub, b->sp, b->n, &b->err);
	return NULL;
}

/* Starts the background scorers of the project's checks (at most one thread each). */
static struct bg *bg_start(const struct po_scorer_ctx *ctx, struct po_case_result **items,
			   size_t n)
{
	const struct po_project *p = ctx->project;
	struct bg *bg = po_xcalloc(p->checks.n ? p->checks.n : 1, sizeof(*bg));

	for (size_t k = 0; k < p->checks.n; k++) {
		struct bg *b = &bg[k];

		b->ops = po_scorer_find(p->checks.v[k].type);
		if (!b->ops || !b->ops->background)
			continue;
		b->sub = *ctx;
		b->sub.check = &p->checks.v[k];
		b->n = n;
		scratch_new(items, n, &b->scratch, &b->sp);
		if (pthread_create(&b->t, NULL, bg_main, b))
			bg_main(b); /* no thread: it scores now, before the judge */
		else
			b->started = true;
	}
	return bg;
}

/* Waits for a background check and folds what it said. */
static int bg_finish(struct bg *b, const struct po_check *c, struct po_case_result **items,
		     size_t n, struct acc *accs, struct po_err *err)
{
	if (b->started)
		pthread_join(b->t, NULL);
	b->started = false;
	fold(b->ops, c, c->weight, true, items, n, accs, b->scratch, b->sp, b->ret);
	b->scratch = NULL;
	b->sp = NULL;
	if (b->ret < 0 && err)
		*err = b->err;
	return b->ret;
}

/* A check's scorer; a check type without one fails the cases it scores. */
static int run_check(const struct po_scorer_ctx *ctx, const struct po_check *c,
		     struct po_case_result **items, size_t n, struct acc *accs,
		     struct po_err *err)
{
	const struct po_scorer_ops *ops = po_scorer_find(c->type);

	if (!ops || ops == &po_scorer_judge) {
		for (size_t i = 0; i < n; i++) {
			struct po_case_result got = { .tc = items[i]->tc };

			po_rule_error(&got, "no scorer for checks of type \"%s\"", c->type);
			combine(items[i], &got, c->weight, c->name, c, true, &accs[i]);
			po_case_result_release(&got);
		}
		return 0;
	}
	return run_one(ctx, ops, c, c->weight, true, items, n, accs, err);
}

static bool has_checks(const struct po_project *p, struct po_case_result **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (items[i]->tc->checks.n)
			return true;
	return p->checks.n > 0 || !p->judge;
}

int po_mix_score(const struct po_scorer_ctx *ctx, struct po_case_result **items, size_t n,
		 struct po_err *err)
{
	const struct po_eval_settings *st = ctx->settings;
	const struct po_project *p = ctx->project;
	bool rules = !st->nscorers && has_checks(p, items, n);
	struct acc *accs;
	struct bg *bg = NULL;
	int ret = 0;

	if (st->nscorers == 1 || (!st->nscorers && !rules))
		return (st->nscorers ? st->scorers[0] : &po_scorer_judge)->score(ctx, items, n, err);
	accs = po_xcalloc(n ? n : 1, sizeof(*accs));
	for (size_t i = 0; i < n; i++)
		items[i]->ok = true;
	for (size_t k = 0; k < st->nscorers && !ret; k++)
		ret = run_one(ctx, st->scorers[k], NULL, st->weights[k], false, items, n, accs, err);
	if (rules)
		bg = bg_start(ctx, items, n);
	if (rules && p->judge)
		ret = run_one(ctx, &po_scorer_judge, NULL, p->judge_weight, true, items, n, accs,
			      err);
	for (size_t k = 0; rules && k < p->checks.n; k++) {
		if (bg[k].scratch) {
			int r = bg_finish(&bg[k], &p->checks.v[k], items, n, accs, ret ? NULL : err);

			ret = ret ? ret : r;
		} else if (!ret) {
			ret = run_check(ctx, &p->checks.v[k], items, n, accs, err);
		}
	}
	for (size_t i = 0; rules && i < n && !ret; i++)
		for (size_t k = 0; k < items[i]->tc->checks.n && !ret; k++)
			ret = run_check(ctx, &items[i]->tc->checks.v[k], &items[i], 1, &accs[i],
					err);
	for (size_t i = 0; i < n; i++) {
		if (!items[i]->ok)
			continue;
		items[i]->score = accs[i].wsum > 0 ? round6(items[i]->score / accs[i].wsum) : 0;
		if (accs[i].required_failed)
			items[i]->score = 0;
	}
	free(bg);
	free(accs);
	return ret;
}
