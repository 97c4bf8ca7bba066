/*
 * `promptopt init NAME --from FILE`: a project whose test cases are a file
 * the user already has (JSON, JSON Lines, CSV or YAML), copied in its
 * format, with a first prompt that uses every input of its cases and the
 * scaffold's config. The file is validated before anything is written.
 */
#include "run/project_files.h"

#include <stdlib.h>
#include <string.h>

#include "core/cases_format.h"
#include "util/buf.h"
#include "util/embedded.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

/* {"main": "...{a}...{b}"} with the inputs of the first case (JSON text, new). */
static char *first_prompt(const char *cases_json)
{
	json_t *root = json_loads(cases_json, JSON_DECODE_ANY, NULL);
	json_t *arr = json_is_object(root) ? json_object_get(root, "test_cases") : root;
	json_t *inputs = json_object_get(json_array_get(arr, 0), "inputs");
	struct po_buf b = PO_BUF_INIT;
	json_t *prompts;
	const char *key;
	json_t *v;
	char *s;

	po_buf_adds(&b, "Complete the task for the input below. Be accurate and concise.\n");
	json_object_foreach(inputs, key, v) {
		(void)v;
		po_buf_addf(&b, "\n%s: {%s}", key, key);
	}
	prompts = json_pack("{s:s}", "main", b.data);
	s = json_dumps(prompts, JSON_INDENT(2));
	json_decref(prompts);
	json_decref(root);
	po_buf_release(&b);
	return s;
}

/* The scaffold's config for project `name` (JSON text, new); NULL on error. */
static char *scaffold_config(const char *name, struct po_err *err)
{
	const struct po_embedded_file *f = po_embedded_find("scaffold/config.json");
	json_t *cfg;
	char *s;

	if (!f) {
		po_error(err, PO_EFAIL, "built-in file 'scaffold/config.json' is missing from this build; rebuild promptopt");
		return NULL;
	}
	cfg = json_loadb(f->data, f->len, 0, NULL);
	json_object_set_new(cfg, "project", json_string(name));
	json_object_set_new(cfg, "main_prompt", json_string("main"));
	s = json_dumps(cfg, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(cfg);
	return s;
}

/* Writes the three files (the test cases last: they make the project exist). */
static int write_files(const char *base, const char *name, const char *from,
		       const struct po_buf *cases, const char *prompts, const char *config,
		       struct po_err *err)
{
	char *dir = po_project_dir(base, name);
	const char *ext = strrchr(from, '.');
	struct po_buf p = PO_BUF_INIT;
	int ret = po_fs_mkdirs(dir, err);

	if (!ret) {
		po_buf_addf(&p, "%s/config_%s.json", dir, name);
		ret = po_fs_replace(p.data, config, strlen(config), false, err);
	}
	if (!ret) {
		po_buf_reset(&p);
		po_buf_addf(&p, "%s/prompts_%s.json", dir, name);
		ret = po_fs_replace(p.data, prompts, strlen(prompts), false, err);
	}
	if (!ret) {
		po_buf_reset(&p);
		po_buf_addf(&p, "%s/test_cases_%s%s", dir, name,
			    po_cases_format_of(from) == PO_CASES_JSON ? ".json" : ext);
		ret = po_fs_replace(p.data, cases->data, cases->len, true, err);
	}
	po_buf_release(&p);
	free(dir);
	return ret;
}

int po_project_init_from(const char *base, const char *name, const char *from,
			 struct po_err *err)
{
	struct po_buf text = PO_BUF_INIT;
	struct po_srcmap map = { 0 };
	struct po_project *p = NULL;
	char *json = NULL, *prompts = NULL, *config = NULL, *dir = NULL;
	int ret = po_project_name_check(name, err);

	if (!ret && po_project_exists(base, name)) {
		dir = po_project_dir(base, name);
		ret = po_error(err, PO_EIO, "project '%s' already exists in '%s'; remove it first or choose another name",
			       name, dir);
	}
	if (!ret)
		ret = po_fs_read_file(from, &text, err);
	if (!ret)
		ret = po_cases_convert(from, text.data, text.len, &json, &map, err);
	if (!ret) {
		prompts = first_prompt(json);
		config = scaffold_config(name, err);
		ret = config ? 0 : PO_EFAIL;
	}
	if (!ret) {
		struct po_src ts = { from, json, strlen(json), map.n ? &map : NULL };
		struct po_src ps = { "prompts", prompts, strlen(prompts), NULL };
		struct po_src cs = { "config", config, strlen(config), NULL };

		dir = dir ? dir : po_project_dir(base, name);
		ret = po_project_parse_src(&p, name, dir, &ts, &ps, &cs, po_project_known_names(),
					   err);
	}
	if (!ret)
		ret = write_files(base, name, from, &text, prompts, config, err);
	po_project_free(p);
	po_srcmap_release(&map);
	po_buf_release(&text);
	free(json);
	free(prompts);
	free(config);
	free(dir);
	return ret;
}
