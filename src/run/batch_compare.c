/*
 * The comparison of a batch: the group "all", then one group per value of
 * each setting that differs between experiments, each metric as a mean
 * with a 95 % t interval (eval/stats); and a row of figures per successful
 * experiment.
 */
#include "run/batch_compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/stats.h"
#include "report/batch_report.h"
#include "run/batch_result.h"
#include "util/json.h"
#include "util/mem.h"

#define CI_LEVEL 0.95

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * mean, low, high of the 95 % t interval, cut to [lo, hi] (what the mean
 * can be: no negative count, no more iterations than the maximum); null
 * for no values, low and high null for one (one value has no interval).
 */
static json_t *ci_json(const double *x, size_t n, double lo, double hi)
{
	struct po_ci ci;

	if (!n)
		return json_null();
	ci = po_stats_mean_ci(x, n, CI_LEVEL);
	if (n < 2)
		return json_pack("{s:o, s:n, s:n}", "mean", po_batch_jnum(ci.mean), "low", "high");
	/* Records from elsewhere (a merge) may break the bounds: never past the mean. */
	return json_pack("{s:o, s:o, s:o}", "mean", po_batch_jnum(ci.mean), "low",
			 po_batch_jnum(fmin(fmax(ci.low, lo), ci.mean)), "high",
			 po_batch_jnum(fmax(fmin(ci.high, hi), ci.mean)));
}

/* The metrics a comparison reports, read from a record's results (but
 * elapsed_seconds, the record's own), with the range of their values;
 * hi NAN: the largest max_iterations of the group. */
static const struct metric {
	const char *name;
	double lo, hi;
} metrics[] = {
	{ "baseline_score", 0, 100 },
	{ "final_score", 0, 100 },
	{ "improvement", -100, 100 },
	{ "improvement_percent", -100, INFINITY },
	{ "heldout_improvement", -100, 100 },
	{ "iterations_run", 0, NAN },
	{ "iterations_saved", 0, NAN },
	{ "calls", 0, INFINITY },
	{ "cost_usd", 0, INFINITY },
	{ "wall_seconds", 0, INFINITY },
	{ "elapsed_seconds", 0, INFINITY },
	{ NULL, 0, 0 },
};

static const json_t *metric_value(const json_t *rec, const char *name)
{
	if (!strcmp(name, "elapsed_seconds"))
		return json_object_get(rec, name);
	return json_object_get(po_batch_summary_of(rec), name);
}

/* One group: the successful members' metrics as mean and interval. */
static json_t *group_json(const char *setting, const json_t *value, json_t *const *recs,
			  size_t n, const bool *member)
{
	json_t *g = json_object(), *members = json_array();
	double *x = po_xcalloc(n ? n : 1, sizeof(*x));
	double max_iter = 0;
	size_t ok = 0, converged = 0;

	for (size_t i = 0; i < n; i++) {
		if (!member[i])
			continue;
		json_array_append_new(members, json_integer(po_json_int(recs[i], "index", 0)));
		if (po_json_bool(recs[i], "success", 0)) {
			ok++;
			converged += (size_t)po_json_bool(po_batch_summary_of(recs[i]),
							  "converged", 0);
		}
	}
	json_object_set_new(g, "setting", json_string(setting));
	json_object_set_new(g, "value", value ? json_deep_copy(value) : json_null());
	json_object_set_new(g, "experiments", members);
	json_object_set_new(g, "successful", json_integer((json_int_t)ok));
	json_object_set_new(g, "converged", json_integer((json_int_t)converged));
	for (size_t i = 0; i < n; i++)
		if (member[i] && po_json_bool(recs[i], "success", 0))
			max_iter = fmax(max_iter, po_json_num(po_batch_summary_of(recs[i]),
							      "max_iterations", 0));
	for (int m = 0; metrics[m].name; m++) {
		size_t k = 0;
		bool known = true;

		for (size_t i = 0; i < n; i++) {
			const json_t *v = metric_value(recs[i], metrics[m].name);

			if (!member[i] || !po_json_bool(recs[i], "success", 0))
				continue;
			if (json_is_number(v))
				x[k++] = json_number_value(v);
			else
				known = false;
		}
		/* A mean over part of the group would mislead: unknown is unknown. */
		json_object_set_new(g, metrics[m].name,
				    known ? ci_json(x, k, metrics[m].lo,
						    isnan(metrics[m].hi) ? max_iter : metrics[m].hi) :
					    json_null());
	}
	free(x);
	return g;
}

