/*
 * Running a batch: the experiments of a plan (or of one shard of it)
 * through the public experiment API, on `jobs` threads sharing one struct
 * po_shared, each into <root>/<id>/<NN>-<slug>/; then the batch result and
 * its report (batch_result.c).
 */
#include "run/batch.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bridge/bridge.h"
#include "core/project.h"
#include "llm/providers/shared.h"
#include "report/console.h"
#include "run/batch_result.h"
#include "run/project_files.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timeutil.h"

#define SLUG_MAX 40

void po_batch_run_options_init(struct po_batch_run_options *o)
{
	memset(o, 0, sizeof(*o));
	o->results_root = PO_BATCH_DEFAULT_ROOT;
	o->jobs = 1;
	o->write_report = true;
}

/* "With Convergence Detection" -> "with-convergence-detection". */
static void add_slug(struct po_buf *out, const char *name)
{
	size_t start = out->len, n = 0;
	bool dash = false;

	for (const unsigned char *p = (const unsigned char *)name; *p && n < SLUG_MAX; p++) {
		unsigned char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			if (dash && out->len > start) {
				po_buf_addch(out, '-');
				n++;
			}
			po_buf_addch(out, (char)c);
			n++;
			dash = false;
		} else {
			dash = true;
		}
	}
	if (out->len == start)
		po_buf_adds(out, "experiment");
}

struct runner {
	struct po_batch *b;
	const struct po_batch_run_options *o;
	struct po_shared *shared;
	const char *batch_dir;        /* <root>/<id> */
	int width;                    /* digits of the experiment number in folder names */
	size_t *todo, ntodo;          /* plan indexes this run owns */
	json_t **records;             /* per todo slot; NULL: not started */
	json_t *project_errors;       /* project -> message of a failed init */
	json_t *blocked;              /* po_batch_blocked(): per experiment, why it cannot run */
	size_t next, done;
	pthread_mutex_t mu;
};

static bool interrupted(const struct runner *r)
{
	return r->o->interrupt && *r->o->interrupt;
}

static void emit(struct runner *r, enum po_batch_event_kind kind, size_t index, const char *name,
		 const json_t *rec)
{
	struct po_batch_event ev = { .kind = kind, .index = index, .done = r->done,
				     .total = r->ntodo, .name = name, .record = rec };

	if (r->o->on_event)
		r->o->on_event(&ev, r->o->userdata);
}

/* The peer answering the experiment's bridge folder, if it has one. */
static void set_peer(const struct runner *r, size_t index, struct po_run_options *o)
{
	struct po_buf dir = PO_BUF_INIT;

	if (r->o->npeers && po_batch_bridge_dir(r->b, index, &dir, NULL))
		for (size_t k = 0; k < r->o->npeers; k++)
			if (!strcmp(r->o->peers[k].bridge_dir, dir.data)) {
				o->peer_alive = r->o->peers[k].alive;
				o->peer_userdata = r->o->peers[k].userdata;
				o->bridge_peer_is_sim = r->o->peers[k].is_sim;
				break;
			}
	po_buf_release(&dir);
}

/* What the experiment would have printed as `promptopt run`: its "stdout"
 * and "stderr" in the record, as the seed's batch kept them. */
struct console {
	struct po_buf out, err;
};

static void on_experiment_event(const struct po_event *ev, void *userdata)
{
	struct console *c = userdata;

	if (ev->kind == PO_EV_WARNING)
		po_buf_addf(&c->err, "promptopt: warning: %s\n", ev->message);
	else
		po_console_event(&c->out, ev);
}

static void record_console(json_t *rec, struct console *c, const char *error)
{
	const json_t *f = json_object_get(rec, "results");

	if (json_is_object(f))
		po_console_analysis(&c->out, f, po_json_str(f, "results_dir", ""));
	if (error)
		po_buf_addf(&c->err, "promptopt: error: %s\n", error);
	json_object_set_new(rec, "stdout", json_string(c->out.data));
	json_object_set_new(rec, "stderr", json_string(c->err.data));
	po_buf_release(&c->out);
	po_buf_release(&c->err);
}

