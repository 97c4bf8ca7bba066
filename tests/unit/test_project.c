/*
 * Unit tests for core/project: creating projects (built in, scaffold, prompts
 * from prompts/NAME.txt), loading them, and the exact file:line:col message a
 * user gets for each kind of bad input. Every test runs in its own
 * temporary folder.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw's FTW_DEPTH */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/project.h"
#include "run/project_files.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

static const char baseline_prompt[] =
	"You are an experienced product manager at a company that works backwards from the customer. Write a PR-FAQ document for the project below.\n"
	"\n"
	"Project name: {projectName}\n"
	"Problem: {problemDescription}\n"
	"Business context: {businessContext}\n"
	"\n"
	"Start with a press release with a headline, then answer the questions customers and stakeholders would ask in an FAQ section. Keep the language clear.";

struct env {
	char tmp[64];
	char oldcwd[PATH_MAX];
	char fixtures[PATH_MAX];
};

/* tests/fixtures/projects, wherever the test runs from (meson runs it in
 * build/tests; __FILE__ is relative to the build root). */
static void find_fixtures(char *out)
{
	static const char *const prefixes[] = { "", "../", "../../", "../../../" };
	char dir[PATH_MAX], cand[PATH_MAX * 2];
	const char *slash;
	size_t i;

	snprintf(dir, sizeof(dir), "%s", __FILE__);
	slash = strrchr(dir, '/');
	if (slash)
		dir[slash - dir] = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	for (i = 0; i < 2 * PO_ARRAY_SIZE(prefixes); i++) {
		const char *pre = dir[0] == '/' ? "" : prefixes[i / 2];
		if (i % 2 == 0)
			snprintf(cand, sizeof(cand), "%s%s/../fixtures/projects", pre, dir);
		else
			snprintf(cand, sizeof(cand), "%stests/fixtures/projects", pre);
		if (realpath(cand, out) && po_fs_is_dir(out))
			return;
	}
	fail_msg("cannot find tests/fixtures/projects from '%s'", __FILE__);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	find_fixtures(e->fixtures);
	snprintf(e->tmp, sizeof(e->tmp), "/tmp/po_test_project.XXXXXX");
	if (!mkdtemp(e->tmp) || !getcwd(e->oldcwd, sizeof(e->oldcwd)) || chdir(e->tmp) < 0)
		return -1;
	*state = e;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_DP || flag == FTW_D)
		chmod(path, 0700);
	return remove(path);
}

