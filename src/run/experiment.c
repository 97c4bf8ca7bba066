/*
 * An experiment: load (or create) the project, evaluate the baseline, run the
 * strategy's loop with convergence detection, and write the results folder,
 * the best prompts and the report. The seed's AutonomousExperiment.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/experiment_internal.h"

#include "core/settings.h"
#include "llm/provider.h"
#include "run/project_files.h"
#include "run/results.h"
#include "run/history.h"
#include "run/run_state.h"
#include "sim/sim.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timeutil.h"


void po_run_options_init(struct po_run_options *o)
{
	memset(o, 0, sizeof(*o));
	o->max_iterations = 20;
	o->provider = "sim";
	o->strategy = PO_STRATEGY_DEFAULT;
	o->stop_rule = "seed";
	o->accept = "greedy";
	o->accept_alpha = 0.05;
	o->accept_rounds = 2;
	o->accept_incumbent_samples = 3;
	o->seed = 42;
	o->enable_convergence = true;
	po_convergence_config_init(&o->convergence);
	o->sim_noise = -1;
	o->docs_dir = "docs";
	o->write_report = true;
	o->concurrency = 8;
	o->timeout_seconds = 120;
	o->max_attempts = 5;
	o->use_cache = true;
	o->poll_interval = 0.2;
}

void po_exp_emit(const struct po_experiment *e, const struct po_event *ev)
{
	if (e->opts.on_event)
		e->opts.on_event(ev, e->opts.userdata);
	po_exp_live_event(e, ev);
}

void po_exp_msg(const struct po_experiment *e, enum po_event_kind kind, const char *fmt, ...)
{
	struct po_event ev = { .kind = kind };
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ev.message = msg;
	po_exp_emit(e, &ev);
}

static bool interrupted(const struct po_experiment *e)
{
	return e->opts.interrupt && *e->opts.interrupt;
}

/* The provider name serving role r. */
const char *po_exp_role_provider(const struct po_experiment *e, int r)
{
	return e->opts.role_provider[r] ? e->opts.role_provider[r] : e->provider;
}

const char *po_exp_simulated_note(const struct po_experiment *e)
{
	bool sim = false;

	/* the bridge's managed responder (peer_alive) answers with the simulator */
	for (int r = PO_ROLE_GENERATE; r <= PO_ROLE_JUDGE; r++)
		sim |= !strcmp(po_exp_role_provider(e, r), "sim") ||
		       (!strcmp(po_exp_role_provider(e, r), "bridge") && e->opts.peer_alive);
	if (!sim || po_project_is_builtin(e->project_name))
		return NULL;
	return "the simulator (provider sim) scores the keyword features of its own tasks, "
	       "not this project's task: its scores say nothing about how good these prompts "
	       "are; measure them with a real model (--provider openai or anthropic)";
}

/* A new experiment holding copies of the options' strings. */
static struct po_experiment *alloc_experiment(const struct po_run_options *opts)
{
	struct po_experiment *e;

	e = po_xcalloc(1, sizeof(*e));
	e->lock_fd = -1;
	e->opts = *opts;
	e->project_name = po_xstrdup(opts->project);
	e->provider = po_xstrdup(opts->provider ? opts->provider : "sim");
	e->strategy_name = po_xstrdup(opts->strategy ? opts->strategy : PO_STRATEGY_DEFAULT);
	e->docs_dir = po_xstrdup(opts->docs_dir ? opts->docs_dir : "docs");
	e->opts.project = e->project_name;
	e->opts.provider = e->provider;
	e->opts.strategy = e->strategy_name;
	e->opts.docs_dir = e->docs_dir;
	e->history = json_array();
	e->files = json_array();
	e->best_score = NAN;
	e->noise_case_sd = e->noise_mean_sd = NAN;
	e->baseline_score = NAN;
	po_eval_settings_init(&e->settings);
	po_accept_config_init(&e->accept);
	po_integrity_init(&e->integrity);
	return e;
}

