/*
 * Acceptance: the one definition of "better" in promptopt. The experiment
 * asks it whether a strategy's nominee replaces the incumbent, and the
 * convergence detector asks it whether a gain is significant (resets the
 * patience). The seed's greedy rule is the default: a higher mean by any
 * amount is accepted; a gain of at least min_improvement_percent of the
 * best is significant.
 *
 * Ownership: nothing here allocates; evaluations are borrowed.
 */
#ifndef PO_ACCEPT_H
#define PO_ACCEPT_H

#include <stdbool.h>
#include <stdint.h>

#include "eval/evaluate.h"

enum po_accept_rule {
	PO_ACCEPT_GREEDY = 0,   /* the seed's: higher mean by any amount */
	PO_ACCEPT_PAIRED,       /* a one-sided paired test against the incumbent
	                         * measured again on the same cases */
};

struct po_accept_config {
	enum po_accept_rule rule;
	double min_improvement_percent; /* significance, as the convergence detector's */
	double alpha;                   /* paired: the test's level, in (0, 0.5) */
	double min_delta;               /* paired: the lower bound must exceed it, points */
	int rounds;                     /* paired: most samples of a nominee per case (>= 1) */
	int incumbent_samples;          /* paired: fresh samples of the incumbent per case */
	uint64_t seed;                  /* the run's seed (for rules that draw) */
};

struct po_accept_decision {
	bool accept;       /* the nominee replaces the incumbent */
	bool significant;  /* the gain counts as progress for the stop rule */
	double gain;       /* nominee minus incumbent, in score points (NAN: no score) */
	double low, high;  /* paired: the bounds of the gain at the test's level */
	size_t cases;      /* paired: the cases compared */
};

void po_accept_config_init(struct po_accept_config *c);

/* Name of a rule ("greedy", "paired"). */
const char *po_accept_rule_name(enum po_accept_rule r);
/* The rule of a name; -1 for an unknown one. */
int po_accept_rule_parse(const char *name, enum po_accept_rule *out);

/* True when the rule compares per case with the incumbent measured again
 * (the experiment then evaluates the incumbent on the nominee's cases,
 * with the nominee's sample index, before it decides). */
bool po_accept_needs_remeasure(const struct po_accept_config *c);

/*
 * Decides on a nominee scored `nominee` against an incumbent scored
 * `incumbent` (evaluations may be NULL when the rule needs only the means).
 * The paired rule takes the per-case differences of the cases both scored
 * and accepts when the lower end of the one-sided (1 - alpha) Student's t
 * bound of their mean exceeds min_delta; gain is then that mean.
 */
void po_accept_decide(const struct po_accept_config *c, double nominee, double incumbent,
		      const struct po_evaluation *nominee_eval,
		      const struct po_evaluation *incumbent_eval, struct po_accept_decision *out);

/*
 * The paired comparison at a two-sided `level`: the mean per-case gain of
 * nominee over incumbent on the cases both scored, and its Student's t
 * bounds (d->gain, d->low, d->high, d->cases; gain NAN when fewer than 2
 * cases). accept and significant are left false.
 */
void po_accept_paired_bounds(const struct po_accept_config *c, const struct po_evaluation *nominee,
			     const struct po_evaluation *incumbent, double level,
			     struct po_accept_decision *d);

/*
 * The same from per-case differences x[0..n) (nominee minus incumbent,
 * points): the mean and its Student's t bounds at the two-sided `level`
 * (gain NAN when n < 2).
 */
void po_accept_diff_bounds(const double *x, size_t n, double level, struct po_accept_decision *d);

/*
 * True when `score` is a significant gain over `best`: higher, and by at
 * least min_percent of best (any gain when best <= 0, where a relative gain
 * is undefined). A score equal to the best is never significant.
 */
bool po_accept_significant(double score, double best, double min_percent);

#endif
