/*
 * The provider and model of a role (see roles.h).
 */
#include "run/roles.h"

#include <stdlib.h>
#include <string.h>

#include "llm/llm.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/url.h"

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

int po_roles_endpoints(const json_t *config, char **out)
{
	const json_t *eps = json_object_get(config, "endpoints"), *u;
	struct po_buf b = PO_BUF_INIT;
	size_t i;

	*out = NULL;
	if (!eps)
		return 0;
	if (!json_is_array(eps) || !json_array_size(eps))
		return -1;
	json_array_foreach(eps, i, u) {
		const char *t = json_string_value(u);
		size_t len = json_string_length(u);

		if (!t || !po_url_usable_base(t, len) || memchr(t, ',', len)) {
			po_buf_release(&b);
			return -1;
		}
		if (b.len)
			po_buf_addch(&b, ',');
		po_buf_add(&b, t, len);
	}
	*out = po_buf_detach(&b);
	return 0;
}

int po_roles_project_endpoints(const char *project, char **out)
{
	struct po_buf path = PO_BUF_INIT;
	json_t *cfg = NULL;
	int ret = 0;

	*out = NULL;
	po_buf_addf(&path, "prompt_tuning_results_%s/config_%s.json", project, project);
	if (po_fs_exists(path.data) && !po_json_load_file(path.data, &cfg, NULL))
		ret = po_roles_endpoints(cfg, out);
	json_decref(cfg);
	po_buf_release(&path);
	return ret;
}
