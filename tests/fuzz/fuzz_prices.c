/*
 * libFuzzer target for the price table parser (a user's --prices file): any
 * bytes give a table whose lookups and costs are finite and non-negative,
 * or PO_ESYNTAX / PO_EINPUT with a "prices.json:" message.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/cost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const models[] = { "m", "claude-sonnet-4-5", "", "gpt-4o-mini", NULL };
	struct po_prices *p = NULL;
	struct po_err err = { 0 };
	int rc;

	rc = po_prices_parse(&p, "prices.json", (const char *)data, size, &err);
	if (rc) {
		if (p || (rc != PO_ESYNTAX && rc != PO_EINPUT) || strncmp(err.msg, "prices.json", 11))
			abort();
		return 0;
	}
	if (!p || !po_prices_date(p))
		abort();
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		struct po_price pr;
		po_prices_find(p, "anthropic", models[i], &pr);
		double c = po_price_cost(&pr, 1000, 2000, 3000, 4000);
		if (!isfinite(c) || c < 0)
			abort();
	}
	po_prices_free(p);
	return 0;
}