/* The strategy of the options: NAME[:KEY=VALUE...] (a usage error when bad). */
static int parse_strategy(struct po_experiment *e, struct po_err *err)
{
	char *name;
	int ret = po_strategy_parse_spec(e->strategy_name, &name, &e->strategy_params, err);

	free(e->strategy_name);
	e->opts.strategy = e->strategy_name = name;
	if (ret == PO_EINPUT) {
		/* A flag's value: a usage error (err->code), same message. */
		err->code = PO_EUSAGE;
		ret = PO_EUSAGE;
	}
	e->strategy_ops = po_strategy_find(e->strategy_name);
	return ret;
}

int po_experiment_new(struct po_experiment **out, const struct po_run_options *opts,
		      struct po_err *err)
{
	struct po_experiment *e;
	bool created;
	int ret;

	*out = NULL;
	if (!opts->project)
		return po_error(err, PO_EUSAGE, "no project given; use --project NAME");
	ret = po_project_name_check(opts->project, err);
	if (ret)
		return ret;
	if (opts->max_iterations < 0 || opts->max_iterations > 100000)
		return po_error(err, PO_EUSAGE,
				"iterations must be between 0 and 100000, not %d",
				opts->max_iterations);
	if (opts->seed > PO_SEED_MAX)
		return po_error(err, PO_EUSAGE,
				"seed %llu is out of range; use a whole number from 0 to %llu",
				(unsigned long long)opts->seed, (unsigned long long)PO_SEED_MAX);
	e = alloc_experiment(opts);
	*out = e;

	ret = parse_strategy(e, err);
	if (ret)
		return ret;
	for (int r = 0; r < PO_ROLE_COUNT; r++)
		if (!po_provider_known(po_exp_role_provider(e, r)))
			return po_error(err, PO_EUSAGE, "unknown provider '%s'; available: %s",
					po_exp_role_provider(e, r), po_provider_names());
	po_exp_make_run_id(e);

	ret = po_exp_preflight(e, err);
	if (ret)
		return ret;
	ret = po_project_ensure(".", e->project_name, &created, err);
	if (ret)
		return ret;
	if (created) {
		po_exp_msg(e, PO_EV_INFO, "Initialized project '%s' in prompt_tuning_results_%s/ (%s)",
			 e->project_name, e->project_name,
			 po_project_is_builtin(e->project_name) ? "built-in data" :
								 "scaffold: edit its files");
	}
	ret = po_project_load(&e->project, ".", e->project_name, err);
	if (ret)
		return ret;
	if (po_exp_simulated_note(e))
		po_exp_msg(e, PO_EV_WARNING, "%s", po_exp_simulated_note(e));
	ret = po_exp_apply_config(e, err);
	if (!ret)
		ret = po_exp_resolve_split(e, err);
	if (!ret)
		ret = po_exp_resolve_accept(e, err);
	if (ret)
		return ret;
	/* The config may name providers of its own (roles). */
	ret = po_exp_preflight(e, err);
	if (ret)
		return ret;
	if (opts->results_dir) {
		e->results_dir = po_xstrdup(opts->results_dir);
	} else {
		e->results_dir = po_xstrdup(e->project->dir);
	}
	e->opts.results_dir = e->results_dir;
	ret = po_fs_mkdirs(e->results_dir, err);
	if (ret)
		return ret;
	ret = po_exp_lock_results(e, err);
	if (ret)
		return ret;
	return po_exp_make_engine(e, err);
}

