/*
 * What bench.c (running) hands bench_figures.c (the figures): one record
 * per run. Private to src/run/bench*.c.
 */
#ifndef PO_BENCH_INTERNAL_H
#define PO_BENCH_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Decisions are also counted by the nominee's true gain over the incumbent,
 * in these bins (edges in bench_figures.c): the acceptance rate per bin is
 * the acceptance rule's power curve. */
#define PO_BENCH_GAIN_BINS 8

/* The bin of a true gain (points; not 0). */
int po_bench_gain_bin(double gain);

struct bench_run {
	const char *strategy;
	uint64_t seed;
	bool done, failed;
	char error[1024];
	double base_true, best_true, optimum;
	double reported_imp, true_imp;
	double thr90, thr95;           /* true scores that count as 90 % and 95 % of the way */
	double calls_to_90, calls_to_95; /* INFINITY: never reached */
	long calls;
	double wall_s;
	long accepts, false_accepts, truly_worse, truly_better, missed;
	long bin_n[PO_BENCH_GAIN_BINS], bin_acc[PO_BENCH_GAIN_BINS];
	bool heldout;                  /* the run had held-out test cases */
	double ho_imp, ho_low, ho_high, ho_true, ho_val; /* their figures */
	double cur_true;               /* the incumbent's true score as the run goes */
	double *traj_calls, *traj_true; /* the incumbent's true score after each step */
	size_t ntraj, traj_alloc;
};

/* The figures of the runs of one strategy (new reference). */
json_t *po_bench_strategy_figures(const char *strategy, struct bench_run *const *runs, size_t n,
				  double max_calls);
/* One run as JSON (new reference). */
json_t *po_bench_run_json(const struct bench_run *r);

#endif
