/*
 * The LLM engine: every call of a run goes through here. It routes each
 * request of a batch to the provider of its role, keeps per-role accounting,
 * and is the one place later layers (cache, journal, budget) hook into.
 */
#include "llm/llm.h"

#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/timeutil.h"

struct po_engine {
	struct po_provider *roles[PO_ROLE_COUNT];
	struct po_engine_stats stats;
};

struct po_engine *po_engine_new(struct po_provider *roles[PO_ROLE_COUNT])
{
	struct po_engine *e = po_xcalloc(1, sizeof(*e));

	memcpy(e->roles, roles, sizeof(e->roles));
	return e;
}

void po_engine_free(struct po_engine *e)
{
	if (!e)
		return;
	for (int i = 0; i < PO_ROLE_COUNT; i++) {
		struct po_provider *p = e->roles[i];
		if (!p)
			continue;
		/* A provider shared by several roles is freed once. */
		for (int j = i + 1; j < PO_ROLE_COUNT; j++)
			if (e->roles[j] == p)
				e->roles[j] = NULL;
		p->ops->free(p);
	}
	free(e);
}

static void account(struct po_engine *e, const struct po_llm_request *req,
		    const struct po_llm_response *resp)
{
	struct po_engine_stats *s = &e->stats;

	s->calls[req->role]++;
	if (resp->error || !resp->content)
		s->failures[req->role]++;
	s->input_tokens[req->role] += resp->input_tokens;
	s->output_tokens[req->role] += resp->output_tokens;
	s->latency_ms[req->role] += resp->latency_ms;
}

/*
 * A batch may mix roles; requests are grouped into runs of the same provider
 * so that each provider sees whole batches it can run concurrently.
 */
int po_engine_complete(struct po_engine *e, const struct po_llm_request *reqs,
		       struct po_llm_response *out, size_t n, struct po_err *err)
{
	size_t i = 0;

	memset(out, 0, n * sizeof(*out));
	while (i < n) {
		struct po_provider *p = e->roles[reqs[i].role];
		size_t j = i + 1;
		int ret;

		while (j < n && e->roles[reqs[j].role] == p)
			j++;
		ret = p->ops->complete(p, reqs + i, out + i, j - i, err);
		if (ret < 0)
			return ret;
		for (size_t k = i; k < j; k++)
			account(e, &reqs[k], &out[k]);
		i = j;
	}
	return 0;
}

const struct po_engine_stats *po_engine_stats(const struct po_engine *e)
{
	return &e->stats;
}

long po_engine_total_calls(const struct po_engine *e)
{
	long t = 0;

	for (int i = 0; i < PO_ROLE_COUNT; i++)
		t += e->stats.calls[i];
	return t;
}

struct po_provider *po_engine_provider(struct po_engine *e, enum po_role r)
{
	return e->roles[r];
}
