/*
 * Cost accounting: the cost of a call from its token counts and the price
 * of its model in the price table (llm/providers/prices.h, included here).
 *
 * Ownership: nothing is allocated.
 */
#ifndef PO_COST_H
#define PO_COST_H

#include "llm/providers/prices.h"

/* Cost in USD of a call with these token counts. */
double po_price_cost(const struct po_price *pr, long input, long output, long cache_read,
		     long cache_write);

#endif
