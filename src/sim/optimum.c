/*
 * The exact optimum over a set of test cases: the best mean expected score
 * one prompt can reach. Features that interact, damp others or apply
 * conditionally are tried in every combination; every other feature is then
 * asked for exactly when it adds to the mean; the instructions that name
 * cases are chosen by how many cases they name.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"
#include "util/mem.h"

/* What one case makes of each feature, in 0-100 points. */
struct case_view {
	unsigned traits;
	bool named;                /* has a name a prompt can address */
	double v[MAX_FEATURES];    /* points when the feature shows */
};

static double points(const struct catalogue *c, const double w[NCRIT])
{
	return po_sim_weighted_100(c, w);
}

/* The features tried in every combination, as indices; returns how many. */
static size_t coupled_features(const struct catalogue *c, size_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++) {
		bool in = !po_sim_per_case(c, i) && c->f[i].damp;
		for (size_t j = 0; j < c->ninter; j++)
			in = in || c->inter[j].a == i || c->inter[j].b == i;
		if (in)
			out[n++] = i;
	}
	return n;
}

/* The probability that feature f shows on case cv, given what is asked. */
static double prob(const struct catalogue *c, const struct case_view *cv, const bool *asked,
		   size_t f)
{
	const struct feature *x = &c->f[f];
	double p = asked[f] ? x->p_ask : x->p_base;

	for (size_t h = 0; h < c->n; h++) {
		const struct feature *d = &c->f[h];
		if (asked[h] && (d->damp & BIT(f)) && po_sim_damp_applies(c, h, cv->traits))
			p *= d->damp_factor;
	}
	return p;
}

/* The sum over cases of everything but the per-case features, for the
 * coupled features asked as in mask; the others chosen at their best. */
static double best_for_mask(const struct catalogue *c, const struct case_view *cv, size_t n,
			    const size_t *coupled, size_t ncoupled, unsigned long mask)
{
	bool asked[MAX_FEATURES] = { false }, is_coupled[MAX_FEATURES] = { false };
	bool implied[MAX_FEATURES] = { false };
	double total = 0, p[MAX_FEATURES];

	for (size_t k = 0; k < ncoupled; k++) {
		asked[coupled[k]] = (mask >> k) & 1;
		is_coupled[coupled[k]] = true;
	}
	/* A conditional instruction asks for what it conditions (features.c). */
	for (size_t k = 0; k < c->ncond; k++)
		if (asked[c->cond[k].feature])
			for (size_t f = 0; f < c->n; f++)
				if (c->f[c->cond[k].feature].damp & BIT(f))
					implied[f] = true;
	for (size_t f = 0; f < c->n; f++) {
		double yes = 0, no = 0;
		if (is_coupled[f] || po_sim_per_case(c, f))
			continue;
		for (size_t i = 0; i < n; i++) {
			asked[f] = true;
			yes += cv[i].v[f] * prob(c, &cv[i], asked, f);
			asked[f] = false;
			no += cv[i].v[f] * prob(c, &cv[i], asked, f);
		}
		total += yes > no || implied[f] ? yes : no;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < ncoupled; k++)
			p[coupled[k]] = prob(c, &cv[i], asked, coupled[k]);
		for (size_t k = 0; k < ncoupled; k++)
			total += cv[i].v[coupled[k]] * p[coupled[k]];
		for (size_t j = 0; j < c->ninter; j++)
			total += points(c, c->inter[j].w) * p[c->inter[j].a] * p[c->inter[j].b];
	}
	return total;
}

/* The sum over cases of the tailored and foreign points when the prompt
 * names the best number of cases (all cases weigh the same). */
static double best_naming(const struct catalogue *c, const struct case_view *cv, size_t n)
{
	size_t nnamed = 0;
	double best = 0, tail, foreign;

	if (!c->overfit)
		return 0;
	for (size_t i = 0; i < n; i++)
		nnamed += cv[i].named;
	tail = points(c, c->f[c->f_tailored].w) * c->f[c->f_tailored].p_ask;
	foreign = points(c, c->f[c->f_foreign].w);
	for (size_t m = 1; m <= nnamed && m <= 16; m++) {
		double in = tail + foreign * (1 - pow(1 - PO_SIM_FOREIGN_P, (double)(m - 1)));
		double out = foreign * (1 - pow(1 - PO_SIM_FOREIGN_P, (double)m));
		double g = (double)m * in + (double)(n - m) * out;
		if (g > best)
			best = g;
	}
	return best;
}

double po_sim_optimum_over(const struct catalogue *c, const json_t *const *inputs, size_t n)
{
	size_t m = n ? n : 1, coupled[MAX_FEATURES], ncoupled = coupled_features(c, coupled);
	struct case_view *cv = po_xcalloc(m, sizeof(*cv));
	double w[MAX_FEATURES][NCRIT], best = -INFINITY, base;

	for (size_t i = 0; i < m; i++) {
		char *name = n && c->overfit ? po_sim_case_name(inputs[i]) : NULL;
		cv[i].traits = n ? po_sim_traits(c, inputs[i]) : 0;
		cv[i].named = name != NULL;
		free(name);
		po_sim_case_weights(c, cv[i].traits, w);
		for (size_t f = 0; f < c->n; f++)
			cv[i].v[f] = points(c, w[f]);
	}
	for (unsigned long mask = 0; mask < (1UL << ncoupled); mask++) {
		double t = best_for_mask(c, cv, m, coupled, ncoupled, mask);
		if (t > best)
			best = t;
	}
	base = points(c, c->intercept);
	best = base + (best + best_naming(c, cv, m)) / (double)m;
	free(cv);
	return best;
}
