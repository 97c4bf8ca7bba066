/*
 * The machine-readable forms the commands print with --json (a run's
 * summary as one JSON object), and the switch that sends a command's human
 * lines to stderr while it runs so that stdout holds only that object.
 */
#include <math.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/json.h"

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

/* The --json object of a batch: its totals, comparison and each
 * experiment's status and summary (not its console text). New reference. */
json_t *cli_batch_json(const json_t *r, const struct po_buf *path, bool report, int code,
			  const struct po_err *err)
{
	static const char *const keep[] = { "batch_id", "total_experiments", "successful",
					     "failed", "stopped", "interrupted", "not_run",
					     "elapsed_seconds", "comparison", NULL };
	json_t *o = json_object(), *exps = json_array();
	const json_t *e;
	size_t i;

	for (int k = 0; r && keep[k]; k++)
		if (json_object_get(r, keep[k]))
			json_object_set(o, keep[k], json_object_get(r, keep[k]));
	json_array_foreach(r ? json_object_get(r, "experiments") : NULL, i, e) {
		json_t *x = json_object();
		static const char *const ekeep[] = { "index", "name", "status", "error",
						     "results_dir", "summary", NULL };

		for (int k = 0; ekeep[k]; k++)
			if (json_object_get(e, ekeep[k]))
				json_object_set(x, ekeep[k], json_object_get(e, ekeep[k]));
		json_array_append_new(exps, x);
	}
	json_object_set_new(o, "experiments", exps);
	json_object_set_new(o, "results_file", r && path->len ? json_string(path->data) : json_null());
	if (r && report && path->len > 5) {
		struct po_buf md = PO_BUF_INIT;

		po_buf_addf(&md, "%.*s.md", (int)(path->len - 5), path->data);
		json_object_set_new(o, "report", json_string(md.data));
		po_buf_release(&md);
	}
	json_object_set_new(o, "exit_code", json_integer(code));
	json_object_set_new(o, "error", code && err->msg[0] ? json_string(err->msg) : json_null());
	return o;
}

void cli_print_json(const json_t *o)
{
	char *text = po_json_dumps_compact(o);

	if (text) {
		fputs(text, stdout);
		fputc('\n', stdout);
		free(text);
	}
	fflush(stdout);
}

int cli_json_begin(void)
{
	int fd;

	fflush(stdout);
	fd = dup(STDOUT_FILENO);
	if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

void cli_json_end(int fd, const json_t *o)
{
	char *text;

	if (fd < 0)
		return;
	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	if (!o)
		return;
	text = po_json_dumps_compact(o);
	if (text) {
		fputs(text, stdout);
		fputc('\n', stdout);
		free(text);
	}
	fflush(stdout);
}
