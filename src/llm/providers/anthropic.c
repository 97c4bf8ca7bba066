/*
 * The anthropic provider: the Messages API (POST /v1/messages) over the
 * shared HTTP transport. Knows the request and reply shapes, the error shape
 * {"type":"error","error":{"type","message"}} and which models refuse a
 * temperature; retries, pacing and messages are the transport's.
 */
#include "llm/providers/anthropic.h"

#include <stdlib.h>
#include <string.h>

#include "llm/providers/batch_api.h"
#include "llm/providers/http_api.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#define KEY_ENV PO_ANTHROPIC_KEY_ENV
#define URL_ENV PO_ANTHROPIC_URL_ENV
#define DEFAULT_MAX_TOKENS 4096

bool po_anthropic_model_rejects_temperature(const char *model)
{
	/* Claude Opus 4.7 answers any temperature with a 400 ("`temperature` is
	 * deprecated for this model", Anthropic's migration guide). The price
	 * table's "temperature" flag, when it has one for the model, comes
	 * first; a model known to neither is tried (po_http_api_complete). */
	static const char *const prefixes[] = { "claude-opus-4-7", NULL };

	for (size_t i = 0; model && prefixes[i]; i++)
		if (!strncmp(model, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/*
 * The user message: one string, or with a shared prefix (cache_prefix) two
 * text blocks, the first marked for Anthropic's prompt cache, so every
 * request that shares it reads it from the cache at a tenth of the input
 * price. A prefix shorter than the model's minimum (1,024 tokens for most
 * models) is simply not cached.
 */
static json_t *user_content(const struct po_llm_request *r)
{
	const char *prompt = r->prompt ? r->prompt : "";
	size_t len = strlen(prompt);
	json_t *head, *tail;

	if (!r->cache_prefix || r->cache_prefix >= len)
		return json_string(prompt);
	head = json_stringn(prompt, r->cache_prefix);
	tail = json_string(prompt + r->cache_prefix);
	if (!head || !tail) {
		/* Not a UTF-8 boundary: no cache mark rather than a bad body. */
		json_decref(head);
		json_decref(tail);
		return json_string(prompt);
	}
	return json_pack("[{s:s, s:o, s:{s:s}}, {s:s, s:o}]", "type", "text", "text", head,
			 "cache_control", "type", "ephemeral", "type", "text", "text", tail);
}

static char *build_body(const struct po_llm_request *r, const char *model, bool temperature)
{
	json_t *body = json_object(), *msgs = json_array();
	char *s;

	json_object_set_new(body, "model", json_string(model));
	json_object_set_new(body, "max_tokens",
			    json_integer(r->max_tokens > 0 ? r->max_tokens : DEFAULT_MAX_TOKENS));
	if (r->system && *r->system)
		json_object_set_new(body, "system", json_string(r->system));
	json_array_append_new(msgs, json_pack("{s:s, s:o}", "role", "user", "content",
					      user_content(r)));
	json_object_set_new(body, "messages", msgs);
	if (temperature)
		json_object_set_new(body, "temperature", json_real(r->temperature));
	/* Structured output: a tool the model must call, its input the reply. */
	if (r->schema) {
		json_object_set_new(body, "tools",
				    json_pack("[{s:s, s:s, s:O}]", "name", "reply", "description",
					      "Give the reply as this tool's input.", "input_schema",
					      r->schema));
		json_object_set_new(body, "tool_choice", json_pack("{s:s, s:s}", "type", "tool",
								   "name", "reply"));
	}
	s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!s)
		po_oom(0);
	return s;
}

static long usage_count(const json_t *usage, const char *key)
{
	const json_t *v = json_object_get(usage, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ? (long)json_integer_value(v) : 0;
}

static void read_usage(const json_t *usage, struct po_llm_response *out)
{
	out->input_tokens = usage_count(usage, "input_tokens");
	out->output_tokens = usage_count(usage, "output_tokens");
	out->cache_write_tokens = usage_count(usage, "cache_creation_input_tokens");
	out->cache_read_tokens = usage_count(usage, "cache_read_input_tokens");
}

int po_anthropic_parse_reply(const char *body, size_t len, struct po_llm_response *out,
			     struct po_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(body, len, 0, &jerr), *content, *block, *model;
	struct po_buf text = PO_BUF_INIT;
	bool any = false;
	size_t i;
	int ret = 0;

	if (!root) {
		/* Billed all the same: keep the usage when it can be read. */
		json_t *usage = po_http_salvage_object(body, len, "usage");

		read_usage(usage, out);
		json_decref(usage);
		return po_error(err, PO_ELLM, "not valid JSON (line %d, column %d: %s)", jerr.line,
				jerr.column, jerr.text);
	}
	read_usage(json_object_get(root, "usage"), out);
	model = json_object_get(root, "model");
	free(out->model);
	out->model = json_is_string(model) ? po_xstrdup(json_string_value(model)) : NULL;
	content = json_object_get(root, "content");
	if (!json_is_array(content)) {
		ret = po_error(err, PO_ELLM, "no \"content\" array in the reply");
		goto out;
	}
	/* Text blocks, and the input of a tool call (structured output, see
	 * build_body) as JSON text; thinking blocks are not the reply. */
	json_array_foreach(content, i, block) {
		const json_t *t = json_object_get(block, "text");
		const char *type = json_string_value(json_object_get(block, "type"));

		if (type && !strcmp(type, "tool_use") && json_is_object(json_object_get(block, "input"))) {
			char *in = json_dumps(json_object_get(block, "input"), JSON_COMPACT);

			po_buf_adds(&text, in ? in : "{}");
			free(in);
			any = true;
			continue;
		}

		if (!json_is_string(t) || strcmp(json_string_value(json_object_get(block, "type")) ?
						 json_string_value(json_object_get(block, "type")) :
						 "", "text"))
			continue;
		po_buf_add(&text, json_string_value(t), json_string_length(t));
		any = true;
	}
	if (!any) {
		const char *stop = json_string_value(json_object_get(root, "stop_reason"));
		ret = po_error(err, PO_ELLM, "the reply has no text (stop_reason %s)",
			       stop ? stop : "missing");
		goto out;
	}
	free(out->content);
	out->content = po_buf_detach(&text);
out:
	po_buf_release(&text);
	json_decref(root);
	return ret;
}

void po_anthropic_parse_error(const char *body, size_t len, char **type, char **message)
{
	json_t *root = body ? json_loadb(body, len, 0, NULL) : NULL;
	const json_t *e = json_object_get(root, "error");
	const char *t = json_string_value(json_object_get(e, "type"));
	const char *m = json_string_value(json_object_get(e, "message"));

	/* Gateways in front of the API answer in other shapes. */
	if (!m)
		m = json_string_value(e);
	if (!m)
		m = json_string_value(json_object_get(root, "message"));
	*type = t ? po_xstrdup(t) : NULL;
	*message = m ? po_xstrdup(m) : NULL;
	json_decref(root);
}

static const struct po_provider_ops anthropic_ops = {
	.name = "anthropic",
	.complete = po_http_provider_complete,
	.free = po_http_provider_free,
	.complete_chain = po_http_provider_complete_chain,
	.endpoints = po_http_provider_endpoints,
};

/* A base URL given with or without the /v1 suffix works either way. */
static char *messages_url(const char *base)
{
	size_t n = strlen(base);

	while (n && base[n - 1] == '/')
		n--;
	return po_http_join_url(base, n >= 3 && !strncmp(base + n - 3, "/v1", 3) ? "messages" :
										     "v1/messages");
}

struct po_provider *po_anthropic_provider_new(const struct po_provider_spec *spec, struct po_err *err)
{
	static const struct po_http_api api = {
		.name = "anthropic",
		.key_env = KEY_ENV,
		.default_model = PO_ANTHROPIC_DEFAULT_MODEL,
		.build_body = build_body,
		.parse_reply = po_anthropic_parse_reply,
		.parse_error = po_anthropic_parse_error,
		.rejects_temperature = po_anthropic_model_rejects_temperature,
		.batch = &po_batch_anthropic,
	};
	const char *key = getenv(KEY_ENV), *base = spec->base_url;
	struct po_buf line = PO_BUF_INIT;
	struct po_provider *p;
	char **urls;
	size_t nurls;

	if (!key || !*key) {
		po_error(err, PO_ELLM,
			 "anthropic: %s is not set; export it (or put it in .env), or use --provider sim",
			 KEY_ENV);
		return NULL;
	}
	if (!base || !*base)
		base = getenv(URL_ENV);
	if (!base || !*base)
		base = PO_ANTHROPIC_DEFAULT_URL;

	if (po_http_endpoint_urls(base, messages_url, &urls, &nurls, err) < 0)
		return NULL;
	po_buf_addf(&line, "x-api-key: %s", key);
	{
		const char *lines[] = { line.data, "anthropic-version: 2023-06-01", NULL };
		p = po_http_provider_new(&anthropic_ops, &api, spec, key, urls, nurls, lines, err);
	}
	/* The header list holds its own copy; do not leave one lying around. */
	memset(line.data, 0, line.len);
	po_buf_release(&line);
	return p;
}
