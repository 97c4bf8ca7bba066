/*
 * A nominee's evaluation on the validation cases, for acceptance. Greedy:
 * every validation case at once. Paired: racing against the incumbent's
 * fresh measurements (docs/bench.md, "Paired acceptance"):
 *  - the incumbent is measured again on each validation case until it has
 *    `incumbent_samples` fresh samples there (the evaluation that got it
 *    accepted is never one of them: it won a selection, so it is high);
 *    its per-case means then serve every nominee until the next accept;
 *  - a nominee is evaluated in blocks of validation cases; after each
 *    block the paired test (Student's t over the per-case differences of
 *    its means and the incumbent's) decides: clearly worse, dropped with no
 *    more calls; clearly better, accepted; else the next block;
 *  - a nominee undecided after every case gets another round (a fresh
 *    sample of every case) while its estimated gain is positive, up to
 *    `rounds` samples per case.
 * Every look that can accept spends a share of alpha (a few percent on the
 * looks inside a round, the rest on the ends of rounds, more on later
 * ones), so the looks together accept a truly worse nominee at most alpha
 * of the time; dropping never raises that rate.
 * With the pairwise judge (run/pairwise.h) a case's difference is the
 * judge's preference between the nominee's output and the incumbent's, so
 * the incumbent is measured again on each block with the nominee's sample
 * (its output is what the judge compares) and one round is run.
 * po_exp_decide runs it on every nominee of a step and picks the one kept.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "opt/search.h"
#include "run/experiment_internal.h"
#include "run/pairwise.h"
#include "util/mem.h"

/* A nominee's round r uses sample s + r * RACE_STRIDE; the incumbent's
 * fresh samples are INC_SAMPLE + j (j >= 1). Strategies' samples stay far
 * below both (16 per iteration). */
#define RACE_STRIDE 0x100000u
#define INC_SAMPLE 0x40000000u
/* The share of alpha the looks inside rounds spend together. */
#define EARLY_SHARE 0.1

static unsigned po_exp_race_sample(unsigned sample, int round)
{
	return sample + (unsigned)round * RACE_STRIDE;
}

struct race {
	struct po_experiment *e;
	struct po_search *ctx;
	struct po_nominee *nm;
	size_t nval;
	struct po_evaluation *ev; /* the nominee's, per round (ev[0] is nm->eval) */
	double *isum;             /* the incumbent's fresh scores, per validation case */
	unsigned *icnt;
	double *x;                /* per-case differences of the current look */
};

/* True when sample is one the incumbent was raced with as a nominee. */
static bool race_sample_of_best(const struct po_experiment *e, unsigned sample)
{
	if (json_equal(e->best_prompts, e->baseline_prompts))
		return false;
	for (int r = 0; r < e->accept.rounds; r++)
		if (sample == po_exp_race_sample(e->best_sample, r))
			return true;
	return false;
}

/* The incumbent's fresh per-case scores, from the archive. */
static void incumbent_pool(struct race *r)
{
	const struct po_experiment *e = r->e;
	uint64_t h = po_archive_hash(e->best_prompts);

	memset(r->isum, 0, r->nval * sizeof(*r->isum));
	memset(r->icnt, 0, r->nval * sizeof(*r->icnt));
	for (size_t k = 0; k < po_archive_count(e->archive); k++) {
		const struct po_archive_entry *a = po_archive_get(e->archive, k);
		if (a->hash != h || !json_equal(a->prompts, e->best_prompts) ||
		    race_sample_of_best(e, a->sample))
			continue;
		for (size_t p = 0; p < r->nval; p++) {
			const struct po_archive_case *c = &a->cases[e->split.val.idx[p]];
			if (c->evaluated && c->ok) {
				r->isum[p] += c->score;
				r->icnt[p]++;
			}
		}
	}
}

/* Measures the incumbent again on the first `done` validation cases until
 * each has incumbent_samples fresh samples (a case that keeps failing is
 * given up after a few tries); the pool (incumbent_pool, read once per
 * race) takes each fresh score as it comes. */
