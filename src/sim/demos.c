/*
 * Few-shot examples in a prompt (the markers of core/tags.h): where they are,
 * what their outputs show, and how that moves the probability of each
 * feature in a generated output. An example is weaker than an instruction:
 * each one that shows a feature pulls it part of the way to its asked
 * probability, harmful features included; the examples' text lengthens the
 * prompt (dilution) but asks for nothing by its phrases.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/tags.h"
#include "sim/sim_internal.h"
#include "util/buf.h"
#include "util/json.h"

/* How far one example that shows a feature pulls its probability towards
 * the asked one (k examples: 1 - (1 - pull)^k, times the dilution for a
 * helpful feature). */
#define DEMO_PULL 0.5

/* [*b, *e) of the next `begin`...`end` block of s (markers included), or false. */
static bool next_block(const char *s, const char *begin, const char *end, const char **b,
		       const char **e)
{
	const char *p = strstr(s, begin), *q;

	if (!p)
		return false;
	q = strstr(p + strlen(begin), end);
	if (!q)
		return false;
	*b = p;
	*e = q + strlen(end);
	return true;
}

/* The text between begin and end inside [b, e), or [b, e) itself. */
static void part(const char *b, const char *e, const char *begin, const char *end,
		 const char **pb, size_t *len)
{
	const char *p = strstr(b, begin), *q;

	*pb = b;
	*len = (size_t)(e - b);
	if (!p || p >= e)
		return;
	p += strlen(begin);
	q = strstr(p, end);
	if (!q || q > e)
		return;
	*pb = p;
	*len = (size_t)(q - p);
}

size_t po_sim_demos_find(const char *lower, struct sim_demo *d, size_t max)
{
	const char *b, *e, *s = lower;
	size_t n = 0;

	while (n < max && next_block(s, PO_DEMO_BEGIN, PO_DEMO_END, &b, &e)) {
		const char *body = b + strlen(PO_DEMO_BEGIN), *end = e - strlen(PO_DEMO_END);
		d[n].text = body;
		d[n].len = (size_t)(end - body);
		part(body, end, PO_DEMO_INPUT_BEGIN, PO_DEMO_INPUT_END, &d[n].in, &d[n].in_len);
		part(body, end, PO_DEMO_OUTPUT_BEGIN, PO_DEMO_OUTPUT_END, &d[n].out, &d[n].out_len);
		n++;
		s = e;
	}
	return n;
}

static bool blank_blocks(char *lower, const char *begin, const char *end)
{
	const char *b, *e;
	char *s = lower;
	bool any = false;

	while (next_block(s, begin, end, &b, &e)) {
		memset(lower + (b - lower), ' ', (size_t)(e - b));
		s = lower + (e - lower);
		any = true;
	}
	return any;
}

bool po_sim_demos_blank(char *lower)
{
	/* Single examples first: the wrapper's end marker may follow one. */
	bool one = blank_blocks(lower, PO_DEMO_BEGIN, PO_DEMO_END);
	bool all = blank_blocks(lower, PO_DEMOS_BEGIN, PO_DEMOS_END);

	return one || all;
}

/* Which features one example's output shows. */
static void demo_shows(const struct catalogue *c, const struct sim_demo *d, bool *shows)
{
	struct po_buf out = PO_BUF_INIT;

	po_buf_addch(&out, '\n');
	po_buf_add(&out, d->out, d->out_len);
	if (po_sim_exact(c)) {
		struct po_buf in = PO_BUF_INIT;
		po_buf_add(&in, d->in, d->in_len);
		po_sim_ticket_demo_shows(in.data, out.data, shows);
		po_buf_release(&in);
	} else {
		po_sim_detect_output(c, out.data, shows);
	}
	po_buf_release(&out);
}

void po_sim_demos_apply(const struct catalogue *c, const char *lower, struct ask_state *st)
{
	struct sim_demo d[PO_SIM_MAX_DEMOS];
	size_t n = po_sim_demos_find(lower, d, PO_SIM_MAX_DEMOS);
	unsigned k[MAX_FEATURES] = { 0 };

	for (size_t j = 0; j < n; j++) {
		bool shows[MAX_FEATURES] = { false };
		demo_shows(c, &d[j], shows);
		for (size_t i = 0; i < c->n; i++)
			k[i] += shows[i];
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct feature *f = &c->f[i];
		double pull;
		if (!k[i] || po_sim_per_case(c, i) || st->p[i] >= f->p_ask)
			continue;
		pull = 1.0 - pow(1.0 - DEMO_PULL, (double)k[i]);
		if (!f->harmful)
			pull *= st->dilution;
		st->p[i] += (f->p_ask - st->p[i]) * pull;
	}
}

size_t po_sim_demos_foreign(const char *lower, const char *own)
{
	struct sim_demo d[PO_SIM_MAX_DEMOS];
	size_t n = po_sim_demos_find(lower, d, PO_SIM_MAX_DEMOS), foreign = 0;

	for (size_t j = 0; j < n; j++) {
		struct po_buf t = PO_BUF_INIT;
		po_buf_add(&t, d[j].text, d[j].len);
		foreign += !own || !strstr(t.data, own);
		po_buf_release(&t);
	}
	return foreign;
}
