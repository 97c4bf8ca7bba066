/*
 * The anthropic provider (not built yet: see the open issues).
 */
#include "llm/provider.h"
#include "util/err.h"

struct po_provider *po_anthropic_provider_new(const struct po_provider_spec *spec, struct po_err *err)
{
	po_error(err, PO_EUSAGE, "provider '%s' is not available in this build yet", spec->name);
	return NULL;
}
