/*
 * Setting an experiment up: its run id, the config's settings, the
 * providers' credentials, the results folder's lock and the engine.
 */
#include "run/experiment_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge/bridge.h"
#include "llm/cache.h"
#include "llm/journal.h"
#include "llm/provider.h"
#include "core/split_spec.h"
#include "run/roles.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/rng.h"
#include "util/timeutil.h"

/* A run id no earlier run has used: bridge files of old runs never match it. */
void po_exp_make_run_id(struct po_experiment *e)
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
/* The provider settings every role shares (the name is set per role). */
static void provider_spec(const struct po_experiment *e, struct po_provider_spec *spec,
			  struct po_buf *bdir)
{
	po_provider_spec_init(spec);
	spec->base_url = e->opts.base_url;
	spec->concurrency = e->opts.concurrency;
	spec->timeout_s = e->opts.timeout_seconds;
	spec->max_attempts = e->opts.max_attempts;
	spec->interrupt = e->opts.interrupt;
	spec->shared = e->opts.shared;
	spec->prices_path = e->opts.prices_path;
	spec->seed = e->opts.seed;
	spec->catalogue = e->project->sim_catalogue;
	if (e->opts.sim_noise >= 0)
		spec->noise = e->opts.sim_noise;
	else
		spec->noise = po_json_num(json_object_get(e->project->config, "sim"), "noise",
					  spec->noise);
	spec->verbosity_bias = po_json_num(json_object_get(e->project->config, "sim"),
					   "verbosity_bias", 0);
	po_bridge_default_dir(bdir, e->opts.bridge_dir, e->project_name);
	spec->bridge_dir = bdir->data;
	spec->run_id = e->run_id;
	spec->poll_interval = e->opts.poll_interval;
	spec->peer_alive = e->opts.peer_alive;
	spec->peer_userdata = e->opts.peer_userdata;
	spec->peer_is_sim = e->opts.bridge_peer_is_sim;
}

bool po_exp_role_batch(const struct po_experiment *e, int r)
{
	const json_t *cfg = e->project->config, *v;
	bool all = e->opts.batch_api;

	if (e->opts.from_config & PO_FROM_CONFIG_BATCH_API) {
		v = json_object_get(json_object_get(json_object_get(cfg, "roles"),
						    po_role_name((enum po_role)r)), "batch_api");
		if (json_is_boolean(v))
			return json_is_true(v);
		all = po_json_bool(cfg, "batch_api", all);
	}
	return all && r != PO_ROLE_MUTATE;
}

/* The roles of provider `name` that go through its batch API; usage error
 * when a role of another provider asks for it. */
static int batch_roles(const struct po_experiment *e, const char *name, unsigned *mask,
		       struct po_err *err)
{
	*mask = 0;
	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		const char *p = po_exp_role_provider(e, r);

		if (!po_exp_role_batch(e, r))
			continue;
		if (strcmp(p, "anthropic") && strcmp(p, "openai"))
			return po_error(err, PO_EUSAGE,
					"--batch-api: the %s role uses provider %s, which has no batch API; use anthropic or openai for it, or drop --batch-api (\"batch_api\" in the config)",
					po_role_name((enum po_role)r), p);
		if (!strcmp(p, name))
			*mask |= 1u << r;
	}
	return 0;
}

/* Frees the providers built so far (each distinct one once). */
static void free_providers(struct po_provider *roles[PO_ROLE_COUNT])
{
	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		if (!roles[r])
			continue;
		for (int q = r + 1; q < PO_ROLE_COUNT; q++)
			if (roles[q] == roles[r])
				roles[q] = NULL;
		roles[r]->ops->free(roles[r]);
	}
}

/* The engine around the roles' providers, which it owns from here (on
 * failure too). */
static int new_engine(struct po_experiment *e, struct po_provider *roles[PO_ROLE_COUNT],
		      struct po_err *err)
{
	struct po_engine_config ec;
	struct po_buf jpath = PO_BUF_INIT;
	int ret;

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
	for (int r = 0; r < PO_ROLE_COUNT; r++)
		ec.batch_roles |= po_exp_role_batch(e, r) ? 1u << r : 0;
	ec.max_calls = e->opts.max_calls;
	ec.budget_usd = e->opts.budget_usd;
	ec.shared = e->opts.shared;
	ret = po_engine_new(&e->engine, &ec, err);
	po_buf_release(&jpath);
	return ret;
}

