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
	&po_scorer_equals,
	&po_scorer_contains,
	&po_scorer_icontains,
	&po_scorer_contains_any,
	&po_scorer_contains_all,
	&po_scorer_not_contains,
	&po_scorer_starts_with,
	&po_scorer_regex,
	&po_scorer_is_json,
	&po_scorer_json_schema,
	&po_scorer_json_path_equals,
	&po_scorer_length,
	&po_scorer_levenshtein,
	&po_scorer_f1,
	&po_scorer_expected,
	&po_scorer_cost,
	&po_scorer_latency,
	&po_scorer_command,
};

const struct po_scorer_ops *po_scorer_find(const char *name)
{
	for (size_t i = 0; i < PO_ARRAY_SIZE(scorers); i++)
		if (name && !strcmp(scorers[i]->name, name))
			return scorers[i];
	return NULL;
}

static char all_names[512];
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
