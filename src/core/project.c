/*
 * Projects as data: the three project files validated from their text with
 * every check done up front, so that a run never fails half-way on a typo.
 * Shape errors point at file:line:col (core/srcpos). No I/O here: reading
 * and creating the files is run/project_files.c's job.
 */
#include "core/project.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cases_format.h"
#include "core/project_config.h"
#include "core/srcpos.h"
#include "core/template.h"
#include "util/buf.h"
#include "util/embedded.h"
#include "util/err.h"
#include "util/json.h"
#include "util/jsonpos.h"
#include "util/mem.h"
#include "util/utf8.h"

#define NAME_MAX_LEN 100
#define BUILTIN_NAME "pr-faq-validator"

/* ---- names ------------------------------------------------------------ */

/* The name as it may be shown: control characters masked, long names cut. */
static void show_name(char *out, size_t size, const char *name)
{
	bool utf8 = po_utf8_valid(name, strlen(name), NULL);
	size_t i, n = 0;

	for (i = 0; name[i] && n + 4 < size && i < 60; i++) {
		unsigned char c = (unsigned char)name[i];

		out[n++] = c < 0x20 || c == 0x7f || (!utf8 && c >= 0x80) ? '?' : name[i];
	}
	if (name[i] && n + 4 < size) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/* A usable name close to a rejected one, to put in the message. */
static void suggest_name(char *out, size_t size, const char *name)
{
	bool utf8 = po_utf8_valid(name, strlen(name), NULL);
	size_t i, n = 0;

	for (i = 0; name[i] && n + 1 < size && n < 40; i++) {
		char ch = name[i];

		if ((unsigned char)ch <= 0x20 || ch == 0x7f || ch == '/' || ch == '\\' ||
		    (!utf8 && (unsigned char)ch >= 0x80))
			ch = '-';
		if (ch == '.' && (n == 0 || out[n - 1] == '.' || out[n - 1] == '-'))
			continue;
		if (ch == '-' && (n == 0 || out[n - 1] == '-'))
			continue;
		out[n++] = ch;
	}
	while (n && (out[n - 1] == '-' || out[n - 1] == '.'))
		n--;
	out[n] = '\0';
	if (!n)
		snprintf(out, size, "my-project");
}

int po_project_name_check(const char *name, struct po_err *err)
{
	char shown[80], better[48];
	const char *why = NULL;
	size_t i, len;

	if (!name || !*name)
		return po_error(err, PO_ENAME,
				"invalid project name '': it is empty; use letters, digits, '-' and '_', e.g. 'my-project'");
	len = strlen(name);
	if (strstr(name, ".."))
		why = "it contains '..'";
	else if (name[0] == '.')
		why = "it starts with '.'";
	else if (name[0] == ' ' || name[len - 1] == ' ')
		why = "it starts or ends with a space";
	else if (!po_utf8_valid(name, len, NULL))
		why = "it is not valid UTF-8 (shown with '?' for the bad bytes)";
	for (i = 0; i < len && !why; i++) {
		if (name[i] == '/')
			why = "it contains '/'";
		else if (name[i] == '\\')
			why = "it contains '\\'";
		else if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			why = "it contains a control character";
	}
	show_name(shown, sizeof(shown), name);
	if (!why && len > NAME_MAX_LEN)
		return po_error(err, PO_ENAME,
				"invalid project name '%s': it is %zu characters long; use at most %d",
				shown, len, NAME_MAX_LEN);
	if (!why)
		return 0;
	suggest_name(better, sizeof(better), name);
	return po_error(err, PO_ENAME,
			"invalid project name '%s': %s; use a plain name of letters, digits, '-' and '_', e.g. '%s'",
			shown, why, better);
}


char *po_project_file(const char *dir, const char *kind, const char *name)
{
	struct po_buf b = PO_BUF_INIT;

	po_buf_addf(&b, "%s/%s_%s.json", dir, kind, name);
	return po_buf_detach(&b);
}

/* ---- test cases -------------------------------------------------------- */

void po_test_cases_free(struct po_test_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(cases[i].id);
		free(cases[i].name);
		free(cases[i].description);
		json_decref(cases[i].inputs);
		json_decref(cases[i].expected);
		json_decref(cases[i].raw);
		po_checks_release(&cases[i].checks);
	}
	free(cases);
}