static int top_up_incumbent(struct race *r, size_t done, struct po_err *err)
{
	struct po_experiment *e = r->e;
	unsigned want = (unsigned)e->accept.incumbent_samples;
	size_t *idx = po_xcalloc(done ? done : 1, sizeof(*idx));
	size_t *pos = po_xcalloc(done ? done : 1, sizeof(*pos));
	const char *origin = "incumbent measured again";
	int ret = 0;

	for (unsigned j = 1; j <= want + 3 && !ret; j++) {
		struct po_archive_entry *a = po_archive_find(e->archive, e->best_prompts,
							     INC_SAMPLE + j);
		struct po_caseset set = { .idx = idx, .n = 0 };
		struct po_evaluation got = { 0 };

		for (size_t p = 0; p < done; p++) {
			size_t c = e->split.val.idx[p];
			if (r->icnt[p] < want && !(a && a->cases[c].evaluated)) {
				pos[set.n] = p;
				idx[set.n++] = c;
			}
		}
		if (!set.n)
			continue;
		ret = po_search_evaluate(r->ctx, (const json_t *const *)&e->best_prompts, 1, &set,
					 INC_SAMPLE + j, &origin, &got, err);
		for (size_t i = 0; !ret && i < got.n && i < set.n; i++) {
			if (got.cases[i].ok) {
				r->isum[pos[i]] += got.cases[i].score;
				r->icnt[pos[i]]++;
			}
		}
		po_evaluation_release(&got);
	}
	free(idx);
	free(pos);
	return ret;
}

/* The per-case differences of the nominee's means (rounds 0..round, the
 * last on its first `done` cases) and the incumbent's; their count. */
static size_t differences(struct race *r, int round, size_t done)
{
	size_t n = 0;

	for (size_t p = 0; p < r->nval; p++) {
		double sum = 0;
		unsigned cnt = 0;
		for (int k = 0; k <= round; k++) {
			const struct po_evaluation *v = &r->ev[k];
			if (p < v->n && (k < round || p < done) && v->cases[p].ok) {
				sum += v->cases[p].score;
				cnt++;
			}
		}
		if (cnt && r->icnt[p])
			r->x[n++] = sum / cnt - r->isum[p] / r->icnt[p];
	}
	return n;
}

/* Evaluates prompts on the first n validation cases with the sample. */
static int eval_prefix(struct po_search *ctx, const struct po_caseset *val, const json_t *prompts,
		       size_t n, unsigned sample, const char *origin, struct po_evaluation *out,
		       struct po_err *err)
{
	struct po_caseset set = { .idx = val->idx, .n = n };

	po_evaluation_release(out);
	return po_search_evaluate(ctx, &prompts, 1, &set, sample, &origin, out, err);
}

/* Evaluates the nominee on its first `done` validation cases in round k. */
static int eval_nominee(struct race *r, int k, size_t done, struct po_err *err)
{
	return eval_prefix(r->ctx, &r->e->split.val, r->nm->prompts, done,
			   po_exp_race_sample(r->nm->sample, k), r->nm->origin, &r->ev[k], err);
}

/* The looks of a round over nval validation cases, and their block size. */
static size_t race_looks(size_t nval, size_t *block)
{
	*block = (nval + 3) / 4;
	if (*block < 2)
		*block = 2;
	return (nval + *block - 1) / *block;
}

/* The one-sided level a look may accept at: look `b` of `L` in round k of
 * R (b == L: the round's end). */
static double look_alpha(const struct po_accept_config *c, int k, size_t b, size_t L)
{
	int R = c->rounds;
	double inner = (double)(L - 1) * R, share = inner > 0 ? EARLY_SHARE : 0;

	if (b < L)
		return c->alpha * share / inner;
	/* Round k's end spends a share growing with k: 1, 2, ..., R. */
	return c->alpha * (1 - share) * (double)(k + 1) / (R * (R + 1) / 2.0);
}

static void accept_now(const struct po_experiment *e, const struct po_nominee *nm,
		       struct po_accept_decision *d)
{
	d->accept = isfinite(nm->eval.mean);
	d->significant = d->accept && po_accept_significant(nm->eval.mean, e->best_score,
							    e->accept.min_improvement_percent);
}

