/*
 * Validation of rule checks (see checks.h): one table of the check types
 * and what each takes, then the generic walk over a list of check objects.
 */
#include "core/checks.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/settings.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonpath.h"
#include "util/jsonpos.h"
#include "util/mem.h"

/* What "value" a type takes. */
enum value_form {
	V_NONE,      /* no value */
	V_STRING,    /* a string */
	V_STRINGS,   /* a non-empty array of strings */
	V_ANY,       /* any JSON value */
	V_SCHEMA,    /* a JSON Schema: an object or a boolean */
};

struct check_type {
	const char *name;
	enum value_form value;
	bool value_required;
	bool threshold;      /* takes "threshold" */
	double thr_max;      /* threshold's maximum (0: none) */
	bool threshold_required;
	const char *extra;   /* the type's own keys, e.g. "min,max,unit" */
};

static const struct check_type types[] = {
	{ "equals", V_ANY, false, false, 0, false, NULL },
	{ "contains", V_STRING, true, false, 0, false, NULL },
	{ "icontains", V_STRING, true, false, 0, false, NULL },
	{ "contains-any", V_STRINGS, true, false, 0, false, NULL },
	{ "contains-all", V_STRINGS, true, false, 0, false, NULL },
	{ "not-contains", V_STRING, true, false, 0, false, NULL },
	{ "starts-with", V_STRING, true, false, 0, false, NULL },
	{ "regex", V_STRING, true, false, 0, false, NULL },
	{ "is-json", V_SCHEMA, false, false, 0, false, NULL },
	{ "json-schema", V_SCHEMA, true, false, 0, false, NULL },
	{ "json-path-equals", V_ANY, false, false, 0, false, "path" },
	{ "length", V_NONE, false, false, 0, false, "min,max,unit" },
	{ "levenshtein", V_STRING, false, true, 1, false, NULL },
	{ "f1", V_STRING, false, true, 1, false, NULL },
	{ "expected", V_NONE, false, false, 0, false, NULL },
	{ "cost", V_NONE, false, true, 0, true, NULL },
	{ "latency", V_NONE, false, true, 0, true, NULL },
	{ "command", V_ANY, false, true, 1, false, "run,timeout,workers" },
};

#define NTYPES (sizeof(types) / sizeof(types[0]))

static const char *type_names[NTYPES + 1];
static char type_list[256];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void build_names(void)
{
	size_t at = 0;

	for (size_t i = 0; i < NTYPES; i++) {
		type_names[i] = types[i].name;
		if (at < sizeof(type_list))
			at += (size_t)snprintf(type_list + at, sizeof(type_list) - at, "%s%s",
					       i ? ", " : "", types[i].name);
	}
}

const char *const *po_check_types(void)
{
	pthread_once(&names_once, build_names);
	return type_names;
}

const char *po_check_type_list(void)
{
	pthread_once(&names_once, build_names);
	return type_list;
}

static const struct check_type *find_type(const char *name)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (!strcmp(types[i].name, name))
			return &types[i];
	return NULL;
}

bool po_check_needs_expected(const struct po_check *c)
{
	static const char *const uses[] = { "equals", "json-path-equals", "levenshtein", "f1",
					    NULL };

	if (!strcmp(c->type, "expected"))
		return true;
	for (size_t i = 0; uses[i]; i++)
		if (!strcmp(c->type, uses[i]))
			return !c->value;
	return false;
}

static void check_release(struct po_check *c)
{
	free(c->name);
	free(c->type);
	json_decref(c->value);
	free(c->path);
	free(c->unit);
	free(c->label);
	for (size_t i = 0; c->run && c->run[i]; i++)
		free(c->run[i]);
	free(c->run);
	if (c->state) {
		if (c->state->free_data)
			c->state->free_data(c->state->data);
		pthread_mutex_destroy(&c->state->lock);
		free(c->state);
	}
}

void po_checks_release(struct po_checks *c)
{
	for (size_t i = 0; i < c->n; i++)
		check_release(&c->v[i]);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* The keys a check of type t may have, NULL-ended, into names[] (size >= 12). */
static void known_keys(const struct check_type *t, const char **names, char *extra,
		       size_t extra_size)
{
	size_t n = 0;

	names[n++] = "type";
	names[n++] = "weight";
	names[n++] = "required";
	if (t->value != V_NONE)
		names[n++] = "value";
	if (t->threshold)
		names[n++] = "threshold";
	if (t->extra) {
		snprintf(extra, extra_size, "%s", t->extra);
		for (char *p = extra; p && *p;) {
			char *comma = strchr(p, ',');

			names[n++] = p;
			if (comma)
				*comma++ = '\0';
			p = comma;
		}
	}
	names[n] = NULL;
}

/* A regex value compiles with PCRE2; else its message and offset. */
static int check_regex(const struct po_src *s, const char *vpath, const char *re,
		       struct po_err *err)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code,
				      &off, NULL);
	PCRE2_UCHAR msg[256];

	if (c) {
		pcre2_code_free(c);
		return 0;
	}
	pcre2_get_error_message(code, msg, sizeof(msg));
	return po_src_fail(err, PO_EINPUT, s, vpath, false,
			   "bad regex \"%s\": %s at offset %zu (PCRE2 syntax)", re, (char *)msg,
			   (size_t)off);
}