static json_t *run_one(struct runner *r, size_t index)
{
	const json_t *cfg = po_batch_config(r->b, index);
	struct po_buf dir = PO_BUF_INIT, docs = PO_BUF_INIT;
	struct po_run_options opts;
	struct po_experiment *e = NULL;
	struct po_err err = { 0 };
	struct console con = { PO_BUF_INIT, PO_BUF_INIT };
	const char *perr;
	json_t *rec;
	double t0 = po_time_mono_ms();
	int ret;

	po_buf_addf(&dir, "%s/%0*zu-", r->batch_dir, r->width, index + 1);
	add_slug(&dir, po_json_str(cfg, "name", ""));
	po_fs_join(&docs, dir.data, "docs");
	rec = po_batch_record_new(index, cfg, dir.data);

	po_batch_options(r->b, index, &opts);
	opts.results_dir = dir.data;
	opts.docs_dir = docs.data;
	opts.write_report = r->o->write_report;
	opts.interrupt = r->o->interrupt;
	opts.shared = r->shared;
	opts.on_event = on_experiment_event;
	opts.userdata = &con;
	set_peer(r, index, &opts);

	pthread_mutex_lock(&r->mu);
	perr = po_json_str(r->project_errors, opts.project, NULL);
	pthread_mutex_unlock(&r->mu);
	if (json_is_string(json_array_get(r->blocked, index))) {
		ret = po_error(&err, PO_ELLM, "%s; not run",
			       json_string_value(json_array_get(r->blocked, index)));
	} else if (perr) {
		ret = po_error(&err, PO_EFAIL, "%s", perr);
	} else {
		ret = po_experiment_new(&e, &opts, &err);
		if (!ret)
			ret = po_experiment_run(e, &err);
	}
	/* Failed before it made its folder: no link to a folder that is not there. */
	if (!po_fs_exists(dir.data))
		json_object_del(rec, "results_dir");
	if (!ret)
		po_batch_record_outcome(rec, "ok", NULL, po_batch_record_final(dir.data),
					(po_time_mono_ms() - t0) / 1000.0);
	else
		po_batch_record_outcome(rec, ret == PO_EINTR ? "interrupted" :
					ret == PO_EBUDGET ? "stopped" : "failed",
					err.msg[0] ? err.msg : po_strstatus(ret),
					e ? po_batch_record_final(dir.data) : NULL,
					(po_time_mono_ms() - t0) / 1000.0);
	record_console(rec, &con, ret ? po_json_str(rec, "error", NULL) : NULL);
	po_experiment_free(e);
	/* What a failed call batch left reserved is not in flight any more. */
	po_shared_thread_done(r->shared);
	po_buf_release(&dir);
	po_buf_release(&docs);
	return rec;
}

static void *worker(void *arg)
{
	struct runner *r = arg;

	for (;;) {
		size_t slot, index;
		const char *name;
		json_t *rec;

		pthread_mutex_lock(&r->mu);
		if (r->next >= r->ntodo || interrupted(r)) {
			pthread_mutex_unlock(&r->mu);
			break;
		}
		slot = r->next++;
		index = r->todo[slot];
		name = po_json_str(po_batch_config(r->b, index), "name", "");
		emit(r, PO_BATCH_EV_START, index, name, NULL);
		pthread_mutex_unlock(&r->mu);

		rec = run_one(r, index);

		pthread_mutex_lock(&r->mu);
		r->records[slot] = rec;
		r->done++;
		emit(r, PO_BATCH_EV_DONE, index, name, rec);
		pthread_mutex_unlock(&r->mu);
	}
	return NULL;
}

/*
 * Each project is created before any thread starts: an experiment creates a
 * missing project itself, and two threads doing that at once would race.
 * A project that cannot be created fails its experiments with the reason.
 */
