/*
 * Projects: creating the three project files (built in or scaffolded) and
 * loading them with every check done up front, so that a run never fails
 * half-way on a typo. Shape errors point at file:line:col via util/jsonpos.
 */
#include "core/project.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eval/render.h"
#include "llm/provider.h"
#include "opt/strategy.h"
#include "util/buf.h"
#include "util/embedded.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/jsonpos.h"
#include "util/mem.h"

#define NAME_MAX_LEN 100
#define BUILTIN_NAME "pr-faq-validator"

/* One project file's text, for messages that point into it. */
struct src {
	const char *path;
	const char *text;
	size_t len;
};

/* ---- names ------------------------------------------------------------ */

/* The name as it may be shown: control characters masked, long names cut. */
static void show_name(char *out, size_t size, const char *name)
{
	size_t i, n = 0;

	for (i = 0; name[i] && n + 4 < size && i < 60; i++)
		out[n++] = (unsigned char)name[i] < 0x20 || name[i] == 0x7f ? '?' : name[i];
	if (name[i] && n + 4 < size) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/* A usable name close to a rejected one, to put in the message. */
static void suggest_name(char *out, size_t size, const char *name)
{
	size_t i, n = 0;

	for (i = 0; name[i] && n + 1 < size && n < 40; i++) {
		char ch = name[i];

		if ((unsigned char)ch <= 0x20 || ch == 0x7f || ch == '/' || ch == '\\')
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

char *po_project_dir(const char *base, const char *name)
{
	struct po_buf b = PO_BUF_INIT;

	if (base && *base && strcmp(base, "."))
		po_buf_addf(&b, "%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/");
	po_buf_addf(&b, "prompt_tuning_results_%s", name);
	return po_buf_detach(&b);
}

static char *project_file(const char *dir, const char *kind, const char *name)
{
	struct po_buf b = PO_BUF_INIT;

	po_buf_addf(&b, "%s/%s_%s.json", dir, kind, name);
	return po_buf_detach(&b);
}

static const struct po_embedded_file *embedded(const char *project, const char *file)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", project, file);
	return po_embedded_find(path);
}

bool po_project_is_builtin(const char *name)
{
	/* "scaffold" is the template for new projects, not a project. */
	return name && strcmp(name, "scaffold") && !strchr(name, '/') &&
	       embedded(name, "test_cases.json") && embedded(name, "prompts.json") &&
	       embedded(name, "config.json");
}

bool po_project_exists(const char *base, const char *name)
{
	static const char *const kinds[3] = { "test_cases", "prompts", "config" };
	char *dir = po_project_dir(base, name);
	bool ret = false;

	/* Any of the three files makes it exist: loading it then says what is
	 * missing, where initializing over it would refuse or clobber. */
	for (int i = 0; i < 3 && !ret; i++) {
		char *f = project_file(dir, kinds[i], name);
		ret = po_fs_exists(f);
		free(f);
	}
	free(dir);
	return ret;
}

int po_project_ensure(const char *base, const char *name, bool *created, struct po_err *err)
{
	struct po_buf lock = PO_BUF_INIT;
	char *dir;
	long holder;
	int ret, fd;

	*created = false;
	ret = po_project_name_check(name, err);
	if (ret)
		return ret;
	dir = po_project_dir(base, name);
	po_fs_join(&lock, dir, "test_cases_");
	po_buf_addf(&lock, "%s.json", name);
	/* Complete (the test cases are written last): nothing to do. */
	if (po_fs_exists(lock.data))
		goto out;
	/* Several runs (or shards of a batch on one shared folder) may find the
	 * project missing at once: one creates it, the others wait and use it.
	 * Under the lock, a partial project is one whose creation failed: it is
	 * left for loading to report. */
	ret = po_fs_mkdirs(dir, err);
	if (!ret) {
		po_fs_join(&lock, dir, ".init.lock");
		fd = po_fs_lock(lock.data, true, &holder, err);
		ret = fd < 0 ? fd : 0;
		if (!ret && !po_project_exists(base, name)) {
			ret = po_project_init(base, name, err);
			*created = !ret;
		}
		/* Removing it is safe: whoever locks the file after this
		 * (this inode or a new one) finds the project there. */
		if (fd >= 0) {
			unlink(lock.data);
			close(fd);
		}
	}
out:
	po_buf_release(&lock);
	free(dir);
	return ret;
}

/* ---- messages that point into a file ------------------------------------ */

__attribute__((format(printf, 6, 7)))
static int fail_at(struct po_err *err, int code, const struct src *s, const char *jpath,
		   bool at_key, const char *fmt, ...)
{
	struct po_jsonpos pos;
	char msg[sizeof(err->msg)];
	va_list ap;

	po_jsonpos_find(s->text, s->len, jpath, &pos);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return po_error(err, code, "%s:%d:%d: %s", s->path, at_key ? pos.key_line : pos.line,
			at_key ? pos.key_col : pos.col, msg);
}

static const char *join_path(struct po_buf *b, const char *prefix, const char *key)
{
	po_buf_reset(b);
	po_buf_adds(b, prefix);
	if (key)
		po_jsonpos_path_key(b, key);
	return b->data;
}

static int type_error(struct po_err *err, const struct src *s, const char *prefix,
		      const char *key, const json_t *v, const char *expected, const char *where)
{
	struct po_buf p = PO_BUF_INIT;
	int ret = fail_at(err, PO_EINPUT, s, join_path(&p, prefix, key), false,
			  "expected %s for \"%s\"%s, found %s", expected, key, where,
			  po_json_type_name(v));

	po_buf_release(&p);
	return ret;
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
	}
	free(cases);
}

static int case_id(const struct src *s, const char *prefix, const json_t *obj, size_t index,
		   char **out, struct po_err *err)
{
	const json_t *v = json_object_get(obj, "id");
	char num[32];

	if (!v)
		return fail_at(err, PO_EINPUT, s, prefix, false,
			       "test case %zu has no \"id\"; give each test case a unique \"id\", e.g. \"case-%03zu\"",
			       index + 1, index + 1);
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*out = po_xstrdup(num);
		return 0;
	}
	if (!json_is_string(v))
		return type_error(err, s, prefix, "id", v, "a string", "");
	if (!json_string_length(v) || strlen(json_string_value(v)) != json_string_length(v)) {
		struct po_buf p = PO_BUF_INIT;
		int ret = fail_at(err, PO_EINPUT, s, join_path(&p, prefix, "id"), false,
				  "test case %zu has %s \"id\"; give it a unique name such as \"case-%03zu\"",
				  index + 1, json_string_length(v) ? "a NUL character in its" : "an empty",
				  index + 1);
		po_buf_release(&p);
		return ret;
	}
	*out = po_xstrdup(json_string_value(v));
	return 0;
}

