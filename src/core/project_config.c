/*
 * Validation of a project's config (see project_config.h): known keys, types
 * and ranges, the rubric, and the provider and strategy names, which the
 * caller lists (core knows no provider or strategy).
 */
#include "core/project_config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/settings.h"
#include "core/split_spec.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonpos.h"
#include "util/mem.h"

static int parse_criterion(const struct po_src *s, const char *prefix, const json_t *c,
			   size_t index, json_t *seen, struct po_criterion *out,
			   struct po_err *err)
{
	static const char *const known[] = { "key", "name", "weight", "description", NULL };
	const json_t *key = json_object_get(c, "key"), *w = json_object_get(c, "weight");
	struct po_buf p = PO_BUF_INIT;
	int ret;

	if (!json_is_object(c))
		return po_src_fail(err, PO_EINPUT, s, prefix, false,
				   "rubric criterion %zu is %s; write {\"key\": ..., \"name\": ..., \"weight\": ..., \"description\": ...}",
				   index + 1, po_json_type_name(c));
	ret = po_settings_check_keys(err, s, prefix, c, known, "criterion field");
	if (ret)
		return ret;
	if (!key || !w)
		return po_src_fail(err, PO_EINPUT, s, prefix, false,
				   "rubric criterion %zu has no \"%s\"; each criterion needs a \"key\" and a \"weight\"",
				   index + 1, key ? "weight" : "key");
	if (!json_is_string(key) || !json_string_length(key))
		return po_src_type_error(err, s, prefix, "key", key, "a non-empty string", "");
	if (json_object_get(seen, json_string_value(key))) {
		ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, prefix, "key"), false,
				  "rubric criterion \"%s\" appears twice; give each criterion its own \"key\"",
				  json_string_value(key));
		po_buf_release(&p);
		return ret;
	}
	json_object_set_new(seen, json_string_value(key), json_true());
	ret = po_settings_check_number(err, s, prefix, c, "weight", false, 0, true, 0);
	if (!ret)
		ret = po_settings_check_type(err, s, prefix, c, "name", JSON_STRING, JSON_STRING, "a string");
	if (!ret)
		ret = po_settings_check_type(err, s, prefix, c, "description", JSON_STRING, JSON_STRING, "a string");
	if (ret)
		return ret;
	out->key = po_xstrdup(json_string_value(key));
	out->name = po_xstrdup(po_json_str(c, "name", out->key));
	out->description = po_xstrdup(po_json_str(c, "description", ""));
	out->weight = json_number_value(w);
	return 0;
}

void po_rubric_release(struct po_rubric *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->criteria[i].key);
		free(r->criteria[i].name);
		free(r->criteria[i].description);
	}
	free(r->criteria);
	r->criteria = NULL;
	r->n = 0;
}

int po_rubric_parse(const struct po_src *s, const json_t *rubric, struct po_rubric *out,
		    struct po_err *err)
{
	static const char *const known[] = { "criteria", NULL };
	const json_t *crit = json_object_get(rubric, "criteria");
	struct po_buf p = PO_BUF_INIT;
	json_t *seen;
	double sum = 0;
	size_t i;
	int ret;

	if (!json_is_object(rubric))
		return po_src_type_error(err, s, "", "rubric", rubric, "an object", "");
	ret = po_settings_check_keys(err, s, "/rubric", rubric, known, "rubric field");
	if (ret)
		return ret;
	if (!json_is_array(crit) || !json_array_size(crit)) {
		if (crit && !json_is_array(crit))
			return po_src_type_error(err, s, "/rubric", "criteria", crit, "an array", "");
		return po_src_fail(err, PO_EINPUT, s, crit ? "/rubric/criteria" : "/rubric", false,
				   "the rubric has no criteria; add {\"criteria\": [{\"key\": \"clarity\", \"weight\": 1}]}");
	}
	seen = json_object();
	out->criteria = po_xcalloc(json_array_size(crit), sizeof(*out->criteria));
	for (i = 0; i < json_array_size(crit); i++) {
		po_buf_reset(&p);
		po_buf_adds(&p, "/rubric/criteria");
		po_jsonpos_path_index(&p, i);
		ret = parse_criterion(s, p.data, json_array_get(crit, i), i, seen,
				      &out->criteria[i], err);
		if (ret)
			break;
		out->n++;
		sum += out->criteria[i].weight;
	}
	json_decref(seen);
	po_buf_release(&p);
	if (ret) {
		po_rubric_release(out);
		return ret;
	}
	if (!isfinite(sum)) {
		po_rubric_release(out);
		return po_src_fail(err, PO_EINPUT, s, "/rubric/criteria", false,
				   "the rubric weights add up to infinity; use weights such as 0.3 or 30");
	}
	for (i = 0; i < out->n; i++)
		out->criteria[i].weight /= sum;
	return 0;
}

