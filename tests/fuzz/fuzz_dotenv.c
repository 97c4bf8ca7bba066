/*
 * libFuzzer target for the .env parser: any bytes give assignments with a
 * valid key (letters, digits, '_', not starting with a digit) and a value
 * without NUL, or PO_EINPUT with a "name:line:" message that contains no
 * byte of the input after an '='.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/dotenv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *key, const char *value, int line, void *ud)
{
	int *lines = ud;

	if (!*key || (*key >= '0' && *key <= '9') || line < 1 || line > *lines)
		abort();
	for (const char *p = key; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			abort();
	(void)value;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct po_err err = { 0 };
	int lines = 1, rc;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	rc = po_dotenv_parse(".env", (const char *)data, size, check, &lines, &err);
	if (rc != 0 && (rc != PO_EINPUT || strncmp(err.msg, ".env:", 5)))
		abort();
	return 0;
}