static int case_inputs(const struct src *s, const char *prefix, const json_t *obj,
		       const char *id, struct po_err *err)
{
	const json_t *inputs = json_object_get(obj, "inputs"), *v;
	struct po_buf p = PO_BUF_INIT, where = PO_BUF_INIT;
	const char *key;
	int ret = 0;

	po_buf_addf(&where, " in test case \"%s\"", id);
	if (!inputs) {
		ret = fail_at(err, PO_EINPUT, s, prefix, false,
			      "test case \"%s\" has no \"inputs\"; add \"inputs\": {\"name\": \"value\", ...} with one entry per template placeholder",
			      id);
		goto out;
	}
	if (!json_is_object(inputs)) {
		ret = type_error(err, s, prefix, "inputs", inputs, "an object", where.data);
		goto out;
	}
	json_object_foreach((json_t *)inputs, key, v) {
		if (json_is_string(v) || json_is_number(v) || json_is_boolean(v))
			continue;
		join_path(&p, prefix, "inputs");
		po_jsonpos_path_key(&p, key);
		ret = fail_at(err, PO_EINPUT, s, p.data, false,
			      "input \"%s\" of test case \"%s\" is %s; inputs must be strings, numbers or booleans",
			      key, id, po_json_type_name(v));
		goto out;
	}
out:
	po_buf_release(&p);
	po_buf_release(&where);
	return ret;
}

static int optional_string(const struct src *s, const char *prefix, const json_t *obj,
			   const char *key, const char *where, const char *dflt, char **out,
			   struct po_err *err)
{
	const json_t *v = json_object_get(obj, key);

	if (v && !json_is_string(v))
		return type_error(err, s, prefix, key, v, "a string", where);
	*out = po_xstrdup(v ? json_string_value(v) : dflt);
	return 0;
}

