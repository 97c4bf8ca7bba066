/*
 * JSON file I/O over jansson. Messages carry the file, line and column that
 * jansson reports, in the usual compiler-like "file:line:col:" form.
 */
#include "util/json.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/mem.h"

int po_json_load_text(const char *name, const char *text, size_t len, json_t **out,
		      struct po_err *err)
{
	json_error_t je;

	*out = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	if (!*out) {
		int col = je.column > 0 ? je.column : 1;
		int line = je.line > 0 ? je.line : 1;
		return po_error(err, PO_ESYNTAX, "%s:%d:%d: invalid JSON: %s", name, line, col,
				je.text);
	}
	return 0;
}

int po_json_load_file(const char *path, json_t **out, struct po_err *err)
{
	struct po_buf b = PO_BUF_INIT;
	int ret;

	*out = NULL;
	ret = po_fs_read_file(path, &b, err);
	if (!ret)
		ret = po_json_load_text(path, b.data, b.len, out, err);
	po_buf_release(&b);
	return ret;
}

int po_json_write_file(const char *path, const json_t *v, struct po_err *err)
{
	return po_json_write_file_ex(path, v, true, err);
}

/* ---- the results writer ---------------------------------------------------
 * Byte for byte what json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS |
 * JSON_REAL_PRECISION(10)) writes (a unit test holds it to that), about ten
 * times faster: results files are most of what a simulated run writes. */

/* jansson's string escapes: \b \f \n \r \t, other controls as \u00XX. */
static void dump_string(struct po_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t run = 0;

	po_buf_addch(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7] = "\\u00";

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		po_buf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': po_buf_adds(b, "\\\""); break;
		case '\\': po_buf_adds(b, "\\\\"); break;
		case '\b': po_buf_adds(b, "\\b"); break;
		case '\f': po_buf_adds(b, "\\f"); break;
		case '\n': po_buf_adds(b, "\\n"); break;
		case '\r': po_buf_adds(b, "\\r"); break;
		case '\t': po_buf_adds(b, "\\t"); break;
		default:
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			po_buf_add(b, esc, 6);
		}
	}
	po_buf_add(b, s + run, len - run);
	po_buf_addch(b, '"');
}

/* jansson's reals: %.<precision>g, ".0" when it would read back as an integer, and
 * exponents without '+' or leading zeros. */
void po_json_add_real(struct po_buf *b, double v, int precision)
{
	char num[64], *e;
	int n;

	if (!isfinite(v)) {
		po_buf_adds(b, "null");
		return;
	}
	n = snprintf(num, sizeof(num), "%.*g", precision, v);
	if (n < 0 || (size_t)n >= sizeof(num) - 3)
		return;
	if (!strchr(num, '.') && !strchr(num, 'e')) {
		memcpy(num + n, ".0", 3);
		n += 2;
	}
	e = strchr(num, 'e');
	if (e) {
		char *start = e + 1, *end = e + 2;

		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start)
			memmove(start, end, strlen(end) + 1);
	}
	po_buf_adds(b, num);
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void indent(struct po_buf *b, int depth)
{
	po_buf_addch(b, '\n');
	for (int i = 0; i < depth; i++)
		po_buf_add(b, "  ", 2);
}

static void dump_value(struct po_buf *b, const json_t *v, int depth, int precision,
		       bool compact)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), k = 0;
		const char **keys;
		const char *key;
		json_t *item;

		if (!n) {
			po_buf_adds(b, "{}");
			return;
		}
		keys = po_xcalloc(n, sizeof(*keys));
		json_object_foreach((json_t *)v, key, item)
			keys[k++] = key;
		qsort(keys, k, sizeof(*keys), cmp_keys);
		po_buf_addch(b, '{');
		for (size_t i = 0; i < k; i++) {
			if (i)
				po_buf_addch(b, ',');
			if (!compact)
				indent(b, depth + 1);
			dump_string(b, keys[i], strlen(keys[i]));
			po_buf_add(b, ": ", compact ? 1 : 2);
			dump_value(b, json_object_get(v, keys[i]), depth + 1, precision, compact);
		}
		if (!compact)
			indent(b, depth);
		po_buf_addch(b, '}');
		free(keys);
		return;
	}
	case JSON_ARRAY: {
		size_t n = json_array_size(v);

		if (!n) {
			po_buf_adds(b, "[]");
			return;
		}
		po_buf_addch(b, '[');
		for (size_t i = 0; i < n; i++) {
			if (i)
				po_buf_addch(b, ',');
			if (!compact)
				indent(b, depth + 1);
			dump_value(b, json_array_get(v, i), depth + 1, precision, compact);
		}
		if (!compact)
			indent(b, depth);
		po_buf_addch(b, ']');
		return;
	}
	case JSON_STRING:
		dump_string(b, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER:
		po_buf_addf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	case JSON_REAL:
		po_json_add_real(b, json_real_value(v), precision);
		return;
	case JSON_TRUE:
		po_buf_adds(b, "true");
		return;
	case JSON_FALSE:
		po_buf_adds(b, "false");
		return;
	case JSON_NULL:
		po_buf_adds(b, "null");
		return;
	}
}

void po_json_dump(struct po_buf *out, const json_t *v, int depth, int precision)
{
	dump_value(out, v, depth, precision, false);
}

void po_json_dump_line(struct po_buf *out, const json_t *v, int precision)
{
	dump_value(out, v, 0, precision, true);
}

int po_json_write_file_ex(const char *path, const json_t *v, bool durable, struct po_err *err)
{
	struct po_buf b = PO_BUF_INIT;
	int ret;

	if (!v)
		return po_error(err, PO_EFAIL, "cannot encode JSON for '%s'", path);
	dump_value(&b, v, 0, 10, false);
	po_buf_addch(&b, '\n');
	ret = po_fs_replace(path, b.data, b.len, durable, err);
	po_buf_release(&b);
	return ret;
}

char *po_json_dumps_compact(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY |
				     JSON_REAL_PRECISION(10));
}

const char *po_json_str(const json_t *obj, const char *key, const char *dflt)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : dflt;
}

double po_json_num(const json_t *obj, const char *key, double dflt)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

long long po_json_int(const json_t *obj, const char *key, long long dflt)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v)) {
		double x = json_real_value(v);

		/* Saturated: casting a value out of range is undefined. */
		if (x >= 0x1p63)
			return LLONG_MAX;
		if (x < -0x1p63)
			return LLONG_MIN;
		return (long long)x;
	}
	return dflt;
}

int po_json_bool(const json_t *obj, const char *key, int dflt)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

const char *po_json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

void po_json_escape(struct po_buf *out, const char *s)
{
	if (!s)
		po_buf_adds(out, "null");
	else
		dump_string(out, s, strlen(s));
}

size_t po_json_object_span(const char *s, size_t len)
{
	size_t depth = 0;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = false;
			continue;
		}
		if (ch == '"')
			in_str = true;
		else if (ch == '{')
			depth++;
		else if (ch == '}' && --depth == 0)
			return i + 1;
	}
	return 0;
}
