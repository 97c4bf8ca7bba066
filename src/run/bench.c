/*
 * promptopt bench (see bench.h): the runs, on worker threads, each watched
 * through the experiment's observer (run/observe.h) so the incumbent's true
 * score is known after every step, and every decision is checked against
 * the truth.
 */
#include "run/bench.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opt/strategy.h"
#include "run/bench_internal.h"
#include "run/observe.h"
#include "run/project_files.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timeutil.h"

/* Scores closer than this are "the same" in truth. */
#define TRUE_EPS 1e-9

void po_bench_options_init(struct po_bench_options *o)
{
	memset(o, 0, sizeof(*o));
	o->jobs = 1;
	po_run_options_init(&o->run);
	o->run.project = "pr-faq-validator";
}

struct bench {
	const struct po_bench_options *o;
	struct bench_run *runs;
	size_t nruns, next, done;
	pthread_mutex_t mu;
};

static void traj_add(struct bench_run *r, long calls, double t)
{
	if (r->ntraj == r->traj_alloc) {
		r->traj_alloc = r->traj_alloc ? r->traj_alloc * 2 : 32;
		r->traj_calls = po_xrealloc(r->traj_calls, r->traj_alloc * sizeof(double));
		r->traj_true = po_xrealloc(r->traj_true, r->traj_alloc * sizeof(double));
	}
	r->traj_calls[r->ntraj] = (double)calls;
	r->traj_true[r->ntraj++] = t;
	if (isinf(r->calls_to_90) && t >= r->thr90 - TRUE_EPS)
		r->calls_to_90 = (double)calls;
	if (isinf(r->calls_to_95) && t >= r->thr95 - TRUE_EPS)
		r->calls_to_95 = (double)calls;
}

static void on_baseline(void *ud, const struct po_experiment *e)
{
	struct bench_run *r = ud;

	r->base_true = po_experiment_true_score(e, po_experiment_incumbent(e, NULL));
	r->optimum = po_experiment_true_optimum(e);
	r->thr90 = r->base_true + 0.90 * (r->optimum - r->base_true);
	r->thr95 = r->base_true + 0.95 * (r->optimum - r->base_true);
	r->cur_true = r->base_true;
	traj_add(r, po_experiment_calls(e), r->base_true);
}

static void on_decision(void *ud, const struct po_experiment *e, int iteration,
			const struct po_nominee *nm, const struct po_accept_decision *d)
{
	struct bench_run *r = ud;
	double t = po_experiment_true_score(e, nm->prompts);

	(void)iteration;
	if (!isfinite(t))
		return;
	if (t < r->cur_true - TRUE_EPS) {
		r->truly_worse++;
		r->false_accepts += d->accept;
	} else if (t > r->cur_true + TRUE_EPS) {
		r->truly_better++;
		r->missed += !d->accept;
	}
	r->accepts += d->accept;
	if (fabs(t - r->cur_true) > TRUE_EPS) {
		int b = po_bench_gain_bin(t - r->cur_true);
		r->bin_n[b]++;
		r->bin_acc[b] += d->accept;
	}
}

static void on_iteration(void *ud, const struct po_experiment *e, int iteration)
{
	struct bench_run *r = ud;

	(void)iteration;
	r->cur_true = po_experiment_true_score(e, po_experiment_incumbent(e, NULL));
	traj_add(r, po_experiment_calls(e), r->cur_true);
}

/* The held-out figures of a finished run, from its final results file. */
static void read_heldout(struct bench_run *r, const char *dir)
{
	struct po_buf path = PO_BUF_INIT;
	json_t *f = NULL;
	const json_t *h;

	po_fs_join(&path, dir, "optimization_final_results.json");
	if (!po_json_load_file(path.data, &f, NULL)) {
		h = json_object_get(f, "heldout");
		if (json_is_object(h) && json_is_number(json_object_get(h, "improvement"))) {
			r->heldout = true;
			r->ho_imp = po_json_num(h, "improvement", NAN);
			r->ho_low = po_json_num(h, "ci_low", NAN);
			r->ho_high = po_json_num(h, "ci_high", NAN);
			r->ho_true = po_json_num(h, "true_improvement", NAN);
			r->ho_val = po_json_num(h, "validation_improvement", NAN);
		}
	}
	json_decref(f);
	po_buf_release(&path);
}

