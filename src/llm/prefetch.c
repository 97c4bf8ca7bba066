/*
 * The store of answers made ahead of their batch (see prefetch.h): a list in
 * the order they came, searched by key from the first one not taken; a batch
 * asks for them in about that order, so a search is short.
 */
#include "llm/prefetch.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

void po_prefetch_add(struct po_prefetch *pf, const char *key,
		     const struct po_llm_request *req, bool reserved,
		     struct po_llm_response *resp)
{
	struct po_prefetch_item *it;

	if (!pf->held)
		pf->n = pf->first = 0;
	if (pf->n == pf->alloc) {
		pf->alloc = pf->alloc ? 2 * pf->alloc : 16;
		pf->items = po_xrealloc(pf->items, pf->alloc * sizeof(*pf->items));
	}
	it = &pf->items[pf->n++];
	memcpy(it->key, key, sizeof(it->key));
	it->key[64] = '\0';
	it->role = req->role;
	it->model = req->model ? po_xstrdup(req->model) : NULL;
	it->sample = req->sample;
	it->reserved = reserved;
	it->taken = false;
	it->resp = *resp;
	pf->held++;
	memset(resp, 0, sizeof(*resp));
}

bool po_prefetch_take(struct po_prefetch *pf, const char *key, struct po_llm_response *out,
		      bool *reserved)
{
	for (size_t i = pf->first; pf->held && i < pf->n; i++) {
		struct po_prefetch_item *it = &pf->items[i];

		if (it->taken || memcmp(it->key, key, 64))
			continue;
		*out = it->resp;
		*reserved = it->reserved;
		free(it->model);
		it->model = NULL;
		it->taken = true;
		pf->held--;
		while (pf->first < pf->n && pf->items[pf->first].taken)
			pf->first++;
		return true;
	}
	return false;
}

void po_prefetch_release(struct po_prefetch *pf)
{
	for (size_t i = 0; i < pf->n; i++) {
		if (pf->items[i].taken)
			continue;
		free(pf->items[i].model);
		po_llm_response_release(&pf->items[i].resp);
	}
	free(pf->items);
	memset(pf, 0, sizeof(*pf));
}
