/*
 * The HTTP transport (see http.h): one libcurl multi handle per provider, a pool of easy
 * handles (one per slot), a scheduler loop that starts calls as slots, backoff timers and
 * the rate-limit state allow, and with several endpoints, chooses one per attempt
 * (endpoints.h). Sockets are watched with epoll and driven with curl_multi_socket_action():
 * a wake-up costs what its ready sockets need, not a pass over every call in flight.
 */
#include "llm/providers/http.h"
#include "llm/providers/endpoints.h"
#include "llm/providers/shared.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "util/err.h"
#include "util/mem.h"
#include "util/rng.h"
#include "util/timeutil.h"

/* The longest the loop sleeps without looking at the interrupt flag. */
#define POLL_SLICE_MS 100

struct slot {
	struct po_http *h;
	CURL *easy;
	struct po_http_call *call;
	size_t index;
	int ep;            /* the endpoint of the attempt (several endpoints), or -1 */
	bool busy;
	bool too_big;
	char retry_after[64];
	char retry_after_ms[64];
	char errbuf[CURL_ERROR_SIZE];
};

struct retry_item {
	size_t index;
	double at_ms;
};

struct po_http {
	struct po_http_options o;
	CURLM *multi;
	struct slot *slots;
	int nslots;
	struct po_ratelimit rl;
	struct po_rng rng;
	struct po_http_stats stats;
	char *noproxy;
	int epfd;          /* the sockets libcurl asks to watch */
	double timer_at;   /* when libcurl wants its timeout action; < 0: never */
	/* per run */
	struct retry_item *retries;
	size_t nretries;
};

void po_http_options_init(struct po_http_options *o)
{
	memset(o, 0, sizeof(*o));
	o->concurrency = 8;
	o->connect_timeout_s = 10;
	o->timeout_s = 120;
	o->max_attempts = 5;
	o->max_response = (size_t)8 << 20;
	o->backoff_base_ms = 500;
	o->backoff_cap_ms = 30000;
	o->retry_after_cap_ms = 120000;
	o->seed = 1;
}

void po_http_call_release(struct po_http_call *c)
{
	po_buf_release(&c->response);
	free(c->error);
	free(c->request_id);
	c->error = c->request_id = NULL;
}

struct curl_slist *po_http_headers_new(const char *const *lines)
{
	struct curl_slist *l = NULL, *t;

	for (size_t i = 0; lines && lines[i]; i++) {
		t = curl_slist_append(l, lines[i]);
		if (!t)
			po_oom(strlen(lines[i]));
		l = t;
	}
	t = curl_slist_append(l, "Content-Type: application/json");
	if (t)
		t = curl_slist_append(t, "Expect:");
	if (!t)
		po_oom(64);
	return t;
}

void po_http_headers_free(struct curl_slist *l)
{
	curl_slist_free_all(l);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct slot *s = ud;
	size_t n = size * nmemb;

	if (s->call->response.len + n > s->h->o.max_response) {
		s->too_big = true;
		return 0; /* curl fails the transfer with CURLE_WRITE_ERROR */
	}
	po_buf_add(&s->call->response, data, n);
	return n;
}

/* Copies a header value without its line end into dst. */
static void copy_value(char *dst, size_t size, const char *v, size_t n)
{
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	if (n >= size)
		n = size - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct slot *s = ud;
	size_t n = size * nmemb;
	char name[64], value[256];
	const char *colon;

	if (n >= 5 && !strncmp(data, "HTTP/", 5)) {
		/* A new answer (after a 100 Continue, say): forget the last one's. */
		s->retry_after[0] = s->retry_after_ms[0] = '\0';
		return n;
	}
	colon = memchr(data, ':', n);
	if (!colon || (size_t)(colon - data) >= sizeof(name))
		return n;
	memcpy(name, data, (size_t)(colon - data));
	name[colon - data] = '\0';
	copy_value(value, sizeof(value), colon + 1, n - (size_t)(colon - data) - 1);
	if (!strcasecmp(name, "retry-after")) {
		copy_value(s->retry_after, sizeof(s->retry_after), value, strlen(value));
	} else if (!strcasecmp(name, "retry-after-ms")) {
		copy_value(s->retry_after_ms, sizeof(s->retry_after_ms), value, strlen(value));
	} else if (!strcasecmp(name, "request-id") || !strcasecmp(name, "x-request-id")) {
		free(s->call->request_id);
		s->call->request_id = po_xstrdup(value);
	} else if (s->h->o.gate) {
		po_shared_gate_header(s->h->o.gate, name, value, po_time_mono_ms(), po_time_unix());
	} else {
		po_ratelimit_header(&s->h->rl, name, value, po_time_mono_ms(), po_time_unix());
	}
	return n;
}

