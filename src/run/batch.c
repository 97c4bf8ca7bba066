/*
 * Running a batch: the experiments of a plan (or of one shard of it) through
 * the public experiment API, on `jobs` threads sharing one struct po_shared,
 * each into <root>/<id>/<NN>-<slug>/; then the batch result (totals,
 * records, comparison) and its report. Also the merge of shard results.
 */
#include "run/batch.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bridge/bridge.h"
#include "eval/stats.h"
#include "llm/provider.h"
#include "llm/providers/shared.h"
#include "report/batch_report.h"
#include "run/results.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timeutil.h"

#define DEFAULT_ROOT "batch_results"
#define SLUG_MAX 40
#define CI_LEVEL 0.95

void po_batch_run_options_init(struct po_batch_run_options *o)
{
	memset(o, 0, sizeof(*o));
	o->results_root = DEFAULT_ROOT;
	o->jobs = 1;
	o->write_report = true;
}

/* NaN and infinities have no JSON form: null. */
static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* ---- one experiment's record -------------------------------------------- */

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

/* The cost recorded in a final results file, in dollars; NaN when unknown. */
static double final_cost(const json_t *f, bool all_sim)
{
	const json_t *c = json_object_get(f, "cost_usd");

	if (json_is_number(c))
		return json_number_value(c);
	c = json_object_get(f, "cost");
	if (json_is_number(c))
		return json_number_value(c);
	if (json_is_object(c)) {
		/* Calls with no price make the total a lower bound, not the cost. */
		if (po_json_int(c, "unpriced_calls", 0) > 0)
			return NAN;
		static const char *const names[] = { "total_usd", "usd", "total", NULL };
		for (int i = 0; names[i]; i++)
			if (json_is_number(json_object_get(c, names[i])))
				return json_number_value(json_object_get(c, names[i]));
	}
	/* The simulator is free; other providers' cost is unknown until recorded. */
	return all_sim ? 0.0 : NAN;
}

static bool config_all_sim(const json_t *cfg)
{
	static const char *const names[] = { "provider", "generate_provider", "judge_provider",
					     "mutate_provider", NULL };

	for (int i = 0; names[i]; i++) {
		const char *p = po_json_str(cfg, names[i], NULL);
		if (p && strcmp(p, "sim"))
			return false;
	}
	return true;
}

/* The "results" of a record, from optimization_final_results.json. */
static json_t *results_from_final(const json_t *f, bool all_sim)
{
	const json_t *conv = json_object_get(f, "convergence");
	const json_t *hist = json_object_get(f, "iteration_history");
	const json_t *truth = json_object_get(f, "true_score");
	const json_t *h;
	json_t *r, *scores = json_array(), *best = json_array();
	int max = (int)po_json_int(f, "max_iterations", 0);
	int run = (int)po_json_int(f, "iterations_run", 0);
	bool stopped = po_json_bool(conv, "stopped_early", 0);
	size_t i;

	json_array_foreach(hist, i, h) {
		json_array_append_new(scores, jnum(po_json_num(h, "score", NAN)));
		json_array_append_new(best, jnum(po_json_num(h, "best_score", NAN)));
	}
	r = json_object();
	json_object_set_new(r, "baseline_score", jnum(po_json_num(f, "baseline_score", NAN)));
	json_object_set_new(r, "final_score", jnum(po_json_num(f, "final_score", NAN)));
	json_object_set_new(r, "improvement", jnum(po_json_num(f, "improvement", NAN)));
	json_object_set_new(r, "improvement_percent",
			    jnum(po_json_num(f, "improvement_percent", NAN)));
	json_object_set_new(r, "max_iterations", json_integer(max));
	json_object_set_new(r, "iterations_run", json_integer(run));
	json_object_set_new(r, "converged", json_boolean(po_json_bool(conv, "converged", 0)));
	json_object_set_new(r, "convergence_iteration",
			    json_is_integer(json_object_get(conv, "convergence_iteration")) ?
			    json_integer(po_json_int(conv, "convergence_iteration", 0)) :
			    json_null());
	json_object_set_new(r, "wasted_iterations",
			    json_integer(po_json_int(conv, "wasted_iterations", 0)));
	json_object_set_new(r, "stopped_early", json_boolean(stopped));
	json_object_set_new(r, "iterations_saved", json_integer(stopped && max > run ? max - run : 0));
	json_object_set_new(r, "interrupted", json_boolean(po_json_bool(f, "interrupted", 0)));
	json_object_set_new(r, "calls",
			    json_integer(po_json_int(json_object_get(f, "calls"), "total", 0)));
	json_object_set_new(r, "cost_usd", jnum(final_cost(f, all_sim)));
	json_object_set_new(r, "wall_seconds", jnum(po_json_num(f, "wall_seconds", NAN)));
	json_object_set_new(r, "strategy", json_string(po_json_str(f, "strategy", "")));
	json_object_set_new(r, "provider", json_string(po_json_str(f, "provider", "")));
	json_object_set_new(r, "seed", json_integer(po_json_int(f, "seed", 0)));
	json_object_set_new(r, "report", json_is_string(json_object_get(f, "report")) ?
			    json_string(po_json_str(f, "report", "")) : json_null());
	json_object_set_new(r, "true_score", json_is_object(truth) ?
			    json_deep_copy(truth) : json_null());
	json_object_set_new(r, "scores", scores);
	json_object_set_new(r, "best_scores", best);
	return r;
}

