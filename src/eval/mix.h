/*
 * Mixing scorers into a case's score: the weighted mean of the LLM judge
 * (unless the project turns it off) and the rule checks of the project and
 * of the case, a failed required check making it 0; each scorer's result is
 * kept in the case's "scorers". Explicit scorers in the evaluation settings
 * (tests) replace the project's.
 *
 * Ownership: items are borrowed; results are stored in them.
 */
#ifndef PO_MIX_H
#define PO_MIX_H

#include "eval/scorer.h"

/*
 * Scores items[0..n-1] (each with tc and output) as above. With neither
 * rule checks nor explicit scorers the judge scores the items alone, as it
 * always did. Returns 0 or a negative status (the provider failed).
 */
int po_mix_score(const struct po_scorer_ctx *ctx, struct po_case_result **items, size_t n,
		 struct po_err *err);

#endif
