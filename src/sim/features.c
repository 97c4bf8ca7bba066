/*
 * Detecting features: which features of the catalogue a prompt asks for
 * (phrases, unless negated; diluted by length), whether it lost a
 * placeholder, and which features an output shows (the judge's marks).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"
#include "util/mem.h"

/* Templates longer than this dilute every instruction (see docs). */
#define DILUTE_START 2500.0
#define DILUTE_SPAN 4000.0
#define DILUTE_FLOOR 0.35

static const char *const negators[] = {
	"no ", "not ", "don't ", "do not ", "avoid ", "without ", "never ", "skip ", "omit ",
	"leave out ", "instead of ", NULL
};

/* True when the words just before pos (same sentence, 20 chars) negate it:
 * "avoid superlatives" must not count as asking for superlatives. */
static bool negated(const char *s, size_t pos)
{
	size_t from = pos > 20 ? pos - 20 : 0;

	for (size_t i = pos; i > from; i--) {
		char c = s[i - 1];
		if (c == '.' || c == '\n' || c == '!' || c == '?' || c == ';') {
			from = i;
			break;
		}
	}
	for (const char *const *n = negators; *n; n++) {
		size_t len = strlen(*n);
		for (size_t i = from; i + len <= pos; i++)
			if (!memcmp(s + i, *n, len) && (i == 0 || !isalpha((unsigned char)s[i - 1])))
				return true;
	}
	return false;
}

/* Position of the first affirmative occurrence of one of the phrases, or -1. */
long po_sim_find_ask(const char *lower, const char *const *phrases)
{
	for (const char *const *ph = phrases; *ph; ph++) {
		const char *p = lower;
		while ((p = strstr(p, *ph))) {
			if (!negated(lower, (size_t)(p - lower)))
				return (long)(p - lower);
			p++;
		}
	}
	return -1;
}

static size_t count_occurrences(const char *s, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	while ((s = strstr(s, needle))) {
		n++;
		s += len;
	}
	return n;
}

static double dilution_for(size_t len)
{
	double d = 1.0 - ((double)len - DILUTE_START) / DILUTE_SPAN;

	if ((double)len <= DILUTE_START)
		return 1.0;
	return d < DILUTE_FLOOR ? DILUTE_FLOOR : d;
}

/* Fills which features `lower` (a lowercased prompt of `len` chars) asks
 * for, and the probability that each shows in the output. */
void po_sim_assess(const struct catalogue *c, const char *lower, size_t len, struct ask_state *st)
{
	/* Examples ask for nothing by their words, only by what they show. */
	char *plain = po_xstrdup(lower);
	bool demos = po_sim_demos_blank(plain);

	st->length = len;
	st->dilution = dilution_for(len);
	st->traits = 0;
	for (size_t i = 0; i < c->n; i++)
		st->asked[i] = !po_sim_per_case(c, i) && po_sim_find_ask(plain, c->f[i].asks) >= 0;
	free(plain);
	/* "Include pricing only when the product has a price" asks for pricing. */
	for (size_t k = 0; k < c->ncond; k++)
		if (st->asked[c->cond[k].feature])
			for (size_t i = 0; i < c->n; i++)
				if (c->f[c->cond[k].feature].damp & BIT(i))
					st->asked[i] = true;
	for (size_t i = 0; i < c->n; i++) {
		const struct feature *f = &c->f[i];
		if (po_sim_per_case(c, i)) /* po_sim_assess_case decides */
			st->p[i] = 0;
		else if (f->harmful)
			st->p[i] = st->asked[i] ? f->p_ask : f->p_base;
		else
			st->p[i] = st->asked[i] ? f->p_base + (f->p_ask - f->p_base) * st->dilution
						: f->p_base;
	}
	if (demos)
		po_sim_demos_apply(c, lower, st);
	for (size_t h = 0; h < c->n; h++) {
		if (!c->f[h].harmful || !st->asked[h] || !c->f[h].damp)
			continue;
		for (size_t i = 0; i < c->n; i++)
			if (c->f[h].damp & BIT(i))
				st->p[i] *= c->f[h].damp_factor;
	}
}

static bool placeholder_in(const char *template, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = template; (p = strchr(p, '{')); p++)
		if (!strncmp(p + 1, name, n) && p[1 + n] == '}' && (p == template || p[-1] != '{'))
			return true;
	return false;
}

/*
 * A prompt "lost its placeholders" when the template lacks {name} for an
 * input (or, without a template, the rendered prompt lacks an input's value):
 * the model then has nothing to write about and drifts off topic.
 */
bool po_sim_lost_inputs(const char *template, const char *system_template,
			const char *prompt, const char *system, const json_t *inputs)
{
	const char *key;
	const json_t *v;

	if (!json_is_object(inputs))
		return false;
	json_object_foreach((json_t *)inputs, key, v) {
		if (template) {
			if (!placeholder_in(template, key) &&
			    !(system_template && placeholder_in(system_template, key)))
				return true;
		} else if (json_is_string(v) && json_string_length(v) > 0) {
			const char *s = json_string_value(v);
			if (!(prompt && strstr(prompt, s)) && !(system && strstr(system, s)))
				return true;
		}
	}
	return false;
}


void po_sim_detect_output(const struct catalogue *c, const char *lower, bool *present)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct feature *f = &c->f[i];
		switch (f->mode) {
		case MARK_PRESENT:
			present[i] = strstr(lower, f->mark) != NULL;
			break;
		case MARK_ABSENT:
			present[i] = strstr(lower, f->mark) == NULL;
			break;
		case MARK_COUNT:
			present[i] = count_occurrences(lower, f->mark) >= (size_t)f->min_count;
			break;
		default:
			present[i] = false;
		}
	}
}
