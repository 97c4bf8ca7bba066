/*
 * OpenAI's Batch API as a struct po_batch_kind: the requests go up as a
 * JSONL file (POST /v1/files, purpose "batch"), POST /v1/batches makes the
 * batch, GET /v1/batches/{id} is polled until it completes, expires or is
 * cancelled, and its output and error files (GET /v1/files/{id}/content)
 * hold one {"custom_id", "response": {"status_code", "body"}, "error"} each.
 */
#include "llm/providers/batch_api.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

#define ENDPOINT "/v1/chat/completions"

static char *api_url(const struct po_http_api *a, const char *path)
{
	return po_batch_url(a, "chat/completions", path);
}

/* The api's headers with a multipart Content-Type instead of JSON. */
static struct curl_slist *upload_headers(const struct po_http_api *a, const char *boundary)
{
	struct curl_slist *l = NULL, *t;
	struct po_buf ct = PO_BUF_INIT;

	for (const struct curl_slist *h = a->headers; h; h = h->next) {
		if (!strncasecmp(h->data, "Content-Type:", 13))
			continue;
		if (!(t = curl_slist_append(l, h->data)))
			po_oom(strlen(h->data));
		l = t;
	}
	po_buf_addf(&ct, "Content-Type: multipart/form-data; boundary=%s", boundary);
	if (!(t = curl_slist_append(l, ct.data)))
		po_oom(ct.len);
	po_buf_release(&ct);
	return t;
}

/* The file of requests, one JSON line each, in a multipart form. */
static void upload_body(char *const *bodies, size_t n, struct po_buf *b, char *boundary,
			size_t bsize)
{
	struct po_buf file = PO_BUF_INIT;
	unsigned k = 0;

	for (size_t i = 0; i < n; i++)
		po_buf_addf(&file,
			    "{\"custom_id\":\"r%zu\",\"method\":\"POST\",\"url\":\"" ENDPOINT "\",\"body\":%s}\n",
			    i, bodies[i]);
	/* A boundary the file does not hold (JSON lines hardly would). */
	do
		snprintf(boundary, bsize, "promptopt-batch-%08x", 0x5eed0000u + k++);
	while (memmem(file.data, file.len, boundary, strlen(boundary)));
	po_buf_addf(b, "--%s\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n",
		    boundary);
	po_buf_addf(b, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"promptopt_batch.jsonl\"\r\n"
		    "Content-Type: application/jsonl\r\n\r\n", boundary);
	po_buf_add(b, file.data, file.len);
	po_buf_addf(b, "\r\n--%s--\r\n", boundary);
	po_buf_release(&file);
}

/* A call whose JSON reply carries a string "id": *id (new). */
static int call_for_id(struct po_http_api *a, const char *url, const struct po_buf *body,
		       const struct curl_slist *headers, const char *doing, char **id,
		       struct po_err *err)
{
	struct po_http_call c;
	json_t *v = NULL;
	int ret = po_batch_http(a, url, body->data, body->len, headers, &c, err);

	if (!ret && !(v = po_batch_reply(a, &c, doing, err)))
		ret = PO_ELLM;
	if (!ret && !json_is_string(json_object_get(v, "id")))
		ret = po_error(err, PO_ELLM, "%s: %s: the reply has no \"id\"", a->name, doing);
	if (!ret)
		*id = po_xstrdup(json_string_value(json_object_get(v, "id")));
	json_decref(v);
	po_http_call_release(&c);
	return ret;
}

static int batch_create(struct po_http_api *a, char *const *bodies, size_t n, char **id,
			struct po_err *err)
{
	struct po_buf body = PO_BUF_INIT, doing = PO_BUF_INIT;
	char boundary[64], *file_id = NULL;
	char *files = api_url(a, "files"), *batches = api_url(a, "batches");
	struct curl_slist *h;
	int ret;

	upload_body(bodies, n, &body, boundary, sizeof(boundary));
	h = upload_headers(a, boundary);
	po_buf_addf(&doing, "uploading the file of a batch of %zu requests", n);
	ret = call_for_id(a, files, &body, h, doing.data, &file_id, err);
	curl_slist_free_all(h);
	if (!ret) {
		po_buf_reset(&body);
		po_buf_adds(&body, "{\"input_file_id\":");
		po_json_escape(&body, file_id);
		po_buf_adds(&body, ",\"endpoint\":\"" ENDPOINT "\",\"completion_window\":\"24h\"}");
		po_buf_reset(&doing);
		po_buf_addf(&doing, "creating a batch of %zu requests (file %s)", n, file_id);
		ret = call_for_id(a, batches, &body, NULL, doing.data, id, err);
	}
	free(file_id);
	free(files);
	free(batches);
	po_buf_release(&body);
	po_buf_release(&doing);
	return ret;
}

