/*
 * Paired acceptance with the pairwise judge (see pairwise.h): the verdicts
 * of one race, kept across its looks so that a case is judged once, and the
 * evaluations of differences the paired test reads.
 */
#include "run/pairwise.h"

#include <stdlib.h>
#include <string.h>

#include "opt/archive.h"
#include "run/experiment_internal.h"
#include "util/mem.h"

void po_pairwise_race_release(struct po_pairwise_race *pw)
{
	for (size_t i = 0; i < pw->n; i++)
		po_pairwise_item_release(&pw->items[i]);
	free(pw->items);
	free(pw->nominee_a);
	free(pw->diff.cases);
	free(pw->zero.cases);
	memset(pw, 0, sizeof(*pw));
}

/* Grows the verdicts to the first n cases; the new ones are laid out (the
 * outputs in the drawn order) and put in todo[]. Returns how many. */
static size_t lay_out(struct po_experiment *e, struct po_pairwise_race *pw,
		      const struct po_nominee *nm, const struct po_evaluation *inc, size_t n,
		      struct po_pairwise_item **todo)
{
	uint64_t hn = po_archive_hash(nm->prompts), hi = po_archive_hash(e->best_prompts);
	size_t k = 0;

	pw->items = po_xrealloc(pw->items, (n ? n : 1) * sizeof(*pw->items));
	pw->nominee_a = po_xrealloc(pw->nominee_a, (n ? n : 1) * sizeof(*pw->nominee_a));
	for (size_t i = pw->n; i < n; i++) {
		const struct po_case_result *a = &nm->eval.cases[i], *b = &inc->cases[i];
		struct po_pairwise_item *it = &pw->items[i];
		bool first = po_pairwise_nominee_first(e->opts.seed, a->tc->id, hn, hi);

		memset(it, 0, sizeof(*it));
		it->tc = a->tc;
		pw->nominee_a[i] = first;
		if (!a->output || !b->output || a->tc != b->tc) {
			it->error = po_xstrdup("pairwise judge: an output to compare is missing");
			continue;
		}
		it->a = first ? a->output : b->output;
		it->b = first ? b->output : a->output;
		todo[k++] = it;
	}
	pw->n = n;
	return k;
}

/* The differences (nominee-relative preference x 100) and the zeros. */
static void make_evaluations(struct po_pairwise_race *pw)
{
	free(pw->diff.cases);
	free(pw->zero.cases);
	memset(&pw->diff, 0, sizeof(pw->diff));
	memset(&pw->zero, 0, sizeof(pw->zero));
	pw->diff.cases = po_xcalloc(pw->n ? pw->n : 1, sizeof(*pw->diff.cases));
	pw->zero.cases = po_xcalloc(pw->n ? pw->n : 1, sizeof(*pw->zero.cases));
	for (size_t i = 0; i < pw->n; i++) {
		const struct po_pairwise_item *it = &pw->items[i];
		double p = pw->nominee_a[i] ? it->preference : -it->preference;

		pw->diff.cases[i] = (struct po_case_result){ .tc = it->tc, .ok = it->ok,
							     .score = PO_PAIRWISE_POINTS * p };
		pw->zero.cases[i] = (struct po_case_result){ .tc = it->tc, .ok = true };
	}
	pw->diff.n = pw->zero.n = pw->n;
	po_evaluation_aggregate(&pw->diff);
	po_evaluation_aggregate(&pw->zero);
	pw->nom = &pw->diff;
	pw->inc = &pw->zero;
}

int po_exp_pairwise(struct po_experiment *e, struct po_pairwise_race *pw,
		    const struct po_nominee *nm, const struct po_evaluation *inc,
		    struct po_err *err)
{
	size_t n = nm->eval.n < inc->n ? nm->eval.n : inc->n, k;
	struct po_pairwise_item **todo;
	struct po_pairwise_item *batch;
	size_t nfail = 0, first = 0;
	int ret = 0;

	pw->nom = &nm->eval;
	pw->inc = inc;
	if (!e->opts.pairwise_judge)
		return 0;
	if (n < pw->n)
		n = pw->n;
	todo = po_xcalloc(n ? n : 1, sizeof(*todo));
	k = lay_out(e, pw, nm, inc, n, todo);
	/* The judge fills a contiguous batch; the verdicts go back in place. */
	batch = po_xcalloc(k ? k : 1, sizeof(*batch));
	for (size_t i = 0; i < k; i++)
		batch[i] = *todo[i];
	if (k)
		ret = po_pairwise_judge(e->engine, e->project, &e->settings, batch, k, nm->sample,
					err);
	for (size_t i = 0; i < k && !ret; i++) {
		if (!batch[i].ok && !nfail++)
			first = i;
	}
	if (nfail)
		po_exp_msg(e, PO_EV_WARNING, "pairwise judge: %zu of %zu comparisons gave no verdict "
			   "(%s); those cases are left out of the paired test", nfail, k,
			   batch[first].error ? batch[first].error : "no detail");
	for (size_t i = 0; i < k; i++)
		*todo[i] = batch[i];
	e->pairwise.compared += ret ? 0 : (long)k;
	e->pairwise.failed += (long)nfail;
	free(batch);
	free(todo);
	if (!ret)
		make_evaluations(pw);
	return ret;
}
