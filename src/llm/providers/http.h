/*
 * The HTTP transport of the API providers: runs a batch of POST calls on
 * one thread with libcurl's multi interface, at most `concurrency` in flight,
 * HTTP/2 multiplexed where the server offers it, connections kept between
 * batches, each call retried on transient failures (retry.h) and every start
 * paced by the rate-limit headers seen so far.
 *
 * Ownership: a call's inputs (url, headers, body) are borrowed until
 * po_http_run() returns; its outputs are released with po_http_call_release().
 */
#ifndef PO_HTTP_H
#define PO_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "llm/providers/retry.h"
#include "promptopt.h"
#include "util/buf.h"

struct curl_slist;

struct po_http_options {
	int concurrency;            /* calls in flight at once; default 8 */
	double connect_timeout_s;   /* default 10 */
	double timeout_s;           /* per attempt, the whole exchange; default 120 */
	int max_attempts;           /* per call, retries included; default 5 */
	size_t max_response;        /* bytes of a response body; default 8 MiB */
	double backoff_base_ms;     /* first retry waits about this; default 500 */
	double backoff_cap_ms;      /* longest backoff; default 30 000 */
	double retry_after_cap_ms;  /* longest server-requested wait honoured; default 120 000 */
	uint64_t seed;              /* jitter */
	volatile int *interrupt;    /* non-zero: abandon the batch (may be NULL) */
	/* The endpoint's gate shared with other transports (a batch running
	 * experiments at once, llm/shared.h): every start also takes one of its
	 * slots, and its rate-limit state replaces this transport's own. NULL:
	 * this transport alone. */
	struct po_shared_gate *gate;
};

/* Fills the defaults above. */
void po_http_options_init(struct po_http_options *o);

enum po_http_outcome {
	PO_HTTP_OK,         /* a 2xx answer */
	PO_HTTP_FAILED,     /* failed for good (not retryable, or attempts used up) */
	PO_HTTP_FATAL,      /* failed in a way every call will (401, 403, quota, bad URL) */
	PO_HTTP_NOT_SENT,   /* abandoned: interrupted, or an earlier call was fatal */
};

/* How the last attempt's exchange broke off (status says whether an answer
 * had begun: its status line arrived). */
enum po_http_break {
	PO_HTTP_BREAK_NONE,       /* no transport failure, or one of another kind */
	PO_HTTP_BREAK_TIMEOUT,    /* connected, then the timeout passed */
	PO_HTTP_BREAK_CLOSED,     /* connected, then the server closed or reset it */
};

struct po_http_call {
	/* in */
	const char *url;
	const struct curl_slist *headers;  /* see po_http_headers_new() */
	const char *body;
	size_t body_len;
	/* out */
	enum po_http_outcome outcome;
	long status;             /* HTTP status of the last answer; 0 when none began
	                          * (kept when its body then broke off) */
	struct po_buf response;  /* body of the last answer (what arrived of it) */
	char *error;             /* transport failure of the last attempt, or NULL */
	enum po_http_break broke; /* with error: how the exchange broke off */
	char *request_id;        /* the server's request id of the last answer, or NULL */
	int attempts;
	bool retryable;          /* FAILED after using up the attempts on a transient failure */
	double latency_ms;       /* first start to the end, waits included */
};

void po_http_call_release(struct po_http_call *c);

struct po_http_stats {
	long attempts;
	long retries;
	long paced_waits;   /* times a start waited for the rate-limit state */
	int max_in_flight;
};

struct po_http;

/* Returns a new transport, or NULL with err set (libcurl failed to start). */
struct po_http *po_http_new(const struct po_http_options *o, struct po_err *err);
void po_http_free(struct po_http *h);

/*
 * Runs the calls (outputs zeroed first). Returns 0 once every call has an
 * outcome, or PO_EINTR when the interrupt flag was raised (calls not finished
 * are NOT_SENT). One failed call never makes the batch fail: read outcomes.
 */
int po_http_run(struct po_http *h, struct po_http_call *calls, size_t n, struct po_err *err);

/* Counters since po_http_new(). */
const struct po_http_stats *po_http_stats(const struct po_http *h);

/*
 * A header list for calls: the given "Name: value" lines (NULL-terminated),
 * plus Content-Type: application/json and an empty Expect (no 100-continue
 * round trip). Free with po_http_headers_free().
 */
struct curl_slist *po_http_headers_new(const char *const *lines);
void po_http_headers_free(struct curl_slist *l);