static void ensure_projects(struct runner *r)
{
	for (size_t k = 0; k < r->ntodo; k++) {
		const char *p = po_json_str(po_batch_config(r->b, r->todo[k]), "project", "");
		struct po_err err = { 0 };

		if (json_object_get(r->project_errors, p) || po_project_exists(".", p))
			continue;
		if (po_project_init(".", p, &err))
			json_object_set_new(r->project_errors, p, json_string(err.msg));
	}
}

static int run_all(struct runner *r, int jobs)
{
	pthread_t *th;
	int started = 0;

	if (jobs <= 1) {
		worker(r);
		return 0;
	}
	th = po_xcalloc((size_t)jobs, sizeof(*th));
	for (int j = 0; j < jobs; j++)
		if (!pthread_create(&th[j], NULL, worker, r))
			started++;
		else
			break;
	if (!started)
		worker(r); /* no thread could start: run them here, one at a time */
	for (int j = 0; j < started; j++)
		pthread_join(th[j], NULL);
	free(th);
	return 0;
}

/*
 * The default batch id: the Unix time, made unique by creating its folder
 * (mkdir is atomic, so two batches started in the same second differ).
 */
static int make_batch_dir(const char *root, const char *given, struct po_buf *id,
			  struct po_buf *dir, struct po_err *err)
{
	int64_t now = po_time_unix();
	int ret = po_fs_mkdirs(root, err);

	if (ret)
		return ret;
	if (given) {
		po_buf_adds(id, given);
		po_fs_join(dir, root, given);
		return po_fs_mkdirs(dir->data, err);
	}
	for (int k = 1; k < 1000; k++) {
		po_buf_reset(id);
		if (k == 1)
			po_buf_addf(id, "%lld", (long long)now);
		else
			po_buf_addf(id, "%lld-%d", (long long)now, k);
		po_fs_join(dir, root, id->data);
		if (!mkdir(dir->data, 0755))
			return 0;
		if (errno != EEXIST)
			return po_error(err, PO_EIO, "cannot create folder '%s': %s", dir->data,
					strerror(errno));
	}
	return po_error(err, PO_EIO, "cannot find a free batch folder in '%s'; pass --batch-id",
			root);
}

/* Numbers go through the text form before use, so a result built from
 * records read back from a file (a merge) equals one built in memory. */
static json_t *round_trip(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(10) | JSON_ENCODE_ANY);
	json_t *r = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;

	free(s);
	return r ? r : json_deep_copy(v);
}

/* The options and every provider, checked before anything is created.
 * Not strict, *blocked says which experiments cannot run (when some can). */
static int check_run(const struct po_batch *b, const struct po_batch_run_options *o,
		     json_t **blocked, struct po_err *err)
{
	size_t mine = 0;
	int ret;

	if (o->shard_count < 0 || (o->shard_count &&
				   (o->shard_index < 1 || o->shard_index > o->shard_count)))
		return po_error(err, PO_EUSAGE, "shard %d/%d does not exist; use I/N with 1 <= I <= N",
				o->shard_index, o->shard_count);
	if (o->batch_id && (ret = po_batch_id_check(o->batch_id, err)))
		return ret;
	if (o->strict)
		return po_batch_preflight(b, o->shard_index, o->shard_count, err);
	*blocked = po_batch_blocked(b, o->shard_index, o->shard_count);
	for (size_t i = 0; i < po_batch_size(b); i++)
		mine += po_batch_in_shard(i, o->shard_index, o->shard_count);
	/* None can run: nothing to write, as when strict. */
	if (mine && po_batch_blocked_count(*blocked) == mine)
		return po_batch_preflight(b, o->shard_index, o->shard_count, err);
	return 0;
}

/* Runs the experiments this run owns (the plan's, or its shard's) into
 * batch_dir; r->todo and r->records say which and how they ended. */
