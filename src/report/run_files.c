/*
 * Reading a run's iteration files back for the reports, and the lookups
 * the report sections share (prompts, the best iteration, a case's score
 * and output by test case id).
 */
#include "report/run_files.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/fields.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

/* A longer history is bad input, not a run. */
#define MAX_ITERATIONS 100000

static json_t *load(const char *dir, const char *kind, size_t i)
{
	struct po_buf path = PO_BUF_INIT;
	char name[64];
	json_t *v = NULL;

	snprintf(name, sizeof(name), "%s_iteration_%03zu.json", kind, i);
	po_fs_join(&path, dir, name);
	if (po_fs_exists(path.data) && po_json_load_file(path.data, &v, NULL) < 0)
		v = NULL;
	po_buf_release(&path);
	if (v && !json_is_object(v)) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

static size_t history_length(const json_t *fr)
{
	json_t *hist = po_field_history(fr);
	size_t i, n = json_array_size(hist);

	for (i = 0; i < json_array_size(hist); i++) {
		json_int_t it = json_integer_value(json_object_get(json_array_get(hist, i),
								  "iteration"));

		if (it >= 0 && it < MAX_ITERATIONS && (size_t)it + 1 > n)
			n = (size_t)it + 1;
	}
	json_decref(hist);
	return n > MAX_ITERATIONS ? MAX_ITERATIONS : n;
}

size_t po_run_files_load(struct po_run_files *rf, const json_t *fr)
{
	const char *dir = po_json_str(fr, "results_dir", NULL);
	size_t i, both = 0;

	memset(rf, 0, sizeof(*rf));
	rf->n = dir && *dir ? history_length(fr) : 0;
	PO_ALLOC_ARRAY(rf->sim, rf->n ? rf->n : 1);
	PO_ALLOC_ARRAY(rf->eval, rf->n ? rf->n : 1);
	PO_ALLOC_ARRAY(rf->accepted, rf->n ? rf->n : 1);
	for (i = 0; i < rf->n; i++) {
		rf->eval[i] = load(dir, "evaluation", i);
		if (rf->eval[i] && (i == 0 || po_json_bool(rf->eval[i], "improved", 0)))
			rf->accepted[rf->naccepted++] = i;
	}
	/* The reports show the outputs of the baseline and the best only: the
	 * others' are dropped as each file is read, so a long run's outputs are
	 * never all in memory at once. */
	for (i = 0; i < rf->n; i++) {
		rf->sim[i] = load(dir, "simulation", i);
		if (rf->sim[i] && i != 0 && i != po_run_best(rf))
			json_object_del(rf->sim[i], "outputs");
		if (rf->sim[i] && rf->eval[i])
			both++;
	}
	return both;
}

void po_run_files_release(struct po_run_files *rf)
{
	for (size_t i = 0; i < rf->n; i++) {
		json_decref(rf->sim[i]);
		json_decref(rf->eval[i]);
	}
	free(rf->sim);
	free(rf->eval);
	free(rf->accepted);
	memset(rf, 0, sizeof(*rf));
}

const json_t *po_run_prompts(const struct po_run_files *rf, size_t i)
{
	const json_t *p;

	if (i >= rf->n || !rf->sim[i])
		return NULL;
	p = json_object_get(rf->sim[i], "prompts");
	return json_is_object(p) ? p : NULL;
}

size_t po_run_best(const struct po_run_files *rf)
{
	return rf->naccepted ? rf->accepted[rf->naccepted - 1] : 0;
}

static const json_t *find_by_id(const json_t *arr, const char *id)
{
	const json_t *c;
	size_t i;

	json_array_foreach(arr, i, c) {
		const char *cid = po_json_str(c, "test_case_id", NULL);

		if (cid && id && !strcmp(cid, id))
			return c;
	}
	return NULL;
}

const json_t *po_run_case(const json_t *eval, const char *id)
{
	return find_by_id(json_object_get(eval, "cases"), id);
}

const json_t *po_run_output(const json_t *sim, const char *id)
{
	return find_by_id(json_object_get(sim, "outputs"), id);
}

int po_run_case_score(const json_t *c, double *v)
{
	const json_t *s = json_object_get(c, "score");

	if (!c || !po_json_bool(c, "ok", 0) || !json_is_number(s))
		return 0;
	*v = json_number_value(s);
	return isfinite(*v);
}

json_t *po_run_scorer_means(const json_t *ev)
{
	json_t *sum = json_object(), *count = json_object(), *val;
	const json_t *c, *sc;
	const char *key;
	size_t i, k;

	json_array_foreach(json_object_get(ev, "cases"), i, c) {
		json_array_foreach(json_object_get(c, "scorers"), k, sc) {
			const char *name = po_json_str(sc, "name", NULL);
			if (!name || !json_is_number(json_object_get(sc, "score")))
				continue;
			json_object_set_new(sum, name, json_real(po_json_num(sum, name, 0) +
								 po_json_num(sc, "score", 0)));
			json_object_set_new(count, name, json_real(po_json_num(count, name, 0) + 1));
		}
	}
	json_object_foreach(sum, key, val)
		json_real_set(val, json_number_value(val) / po_json_num(count, key, 1));
	json_decref(count);
	return sum;
}
