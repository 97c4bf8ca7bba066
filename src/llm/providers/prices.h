/*
 * The price table: USD per million tokens per provider and model, loaded
 * from data/prices.json (compiled in) or a user's file. Entries may also say
 * whether a model takes a temperature (the API providers read that flag);
 * the engine prices calls with it (llm/cost.h).
 *
 * Ownership: po_prices_load/parse return a new table freed with
 * po_prices_free(); strings returned belong to the table.
 */
#ifndef PO_PRICES_H
#define PO_PRICES_H

#include <stdbool.h>
#include <stddef.h>

#include "promptopt.h"

/* USD per million tokens. */
struct po_price {
	double input;
	double output;
	double cache_read;   /* default: the input price */
	double cache_write;  /* default: the input price */
};

struct po_prices;

/*
 * Parses a price table (`name` is used in messages):
 *   {"date": "YYYY-MM-DD", "source": "...", "providers": {PROVIDER: {MODEL:
 *    {"input": N, "output": N, "cache_read"?: N, "cache_write"?: N,
 *     "temperature"?: true|false}}}}
 * A MODEL ending in '*' is a prefix; "*" alone matches any model. Errors
 * (PO_ESYNTAX, PO_EINPUT) give file:line:col.
 */
int po_prices_parse(struct po_prices **out, const char *name, const char *text, size_t len,
		    struct po_err *err);
/* path NULL: the built-in table. */
int po_prices_load(struct po_prices **out, const char *path, struct po_err *err);
void po_prices_free(struct po_prices *p);

/* "date" and "source" of the table. */
const char *po_prices_date(const struct po_prices *p);
const char *po_prices_source(const struct po_prices *p);
/* Number of (provider, model) entries. */
size_t po_prices_count(const struct po_prices *p);

/*
 * The price of a model: an exact entry, else the longest matching prefix.
 * False (and *out zeroed) when the table has none; model NULL matches only "*".
 */
bool po_prices_find(const struct po_prices *p, const char *provider, const char *model,
		    struct po_price *out);

/*
 * Whether a model takes a temperature, as the table says: 1 or 0 from the
 * most specific entry (exact name, else longest prefix) that has a
 * "temperature" flag, -1 when none has.
 */
int po_prices_temperature(const struct po_prices *p, const char *provider, const char *model);

#endif