static int case_id(const struct po_src *s, const char *prefix, const json_t *obj, size_t index,
		   char **out, struct po_err *err)
{
	const json_t *v = json_object_get(obj, "id");
	char num[32];

	if (!v)
		return po_src_fail(err, PO_EINPUT, s, prefix, false,
				   "test case %zu has no \"id\"; give each test case a unique \"id\", e.g. \"case-%03zu\"",
				   index + 1, index + 1);
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*out = po_xstrdup(num);
		return 0;
	}
	if (!json_is_string(v))
		return po_src_type_error(err, s, prefix, "id", v, "a string", "");
	if (!json_string_length(v) || strlen(json_string_value(v)) != json_string_length(v)) {
		struct po_buf p = PO_BUF_INIT;
		int ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, prefix, "id"), false,
				      "test case %zu has %s \"id\"; give it a unique name such as \"case-%03zu\"",
				      index + 1, json_string_length(v) ? "a NUL character in its" : "an empty",
				      index + 1);
		po_buf_release(&p);
		return ret;
	}
	*out = po_xstrdup(json_string_value(v));
	return 0;
}

/* Where the first NUL of a string value is, counted in characters from 1
 * as an editor shows them (UTF-8), or -1 when there is none (or v is not a
 * string). */
static long nul_at(const json_t *v)
{
	const char *t = json_string_value(v), *z;
	long chars = 1;

	if (!t || !(z = memchr(t, 0, json_string_length(v))))
		return -1;
	for (; t < z; t++)
		if (((unsigned char)*t & 0xC0) != 0x80)
			chars++;
	return chars;
}

static int case_inputs(const struct po_src *s, const char *prefix, const json_t *obj,
		       const char *id, struct po_err *err)
{
	const json_t *inputs = json_object_get(obj, "inputs"), *v;
	struct po_buf p = PO_BUF_INIT, where = PO_BUF_INIT;
	const char *key;
	int ret = 0;

	po_buf_addf(&where, " in test case \"%s\"", id);
	if (!inputs) {
		ret = po_src_fail(err, PO_EINPUT, s, prefix, false,
				  "test case \"%s\" has no \"inputs\"; add \"inputs\": {\"name\": \"value\", ...} with one entry per template placeholder",
				  id);
		goto out;
	}
	if (!json_is_object(inputs)) {
		ret = po_src_type_error(err, s, prefix, "inputs", inputs, "an object", where.data);
		goto out;
	}
	json_object_foreach((json_t *)inputs, key, v) {
		po_src_path(&p, prefix, "inputs");
		po_jsonpos_path_key(&p, key);
		if (nul_at(v) >= 0) {
			ret = po_src_fail(err, PO_EINPUT, s, p.data, false,
					  "input \"%s\" of test case \"%s\" holds a NUL character (\\u0000) at character %ld; remove it (no LLM API carries one: the text would be cut short)",
					  key, id, nul_at(v));
			goto out;
		}
		if (json_is_string(v) || json_is_number(v) || json_is_boolean(v))
			continue;
		ret = po_src_fail(err, PO_EINPUT, s, p.data, false,
				  "input \"%s\" of test case \"%s\" is %s; inputs must be strings, numbers or booleans",
				  key, id, po_json_type_name(v));
		goto out;
	}
out:
	po_buf_release(&p);
	po_buf_release(&where);
	return ret;
}

static int optional_string(const struct po_src *s, const char *prefix, const json_t *obj,
			   const char *key, const char *where, const char *dflt, char **out,
			   struct po_err *err)
{
	const json_t *v = json_object_get(obj, key);

	if (v && !json_is_string(v))
		return po_src_type_error(err, s, prefix, key, v, "a string", where);
	*out = po_xstrdup(v ? json_string_value(v) : dflt);
	return 0;
}

/* A test case's own checks ("assert", promptfoo's name). */
static int case_checks(const struct po_src *s, const char *prefix, const json_t *obj,
		       struct po_test_case *tc, struct po_err *err)
{
	struct po_buf p = PO_BUF_INIT;
	int ret;

	ret = po_checks_parse(s, po_src_path(&p, prefix, "assert"), json_object_get(obj, "assert"),
			      &tc->checks, err);
	for (size_t i = 0; !ret && i < tc->checks.n; i++) {
		if (tc->expected || !po_check_needs_expected(&tc->checks.v[i]))
			continue;
		po_src_path(&p, prefix, "assert");
		po_jsonpos_path_index(&p, i);
		ret = po_src_fail(err, PO_EINPUT, s, p.data, false,
				  "the \"%s\" check compares with the test case's \"expected\", which test case \"%s\" lacks; give the check a \"value\" or the test case an \"expected\"",
				  tc->checks.v[i].type, tc->id);
	}
	po_buf_release(&p);
	return ret;
}

