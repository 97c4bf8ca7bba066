/*
 * Rule scorers on the generate call rather than its text: cost (dollars at
 * list price, cached answers included) and latency (milliseconds) at most
 * "threshold", as promptfoo's cost and latency assertions. 100 or 0.
 */
#include "eval/rules.h"

static void cost(const struct po_check *c, struct po_case_result *it)
{
	if (it->gen_cost_usd <= c->threshold)
		po_rule_verdict(it, 100, true, NULL);
	else
		po_rule_verdict(it, 0, false, "%s: the call cost $%.6f", c->label, it->gen_cost_usd);
}

static void latency(const struct po_check *c, struct po_case_result *it)
{
	if (it->gen_latency_ms <= c->threshold)
		po_rule_verdict(it, 100, true, NULL);
	else
		po_rule_verdict(it, 0, false, "%s: the call took %.0f ms", c->label,
				it->gen_latency_ms);
}

PO_RULE_SCORER(cost, "cost", "the generate call cost at most the threshold (dollars)", cost);
PO_RULE_SCORER(latency, "latency", "the generate call took at most the threshold (ms)",
	       latency);
