/*
 * promptopt — public C API: status codes, the convergence detector and
 * running an experiment from C (the seed's AutonomousExperiment).
 *
 * Ownership: handles returned by *_new() are freed with the matching
 * *_free(); strings passed in are copied; strings returned as `const char *`
 * belong to the handle and live until it is freed.
 * The library never prints and never exits: it returns 0 or a negative
 * status and, when given a struct po_err, puts a one-line message in it.
 */
#ifndef PROMPTOPT_H
#define PROMPTOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PO_VERSION "0.1.0"

/*
 * Status codes. Library functions return 0 or one of these (negative);
 * the command line exits with the absolute value, so each class of failure
 * has its own exit code (documented in `promptopt --help` and the README).
 */
enum po_status {
	PO_OK = 0,
	PO_EFAIL = -1,        /* anything not covered below */
	PO_EUSAGE = -2,       /* bad command line: unknown flag, bad number */
	PO_ENAME = -3,        /* invalid project name */
	PO_ESYNTAX = -4,      /* a project file is not valid JSON */
	PO_EINPUT = -5,       /* a project file has the wrong shape or values */
	PO_ETEMPLATE = -6,    /* a template uses a placeholder with no input */
	PO_EIO = -7,          /* a file or folder cannot be read or written */
	PO_ELLM = -8,         /* the LLM provider failed */
	PO_EEVAL = -9,        /* evaluation produced no usable score */
	PO_ENOTFOUND = -10,   /* no such project / results */
	PO_EINTR = -11,       /* interrupted (SIGINT/SIGTERM) */
	PO_EBUDGET = -12,     /* --max-calls or --budget-usd reached (results so far saved) */
	PO_EBUSY = -13,       /* another run is writing to the same results folder */
};

/* The three kinds of LLM call. */
enum po_role { PO_ROLE_GENERATE, PO_ROLE_JUDGE, PO_ROLE_MUTATE, PO_ROLE_COUNT };

/* A caller-provided error buffer: the message of the last failure. */
struct po_err {
	int code;
	char msg[1024];
};

/* A static string naming a status ("invalid input", ...). */
const char *po_strstatus(int status);

/* ---- convergence detection (the seed's ConvergenceDetector) ---------- */

struct po_convergence_config {
	int no_improvement_threshold;   /* default 5 */
	double min_improvement_percent; /* default 0.1 (percent of the best) */
	bool enable_early_stop;         /* default true */
	bool track_plateau_variance;    /* default true */
};

/* Fills *cfg with the seed's defaults. */
void po_convergence_config_init(struct po_convergence_config *cfg);

struct po_convergence_status {
	bool converged;
	int convergence_iteration;  /* 0 when not converged */
	int wasted_iterations;      /* iterations recorded after convergence */
	int total_iterations;       /* updates recorded */
	int no_improvement_count;   /* consecutive non-significant updates */
	int last_improvement_iteration; /* iteration of the last significant gain */
	double best_score;
	double plateau_variance;    /* max - min over the plateau (the seed's "±") */
	double plateau_stddev;      /* sample standard deviation over the plateau */
	double plateau_average;
	int plateau_length;         /* scores in the plateau */
};

struct po_convergence;

/* Returns a new detector; cfg NULL means defaults. Never NULL (OOM aborts). */
struct po_convergence *po_convergence_new(const struct po_convergence_config *cfg);
void po_convergence_free(struct po_convergence *c);

/*
 * Records the score of an iteration (the baseline is iteration 0).
 * Returns true when the score is a significant improvement over the best so
 * far: at least min_improvement_percent of the best (any gain when the best
 * is 0 or below).
 */
bool po_convergence_update(struct po_convergence *c, int iteration, double score);

/*
 * An iteration that tested no candidate (the strategy nominated none): not
 * counted toward the patience, but the run got that far (the
 * recommendations name the iterations run).
 */
void po_convergence_skip(struct po_convergence *c, int iteration);

/* True once converged and early stopping is enabled. */
bool po_convergence_should_stop(const struct po_convergence *c);

void po_convergence_get_status(const struct po_convergence *c,
			       struct po_convergence_status *st);

/*
 * Writes the seed's recommendations for a run planned for max_iterations,
 * one per line without numbering, into buf (NUL-terminated, truncated to
 * size). Returns the number of recommendations.
 */
