/*
 * `make bench`: wall time and peak memory of the default 20-iteration
 * experiment on the built-in simulator, run in-process (no report), repeated
 * to get a stable median. Targets (issue 2): under 50 ms, under 10 MB.
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

int main(int argc, char **argv)
{
	int reps = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 15;
	double times[256], first_ms = 0;
	struct po_summary s = { 0 };
	struct rusage ru;

	if (reps < 1 || reps > 256)
		reps = 15;
	if (!bench_tmp_enter("run", 1)) {
		perror("bench: temp folder");
		return 1;
	}
	for (int r = 0; r < reps; r++) {
		struct po_run_options o;
		struct po_experiment *e = NULL;
		struct po_err err = { 0 };
		char sub[32];
		double t0;

		/* Each run in a fresh folder: a run in the same folder would start
		 * from the previous run's best prompts. */
		snprintf(sub, sizeof(sub), "run%d", r);
		if (mkdir(sub, 0755) < 0 || chdir(sub) < 0) {
			perror("bench: run folder");
			return 1;
		}
		t0 = po_time_mono_ms();

		po_run_options_init(&o);
		o.project = "pr-faq-validator";
		o.max_iterations = 20;
		o.write_report = r == 0; /* the report is timed once, in the first run */
		if (po_experiment_new(&e, &o, &err) < 0 || po_experiment_run(e, &err) < 0) {
			fprintf(stderr, "bench: %s\n", err.msg);
			po_experiment_free(e);
			return 1;
		}
		times[r] = po_time_mono_ms() - t0;
		if (chdir("..") < 0)
			return 1;
		if (r == 0)
			first_ms = times[r];
		po_experiment_summary(e, &s);
		po_experiment_free(e);
	}
	qsort(times, (size_t)reps, sizeof(double), cmp_double);
	getrusage(RUSAGE_SELF, &ru);
	double cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
			(double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
	printf("bench run: 20-iteration pr-faq-validator experiment, simulator, in-process\n");
	printf("  runs:            %d (each in a new folder: project init included;\n                   the first also writes the report: %.2f ms)\n", reps,
	       first_ms);
	printf("  wall time:       median %.2f ms, min %.2f ms, max %.2f ms   (target < 50 ms)\n",
	       times[reps / 2], times[0], times[reps - 1]);
	printf("  CPU time:        %.2f ms per run (user + system, mean over the runs)\n",
	       cpu_ms / reps);
	printf("  peak memory:     %.2f MB (max RSS of the process)        (target < 10 MB)\n",
	       (double)ru.ru_maxrss / 1024.0);
	printf("  iterations run:  %d, LLM calls: %ld\n", s.iterations_run, s.calls);
	printf("  scores:          baseline %.2f -> final %.2f (true: %.2f -> %.2f)\n",
	       s.baseline_score, s.final_score, s.true_baseline_score, s.true_best_score);
	printf("  (the seed's Python system: 54 s for the same 20 iterations)\n");
	return 0;
}