static int check_value(const struct po_src *s, const char *prefix, const json_t *c,
		       const struct check_type *t, struct po_err *err)
{
	const json_t *v = json_object_get(c, "value");
	struct po_buf p = PO_BUF_INIT;
	size_t i;
	const json_t *x;
	int ret = 0;

	if (!v)
		return t->value_required ?
			po_src_fail(err, PO_EINPUT, s, prefix, false,
				    "a \"%s\" check needs a \"value\"", t->name) : 0;
	switch (t->value) {
	case V_STRING:
		ret = po_settings_check_type(err, s, prefix, c, "value", JSON_STRING, JSON_STRING,
					     "a string");
		if (!ret && !strcmp(t->name, "regex"))
			ret = check_regex(s, po_src_path(&p, prefix, "value"), json_string_value(v),
					  err);
		break;
	case V_STRINGS:
		ret = po_settings_check_type(err, s, prefix, c, "value", JSON_ARRAY, JSON_ARRAY,
					     "an array of strings");
		json_array_foreach(v, i, x) {
			if (ret || json_is_string(x))
				continue;
			po_src_path(&p, prefix, "value");
			po_jsonpos_path_index(&p, i);
			ret = po_src_fail(err, PO_EINPUT, s, p.data, false,
					  "expected a string in \"value\", found %s",
					  po_json_type_name(x));
		}
		if (!ret && !json_array_size(v))
			ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, prefix, "value"), false,
					  "\"value\" is empty; list at least one string");
		break;
	case V_SCHEMA:
		if (!json_is_object(v) && !json_is_boolean(v))
			ret = po_src_type_error(err, s, prefix, "value", v,
						"a JSON Schema (an object or a boolean)", "");
		break;
	case V_ANY:
	case V_NONE:
		break;
	}
	po_buf_release(&p);
	return ret;
}

static int check_threshold(const struct po_src *s, const char *prefix, const json_t *c,
			   const struct check_type *t, struct po_err *err)
{
	struct po_buf p = PO_BUF_INIT;
	double x;
	int ret;

	if (!t->threshold)
		return 0;
	if (t->threshold_required && !json_object_get(c, "threshold"))
		return po_src_fail(err, PO_EINPUT, s, prefix, false,
				   "a \"%s\" check needs a \"threshold\" (%s)", t->name,
				   !strcmp(t->name, "cost") ? "dollars per generate call" :
				   "milliseconds per generate call");
	if (!t->thr_max)
		return po_settings_check_number(err, s, prefix, c, "threshold", false, 0, true, 0);
	ret = po_settings_check_number(err, s, prefix, c, "threshold", false, 0, false, 0);
	x = json_number_value(json_object_get(c, "threshold"));
	if (!ret && x > t->thr_max)
		ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, prefix, "threshold"), false,
				  "\"threshold\" is %g; use a similarity from 0 to %g", x, t->thr_max);
	po_buf_release(&p);
	return ret;
}

/* length: "min" / "max" whole numbers (at least one), "unit" one of three. */
static int check_length(const struct po_src *s, const char *prefix, const json_t *c,
			struct po_check *out, struct po_err *err)
{
	const json_t *unit = json_object_get(c, "unit");
	struct po_buf p = PO_BUF_INIT;
	int ret;

