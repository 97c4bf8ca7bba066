/*
 * Checking settings' values against the table (see settings.h), for the two
 * files that hold them: a project's config ("unknown setting", "use a number
 * of at least 1") and a batch config ("unknown key ... in experiment 2",
 * "must be between 0 and 100000"). One set of checks, two dialects of
 * messages, each kept as users know it.
 */
#include "core/settings.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonpos.h"
#include "util/mem.h"
#include "util/url.h"

int po_settings_unknown_key(struct po_err *err, const struct po_src *s, const char *jpath,
			    const char *key, const char *const *known, const char *what,
			    const char *where)
{
	struct po_buf list = PO_BUF_INIT;
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
	if (where && best)
		ret = po_src_fail(err, PO_EINPUT, s, jpath, true,
				  "unknown key \"%s\" %s; did you mean \"%s\"? (known: %s)", key,
				  where, best, list.data);
	else if (where)
		ret = po_src_fail(err, PO_EINPUT, s, jpath, true,
				  "unknown key \"%s\" %s; known keys: %s", key, where, list.data);
	else if (best)
		ret = po_src_fail(err, PO_EINPUT, s, jpath, true,
				  "unknown %s \"%s\"; did you mean \"%s\"? (known: %s)", what, key,
				  best, list.data);
	else
		ret = po_src_fail(err, PO_EINPUT, s, jpath, true,
				  "unknown %s \"%s\"; known %ss are: %s", what, key, what, list.data);
	po_buf_release(&list);
	return ret;
}

static bool in_list(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(key, *list))
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- a project's config ------------------------------------------------- */

int po_settings_check_keys(struct po_err *err, const struct po_src *s, const char *prefix,
			   const json_t *obj, const char *const *known, const char *what)
{
	struct po_buf p = PO_BUF_INIT;
	const char *key;
	json_t *v;
	int ret = 0;

	json_object_foreach((json_t *)obj, key, v) {
		if (in_list(key, known))
			continue;
		ret = po_settings_unknown_key(err, s, po_src_path(&p, prefix, key), key, known,
					      what, NULL);
		break;
	}
	po_buf_release(&p);
	return ret;
}

