/*
 * libFuzzer target for the judge reply parser: any bytes must give either a
 * score in 0-100 with well-formed fields, or PO_EEVAL with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval/judge.h"
#include "core/project.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct po_criterion crit[] = {
		{ "press_release_quality", "Press release quality", "", 0.30 },
		{ "faq_completeness", "FAQ completeness", "", 0.25 },
		{ "clarity", "Clarity", "", 0.25 },
		{ "structure_adherence", "Structure adherence", "", 0.20 },
	};
	static const struct po_rubric rubric = { crit, 4 };
	struct po_judgement j;
	struct po_err err;
	char *text = malloc(size + 1);
	int pass, rc;

	memcpy(text, data, size);
	text[size] = '\0';
	/* The first byte picks the rubric, so the no-rubric path is fuzzed too. */
	for (pass = 0; pass < 2; pass++) {
		err.code = 0;
		err.msg[0] = '\0';
		rc = po_judge_parse(text, pass ? NULL : &rubric, &j, &err);
		if (rc == 0) {
			if (!(j.score >= 0 && j.score <= 100) || !(j.overall >= 0 && j.overall <= 5) ||
			    !json_is_object(j.criteria) || !json_is_array(j.improvements) ||
			    !json_is_object(j.reply))
				abort();
			po_judgement_release(&j);
		} else if (rc != PO_EEVAL || err.code != PO_EEVAL || !err.msg[0] || j.reply) {
			abort();
		}
	}
	free(text);
	return 0;
}