int po_convergence_recommendations(const struct po_convergence *c, int max_iterations,
				   char *buf, size_t size);

/* ---- experiments ------------------------------------------------------ */

enum po_event_kind {
	PO_EV_INFO,        /* message */
	PO_EV_BASELINE,    /* score */
	PO_EV_ITERATION,   /* iteration, max_iterations, score, best, previous_best, improved */
	PO_EV_CONVERGED,   /* iteration, no_improvement, saved */
	PO_EV_WARNING,     /* message */
	/* A batch of LLM calls started or ended (for a live display; no text):
	 * iteration (the one in flight, 0: the baseline), max_iterations, best
	 * (NAN before the baseline), and the progress fields below. */
	PO_EV_PROGRESS,
};

/* What a run has done so far (PO_EV_PROGRESS, and progress.json). */
struct po_progress_info {
	const char *phase;    /* "baseline", "iterating", "final" */
	long step_done;       /* calls answered in the step in flight */
	long step_total;      /* the strategy's estimate of them; 0: unknown */
	long calls;           /* calls answered in the run, cache hits included */
	long max_calls;       /* 0: no limit */
	double spent_usd;
	double budget_usd;    /* 0: no limit */
	double elapsed_s;     /* this session's */
	double eta_s;         /* to max_iterations at the pace so far; NAN: unknown */
};

struct po_event {
	enum po_event_kind kind;
	const char *message;
	int iteration;
	int max_iterations;
	double score;
	double best;
	double previous_best;
	bool improved;
	int no_improvement;
	int saved;
	/* PO_EV_BASELINE, PO_EV_ITERATION: test cases of the scored candidate,
	 * and how many of them failed (left out of its score). */
	int cases;
	int failed;
	const struct po_progress_info *progress; /* PO_EV_PROGRESS; NULL otherwise */
};

struct po_run_options {
	const char *project;        /* required */
	int max_iterations;         /* default 20 */
	const char *provider;       /* "sim" (default), "bridge", "anthropic", "openai" */
	const char *strategy;       /* "hillclimb" (default) */
	/* Parameters of the strategy given as flags, beating the config's
	 * "strategy" object; 0: not given. demos: examples per template, 1-8. */
	int max_examples;
	/* How the test cases are split into train, validation and held-out test
	 * ("none", a test share "0.25", or "0.25,0.5,0.25"); NULL: the project's
	 * config, else the default (0.25/0.5/0.25 from 8 test cases on). */
	const char *split;
	/* Acceptance: "greedy" (the seed's: a higher mean; default) or "paired"
	 * (a one-sided paired bootstrap test on the validation cases against the
	 * incumbent measured again, at level accept_alpha, default 0.05; the
	 * lower bound of the gain must exceed accept_min_delta points, default 0). */
	const char *accept;
	double accept_alpha;
	double accept_min_delta;
	/* Paired racing (docs/bench.md): the most samples of a nominee
	 * per validation case (0: 2), and the fresh samples of the incumbent
	 * per case its comparisons use (0: 3). */
	int accept_rounds;
	int accept_incumbent_samples;
	/* Paired acceptance only: each validation case's difference is a
	 * pairwise judge's preference between the nominee's and the incumbent's
	 * outputs (x 100, nominee-relative) instead of the difference of two
	 * absolute judge scores. Default false. */
	bool pairwise_judge;
	/* When to stop early: "seed" (the seed's detector, default) or "noise"
	 * (also when the last `patience` nominees were all rejected and none
	 * gained more than the noise floor of a validation mean). */
	const char *stop_rule;
	/* Prompt length (characters of the templates a run renders): a candidate
	 * longer than max_prompt_chars is rejected before it is evaluated (0: no
	 * cap, the default); acceptance takes length_penalty points off a
	 * candidate per 1000 characters it is longer than the baseline, against
	 * the same for the incumbent (default 0: none). */
	long max_prompt_chars;
	double length_penalty;
	uint64_t seed;              /* default 42 */
	bool enable_convergence;    /* default true */
	struct po_convergence_config convergence;
	double sim_noise;           /* simulator judge noise (sd, score points); < 0: the project's
	                             * config (sim.noise), else 4. Default -1 */
	const char *results_dir;    /* default prompt_tuning_results_<project> */
	const char *docs_dir;       /* default "docs" */
	bool write_report;          /* default true */
	/* Continue the run whose checkpoint.json is in the results folder, after
	 * its last finished iteration (same seed and strategy); without one, a
	 * new run starts. Default false: a new run replaces the folder's results. */
	bool resume;
	/* Progress callback (may be NULL), called from the running thread. */
	void (*on_event)(const struct po_event *ev, void *userdata);
	/* Also send PO_EV_PROGRESS events (a live display); default false. */
	bool progress_events;
	void *userdata;
	/* Set to non-zero (e.g. from a signal handler) to stop once the iteration in
	 * flight is done (results so far are saved). */
	volatile int *interrupt;
	/*
	 * Settings the project's config_<project>.json may supply (PO_FROM_CONFIG_*
	 * bits): for each bit set, a value in the config replaces the one above.
	 * Default 0: what the caller sets is what runs. The command line sets every
	 * bit except those of the flags given, so flags beat the config, which beats
	 * the built-in defaults.
	 */
	unsigned from_config;