/*
 * Loopback is never sent through a proxy: the environment's no_proxy is
 * kept and 127.0.0.1, ::1 and localhost are added to it.
 */
static char *make_noproxy(void)
{
	const char *env = getenv("no_proxy");
	struct po_buf b = PO_BUF_INIT;

	if (!env || !*env)
		env = getenv("NO_PROXY");
	if (env && !strcmp(env, "*"))
		return po_xstrdup("*");
	if (env && *env)
		po_buf_addf(&b, "%s,", env);
	po_buf_adds(&b, "127.0.0.1,localhost,::1");
	return po_buf_detach(&b);
}

static CURL *new_easy(struct po_http *h, struct slot *s)
{
	CURL *e = curl_easy_init();

	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, s);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(h->o.connect_timeout_s * 1000));
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(h->o.timeout_s * 1000));
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_NOPROXY, h->noproxy);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->o.max_response);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	return e;
}

/* libcurl says which sockets to watch for what (CURLMOPT_SOCKETFUNCTION). */
static int on_socket(CURL *e, curl_socket_t fd, int what, void *ud, void *socketp)
{
	struct po_http *h = ud;
	struct epoll_event ev = { .data.fd = fd };

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(h->epfd, EPOLL_CTL_DEL, fd, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
	/* socketp: set (to h) once the socket is in the epoll set. */
	if (socketp && epoll_ctl(h->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
		return 0;
	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 && errno == EEXIST)
		epoll_ctl(h->epfd, EPOLL_CTL_MOD, fd, &ev);
	curl_multi_assign(h->multi, fd, h);
	return 0;
}

/* libcurl says when it next needs a timeout action (CURLMOPT_TIMERFUNCTION). */
static int on_timer(CURLM *m, long timeout_ms, void *ud)
{
	struct po_http *h = ud;

	(void)m;
	h->timer_at = timeout_ms < 0 ? -1 : po_time_mono_ms() + (double)timeout_ms;
	return 0;
}

struct po_http *po_http_new(const struct po_http_options *o, struct po_err *err)
{
	struct po_http *h;

	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		po_error(err, PO_ELLM, "cannot start libcurl");
		return NULL;
	}
	h = po_xcalloc(1, sizeof(*h));
	h->o = *o;
	if (h->o.concurrency < 1)
		h->o.concurrency = 1;
	if (h->o.max_attempts < 1)
		h->o.max_attempts = 1;
	h->multi = curl_multi_init();
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!h->multi || h->epfd < 0) {
		if (h->multi)
			curl_multi_cleanup(h->multi);
		if (h->epfd >= 0)
			close(h->epfd);
		free(h);
		curl_global_cleanup();
		po_error(err, PO_ELLM, "cannot start libcurl");
		return NULL;
	}
	h->timer_at = -1;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	/* Keep as many idle connections as calls in flight, so HTTP/1.1 servers
	 * see the same connections batch after batch. */
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)h->o.concurrency);
	h->nslots = h->o.concurrency;
	/* Several endpoints: --concurrency per endpoint, each replica takes as many. */
	if (o->endpoints)
		h->nslots = o->endpoints->per_endpoint * (int)o->endpoints->n;
	h->slots = po_xcalloc((size_t)h->nslots, sizeof(*h->slots));
	h->noproxy = make_noproxy();
	po_ratelimit_init(&h->rl);
	po_rng_seed(&h->rng, o->seed);
	return h;
}

void po_http_free(struct po_http *h)
{
	if (!h)
		return;
	for (int i = 0; i < h->nslots; i++)
		if (h->slots[i].easy)
			curl_easy_cleanup(h->slots[i].easy);
	curl_multi_cleanup(h->multi);
	close(h->epfd);
	free(h->slots);
	free(h->noproxy);
	free(h->retries);
	free(h);
	curl_global_cleanup();
}

