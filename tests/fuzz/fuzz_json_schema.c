/*
 * libFuzzer target for the JSON Schema validator: the bytes are a schema
 * and an instance, split at the first NUL byte (else in the middle). Any
 * pair that parses must give 1 (valid) with no message, or 0 / -1 with one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval/json_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t split = nul ? (size_t)(nul - data) : size / 2;
	size_t rest = nul ? size - split - 1 : size - split;
	json_t *schema = json_loadb((const char *)data, split, JSON_DECODE_ANY, NULL);
	json_t *inst = json_loadb((const char *)data + size - rest, rest, JSON_DECODE_ANY, NULL);
	char *msg = NULL;

	if (schema && inst) {
		int r = po_json_schema_validate(schema, inst, &msg);

		if (r < -1 || r > 1 || (r == 1) != (msg == NULL))
			abort();
		(void)po_json_schema_unsupported(schema);
		free(msg);
	}
	json_decref(schema);
	json_decref(inst);
	return 0;
}