	/* ---- LLM calls (DESIGN sections 3 and 4) ---- */
	/* Per role (index PO_ROLE_GENERATE/JUDGE/MUTATE): NULL = `provider`, `model`. */
	const char *role_provider[PO_ROLE_COUNT];
	const char *role_model[PO_ROLE_COUNT];
	const char *model;          /* NULL: the provider's default */
	const char *base_url;       /* NULL: the provider's environment variable, else its default */
	int concurrency;            /* calls in flight at once; default 8 */
	double timeout_seconds;     /* per call (bridge: wait for a response); default 120 */
	int max_attempts;           /* per call, retries included; default 5 */
	bool use_cache;             /* default true (HTTP providers) */
	const char *cache_path;     /* default .promptopt/cache.sqlite */
	const char *prices_path;    /* NULL: the built-in price table */
	/* Evaluation calls (generate, judge) through the provider's batch API
	 * (anthropic, openai): half price, answers within hours. Default false. */
	bool batch_api;
	long max_calls;             /* stop cleanly after this many calls; 0 = no limit */
	double budget_usd;          /* stop cleanly before spending more; 0 = no limit */
	/* File bridge: folder (default .<project>), polling fallback interval. */
	const char *bridge_dir;
	double poll_interval;       /* seconds; default 0.2 */
	/* Called while waiting on the bridge: 0 = the responder is gone (the wait
	 * fails at once instead of timing out). May be NULL. */
	int (*peer_alive)(void *userdata);
	void *peer_userdata;
	/* The bridge is answered by a simulator (`respond --provider sim`): the run
	 * keeps one too, for the ground truth (true_score). Default false. */
	bool bridge_peer_is_sim;
	/* Limits shared by several experiments (a batch); NULL = this run's own. */
	struct po_shared *shared;
};

/*
 * Limits and accounting shared by experiments running at once (a batch with
 * --jobs): one call/budget counter and one rate-limit state, so parallel
 * experiments do not stampede a provider. Thread-safe.
 */
struct po_shared;
struct po_shared *po_shared_new(long max_calls, double budget_usd);
void po_shared_free(struct po_shared *s);

enum {
	PO_FROM_CONFIG_ITERATIONS = 1u << 0,   /* "iterations" */
	PO_FROM_CONFIG_STRATEGY = 1u << 1,     /* "strategy" (a name, or {"name": ...}) */
	PO_FROM_CONFIG_SEED = 1u << 2,         /* "seed" */
	PO_FROM_CONFIG_PATIENCE = 1u << 3,     /* convergence.no_improvement_threshold */
	PO_FROM_CONFIG_MIN_IMPROVEMENT = 1u << 4, /* convergence.min_improvement_percent */
	PO_FROM_CONFIG_EARLY_STOP = 1u << 5,   /* convergence.enable_early_stop, track_plateau_variance */
	/* "roles": provider and model per role, where role_provider[r] /
	 * role_model[r] are not set (clear it when the run names a provider or
	 * model for all roles: the command line then decides) */
	PO_FROM_CONFIG_ROLES = 1u << 6,
	PO_FROM_CONFIG_SPLIT = 1u << 7,        /* "split" */
	PO_FROM_CONFIG_ACCEPT = 1u << 8,       /* "accept": rule, alpha, min_delta */
	PO_FROM_CONFIG_LENGTH = 1u << 9,       /* "max_prompt_chars", "length_penalty" */
	PO_FROM_CONFIG_STOP_RULE = 1u << 10,   /* convergence.stop_rule */
	PO_FROM_CONFIG_ENDPOINTS = 1u << 11,   /* "endpoints": the base URLs (base_url) */
	PO_FROM_CONFIG_PAIRWISE = 1u << 12,    /* "pairwise_judge" */
	PO_FROM_CONFIG_BATCH_API = 1u << 13,   /* "batch_api", roles.<role>.batch_api */
	PO_FROM_CONFIG_ALL = 0x3fffu,
};