/* "line 2: invalid_json_line: ..." of a batch that failed validation. */
static char *failed_detail(const json_t *v)
{
	const json_t *e = json_array_get(json_object_get(json_object_get(v, "errors"), "data"), 0);
	const json_t *line = json_object_get(e, "line");
	struct po_buf b = PO_BUF_INIT;

	if (json_is_integer(line))
		po_buf_addf(&b, "input line %lld: ", (long long)json_integer_value(line));
	po_buf_adds(&b, po_json_str(e, "code", "failed"));
	if (po_json_str(e, "message", NULL)) {
		po_buf_adds(&b, ": ");
		po_buf_adds(&b, po_json_str(e, "message", ""));
	}
	return po_buf_detach(&b);
}

static int batch_poll(struct po_http_api *a, const char *id, struct po_batch_status *st,
		      struct po_err *err)
{
	struct po_buf doing = PO_BUF_INIT, path = PO_BUF_INIT;
	struct po_http_call c;
	const char *status;
	char *url;
	json_t *v = NULL;
	int ret;

	po_buf_addf(&path, "batches/%s", id);
	url = api_url(a, path.data);
	po_buf_addf(&doing, "polling batch %s", id);
	ret = po_batch_http(a, url, NULL, 0, NULL, &c, err);
	if (!ret && !(v = po_batch_reply(a, &c, doing.data, err)))
		ret = PO_ELLM;
	status = ret ? NULL : po_json_str(v, "status", NULL);
	if (!ret && !status) {
		ret = po_error(err, PO_ELLM, "%s: %s: the reply has no \"status\"", a->name, doing.data);
	} else if (!ret && !strcmp(status, "failed")) {
		st->phase = PO_BATCH_FAILED;
		st->detail = failed_detail(v);
	} else if (!ret && (!strcmp(status, "completed") || !strcmp(status, "expired") ||
			    !strcmp(status, "cancelled"))) {
		const char *out = po_json_str(v, "output_file_id", NULL);
		const char *errf = po_json_str(v, "error_file_id", NULL);

		st->phase = PO_BATCH_ENDED;
		st->results[0] = out ? po_xstrdup(out) : NULL;
		st->results[1] = errf ? po_xstrdup(errf) : NULL;
	} else if (!ret) {
		st->phase = PO_BATCH_PENDING;
	}
	json_decref(v);
	po_http_call_release(&c);
	po_buf_release(&doing);
	po_buf_release(&path);
	free(url);
	return ret;
}

static int fetch_file(struct po_http_api *a, const char *id, const char *file,
		      struct po_buf *out, struct po_err *err)
{
	struct po_buf doing = PO_BUF_INIT, path = PO_BUF_INIT;
	struct po_http_call c;
	char *url;
	int ret;

	po_buf_addf(&path, "files/%s/content", file);
	url = api_url(a, path.data);
	po_buf_addf(&doing, "fetching file %s of batch %s", file, id);
	ret = po_batch_http(a, url, NULL, 0, NULL, &c, err);
	if (!ret && c.outcome != PO_HTTP_OK) {
		json_decref(po_batch_reply(a, &c, doing.data, err));
		ret = PO_ELLM;
	}
	if (!ret) {
		po_buf_add(out, c.response.data, c.response.len);
		if (out->len && out->data[out->len - 1] != '\n')
			po_buf_addch(out, '\n');
	}
	po_http_call_release(&c);
	po_buf_release(&doing);
	po_buf_release(&path);
	free(url);
	return ret;
}

static int fetch_both(struct po_http_api *a, const char *id, const struct po_batch_status *st,
		      struct po_buf *out, struct po_err *err)
{
	int ret = 0;

	/* Answers first, then errors: the requests of neither are sent again. */
	for (int i = 0; i < 2 && !ret; i++)
		if (st->results[i])
			ret = fetch_file(a, id, st->results[i], out, err);
	return ret;
}

static int read_line(const json_t *v, struct po_batch_line *line, struct po_err *err)
{
	const char *cid = po_json_str(v, "custom_id", NULL);
	const json_t *resp = json_object_get(v, "response");
	const json_t *body = json_object_get(resp, "body");
	const json_t *code = json_object_get(resp, "status_code");

	if (!cid)
		return po_error(err, PO_ELLM,
				"expected an object with \"custom_id\" and \"response\" or \"error\"");
	line->custom_id = po_xstrdup(cid);
	if (json_is_integer(code) && json_integer_value(code) == 200 && json_is_object(body)) {
		line->reply = json_dumps(body, JSON_COMPACT);
		if (!line->reply)
			po_oom(0);
		return 0;
	}
	/* A failed request, an expired or cancelled one: sent again. */
	line->error = po_xstrdup(po_json_str(json_object_get(v, "error"), "code", "failed"));
	return 0;
}

const struct po_batch_kind po_batch_openai = {
	.what = "batch",
	.create = batch_create,
	.poll = batch_poll,
	.fetch = fetch_both,
	.read_line = read_line,
};
