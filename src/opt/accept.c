/*
 * Acceptance (see accept.h): the seed's greedy rule, and the significance
 * test the convergence detector shares with it.
 */
#include "opt/accept.h"

#include <math.h>

void po_accept_config_init(struct po_accept_config *c)
{
	c->rule = PO_ACCEPT_GREEDY;
	c->min_improvement_percent = 0.1;
}

const char *po_accept_rule_name(enum po_accept_rule r)
{
	switch (r) {
	case PO_ACCEPT_GREEDY:
		return "greedy";
	}
	return "unknown";
}

bool po_accept_significant(double score, double best, double min_percent)
{
	if (!(score > best))
		return false;
	if (best <= 0)
		return true;
	/* The tolerance keeps a gain of exactly the threshold (e.g. 200 -> 200.2
	 * at 0.1 %) significant despite binary rounding. */
	return (score - best) / best * 100.0 >= min_percent - 1e-9;
}

void po_accept_decide(const struct po_accept_config *c, double nominee, double incumbent,
		      const struct po_evaluation *nominee_eval,
		      const struct po_evaluation *incumbent_eval, struct po_accept_decision *out)
{
	(void)nominee_eval;
	(void)incumbent_eval;
	out->gain = isfinite(nominee) ? nominee - incumbent : NAN;
	out->accept = isfinite(nominee) && nominee > incumbent;
	out->significant = out->accept &&
			   po_accept_significant(nominee, incumbent, c->min_improvement_percent);
}
