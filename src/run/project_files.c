/*
 * Projects on disk: the folder prompt_tuning_results_<name>/ and its three
 * files, created (from the projects compiled in, or scaffolded) and read,
 * then validated by core/project with the provider and strategy names known.
 */
#include "run/project_files.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cases_format.h"
#include "llm/provider.h"
#include "opt/strategy.h"
#include "util/buf.h"
#include "util/embedded.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/jsonpos.h"
#include "util/mem.h"

/* A strategy spec (NAME[:KEY=VALUE...]) that parses and checks. */
static bool strategy_known(const char *spec)
{
	struct po_err err = { 0 };

	return !po_strategy_check_spec(spec, &err);
}

const struct po_known_names *po_project_known_names(void)
{
	static const struct po_known_names known = {
		.provider_known = po_provider_known,
		.provider_names = po_provider_names,
		.strategy_known = strategy_known,
		.strategy_names = po_strategy_names,
	};
	return &known;
}

char *po_project_dir(const char *base, const char *name)
{
	struct po_buf b = PO_BUF_INIT;

	if (base && *base && strcmp(base, "."))
		po_buf_addf(&b, "%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/");
	po_buf_addf(&b, "prompt_tuning_results_%s", name);
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

/*
 * The project's test cases file: test_cases_NAME.json, or the first of the
 * other formats' extensions that exists (core/cases_format.h); the .json
 * name when none does. *also is a second one that exists too, or NULL.
 */
static char *cases_file(const char *dir, const char *name, char **also)
{
	const char *const *ext = po_cases_extensions();
	char *found = NULL;
	struct stat st;

	*also = NULL;
	for (size_t i = 0; ext[i] && !*also; i++) {
		struct po_buf b = PO_BUF_INIT;

		po_buf_addf(&b, "%s/test_cases_%s.%s", dir, name, ext[i]);
		/* a file we may not look at is the .json default's message to give */
		if (stat(b.data, &st))
			po_buf_release(&b);
		else if (!found)
			found = po_buf_detach(&b);
		else
			*also = po_buf_detach(&b);
	}
	return found ? found : po_project_file(dir, "test_cases", name);
}

/* config_NAME.json, else config_NAME.yaml or .yml when one exists. */
static char *config_file(const char *dir, const char *name)
{
	static const char *const ext[] = { "yaml", "yml" };
	char *json = po_project_file(dir, "config", name);
	struct stat st;

	if (!stat(json, &st))
		return json;
	for (size_t i = 0; i < 2; i++) {
		struct po_buf b = PO_BUF_INIT;

		po_buf_addf(&b, "%s/config_%s.%s", dir, name, ext[i]);
		if (!stat(b.data, &st)) {
			free(json);
			return po_buf_detach(&b);
		}
		po_buf_release(&b);
	}
	return json;
}

/* The config's JSON: its text, or made from YAML (a blank file: no
 * settings) with positions in map; *json is new. */
static int config_json(const char *path, const struct po_buf *cf, char **json,
		       struct po_srcmap *map, struct po_err *err)
{
	if (po_cases_format_of(path) != PO_CASES_YAML) {
		*json = po_xstrndup(cf->data, cf->len);
		return 0;
	}
	if (strspn(cf->data, " \t\r\n") == cf->len) {
		*json = po_xstrdup("{}");
		return 0;
	}
	return po_cases_from_yaml(path, cf->data, cf->len, json, map, err);
}

bool po_project_exists(const char *base, const char *name)
{
	static const char *const kinds[3] = { "test_cases", "prompts", "config" };
	char *dir = po_project_dir(base, name);
	bool ret = false;

	/* Any of the three files makes it exist: loading it then says what is
	 * missing, where initializing over it would refuse or clobber. */
	for (int i = 0; i < 3 && !ret; i++) {
		char *also = NULL;
		char *f = i ? po_project_file(dir, kinds[i], name) : cases_file(dir, name, &also);

		ret = po_fs_exists(f);
		free(f);
		free(also);
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

static int read_project_file(const char *path, const char *dir, struct po_buf *b,
			     bool *missing, struct po_err *err)
{
	int ret = po_fs_read_file(path, b, err);

	if (ret == PO_ENOTFOUND && missing) {
		*missing = true;
		return 0;
	}
	/* Permissions, unless the message already says what to do (a FIFO,
	 * a file over the size cap). */
	if (ret == PO_EIO && err && !strstr(err->msg, "; ")) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		po_error(err, PO_EIO, "%s; check the permissions of '%s' and its files", msg, dir);
	}
	return ret;
}

/*
 * The prompts: <dir>/prompts/\*.txt when that folder has any (*path is then
 * the folder, with a slash), else prompts_NAME.json; their JSON text in b.
 */
static int read_prompts(const char *dir, const char *name, char **path, struct po_buf *b,
			struct po_err *err)
{
	struct po_buf folder = PO_BUF_INIT;
	json_t *own = NULL;
	int ret;

	po_fs_join(&folder, dir, "prompts");
	ret = po_project_prompts_folder(folder.data, &own, err);
	if (!ret && own) {
		char *text = json_dumps(own, JSON_INDENT(2));

		po_buf_adds(&folder, "/");
		*path = po_buf_detach(&folder);
		po_buf_adds(b, text);
		free(text);
		json_decref(own);
		return 0;
	}
	po_buf_release(&folder);
	if (ret)
		return ret;
	*path = po_project_file(dir, "prompts", name);
	ret = read_project_file(*path, dir, b, NULL, err);
	if (ret == PO_ENOTFOUND)
		ret = po_error(err, PO_ENOTFOUND,
			       "project '%s' has no prompts file '%s' (nor .txt files in '%s/prompts/'); write one, e.g. {\"main\": \"Answer this: {input}\"}",
			       name, *path, dir);
	return ret;
}

/* Prompts from a folder: each at the start of its file (a message names
 * the template, so its .txt); NULL for prompts_NAME.json. */
static const struct po_srcmap *folder_map(const char *path, const struct po_buf *text,
					  struct po_srcmap *map)
{
	json_t *o, *v;
	const char *key;

	if (!*path || path[strlen(path) - 1] != '/')
		return NULL;
	o = json_loadb(text->data, text->len, 0, NULL);
	po_srcmap_add(map, "", 1, 1);
	json_object_foreach(o, key, v) {
		struct po_buf p = PO_BUF_INIT;

		(void)v;
		po_jsonpos_path_key(&p, key);
		po_srcmap_add(map, p.data, 1, 1);
		po_buf_release(&p);
	}
	json_decref(o);
	return map;
}

int po_project_load(struct po_project **out, const char *base, const char *name,
		    struct po_err *err)
{
	struct po_buf tc = PO_BUF_INIT, pr = PO_BUF_INIT, cf = PO_BUF_INIT;
	char *dir = NULL, *tc_path = NULL, *pr_path = NULL, *cf_path = NULL, *also = NULL;
	char *tc_json = NULL, *cf_json = NULL;
	struct po_srcmap map = { 0 }, cmap = { 0 }, pmap = { 0 };
	bool no_config = false;
	int ret;

	*out = NULL;
	ret = po_project_name_check(name, err);
	if (ret)
		return ret;
	dir = po_project_dir(base, name);
	tc_path = cases_file(dir, name, &also);
	if (also) {
		ret = po_error(err, PO_EINPUT,
			       "project '%s' has two test cases files, '%s' and '%s'; keep one",
			       name, tc_path, also);
		goto out;
	}
	cf_path = config_file(dir, name);
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
	if (!ret)
		ret = read_prompts(dir, name, &pr_path, &pr, err);
	if (!ret)
		ret = read_project_file(cf_path, dir, &cf, &no_config, err);
	if (!ret && !no_config)
		ret = config_json(cf_path, &cf, &cf_json, &cmap, err);
	if (!ret)
		ret = po_cases_convert(tc_path, tc.data, tc.len, &tc_json, &map, err);
	if (!ret) {
		struct po_src ts = { tc_path, tc_json, strlen(tc_json), map.n ? &map : NULL };
		struct po_src ps = { pr_path, pr.data, pr.len, folder_map(pr_path, &pr, &pmap) };
		struct po_src cs = { cf_path, cf_json, cf_json ? strlen(cf_json) : 0,
				     cmap.n ? &cmap : NULL };

		ret = po_project_parse_src(out, name, dir, &ts, &ps, no_config ? NULL : &cs,
					   po_project_known_names(), err);
	}
out:
	po_buf_release(&tc);
	po_buf_release(&pr);
	po_buf_release(&cf);
	free(dir);
	free(tc_path);
	free(pr_path);
	free(cf_path);
	free(also);
	free(tc_json);
	free(cf_json);
	po_srcmap_release(&map);
	po_srcmap_release(&cmap);
	po_srcmap_release(&pmap);
	return ret;
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
	if (memchr(b.data, 0, b.len)) {
		size_t at = (size_t)((const char *)memchr(b.data, 0, b.len) - b.data), line = 1, col = 1;

		for (size_t i = 0; i < at; i++, col++)
			if (b.data[i] == '\n')
				line++, col = 0;
		ret = po_error(err, PO_EINPUT,
			       "%s:%zu:%zu: prompt '%s' holds a NUL byte; remove it (no LLM API carries one: the text would be cut short)",
			       path, line, col, name);
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
	struct po_buf dir = PO_BUF_INIT;
	int ret;

	if (base && *base && strcmp(base, "."))
		po_fs_join(&dir, base, "prompts");
	else
		po_buf_adds(&dir, "prompts");
	ret = po_project_prompts_folder(dir.data, out, err);
	po_buf_release(&dir);
	return ret;
}

int po_project_prompts_folder(const char *folder, json_t **out, struct po_err *err)
{
	struct po_buf dir = PO_BUF_INIT, path = PO_BUF_INIT;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	json_t *prompts;
	DIR *d;
	int ret = 0;

	*out = NULL;
	po_buf_adds(&dir, folder);
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
		paths[i] = po_project_file(dir, kinds[i], name);
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
