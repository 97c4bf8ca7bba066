/*
 * The engine that dispatches batches of LLM calls to the provider of each
 * role. The call contract itself (roles, request, response, provider ops)
 * is llm/providers/provider.h, included here.
 *
 * Ownership: requests are borrowed for the duration of a call; responses are
 * released by the caller with po_llm_response_release().
 */
#ifndef PO_LLM_H
#define PO_LLM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "llm/providers/provider.h"
#include "promptopt.h"

/*
 * Engine: one provider per role, and around every provider the response
 * cache, cost accounting, the call journal and the call/budget limits
 * (docs/costs-and-cache.md).
 */
struct po_engine;
struct po_shared;
struct po_prices;

/* Per role. calls counts every request answered, cache hits included;
 * tokens, cost and latency count only the calls a provider served. */
struct po_engine_stats {
	long calls[PO_ROLE_COUNT];
	long failures[PO_ROLE_COUNT];
	long input_tokens[PO_ROLE_COUNT];
	long output_tokens[PO_ROLE_COUNT];
	long cache_read_tokens[PO_ROLE_COUNT];
	long cache_write_tokens[PO_ROLE_COUNT];
	double latency_ms[PO_ROLE_COUNT];
	long cache_hits[PO_ROLE_COUNT];
	double cost_usd[PO_ROLE_COUNT];
	double saved_usd[PO_ROLE_COUNT];   /* what the cache hits cost when first made */
	long unpriced_calls[PO_ROLE_COUNT]; /* calls of a model missing from the price table */
	long retries[PO_ROLE_COUNT];        /* attempts beyond the first */
	long cache_errors;                  /* cache reads/writes that failed (run went on) */
	long journal_errors;                /* journal lines that could not be written */
};

struct po_engine_config {
	/* Providers per role (required); the engine takes ownership, on failure
	 * too. The same provider may serve several roles (it is freed once). */
	struct po_provider *roles[PO_ROLE_COUNT];
	/* --base-url, or NULL: the provider's environment variable (part of the
	 * cache key). */
	const char *base_url;
	const char *cache_path;     /* NULL: no response cache */
	const char *prices_path;    /* NULL: the built-in price table */
	const char *journal_path;   /* NULL: no call journal */
	const char *run_id;         /* written in every journal line; may be NULL */
	long max_calls;             /* provider calls (not cache hits); 0 = no limit */
	double budget_usd;          /* 0 = no limit */
	struct po_shared *shared;   /* limits shared with other engines; may be NULL */
	/* The run's seed, part of the cache key: a rerun with the same seed is
	 * answered from the cache, another seed draws fresh samples. */
	uint64_t seed;
	/* Roles (1 << role) whose calls go through a provider batch API: the
	 * limits estimate them at the batch price. */
	unsigned batch_roles;
};

void po_engine_config_init(struct po_engine_config *cfg);
/* 0 and *out set, or a negative status (cache or price table unusable). */
int po_engine_new(struct po_engine **out, const struct po_engine_config *cfg,
		  struct po_err *err);
void po_engine_free(struct po_engine *e);
/*
 * Answers n requests into out[0..n-1]. Returns 0 (single failures are in
 * out[i].error), PO_EBUDGET when the batch would pass max_calls or the budget
 * (nothing is sent then and out holds nothing), or the provider's status.
 */
int po_engine_complete(struct po_engine *e, const struct po_llm_request *reqs,
		       struct po_llm_response *out, size_t n, struct po_err *err);
/*
 * Pipelining: po_engine_complete() where next(ud, i, &out[i]) is asked, as
 * soon as out[i] is in, for a follow-up request (borrowed until this call
 * returns) or NULL. When the provider can (an HTTP API, the follow-up's role
 * served by the same provider) the follow-up is sent at once, inside this
 * batch, and its answer waits in the engine; a later po_engine_complete()
 * asking for the same request (same cache key) takes it without a call, and
 * it is accounted, journaled and cached then, as if sent with that batch.
 * next() is not asked for every request (cache hits, other providers): the
 * later batch sends what was not made ahead.
 */
typedef const struct po_llm_request *(*po_engine_next_fn)(void *ud, size_t i,
							  const struct po_llm_response *resp);
int po_engine_complete_then(struct po_engine *e, const struct po_llm_request *reqs,
			    struct po_llm_response *out, size_t n, po_engine_next_fn next,
			    void *ud, struct po_err *err);
/* Accounts, journals and caches the answers made ahead that no batch asked
 * for (they were paid for), and forgets them. po_engine_free() does too. */
void po_engine_settle(struct po_engine *e);
const struct po_engine_stats *po_engine_stats(const struct po_engine *e);
/* A resumed run's statistics so far: its calls and spend count against the
 * limits as if made by this engine. */
void po_engine_restore_stats(struct po_engine *e, const struct po_engine_stats *s);
long po_engine_total_calls(const struct po_engine *e);
/* The provider serving a role (borrowed). */
struct po_provider *po_engine_provider(struct po_engine *e, enum po_role r);
/* With several endpoints behind a provider: {provider: [{url, calls,
 * errors, up}]} for this process (new reference); NULL when none has. */
json_t *po_engine_endpoints(struct po_engine *e);
/* The price table in use (borrowed). */
const struct po_prices *po_engine_prices(const struct po_engine *e);
/* Cost so far (this engine) and total cost across roles. */
double po_engine_total_cost(const struct po_engine *e);
/* True when a provider's answers are cached (po_provider_cacheable()). */
bool po_engine_cacheable(const char *provider);
/* The cache key of a request (hex SHA-256) for a provider, base URL and
 * run seed. */
void po_engine_cache_key(const struct po_llm_request *req, const char *provider,
			 const char *base_url, uint64_t seed, char out[65]);
/*
 * Remaining allowance: calls (-1 = no limit) and dollars (-1 = no limit),
 * the tighter of this engine's limits and the shared ones.
 */
void po_engine_remaining(const struct po_engine *e, long *calls, double *usd);

/*
 * Progress of the batch in flight, for a live display: fn hears a batch
 * start (done = its cache hits) and end (done = size), with the calls
 * answered and the dollars spent so far by this engine. It is called on the
 * thread of po_engine_complete() and must not call the engine. NULL clears.
 */
struct po_engine_progress {
	long batch_size, batch_done;
	long calls;
	double spent_usd;
};
void po_engine_set_progress(struct po_engine *e,
			    void (*fn)(void *userdata, const struct po_engine_progress *p),
			    void *userdata);

#endif