const struct po_http_stats *po_http_stats(const struct po_http *h)
{
	return &h->stats;
}

static struct slot *free_slot(struct po_http *h)
{
	for (int i = 0; i < h->nslots; i++)
		if (!h->slots[i].busy)
			return &h->slots[i];
	return NULL;
}

static int start(struct po_http *h, struct slot *s, struct po_http_call *c, size_t index,
		 double now)
{
	if (!s->easy) {
		s->h = h;
		s->easy = new_easy(h, s);
		if (!s->easy)
			return -1;
	}
	s->call = c;
	s->index = index;
	s->busy = true;
	s->too_big = false;
	s->retry_after[0] = s->retry_after_ms[0] = s->errbuf[0] = '\0';
	po_buf_reset(&c->response);
	c->status = 0;
	c->broke = PO_HTTP_BREAK_NONE;
	c->attempts++;
	s->ep = h->o.endpoints ? po_endpoints_pick(h->o.endpoints, now, &(double){ now }) : -1;
	if (s->ep >= 0)
		po_endpoints_started(h->o.endpoints, s->ep, now);
	curl_easy_setopt(s->easy, CURLOPT_URL, s->ep >= 0 ? h->o.endpoints->v[s->ep].url : c->url);
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, c->headers);
	if (c->get) {
		curl_easy_setopt(s->easy, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
		curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, c->body ? c->body : "");
	}
	/* Over TLS, wait for a connection that may multiplex rather than open
	 * one per call; plain http:// is HTTP/1.1 here, where waiting gains
	 * nothing. */
	curl_easy_setopt(s->easy, CURLOPT_PIPEWAIT,
			 (long)(c->url && !strncasecmp(c->url, "https:", 6)));
	if (curl_multi_add_handle(h->multi, s->easy) != CURLM_OK) {
		s->busy = false;
		if (s->ep >= 0)
			po_endpoints_dropped(h->o.endpoints, s->ep);
		if (h->o.gate)
			po_shared_gate_leave(h->o.gate);
		return -1;
	}
	h->stats.attempts++;
	if (c->attempts > 1)
		h->stats.retries++;
	/* With a gate, po_shared_gate_enter() recorded the start. */
	if (!h->o.gate)
		po_ratelimit_started(&h->rl, now);
	return 0;
}

static void set_error(struct po_http_call *c, const char *msg)
{
	free(c->error);
	c->error = po_xstrdup(msg);
}

/* Transport failures that no retry can fix. */
static bool transport_fatal(CURLcode rc)
{
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		return true;
	default:
		return false;
	}
}

/* How a transfer that failed broke off: only an exchange that got as far
 * as sending its request can have timed out or been cut by the server;
 * before that it is a connection failure (see describe). */
static enum po_http_break broke_off(CURL *e, CURLcode rc)
{
	long sent = 0;

	curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &sent);
	if (sent <= 0)
		return PO_HTTP_BREAK_NONE;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return PO_HTTP_BREAK_TIMEOUT;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return PO_HTTP_BREAK_CLOSED;
	default:
		return PO_HTTP_BREAK_NONE;
	}
}

static void schedule_retry(struct po_http *h, size_t index, double at)
{
	h->retries = po_xrealloc(h->retries, (h->nretries + 1) * sizeof(*h->retries));
	h->retries[h->nretries].index = index;
	h->retries[h->nretries].at_ms = at;
	h->nretries++;
}

/* With several endpoints: did the attempt's endpoint answer at all? */
static void endpoint_done(struct po_http *h, struct slot *s, CURLcode rc, double now)
{
	long answered = 0;

	if (s->ep < 0)
		return;
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &answered);
	po_endpoints_done(h->o.endpoints, s->ep, rc != CURLE_OK && answered <= 0, now);
}

/*
 * An attempt ended: decide the call's outcome or schedule its next attempt.
 * Returns true when the call is finished.
 */
