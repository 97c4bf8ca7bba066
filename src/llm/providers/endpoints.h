/*
 * Several endpoints behind one provider (replicas of one model, e.g. vLLM):
 * which endpoint the next call goes to (the least outstanding calls among
 * those up), and their health: an endpoint is taken out after consecutive
 * connection failures and probed back in by one call once its time out
 * has passed (doubling, up to 30 s). Pure bookkeeping: the HTTP transport
 * (http.c) calls it with the time.
 *
 * Ownership: URLs are borrowed (the provider owns them).
 */
#ifndef PO_ENDPOINTS_H
#define PO_ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>

/* Consecutive connection failures that take an endpoint out. */
#define PO_ENDPOINT_MAX_FAILS 3

struct po_endpoint {
	const char *url;
	int in_flight;
	int fails;            /* consecutive connection failures */
	double out_until;     /* taken out until then (monotonic ms); 0: up */
	double backoff_ms;    /* the next time out */
	bool probing;         /* out, one call in flight to see if it is back */
	long calls;           /* attempts sent */
	long errors;          /* attempts that failed to connect or broke off */
};

struct po_endpoints {
	struct po_endpoint *v;
	size_t n;
	int per_endpoint;     /* calls in flight per endpoint */
	size_t next;          /* where the search for a tie starts (round robin) */
};

void po_endpoints_init(struct po_endpoints *e, const char *const *urls, size_t n,
		       int per_endpoint);
void po_endpoints_release(struct po_endpoints *e);
/* The endpoint for a call starting at now, or -1 when none may take one;
 * *wake comes down to when one may. */
int po_endpoints_pick(struct po_endpoints *e, double now, double *wake);
void po_endpoints_started(struct po_endpoints *e, int i, double now);
/* An attempt on endpoint i ended: conn_failed when no answer came (refused,
 * reset, timed out). */
void po_endpoints_done(struct po_endpoints *e, int i, bool conn_failed, double now);
/* An attempt on endpoint i was abandoned (interrupt): it says nothing. */
void po_endpoints_dropped(struct po_endpoints *e, int i);
/* True when an endpoint other than i is up at now. */
bool po_endpoints_other_up(const struct po_endpoints *e, int i, double now);

#endif