int po_exp_make_engine(struct po_experiment *e, struct po_err *err)
{
	struct po_provider *roles[PO_ROLE_COUNT] = { 0 };
	struct po_provider_spec spec;
	struct po_buf bdir = PO_BUF_INIT, state = PO_BUF_INIT;
	int ret = 0;

	provider_spec(e, &spec, &bdir);
	for (int r = 0; r < PO_ROLE_COUNT && !ret; r++) {
		const char *name = po_exp_role_provider(e, r);
		const char *model = e->opts.role_model[r] ? e->opts.role_model[r] : e->opts.model;

		for (int q = 0; q < r && !roles[r]; q++)
			if (!strcmp(po_exp_role_provider(e, q), name))
				roles[r] = roles[q];
		if (!roles[r]) {
			struct po_sim *sim = NULL;
			spec.name = name;
			ret = batch_roles(e, name, &spec.batch_roles, err);
			if (ret)
				break;
			po_buf_reset(&state);
			po_fs_join(&state, e->results_dir, "batch_api_");
			po_buf_addf(&state, "%s.json", name);
			spec.batch_state_path = state.data;
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
	if (!ret)
		ret = new_engine(e, roles, err);
	else
		free_providers(roles);
	if (ret)
		e->sim = NULL;
	po_buf_release(&bdir);
	po_buf_release(&state);
	return ret;
}

/*
 * Keys of the config that are accepted (type-checked) but change nothing in
 * this run are said, never silently ignored.
 */
static void warn_unapplied(struct po_experiment *e)
{
	if (json_object_get(e->project->config, "budget"))
		po_exp_msg(e, PO_EV_WARNING,
			   "%s: \"budget\" is not applied (promptopt does not read it); set limits with --budget-usd X and --max-calls N (batch keys budget_usd, max_calls), and remove it",
			   e->project->config_path);
}

/* The strategy named by a flag is the config's: its parameters too (unless
 * the flag gave its own). */
/* The config's strategy object, checked, as the run's parameters. */
static int take_strategy_params(struct po_experiment *e, const json_t *strat, struct po_err *err)
{
	int ret = po_strategy_check_params(strat, err);

	if (ret) {
		po_error_prefix(err, "%s", e->project->config_path);
		return ret;
	}
	json_decref(e->strategy_params);
	e->strategy_params = json_incref((json_t *)strat);
	return 0;
}

static int same_strategy_params(struct po_experiment *e, const json_t *strat, struct po_err *err)
{
	if (e->strategy_params || !json_is_object(strat) ||
	    strcmp(po_json_str(strat, "name", ""), e->strategy_name))
		return 0;
	return take_strategy_params(e, strat, err);
}

/* The config's "convergence" object, where the caller left it to it. */
static void apply_convergence(struct po_experiment *e, const json_t *conv, unsigned m)
{
	struct po_convergence_config *cc = &e->opts.convergence;

	if (m & PO_FROM_CONFIG_PATIENCE)
		cc->no_improvement_threshold = (int)po_json_int(conv, "no_improvement_threshold",
								cc->no_improvement_threshold);
	if (m & PO_FROM_CONFIG_MIN_IMPROVEMENT)
		cc->min_improvement_percent = po_json_num(conv, "min_improvement_percent",
							  cc->min_improvement_percent);
	if (m & PO_FROM_CONFIG_STOP_RULE)
		e->opts.stop_rule = po_json_str(conv, "stop_rule", e->opts.stop_rule);
	if (m & PO_FROM_CONFIG_EARLY_STOP) {
		cc->enable_early_stop = po_json_bool(conv, "enable_early_stop", cc->enable_early_stop);
		cc->track_plateau_variance = po_json_bool(conv, "track_plateau_variance",
							  cc->track_plateau_variance);
	}
}

/* The config's endpoints (joined, owned from here) as the base URL. */
static void take_endpoints(struct po_experiment *e, char *urls)
{
	if (!urls)
		return;
	free(e->config_base_url);
	e->config_base_url = urls;
	e->opts.base_url = urls;
}

/*
 * The project's config supplies the settings the caller left to it (see
 * from_config in promptopt.h). The loader has checked the types already.
 */
int po_exp_apply_config(struct po_experiment *e, struct po_err *err)
{
	const json_t *cfg = e->project->config;
	const json_t *conv = json_object_get(cfg, "convergence");
	const json_t *strat = json_object_get(cfg, "strategy");
	unsigned m = e->opts.from_config;

	if ((m & PO_FROM_CONFIG_ITERATIONS) && json_is_integer(json_object_get(cfg, "iterations")))
		e->opts.max_iterations = (int)po_json_int(cfg, "iterations", 20);
	if ((m & PO_FROM_CONFIG_SEED) && json_is_integer(json_object_get(cfg, "seed")))
		e->opts.seed = (uint64_t)po_json_int(cfg, "seed", 42);
	if (!(m & PO_FROM_CONFIG_STRATEGY)) {
		int ret = same_strategy_params(e, strat, err);
		if (ret)
			return ret;
	}
	if (m & PO_FROM_CONFIG_STRATEGY) {
		const char *name = json_is_string(strat) ? json_string_value(strat) :
							   po_json_str(strat, "name", NULL);
		if (json_is_object(strat)) {
			int ret = take_strategy_params(e, strat, err);
			if (ret)
				return ret;
		}
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
		for (int r = 0; r < PO_ROLE_COUNT; r++) {
			const char *model;

			e->opts.role_provider[r] = po_roles_provider(&e->opts,
								     json_object_get(cfg, "roles"),
								     (enum po_role)r);
			po_roles_config(json_object_get(cfg, "roles"), (enum po_role)r, &model);
			if (!e->opts.role_model[r])
				e->opts.role_model[r] = model;
		}
	}
	if (m & PO_FROM_CONFIG_ACCEPT) {
		const json_t *acc = json_object_get(cfg, "accept");
		e->opts.accept = po_json_str(acc, "rule", e->opts.accept);
		e->opts.accept_alpha = po_json_num(acc, "alpha", e->opts.accept_alpha);
		e->opts.accept_min_delta = po_json_num(acc, "min_delta", e->opts.accept_min_delta);
		e->opts.accept_rounds = (int)po_json_int(acc, "rounds", e->opts.accept_rounds);
		e->opts.accept_incumbent_samples = (int)po_json_int(acc, "incumbent_samples",
								     e->opts.accept_incumbent_samples);
		if (!(e->opts.accept_alpha < 0.5))
			return po_error(err, PO_EINPUT,
					"%s: accept.alpha is %g; use a level above 0 and below 0.5 (e.g. 0.05)",
					e->project->config_path, e->opts.accept_alpha);
	}
	if (m & PO_FROM_CONFIG_LENGTH) {
		e->opts.max_prompt_chars = (long)po_json_int(cfg, "max_prompt_chars",
							     e->opts.max_prompt_chars);
		e->opts.length_penalty = po_json_num(cfg, "length_penalty", e->opts.length_penalty);
	}
	if (m & PO_FROM_CONFIG_ENDPOINTS) {
		char *urls;

		po_roles_endpoints(cfg, &urls); /* the loader has checked them */
		take_endpoints(e, urls);
	}
	if (m & PO_FROM_CONFIG_PAIRWISE)
		e->opts.pairwise_judge = po_json_bool(cfg, "pairwise_judge", e->opts.pairwise_judge);
	apply_convergence(e, conv, m);
	warn_unapplied(e);
	return 0;
}

/* The strategy's parameters given as flags, merged into the config's and
 * checked like them; then the strategy's own check of the split's shape. */
int po_exp_check_strategy(struct po_experiment *e, struct po_err *err)
{
	struct po_step_shape shape;
	int ret = 0;

	po_exp_step_shape(e, &shape);
	if (e->opts.max_examples) {
		json_t *p = e->strategy_params ? json_deep_copy(e->strategy_params) : json_object();
		json_object_set_new(p, "name", json_string(e->strategy_ops->name));
		json_object_set_new(p, "max_examples", json_integer(e->opts.max_examples));
		json_decref(e->strategy_params);
		e->strategy_params = p;
		ret = po_strategy_check_params(p, err);
		if (ret)
			po_error_prefix(err, "--max-examples");
	}
	if (!ret && e->strategy_ops->check_shape) {
		struct po_strategy *s = e->strategy_ops->new(e->strategy_params, e->opts.seed);
		ret = e->strategy_ops->check_shape(s, &shape, err);
		e->strategy_ops->free(s);
	}
	return ret;
}

/* "bridge", or "anthropic (judge: openai/gpt-4o-mini)" when roles differ. */
void po_exp_describe_providers(const struct po_experiment *e, struct po_buf *out)
{
	int own = 0, n = 0;

	for (int r = 0; r < PO_ROLE_COUNT; r++)
		own += !strcmp(po_exp_role_provider(e, r), e->provider);
	/* The run-wide provider is named only when some role uses it. */
	if (own)
		po_buf_adds(out, e->provider);
	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		if (!strcmp(po_exp_role_provider(e, r), e->provider) && !e->opts.role_model[r])
			continue;
		po_buf_addf(out, "%s%s: %s", n++ ? ", " : own ? " (" : "",
			    po_role_name((enum po_role)r), po_exp_role_provider(e, r));
		if (e->settings.models[r])
			po_buf_addf(out, "/%s", e->settings.models[r]);
	}
	if (own && n)
		po_buf_addch(out, ')');
}

/* Credentials of every role's provider, before anything is created. */
int po_exp_preflight(struct po_experiment *e, struct po_err *err)
{
	/* Before the project is loaded: the base URLs its config may give
	 * (unusable ones: the loader says where, then this runs again). */
	if (!e->project && (e->opts.from_config & PO_FROM_CONFIG_ENDPOINTS) &&
	    !e->config_base_url) {
		char *urls;

		if (po_roles_project_endpoints(e->project_name, &urls) < 0)
			return 0;
		take_endpoints(e, urls);
	}
	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		struct po_provider_spec spec;
		int ret;

		po_provider_spec_init(&spec);
		spec.name = po_exp_role_provider(e, r);
		spec.base_url = e->opts.base_url;
		ret = po_provider_preflight(&spec, err);
		if (ret)
			return ret;
	}
	return 0;
}

