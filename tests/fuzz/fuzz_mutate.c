/*
 * libFuzzer target for the mutation reply parser: any bytes must give either
 * a non-empty trimmed template that occurs in the reply, or NULL with
 * PO_EEVAL and a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opt/mutate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct po_err err = { 0 };
	char *text = malloc(size + 1);
	char *tpl;
	size_t n;

	memcpy(text, data, size);
	text[size] = '\0';
	tpl = po_mutate_parse_reply(text, &err);
	if (tpl) {
		n = strlen(tpl);
		if (!n || strchr(" \t\r\n", tpl[0]) || strchr(" \t\r\n", tpl[n - 1]) ||
		    !strstr(text, tpl))
			abort();
		free(tpl);
	} else if (err.code != PO_EEVAL || !err.msg[0]) {
		abort();
	}
	free(text);
	return 0;
}
