/*
 * Acceptance (see accept.h): the seed's greedy rule, and the significance
 * test the convergence detector shares with it.
 */
#include "opt/accept.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/stats.h"
#include "util/mem.h"
#include "util/rng.h"

void po_accept_config_init(struct po_accept_config *c)
{
	c->rule = PO_ACCEPT_GREEDY;
	c->min_improvement_percent = 0.1;
	c->alpha = 0.05;
	c->min_delta = 0;
	c->rounds = 2;
	c->incumbent_samples = 3;
	c->seed = 0;
}

const char *po_accept_rule_name(enum po_accept_rule r)
{
	switch (r) {
	case PO_ACCEPT_GREEDY:
		return "greedy";
	case PO_ACCEPT_PAIRED:
		return "paired";
	}
	return "unknown";
}

int po_accept_rule_parse(const char *name, enum po_accept_rule *out)
{
	if (name && !strcmp(name, "greedy"))
		*out = PO_ACCEPT_GREEDY;
	else if (name && !strcmp(name, "paired"))
		*out = PO_ACCEPT_PAIRED;
	else
		return -1;
	return 0;
}

bool po_accept_needs_remeasure(const struct po_accept_config *c)
{
	return c->rule == PO_ACCEPT_PAIRED;
}

void po_accept_paired_bounds(const struct po_accept_config *c, const struct po_evaluation *nom,
			     const struct po_evaluation *inc, double level,
			     struct po_accept_decision *d)
{
	size_t m = nom ? nom->n : 0, n = 0;
	double *x = po_xcalloc(m ? m : 1, sizeof(*x));

	*d = (struct po_accept_decision){ .gain = NAN, .low = NAN, .high = NAN };
	for (size_t i = 0; i < m; i++) {
		const struct po_case_result *a = &nom->cases[i], *b = NULL;
		for (size_t j = 0; inc && j < inc->n && !b; j++)
			if (inc->cases[j].tc == a->tc)
				b = &inc->cases[j];
		if (a->ok && b && b->ok)
			x[n++] = a->score - b->score;
	}
	(void)c;
	po_accept_diff_bounds(x, n, level, d);
	free(x);
}

void po_accept_diff_bounds(const double *x, size_t n, double level, struct po_accept_decision *d)
{
	struct po_ci ci;

	d->gain = d->low = d->high = NAN;
	d->cases = n;
	/* Student's t interval of the mean difference: with the few cases of a
	 * validation set (or of a racing block) a bootstrap interval is far too
	 * narrow (two differences give [min, max]); t widens it as it should. */
	if (n >= 2) {
		ci = po_stats_mean_ci(x, n, level);
		d->gain = ci.mean;
		d->low = ci.low;
		d->high = ci.high;
	}
}

/* The paired rule (see accept.h): a two-sided interval at 1 - 2 alpha has
 * the one-sided bound at its low end. */
static void decide_paired(const struct po_accept_config *c, const struct po_evaluation *nom,
			  const struct po_evaluation *inc, struct po_accept_decision *out)
{
	po_accept_paired_bounds(c, nom, inc, 1 - 2 * c->alpha, out);
	out->accept = isfinite(out->low) && out->low > c->min_delta;
}

bool po_accept_significant(double score, double best, double min_percent)
{
	if (!(score > best))
		return false;
	if (best <= 0)
		return true;
	/* The tolerance keeps a gain of exactly the threshold (e.g. 200 -> 200.2
	 * at 0.1 %) significant despite binary rounding. */
	return (score - best) / best * 100.0 >= min_percent - 1e-9;
}

void po_accept_decide(const struct po_accept_config *c, double nominee, double incumbent,
		      const struct po_evaluation *nominee_eval,
		      const struct po_evaluation *incumbent_eval, struct po_accept_decision *out)
{
	if (c->rule == PO_ACCEPT_PAIRED) {
		decide_paired(c, nominee_eval, incumbent_eval, out);
		out->accept = out->accept && isfinite(nominee);
	} else {
		out->gain = isfinite(nominee) ? nominee - incumbent : NAN;
		out->accept = isfinite(nominee) && nominee > incumbent;
	}
	out->significant = out->accept &&
			   po_accept_significant(nominee, incumbent, c->min_improvement_percent);
}