static int parse_case(const struct src *s, const char *prefix, json_t *obj, size_t index,
		      json_t *seen, struct po_test_case *tc, struct po_err *err)
{
	struct po_buf where = PO_BUF_INIT, p = PO_BUF_INIT;
	const json_t *first;
	int ret;

	if (!json_is_object(obj)) {
		ret = fail_at(err, PO_EINPUT, s, prefix, false,
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
		ret = fail_at(err, PO_EINPUT, s, join_path(&p, prefix, "id"), false,
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
static int parse_test_cases(const struct src *s, struct po_test_case **out, size_t *nout,
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
			ret = fail_at(err, PO_EINPUT, s, "", false,
				      "no \"test_cases\" in the file; write {\"test_cases\": [{\"id\": \"case-001\", \"inputs\": {...}}, ...]}");
			goto out;
		}
		if (!json_is_array(arr)) {
			ret = type_error(err, s, "", "test_cases", arr, "an array", "");
			goto out;
		}
		if (d && !json_is_string(d)) {
			ret = type_error(err, s, "", "description", d, "a string", "");
			goto out;
		}
		if (pr && !json_is_string(pr)) {
			ret = type_error(err, s, "", "project", pr, "a string", "");
			goto out;
		}
		if (d && description)
			*description = po_xstrdup(json_string_value(d));
	} else if (json_is_array(root)) {
		arr = root;
	} else {
		ret = fail_at(err, PO_EINPUT, s, "", false,
			      "expected an object with \"test_cases\", found %s",
			      po_json_type_name(root));
		goto out;
	}
	if (!json_array_size(arr)) {
		ret = fail_at(err, PO_EINPUT, s, arr_path, false,
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
	struct src s = { path, text, len };

	return parse_test_cases(&s, cases, ncases, NULL, err);
}

/* ---- prompts ----------------------------------------------------------- */

static int parse_prompts(const struct src *s, json_t **out, struct po_err *err)
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
		ret = fail_at(err, PO_EINPUT, s, "", false,
			      "expected an object of prompts (name -> template), found %s",
			      po_json_type_name(root));
		goto out;
	}
	if (!json_object_size(root)) {
		ret = fail_at(err, PO_EINPUT, s, "", false,
			      "there are no prompts; add one, e.g. {\"main\": \"Answer this: {input}\"}");
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (!*key) {
			ret = fail_at(err, PO_EINPUT, s, "/", true,
				      "a prompt has an empty name; name it, e.g. \"main\"");
			goto out;
		}
		if (!json_is_string(v)) {
			ret = fail_at(err, PO_EINPUT, s, join_path(&p, "", key), false,
				      "expected a string (the template) for prompt \"%s\", found %s",
				      key, po_json_type_name(v));
			goto out;
		}
		if (!json_string_length(v)) {
			ret = fail_at(err, PO_EINPUT, s, join_path(&p, "", key), false,
				      "prompt \"%s\" is empty; write its template or remove it", key);
			goto out;
		}
	}
	*out = json_incref(root);
out:
	json_decref(root);
	po_buf_release(&p);
	return ret;
}

/* ---- config ------------------------------------------------------------ */


/* "unknown setting" with the list of known ones and a guess at the intended. */
static int unknown_key(struct po_err *err, const struct src *s, const char *prefix,
		       const char *key, const char *const *known, const char *what)
{
	struct po_buf list = PO_BUF_INIT, p = PO_BUF_INIT;
	const char *best = NULL;
	size_t i, bestd = 3;
	int ret;

	for (i = 0; known[i]; i++) {
		size_t d = po_edit_distance(key, known[i]);
		po_buf_addf(&list, "%s%s", i ? ", " : "", known[i]);
		if (d < bestd) {
			bestd = d;
			best = known[i];
		}
	}
	if (best)
		ret = fail_at(err, PO_EINPUT, s, join_path(&p, prefix, key), true,
			      "unknown %s \"%s\"; did you mean \"%s\"? (known: %s)", what, key,
			      best, list.data);
	else
		ret = fail_at(err, PO_EINPUT, s, join_path(&p, prefix, key), true,
			      "unknown %s \"%s\"; known %ss are: %s", what, key, what, list.data);
	po_buf_release(&list);
	po_buf_release(&p);
	return ret;
}

static bool in_list(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(key, *list))
			return true;
	return false;
}

static int check_keys(const struct src *s, const char *prefix, const json_t *obj,
		      const char *const *known, const char *what, struct po_err *err)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		if (!in_list(key, known))
			return unknown_key(err, s, prefix, key, known, what);
	}
	return 0;
}

/* A number (or integer) with min <= v (< max when max > min), at prefix/key. */
static int check_number(const struct src *s, const char *prefix, const json_t *obj,
			const char *key, bool integer, double min, bool min_open, double max,
			struct po_err *err)
{
	const json_t *v = json_object_get(obj, key);
	struct po_buf p = PO_BUF_INIT;
	double x;
	int ret = 0;

	if (!v)
		return 0;
	if (integer ? !json_is_integer(v) : !json_is_number(v))
		return type_error(err, s, prefix, key, v, integer ? "an integer" : "a number", "");
	x = json_number_value(v);
	if (!isfinite(x) || (min_open ? x <= min : x < min) || (max > min && x >= max)) {
		char range[96];

		if (max > min)
			snprintf(range, sizeof(range), "from %g up to (not including) %g", min, max);
		else
			snprintf(range, sizeof(range), "%s %g", min_open ? "above" : "of at least",
				 min);
		ret = fail_at(err, PO_EINPUT, s, join_path(&p, prefix, key), false,
			      "\"%s\" is %g; use a number %s", key, x, range);
	}
	po_buf_release(&p);
	return ret;
}

