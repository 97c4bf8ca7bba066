/*
 * What a test case changes in the simulator: its traits (read from its
 * inputs), the points each feature is worth on it, the conditional
 * instructions that apply to it, and the instructions that name it or
 * another case (overfitting). The expected criteria formula lives here too,
 * so that the judge and the ground truth share it.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"
#include "util/json.h"
#include "util/mem.h"

/* Case names shorter than this are not matched (too many false hits). */
#define NAME_MIN 4
/* The phrase the mutate role writes before a case's name. */
#define NAMING "when writing about "

bool po_sim_per_case(const struct catalogue *c, size_t f)
{
	return c->overfit && (f == c->f_tailored || f == c->f_foreign);
}

const struct conditional *po_sim_conditional(const struct catalogue *c, size_t f)
{
	for (size_t k = 0; k < c->ncond; k++)
		if (c->cond[k].feature == f)
			return &c->cond[k];
	return NULL;
}

bool po_sim_damp_applies(const struct catalogue *c, size_t h, unsigned traits)
{
	const struct conditional *x = po_sim_conditional(c, h);

	if (!c->f[h].damp || po_sim_per_case(c, h))
		return false;
	if (c->f[h].harmful)
		return true;
	return x && (traits & x->has) == x->has && !(traits & x->lacks);
}

unsigned po_sim_traits(const struct catalogue *c, const json_t *inputs)
{
	return c->traits && json_is_object(inputs) ? c->traits(inputs) : 0;
}

const struct case_effect *po_sim_case_effect(const struct catalogue *c, size_t f,
					     unsigned traits)
{
	for (size_t e = 0; e < c->neffects; e++) {
		const struct case_effect *x = &c->effects[e];
		if (x->feature == f && (traits & x->has) == x->has && !(traits & x->lacks))
			return x;
	}
	return NULL;
}

void po_sim_case_weights(const struct catalogue *c, unsigned traits, double w[][NCRIT])
{
	for (size_t i = 0; i < c->n; i++) {
		const struct case_effect *x = po_sim_case_effect(c, i, traits);
		memcpy(w[i], x ? x->w : c->f[i].w, sizeof(w[i]));
	}
}

void po_sim_criteria(const struct catalogue *c, const double w[][NCRIT], const double *p,
		     double out[NCRIT])
{
	for (int k = 0; k < NCRIT; k++) {
		out[k] = c->intercept[k];
		for (size_t i = 0; i < c->n; i++)
			out[k] += w[i][k] * p[i];
		for (size_t j = 0; j < c->ninter; j++)
			out[k] += c->inter[j].w[k] * p[c->inter[j].a] * p[c->inter[j].b];
	}
}

/* s lowercased and trimmed, spaces folded, as a new string. */
static char *fold(const char *s, size_t n)
{
	char *o = po_xmalloc(n + 1);
	size_t k = 0;
	bool space = false;

	for (size_t i = 0; i < n; i++) {
		if (isspace((unsigned char)s[i])) {
			space = k > 0;
			continue;
		}
		if (space)
			o[k++] = ' ';
		space = false;
		o[k++] = (char)tolower((unsigned char)s[i]);
	}
	o[k] = '\0';
	return o;
}

char *po_sim_case_name(const json_t *inputs)
{
	const char *v = po_json_str(inputs, "projectName", NULL);
	char *name;

	if (!v)
		return NULL;
	name = fold(v, strlen(v));
	if (strlen(name) < NAME_MIN) {
		free(name);
		return NULL;
	}
	return name;
}

size_t po_sim_named_cases(const char *lower, char **names, size_t max)
{
	size_t n = 0;

	for (const char *p = lower; n < max && (p = strstr(p, NAMING)); ) {
		const char *b = p + strlen(NAMING), *e = b;
		while (*e && !strchr(",.;:\n", *e))
			e++;
		p = e;
		if (e > b)
			names[n++] = fold(b, (size_t)(e - b));
	}
	return n;
}

/* The tailored feature (the prompt names this case) and the foreign one
 * (it names others): p of the foreign trace is 1 - (1 - PO_SIM_FOREIGN_P)^k for k
 * other names. */
static void assess_names(const struct catalogue *c, const char *lower, const json_t *inputs,
			 struct ask_state *st)
{
	char *own = po_sim_case_name(inputs), *names[16], *plain = po_xstrdup(lower);
	size_t n, foreign;
	const struct feature *t = &c->f[c->f_tailored];

	/* An example names its case as "When writing about NAME" would; the
	 * words inside examples are no instruction. */
	foreign = po_sim_demos_blank(plain) ? po_sim_demos_foreign(lower, own) : 0;
	n = po_sim_named_cases(plain, names, PO_ARRAY_SIZE(names));
	free(plain);
	for (size_t i = 0; i < n; i++) {
		foreign += !own || strcmp(names[i], own) != 0;
		free(names[i]);
	}
	st->asked[c->f_tailored] = own && strstr(lower, own);
	st->p[c->f_tailored] = st->asked[c->f_tailored] ?
		t->p_base + (t->p_ask - t->p_base) * st->dilution : t->p_base;
	st->asked[c->f_foreign] = foreign > 0;
	st->p[c->f_foreign] = 1.0 - pow(1.0 - PO_SIM_FOREIGN_P, (double)foreign);
	free(own);
}

void po_sim_assess_case(const struct catalogue *c, const char *lower, const json_t *inputs,
			struct ask_state *st)
{
	unsigned tr = po_sim_traits(c, inputs);

	st->traits = tr;
	for (size_t k = 0; k < c->ncond; k++) {
		const struct feature *f = &c->f[c->cond[k].feature];
		if (!st->asked[c->cond[k].feature] ||
		    !po_sim_damp_applies(c, c->cond[k].feature, tr))
			continue;
		for (size_t i = 0; i < c->n; i++)
			if (f->damp & BIT(i))
				st->p[i] *= f->damp_factor;
	}
	if (c->overfit)
		assess_names(c, lower, inputs, st);
}
