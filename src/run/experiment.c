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

#include "eval/evaluate.h"
#include "eval/judge.h"
#include "eval/render.h"
#include "llm/cache.h"
#include "llm/cost.h"
#include "llm/journal.h"
#include "llm/llm.h"
#include "llm/provider.h"
#include "llm/sim.h"
#include "opt/strategy.h"
#include "promptopt.h"
#include "report/report.h"
#include "run/checkpoint.h"
#include "core/project.h"
#include "run/results.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/rng.h"
#include "util/timeutil.h"

struct po_experiment {
	struct po_run_options opts;
	char *project_name, *provider, *strategy_name, *results_dir, *docs_dir;
	char run_id[64];
	struct po_project *project;
	struct po_engine *engine;
	int lock_fd;                    /* holds results_dir/.promptopt.lock, or -1 */
	const struct po_sim *sim;       /* borrowed from the engine's provider, or NULL */
	const struct po_strategy_ops *strategy_ops;
	struct po_eval_settings settings;
	struct po_convergence *conv;
	json_t *history;
	json_t *files;
	json_t *baseline_prompts;
	json_t *best_prompts;
	struct po_evaluation best_eval;
	double baseline_score, best_score;
	int iterations_run;
	bool stopped_early, interrupted, budget_stopped;
	char budget_msg[1024];          /* why the limit stopped the run */
	int64_t started;
	double t0_ms;
	double prior_wall_s;            /* a resumed run's time before this session */
	struct po_summary summary;
};