int po_settings_check_number(struct po_err *err, const struct po_src *s, const char *prefix,
			     const json_t *obj, const char *key, bool integer, double min,
			     bool min_open, double max)
{
	const json_t *v = json_object_get(obj, key);
	struct po_buf p = PO_BUF_INIT;
	double x;
	int ret = 0;

	if (!v)
		return 0;
	if (integer ? !json_is_integer(v) : !json_is_number(v))
		return po_src_type_error(err, s, prefix, key, v,
					 integer ? "an integer" : "a number", "");
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

int po_settings_check_type(struct po_err *err, const struct po_src *s, const char *prefix,
			   const json_t *obj, const char *key, json_type t1, json_type t2,
			   const char *expected)
{
	const json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (json_typeof(v) == t1 || json_typeof(v) == t2 ||
	    (t1 == JSON_TRUE && json_is_boolean(v)))
		return 0;
	return po_src_type_error(err, s, prefix, key, v, expected, "");
}

static int check_strategy(struct po_err *err, const struct po_src *s, const json_t *v,
			  const struct po_known_names *names)
{
	const json_t *name = json_is_object(v) ? json_object_get(v, "name") : v;
	const char *at = json_is_object(v) ? "/strategy/name" : "/strategy";

	if (json_is_object(v) && !name)
		return 0;
	if (!json_is_string(name))
		return po_src_fail(err, PO_EINPUT, s, at, false,
				   "expected a strategy name, found %s", po_json_type_name(name));
	if (names && !names->strategy_known(json_string_value(name)))
		return po_src_fail(err, PO_EINPUT, s, at, false,
				   "unknown strategy '%s'; available: %s", json_string_value(name),
				   names->strategy_names());
	return 0;
}

/* "endpoints": a non-empty array of http(s) base URLs, the list --base-url
 * takes separated by commas (so an entry may hold no comma). */
static int check_endpoints(struct po_err *err, const struct po_src *s, const char *prefix,
			   const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	struct po_buf p = PO_BUF_INIT, at = PO_BUF_INIT;
	size_t n = json_array_size(v);
	int ret = 0;

	if (!v)
		return 0;
	if (!json_is_array(v))
		return po_src_type_error(err, s, prefix, key, v, "an array of base URLs", "");
	po_src_path(&p, prefix, key);
	if (!n)
		ret = po_src_fail(err, PO_EINPUT, s, p.data, false,
				  "\"%s\" is empty; list one base URL or more, e.g. "
				  "[\"http://gpu1:8000/v1\", \"http://gpu2:8000/v1\"]", key);
	for (size_t i = 0; i < n && !ret; i++) {
		const json_t *u = json_array_get(v, i);
		const char *t = json_string_value(u);
		size_t len = json_string_length(u);

		po_buf_reset(&at);
		po_buf_adds(&at, p.data);
		po_jsonpos_path_index(&at, i);
		if (!json_is_string(u))
			ret = po_src_fail(err, PO_EINPUT, s, at.data, false,
					  "expected a base URL (a string) for endpoint %zu of %zu, found %s",
					  i + 1, n, po_json_type_name(u));
		else if (memchr(t, ',', len))
			ret = po_src_fail(err, PO_EINPUT, s, at.data, false,
					  "\"%.*s\" (endpoint %zu of %zu) holds a comma; give each endpoint as a string of its own",
					  (int)(len > 200 ? 200 : len), t, i + 1, n);
		else if (!po_url_usable_base(t, len))
			ret = po_src_fail(err, PO_EINPUT, s, at.data, false,
					  "\"%.*s\" (endpoint %zu of %zu) is not an http:// or https:// base URL; give each endpoint as one, e.g. \"http://gpu1:8000/v1\"",
					  (int)(len > 200 ? 200 : len), t, i + 1, n);
	}
	po_buf_release(&p);
	po_buf_release(&at);
	return ret;
}

/* One setting of a config object at prefix ("" or "/sim"); key is its last part. */
static int check_config_value(struct po_err *err, const struct po_src *s, const char *prefix,
			      const json_t *obj, const char *key, const struct po_setting *st,
			      const struct po_known_names *names)
{
	const json_t *v = json_object_get(obj, key);
	int ret;

	switch (st->cfg_form) {
	case PO_CFG_STRING:
		return po_settings_check_type(err, s, prefix, obj, key, JSON_STRING, JSON_STRING,
					      st->cfg_expect);
	case PO_CFG_STRING_OR_NULL:
		return po_settings_check_type(err, s, prefix, obj, key, JSON_STRING, JSON_NULL,
					      st->cfg_expect);
	case PO_CFG_STRATEGY:
		ret = po_settings_check_type(err, s, prefix, obj, key, JSON_STRING, JSON_OBJECT,
					     st->cfg_expect);
		return ret || !v ? ret : check_strategy(err, s, v, names);
	case PO_CFG_ACCEPT_RULE:
		if (v && (!json_is_string(v) || (strcmp(json_string_value(v), "greedy") &&
						 strcmp(json_string_value(v), "paired")))) {
			struct po_buf p = PO_BUF_INIT;

			ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, prefix, key), false,
					  "unknown acceptance rule; use \"greedy\" or \"paired\"");
			po_buf_release(&p);
			return ret;
		}
		return 0;
	case PO_CFG_NUMBER_OR_OBJECT:
		if (json_is_number(v))
			return po_settings_check_number(err, s, prefix, obj, key, false, st->cfg_min,
							false, st->cfg_max);
		return po_settings_check_type(err, s, prefix, obj, key, JSON_OBJECT, JSON_OBJECT,
					      st->cfg_expect);
	case PO_CFG_INT:
	case PO_CFG_NUMBER:
		return po_settings_check_number(err, s, prefix, obj, key,
						st->cfg_form == PO_CFG_INT, st->cfg_min,
						st->cfg_min_open, st->cfg_max);
	case PO_CFG_BOOL:
		return po_settings_check_type(err, s, prefix, obj, key, JSON_TRUE, JSON_TRUE,
					      st->cfg_expect);
	case PO_CFG_CATALOGUE:
		if (v && (!json_is_string(v) || (strcmp(json_string_value(v), "prfaq") &&
						 strcmp(json_string_value(v), "prfaq-v1") &&
						 strcmp(json_string_value(v), "generic") &&
						 strcmp(json_string_value(v), "ticket")))) {
			struct po_buf p = PO_BUF_INIT;

			ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, prefix, key), false,
					  "unknown simulator catalogue; use \"prfaq\", \"prfaq-v1\", "
					  "\"generic\" or \"ticket\"");
			po_buf_release(&p);
			return ret;
		}
		return 0;
	case PO_CFG_ENDPOINTS:
		return check_endpoints(err, s, prefix, obj, key);
	case PO_CFG_NONE:
	case PO_CFG_ROLES:
	case PO_CFG_RUBRIC:
	case PO_CFG_SPLIT:
	case PO_CFG_SCORERS:
		break;
	}
	return 0;
}

