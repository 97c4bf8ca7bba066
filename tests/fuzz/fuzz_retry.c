/*
 * libFuzzer target for what the retry policy reads from a server: error
 * bodies (quota or not), retry-after values, dates, durations and
 * rate-limit headers. Any bytes give a class, and delays that are finite
 * and not negative.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llm/providers/retry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char *name, *value;
	struct po_ratelimit rl;
	enum po_retry_class c;
	long status;
	double ms;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	status = size ? 100 + (long)data[0] * 2 : 429;
	c = po_retry_classify(status, text, size);
	if (c != PO_RETRY_OK && c != PO_RETRY_AGAIN && c != PO_RETRY_FINAL && c != PO_RETRY_FATAL)
		abort();
	ms = po_retry_after_ms(text, size > 1 ? text + 1 : NULL, 1700000000);
	if (isnan(ms) || ms == INFINITY)
		abort();
	ms = po_retry_parse_duration_ms(text);
	if (isnan(ms))
		abort();
	(void)po_retry_parse_http_date(text);
	(void)po_retry_parse_rfc3339(text);
	/* "name: value" as a header line. */
	po_ratelimit_init(&rl);
	name = text;
	value = strchr(text, ':');
	if (value) {
		text[value - text] = '\0';
		value++;
		po_ratelimit_header(&rl, name, value, 1000.0, 1700000000);
		ms = po_ratelimit_next_start(&rl, 1000.0);
		if (isnan(ms) || ms < 0)
			abort();
	}
	free(text);
	return 0;
}
