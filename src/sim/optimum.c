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

/* What the cases with one set of traits make of each feature, in 0-100 points. */
struct case_group {
	unsigned traits;
	double count;              /* cases with these traits */
	double v[MAX_FEATURES];    /* points when the feature shows */
	double damp[MAX_FEATURES]; /* for the mask being tried */
};

/* At most one group per combination of the traits. */
#define MAX_GROUPS 16

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

/* Each group's damp factors for what is asked (only coupled features damp). */
static void set_damps(const struct catalogue *c, struct case_group *g, size_t ng,
		      const bool *asked, const size_t *coupled, size_t ncoupled)
{
	for (size_t k = 0; k < ng; k++) {
		for (size_t f = 0; f < c->n; f++)
			g[k].damp[f] = 1.0;
		for (size_t j = 0; j < ncoupled; j++) {
			size_t h = coupled[j];
			if (!asked[h] || !po_sim_damp_applies(c, h, g[k].traits))
				continue;
			for (size_t f = 0; f < c->n; f++)
				if (c->f[h].damp & BIT(f))
					g[k].damp[f] *= c->f[h].damp_factor;
		}
	}
}

/* The sum over cases of everything but the per-case features, for the
 * coupled features asked as in mask; the others chosen at their best. */
static double best_for_mask(const struct catalogue *c, struct case_group *g, size_t ng,
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
	set_damps(c, g, ng, asked, coupled, ncoupled);
	for (size_t f = 0; f < c->n; f++) {
		double yes = 0, no = 0;
		if (is_coupled[f] || po_sim_per_case(c, f))
			continue;
		for (size_t k = 0; k < ng; k++) {
			yes += g[k].count * g[k].v[f] * c->f[f].p_ask * g[k].damp[f];
			no += g[k].count * g[k].v[f] * c->f[f].p_base * g[k].damp[f];
		}
		total += yes > no || implied[f] ? yes : no;
	}
	for (size_t k = 0; k < ng; k++) {
		double sum = 0;
		for (size_t j = 0; j < ncoupled; j++) {
			size_t f = coupled[j];
			p[f] = (asked[f] ? c->f[f].p_ask : c->f[f].p_base) * g[k].damp[f];
			sum += g[k].v[f] * p[f];
		}
		for (size_t j = 0; j < c->ninter; j++)
			sum += points(c, c->inter[j].w) * p[c->inter[j].a] * p[c->inter[j].b];
		total += g[k].count * sum;
	}
	return total;
}

/* The sum over cases of the tailored and foreign points when the prompt
 * names the best number of the nnamed cases that have a name (all cases
 * weigh the same). */
static double best_naming(const struct catalogue *c, size_t nnamed, size_t n)
{
	double best = 0, tail, foreign;

	if (!c->overfit)
		return 0;
	tail = points(c, c->f[c->f_tailored].w) * c->f[c->f_tailored].p_ask;
	foreign = points(c, c->f[c->f_foreign].w);
	for (size_t m = 1; m <= nnamed && m <= 16; m++) {
		double in = tail + foreign * (1 - pow(1 - PO_SIM_FOREIGN_P, (double)(m - 1)));
		double out = foreign * (1 - pow(1 - PO_SIM_FOREIGN_P, (double)m));
		double gm = (double)m * in + (double)(n - m) * out;
		if (gm > best)
			best = gm;
	}
	return best;
}

/* Groups the cases by their traits; returns how many groups. */
static size_t group_cases(const struct catalogue *c, const json_t *const *inputs, size_t n,
			  struct case_group *g, size_t *nnamed)
{
	size_t ng = 0;
	double w[MAX_FEATURES][NCRIT];

	*nnamed = 0;
	for (size_t i = 0; i < (n ? n : 1); i++) {
		unsigned t = n ? po_sim_traits(c, inputs[i]) : 0;
		char *name = n && c->overfit ? po_sim_case_name(inputs[i]) : NULL;
		size_t k = 0;
		*nnamed += name != NULL;
		free(name);
		while (k < ng && g[k].traits != t)
			k++;
		if (k == ng) {
			g[ng].traits = t;
			g[ng].count = 0;
			po_sim_case_weights(c, t, w);
			for (size_t f = 0; f < c->n; f++)
				g[ng].v[f] = points(c, w[f]);
			ng++;
		}
		g[k].count += 1;
	}
	return ng;
}

double po_sim_optimum_over(const struct catalogue *c, const json_t *const *inputs, size_t n)
{
	size_t m = n ? n : 1, coupled[MAX_FEATURES], ncoupled = coupled_features(c, coupled);
	struct case_group g[MAX_GROUPS];
	size_t nnamed, ng = group_cases(c, inputs, n, g, &nnamed);
	double best = -INFINITY;

	for (unsigned long mask = 0; mask < (1UL << ncoupled); mask++) {
		double t = best_for_mask(c, g, ng, coupled, ncoupled, mask);
		if (t > best)
			best = t;
	}
	return points(c, c->intercept) + (best + best_naming(c, nnamed, m)) / (double)m;
}
