/*
 * libFuzzer target for the anthropic reply parsers: any bytes, as a 2xx body or
 * as an error body, give an answer with non-negative counts or an error
 * message (counts non-negative there too: a broken body keeps its usage),
 * and describing the failure, also of an answer that broke off, never
 * crashes and stays on one line. The same bytes also feed the usage
 * salvage and the retry-after and rate-limit header parsers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/providers/http_api.h"
#include "llm/providers/anthropic.h"
#include "llm/providers/retry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct po_llm_response r = { 0 };
	struct po_err err = { 0 };
	struct po_http_call c = { 0 };
	struct po_buf b = PO_BUF_INIT;
	struct po_ratelimit rl;
	char *type = NULL, *msg = NULL, *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	if (po_anthropic_parse_reply((const char *)data, size, &r, &err) == 0) {
		if (!r.content || r.input_tokens < 0 || r.output_tokens < 0 ||
		    r.cache_read_tokens < 0 || r.cache_write_tokens < 0)
			abort();
	} else if (r.content || !err.msg[0] || r.input_tokens < 0 || r.output_tokens < 0 ||
		   r.cache_read_tokens < 0 || r.cache_write_tokens < 0) {
		abort();
	}
	po_llm_response_release(&r);
	json_decref(po_http_salvage_object((const char *)data, size, "usage"));

	po_anthropic_parse_error((const char *)data, size, &type, &msg);
	c.status = 400 + (long)(size % 200);
	c.attempts = (int)(size % 7);
	c.response.data = text;
	c.response.len = size;
	po_http_describe_failure(&b, "anthropic", &c, type, msg, "KEY_ENV", 30);
	po_http_redact(&b, "sk-secret");
	if (strchr(b.data, '\n'))
		abort(); /* messages stay on one line */
	po_buf_release(&b);
	c.error = text;
	c.broke = (enum po_http_break)(size % 3);
	c.status = size % 2 ? 200 : 0;
	po_http_describe_failure(&b, "anthropic", &c, NULL, NULL, "KEY_ENV", 30);
	if (strchr(b.data, '\n'))
		abort();
	po_buf_release(&b);
	free(type);
	free(msg);

	po_retry_after_ms(text, text, 1700000000);
	po_retry_parse_rfc3339(text);
	po_retry_parse_duration_ms(text);
	po_ratelimit_init(&rl);
	po_ratelimit_header(&rl, "anthropic-ratelimit-requests-reset", text, 0, 1700000000);
	po_ratelimit_header(&rl, "x-ratelimit-reset-tokens", text, 0, 1700000000);
	po_ratelimit_header(&rl, "x-ratelimit-remaining-requests", text, 0, 1700000000);
	po_ratelimit_next_start(&rl, 1);
	free(text);
	return 0;
}
