/*
 * Writing and reading the results folder (see results.h).
 */
#include "run/results.h"

#include <dirent.h>
#include <stdlib.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/jsonpos.h"
#include "util/mem.h"

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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * simulation_iteration_NNN.json holds every output of the iteration, the
 * bulk of what a run writes: it is formatted here directly (same layout as
 * po_json_write_file: 2-space indent, sorted keys), which is several times
 * faster than building and dumping a jansson tree. Strings come from jansson
 * parses or the simulator, so they are valid UTF-8.
 */
static void simulation_text(struct po_buf *b, int iteration, const json_t *prompts,
			    const char *origin, const struct po_evaluation *ev)
{
	size_t n = json_object_size(prompts), k = 0;
	const char **keys = po_xcalloc(n ? n : 1, sizeof(*keys));
	const char *key;
	json_t *v;

	po_buf_adds(b, "{\n  \"candidate\": ");
	po_json_escape(b, origin ? origin : "");
	if (ev->invalid) {
		po_buf_adds(b, ",\n  \"invalid\": ");
		po_json_escape(b, ev->invalid);
	}
	po_buf_addf(b, ",\n  \"iteration\": %d,\n  \"outputs\": [", iteration);
	for (size_t i = 0; i < ev->n; i++) {
		const struct po_case_result *r = &ev->cases[i];

		po_buf_adds(b, i ? ",\n    {" : "\n    {");
		if (!r->output && r->error) {
			po_buf_adds(b, "\n      \"error\": ");
			po_json_escape(b, r->error);
			po_buf_addch(b, ',');
		}
		po_buf_adds(b, "\n      \"output\": ");
		po_json_escape(b, r->output);
		po_buf_adds(b, ",\n      \"test_case_id\": ");
		po_json_escape(b, r->tc ? r->tc->id : "");
		po_buf_adds(b, "\n    }");
	}
	po_buf_adds(b, ev->n ? "\n  ],\n  \"prompts\": {" : "],\n  \"prompts\": {");
	json_object_foreach((json_t *)prompts, key, v)
		keys[k++] = key;
	qsort(keys, k, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < k; i++) {
		po_buf_adds(b, i ? ",\n    " : "\n    ");
		po_json_escape(b, keys[i]);
		po_buf_adds(b, ": ");
		po_json_escape(b, json_string_value(json_object_get(prompts, keys[i])));
	}
	po_buf_adds(b, k ? "\n  }\n}\n" : "}\n}\n");
	free(keys);
}

/*
 * The seed's aggregate keys, for the scripts written for its files: each
 * scored case's "overall_score" (its score, 0-100) and
 * "aggregate_scores": {"overall": the candidate's score}.
 */
static void add_seed_aggregates(json_t *eval)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(eval, "cases"), i, c)
		if (json_is_number(json_object_get(c, "score")))
			json_object_set(c, "overall_score", json_object_get(c, "score"));
	json_object_set_new(eval, "aggregate_scores",
			    json_pack("{s:O}", "overall", json_object_get(eval, "score")));
}

int po_results_write_iteration(const char *dir, int iteration, const json_t *prompts,
			       const char *origin, const struct po_evaluation *ev, double best_score,
			       bool improved, const json_t *population, json_t *files,
			       struct po_err *err)
{
	struct po_buf text = PO_BUF_INIT, path = PO_BUF_INIT;
	json_t *eval;
	char name[64];
	int ret;

	simulation_text(&text, iteration, prompts, origin, ev);
	snprintf(name, sizeof(name), "simulation_iteration_%03d.json", iteration);
	po_fs_join(&path, dir, name);
	ret = po_fs_replace(path.data, text.data, text.len, false, err);
	if (!ret && files)
		json_array_append_new(files, json_string(name));
	po_buf_release(&text);
	po_buf_release(&path);
	if (ret)
		return ret;

	eval = po_evaluation_to_json(ev);
	json_object_set_new(eval, "iteration", json_integer(iteration));
	json_object_set_new(eval, "best_score", score_or_null(best_score));
	json_object_set_new(eval, "improved", json_boolean(improved));
	if (population)
		json_object_set(eval, "population", (json_t *)population);
	add_seed_aggregates(eval);
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
	s->true_optimum = json_is_object(truth) ? po_json_num(truth, "optimum", -1) : -1;
}

/* The keys a summary is made of, so that an edited or foreign file is an
 * error with its position rather than a summary of zeros. */
static int check_summary_shape(const char *name, const struct po_buf *text, const json_t *f,
			       struct po_err *err)
{
	static const struct {
		const char *key;
		int type; /* a json_type; JSON_REAL: any number */
	} need[] = { { "project", JSON_STRING },        { "max_iterations", JSON_INTEGER },
		     { "baseline_score", JSON_REAL },   { "final_score", JSON_REAL },
		     { "iteration_history", JSON_ARRAY } };
	struct po_jsonpos pos;

	if (!json_is_object(f)) {
		po_jsonpos_find(text->data, text->len, "", &pos);
		return po_error(err, PO_EINPUT, "%s:%d:%d: expected an object of results, found %s",
				name, pos.line, pos.col, po_json_type_name(f));
	}
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		const json_t *v = json_object_get(f, need[i].key);
		bool ok = need[i].type == JSON_REAL ? json_is_number(v) :
						      v && (int)json_typeof(v) == need[i].type;

		if (ok)
			continue;
		po_jsonpos_find(text->data, text->len, v ? need[i].key : "", &pos);
		return po_error(err, PO_EINPUT,
				"%s:%d:%d: %s \"%s\"%s%s; this is not a results file of promptopt, or it was edited: run the experiment again",
				name, pos.line, pos.col, v ? "wrong type for" : "missing",
				need[i].key, v ? ", found " : "", v ? po_json_type_name(v) : "");
	}
	return 0;
}

int po_results_read_summary(const char *results_dir, struct po_summary *out, struct po_err *err)
{
	struct po_buf path = PO_BUF_INIT, text = PO_BUF_INIT;
	json_t *f = NULL;
	int ret;

	po_fs_join(&path, results_dir, PO_FINAL_RESULTS_FILE);
	ret = po_fs_read_file(path.data, &text, err);
	if (!ret)
		ret = po_json_load_text(path.data, text.data, text.len, &f, err);
	if (!ret)
		ret = check_summary_shape(path.data, &text, f, err);
	if (!ret)
		po_results_summary_from_json(f, out);
	json_decref(f);
	po_buf_release(&text);
	po_buf_release(&path);
	return ret;
}
