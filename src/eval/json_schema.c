/*
 * The JSON Schema validator of the json-schema and is-json scorers (see
 * json_schema.h): one recursive walk, one function per group of keywords;
 * numbers compare by value (1 equals 1.0), strings count code points.
 */
#include "eval/json_schema.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <limits.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

/* A walk: the instance path so far and the first fault. */
struct walk {
	struct po_buf path;   /* ".a[0]" (after the "$") */
	char *msg;
	bool schema_error;
};

static int fault(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fault(struct walk *w, const char *fmt, ...)
{
	struct po_buf b = PO_BUF_INIT;
	va_list ap;

	if (w->msg)
		return 0;
	po_buf_addf(&b, "$%s: ", w->path.data);
	va_start(ap, fmt);
	po_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	w->msg = po_buf_detach(&b);
	return 0;
}

static int schema_fault(struct walk *w, const char *what)
{
	if (!w->msg)
		w->msg = po_xstrdup(what);
	w->schema_error = true;
	return -1;
}

static bool is_integral(const json_t *v)
{
	double x;

	if (json_is_integer(v))
		return true;
	x = json_real_value(v);
	return json_is_real(v) && isfinite(x) && x == floor(x);
}

/* The schema "type" word of a value ("integer" for whole numbers). */
static bool type_is(const json_t *v, const char *t)
{
	if (!strcmp(t, "integer"))
		return json_is_number(v) && is_integral(v);
	if (!strcmp(t, "number"))
		return json_is_number(v);
	if (!strcmp(t, "string"))
		return json_is_string(v);
	if (!strcmp(t, "object"))
		return json_is_object(v);
	if (!strcmp(t, "array"))
		return json_is_array(v);
	if (!strcmp(t, "boolean"))
		return json_is_boolean(v);
	if (!strcmp(t, "null"))
		return json_is_null(v);
	return false;
}

static const char *kind(const json_t *v)
{
	static const char *const names[] = { "an object", "an array", "a string", "an integer",
					     "a number", "true", "false", "null" };

	if (json_is_real(v) && is_integral(v))
		return "an integer";
	return v ? names[json_typeof(v)] : "nothing";
}

/* Equality as JSON Schema means it: numbers by value, deep. */
bool po_json_same(const json_t *a, const json_t *b)
{
	if (json_is_number(a) && json_is_number(b))
		return json_number_value(a) == json_number_value(b) &&
		       (json_is_integer(a) && json_is_integer(b) ?
			json_integer_value(a) == json_integer_value(b) : true);
	if (json_typeof(a) != json_typeof(b))
		return false;
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!po_json_same(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	}
	if (json_is_object(a)) {
		const char *k;
		json_t *v;

		if (json_object_size(a) != json_object_size(b))
			return false;
		json_object_foreach((json_t *)a, k, v)
			if (!json_object_get(b, k) || !po_json_same(v, json_object_get(b, k)))
				return false;
		return true;
	}
	if (json_is_string(a))
		return json_string_length(a) == json_string_length(b) &&
		       !memcmp(json_string_value(a), json_string_value(b), json_string_length(a));
	return json_equal((json_t *)a, (json_t *)b);
}

static size_t code_points(const json_t *s)
{
	const unsigned char *p = (const unsigned char *)json_string_value(s);
	size_t n = 0, len = json_string_length(s);

	for (size_t i = 0; i < len; i++)
		n += (p[i] & 0xC0) != 0x80;
	return n;
}

static int validate(struct walk *w, const json_t *schema, const json_t *inst);

static int check_type(struct walk *w, const json_t *t, const json_t *inst)
{
	size_t i;
	const json_t *x;

	if (json_is_string(t))
		return type_is(inst, json_string_value(t)) ? 1 :
			fault(w, "expected %s, found %s", json_string_value(t), kind(inst));
	if (!json_is_array(t))
		return schema_fault(w, "\"type\" must be a type name or an array of them");
	json_array_foreach(t, i, x)
		if (json_is_string(x) && type_is(inst, json_string_value(x)))
			return 1;
	return fault(w, "%s is not of the types allowed", kind(inst));
}

static int check_enum_const(struct walk *w, const json_t *schema, const json_t *inst)
{
	const json_t *e = json_object_get(schema, "enum"), *c = json_object_get(schema, "const");
	size_t i;
	const json_t *x;
	bool found = false;

	if (c && !po_json_same(c, inst))
		return fault(w, "the value is not the constant the schema asks for");
	if (!e)
		return 1;
	if (!json_is_array(e))
		return schema_fault(w, "\"enum\" must be an array");
	json_array_foreach(e, i, x)
		found = found || po_json_same(x, inst);
	return found ? 1 : fault(w, "the value is none of the %zu allowed (enum)", json_array_size(e));
}

static int check_number(struct walk *w, const json_t *schema, const json_t *inst)
{
	static const char *const keys[] = { "minimum", "maximum", "exclusiveMinimum",
					    "exclusiveMaximum" };
	double x = json_number_value(inst);

	for (size_t k = 0; k < 4; k++) {
		const json_t *b = json_object_get(schema, keys[k]);
		double lim = json_number_value(b);
		bool ok;

		if (!b)
			continue;
		if (!json_is_number(b))
			return schema_fault(w, "a number bound must be a number");
		ok = k == 0 ? x >= lim : k == 1 ? x <= lim : k == 2 ? x > lim : x < lim;
		if (!ok)
			return fault(w, "%g is not %s %g", x,
				     k == 0 ? "at least" : k == 1 ? "at most" : k == 2 ? "above" :
				     "below", lim);
	}
	return 1;
}

/* A whole number of at least 0 for a length keyword, or -1 (schema fault). */
static long long count_of(const json_t *v)
{
	double d;

	if (!json_is_number(v) || !is_integral(v) || (d = json_number_value(v)) < 0)
		return -1;
	/* 2^63 and above (e.g. 1e70): no text or array is that long. */
	return d >= 9223372036854775807.0 ? LLONG_MAX : (long long)d;
}

/* 1 when the pattern `pat` (of keyword `kw`) matches text[0..len-1], 0 when
 * not, -1 when it is unusable (a schema fault). */
static int regex_match(struct walk *w, const char *kw, const json_t *pat, const char *text,
		       size_t len)
{
	int code, rc;
	PCRE2_SIZE off;
	pcre2_code *re;
	pcre2_match_data *md;
	char what[256];

	if (!json_is_string(pat)) {
		snprintf(what, sizeof(what), "a \"%s\" pattern must be a string", kw);
		return schema_fault(w, what);
	}
	re = pcre2_compile((PCRE2_SPTR)json_string_value(pat), json_string_length(pat),
			   PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
	if (!re) {
		PCRE2_UCHAR m[160];

		pcre2_get_error_message(code, m, sizeof(m));
		snprintf(what, sizeof(what), "bad \"%s\": %s at offset %zu", kw, (char *)m,
			 (size_t)off);
		return schema_fault(w, what);
	}
	md = pcre2_match_data_create_from_pattern(re, NULL);
	rc = pcre2_match(re, (PCRE2_SPTR)text, len, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
		snprintf(what, sizeof(what), "\"%s\" could not be matched (PCRE2 error %d)", kw, rc);
		return schema_fault(w, what);
	}
	return rc >= 0;
}

static int check_pattern(struct walk *w, const json_t *pat, const json_t *inst)
{
	int r = regex_match(w, "pattern", pat, json_string_value(inst), json_string_length(inst));

	if (r)
		return r;
	return fault(w, "the string does not match the pattern %s", json_string_value(pat));
}

static int check_string(struct walk *w, const json_t *schema, const json_t *inst)
{
	const json_t *mn = json_object_get(schema, "minLength");
	const json_t *mx = json_object_get(schema, "maxLength");
	size_t n = code_points(inst);

	if ((mn && count_of(mn) < 0) || (mx && count_of(mx) < 0))
		return schema_fault(w, "minLength and maxLength must be whole numbers");
	if (mn && (long long)n < count_of(mn))
		return fault(w, "the string has %zu characters, fewer than %lld", n, count_of(mn));
	if (mx && (long long)n > count_of(mx))
		return fault(w, "the string has %zu characters, more than %lld", n, count_of(mx));
	if (json_object_get(schema, "pattern"))
		return check_pattern(w, json_object_get(schema, "pattern"), inst);
	return 1;
}

/* Validates child under the path step written by fmt. */
static int child(struct walk *w, const json_t *schema, const json_t *inst, const char *key,
		 size_t index)
{
	size_t at = w->path.len;
	int r;

	if (key)
		po_buf_addf(&w->path, ".%s", key);
	else
		po_buf_addf(&w->path, "[%zu]", index);
	r = validate(w, schema, inst);
	po_buf_setlen(&w->path, at);
	return r;
}

static int check_array(struct walk *w, const json_t *schema, const json_t *inst)
{
	const json_t *items = json_object_get(schema, "items");
	const json_t *mn = json_object_get(schema, "minItems");
	const json_t *mx = json_object_get(schema, "maxItems");
	size_t n = json_array_size(inst);
	int r = 1;

	if ((mn && count_of(mn) < 0) || (mx && count_of(mx) < 0))
		return schema_fault(w, "minItems and maxItems must be whole numbers");
	if (mn && (long long)n < count_of(mn))
		return fault(w, "the array has %zu items, fewer than %lld", n, count_of(mn));
	if (mx && (long long)n > count_of(mx))
		return fault(w, "the array has %zu items, more than %lld", n, count_of(mx));
	for (size_t i = 0; items && i < n && r == 1; i++) {
		const json_t *s = json_is_array(items) ? json_array_get(items, i) : items;

		if (s)
			r = child(w, s, json_array_get(inst, i), NULL, i);
	}
	return r;
}

/* The subschemas of patternProperties whose pattern matches key, then
 * additionalProperties when neither they nor properties name it. */
static int check_member(struct walk *w, const json_t *schema, const char *key,
			const json_t *v)
{
	const json_t *props = json_object_get(schema, "properties");
	const json_t *pats = json_object_get(schema, "patternProperties");
	const json_t *addl = json_object_get(schema, "additionalProperties");
	bool named = json_object_get(props, key) != NULL;
	const char *pk;
	json_t *ps;
	int r = 1;

	if (named)
		r = child(w, json_object_get(props, key), v, key, 0);
	json_object_foreach((json_t *)pats, pk, ps) {
		json_t *pat = json_string(pk);
		int m = r == 1 ? regex_match(w, "patternProperties", pat, key, strlen(key)) : 0;

		json_decref(pat);
		if (m < 0)
			return -1;
		named |= m == 1;
		if (m == 1)
			r = child(w, ps, v, key, 0);
	}
	if (r == 1 && !named && addl)
		r = child(w, addl, v, key, 0);
	return r;
}

static int check_object(struct walk *w, const json_t *schema, const json_t *inst)
{
	const json_t *req = json_object_get(schema, "required");
	const char *k;
	json_t *v;
	size_t i;
	const json_t *x;
	int r = 1;

	if (req && !json_is_array(req))
		return schema_fault(w, "\"required\" must be an array of names");
	json_array_foreach(req, i, x)
		if (json_is_string(x) && !json_object_get(inst, json_string_value(x)))
			return fault(w, "the object lacks \"%s\"", json_string_value(x));
	if (json_object_get(schema, "properties") && !json_is_object(json_object_get(schema, "properties")))
		return schema_fault(w, "\"properties\" must be an object");
	json_object_foreach((json_t *)inst, k, v) {
		r = check_member(w, schema, k, v);
		if (r != 1)
			return r;
	}
	return 1;
}

static int validate(struct walk *w, const json_t *schema, const json_t *inst)
{
	int r = 1;

	if (json_is_boolean(schema))
		return json_is_true(schema) ? 1 : fault(w, "no value is allowed here");
	if (!json_is_object(schema))
		return schema_fault(w, "a schema must be an object or a boolean");
	if (json_object_get(schema, "type"))
		r = check_type(w, json_object_get(schema, "type"), inst);
	if (r == 1)
		r = check_enum_const(w, schema, inst);
	if (r == 1 && json_is_number(inst))
		r = check_number(w, schema, inst);
	if (r == 1 && json_is_string(inst))
		r = check_string(w, schema, inst);
	if (r == 1 && json_is_array(inst))
		r = check_array(w, schema, inst);
	if (r == 1 && json_is_object(inst))
		r = check_object(w, schema, inst);
	return r;
}

int po_json_schema_validate(const json_t *schema, const json_t *instance, char **msg)
{
	struct walk w = { .path = PO_BUF_INIT };
	int r = validate(&w, schema, instance);

	if (w.schema_error)
		r = -1;
	else if (w.msg)
		r = 0;
	if (msg)
		*msg = w.msg;
	else
		free(w.msg);
	po_buf_release(&w.path);
	return r;
}

const char *po_json_schema_unsupported(const json_t *schema)
{
	static const char *const known[] = {
		"type", "properties", "required", "additionalProperties", "enum", "const",
		"items", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
		"minLength", "maxLength", "minItems", "maxItems", "pattern", "patternProperties",
		"title", "description", "default", "examples", "$comment", "$schema", NULL,
	};
	const char *k, *bad;
	json_t *v;
	size_t i;

	if (!json_is_object(schema))
		return NULL;
	json_object_foreach((json_t *)schema, k, v) {
		bool ok = false;

		for (i = 0; known[i] && !ok; i++)
			ok = !strcmp(k, known[i]);
		if (!ok)
			return k;
	}
	bad = po_json_schema_unsupported(json_object_get(schema, "additionalProperties"));
	if (!bad && json_is_array(json_object_get(schema, "items"))) {
		json_array_foreach(json_object_get(schema, "items"), i, v)
			if (!bad)
				bad = po_json_schema_unsupported(v);
	} else if (!bad) {
		bad = po_json_schema_unsupported(json_object_get(schema, "items"));
	}
	json_object_foreach(json_object_get(schema, "properties"), k, v)
		if (!bad)
			bad = po_json_schema_unsupported(v);
	json_object_foreach(json_object_get(schema, "patternProperties"), k, v)
		if (!bad)
			bad = po_json_schema_unsupported(v);
	return bad;
}
