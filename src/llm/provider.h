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
	/* Shared with the other experiments of the process (a batch): the API
	 * providers take their endpoint's gate from it (llm/shared.h). May be NULL. */
	struct po_shared *shared;
	/* anthropic, openai: the price table whose "temperature" flags they
	 * follow (--prices); NULL: the built-in one. */
	const char *prices_path;

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
	bool peer_is_sim;          /* the peer answers with sim (seed, noise, catalogue):
	                            * *sim of po_provider_new() gets one for the ground truth */
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

/*
 * Checks that a provider can start (e.g. its API key is set) without keeping
 * it: lets a run fail before it creates or changes anything.
 */
int po_provider_preflight(const struct po_provider_spec *spec, struct po_err *err);

/* Constructors of the individual providers (each in its own file). */
struct po_provider *po_bridge_provider_new(const struct po_provider_spec *spec,
					   struct po_err *err);
struct po_provider *po_anthropic_provider_new(const struct po_provider_spec *spec,
					      struct po_err *err);
struct po_provider *po_openai_provider_new(const struct po_provider_spec *spec,
					   struct po_err *err);

/*
 * Reply parsers of the API providers, exposed for the tests and the fuzz
 * targets. parse_reply fills out->content, model and token counts from a 2xx
 * body, or returns PO_ELLM with err saying what is wrong with it.
 * parse_error sets *type and *message (new strings or NULL, caller frees)
 * from an error body of any shape.
 */
int po_anthropic_parse_reply(const char *body, size_t len, struct po_llm_response *out,
			     struct po_err *err);
void po_anthropic_parse_error(const char *body, size_t len, char **type, char **message);
int po_openai_parse_reply(const char *body, size_t len, struct po_llm_response *out,
			  struct po_err *err);
void po_openai_parse_error(const char *body, size_t len, char **type, char **message);

/* Models known to refuse a temperature (others are learned from a 400). */
bool po_anthropic_model_rejects_temperature(const char *model);
/* OpenAI reasoning models: no temperature, max_completion_tokens. */
bool po_openai_model_is_reasoning(const char *model);

#define PO_ANTHROPIC_DEFAULT_MODEL "claude-sonnet-4-5"
#define PO_ANTHROPIC_DEFAULT_URL "https://api.anthropic.com"
#define PO_OPENAI_DEFAULT_MODEL "gpt-4o-mini"
#define PO_OPENAI_DEFAULT_URL "https://api.openai.com/v1"

#endif
