/*
 * The provider and model of a role (see roles.h).
 */
#include "run/roles.h"

#include "llm/llm.h"
#include "util/json.h"

const char *po_roles_config(const json_t *roles, enum po_role r, const char **model)
{
	const json_t *v = json_object_get(roles, po_role_name(r));

	if (model)
		*model = po_json_str(v, "model", NULL);
	return json_is_string(v) ? json_string_value(v) : po_json_str(v, "provider", NULL);
}

const char *po_roles_provider(const struct po_run_options *o, const json_t *roles,
			      enum po_role r)
{
	const char *p = NULL;

	if (o->role_provider[r])
		return o->role_provider[r];
	if (o->from_config & PO_FROM_CONFIG_ROLES)
		p = po_roles_config(roles, r, NULL);
	return p ? p : o->provider;
}
