/*
 * libFuzzer target for the command metric's reply parser: any bytes give
 * either a score in 0-1 (or the metric's own error) or -1 with a message
 * that quotes the reply on one printable line of valid UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval/command.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct po_command_reply r;
	char *why = NULL;

	if (po_command_reply_parse((const char *)data, size, &r, &why) == 0) {
		if (why || (!r.error && !(r.score >= 0 && r.score <= 1)))
			abort();
		po_command_reply_release(&r);
		return 0;
	}
	if (!why || strncmp(why, "bad reply \"", 11) || !po_utf8_valid(why, strlen(why), NULL))
		abort();
	for (const char *p = why; *p; p++)
		if ((unsigned char)*p < 0x20)
			abort();
	free(why);
	return 0;
}