void po_run_options_init(struct po_run_options *o)
{
	memset(o, 0, sizeof(*o));
	o->max_iterations = 20;
	o->provider = "sim";
	o->strategy = "hillclimb";
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

static void emit(const struct po_experiment *e, const struct po_event *ev)
{
	if (e->opts.on_event)
		e->opts.on_event(ev, e->opts.userdata);
}

static void emit_msg(const struct po_experiment *e, enum po_event_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void emit_msg(const struct po_experiment *e, enum po_event_kind kind, const char *fmt, ...)
{
	struct po_event ev = { .kind = kind };
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ev.message = msg;
	emit(e, &ev);
}

static bool interrupted(const struct po_experiment *e)
{
	return e->opts.interrupt && *e->opts.interrupt;
}

/* The provider name serving role r. */
static const char *role_provider(const struct po_experiment *e, int r)
{
	return e->opts.role_provider[r] ? e->opts.role_provider[r] : e->provider;
}

/* A run id no earlier run has used: bridge files of old runs never match it. */
static void make_run_id(struct po_experiment *e)
{
	struct po_rng rng;

	po_rng_seed(&rng, po_hash_u64((uint64_t)getpid(),
				      po_hash_u64((uint64_t)(po_time_mono_ms() * 1000.0),
						  (uint64_t)po_time_unix())));
	snprintf(e->run_id, sizeof(e->run_id), "%lld-%d-%08llx", (long long)po_time_unix(),
		 (int)getpid(), (unsigned long long)(po_rng_next(&rng) & 0xffffffffULL));
}

/*
 * One provider per distinct name; roles that name the same provider share
 * it (the model is per request, so one provider serves several models).
 */
static int make_engine(struct po_experiment *e, struct po_err *err)
{
	struct po_provider *roles[PO_ROLE_COUNT] = { 0 };
	struct po_provider_spec spec;
	struct po_buf bdir = PO_BUF_INIT;
	int ret = 0;

	po_provider_spec_init(&spec);
	spec.base_url = e->opts.base_url;
	spec.concurrency = e->opts.concurrency;
	spec.timeout_s = e->opts.timeout_seconds;
	spec.max_attempts = e->opts.max_attempts;
	spec.interrupt = e->opts.interrupt;
	spec.shared = e->opts.shared;
	spec.prices_path = e->opts.prices_path;
	spec.seed = e->opts.seed;
	spec.catalogue = e->project->sim_catalogue;
	if (e->opts.sim_noise >= 0)
		spec.noise = e->opts.sim_noise;
	else
		spec.noise = po_json_num(json_object_get(e->project->config, "sim"), "noise",
					 spec.noise);
	if (e->opts.bridge_dir)
		po_buf_adds(&bdir, e->opts.bridge_dir);
	else
		po_buf_addf(&bdir, ".%s", e->project_name);
	spec.bridge_dir = bdir.data;
	spec.run_id = e->run_id;
	spec.poll_interval = e->opts.poll_interval;
	spec.peer_alive = e->opts.peer_alive;
	spec.peer_userdata = e->opts.peer_userdata;
	spec.peer_is_sim = e->opts.bridge_peer_is_sim;

	for (int r = 0; r < PO_ROLE_COUNT && !ret; r++) {
		const char *name = role_provider(e, r);
		const char *model = e->opts.role_model[r] ? e->opts.role_model[r] : e->opts.model;

		for (int q = 0; q < r && !roles[r]; q++)
			if (!strcmp(role_provider(e, q), name))
				roles[r] = roles[q];
		if (!roles[r]) {
			struct po_sim *sim = NULL;
			spec.name = name;
			roles[r] = po_provider_new(&spec, &sim, err);
			if (!roles[r])
				ret = err ? err->code : PO_ELLM;
			if (sim)
				e->sim = sim;
		}
		/* Named in every request, so a new default in a later version is a
		 * new cache key and the results say which model answered. */
		if (!model)
			model = po_provider_default_model(name);
		e->settings.models[r] = model;
	}
	if (!ret) {
		struct po_engine_config ec;
		struct po_buf jpath = PO_BUF_INIT;

		po_engine_config_init(&ec);
		memcpy(ec.roles, roles, sizeof(ec.roles));
		ec.base_url = e->opts.base_url;
		if (e->opts.use_cache)
			ec.cache_path = e->opts.cache_path ? e->opts.cache_path : PO_CACHE_DEFAULT_PATH;
		ec.prices_path = e->opts.prices_path;
		po_fs_join(&jpath, e->results_dir, PO_JOURNAL_FILE);
		ec.journal_path = jpath.data;
		ec.run_id = e->run_id;
		ec.seed = e->opts.seed;
		ec.max_calls = e->opts.max_calls;
		ec.budget_usd = e->opts.budget_usd;
		ec.shared = e->opts.shared;
		/* The engine owns the providers from here, on failure too. */
		ret = po_engine_new(&e->engine, &ec, err);
		po_buf_release(&jpath);
		if (ret)
			e->sim = NULL;
	} else {
		/* Free what was built (each distinct provider once). */
		for (int r = 0; r < PO_ROLE_COUNT; r++) {
			if (!roles[r])
				continue;
			for (int q = r + 1; q < PO_ROLE_COUNT; q++)
				if (roles[q] == roles[r])
					roles[q] = NULL;
			roles[r]->ops->free(roles[r]);
		}
		e->sim = NULL;
	}
	po_buf_release(&bdir);
	return ret;
}

/*
 * The project's config supplies the settings the caller left to it (see
 * from_config in promptopt.h). The loader has checked the types already.
 */
static int apply_config(struct po_experiment *e, struct po_err *err)
{
	const json_t *cfg = e->project->config;
	const json_t *conv = json_object_get(cfg, "convergence");
	const json_t *strat = json_object_get(cfg, "strategy");
	struct po_convergence_config *cc = &e->opts.convergence;
	unsigned m = e->opts.from_config;

	if ((m & PO_FROM_CONFIG_ITERATIONS) && json_is_integer(json_object_get(cfg, "iterations")))
		e->opts.max_iterations = (int)po_json_int(cfg, "iterations", 20);
	if ((m & PO_FROM_CONFIG_SEED) && json_is_integer(json_object_get(cfg, "seed")))
		e->opts.seed = (uint64_t)po_json_int(cfg, "seed", 42);
	if (m & PO_FROM_CONFIG_STRATEGY) {
		const char *name = json_is_string(strat) ? json_string_value(strat) :
							   po_json_str(strat, "name", NULL);
		if (name) {
			free(e->strategy_name);
			e->strategy_name = po_xstrdup(name);
			e->opts.strategy = e->strategy_name;
			e->strategy_ops = po_strategy_find(name);
			if (!e->strategy_ops)
				return po_error(err, PO_EINPUT,
						"%s: unknown strategy '%s'; available: %s",
						e->project->config_path, name, po_strategy_names());
		}
	}
	if (m & PO_FROM_CONFIG_ROLES) {
		const char *key;
		const json_t *v;

		json_object_foreach((json_t *)json_object_get(cfg, "roles"), key, v) {
			enum po_role r;
			const char *prov = json_is_string(v) ? json_string_value(v) :
							       po_json_str(v, "provider", NULL);
			if (po_role_parse(key, &r) < 0)
				continue;
			if (prov && !e->opts.role_provider[r])
				e->opts.role_provider[r] = prov;
			if (!e->opts.role_model[r])
				e->opts.role_model[r] = po_json_str(v, "model", NULL);
		}
	}
	if (m & PO_FROM_CONFIG_PATIENCE)
		cc->no_improvement_threshold = (int)po_json_int(conv, "no_improvement_threshold",
								cc->no_improvement_threshold);
	if (m & PO_FROM_CONFIG_MIN_IMPROVEMENT)
		cc->min_improvement_percent = po_json_num(conv, "min_improvement_percent",
							  cc->min_improvement_percent);
	if (m & PO_FROM_CONFIG_EARLY_STOP) {
		cc->enable_early_stop = po_json_bool(conv, "enable_early_stop", cc->enable_early_stop);
		cc->track_plateau_variance = po_json_bool(conv, "track_plateau_variance",
							  cc->track_plateau_variance);
	}
	return 0;
}

/* "bridge", or "anthropic (judge: openai/gpt-4o-mini)" when roles differ. */
static void describe_providers(const struct po_experiment *e, struct po_buf *out)
{
	int own = 0, n = 0;

	for (int r = 0; r < PO_ROLE_COUNT; r++)
		own += !strcmp(role_provider(e, r), e->provider);
	/* The run-wide provider is named only when some role uses it. */
	if (own)
		po_buf_adds(out, e->provider);
	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		if (!strcmp(role_provider(e, r), e->provider) && !e->opts.role_model[r])
			continue;
		po_buf_addf(out, "%s%s: %s", n++ ? ", " : own ? " (" : "",
			    po_role_name((enum po_role)r), role_provider(e, r));
		if (e->settings.models[r])
			po_buf_addf(out, "/%s", e->settings.models[r]);
	}
	if (own && n)
		po_buf_addch(out, ')');
}

/* Credentials of every role's provider, before anything is created. */
static int preflight(struct po_experiment *e, struct po_err *err)
{
	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		struct po_provider_spec spec;
		int ret;

		po_provider_spec_init(&spec);
		spec.name = role_provider(e, r);
		spec.base_url = e->opts.base_url;
		ret = po_provider_preflight(&spec, err);
		if (ret)
			return ret;
	}
	return 0;
}

/* One run writes into a results folder at a time: a second one would mix
 * its iteration files with the first's. */
static int lock_results(struct po_experiment *e, struct po_err *err)
{
	struct po_buf path = PO_BUF_INIT;
	long holder;

	po_fs_join(&path, e->results_dir, ".promptopt.lock");
	e->lock_fd = po_fs_lock(path.data, false, &holder, err);
	po_buf_release(&path);
	if (e->lock_fd == PO_EBUSY) {
		e->lock_fd = -1;
		if (holder)
			return po_error(err, PO_EBUSY,
					"another run (pid %ld) is writing to '%s'; wait for it to finish, or give this run its own folder with --results-dir",
					holder, e->results_dir);
		return po_error(err, PO_EBUSY,
				"another run is writing to '%s'; wait for it to finish, or give this run its own folder with --results-dir",
				e->results_dir);
	}
	if (e->lock_fd < 0) {
		int ret = e->lock_fd;
		e->lock_fd = -1;
		return ret;
	}
	return 0;
}

