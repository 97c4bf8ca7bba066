/*
 * The OpenAI Chat Completions provider (openai.c): its constructor, the
 * reply parsers (exposed for the tests and the fuzz targets) and its
 * settings: key variable, base URL variable, default model and URL.
 *
 * Ownership: see providers/provider.h; parse_error's strings are new (the
 * caller frees them).
 */
#ifndef PO_PROVIDERS_OPENAI_H
#define PO_PROVIDERS_OPENAI_H

#include <stdbool.h>
#include <stddef.h>

#include "llm/providers/provider.h"

#define PO_OPENAI_KEY_ENV "OPENAI_API_KEY"
#define PO_OPENAI_URL_ENV "OPENAI_BASE_URL"
#define PO_OPENAI_DEFAULT_MODEL "gpt-4o-mini"
#define PO_OPENAI_DEFAULT_URL "https://api.openai.com/v1"

/* A new provider, or NULL with err set (PO_ELLM: the key is not set). */
struct po_provider *po_openai_provider_new(const struct po_provider_spec *spec,
					   struct po_err *err);

/* As po_anthropic_parse_reply() and po_anthropic_parse_error(). */
int po_openai_parse_reply(const char *body, size_t len, struct po_llm_response *out,
			  struct po_err *err);
void po_openai_parse_error(const char *body, size_t len, char **type, char **message);

/* OpenAI reasoning models: no temperature, max_completion_tokens. */
bool po_openai_model_is_reasoning(const char *model);

#endif
