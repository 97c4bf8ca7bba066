/*
 * The end of an experiment: optimization_final_results.json (the seed's
 * keys and ours), the best prompts, the inputs' copies and the report.
 */
#include "run/experiment_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llm/cache.h"
#include "llm/cost.h"
#include "llm/journal.h"
#include "sim/sim.h"
#include "report/report.h"
#include "run/results.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timeutil.h"

double po_exp_true_mean_on(const struct po_experiment *e, const json_t *prompts,
			   const struct po_caseset *set)
{
	const struct po_project *p = e->project;
	const char *main_t = json_string_value(json_object_get(prompts, p->main_prompt));
	const char *sys_t = p->system_prompt ?
		json_string_value(json_object_get(prompts, p->system_prompt)) : NULL;
	double sum = 0;
	size_t n = set ? set->n : p->ncases;

	if (!e->sim || !main_t || !n)
		return NAN;
	for (size_t i = 0; i < n; i++)
		sum += po_sim_true_score(e->sim, sys_t, main_t,
					 p->cases[set ? set->idx[i] : i].inputs);
	return sum / (double)n;
}

double po_exp_true_mean(const struct po_experiment *e, const json_t *prompts)
{
	return po_exp_true_mean_on(e, prompts, NULL);
}

double po_exp_true_optimum(const struct po_experiment *e)
{
	const struct po_project *p = e->project;
	const json_t **inputs = po_xcalloc(p->ncases ? p->ncases : 1, sizeof(*inputs));
	double opt;

	for (size_t i = 0; i < p->ncases; i++)
		inputs[i] = p->cases[i].inputs;
	opt = po_sim_optimum_cases(e->sim, (const json_t *const *)inputs, p->ncases);
	free(inputs);
	return opt;
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
	/* Which stop rule ran, and which one stopped the run (if one did). */
	json_object_set_new(o, "stop_rule", json_string(e->stop_noise ? "noise" : "seed"));
	json_object_set_new(o, "stopped_by", !e->stopped_early ? json_null() :
			    json_string(e->stopped_by_noise ? "noise_floor" : "seed_detector"));
	/* The seed's names: its detector's verdict and its plateau mean. */
	json_object_set_new(o, "should_stop",
			    json_boolean(e->opts.enable_convergence &&
					 po_convergence_should_stop(e->conv)));
	json_object_set_new(o, "plateau_avg", json_real(st.plateau_average));
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
	json_t *o;

	o = json_pack("{s:i, s:I, s:s, s:s, s:b, s:{s:i, s:f, s:b, s:b}}", "iterations",
			 e->opts.max_iterations, "seed", (json_int_t)e->opts.seed, "strategy",
			 e->strategy_name, "provider", e->provider, "enable_convergence",
			 e->opts.enable_convergence, "convergence", "no_improvement_threshold",
			 cc->no_improvement_threshold, "min_improvement_percent",
			 cc->min_improvement_percent, "enable_early_stop", cc->enable_early_stop,
			 "track_plateau_variance", cc->track_plateau_variance);
	json_object_set_new(o, "accept", json_pack("{s:s, s:f, s:f, s:i, s:i}", "rule",
						   po_accept_rule_name(e->accept.rule), "alpha",
						   e->accept.alpha, "min_delta", e->accept.min_delta,
						   "rounds", e->accept.rounds, "incumbent_samples",
						   e->accept.incumbent_samples));
	return o;
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

/* How the cases were split (sizes and the spec), null without a split. */
static json_t *split_json(const struct po_experiment *e)
{
	char spec[128];

	if (!e->split_cfg.enabled)
		return json_null();
	po_split_describe(&e->split_cfg, spec, sizeof(spec));
	return json_pack("{s:s, s:I, s:I, s:I}", "spec", spec, "train",
			 (json_int_t)e->split.train.n, "validation", (json_int_t)e->split.val.n,
			 "test", (json_int_t)e->split.test.n);
}

/*
 * The seed's iteration_history starts at iteration 1 (its scripts count the
 * entries); the baseline, entry 0 of e->history, goes under "baseline".
 */
static void add_history(const struct po_experiment *e, json_t *f)
{
	json_t *hist = json_array(), *h;
	size_t i;

	json_array_foreach(e->history, i, h) {
		if (po_json_int(h, "iteration", -1) == 0)
			json_object_set(f, "baseline", h);
		else
			json_array_append(hist, h);
	}
	json_object_set_new(f, "iteration_history", hist);
}

/* Racing's figures (paired acceptance) and the pairwise judge's. */
static void add_racing(const struct po_experiment *e, json_t *f)
{
	json_object_set_new(f, "racing",
			    po_accept_needs_remeasure(&e->accept) ?
				    json_pack("{s:I, s:I, s:I}", "saved_calls",
					      (json_int_t)e->race.saved_calls, "dropped_early",
					      (json_int_t)e->race.dropped, "accepted_early",
					      (json_int_t)e->race.accepted_early) :
				    json_null());
	if (e->opts.pairwise_judge)
		json_object_set_new(f, "pairwise_judge",
				    json_pack("{s:I, s:I}", "comparisons",
					      (json_int_t)e->pairwise.compared, "failed",
					      (json_int_t)e->pairwise.failed));
}

/* heldout: po_exp_heldout()'s figures, taken over. */
static json_t *final_json(struct po_experiment *e, int64_t now, json_t *heldout)
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
				    json_string(po_exp_role_provider(e, i)));
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

	f = json_pack("{s:s, s:s, s:I, s:i, s:i, s:f, s:f, s:f, s:f, s:O, s:o, s:o}",
		      "project", e->project_name, "timestamp", iso, "unixtime", (json_int_t)now,
		      "max_iterations", e->opts.max_iterations, "iterations_run", e->iterations_run,
		      "baseline_score", e->baseline_score, "final_score", e->best_score,
		      "improvement", imp, "improvement_percent",
		      e->baseline_score > 0 ? imp / e->baseline_score * 100.0 : 0.0,
		      "best_prompts", e->best_prompts, "convergence", convergence_json(e),
		      "recommendations", recommendations_json(e));
	add_history(e, f);
	json_object_set_new(f, "strategy", json_string(e->strategy_name));
	json_object_set_new(f, "provider", json_string(e->provider));
	json_object_set_new(f, "seed", json_integer((json_int_t)e->opts.seed));
	json_object_set_new(f, "models", models);
	json_object_set_new(f, "providers", providers);
	if (po_exp_simulated_note(e))
		json_object_set_new(f, "simulated_note", json_string(po_exp_simulated_note(e)));
	/* Several endpoints behind a provider: calls and errors of each. */
	{
		json_t *eps = po_engine_endpoints(e->engine);
		if (eps)
			json_object_set_new(f, "endpoints", eps);
	}
	json_object_set_new(f, "calls", calls);
	json_object_set_new(f, "tokens", tokens);
	add_accounting(e, f);
	json_object_set_new(f, "failed_evaluations", json_integer(failed));
	json_object_set_new(f, "wall_seconds",
			    json_real(e->prior_wall_s + (po_time_mono_ms() - e->t0_ms) / 1000.0));
	json_object_set_new(f, "results_dir", json_string(e->results_dir));
	json_object_set_new(f, "interrupted", json_boolean(e->interrupted));
	json_object_set_new(f, "settings", settings_json(e));
	json_object_set_new(f, "split", split_json(e));
	json_object_set_new(f, "heldout", heldout);
	json_object_set_new(f, "noise_floor", po_exp_noise_json(e));
	po_integrity_add_results(&e->integrity, e->project, e->baseline_prompts, e->best_prompts, f);
	add_racing(e, f);
	if (e->sim) {
		json_object_set_new(f, "true_score",
				    json_pack("{s:f, s:f, s:f}", "baseline",
					      po_exp_true_mean(e, e->baseline_prompts), "best",
					      po_exp_true_mean(e, e->best_prompts), "optimum",
					      po_exp_true_optimum(e)));
	} else {
		json_object_set_new(f, "true_score", json_null());
	}
	return f;
}

