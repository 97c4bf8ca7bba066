/*
 * The one settings table (see settings.h). Its rows come in the order the
 * project config is checked in, then the settings a config does not hold;
 * the order of --help is each command's (cli/cmd_*.c).
 */
#include "core/settings.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define F(member) offsetof(struct po_run_options, member)
#define NO_FIELD PO_SETTING_NO_FIELD
#define MAX_SEED ((double)PO_SEED_MAX)

const struct po_setting po_settings[] = {
	/* ---- in the project's config, in the order it is checked ---- */
	{ .key = "description", .type = PO_SETTING_NONE, .config = "description",
	  .cfg_form = PO_CFG_STRING, .cfg_expect = "a string", .field = NO_FIELD },
	{ .key = "project", .type = PO_SETTING_STRING, .dflt = "pr-faq-validator",
	  .flag = "--project", .metavar = "NAME", .batch = "project", .config = "project",
	  .cfg_form = PO_CFG_STRING, .cfg_expect = "a string", .names = PO_NAMES_PROJECT,
	  .field = F(project), .help = "project to optimize (required)",
	  .batch_help = "project (default pr-faq-validator)" },
	{ .key = "main_prompt", .type = PO_SETTING_NONE, .config = "main_prompt",
	  .cfg_form = PO_CFG_STRING, .cfg_expect = "a prompt name", .field = NO_FIELD },
	{ .key = "system_prompt", .type = PO_SETTING_NONE, .config = "system_prompt",
	  .cfg_form = PO_CFG_STRING_OR_NULL, .cfg_expect = "a prompt name or null",
	  .field = NO_FIELD },
	{ .key = "strategy", .type = PO_SETTING_STRING, .dflt = "reflect", .flag = "--strategy",
	  .metavar = "NAME", .batch = "strategy", .config = "strategy",
	  .cfg_form = PO_CFG_STRATEGY, .cfg_expect = "a strategy name or an object",
	  .names = PO_NAMES_STRATEGY, .field = F(strategy), .from_config = PO_FROM_CONFIG_STRATEGY,
	  .help = "optimization strategy: reflect (default), hillclimb (the seed's),\nopro, ga or demos; parameters after colons, e.g.\nreflect:minibatch=4 (docs/strategies.md)",
	  .batch_help = "optimization strategy (default: the project's, else reflect)" },
	{ .key = "max_examples", .type = PO_SETTING_INT, .min = 1, .max = 8, .flag = "--max-examples",
	  .metavar = "N", .field = F(max_examples),
	  .help = "demos strategy: few-shot examples a prompt holds at most\n"
		  "(1-8; default: the config's strategy.max_examples, else 3)" },
	{ .key = "budget", .type = PO_SETTING_NONE, .config = "budget",
	  .cfg_form = PO_CFG_NUMBER_OR_OBJECT, .cfg_expect = "a number or an object",
	  .field = NO_FIELD },
	{ .key = "split", .type = PO_SETTING_STRING, .flag = "--split", .metavar = "SPEC",
	  .batch = "split", .config = "split", .cfg_form = PO_CFG_SPLIT, .field = F(split),
	  .from_config = PO_FROM_CONFIG_SPLIT,
	  .help = "train,validation,test fractions (e.g. 0.25,0.5,0.25), a\n"
		  "test share (0.25) or none (default: the project's, else\n"
		  "0.25,0.5,0.25 from 8 test cases on)",
	  .batch_help = "how test cases are split (see run --help)" },
	{ .key = "accept", .type = PO_SETTING_STRING, .dflt = "greedy", .flag = "--accept",
	  .metavar = "RULE", .batch = "accept", .config = "accept/rule",
	  .cfg_form = PO_CFG_ACCEPT_RULE, .field = F(accept), .from_config = PO_FROM_CONFIG_ACCEPT,
	  .help = "acceptance: greedy (a higher mean, as the seed; default)\n"
		  "or paired (a paired test against the incumbent measured\n"
		  "again on the validation cases)",
	  .batch_help = "acceptance: greedy or paired (see run --help)" },
	{ .key = "alpha", .type = PO_SETTING_NUMBER, .min = 0.0001, .max = 0.4999, .dflt = "0.05",
	  .flag = "--alpha", .metavar = "A", .batch = "alpha", .config = "accept/alpha",
	  .cfg_form = PO_CFG_NUMBER, .cfg_min = 0, .cfg_min_open = true, .field = F(accept_alpha),
	  .from_config = PO_FROM_CONFIG_ACCEPT,
	  .help = "paired acceptance: the test's level (default 0.05)",
	  .batch_help = "paired acceptance: the test's level (default 0.05)" },
	{ .key = "min_delta", .type = PO_SETTING_NUMBER, .min = 0, .max = 100, .dflt = "0",
	  .flag = "--min-delta", .metavar = "D", .batch = "min_delta", .config = "accept/min_delta",
	  .cfg_form = PO_CFG_NUMBER, .cfg_min = 0, .field = F(accept_min_delta),
	  .from_config = PO_FROM_CONFIG_ACCEPT,
	  .help = "paired acceptance: smallest gain that counts, points\n(default 0)",
	  .batch_help = "paired acceptance: smallest gain, points (default 0)" },
	{ .key = "race_rounds", .type = PO_SETTING_INT, .min = 1, .max = 8, .dflt = "2",
	  .flag = "--race-rounds", .metavar = "N", .batch = "race_rounds", .config = "accept/rounds",
	  .cfg_form = PO_CFG_INT, .cfg_min = 1, .cfg_max = 9, .field = F(accept_rounds),
	  .from_config = PO_FROM_CONFIG_ACCEPT,
	  .help = "paired acceptance: most samples of a nominee per\n"
		  "validation case, one round each (1-8, default 2)",
	  .batch_help = "paired acceptance: rounds of a nominee (default 2)" },
	{ .key = "incumbent_samples", .type = PO_SETTING_INT, .min = 1, .max = 8, .dflt = "3",
	  .flag = "--incumbent-samples", .metavar = "N", .batch = "incumbent_samples",
	  .config = "accept/incumbent_samples", .cfg_form = PO_CFG_INT, .cfg_min = 1,
	  .cfg_max = 9,
	  .field = F(accept_incumbent_samples), .from_config = PO_FROM_CONFIG_ACCEPT,
	  .help = "paired acceptance: fresh samples of the incumbent per\n"
		  "validation case (1-8, default 3)",
	  .batch_help = "paired acceptance: incumbent samples (default 3)" },
	{ .key = "max_prompt_chars", .type = PO_SETTING_LONG, .min = 0, .max = 1e9, .dflt = "0",
	  .flag = "--max-prompt-chars", .metavar = "N", .batch = "max_prompt_chars",
	  .config = "max_prompt_chars", .cfg_form = PO_CFG_INT, .cfg_min = 0,
	  .field = F(max_prompt_chars), .from_config = PO_FROM_CONFIG_LENGTH,
	  .help = "reject a candidate whose templates are longer than N\n"
		  "characters, before it is evaluated (default 0: no cap)" },
	{ .key = "length_penalty", .type = PO_SETTING_NUMBER, .min = 0, .max = 100, .dflt = "0",
	  .flag = "--length-penalty", .metavar = "P", .batch = "length_penalty",
	  .config = "length_penalty", .cfg_form = PO_CFG_NUMBER, .cfg_min = 0,
	  .field = F(length_penalty), .from_config = PO_FROM_CONFIG_LENGTH,
	  .help = "acceptance: P points off per 1000 characters a candidate\n"
		  "is longer than the baseline (default 0)" },
	{ .key = "iterations", .type = PO_SETTING_INT, .min = 0, .max = 100000, .dflt = "20",
	  .flag = "--iterations", .metavar = "N", .batch = "iterations", .config = "iterations",
	  .cfg_form = PO_CFG_INT, .cfg_min = 1, .field = F(max_iterations),
	  .from_config = PO_FROM_CONFIG_ITERATIONS,
	  .help = "maximum iterations (default: the config's, else 20)", .batch_metavar = "K",
	  .batch_help = "iterations per experiment (default: the project's, else 20)" },
	{ .key = "seed", .type = PO_SETTING_SEED, .min = 0, .max = MAX_SEED, .dflt = "42",
	  .flag = "--seed", .metavar = "N", .batch = "seed", .config = "seed",
	  .cfg_form = PO_CFG_INT, .cfg_min = 0, .field = F(seed), .from_config = PO_FROM_CONFIG_SEED,
	  .help = "random seed (default: the config's, else 42); same seed,\nsame run",
	  .batch_metavar = "S",
	  .batch_help = "base seed: experiment i (from 0) gets S + i (default 42)" },
	{ .key = "catalogue", .type = PO_SETTING_NONE, .config = "sim/catalogue",
	  .cfg_form = PO_CFG_CATALOGUE, .field = NO_FIELD },
	{ .key = "noise", .type = PO_SETTING_NUMBER, .min = 0, .max = 100, .dflt = "4",
	  .flag = "--noise", .metavar = "X", .batch = "noise", .config = "sim/noise",
	  .cfg_form = PO_CFG_NUMBER, .cfg_min = 0, .field = F(sim_noise),
	  .help = "simulator judge noise, score points (default: project, else 4)" },
	{ .key = "verbosity_bias", .type = PO_SETTING_NONE, .config = "sim/verbosity_bias",
	  .cfg_form = PO_CFG_NUMBER, .cfg_min = 0, .cfg_max = 100, .field = NO_FIELD },
	{ .key = "patience", .type = PO_SETTING_INT, .min = 1, .max = 100000, .dflt = "5",
	  .flag = "--patience", .metavar = "N", .batch = "patience",
	  .config = "convergence/no_improvement_threshold", .cfg_form = PO_CFG_INT, .cfg_min = 1,
	  .field = F(convergence.no_improvement_threshold), .from_config = PO_FROM_CONFIG_PATIENCE,
	  .help = "iterations without improvement before stopping (default 5)" },
	{ .key = "min_improvement", .type = PO_SETTING_NUMBER, .min = 0, .max = 1000,
	  .dflt = "0.1", .flag = "--min-improvement", .metavar = "P", .batch = "min_improvement",
	  .config = "convergence/min_improvement_percent", .cfg_form = PO_CFG_NUMBER,
	  .cfg_min = 0, .field = F(convergence.min_improvement_percent),
	  .from_config = PO_FROM_CONFIG_MIN_IMPROVEMENT,
	  .help = "smallest improvement that counts, percent (default 0.1)" },
	{ .key = "stop_rule", .type = PO_SETTING_STRING, .dflt = "seed", .flag = "--stop-rule",
	  .metavar = "RULE", .config = "convergence/stop_rule", .cfg_form = PO_CFG_STRING,
	  .cfg_expect = "a string (\"seed\" or \"noise\")", .field = F(stop_rule),
	  .from_config = PO_FROM_CONFIG_STOP_RULE,
	  .help = "early stop: seed (the seed's detector; default) or noise\n"
		  "(also when the last N nominees were all rejected and none\n"
		  "gained more than the noise floor)" },
	{ .key = "enable_early_stop", .type = PO_SETTING_NONE,
	  .config = "convergence/enable_early_stop", .cfg_form = PO_CFG_BOOL,
	  .cfg_expect = "true or false", .field = NO_FIELD },
	{ .key = "track_plateau_variance", .type = PO_SETTING_NONE,
	  .config = "convergence/track_plateau_variance", .cfg_form = PO_CFG_BOOL,
	  .cfg_expect = "true or false", .field = NO_FIELD },
	{ .key = "roles", .type = PO_SETTING_NONE, .config = "roles", .cfg_form = PO_CFG_ROLES,
	  .field = NO_FIELD },
	{ .key = "rubric", .type = PO_SETTING_NONE, .config = "rubric", .cfg_form = PO_CFG_RUBRIC,
	  .field = NO_FIELD },
	{ .key = "scorers", .type = PO_SETTING_NONE, .config = "scorers",
	  .cfg_form = PO_CFG_SCORERS, .field = NO_FIELD },
	{ .key = "judge", .type = PO_SETTING_NONE, .config = "judge", .cfg_form = PO_CFG_BOOL,
	  .cfg_expect = "true or false", .field = NO_FIELD },
	{ .key = "judge_weight", .type = PO_SETTING_NONE, .config = "judge_weight",
	  .cfg_form = PO_CFG_NUMBER, .cfg_min = 0, .field = NO_FIELD },
	{ .key = "judge_samples", .type = PO_SETTING_NONE, .config = "judge_samples",
	  .cfg_form = PO_CFG_INT, .cfg_min = 1, .cfg_max = 16, .field = NO_FIELD },
	{ .key = "judge_structured", .type = PO_SETTING_NONE, .config = "judge_structured",
	  .cfg_form = PO_CFG_BOOL, .cfg_expect = "true or false", .field = NO_FIELD },
	{ .key = "pairwise_judge", .type = PO_SETTING_BOOL, .dflt = "false",
	  .flag = "--pairwise-judge", .batch = "pairwise_judge", .config = "pairwise_judge",
	  .cfg_form = PO_CFG_BOOL, .cfg_expect = "true or false", .field = F(pairwise_judge),
	  .from_config = PO_FROM_CONFIG_PAIRWISE,
	  .help = "paired acceptance: per validation case, a judge compares\n"
		  "the nominee's output with the incumbent's (order drawn at\n"
		  "random) and its preference is the paired difference",
	  .batch_help = "paired acceptance by a pairwise judge (see run --help)" },
	{ .key = "base_url", .type = PO_SETTING_STRING, .flag = "--base-url", .metavar = "URL",
	  .batch = "base_url", .config = "endpoints", .cfg_form = PO_CFG_ENDPOINTS,
	  .field = F(base_url), .from_config = PO_FROM_CONFIG_ENDPOINTS,
	  .help = "API base URL, or several separated by commas (replicas,\n"
		  "balanced; default: the config's \"endpoints\", else\n"
		  "ANTHROPIC_BASE_URL / OPENAI_BASE_URL)" },

	/* ---- flags and batch keys only ---- */
	{ .key = "provider", .type = PO_SETTING_STRING, .dflt = "sim", .flag = "--provider",
	  .metavar = "NAME", .batch = "provider", .names = PO_NAMES_PROVIDER, .field = F(provider),
	  .from_config = PO_FROM_CONFIG_ROLES,
	  .help = "LLM provider for every role: bridge (default: request and\n"
		  "response files, answered by a managed auto-responder\n"
		  "that runs the simulator), sim (the simulator in-process),\n"
		  "anthropic, openai",
	  .batch_help = "LLM provider: sim (default), bridge, anthropic, openai" },
	{ .key = "use_real_api", .type = PO_SETTING_BOOL, .dflt = "false", .flag = "--real-api",
	  .flag_const = "anthropic", .batch = "use_real_api", .field = F(provider),
	  .from_config = PO_FROM_CONFIG_ROLES,
	  .help = "the same as --provider anthropic (the seed's flag)",
	  .batch_help = "the same as --provider anthropic" },
	{ .key = "generate_provider", .type = PO_SETTING_STRING, .flag = "--generate-provider",
	  .metavar = "NAME", .batch = "generate_provider", .names = PO_NAMES_PROVIDER,
	  .field = F(role_provider[PO_ROLE_GENERATE]),
	  .usage = "--generate-provider NAME, --judge-provider NAME, --mutate-provider NAME",
	  .help = "a provider for one role" },
	{ .key = "judge_provider", .type = PO_SETTING_STRING, .flag = "--judge-provider",
	  .metavar = "NAME", .batch = "judge_provider", .names = PO_NAMES_PROVIDER,
	  .field = F(role_provider[PO_ROLE_JUDGE]) },
	{ .key = "mutate_provider", .type = PO_SETTING_STRING, .flag = "--mutate-provider",
	  .metavar = "NAME", .batch = "mutate_provider", .names = PO_NAMES_PROVIDER,
	  .field = F(role_provider[PO_ROLE_MUTATE]) },
	{ .key = "model", .type = PO_SETTING_STRING, .flag = "--model", .metavar = "NAME",
	  .batch = "model", .field = F(model), .from_config = PO_FROM_CONFIG_ROLES,
	  .help = "model for every role (default: the provider's)" },
	{ .key = "generate_model", .type = PO_SETTING_STRING, .flag = "--generate-model",
	  .metavar = "NAME", .batch = "generate_model", .field = F(role_model[PO_ROLE_GENERATE]),
	  .usage = "--generate-model NAME, --judge-model NAME, --mutate-model NAME",
	  .help = "a model for one role" },
	{ .key = "judge_model", .type = PO_SETTING_STRING, .flag = "--judge-model",
	  .metavar = "NAME", .batch = "judge_model", .field = F(role_model[PO_ROLE_JUDGE]) },
	{ .key = "mutate_model", .type = PO_SETTING_STRING, .flag = "--mutate-model",
	  .metavar = "NAME", .batch = "mutate_model", .field = F(role_model[PO_ROLE_MUTATE]) },
	{ .key = "concurrency", .type = PO_SETTING_INT, .min = 1, .max = 4096, .dflt = "8",
	  .flag = "--concurrency", .metavar = "N", .batch = "concurrency", .field = F(concurrency),
	  .help = "LLM calls in flight at once (default 8)" },
	{ .key = "timeout", .type = PO_SETTING_NUMBER, .min = 0.001, .max = 86400, .dflt = "120",
	  .flag = "--timeout", .metavar = "SECONDS", .batch = "timeout",
	  .field = F(timeout_seconds),
	  .help = "per call; with the bridge, the wait for a response (default 120)" },
	{ .key = "max_attempts", .type = PO_SETTING_INT, .min = 1, .max = 100, .dflt = "5",
	  .flag = "--max-attempts", .metavar = "N", .batch = "max_attempts",
	  .field = F(max_attempts), .help = "attempts per call, retries included (default 5)" },
	{ .key = "batch_api", .type = PO_SETTING_BOOL, .dflt = "false", .flag = "--batch-api",
	  .batch = "batch_api", .config = "batch_api", .cfg_form = PO_CFG_BOOL,
	  .cfg_expect = "true or false", .field = F(batch_api),
	  .from_config = PO_FROM_CONFIG_BATCH_API,
	  .help = "send the evaluation calls (generate, judge) as provider\n"
		  "batches (anthropic, openai): half price, but a step may\n"
		  "wait hours for its batch (docs/scale.md)",
	  .batch_help = "evaluation calls through the provider's batch API" },
	{ .key = "cache", .type = PO_SETTING_BOOL, .dflt = "true", .flag = "--no-cache",
	  .batch = "cache", .field = F(use_cache), .help = "do not use the response cache" },
	{ .key = "cache_path", .type = PO_SETTING_STRING, .flag = "--cache", .metavar = "PATH",
	  .batch = "cache_path", .field = F(cache_path),
	  .help = "response cache file (default .promptopt/cache.sqlite)" },
	{ .key = "prices", .type = PO_SETTING_STRING, .flag = "--prices", .metavar = "FILE",
	  .batch = "prices", .field = F(prices_path),
	  .help = "price table to use instead of the built-in one" },
	{ .key = "max_calls", .type = PO_SETTING_LONG, .min = 1, .max = 1e9, .dflt = "0",
	  .flag = "--max-calls", .metavar = "N", .batch = "max_calls", .field = F(max_calls),
	  .help = "stop cleanly after N LLM calls",
	  .batch_help = "stop cleanly after N LLM calls, all experiments together" },
	{ .key = "budget_usd", .type = PO_SETTING_NUMBER, .min = 0.000001, .max = 1e9, .dflt = "0",
	  .flag = "--budget-usd", .metavar = "X", .batch = "budget_usd", .field = F(budget_usd),
	  .help = "stop cleanly before spending more than X dollars",
	  .batch_help = "stop cleanly before spending X dollars, all together" },
	{ .key = "bridge_dir", .type = PO_SETTING_STRING, .flag = "--bridge-dir", .metavar = "DIR",
	  .batch = "bridge_dir", .field = F(bridge_dir),
	  .help = "file bridge folder (default .NAME)" },
	{ .key = "interval", .type = PO_SETTING_NUMBER, .min = 0.001, .max = 3600, .dflt = "0.2",
	  .flag = "--interval", .metavar = "SECONDS", .batch = "interval", .field = F(poll_interval),
	  .help = "bridge polling fallback interval (default 0.2)" },
	{ .key = "enable_convergence", .type = PO_SETTING_BOOL, .dflt = "true",
	  .flag = "--no-convergence", .batch = "enable_convergence", .field = F(enable_convergence),
	  .help = "run every iteration (no early stop)",
	  .batch_help = "run every iteration (no early stop)" },
	{ .key = "results_dir", .type = PO_SETTING_STRING, .flag = "--results-dir",
	  .metavar = "DIR", .field = F(results_dir),
	  .help = "write results here (default prompt_tuning_results_NAME)" },
	{ .key = "docs_dir", .type = PO_SETTING_STRING, .dflt = "docs", .flag = "--docs-dir",
	  .metavar = "DIR", .field = F(docs_dir), .help = "write the report here (default docs)" },
	{ .key = "report", .type = PO_SETTING_BOOL, .dflt = "true", .flag = "--no-report",
	  .field = F(write_report), .help = "do not write the Markdown report" },
	{ .key = "resume", .type = PO_SETTING_BOOL, .dflt = "false", .flag = "--resume",
	  .field = F(resume),
	  .help = "continue the interrupted run in the results folder after\n"
		  "its last finished iteration (checkpoint.json); a new\n"
		  "run when there is none" },

	/* ---- batch experiments only ---- */
	{ .key = "name", .type = PO_SETTING_STRING, .batch = "name", .names = PO_NAMES_NONEMPTY,
	  .field = NO_FIELD },
	{ .key = "repeat", .type = PO_SETTING_INT, .min = 1, .max = 1000, .dflt = "1",
	  .batch = "repeat", .field = NO_FIELD },
	{ .key = NULL },
};