/* The results an experiment saved, or NULL when it saved none. */
static json_t *read_results(const char *dir, const json_t *cfg)
{
	struct po_buf path = PO_BUF_INIT;
	json_t *f = NULL, *r = NULL;

	po_fs_join(&path, dir, PO_FINAL_RESULTS_FILE);
	if (po_fs_exists(path.data) && !po_json_load_file(path.data, &f, NULL) && json_is_object(f))
		r = results_from_final(f, config_all_sim(cfg));
	json_decref(f);
	po_buf_release(&path);
	return r;
}

static json_t *new_record(size_t index, const json_t *cfg, const char *dir)
{
	json_t *rec = json_pack("{s:I, s:s, s:O}", "index", (json_int_t)index, "name",
				po_json_str(cfg, "name", ""), "config", cfg);

	if (dir)
		json_object_set_new(rec, "results_dir", json_string(dir));
	return rec;
}

static void record_outcome(json_t *rec, const char *status, const char *error, json_t *results,
			   double elapsed)
{
	json_object_set_new(rec, "status", json_string(status));
	json_object_set_new(rec, "success", json_boolean(!strcmp(status, "ok")));
	json_object_set_new(rec, "elapsed_seconds", jnum(elapsed));
	if (error)
		json_object_set_new(rec, "error", json_string(error));
	json_object_set_new(rec, "results", results ? results : json_null());
}

/* ---- the runner ----------------------------------------------------------- */

