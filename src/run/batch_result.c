/*
 * The batch result document (batch_results_<id>.json): each experiment's
 * record, read from its optimization_final_results.json, then the totals,
 * the records in plan order and the comparison; and writing it with its
 * report. Shared by running a batch and merging shards.
 */
#include "run/batch_result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/batch_report.h"
#include "report/fields.h"
#include "run/batch_compare.h"
#include "run/results.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timeutil.h"
#include "util/utf8.h"

json_t *po_batch_jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* The cost recorded in a final results file, in dollars; NaN when unknown. */
static double final_cost(const json_t *f, bool all_sim)
{
	const json_t *c = json_object_get(f, "cost_usd");

	if (json_is_number(c))
		return json_number_value(c);
	c = json_object_get(f, "cost");
	if (json_is_number(c))
		return json_number_value(c);
	if (json_is_object(c)) {
		/* Calls with no price make the total a lower bound, not the cost. */
		if (po_json_int(c, "unpriced_calls", 0) > 0)
			return NAN;
		static const char *const names[] = { "total_usd", "usd", "total", NULL };
		for (int i = 0; names[i]; i++)
			if (json_is_number(json_object_get(c, names[i])))
				return json_number_value(json_object_get(c, names[i]));
	}
	/* The simulator is free; other providers' cost is unknown until recorded. */
	return all_sim ? 0.0 : NAN;
}

static bool config_all_sim(const json_t *cfg)
{
	static const char *const names[] = { "provider", "generate_provider", "judge_provider",
					     "mutate_provider", NULL };

	for (int i = 0; names[i]; i++) {
		const char *p = po_json_str(cfg, names[i], NULL);
		if (p && strcmp(p, "sim"))
			return false;
	}
	return true;
}

/* The "summary" of a record, from optimization_final_results.json. */
static json_t *results_from_final(const json_t *f, bool all_sim)
{
	const json_t *conv = json_object_get(f, "convergence");
	json_t *hist = po_field_history(f);
	const json_t *truth = json_object_get(f, "true_score");
	const json_t *h;
	json_t *r, *scores = json_array(), *best = json_array();
	int max = (int)po_json_int(f, "max_iterations", 0);
	int run = (int)po_json_int(f, "iterations_run", 0);
	bool stopped = po_json_bool(conv, "stopped_early", 0);
	size_t i;

	json_array_foreach(hist, i, h) {
		json_array_append_new(scores, po_batch_jnum(po_json_num(h, "score", NAN)));
		json_array_append_new(best, po_batch_jnum(po_json_num(h, "best_score", NAN)));
	}
	r = json_object();
	json_object_set_new(r, "baseline_score", po_batch_jnum(po_json_num(f, "baseline_score", NAN)));
	json_object_set_new(r, "final_score", po_batch_jnum(po_json_num(f, "final_score", NAN)));
	json_object_set_new(r, "improvement", po_batch_jnum(po_json_num(f, "improvement", NAN)));
	json_object_set_new(r, "improvement_percent",
			    po_batch_jnum(po_json_num(f, "improvement_percent", NAN)));
	/* Measured on the held-out test cases (null without a split). */
	json_object_set_new(r, "heldout_improvement",
			    po_batch_jnum(po_json_num(json_object_get(f, "heldout"), "improvement",
						      NAN)));
	json_object_set_new(r, "max_iterations", json_integer(max));
	json_object_set_new(r, "iterations_run", json_integer(run));
	json_object_set_new(r, "converged", json_boolean(po_json_bool(conv, "converged", 0)));
	json_object_set_new(r, "convergence_iteration",
			    json_is_integer(json_object_get(conv, "convergence_iteration")) ?
			    json_integer(po_json_int(conv, "convergence_iteration", 0)) :
			    json_null());
	json_object_set_new(r, "wasted_iterations",
			    json_integer(po_json_int(conv, "wasted_iterations", 0)));
	json_object_set_new(r, "stopped_early", json_boolean(stopped));
	json_object_set_new(r, "iterations_saved", json_integer(stopped && max > run ? max - run : 0));
	json_object_set_new(r, "interrupted", json_boolean(po_json_bool(f, "interrupted", 0)));
	json_object_set_new(r, "calls",
			    json_integer(po_json_int(json_object_get(f, "calls"), "total", 0)));
	json_object_set_new(r, "cost_usd", po_batch_jnum(final_cost(f, all_sim)));
	json_object_set_new(r, "wall_seconds", po_batch_jnum(po_json_num(f, "wall_seconds", NAN)));
	json_object_set_new(r, "strategy", json_string(po_json_str(f, "strategy", "")));
	json_object_set_new(r, "provider", json_string(po_json_str(f, "provider", "")));
	json_object_set_new(r, "seed", json_integer(po_json_int(f, "seed", 0)));
	json_object_set_new(r, "report", json_is_string(json_object_get(f, "report")) ?
			    json_string(po_json_str(f, "report", "")) : json_null());
	json_object_set_new(r, "true_score", json_is_object(truth) ?
			    json_deep_copy(truth) : json_null());
	json_object_set_new(r, "scores", scores);
	json_object_set_new(r, "best_scores", best);
	json_decref(hist);
	return r;
}

