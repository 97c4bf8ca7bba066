/*
 * The provider table: builds the provider that serves a role from a spec
 * (name + settings), and says what the rest of the program needs to know
 * about each provider (default model, base URL variable, whether its
 * answers are cached). The one place that lists every provider: sim,
 * bridge, anthropic, openai.
 *
 * Ownership: strings returned are static.
 */
#ifndef PO_PROVIDER_H
#define PO_PROVIDER_H

#include <stdbool.h>
#include <stdint.h>

#include "llm/providers/provider.h"

struct po_sim;

/* Comma-separated names of all providers (static string). */
const char *po_provider_names(void);
/* True when name is a known provider. */
bool po_provider_known(const char *name);
/* The model a provider is asked for when the run names none ("sim" for
 * the simulator), or NULL (the bridge: the peer's choice; unknown names). */
const char *po_provider_default_model(const char *name);
/* The environment variable of a provider's base URL, or NULL. */
const char *po_provider_url_env(const char *name);
/* True when a provider's answers go through the response cache: not sim,
 * not bridge, not NULL; a name outside the table (a test's provider) is. */
bool po_provider_cacheable(const char *name);

/* True when a provider keeps a prompt cache that a shared prefix of
 * requests can use (anthropic: marked with cache_control; openai:
 * automatic): the judge then puts its shared part first. */
bool po_provider_prompt_cache(const char *name);

/*
 * Returns a new provider, or NULL with err set (PO_EUSAGE for an unknown
 * name, PO_ELLM for a provider that cannot start, e.g. a missing API key).
 * For "sim", *sim (when not NULL) receives the simulator (owned by the
 * provider) so the caller can read the ground truth.
 */
struct po_provider *po_provider_new(const struct po_provider_spec *spec, struct po_sim **sim,
				    struct po_err *err);

/*
 * Checks that a provider can start (e.g. its API key is set) without keeping
 * it: lets a run fail before it creates or changes anything.
 */
int po_provider_preflight(const struct po_provider_spec *spec, struct po_err *err);

#endif