/* prompts: the candidate's (NULL: none); with the step's rejected candidates. */
static void record(struct po_experiment *e, int iteration, double score, bool improved,
		   const struct po_evaluation *ev, const char *origin, const json_t *prompts)
{
	json_t *rejected = po_integrity_step_json(&e->integrity);
	json_t *h = json_pack("{s:i, s:o, s:f, s:b, s:I, s:I, s:s}", "iteration", iteration,
			      "score", isfinite(score) ? json_real(score) : json_null(),
			      "best_score", e->best_score, "improved", improved, "evaluated",
			      (json_int_t)(ev ? ev->n_ok : 0), "failed",
			      (json_int_t)(ev ? ev->n - ev->n_ok : 0), "candidate",
			      origin ? origin : "");
	if (prompts) {
		json_object_set_new(h, "prompt_chars",
				    json_integer(po_prompt_chars(e->project, prompts)));
		/* Where the candidate came from: its operator and parents. */
		po_archive_lineage_json(e->archive, po_archive_hash(prompts), h);
	}
	if (rejected)
		json_object_set_new(h, "rejected", rejected);
	json_array_append_new(e->history, h);
}

/* Marks the rows of the step's population that were nominated, and the
 * one accepted (index into nominees, or -1). */
static void mark_population(json_t *pop, const struct po_nominee *nominees, size_t n,
			    long accepted)
{
	size_t i = json_array_size(pop);
	bool *marked = po_xcalloc(n ? n : 1, sizeof(*marked));
	char (*hash)[17] = po_xcalloc(n ? n : 1, sizeof(*hash));

	for (size_t j = 0; j < n; j++)
		snprintf(hash[j], sizeof(hash[j]), "%016llx",
			 (unsigned long long)po_archive_hash(nominees[j].prompts));
	/* A nominee's row is its last evaluation of the step (on the validation
	 * cases); its earlier ones (a minibatch, the training cases) are not. */
	while (i-- > 0) {
		json_t *row = json_array_get(pop, i);
		const char *h = json_string_value(json_object_get(row, "hash"));
		bool nominated = false, acc = false;
		for (size_t j = 0; j < n; j++) {
			if (h && !marked[j] && !strcmp(h, hash[j])) {
				marked[j] = nominated = true;
				acc |= (long)j == accepted;
			}
		}
		json_object_set_new(row, "nominated", json_boolean(nominated));
		json_object_set_new(row, "accepted", json_boolean(acc));
	}
	free(hash);
	free(marked);
}

static int run_baseline(struct po_experiment *e, struct po_err *err)
{
	const json_t *cand = e->project->prompts;
	const char *origin = "baseline";
	struct po_search ctx = {
		.engine = e->engine, .project = e->project, .settings = &e->settings,
		.archive = e->archive, .split = &e->split, .iteration = 0, .seed = e->opts.seed,
	};
	int ret;

	ret = po_search_evaluate(&ctx, &cand, 1, &e->split.val, 0, &origin, &e->best_eval, err);
	if (ret)
		goto out;
	if (e->best_eval.invalid) {
		ret = po_error(err, PO_ETEMPLATE, "%s", e->best_eval.invalid);
		goto out;
	}
	if (!e->best_eval.n_ok) {
		const char *why = e->best_eval.n ? e->best_eval.cases[0].error : NULL;
		ret = po_error(err, PO_EEVAL,
			       "the baseline evaluation failed for every test case (%s); no score to start from",
			       why ? why : "no test cases");
		goto out;
	}
	e->baseline_prompts = json_deep_copy(e->project->prompts);
	e->best_prompts = json_deep_copy(e->project->prompts);
	e->baseline_score = e->best_eval.mean;
	e->best_score = e->best_eval.mean;
	po_convergence_update(e->conv, 0, e->best_score);
	record(e, 0, e->best_score, false, &e->best_eval, "baseline", e->best_prompts);
	struct po_event ev = { .kind = PO_EV_BASELINE, .score = e->best_score,
			       .max_iterations = e->opts.max_iterations, .cases = (int)e->best_eval.n,
			       .failed = (int)(e->best_eval.n - e->best_eval.n_ok) };
	po_exp_emit(e, &ev);
	/* The baseline is the first incumbent. */
	mark_population(ctx.evaluated, NULL, 0, -1);
	json_object_set_new(json_array_get(ctx.evaluated, 0), "accepted", json_true());
	ret = po_results_write_iteration(e->results_dir, 0, e->best_prompts, "baseline",
					 &e->best_eval, e->best_score, false, ctx.evaluated, e->files,
					 err);
out:
	po_search_clear(&ctx);
	return ret;
}