/* One run writes into a results folder at a time: a second one would mix
 * its iteration files with the first's. */
int po_exp_lock_results(struct po_experiment *e, struct po_err *err)
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

int po_exp_resolve_split(struct po_experiment *e, struct po_err *err)
{
	const json_t *v = json_object_get(e->project->config, "split");
	struct po_src src = { .path = e->project->config_path, .text = "", .len = 0 };

	if (e->opts.split)
		return po_split_spec_parse(e->opts.split, &e->split_cfg, err);
	if (v && (e->opts.from_config & PO_FROM_CONFIG_SPLIT))
		return po_split_config_parse(&src, v, &e->split_cfg, err);
	po_split_config_default(&e->split_cfg, e->project->ncases);
	return 0;
}

/* The pairwise judge without paired acceptance: said in the words of
 * whoever asked for it, the config or the command line. */
static int pairwise_needs_paired(struct po_experiment *e, struct po_err *err)
{
	if ((e->opts.from_config & PO_FROM_CONFIG_PAIRWISE) &&
	    json_is_true(json_object_get(e->project->config, "pairwise_judge")))
		return po_error(err, PO_EINPUT,
				"%s: \"pairwise_judge\" is true but acceptance is %s; the pairwise judge compares a nominee's outputs with the incumbent's measured again, which only paired acceptance does: set \"accept\": {\"rule\": \"paired\"} (or run with --accept paired)",
				e->project->config_path, po_accept_rule_name(e->accept.rule));
	return po_error(err, PO_EUSAGE,
			"--pairwise-judge needs paired acceptance (--accept paired): the %s rule compares means and measures no incumbent output to compare with",
			po_accept_rule_name(e->accept.rule));
}

