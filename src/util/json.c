/*
 * JSON file I/O over jansson. Messages carry the file, line and column that
 * jansson reports, in the usual compiler-like "file:line:col:" form.
 */
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"

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

int po_json_write_file_ex(const char *path, const json_t *v, bool durable, struct po_err *err)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
	struct po_buf b = PO_BUF_INIT;
	int ret;

	if (!s)
		return po_error(err, PO_EFAIL, "cannot encode JSON for '%s'", path);
	po_buf_adds(&b, s);
	po_buf_addch(&b, '\n');
	free(s);
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
	if (json_is_real(v))
		return (long long)json_real_value(v);
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
	static const char hex[] = "0123456789abcdef";
	const char *run;

	if (!s) {
		po_buf_adds(out, "null");
		return;
	}
	po_buf_addch(out, '"');
	for (run = s; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		po_buf_add(out, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"': po_buf_adds(out, "\\\""); break;
		case '\\': po_buf_adds(out, "\\\\"); break;
		case '\n': po_buf_adds(out, "\\n"); break;
		case '\r': po_buf_adds(out, "\\r"); break;
		case '\t': po_buf_adds(out, "\\t"); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			po_buf_add(out, esc, 6);
		}
	}
	po_buf_add(out, run, (size_t)(s - run));
	po_buf_addch(out, '"');
}
