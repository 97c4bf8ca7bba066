/*
 * Endpoint choice and health for a provider with several endpoints (see
 * endpoints.h): least outstanding calls, ties taken in turn, an endpoint
 * out after PO_ENDPOINT_MAX_FAILS consecutive connection failures, back
 * after one probe call succeeds.
 */
#include "llm/providers/endpoints.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

#define FIRST_TIMEOUT_MS 1000.0
#define MAX_TIMEOUT_MS 30000.0

void po_endpoints_init(struct po_endpoints *e, const char *const *urls, size_t n,
		       int per_endpoint)
{
	memset(e, 0, sizeof(*e));
	e->v = po_xcalloc(n ? n : 1, sizeof(*e->v));
	e->n = n;
	e->per_endpoint = per_endpoint > 0 ? per_endpoint : 1;
	for (size_t i = 0; i < n; i++) {
		e->v[i].url = urls[i];
		e->v[i].backoff_ms = FIRST_TIMEOUT_MS;
	}
}

void po_endpoints_release(struct po_endpoints *e)
{
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static bool up(const struct po_endpoint *p, double now)
{
	return p->out_until <= 0 || (!p->probing && now >= p->out_until);
}

int po_endpoints_pick(struct po_endpoints *e, double now, double *wake)
{
	int best = -1;

	for (size_t k = 0; k < e->n; k++) {
		size_t i = (e->next + k) % e->n;
		struct po_endpoint *p = &e->v[i];

		if (!up(p, now)) {
			if (!p->probing && p->out_until < *wake)
				*wake = p->out_until;
			continue;
		}
		/* An endpoint out takes one probe call at a time. */
		if (p->in_flight >= (p->out_until > 0 ? 1 : e->per_endpoint))
			continue;
		if (best < 0 || p->in_flight < e->v[best].in_flight)
			best = (int)i;
	}
	return best;
}

void po_endpoints_started(struct po_endpoints *e, int i, double now)
{
	struct po_endpoint *p = &e->v[i];

	p->in_flight++;
	p->calls++;
	if (p->out_until > 0 && now >= p->out_until)
		p->probing = true;
	e->next = ((size_t)i + 1) % e->n;
}

void po_endpoints_done(struct po_endpoints *e, int i, bool conn_failed, double now)
{
	struct po_endpoint *p = &e->v[i];
	bool was_probe = p->probing;

	if (p->in_flight > 0)
		p->in_flight--;
	p->probing = false;
	if (!conn_failed) {
		p->fails = 0;
		p->out_until = 0;
		p->backoff_ms = FIRST_TIMEOUT_MS;
		return;
	}
	p->errors++;
	p->fails++;
	if (was_probe || (p->out_until <= 0 && p->fails >= PO_ENDPOINT_MAX_FAILS)) {
		p->out_until = now + p->backoff_ms;
		p->backoff_ms = p->backoff_ms * 2 > MAX_TIMEOUT_MS ? MAX_TIMEOUT_MS :
								   p->backoff_ms * 2;
	}
}

bool po_endpoints_other_up(const struct po_endpoints *e, int i, double now)
{
	for (size_t k = 0; k < e->n; k++)
		if ((int)k != i && up(&e->v[k], now))
			return true;
	return false;
}

void po_endpoints_dropped(struct po_endpoints *e, int i)
{
	if (e->v[i].in_flight > 0)
		e->v[i].in_flight--;
	e->v[i].probing = false;
}