void po_run_options_init(struct po_run_options *opts);

/* What an experiment produced (also readable back from its results folder). */
struct po_summary {
	char project[128];
	char strategy[32];
	char provider[32];
	uint64_t seed;
	int max_iterations;
	int iterations_run;
	double baseline_score;
	double final_score;
	double improvement;         /* points */
	double improvement_percent;
	bool converged;
	int convergence_iteration;
	int wasted_iterations;
	int no_improvement_count;
	double plateau_variance;
	double plateau_average;
	long calls;
	double wall_seconds;
	double true_best_score;     /* simulator only; negative when unknown */
	double true_baseline_score; /* simulator only; negative when unknown */
	double true_optimum;        /* simulator only: the best any prompt can reach; negative when unknown */
	char results_dir[512];
	char report_path[512];
};

struct po_experiment;

/* Validates options and loads (or creates) the project. On failure *out may
 * still be set (free it with po_experiment_free, which accepts NULL). */
int po_experiment_new(struct po_experiment **out, const struct po_run_options *opts,
		      struct po_err *err);
/* Runs baseline + loop, writes results and report. Once per experiment. */
int po_experiment_run(struct po_experiment *e, struct po_err *err);
/* Valid after a run (also a failed or interrupted one, for what was done);
 * e may be NULL (a failed po_experiment_new), giving an empty summary. */
void po_experiment_summary(const struct po_experiment *e, struct po_summary *out);
void po_experiment_free(struct po_experiment *e);
/* The provider a role uses ("sim", "bridge", ...), as the options and the
 * project's config decided; valid after a successful po_experiment_new. */
const char *po_experiment_role_provider(const struct po_experiment *e, enum po_role role);

/* ---- the simulator's ground truth ----------------------------------- */

/*
 * The noise-free expected per-case score (0-100) that the built-in
 * simulator's judge gives to outputs of `template` (with `system` as the
 * system prompt; may be NULL) for a test case whose inputs are the JSON
 * object `inputs_json` (name -> string), with the catalogue "prfaq" (the
 * pr-faq-validator project), "prfaq-v1" (its first version) or "generic"
 * (NULL: "prfaq"). With "prfaq" the score depends on the case: on what its
 * businessContext says (audience, regulation, price) and on whether the
 * template names its projectName (docs/simulator.md). The mean over a
 * project's test cases is the true score of a prompt, which the reported
 * (noisy) score estimates. Returns 0, or PO_EINPUT with a message for an
 * unknown catalogue or inputs that are not a JSON object.
 */
int po_sim_expected_score(const char *catalogue, const char *system, const char *template,
			  const char *inputs_json, double *score, struct po_err *err);
/* The best expected score any prompt can reach with this catalogue on one
 * test case without traits or name ("prfaq-v1", "generic": on any case).
 * The optimum over a set of cases is po_sim_optimum_cases() (src/sim/sim.h). */
int po_sim_catalogue_optimum(const char *catalogue, double *optimum, struct po_err *err);

/* Reads optimization_final_results.json of a results folder. */
int po_results_read_summary(const char *results_dir, struct po_summary *out,
			    struct po_err *err);

/* Checks a project name: no '/', no "..", no leading '.', not empty, <= 100 chars. */
int po_project_name_check(const char *name, struct po_err *err);

#ifdef __cplusplus
}
#endif
#endif
