/*
 * The experiment's parts share its state: this header is the contract
 * between experiment.c (the loop), setup.c (engine, config, providers),
 * estimate.c (the pre-run estimate and the limits) and final.c (the final
 * results and report). Nothing outside src/run/experiment*.c and these
 * files includes it.
 */
#ifndef PO_EXPERIMENT_INTERNAL_H
#define PO_EXPERIMENT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/project.h"
#include "eval/evaluate.h"
#include "eval/split.h"
#include "llm/llm.h"
#include "opt/accept.h"
#include "opt/archive.h"
#include "opt/integrity.h"
#include "opt/strategy.h"
#include "promptopt.h"
#include "run/checkpoint.h"
#include "run/observe.h"
#include "util/buf.h"

struct po_sim;
struct po_exp_live;

struct po_experiment {
	struct po_run_options opts;
	char *project_name, *provider, *strategy_name, *results_dir, *docs_dir;
	char *config_base_url;          /* the config's "endpoints" joined, or NULL */
	char run_id[64];
	struct po_project *project;
	struct po_engine *engine;
	int lock_fd;                    /* holds results_dir/.promptopt.lock, or -1 */
	const struct po_sim *sim;       /* borrowed from the engine's provider, or NULL */
	const struct po_strategy_ops *strategy_ops;
	struct po_strategy *strategy;   /* while the loop runs */
	json_t *strategy_params;        /* the config's "strategy" object, or NULL */
	struct po_split split;
	json_t *split_json;             /* the split as the checkpoint holds it, built once */
	struct po_split_config split_cfg; /* from --split, the config or the default */
	unsigned best_sample;           /* the sample index of best_eval */
	double noise_case_sd, noise_mean_sd; /* the noise floor, or NAN */
	struct {
		long saved_calls, dropped, accepted_early;
	} race;                         /* racing's figures (run/race.c) */
	struct {
		long compared, failed;
	} pairwise;                     /* the pairwise judge's (run/pairwise.c) */
	struct po_archive *archive;
	struct po_integrity integrity;  /* candidate checks and their counts */
	struct po_accept_config accept;
	const struct po_exp_observer *observer; /* run/observe.h, or NULL */
	struct po_checkpoint_cursor ck_cursor; /* what of the checkpoint log is on disk */
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
	bool stop_noise;          /* the noise-floor stop rule is on */
	bool stopped_by_noise;    /* and it stopped the run */
	char budget_msg[1024];          /* why the limit stopped the run */
	int64_t started;
	double t0_ms;
	double prior_wall_s;            /* a resumed run's time before this session */
	struct po_summary summary;
	struct po_exp_live *live;       /* experiment_live.c, while the run runs */
};

