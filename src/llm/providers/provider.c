/*
 * The parts of the provider contract that are code (see provider.h): role
 * names, a response's lifetime and a spec's defaults.
 */
#include "llm/providers/provider.h"

#include <stdlib.h>
#include <string.h>

static const char *const role_names[PO_ROLE_COUNT] = { "generate", "judge", "mutate" };

const char *po_role_name(enum po_role r)
{
	return (unsigned)r < PO_ROLE_COUNT ? role_names[r] : "unknown";
}

int po_role_parse(const char *s, enum po_role *out)
{
	for (int i = 0; i < PO_ROLE_COUNT; i++) {
		if (s && !strcmp(s, role_names[i])) {
			*out = (enum po_role)i;
			return 0;
		}
	}
	return -1;
}

void po_llm_response_release(struct po_llm_response *r)
{
	free(r->content);
	free(r->error);
	free(r->model);
	memset(r, 0, sizeof(*r));
}

void po_provider_spec_init(struct po_provider_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->concurrency = 8;
	spec->timeout_s = 120;
	spec->max_attempts = 5;
	spec->seed = 42;
	spec->noise = 4;
	spec->catalogue = "prfaq";
	spec->poll_interval = 0.2;
}
