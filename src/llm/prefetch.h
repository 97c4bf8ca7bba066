/*
 * Answers of calls made ahead of their batch (pipelined evaluation, see
 * po_engine_complete_then()): each waits under its cache key until the
 * batch that asks for the same request takes it.
 *
 * Ownership: the store owns the responses it holds; a taken response
 * belongs to the caller.
 */
#ifndef PO_PREFETCH_H
#define PO_PREFETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "llm/providers/provider.h"

struct po_prefetch_item {
	char key[65];
	enum po_role role;
	char *model;        /* the model asked for, or NULL */
	unsigned sample;
	bool reserved;      /* paid for: counted against the call limits */
	bool taken;         /* handed out; the slot is reused when all are */
	struct po_llm_response resp;
};

struct po_prefetch {
	struct po_prefetch_item *items;
	size_t n, alloc;
	size_t first;       /* items before it are all taken */
	size_t held;        /* items not taken */
};

/* Keeps resp (taken over; *resp is zeroed) under key for a request. */
void po_prefetch_add(struct po_prefetch *pf, const char *key,
		     const struct po_llm_request *req, bool reserved,
		     struct po_llm_response *resp);
/* Takes the oldest answer held under key into *out: true, or false when
 * there is none. *reserved says whether it was paid for. */
bool po_prefetch_take(struct po_prefetch *pf, const char *key, struct po_llm_response *out,
		      bool *reserved);
/* Frees everything held (taken items are the caller's). */
void po_prefetch_release(struct po_prefetch *pf);

#endif