	ret = po_settings_check_number(err, s, prefix, c, "min", true, 0, false, 0);
	if (!ret)
		ret = po_settings_check_number(err, s, prefix, c, "max", true, 0, false, 0);
	if (!ret)
		ret = po_settings_check_type(err, s, prefix, c, "unit", JSON_STRING, JSON_STRING,
					     "\"chars\", \"words\" or \"lines\"");
	if (!ret && unit && strcmp(json_string_value(unit), "chars") &&
	    strcmp(json_string_value(unit), "words") && strcmp(json_string_value(unit), "lines"))
		ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, prefix, "unit"), false,
				  "unknown unit \"%s\"; use \"chars\", \"words\" or \"lines\"",
				  json_string_value(unit));
	if (!ret && !json_object_get(c, "min") && !json_object_get(c, "max"))
		ret = po_src_fail(err, PO_EINPUT, s, prefix, false,
				  "a \"length\" check needs \"min\", \"max\" or both");
	out->min = json_object_get(c, "min") ? (long)json_integer_value(json_object_get(c, "min")) : -1;
	out->max = json_object_get(c, "max") ? (long)json_integer_value(json_object_get(c, "max")) : -1;
	if (!ret && out->min >= 0 && out->max >= 0 && out->min > out->max)
		ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, prefix, "min"), false,
				  "\"min\" (%ld) is above \"max\" (%ld)", out->min, out->max);
	out->unit = po_xstrdup(unit ? json_string_value(unit) : "chars");
	po_buf_release(&p);
	return ret;
}

/* json-path-equals: a "path" that parses. */
static int check_path(const struct po_src *s, const char *prefix, const json_t *c,
		      struct po_check *out, struct po_err *err)
{
	const json_t *path = json_object_get(c, "path"), *none;
	struct po_buf p = PO_BUF_INIT;
	const char *why;
	size_t at;
	int ret;

	if (!path)
		return po_src_fail(err, PO_EINPUT, s, prefix, false,
				   "a \"json-path-equals\" check needs a \"path\" such as \"$.fields.name\"");
	ret = po_settings_check_type(err, s, prefix, c, "path", JSON_STRING, JSON_STRING,
				     "a path such as \"$.fields.name\"");
	if (!ret && po_jsonpath_get(NULL, json_string_value(path), &none, &at, &why) < 0)
		ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, prefix, "path"), false,
				  "bad path \"%s\": expected %s at offset %zu",
				  json_string_value(path), why, at);
	out->path = po_xstrdup(json_string_value(path));
	po_buf_release(&p);
	return ret;
}

/* command: "run" a non-empty array of strings; "timeout" seconds and
 * "workers" processes within sensible bounds. */
static int check_command(const struct po_src *s, const char *prefix, const json_t *c,
			 struct po_check *out, struct po_err *err)
{
	const json_t *run = json_object_get(c, "run"), *x;
	struct po_buf p = PO_BUF_INIT;
	size_t i;
	int ret = 0;

	if (!run)
		return po_src_fail(err, PO_EINPUT, s, prefix, false,
				   "a \"command\" check needs \"run\", the program and its arguments, such as [\"python3\", \"metric.py\"]");
	if (!json_is_array(run) || !json_array_size(run))
		ret = po_src_type_error(err, s, prefix, "run", run,
					"a non-empty array of strings such as [\"python3\", \"metric.py\"]", "");
	json_array_foreach(run, i, x) {
		if (ret || (json_is_string(x) && json_string_length(x) &&
			    strlen(json_string_value(x)) == json_string_length(x)))
			continue;
		po_src_path(&p, prefix, "run");
		po_jsonpos_path_index(&p, i);
		ret = po_src_fail(err, PO_EINPUT, s, p.data, false,
				  "expected a non-empty string without NUL in \"run\", found %s",
				  po_json_type_name(x));
	}
	if (!ret)
		ret = po_settings_check_number(err, s, prefix, c, "timeout", false, 0, true, 3600);
	if (!ret)
		ret = po_settings_check_number(err, s, prefix, c, "workers", true, 1, false, 64);
	po_buf_release(&p);
	if (ret)
		return ret;
	out->run = po_xcalloc(json_array_size(run) + 1, sizeof(*out->run));
	json_array_foreach(run, i, x)
		out->run[i] = po_xstrdup(json_string_value(x));
	x = json_object_get(c, "timeout");
	out->timeout_s = x ? json_number_value(x) : 30;
	x = json_object_get(c, "workers");
	out->workers = x ? (int)json_integer_value(x) : 2;
	out->state = po_xcalloc(1, sizeof(*out->state));
	pthread_mutex_init(&out->state->lock, NULL);
	return 0;
}