static int parse_case(const struct po_src *s, const char *prefix, json_t *obj, size_t index,
		      json_t *seen, struct po_test_case *tc, struct po_err *err)
{
	struct po_buf where = PO_BUF_INIT, p = PO_BUF_INIT;
	const json_t *first;
	int ret;

	if (!json_is_object(obj)) {
		ret = po_src_fail(err, PO_EINPUT, s, prefix, false,
				  "test case %zu is %s; write it as an object with \"id\" and \"inputs\"",
				  index + 1, po_json_type_name(obj));
		goto out;
	}
	ret = case_id(s, prefix, obj, index, &tc->id, err);
	if (ret)
		goto out;
	first = json_object_get(seen, tc->id);
	if (first) {
		struct po_jsonpos fpos;
		po_buf_reset(&p);
		po_buf_adds(&p, json_string_value(json_array_get(first, 1)));
		po_jsonpos_find(s->text, s->len, p.data, &fpos);
		ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, prefix, "id"), false,
				  "duplicate test case id \"%s\": test case %lld (line %d) has it too; give each test case a unique \"id\"",
				  tc->id, (long long)json_integer_value(json_array_get(first, 0)),
				  fpos.line);
		goto out;
	}
	json_object_set_new(seen, tc->id, json_pack("[I, s]", (json_int_t)index + 1, prefix));
	po_buf_addf(&where, " in test case \"%s\"", tc->id);
	ret = case_inputs(s, prefix, obj, tc->id, err);
	if (!ret)
		ret = optional_string(s, prefix, obj, "name", where.data, tc->id, &tc->name, err);
	if (!ret)
		ret = optional_string(s, prefix, obj, "description", where.data, "",
				      &tc->description, err);
	if (ret)
		goto out;
	tc->inputs = json_incref(json_object_get(obj, "inputs"));
	tc->expected = json_incref(json_object_get(obj, "expected"));
	tc->raw = json_incref(obj);
	if (json_object_get(obj, "assert"))
		ret = case_checks(s, prefix, obj, tc, err);
out:
	po_buf_release(&where);
	po_buf_release(&p);
	return ret;
}

/*
 * The seed's shape is an object {"project", "description", "test_cases":
 * [...]}, and other keys there are kept. A bare top-level array of test
 * cases is accepted too: it is unambiguous, it is what people write by hand
 * first, and refusing it would only teach them to wrap it.
 */
static int parse_test_cases(const struct po_src *s, struct po_test_case **out, size_t *nout,
			    char **description, struct po_err *err)
{
	json_t *root = NULL, *arr, *seen = NULL;
	struct po_test_case *cases = NULL;
	struct po_buf prefix = PO_BUF_INIT;
	const char *arr_path = "";
	size_t i, n = 0;
	int ret;

	*out = NULL;
	*nout = 0;
	if (description)
		*description = NULL;
	ret = po_json_load_text(s->path, s->text, s->len, &root, err);
	if (ret)
		return ret;
	if (json_is_object(root)) {
		const json_t *d = json_object_get(root, "description"),
			     *pr = json_object_get(root, "project");
		arr = json_object_get(root, "test_cases");
		arr_path = "/test_cases";
		if (!arr) {
			ret = po_src_fail(err, PO_EINPUT, s, "", false,
					  "no \"test_cases\" in the file; write {\"test_cases\": [{\"id\": \"case-001\", \"inputs\": {...}}, ...]}");
			goto out;
		}
		if (!json_is_array(arr)) {
			ret = po_src_type_error(err, s, "", "test_cases", arr, "an array", "");
			goto out;
		}
		if (d && !json_is_string(d)) {
			ret = po_src_type_error(err, s, "", "description", d, "a string", "");
			goto out;
		}
		if (pr && !json_is_string(pr)) {
			ret = po_src_type_error(err, s, "", "project", pr, "a string", "");
			goto out;
		}
		if (d && description)
			*description = po_xstrdup(json_string_value(d));
	} else if (json_is_array(root)) {
		arr = root;
	} else {
		ret = po_src_fail(err, PO_EINPUT, s, "", false,
				  "expected an object with \"test_cases\", found %s",
				  po_json_type_name(root));
		goto out;
	}
	if (!json_array_size(arr)) {
		ret = po_src_fail(err, PO_EINPUT, s, arr_path, false,
				  "there are no test cases; add at least one, e.g. {\"id\": \"case-001\", \"inputs\": {\"input\": \"...\"}}");
		goto out;
	}
	seen = json_object();
	cases = po_xcalloc(json_array_size(arr), sizeof(*cases));
	for (i = 0; i < json_array_size(arr); i++) {
		po_buf_reset(&prefix);
		po_buf_adds(&prefix, arr_path);
		po_jsonpos_path_index(&prefix, i);
		n = i + 1; /* the failed case is freed too: it may be half filled */
		ret = parse_case(s, prefix.data, json_array_get(arr, i), i, seen, &cases[i], err);
		if (ret)
			goto out;
	}
	*out = cases;
	*nout = n;
	cases = NULL;
out:
	if (cases)
		po_test_cases_free(cases, n);
	if (ret && description) {
		free(*description);
		*description = NULL;
	}
	json_decref(seen);
	json_decref(root);
	po_buf_release(&prefix);
	return ret;
}