int po_experiment_new(struct po_experiment **out, const struct po_run_options *opts,
		      struct po_err *err)
{
	struct po_experiment *e;
	struct po_buf dir = PO_BUF_INIT;
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
	e = po_xcalloc(1, sizeof(*e));
	e->lock_fd = -1;
	e->opts = *opts;
	e->project_name = po_xstrdup(opts->project);
	e->provider = po_xstrdup(opts->provider ? opts->provider : "sim");
	e->strategy_name = po_xstrdup(opts->strategy ? opts->strategy : "hillclimb");
	e->docs_dir = po_xstrdup(opts->docs_dir ? opts->docs_dir : "docs");
	e->opts.project = e->project_name;
	e->opts.provider = e->provider;
	e->opts.strategy = e->strategy_name;
	e->opts.docs_dir = e->docs_dir;
	e->history = json_array();
	e->files = json_array();
	e->best_score = NAN;
	e->baseline_score = NAN;
	po_eval_settings_init(&e->settings);
	*out = e;

	e->strategy_ops = po_strategy_find(e->strategy_name);
	if (!e->strategy_ops)
		return po_error(err, PO_EUSAGE, "unknown strategy '%s'; available: %s",
				e->strategy_name, po_strategy_names());
	for (int r = 0; r < PO_ROLE_COUNT; r++)
		if (!po_provider_known(role_provider(e, r)))
			return po_error(err, PO_EUSAGE, "unknown provider '%s'; available: %s",
					role_provider(e, r), po_provider_names());
	make_run_id(e);

	ret = preflight(e, err);
	if (ret)
		return ret;
	ret = po_project_ensure(".", e->project_name, &created, err);
	if (ret)
		return ret;
	if (created) {
		emit_msg(e, PO_EV_INFO, "Initialized project '%s' in prompt_tuning_results_%s/ (%s)",
			 e->project_name, e->project_name,
			 po_project_is_builtin(e->project_name) ? "built-in data" :
								 "scaffold: edit its files");
	}
	ret = po_project_load(&e->project, ".", e->project_name, err);
	if (ret)
		return ret;
	ret = apply_config(e, err);
	if (ret)
		return ret;
	/* The config may name providers of its own (roles). */
	ret = preflight(e, err);
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
	ret = lock_results(e, err);
	if (ret)
		return ret;
	ret = make_engine(e, err);
	po_buf_release(&dir);
	return ret;
}

static double true_mean(const struct po_experiment *e, const json_t *prompts)
{
	const struct po_project *p = e->project;
	const char *main_t = json_string_value(json_object_get(prompts, p->main_prompt));
	const char *sys_t = p->system_prompt ?
		json_string_value(json_object_get(prompts, p->system_prompt)) : NULL;
	double sum = 0;

	if (!e->sim || !main_t || !p->ncases)
		return NAN;
	for (size_t i = 0; i < p->ncases; i++)
		sum += po_sim_true_score(e->sim, sys_t, main_t, p->cases[i].inputs);
	return sum / (double)p->ncases;
}

static void record(struct po_experiment *e, int iteration, double score, bool improved,
		   const struct po_evaluation *ev, const char *origin)
{
	json_t *h = json_pack("{s:i, s:o, s:f, s:b, s:I, s:I, s:s}", "iteration", iteration,
			      "score", isfinite(score) ? json_real(score) : json_null(),
			      "best_score", e->best_score, "improved", improved, "evaluated",
			      (json_int_t)(ev ? ev->n_ok : 0), "failed",
			      (json_int_t)(ev ? ev->n - ev->n_ok : 0), "candidate",
			      origin ? origin : "");
	json_array_append_new(e->history, h);
}

/* Cost of `calls` calls of role r of about in/out tokens each; false when
 * the model is missing from the price table. */
static bool role_cost(const struct po_experiment *e, int r, double calls, double in, double outt,
		      double *usd)
{
	struct po_price pr;
	bool ok = po_prices_find(po_engine_prices(e->engine), role_provider(e, r),
				 e->settings.models[r], &pr);

	*usd += calls * po_price_cost(&pr, (long)in, (long)outt, 0, 0);
	return ok;
}

/*
 * Before any call: about how many calls the run makes at most and what they
 * cost, from the sizes of the rendered prompts and the price table. Outputs
 * are guessed (a typical length, capped by max_tokens); the upper figure has
 * every output at max_tokens.
 */