static int check_type(const struct src *s, const char *prefix, const json_t *obj,
		      const char *key, json_type t1, json_type t2, const char *expected,
		      struct po_err *err)
{
	const json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (json_typeof(v) == t1 || json_typeof(v) == t2 ||
	    (t1 == JSON_TRUE && json_is_boolean(v)))
		return 0;
	return type_error(err, s, prefix, key, v, expected, "");
}

static int parse_criterion(const struct src *s, const char *prefix, const json_t *c,
			   size_t index, json_t *seen, struct po_criterion *out,
			   struct po_err *err)
{
	static const char *const known[] = { "key", "name", "weight", "description", NULL };
	const json_t *key = json_object_get(c, "key"), *w = json_object_get(c, "weight");
	struct po_buf p = PO_BUF_INIT;
	int ret;

	if (!json_is_object(c))
		return fail_at(err, PO_EINPUT, s, prefix, false,
			       "rubric criterion %zu is %s; write {\"key\": ..., \"name\": ..., \"weight\": ..., \"description\": ...}",
			       index + 1, po_json_type_name(c));
	ret = check_keys(s, prefix, c, known, "criterion field", err);
	if (ret)
		return ret;
	if (!key || !w)
		return fail_at(err, PO_EINPUT, s, prefix, false,
			       "rubric criterion %zu has no \"%s\"; each criterion needs a \"key\" and a \"weight\"",
			       index + 1, key ? "weight" : "key");
	if (!json_is_string(key) || !json_string_length(key))
		return type_error(err, s, prefix, "key", key, "a non-empty string", "");
	if (json_object_get(seen, json_string_value(key))) {
		ret = fail_at(err, PO_EINPUT, s, join_path(&p, prefix, "key"), false,
			      "rubric criterion \"%s\" appears twice; give each criterion its own \"key\"",
			      json_string_value(key));
		po_buf_release(&p);
		return ret;
	}
	json_object_set_new(seen, json_string_value(key), json_true());
	ret = check_number(s, prefix, c, "weight", false, 0, true, 0, err);
	if (!ret)
		ret = check_type(s, prefix, c, "name", JSON_STRING, JSON_STRING, "a string", err);
	if (!ret)
		ret = check_type(s, prefix, c, "description", JSON_STRING, JSON_STRING, "a string",
				 err);
	if (ret)
		return ret;
	out->key = po_xstrdup(json_string_value(key));
	out->name = po_xstrdup(po_json_str(c, "name", out->key));
	out->description = po_xstrdup(po_json_str(c, "description", ""));
	out->weight = json_number_value(w);
	return 0;
}

static void rubric_release(struct po_rubric *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->criteria[i].key);
		free(r->criteria[i].name);
		free(r->criteria[i].description);
	}
	free(r->criteria);
	r->criteria = NULL;
	r->n = 0;
}

static int parse_rubric(const struct src *s, const json_t *rubric, struct po_rubric *out,
			struct po_err *err)
{
	static const char *const known[] = { "criteria", NULL };
	const json_t *crit = json_object_get(rubric, "criteria");
	struct po_buf p = PO_BUF_INIT;
	json_t *seen;
	double sum = 0;
	size_t i;
	int ret;

	if (!json_is_object(rubric))
		return type_error(err, s, "", "rubric", rubric, "an object", "");
	ret = check_keys(s, "/rubric", rubric, known, "rubric field", err);
	if (ret)
		return ret;
	if (!json_is_array(crit) || !json_array_size(crit)) {
		if (crit && !json_is_array(crit))
			return type_error(err, s, "/rubric", "criteria", crit, "an array", "");
		return fail_at(err, PO_EINPUT, s, crit ? "/rubric/criteria" : "/rubric", false,
			       "the rubric has no criteria; add {\"criteria\": [{\"key\": \"clarity\", \"weight\": 1}]}");
	}
	seen = json_object();
	out->criteria = po_xcalloc(json_array_size(crit), sizeof(*out->criteria));
	for (i = 0; i < json_array_size(crit); i++) {
		po_buf_reset(&p);
		po_buf_adds(&p, "/rubric/criteria");
		po_jsonpos_path_index(&p, i);
		ret = parse_criterion(s, p.data, json_array_get(crit, i), i, seen,
				      &out->criteria[i], err);
		if (ret)
			break;
		out->n++;
		sum += out->criteria[i].weight;
	}
	json_decref(seen);
	po_buf_release(&p);
	if (ret) {
		rubric_release(out);
		return ret;
	}
	if (!isfinite(sum)) {
		rubric_release(out);
		return fail_at(err, PO_EINPUT, s, "/rubric/criteria", false,
			       "the rubric weights add up to infinity; use weights such as 0.3 or 30");
	}
	for (i = 0; i < out->n; i++)
		out->criteria[i].weight /= sum;
	return 0;
}