/* cost: the length penalty (opt/integrity.h) the gain must exceed too. */
static int race(struct race *r, double cost, struct po_accept_decision *d, struct po_err *err)
{
	struct po_experiment *e = r->e;
	const struct po_accept_config *c = &e->accept;
	size_t nval = r->nval, block, L = race_looks(nval, &block), done = 0, n;
	int ret = 0;

	for (int k = 0; k < c->rounds && !ret; k++) {
		for (size_t b = 1; b <= L && !ret; b++) {
			done = b == L ? nval : b * block;
			ret = eval_nominee(r, k, done, err);
			if (!ret && k == 0)
				ret = top_up_incumbent(r, done, err);
			if (ret || r->ev[k].invalid)
				return ret;
			n = differences(r, k, done);
			po_accept_diff_bounds(r->x, n, 1 - 2 * look_alpha(c, k, b, L), d);
			if (isfinite(d->low) && d->low > c->min_delta + cost) {
				accept_now(e, r->nm, d);
				e->race.accepted_early += b < L || k + 1 < c->rounds;
				e->race.saved_calls += (long)(nval - done) * 2;
				return 0;
			}
			/* Clearly worse (at the level of the look inside a round), or
			 * after a whole round no gain in sight: dropped. */
			po_accept_diff_bounds(r->x, n, 1 - 2 * c->alpha / L, d);
			if ((isfinite(d->high) && d->high < cost) ||
			    (b == L && !(d->gain > c->min_delta + cost))) {
				e->race.dropped += b < L || k + 1 < c->rounds;
				e->race.saved_calls += (long)(nval - done) * 2;
				return 0;
			}
		}
	}
	return 0;
}

/* The race under the pairwise judge: blocks of validation cases, each
 * against the incumbent measured again on them with the nominee's sample;
 * the looks share alpha as the other race's first round does. */
static int race_pairwise(struct po_experiment *e, struct po_search *ctx, struct po_nominee *nm,
			 double cost, struct po_accept_decision *d, struct po_err *err)
{
	struct po_accept_config one = e->accept;
	size_t nval = e->split.val.n, block, L = race_looks(nval, &block), done;
	struct po_evaluation inc = { 0 };
	struct po_pairwise_race pw = { 0 };
	int ret = 0;

	one.rounds = 1;
	for (size_t b = 1; b <= L && !ret; b++) {
		done = b == L ? nval : b * block;
		ret = eval_prefix(ctx, &e->split.val, nm->prompts, done, nm->sample, nm->origin,
				  &nm->eval, err);
		if (!ret)
			ret = eval_prefix(ctx, &e->split.val, e->best_prompts, done, nm->sample,
					  "incumbent measured again", &inc, err);
		if (ret || nm->eval.invalid || (ret = po_exp_pairwise(e, &pw, nm, &inc, err)))
			break;
		po_accept_paired_bounds(&one, pw.nom, pw.inc, 1 - 2 * look_alpha(&one, 0, b, L), d);
		if (isfinite(d->low) && d->low > one.min_delta + cost) {
			accept_now(e, nm, d);
			e->race.accepted_early += b < L;
			e->race.saved_calls += (long)(nval - done) * 2 * 2;
			break;
		}
		po_accept_paired_bounds(&one, pw.nom, pw.inc, 1 - 2 * one.alpha / L, d);
		if (b < L && isfinite(d->high) && d->high < cost) {
			e->race.dropped++;
			e->race.saved_calls += (long)(nval - done) * 2 * 2;
			break;
		}
	}
	po_pairwise_race_release(&pw);
	po_evaluation_release(&inc);
	return ret;
}

