/*
 * Rule scorers on JSON output: is-json (the whole output parses; with a
 * value, it also matches that schema), json-schema (matches the schema) and
 * json-path-equals (the value at a path equals the check's value, or the
 * case's expected). 100 when the check passes, 0 when it fails.
 */
#include <stdlib.h>
#include <string.h>

#include "eval/json_schema.h"
#include "eval/rules.h"
#include "util/jsonpath.h"

/* The output parsed as JSON, or NULL with the verdict already given. */
static json_t *parse_output(const struct po_check *c, struct po_case_result *it)
{
	json_error_t e;
	json_t *v = json_loads(it->output, JSON_DECODE_ANY, &e);

	if (!v)
		po_rule_verdict(it, 0, false, "%s: the output is not JSON (%s at line %d, column %d)",
				c->label, e.text, e.line, e.column);
	return v;
}

static void schema_verdict(const struct po_check *c, struct po_case_result *it,
			   const json_t *doc)
{
	char *msg = NULL;
	int r = po_json_schema_validate(c->value, doc, &msg);

	if (r < 0)
		po_rule_error(it, "%s: the schema is unusable: %s", c->label, msg);
	else if (r == 0)
		po_rule_verdict(it, 0, false, "%s: %s", c->label, msg);
	else
		po_rule_verdict(it, 100, true, NULL);
	free(msg);
}

static void is_json(const struct po_check *c, struct po_case_result *it)
{
	json_t *doc = parse_output(c, it);

	if (doc && c->value)
		schema_verdict(c, it, doc);
	else if (doc)
		po_rule_verdict(it, 100, true, NULL);
	json_decref(doc);
}

static void json_schema(const struct po_check *c, struct po_case_result *it)
{
	json_t *doc = parse_output(c, it);

	if (doc)
		schema_verdict(c, it, doc);
	json_decref(doc);
}

static void json_path_equals(const struct po_check *c, struct po_case_result *it)
{
	const json_t *want = po_rule_target_json(c, it->tc), *got = NULL;
	json_t *doc;
	const char *why;
	size_t at;

	if (!want) {
		po_rule_error(it, "%s: no value and no \"expected\" to compare with", c->label);
		return;
	}
	doc = parse_output(c, it);
	if (!doc)
		return;
	if (po_jsonpath_get(doc, c->path, &got, &at, &why) < 0)
		po_rule_error(it, "%s: bad path (expected %s at offset %zu)", c->label, why, at);
	else if (!got)
		po_rule_verdict(it, 0, false, "%s: the output has nothing at %s", c->label, c->path);
	else if (!po_json_same(want, got))
		po_rule_verdict(it, 0, false, "%s: the value at %s differs", c->label, c->path);
	else
		po_rule_verdict(it, 100, true, NULL);
	json_decref(doc);
}

PO_RULE_SCORER(is_json, "is-json", "the output is JSON (matching the schema when given)",
	       is_json);
PO_RULE_SCORER(json_schema, "json-schema", "the output is JSON matching the schema",
	       json_schema);
PO_RULE_SCORER(json_path_equals, "json-path-equals",
	       "the output's value at a path ($.a.b, $.items[0]) equals the value", json_path_equals);
