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

#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonpos.h"
#include "util/mem.h"

/* "unknown setting" with the list of known ones and a guess at the intended. */
static int unknown_key(struct po_err *err, const struct po_src *s, const char *prefix,
		       const char *key, const char *const *known, const char *what)
{
	struct po_buf list = PO_BUF_INIT, p = PO_BUF_INIT;
	const char *best = NULL;
	size_t i, bestd = 3;
	int ret;

	for (i = 0; known[i]; i++) {
		size_t d = po_edit_distance(key, known[i]);
		po_buf_addf(&list, "%s%s", i ? ", " : "", known[i]);
		if (d < bestd) {
			bestd = d;
			best = known[i];
		}
	}
	if (best)
		ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, prefix, key), true,
			      "unknown %s \"%s\"; did you mean \"%s\"? (known: %s)", what, key,
			      best, list.data);
	else
		ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, prefix, key), true,
			      "unknown %s \"%s\"; known %ss are: %s", what, key, what, list.data);
	po_buf_release(&list);
	po_buf_release(&p);
	return ret;
}

static bool in_list(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(key, *list))
			return true;
	return false;
}

static int check_keys(const struct po_src *s, const char *prefix, const json_t *obj,
		      const char *const *known, const char *what, struct po_err *err)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		if (!in_list(key, known))
			return unknown_key(err, s, prefix, key, known, what);
	}
	return 0;
}

/* A number (or integer) with min <= v (< max when max > min), at prefix/key. */
static int check_number(const struct po_src *s, const char *prefix, const json_t *obj,
			const char *key, bool integer, double min, bool min_open, double max,
			struct po_err *err)
{
	const json_t *v = json_object_get(obj, key);
	struct po_buf p = PO_BUF_INIT;
	double x;
	int ret = 0;

	if (!v)
		return 0;
	if (integer ? !json_is_integer(v) : !json_is_number(v))
		return po_src_type_error(err, s, prefix, key, v, integer ? "an integer" : "a number", "");
	x = json_number_value(v);
	if (!isfinite(x) || (min_open ? x <= min : x < min) || (max > min && x >= max)) {
		char range[96];

		if (max > min)
			snprintf(range, sizeof(range), "from %g up to (not including) %g", min, max);
		else
			snprintf(range, sizeof(range), "%s %g", min_open ? "above" : "of at least",
				 min);
		ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, prefix, key), false,
			      "\"%s\" is %g; use a number %s", key, x, range);
	}
	po_buf_release(&p);
	return ret;
}

static int check_type(const struct po_src *s, const char *prefix, const json_t *obj,
		      const char *key, json_type t1, json_type t2, const char *expected,
		      struct po_err *err)
{
	const json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (json_typeof(v) == t1 || json_typeof(v) == t2 ||
	    (t1 == JSON_TRUE && json_is_boolean(v)))
		return 0;
	return po_src_type_error(err, s, prefix, key, v, expected, "");
}

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
	ret = check_keys(s, prefix, c, known, "criterion field", err);
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
	ret = check_number(s, prefix, c, "weight", false, 0, true, 0, err);
	if (!ret)
		ret = check_type(s, prefix, c, "name", JSON_STRING, JSON_STRING, "a string", err);
	if (!ret)
		ret = check_type(s, prefix, c, "description", JSON_STRING, JSON_STRING, "a string",
				 err);
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
	ret = check_keys(s, "/rubric", rubric, known, "rubric field", err);
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

static int parse_sim(const struct po_src *s, const json_t *sim, struct po_err *err)
{
	static const char *const known[] = { "catalogue", "noise", NULL };
	const json_t *cat = json_object_get(sim, "catalogue");
	int ret;

	if (!json_is_object(sim))
		return po_src_type_error(err, s, "", "sim", sim, "an object", "");
	ret = check_keys(s, "/sim", sim, known, "sim setting", err);
	if (!ret && cat && (!json_is_string(cat) || (strcmp(json_string_value(cat), "prfaq") &&
						     strcmp(json_string_value(cat), "generic"))))
		ret = po_src_fail(err, PO_EINPUT, s, "/sim/catalogue", false,
			      "unknown simulator catalogue; use \"prfaq\" or \"generic\"");
	if (!ret)
		ret = check_number(s, "/sim", sim, "noise", false, 0, false, 0, err);
	return ret;
}

