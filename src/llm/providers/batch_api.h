/*
 * The provider batch APIs (Anthropic Message Batches, OpenAI Batch): a
 * provider's calls of the batch roles are submitted as one provider batch,
 * polled with backoff until it ends, and its results joined back by
 * custom_id. What each API differs in is a struct po_batch_kind
 * (batch_anthropic.c, batch_openai.c); the rest is batch_api.c.
 *
 * Ownership: ids and texts returned are new strings (the caller frees
 * them); the api struct and requests are borrowed.
 */
#ifndef PO_BATCH_API_H
#define PO_BATCH_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "llm/providers/http_api.h"
#include "promptopt.h"
#include "util/buf.h"

/* Where a batch is, as a poll saw it. */
enum po_batch_phase {
	PO_BATCH_PENDING,   /* validating, in progress, finalizing, canceling */
	PO_BATCH_ENDED,     /* results can be fetched (some may be errors) */
	PO_BATCH_FAILED,    /* the provider refused the batch as a whole */
};

struct po_batch_status {
	enum po_batch_phase phase;
	char *detail;       /* FAILED: why (the provider's words, a line number) */
	char *results[2];   /* ENDED: what to fetch (API-specific URLs or file ids) */
};

void po_batch_status_release(struct po_batch_status *st);

/* One line of the results, as a kind reads it. */
struct po_batch_line {
	char *custom_id;    /* NULL: the line has none */
	char *reply;        /* the reply body as parse_reply() takes it, or NULL */
	char *error;        /* why there is no reply (errored, expired, canceled) */
};

struct po_batch_kind {
	const char *what;   /* "message batch", "batch" */
	/* Creates the batch of the n request bodies bodies[i] with custom ids
	 * "r<i>": *id (new), or a negative status with err naming what the
	 * provider said. */
	int (*create)(struct po_http_api *a, char *const *bodies, size_t n, char **id,
		      struct po_err *err);
	/* One poll of batch id into *st (zeroed by the caller). */
	int (*poll)(struct po_http_api *a, const char *id, struct po_batch_status *st,
		    struct po_err *err);
	/* Appends the results (JSONL) of an ended batch to out. */
	int (*fetch)(struct po_http_api *a, const char *id, const struct po_batch_status *st,
		     struct po_buf *out, struct po_err *err);
	/* Reads one parsed results line into *line (zeroed by the caller):
	 * 0, or -1 when it has not the API's shape (err says what is missing). */
	int (*read_line)(const json_t *v, struct po_batch_line *line, struct po_err *err);
};

extern const struct po_batch_kind po_batch_anthropic;
extern const struct po_batch_kind po_batch_openai;

/*
 * po_http_api_complete() with the calls of a->batch_roles submitted as one
 * provider batch (the others go as ordinary calls): the batch is created
 * (or, when a->batch_state names a pending batch of the same requests,
 * polled again instead), polled with backoff until it ends, its results
 * joined by custom_id. Answers from the batch have out[i].batch set.
 * Requests whose result is an error, expired, canceled or missing are sent
 * again as ordinary calls. A results line that does not parse or names an
 * unknown custom_id fails the call (PO_ELLM, naming the batch and the
 * line) after the answers that did arrive are put in out[]. PO_EINTR when
 * interrupted while waiting (the batch stays pending: a resumed run polls
 * it).
 */
int po_batch_complete(struct po_http_api *a, const struct po_llm_request *reqs,
		      struct po_llm_response *out, size_t n, struct po_err *err);

/*
 * Joins the results text (JSONL, len bytes) of batch id to its m requests:
 * out[k] and got[k] set for each answer of custom_id "r<k>" (priced as a
 * batch answer, latency_ms each). 0, or PO_ELLM naming the batch and the
 * first line that does not parse, has not the API's shape, names an
 * unknown custom_id or repeats one (the other lines are joined all the
 * same).
 */
int po_batch_join(struct po_http_api *a, const char *id, const char *text, size_t len,
		  struct po_llm_response *out, size_t m, bool *got, double latency_ms,
		  struct po_err *err);

/* ---- helpers for the kinds (batch_api.c) ---- */

/* Runs one call (a GET when body is NULL) with the api's transport and
 * headers, or `headers` when not NULL. 0 and c filled (read c->outcome). */
int po_batch_http(struct po_http_api *a, const char *url, const char *body, size_t len,
		  const struct curl_slist *headers, struct po_http_call *c, struct po_err *err);
/* The api's JSON reply of a call that went through, or NULL with err set
 * ("<name>: <doing>: HTTP ...; what to do"). Caller decrefs. */
json_t *po_batch_reply(struct po_http_api *a, struct po_http_call *c, const char *doing,
		       struct po_err *err);
/* The api's URL with its last `strip` path part(s) replaced by `path`:
 * ".../v1/messages" + "messages/batches". New string. */
char *po_batch_url(const struct po_http_api *a, const char *strip, const char *path);

#endif
