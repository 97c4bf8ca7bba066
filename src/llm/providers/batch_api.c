/*
 * What the two provider batch APIs share (batch_api.h): the state file that
 * makes a pending batch survive a killed run, polling with backoff, joining
 * the results by custom_id, and sending the requests the batch did not
 * answer again as ordinary calls.
 */
#include "llm/providers/batch_api.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "llm/providers/provider.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/sha256.h"
#include "util/timeutil.h"

#define POLL_ENV "PROMPTOPT_BATCH_POLL_SECONDS"
#define POLL_DEFAULT_S 5.0
#define POLL_CAP_S 120.0

void po_batch_status_release(struct po_batch_status *st)
{
	free(st->detail);
	free(st->results[0]);
	free(st->results[1]);
	memset(st, 0, sizeof(*st));
}

int po_batch_http(struct po_http_api *a, const char *url, const char *body, size_t len,
		  const struct curl_slist *headers, struct po_http_call *c, struct po_err *err)
{
	memset(c, 0, sizeof(*c));
	c->url = url;
	c->headers = headers ? headers : a->headers;
	c->body = body;
	c->body_len = body ? len : 0;
	c->get = !body;
	c->response = (struct po_buf)PO_BUF_INIT;
	return po_http_run(a->http, c, 1, err);
}

json_t *po_batch_reply(struct po_http_api *a, struct po_http_call *c, const char *doing,
		       struct po_err *err)
{
	json_t *v;

	if (c->outcome != PO_HTTP_OK) {
		char *msg = po_http_api_failure(a, c);

		/* The message starts with "<name>: ". */
		po_error(err, PO_ELLM, "%s: %s: %s", a->name, doing,
			 msg + strlen(a->name) + (strlen(msg) > strlen(a->name) + 1 ? 2 : 0));
		free(msg);
		return NULL;
	}
	v = json_loadb(c->response.data, c->response.len, 0, NULL);
	if (!json_is_object(v)) {
		json_decref(v);
		po_error(err, PO_ELLM,
			 "%s: %s: the reply is not a JSON object; check --base-url: the server may not speak the batch API",
			 a->name, doing);
		return NULL;
	}
	return v;
}

char *po_batch_url(const struct po_http_api *a, const char *strip, const char *path)
{
	size_t n = strlen(a->url), s = strlen(strip);
	struct po_buf b = PO_BUF_INIT;

	if (n > s && !strcmp(a->url + n - s, strip))
		n -= s;
	po_buf_add(&b, a->url, n);
	po_buf_adds(&b, path);
	return po_buf_detach(&b);
}

/* The first poll waits this long; each wait is half again as long as the
 * one before, up to 40 times the first (at most two minutes). */
static double poll_start_s(void)
{
	const char *v = getenv(POLL_ENV);
	char *end = NULL;
	double s;

	if (!v || !*v)
		return POLL_DEFAULT_S;
	errno = 0;
	s = strtod(v, &end);
	if (errno || *end || !(s >= 0.001) || s > 3600)
		return POLL_DEFAULT_S;
	return s;
}

/* Sleeps ms unless interrupted first: false when interrupted. */
static bool pause_ms(const struct po_http_api *a, double ms)
{
	double until = po_time_mono_ms() + ms;

	for (;;) {
		double left = until - po_time_mono_ms();
		struct timespec ts;

		if (a->interrupt && *a->interrupt)
			return false;
		if (left <= 0)
			return true;
		if (left > 50)
			left = 50;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e6);
		nanosleep(&ts, NULL);
	}
}

/* What a batch is: the provider, its URL and every request in order (its
 * body, role and sample: two samples of one prompt are two requests). */
static void fingerprint(const struct po_http_api *a, const struct po_llm_request *reqs,
			char *const *bodies, size_t m, char out[65])
{
	struct po_sha256 c;
	unsigned char d[PO_SHA256_LEN];
	char num[32];

	po_sha256_init(&c);
	po_sha256_update(&c, a->name, strlen(a->name) + 1);
	po_sha256_update(&c, a->url, strlen(a->url) + 1);
	for (size_t i = 0; i < m; i++) {
		snprintf(num, sizeof(num), "%d:%u:%zu:", (int)reqs[i].role, reqs[i].sample,
			 strlen(bodies[i]));
		po_sha256_update(&c, num, strlen(num));
		po_sha256_update(&c, bodies[i], strlen(bodies[i]));
	}
	po_sha256_final(&c, d);
	po_sha256_hex(d, out);
}

/* The batch the state file holds for these requests (new string), or NULL. */
static char *state_lookup(const struct po_http_api *a, const char *fp)
{
	json_t *v = NULL;
	const char *id;
	char *ret = NULL;

	if (!a->batch_state || !po_fs_exists(a->batch_state) ||
	    po_json_load_file(a->batch_state, &v, NULL) < 0)
		return NULL;
	id = po_json_str(v, "batch_id", NULL);
	if (id && *id && !strcmp(po_json_str(v, "fingerprint", ""), fp) &&
	    !strcmp(po_json_str(v, "provider", ""), a->name))
		ret = po_xstrdup(id);
	json_decref(v);
	return ret;
}