int po_project_parse_test_cases(const char *path, const char *text, size_t len,
				struct po_test_case **cases, size_t *ncases, struct po_err *err)
{
	struct po_src s = { path, text, len, NULL };

	return parse_test_cases(&s, cases, ncases, NULL, err);
}

/* ---- prompts ----------------------------------------------------------- */

static int parse_prompts(const struct po_src *s, json_t **out, struct po_err *err)
{
	struct po_buf p = PO_BUF_INIT;
	json_t *root, *v;
	const char *key;
	int ret;

	*out = NULL;
	ret = po_json_load_text(s->path, s->text, s->len, &root, err);
	if (ret)
		return ret;
	if (!json_is_object(root)) {
		ret = po_src_fail(err, PO_EINPUT, s, "", false,
				  "expected an object of prompts (name -> template), found %s",
				  po_json_type_name(root));
		goto out;
	}
	if (!json_object_size(root)) {
		ret = po_src_fail(err, PO_EINPUT, s, "", false,
				  "there are no prompts; add one, e.g. {\"main\": \"Answer this: {input}\"}");
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (!*key) {
			ret = po_src_fail(err, PO_EINPUT, s, "/", true,
					  "a prompt has an empty name; name it, e.g. \"main\"");
			goto out;
		}
		if (!json_is_string(v)) {
			ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, "", key), false,
					  "expected a string (the template) for prompt \"%s\", found %s",
					  key, po_json_type_name(v));
			goto out;
		}
		if (!json_string_length(v)) {
			ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, "", key), false,
					  "prompt \"%s\" is empty; write its template or remove it", key);
			goto out;
		}
		if (nul_at(v) >= 0) {
			ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, "", key), false,
					  "prompt \"%s\" holds a NUL character (\\u0000) at character %ld of its template; remove it (no LLM API carries one: the text would be cut short)",
					  key, nul_at(v));
			goto out;
		}
	}
	*out = json_incref(root);
out:
	json_decref(root);
	po_buf_release(&p);
	return ret;
}

/* The rubric of a built-in config, for projects whose config has none. */
static void default_rubric(const char *catalogue, struct po_rubric *out)
{
	const struct po_embedded_file *f =
		po_embedded_find(!strncmp(catalogue, "prfaq", 5) ? BUILTIN_NAME "/config.json" :
								   "scaffold/config.json");
	struct po_src s = { "(built-in config)", f ? f->data : "{}", f ? f->len : 2, NULL };
	json_t *cfg = NULL;

	if (po_json_load_text(s.path, s.text, s.len, &cfg, NULL) == 0 &&
	    json_object_get(cfg, "rubric"))
		po_rubric_parse(&s, json_object_get(cfg, "rubric"), out, NULL);
	json_decref(cfg);
}

/* ---- the project ------------------------------------------------------- */

void po_project_free(struct po_project *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->description);
	free(p->dir);
	free(p->test_cases_path);
	free(p->prompts_path);
	free(p->config_path);
	po_test_cases_free(p->cases, p->ncases);
	json_decref(p->prompts);
	free(p->main_prompt);
	free(p->system_prompt);
	po_rubric_release(&p->rubric);
	po_checks_release(&p->checks);
	free(p->sim_catalogue);
	json_decref(p->config);
	free(p);
}

static void list_prompts(struct po_buf *b, const json_t *prompts)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)prompts, key, v)
		po_buf_addf(b, "%s%s", b->len ? ", " : "", key);
}

