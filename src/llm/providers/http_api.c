/*
 * What the API providers share on top of the transport (see http_api.h):
 * the one-line message of a failed call, the batch logic that decides per
 * model whether to send a temperature, and reading usage from a broken body.
 */
#include "llm/providers/http_api.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "llm/providers/prices.h"
#include "llm/providers/provider.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/url.h"

/* Appends s as one line of at most max bytes: control characters become
 * spaces, runs of blanks one space. */
static void add_clean(struct po_buf *out, const char *s, size_t len, size_t max)
{
	bool space = false;
	size_t start = out->len;

	for (size_t i = 0; i < len && out->len - start < max; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f || ch == ' ') {
			space = out->len > start;
			continue;
		}
		if (space)
			po_buf_addch(out, ' ');
		space = false;
		po_buf_addch(out, (char)ch);
	}
	if (out->len - start >= max)
		po_buf_adds(out, "...");
}

static const char *hint(long status, bool quota, const char *key_env)
{
	if (quota || status == 402)
		return "the account is out of credit or over its spend limit; add credit or raise the limit";
	switch (status) {
	case 401:
		return NULL; /* built by the caller with key_env */
	case 403:
		return "the key may not use this model or API; check the key's permissions and --model";
	case 404:
		return "check --model and --base-url";
	case 408:
		return "the server timed out; try again later or raise --max-attempts";
	case 413:
		return "the request is too large for the server; shorten the prompt or test case";
	case 429:
		return "rate limited; lower --concurrency or raise --max-attempts";
	case 529:
		return "the API is overloaded; try again later or raise --max-attempts";
	}
	if (status >= 500 || status == 409)
		return "the server failed; try again later or raise --max-attempts";
	if (status >= 400)
		return "check --model and the request settings";
	return "check --base-url: the server may not speak this API";
}

/* The first part of the message of an exchange that broke off. */
static void describe_break(struct po_buf *out, const struct po_http_call *c, double timeout_s)
{
	bool timeout = c->broke == PO_HTTP_BREAK_TIMEOUT;

	if (c->status <= 0) {
		if (timeout)
			po_buf_addf(out, "no answer within --timeout %g s", timeout_s);
		else
			po_buf_adds(out, "the server closed the connection without answering");
		return;
	}
	po_buf_addf(out, "HTTP %ld arrived, but ", c->status);
	if (timeout)
		po_buf_addf(out, "its body did not finish within --timeout %g s", timeout_s);
	else
		po_buf_adds(out, "the server closed the connection mid-answer");
}

void po_http_describe_failure(struct po_buf *out, const char *provider,
			      const struct po_http_call *c, const char *server_type,
			      const char *server_msg, const char *key_env, double timeout_s)
{
	bool quota = po_retry_is_quota_error(c->response.data, c->response.len);
	bool got_bytes = c->error && c->broke != PO_HTTP_BREAK_NONE && c->status > 0;

	po_buf_addf(out, "%s: ", provider);
	if (c->error && c->broke != PO_HTTP_BREAK_NONE) {
		describe_break(out, c, timeout_s);
	} else if (c->status > 0) {
		po_buf_addf(out, "HTTP %ld", c->status);
		if (server_type && *server_type) {
			po_buf_addch(out, ' ');
			add_clean(out, server_type, strlen(server_type), 64);
		}
		if (server_msg && *server_msg) {
			po_buf_adds(out, ": ");
			add_clean(out, server_msg, strlen(server_msg), 300);
		} else if (c->response.len) {
			po_buf_adds(out, ": ");
			add_clean(out, c->response.data, c->response.len, 120);
		} else if (c->error) {
			po_buf_adds(out, ": ");
			add_clean(out, c->error, strlen(c->error), 200);
		}
	} else {
		add_clean(out, c->error ? c->error : "no answer", c->error ? strlen(c->error) : 9,
			  200);
	}
	if (got_bytes || c->request_id || c->attempts > 1) {
		const char *sep = "";

		po_buf_adds(out, " (");
		if (got_bytes) {
			po_buf_addf(out, "%zu bytes received", c->response.len);
			sep = ", ";
		}
		if (c->request_id) {
			po_buf_addf(out, "%srequest ", sep);
			add_clean(out, c->request_id, strlen(c->request_id), 80);
			sep = ", ";
		}
		if (c->attempts > 1)
			po_buf_addf(out, "%s%d attempts", sep, c->attempts);
		po_buf_addch(out, ')');
	}
	po_buf_adds(out, "; ");
	if (c->error && c->broke == PO_HTTP_BREAK_TIMEOUT) {
		po_buf_adds(out, c->status > 0 ?
			    "raise --timeout, or check the server: its answer may not end" :
			    "raise --timeout or check the server");
	} else if (c->error && c->broke == PO_HTTP_BREAK_CLOSED) {
		po_buf_adds(out, "the server or a proxy dropped the connection; try again later or raise --max-attempts");
	} else if (c->status == 0) {
		if (c->error && strstr(c->error, "larger than"))
			po_buf_adds(out, "check --base-url: the server sent more than a reply");
		else if (c->error && (strstr(c->error, "imed out") || strstr(c->error, "imeout")))
			po_buf_addf(out, "no complete answer within %g s; raise --timeout or check the server",
				    timeout_s);
		else
			po_buf_adds(out, "check --base-url and that the server is reachable");
	} else if (c->status == 401 && !quota) {
		po_buf_addf(out, "the key was refused; check %s", key_env ? key_env : "the API key");
	} else {
		po_buf_adds(out, hint(c->status, quota, key_env));
	}
}