static bool finish_attempt(struct po_http *h, struct slot *s, CURLcode rc, double now,
			   bool *fatal)
{
	struct po_http_call *c = s->call;
	enum po_retry_class cls;
	double server_ms = -1, delay;
	long status = 0;

	curl_multi_remove_handle(h->multi, s->easy);
	s->busy = false;
	if (h->o.gate)
		po_shared_gate_leave(h->o.gate);
	endpoint_done(h, s, rc, now);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		c->status = status;
		free(c->error);
		c->error = NULL;
		cls = po_retry_classify(status, c->response.data, c->response.len);
	} else if (s->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		struct po_buf b = PO_BUF_INIT;

		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		c->status = status;
		po_buf_addf(&b, "response larger than %zu bytes", h->o.max_response);
		free(c->error);
		c->error = po_buf_detach(&b);
		po_buf_reset(&c->response);
		cls = PO_RETRY_FINAL;
	} else {
		/* An answer that began keeps its status: "HTTP 200, then the body
		 * never ended" says more than a bare timeout. */
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		c->status = status;
		set_error(c, s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
		c->broke = broke_off(s->easy, rc);
		cls = transport_fatal(rc) ? PO_RETRY_FATAL : PO_RETRY_AGAIN;
	}

	switch (cls) {
	case PO_RETRY_OK:
		c->outcome = PO_HTTP_OK;
		return true;
	case PO_RETRY_FINAL:
		c->outcome = PO_HTTP_FAILED;
		return true;
	case PO_RETRY_FATAL:
		c->outcome = PO_HTTP_FATAL;
		*fatal = true;
		return true;
	case PO_RETRY_AGAIN:
		break;
	}
	server_ms = po_retry_after_ms(s->retry_after[0] ? s->retry_after : NULL,
				      s->retry_after_ms[0] ? s->retry_after_ms : NULL,
				      po_time_unix());
	delay = po_retry_delay_ms(po_retry_backoff_ms(c->attempts, h->o.backoff_base_ms,
						      h->o.backoff_cap_ms,
						      po_rng_double(&h->rng)),
				  server_ms, h->o.retry_after_cap_ms);
	/* No answer from one replica: another one takes the call at once. */
	if (s->ep >= 0 && status <= 0 && po_endpoints_other_up(h->o.endpoints, s->ep, now))
		delay = 0;
	/* Rate limited or overloaded: the whole account is, so every new call
	 * waits, not only this one. */
	if (status == 429 || status == 503 || status == 529) {
		double pause = server_ms >= 0 ?
			po_retry_delay_ms(0, server_ms, h->o.retry_after_cap_ms) : delay;
		if (h->o.gate)
			po_shared_gate_pause(h->o.gate, now, pause);
		else
			po_ratelimit_pause(&h->rl, now, pause);
	}
	if (c->attempts >= h->o.max_attempts) {
		c->outcome = PO_HTTP_FAILED;
		c->retryable = true;
		return true;
	}
	schedule_retry(h, s->index, now + delay);
	return false;
}

/* A retry due by now or a fresh call waits to start. */
static bool work_due(const struct po_http *h, size_t fresh, size_t n, double now)
{
	for (size_t i = 0; i < h->nretries; i++)
		if (h->retries[i].at_ms <= now)
			return true;
	return fresh < n;
}

/* Takes the earliest due retry, else the next fresh call; false when neither. */
static bool next_call(struct po_http *h, size_t *fresh, size_t n, double now, size_t *out,
		      double *wake)
{
	size_t best = h->nretries;

	for (size_t i = 0; i < h->nretries; i++) {
		if (h->retries[i].at_ms <= now &&
		    (best == h->nretries || h->retries[i].at_ms < h->retries[best].at_ms))
			best = i;
		else if (h->retries[i].at_ms > now && h->retries[i].at_ms < *wake)
			*wake = h->retries[i].at_ms;
	}
	if (best < h->nretries) {
		*out = h->retries[best].index;
		h->retries[best] = h->retries[--h->nretries];
		return true;
	}
	if (*fresh < n) {
		*out = (*fresh)++;
		return true;
	}
	return false;
}