/* When results go elsewhere, the folder still holds the project's inputs. */
int po_exp_write_inputs(struct po_experiment *e, struct po_err *err)
{
	struct po_buf src = PO_BUF_INIT, dst = PO_BUF_INIT;
	char name[256];
	const char *inputs[2][2] = {
		{ "test_cases", e->project->test_cases_path },
		{ "config", e->project->config_path },
	};
	int ret = 0;

	for (int i = 0; i < 2 && !ret; i++) {
		const char *ext = strrchr(inputs[i][1], '.');

		/* test cases and config keep their format (.csv, .yaml, ...) */
		snprintf(name, sizeof(name), "%s_%s%s", inputs[i][0], e->project_name,
			 ext && !strchr(ext, '/') ? ext : ".json");
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

/* Prompts read from a prompts/ folder go back there in the same form:
 * the best prompts as <results>/prompts/<name>.txt. */
static int write_prompts_folder(struct po_experiment *e, struct po_err *err)
{
	const char *pp = e->project->prompts_path, *key;
	struct po_buf dir = PO_BUF_INIT, path = PO_BUF_INIT;
	json_t *v;
	int ret = 0;

	if (!pp || !*pp || pp[strlen(pp) - 1] != '/')
		return 0;
	po_fs_join(&dir, e->results_dir, "prompts");
	ret = po_fs_mkdirs(dir.data, err);
	json_object_foreach(e->best_prompts, key, v) {
		if (ret || !json_is_string(v) || strchr(key, '/') || key[0] == '.' || !key[0])
			continue;
		po_buf_reset(&path);
		po_buf_addf(&path, "%s/%s.txt", dir.data, key);
		ret = po_fs_replace(path.data, json_string_value(v), json_string_length(v), false,
				    err);
		po_buf_reset(&path);
		po_buf_addf(&path, "prompts/%s.txt", key);
		if (!ret)
			json_array_append_new(e->files, json_string(path.data));
	}
	po_buf_release(&dir);
	po_buf_release(&path);
	return ret;
}

int po_exp_finish(struct po_experiment *e, struct po_err *err)
{
	int64_t now = po_time_unix();
	char name[256];
	json_t *f;
	int ret;

	snprintf(name, sizeof(name), "prompts_%s.json", e->project_name);
	ret = po_results_write(e->results_dir, name, e->best_prompts, false, e->files, err);
	if (!ret)
		ret = write_prompts_folder(e, err);
	if (ret)
		return ret;
	json_array_append_new(e->files, json_string(PO_FINAL_RESULTS_FILE));
	json_array_append_new(e->files, json_string(PO_JOURNAL_FILE));
	/* The held-out evaluation first: its calls count in every figure. */
	f = final_json(e, now, po_exp_heldout(e));
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