bool po_exp_row_counted(const json_t *row)
{
	return !json_object_get(row, "no_candidate") || json_is_true(json_object_get(row, "lost"));
}

double po_exp_detector_value(const struct po_experiment *e, double score, double best)
{
	return isfinite(score) && e->accept.rule == PO_ACCEPT_GREEDY ? score : best;
}

/* A step that gave no nominee: a lost iteration, not a failed run (a
 * warning when the LLM gave nothing usable; else the strategy's choice). */
static int no_candidate(struct po_experiment *e, int k, const char *why, bool lost,
			json_t *population, struct po_err *err)
{
	struct po_evaluation none = { 0 };

	/* A strategy that chose to nominate nothing (its screen turned every
	 * child down) is not news on the console; the history says why. */
	if (lost)
		po_exp_msg(e, PO_EV_WARNING, "iteration %d: no candidate (%s)", k, why);
	/* The detector counts candidates tested, and lost steps (the LLM gave
	 * nothing usable: a wasted iteration, as the seed counted it); a step
	 * whose strategy chose to nominate none (reflect's probe whose child
	 * lost on the minibatch) is skipped: counting it stopped reflect long
	 * before it stalled (docs/bench.md, "Early stop"). The resumed detector
	 * reads the same rows (resume.c). */
	if (lost)
		po_convergence_update(e->conv, k, e->best_score);
	else
		po_convergence_skip(e->conv, k);
	record(e, k, NAN, false, NULL, "none", NULL);
	json_object_set_new(json_array_get(e->history, json_array_size(e->history) - 1),
			    "no_candidate", json_string(why));
	if (lost)
		json_object_set_new(json_array_get(e->history, json_array_size(e->history) - 1),
				    "lost", json_true());
	/* What the step evaluated is recorded all the same (none nominated). */
	mark_population(population, NULL, 0, -1);
	return po_results_write_iteration(e->results_dir, k, e->best_prompts, "none", &none,
					  e->best_score, false, population, e->files, err);
}

/* One iteration: the strategy's step, then acceptance on its nominees. */
static int run_iteration(struct po_experiment *e, int k, struct po_err *err)
{
	struct po_search ctx = {
		.engine = e->engine, .project = e->project, .settings = &e->settings,
		.archive = e->archive, .split = &e->split, .incumbent = e->best_prompts,
		.incumbent_eval = &e->best_eval, .incumbent_score = e->best_score,
		.incumbent_sample = e->best_sample, .iteration = k, .seed = e->opts.seed,
		.integrity = &e->integrity,
	};
	struct po_err serr = { 0 };
	struct po_nominee *nm;
	double prev = e->best_score, score = NAN;
	bool improved = false;
	int ret, ncases = 0, nfailed = 0;
	long top;

	po_integrity_step_begin(&e->integrity);
	ret = e->strategy_ops->step(e->strategy, &ctx, &serr);
	if (ret == PO_EEVAL || (!ret && !ctx.n_nominees)) {
		ret = no_candidate(e, k, ret ? serr.msg : ctx.why_none ? ctx.why_none :
				   "strategy proposed none", ret != 0, ctx.evaluated, err);
		goto emit_it;
	}
	if (ret) {
		po_error(err, ret, "%s", serr.msg);
		goto out;
	}
	ret = po_exp_decide(e, &ctx, &top, &improved, err);
	if (ret)
		goto out;
	nm = &ctx.nominees[top < 0 ? 0 : top];
	if (top >= 0) {
		score = nm->eval.mean;
		ncases = (int)nm->eval.n;
		nfailed = (int)(nm->eval.n - nm->eval.n_ok);
	}
	if (improved) {
		json_decref(e->best_prompts);
		e->best_prompts = json_incref(nm->prompts);
		po_evaluation_release(&e->best_eval);
		e->best_eval = nm->eval;
		memset(&nm->eval, 0, sizeof(nm->eval));
		e->best_score = score;
		e->best_sample = nm->sample;
	}
	/* The seed's detector sees every candidate's score; under a test it sees
	 * the incumbent's, so only an accepted gain counts as progress. */
	po_convergence_update(e->conv, k, po_exp_detector_value(e, score, e->best_score));
	record(e, k, score, improved, improved ? &e->best_eval : &nm->eval, nm->origin,
	       nm->prompts);
	mark_population(ctx.evaluated, ctx.nominees, ctx.n_nominees, improved ? top : -1);
	ret = po_results_write_iteration(e->results_dir, k, nm->prompts, nm->origin,
					 improved ? &e->best_eval : &nm->eval, e->best_score,
					 improved, ctx.evaluated, e->files, err);
emit_it:;
	struct po_event ev = { .kind = PO_EV_ITERATION, .iteration = k,
			       .max_iterations = e->opts.max_iterations, .score = score,
			       .best = e->best_score, .previous_best = prev, .improved = improved,
			       .cases = ncases, .failed = nfailed };
	po_exp_emit(e, &ev);
out:
	po_search_clear(&ctx);
	free(ctx.nominees);
	return ret;
}

