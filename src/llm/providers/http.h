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

#include "llm/providers/retry.h"
#include "promptopt.h"
#include "util/buf.h"

struct curl_slist;
struct po_endpoints;

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
	 * experiments at once, shared.h): every start also takes one of its
	 * slots, and its rate-limit state replaces this transport's own. NULL:
	 * this transport alone. */
	struct po_shared_gate *gate;
	/* Several endpoints (borrowed for the transport's life; NULL: none):
	 * each attempt goes to the one endpoints.h picks, whatever the call's
	 * url; slots = per_endpoint x endpoints (concurrency is not used). */
	struct po_endpoints *endpoints;
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
	bool get;                /* a GET (body unused); default a POST */
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

/*
 * A run that grows: done() is called as each call gets its outcome (not
 * after a fatal one), and may append follow-up calls at calls[*n..cap-1]
 * (inputs set), raising *n; they start as soon as a slot is free.
 */
struct po_http_feed {
	void (*done)(void *ud, size_t index, struct po_http_call *calls, size_t *n, size_t cap);
	void *ud;
};

/* po_http_run() with a feed: calls has room for cap calls, *n of them set
 * at the start; on return *n counts the appended ones too. */
int po_http_run_feed(struct po_http *h, struct po_http_call *calls, size_t *n, size_t cap,
		     const struct po_http_feed *feed, struct po_err *err);

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