static int parse_convergence(const struct po_src *s, const json_t *c, struct po_err *err)
{
	static const char *const known[] = { "no_improvement_threshold", "min_improvement_percent",
					     "enable_early_stop", "track_plateau_variance", NULL };
	int ret;

	if (!json_is_object(c))
		return po_src_type_error(err, s, "", "convergence", c, "an object", "");
	ret = check_keys(s, "/convergence", c, known, "convergence setting", err);
	if (!ret)
		ret = check_number(s, "/convergence", c, "no_improvement_threshold", true, 1, false,
				   0, err);
	if (!ret)
		ret = check_number(s, "/convergence", c, "min_improvement_percent", false, 0, false,
				   0, err);
	if (!ret)
		ret = check_type(s, "/convergence", c, "enable_early_stop", JSON_TRUE, JSON_TRUE,
				 "true or false", err);
	if (!ret)
		ret = check_type(s, "/convergence", c, "track_plateau_variance", JSON_TRUE,
				 JSON_TRUE, "true or false", err);
	return ret;
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
	ret = check_keys(s, "/roles", roles, known, "role", err);
	json_object_foreach((json_t *)roles, key, v) {
		static const char *const fields[] = { "provider", "model", NULL };
		struct po_buf at = PO_BUF_INIT;
		const json_t *prov = json_is_object(v) ? json_object_get(v, "provider") : v;

		if (ret)
			break;
		ret = check_type(s, "/roles", roles, key, JSON_STRING, JSON_OBJECT,
				 "a provider name or an object", err);
		po_buf_adds(&at, "/roles/");
		po_jsonpos_path_key(&at, key);
		if (!ret && json_is_object(v))
			ret = check_keys(s, at.data, v, fields, "role setting", err);
		if (!ret && json_is_object(v))
			ret = check_type(s, at.data, v, "provider", JSON_STRING, JSON_STRING,
					 "a provider name", err);
		if (!ret && json_is_object(v))
			ret = check_type(s, at.data, v, "model", JSON_STRING, JSON_STRING,
					 "a model name", err);
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

static int check_strategy(const struct po_src *s, const json_t *v,
			  const struct po_known_names *names, struct po_err *err)
{
	const json_t *name = json_is_object(v) ? json_object_get(v, "name") : v;
	const char *at = json_is_object(v) ? "/strategy/name" : "/strategy";

	if (json_is_object(v) && !name)
		return 0;
	if (!json_is_string(name))
		return po_src_fail(err, PO_EINPUT, s, at, false, "expected a strategy name, found %s",
			       po_json_type_name(name));
	if (names && !names->strategy_known(json_string_value(name)))
		return po_src_fail(err, PO_EINPUT, s, at, false, "unknown strategy '%s'; available: %s",
			       json_string_value(name), names->strategy_names());
	return 0;
}

/*
 * The settings others read from p->config are typed here, so that a wrong
 * type is reported with its position before a run starts, and an unknown
 * key (a typo, most of the time) is an error rather than silently ignored.
 */
int po_project_config_parse(const struct po_src *s, json_t **out, struct po_rubric *rubric,
			    const struct po_known_names *names, struct po_err *err)
{
	static const char *const known[] = { "budget", "convergence", "description", "iterations",
					     "main_prompt", "project", "roles", "rubric", "seed",
					     "sim", "split", "strategy", "system_prompt", NULL };
	json_t *root, *v;
	int ret;

	*out = NULL;
	ret = po_json_load_text(s->path, s->text, s->len, &root, err);
	if (ret)
		return ret;
	if (!json_is_object(root)) {
		ret = po_src_fail(err, PO_EINPUT, s, "", false,
			      "expected an object of settings, found %s", po_json_type_name(root));
		goto out;
	}
	ret = check_keys(s, "", root, known, "setting", err);
	if (!ret)
		ret = check_type(s, "", root, "description", JSON_STRING, JSON_STRING, "a string",
				 err);
	if (!ret)
		ret = check_type(s, "", root, "project", JSON_STRING, JSON_STRING, "a string", err);
	if (!ret)
		ret = check_type(s, "", root, "main_prompt", JSON_STRING, JSON_STRING,
				 "a prompt name", err);
	if (!ret)
		ret = check_type(s, "", root, "system_prompt", JSON_STRING, JSON_NULL,
				 "a prompt name or null", err);
	if (!ret)
		ret = check_type(s, "", root, "strategy", JSON_STRING, JSON_OBJECT,
				 "a strategy name or an object", err);
	if (!ret && (v = json_object_get(root, "strategy")))
		ret = check_strategy(s, v, names, err);
	if (!ret && json_is_number(json_object_get(root, "budget")))
		ret = check_number(s, "", root, "budget", false, 0, false, 0, err);
	else if (!ret)
		ret = check_type(s, "", root, "budget", JSON_OBJECT, JSON_OBJECT,
				 "a number or an object", err);
	if (!ret && json_is_number(json_object_get(root, "split")))
		ret = check_number(s, "", root, "split", false, 0, false, 1, err);
	else if (!ret)
		ret = check_type(s, "", root, "split", JSON_OBJECT, JSON_OBJECT,
				 "a number or an object", err);
	if (!ret)
		ret = check_number(s, "", root, "iterations", true, 1, false, 0, err);
	if (!ret)
		ret = check_number(s, "", root, "seed", true, 0, false, 0, err);
	if (!ret && (v = json_object_get(root, "sim")))
		ret = parse_sim(s, v, err);
	if (!ret && (v = json_object_get(root, "convergence")))
		ret = parse_convergence(s, v, err);
	if (!ret && (v = json_object_get(root, "roles")))
		ret = parse_roles(s, v, names, err);
	if (!ret && (v = json_object_get(root, "rubric")))
		ret = po_rubric_parse(s, v, rubric, err);
	if (!ret)
		*out = json_incref(root);
out:
	json_decref(root);
	return ret;
}