/* One run into its own folder under work_dir, removed after. */
static void run_one(struct bench *b, struct bench_run *r, size_t index)
{
	struct po_exp_observer obs = { .baseline = on_baseline, .decision = on_decision,
				       .iteration = on_iteration, .userdata = r };
	struct po_run_options opts = b->o->run;
	struct po_experiment *e = NULL;
	struct po_summary s;
	struct po_err err = { 0 };
	struct po_buf dir = PO_BUF_INIT;
	double t0 = po_time_mono_ms();
	int ret;

	po_buf_addf(&dir, "%s/run-%zu", b->o->work_dir, index);
	opts.provider = "sim";
	opts.strategy = r->strategy;
	opts.seed = r->seed;
	opts.results_dir = dir.data;
	opts.write_report = false;
	opts.use_cache = false;
	opts.resume = false;
	opts.on_event = NULL;
	opts.interrupt = b->o->interrupt;
	r->calls_to_90 = r->calls_to_95 = INFINITY;
	ret = po_experiment_new(&e, &opts, &err);
	if (!ret) {
		po_experiment_set_observer(e, &obs);
		ret = po_experiment_run(e, &err);
	}
	/* A run stopped by --budget-calls is a run that spent its budget. */
	if (ret && ret != PO_EBUDGET) {
		r->failed = true;
		snprintf(r->error, sizeof(r->error), "%s", err.msg[0] ? err.msg : po_strstatus(ret));
	} else {
		po_experiment_summary(e, &s);
		r->best_true = r->cur_true;
		r->reported_imp = s.final_score - s.baseline_score;
		r->true_imp = r->best_true - r->base_true;
		r->calls = po_experiment_calls(e);
		read_heldout(r, dir.data);
	}
	r->wall_s = (po_time_mono_ms() - t0) / 1000.0;
	po_experiment_free(e);
	po_fs_remove_tree(dir.data);
	po_buf_release(&dir);
}

static bool stopped(const struct bench *b)
{
	return b->o->interrupt && *b->o->interrupt;
}

static void *worker(void *arg)
{
	struct bench *b = arg;

	for (;;) {
		struct bench_run *r;
		size_t i;

		pthread_mutex_lock(&b->mu);
		if (b->next >= b->nruns || stopped(b)) {
			pthread_mutex_unlock(&b->mu);
			return NULL;
		}
		i = b->next++;
		pthread_mutex_unlock(&b->mu);
		r = &b->runs[i];
		run_one(b, r, i);
		pthread_mutex_lock(&b->mu);
		r->done = true;
		b->done++;
		if (b->o->on_run)
			b->o->on_run(b->o->userdata, b->done, b->nruns, r->strategy, r->seed,
				     r->failed ? r->error : NULL);
		pthread_mutex_unlock(&b->mu);
	}
}

/* Checks the options before anything runs. */
static int check(const struct po_bench_options *o, struct po_err *err)
{
	size_t total = (o->nstrategies ? o->nstrategies : 1) * o->nseeds;

	for (size_t i = 0; i < o->nstrategies; i++) {
		if (po_strategy_check_spec(o->strategies[i], err)) {
			err->code = PO_EUSAGE;
			return PO_EUSAGE;
		}
	}
	if (!o->nseeds)
		return po_error(err, PO_EUSAGE, "no seeds to run; give --seeds, e.g. --seeds 1-100");
	if (o->jobs < 1 || o->jobs > 64)
		return po_error(err, PO_EUSAGE, "jobs must be between 1 and 64, not %d", o->jobs);
	if (total > PO_BENCH_MAX_RUNS)
		return po_error(err, PO_EUSAGE,
				"%zu runs are more than a bench makes (at most %d); use fewer seeds or strategies",
				total, PO_BENCH_MAX_RUNS);
	return 0;
}

/* The result document from the finished runs. */
static json_t *result_json(const struct bench *b, const char *const *names, size_t nnames,
			   double wall_s)
{
	json_t *strategies = json_array(), *runs = json_array(), *seeds = json_array();
	struct bench_run **mine = po_xcalloc(b->o->nseeds ? b->o->nseeds : 1, sizeof(*mine));
	double max_calls = 0;

	for (size_t i = 0; i < b->nruns; i++)
		for (size_t k = 0; k < b->runs[i].ntraj; k++)
			if (b->runs[i].traj_calls[k] > max_calls)
				max_calls = b->runs[i].traj_calls[k];
	for (size_t s = 0; s < nnames; s++) {
		size_t n = 0;
		/* The runs of entry s (a strategy may be listed twice: an A/A test). */
		for (size_t k = 0; k < b->o->nseeds; k++)
			if (b->runs[s * b->o->nseeds + k].done)
				mine[n++] = &b->runs[s * b->o->nseeds + k];
		json_array_append_new(strategies,
				      po_bench_strategy_figures(names[s], mine, n, max_calls));
	}
	for (size_t i = 0; i < b->nruns; i++)
		if (b->runs[i].done)
			json_array_append_new(runs, po_bench_run_json(&b->runs[i]));
	for (size_t i = 0; i < b->o->nseeds; i++)
		json_array_append_new(seeds, json_integer((json_int_t)b->o->seeds[i]));
	free(mine);
	return json_pack("{s:s, s:o, s:o, s:o, s:{s:i, s:b, s:f, s:I, s:I}, s:f}", "project",
			 b->o->run.project, "strategies", strategies, "runs", runs, "seeds", seeds,
			 "settings", "iterations", b->o->run.max_iterations, "early_stop",
			 b->o->run.enable_convergence, "noise", b->o->run.sim_noise, "max_calls",
			 (json_int_t)b->o->run.max_calls, "jobs", (json_int_t)b->o->jobs,
			 "wall_seconds", wall_s);
}

