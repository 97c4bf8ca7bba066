/*
 * Role names and response lifetime, shared by every provider.
 */
#include "llm/llm.h"

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