static int pick_prompts(struct po_project *p, const struct po_src *ps, const struct po_src *cs,
			struct po_err *err)
{
	const json_t *m = json_object_get(p->config, "main_prompt");
	const json_t *sys = json_object_get(p->config, "system_prompt");
	struct po_buf names = PO_BUF_INIT;
	const char *key, *only = NULL;
	size_t candidates = 0;
	json_t *v;
	int ret = 0;

	list_prompts(&names, p->prompts);
	if (json_is_string(sys)) {
		if (!json_object_get(p->prompts, json_string_value(sys))) {
			ret = po_src_fail(err, PO_EINPUT, cs, "/system_prompt", false,
					  "\"system_prompt\" names prompt \"%s\", but %s has no such prompt; use one of: %s",
					  json_string_value(sys), ps->path, names.data);
			goto out;
		}
		p->system_prompt = po_xstrdup(json_string_value(sys));
	} else if (!sys && json_object_get(p->prompts, "system_prompt")) {
		p->system_prompt = po_xstrdup("system_prompt");
	}
	if (m) {
		if (!json_object_get(p->prompts, json_string_value(m))) {
			ret = po_src_fail(err, PO_EINPUT, cs, "/main_prompt", false,
					  "\"main_prompt\" names prompt \"%s\", but %s has no such prompt; use one of: %s",
					  json_string_value(m), ps->path, names.data);
			goto out;
		}
		p->main_prompt = po_xstrdup(json_string_value(m));
		goto out;
	}
	json_object_foreach(p->prompts, key, v) {
		if (p->system_prompt && !strcmp(key, p->system_prompt))
			continue;
		candidates++;
		only = key;
	}
	if (candidates != 1) {
		ret = po_src_fail(err, PO_EINPUT, ps, "", false,
				  "cannot tell which prompt to optimize (%s); set \"main_prompt\" in %s to one of them",
				  candidates ? names.data : "there is only a system prompt", cs->path);
		goto out;
	}
	p->main_prompt = po_xstrdup(only);
out:
	po_buf_release(&names);
	return ret;
}

/*
 * Checking every template against every test case once, here, is what makes
 * "a placeholder with no input" a load-time error with a position instead of
 * a failure in the middle of a run.
 */
static int check_templates(const struct po_project *p, const struct po_src *ps,
			   struct po_err *err)
{
	const char *names[2] = { p->main_prompt, p->system_prompt };
	struct po_buf path = PO_BUF_INIT;
	size_t i, k;
	int ret = 0;

	for (k = 0; k < 2 && !ret; k++) {
		const char *t;

		if (!names[k])
			continue;
		t = json_string_value(json_object_get(p->prompts, names[k]));
		for (i = 0; i < p->ncases && !ret; i++)
			ret = po_template_check_inputs(t, p->cases[i].inputs, names[k],
						       p->cases[i].id, err);
		if (ret) {
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
			/* in a CSV file, the inputs are the columns */
			ret = po_src_fail(err, PO_ETEMPLATE, ps, po_src_path(&path, "", names[k]),
					  false, "%s%s%s%s", msg,
					  po_cases_format_of(p->test_cases_path) == PO_CASES_CSV ?
					  "; the inputs are the columns of " : "",
					  po_cases_format_of(p->test_cases_path) == PO_CASES_CSV ?
					  p->test_cases_path : "",
					  po_cases_format_of(p->test_cases_path) == PO_CASES_CSV ?
					  " (its header row)" : "");
		}
	}
	po_buf_release(&path);
	return ret;
}

static void settle_defaults(struct po_project *p, char *tc_description)
{
	const json_t *sim = json_object_get(p->config, "sim");
	const char *cat = po_json_str(sim, "catalogue", NULL);

	if (!cat)
		cat = !strcmp(p->name, BUILTIN_NAME) ? "prfaq" : "generic";
	p->sim_catalogue = po_xstrdup(cat);
	if (!p->rubric.n)
		default_rubric(cat, &p->rubric);
	if (json_is_string(json_object_get(p->config, "description")))
		p->description = po_xstrdup(po_json_str(p->config, "description", ""));
	else
		p->description = po_xstrdup(tc_description ? tc_description : "");
}

/*
 * Who scores the cases: the judge unless "judge" is false, the config's
 * "scorers" and each case's own; every case needs one, and a check that
 * compares with "expected" needs it in every case.
 */
