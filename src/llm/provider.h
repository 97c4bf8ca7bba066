/*
 * The provider table: builds the provider that serves a role from a spec
 * (name + settings). One place that knows every provider: sim, bridge,
 * anthropic, openai.
 */
#ifndef PO_PROVIDER_H
#define PO_PROVIDER_H

#include <stdbool.h>
#include <stdint.h>

#include "llm/llm.h"

struct po_sim;

struct po_provider_spec {
	const char *name;          /* "sim", "bridge", "anthropic", "openai" */
	const char *base_url;      /* NULL: environment variable, else the provider's default */
	int concurrency;           /* calls in flight at once */
	double timeout_s;          /* per call (bridge: wait for a response) */
	int max_attempts;          /* per call, retries included */
	volatile int *interrupt;   /* non-zero: give up waiting (may be NULL) */

	/* sim */
	uint64_t seed;
	double noise;
	const char *catalogue;

	/* bridge */
	const char *bridge_dir;    /* folder holding llm_requests/ and llm_responses/ */
	const char *run_id;        /* unique per run: stale files never answer it */
	double poll_interval;      /* seconds, polling fallback */
	int (*peer_alive)(void *userdata);
	void *peer_userdata;
};

/* Fills defaults: concurrency 8, timeout 120 s, 5 attempts, seed 42, noise 4,
 * catalogue "prfaq", poll 0.2 s. */
void po_provider_spec_init(struct po_provider_spec *spec);

/* Comma-separated names of all providers (static string). */
const char *po_provider_names(void);
/* True when name is a known provider. */
bool po_provider_known(const char *name);

/*
 * Returns a new provider, or NULL with err set (PO_EUSAGE for an unknown
 * name, PO_ELLM for a provider that cannot start, e.g. a missing API key).
 * For "sim", *sim (when not NULL) receives the simulator (owned by the
 * provider) so the caller can read the ground truth.
 */
struct po_provider *po_provider_new(const struct po_provider_spec *spec, struct po_sim **sim,
				    struct po_err *err);

/* Constructors of the individual providers (each in its own file). */
struct po_provider *po_bridge_provider_new(const struct po_provider_spec *spec,
					   struct po_err *err);
struct po_provider *po_anthropic_provider_new(const struct po_provider_spec *spec,
					      struct po_err *err);
struct po_provider *po_openai_provider_new(const struct po_provider_spec *spec,
					   struct po_err *err);

#endif