/*
 * Groups: "all", then for every setting whose value differs between
 * experiments (name and seed aside, which always differ), one group per
 * value, in the order values first appear. An experiment without the key
 * is in the group of value null (the default).
 */
static json_t *groups_json(json_t *const *recs, size_t n)
{
	json_t *groups = json_array(), *keys = json_object();
	bool *member = po_xcalloc(n ? n : 1, sizeof(*member));
	const char *key;
	json_t *dummy;

	for (size_t i = 0; i < n; i++)
		member[i] = true;
	json_array_append_new(groups, group_json("all", NULL, recs, n, member));
	for (size_t i = 0; i < n; i++) {
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(recs[i], "config"), k, v)
			if (strcmp(k, "name") && strcmp(k, "seed"))
				json_object_set_new(keys, k, json_true());
	}
	/* jansson iterates in insertion order; sort for a stable document. */
	size_t nk = json_object_size(keys), j = 0;
	const char **sorted = po_xcalloc(nk ? nk : 1, sizeof(*sorted));
	json_object_foreach(keys, key, dummy)
		sorted[j++] = key;
	qsort(sorted, nk, sizeof(*sorted), cmp_str);
	for (j = 0; j < nk; j++) {
		json_t *values = json_array();
		const json_t *v;
		size_t vi;

		for (size_t i = 0; i < n; i++) {
			const json_t *val = json_object_get(json_object_get(recs[i], "config"),
							    sorted[j]);
			bool seen = false;
			json_array_foreach(values, vi, v)
				seen |= json_equal((json_t *)v, val ? (json_t *)val : json_null());
			if (!seen)
				json_array_append_new(values, val ? json_deep_copy(val) : json_null());
		}
		if (json_array_size(values) > 1) {
			json_array_foreach(values, vi, v) {
				for (size_t i = 0; i < n; i++) {
					const json_t *val = json_object_get(
						json_object_get(recs[i], "config"), sorted[j]);
					member[i] = json_equal((json_t *)v,
							       val ? (json_t *)val : json_null());
				}
				json_array_append_new(groups, group_json(sorted[j], json_is_null(v) ?
									 NULL : v, recs, n, member));
			}
		}
		json_decref(values);
	}
	free(sorted);
	free(member);
	json_decref(keys);
	return groups;
}

/* One row per successful experiment: the figures the comparison table shows. */
static json_t *rows_json(json_t *const *recs, size_t n)
{
	json_t *rows = json_array();

	for (size_t i = 0; i < n; i++) {
		const json_t *res = po_batch_summary_of(recs[i]);
		json_t *row;

		if (!po_json_bool(recs[i], "success", 0))
			continue;
		row = json_pack("{s:I, s:s}", "index", po_json_int(recs[i], "index", 0), "name",
				po_json_str(recs[i], "name", ""));
		for (int m = 0; metrics[m].name; m++) {
			const json_t *v = metric_value(recs[i], metrics[m].name);
			json_object_set_new(row, metrics[m].name, v ? json_deep_copy(v) : json_null());
		}
		json_object_set_new(row, "converged",
				    json_boolean(po_json_bool(res, "converged", 0)));
		json_object_set(row, "convergence_iteration",
				json_object_get(res, "convergence_iteration") ?
				json_object_get(res, "convergence_iteration") : json_null());
		json_array_append_new(rows, row);
	}
	return rows;
}

json_t *po_batch_comparison(json_t *const *recs, size_t n)
{
	return json_pack("{s:f, s:o, s:o}", "confidence", CI_LEVEL, "experiments",
			 rows_json(recs, n), "groups", groups_json(recs, n));
}
