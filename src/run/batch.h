/*
 * Batch experiments (DESIGN sections 8 and 9): a plan of experiments, from
 * `--experiments N` or a JSON config, run through the public experiment API,
 * each into its own results folder, optionally in parallel and sharded over
 * machines; the result is batch_results_<id>.json (totals, per-experiment
 * results, a comparison) plus a Markdown report with a chart.
 *
 * Ownership: a struct po_batch owns its plan; json_t results returned through
 * `json_t **` are new references the caller decrefs.
 */
#ifndef PO_BATCH_H
#define PO_BATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "promptopt.h"
#include "util/buf.h"

/* Most experiments a plan may hold (after "repeat" is expanded). */
#define PO_BATCH_MAX_EXPERIMENTS 10000

/*
 * Settings every experiment of a plan gets unless its config says otherwise
 * (the command line's flags). NULL / negative means "not given".
 */
struct po_batch_defaults {
	const char *project;     /* NULL: pr-faq-validator */
	int iterations;          /* < 0: the project's config, else 20 */
	const char *provider;    /* NULL: sim */
	const char *strategy;    /* NULL: the project's config, else hillclimb */
	uint64_t seed;           /* base seed: experiment i gets seed + i; default 42 */
	bool no_convergence;     /* true: enable_convergence false by default */
	const char *split;       /* NULL: each experiment's project decides */
	const char *accept;      /* NULL: greedy */
	double alpha, min_delta; /* paired acceptance; <= 0: not given */
	int race_rounds, incumbent_samples; /* paired racing; 0: not given */
	bool pairwise_judge;     /* true: "pairwise_judge" for every experiment */
	bool batch_api;          /* true: "batch_api": true by default (--batch-api) */
};

void po_batch_defaults_init(struct po_batch_defaults *d);

struct po_batch;

/* A plan of n (1..PO_BATCH_MAX_EXPERIMENTS) experiments of the default setup. */
int po_batch_plan_default(struct po_batch **out, int n, const struct po_batch_defaults *d,
			  struct po_err *err);

/*
 * A plan from a config: {"experiments": [{...}, ...], "defaults": {...},
 * "description": "..."}. Each experiment takes the seed's keys (name,
 * project, iterations, use_real_api, enable_convergence) and any run option
 * (see docs/batch.md); "repeat": k runs it k times with consecutive seeds.
 * `name` (the file name) prefixes messages, which point at the value with
 * "name:line:col: ". An unknown key, a wrong type or a value out of range
 * fails with PO_EINPUT; text that is not JSON with PO_ESYNTAX.
 */
int po_batch_plan_parse(struct po_batch **out, const char *name, const char *text, size_t len,
			const struct po_batch_defaults *d, struct po_err *err);
/* The same from a file. */
int po_batch_plan_load(struct po_batch **out, const char *path, const struct po_batch_defaults *d,
		       struct po_err *err);

void po_batch_free(struct po_batch *b);

/* Experiments in the plan. */
size_t po_batch_size(const struct po_batch *b);
/* The normalized config of experiment i (name, project, seed, provider,
 * enable_convergence and every key given); belongs to the plan. */
const json_t *po_batch_config(const struct po_batch *b, size_t i);
/* Hex fingerprint of the plan (every config, in order): shards of one batch
 * share it. Belongs to the plan. */
const char *po_batch_fingerprint(const struct po_batch *b);

/*
 * Fills run options from a normalized config; strings point into the plan.
 * Settings the config does not give are left to the project's config (the
 * from_config bits), except the seed, which a plan always sets.
 */
void po_batch_options(const struct po_batch *b, size_t i, struct po_run_options *o);

/* The provider role r of experiment i uses: the plan's for that role, else
 * (unless the plan names the provider or model of every role) the one its
 * project's config_<project>.json gives under "roles", else the plan's
 * provider; as po_experiment_new() will decide. Reads that file (a missing
 * or bad one gives no roles); returns a new string, the caller frees it. */
char *po_batch_role_provider(const struct po_batch *b, size_t i, enum po_role r);

/* Appends the bridge folder experiment i uses (its "bridge_dir", else
 * .<project>) to out; false, with nothing appended, when none of its roles
 * uses the bridge (po_batch_role_provider). *interval (when not NULL)
 * receives its polling interval. */
bool po_batch_bridge_dir(const struct po_batch *b, size_t i, struct po_buf *out,
			 double *interval);

/* True when experiment i (0-based) belongs to shard `index` of `count`
 * (1-based; count 0 means no sharding): round-robin, i % count == index - 1. */
bool po_batch_in_shard(size_t i, int index, int count);

/* ---- running ---------------------------------------------------------- */

/*
 * Each experiment's record (an entry of experiments[]) has a "status":
 *   ok           finished (success true)
 *   failed       an error; "error" says which (results when some were saved)
 *   stopped      the call limit or budget was reached (PO_EBUDGET), results so far
 *   interrupted  stopped by the interrupt flag, results so far
 *   not_run      the batch was interrupted before it started
 */