void po_http_redact(struct po_buf *b, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;
	struct po_buf out = PO_BUF_INIT;
	const char *p, *hit;

	if (n < 4 || !memmem(b->data, b->len, secret, n))
		return;
	p = b->data;
	while ((hit = memmem(p, b->len - (size_t)(p - b->data), secret, n))) {
		po_buf_add(&out, p, (size_t)(hit - p));
		po_buf_adds(&out, "[redacted]");
		p = hit + n;
	}
	po_buf_add(&out, p, b->len - (size_t)(p - b->data));
	po_buf_release(b);
	*b = out;
}

char *po_http_join_url(const char *base, const char *path)
{
	struct po_buf b = PO_BUF_INIT;
	size_t n = strlen(base);

	while (n && base[n - 1] == '/')
		n--;
	po_buf_add(&b, base, n);
	while (*path == '/')
		path++;
	po_buf_addch(&b, '/');
	po_buf_adds(&b, path);
	return po_buf_detach(&b);
}

/* A model's entry among what the run learned, or NULL. */
static struct po_http_model *learned(const struct po_http_api *a, const char *model)
{
	for (size_t i = 0; i < a->n_models; i++)
		if (!strcmp(a->models[i].name, model))
			return &a->models[i];
	return NULL;
}

static void learn(struct po_http_api *a, const char *model, bool temperature)
{
	struct po_http_model *m = learned(a, model);

	if (!m) {
		a->models = po_xrealloc(a->models, (a->n_models + 1) * sizeof(*a->models));
		m = &a->models[a->n_models++];
		m->name = po_xstrdup(model);
	}
	m->temperature = temperature;
}

enum temperature_rule { SEND, OMIT, TRY };

/* The order of http.h: the run's refusal, the table, the built-in list,
 * the run's success, else try. */
static enum temperature_rule temperature_rule(const struct po_http_api *a, const char *model)
{
	const struct po_http_model *m = learned(a, model);
	int flag;

	if (m && !m->temperature)
		return OMIT;
	flag = po_prices_temperature(a->prices, a->name, model);
	if (flag >= 0)
		return flag ? SEND : OMIT;
	if (a->rejects_temperature && a->rejects_temperature(model))
		return OMIT;
	return m ? SEND : TRY;
}

bool po_http_api_temperature(const struct po_http_api *a, const char *model)
{
	return temperature_rule(a, model) != OMIT;
}

/* A 400 whose message is about temperature. */
static bool refused_temperature(const struct po_http_api *a, const struct po_http_call *c)
{
	char *type = NULL, *msg = NULL;
	bool yes;

	if (c->outcome != PO_HTTP_FAILED || c->status != 400)
		return false;
	a->parse_error(c->response.data, c->response.len, &type, &msg);
	yes = msg && strcasestr(msg, "temperature");
	free(type);
	free(msg);
	return yes;
}