static int settle_scoring(struct po_project *p, const struct po_src *cs, struct po_err *err)
{
	const json_t *w = json_object_get(p->config, "judge_weight");
	struct po_buf path = PO_BUF_INIT;
	int ret = 0;

	p->judge = !json_is_false(json_object_get(p->config, "judge"));
	p->judge_weight = w ? json_number_value(w) : 1;
	w = json_object_get(p->config, "judge_samples");
	p->judge_samples = w ? (int)json_integer_value(w) : 1;
	p->judge_structured = !json_is_false(json_object_get(p->config, "judge_structured"));
	for (size_t i = 0; i < p->ncases && !ret; i++) {
		const struct po_test_case *tc = &p->cases[i];

		if (!p->judge && !p->checks.n && !tc->checks.n)
			ret = po_src_fail(err, PO_EINPUT, cs, "/judge", false,
					  "the judge is off and test case \"%s\" has no checks: nothing would score it; add \"scorers\" to the config or \"assert\" to the test case",
					  tc->id);
		for (size_t k = 0; k < p->checks.n && !ret; k++) {
			if (tc->expected || !po_check_needs_expected(&p->checks.v[k]))
				continue;
			po_buf_reset(&path);
			po_buf_adds(&path, "/scorers");
			po_jsonpos_path_index(&path, k);
			ret = po_src_fail(err, PO_EINPUT, cs, path.data, false,
					  "the \"%s\" check compares with each test case's \"expected\", which test case \"%s\" lacks; give the check a \"value\" or the test case an \"expected\"",
					  p->checks.v[k].type, tc->id);
		}
	}
	po_buf_release(&path);
	return ret;
}

int po_project_parse_src(struct po_project **out, const char *name, const char *dir,
			 const struct po_src *ts, const struct po_src *prompts,
			 const struct po_src *config, const struct po_known_names *known,
			 struct po_err *err)
{
	struct po_project *p = po_xcalloc(1, sizeof(*p));
	struct po_src ps, cs;
	char *tc_description = NULL;
	int ret;

	*out = NULL;
	p->name = po_xstrdup(name);
	p->dir = po_xstrdup(dir);
	p->test_cases_path = po_xstrdup(ts->path);
	p->prompts_path = po_xstrdup(prompts->path);
	p->config_path = config ? po_xstrdup(config->path) : po_project_file(dir, "config", name);
	ps = *prompts;
	ps.path = p->prompts_path;
	cs = config ? *config : (struct po_src){ p->config_path, "{}", 2, NULL };
	cs.path = p->config_path;

	ret = parse_test_cases(ts, &p->cases, &p->ncases, &tc_description, err);
	if (!ret)
		ret = parse_prompts(&ps, &p->prompts, err);
	if (!ret)
		ret = po_project_config_parse(&cs, &p->config, &p->rubric, &p->checks, known, err);
	if (!ret)
		ret = settle_scoring(p, &cs, err);
	if (!ret)
		ret = pick_prompts(p, &ps, &cs, err);
	if (!ret)
		ret = check_templates(p, &ps, err);
	if (!ret) {
		settle_defaults(p, tc_description);
		*out = p;
		p = NULL;
	}
	free(tc_description);
	po_project_free(p);
	return ret;
}

int po_project_parse(struct po_project **out, const char *name, const char *dir,
		     const char *tc_text, size_t tc_len, const char *prompts_text,
		     size_t prompts_len, const char *config_text, size_t config_len,
		     const struct po_known_names *known, struct po_err *err)
{
	char *paths[3] = { po_project_file(dir, "test_cases", name),
			   po_project_file(dir, "prompts", name),
			   po_project_file(dir, "config", name) };
	struct po_src ts = { paths[0], tc_text, tc_len, NULL };
	struct po_src ps = { paths[1], prompts_text, prompts_len, NULL };
	struct po_src cs = { paths[2], config_text, config_len, NULL };
	int ret = po_project_parse_src(out, name, dir, &ts, &ps, config_text ? &cs : NULL, known,
				       err);

	for (int i = 0; i < 3; i++)
		free(paths[i]);
	return ret;
}

json_t *po_project_placeholders(const struct po_project *p)
{
	json_t *names = json_array();

	po_template_placeholders(json_string_value(json_object_get(p->prompts, p->main_prompt)),
				 names);
	if (p->system_prompt)
		po_template_placeholders(
			json_string_value(json_object_get(p->prompts, p->system_prompt)), names);
	return names;
}
