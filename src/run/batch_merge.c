/*
 * Merging shard results (batch_results_<id>.shard-<I>-of-<N>.json, from
 * `batch --shard I/N` on one machine or several) into the one batch
 * result the unsharded run would have written, once every shard of one
 * plan is there and holds its experiments exactly once.
 */
#include "run/batch.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run/batch_result.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timeutil.h"

struct shard_file {
	char *path;
	json_t *doc;
	int index, count;
};

static bool is_shard_name(const char *name)
{
	size_t n = strlen(name);

	return !strncmp(name, "batch_results_", 14) && strstr(name, ".shard-") &&
	       n > 5 && !strcmp(name + n - 5, ".json");
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The shard files of dir, in name order, appended to *files. */
static int list_shards(const char *dir, struct shard_file **files, size_t *nfiles,
		       struct po_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return po_error(err, errno == ENOENT ? PO_ENOTFOUND : PO_EIO,
				"cannot read folder '%s': %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (!is_shard_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			names = po_xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = po_xstrdup(de->d_name);
	}
	closedir(d);
	if (!n)
		return po_error(err, PO_ENOTFOUND,
				"no shard results (batch_results_*.shard-*-of-*.json) in '%s'; run 'promptopt batch --shard I/N' first",
				dir);
	qsort(names, n, sizeof(*names), cmp_name);
	*files = po_xrealloc(*files, (*nfiles + n) * sizeof(**files));
	for (size_t i = 0; i < n; i++) {
		struct po_buf p = PO_BUF_INIT;
		po_fs_join(&p, dir, names[i]);
		memset(&(*files)[*nfiles], 0, sizeof(**files));
		(*files)[(*nfiles)++].path = po_buf_detach(&p);
		free(names[i]);
	}
	free(names);
	return 0;
}

/* Loads a shard file and checks the keys a merge relies on. */
static int load_shard(struct shard_file *f, struct po_err *err)
{
	const json_t *sh, *plan, *exps, *e;
	struct po_err id_err = { 0 };
	size_t i;
	int ret = po_json_load_file(f->path, &f->doc, err);

	if (ret)
		return ret;
	sh = json_object_get(f->doc, "shard");
	plan = json_object_get(f->doc, "plan");
	exps = json_object_get(f->doc, "experiments");
	f->index = (int)po_json_int(sh, "index", 0);
	f->count = (int)po_json_int(sh, "count", 0);
	if (!json_is_object(f->doc) || f->count < 1 || f->index < 1 || f->index > f->count ||
	    !json_is_string(json_object_get(plan, "fingerprint")) ||
	    !json_is_integer(json_object_get(plan, "experiments")) ||
	    !json_is_string(json_object_get(f->doc, "batch_id")) || !json_is_array(exps))
		return po_error(err, PO_EINPUT,
				"'%s' is not a shard result (needs \"shard\", \"plan\", \"batch_id\" and \"experiments\"); merge files written by 'promptopt batch --shard'",
				f->path);
	if (po_batch_id_check(po_json_str(f->doc, "batch_id", ""), &id_err))
		return po_error(err, PO_EINPUT, "'%s': %s", f->path, id_err.msg);
	json_array_foreach(exps, i, e)
		if (!json_is_object(e) || !json_is_integer(json_object_get(e, "index")) ||
		    !json_is_string(json_object_get(e, "status")))
			return po_error(err, PO_EINPUT,
					"'%s': experiment %zu has no \"index\" or \"status\"; the file is damaged",
					f->path, i + 1);
	return 0;
}

static const char *fp_of(const struct shard_file *f)
{
	return po_json_str(json_object_get(f->doc, "plan"), "fingerprint", "");
}

/* The shards all name one batch, one plan and one N. */
static int check_one_batch(const struct shard_file *f, size_t n, struct po_err *err)
{
	int count = f[0].count;

	for (size_t i = 1; i < n; i++) {
		const char *id0 = po_json_str(f[0].doc, "batch_id", "");
		const char *id = po_json_str(f[i].doc, "batch_id", "");

		if (strcmp(id, id0))
			return po_error(err, PO_EINPUT,
					"'%s' (batch %s) and '%s' (batch %s) are not shards of one batch; merge the shards of one batch only (see --batch-id)",
					f[0].path, id0, f[i].path, id);
		if (strcmp(fp_of(&f[i]), fp_of(&f[0])))
			return po_error(err, PO_EINPUT,
					"'%s' and '%s' are shards of batch %s but of different plans (fingerprints %s and %s): their configs or flags differ; run every shard with the same config and flags",
					f[0].path, f[i].path, id0, fp_of(&f[0]), fp_of(&f[i]));
		if (f[i].count != count)
			return po_error(err, PO_EINPUT,
					"'%s' is shard %d of %d but '%s' is shard %d of %d; shards of one batch have the same N",
					f[0].path, f[0].index, f[0].count, f[i].path, f[i].index,
					f[i].count);
	}
	return 0;
}

/* Every shard 1..N is there, once. */
static int check_every_shard(const struct shard_file *f, size_t n, struct po_err *err)
{
	int count = f[0].count;
	const struct shard_file **by_index = po_xcalloc((size_t)count + 1, sizeof(*by_index));
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		if (by_index[f[i].index])
			ret = po_error(err, PO_EINPUT,
				       "shard %d/%d is given twice: '%s' and '%s'; keep one of them",
				       f[i].index, count, by_index[f[i].index]->path, f[i].path);
		by_index[f[i].index] = &f[i];
	}
	for (int k = 1; k <= count && !ret; k++)
		if (!by_index[k])
			ret = po_error(err, PO_ENOTFOUND,
				       "shard %d/%d is missing; run 'promptopt batch ... --shard %d/%d' and merge again",
				       k, count, k, count);
	free(by_index);
	return ret;
}

