/*
 * runs/: the run history of a results folder (see history.h). Files are
 * copied, not moved: the folder's own files stay what they were, the
 * history only adds.
 */
#include "run/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/results.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/timeutil.h"

/* dir/runs/NNN/name copied from dir/name; false when there is none. */
static bool copy_in(const char *dir, const char *rundir, const char *name)
{
	struct po_buf from = PO_BUF_INIT, to = PO_BUF_INIT, data = PO_BUF_INIT;
	bool ok = false;

	po_fs_join(&from, dir, name);
	po_fs_join(&to, rundir, name);
	if (po_fs_exists(from.data) && po_fs_read_file(from.data, &data, NULL) == 0)
		ok = po_fs_write_atomic(to.data, data.data, data.len, NULL) == 0;
	po_buf_release(&from);
	po_buf_release(&to);
	po_buf_release(&data);
	return ok;
}

static void copy_key(json_t *to, const json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);

	json_object_set(to, key, v ? v : json_null());
}

/* The entry's figures, from the final results the run wrote. */
static void add_figures(json_t *entry, const char *results)
{
	static const char *const keys[] = { "strategy", "provider", "seed", "iterations_run",
					    "max_iterations", "baseline_score", "final_score",
					    "improvement", "report", NULL };
	json_t *f = NULL;

	if (po_json_load_file(results, &f, NULL) < 0 || !json_is_object(f)) {
		json_decref(f);
		return;
	}
	for (int i = 0; keys[i]; i++)
		copy_key(entry, f, keys[i]);
	json_decref(f);
}

static json_t *load_index(const char *dir)
{
	struct po_buf path = PO_BUF_INIT;
	json_t *idx = NULL;

	po_fs_join(&path, dir, PO_RUNS_INDEX);
	if (!po_fs_exists(path.data) || po_json_load_file(path.data, &idx, NULL) < 0 ||
	    !json_is_array(json_object_get(idx, "runs"))) {
		json_decref(idx);
		idx = json_pack("{s:[]}", "runs");
	}
	po_buf_release(&path);
	return idx;
}

int po_history_add(const char *dir, const char *project, const char *run_id, int status,
		   const char *msg)
{
	struct po_buf rundir = PO_BUF_INIT, path = PO_BUF_INIT, prompts = PO_BUF_INIT;
	json_t *idx = load_index(dir), *runs = json_object_get(idx, "runs"), *entry;
	int n = (int)json_array_size(runs) + 1;
	char name[16], t[32];

	snprintf(name, sizeof(name), "%03d", n);
	po_fs_join(&path, dir, PO_RUNS_DIR);
	po_fs_join(&rundir, path.data, name);
	if (po_fs_mkdirs(rundir.data, NULL) < 0) {
		n = -1;
		goto out;
	}
	entry = json_object();
	json_object_set_new(entry, "run", json_integer(n));
	json_object_set_new(entry, "run_id", json_string(run_id ? run_id : ""));
	json_object_set_new(entry, "state", json_string(status == 0 ? "finished" :
		status == PO_EINTR ? "interrupted" : status == PO_EBUDGET ? "stopped" : "failed"));
	json_object_set_new(entry, "error", status && msg && *msg ? json_string(msg) : json_null());
	po_time_iso8601(po_time_unix(), t, sizeof(t));
	json_object_set_new(entry, "ended", json_string(t));
	po_buf_addf(&prompts, "prompts_%s.json", project);
	if (copy_in(dir, rundir.data, PO_FINAL_RESULTS_FILE)) {
		po_buf_reset(&path);
		po_buf_addf(&path, "%s/%s/%s", PO_RUNS_DIR, name, PO_FINAL_RESULTS_FILE);
		json_object_set_new(entry, "results", json_string(path.data));
		po_buf_reset(&path);
		po_fs_join(&path, rundir.data, PO_FINAL_RESULTS_FILE);
		add_figures(entry, path.data);
	} else {
		json_object_set_new(entry, "results", json_null());
	}
	if (copy_in(dir, rundir.data, prompts.data)) {
		po_buf_reset(&path);
		po_buf_addf(&path, "%s/%s/%s", PO_RUNS_DIR, name, prompts.data);
		json_object_set_new(entry, "best_prompts", json_string(path.data));
	}
	json_array_append_new(runs, entry);
	po_buf_reset(&path);
	po_fs_join(&path, dir, PO_RUNS_INDEX);
	if (po_json_write_file_ex(path.data, idx, false, NULL) < 0)
		n = -1;
out:
	json_decref(idx);
	po_buf_release(&rundir);
	po_buf_release(&path);
	po_buf_release(&prompts);
	return n;
}

int po_history_read(const char *dir, json_t **out, struct po_err *err)
{
	struct po_buf path = PO_BUF_INIT;
	int ret = 0;

	*out = NULL;
	po_fs_join(&path, dir, PO_RUNS_INDEX);
	if (!po_fs_exists(path.data))
		ret = po_error(err, PO_ENOTFOUND, "no run history in '%s' (no %s)", dir,
			       PO_RUNS_INDEX);
	else if (po_json_load_file(path.data, out, err) == 0 &&
		 !json_is_array(json_object_get(*out, "runs")))
		ret = po_error(err, PO_EINPUT, "%s: expected an object with a \"runs\" list",
			       path.data);
	else if (!*out)
		ret = err ? err->code : PO_EIO;
	if (ret) {
		json_decref(*out);
		*out = NULL;
	}
	po_buf_release(&path);
	return ret;
}

/* The index of the entry `which` names in runs, or -1. */
static long pick(const json_t *runs, const char *which)
{
	long n = (long)json_array_size(runs), k, seen = 0;
	char *end;

	if (!strcmp(which, "last") || !strcmp(which, "previous")) {
		long want = which[0] == 'l' ? 1 : 2;

		for (k = n - 1; k >= 0; k--)
			if (json_is_string(json_object_get(json_array_get(runs, (size_t)k), "results")) &&
			    ++seen == want)
				return k;
		return -1;
	}
	k = strtol(which, &end, 10);
	return *which && !*end && k >= 1 && k <= n ? k - 1 : -1;
}

int po_history_find(const char *dir, const char *which, struct po_buf *path, struct po_err *err)
{
	json_t *idx = NULL;
	const char *rel;
	long k;
	int ret = po_history_read(dir, &idx, err);

	if (ret)
		return ret;
	k = pick(json_object_get(idx, "runs"), which);
	rel = k < 0 ? NULL : po_json_str(json_array_get(json_object_get(idx, "runs"), (size_t)k),
					   "results", NULL);
	if (!rel)
		ret = po_error(err, PO_ENOTFOUND,
			       "no run '%s' with final results in %s/%s; see 'promptopt status --history'",
			       which, dir, PO_RUNS_INDEX);
	else
		po_fs_join(path, dir, rel);
	json_decref(idx);
	return ret;
}