static void emit_estimate(struct po_experiment *e)
{
	const struct po_project *p = e->project;
	const struct po_eval_settings *st = &e->settings;
	const char *main_t = json_string_value(json_object_get(p->prompts, p->main_prompt));
	const char *sys_t = p->system_prompt ?
		json_string_value(json_object_get(p->prompts, p->system_prompt)) : NULL;
	double iters = e->opts.max_iterations, cases = (double)p->ncases;
	double gen_calls = (iters + 1) * cases, judge_calls = gen_calls, mut_calls = iters;
	double gen_in = 0, gen_out, judge_in, judge_out, mut_in, mut_out, usd = 0, usd_max = 0;
	struct po_buf b = PO_BUF_INIT;
	bool priced = true;
	char unpriced[256] = "";

	for (size_t i = 0; i < p->ncases; i++) {
		po_buf_reset(&b);
		if (main_t && po_render(&b, main_t, p->cases[i].inputs, p->main_prompt,
					p->cases[i].id, NULL) == 0)
			gen_in += (double)b.len;
	}
	gen_in = (cases ? gen_in / cases : 0) + (sys_t ? (double)strlen(sys_t) : 0);
	gen_in = gen_in / 4 + 1;
	gen_out = st->max_tokens[PO_ROLE_GENERATE] < 800 ? st->max_tokens[PO_ROLE_GENERATE] : 800;
	po_buf_reset(&b);
	po_judge_build_prompt(&b, &p->rubric, p->description, p->ncases ? p->cases[0].inputs : NULL,
			      "");
	judge_in = (double)(b.len + strlen(po_judge_system_prompt())) / 4 + gen_out;
	judge_out = st->max_tokens[PO_ROLE_JUDGE] < 400 ? st->max_tokens[PO_ROLE_JUDGE] : 400;
	mut_out = (main_t ? (double)strlen(main_t) : 0) / 4 + 100;
	mut_in = mut_out + 500;
	if (mut_out > st->max_tokens[PO_ROLE_MUTATE])
		mut_out = st->max_tokens[PO_ROLE_MUTATE];

	struct { int r; double calls, in, out, max_out; } parts[] = {
		{ PO_ROLE_GENERATE, gen_calls, gen_in, gen_out, st->max_tokens[PO_ROLE_GENERATE] },
		{ PO_ROLE_JUDGE, judge_calls, judge_in, judge_out, st->max_tokens[PO_ROLE_JUDGE] },
		{ PO_ROLE_MUTATE, mut_calls, mut_in, mut_out, st->max_tokens[PO_ROLE_MUTATE] },
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		int r = parts[i].r;
		if (!role_cost(e, r, parts[i].calls, parts[i].in, parts[i].out, &usd) && priced) {
			priced = false;
			snprintf(unpriced, sizeof(unpriced), "%s/%s", role_provider(e, r),
				 st->models[r] ? st->models[r] : "(default model)");
		}
		role_cost(e, r, parts[i].calls, parts[i].in + parts[i].max_out - parts[i].out,
			  parts[i].max_out, &usd_max);
	}
	po_buf_release(&b);
	emit_msg(e, PO_EV_INFO,
		 "Estimate: at most %.0f LLM calls ((%d iterations + 1) x %zu cases x 2 + %d mutations), about $%.2f (up to $%.2f if every answer used max_tokens; prices of %s)",
		 gen_calls + judge_calls + mut_calls, e->opts.max_iterations, p->ncases,
		 e->opts.max_iterations, usd, usd_max, po_prices_date(po_engine_prices(e->engine)));
	if (!priced)
		emit_msg(e, PO_EV_WARNING,
			 "no price for %s in the price table: its calls are counted at $0 and --budget-usd cannot hold them; add it with --prices FILE (see docs/costs-and-cache.md)",
			 unpriced);
}

/* How to go on after a limit stopped the run. */
static void budget_advice(const struct po_experiment *e, bool resumable, struct po_buf *b)
{
	bool cached = false;

	for (int r = 0; r < PO_ROLE_COUNT; r++)
		cached |= e->opts.use_cache && po_engine_cacheable(role_provider(e, r));
	const char *which = e->opts.budget_usd > 0 && e->opts.max_calls > 0 ?
				    "--max-calls or --budget-usd" :
			    e->opts.budget_usd > 0 ? "--budget-usd" :
			    e->opts.max_calls > 0 ? "--max-calls" : NULL;

	if (which && resumable)
		po_buf_addf(b, "to go on, run again with --resume and a higher %s (the limits count the whole run)",
			    which);
	else if (which)
		po_buf_addf(b, "to go on, run again with a higher %s", which);
	else
		po_buf_addf(b, "to go on, run again with a higher limit of the batch%s",
			    cached ? " (calls already made are answered from the cache at no cost)" : "");
}

/*
 * Before an iteration: does what is left of the limits cover it? An
 * iteration makes about 2 calls per test case and one mutation; stopping
 * before it wastes nothing, where a refusal half-way through would.
 */
static bool budget_allows_iteration(struct po_experiment *e)
{
	const struct po_engine_stats *st = po_engine_stats(e->engine);
	long calls_left, need = (long)e->project->ncases * 2 + 1, paid = 0;
	double usd_left, spent = po_engine_total_cost(e->engine);

	po_engine_remaining(e->engine, &calls_left, &usd_left);
	for (int r = 0; r < PO_ROLE_COUNT; r++)
		paid += st->calls[r] - st->cache_hits[r];
	if (calls_left >= 0 && calls_left < need) {
		snprintf(e->budget_msg, sizeof(e->budget_msg),
			 "call limit reached: %ld calls left, an iteration needs about %ld", calls_left,
			 need);
		return false;
	}
	if (usd_left >= 0 && paid > 0 && spent / (double)paid * (double)need > usd_left) {
		snprintf(e->budget_msg, sizeof(e->budget_msg),
			 "budget reached: $%.4f spent, $%.4f left, an iteration costs about $%.4f",
			 spent, usd_left, spent / (double)paid * (double)need);
		return false;
	}
	return true;
}

static int run_baseline(struct po_experiment *e, struct po_err *err)
{
	const json_t *cand = e->project->prompts;
	int ret;

	ret = po_evaluate(e->engine, e->project, &e->settings, &cand, 1, 0, &e->best_eval, err);
	if (ret)
		return ret;
	if (e->best_eval.invalid)
		return po_error(err, PO_ETEMPLATE, "%s", e->best_eval.invalid);
	if (!e->best_eval.n_ok) {
		const char *why = e->best_eval.n ? e->best_eval.cases[0].error : NULL;
		return po_error(err, PO_EEVAL,
				"the baseline evaluation failed for every test case (%s); no score to start from",
				why ? why : "no test cases");
	}
	e->baseline_prompts = json_deep_copy(e->project->prompts);
	e->best_prompts = json_deep_copy(e->project->prompts);
	e->baseline_score = e->best_eval.mean;
	e->best_score = e->best_eval.mean;
	po_convergence_update(e->conv, 0, e->best_score);
	record(e, 0, e->best_score, false, &e->best_eval, "baseline");
	struct po_event ev = { .kind = PO_EV_BASELINE, .score = e->best_score,
			       .max_iterations = e->opts.max_iterations, .cases = (int)e->best_eval.n,
			       .failed = (int)(e->best_eval.n - e->best_eval.n_ok) };
	emit(e, &ev);
	return po_results_write_iteration(e->results_dir, 0, e->best_prompts, "baseline",
					  &e->best_eval, e->best_score, false, e->files, err);
}