/* A NULL-ended list of names, each owned. */
struct name_list {
	char **v;
	size_t n, cap;
};

static void names_add(struct name_list *l, const char *name, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strncmp(l->v[i], name, len) && !l->v[i][len])
			return;
	if (l->n + 2 > l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = po_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = po_xstrndup(name, len);
	l->v[l->n] = NULL;
}

static void names_release(struct name_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/*
 * The config's names under `group` ("sim": catalogue, noise) in table order,
 * or (group NULL) its top-level names, sorted.
 */
static void config_names(struct name_list *l, const char *group)
{
	size_t len = group ? strlen(group) : 0;

	l->v = po_xcalloc(1, sizeof(*l->v)); /* an empty list is still NULL-ended */
	l->n = 0;
	l->cap = 1;
	for (const struct po_setting *st = po_settings; st->key; st++) {
		const char *c = st->config;

		if (!c)
			continue;
		if (!group)
			names_add(l, c, strchr(c, '/') ? (size_t)(strchr(c, '/') - c) : strlen(c));
		else if (!strncmp(c, group, len) && c[len] == '/')
			names_add(l, c + len + 1, strlen(c + len + 1));
	}
	if (!group)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
}

/* Type and keys of the group object (e.g. "sim") when the walk enters it. */
static int check_group(struct po_err *err, const struct po_src *s, const char *group,
		       const json_t *obj, const char *prefix)
{
	struct name_list known;
	char what[64];
	int ret;

	if (!json_is_object(obj))
		return po_src_type_error(err, s, "", group, obj, "an object", "");
	config_names(&known, group);
	snprintf(what, sizeof(what), "%s setting", group);
	ret = po_settings_check_keys(err, s, prefix, obj, (const char *const *)known.v, what);
	names_release(&known);
	return ret;
}

int po_settings_check_config(struct po_err *err, const struct po_src *s, const json_t *root,
			     const struct po_known_names *names,
			     int (*check_other)(const struct po_setting *st, const json_t *v,
						void *ctx),
			     void *ctx)
{
	struct po_buf group = PO_BUF_INIT, prefix = PO_BUF_INIT;
	const json_t *gobj = NULL;
	struct name_list top;
	int ret;

	config_names(&top, NULL);
	ret = po_settings_check_keys(err, s, "", root, (const char *const *)top.v, "setting");
	names_release(&top);
	for (const struct po_setting *st = po_settings; st->key && !ret; st++) {
		const char *c = st->config, *slash = c ? strchr(c, '/') : NULL;
		const json_t *obj = root;

		if (!c)
			continue;
		if (slash) {
			size_t len = (size_t)(slash - c);

			if (group.len != len || strncmp(group.data, c, len)) {
				po_buf_reset(&group);
				po_buf_add(&group, c, len);
				po_buf_reset(&prefix);
				po_jsonpos_path_key(&prefix, group.data);
				gobj = json_object_get(root, group.data);
				if (gobj)
					ret = check_group(err, s, group.data, gobj, prefix.data);
			}
			if (!gobj || ret)
				continue;
			obj = gobj;
			c = slash + 1;
		}
		if (st->cfg_form == PO_CFG_ROLES || st->cfg_form == PO_CFG_RUBRIC ||
		    st->cfg_form == PO_CFG_SPLIT || st->cfg_form == PO_CFG_SCORERS) {
			if (json_object_get(obj, c) && check_other)
				ret = check_other(st, json_object_get(obj, c), ctx);
			continue;
		}
		ret = check_config_value(err, s, slash ? prefix.data : "", obj, c, st, names);
	}
	po_buf_release(&group);
	po_buf_release(&prefix);
	return ret;
}

/* ---- a batch config ----------------------------------------------------- */

static const char *type_word(enum po_setting_type t)
{
	switch (t) {
	case PO_SETTING_STRING: return "a string";
	case PO_SETTING_BOOL: return "true or false";
	case PO_SETTING_INT:
	case PO_SETTING_LONG:
	case PO_SETTING_SEED: return "a whole number";
	case PO_SETTING_NUMBER: return "a number";
	case PO_SETTING_NONE: break;
	}
	return "a value";
}

static bool type_ok(enum po_setting_type t, const json_t *v)
{
	switch (t) {
	case PO_SETTING_STRING: return json_is_string(v);
	case PO_SETTING_BOOL: return json_is_boolean(v);
	case PO_SETTING_INT:
	case PO_SETTING_LONG:
	case PO_SETTING_SEED: return json_is_integer(v);
	case PO_SETTING_NUMBER: return json_is_number(v);
	case PO_SETTING_NONE: break;
	}
	return false;
}

/* The names a string must be (project, strategy, provider, a non-empty name). */
static int check_batch_name(struct po_err *err, const struct po_src *s, const char *jpath,
			    const struct po_setting *st, const char *str, const char *where,
			    const struct po_known_names *names)
{
	struct po_err nerr = { 0 };

	switch (st->names) {
	case PO_NAMES_PROJECT:
		if (po_project_name_check(str, &nerr))
			return po_src_fail(err, PO_EINPUT, s, jpath, false, "%s: %s", where, nerr.msg);
		break;
	case PO_NAMES_STRATEGY:
		if (names && !names->strategy_known(str))
			return po_src_fail(err, PO_EINPUT, s, jpath, false,
					   "unknown strategy '%s' %s; available: %s", str, where,
					   names->strategy_names());
		break;
	case PO_NAMES_PROVIDER:
		if (names && !names->provider_known(str))
			return po_src_fail(err, PO_EINPUT, s, jpath, false,
					   "unknown provider '%s' %s; available: %s", str, where,
					   names->provider_names());
		break;
	case PO_NAMES_NONEMPTY:
		if (!*str)
			return po_src_fail(err, PO_EINPUT, s, jpath, false,
					   "empty \"%s\" %s; give the experiment a name", st->batch,
					   where);
		break;
	case PO_NAMES_ANY:
		break;
	}
	return 0;
}

/* Checks one key's value: type, range, and names that must exist. */
static int check_batch_value(struct po_err *err, const struct po_src *s, const char *jpath,
			     const struct po_setting *st, const json_t *v, const char *where,
			     const struct po_known_names *names)
{
	double x;

	if (!type_ok(st->type, v))
		return po_src_fail(err, PO_EINPUT, s, jpath, false,
				   "expected %s for \"%s\" %s, found %s", type_word(st->type),
				   st->batch, where, po_json_type_name(v));
	if (st->type == PO_SETTING_STRING)
		return check_batch_name(err, s, jpath, st, json_string_value(v), where, names);
	if (st->type == PO_SETTING_BOOL)
		return 0;
	x = json_number_value(v);
	if (!(x >= st->min && x <= st->max))
		return po_src_fail(err, PO_EINPUT, s, jpath, false,
				   "\"%s\" %s must be between %.16g and %.16g, not %.16g", st->batch,
				   where, st->min, st->max, x);
	return 0;
}

int po_settings_check_batch(struct po_err *err, const struct po_src *s, const char *prefix,
			    const json_t *obj, const char *where, const struct po_known_names *names)
{
	struct po_buf p = PO_BUF_INIT;
	struct name_list known = { 0 };
	const char *key;
	json_t *v;
	int ret = 0;

	json_object_foreach((json_t *)obj, key, v) {
		const struct po_setting *st = po_setting_find_batch(key);

		po_buf_reset(&p);
		po_buf_adds(&p, prefix);
		po_jsonpos_path_key(&p, key);
		if (st) {
			ret = check_batch_value(err, s, p.data, st, v, where, names);
		} else {
			known.v = po_xcalloc(1, sizeof(*known.v));
			known.cap = 1;
			for (st = po_settings; st->key; st++)
				if (st->batch)
					names_add(&known, st->batch, strlen(st->batch));
			qsort(known.v, known.n, sizeof(*known.v), cmp_str);
			ret = po_settings_unknown_key(err, s, p.data, key,
						      (const char *const *)known.v, NULL, where);
			names_release(&known);
		}
		if (ret)
			break;
	}
	po_buf_release(&p);
	return ret;
}
