/*
 * Rule scorers on the output's text: equals, contains, icontains,
 * contains-any, contains-all, not-contains, starts-with, regex (PCRE2),
 * length and expected (exact after normalisation). Each gives 100 when the
 * check passes and 0 when it fails.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "eval/json_schema.h"
#include "eval/rules.h"
#include "util/buf.h"
#include "util/mem.h"

static void pass_fail(struct po_case_result *item, bool ok, const char *label, const char *why)
{
	if (ok)
		po_rule_verdict(item, 100, true, NULL);
	else
		po_rule_verdict(item, 0, false, "%s: %s", label, why);
}

/* equals: the output is the value (or expected) exactly; a non-string value
 * is compared with the output parsed as JSON. */
static void equals(const struct po_check *c, struct po_case_result *it)
{
	const json_t *want = po_rule_target_json(c, it->tc);
	json_t *got;
	bool ok;

	if (!want) {
		po_rule_error(it, "equals: no value and no \"expected\" to compare with");
		return;
	}
	if (json_is_string(want)) {
		ok = !strcmp(it->output, json_string_value(want));
		pass_fail(it, ok, c->label, "the output is not exactly the value");
		return;
	}
	got = json_loads(it->output, JSON_DECODE_ANY, NULL);
	ok = got && po_json_same(want, got);
	json_decref(got);
	pass_fail(it, ok, c->label, "the output is not that JSON value");
}

static void contains(const struct po_check *c, struct po_case_result *it)
{
	pass_fail(it, strstr(it->output, json_string_value(c->value)) != NULL, c->label,
		  "not found in the output");
}

static void icontains(const struct po_check *c, struct po_case_result *it)
{
	pass_fail(it, strcasestr(it->output, json_string_value(c->value)) != NULL, c->label,
		  "not found in the output (ignoring case)");
}

static void not_contains(const struct po_check *c, struct po_case_result *it)
{
	pass_fail(it, strstr(it->output, json_string_value(c->value)) == NULL, c->label,
		  "the output contains it");
}

static void starts_with(const struct po_check *c, struct po_case_result *it)
{
	const char *v = json_string_value(c->value);

	pass_fail(it, !strncmp(it->output, v, strlen(v)), c->label,
		  "the output starts otherwise");
}

/* contains-any (any = true) or contains-all of the value's strings. */
static void contains_set(const struct po_check *c, struct po_case_result *it, bool any)
{
	size_t i, found = 0;
	const json_t *x;
	const char *missing = NULL;

	json_array_foreach(c->value, i, x) {
		if (strstr(it->output, json_string_value(x)))
			found++;
		else if (!missing)
			missing = json_string_value(x);
	}
	if (any ? found > 0 : !missing) {
		po_rule_verdict(it, 100, true, NULL);
		return;
	}
	if (any)
		po_rule_verdict(it, 0, false, "%s: none of them is in the output", c->label);
	else
		po_rule_verdict(it, 0, false, "%s: \"%s\" is not in the output", c->label, missing);
}

static void contains_any(const struct po_check *c, struct po_case_result *it)
{
	contains_set(c, it, true);
}

static void contains_all(const struct po_check *c, struct po_case_result *it)
{
	contains_set(c, it, false);
}

static void regex(const struct po_check *c, struct po_case_result *it)
{
	int code, rc;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)json_string_value(c->value),
				       PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code,
				       &off, NULL);
	pcre2_match_data *md;

	if (!re) {
		po_rule_error(it, "%s: the regex does not compile", c->label);
		return;
	}
	md = pcre2_match_data_create_from_pattern(re, NULL);
	rc = pcre2_match(re, (PCRE2_SPTR)it->output, strlen(it->output), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
		po_rule_error(it, "%s: matching failed (PCRE2 error %d)", c->label, rc);
	else
		pass_fail(it, rc >= 0, c->label, "no match in the output");
}

/* Characters (code points), words or lines of s. */
static long measure(const char *s, const char *unit)
{
	long n = 0;
	bool in = false;

	if (!strcmp(unit, "words")) {
		for (; *s; s++) {
			bool sp = isspace((unsigned char)*s);

			n += !sp && !in;
			in = !sp;
		}
	} else if (!strcmp(unit, "lines")) {
		n = *s != '\0';
		for (; *s; s++)
			n += *s == '\n' && s[1];
	} else {
		for (; *s; s++)
			n += ((unsigned char)*s & 0xC0) != 0x80;
	}
	return n;
}

static void length(const struct po_check *c, struct po_case_result *it)
{
	long n = measure(it->output, c->unit);

	if (c->min >= 0 && n < c->min)
		po_rule_verdict(it, 0, false, "%s: the output has %ld %s", c->label, n, c->unit);
	else if (c->max >= 0 && n > c->max)
		po_rule_verdict(it, 0, false, "%s: the output has %ld %s", c->label, n, c->unit);
	else
		po_rule_verdict(it, 100, true, NULL);
}

/* Trimmed, runs of white space as one space, lower case (ASCII). */
static char *normalise(const char *s)
{
	struct po_buf b = PO_BUF_INIT;
	bool space = false;

	for (; *s; s++) {
		if (isspace((unsigned char)*s)) {
			space = b.len > 0;
			continue;
		}
		if (space)
			po_buf_addch(&b, ' ');
		space = false;
		po_buf_addch(&b, (char)tolower((unsigned char)*s));
	}
	return po_buf_detach(&b);
}

static void expected(const struct po_check *c, struct po_case_result *it)
{
	char *want = po_rule_target(c, it->tc), *a, *b;

	if (!want) {
		po_rule_error(it, "expected: test case \"%s\" has no \"expected\"", it->tc->id);
		return;
	}
	a = normalise(it->output);
	b = normalise(want);
	pass_fail(it, !strcmp(a, b), c->label, "the output is not the expected answer");
	free(a);
	free(b);
	free(want);
}

PO_RULE_SCORER(equals, "equals", "the output is the value (or the expected answer) exactly",
	       equals);
PO_RULE_SCORER(contains, "contains", "the output contains the value", contains);
PO_RULE_SCORER(icontains, "icontains", "the output contains the value, ignoring case",
	       icontains);
PO_RULE_SCORER(contains_any, "contains-any", "the output contains one of the values",
	       contains_any);
PO_RULE_SCORER(contains_all, "contains-all", "the output contains all of the values",
	       contains_all);
PO_RULE_SCORER(not_contains, "not-contains", "the output does not contain the value",
	       not_contains);
PO_RULE_SCORER(starts_with, "starts-with", "the output starts with the value", starts_with);
PO_RULE_SCORER(regex, "regex", "the output matches the regular expression (PCRE2)", regex);
PO_RULE_SCORER(length, "length", "the output's length in chars, words or lines is in bounds",
	       length);
PO_RULE_SCORER(expected, "expected",
	       "the output is the expected answer after normalisation (trim, spaces, case)",
	       expected);
