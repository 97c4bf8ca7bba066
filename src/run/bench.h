/*
 * promptopt bench: every strategy on every seed against the simulator, in
 * process on threads, measured against the simulator's ground truth (calls
 * until the incumbent's true score reaches 90 % and 95 % of the way to the
 * optimum, the final true score, the reported minus the true improvement,
 * false accepts and missed improvements). docs/bench.md explains each
 * figure.
 *
 * Ownership: options are borrowed; the result is a new reference.
 */
#ifndef PO_BENCH_H
#define PO_BENCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "promptopt.h"

#define PO_BENCH_MAX_RUNS 100000
#define PO_BENCH_CURVE_POINTS 60

struct po_bench_options {
	const char *const *strategies;  /* names; none: the run's default */
	size_t nstrategies;
	const uint64_t *seeds;          /* one run per strategy and seed */
	size_t nseeds;
	int jobs;                       /* runs at once, 1..64 */
	/* Every run's settings (project, iterations, convergence, noise,
	 * max_calls, ...); the provider is always the simulator. */
	struct po_run_options run;
	const char *work_dir;           /* where runs write (a folder per run, removed after) */
	volatile int *interrupt;        /* non-zero: no new run starts */
	/* Called (from any thread, one at a time) as each run ends. */
	void (*on_run)(void *userdata, size_t done, size_t total, const char *strategy,
		       uint64_t seed, const char *error);
	void *userdata;
};

void po_bench_options_init(struct po_bench_options *o);

/*
 * Runs the bench; *out: {"project", "strategies": [per strategy: strategy,
 * runs, failed, calls_to_90, calls_to_95 ({median, p90, reached}),
 * final_true ({mean, p5, p50, p95}), optimum, gap, overstatement ({mean,
 * sd}), false_accept_rate, missed_improvement_rate, ci_coverage,
 * heldout_gap, calls_mean, wall_mean, curve ({calls, p10, p50, p90})],
 * "runs": [per run], "settings", "seeds", "wall_seconds"}. A run that fails
 * is counted in "failed" and left out of the figures; PO_EINTR when
 * interrupted (*out then holds the runs that finished).
 */
int po_bench_run(const struct po_bench_options *o, json_t **out, struct po_err *err);

/* Parses "1-100", "7" or "1,5,9-12" into a new array of seeds (the caller
 * frees it); PO_EUSAGE saying what is wrong. */
int po_bench_parse_seeds(const char *s, uint64_t **seeds, size_t *n, struct po_err *err);

#endif
