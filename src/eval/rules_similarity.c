/*
 * Rule scorers of similarity to the expected answer (or the check's value):
 * levenshtein (1 - edit distance / longer length) and f1 (token overlap, as
 * in SQuAD: lower-case alphanumeric words, multiset precision and recall).
 * The score is the similarity times 100; the check passes at "threshold"
 * (levenshtein 0.8, f1 0.5 by default).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/rules.h"
#include "util/mem.h"

#define LEVENSHTEIN_PASS 0.8
#define F1_PASS 0.5

/* Edit distance of a and b (bytes), two rows. */
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
	size_t *prev = po_xcalloc(nb + 1, sizeof(*prev)), *cur = po_xcalloc(nb + 1, sizeof(*cur));
	size_t d;

	for (size_t j = 0; j <= nb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t *t;

		cur[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	d = prev[nb];
	free(prev);
	free(cur);
	return d;
}

static double threshold(const struct po_check *c, double dflt)
{
	return isnan(c->threshold) ? dflt : c->threshold;
}

static void levenshtein(const struct po_check *c, struct po_case_result *it)
{
	char *want = po_rule_target(c, it->tc);
	size_t na, nb, longer;
	double sim;

	if (!want) {
		po_rule_error(it, "%s: no value and no \"expected\" to compare with", c->label);
		return;
	}
	na = strlen(it->output);
	nb = strlen(want);
	longer = na > nb ? na : nb;
	sim = longer ? 1.0 - (double)edit_distance(it->output, na, want, nb) / (double)longer : 1;
	po_rule_verdict(it, round(sim * 1e6) / 1e4, sim >= threshold(c, LEVENSHTEIN_PASS),
			"%s: similarity %.2f", c->label, sim);
	free(want);
}

/* The tokens of s: lower-case runs of letters and digits, in a new array. */
static char **tokens(const char *s, size_t *n)
{
	size_t cap = 8;
	char **v = po_xcalloc(cap, sizeof(*v));

	*n = 0;
	while (*s) {
		const char *start;

		while (*s && !isalnum((unsigned char)*s))
			s++;
		if (!*s)
			break;
		start = s;
		while (isalnum((unsigned char)*s))
			s++;
		if (*n == cap) {
			cap *= 2;
			v = po_xrealloc(v, cap * sizeof(*v));
		}
		v[*n] = po_xstrndup(start, (size_t)(s - start));
		for (char *p = v[*n]; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		(*n)++;
	}
	return v;
}

static int cmp_tok(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Tokens in common (as multisets), by a merge of the sorted lists. */
static size_t overlap(char **a, size_t na, char **b, size_t nb)
{
	size_t i = 0, j = 0, k = 0;

	qsort(a, na, sizeof(*a), cmp_tok);
	qsort(b, nb, sizeof(*b), cmp_tok);
	while (i < na && j < nb) {
		int d = strcmp(a[i], b[j]);

		k += d == 0;
		i += d <= 0;
		j += d >= 0;
	}
	return k;
}

static void f1(const struct po_check *c, struct po_case_result *it)
{
	char *want = po_rule_target(c, it->tc);
	char **a, **b;
	size_t na, nb, common;
	double f = 0;

	if (!want) {
		po_rule_error(it, "%s: no value and no \"expected\" to compare with", c->label);
		return;
	}
	a = tokens(it->output, &na);
	b = tokens(want, &nb);
	common = overlap(a, na, b, nb);
	if (!na && !nb)
		f = 1;
	else if (common)
		f = 2.0 * (double)common / (double)(na + nb);
	po_rule_verdict(it, round(f * 1e6) / 1e4, f >= threshold(c, F1_PASS), "%s: token F1 %.2f",
			c->label, f);
	for (size_t i = 0; i < na; i++)
		free(a[i]);
	for (size_t i = 0; i < nb; i++)
		free(b[i]);
	free(a);
	free(b);
	free(want);
}

PO_RULE_SCORER(levenshtein, "levenshtein",
	       "similarity to the expected answer: 1 - edit distance / length", levenshtein);
PO_RULE_SCORER(f1, "f1", "token F1 against the expected answer", f1);