static int parse_sim(const struct src *s, const json_t *sim, struct po_err *err)
{
	static const char *const known[] = { "catalogue", "noise", NULL };
	const json_t *cat = json_object_get(sim, "catalogue");
	int ret;

	if (!json_is_object(sim))
		return type_error(err, s, "", "sim", sim, "an object", "");
	ret = check_keys(s, "/sim", sim, known, "sim setting", err);
	if (!ret && cat && (!json_is_string(cat) || (strcmp(json_string_value(cat), "prfaq") &&
						     strcmp(json_string_value(cat), "generic"))))
		ret = fail_at(err, PO_EINPUT, s, "/sim/catalogue", false,
			      "unknown simulator catalogue; use \"prfaq\" or \"generic\"");
	if (!ret)
		ret = check_number(s, "/sim", sim, "noise", false, 0, false, 0, err);
	return ret;
}

static int parse_convergence(const struct src *s, const json_t *c, struct po_err *err)
{
	static const char *const known[] = { "no_improvement_threshold", "min_improvement_percent",
					     "enable_early_stop", "track_plateau_variance", NULL };
	int ret;

	if (!json_is_object(c))
		return type_error(err, s, "", "convergence", c, "an object", "");
	ret = check_keys(s, "/convergence", c, known, "convergence setting", err);
	if (!ret)
		ret = check_number(s, "/convergence", c, "no_improvement_threshold", true, 1, false,
				   0, err);
	if (!ret)
		ret = check_number(s, "/convergence", c, "min_improvement_percent", false, 0, false,
				   0, err);
	if (!ret)
		ret = check_type(s, "/convergence", c, "enable_early_stop", JSON_TRUE, JSON_TRUE,
				 "true or false", err);
	if (!ret)
		ret = check_type(s, "/convergence", c, "track_plateau_variance", JSON_TRUE,
				 JSON_TRUE, "true or false", err);
	return ret;
}

static int parse_roles(const struct src *s, const json_t *roles, struct po_err *err)
{
	static const char *const known[] = { "generate", "judge", "mutate", NULL };
	const char *key;
	json_t *v;
	int ret;

	if (!json_is_object(roles))
		return type_error(err, s, "", "roles", roles, "an object", "");
	ret = check_keys(s, "/roles", roles, known, "role", err);
	json_object_foreach((json_t *)roles, key, v) {
		static const char *const fields[] = { "provider", "model", NULL };
		struct po_buf at = PO_BUF_INIT;
		const json_t *prov = json_is_object(v) ? json_object_get(v, "provider") : v;

		if (ret)
			break;
		ret = check_type(s, "/roles", roles, key, JSON_STRING, JSON_OBJECT,
				 "a provider name or an object", err);
		po_buf_adds(&at, "/roles/");
		po_jsonpos_path_key(&at, key);
		if (!ret && json_is_object(v))
			ret = check_keys(s, at.data, v, fields, "role setting", err);
		if (!ret && json_is_object(v))
			ret = check_type(s, at.data, v, "provider", JSON_STRING, JSON_STRING,
					 "a provider name", err);
		if (!ret && json_is_object(v))
			ret = check_type(s, at.data, v, "model", JSON_STRING, JSON_STRING,
					 "a model name", err);
		if (!ret && prov && !po_provider_known(json_string_value(prov))) {
			if (json_is_object(v))
				po_buf_adds(&at, "/provider");
			ret = fail_at(err, PO_EINPUT, s, at.data, false,
				      "unknown provider '%s' for role %s; available: %s",
				      json_string_value(prov), key, po_provider_names());
		}
		po_buf_release(&at);
	}
	return ret;
}

static int check_strategy(const struct src *s, const json_t *v, struct po_err *err)
{
	const json_t *name = json_is_object(v) ? json_object_get(v, "name") : v;
	const char *at = json_is_object(v) ? "/strategy/name" : "/strategy";

	if (json_is_object(v) && !name)
		return 0;
	if (!json_is_string(name))
		return fail_at(err, PO_EINPUT, s, at, false, "expected a strategy name, found %s",
			       po_json_type_name(name));
	if (!po_strategy_find(json_string_value(name)))
		return fail_at(err, PO_EINPUT, s, at, false, "unknown strategy '%s'; available: %s",
			       json_string_value(name), po_strategy_names());
	return 0;
}

/*
 * The settings others read from p->config are typed here, so that a wrong
 * type is reported with its position before a run starts, and an unknown
 * key (a typo, most of the time) is an error rather than silently ignored.
 */
static int parse_config(const struct src *s, json_t **out, struct po_rubric *rubric,
			struct po_err *err)
{
	static const char *const known[] = { "budget", "convergence", "description", "iterations",
					     "main_prompt", "project", "roles", "rubric", "seed",
					     "sim", "split", "strategy", "system_prompt", NULL };
	json_t *root, *v;
	int ret;