static void abandon(struct po_http *h, struct po_http_call *calls, size_t n, const char *why)
{
	for (int i = 0; i < h->nslots; i++) {
		struct slot *s = &h->slots[i];
		if (!s->busy)
			continue;
		curl_multi_remove_handle(h->multi, s->easy);
		s->busy = false;
		if (h->o.gate)
			po_shared_gate_leave(h->o.gate);
		if (s->ep >= 0)
			po_endpoints_dropped(h->o.endpoints, s->ep);
	}
	for (size_t i = 0; i < n; i++) {
		if (calls[i].outcome != PO_HTTP_NOT_SENT)
			continue;
		set_error(&calls[i], why);
	}
	h->nretries = 0;
}

/* Waits up to timeout_ms for the watched sockets, and lets libcurl act on
 * the ready ones. */
static void wait_sockets(struct po_http *h, int timeout_ms)
{
	struct epoll_event ev[64];
	int running, n = epoll_wait(h->epfd, ev, 64, timeout_ms);

	for (int i = 0; i < n; i++) {
		int flags = 0;

		if (ev[i].events & (EPOLLIN | EPOLLHUP))
			flags |= CURL_CSELECT_IN;
		if (ev[i].events & EPOLLOUT)
			flags |= CURL_CSELECT_OUT;
		if (ev[i].events & EPOLLERR)
			flags |= CURL_CSELECT_ERR;
		curl_multi_socket_action(h->multi, ev[i].data.fd, flags, &running);
	}
}

/* The state of one po_http_run(). */
struct run {
	struct po_http_call *calls;
	size_t n;          /* grows when the feed appends follow-up calls */
	size_t cap;
	const struct po_http_feed *feed;
	size_t fresh;      /* calls[fresh..n-1] have not started yet */
	size_t done;       /* calls with an outcome */
	int active;        /* attempts in flight */
	bool fatal;        /* a call failed in a way every call will */
	double *t0;        /* per call: its first start */
	bool *finished;    /* per call: has its outcome */
	size_t *ready;     /* with a feed: calls finished, not fed yet */
	size_t nready;
};

static void reset_calls(struct po_http_call *calls, size_t from, size_t n)
{
	for (size_t i = from; i < n; i++) {
		calls[i].outcome = PO_HTTP_NOT_SENT;
		calls[i].status = 0;
		calls[i].attempts = 0;
		calls[i].retryable = false;
		calls[i].latency_ms = 0;
		calls[i].response = (struct po_buf)PO_BUF_INIT;
		calls[i].error = calls[i].request_id = NULL;
	}
}

/* Starts what the slots, the timers and the rate limits allow at now;
 * *wake comes down to when it is worth trying again. */
static void start_due(struct po_http *h, struct run *run, double now, double *wake)
{
	struct po_http_call *calls = run->calls;
	double gate;
	size_t idx;

	while (run->active < h->nslots) {
		if (h->o.gate) {
			/* The endpoint's slots and rate limits, shared with the
			 * other experiments of a batch. */
			if (!work_due(h, run->fresh, run->n, now)) {
				next_call(h, &run->fresh, run->n, now, &idx, wake); /* sets wake */
				break;
			}
			gate = now;
			if (!po_shared_gate_enter(h->o.gate, now, &gate)) {
				h->stats.paced_waits++;
				if (gate < *wake)
					*wake = gate;
				break;
			}
		} else {
			gate = po_ratelimit_next_start(&h->rl, now);
			if (gate > now) {
				if (h->nretries || run->fresh < run->n)
					h->stats.paced_waits++;
				if (gate < *wake)
					*wake = gate;
				break;
			}
		}
		if (h->o.endpoints && po_endpoints_pick(h->o.endpoints, now, wake) < 0) {
			if (h->o.gate)
				po_shared_gate_leave(h->o.gate);
			break;
		}
		if (!next_call(h, &run->fresh, run->n, now, &idx, wake)) {
			if (h->o.gate)
				po_shared_gate_leave(h->o.gate);
			break;
		}
		if (!calls[idx].attempts)
			run->t0[idx] = now;
		if (start(h, free_slot(h), &calls[idx], idx, now) < 0) {
			set_error(&calls[idx], "cannot start the HTTP call (libcurl)");
			calls[idx].outcome = PO_HTTP_FAILED;
			run->finished[idx] = true;
			run->done++;
			continue;
		}
		run->active++;
	}
}

