/*
 * libFuzzer target for the pairwise judge reply parser: any bytes must give
 * either a preference in [-1, 1] (and a reason or none), or PO_EEVAL with a
 * message and nothing set.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval/pairwise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct po_err err = { 0 };
	char *text = malloc(size + 1), *reason = NULL;
	double pref = NAN;
	int rc;

	memcpy(text, data, size);
	text[size] = '\0';
	rc = po_pairwise_parse(text, &pref, &reason, &err);
	if (rc == 0) {
		if (!(pref >= -1 && pref <= 1) || (reason && !*reason))
			abort();
	} else if (rc != PO_EEVAL || err.code != PO_EEVAL || !err.msg[0] || reason || pref != 0) {
		abort();
	}
	free(reason);
	free(text);
	return 0;
}
