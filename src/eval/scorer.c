/*
 * The scorer table: one line per scorer (see scorer.h).
 */
#include "eval/scorer.h"

#include <string.h>

#include "util/mem.h"

static const struct po_scorer_ops *const scorers[] = {
	&po_scorer_judge,
};

const struct po_scorer_ops *po_scorer_find(const char *name)
{
	for (size_t i = 0; i < PO_ARRAY_SIZE(scorers); i++)
		if (name && !strcmp(scorers[i]->name, name))
			return scorers[i];
	return NULL;
}

const char *po_scorer_names(void)
{
	return "judge";
}
