/*
 * The provider contract: what every provider (sim, bridge, the HTTP APIs)
 * implements and what the engine hands it. Role names, the request and
 * response of one call, the provider ops, and the spec a provider is built
 * from.
 *
 * Ownership: requests are borrowed for the duration of a call; responses are
 * filled by the provider and released by the caller with
 * po_llm_response_release(). Strings in a spec are borrowed by the
 * constructor (a provider copies what it keeps).
 */
#ifndef PO_PROVIDERS_PROVIDER_H
#define PO_PROVIDERS_PROVIDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "promptopt.h"

/* "generate", "judge", "mutate". */
const char *po_role_name(enum po_role r);
/* 0 and *out set, or -1 for an unknown name. */
int po_role_parse(const char *s, enum po_role *out);

struct po_llm_request {
	enum po_role role;
	const char *model;      /* may be NULL: the provider's default */
	double temperature;
	int max_tokens;
	const char *system;     /* may be NULL */
	const char *prompt;     /* the user message */
	const json_t *metadata; /* may be NULL; see docs/bridge-protocol.md */
	unsigned sample;        /* sample index: distinct samples of the same prompt */
	/* The reply's JSON Schema, or NULL: the API providers ask for structured
	 * output (OpenAI response_format, Anthropic a forced tool call whose
	 * input is the reply); the others ignore it. */
	const json_t *schema;
	/* Bytes at the start of prompt that many requests share (the judge's
	 * instructions and rubric): a provider with a prompt cache marks them
	 * cacheable (Anthropic: cache_control). 0: none. Not part of the
	 * response cache key: it changes the price, not the answer. */
	size_t cache_prefix;
};

struct po_llm_response {
	char *content;      /* NULL when the call failed */
	char *error;        /* NULL on success */
	char *model;        /* may be NULL */
	long input_tokens;       /* billed at the input price: cache reads and writes excluded */
	long output_tokens;
	long cache_read_tokens;  /* prompt tokens read from the provider's prompt cache */
	long cache_write_tokens; /* prompt tokens written to it (Anthropic) */
	int attempts;            /* HTTP attempts made, retries included (0: not counted) */
	bool cached;             /* set by the engine: answered from the response cache */
	bool batch;              /* answered through a provider batch API: priced at
	                          * the batch discount (half the table's price) */
	double latency_ms;
};

void po_llm_response_release(struct po_llm_response *r);

struct po_provider;

/*
 * Follow-up calls of a batch (pipelined evaluation: a case's judge call
 * starts as soon as its generate call returns). next() is called once an
 * answer out[i] is final and returns a request to send at once (borrowed
 * until the batch returns) or NULL; done() receives the answer of the k-th
 * follow-up next() gave (k counts from 0), to keep: it is called for every
 * one of them before the batch returns, attempts 0 and no content when it
 * was never sent.
 */
struct po_llm_chain {
	const struct po_llm_request *(*next)(void *ud, size_t i,
					     const struct po_llm_response *resp);
	void (*done)(void *ud, size_t k, struct po_llm_response *resp);
	void *ud;
};

struct po_provider_ops {
	const char *name;
	/*
	 * Answers n requests into out[0..n-1] (zeroed by the caller). A failed
	 * single call sets out[i].error and still returns 0; a negative return
	 * means the provider itself is unusable (err says why).
	 */
	int (*complete)(struct po_provider *p, const struct po_llm_request *reqs,
			struct po_llm_response *out, size_t n, struct po_err *err);
	void (*free)(struct po_provider *p);
	/* Optional: complete() with follow-up calls (struct po_llm_chain).
	 * NULL: the provider only answers whole batches. */
	int (*complete_chain)(struct po_provider *p, const struct po_llm_request *reqs,
			      struct po_llm_response *out, size_t n,
			      const struct po_llm_chain *chain, struct po_err *err);
	/* Optional: with several endpoints, [{url, calls, errors, up}] of this
	 * process (new reference); NULL otherwise. */
	json_t *(*endpoints)(struct po_provider *p);
};

struct po_provider {
	const struct po_provider_ops *ops;
	void *impl;
	/* Set by the engine (po_engine_set_progress): a provider that answers
	 * a batch call by call may tell each completion, answered or failed,
	 * with po_provider_call_done(), on the thread of complete(). */
	void (*call_done)(void *userdata);
	void *call_done_userdata;
};

static inline void po_provider_call_done(const struct po_provider *p)
{
	if (p->call_done)
		p->call_done(p->call_done_userdata);
}

struct po_provider_spec {
	const char *name;          /* "sim", "bridge", "anthropic", "openai" */
	const char *base_url;      /* NULL: environment variable, else the provider's default */
	int concurrency;           /* calls in flight at once */
	double timeout_s;          /* per call (bridge: wait for a response) */
	int max_attempts;          /* per call, retries included */
	volatile int *interrupt;   /* non-zero: give up waiting (may be NULL) */
	/* Shared with the other experiments of the process (a batch): the API
	 * providers take their endpoint's gate from it (providers/shared.h). May
	 * be NULL. */
	struct po_shared *shared;
	/* anthropic, openai: the price table whose "temperature" flags they
	 * follow (--prices); NULL: the built-in one. */
	const char *prices_path;
	/* anthropic, openai: the roles (bit 1 << role) whose calls go through
	 * the provider's batch API (providers/batch_api.h); 0: none. */
	unsigned batch_roles;
	/* The file that remembers the batch in flight, so a run killed while
	 * it is pending polls it again instead of paying for it twice. */
	const char *batch_state_path;

	/* sim */
	uint64_t seed;
	double noise;
	double verbosity_bias;     /* the judge's bias for long outputs (sim.h); 0: none */
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

#endif
