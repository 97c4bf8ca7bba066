/*
 * Unit tests for core/settings: the table is consistent (one row per flag
 * and batch key, defaults that are the library's), and the one validator
 * gives each file its own wording.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/settings.h"
#include "run/project_files.h"

static void test_unique_flags_and_keys(void **state)
{
	(void)state;
	for (const struct po_setting *a = po_settings; a->key; a++) {
		assert_ptr_equal(po_setting_find(a->key), a);
		if (a->flag)
			assert_ptr_equal(po_setting_find_flag(a->flag), a);
		if (a->batch)
			assert_ptr_equal(po_setting_find_batch(a->batch), a);
		/* A switch is a bool or stores a constant; a value flag is not a bool. */
		if (a->flag && !a->metavar)
			assert_true(a->type == PO_SETTING_BOOL || a->flag_const);
		if (a->flag && a->metavar)
			assert_true(a->type != PO_SETTING_BOOL && a->type != PO_SETTING_NONE);
		if (a->flag)
			assert_int_not_equal(a->field, PO_SETTING_NO_FIELD);
	}
	assert_null(po_setting_find("no-such-setting"));
}

/* The table's defaults are po_run_options_init()'s, except where the
 * library's default means "decided later". */
static void test_defaults_match_the_library(void **state)
{
	struct po_run_options o;

	(void)state;
	po_run_options_init(&o);
	for (const struct po_setting *st = po_settings; st->key; st++) {
		void *p = po_setting_field(st, &o);

		if (!p || !st->dflt || st->flag_const || !strcmp(st->key, "project") ||
		    !strcmp(st->key, "noise"))
			continue;
		switch (st->type) {
		case PO_SETTING_STRING:
			assert_string_equal(*(const char **)p, st->dflt);
			break;
		case PO_SETTING_BOOL:
			assert_int_equal(*(bool *)p, !strcmp(st->dflt, "true"));
			break;
		case PO_SETTING_INT:
			assert_int_equal(*(int *)p, strtol(st->dflt, NULL, 10));
			break;
		case PO_SETTING_LONG:
			assert_int_equal(*(long *)p, strtol(st->dflt, NULL, 10));
			break;
		case PO_SETTING_NUMBER:
			assert_true(*(double *)p == strtod(st->dflt, NULL));
			break;
		case PO_SETTING_SEED:
			assert_int_equal(*(uint64_t *)p, strtoull(st->dflt, NULL, 10));
			break;
		case PO_SETTING_NONE:
			break;
		}
	}
}

static void test_store_json_clears_bits(void **state)
{
	struct po_run_options o;
	json_t *v = json_integer(7);

	(void)state;
	po_run_options_init(&o);
	o.from_config = PO_FROM_CONFIG_ALL;
	po_setting_store_json(po_setting_find("patience"), v, &o, ~0u);
	assert_int_equal(o.convergence.no_improvement_threshold, 7);
	assert_int_equal(o.from_config, PO_FROM_CONFIG_ALL & ~PO_FROM_CONFIG_PATIENCE);
	json_decref(v);
}

static int check_batch(const char *text, struct po_err *err)
{
	struct po_src s = { "b.json", text, strlen(text), NULL };
	json_t *obj = json_loads(text, 0, NULL);
	int ret = po_settings_check_batch(err, &s, "", obj, "in experiment 1",
					  po_project_known_names());

	json_decref(obj);
	return ret;
}

static int check_config(const char *text, struct po_err *err)
{
	struct po_src s = { "c.json", text, strlen(text), NULL };
	json_t *obj = json_loads(text, 0, NULL);
	int ret = po_settings_check_config(err, &s, obj, po_project_known_names(), NULL, NULL);

	json_decref(obj);
	return ret;
}

static void test_two_dialects(void **state)
{
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(check_batch("{\"patience\": 0}", &err), PO_EINPUT);
	assert_string_equal(err.msg,
			    "b.json:1:14: \"patience\" in experiment 1 must be between 1 and 100000, not 0");
	assert_int_equal(check_config("{\"convergence\": {\"no_improvement_threshold\": 0}}", &err),
			 PO_EINPUT);
	assert_string_equal(err.msg,
			    "c.json:1:46: \"no_improvement_threshold\" is 0; use a number of at least 1");
	assert_int_equal(check_batch("{\"judge_provider\": \"x\"}", &err), PO_EINPUT);
	assert_string_equal(err.msg,
			    "b.json:1:20: unknown provider 'x' in experiment 1; available: sim, bridge, anthropic, openai");
	assert_int_equal(check_config("{\"sim\": {\"nois\": 1}}", &err), PO_EINPUT);
	assert_string_equal(err.msg,
			    "c.json:1:10: unknown sim setting \"nois\"; did you mean \"noise\"? (known: catalogue, noise, verbosity_bias)");
	assert_int_equal(check_config("{\"seed\": 1, \"iterations\": 3, \"sim\": {\"noise\": 2}}", &err),
			 0);
	assert_int_equal(check_batch("{\"seed\": 1, \"iterations\": 0, \"name\": \"a\"}", &err), 0);
}

/* The config's "endpoints": an array of http(s) base URLs, each its own
 * string; every other shape is refused at its position. */
static void test_endpoints(void **state)
{
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(check_config("{\"endpoints\": [\"http://a:1/v1\", \"HTTPS://b\"]}", &err), 0);
	assert_int_equal(check_config("{\"endpoints\": \"http://a:1/v1\"}", &err), PO_EINPUT);
	assert_string_equal(err.msg, "c.json:1:15: expected an array of base URLs for \"endpoints\", found a string");
	assert_int_equal(check_config("{\"endpoints\": []}", &err), PO_EINPUT);
	assert_string_equal(err.msg, "c.json:1:15: \"endpoints\" is empty; list one base URL or more, e.g. [\"http://gpu1:8000/v1\", \"http://gpu2:8000/v1\"]");
	assert_int_equal(check_config("{\"endpoints\": [\"http://a\", null]}", &err), PO_EINPUT);
	assert_string_equal(err.msg, "c.json:1:28: expected a base URL (a string) for endpoint 2 of 2, found null");
	assert_int_equal(check_config("{\"endpoints\": [\"http://\"]}", &err), PO_EINPUT);
	assert_string_equal(err.msg, "c.json:1:16: \"http://\" (endpoint 1 of 1) is not an http:// or https:// base URL; give each endpoint as one, e.g. \"http://gpu1:8000/v1\"");
	assert_int_equal(check_config("{\"endpoints\": [\"http://a b\"]}", &err), PO_EINPUT);
	assert_int_equal(check_config("{\"endpoints\": [\"http://a,http://b\"]}", &err), PO_EINPUT);
	assert_string_equal(err.msg, "c.json:1:16: \"http://a,http://b\" (endpoint 1 of 1) holds a comma; give each endpoint as a string of its own");
	assert_int_equal(check_config("{\"pairwise_judge\": 1}", &err), PO_EINPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unique_flags_and_keys),
		cmocka_unit_test(test_defaults_match_the_library),
		cmocka_unit_test(test_store_json_clears_bits),
		cmocka_unit_test(test_two_dialects),
		cmocka_unit_test(test_endpoints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
