/*
 * The openai provider: Chat Completions (POST {base}/chat/completions) for
 * OpenAI and the servers that copy its API (llama.cpp, Ollama, vLLM, LM
 * Studio). Those differ in the details, so replies are read defensively:
 * `error` a string or an object, `usage` possibly missing, content null.
 */
#include "llm/providers/openai.h"

#include <stdlib.h>
#include <string.h>

#include "llm/providers/batch_api.h"
#include "llm/providers/http_api.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#define KEY_ENV PO_OPENAI_KEY_ENV
#define URL_ENV PO_OPENAI_URL_ENV

bool po_openai_model_is_reasoning(const char *model)
{
	static const char *const prefixes[] = { "o1", "o3", "o4", "gpt-5", NULL };

	for (size_t i = 0; model && prefixes[i]; i++)
		if (!strncmp(model, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static char *build_body(const struct po_llm_request *r, const char *model, bool temperature)
{
	json_t *body = json_object(), *msgs = json_array();
	bool reasoning = po_openai_model_is_reasoning(model);
	char *s;

	json_object_set_new(body, "model", json_string(model));
	if (r->system && *r->system)
		json_array_append_new(msgs, json_pack("{s:s, s:s}", "role",
						      reasoning ? "developer" : "system",
						      "content", r->system));
	json_array_append_new(msgs, json_pack("{s:s, s:s}", "role", "user", "content",
					      r->prompt ? r->prompt : ""));
	json_object_set_new(body, "messages", msgs);
	if (r->max_tokens > 0)
		json_object_set_new(body, reasoning ? "max_completion_tokens" : "max_tokens",
				    json_integer(r->max_tokens));
	if (temperature)
		json_object_set_new(body, "temperature", json_real(r->temperature));
	if (r->schema)
		json_object_set_new(body, "response_format",
				    json_pack("{s:s, s:{s:s, s:O}}", "type", "json_schema",
					      "json_schema", "name", "reply", "schema", r->schema));
	s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!s)
		po_oom(0);
	return s;
}

static long count(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_integer(v) && json_integer_value(v) > 0)
		return (long)json_integer_value(v);
	/* Some servers send counts as floats. */
	if (json_is_real(v) && json_real_value(v) > 0 && json_real_value(v) < 1e15)
		return (long)json_real_value(v);
	return 0;
}

/* A message's content: a string, or (newer servers) an array of text parts. */
static bool content_text(const json_t *content, struct po_buf *out)
{
	const json_t *part;
	size_t i;
	bool any = false;

	if (json_is_string(content)) {
		po_buf_add(out, json_string_value(content), json_string_length(content));
		return true;
	}
	json_array_foreach(content, i, part) {
		const json_t *t = json_object_get(part, "text");
		if (json_is_string(t)) {
			po_buf_add(out, json_string_value(t), json_string_length(t));
			any = true;
		}
	}
	return any;
}

static void read_usage(const json_t *usage, struct po_llm_response *out)
{
	long prompt = count(usage, "prompt_tokens");
	long cached = count(json_object_get(usage, "prompt_tokens_details"), "cached_tokens");

	if (cached > prompt)
		cached = prompt;
	/* prompt_tokens includes the cached ones, which are billed apart. */
	out->input_tokens = prompt - cached;
	out->cache_read_tokens = cached;
	out->output_tokens = count(usage, "completion_tokens");
}

int po_openai_parse_reply(const char *body, size_t len, struct po_llm_response *out,
			  struct po_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(body, len, 0, &jerr), *choice, *msg, *usage, *model;
	struct po_buf text = PO_BUF_INIT;
	int ret = 0;

	if (!root) {
		/* Billed all the same: keep the usage when it can be read. */
		usage = po_http_salvage_object(body, len, "usage");
		read_usage(usage, out);
		json_decref(usage);
		return po_error(err, PO_ELLM, "not valid JSON (line %d, column %d: %s)", jerr.line,
				jerr.column, jerr.text);
	}
	read_usage(json_object_get(root, "usage"), out);
	model = json_object_get(root, "model");
	free(out->model);
	out->model = json_is_string(model) ? po_xstrdup(json_string_value(model)) : NULL;
	if (json_object_get(root, "error") && !json_is_null(json_object_get(root, "error"))) {
		char *type = NULL, *m = NULL;
		po_openai_parse_error(body, len, &type, &m);
		ret = po_error(err, PO_ELLM, "the reply is an error: %s", m ? m : "(no message)");
		free(type);
		free(m);
		goto out;
	}
	choice = json_array_get(json_object_get(root, "choices"), 0);
	if (!json_is_object(choice)) {
		ret = po_error(err, PO_ELLM, "no \"choices\" in the reply");
		goto out;
	}
	msg = json_object_get(choice, "message");
	if (!content_text(json_object_get(msg, "content"), &text)) {
		const char *refusal = json_string_value(json_object_get(msg, "refusal"));
		const char *fin = json_string_value(json_object_get(choice, "finish_reason"));
		if (refusal)
			ret = po_error(err, PO_ELLM, "the model refused: %.300s", refusal);
		else
			ret = po_error(err, PO_ELLM, "the reply has no text (finish_reason %s)",
				       fin ? fin : "missing");
		goto out;
	}
	free(out->content);
	out->content = po_buf_detach(&text);
out:
	po_buf_release(&text);
	json_decref(root);
	return ret;
}

void po_openai_parse_error(const char *body, size_t len, char **type, char **message)
{
	json_t *root = body ? json_loadb(body, len, 0, NULL) : NULL;
	const json_t *e = json_object_get(root, "error");
	const char *t = NULL, *m = NULL;
	const json_t *code;

	if (json_is_string(e)) {
		m = json_string_value(e);              /* llama.cpp, Ollama */
	} else if (json_is_object(e)) {
		m = json_string_value(json_object_get(e, "message"));
		t = json_string_value(json_object_get(e, "type"));
		code = json_object_get(e, "code");
		/* "insufficient_quota" says more than the type "insufficient_quota". */
		if (json_is_string(code))
			t = json_string_value(code);
	}
	if (!m)
		m = json_string_value(json_object_get(root, "message"));
	if (!m)
		m = json_string_value(json_object_get(root, "detail"));  /* FastAPI servers */
	*type = t ? po_xstrdup(t) : NULL;
	*message = m ? po_xstrdup(m) : NULL;
	json_decref(root);
}

static const struct po_provider_ops openai_ops = {
	.name = "openai",
	.complete = po_http_provider_complete,
	.free = po_http_provider_free,
	.complete_chain = po_http_provider_complete_chain,
	.endpoints = po_http_provider_endpoints,
};

static char *completions_url(const char *base)
{
	return po_http_join_url(base, "chat/completions");
}

struct po_provider *po_openai_provider_new(const struct po_provider_spec *spec, struct po_err *err)
{
	static const struct po_http_api api = {
		.name = "openai",
		.key_env = KEY_ENV,
		.default_model = PO_OPENAI_DEFAULT_MODEL,
		.build_body = build_body,
		.parse_reply = po_openai_parse_reply,
		.parse_error = po_openai_parse_error,
		.rejects_temperature = po_openai_model_is_reasoning,
		.batch = &po_batch_openai,
	};
	const char *key = getenv(KEY_ENV), *base = spec->base_url;
	struct po_buf line = PO_BUF_INIT;
	struct po_provider *p;
	char **urls;
	size_t nurls;

	if (!base || !*base)
		base = getenv(URL_ENV);
	if (!base || !*base)
		base = PO_OPENAI_DEFAULT_URL;
	if (key && !*key)
		key = NULL;
	/* Local servers need no key; OpenAI itself always does. */
	if (!key && strstr(base, "api.openai.com")) {
		po_error(err, PO_ELLM,
			 "openai: %s is not set; export it (or put it in .env), or point --base-url / %s at a local server",
			 KEY_ENV, URL_ENV);
		return NULL;
	}
	if (po_http_endpoint_urls(base, completions_url, &urls, &nurls, err) < 0)
		return NULL;
	if (key)
		po_buf_addf(&line, "Authorization: Bearer %s", key);
	{
		const char *lines[] = { key ? line.data : NULL, NULL };
		p = po_http_provider_new(&openai_ops, &api, spec, key, urls, nurls, lines, err);
	}
	/* The header list holds its own copy; do not leave one lying around. */
	memset(line.data, 0, line.len);
	po_buf_release(&line);
	return p;
}