/*
 * The run's search state (convergence detector, archive, split, strategy)
 * and, with --resume, the checkpoint's: *first is the last iteration done,
 * *resumed whether a checkpoint was found.
 */
static int begin(struct po_experiment *e, int *first, bool *resumed, struct po_err *err)
{
	int ret;

	e->started = po_time_unix();
	e->t0_ms = po_time_mono_ms();
	e->conv = po_convergence_new(&e->opts.convergence);
	e->archive = po_archive_new(e->project->ncases);
	ret = po_split_draw(&e->split, e->project, &e->split_cfg, e->opts.seed, err);
	if (!ret)
		ret = po_exp_check_strategy(e, err);
	if (ret)
		return ret;
	e->strategy = e->strategy_ops->new(e->strategy_params, e->opts.seed);
	*first = 0;
	*resumed = false;
	if (e->opts.resume) {
		ret = po_exp_restore_checkpoint(e, first, err);
		if (ret == PO_ENOTFOUND)
			po_exp_msg(e, PO_EV_INFO, "No checkpoint in %s: starting a new run",
				   e->results_dir);
		else if (ret)
			return ret;
		else
			*resumed = true;
	}
	if (!*resumed) {
		po_results_clear_iterations(e->results_dir);
		po_checkpoint_remove(e->results_dir);
		return po_exp_write_inputs(e, err);
	}
	return 0;
}

/* The baseline of a new run, checkpointed. */
static int start_fresh(struct po_experiment *e, struct po_err *err)
{
	int ret;

	po_exp_estimate(e);
	ret = run_baseline(e, err);
	if (!ret)
		ret = po_exp_noise_floor(e, err);
	if (!ret && e->observer && e->observer->baseline)
		e->observer->baseline(e->observer->userdata, e);
	if (!ret)
		ret = po_exp_save_checkpoint(e, 0, err);
	if (ret == PO_EBUDGET && err) {
		struct po_buf b = PO_BUF_INIT;
		po_exp_budget_advice(e, false, &b);
		po_error_prefix(err, "the baseline did not fit in the limits (nothing to save)");
		snprintf(e->budget_msg, sizeof(e->budget_msg), "%s", err->msg);
		po_error(err, PO_EBUDGET, "%s; %s", e->budget_msg, b.data);
		po_buf_release(&b);
	}
	return ret;
}

