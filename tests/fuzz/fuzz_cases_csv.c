/*
 * libFuzzer target for the csv test case loader (core/cases_*.c): any bytes
 * give either JSON text (which jansson reads back) with a map whose
 * positions are at line 1 or later, or an error "t.csv:line:col: ...".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cases_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct po_srcmap map = { 0 };
	struct po_err err = { 0 };
	char *json = NULL;

	if (po_cases_from_csv("t.csv", (const char *)data, size, &json, &map, &err) == 0) {
		json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);

		if (!v)
			abort();
		json_decref(v);
		for (size_t i = 0; i < map.n; i++)
			if (map.v[i].line < 1 || map.v[i].col < 1)
				abort();
	} else if (strncmp(err.msg, "t.csv:", strlen("t.csv:")) || json) {
		abort();
	}
	free(json);
	po_srcmap_release(&map);
	return 0;
}