/* Events to the caller's callback (experiment.c). */
void po_exp_emit(const struct po_experiment *e, const struct po_event *ev);
void po_exp_msg(const struct po_experiment *e, enum po_event_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The provider name serving role r. */
const char *po_exp_role_provider(const struct po_experiment *e, int r);
/* Whether role r's calls go through the provider's batch API: the flag
 * (or batch key) for generate and judge; else the config's
 * roles.<role>.batch_api, then its "batch_api" (generate and judge). */
bool po_exp_role_batch(const struct po_experiment *e, int r);
/* When the simulator writes or judges the outputs of a project that is not
 * built in: what its scores do not mean (static), else NULL (experiment.c). */
const char *po_exp_simulated_note(const struct po_experiment *e);

/* experiment_live.c: progress.json and PO_EV_PROGRESS events. _start hooks
 * the engine (before the baseline), _event hears every event, _phase names
 * what follows the loop ("final"), _end writes the last record and frees. */
void po_exp_live_start(struct po_experiment *e);
void po_exp_live_event(const struct po_experiment *e, const struct po_event *ev);
void po_exp_live_phase(const struct po_experiment *e, const char *phase);
void po_exp_live_end(struct po_experiment *e, int status);

/* setup.c */
void po_exp_make_run_id(struct po_experiment *e);
int po_exp_make_engine(struct po_experiment *e, struct po_err *err);
int po_exp_apply_config(struct po_experiment *e, struct po_err *err);
/* Merges the strategy flags into its parameters and checks them and the
 * split's shape against the strategy (setup.c), before any call. */
int po_exp_check_strategy(struct po_experiment *e, struct po_err *err);
/* The split's spec: --split, else the config's "split", else the default. */
int po_exp_resolve_split(struct po_experiment *e, struct po_err *err);
/* The acceptance rule and its settings (after the config). */
int po_exp_resolve_accept(struct po_experiment *e, struct po_err *err);
void po_exp_describe_providers(const struct po_experiment *e, struct po_buf *out);
int po_exp_preflight(struct po_experiment *e, struct po_err *err);
int po_exp_lock_results(struct po_experiment *e, struct po_err *err);

/* race.c: acceptance on every nominee of a step (each evaluated on the
 * validation cases when it is not yet, raced under a paired rule): *top is
 * the accepted one with the largest gain, else the best-scoring one (-1:
 * none scored); the strategy and the observer hear every decision. */
int po_exp_decide(struct po_experiment *e, struct po_search *ctx, long *top, bool *accepted,
		  struct po_err *err);

/* heldout.c: the noise-floor stop rule: the last `patience` iterations
 * accepted nothing and no nominee was more than the noise floor (*floor)
 * above the best (*gain: the largest gain seen). */
bool po_exp_noise_stop(const struct po_experiment *e, double *floor, double *gain);

/* experiment.c: whether a history row counts toward the stop rules'
 * patience (a tested candidate or a lost step; not a step whose strategy
 * chose to nominate nothing), and the value the seed's detector is fed for
 * a step that scored `score` with the best then `best` (the candidate's
 * score under the greedy rule, the incumbent's under a test). */
bool po_exp_row_counted(const json_t *row);
double po_exp_detector_value(const struct po_experiment *e, double score, double best);

/* resume.c: the checkpoint after the baseline and each iteration k, and
 * the state of a checkpoint back (*last: its iteration). */
int po_exp_save_checkpoint(struct po_experiment *e, int k, struct po_err *err);
int po_exp_restore_checkpoint(struct po_experiment *e, int *last, struct po_err *err);

/* estimate.c */
/* The sizes of this run's sets, as a strategy sees them. */
void po_exp_step_shape(const struct po_experiment *e, struct po_step_shape *shape);
/* The strategy's calls of one step on this run's sets. */
void po_exp_step_estimate(const struct po_experiment *e, struct po_step_estimate *out);
void po_exp_estimate(struct po_experiment *e);
void po_exp_budget_advice(const struct po_experiment *e, bool resumable, struct po_buf *b);
bool po_exp_budget_allows(struct po_experiment *e);

/* final.c */
double po_exp_true_mean(const struct po_experiment *e, const json_t *prompts);
/* The same over the cases of `set`. */
double po_exp_true_mean_on(const struct po_experiment *e, const json_t *prompts,
			   const struct po_caseset *set);
/* The simulator's optimum over the project's test cases (NAN without it). */
double po_exp_true_optimum(const struct po_experiment *e);
int po_exp_write_inputs(struct po_experiment *e, struct po_err *err);
int po_exp_finish(struct po_experiment *e, struct po_err *err);

/* race.c: the nominee's validation evaluation (when it has none, or raced
 * under a paired rule) and acceptance's decision on it. */
int po_exp_judge_nominee(struct po_experiment *e, struct po_search *ctx, struct po_nominee *nm,
			 struct po_accept_decision *d, struct po_err *err);

/* heldout.c: with a split, the held-out figures (evaluating the baseline
 * and the best on the test cases); JSON null without one. New reference. */
json_t *po_exp_heldout(struct po_experiment *e);
/* With a split or a paired rule: the baseline measured again on the
 * validation cases (after run_baseline, or from the archive on resume);
 * sets noise_case_sd and noise_mean_sd (NAN otherwise) and says them. */
int po_exp_noise_floor(struct po_experiment *e, struct po_err *err);
/* {"case_sd", "mean_sd", "cases"}, or null. */
json_t *po_exp_noise_json(const struct po_experiment *e);

#endif
