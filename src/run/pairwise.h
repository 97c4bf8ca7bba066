/*
 * Paired acceptance with the pairwise judge (--pairwise-judge): while a
 * nominee is raced against the incumbent (run/race.c), each validation case
 * both have an output for is shown to the pairwise judge (eval/pairwise.h),
 * in an order drawn per case, and the nominee-relative preference x 100 is
 * that case's paired difference. The race then tests these differences
 * instead of those of the two absolute judge scores.
 *
 * Ownership: the struct holds the verdicts of one race and two evaluations
 * made from them; release it with po_pairwise_race_release().
 */
#ifndef PO_RUN_PAIRWISE_H
#define PO_RUN_PAIRWISE_H

#include "eval/pairwise.h"
#include "opt/search.h"

struct po_experiment;

/* A case's difference, in points, for a preference of 1 (far better). */
#define PO_PAIRWISE_POINTS 100.0

struct po_pairwise_race {
	/* What acceptance compares: the nominee's and the incumbent's
	 * evaluations (the pairwise judge off), or the per-case differences
	 * and zeros made from the verdicts. Borrowed from the race or held here. */
	const struct po_evaluation *nom, *inc;
	struct po_pairwise_item *items; /* per validation case judged so far */
	bool *nominee_a;                /* per case: the nominee was shown as A */
	size_t n;
	struct po_evaluation diff, zero;
};

void po_pairwise_race_release(struct po_pairwise_race *pw);

/*
 * After the race evaluated the nominee (nm->eval) and the incumbent (inc)
 * on a longer prefix of the validation cases: with the pairwise judge, asks
 * it about the cases not judged yet and sets pw->nom and pw->inc to the
 * differences and zeros; without, sets them to &nm->eval and inc. Returns 0
 * or a negative status (the provider failed).
 */
int po_exp_pairwise(struct po_experiment *e, struct po_pairwise_race *pw,
		    const struct po_nominee *nm, const struct po_evaluation *inc,
		    struct po_err *err);

#endif
