/*
 * Test cases from YAML (libyaml): the document is the seed's JSON written
 * as YAML (a mapping with "test_cases", or the list of cases alone), so
 * multi-line text is a block scalar. Plain scalars are read by YAML 1.2's
 * core schema (null, true/false, numbers); quoted and block scalars are
 * strings. Every node's position goes into the map.
 */
#include "core/cases_format.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/jsonpos.h"
#include "util/mem.h"
#include "util/utf8.h"

/* Nodes made at most (aliases can multiply a small file), and depth. */
#define MAX_NODES 200000
#define MAX_DEPTH 64

struct conv {
	const char *path;
	yaml_document_t *doc;
	struct po_srcmap *map;
	struct po_err *err;
	size_t made;
};

static int fail_at(struct conv *c, const yaml_node_t *n, const char *what)
{
	return po_error(c->err, PO_EINPUT, "%s:%zu:%zu: %s", c->path, n->start_mark.line + 1,
			n->start_mark.column + 1, what);
}

static bool is_plain(const yaml_node_t *n)
{
	return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* A plain scalar by the core schema; a string otherwise. */
static json_t *scalar(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length;
	char *end;

	if (!is_plain(n) || strlen(s) != len)
		return json_stringn(s, len);
	if (!strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL") || !len)
		return json_null();
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return json_true();
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return json_false();
	if (strspn(s, "+-0123456789") == len && len < 19 && strpbrk(s, "0123456789")) {
		long long v;

		errno = 0;
		v = strtoll(s, &end, 10);
		if (!*end && !errno)
			return json_integer(v);
	}
	if (strspn(s, "+-0123456789.eE") == len && strpbrk(s, "0123456789")) {
		double d = strtod(s, &end);

		if (!*end && isfinite(d))
			return json_real(d);
	}
	return json_stringn(s, len);
}

static int convert(struct conv *c, const yaml_node_t *n, struct po_buf *path, int depth,
		   json_t **out);

static int convert_mapping(struct conv *c, const yaml_node_t *n, struct po_buf *path, int depth,
			   json_t *obj)
{
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		const yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
		const yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
		size_t keep = path->len;
		const char *key;
		json_t *jv;
		int ret;

		if (!k || !v || k->type != YAML_SCALAR_NODE)
			return fail_at(c, k ? k : n, "a key must be a plain name or a string");
		key = (const char *)k->data.scalar.value;
		if (strlen(key) != k->data.scalar.length || !po_utf8_valid(key, strlen(key), NULL))
			return fail_at(c, k, "a key must be UTF-8 text without NUL");
		if (json_object_get(obj, key))
			return fail_at(c, k, "this key appears twice in the mapping");
		po_jsonpos_path_key(path, key);
		ret = convert(c, v, path, depth + 1, &jv);
		po_buf_setlen(path, keep);
		if (ret)
			return ret;
		json_object_set_new(obj, key, jv);
	}
	return 0;
}

static int convert(struct conv *c, const yaml_node_t *n, struct po_buf *path, int depth,
		   json_t **out)
{
	int ret = 0;

	*out = NULL;
	if (++c->made > MAX_NODES || depth > MAX_DEPTH)
		return fail_at(c, n, "the document nests or repeats (aliases) too deeply for test cases");
	po_srcmap_add(c->map, path->data, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1);
	switch (n->type) {
	case YAML_SCALAR_NODE:
		*out = scalar(n);
		if (!*out)
			ret = fail_at(c, n, "the text is not UTF-8 or holds a NUL byte");
		break;
	case YAML_SEQUENCE_NODE:
		*out = json_array();
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top && !ret; it++) {
			size_t keep = path->len;
			json_t *v;

			po_jsonpos_path_index(path, json_array_size(*out));
			ret = convert(c, yaml_document_get_node(c->doc, *it), path, depth + 1, &v);
			po_buf_setlen(path, keep);
			if (!ret)
				json_array_append_new(*out, v);
		}
		break;
	case YAML_MAPPING_NODE:
		*out = json_object();
		ret = convert_mapping(c, n, path, depth, *out);
		break;
	default:
		ret = fail_at(c, n, "an empty node");
	}
	if (ret) {
		json_decref(*out);
		*out = NULL;
	}
	return ret;
}

int po_cases_from_yaml(const char *path, const char *text, size_t len, char **json,
		       struct po_srcmap *map, struct po_err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct conv c = { path, &doc, map, err, 0 };
	struct po_buf p = PO_BUF_INIT;
	yaml_node_t *root;
	json_t *v = NULL;
	int ret = 0;

	*json = NULL;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		ret = po_error(err, PO_EINPUT, "%s:%zu:%zu: invalid YAML: %s%s%s", path,
			       parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			       parser.problem ? parser.problem : "a syntax error",
			       parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return ret;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root)
		ret = po_error(err, PO_EINPUT, "%s:1:1: the file is empty; write test_cases: followed by a list of cases",
			       path);
	else
		ret = convert(&c, root, &p, 0, &v);
	if (!ret)
		*json = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	json_decref(v);
	po_buf_release(&p);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return ret;
}