/* Appends every experiment of the shards to records, checking that each of
 * the plan's is there once, in the shard it belongs to. */
static int collect_experiments(const struct shard_file *f, size_t n, json_t *records,
			       struct po_err *err)
{
	int count = f[0].count;
	size_t plan = (size_t)po_json_int(json_object_get(f[0].doc, "plan"), "experiments", 0);
	char *seen = po_xcalloc(plan ? plan : 1, 1);
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		const json_t *e;
		size_t j;
		json_array_foreach(json_object_get(f[i].doc, "experiments"), j, e) {
			json_int_t idx = json_integer_value(json_object_get(e, "index"));
			if (idx < 0 || (size_t)idx >= plan || seen[idx] ||
			    !po_batch_in_shard((size_t)idx, f[i].index, count)) {
				ret = po_error(err, PO_EINPUT,
					       "'%s': experiment %lld is out of place (a plan of %zu in %d shards); the file is damaged",
					       f[i].path, (long long)idx + 1, plan, count);
				break;
			}
			seen[idx] = 1;
			json_array_append(records, (json_t *)e);
		}
	}
	for (size_t k = 0; k < plan && !ret; k++)
		if (!seen[k])
			ret = po_error(err, PO_EINPUT,
				       "experiment %zu of the plan is in no shard result; run its shard again and merge",
				       k + 1);
	free(seen);
	return ret;
}

/* Every shard 1..N once, every experiment of the plan once. */
static int check_shards(const struct shard_file *f, size_t n, json_t *records,
			struct po_err *err)
{
	int ret = check_one_batch(f, n, err);

	if (!ret)
		ret = check_every_shard(f, n, err);
	if (!ret)
		ret = collect_experiments(f, n, records, err);
	return ret;
}

int po_batch_merge(const char *const *dirs, size_t ndirs, const char *out_dir, bool write_report,
		   json_t **result, struct po_buf *json_path, struct po_err *err)
{
	struct shard_file *files = NULL;
	struct po_buf base = PO_BUF_INIT;
	size_t nfiles = 0;
	json_t *records = json_array(), *res = NULL;
	double elapsed = 0;
	int ret = 0;

	if (result)
		*result = NULL;
	if (!ndirs)
		ret = po_error(err, PO_EUSAGE, "merge needs at least one folder of shard results");
	for (size_t i = 0; i < ndirs && !ret; i++)
		ret = list_shards(dirs[i], &files, &nfiles, err);
	for (size_t i = 0; i < nfiles && !ret; i++)
		ret = load_shard(&files[i], err);
	if (!ret)
		ret = check_shards(files, nfiles, records, err);
	if (ret)
		goto out;
	for (size_t i = 0; i < nfiles; i++)
		elapsed = fmax(elapsed, po_json_num(files[i].doc, "elapsed_seconds", 0));
	res = po_batch_result_build(records, po_json_str(files[0].doc, "batch_id", ""),
				    (size_t)po_json_int(json_object_get(files[0].doc, "plan"),
							"experiments", 0),
				    fp_of(&files[0]), po_time_unix(), elapsed);
	if (!out_dir)
		out_dir = PO_BATCH_DEFAULT_ROOT;
	ret = po_fs_mkdirs(out_dir, err);
	po_buf_addf(&base, "batch_results_%s", po_json_str(res, "batch_id", ""));
	if (!ret)
		ret = po_batch_result_write(res, out_dir, base.data, write_report, json_path, err);
	if (!ret && result)
		*result = json_incref(res);
out:
	for (size_t i = 0; i < nfiles; i++) {
		free(files[i].path);
		json_decref(files[i].doc);
	}
	free(files);
	json_decref(records);
	json_decref(res);
	po_buf_release(&base);
	return ret;
}