static int teardown(void **state)
{
	struct env *e = *state;

	if (chdir(e->oldcwd) < 0)
		return -1;
	chmod(e->tmp, 0700);
	nftw(e->tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(e);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	struct po_err err = { 0 };

	assert_int_equal(po_fs_write_atomic(path, text, strlen(text), &err), 0);
}

/* Copies fixture project `name` into the current (temporary) folder. */
static void copy_fixture(const struct env *e, const char *name)
{
	static const char *const kinds[] = { "test_cases", "prompts", "config" };
	char src[PATH_MAX * 2], dst[PATH_MAX];
	struct po_err err = { 0 };
	size_t i;

	snprintf(dst, sizeof(dst), "prompt_tuning_results_%s", name);
	assert_int_equal(po_fs_mkdirs(dst, &err), 0);
	for (i = 0; i < PO_ARRAY_SIZE(kinds); i++) {
		struct po_buf b = PO_BUF_INIT;

		snprintf(src, sizeof(src), "%s/prompt_tuning_results_%s/%s_%s.json", e->fixtures, name,
			 kinds[i], name);
		snprintf(dst, sizeof(dst), "prompt_tuning_results_%s/%s_%s.json", name, kinds[i],
			 name);
		assert_int_equal(po_fs_read_file(src, &b, &err), 0);
		assert_int_equal(po_fs_write_atomic(dst, b.data, b.len, &err), 0);
		po_buf_release(&b);
	}
}

static void expect_load_error(const char *name, int code, const char *msg)
{
	struct po_project *p = (struct po_project *)1;
	struct po_err err = { 0 };

	assert_int_equal(po_project_load(&p, ".", name, &err), code);
	assert_null(p);
	assert_string_equal(err.msg, msg);
}

static void expect_fixture_error(void **state, const char *name, int code, const char *msg)
{
	copy_fixture(*state, name);
	expect_load_error(name, code, msg);
}

/* ---- built in ------------------------------------------------------------ */

static void test_builtin_round_trip(void **state)
{
	static const char *const keys[] = { "press_release_quality", "faq_completeness", "clarity",
					     "structure_adherence" };
	static const double weights[] = { 0.30, 0.25, 0.25, 0.20 };
	struct po_err err = { 0 };
	struct po_project *p;
	struct po_buf text = PO_BUF_INIT;
	json_t *names, *ids = json_object();
	size_t i;

	assert_true(po_project_is_builtin("pr-faq-validator"));
	assert_false(po_project_is_builtin("scaffold"));
	assert_false(po_project_is_builtin("my-project"));
	assert_false(po_project_exists(".", "pr-faq-validator"));
	assert_int_equal(po_project_init(".", "pr-faq-validator", &err), 0);
	assert_true(po_project_exists(".", "pr-faq-validator"));
	assert_int_equal(po_project_load(&p, ".", "pr-faq-validator", &err), 0);

	assert_string_equal(p->name, "pr-faq-validator");
	assert_string_equal(p->dir, "prompt_tuning_results_pr-faq-validator");
	assert_string_equal(p->test_cases_path,
			    "prompt_tuning_results_pr-faq-validator/test_cases_pr-faq-validator.json");
	assert_true(p->ncases >= 12);
	for (i = 0; i < p->ncases; i++) {
		const struct po_test_case *tc = &p->cases[i];
		assert_null(json_object_get(ids, tc->id));
		json_object_set_new(ids, tc->id, json_true());
		assert_int_equal(json_object_size(tc->inputs), 3);
		assert_true(strlen(po_json_str(tc->inputs, "problemDescription", "")) > 100);
		assert_non_null(json_object_get(tc->raw, "industry"));
		assert_non_null(json_object_get(tc->raw, "stakeholder_complexity"));
		assert_true(strlen(tc->name) > 0);
	}
	assert_string_equal(p->cases[0].id, "prfaq-001");
	assert_string_equal(p->main_prompt, "generate_prfaq");
	assert_null(p->system_prompt);
	assert_string_equal(po_json_str(p->prompts, "generate_prfaq", ""), baseline_prompt);
	assert_string_equal(p->sim_catalogue, "prfaq");
	assert_int_equal(p->rubric.n, 4);
	for (i = 0; i < 4; i++) {
		assert_string_equal(p->rubric.criteria[i].key, keys[i]);
		assert_true(p->rubric.criteria[i].weight > weights[i] - 1e-9 &&
			    p->rubric.criteria[i].weight < weights[i] + 1e-9);
		assert_true(strlen(p->rubric.criteria[i].description) > 20);
	}
	assert_string_equal(p->rubric.criteria[0].name, "Press release quality");
	names = po_project_placeholders(p);
	assert_int_equal(json_array_size(names), 3);
	assert_string_equal(json_string_value(json_array_get(names, 0)), "projectName");
	assert_string_equal(json_string_value(json_array_get(names, 2)), "businessContext");
	json_decref(names);
	po_project_free(p);

	/* written for diffing: sorted keys, indent 2 */
	assert_int_equal(po_fs_read_file("prompt_tuning_results_pr-faq-validator/test_cases_pr-faq-validator.json",
					 &text, &err), 0);
	assert_true(!strncmp(text.data, "{\n  \"description\": ", 19));

	/* a second init refuses to overwrite */
	assert_int_equal(po_project_init(".", "pr-faq-validator", &err), PO_EIO);
	assert_string_equal(err.msg,
			    "project 'pr-faq-validator' already exists: 'prompt_tuning_results_pr-faq-validator/test_cases_pr-faq-validator.json' is in the way; remove it first or choose another name");
	po_buf_release(&text);
	json_decref(ids);
}

static void test_init_in_base_folder(void **state)
{
	struct po_err err = { 0 };
	struct po_project *p;
	char *dir = po_project_dir("sub/base/", "x");

	assert_string_equal(dir, "sub/base/prompt_tuning_results_x");
	free(dir);
	dir = po_project_dir(NULL, "x");
	assert_string_equal(dir, "prompt_tuning_results_x");
	free(dir);
	assert_int_equal(po_project_init("sub/base", "pr-faq-validator", &err), 0);
	assert_true(po_fs_exists("sub/base/prompt_tuning_results_pr-faq-validator/config_pr-faq-validator.json"));
	assert_int_equal(po_project_load(&p, "sub/base", "pr-faq-validator", &err), 0);
	po_project_free(p);
}

/* ---- scaffold ------------------------------------------------------------ */

static void test_scaffold_default_prompts(void **state)
{
	struct po_err err = { 0 };
	struct po_project *p;
	json_t *tc;

	assert_int_equal(po_project_init(".", "my-project", &err), 0);
	assert_int_equal(po_project_load(&p, ".", "my-project", &err), 0);
	assert_int_equal(p->ncases, 3);
	assert_string_equal(p->main_prompt, "main");
	assert_non_null(strstr(po_json_str(p->prompts, "main", ""), "{input}"));
	assert_non_null(json_object_get(p->cases[0].inputs, "input"));
	assert_string_equal(p->sim_catalogue, "generic");
	assert_int_equal(p->rubric.n, 4);
	assert_string_equal(p->rubric.criteria[0].key, "accuracy");
	assert_string_equal(p->rubric.criteria[3].key, "format");
	po_project_free(p);
	assert_int_equal(po_json_load_file("prompt_tuning_results_my-project/test_cases_my-project.json",
					   &tc, &err), 0);
	assert_string_equal(po_json_str(tc, "project", ""), "my-project");
	json_decref(tc);
	assert_int_equal(po_json_load_file("prompt_tuning_results_my-project/config_my-project.json",
					   &tc, &err), 0);
	assert_string_equal(po_json_str(tc, "project", ""), "my-project");
	json_decref(tc);
}

static void test_scaffold_prompts_folder(void **state)
{
	struct po_err err = { 0 };
	struct po_project *p;
	json_t *cfg;

	assert_int_equal(po_fs_mkdirs("prompts/folder.txt", &err), 0);
	write_file("prompts/zeta.txt", "Second: {input}\n");
	write_file("prompts/answer.txt", "Answer the question: {input}\n");
	write_file("prompts/notes.md", "not a prompt");
	assert_int_equal(symlink("nowhere", "prompts/broken.txt"), 0);
	assert_int_equal(po_project_init(".", "from-files", &err), 0);
	assert_int_equal(po_project_load(&p, ".", "from-files", &err), 0);
	assert_int_equal(json_object_size(p->prompts), 2);
	assert_string_equal(po_json_str(p->prompts, "answer", ""), "Answer the question: {input}\n");
	assert_string_equal(po_json_str(p->prompts, "zeta", ""), "Second: {input}\n");
	/* several prompts: the first by name is the one optimized, and says so */
	assert_string_equal(p->main_prompt, "answer");
	po_project_free(p);
	assert_int_equal(po_json_load_file("prompt_tuning_results_from-files/config_from-files.json",
					   &cfg, &err), 0);
	assert_string_equal(po_json_str(cfg, "main_prompt", ""), "answer");
	json_decref(cfg);
}

static void test_scaffold_prompts_folder_errors(void **state)
{
	struct po_err err = { 0 };

	assert_int_equal(po_fs_mkdirs("prompts", &err), 0);
	write_file("prompts/empty.txt", "");
	assert_int_equal(po_project_init(".", "x", &err), PO_EINPUT);
	assert_string_equal(err.msg,
			    "prompt file 'prompts/empty.txt' is empty; write the template in it or remove it");
	assert_false(po_fs_exists("prompt_tuning_results_x"));
	write_file("prompts/empty.txt", "\xff\xfe bad");
	assert_int_equal(po_project_init(".", "x", &err), PO_EINPUT);
	assert_string_equal(err.msg,
			    "prompt file 'prompts/empty.txt' is not UTF-8 text; save it as UTF-8");
	if (geteuid() == 0)
		return; /* root reads anything */
	write_file("prompts/empty.txt", "{input}");
	chmod("prompts/empty.txt", 0);
	assert_int_equal(po_project_init(".", "x", &err), PO_EIO);
	assert_string_equal(err.msg,
			    "cannot read 'prompts/empty.txt': Permission denied; make the prompt file readable or remove it");
}

/* ---- names --------------------------------------------------------------- */

static void test_name_check(void **state)
{
	static const char *const good[] = { "my-project", "pr-faq-validator", "a", "v1.2_final",
					     "with space", "caf\xc3\xa9" };
	struct po_err err = { 0 };
	char longname[102];
	size_t i;

	for (i = 0; i < PO_ARRAY_SIZE(good); i++)
		assert_int_equal(po_project_name_check(good[i], &err), 0);
	memset(longname, 'a', 100);
	longname[100] = '\0';
	assert_int_equal(po_project_name_check(longname, &err), 0);
	longname[100] = 'a';
	longname[101] = '\0';
	assert_int_equal(po_project_name_check(longname, &err), PO_ENAME);
	assert_non_null(strstr(err.msg, "is 101 characters long; use at most 100"));

	assert_int_equal(po_project_name_check("", &err), PO_ENAME);
	assert_string_equal(err.msg,
			    "invalid project name '': it is empty; use letters, digits, '-' and '_', e.g. 'my-project'");
	assert_int_equal(po_project_name_check(NULL, &err), PO_ENAME);
	assert_int_equal(po_project_name_check("a/b", &err), PO_ENAME);
	assert_string_equal(err.msg,
			    "invalid project name 'a/b': it contains '/'; use a plain name of letters, digits, '-' and '_', e.g. 'a-b'");
	assert_int_equal(po_project_name_check("../x", &err), PO_ENAME);
	assert_string_equal(err.msg,
			    "invalid project name '../x': it contains '..'; use a plain name of letters, digits, '-' and '_', e.g. 'x'");
	assert_int_equal(po_project_name_check(".hidden", &err), PO_ENAME);
	assert_string_equal(err.msg,
			    "invalid project name '.hidden': it starts with '.'; use a plain name of letters, digits, '-' and '_', e.g. 'hidden'");
	assert_int_equal(po_project_name_check("..", &err), PO_ENAME);
	assert_non_null(strstr(err.msg, "e.g. 'my-project'"));
	assert_int_equal(po_project_name_check("a..b", &err), PO_ENAME);
	assert_int_equal(po_project_name_check("a\\b", &err), PO_ENAME);
	assert_non_null(strstr(err.msg, "it contains '\\'"));
	assert_int_equal(po_project_name_check("a\nb", &err), PO_ENAME);
	assert_string_equal(err.msg,
			    "invalid project name 'a?b': it contains a control character; use a plain name of letters, digits, '-' and '_', e.g. 'a-b'");
	/* nothing is created for a bad name */
	assert_int_equal(po_project_init(".", "../escape", &err), PO_ENAME);
	assert_false(po_fs_exists("../prompt_tuning_results_escape"));
	assert_int_equal(po_project_load((struct po_project **)&longname, ".", "a/b", &err),
			 PO_ENAME);
}

/* ---- bad input: the exact messages --------------------------------------- */

static void test_invalid_json(void **state)
{
	expect_fixture_error(state, "bad-json", PO_ESYNTAX,
			     "prompt_tuning_results_bad-json/test_cases_bad-json.json:4:3: invalid JSON: unexpected token near ']'");
}

static void test_inputs_wrong_type(void **state)
{
	expect_fixture_error(state, "bad-inputs", PO_EINPUT,
			     "prompt_tuning_results_bad-inputs/test_cases_bad-inputs.json:6:17: expected an object for \"inputs\" in test case \"tc-02\", found a string");
}

static void test_empty_test_set(void **state)
{
	expect_fixture_error(state, "empty-cases", PO_EINPUT,
			     "prompt_tuning_results_empty-cases/test_cases_empty-cases.json:3:17: there are no test cases; add at least one, e.g. {\"id\": \"case-001\", \"inputs\": {\"input\": \"...\"}}");
}

static void test_duplicate_id(void **state)
{
	expect_fixture_error(state, "dup-id", PO_EINPUT,
			     "prompt_tuning_results_dup-id/test_cases_dup-id.json:5:12: duplicate test case id \"tc-01\": test case 1 (line 3) has it too; give each test case a unique \"id\"");
}

static void test_unknown_placeholder(void **state)
{
	expect_fixture_error(state, "unknown-placeholder", PO_ETEMPLATE,
			     "prompt_tuning_results_unknown-placeholder/prompts_unknown-placeholder.json:2:11: template 'main' uses placeholder {budget}, but test case 'tc-01' has no input 'budget'; add \"budget\" to its inputs or remove {budget} from the template");
}

static void test_unknown_config_key(void **state)
{
	expect_fixture_error(state, "unknown-key", PO_EINPUT,
			     "prompt_tuning_results_unknown-key/config_unknown-key.json:3:3: unknown setting \"rubrik\"; did you mean \"rubric\"? (known: accept, batch_api, budget, convergence, description, endpoints, iterations, judge, judge_samples, judge_structured, judge_weight, length_penalty, main_prompt, max_prompt_chars, pairwise_judge, project, roles, rubric, scorers, seed, sim, split, strategy, system_prompt)");
}

static void test_good_fixture(void **state)
{
	struct po_err err = { 0 };
	struct po_project *p;

	copy_fixture(*state, "good");
	assert_int_equal(po_project_load(&p, ".", "good", &err), 0);
	assert_int_equal(p->ncases, 2);
	assert_string_equal(p->cases[0].name, "First");
	assert_string_equal(p->cases[1].name, "tc-02"); /* defaults to the id */
	assert_string_equal(p->cases[1].description, "");
	assert_true(p->rubric.criteria[0].weight > 0.7499 && p->rubric.criteria[0].weight < 0.7501);
	assert_string_equal(p->description, "Fixture project.");
	po_project_free(p);
}

static void test_missing_project(void **state)
{
	expect_load_error("nothing-here", PO_ENOTFOUND,
			  "project 'nothing-here' not found: there is no 'prompt_tuning_results_nothing-here/test_cases_nothing-here.json'; create it with 'promptopt init nothing-here' or check the name");
	assert_false(po_project_exists(".", "nothing-here"));
	/* a project without its prompts file */
	copy_fixture(*state, "good");
	assert_int_equal(unlink("prompt_tuning_results_good/prompts_good.json"), 0);
	expect_load_error("good", PO_ENOTFOUND,
			  "project 'good' has no prompts file 'prompt_tuning_results_good/prompts_good.json' (nor .txt files in 'prompt_tuning_results_good/prompts/'); write one, e.g. {\"main\": \"Answer this: {input}\"}");
	/* a missing config is fine: defaults */
	copy_fixture(*state, "good");
	assert_int_equal(unlink("prompt_tuning_results_good/config_good.json"), 0);
	{
		struct po_project *p;
		struct po_err err = { 0 };

		assert_int_equal(po_project_load(&p, ".", "good", &err), 0);
		assert_string_equal(p->description, "A small valid project.");
		po_project_free(p);
	}
}

static void test_unreadable_folder(void **state)
{
	if (geteuid() == 0)
		skip(); /* root can read anything */
	copy_fixture(*state, "good");
	assert_int_equal(chmod("prompt_tuning_results_good", 0), 0);
	expect_load_error("good", PO_EIO,
			  "cannot read 'prompt_tuning_results_good/test_cases_good.json': Permission denied; check the permissions of 'prompt_tuning_results_good' and its files");
	chmod("prompt_tuning_results_good", 0755);
}

/* ---- validation from text ------------------------------------------------ */

static int parse(const char *tc, const char *prompts, const char *config, struct po_project **p,
		 struct po_err *err)
{
	return po_project_parse(p, "t", "d", tc, strlen(tc), prompts, strlen(prompts), config,
				config ? strlen(config) : 0, po_project_known_names(), err);
}

static const char tc_ok[] = "{\"test_cases\": [{\"id\": \"a\", \"inputs\": {\"q\": \"x\"}}]}";
static const char pr_ok[] = "{\"main\": \"{q}\"}";

static void expect_parse(const char *tc, const char *prompts, const char *config, int code,
			 const char *msg)
{
	struct po_err err = { 0 };
	struct po_project *p = NULL;
	int ret = parse(tc, prompts, config, &p, &err);

	if (ret != code)
		fail_msg("got %d (%s), want %d", ret, err.msg, code);
	if (!code) {
		po_project_free(p);
		return;
	}
	assert_null(p);
	assert_string_equal(err.msg, msg);
}

static void test_test_cases_shapes(void **state)
{
	struct po_err err = { 0 };
	struct po_project *p;

	/* a bare array of test cases, integer ids */
	assert_int_equal(parse("[{\"id\": 7, \"inputs\": {\"q\": 1.5, \"b\": true}}]", pr_ok, NULL,
			       &p, &err), 0);
	assert_string_equal(p->cases[0].id, "7");
	assert_null(p->cases[0].expected);
	po_project_free(p);
	assert_int_equal(parse("[{\"id\": \"e\", \"inputs\": {\"q\": \"x\"}, \"expected\": {\"k\": 1}, \"tag\": 3}]",
			       pr_ok, NULL, &p, &err), 0);
	assert_true(json_is_object(p->cases[0].expected));
	assert_int_equal(json_integer_value(json_object_get(p->cases[0].raw, "tag")), 3);
	po_project_free(p);

	expect_parse("\"x\"", pr_ok, NULL, PO_ESYNTAX,
		     "d/test_cases_t.json:1:3: invalid JSON: '[' or '{' expected near '\"x\"'");
	expect_parse("{\"cases\": []}", pr_ok, NULL, PO_EINPUT,
		     "d/test_cases_t.json:1:1: no \"test_cases\" in the file; write {\"test_cases\": [{\"id\": \"case-001\", \"inputs\": {...}}, ...]}");
	expect_parse("{\"test_cases\": {}}", pr_ok, NULL, PO_EINPUT,
		     "d/test_cases_t.json:1:16: expected an array for \"test_cases\", found an object");
	expect_parse("[]", pr_ok, NULL, PO_EINPUT,
		     "d/test_cases_t.json:1:1: there are no test cases; add at least one, e.g. {\"id\": \"case-001\", \"inputs\": {\"input\": \"...\"}}");
	expect_parse("[1]", pr_ok, NULL, PO_EINPUT,
		     "d/test_cases_t.json:1:2: test case 1 is an integer; write it as an object with \"id\" and \"inputs\"");
	expect_parse("[{\"inputs\": {}}]", pr_ok, NULL, PO_EINPUT,
		     "d/test_cases_t.json:1:2: test case 1 has no \"id\"; give each test case a unique \"id\", e.g. \"case-001\"");
	expect_parse("[{\"id\": \"\", \"inputs\": {}}]", pr_ok, NULL, PO_EINPUT,
		     "d/test_cases_t.json:1:9: test case 1 has an empty \"id\"; give it a unique name such as \"case-001\"");
	expect_parse("[{\"id\": 1.5, \"inputs\": {}}]", pr_ok, NULL, PO_EINPUT,
		     "d/test_cases_t.json:1:9: expected a string for \"id\", found a number");
	expect_parse("[{\"id\": \"a\"}]", pr_ok, NULL, PO_EINPUT,
		     "d/test_cases_t.json:1:2: test case \"a\" has no \"inputs\"; add \"inputs\": {\"name\": \"value\", ...} with one entry per template placeholder");
	expect_parse("[{\"id\": \"a\", \"inputs\": {\"q\": null}}]", pr_ok, NULL, PO_EINPUT,
		     "d/test_cases_t.json:1:30: input \"q\" of test case \"a\" is null; inputs must be strings, numbers or booleans");
	expect_parse("[{\"id\": \"a\", \"inputs\": {\"q\": \"\"}, \"name\": 3}]", pr_ok, NULL,
		     PO_EINPUT,
		     "d/test_cases_t.json:1:43: expected a string for \"name\" in test case \"a\", found an integer");
	expect_parse("{\"description\": [], \"test_cases\": [{\"id\": \"a\", \"inputs\": {}}]}", pr_ok,
		     NULL, PO_EINPUT,
		     "d/test_cases_t.json:1:17: expected a string for \"description\", found an array");
}

static void test_prompts_shapes(void **state)
{
	expect_parse(tc_ok, "[]", NULL, PO_EINPUT,
		     "d/prompts_t.json:1:1: expected an object of prompts (name -> template), found an array");
	expect_parse(tc_ok, "{}", NULL, PO_EINPUT,
		     "d/prompts_t.json:1:1: there are no prompts; add one, e.g. {\"main\": \"Answer this: {input}\"}");
	expect_parse(tc_ok, "{\"main\": \"{q}\",\n \"other\": 5}", NULL, PO_EINPUT,
		     "d/prompts_t.json:2:11: expected a string (the template) for prompt \"other\", found an integer");
	expect_parse(tc_ok, "{\"main\": \"\"}", NULL, PO_EINPUT,
		     "d/prompts_t.json:1:10: prompt \"main\" is empty; write its template or remove it");
	expect_parse(tc_ok, "{\"main\": \"{q}\"", NULL, PO_ESYNTAX,
		     "d/prompts_t.json:1:14: invalid JSON: '}' expected near end of file");
}

static void test_main_and_system_prompt(void **state)
{
	struct po_err err = { 0 };
	struct po_project *p;
	json_t *names;

	/* the only prompt besides "system_prompt" is the main one */
	assert_int_equal(parse(tc_ok, "{\"system_prompt\": \"Be brief about {q}.\", \"ask\": \"{q}?\"}",
			       NULL, &p, &err), 0);
	assert_string_equal(p->main_prompt, "ask");
	assert_string_equal(p->system_prompt, "system_prompt");
	names = po_project_placeholders(p);
	assert_int_equal(json_array_size(names), 1);
	json_decref(names);
	po_project_free(p);

	expect_parse(tc_ok, "{\"a\": \"{q}\", \"b\": \"{q}\"}", NULL, PO_EINPUT,
		     "d/prompts_t.json:1:1: cannot tell which prompt to optimize (a, b); set \"main_prompt\" in d/config_t.json to one of them");
	expect_parse(tc_ok, "{\"a\": \"{q}\", \"b\": \"{q}\"}", "{\"main_prompt\": \"b\", \"system_prompt\": \"a\"}",
		     0, NULL);
	expect_parse(tc_ok, "{\"a\": \"{q}\"}", "{\n\"main_prompt\": \"nope\"}", PO_EINPUT,
		     "d/config_t.json:2:16: \"main_prompt\" names prompt \"nope\", but d/prompts_t.json has no such prompt; use one of: a");
	/* the system template's placeholders are checked too */
	expect_parse(tc_ok, "{\"system_prompt\": \"{tone}\", \"a\": \"{q}\"}", NULL, PO_ETEMPLATE,
		     "d/prompts_t.json:1:19: template 'system_prompt' uses placeholder {tone}, but test case 'a' has no input 'tone'; add \"tone\" to its inputs or remove {tone} from the template");
}

static void test_config_shapes(void **state)
{
	struct po_err err = { 0 };
	struct po_project *p;

	/* no config: defaults */
	assert_int_equal(parse(tc_ok, pr_ok, NULL, &p, &err), 0);
	assert_string_equal(p->sim_catalogue, "generic");
	assert_int_equal(p->rubric.n, 4);
	assert_string_equal(p->description, "");
	po_project_free(p);
	assert_int_equal(parse(tc_ok, pr_ok,
			       "{\"sim\": {\"catalogue\": \"prfaq\", \"noise\": 0}, \"seed\": 3, \"iterations\": 5, "
			       "\"split\": 0.2, \"budget\": {\"calls\": 100}, \"strategy\": \"hillclimb\", "
			       "\"roles\": {\"judge\": {\"provider\": \"sim\"}, \"mutate\": \"sim\"}, "
			       "\"convergence\": {\"no_improvement_threshold\": 3, \"enable_early_stop\": false}}",
			       &p, &err), 0);
	assert_string_equal(p->sim_catalogue, "prfaq");
	assert_string_equal(p->rubric.criteria[0].key, "press_release_quality");
	po_project_free(p);

	expect_parse(tc_ok, pr_ok, "[]", PO_EINPUT,
		     "d/config_t.json:1:1: expected an object of settings, found an array");
	expect_parse(tc_ok, pr_ok, "{\"sim\": {\"catalogue\": \"chess\"}}", PO_EINPUT,
		     "d/config_t.json:1:23: unknown simulator catalogue; use \"prfaq\", \"prfaq-v1\", \"generic\" or \"ticket\"");
	expect_parse(tc_ok, pr_ok, "{\"sim\": {\"nosie\": 1}}", PO_EINPUT,
		     "d/config_t.json:1:10: unknown sim setting \"nosie\"; did you mean \"noise\"? (known: catalogue, noise, verbosity_bias)");
	expect_parse(tc_ok, pr_ok, "{\"sim\": {\"noise\": -1}}", PO_EINPUT,
		     "d/config_t.json:1:19: \"noise\" is -1; use a number of at least 0");
	expect_parse(tc_ok, pr_ok, "{\"split\": 1}", PO_EINPUT,
		     "d/config_t.json:1:11: expected 0 (no split) or a test share below 1, found 1");
	expect_parse(tc_ok, pr_ok, "{\"iterations\": \"5\"}", PO_EINPUT,
		     "d/config_t.json:1:16: expected an integer for \"iterations\", found a string");
	expect_parse(tc_ok, pr_ok, "{\"roles\": {\"writer\": \"sim\"}}", PO_EINPUT,
		     "d/config_t.json:1:12: unknown role \"writer\"; known roles are: generate, judge, mutate");
	expect_parse(tc_ok, pr_ok, "{\"convergence\": {\"enable_early_stop\": 1}}", PO_EINPUT,
		     "d/config_t.json:1:39: expected true or false for \"enable_early_stop\", found an integer");
	expect_parse(tc_ok, pr_ok, "{\"rubric\": {\"criteria\": []}}", PO_EINPUT,
		     "d/config_t.json:1:25: the rubric has no criteria; add {\"criteria\": [{\"key\": \"clarity\", \"weight\": 1}]}");
	expect_parse(tc_ok, pr_ok, "{\"rubric\": {\"criteria\": [{\"key\": \"a\", \"weight\": 0}]}}",
		     PO_EINPUT, "d/config_t.json:1:49: \"weight\" is 0; use a number above 0");
	expect_parse(tc_ok, pr_ok, "{\"rubric\": {\"criteria\": [{\"key\": \"a\"}]}}", PO_EINPUT,
		     "d/config_t.json:1:26: rubric criterion 1 has no \"weight\"; each criterion needs a \"key\" and a \"weight\"");
	expect_parse(tc_ok, pr_ok,
		     "{\"rubric\": {\"criteria\": [{\"key\": \"a\", \"weight\": 1}, {\"key\": \"a\", \"weight\": 1}]}}",
		     PO_EINPUT,
		     "d/config_t.json:1:61: rubric criterion \"a\" appears twice; give each criterion its own \"key\"");
	expect_parse(tc_ok, pr_ok, "{\"temperature\": 1}", PO_EINPUT,
		     "d/config_t.json:1:2: unknown setting \"temperature\"; known settings are: accept, batch_api, budget, convergence, description, endpoints, iterations, judge, judge_samples, judge_structured, judge_weight, length_penalty, main_prompt, max_prompt_chars, pairwise_judge, project, roles, rubric, scorers, seed, sim, split, strategy, system_prompt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_builtin_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_in_base_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scaffold_default_prompts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scaffold_prompts_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scaffold_prompts_folder_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inputs_wrong_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_test_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_placeholder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_config_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_fixture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_project, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_folder, setup, teardown),
		cmocka_unit_test(test_test_cases_shapes),
		cmocka_unit_test(test_prompts_shapes),
		cmocka_unit_test(test_main_and_system_prompt),
		cmocka_unit_test(test_config_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
