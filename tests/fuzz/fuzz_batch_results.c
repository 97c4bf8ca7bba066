/*
 * libFuzzer target for the results files of the provider batch APIs: any
 * bytes, joined as the JSONL results of a batch of 4 requests in
 * Anthropic's and in OpenAI's shape, either join cleanly or fail with a
 * message naming the batch; every answer taken is a reply or an error,
 * never both, and no request is answered twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/providers/anthropic.h"
#include "llm/providers/batch_api.h"
#include "llm/providers/openai.h"
#include "llm/providers/provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void join_as(const struct po_batch_kind *kind, const char *name,
		    int (*parse)(const char *, size_t, struct po_llm_response *, struct po_err *),
		    const char *text, size_t size)
{
	struct po_http_api a = { .name = name, .key = "sk-fuzz-key", .parse_reply = parse,
				 .batch = kind };
	struct po_llm_response out[4] = { 0 };
	bool got[4] = { false };
	struct po_err err = { 0 };
	int ret = po_batch_join(&a, "batch_fuzz", text, size, out, 4, got, 1.0, &err);

	if (ret && (ret != PO_ELLM || !strstr(err.msg, "batch_fuzz")))
		abort();
	for (int i = 0; i < 4; i++) {
		if (got[i] && !out[i].content == !out[i].error)
			abort();
		if (!got[i] && (out[i].content || out[i].error))
			abort();
		po_llm_response_release(&out[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	join_as(&po_batch_anthropic, "anthropic", po_anthropic_parse_reply, text, size);
	join_as(&po_batch_openai, "openai", po_openai_parse_reply, text, size);
	free(text);
	return 0;
}