/* One iteration: propose, evaluate, keep the best candidate if it is higher. */
static int run_iteration(struct po_experiment *e, struct po_strategy *s, int k,
			 struct po_err *err)
{
	struct po_opt_ctx ctx = {
		.engine = e->engine, .project = e->project, .settings = &e->settings,
		.best_prompts = e->best_prompts, .best_eval = &e->best_eval,
		.best_score = e->best_score, .iteration = k, .seed = e->opts.seed,
	};
	struct po_candidate *cands = NULL;
	struct po_evaluation *evals = NULL;
	const json_t **cp = NULL;
	struct po_err serr = { 0 };
	size_t n = 0, best = 0;
	double prev = e->best_score, score = NAN;
	bool improved = false;
	int ret, ncases = 0, nfailed = 0;

	ret = e->strategy_ops->propose(s, &ctx, &cands, &n, &serr);
	if (ret == PO_EEVAL || (!ret && !n)) {
		/* The LLM gave no usable candidate: a lost iteration, not a failed run. */
		emit_msg(e, PO_EV_WARNING, "iteration %d: no candidate (%s)", k,
			 ret ? serr.msg : "strategy proposed none");
		struct po_evaluation none = { 0 };
		po_convergence_update(e->conv, k, e->best_score);
		record(e, k, NAN, false, NULL, "none");
		ret = po_results_write_iteration(e->results_dir, k, e->best_prompts, "none", &none,
						 e->best_score, false, e->files, err);
		goto emit_it;
	}
	if (ret) {
		po_error(err, ret, "%s", serr.msg);
		goto out;
	}
	evals = po_xcalloc(n, sizeof(*evals));
	cp = po_xcalloc(n, sizeof(*cp));
	for (size_t i = 0; i < n; i++)
		cp[i] = cands[i].prompts;
	ret = po_evaluate(e->engine, e->project, &e->settings, cp, n, (unsigned)k, evals, err);
	if (ret)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (evals[i].invalid)
			emit_msg(e, PO_EV_WARNING, "iteration %d: candidate rejected: %s", k,
				 evals[i].invalid);
		if (evals[i].n_ok && (!isfinite(score) || evals[i].mean > score)) {
			score = evals[i].mean;
			best = i;
			ncases = (int)evals[i].n;
			nfailed = (int)(evals[i].n - evals[i].n_ok);
		}
	}
	if (e->strategy_ops->observe)
		e->strategy_ops->observe(s, cands, evals, n);
	improved = isfinite(score) && score > e->best_score;
	if (improved) {
		json_decref(e->best_prompts);
		e->best_prompts = json_incref(cands[best].prompts);
		po_evaluation_release(&e->best_eval);
		e->best_eval = evals[best];
		memset(&evals[best], 0, sizeof(evals[best]));
		e->best_score = score;
	}
	po_convergence_update(e->conv, k, isfinite(score) ? score : e->best_score);
	record(e, k, score, improved, improved ? &e->best_eval : &evals[best], cands[best].origin);
	ret = po_results_write_iteration(e->results_dir, k, cands[best].prompts, cands[best].origin,
					 improved ? &e->best_eval : &evals[best], e->best_score,
					 improved, e->files, err);
emit_it:;
	struct po_event ev = { .kind = PO_EV_ITERATION, .iteration = k,
			       .max_iterations = e->opts.max_iterations, .score = score,
			       .best = e->best_score, .previous_best = prev, .improved = improved,
			       .cases = ncases, .failed = nfailed };
	emit(e, &ev);
out:
	for (size_t i = 0; i < n; i++) {
		po_candidate_release(&cands[i]);
		if (evals)
			po_evaluation_release(&evals[i]);
	}
	free(cands);
	free(evals);
	free(cp);
	return ret;
}

static json_t *convergence_json(const struct po_experiment *e)
{
	struct po_convergence_status st;
	json_t *o;

	po_convergence_get_status(e->conv, &st);
	o = json_pack("{s:b, s:b, s:i, s:i, s:f, s:f, s:f, s:f, s:i, s:b, s:i, s:f, s:i}",
		      "enabled", e->opts.enable_convergence, "converged", st.converged,
		      "wasted_iterations", st.wasted_iterations, "no_improvement_count",
		      st.no_improvement_count, "plateau_variance", st.plateau_variance,
		      "plateau_stddev", st.plateau_stddev, "plateau_average", st.plateau_average,
		      "best_score", st.best_score, "total_iterations", e->iterations_run,
		      "stopped_early", e->stopped_early, "no_improvement_threshold",
		      e->opts.convergence.no_improvement_threshold, "min_improvement_percent",
		      e->opts.convergence.min_improvement_percent, "last_improvement_iteration",
		      st.last_improvement_iteration);
	json_object_set_new(o, "convergence_iteration",
			    st.converged ? json_integer(st.convergence_iteration) : json_null());
	return o;
}

static json_t *recommendations_json(const struct po_experiment *e)
{
	char buf[4096];
	json_t *a = json_array();
	char *line, *save = NULL;

	po_convergence_recommendations(e->conv, e->opts.max_iterations, buf, sizeof(buf));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (*line)
			json_array_append_new(a, json_string(line));
	return a;
}

/* What this run used, for optimization_final_results.json. */
static json_t *settings_json(const struct po_experiment *e)
{
	const struct po_convergence_config *cc = &e->opts.convergence;

	return json_pack("{s:i, s:I, s:s, s:s, s:b, s:{s:i, s:f, s:b, s:b}}", "iterations",
			 e->opts.max_iterations, "seed", (json_int_t)e->opts.seed, "strategy",
			 e->strategy_name, "provider", e->provider, "enable_convergence",
			 e->opts.enable_convergence, "convergence", "no_improvement_threshold",
			 cc->no_improvement_threshold, "min_improvement_percent",
			 cc->min_improvement_percent, "enable_early_stop", cc->enable_early_stop,
			 "track_plateau_variance", cc->track_plateau_variance);
}

static json_t *role_obj(const long v[PO_ROLE_COUNT])
{
	json_t *o = json_object();

	for (int r = 0; r < PO_ROLE_COUNT; r++)
		json_object_set_new(o, po_role_name((enum po_role)r), json_integer(v[r]));
	return o;
}

static json_t *role_usd(const double v[PO_ROLE_COUNT])
{
	json_t *o = json_object();

	for (int r = 0; r < PO_ROLE_COUNT; r++)
		json_object_set_new(o, po_role_name((enum po_role)r), json_real(v[r]));
	return o;
}