static int state_save(const struct po_http_api *a, const char *fp, const char *id, size_t m,
		      struct po_err *err)
{
	json_t *v;
	int ret;

	if (!a->batch_state)
		return 0;
	v = json_pack("{s:s, s:s, s:s, s:I, s:I}", "provider", a->name, "batch_id", id,
		      "fingerprint", fp, "requests", (json_int_t)m, "created_unix",
		      (json_int_t)po_time_unix());
	ret = po_json_write_file(a->batch_state, v, err);
	json_decref(v);
	if (ret)
		po_error_prefix(err, "%s: batch %s was created but its id could not be saved", a->name,
				id);
	return ret;
}

/* Polls until the batch ends (or fails, or the run is interrupted). */
static int wait_ended(struct po_http_api *a, const char *id, struct po_batch_status *st,
		      struct po_err *err)
{
	double delay = poll_start_s() * 1000, cap = delay * 40;
	int ret;

	if (cap > POLL_CAP_S * 1000)
		cap = POLL_CAP_S * 1000;
	for (;;) {
		po_batch_status_release(st);
		ret = a->batch->poll(a, id, st, err);
		if (ret)
			return ret;
		if (st->phase == PO_BATCH_FAILED)
			return po_error(err, PO_ELLM,
					"%s: %s %s was refused: %s; fix the request and run again (nothing was answered, nothing charged)",
					a->name, a->batch->what, id, st->detail ? st->detail : "no reason given");
		if (st->phase == PO_BATCH_ENDED)
			return 0;
		if (!pause_ms(a, delay))
			return po_error(err, PO_EINTR,
					"%s: interrupted while %s %s was pending; --resume polls the same batch (it is not submitted again)",
					a->name, a->batch->what, id);
		delay = fmin(delay * 1.5, cap);
	}
}

/* "r<k>" with k < m, else (size_t)-1. */
static size_t custom_index(const char *cid, size_t m)
{
	char *end = NULL;
	unsigned long long k;

	if (!cid || cid[0] != 'r' || cid[1] < '0' || cid[1] > '9' || (cid[1] == '0' && cid[2]))
		return (size_t)-1;
	errno = 0;
	k = strtoull(cid + 1, &end, 10);
	if (errno || *end || k >= m)
		return (size_t)-1;
	return (size_t)k;
}

/* The first problem of a join is the one told; the others are counted. */
struct join {
	struct po_http_api *a;
	const char *id;
	size_t m;
	bool *got;
	struct po_llm_response *out;   /* the batch part's answers */
	double latency_ms;
	int ret;
	size_t problems;
	struct po_err first;
};

static void join_problem(struct join *j, size_t line, const char *what)
{
	if (!j->problems++)
		po_error(&j->first, PO_ELLM, "%s: %s %s, results line %zu: %s", j->a->name,
			 j->a->batch->what, j->id, line, what);
}

static void join_line(struct join *j, const char *s, size_t len, size_t lineno)
{
	json_error_t jerr;
	json_t *v = json_loadb(s, len, 0, &jerr);
	struct po_batch_line bl = { 0 };
	struct po_err e = { 0 };
	struct po_buf msg = PO_BUF_INIT;
	size_t k;

	if (!v) {
		po_buf_addf(&msg, "not JSON (column %d: %s)", jerr.column, jerr.text);
		join_problem(j, lineno, msg.data);
	} else if (j->a->batch->read_line(v, &bl, &e) < 0) {
		join_problem(j, lineno, e.msg);
	} else if ((k = custom_index(bl.custom_id, j->m)) == (size_t)-1) {
		po_buf_adds(&msg, "unknown custom_id \"");
		po_buf_add(&msg, bl.custom_id, strlen(bl.custom_id) > 64 ? 64 : strlen(bl.custom_id));
		po_buf_addf(&msg, "\" (this batch has r0 to r%zu)", j->m - 1);
		join_problem(j, lineno, msg.data);
	} else if (j->got[k]) {
		po_buf_addf(&msg, "custom_id \"%s\" answered twice (the first answer is kept)",
			    bl.custom_id);
		join_problem(j, lineno, msg.data);
	} else if (bl.reply) {
		/* Billed whether it parses or not: an unusable reply is an
		 * answer (an error), not a request to pay for again. */
		j->got[k] = true;
		po_http_api_answer_body(j->a, bl.reply, strlen(bl.reply), &j->out[k]);
		j->out[k].batch = true;
		j->out[k].attempts = 1;
		j->out[k].latency_ms = j->latency_ms;
	}
	po_buf_release(&msg);
	free(bl.custom_id);
	free(bl.reply);
	free(bl.error);
	json_decref(v);
}

static void join_all(struct join *j, const struct po_buf *text)
{
	const char *p = text->data, *end = text->data + text->len;
	size_t lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		bool blank = true;

		lineno++;
		for (size_t i = 0; i < len && blank; i++)
			blank = p[i] == ' ' || p[i] == '\t' || p[i] == '\r';
		if (!blank)
			join_line(j, p, len, lineno);
		p += len + (nl ? 1 : 0);
	}
}

