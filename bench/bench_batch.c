/*
 * `make bench`: a batch of 8 experiments x 20 iterations of pr-faq-validator
 * on the built-in simulator, run in-process through run/batch.h with one and
 * with two jobs, reports included, each in a fresh folder. Target (issue 5):
 * the whole batch under 1 s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_tmp.h"
#include "run/batch.h"
#include "util/json.h"
#include "util/timeutil.h"

#define EXPERIMENTS 8
#define ITERATIONS 20

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One batch in folder `sub`; returns its wall time in ms, < 0 on failure. */
static double one_batch(const char *sub, int jobs, json_t **res)
{
	struct po_batch_defaults d;
	struct po_batch_run_options o;
	struct po_batch *b = NULL;
	struct po_err err = { 0 };
	double t0;
	int ret;

	if (mkdir(sub, 0755) < 0 || chdir(sub) < 0) {
		perror("bench: folder");
		return -1;
	}
	t0 = po_time_mono_ms();
	po_batch_defaults_init(&d);
	d.iterations = ITERATIONS;
	ret = po_batch_plan_default(&b, EXPERIMENTS, &d, &err);
	po_batch_run_options_init(&o);
	o.jobs = jobs;
	if (!ret)
		ret = po_batch_run(b, &o, res, NULL, &err);
	po_batch_free(b);
	t0 = po_time_mono_ms() - t0;
	if (chdir("..") < 0 || ret) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return -1;
	}
	return t0;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 5;
	struct rusage ru;

	if (reps < 1 || reps > 50)
		reps = 5;
	if (!bench_tmp_enter("batch", 1)) {
		perror("bench: temp folder");
		return 1;
	}
	printf("bench batch: %d experiments x %d iterations, pr-faq-validator, simulator,\n"
	       "             in-process, reports written, each batch in a new folder\n",
	       EXPERIMENTS, ITERATIONS);
	for (int jobs = 1; jobs <= 2; jobs++) {
		double times[50];
		json_t *res = NULL;

		for (int r = 0; r < reps; r++) {
			char sub[32];

			json_decref(res);
			res = NULL;
			snprintf(sub, sizeof(sub), "j%d-r%d", jobs, r);
			times[r] = one_batch(sub, jobs, &res);
			if (times[r] < 0)
				return 1;
		}
		qsort(times, (size_t)reps, sizeof(double), cmp_double);
		const json_t *all = json_array_get(json_object_get(json_object_get(res, "comparison"),
								   "groups"), 0);
		printf("  --jobs %d: median %.1f ms, min %.1f ms, max %.1f ms over %d batches   (target < 1000 ms)\n",
		       jobs, times[reps / 2], times[0], times[reps - 1], reps);
		printf("            %lld of %d successful, improvement %.2f ± %.2f points (95 %% CI), %.0f calls each\n",
		       po_json_int(res, "successful", 0), EXPERIMENTS,
		       po_json_num(json_object_get(all, "improvement"), "mean", 0),
		       (po_json_num(json_object_get(all, "improvement"), "high", 0) -
			po_json_num(json_object_get(all, "improvement"), "low", 0)) / 2,
		       po_json_num(json_object_get(all, "calls"), "mean", 0));
		json_decref(res);
	}
	bench_tmp_remove();
	getrusage(RUSAGE_SELF, &ru);
	printf("  peak memory: %.1f MB (max RSS of the process)\n", (double)ru.ru_maxrss / 1024.0);
	printf("  (the seed ran experiments one after another: 54 s for one of 20 iterations)\n");
	return 0;
}