static void run_experiments(struct runner *r, const char *batch_dir)
{
	const struct po_batch_run_options *o = r->o;
	size_t n = po_batch_size(r->b);

	r->batch_dir = batch_dir;
	r->width = n >= 1000 ? (n >= 10000 ? 5 : 4) : (n >= 100 ? 3 : 2);
	r->todo = po_xcalloc(n, sizeof(*r->todo));
	for (size_t i = 0; i < n; i++)
		if (po_batch_in_shard(i, o->shard_index, o->shard_count))
			r->todo[r->ntodo++] = i;
	r->records = po_xcalloc(r->ntodo ? r->ntodo : 1, sizeof(*r->records));
	r->project_errors = json_object();
	r->shared = po_shared_new(o->max_calls, o->budget_usd);
	pthread_mutex_init(&r->mu, NULL);
	ensure_projects(r);
	run_all(r, o->jobs < 1 ? 1 : (size_t)o->jobs > r->ntodo ? (int)r->ntodo : o->jobs);
	pthread_mutex_destroy(&r->mu);
}

/* The records of this run in plan order, each through round_trip(); an
 * experiment that never started is "not_run". Takes r->records' references. */
static json_t *collect_records(struct runner *r)
{
	json_t *records = json_array();

	for (size_t k = 0; k < r->ntodo; k++) {
		const json_t *cfg = po_batch_config(r->b, r->todo[k]);
		json_t *rec = r->records[k];

		if (!rec) {
			/* Not started: the batch was interrupted first; no folder. */
			rec = po_batch_record_new(r->todo[k], cfg, NULL);
			po_batch_record_outcome(rec, "not_run", "not run: the batch was interrupted first",
						NULL, 0);
			json_object_set_new(rec, "stdout", json_string(""));
			json_object_set_new(rec, "stderr", json_string(""));
		}
		json_array_append_new(records, round_trip(rec));
		json_decref(rec);
	}
	return records;
}

int po_batch_run(struct po_batch *b, const struct po_batch_run_options *o, json_t **result,
		 struct po_buf *json_path, struct po_err *err)
{
	struct runner r = { .b = b, .o = o };
	struct po_buf id = PO_BUF_INIT, dir = PO_BUF_INIT, base = PO_BUF_INIT;
	const char *root = o->results_root ? o->results_root : PO_BATCH_DEFAULT_ROOT;
	json_t *records = NULL, *res = NULL;
	int64_t started = po_time_unix();
	double t0 = po_time_mono_ms();
	int ret;

	if (result)
		*result = NULL;
	ret = check_run(b, o, &r.blocked, err);
	if (ret) {
		json_decref(r.blocked);
		return ret;
	}
	ret = make_batch_dir(root, o->batch_id, &id, &dir, err);
	if (ret)
		goto out;
	run_experiments(&r, dir.data);
	records = collect_records(&r);
	res = po_batch_result_build(records, id.data, po_batch_size(b), po_batch_fingerprint(b),
				    started, (po_time_mono_ms() - t0) / 1000.0);
	po_buf_addf(&base, "batch_results_%s", id.data);
	if (o->shard_count) {
		json_object_set_new(res, "shard", json_pack("{s:i, s:i}", "index", o->shard_index,
							    "count", o->shard_count));
		po_buf_addf(&base, ".shard-%d-of-%d", o->shard_index, o->shard_count);
	}
	ret = po_batch_result_write(res, root, base.data, o->write_report, json_path, err);
	if (!ret && interrupted(&r))
		ret = po_error(err, PO_EINTR,
			       "interrupted: %lld of %zu experiments finished; results so far saved in %s/%s.json",
			       po_json_int(res, "successful", 0), r.ntodo, root, base.data);
	if (result)
		*result = json_incref(res);
out:
	json_decref(res);
	json_decref(records);
	json_decref(r.project_errors);
	json_decref(r.blocked);
	po_shared_free(r.shared);
	free(r.todo);
	free(r.records);
	po_buf_release(&id);
	po_buf_release(&dir);
	po_buf_release(&base);
	return ret;
}