	*out = NULL;
	ret = po_json_load_text(s->path, s->text, s->len, &root, err);
	if (ret)
		return ret;
	if (!json_is_object(root)) {
		ret = fail_at(err, PO_EINPUT, s, "", false,
			      "expected an object of settings, found %s", po_json_type_name(root));
		goto out;
	}
	ret = check_keys(s, "", root, known, "setting", err);
	if (!ret)
		ret = check_type(s, "", root, "description", JSON_STRING, JSON_STRING, "a string",
				 err);
	if (!ret)
		ret = check_type(s, "", root, "project", JSON_STRING, JSON_STRING, "a string", err);
	if (!ret)
		ret = check_type(s, "", root, "main_prompt", JSON_STRING, JSON_STRING,
				 "a prompt name", err);
	if (!ret)
		ret = check_type(s, "", root, "system_prompt", JSON_STRING, JSON_NULL,
				 "a prompt name or null", err);
	if (!ret)
		ret = check_type(s, "", root, "strategy", JSON_STRING, JSON_OBJECT,
				 "a strategy name or an object", err);
	if (!ret && (v = json_object_get(root, "strategy")))
		ret = check_strategy(s, v, err);
	if (!ret && json_is_number(json_object_get(root, "budget")))
		ret = check_number(s, "", root, "budget", false, 0, false, 0, err);
	else if (!ret)
		ret = check_type(s, "", root, "budget", JSON_OBJECT, JSON_OBJECT,
				 "a number or an object", err);
	if (!ret && json_is_number(json_object_get(root, "split")))
		ret = check_number(s, "", root, "split", false, 0, false, 1, err);
	else if (!ret)
		ret = check_type(s, "", root, "split", JSON_OBJECT, JSON_OBJECT,
				 "a number or an object", err);
	if (!ret)
		ret = check_number(s, "", root, "iterations", true, 1, false, 0, err);
	if (!ret)
		ret = check_number(s, "", root, "seed", true, 0, false, 0, err);
	if (!ret && (v = json_object_get(root, "sim")))
		ret = parse_sim(s, v, err);
	if (!ret && (v = json_object_get(root, "convergence")))
		ret = parse_convergence(s, v, err);
	if (!ret && (v = json_object_get(root, "roles")))
		ret = parse_roles(s, v, err);
	if (!ret && (v = json_object_get(root, "rubric")))
		ret = parse_rubric(s, v, rubric, err);
	if (!ret)
		*out = json_incref(root);
out:
	json_decref(root);
	return ret;
}