/* True when the stop rule says the run has converged (and says so). */
static bool converged(struct po_experiment *e, int k)
{
	struct po_convergence_status st;
	double floor, gain;

	/* One rule runs: the noise floor's, or the seed's detector. */
	if (e->opts.enable_convergence && e->stop_noise) {
		if (!po_exp_noise_stop(e, &floor, &gain))
			return false;
		e->stopped_early = k < e->opts.max_iterations;
		e->stopped_by_noise = true;
		po_exp_msg(e, PO_EV_INFO, "\nStopping at iteration %d (stop rule: noise): the last %d "
			   "nominees were rejected and none was more than %.2f points (the noise "
			   "floor of a validation mean) above the best", k,
			   e->opts.convergence.no_improvement_threshold, floor);
		return true;
	}
	if (!e->opts.enable_convergence || !po_convergence_should_stop(e->conv))
		return false;
	po_convergence_get_status(e->conv, &st);
	e->stopped_early = k < e->opts.max_iterations;
	struct po_event ev = { .kind = PO_EV_CONVERGED, .iteration = k,
			       .max_iterations = e->opts.max_iterations,
			       .no_improvement = st.no_improvement_count,
			       .saved = e->opts.max_iterations - k };
	po_exp_emit(e, &ev);
	return true;
}

/* Iterations first+1 to the last, each checkpointed, until a stop. */
static int loop(struct po_experiment *e, int first, struct po_err *err)
{
	int ret = 0;

	for (int k = first + 1; k <= e->opts.max_iterations; k++) {
		if (interrupted(e)) {
			e->interrupted = true;
			break;
		}
		if (!po_exp_budget_allows(e)) {
			e->budget_stopped = true;
			break;
		}
		ret = run_iteration(e, k, err);
		if (ret == PO_EBUDGET) {
			/* Refused before sending: the iteration in flight is dropped. */
			e->budget_stopped = true;
			snprintf(e->budget_msg, sizeof(e->budget_msg), "%s", err ? err->msg : "limit reached");
			ret = 0;
			break;
		}
		if (ret)
			break;
		e->iterations_run = k;
		if (e->observer && e->observer->iteration)
			e->observer->iteration(e->observer->userdata, e, k);
		ret = po_exp_save_checkpoint(e, k, err);
		if (ret || converged(e, k))
			break;
	}
	return ret;
}

/* The results of what was done, and how the run ended. */
static int end(struct po_experiment *e, int ret, struct po_err *err)
{
	po_exp_live_phase(e, "final");
	if (ret) {
		/* Save what was done; the first error is the one reported. */
		struct po_err ferr = { 0 };
		po_exp_finish(e, &ferr);
		return ret;
	}
	ret = po_exp_finish(e, err);
	if (!ret && e->interrupted)
		ret = po_error(err, PO_EINTR,
			       "interrupted after iteration %d; results so far saved in %s; to go on, run again with --resume",
			       e->iterations_run, e->results_dir);
	if (!ret && e->budget_stopped) {
		struct po_buf b = PO_BUF_INIT;
		po_exp_budget_advice(e, true, &b);
		ret = po_error(err, PO_EBUDGET, "%s; stopped after iteration %d, results so far saved in %s; %s",
			       e->budget_msg, e->iterations_run, e->results_dir, b.data);
		po_buf_release(&b);
	}
	return ret;
}

/* The run from its start to its results: begin, baseline or checkpoint,
 * the loop, the end. */
static int run_steps(struct po_experiment *e, struct po_err *err)
{
	struct po_buf prov = PO_BUF_INIT;
	bool resumed;
	int ret, first;

	ret = begin(e, &first, &resumed, err);
	if (ret)
		return ret;
	po_exp_describe_providers(e, &prov);
	po_exp_msg(e, PO_EV_INFO,
		   "Project %s: %zu test cases, prompt '%s', up to %d iterations,\n  strategy %s, provider %s, seed %llu",
		   e->project_name, e->project->ncases, e->project->main_prompt,
		   e->opts.max_iterations, e->strategy_name, prov.data,
		   (unsigned long long)e->opts.seed);
	po_buf_release(&prov);
	if (resumed) {
		po_exp_msg(e, PO_EV_INFO,
			   "Resuming after iteration %d of %d: baseline %.2f, best %.2f (checkpoint in %s)",
			   first, e->opts.max_iterations, e->baseline_score, e->best_score,
			   e->results_dir);
		ret = po_exp_noise_floor(e, err);
		if (ret)
			return ret;
		/* A resumed run that had converged has nothing left to do. */
		if (e->opts.enable_convergence) {
			double floor, gain;
			if (e->stop_noise ? po_exp_noise_stop(e, &floor, &gain) :
					    po_convergence_should_stop(e->conv))
				first = e->opts.max_iterations;
		}
	} else {
		ret = start_fresh(e, err);
		if (ret)
			return ret;
	}
	return end(e, loop(e, first, err), err);
}