json_t *po_batch_record_final(const char *dir)
{
	struct po_buf path = PO_BUF_INIT;
	json_t *f = NULL;

	po_fs_join(&path, dir, PO_FINAL_RESULTS_FILE);
	if (po_fs_exists(path.data) && po_json_load_file(path.data, &f, NULL) == 0 &&
	    !json_is_object(f)) {
		json_decref(f);
		f = NULL;
	}
	po_buf_release(&path);
	return f;
}

json_t *po_batch_record_new(size_t index, const json_t *cfg, const char *dir)
{
	json_t *rec = json_pack("{s:I, s:s, s:O}", "index", (json_int_t)index, "name",
				po_json_str(cfg, "name", ""), "config", cfg);

	if (dir)
		json_object_set_new(rec, "results_dir", json_string(dir));
	return rec;
}

void po_batch_record_outcome(json_t *rec, const char *status, const char *error,
			     json_t *final, double elapsed)
{
	const json_t *cfg = json_object_get(rec, "config");

	json_object_set_new(rec, "status", json_string(status));
	json_object_set_new(rec, "success", json_boolean(!strcmp(status, "ok")));
	json_object_set_new(rec, "elapsed_seconds", po_batch_jnum(elapsed));
	if (error)
		json_object_set_new(rec, "error", json_string(error));
	json_object_set_new(rec, "summary", final ? results_from_final(final, config_all_sim(cfg)) :
						    json_null());
	json_object_set_new(rec, "results", final ? final : json_null());
}

int po_batch_id_check(const char *id, struct po_err *err)
{
	size_t n = strlen(id), i;
	const char *why = NULL;
	char shown[64];

	if (!n || n > 100 || id[0] == '.' || strchr(id, '/'))
		why = "use 1 to 100 characters, no '/', not starting with '.'";
	for (i = 0; i < n && !why; i++)
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f || id[i] == '\\')
			why = "it contains a control character or '\\'; use letters, digits, '-' and '_'";
	if (!why && !po_utf8_valid(id, n, NULL))
		why = "it is not valid UTF-8; use letters, digits, '-' and '_'";
	if (!why)
		return 0;
	for (i = 0; i < n && i + 4 < sizeof(shown); i++)
		shown[i] = (unsigned char)id[i] < 0x20 || (unsigned char)id[i] >= 0x7f ? '?' : id[i];
	if (i < n)
		memcpy(shown + i, "...", 3), i += 3;
	shown[i] = '\0';
	return po_error(err, PO_EUSAGE, "invalid batch id '%s': %s", shown, why);
}

int po_batch_result_write(const json_t *res, const char *dir, const char *base, bool report,
			  struct po_buf *json_path, struct po_err *err)
{
	struct po_buf path = PO_BUF_INIT, md = PO_BUF_INIT;
	int ret;

	po_buf_addf(&path, "%s/%s.json", dir, base);
	ret = po_json_write_file(path.data, res, err);
	if (!ret && report)
		ret = po_batch_report_write(res, dir, base, &md, err);
	if (json_path) {
		po_buf_reset(json_path);
		po_buf_adds(json_path, path.data);
	}
	po_buf_release(&path);
	po_buf_release(&md);
	return ret;
}

static int cmp_index(const void *a, const void *b)
{
	json_int_t x = po_json_int(*(json_t *const *)a, "index", 0);
	json_int_t y = po_json_int(*(json_t *const *)b, "index", 0);

	return (x > y) - (x < y);
}

json_t *po_batch_result_build(const json_t *records, const char *batch_id, size_t plan_size,
			      const char *fingerprint, int64_t unixtime, double elapsed_seconds)
{
	size_t n = json_array_size(records), ok = 0, intr = 0, notrun = 0, stopped = 0;
	json_t **recs = po_xcalloc(n ? n : 1, sizeof(*recs));
	json_t *res, *exps = json_array();
	char iso[32];

	for (size_t i = 0; i < n; i++)
		recs[i] = json_array_get(records, i);
	qsort(recs, n, sizeof(*recs), cmp_index);
	for (size_t i = 0; i < n; i++) {
		const char *st = po_json_str(recs[i], "status", "");

		ok += !strcmp(st, "ok");
		intr += !strcmp(st, "interrupted");
		notrun += !strcmp(st, "not_run");
		stopped += !strcmp(st, "stopped");
		json_array_append(exps, recs[i]);
	}
	po_time_iso8601(unixtime, iso, sizeof(iso));
	res = json_object();
	json_object_set_new(res, "timestamp", json_string(iso));
	json_object_set_new(res, "unixtime", json_integer(unixtime));
	json_object_set_new(res, "batch_id", json_string(batch_id ? batch_id : ""));
	json_object_set_new(res, "total_experiments", json_integer((json_int_t)n));
	json_object_set_new(res, "successful", json_integer((json_int_t)ok));
	json_object_set_new(res, "failed", json_integer((json_int_t)(n - ok)));
	json_object_set_new(res, "interrupted", json_integer((json_int_t)intr));
	json_object_set_new(res, "not_run", json_integer((json_int_t)notrun));
	json_object_set_new(res, "stopped", json_integer((json_int_t)stopped));
	json_object_set_new(res, "elapsed_seconds", po_batch_jnum(elapsed_seconds));
	json_object_set_new(res, "plan", json_pack("{s:I, s:s}", "experiments",
						   (json_int_t)plan_size, "fingerprint",
						   fingerprint ? fingerprint : ""));
	json_object_set_new(res, "experiments", exps);
	json_object_set_new(res, "comparison",
			    po_batch_comparison(recs, n));
	free(recs);
	return res;
}
