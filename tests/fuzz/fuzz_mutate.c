/*
 * libFuzzer target for the mutation reply parser: any bytes must give either
 * a non-empty trimmed template that occurs in the reply, or NULL with
 * PO_EEVAL and a message. The template then goes to the integrity check's
 * repair of a lost placeholder (opt/integrity.h): a repaired template has
 * the placeholder back.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/template.h"
#include "opt/integrity.h"
#include "opt/mutate.h"

static const char PARENT[] = "Write a PR/FAQ for {name}.\nProblem: {problem}\n\n"
			     "Input: {name}\nBe concise.";

/* The repair of either placeholder, when it is lost from tpl. */
static void check_repair(const char *tpl, const char *name)
{
	json_t *names = json_array();
	char *fixed = po_integrity_repair(PARENT, tpl, name);
	bool back = false;

	if (!fixed) {
		json_decref(names);
		return;
	}
	po_template_placeholders(fixed, names);
	for (size_t i = 0; i < json_array_size(names); i++)
		back |= !strcmp(json_string_value(json_array_get(names, i)), name);
	if (!back)
		abort();
	free(fixed);
	json_decref(names);
}

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
		check_repair(tpl, "name");
		check_repair(tpl, "problem");
		free(tpl);
	} else if (err.code != PO_EEVAL || !err.msg[0]) {
		abort();
	} else {
		struct po_integrity ig;
		po_integrity_init(&ig);
		po_integrity_count_reply(&ig, text);
		if (ig.rejected[PO_REJECT_EMPTY] + ig.rejected[PO_REJECT_UNUSABLE_REPLY] != 1)
			abort();
	}
	free(text);
	return 0;
}
