/*
 * The Anthropic Messages API provider (anthropic.c): its constructor, the
 * reply parsers (exposed for the tests and the fuzz targets) and its
 * settings: key variable, base URL variable, default model and URL.
 *
 * Ownership: see providers/provider.h; parse_error's strings are new (the
 * caller frees them).
 */
#ifndef PO_PROVIDERS_ANTHROPIC_H
#define PO_PROVIDERS_ANTHROPIC_H

#include <stdbool.h>
#include <stddef.h>

#include "llm/providers/provider.h"

#define PO_ANTHROPIC_KEY_ENV "ANTHROPIC_API_KEY"
#define PO_ANTHROPIC_URL_ENV "ANTHROPIC_BASE_URL"
#define PO_ANTHROPIC_DEFAULT_MODEL "claude-sonnet-4-5"
#define PO_ANTHROPIC_DEFAULT_URL "https://api.anthropic.com"

/* A new provider, or NULL with err set (PO_ELLM: the key is not set). */
struct po_provider *po_anthropic_provider_new(const struct po_provider_spec *spec,
					      struct po_err *err);

/*
 * parse_reply fills out->content, model and token counts from a 2xx body,
 * or returns PO_ELLM with err saying what is wrong with it. parse_error
 * sets *type and *message (new strings or NULL, caller frees) from an error
 * body of any shape.
 */
int po_anthropic_parse_reply(const char *body, size_t len, struct po_llm_response *out,
			     struct po_err *err);
void po_anthropic_parse_error(const char *body, size_t len, char **type, char **message);

/* Models known to refuse a temperature (others are learned from a 400). */
bool po_anthropic_model_rejects_temperature(const char *model);

#endif
