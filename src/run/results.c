/*
 * Writing and reading the results folder (see results.h).
 */
#include "run/results.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"

int po_results_write(const char *dir, const char *name, const json_t *v, bool durable,
		     json_t *files, struct po_err *err)
{
	struct po_buf path = PO_BUF_INIT;
	int ret;

	po_fs_join(&path, dir, name);
	ret = po_json_write_file_ex(path.data, v, durable, err);
	if (!ret && files)
		json_array_append_new(files, json_string(name));
	po_buf_release(&path);
	return ret;
}

static json_t *score_or_null(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

int po_results_write_iteration(const char *dir, int iteration, const json_t *prompts,
			       const char *origin, const struct po_evaluation *ev, double best_score,
			       bool improved, json_t *files, struct po_err *err)
{
	json_t *outputs = json_array(), *sim, *eval;
	char name[64];
	int ret;

	for (size_t i = 0; i < ev->n; i++) {
		const struct po_case_result *r = &ev->cases[i];
		json_t *o = json_pack("{s:s}", "test_case_id", r->tc ? r->tc->id : "");
		json_object_set_new(o, "output", r->output ? json_string(r->output) : json_null());
		if (!r->output && r->error)
			json_object_set_new(o, "error", json_string(r->error));
		json_array_append_new(outputs, o);
	}
	sim = json_pack("{s:i, s:O, s:s, s:o}", "iteration", iteration, "prompts", prompts,
			"candidate", origin ? origin : "", "outputs", outputs);
	if (ev->invalid)
		json_object_set_new(sim, "invalid", json_string(ev->invalid));
	snprintf(name, sizeof(name), "simulation_iteration_%03d.json", iteration);
	ret = po_results_write(dir, name, sim, false, files, err);
	json_decref(sim);
	if (ret)
		return ret;

	eval = po_evaluation_to_json(ev);
	json_object_set_new(eval, "iteration", json_integer(iteration));
	json_object_set_new(eval, "best_score", score_or_null(best_score));
	json_object_set_new(eval, "improved", json_boolean(improved));
	snprintf(name, sizeof(name), "evaluation_iteration_%03d.json", iteration);
	ret = po_results_write(dir, name, eval, false, files, err);
	json_decref(eval);
	return ret;
}

void po_results_clear_iterations(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct po_buf path = PO_BUF_INIT;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "simulation_iteration_", 21) &&
		    strncmp(de->d_name, "evaluation_iteration_", 21))
			continue;
		po_fs_join(&path, dir, de->d_name);
		unlink(path.data);
	}
	closedir(d);
	po_buf_release(&path);
}

static void copy_str(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s ? s : "");
}

void po_results_summary_from_json(const json_t *f, struct po_summary *s)
{
	const json_t *conv = json_object_get(f, "convergence");
	const json_t *calls = json_object_get(f, "calls");
	const json_t *truth = json_object_get(f, "true_score");

	memset(s, 0, sizeof(*s));
	copy_str(s->project, sizeof(s->project), po_json_str(f, "project", ""));
	copy_str(s->strategy, sizeof(s->strategy), po_json_str(f, "strategy", ""));
	copy_str(s->provider, sizeof(s->provider), po_json_str(f, "provider", ""));
	copy_str(s->results_dir, sizeof(s->results_dir), po_json_str(f, "results_dir", ""));
	copy_str(s->report_path, sizeof(s->report_path), po_json_str(f, "report", ""));
	s->seed = (uint64_t)po_json_int(f, "seed", 0);
	s->max_iterations = (int)po_json_int(f, "max_iterations", 0);
	s->iterations_run = (int)po_json_int(f, "iterations_run", 0);
	s->baseline_score = po_json_num(f, "baseline_score", 0);
	s->final_score = po_json_num(f, "final_score", 0);
	s->improvement = po_json_num(f, "improvement", 0);
	s->improvement_percent = po_json_num(f, "improvement_percent", 0);
	s->converged = po_json_bool(conv, "converged", 0);
	s->convergence_iteration = (int)po_json_int(conv, "convergence_iteration", 0);
	s->wasted_iterations = (int)po_json_int(conv, "wasted_iterations", 0);
	s->no_improvement_count = (int)po_json_int(conv, "no_improvement_count", 0);
	s->plateau_variance = po_json_num(conv, "plateau_variance", 0);
	s->plateau_average = po_json_num(conv, "plateau_average", 0);
	s->calls = (long)po_json_int(calls, "total", 0);
	s->wall_seconds = po_json_num(f, "wall_seconds", 0);
	s->true_best_score = json_is_object(truth) ? po_json_num(truth, "best", -1) : -1;
	s->true_baseline_score = json_is_object(truth) ? po_json_num(truth, "baseline", -1) : -1;
}

int po_results_read_summary(const char *results_dir, struct po_summary *out, struct po_err *err)
{
	struct po_buf path = PO_BUF_INIT;
	json_t *f = NULL;
	int ret;

	po_fs_join(&path, results_dir, PO_FINAL_RESULTS_FILE);
	ret = po_json_load_file(path.data, &f, err);
	if (!ret && !json_is_object(f))
		ret = po_error(err, PO_EINPUT, "%s: expected a JSON object", path.data);
	if (!ret)
		po_results_summary_from_json(f, out);
	json_decref(f);
	po_buf_release(&path);
	return ret;
}