int po_bench_run(const struct po_bench_options *o, json_t **out, struct po_err *err)
{
	static const char *const default_names[] = { PO_STRATEGY_DEFAULT };
	const char *const *names = o->nstrategies ? o->strategies : default_names;
	size_t nnames = o->nstrategies ? o->nstrategies : 1;
	struct bench b = { .o = o };
	pthread_t th[64];
	int ret, started = 0;
	bool created;
	double t0 = po_time_mono_ms();

	*out = NULL;
	ret = check(o, err);
	if (!ret)
		ret = po_project_ensure(".", o->run.project, &created, err);
	if (!ret)
		ret = po_fs_mkdirs(o->work_dir, err);
	if (ret)
		return ret;
	b.nruns = nnames * o->nseeds;
	b.runs = po_xcalloc(b.nruns, sizeof(*b.runs));
	/* Strategy by strategy, seed by seed: the order of the result. */
	for (size_t s = 0; s < nnames; s++)
		for (size_t k = 0; k < o->nseeds; k++)
			b.runs[s * o->nseeds + k] = (struct bench_run){ .strategy = names[s],
									.seed = o->seeds[k] };
	pthread_mutex_init(&b.mu, NULL);
	for (int j = 0; j < o->jobs && (size_t)j < b.nruns; j++)
		if (!pthread_create(&th[started], NULL, worker, &b))
			started++;
	if (!started)
		worker(&b);
	for (int j = 0; j < started; j++)
		pthread_join(th[j], NULL);
	pthread_mutex_destroy(&b.mu);
	*out = result_json(&b, names, nnames, (po_time_mono_ms() - t0) / 1000.0);
	ret = b.done < b.nruns ? po_error(err, PO_EINTR, "interrupted after %zu of %zu runs",
					  b.done, b.nruns) : 0;
	for (size_t i = 0; i < b.nruns; i++) {
		free(b.runs[i].traj_calls);
		free(b.runs[i].traj_true);
	}
	free(b.runs);
	return ret;
}

/* One number of a seed list, at *p. */
static int seed_number(const char **p, uint64_t *v, const char *all, struct po_err *err)
{
	char *end;

	errno = 0;
	if (**p < '0' || **p > '9')
		return po_error(err, PO_EUSAGE,
				"seeds '%s': expected a number at '%s' (e.g. --seeds 1-100 or --seeds 1,5,9-12)",
				all, *p);
	*v = strtoull(*p, &end, 10);
	if (errno)
		return po_error(err, PO_EUSAGE, "seeds '%s': '%.*s' is too large", all,
				(int)(end - *p), *p);
	*p = end;
	return 0;
}

int po_bench_parse_seeds(const char *s, uint64_t **seeds, size_t *n, struct po_err *err)
{
	const char *p = s;
	size_t alloc = 0;
	int ret = 0;

	*seeds = NULL;
	*n = 0;
	while (!ret) {
		uint64_t a, b;
		ret = seed_number(&p, &a, s, err);
		b = a;
		if (!ret && *p == '-') {
			p++;
			ret = seed_number(&p, &b, s, err);
		}
		if (!ret && b < a)
			ret = po_error(err, PO_EUSAGE, "seeds '%s': the range %" PRIu64 "-%" PRIu64 " runs backwards",
				       s, a, b);
		if (!ret && b - a >= PO_BENCH_MAX_RUNS - *n)
			ret = po_error(err, PO_EUSAGE, "seeds '%s': more than %d seeds", s,
				       PO_BENCH_MAX_RUNS);
		for (uint64_t v = a; !ret; v++) {
			if (*n == alloc) {
				alloc = alloc ? alloc * 2 : 64;
				*seeds = po_xrealloc(*seeds, alloc * sizeof(**seeds));
			}
			(*seeds)[(*n)++] = v;
			if (v == b)
				break;
		}
		if (ret || !*p)
			break;
		if (*p != ',')
			ret = po_error(err, PO_EUSAGE,
				       "seeds '%s': expected ',' or '-' at '%s' (e.g. --seeds 1-100 or --seeds 1,5,9-12)",
				       s, p);
		p++;
	}
	if (ret) {
		free(*seeds);
		*seeds = NULL;
		*n = 0;
	}
	return ret;
}