int po_batch_join(struct po_http_api *a, const char *id, const char *text, size_t len,
		  struct po_llm_response *out, size_t m, bool *got, double latency_ms,
		  struct po_err *err)
{
	struct join j = { .a = a, .id = id, .m = m, .got = got, .out = out,
			  .latency_ms = latency_ms };
	struct po_buf t = { .data = (char *)text, .len = len };

	join_all(&j, &t);
	if (!j.problems)
		return 0;
	return po_error(err, PO_ELLM,
			"%s%s; the answers that did arrive are kept, the requests without one were not sent again: run again to send them",
			j.first.msg, j.problems > 1 ? " (and more lines like it)" : "");
}

/* Creates the batch, or takes the pending one of the same requests. */
static int submit(struct po_http_api *a, const struct po_llm_request *reqs, char *const *bodies,
		  size_t m, char **id, struct po_err *err)
{
	char fp[65];
	int ret;

	fingerprint(a, reqs, bodies, m, fp);
	*id = state_lookup(a, fp);
	if (*id)
		return 0;
	ret = a->batch->create(a, bodies, m, id, err);
	if (!ret)
		ret = state_save(a, fp, *id, m, err);
	return ret;
}

/* The batch part: reqs[0..m-1] all of batch roles; answers in out[],
 * got[i] for those the batch answered. */
static int run_batch(struct po_http_api *a, const struct po_llm_request *reqs,
		     struct po_llm_response *out, size_t m, bool *got, struct po_err *err)
{
	char **bodies = po_xcalloc(m, sizeof(*bodies));
	struct po_batch_status st = { 0 };
	struct po_buf text = PO_BUF_INIT;
	double t0 = po_time_mono_ms();
	char *id = NULL;
	int ret;

	for (size_t i = 0; i < m; i++) {
		const char *model = reqs[i].model ? reqs[i].model : a->default_model;

		bodies[i] = a->build_body(&reqs[i], model, po_http_api_temperature(a, model));
	}
	ret = submit(a, reqs, bodies, m, &id, err);
	if (!ret)
		ret = wait_ended(a, id, &st, err);
	if (!ret)
		ret = a->batch->fetch(a, id, &st, &text, err);
	if (!ret) {
		ret = po_batch_join(a, id, text.data, text.len, out, m, got,
				    po_time_mono_ms() - t0, err);
		/* Its answers are the engine's now (cached and journaled as soon
		 * as this returns): a later batch of the same requests is a new
		 * one, never this one again. */
		if (a->batch_state)
			unlink(a->batch_state);
	}
	for (size_t i = 0; i < m; i++)
		free(bodies[i]);
	free(bodies);
	free(id);
	po_batch_status_release(&st);
	po_buf_release(&text);
	return ret;
}

/* Answers reqs[idx[0..k-1]] as ordinary calls into out[idx[...]]. */
static int ordinary(struct po_http_api *a, const struct po_llm_request *reqs,
		    struct po_llm_response *out, const size_t *idx, size_t k, struct po_err *err)
{
	struct po_llm_request *sub;
	struct po_llm_response *subout;
	int ret;

	if (!k)
		return 0;
	sub = po_xcalloc(k, sizeof(*sub));
	subout = po_xcalloc(k, sizeof(*subout));
	for (size_t j = 0; j < k; j++)
		sub[j] = reqs[idx[j]];
	ret = po_http_api_complete(a, sub, subout, k, err);
	for (size_t j = 0; j < k; j++)
		out[idx[j]] = subout[j];
	free(sub);
	free(subout);
	return ret;
}

int po_batch_complete(struct po_http_api *a, const struct po_llm_request *reqs,
		      struct po_llm_response *out, size_t n, struct po_err *err)
{
	size_t *bidx = po_xcalloc(n ? n : 1, sizeof(*bidx)), m = 0;
	size_t *oidx = po_xcalloc(n ? n : 1, sizeof(*oidx)), k = 0;
	struct po_llm_request *breqs = po_xcalloc(n ? n : 1, sizeof(*breqs));
	struct po_llm_response *bout = po_xcalloc(n ? n : 1, sizeof(*bout));
	bool *got = po_xcalloc(n ? n : 1, sizeof(*got));
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		if (a->batch_roles & (1u << reqs[i].role)) {
			breqs[m] = reqs[i];
			bidx[m++] = i;
		} else {
			oidx[k++] = i;
		}
	}
	ret = ordinary(a, reqs, out, oidx, k, err);
	if (!ret && m)
		ret = run_batch(a, breqs, bout, m, got, err);
	for (size_t i = 0; i < m; i++)
		out[bidx[i]] = bout[i];
	/* Errored, expired, canceled or missing: sent again one by one (the
	 * rule of docs/scale.md), unless the batch itself went wrong. */
	k = 0;
	for (size_t i = 0; !ret && i < m; i++)
		if (!got[i])
			oidx[k++] = bidx[i];
	if (!ret)
		ret = ordinary(a, reqs, out, oidx, k, err);
	free(bidx);
	free(oidx);
	free(breqs);
	free(bout);
	free(got);
	return ret;
}