int po_exp_resolve_accept(struct po_experiment *e, struct po_err *err)
{
	const char *rule = e->opts.stop_rule ? e->opts.stop_rule : "seed";

	if (strcmp(rule, "seed") && strcmp(rule, "noise")) {
		const json_t *conv = json_object_get(e->project->config, "convergence");
		if (rule == po_json_str(conv, "stop_rule", NULL))
			return po_error(err, PO_EINPUT,
					"%s: convergence.stop_rule: unknown stop rule '%s'; use \"seed\" or \"noise\"",
					e->project->config_path, rule);
		return po_error(err, PO_EUSAGE, "unknown stop rule '%s'; use seed or noise", rule);
	}
	e->stop_noise = !strcmp(rule, "noise");
	if (po_accept_rule_parse(e->opts.accept ? e->opts.accept : "greedy", &e->accept.rule) < 0)
		return po_error(err, PO_EUSAGE, "unknown acceptance rule '%s'; use greedy or paired",
				e->opts.accept);
	if (e->opts.pairwise_judge && e->accept.rule != PO_ACCEPT_PAIRED)
		return pairwise_needs_paired(e, err);
	e->accept.alpha = e->opts.accept_alpha > 0 ? e->opts.accept_alpha : 0.05;
	e->accept.min_delta = e->opts.accept_min_delta;
	if (e->opts.accept_rounds > 0)
		e->accept.rounds = e->opts.accept_rounds;
	if (e->opts.accept_incumbent_samples > 0)
		e->accept.incumbent_samples = e->opts.accept_incumbent_samples;
	e->accept.seed = e->opts.seed;
	e->accept.min_improvement_percent = e->opts.convergence.min_improvement_percent;
	e->integrity.max_prompt_chars = e->opts.max_prompt_chars;
	e->integrity.length_penalty = e->opts.length_penalty;
	return 0;
}