static int parse_roles(const struct po_src *s, const json_t *roles,
		       const struct po_known_names *names, struct po_err *err)
{
	static const char *const known[] = { "generate", "judge", "mutate", NULL };
	const char *key;
	json_t *v;
	int ret;

	if (!json_is_object(roles))
		return po_src_type_error(err, s, "", "roles", roles, "an object", "");
	ret = po_settings_check_keys(err, s, "/roles", roles, known, "role");
	json_object_foreach((json_t *)roles, key, v) {
		static const char *const fields[] = { "provider", "model", "batch_api", NULL };
		struct po_buf at = PO_BUF_INIT;
		const json_t *prov = json_is_object(v) ? json_object_get(v, "provider") : v;

		if (ret)
			break;
		ret = po_settings_check_type(err, s, "/roles", roles, key, JSON_STRING, JSON_OBJECT, "a provider name or an object");
		po_buf_adds(&at, "/roles/");
		po_jsonpos_path_key(&at, key);
		if (!ret && json_is_object(v))
			ret = po_settings_check_keys(err, s, at.data, v, fields, "role setting");
		if (!ret && json_is_object(v))
			ret = po_settings_check_type(err, s, at.data, v, "provider", JSON_STRING, JSON_STRING, "a provider name");
		if (!ret && json_is_object(v))
			ret = po_settings_check_type(err, s, at.data, v, "model", JSON_STRING, JSON_STRING, "a model name");
		if (!ret && json_is_object(v))
			ret = po_settings_check_type(err, s, at.data, v, "batch_api", JSON_TRUE, JSON_TRUE, "true or false");
		if (!ret && prov && names && !names->provider_known(json_string_value(prov))) {
			if (json_is_object(v))
				po_buf_adds(&at, "/provider");
			ret = po_src_fail(err, PO_EINPUT, s, at.data, false,
					  "unknown provider '%s' for role %s; available: %s",
					  json_string_value(prov), key, names->provider_names());
		}
		po_buf_release(&at);
	}
	return ret;
}

/* What the settings table leaves to this file: the roles, the rubric, the split, the
 * scorers. */
struct config_ctx {
	const struct po_src *s;
	const struct po_known_names *names;
	struct po_rubric *rubric;
	struct po_checks *checks;
	struct po_err *err;
};

static int check_other(const struct po_setting *st, const json_t *v, void *ud)
{
	struct config_ctx *c = ud;

	if (st->cfg_form == PO_CFG_ROLES)
		return parse_roles(c->s, v, c->names, c->err);
	if (st->cfg_form == PO_CFG_SPLIT) {
		struct po_split_config sc;
		return po_split_config_parse(c->s, v, &sc, c->err);
	}
	if (st->cfg_form == PO_CFG_SCORERS)
		return po_checks_parse(c->s, "/scorers", v, c->checks, c->err);
	return po_rubric_parse(c->s, v, c->rubric, c->err);
}

/*
 * The settings others read from p->config are typed here (by the settings
 * table, core/settings.h), so that a wrong type is reported with its
 * position before a run starts, and an unknown key (a typo, most of the
 * time) is an error rather than silently ignored.
 */
int po_project_config_parse(const struct po_src *s, json_t **out, struct po_rubric *rubric,
			    struct po_checks *checks, const struct po_known_names *names,
			    struct po_err *err)
{
	struct config_ctx ctx = { s, names, rubric, checks, err };
	json_t *root;
	int ret;

	*out = NULL;
	ret = po_json_load_text(s->path, s->text, s->len, &root, err);
	if (ret)
		return ret;
	if (!json_is_object(root))
		ret = po_src_fail(err, PO_EINPUT, s, "", false,
				  "expected an object of settings, found %s", po_json_type_name(root));
	else
		ret = po_settings_check_config(err, s, root, names, check_other, &ctx);
	if (!ret)
		*out = json_incref(root);
	json_decref(root);
	return ret;
}