/* Finished calls may bring follow-ups, which join the run at its end; their
 * slots went to waiting calls first, so the feed's work delays no start. */
static void feed_ready(struct po_http *h, struct run *run)
{
	double now = po_time_mono_ms(), wake = now + POLL_SLICE_MS;

	if (!run->nready || run->fatal) {
		run->nready = 0; /* after a fatal answer the run is abandoned */
		return;
	}
	start_due(h, run, now, &wake);
	if (run->active > h->stats.max_in_flight)
		h->stats.max_in_flight = run->active;
	for (size_t k = 0; k < run->nready && !run->fatal; k++) {
		size_t n = run->n;

		run->feed->done(run->feed->ud, run->ready[k], run->calls, &n, run->cap);
		if (n > run->cap)
			n = run->cap;
		reset_calls(run->calls, run->n, n);
		run->n = n;
	}
	run->nready = 0;
}

/* Takes the attempts libcurl finished; true when there were any. */
static bool collect_done(struct po_http *h, struct run *run)
{
	bool progressed = false;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(h->multi, &left))) {
		struct slot *s = NULL;
		double now;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		now = po_time_mono_ms();
		run->active--;
		progressed = true;
		if (finish_attempt(h, s, msg->data.result, now, &run->fatal)) {
			run->calls[s->index].latency_ms = now - run->t0[s->index];
			run->finished[s->index] = true;
			run->done++;
			if (run->feed && !run->fatal)
				run->ready[run->nready++] = s->index;
		}
	}
	return progressed;
}

int po_http_run(struct po_http *h, struct po_http_call *calls, size_t n, struct po_err *err)
{
	return po_http_run_feed(h, calls, &n, n, NULL, err);
}

int po_http_run_feed(struct po_http *h, struct po_http_call *calls, size_t *np, size_t cap,
		     const struct po_http_feed *feed, struct po_err *err)
{
	struct run run = {
		.calls = calls, .n = *np, .cap = cap < *np ? *np : cap, .feed = feed,
		.t0 = po_xcalloc(cap > *np ? cap : (*np ? *np : 1), sizeof(double)),
		.finished = po_xcalloc(cap > *np ? cap : (*np ? *np : 1), sizeof(bool)),
		.ready = feed ? po_xcalloc(cap > *np ? cap : (*np ? *np : 1), sizeof(size_t)) : NULL,
	};
	int ret = 0;

	reset_calls(calls, 0, run.n);
	h->nretries = 0;
	while (run.done < run.n) {
		double now = po_time_mono_ms(), wake = now + POLL_SLICE_MS;
		int running, timeout;

		if (h->o.interrupt && *h->o.interrupt) {
			abandon(h, calls, run.n, "interrupted before an answer arrived");
			ret = po_error(err, PO_EINTR, "interrupted with %zu of %zu calls unanswered",
				       run.n - run.done, run.n);
			break;
		}
		if (run.fatal) {
			abandon(h, calls, run.n, "not sent: an earlier call failed for every call");
			break;
		}
		start_due(h, &run, now, &wake);
		if (run.active > h->stats.max_in_flight)
			h->stats.max_in_flight = run.active;

		if (h->timer_at >= 0 && h->timer_at <= po_time_mono_ms()) {
			h->timer_at = -1;
			curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
		}
		if (collect_done(h, &run)) {
			feed_ready(h, &run);
			continue;
		}
		if (run.done >= run.n)
			continue;
		now = po_time_mono_ms();
		if (h->timer_at >= 0 && h->timer_at < wake)
			wake = h->timer_at;
		timeout = wake > now ? (int)(wake - now) + 1 : 0;
		if (timeout > POLL_SLICE_MS)
			timeout = POLL_SLICE_MS;
		wait_sockets(h, timeout);
	}
	for (size_t i = 0; i < run.n; i++)
		if (!run.finished[i] && calls[i].outcome == PO_HTTP_NOT_SENT && run.t0[i] > 0)
			calls[i].latency_ms = po_time_mono_ms() - run.t0[i];
	*np = run.n;
	free(run.t0);
	free(run.finished);
	free(run.ready);
	return ret;
}
