/*
 * What the API providers (anthropic.c, openai.c) share on top of the HTTP
 * transport (http.h): the messages of failed calls, the batch logic with its
 * temperature rules (po_http_api), and the provider made of an HTTP API
 * (http_provider.c).
 *
 * Ownership: strings returned are new (the caller frees them); a struct
 * po_http_api owns its transport, headers, prices and learned models
 * (po_http_api_release()).
 */
#ifndef PO_HTTP_API_H
#define PO_HTTP_API_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "llm/providers/http.h"
#include "promptopt.h"
#include "util/buf.h"

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

/*
 * The endpoints of a --base-url that may list several, separated by commas
 * (replicas of one model): *urls (new, n of them, each from make_url(base))
 * or PO_EUSAGE naming the entry that is not an http:// or https:// URL.
 * A single base URL is taken as it is (the first call says what is wrong).
 */
int po_http_endpoint_urls(const char *bases, char *(*make_url)(const char *base),
			  char ***urls, size_t *n, struct po_err *err);

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
struct po_batch_kind;

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
	/* The provider's batch API (batch_api.h), or NULL when it has none. */
	const struct po_batch_kind *batch;
	unsigned batch_roles;        /* roles sent as batches (1 << role); 0: none */
	const char *batch_state;     /* the pending batch's state file */
	volatile int *interrupt;     /* non-zero: stop waiting for a batch */
};

/* Whether a call to model goes with its temperature (the rules above;
 * a model still untried is sent one). */
bool po_http_api_temperature(const struct po_http_api *a, const char *model);
/* The one-line message of a failed call (new string; the key redacted). */
char *po_http_api_failure(const struct po_http_api *a, const struct po_http_call *c);
/* A parsed reply body, as parse_reply() reads it, with the key redacted
 * from the text and model (out zeroed by the caller): 0, or PO_ELLM with
 * out->error set. */
int po_http_api_answer_body(const struct po_http_api *a, const char *body, size_t len,
			    struct po_llm_response *out);

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
/*
 * po_http_api_complete() with follow-up calls (provider.h's struct
 * po_llm_chain): each answer may bring one call that starts at once. A
 * batch with a model still on trial for its temperature goes the ordinary
 * way (no follow-ups); a follow-up of such a model is given back unsent.
 */
struct po_llm_chain;
int po_http_api_complete_chain(struct po_http_api *a, const struct po_llm_request *reqs,
			       struct po_llm_response *out, size_t n,
			       const struct po_llm_chain *chain, struct po_err *err);
/* Frees what the api struct owns: http, headers, prices, the learned models. */
void po_http_api_release(struct po_http_api *a);

/*
 * A provider made of an HTTP API (anthropic.c, openai.c): api gives the
 * name, key_env, default model and callbacks (the rest is filled here);
 * key (may be NULL) is copied; urls (nurls endpoints, a new array of new
 * strings, po_http_endpoint_urls()) are taken over, on failure too; headers is a NULL-terminated list of header lines, copied (the caller
 * wipes its own copy of the key). The ops' complete, free and complete_chain
 * are the three functions below.
 */
struct po_provider;
struct po_provider_ops;
struct po_provider_spec;
struct po_provider *po_http_provider_new(const struct po_provider_ops *ops,
					 const struct po_http_api *api,
					 const struct po_provider_spec *spec, const char *key,
					 char **urls, size_t nurls, const char *const *headers,
					 struct po_err *err);
int po_http_provider_complete(struct po_provider *p, const struct po_llm_request *reqs,
			      struct po_llm_response *out, size_t n, struct po_err *err);
int po_http_provider_complete_chain(struct po_provider *p, const struct po_llm_request *reqs,
				    struct po_llm_response *out, size_t n,
				    const struct po_llm_chain *chain, struct po_err *err);
void po_http_provider_free(struct po_provider *p);
json_t *po_http_provider_endpoints(struct po_provider *p);

#endif