static double sum_usd(const double v[PO_ROLE_COUNT])
{
	double t = 0;

	for (int r = 0; r < PO_ROLE_COUNT; r++)
		t += v[r];
	return t;
}

static long sum_long(const long v[PO_ROLE_COUNT])
{
	long t = 0;

	for (int r = 0; r < PO_ROLE_COUNT; r++)
		t += v[r];
	return t;
}

/* Tokens per role, cost per role and in total, cache hits, limits. */
static void add_accounting(struct po_experiment *e, json_t *f)
{
	const struct po_engine_stats *st = po_engine_stats(e->engine);
	json_t *tokens = json_object_get(f, "tokens"), *by_role = json_object(), *cache, *budget;
	long calls_left;
	double usd_left;

	for (int r = 0; r < PO_ROLE_COUNT; r++)
		json_object_set_new(by_role, po_role_name((enum po_role)r),
				    json_pack("{s:I, s:I, s:I, s:I}", "input",
					      (json_int_t)st->input_tokens[r], "output",
					      (json_int_t)st->output_tokens[r], "cache_read",
					      (json_int_t)st->cache_read_tokens[r], "cache_write",
					      (json_int_t)st->cache_write_tokens[r]));
	json_object_set_new(tokens, "cache_read", json_integer(sum_long(st->cache_read_tokens)));
	json_object_set_new(tokens, "cache_write", json_integer(sum_long(st->cache_write_tokens)));
	json_object_set_new(tokens, "by_role", by_role);
	json_object_set_new(f, "cost",
			    json_pack("{s:f, s:o, s:f, s:I, s:o, s:s, s:s}", "total_usd",
				      sum_usd(st->cost_usd), "by_role", role_usd(st->cost_usd),
				      "saved_by_cache_usd", sum_usd(st->saved_usd), "unpriced_calls",
				      (json_int_t)sum_long(st->unpriced_calls), "unpriced_by_role",
				      role_obj(st->unpriced_calls), "prices_date",
				      po_prices_date(po_engine_prices(e->engine)), "prices",
				      e->opts.prices_path ? e->opts.prices_path : "built-in"));
	json_object_set_new(json_object_get(f, "calls"), "cache_hits",
			    json_integer(sum_long(st->cache_hits)));
	json_object_set_new(json_object_get(f, "calls"), "retries",
			    json_integer(sum_long(st->retries)));
	cache = json_pack("{s:b, s:I, s:o, s:I}", "enabled", e->opts.use_cache, "hits",
			  (json_int_t)sum_long(st->cache_hits), "hits_by_role", role_obj(st->cache_hits),
			  "errors", (json_int_t)st->cache_errors);
	json_object_set_new(cache, "path",
			    e->opts.use_cache ? json_string(e->opts.cache_path ? e->opts.cache_path :
									   PO_CACHE_DEFAULT_PATH) :
					       json_null());
	json_object_set_new(f, "cache", cache);
	po_engine_remaining(e->engine, &calls_left, &usd_left);
	budget = json_pack("{s:b, s:s}", "stopped", e->budget_stopped, "message", e->budget_msg);
	json_object_set_new(budget, "max_calls", e->opts.max_calls > 0 ?
				 json_integer(e->opts.max_calls) : json_null());
	json_object_set_new(budget, "budget_usd", e->opts.budget_usd > 0 ?
				  json_real(e->opts.budget_usd) : json_null());
	json_object_set_new(budget, "calls_left", calls_left >= 0 ? json_integer(calls_left) :
								     json_null());
	json_object_set_new(budget, "usd_left", usd_left >= 0 ? json_real(usd_left) : json_null());
	json_object_set_new(f, "budget", budget);
	json_object_set_new(f, "journal", json_pack("{s:s, s:I}", "file", PO_JOURNAL_FILE,
						    "errors", (json_int_t)st->journal_errors));
}

static json_t *final_json(struct po_experiment *e, int64_t now)
{
	const struct po_engine_stats *st = po_engine_stats(e->engine);
	double imp = e->best_score - e->baseline_score;
	char iso[32];
	json_t *f, *models = json_object(), *providers = json_object(), *calls, *tokens;
	long in = 0, outt = 0, failed = 0;

	po_time_iso8601(now, iso, sizeof(iso));
	for (int i = 0; i < PO_ROLE_COUNT; i++) {
		json_object_set_new(models, po_role_name((enum po_role)i),
				    json_string(e->settings.models[i] ? e->settings.models[i] : ""));
		json_object_set_new(providers, po_role_name((enum po_role)i),
				    json_string(role_provider(e, i)));
		in += st->input_tokens[i];
		outt += st->output_tokens[i];
	}
	calls = json_pack("{s:I, s:I, s:I, s:I}", "total", (json_int_t)po_engine_total_calls(e->engine),
			  "generate", (json_int_t)st->calls[PO_ROLE_GENERATE], "judge",
			  (json_int_t)st->calls[PO_ROLE_JUDGE], "mutate",
			  (json_int_t)st->calls[PO_ROLE_MUTATE]);
	tokens = json_pack("{s:I, s:I}", "input", (json_int_t)in, "output", (json_int_t)outt);
	for (size_t i = 0; i < json_array_size(e->history); i++)
		failed += (long)po_json_int(json_array_get(e->history, i), "failed", 0);

	f = json_pack("{s:s, s:s, s:I, s:i, s:i, s:f, s:f, s:f, s:f, s:O, s:O, s:o, s:o}",
		      "project", e->project_name, "timestamp", iso, "unixtime", (json_int_t)now,
		      "max_iterations", e->opts.max_iterations, "iterations_run", e->iterations_run,
		      "baseline_score", e->baseline_score, "final_score", e->best_score,
		      "improvement", imp, "improvement_percent",
		      e->baseline_score > 0 ? imp / e->baseline_score * 100.0 : 0.0,
		      "iteration_history", e->history, "best_prompts", e->best_prompts,
		      "convergence", convergence_json(e), "recommendations", recommendations_json(e));
	json_object_set_new(f, "strategy", json_string(e->strategy_name));
	json_object_set_new(f, "provider", json_string(e->provider));
	json_object_set_new(f, "seed", json_integer((json_int_t)e->opts.seed));
	json_object_set_new(f, "models", models);
	json_object_set_new(f, "providers", providers);
	json_object_set_new(f, "calls", calls);
	json_object_set_new(f, "tokens", tokens);
	add_accounting(e, f);
	json_object_set_new(f, "failed_evaluations", json_integer(failed));
	json_object_set_new(f, "wall_seconds",
			    json_real(e->prior_wall_s + (po_time_mono_ms() - e->t0_ms) / 1000.0));
	json_object_set_new(f, "results_dir", json_string(e->results_dir));
	json_object_set_new(f, "interrupted", json_boolean(e->interrupted));
	json_object_set_new(f, "settings", settings_json(e));
	if (e->sim) {
		json_object_set_new(f, "true_score",
				    json_pack("{s:f, s:f, s:f}", "baseline",
					      true_mean(e, e->baseline_prompts), "best",
					      true_mean(e, e->best_prompts), "optimum",
					      po_sim_optimum(e->sim)));
	} else {
		json_object_set_new(f, "true_score", json_null());
	}
	return f;
}

