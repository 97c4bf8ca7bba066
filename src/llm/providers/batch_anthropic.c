/*
 * Anthropic's Message Batches API as a struct po_batch_kind: create with
 * POST /v1/messages/batches, poll GET /v1/messages/batches/{id} until its
 * processing_status is "ended", then read its results_url (JSONL, one
 * {"custom_id", "result": {"type", "message" | "error"}} per request).
 */
#include "llm/providers/batch_api.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

static char *batches_url(const struct po_http_api *a, const char *id, const char *tail)
{
	char *base = po_batch_url(a, "messages", "messages/batches");
	struct po_buf b = PO_BUF_INIT;

	po_buf_adds(&b, base);
	if (id) {
		po_buf_addch(&b, '/');
		po_buf_adds(&b, id);
	}
	if (tail)
		po_buf_adds(&b, tail);
	free(base);
	return po_buf_detach(&b);
}

static int batch_create(struct po_http_api *a, char *const *bodies, size_t n, char **id,
		  struct po_err *err)
{
	struct po_buf body = PO_BUF_INIT, doing = PO_BUF_INIT;
	struct po_http_call c;
	char *url = batches_url(a, NULL, NULL);
	json_t *v = NULL;
	int ret;

	/* The bodies are JSON already: the envelope is written around them. */
	po_buf_adds(&body, "{\"requests\":[");
	for (size_t i = 0; i < n; i++)
		po_buf_addf(&body, "%s{\"custom_id\":\"r%zu\",\"params\":%s}", i ? "," : "", i,
			    bodies[i]);
	po_buf_adds(&body, "]}");
	po_buf_addf(&doing, "creating a message batch of %zu requests", n);
	ret = po_batch_http(a, url, body.data, body.len, NULL, &c, err);
	if (!ret) {
		v = po_batch_reply(a, &c, doing.data, err);
		if (!v)
			ret = PO_ELLM;
	}
	if (!ret && !json_is_string(json_object_get(v, "id")))
		ret = po_error(err, PO_ELLM, "%s: %s: the reply has no batch \"id\"", a->name,
			       doing.data);
	if (!ret)
		*id = po_xstrdup(json_string_value(json_object_get(v, "id")));
	json_decref(v);
	po_http_call_release(&c);
	po_buf_release(&body);
	po_buf_release(&doing);
	free(url);
	return ret;
}

static int batch_poll(struct po_http_api *a, const char *id, struct po_batch_status *st,
		struct po_err *err)
{
	struct po_buf doing = PO_BUF_INIT;
	struct po_http_call c;
	char *url = batches_url(a, id, NULL);
	const char *phase, *results;
	json_t *v = NULL;
	int ret;

	po_buf_addf(&doing, "polling message batch %s", id);
	ret = po_batch_http(a, url, NULL, 0, NULL, &c, err);
	if (!ret && !(v = po_batch_reply(a, &c, doing.data, err)))
		ret = PO_ELLM;
	if (!ret) {
		phase = po_json_str(v, "processing_status", NULL);
		results = po_json_str(v, "results_url", NULL);
		if (!phase)
			ret = po_error(err, PO_ELLM, "%s: %s: the reply has no \"processing_status\"",
				       a->name, doing.data);
		else if (!strcmp(phase, "ended"))
			st->phase = PO_BATCH_ENDED;
		else
			st->phase = PO_BATCH_PENDING;
		if (results)
			st->results[0] = po_xstrdup(results);
	}
	json_decref(v);
	po_http_call_release(&c);
	po_buf_release(&doing);
	free(url);
	return ret;
}

static int batch_fetch(struct po_http_api *a, const char *id, const struct po_batch_status *st,
		 struct po_buf *out, struct po_err *err)
{
	struct po_buf doing = PO_BUF_INIT;
	struct po_http_call c;
	char *url = st->results[0] ? po_xstrdup(st->results[0]) : batches_url(a, id, "/results");
	int ret;

	po_buf_addf(&doing, "fetching the results of message batch %s", id);
	ret = po_batch_http(a, url, NULL, 0, NULL, &c, err);
	if (!ret && c.outcome != PO_HTTP_OK) {
		json_decref(po_batch_reply(a, &c, doing.data, err));
		ret = PO_ELLM;
	}
	if (!ret)
		po_buf_add(out, c.response.data, c.response.len);
	po_http_call_release(&c);
	po_buf_release(&doing);
	free(url);
	return ret;
}

static int read_line(const json_t *v, struct po_batch_line *line, struct po_err *err)
{
	const json_t *res = json_object_get(v, "result");
	const char *cid = po_json_str(v, "custom_id", NULL);
	const char *type = po_json_str(res, "type", NULL);

	if (!cid || !type)
		return po_error(err, PO_ELLM,
				"expected an object with \"custom_id\" and \"result\": {\"type\"}");
	line->custom_id = po_xstrdup(cid);
	if (!strcmp(type, "succeeded")) {
		const json_t *msg = json_object_get(res, "message");

		if (!json_is_object(msg)) {
			free(line->custom_id);
			line->custom_id = NULL;
			return po_error(err, PO_ELLM, "a succeeded result without a \"message\" object");
		}
		line->reply = json_dumps(msg, JSON_COMPACT);
		if (!line->reply)
			po_oom(0);
		return 0;
	}
	/* errored, canceled, expired: the request is sent again. */
	line->error = po_xstrdup(type);
	return 0;
}

const struct po_batch_kind po_batch_anthropic = {
	.what = "message batch",
	.create = batch_create,
	.poll = batch_poll,
	.fetch = batch_fetch,
	.read_line = read_line,
};
