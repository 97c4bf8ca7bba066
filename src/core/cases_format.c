/*
 * Test case formats (see cases_format.h): the choice by file name, and
 * JSON Lines, a case object per line. CSV and YAML are cases_csv.c and
 * cases_yaml.c.
 */
#include "core/cases_format.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/jsonpos.h"
#include "util/mem.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

enum po_cases_format po_cases_format_of(const char *path)
{
	if (ends_with(path, ".jsonl"))
		return PO_CASES_JSONL;
	if (ends_with(path, ".csv"))
		return PO_CASES_CSV;
	if (ends_with(path, ".yaml") || ends_with(path, ".yml"))
		return PO_CASES_YAML;
	return PO_CASES_JSON;
}

const char *const *po_cases_extensions(void)
{
	static const char *const ext[] = { "json", "jsonl", "csv", "yaml", "yml", NULL };

	return ext;
}

int po_cases_convert(const char *path, const char *text, size_t len, char **json,
		     struct po_srcmap *map, struct po_err *err)
{
	switch (po_cases_format_of(path)) {
	case PO_CASES_JSONL:
		return po_cases_from_jsonl(path, text, len, json, map, err);
	case PO_CASES_CSV:
		return po_cases_from_csv(path, text, len, json, map, err);
	case PO_CASES_YAML:
		return po_cases_from_yaml(path, text, len, json, map, err);
	case PO_CASES_JSON:
		break;
	}
	*json = po_xstrndup(text, len);
	return 0;
}

/* A line that holds nothing but white space (or a comment-free blank). */
static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

int po_cases_from_jsonl(const char *path, const char *text, size_t len, char **json,
			struct po_srcmap *map, struct po_err *err)
{
	json_t *arr = json_array();
	struct po_buf p = PO_BUF_INIT;
	int line = 0, ret = 0;

	*json = NULL;
	for (size_t at = 0; at < len && !ret; line++) {
		const char *s = text + at, *nl = memchr(s, '\n', len - at);
		size_t n = nl ? (size_t)(nl - s) : len - at;
		json_error_t jerr;
		json_t *v;

		at += n + (nl != NULL);
		if (blank(s, n))
			continue;
		v = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
		if (!v)
			ret = po_error(err, PO_EINPUT, "%s:%d:%d: invalid JSON: %s (JSON Lines: one test case object per line)",
				       path, line + 1, jerr.column > 0 ? jerr.column : 1, jerr.text);
		else if (!json_is_object(v))
			ret = po_error(err, PO_EINPUT, "%s:%d:1: expected a test case object on the line, found %s",
				       path, line + 1, json_is_array(v) ? "an array" : "another value");
		if (ret) {
			json_decref(v);
			break;
		}
		po_buf_reset(&p);
		po_jsonpos_path_index(&p, json_array_size(arr));
		po_srcmap_add_sub(map, p.data, line + 1, s, n);
		json_array_append_new(arr, v);
	}
	if (!ret)
		*json = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(arr);
	po_buf_release(&p);
	return ret;
}