static char *failure_text(const struct po_http_api *a, const struct po_http_call *c)
{
	struct po_buf b = PO_BUF_INIT;
	char *type = NULL, *msg = NULL;

	if (c->outcome == PO_HTTP_NOT_SENT) {
		po_buf_addf(&b, "%s: %s", a->name, c->error ? c->error : "not sent");
		return po_buf_detach(&b);
	}
	if (c->status > 0 && c->response.len && c->broke == PO_HTTP_BREAK_NONE)
		a->parse_error(c->response.data, c->response.len, &type, &msg);
	po_http_describe_failure(&b, a->name, c, type, msg, a->key_env, a->timeout_s);
	free(type);
	free(msg);
	po_http_redact(&b, a->key);
	return po_buf_detach(&b);
}

char *po_http_api_failure(const struct po_http_api *a, const struct po_http_call *c)
{
	return failure_text(a, c);
}

/* A server that echoes the key (in a reply text, a model name) must not
 * put it in a results file, the cache or a report: it is replaced here,
 * before the engine sees the answer. */
static void redact_string(char **s, const char *secret)
{
	struct po_buf b = PO_BUF_INIT;

	if (!*s || !secret || strlen(secret) < 4 || !strstr(*s, secret))
		return;
	po_buf_adds(&b, *s);
	po_http_redact(&b, secret);
	free(*s);
	*s = po_buf_detach(&b);
}

static void answer(const struct po_http_api *a, const struct po_http_call *c,
		   struct po_llm_response *out)
{
	struct po_err perr = { 0 };

	out->attempts = c->attempts;
	out->latency_ms = c->latency_ms;
	if (c->outcome != PO_HTTP_OK) {
		out->error = failure_text(a, c);
		return;
	}
	/* A reply that does not parse keeps the tokens the parser could read:
	 * they were billed. */
	if (a->parse_reply(c->response.data, c->response.len, out, &perr) < 0) {
		struct po_buf b = PO_BUF_INIT;

		free(out->content);
		out->content = NULL;
		po_buf_addf(&b, "%s: HTTP %ld but the reply is unusable: %s", a->name, c->status,
			    perr.msg);
		if (c->request_id)
			po_buf_addf(&b, " (request %s)", c->request_id);
		po_buf_adds(&b, "; check --base-url: the server may not speak this API");
		po_http_redact(&b, a->key);
		out->error = po_buf_detach(&b);
		return;
	}
	redact_string(&out->content, a->key);
	redact_string(&out->model, a->key);
}

int po_http_api_answer_body(const struct po_http_api *a, const char *body, size_t len,
			    struct po_llm_response *out)
{
	struct po_err perr = { 0 };
	struct po_buf b = PO_BUF_INIT;

	if (!a->parse_reply(body, len, out, &perr)) {
		redact_string(&out->content, a->key);
		redact_string(&out->model, a->key);
		return 0;
	}
	free(out->content);
	out->content = NULL;
	po_buf_addf(&b, "%s: the reply is unusable: %s", a->name, perr.msg);
	po_http_redact(&b, a->key);
	out->error = po_buf_detach(&b);
	return PO_ELLM;
}

json_t *po_http_salvage_object(const char *body, size_t len, const char *key)
{
	size_t klen = strlen(key);
	json_t *found = NULL;

	for (size_t i = 0; body && i + klen + 2 <= len; i++) {
		size_t j = i + klen + 2, end, span;
		json_t *o;

		if (body[i] != '"' || (i && body[i - 1] == '\\') || memcmp(body + i + 1, key, klen) ||
		    body[i + 1 + klen] != '"')
			continue;
		while (j < len && (body[j] == ' ' || body[j] == '\t' || body[j] == '\r' || body[j] == '\n'))
			j++;
		if (j >= len || body[j] != ':')
			continue;
		for (j++; j < len && (body[j] == ' ' || body[j] == '\t' || body[j] == '\r' ||
				      body[j] == '\n'); j++)
			;
		if (j >= len || body[j] != '{')
			continue;
		span = po_json_object_span(body + j, len - j);
		if (!span)
			break; /* the object never closes: nothing later can either */
		end = j + span - 1;
		o = json_loadb(body + j, span, 0, NULL);
		if (json_is_object(o)) {
			json_decref(found);
			found = o;
		} else {
			json_decref(o);
		}
		i = end;
	}
	return found;
}

/* One call of a batch as the rounds of po_http_api_complete() see it. */
struct batch_call {
	char *body;
	bool temperature;  /* the body carries one */
	bool pending;      /* to be sent (again) */
	bool trial;        /* the first call of its model: sent alone */
};

