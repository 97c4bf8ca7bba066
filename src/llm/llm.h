/*
 * The LLM call contract shared by every provider (sim, bridge, HTTP APIs)
 * and the engine that dispatches batches of calls to them per role.
 *
 * Ownership: requests are borrowed for the duration of a call; responses are
 * filled by the provider and released by the caller with
 * po_llm_response_release().
 */
#ifndef PO_LLM_H
#define PO_LLM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

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
};

struct po_llm_response {
	char *content;      /* NULL when the call failed */
	char *error;        /* NULL on success */
	char *model;        /* may be NULL */
	long input_tokens;
	long output_tokens;
	double latency_ms;
};

void po_llm_response_release(struct po_llm_response *r);

struct po_provider;

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
};

struct po_provider {
	const struct po_provider_ops *ops;
	void *impl;
};

/* Engine: one provider per role, call accounting. */
struct po_engine;

struct po_engine_stats {
	long calls[PO_ROLE_COUNT];
	long failures[PO_ROLE_COUNT];
	long input_tokens[PO_ROLE_COUNT];
	long output_tokens[PO_ROLE_COUNT];
	double latency_ms[PO_ROLE_COUNT];
};

/* The engine takes ownership of the providers; the same provider may serve
 * several roles (it is freed once). */
struct po_engine *po_engine_new(struct po_provider *roles[PO_ROLE_COUNT]);
void po_engine_free(struct po_engine *e);
int po_engine_complete(struct po_engine *e, const struct po_llm_request *reqs,
		       struct po_llm_response *out, size_t n, struct po_err *err);
const struct po_engine_stats *po_engine_stats(const struct po_engine *e);
long po_engine_total_calls(const struct po_engine *e);
/* The provider serving a role (borrowed). */
struct po_provider *po_engine_provider(struct po_engine *e, enum po_role r);

#endif