const struct po_setting *po_setting_find(const char *key)
{
	for (const struct po_setting *st = po_settings; st->key; st++)
		if (!strcmp(st->key, key))
			return st;
	return NULL;
}

const struct po_setting *po_setting_find_flag(const char *flag)
{
	for (const struct po_setting *st = po_settings; st->key; st++)
		if (st->flag && !strcmp(st->flag, flag))
			return st;
	return NULL;
}

const struct po_setting *po_setting_find_batch(const char *key)
{
	for (const struct po_setting *st = po_settings; st->key; st++)
		if (st->batch && !strcmp(st->batch, key))
			return st;
	return NULL;
}

void *po_setting_field(const struct po_setting *st, struct po_run_options *o)
{
	return st->field == NO_FIELD ? NULL : (char *)o + st->field;
}

void po_setting_store_json(const struct po_setting *st, const json_t *v,
			   struct po_run_options *o, unsigned clear)
{
	void *p = po_setting_field(st, o);

	if (!p)
		return;
	switch (st->type) {
	case PO_SETTING_STRING:
		*(const char **)p = json_string_value(v);
		break;
	case PO_SETTING_BOOL:
		*(bool *)p = json_is_true(v);
		break;
	case PO_SETTING_INT:
		*(int *)p = (int)json_integer_value(v);
		break;
	case PO_SETTING_LONG:
		*(long *)p = (long)json_integer_value(v);
		break;
	case PO_SETTING_NUMBER:
		*(double *)p = json_number_value(v);
		break;
	case PO_SETTING_SEED:
		*(uint64_t *)p = (uint64_t)json_integer_value(v);
		break;
	case PO_SETTING_NONE:
		break;
	}
	o->from_config &= ~(st->from_config & clear);
}