/* When results go elsewhere, the folder still holds the project's inputs. */
static int write_inputs_copy(struct po_experiment *e, struct po_err *err)
{
	struct po_buf src = PO_BUF_INIT, dst = PO_BUF_INIT;
	char name[256];
	const char *inputs[2][2] = {
		{ "test_cases", e->project->test_cases_path },
		{ "config", e->project->config_path },
	};
	int ret = 0;

	for (int i = 0; i < 2 && !ret; i++) {
		snprintf(name, sizeof(name), "%s_%s.json", inputs[i][0], e->project_name);
		po_fs_join(&dst, e->results_dir, name);
		/* A project may have no config file (it is optional). */
		if (i == 1 && !po_fs_exists(inputs[i][1]))
			continue;
		if (strcmp(dst.data, inputs[i][1])) {
			po_buf_reset(&src);
			ret = po_fs_read_file(inputs[i][1], &src, err);
			if (!ret)
				ret = po_fs_replace(dst.data, src.data, src.len, false, err);
		}
		if (!ret)
			json_array_append_new(e->files, json_string(name));
	}
	/* The first prompts a project ran with are kept: prompts_<name>.json is
	 * replaced by the best prompts at the end of every run. */
	snprintf(name, sizeof(name), "prompts_%s.original.json", e->project_name);
	po_fs_join(&dst, e->results_dir, name);
	if (!ret && !po_fs_exists(dst.data))
		ret = po_json_write_file_ex(dst.data, e->project->prompts, false, err);
	po_buf_release(&src);
	po_buf_release(&dst);
	return ret;
}

static int finish(struct po_experiment *e, struct po_err *err)
{
	int64_t now = po_time_unix();
	char name[256];
	json_t *f;
	int ret;

	snprintf(name, sizeof(name), "prompts_%s.json", e->project_name);
	ret = po_results_write(e->results_dir, name, e->best_prompts, false, e->files, err);
	if (ret)
		return ret;
	json_array_append_new(e->files, json_string(PO_FINAL_RESULTS_FILE));
	json_array_append_new(e->files, json_string(PO_JOURNAL_FILE));
	f = final_json(e, now);
	json_object_set(f, "files", e->files);
	if (e->opts.write_report) {
		struct po_buf md = PO_BUF_INIT;
		ret = po_report_write(f, e->docs_dir, e->started, &md, err);
		if (!ret) {
			json_object_set_new(f, "report", json_string(md.data));
			snprintf(e->summary.report_path, sizeof(e->summary.report_path), "%s",
				 md.data);
		}
		po_buf_release(&md);
	}
	/* One flush for everything written so far, then the final file durable:
	 * when it is on the disk, so is everything it lists. */
	po_fs_sync(e->results_dir);
	if (!ret)
		ret = po_results_write(e->results_dir, PO_FINAL_RESULTS_FILE, f, true, NULL, err);
	if (!ret) {
		char report[512];
		snprintf(report, sizeof(report), "%s", e->summary.report_path);
		po_results_summary_from_json(f, &e->summary);
		snprintf(e->summary.report_path, sizeof(e->summary.report_path), "%s", report);
	}
	json_decref(f);
	return ret;
}

/* After the baseline and each iteration: what --resume needs. */
static int save_checkpoint(struct po_experiment *e, int k, struct po_err *err)
{
	struct po_checkpoint ck = {
		.seed = e->opts.seed, .iteration = k, .started = e->started,
		.wall_seconds = e->prior_wall_s + (po_time_mono_ms() - e->t0_ms) / 1000.0,
		.baseline_score = e->baseline_score, .best_score = e->best_score,
		.baseline_prompts = e->baseline_prompts, .best_prompts = e->best_prompts,
		.history = e->history, .files = e->files, .best_eval = e->best_eval,
		.stats = *po_engine_stats(e->engine),
	};

	snprintf(ck.project, sizeof(ck.project), "%s", e->project_name);
	snprintf(ck.strategy, sizeof(ck.strategy), "%s", e->strategy_name);
	return po_checkpoint_write(e->results_dir, &ck, err);
}

/*
 * Takes the state of an interrupted run from its checkpoint: *last is the
 * last iteration it finished. The convergence detector is fed the scores
 * again, which gives it the state it had.
 */