#endif

/* ---- helpers shared by the API providers ---- */

/*
 * Appends the one-line message of a failed call: the provider, the HTTP
 * status, the server's error type and message (may be NULL; the start of a
 * non-JSON body is shown instead), the request id and attempts, then what to
 * do (key_env names the key's variable). Never includes request headers.
 */
void po_http_describe_failure(struct po_buf *out, const char *provider,
			      const struct po_http_call *c, const char *server_type,
			      const char *server_msg, const char *key_env, double timeout_s);

/* Replaces every occurrence of secret (when at least 4 bytes) in b with
 * "[redacted]". */
void po_http_redact(struct po_buf *b, const char *secret);

/* "base" + "/" + "path" with one slash between them: a new string. */
char *po_http_join_url(const char *base, const char *path);

/*
 * A JSON object that follows "key": somewhere in a body that is not valid
 * JSON as a whole (the last one that parses), or NULL: lets a parser read
 * the usage of a reply whose other parts are broken. Caller decrefs.
 */
json_t *po_http_salvage_object(const char *body, size_t len, const char *key);

/*
 * The batch logic both API providers share: build one body per request,
 * run them, parse answers, describe failures, and send a temperature only
 * to the models that take one:
 *   - a model that refused one this run (a 400 about temperature) never
 *     gets one again in the run; the refused calls are sent again without;
 *   - else the price table's "temperature" flag decides (po_prices_temperature);
 *   - else the provider's built-in list of models that refuse one;
 *   - else the first call of the model in the run goes alone, before the
 *     other calls of that model in its batch: a refusal costs one extra
 *     call per run, not one per call of the batch.
 */
struct po_llm_request;
struct po_llm_response;
struct po_prices;

/* What a run learned about a model. */
struct po_http_model {
	char *name;
	bool temperature;   /* took one (a 2xx), or refused it (a 400) */
};

struct po_http_api {
	const char *name;            /* "anthropic" */
	const char *key_env;         /* "ANTHROPIC_API_KEY" */
	const char *key;             /* redacted from every message; may be NULL */
	const char *url;
	const char *default_model;
	double timeout_s;
	struct po_http *http;
	struct curl_slist *headers;
	/* A new JSON body for one request (model resolved; temperature sent or not). */
	char *(*build_body)(const struct po_llm_request *r, const char *model, bool temperature);
	int (*parse_reply)(const char *body, size_t len, struct po_llm_response *out,
			   struct po_err *err);
	void (*parse_error)(const char *body, size_t len, char **type, char **message);
	struct po_prices *prices;    /* for the "temperature" flags; owned, may be NULL */
	bool (*rejects_temperature)(const char *model);  /* built-in list; may be NULL */
	struct po_http_model *models; /* learned this run */
	size_t n_models;
};

/*
 * Loads the price table (path NULL: the built-in one) into a->prices.
 * Errors as po_prices_load(), a missing or unreadable file prefixed with
 * "--prices".
 */
int po_http_api_load_prices(struct po_http_api *a, const char *path, struct po_err *err);

/*
 * Answers the batch into out[]. Returns 0 (failed calls carry an error),
 * PO_ELLM when a failure will repeat for every call (invalid key, no
 * credit, unusable URL: err says which and what to do), or PO_EINTR.
 */
int po_http_api_complete(struct po_http_api *a, const struct po_llm_request *reqs,
			 struct po_llm_response *out, size_t n, struct po_err *err);
/* Frees what the api struct owns: http, headers, prices, the learned models. */
void po_http_api_release(struct po_http_api *a);

/*
 * A provider made of an HTTP API (anthropic.c, openai.c): api gives the
 * name, key_env, default model and callbacks (the rest is filled here);
 * key (may be NULL) is copied; url (a new string) is taken over, on failure
 * too; headers is a NULL-terminated list of header lines, copied (the caller
 * wipes its own copy of the key). The ops' complete and free must be the
 * two functions below.
 */
struct po_provider;
struct po_provider_ops;
struct po_provider_spec;
struct po_provider *po_http_provider_new(const struct po_provider_ops *ops,
					 const struct po_http_api *api,
					 const struct po_provider_spec *spec, const char *key,
					 char *url, const char *const *headers, struct po_err *err);
int po_http_provider_complete(struct po_provider *p, const struct po_llm_request *reqs,
			      struct po_llm_response *out, size_t n, struct po_err *err);
void po_http_provider_free(struct po_provider *p);