int po_experiment_run(struct po_experiment *e, struct po_err *err)
{
	struct po_err own = { 0 };
	int ret;

	if (!err)
		err = &own;
	if (!e->engine)
		return po_error(err, PO_EFAIL, "experiment was not set up");
	if (e->conv)
		return po_error(err, PO_EFAIL, "an experiment runs once; create a new one");
	if (interrupted(e)) {
		e->interrupted = true;
		return po_error(err, PO_EINTR, "interrupted before the baseline; nothing to save");
	}
	/* Before any file is touched: the previous run's final results would
	 * describe iteration files this run replaces. */
	ret = po_run_state_begin(e->results_dir, err);
	if (ret)
		return ret;
	po_exp_live_start(e);
	ret = run_steps(e, err);
	po_run_state_end(e->results_dir, ret, err->msg, e->iterations_run);
	po_history_add(e->results_dir, e->project_name, e->run_id, ret, err->msg);
	po_exp_live_end(e, ret);
	return ret;
}

void po_experiment_summary(const struct po_experiment *e, struct po_summary *out)
{
	if (!e) {
		memset(out, 0, sizeof(*out));
		out->true_best_score = out->true_baseline_score = out->true_optimum = -1;
		return;
	}
	*out = e->summary;
	if (!out->project[0]) {
		snprintf(out->project, sizeof(out->project), "%s", e->project_name);
		out->baseline_score = e->baseline_score;
		out->final_score = e->best_score;
		out->iterations_run = e->iterations_run;
		out->max_iterations = e->opts.max_iterations;
	}
}

void po_experiment_set_observer(struct po_experiment *e, const struct po_exp_observer *obs)
{
	e->observer = obs;
}

const json_t *po_experiment_incumbent(const struct po_experiment *e, double *score)
{
	if (score)
		*score = e->best_score;
	return e->best_prompts;
}

long po_experiment_calls(const struct po_experiment *e)
{
	return e->engine ? po_engine_total_calls(e->engine) : 0;
}

double po_experiment_true_score(const struct po_experiment *e, const json_t *prompts)
{
	return po_exp_true_mean(e, prompts);
}

double po_experiment_true_optimum(const struct po_experiment *e)
{
	return e->sim ? po_exp_true_optimum(e) : NAN;
}

const char *po_experiment_role_provider(const struct po_experiment *e, enum po_role role)
{
	return po_exp_role_provider(e, role);
}

void po_experiment_free(struct po_experiment *e)
{
	if (!e)
		return;
	if (e->lock_fd >= 0)
		close(e->lock_fd);
	po_engine_free(e->engine);
	po_project_free(e->project);
	po_convergence_free(e->conv);
	po_evaluation_release(&e->best_eval);
	po_archive_free(e->archive);
	po_integrity_release(&e->integrity);
	if (e->strategy)
		e->strategy_ops->free(e->strategy);
	po_split_release(&e->split);
	json_decref(e->split_json);
	json_decref(e->strategy_params);
	json_decref(e->history);
	json_decref(e->files);
	json_decref(e->baseline_prompts);
	json_decref(e->best_prompts);
	free(e->project_name);
	free(e->provider);
	free(e->strategy_name);
	free(e->config_base_url);
	free(e->results_dir);
	free(e->docs_dir);
	free(e);
}