/* How messages name a check: its type and a short form of its value. */
static char *make_label(const struct po_check *c)
{
	struct po_buf b = PO_BUF_INIT;
	const char *v = json_string_value(c->value);

	po_buf_adds(&b, c->name);
	if (c->path)
		po_buf_addf(&b, " %s", c->path);
	if (v)
		po_buf_addf(&b, " \"%.40s%s\"", v, strlen(v) > 40 ? "..." : "");
	else if (json_is_array(c->value))
		po_buf_addf(&b, " (%zu strings)", json_array_size(c->value));
	if (c->run)
		po_buf_addf(&b, " %.40s%s%.60s", c->run[0], c->run[1] && c->run[1][0] != '-' ? " " : "",
			    c->run[1] && c->run[1][0] != '-' ? c->run[1] : "");
	if (c->unit) {
		po_buf_addf(&b, " in %s", c->unit);
		if (c->min >= 0)
			po_buf_addf(&b, ", at least %ld", c->min);
		if (c->max >= 0)
			po_buf_addf(&b, ", at most %ld", c->max);
	}
	if (!isnan(c->threshold))
		po_buf_addf(&b, " (threshold %g)", c->threshold);
	return po_buf_detach(&b);
}

static int parse_check(const struct po_src *s, const char *prefix, const json_t *c,
		       struct po_check *out, struct po_err *err)
{
	const json_t *type = json_object_get(c, "type");
	const struct check_type *t;
	const char *keys[16];
	char extra[64];
	int ret;

	if (!json_is_object(c))
		return po_src_fail(err, PO_EINPUT, s, prefix, false,
				   "a check is %s; write {\"type\": \"contains\", \"value\": \"...\"}",
				   po_json_type_name(c));
	if (!type)
		return po_src_fail(err, PO_EINPUT, s, prefix, false,
				   "a check needs a \"type\" (one of: %s)", po_check_type_list());
	ret = po_settings_check_type(err, s, prefix, c, "type", JSON_STRING, JSON_STRING,
				     "a check type");
	if (ret)
		return ret;
	t = find_type(json_string_value(type));
	if (!t && !strncmp(json_string_value(type), "not-", 4)) {
		t = find_type(json_string_value(type) + 4);
		out->negate = t != NULL;
	}
	if (!t) {
		struct po_buf p = PO_BUF_INIT;

		ret = po_settings_unknown_key(err, s, po_src_path(&p, prefix, "type"),
					      json_string_value(type), po_check_types(),
					      "check type", NULL);
		po_buf_release(&p);
		return ret;
	}
	known_keys(t, keys, extra, sizeof(extra));
	out->name = po_xstrdup(json_string_value(type));
	out->type = po_xstrdup(t->name);
	out->threshold = NAN;
	out->min = out->max = -1;
	ret = po_settings_check_keys(err, s, prefix, c, keys, "check field");
	if (!ret)
		ret = po_settings_check_number(err, s, prefix, c, "weight", false, 0, false, 0);
	if (!ret)
		ret = po_settings_check_type(err, s, prefix, c, "required", JSON_TRUE, JSON_TRUE,
					     "true or false");
	if (!ret)
		ret = check_value(s, prefix, c, t, err);
	if (!ret)
		ret = check_threshold(s, prefix, c, t, err);
	if (!ret && !strcmp(t->name, "length"))
		ret = check_length(s, prefix, c, out, err);
	if (!ret && !strcmp(t->name, "json-path-equals"))
		ret = check_path(s, prefix, c, out, err);
	if (!ret && !strcmp(t->name, "command"))
		ret = check_command(s, prefix, c, out, err);
	out->value = json_incref(json_object_get(c, "value"));
	out->weight = json_object_get(c, "weight") ? json_number_value(json_object_get(c, "weight")) : 1;
	out->required = json_is_true(json_object_get(c, "required"));
	if (json_object_get(c, "threshold"))
		out->threshold = json_number_value(json_object_get(c, "threshold"));
	out->label = make_label(out);
	return ret;
}

int po_checks_parse(const struct po_src *s, const char *jpath, const json_t *arr,
		    struct po_checks *out, struct po_err *err)
{
	size_t n0 = out->n, i;
	struct po_buf p = PO_BUF_INIT;
	int ret = 0;

	if (!json_is_array(arr))
		return po_src_fail(err, PO_EINPUT, s, jpath, false,
				   "expected an array of checks, found %s; write [{\"type\": \"contains\", \"value\": \"...\"}]",
				   po_json_type_name(arr));
	out->v = po_xrealloc(out->v, (n0 + json_array_size(arr) + 1) * sizeof(*out->v));
	for (i = 0; i < json_array_size(arr) && !ret; i++) {
		po_buf_reset(&p);
		po_buf_adds(&p, jpath);
		po_jsonpos_path_index(&p, i);
		memset(&out->v[out->n], 0, sizeof(out->v[out->n]));
		ret = parse_check(s, p.data, json_array_get(arr, i), &out->v[out->n], err);
		out->n++;
	}
	po_buf_release(&p);
	if (ret) {
		while (out->n > n0)
			check_release(&out->v[--out->n]);
	}
	return ret;
}
