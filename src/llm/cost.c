/*
 * Cost accounting (see cost.h): a call's tokens at its model's prices, each
 * kind of token (input, output, cache read, cache write) at its own price.
 */
#include "llm/cost.h"

double po_price_cost(const struct po_price *pr, long input, long output, long cache_read,
		     long cache_write)
{
	return ((double)input * pr->input + (double)output * pr->output +
		(double)cache_read * pr->cache_read + (double)cache_write * pr->cache_write) /
	       1e6;
}