enum po_batch_event_kind {
	PO_BATCH_EV_START,   /* an experiment starts */
	PO_BATCH_EV_DONE,    /* an experiment ended (record holds how) */
};

struct po_batch_event {
	enum po_batch_event_kind kind;
	size_t index;             /* in the plan, 0-based */
	size_t done, total;       /* experiments of this run ended so far / in all */
	const char *name;
	const json_t *record;     /* DONE: the experiment's entry of experiments[] */
};

/* A peer answering one bridge folder (e.g. a managed responder). */
struct po_batch_peer {
	const char *bridge_dir;       /* as po_batch_bridge_dir() says it */
	int (*alive)(void *userdata); /* po_run_options.peer_alive; called from the
	                               * experiments' threads, maybe several at once */
	void *userdata;
	bool is_sim;                  /* it answers with the simulator */
};

struct po_batch_run_options {
	const char *results_root;  /* default "batch_results" */
	/* Names the batch: files batch_results_<id>.json and folder <root>/<id>/.
	 * NULL: the Unix time at the start, with "-2", "-3" ... appended when
	 * that folder exists already. A given id reuses its folder (shards of
	 * one batch, or a shard run again). */
	const char *batch_id;
	int jobs;                  /* experiments at once; default 1 */
	int shard_index, shard_count; /* run only shard I of N (1-based); 0/0 = all */
	bool write_report;         /* each experiment's report and the batch's; default true */
	/* true: a provider that cannot start (po_batch_preflight) stops the
	 * whole batch before anything runs. false (default): the experiments
	 * that need it are recorded as failed, with the reason, without
	 * running, and the others run; only when none can run does the batch
	 * stop as with true. */
	bool strict;
	/* An experiment using the bridge folder of a peer gets it as its
	 * peer_alive (and bridge_peer_is_sim); the others wait for whoever
	 * answers. */
	const struct po_batch_peer *peers;
	size_t npeers;
	long max_calls;            /* shared by all experiments; 0 = no limit */
	double budget_usd;         /* shared by all experiments; 0 = no limit */
	/* Non-zero: experiments in flight stop after their current iteration
	 * (and save), the others do not start. */
	volatile int *interrupt;
	/* Progress, called with a lock held (never twice at once), from the
	 * thread that ran the experiment. May be NULL. */
	void (*on_event)(const struct po_batch_event *ev, void *userdata);
	void *userdata;
};

void po_batch_run_options_init(struct po_batch_run_options *o);

/*
 * Checks that every provider the experiments of shard `index` of `count`
 * (0/0: all) use can start, e.g. that its API key is set, before anything
 * runs. PO_ELLM otherwise, with one line naming each problem and the
 * experiments it stops: "anthropic: ANTHROPIC_API_KEY is not set; ...
 * (needed by experiment 3 "Real API Test"); nothing was run".
 */
int po_batch_preflight(const struct po_batch *b, int index, int count, struct po_err *err);

/*
 * The same check per experiment: a new array with one entry per experiment
 * of the plan, null when it can run (or is not in the shard), else the
 * problems that stop it ("anthropic: ANTHROPIC_API_KEY is not set; ...").
 * po_batch_blocked_count() says how many cannot run.
 */
json_t *po_batch_blocked(const struct po_batch *b, int index, int count);
size_t po_batch_blocked_count(const json_t *blocked);

/*
 * Runs the plan (or one shard of it) and writes <root>/batch_results_<id>.json
 * (a shard: batch_results_<id>.shard-<I>-of-<N>.json) and, unless disabled,
 * the report next to it. A failing experiment is recorded and the batch goes
 * on. Checks the providers first and writes nothing when one cannot start
 * (o->strict) or when no experiment can run; else the experiments whose
 * provider cannot start are recorded as failed (po_batch_blocked). On return *result (when not NULL) is the batch
 * result and json_path (when not NULL) the path of the JSON file.
 * Returns 0 when the file was written (whatever the experiments did),
 * PO_EINTR when interrupted (the file holds what finished), or an error.
 */
int po_batch_run(struct po_batch *b, const struct po_batch_run_options *o, json_t **result,
		 struct po_buf *json_path, struct po_err *err);

/*
 * Combines the shard results found in dirs (files
 * batch_results_*.shard-*-of-*.json) into one batch result, written to
 * out_dir (default "batch_results") as batch_results_<id>.json with its
 * report. The shards must come from one plan (same fingerprint), and every
 * experiment of the plan must be there exactly once. For the same plan and
 * seeds the merged file equals the unsharded one apart from timings.
 */
int po_batch_merge(const char *const *dirs, size_t ndirs, const char *out_dir, bool write_report,
		   json_t **result, struct po_buf *json_path, struct po_err *err);

/*
 * Builds the batch result from experiment records (an array of entries as
 * in experiments[], any order: they are sorted by index). `plan_size` and
 * `fingerprint` describe the whole plan. Used by po_batch_run and
 * po_batch_merge so both produce the same document. Returns a new object.
 */
json_t *po_batch_result_build(const json_t *records, const char *batch_id, size_t plan_size,
			      const char *fingerprint, int64_t unixtime, double elapsed_seconds);

#endif
