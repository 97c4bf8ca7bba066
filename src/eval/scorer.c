/*
 * The scorer table: one line per scorer (see scorer.h).
 */
#include "eval/scorer.h"

#include <pthread.h>
#include <stdio.h>
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

static char all_names[256];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void build_names(void)
{
	size_t at = 0;

	for (size_t i = 0; i < PO_ARRAY_SIZE(scorers) && at < sizeof(all_names); i++)
		at += (size_t)snprintf(all_names + at, sizeof(all_names) - at, "%s%s", i ? ", " : "",
				       scorers[i]->name);
}

/* Built once from the table: a new line there is a new name here. */
const char *po_scorer_names(void)
{
	pthread_once(&names_once, build_names);
	return all_names;
}
