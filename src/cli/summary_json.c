/*
 * The machine-readable forms the commands print with --json: a run's
 * summary, and what `status` knows of a project (run state, progress,
 * last summary), each one JSON object.
 */
#include <math.h>

#include "cli/cli.h"

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *cli_summary_json(const struct po_summary *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "project", json_string(s->project));
	json_object_set_new(o, "strategy", json_string(s->strategy));
	json_object_set_new(o, "provider", json_string(s->provider));
	json_object_set_new(o, "seed", json_integer((json_int_t)s->seed));
	json_object_set_new(o, "max_iterations", json_integer(s->max_iterations));
	json_object_set_new(o, "iterations_run", json_integer(s->iterations_run));
	json_object_set_new(o, "baseline_score", num(s->baseline_score));
	json_object_set_new(o, "final_score", num(s->final_score));
	json_object_set_new(o, "improvement", num(s->improvement));
	json_object_set_new(o, "improvement_percent", num(s->improvement_percent));
	json_object_set_new(o, "converged", json_boolean(s->converged));
	json_object_set_new(o, "convergence_iteration",
			    s->converged ? json_integer(s->convergence_iteration) : json_null());
	json_object_set_new(o, "wasted_iterations", json_integer(s->wasted_iterations));
	json_object_set_new(o, "no_improvement_count", json_integer(s->no_improvement_count));
	json_object_set_new(o, "calls", json_integer(s->calls));
	json_object_set_new(o, "wall_seconds", num(s->wall_seconds));
	json_object_set_new(o, "true_best_score", s->true_best_score < 0 ? json_null() :
			    num(s->true_best_score));
	json_object_set_new(o, "true_baseline_score", s->true_baseline_score < 0 ? json_null() :
			    num(s->true_baseline_score));
	json_object_set_new(o, "true_optimum", s->true_optimum < 0 ? json_null() :
			    num(s->true_optimum));
	json_object_set_new(o, "results_dir", str_or_null(s->results_dir));
	json_object_set_new(o, "report", str_or_null(s->report_path));
	return o;
}

void cli_print_json(const json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	if (text) {
		fputs(text, stdout);
		fputc('\n', stdout);
		free(text);
	}
	fflush(stdout);
}
