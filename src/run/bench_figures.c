/*
 * The figures of a bench, per strategy over its seeds (see bench.h and
 * docs/bench.md): calls to reach 90 % and 95 % of the way to the optimum,
 * the final true score, the winner's curse, false accepts and missed
 * improvements, and the curve of true score against calls.
 */
#include <math.h>
#include <stdlib.h>

#include "eval/stats.h"
#include "run/bench.h"
#include "run/bench_internal.h"
#include "util/mem.h"

/* A number, or null when it is not finite (never reached: infinite). */
static json_t *num(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *calls_to(struct bench_run *const *runs, size_t n, bool ninety)
{
	double *v = po_xcalloc(n ? n : 1, sizeof(*v));
	size_t reached = 0;
	json_t *o;

	for (size_t i = 0; i < n; i++) {
		v[i] = ninety ? runs[i]->calls_to_90 : runs[i]->calls_to_95;
		reached += isfinite(v[i]);
	}
	o = json_pack("{s:o, s:o, s:f}", "median", num(po_stats_quantile(v, n, 0.5)), "p90",
		      num(po_stats_quantile(v, n, 0.9)), "reached",
		      n ? (double)reached / (double)n : 0.0);
	free(v);
	return o;
}

/* The incumbent's true score of run r once `calls` calls were made (its
 * last value once the run ended). */
static double true_at(const struct bench_run *r, double calls)
{
	double t = r->ntraj ? r->traj_true[0] : NAN;

	for (size_t k = 0; k < r->ntraj && r->traj_calls[k] <= calls; k++)
		t = r->traj_true[k];
	return t;
}

/* Median and 10-90 % band of the true score against calls spent. */
static json_t *curve(struct bench_run *const *runs, size_t n, double max_calls)
{
	json_t *xs = json_array(), *p10 = json_array(), *p50 = json_array(), *p90 = json_array();
	double *v = po_xcalloc(n ? n : 1, sizeof(*v));

	for (int k = 0; n && k <= PO_BENCH_CURVE_POINTS; k++) {
		double x = max_calls * k / PO_BENCH_CURVE_POINTS;
		for (size_t i = 0; i < n; i++)
			v[i] = true_at(runs[i], x);
		json_array_append_new(xs, json_real(round(x)));
		json_array_append_new(p10, num(po_stats_quantile(v, n, 0.1)));
		json_array_append_new(p50, num(po_stats_quantile(v, n, 0.5)));
		json_array_append_new(p90, num(po_stats_quantile(v, n, 0.9)));
	}
	free(v);
	return json_pack("{s:o, s:o, s:o, s:o}", "calls", xs, "p10", p10, "p50", p50, "p90", p90);
}

/* The upper edges of the gain bins but the last (points). */
static const double gain_edges[PO_BENCH_GAIN_BINS - 1] = { -5, -2, -1, 0, 1, 2, 5 };

int po_bench_gain_bin(double gain)
{
	int b = 0;

	while (b < PO_BENCH_GAIN_BINS - 1 && gain >= gain_edges[b])
		b++;
	return b;
}

/* The acceptance rate per bin of true gain, and the false-accept and
 * missed rates of the nominees more than a point worse or better. */
static void power_curve(struct bench_run *const *runs, size_t n, json_t *o)
{
	json_t *bins = json_array();
	long worse = 0, fa = 0, better = 0, acc = 0;

	for (int b = 0; b < PO_BENCH_GAIN_BINS; b++) {
		long nb = 0, ab = 0;
		for (size_t i = 0; i < n; i++) {
			nb += runs[i]->bin_n[b];
			ab += runs[i]->bin_acc[b];
		}
		json_array_append_new(bins, json_pack("{s:o, s:o, s:I, s:o}", "from",
						      b ? json_real(gain_edges[b - 1]) : json_null(),
						      "to", b < PO_BENCH_GAIN_BINS - 1 ?
						      json_real(gain_edges[b]) : json_null(),
						      "decisions", (json_int_t)nb, "accepted",
						      nb ? json_real((double)ab / (double)nb) :
						      json_null()));
		if (b < PO_BENCH_GAIN_BINS - 1 && gain_edges[b] <= -1) {
			worse += nb;
			fa += ab;
		} else if (b && gain_edges[b - 1] >= 1) {
			better += nb;
			acc += ab;
		}
	}
	json_object_set_new(o, "acceptance_by_true_gain", bins);
	json_object_set_new(o, "false_accept_rate_1pt",
			    num(worse ? (double)fa / (double)worse : NAN));
	json_object_set_new(o, "missed_improvement_rate_1pt",
			    num(better ? 1 - (double)acc / (double)better : NAN));
}

/* Sums of the decisions checked against the truth. */
static void rates(struct bench_run *const *runs, size_t n, double *false_accept, double *missed)
{
	long worse = 0, fa = 0, better = 0, miss = 0;

	for (size_t i = 0; i < n; i++) {
		worse += runs[i]->truly_worse;
		fa += runs[i]->false_accepts;
		better += runs[i]->truly_better;
		miss += runs[i]->missed;
	}
	*false_accept = worse ? (double)fa / (double)worse : NAN;
	*missed = better ? (double)miss / (double)better : NAN;
}

/* With held-out cases: how often the interval held the true improvement,
 * the reported held-out minus the true one, and validation minus held-out. */
static void heldout(struct bench_run *const *runs, size_t n, json_t *o)
{
	double *over = po_xcalloc(n ? n : 1, sizeof(double));
	double *gap = po_xcalloc(n ? n : 1, sizeof(double));
	size_t m = 0, covered = 0;

	for (size_t i = 0; i < n; i++) {
		if (!runs[i]->heldout || !isfinite(runs[i]->ho_true))
			continue;
		covered += runs[i]->ho_low <= runs[i]->ho_true + 1e-9 &&
			   runs[i]->ho_true <= runs[i]->ho_high + 1e-9;
		over[m] = runs[i]->ho_imp - runs[i]->ho_true;
		gap[m++] = runs[i]->ho_val - runs[i]->ho_imp;
	}
	if (m) {
		json_object_set_new(o, "ci_coverage", json_real((double)covered / (double)m));
		json_object_set_new(o, "heldout_gap", json_pack("{s:o, s:o}", "mean",
								num(po_stats_mean(gap, m)), "sd",
								num(m > 1 ? po_stats_sd(gap, m) : NAN)));
		json_object_set_new(o, "heldout_overstatement",
				    json_pack("{s:o, s:o}", "mean", num(po_stats_mean(over, m)),
					      "sd", num(m > 1 ? po_stats_sd(over, m) : NAN)));
	}
	free(over);
	free(gap);
}

json_t *po_bench_strategy_figures(const char *strategy, struct bench_run *const *runs, size_t n,
				  double max_calls)
{
	struct bench_run **ok = po_xcalloc(n ? n : 1, sizeof(*ok));
	double *fin, *over, *calls, *wall, fa, miss, opt = NAN;
	size_t m = 0;
	json_t *o;

	for (size_t i = 0; i < n; i++)
		if (!runs[i]->failed)
			ok[m++] = runs[i];
	fin = po_xcalloc(m ? m : 1, sizeof(double));
	over = po_xcalloc(m ? m : 1, sizeof(double));
	calls = po_xcalloc(m ? m : 1, sizeof(double));
	wall = po_xcalloc(m ? m : 1, sizeof(double));
	for (size_t i = 0; i < m; i++) {
		fin[i] = ok[i]->best_true;
		over[i] = ok[i]->reported_imp - ok[i]->true_imp;
		calls[i] = (double)ok[i]->calls;
		wall[i] = ok[i]->wall_s;
		opt = ok[i]->optimum;
	}
	rates(ok, m, &fa, &miss);
	o = json_pack("{s:s, s:I, s:I, s:o, s:o, s:{s:o, s:o, s:o, s:o}, s:o, s:o, s:{s:o, s:o}, s:o, s:o, s:n, s:n, s:o, s:o, s:o}",
		      "strategy", strategy, "runs", (json_int_t)m, "failed", (json_int_t)(n - m),
		      "calls_to_90", calls_to(ok, m, true), "calls_to_95", calls_to(ok, m, false),
		      "final_true", "mean", num(m ? po_stats_mean(fin, m) : NAN), "p5",
		      num(po_stats_quantile(fin, m, 0.05)), "p50", num(po_stats_quantile(fin, m, 0.5)),
		      "p95", num(po_stats_quantile(fin, m, 0.95)), "optimum", num(opt), "gap",
		      num(m ? opt - po_stats_mean(fin, m) : NAN), "overstatement", "mean",
		      num(m ? po_stats_mean(over, m) : NAN), "sd",
		      num(m > 1 ? po_stats_sd(over, m) : NAN), "false_accept_rate", num(fa),
		      "missed_improvement_rate", num(miss), "ci_coverage", "heldout_gap",
		      "calls_mean", num(m ? po_stats_mean(calls, m) : NAN), "wall_mean",
		      num(m ? po_stats_mean(wall, m) : NAN), "curve", curve(ok, m, max_calls));
	heldout(ok, m, o);
	power_curve(ok, m, o);
	free(fin);
	free(over);
	free(calls);
	free(wall);
	free(ok);
	return o;
}

json_t *po_bench_run_json(const struct bench_run *r)
{
	json_t *o = json_pack("{s:s, s:I, s:b}", "strategy", r->strategy, "seed",
			      (json_int_t)r->seed, "ok", !r->failed);

	if (r->failed) {
		json_object_set_new(o, "error", json_string(r->error));
		return o;
	}
	json_object_set_new(o, "true_baseline", num(r->base_true));
	json_object_set_new(o, "true_best", num(r->best_true));
	json_object_set_new(o, "reported_improvement", num(r->reported_imp));
	json_object_set_new(o, "true_improvement", num(r->true_imp));
	json_object_set_new(o, "calls", json_integer(r->calls));
	json_object_set_new(o, "calls_to_90", num(r->calls_to_90));
	json_object_set_new(o, "calls_to_95", num(r->calls_to_95));
	json_object_set_new(o, "accepted", json_integer(r->accepts));
	json_object_set_new(o, "false_accepts", json_integer(r->false_accepts));
	json_object_set_new(o, "truly_better", json_integer(r->truly_better));
	json_object_set_new(o, "missed", json_integer(r->missed));
	if (r->heldout)
		json_object_set_new(o, "heldout", json_pack("{s:o, s:o, s:o, s:o}", "improvement",
							    num(r->ho_imp), "ci_low", num(r->ho_low),
							    "ci_high", num(r->ho_high), "true",
							    num(r->ho_true)));
	return o;
}