static int restore_checkpoint(struct po_experiment *e, int *last, struct po_err *err)
{
	struct po_checkpoint ck;
	size_t i;
	json_t *h;
	int ret = po_checkpoint_read(e->results_dir, e->project, &ck, err);

	if (ret)
		return ret;
	if (ck.seed != e->opts.seed || strcmp(ck.strategy, e->strategy_name)) {
		ret = po_error(err, PO_EUSAGE,
			       "the run in '%s' used seed %llu and strategy %s; resume it with --seed %llu --strategy %s, or start a new run without --resume",
			       e->results_dir, (unsigned long long)ck.seed, ck.strategy,
			       (unsigned long long)ck.seed, ck.strategy);
		po_checkpoint_release(&ck);
		return ret;
	}
	*last = ck.iteration;
	e->started = ck.started;
	e->prior_wall_s = ck.wall_seconds;
	e->baseline_score = ck.baseline_score;
	e->best_score = ck.best_score;
	e->baseline_prompts = json_incref(ck.baseline_prompts);
	e->best_prompts = json_incref(ck.best_prompts);
	json_decref(e->history);
	e->history = json_incref(ck.history);
	json_decref(e->files);
	e->files = json_incref(ck.files);
	e->best_eval = ck.best_eval;
	memset(&ck.best_eval, 0, sizeof(ck.best_eval));
	po_engine_restore_stats(e->engine, &ck.stats);
	json_array_foreach(e->history, i, h) {
		const json_t *sc = json_object_get(h, "score");
		po_convergence_update(e->conv, (int)i, json_is_number(sc) ? json_number_value(sc) :
						       po_json_num(h, "best_score", e->best_score));
	}
	e->iterations_run = ck.iteration;
	po_checkpoint_release(&ck);
	return 0;
}

int po_experiment_run(struct po_experiment *e, struct po_err *err)
{
	struct po_strategy *s = NULL;
	struct po_buf prov = PO_BUF_INIT;
	bool resumed = false;
	int ret, k, first = 0;

	if (!e->engine)
		return po_error(err, PO_EFAIL, "experiment was not set up");
	if (e->conv)
		return po_error(err, PO_EFAIL, "an experiment runs once; create a new one");
	if (interrupted(e)) {
		e->interrupted = true;
		return po_error(err, PO_EINTR, "interrupted before the baseline; nothing to save");
	}
	e->started = po_time_unix();
	e->t0_ms = po_time_mono_ms();
	e->conv = po_convergence_new(&e->opts.convergence);
	if (e->opts.resume) {
		ret = restore_checkpoint(e, &first, err);
		if (ret == PO_ENOTFOUND)
			emit_msg(e, PO_EV_INFO, "No checkpoint in %s: starting a new run",
				 e->results_dir);
		else if (ret)
			return ret;
		else
			resumed = true;
	}
	if (!resumed) {
		po_results_clear_iterations(e->results_dir);
		po_checkpoint_remove(e->results_dir);
		ret = write_inputs_copy(e, err);
		if (ret)
			return ret;
	}
	describe_providers(e, &prov);
	emit_msg(e, PO_EV_INFO,
		 "Project %s: %zu test cases, prompt '%s', up to %d iterations, strategy %s, provider %s, seed %llu",
		 e->project_name, e->project->ncases, e->project->main_prompt,
		 e->opts.max_iterations, e->strategy_name, prov.data,
		 (unsigned long long)e->opts.seed);
	po_buf_release(&prov);
	if (resumed) {
		emit_msg(e, PO_EV_INFO,
			 "Resuming after iteration %d of %d: baseline %.2f, best %.2f (checkpoint in %s)",
			 first, e->opts.max_iterations, e->baseline_score, e->best_score,
			 e->results_dir);
		goto loop;
	}
	emit_estimate(e);
	ret = run_baseline(e, err);
	if (!ret)
		ret = save_checkpoint(e, 0, err);
	if (ret == PO_EBUDGET && err) {
		struct po_buf b = PO_BUF_INIT;
		budget_advice(e, false, &b);
		po_error_prefix(err, "the baseline did not fit in the limits (nothing to save)");
		snprintf(e->budget_msg, sizeof(e->budget_msg), "%s", err->msg);
		po_error(err, PO_EBUDGET, "%s; %s", e->budget_msg, b.data);
		po_buf_release(&b);
	}
	if (ret)
		return ret;
loop:
	s = e->strategy_ops->new(e->opts.seed);
	/* A resumed run that had converged has nothing left to do. */
	if (resumed && e->opts.enable_convergence && po_convergence_should_stop(e->conv))
		first = e->opts.max_iterations;
	for (k = first + 1; k <= e->opts.max_iterations; k++) {
		if (interrupted(e)) {
			e->interrupted = true;
			break;
		}
		if (!budget_allows_iteration(e)) {
			e->budget_stopped = true;
			break;
		}
		ret = run_iteration(e, s, k, err);
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
		ret = save_checkpoint(e, k, err);
		if (ret)
			break;
		if (e->opts.enable_convergence && po_convergence_should_stop(e->conv)) {
			struct po_convergence_status st;
			po_convergence_get_status(e->conv, &st);
			e->stopped_early = k < e->opts.max_iterations;
			struct po_event ev = { .kind = PO_EV_CONVERGED, .iteration = k,
					       .max_iterations = e->opts.max_iterations,
					       .no_improvement = st.no_improvement_count,
					       .saved = e->opts.max_iterations - k };
			emit(e, &ev);
			break;
		}
	}
	e->strategy_ops->free(s);
	if (ret) {
		/* Save what was done; the first error is the one reported. */
		struct po_err ferr = { 0 };
		finish(e, &ferr);
		return ret;
	}
	ret = finish(e, err);
	if (!ret && e->interrupted)
		ret = po_error(err, PO_EINTR,
			       "interrupted after iteration %d; results so far saved in %s; to go on, run again with --resume",
			       e->iterations_run, e->results_dir);
	if (!ret && e->budget_stopped) {
		struct po_buf b = PO_BUF_INIT;
		budget_advice(e, true, &b);
		ret = po_error(err, PO_EBUDGET, "%s; stopped after iteration %d, results so far saved in %s; %s",
			       e->budget_msg, e->iterations_run, e->results_dir, b.data);
		po_buf_release(&b);
	}
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

const char *po_experiment_role_provider(const struct po_experiment *e, enum po_role role)
{
	return role_provider(e, role);
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
	json_decref(e->history);
	json_decref(e->files);
	json_decref(e->baseline_prompts);
	json_decref(e->best_prompts);
	free(e->project_name);
	free(e->provider);
	free(e->strategy_name);
	free(e->results_dir);
	free(e->docs_dir);
	free(e);
}
