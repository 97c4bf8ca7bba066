/*
 * Acceptance: the one definition of "better" in promptopt. The experiment
 * asks it whether a strategy's nominee replaces the incumbent, and the
 * convergence detector asks it whether a gain is significant (resets the
 * patience). The seed's greedy rule is the default: a higher mean by any
 * amount is accepted; a gain of at least min_improvement_percent of the
 * best is significant.
 *
 * Ownership: nothing here allocates; evaluations are borrowed.
 */
#ifndef PO_ACCEPT_H
#define PO_ACCEPT_H

#include <stdbool.h>

#include "eval/evaluate.h"

enum po_accept_rule {
	PO_ACCEPT_GREEDY = 0,   /* the seed's: higher mean by any amount */
};

struct po_accept_config {
	enum po_accept_rule rule;
	double min_improvement_percent; /* significance, as the convergence detector's */
};

struct po_accept_decision {
	bool accept;       /* the nominee replaces the incumbent */
	bool significant;  /* the gain counts as progress for the stop rule */
	double gain;       /* nominee minus incumbent, in score points (NAN: no score) */
};

void po_accept_config_init(struct po_accept_config *c);

/* Name of a rule ("greedy"). */
const char *po_accept_rule_name(enum po_accept_rule r);

/*
 * Decides on a nominee scored `nominee` against an incumbent scored
 * `incumbent` (evaluations may be NULL when the rule needs only the means;
 * a paired rule reads their per-case scores).
 */
void po_accept_decide(const struct po_accept_config *c, double nominee, double incumbent,
		      const struct po_evaluation *nominee_eval,
		      const struct po_evaluation *incumbent_eval, struct po_accept_decision *out);

/*
 * True when `score` is a significant gain over `best`: higher, and by at
 * least min_percent of best (any gain when best <= 0, where a relative gain
 * is undefined). A score equal to the best is never significant.
 */
bool po_accept_significant(double score, double best, double min_percent);

#endif