static int race_nominee(struct po_experiment *e, struct po_search *ctx, struct po_nominee *nm,
			double cost, struct po_accept_decision *d, struct po_err *err)
{
	struct race r = { .e = e, .ctx = ctx, .nm = nm, .nval = e->split.val.n };
	int ret;

	if (e->opts.pairwise_judge)
		return race_pairwise(e, ctx, nm, cost, d, err);
	r.ev = po_xcalloc((size_t)e->accept.rounds, sizeof(*r.ev));
	r.isum = po_xcalloc(r.nval ? r.nval : 1, sizeof(*r.isum));
	r.icnt = po_xcalloc(r.nval ? r.nval : 1, sizeof(*r.icnt));
	r.x = po_xcalloc(r.nval ? r.nval : 1, sizeof(*r.x));
	r.ev[0] = nm->eval;
	memset(&nm->eval, 0, sizeof(nm->eval));
	incumbent_pool(&r);
	ret = race(&r, cost, d, err);
	nm->eval = r.ev[0];
	for (int k = 1; k < e->accept.rounds; k++)
		po_evaluation_release(&r.ev[k]);
	free(r.ev);
	free(r.isum);
	free(r.icnt);
	free(r.x);
	return ret;
}

int po_exp_judge_nominee(struct po_experiment *e, struct po_search *ctx, struct po_nominee *nm,
			 struct po_accept_decision *d, struct po_err *err)
{
	const char *origin = nm->origin;
	/* The length penalty: the nominee's score as acceptance sees it is its
	 * mean less this (docs/strategies.md, "Prompt length"). */
	double cost = po_integrity_length_cost(&e->integrity, e->project, e->baseline_prompts,
					       nm->prompts, e->best_prompts);
	int ret = 0;

	*d = (struct po_accept_decision){ .gain = NAN, .low = NAN, .high = NAN };
	if (po_accept_needs_remeasure(&e->accept))
		return race_nominee(e, ctx, nm, cost, d, err);
	if (!nm->eval.n && !nm->eval.invalid)
		ret = po_search_evaluate(ctx, (const json_t *const *)&nm->prompts, 1, &e->split.val,
					 nm->sample, &origin, &nm->eval, err);
	if (!ret)
		po_accept_decide(&e->accept, nm->eval.mean - cost, e->best_score, &nm->eval,
				 &e->best_eval, d);
	return ret;
}

/*
 * Acceptance on every nominee (each evaluated on the validation cases when
 * it is not yet, raced under a paired rule): *top is the accepted one with
 * the largest gain, else the best-scoring one (-1: none scored), and the
 * strategy and the observer hear every decision.
 */
int po_exp_decide(struct po_experiment *e, struct po_search *ctx, long *top, bool *accepted,
		  struct po_err *err)
{
	size_t n = ctx->n_nominees;
	struct po_accept_decision *d = po_xcalloc(n ? n : 1, sizeof(*d));
	int ret = 0;

	*top = -1;
	*accepted = false;
	for (size_t i = 0; i < n && !ret; i++) {
		const struct po_nominee *nm = &ctx->nominees[i];
		ret = po_exp_judge_nominee(e, ctx, &ctx->nominees[i], &d[i], err);
		if (!ret && nm->eval.invalid)
			po_exp_msg(e, PO_EV_WARNING, "iteration %d: candidate rejected: %s",
				   ctx->iteration, nm->eval.invalid);
	}
	for (size_t i = 0; i < n && !ret; i++) {
		const struct po_nominee *nm = &ctx->nominees[i], *t;
		if (!nm->eval.n_ok)
			continue;
		t = *top >= 0 ? &ctx->nominees[*top] : NULL;
		if (!t || (d[i].accept && !*accepted) ||
		    (d[i].accept == *accepted && nm->eval.mean > t->eval.mean)) {
			*top = (long)i;
			*accepted = d[i].accept;
		}
	}
	for (size_t i = 0; i < n && !ret; i++) {
		/* One nominee replaces the incumbent; the others are turned down. */
		if ((long)i != *top)
			d[i].accept = d[i].significant = false;
		if (e->observer && e->observer->decision)
			e->observer->decision(e->observer->userdata, e, ctx->iteration,
					      &ctx->nominees[i], &d[i]);
		if (e->strategy_ops->outcome)
			e->strategy_ops->outcome(e->strategy, &ctx->nominees[i], &d[i]);
	}
	free(d);
	return ret;
}
