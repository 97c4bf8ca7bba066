/*
 * The provider object both HTTP APIs (anthropic, openai) are made of: a
 * transport, the API's callbacks and its key, built from a run's provider
 * spec. Each API's file says only what differs: URL, headers, JSON shapes.
 */
#include <stdlib.h>
#include <string.h>

#include "llm/providers/batch_api.h"
#include "llm/providers/endpoints.h"
#include "llm/providers/http_api.h"
#include "llm/providers/provider.h"
#include "llm/providers/shared.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/timeutil.h"

struct http_provider {
	struct po_provider base;
	struct po_http_api api;
	char *key;
	char *batch_state;
	char **urls;
	size_t nurls;
	struct po_endpoints eps;   /* with several urls */
};

int po_http_provider_complete(struct po_provider *p, const struct po_llm_request *reqs,
			      struct po_llm_response *out, size_t n, struct po_err *err)
{
	struct http_provider *h = p->impl;

	if (h->api.batch_roles)
		return po_batch_complete(&h->api, reqs, out, n, err);
	return po_http_api_complete(&h->api, reqs, out, n, err);
}

int po_http_provider_complete_chain(struct po_provider *p, const struct po_llm_request *reqs,
				    struct po_llm_response *out, size_t n,
				    const struct po_llm_chain *chain, struct po_err *err)
{
	struct http_provider *h = p->impl;

	/* A provider batch is answered as a whole: no follow-ups. */
	if (h->api.batch_roles)
		return po_batch_complete(&h->api, reqs, out, n, err);
	return po_http_api_complete_chain(&h->api, reqs, out, n, chain, err);
}

/* A URL as results may show it: without a user and password. */
static json_t *shown_url(const char *url)
{
	const char *host = strstr(url, "://"), *at, *slash;
	struct po_buf b = PO_BUF_INIT;
	json_t *s;

	host = host ? host + 3 : url;
	slash = strchr(host, '/');
	at = memchr(host, '@', slash ? (size_t)(slash - host) : strlen(host));
	if (!at)
		return json_string(url);
	po_buf_add(&b, url, (size_t)(host - url));
	po_buf_adds(&b, at + 1);
	s = json_string(b.data);
	po_buf_release(&b);
	return s;
}

json_t *po_http_provider_endpoints(struct po_provider *p)
{
	struct http_provider *h = p->impl;
	const struct po_endpoints *eps = &h->eps;
	double now = po_time_mono_ms();
	json_t *a;

	if (h->nurls < 2)
		return NULL;
	a = json_array();
	for (size_t i = 0; i < eps->n; i++)
		json_array_append_new(a, json_pack("{s:o, s:I, s:I, s:b}", "url",
						   shown_url(eps->v[i].url), "calls",
						   (json_int_t)eps->v[i].calls, "errors",
						   (json_int_t)eps->v[i].errors, "up",
						   eps->v[i].out_until <= 0 ||
						   now >= eps->v[i].out_until));
	return a;
}

void po_http_provider_free(struct po_provider *p)
{
	struct http_provider *h;

	if (!p)
		return;
	h = p->impl;
	po_http_api_release(&h->api);
	po_endpoints_release(&h->eps);
	free(h->key);
	free(h->batch_state);
	for (size_t i = 0; i < h->nurls; i++)
		free(h->urls[i]);
	free(h->urls);
	free(h);
}

struct po_provider *po_http_provider_new(const struct po_provider_ops *ops,
					 const struct po_http_api *api,
					 const struct po_provider_spec *spec, const char *key,
					 char **urls, size_t nurls, const char *const *headers,
					 struct po_err *err)
{
	struct http_provider *h = po_xcalloc(1, sizeof(*h));
	struct po_http_options ho;

	h->api = *api;
	h->key = key ? po_xstrdup(key) : NULL;
	h->urls = urls;
	h->nurls = nurls;
	h->base.ops = ops;
	h->base.impl = h;
	h->api.key = h->key;
	h->api.url = urls[0];
	h->api.timeout_s = spec->timeout_s;
	h->api.batch_roles = spec->batch_roles;
	h->batch_state = spec->batch_state_path ? po_xstrdup(spec->batch_state_path) : NULL;
	h->api.batch_state = h->batch_state;
	h->api.interrupt = spec->interrupt;
	po_http_options_init(&ho);
	if (spec->batch_roles && (!api->batch || nurls > 1)) {
		po_error(err, PO_EUSAGE, api->batch ?
			 "--batch-api: %s with several endpoints (--base-url URL1,URL2): the batch API takes one; give one URL or drop --batch-api" :
			 "--batch-api: %s has no batch API; use anthropic or openai, or drop --batch-api",
			 api->name);
		po_http_provider_free(&h->base);
		return NULL;
	}
	/* A batch's results come in one answer. */
	if (spec->batch_roles)
		ho.max_response = (size_t)1 << 30;
	ho.concurrency = spec->concurrency;
	ho.timeout_s = spec->timeout_s;
	ho.max_attempts = spec->max_attempts;
	ho.interrupt = spec->interrupt;
	ho.seed = spec->seed;
	if (nurls > 1) {
		po_endpoints_init(&h->eps, (const char *const *)urls, nurls, spec->concurrency);
		ho.endpoints = &h->eps;
	}
	if (spec->shared)
		ho.gate = po_shared_gate(spec->shared, api->name, urls[0], spec->concurrency);
	h->api.http = po_http_new(&ho, err);
	if (!h->api.http) {
		po_http_provider_free(&h->base);
		return NULL;
	}
	h->api.headers = po_http_headers_new(headers);
	/* The "temperature" flags of the price table (--prices). */
	if (po_http_api_load_prices(&h->api, spec->prices_path, err) < 0) {
		po_http_provider_free(&h->base);
		return NULL;
	}
	return &h->base;
}