struct runner {
	struct po_batch *b;
	const struct po_batch_run_options *o;
	struct po_shared *shared;
	const char *batch_dir;        /* <root>/<id> */
	int width;                    /* digits of the experiment number in folder names */
	size_t *todo, ntodo;          /* plan indexes this run owns */
	json_t **records;             /* per todo slot; NULL: not started */
	json_t *project_errors;       /* project -> message of a failed init */
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

static json_t *run_one(struct runner *r, size_t index)
{
	const json_t *cfg = po_batch_config(r->b, index);
	struct po_buf dir = PO_BUF_INIT, docs = PO_BUF_INIT;
	struct po_run_options opts;
	struct po_experiment *e = NULL;
	struct po_err err = { 0 };
	const char *perr;
	json_t *rec;
	double t0 = po_time_mono_ms();
	int ret;

	po_buf_addf(&dir, "%s/%0*zu-", r->batch_dir, r->width, index + 1);
	add_slug(&dir, po_json_str(cfg, "name", ""));
	po_fs_join(&docs, dir.data, "docs");
	rec = new_record(index, cfg, dir.data);

	po_batch_options(r->b, index, &opts);
	opts.results_dir = dir.data;
	opts.docs_dir = docs.data;
	opts.write_report = r->o->write_report;
	opts.interrupt = r->o->interrupt;
	opts.shared = r->shared;
	set_peer(r, index, &opts);

	pthread_mutex_lock(&r->mu);
	perr = po_json_str(r->project_errors, opts.project, NULL);
	pthread_mutex_unlock(&r->mu);
	if (perr) {
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
		record_outcome(rec, "ok", NULL, read_results(dir.data, cfg),
			       (po_time_mono_ms() - t0) / 1000.0);
	else
		record_outcome(rec, ret == PO_EINTR ? "interrupted" :
				    ret == PO_EBUDGET ? "stopped" : "failed",
			       err.msg[0] ? err.msg : po_strstatus(ret),
			       e ? read_results(dir.data, cfg) : NULL,
			       (po_time_mono_ms() - t0) / 1000.0);
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

/* ---- checks before anything runs --------------------------------------------- */

/* The "roles" of a project's config file, or NULL (none, or no such file:
 * the experiment says what is wrong with it when it runs). New reference. */
static json_t *project_roles(const char *project)
{
	struct po_buf path = PO_BUF_INIT;
	json_t *cfg = NULL, *roles = NULL;

	po_buf_addf(&path, "prompt_tuning_results_%s/config_%s.json", project, project);
	if (po_fs_exists(path.data) && !po_json_load_file(path.data, &cfg, NULL))
		roles = json_incref(json_object_get(cfg, "roles"));
	json_decref(cfg);
	po_buf_release(&path);
	return json_is_object(roles) ? roles : (json_decref(roles), NULL);
}

char *po_batch_role_provider(const struct po_batch *b, size_t i, enum po_role r)
{
	struct po_run_options o;
	const char *p;
	char *out;
	json_t *roles, *v;

	po_batch_options(b, i, &o);
	if (o.role_provider[r])
		return po_xstrdup(o.role_provider[r]);
	if (!(o.from_config & PO_FROM_CONFIG_ROLES))
		return po_xstrdup(o.provider);
	roles = project_roles(o.project);
	v = json_object_get(roles, po_role_name(r));
	p = json_is_string(v) ? json_string_value(v) : po_json_str(v, "provider", NULL);
	out = po_xstrdup(p ? p : o.provider);
	json_decref(roles);
	return out;
}

bool po_batch_bridge_dir(const struct po_batch *b, size_t i, struct po_buf *out,
			 double *interval)
{
	struct po_run_options o;
	bool uses = false;

	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		char *p = po_batch_role_provider(b, i, (enum po_role)r);
		uses |= !strcmp(p, "bridge");
		free(p);
	}
	if (!uses)
		return false;
	po_batch_options(b, i, &o);
	po_bridge_default_dir(out, o.bridge_dir, o.project);
	if (interval)
		*interval = o.poll_interval;
	return true;
}

/* The experiments one preflight problem stops. */
struct problem {
	char msg[sizeof(((struct po_err *)0)->msg)];
	size_t *who;
	size_t n;
};

/* Appends `experiment 3 "Name"` or `experiments 3 "A", 4 "B" and 5 more`. */
static void add_who(struct po_buf *out, const struct po_batch *b, const struct problem *p)
{
	size_t shown = p->n > 3 ? 3 : p->n;

	po_buf_addf(out, "experiment%s ", p->n > 1 ? "s" : "");
	for (size_t k = 0; k < shown; k++) {
		if (k)
			po_buf_adds(out, k + 1 == shown && p->n == shown ? " and " : ", ");
		po_buf_addf(out, "%zu \"%s\"", p->who[k] + 1,
			    po_json_str(po_batch_config(b, p->who[k]), "name", ""));
	}
	if (p->n > shown)
		po_buf_addf(out, " and %zu more", p->n - shown);
}

/* Notes that experiment i meets problem msg (once per experiment). */
static void note_problem(struct problem **ps, size_t *nps, const char *msg, size_t i)
{
	struct problem *p = NULL;

	for (size_t k = 0; k < *nps && !p; k++)
		if (!strcmp((*ps)[k].msg, msg))
			p = &(*ps)[k];
	if (!p) {
		*ps = po_xrealloc(*ps, (*nps + 1) * sizeof(**ps));
		p = &(*ps)[(*nps)++];
		memset(p, 0, sizeof(*p));
		snprintf(p->msg, sizeof(p->msg), "%s", msg);
	}
	if (p->n && p->who[p->n - 1] == i)
		return;
	p->who = po_xrealloc(p->who, (p->n + 1) * sizeof(*p->who));
	p->who[p->n++] = i;
}

int po_batch_preflight(const struct po_batch *b, int index, int count, struct po_err *err)
{
	struct problem *ps = NULL;
	struct po_buf msg = PO_BUF_INIT;
	size_t nps = 0;
	int ret = 0;

	for (size_t i = 0; i < po_batch_size(b); i++) {
		struct po_run_options o;

		if (!po_batch_in_shard(i, index, count))
			continue;
		po_batch_options(b, i, &o);
		for (int r = 0; r < PO_ROLE_COUNT; r++) {
			struct po_provider_spec spec;
			struct po_err perr = { 0 };
			char *name = po_batch_role_provider(b, i, (enum po_role)r);

			/* An unknown one in a project's config: the experiment says
			 * where it is when it loads the file. */
			if (!po_provider_known(name)) {
				free(name);
				continue;
			}
			po_provider_spec_init(&spec);
			spec.name = name;
			spec.base_url = o.base_url;
			if (po_provider_preflight(&spec, &perr))
				note_problem(&ps, &nps, perr.msg[0] ? perr.msg : po_strstatus(perr.code),
					     i);
			free(name);
		}
	}
	for (size_t k = 0; k < nps; k++) {
		po_buf_addf(&msg, "%s%s (needed by ", k ? "; " : "", ps[k].msg);
		add_who(&msg, b, &ps[k]);
		po_buf_addch(&msg, ')');
		free(ps[k].who);
	}
	if (nps)
		ret = po_error(err, PO_ELLM, "%s; nothing was run", msg.data);
	free(ps);
	po_buf_release(&msg);
	return ret;
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

/* A batch id names files and a folder: no '/', no leading '.', short. */
static int check_batch_id(const char *id, struct po_err *err)
{
	size_t n = strlen(id);

	if (!n || n > 100 || id[0] == '.' || strchr(id, '/'))
		return po_error(err, PO_EUSAGE,
				"invalid batch id '%s': use 1 to 100 characters, no '/', not starting with '.'",
				id);
	return 0;
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

static int write_result(const json_t *res, const char *dir, const char *base, bool report,
			struct po_buf *json_path, struct po_err *err)
{
	struct po_buf path = PO_BUF_INIT, md = PO_BUF_INIT;
	int ret;

	po_buf_addf(&path, "%s/%s.json", dir, base);
	ret = po_json_write_file(path.data, res, err);
	if (!ret && report)
		ret = po_batch_report_write(res, dir, base, &md, err);
	if (json_path) {
		po_buf_reset(json_path);
		po_buf_adds(json_path, path.data);
	}
	po_buf_release(&path);
	po_buf_release(&md);
	return ret;
}

int po_batch_run(struct po_batch *b, const struct po_batch_run_options *o, json_t **result,
		 struct po_buf *json_path, struct po_err *err)
{
	struct runner r = { .b = b, .o = o };
	struct po_buf id = PO_BUF_INIT, dir = PO_BUF_INIT, base = PO_BUF_INIT;
	const char *root = o->results_root ? o->results_root : DEFAULT_ROOT;
	json_t *records = NULL, *res = NULL;
	int64_t started = po_time_unix();
	double t0 = po_time_mono_ms();
	size_t n = po_batch_size(b);
	int ret;

	if (result)
		*result = NULL;
	if (o->shard_count < 0 || (o->shard_count &&
				   (o->shard_index < 1 || o->shard_index > o->shard_count)))
		return po_error(err, PO_EUSAGE, "shard %d/%d does not exist; use I/N with 1 <= I <= N",
				o->shard_index, o->shard_count);
	if (o->batch_id && (ret = check_batch_id(o->batch_id, err)))
		return ret;
	ret = po_batch_preflight(b, o->shard_index, o->shard_count, err);
	if (ret)
		return ret;
	ret = make_batch_dir(root, o->batch_id, &id, &dir, err);
	if (ret)
		goto out;

	r.batch_dir = dir.data;
	r.width = n >= 1000 ? (n >= 10000 ? 5 : 4) : (n >= 100 ? 3 : 2);
	r.todo = po_xcalloc(n, sizeof(*r.todo));
	for (size_t i = 0; i < n; i++)
		if (po_batch_in_shard(i, o->shard_index, o->shard_count))
			r.todo[r.ntodo++] = i;
	r.records = po_xcalloc(r.ntodo ? r.ntodo : 1, sizeof(*r.records));
	r.project_errors = json_object();
	r.shared = po_shared_new(o->max_calls, o->budget_usd);
	pthread_mutex_init(&r.mu, NULL);
	ensure_projects(&r);
	run_all(&r, o->jobs < 1 ? 1 : (size_t)o->jobs > r.ntodo ? (int)r.ntodo : o->jobs);
	pthread_mutex_destroy(&r.mu);

	records = json_array();
	for (size_t k = 0; k < r.ntodo; k++) {
		const json_t *cfg = po_batch_config(b, r.todo[k]);
		json_t *rec = r.records[k];

		if (!rec) {
			/* Not started: the batch was interrupted first; no folder. */
			rec = new_record(r.todo[k], cfg, NULL);
			record_outcome(rec, "not_run", "not run: the batch was interrupted first",
				       NULL, 0);
		}
		json_array_append_new(records, round_trip(rec));
		json_decref(rec);
	}
	res = po_batch_result_build(records, id.data, n, po_batch_fingerprint(b), started,
				    (po_time_mono_ms() - t0) / 1000.0);
	po_buf_addf(&base, "batch_results_%s", id.data);
	if (o->shard_count) {
		json_object_set_new(res, "shard", json_pack("{s:i, s:i}", "index", o->shard_index,
							    "count", o->shard_count));
		po_buf_addf(&base, ".shard-%d-of-%d", o->shard_index, o->shard_count);
	}
	ret = write_result(res, root, base.data, o->write_report, json_path, err);
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
	po_shared_free(r.shared);
	free(r.todo);
	free(r.records);
	po_buf_release(&id);
	po_buf_release(&dir);
	po_buf_release(&base);
	return ret;
}

/* ---- the batch result: totals and comparison ---------------------------- */

static int cmp_index(const void *a, const void *b)
{
	json_int_t x = po_json_int(*(json_t *const *)a, "index", 0);
	json_int_t y = po_json_int(*(json_t *const *)b, "index", 0);

	return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * mean, low, high of the 95 % t interval, cut to [lo, hi] (what the mean
 * can be: no negative count, no more iterations than the maximum); null
 * for no values, low and high null for one (one value has no interval).
 */
static json_t *ci_json(const double *x, size_t n, double lo, double hi)
{
	struct po_ci ci;

	if (!n)
		return json_null();
	ci = po_stats_mean_ci(x, n, CI_LEVEL);
	if (n < 2)
		return json_pack("{s:o, s:n, s:n}", "mean", jnum(ci.mean), "low", "high");
	/* Records from elsewhere (a merge) may break the bounds: never past the mean. */
	return json_pack("{s:o, s:o, s:o}", "mean", jnum(ci.mean), "low",
			 jnum(fmin(fmax(ci.low, lo), ci.mean)), "high",
			 jnum(fmax(fmin(ci.high, hi), ci.mean)));
}

/* The metrics a comparison reports, read from a record's results (but
 * elapsed_seconds, the record's own), with the range of their values;
 * hi NAN: the largest max_iterations of the group. */
static const struct metric {
	const char *name;
	double lo, hi;
} metrics[] = {
	{ "baseline_score", 0, 100 },
	{ "final_score", 0, 100 },
	{ "improvement", -100, 100 },
	{ "improvement_percent", -100, INFINITY },
	{ "iterations_run", 0, NAN },
	{ "iterations_saved", 0, NAN },
	{ "calls", 0, INFINITY },
	{ "cost_usd", 0, INFINITY },
	{ "wall_seconds", 0, INFINITY },
	{ "elapsed_seconds", 0, INFINITY },
	{ NULL, 0, 0 },
};

static const json_t *metric_value(const json_t *rec, const char *name)
{
	if (!strcmp(name, "elapsed_seconds"))
		return json_object_get(rec, name);
	return json_object_get(json_object_get(rec, "results"), name);
}

/* One group: the successful members' metrics as mean and interval. */
static json_t *group_json(const char *setting, const json_t *value, json_t *const *recs,
			  size_t n, const bool *member)
{
	json_t *g = json_object(), *members = json_array();
	double *x = po_xcalloc(n ? n : 1, sizeof(*x));
	double max_iter = 0;
	size_t ok = 0, converged = 0;

	for (size_t i = 0; i < n; i++) {
		if (!member[i])
			continue;
		json_array_append_new(members, json_integer(po_json_int(recs[i], "index", 0)));
		if (po_json_bool(recs[i], "success", 0)) {
			ok++;
			converged += (size_t)po_json_bool(json_object_get(recs[i], "results"),
							  "converged", 0);
		}
	}
	json_object_set_new(g, "setting", json_string(setting));
	json_object_set_new(g, "value", value ? json_deep_copy(value) : json_null());
	json_object_set_new(g, "experiments", members);
	json_object_set_new(g, "successful", json_integer((json_int_t)ok));
	json_object_set_new(g, "converged", json_integer((json_int_t)converged));
	for (size_t i = 0; i < n; i++)
		if (member[i] && po_json_bool(recs[i], "success", 0))
			max_iter = fmax(max_iter, po_json_num(json_object_get(recs[i], "results"),
							      "max_iterations", 0));
	for (int m = 0; metrics[m].name; m++) {
		size_t k = 0;
		bool known = true;

		for (size_t i = 0; i < n; i++) {
			const json_t *v = metric_value(recs[i], metrics[m].name);

			if (!member[i] || !po_json_bool(recs[i], "success", 0))
				continue;
			if (json_is_number(v))
				x[k++] = json_number_value(v);
			else
				known = false;
		}
		/* A mean over part of the group would mislead: unknown is unknown. */
		json_object_set_new(g, metrics[m].name,
				    known ? ci_json(x, k, metrics[m].lo,
						    isnan(metrics[m].hi) ? max_iter : metrics[m].hi) :
					    json_null());
	}
	free(x);
	return g;
}

/*
 * Groups: "all", then for every setting whose value differs between
 * experiments (name and seed aside, which always differ), one group per
 * value, in the order values first appear. An experiment without the key
 * is in the group of value null (the default).
 */
static json_t *groups_json(json_t *const *recs, size_t n)
{
	json_t *groups = json_array(), *keys = json_object();
	bool *member = po_xcalloc(n ? n : 1, sizeof(*member));
	const char *key;
	json_t *dummy;

	for (size_t i = 0; i < n; i++)
		member[i] = true;
	json_array_append_new(groups, group_json("all", NULL, recs, n, member));
	for (size_t i = 0; i < n; i++) {
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(recs[i], "config"), k, v)
			if (strcmp(k, "name") && strcmp(k, "seed"))
				json_object_set_new(keys, k, json_true());
	}
	/* jansson iterates in insertion order; sort for a stable document. */
	size_t nk = json_object_size(keys), j = 0;
	const char **sorted = po_xcalloc(nk ? nk : 1, sizeof(*sorted));
	json_object_foreach(keys, key, dummy)
		sorted[j++] = key;
	qsort(sorted, nk, sizeof(*sorted), cmp_str);
	for (j = 0; j < nk; j++) {
		json_t *values = json_array();
		const json_t *v;
		size_t vi;

		for (size_t i = 0; i < n; i++) {
			const json_t *val = json_object_get(json_object_get(recs[i], "config"),
							    sorted[j]);
			bool seen = false;
			json_array_foreach(values, vi, v)
				seen |= json_equal((json_t *)v, val ? (json_t *)val : json_null());
			if (!seen)
				json_array_append_new(values, val ? json_deep_copy(val) : json_null());
		}
		if (json_array_size(values) > 1) {
			json_array_foreach(values, vi, v) {
				for (size_t i = 0; i < n; i++) {
					const json_t *val = json_object_get(
						json_object_get(recs[i], "config"), sorted[j]);
					member[i] = json_equal((json_t *)v,
							       val ? (json_t *)val : json_null());
				}
				json_array_append_new(groups, group_json(sorted[j], json_is_null(v) ?
									 NULL : v, recs, n, member));
			}
		}
		json_decref(values);
	}
	free(sorted);
	free(member);
	json_decref(keys);
	return groups;
}

/* One row per successful experiment: the figures the comparison table shows. */
static json_t *rows_json(json_t *const *recs, size_t n)
{
	json_t *rows = json_array();

	for (size_t i = 0; i < n; i++) {
		const json_t *res = json_object_get(recs[i], "results");
		json_t *row;

		if (!po_json_bool(recs[i], "success", 0))
			continue;
		row = json_pack("{s:I, s:s}", "index", po_json_int(recs[i], "index", 0), "name",
				po_json_str(recs[i], "name", ""));
		for (int m = 0; metrics[m].name; m++) {
			const json_t *v = metric_value(recs[i], metrics[m].name);
			json_object_set_new(row, metrics[m].name, v ? json_deep_copy(v) : json_null());
		}
		json_object_set_new(row, "converged",
				    json_boolean(po_json_bool(res, "converged", 0)));
		json_object_set(row, "convergence_iteration",
				json_object_get(res, "convergence_iteration") ?
				json_object_get(res, "convergence_iteration") : json_null());
		json_array_append_new(rows, row);
	}
	return rows;
}

json_t *po_batch_result_build(const json_t *records, const char *batch_id, size_t plan_size,
			      const char *fingerprint, int64_t unixtime, double elapsed_seconds)
{
	size_t n = json_array_size(records), ok = 0, intr = 0, notrun = 0, stopped = 0;
	json_t **recs = po_xcalloc(n ? n : 1, sizeof(*recs));
	json_t *res, *exps = json_array();
	char iso[32];

	for (size_t i = 0; i < n; i++)
		recs[i] = json_array_get(records, i);
	qsort(recs, n, sizeof(*recs), cmp_index);
	for (size_t i = 0; i < n; i++) {
		const char *st = po_json_str(recs[i], "status", "");

		ok += !strcmp(st, "ok");
		intr += !strcmp(st, "interrupted");
		notrun += !strcmp(st, "not_run");
		stopped += !strcmp(st, "stopped");
		json_array_append(exps, recs[i]);
	}
	po_time_iso8601(unixtime, iso, sizeof(iso));
	res = json_object();
	json_object_set_new(res, "timestamp", json_string(iso));
	json_object_set_new(res, "unixtime", json_integer(unixtime));
	json_object_set_new(res, "batch_id", json_string(batch_id ? batch_id : ""));
	json_object_set_new(res, "total_experiments", json_integer((json_int_t)n));
	json_object_set_new(res, "successful", json_integer((json_int_t)ok));
	json_object_set_new(res, "failed", json_integer((json_int_t)(n - ok)));
	json_object_set_new(res, "interrupted", json_integer((json_int_t)intr));
	json_object_set_new(res, "not_run", json_integer((json_int_t)notrun));
	json_object_set_new(res, "stopped", json_integer((json_int_t)stopped));
	json_object_set_new(res, "elapsed_seconds", jnum(elapsed_seconds));
	json_object_set_new(res, "plan", json_pack("{s:I, s:s}", "experiments",
						   (json_int_t)plan_size, "fingerprint",
						   fingerprint ? fingerprint : ""));
	json_object_set_new(res, "experiments", exps);
	json_object_set_new(res, "comparison",
			    json_pack("{s:f, s:o, s:o}", "confidence", CI_LEVEL, "experiments",
				      rows_json(recs, n), "groups", groups_json(recs, n)));
	free(recs);
	return res;
}

/* ---- merging shards ------------------------------------------------------- */

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
	if (check_batch_id(po_json_str(f->doc, "batch_id", ""), &id_err))
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

/* Every shard 1..N once, every experiment of the plan once. */
static int check_shards(struct shard_file *f, size_t n, json_t *records, struct po_err *err)
{
	int count = f[0].count;
	size_t plan = (size_t)po_json_int(json_object_get(f[0].doc, "plan"), "experiments", 0);
	const struct shard_file **by_index;
	char *seen;
	int ret = 0;

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
	by_index = po_xcalloc((size_t)count + 1, sizeof(*by_index));
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
	if (ret)
		return ret;
	seen = po_xcalloc(plan ? plan : 1, 1);
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
		out_dir = DEFAULT_ROOT;
	ret = po_fs_mkdirs(out_dir, err);
	po_buf_addf(&base, "batch_results_%s", po_json_str(res, "batch_id", ""));
	if (!ret)
		ret = write_result(res, out_dir, base.data, write_report, json_path, err);
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
