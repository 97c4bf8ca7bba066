/*
 * The HTTP transport (see http.h): one libcurl multi handle per provider,
 * a pool of easy handles (one per slot of concurrency), a scheduler loop
 * that starts calls as slots, backoff timers and the rate-limit state allow.
 * Sockets are watched with epoll and driven with curl_multi_socket_action(),
 * so a wake-up costs what its ready sockets need, not a pass over every
 * call in flight (curl_multi_poll() and curl_multi_perform() are O(calls)).
 */
#include "llm/providers/http.h"
#include "llm/providers/prices.h"
#include "llm/providers/provider.h"
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
	curl_easy_setopt(s->easy, CURLOPT_URL, c->url);
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, c->body ? c->body : "");
	/* Over TLS, wait for a connection that may multiplex rather than open
	 * one per call; plain http:// is HTTP/1.1 here, where waiting gains
	 * nothing. */
	curl_easy_setopt(s->easy, CURLOPT_PIPEWAIT,
			 (long)(c->url && !strncasecmp(c->url, "https:", 6)));
	if (curl_multi_add_handle(h->multi, s->easy) != CURLM_OK) {
		s->busy = false;
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

int po_http_run(struct po_http *h, struct po_http_call *calls, size_t n, struct po_err *err)
{
	size_t fresh = 0, done = 0;
	int active = 0, ret = 0;
	bool fatal = false;
	double *t0 = po_xcalloc(n ? n : 1, sizeof(*t0));
	bool *finished = po_xcalloc(n ? n : 1, sizeof(*finished));

	for (size_t i = 0; i < n; i++) {
		calls[i].outcome = PO_HTTP_NOT_SENT;
		calls[i].status = 0;
		calls[i].attempts = 0;
		calls[i].retryable = false;
		calls[i].latency_ms = 0;
		calls[i].response = (struct po_buf)PO_BUF_INIT;
		calls[i].error = calls[i].request_id = NULL;
	}
	h->nretries = 0;
	while (done < n) {
		double now = po_time_mono_ms(), wake = now + POLL_SLICE_MS, gate;
		int running, left;
		CURLMsg *msg;
		size_t idx;

		if (h->o.interrupt && *h->o.interrupt) {
			abandon(h, calls, n, "interrupted before an answer arrived");
			ret = po_error(err, PO_EINTR, "interrupted with %zu of %zu calls unanswered",
				       n - done, n);
			break;
		}
		if (fatal) {
			abandon(h, calls, n, "not sent: an earlier call failed for every call");
			break;
		}
		/* Start what the slots, the timers and the rate limits allow. */
		while (active < h->nslots) {
			if (h->o.gate) {
				/* The endpoint's slots and rate limits, shared with the
				 * other experiments of a batch. */
				if (!work_due(h, fresh, n, now)) {
					next_call(h, &fresh, n, now, &idx, &wake); /* sets wake */
					break;
				}
				gate = now;
				if (!po_shared_gate_enter(h->o.gate, now, &gate)) {
					h->stats.paced_waits++;
					if (gate < wake)
						wake = gate;
					break;
				}
			} else {
				gate = po_ratelimit_next_start(&h->rl, now);
				if (gate > now) {
					if (h->nretries || fresh < n)
						h->stats.paced_waits++;
					if (gate < wake)
						wake = gate;
					break;
				}
			}
			if (!next_call(h, &fresh, n, now, &idx, &wake)) {
				if (h->o.gate)
					po_shared_gate_leave(h->o.gate);
				break;
			}
			if (!calls[idx].attempts)
				t0[idx] = now;
			if (start(h, free_slot(h), &calls[idx], idx, now) < 0) {
				set_error(&calls[idx], "cannot start the HTTP call (libcurl)");
				calls[idx].outcome = PO_HTTP_FAILED;
				finished[idx] = true;
				done++;
				continue;
			}
			active++;
		}
		if (active > h->stats.max_in_flight)
			h->stats.max_in_flight = active;

		if (h->timer_at >= 0 && h->timer_at <= po_time_mono_ms()) {
			h->timer_at = -1;
			curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
		}
		bool progressed = false;
		while ((msg = curl_multi_info_read(h->multi, &left))) {
			struct slot *s = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			now = po_time_mono_ms();
			active--;
			progressed = true;
			if (finish_attempt(h, s, msg->data.result, now, &fatal)) {
				calls[s->index].latency_ms = now - t0[s->index];
				finished[s->index] = true;
				done++;
			}
		}
		if (progressed || done >= n)
			continue;
		now = po_time_mono_ms();
		if (h->timer_at >= 0 && h->timer_at < wake)
			wake = h->timer_at;
		int timeout = wake > now ? (int)(wake - now) + 1 : 0;
		if (timeout > POLL_SLICE_MS)
			timeout = POLL_SLICE_MS;
		wait_sockets(h, timeout);
	}
	for (size_t i = 0; i < n; i++)
		if (!finished[i] && calls[i].outcome == PO_HTTP_NOT_SENT && t0[i] > 0)
			calls[i].latency_ms = po_time_mono_ms() - t0[i];
	free(t0);
	free(finished);
	return ret;
}

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
	}
}

json_t *po_http_salvage_object(const char *body, size_t len, const char *key)
{
	size_t klen = strlen(key);
	json_t *found = NULL;

	for (size_t i = 0; body && i + klen + 2 <= len; i++) {
		size_t j = i + klen + 2, end, depth = 0;
		bool str = false, esc = false;
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
		for (end = j; end < len; end++) {
			char ch = body[end];

			if (str) {
				if (esc)
					esc = false;
				else if (ch == '\\')
					esc = true;
				else if (ch == '"')
					str = false;
			} else if (ch == '"') {
				str = true;
			} else if (ch == '{') {
				depth++;
			} else if (ch == '}' && --depth == 0) {
				break;
			}
		}
		if (end >= len)
			break; /* the object never closes: nothing later can either */
		o = json_loadb(body + j, end - j + 1, 0, NULL);
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