static const char *model_of(const struct po_http_api *a, const struct po_llm_request *r)
{
	return r->model ? r->model : a->default_model;
}

static bool has(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/* Runs calls[idx[0..k-1]]; a call sent again keeps the attempts and time
 * of its earlier rounds. */
static int run_round(struct po_http_api *a, struct po_http_call *calls, struct batch_call *bc,
		     const size_t *idx, size_t k, struct po_err *err)
{
	struct po_http_call *sub = po_xcalloc(k, sizeof(*sub));
	int ret;

	for (size_t j = 0; j < k; j++) {
		sub[j].url = a->url;
		sub[j].headers = a->headers;
		sub[j].body = bc[idx[j]].body;
		sub[j].body_len = strlen(bc[idx[j]].body);
	}
	ret = po_http_run(a->http, sub, k, err);
	for (size_t j = 0; j < k; j++) {
		struct po_http_call *c = &calls[idx[j]];
		int attempts = c->attempts;
		double latency = c->latency_ms;

		po_http_call_release(c);
		*c = sub[j];
		c->attempts += attempts;
		c->latency_ms += latency;
	}
	free(sub);
	return ret;
}

/*
 * Sends the batch in rounds: the first round holds back the calls of a
 * model whose temperature is untried but one; the next ones send those and
 * again, without temperature, the calls that were refused one. Three rounds
 * at most: a call is refused a temperature once, then sent without.
 */
static int send_rounds(struct po_http_api *a, const struct po_llm_request *reqs,
		       struct po_http_call *calls, struct batch_call *bc, size_t n,
		       struct po_err *err)
{
	const char **trying = po_xcalloc(n, sizeof(*trying));
	const char **tried = po_xcalloc(n, sizeof(*tried));
	size_t *idx = po_xcalloc(n, sizeof(*idx)), ntried = 0;
	bool fatal = false;
	int ret = 0;

	for (int round = 0; round < 3 && !ret && !fatal; round++) {
		size_t k = 0, ntrying = 0;

		for (size_t i = 0; i < n; i++) {
			const char *model = model_of(a, &reqs[i]);
			enum temperature_rule rule;

			if (!bc[i].pending)
				continue;
			rule = temperature_rule(a, model);
			/* A trial that failed for another reason told nothing:
			 * the others go with temperature, not one by one. */
			if (rule == TRY && has(tried, ntried, model))
				rule = SEND;
			if (rule == TRY && has(trying, ntrying, model))
				continue;
			bc[i].trial = rule == TRY;
			if (rule == TRY)
				trying[ntrying++] = model;
			if (!bc[i].body || bc[i].temperature != (rule != OMIT)) {
				free(bc[i].body);
				bc[i].temperature = rule != OMIT;
				bc[i].body = a->build_body(&reqs[i], model, bc[i].temperature);
			}
			idx[k++] = i;
		}
		if (!k)
			break;
		ret = run_round(a, calls, bc, idx, k, err);
		for (size_t j = 0; j < k; j++) {
			size_t i = idx[j];
			const char *model = model_of(a, &reqs[i]);

			bc[i].pending = false;
			fatal |= calls[i].outcome == PO_HTTP_FATAL;
			if (bc[i].temperature && refused_temperature(a, &calls[i])) {
				learn(a, model, false);
				bc[i].pending = true;
			} else if (bc[i].trial && calls[i].outcome == PO_HTTP_OK) {
				learn(a, model, true);
			}
		}
		for (size_t t = 0; t < ntrying; t++)
			tried[ntried++] = trying[t];
	}
	/* Calls held back for a round that never came. */
	for (size_t i = 0; i < n; i++)
		if (calls[i].outcome == PO_HTTP_NOT_SENT && !calls[i].error)
			calls[i].error = po_xstrdup(ret == PO_EINTR ?
						    "interrupted before an answer arrived" :
						    "not sent: an earlier call failed for every call");
	free(trying);
	free(tried);
	free(idx);
	return ret;
}

int po_http_api_complete(struct po_http_api *a, const struct po_llm_request *reqs,
			 struct po_llm_response *out, size_t n, struct po_err *err)
{
	struct po_http_call *calls = po_xcalloc(n ? n : 1, sizeof(*calls));
	struct batch_call *bc = po_xcalloc(n ? n : 1, sizeof(*bc));
	size_t fatal = n;
	int ret;

	for (size_t i = 0; i < n; i++) {
		calls[i].outcome = PO_HTTP_NOT_SENT;
		calls[i].response = (struct po_buf)PO_BUF_INIT;
		bc[i].pending = true;
	}
	ret = send_rounds(a, reqs, calls, bc, n, err);
	for (size_t i = 0; i < n; i++) {
		answer(a, &calls[i], &out[i]);
		if (calls[i].outcome == PO_HTTP_FATAL && fatal == n)
			fatal = i;
	}
	if (ret == PO_EINTR) {
		po_error_prefix(err, "%s", a->name);
	} else if (fatal < n) {
		ret = po_error(err, PO_ELLM, "%s", out[fatal].error);
	}
	for (size_t i = 0; i < n; i++) {
		po_http_call_release(&calls[i]);
		free(bc[i].body);
	}
	free(calls);
	free(bc);
	return ret;
}

/* The state of one po_http_api_complete_chain(). */
struct chain_run {
	struct po_http_api *a;
	const struct po_llm_request *reqs;
	struct po_llm_response *out;
	size_t n;
	const struct po_llm_chain *chain;
	char **bodies;     /* per call, follow-ups included */
	size_t *follow;    /* per follow-up call: its number k for the chain */
	size_t nfollow;    /* follow-ups next() gave */
	bool *answered;    /* per first-batch call: out[i] filled */
	bool *redo;        /* per first-batch call: refused a temperature */
};

/* A first-batch call is final: answer it and send its follow-up. */
static void chain_done(void *ud, size_t i, struct po_http_call *calls, size_t *n, size_t cap)
{
	struct chain_run *cr = ud;
	struct po_http_api *a = cr->a;
	const struct po_llm_request *f;
	const char *model;
	enum temperature_rule rule;

	if (i >= cr->n)
		return;
	if (refused_temperature(a, &calls[i])) {
		learn(a, model_of(a, &cr->reqs[i]), false);
		cr->redo[i] = true;
		return;
	}
	answer(a, &calls[i], &cr->out[i]);
	cr->answered[i] = true;
	f = cr->chain->next(cr->chain->ud, i, &cr->out[i]);
	if (!f)
		return;
	model = model_of(a, f);
	rule = temperature_rule(a, model);
	/* A model whose temperature is untried waits for the ordinary batch. */
	if (rule == TRY || *n >= cap) {
		struct po_llm_response none = { 0 };

		cr->chain->done(cr->chain->ud, cr->nfollow++, &none);
		return;
	}
	cr->follow[*n - cr->n] = cr->nfollow++;
	cr->bodies[*n] = a->build_body(f, model, rule == SEND);
	calls[*n].url = a->url;
	calls[*n].headers = a->headers;
	calls[*n].body = cr->bodies[*n];
	calls[*n].body_len = strlen(cr->bodies[*n]);
	(*n)++;
}

/* The answers of the follow-ups, to the chain's owner; the message of the
 * first that failed for every call (a refused key), or NULL (new string). */
static char *chain_deliver(struct chain_run *cr, struct po_http_call *calls, size_t total)
{
	char *fatal = NULL;

	for (size_t j = cr->n; j < total; j++) {
		struct po_llm_response r = { 0 };

		/* One refused a temperature: the ordinary batch sends it again. */
		if (calls[j].attempts > 0 && !refused_temperature(cr->a, &calls[j]))
			answer(cr->a, &calls[j], &r);
		if (calls[j].outcome == PO_HTTP_FATAL && !fatal && r.error)
			fatal = po_xstrdup(r.error);
		cr->chain->done(cr->chain->ud, cr->follow[j - cr->n], &r);
	}
	return fatal;
}

int po_http_api_complete_chain(struct po_http_api *a, const struct po_llm_request *reqs,
			       struct po_llm_response *out, size_t n,
			       const struct po_llm_chain *chain, struct po_err *err)
{
	size_t cap = 2 * n, total = n, fatal = n;
	char *follow_fatal;
	struct po_http_call *calls = po_xcalloc(cap ? cap : 1, sizeof(*calls));
	struct chain_run cr = { a, reqs, out, n, chain,
				po_xcalloc(cap ? cap : 1, sizeof(char *)),
				po_xcalloc(n ? n : 1, sizeof(size_t)), 0,
				po_xcalloc(n ? n : 1, sizeof(bool)), po_xcalloc(n ? n : 1, sizeof(bool)) };
	struct po_http_feed feed = { chain_done, &cr };
	int ret;

	/* A model still on trial for its temperature goes the ordinary way. */
	for (size_t i = 0; i < n; i++)
		if (temperature_rule(a, model_of(a, &reqs[i])) == TRY)
			cap = 0;
	if (!cap || !n) {
		free(calls);
		free(cr.bodies);
		free(cr.follow);
		free(cr.answered);
		free(cr.redo);
		return po_http_api_complete(a, reqs, out, n, err);
	}
	for (size_t i = 0; i < n; i++) {
		enum temperature_rule rule = temperature_rule(a, model_of(a, &reqs[i]));

		cr.bodies[i] = a->build_body(&reqs[i], model_of(a, &reqs[i]), rule == SEND);
		calls[i] = (struct po_http_call){ .url = a->url, .headers = a->headers,
						  .body = cr.bodies[i],
						  .body_len = strlen(cr.bodies[i]) };
	}
	ret = po_http_run_feed(a->http, calls, &total, cap, &feed, err);
	if (ret == PO_EINTR)
		po_error_prefix(err, "%s", a->name);
	follow_fatal = chain_deliver(&cr, calls, total);
	for (size_t i = 0; i < n; i++) {
		if (cr.redo[i]) {
			/* Refused a temperature: again, alone, without one. */
			if (ret)
				answer(a, &calls[i], &out[i]);
			else
				ret = po_http_api_complete(a, &reqs[i], &out[i], 1, err);
			continue;
		}
		if (!cr.answered[i])
			answer(a, &calls[i], &out[i]);
		if (calls[i].outcome == PO_HTTP_FATAL && fatal == n)
			fatal = i;
	}
	if (!ret && fatal < n)
		ret = po_error(err, PO_ELLM, "%s", out[fatal].error);
	else if (!ret && follow_fatal)
		ret = po_error(err, PO_ELLM, "%s", follow_fatal);
	free(follow_fatal);
	for (size_t i = 0; i < total; i++) {
		po_http_call_release(&calls[i]);
		free(cr.bodies[i]);
	}
	free(calls);
	free(cr.bodies);
	free(cr.follow);
	free(cr.answered);
	free(cr.redo);
	return ret;
}

int po_http_endpoint_urls(const char *bases, char *(*make_url)(const char *base),
			  char ***urls, size_t *n, struct po_err *err)
{
	size_t count = 1, k = 0;
	const char *p = bases;

	for (const char *c = bases; *c; c++)
		count += *c == ',';
	*urls = po_xcalloc(count, sizeof(char *));
	*n = 0;
	for (k = 0; k < count; k++) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *one;

		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (count > 1 && !po_url_usable_base(p, len)) {
			int ret = po_error(err, PO_EUSAGE,
					   "--base-url: \"%.*s\" (endpoint %zu of %zu) is not an http:// or https:// URL; give the endpoints as URLs separated by commas",
					   (int)(len > 200 ? 200 : len), p, k + 1, count);
			for (size_t i = 0; i < *n; i++)
				free((*urls)[i]);
			free(*urls);
			*urls = NULL;
			*n = 0;
			return ret;
		}
		one = po_xstrndup(p, len);
		(*urls)[(*n)++] = make_url(one);
		free(one);
		p = end ? end + 1 : p + len;
	}
	return 0;
}

int po_http_api_load_prices(struct po_http_api *a, const char *path, struct po_err *err)
{
	int ret;

	po_prices_free(a->prices);
	a->prices = NULL;
	ret = po_prices_load(&a->prices, path, err);
	if (ret == PO_ENOTFOUND || ret == PO_EIO)
		po_error_prefix(err, "--prices");
	return ret;
}

void po_http_api_release(struct po_http_api *a)
{
	po_http_free(a->http);
	po_http_headers_free(a->headers);
	po_prices_free(a->prices);
	for (size_t i = 0; i < a->n_models; i++)
		free(a->models[i].name);
	free(a->models);
	a->http = NULL;
	a->headers = NULL;
	a->prices = NULL;
	a->models = NULL;
	a->n_models = 0;
}