/* The rubric of a built-in config, for projects whose config has none. */
static void default_rubric(const char *catalogue, struct po_rubric *out)
{
	const struct po_embedded_file *f =
		embedded(!strcmp(catalogue, "prfaq") ? BUILTIN_NAME : "scaffold", "config.json");
	struct src s = { "(built-in config)", f ? f->data : "{}", f ? f->len : 2 };
	json_t *cfg = NULL;

	if (po_json_load_text(s.path, s.text, s.len, &cfg, NULL) == 0 &&
	    json_object_get(cfg, "rubric"))
		parse_rubric(&s, json_object_get(cfg, "rubric"), out, NULL);
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
	rubric_release(&p->rubric);
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

static int pick_prompts(struct po_project *p, const struct src *ps, const struct src *cs,
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
			ret = fail_at(err, PO_EINPUT, cs, "/system_prompt", false,
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
			ret = fail_at(err, PO_EINPUT, cs, "/main_prompt", false,
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
		ret = fail_at(err, PO_EINPUT, ps, "", false,
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
 * Rendering every template for every test case once, here, is what makes
 * "a placeholder with no input" a load-time error with a position instead of
 * a failure in the middle of a run.
 */
static int check_templates(const struct po_project *p, const struct src *ps, struct po_err *err)
{
	const char *names[2] = { p->main_prompt, p->system_prompt };
	struct po_buf out = PO_BUF_INIT, path = PO_BUF_INIT;
	size_t i, k;
	int ret = 0;

	for (k = 0; k < 2 && !ret; k++) {
		const char *t;

		if (!names[k])
			continue;
		t = json_string_value(json_object_get(p->prompts, names[k]));
		for (i = 0; i < p->ncases && !ret; i++) {
			po_buf_reset(&out);
			ret = po_render(&out, t, p->cases[i].inputs, names[k], p->cases[i].id, err);
		}
		if (ret) {
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
			ret = fail_at(err, PO_ETEMPLATE, ps, join_path(&path, "", names[k]), false,
				      "%s", msg);
		}
	}
	po_buf_release(&out);
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

int po_project_parse(struct po_project **out, const char *name, const char *dir,
		     const char *tc_text, size_t tc_len, const char *prompts_text,
		     size_t prompts_len, const char *config_text, size_t config_len,
		     struct po_err *err)
{
	struct po_project *p = po_xcalloc(1, sizeof(*p));
	struct src ts, ps, cs;
	char *tc_description = NULL;
	int ret;

	*out = NULL;
	p->name = po_xstrdup(name);
	p->dir = po_xstrdup(dir);
	p->test_cases_path = project_file(dir, "test_cases", name);
	p->prompts_path = project_file(dir, "prompts", name);
	p->config_path = project_file(dir, "config", name);
	ts = (struct src){ p->test_cases_path, tc_text, tc_len };
	ps = (struct src){ p->prompts_path, prompts_text, prompts_len };
	cs = (struct src){ p->config_path, config_text ? config_text : "{}",
			   config_text ? config_len : 2 };

	ret = parse_test_cases(&ts, &p->cases, &p->ncases, &tc_description, err);
	if (!ret)
		ret = parse_prompts(&ps, &p->prompts, err);
	if (!ret)
		ret = parse_config(&cs, &p->config, &p->rubric, err);
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

/* Reads a project file; a missing config is not an error (*missing set). */
static int read_project_file(const char *path, const char *dir, struct po_buf *b,
			     bool *missing, struct po_err *err)
{
	int ret = po_fs_read_file(path, b, err);

	if (ret == PO_ENOTFOUND && missing) {
		*missing = true;
		return 0;
	}
	if (ret == PO_EIO && err) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		po_error(err, PO_EIO, "%s; check the permissions of '%s' and its files", msg, dir);
	}
	return ret;
}

int po_project_load(struct po_project **out, const char *base, const char *name,
		    struct po_err *err)
{
	struct po_buf tc = PO_BUF_INIT, pr = PO_BUF_INIT, cf = PO_BUF_INIT;
	char *dir = NULL, *tc_path = NULL, *pr_path = NULL, *cf_path = NULL;
	bool no_config = false;
	int ret;

	*out = NULL;
	ret = po_project_name_check(name, err);
	if (ret)
		return ret;
	dir = po_project_dir(base, name);
	tc_path = project_file(dir, "test_cases", name);
	pr_path = project_file(dir, "prompts", name);
	cf_path = project_file(dir, "config", name);
	ret = read_project_file(tc_path, dir, &tc, NULL, err);
	if (ret == PO_ENOTFOUND && po_project_exists(base, name)) {
		ret = po_error(err, PO_ENOTFOUND,
			       "project '%s' has no test cases file '%s'; restore it (the seed's shape: {\"test_cases\": [...]}), or remove '%s' to start the project over",
			       name, tc_path, dir);
		goto out;
	}
	if (ret == PO_ENOTFOUND) {
		ret = po_error(err, PO_ENOTFOUND,
			       "project '%s' not found: there is no '%s'; create it with 'promptopt init %s'%s",
			       name, tc_path, name,
			       po_project_is_builtin(name) ? "" : " or check the name");
		goto out;
	}
	if (!ret) {
		ret = read_project_file(pr_path, dir, &pr, NULL, err);
		if (ret == PO_ENOTFOUND)
			ret = po_error(err, PO_ENOTFOUND,
				       "project '%s' has no prompts file '%s'; write one, e.g. {\"main\": \"Answer this: {input}\"}",
				       name, pr_path);
	}
	if (!ret)
		ret = read_project_file(cf_path, dir, &cf, &no_config, err);
	if (!ret)
		ret = po_project_parse(out, name, dir, tc.data, tc.len, pr.data, pr.len,
				       no_config ? NULL : cf.data, cf.len, err);
out:
	po_buf_release(&tc);
	po_buf_release(&pr);
	po_buf_release(&cf);
	free(dir);
	free(tc_path);
	free(pr_path);
	free(cf_path);
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

/* ---- init -------------------------------------------------------------- */

static int load_embedded(const char *project, const char *file, json_t **out,
			 struct po_err *err)
{
	const struct po_embedded_file *f = embedded(project, file);

	if (!f)
		return po_error(err, PO_EFAIL,
				"built-in file '%s/%s' is missing from this build; rebuild promptopt",
				project, file);
	return po_json_load_text(f->path, f->data, f->len, out, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_prompt_file(json_t *prompts, const char *path, const char *name,
			   struct po_err *err)
{
	struct po_buf b = PO_BUF_INIT;
	json_t *s;
	int ret = po_fs_read_file(path, &b, err);

	if (ret) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err ? err->msg : "cannot read prompt file");
		ret = po_error(err, PO_EIO, "%s; make the prompt file readable or remove it", msg);
		goto out;
	}
	if (!b.len) {
		ret = po_error(err, PO_EINPUT,
			       "prompt file '%s' is empty; write the template in it or remove it", path);
		goto out;
	}
	s = json_stringn(b.data, b.len);
	if (!s) {
		ret = po_error(err, PO_EINPUT,
			       "prompt file '%s' is not UTF-8 text; save it as UTF-8", path);
		goto out;
	}
	json_object_set_new(prompts, name, s);
out:
	po_buf_release(&b);
	return ret;
}

/*
 * One prompt per <base>/prompts/<name>.txt, sorted by name (the seed read this
 * folder too). *out stays NULL when the folder is absent or has no .txt file.
 */
static int prompts_from_folder(const char *base, json_t **out, struct po_err *err)
{
	struct po_buf dir = PO_BUF_INIT, path = PO_BUF_INIT;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	json_t *prompts;
	DIR *d;
	int ret = 0;

	*out = NULL;
	if (base && *base && strcmp(base, "."))
		po_fs_join(&dir, base, "prompts");
	else
		po_buf_adds(&dir, "prompts");
	if (!po_fs_is_dir(dir.data))
		goto out;
	d = opendir(dir.data);
	if (!d) {
		ret = po_error(err, PO_EIO, "cannot read the prompts folder '%s': %s", dir.data,
			       strerror(errno));
		goto out;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct stat st;

		if (len <= 4 || strcmp(de->d_name + len - 4, ".txt"))
			continue;
		po_fs_join(&path, dir.data, de->d_name);
		if (stat(path.data, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			names = po_xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = po_xstrndup(de->d_name, len - 4);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	prompts = json_object();
	for (i = 0; i < n && !ret; i++) {
		po_buf_reset(&path);
		po_buf_addf(&path, "%s/%s.txt", dir.data, names[i]);
		ret = add_prompt_file(prompts, path.data, names[i], err);
	}
	if (ret || !n)
		json_decref(prompts);
	else
		*out = prompts;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	po_buf_release(&dir);
	po_buf_release(&path);
	return ret;
}

/* Which prompt a scaffolded config names as the one to optimize. */
static void scaffold_main_prompt(json_t *config, const json_t *prompts)
{
	const char *key;
	json_t *v;

	if (json_object_get(prompts, "main"))
		return; /* the scaffold config already says "main" */
	json_object_del(config, "main_prompt");
	json_object_foreach((json_t *)prompts, key, v) {
		if (!strcmp(key, "system_prompt"))
			continue;
		json_object_set_new(config, "main_prompt", json_string(key));
		return; /* sorted: the first name; the user can change it */
	}
}

static int build_files(const char *base, const char *name, json_t **tc, json_t **prompts,
		       json_t **config, struct po_err *err)
{
	const char *from = po_project_is_builtin(name) ? name : "scaffold";
	json_t *own = NULL;
	int ret;

	ret = load_embedded(from, "test_cases.json", tc, err);
	if (!ret)
		ret = load_embedded(from, "config.json", config, err);
	if (ret)
		return ret;
	if (from == name) /* built in: shipped as is */
		return load_embedded(from, "prompts.json", prompts, err);
	ret = prompts_from_folder(base, &own, err);
	if (ret)
		return ret;
	json_object_set_new(*tc, "project", json_string(name));
	json_object_set_new(*config, "project", json_string(name));
	if (!own)
		return load_embedded(from, "prompts.json", prompts, err);
	*prompts = own;
	scaffold_main_prompt(*config, own);
	return 0;
}

int po_project_init(const char *base, const char *name, struct po_err *err)
{
	json_t *tc = NULL, *prompts = NULL, *config = NULL;
	char *dir = NULL, *paths[3] = { NULL, NULL, NULL };
	static const char *const kinds[3] = { "test_cases", "prompts", "config" };
	size_t i;
	int ret;

	ret = po_project_name_check(name, err);
	if (ret)
		return ret;
	dir = po_project_dir(base, name);
	for (i = 0; i < 3; i++)
		paths[i] = project_file(dir, kinds[i], name);
	for (i = 0; i < 3; i++) {
		if (po_fs_exists(paths[i])) {
			ret = po_error(err, PO_EIO,
				       "project '%s' already exists: '%s' is in the way; remove it first or choose another name",
				       name, paths[i]);
			goto out;
		}
	}
	ret = build_files(base, name, &tc, &prompts, &config, err);
	if (!ret)
		ret = po_fs_mkdirs(dir, err);
	/* The test cases file is what makes a project exist: write it last, after
	 * one flush of the other two (cheaper than an fsync per file). */
	if (!ret)
		ret = po_json_write_file_ex(paths[2], config, false, err);
	if (!ret)
		ret = po_json_write_file_ex(paths[1], prompts, false, err);
	if (!ret)
		po_fs_sync(dir);
	if (!ret)
		ret = po_json_write_file(paths[0], tc, err);
out:
	json_decref(tc);
	json_decref(prompts);
	json_decref(config);
	for (i = 0; i < 3; i++)
		free(paths[i]);
	free(dir);
	return ret;
}
