/*
 * `make bench`: the cost of an iteration must not grow with the run. Times
 * the simulator's pr-faq-validator experiment in-process without early stop
 * at 20, 200 and 2,000 iterations (no report) and compares each with the
 * 20-iteration run. Target (issue 8): 2,000 iterations cost at most 120x
 * the 20-iteration run (100x the work).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_tmp.h"
#include "promptopt.h"
#include "util/timeutil.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Wall time in ms of one run of `iterations` in a new folder, or -1. */
static double run_once(int iterations, int tag)
{
	struct po_run_options o;
	struct po_experiment *e = NULL;
	struct po_err err = { 0 };
	char sub[64];
	double t0, ms;

	snprintf(sub, sizeof(sub), "run%d-%d", iterations, tag);
	if (mkdir(sub, 0755) < 0 || chdir(sub) < 0) {
		perror("bench: run folder");
		return -1;
	}
	t0 = po_time_mono_ms();
	po_run_options_init(&o);
	o.project = "pr-faq-validator";
	o.max_iterations = iterations;
	o.enable_convergence = false;
	o.write_report = false;
	if (po_experiment_new(&e, &o, &err) < 0 || po_experiment_run(e, &err) < 0) {
		fprintf(stderr, "bench: %s\n", err.msg);
		po_experiment_free(e);
		return -1;
	}
	ms = po_time_mono_ms() - t0;
	po_experiment_free(e);
	if (chdir("..") < 0)
		return -1;
	return ms;
}

/* Median of reps runs. */
static double median_run(int iterations, int reps)
{
	double t[16];

	for (int r = 0; r < reps; r++)
		if ((t[r] = run_once(iterations, r)) < 0)
			return -1;
	qsort(t, (size_t)reps, sizeof(double), cmp_double);
	return t[reps / 2];
}

int main(void)
{
	double t20, t200, t2000;

	if (!bench_tmp_enter("scale", 1)) {
		perror("bench: temp folder");
		return 1;
	}
	t20 = median_run(20, 9);
	t200 = median_run(200, 3);
	t2000 = median_run(2000, 1);
	if (t20 < 0 || t200 < 0 || t2000 < 0)
		return 1;
	printf("bench scale: pr-faq-validator on the simulator, in-process, no early stop, no report\n");
	printf("  20 iterations:    %.1f ms (median of 9)\n", t20);
	printf("  200 iterations:   %.1f ms (median of 3), %.1fx the 20-iteration run\n", t200,
	       t200 / t20);
	printf("  2000 iterations:  %.1f ms, %.1fx the 20-iteration run   (target <= 120x)\n", t2000,
	       t2000 / t20);
	return 0;
}
