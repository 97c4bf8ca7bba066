/*
 * The judge role: scores the output in a judge request from the features it
 * really shows (plus one seeded noise draw) and answers with the seed's judge
 * JSON: overall and criteria scores, strengths, and improvements naming what
 * is missing or harmful.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tags.h"
#include "sim/sim_internal.h"
#include "util/json.h"
#include "util/mem.h"

/* Input values shorter than this are not blanked before judging: blanking
 * "Q" would destroy the judge's own markers. */
#define BLANK_MIN 12
/* The off-topic outputs of every catalogue say this. */
#define OFFTOPIC_MARK "did not say which"

/*
 * Blanks the test case's own text out of a lowercased output before the
 * judge looks for markers, so that an input that happens to say "how it
 * works" cannot fake a feature. Outputs quote inputs capped at 120 chars or
 * more, so occurrences are found by that prefix and extended while they match.
 */
static void blank_inputs(char *lower, const json_t *inputs)
{
	const char *key;
	const json_t *v;

	if (!json_is_object(inputs))
		return;
	json_object_foreach((json_t *)inputs, key, v) {
		struct po_buf val = PO_BUF_INIT;
		char *lv, *p, save;
		size_t plen;
		if (!json_is_string(v))
			continue;
		po_sim_add_value(&val, json_string_value(v), 600);
		if (val.len >= BLANK_MIN) {
			lv = po_sim_lower_dup(val.data, NULL, NULL);
			plen = val.len < 120 ? val.len : 120;
			save = lv[plen];
			lv[plen] = '\0';
			for (p = lower; (p = strstr(p, lv));) {
				size_t k = plen;
				lv[plen] = save;
				while (lv[k] && p[k] == lv[k])
					k++;
				lv[plen] = '\0';
				memset(p, ' ', k);
				p += k;
			}
			free(lv);
		}
		po_buf_release(&val);
	}
}

struct rubric_item {
	const char *key;
	double weight;
};

static size_t read_rubric(const struct catalogue *c, const json_t *meta,
			  struct rubric_item *items, size_t max)
{
	const json_t *rub = json_object_get(meta, "rubric"), *v;
	size_t n = 0, i;
	const char *key;

	if (json_is_array(rub)) {
		json_array_foreach(rub, i, v) {
			const char *k = po_json_str(v, "key", NULL);
			if (k && n < max)
				items[n++] = (struct rubric_item){ k, po_json_num(v, "weight", 1.0) };
		}
	} else if (json_is_object(rub)) {
		json_object_foreach((json_t *)rub, key, v) {
			if (json_is_number(v) && n < max)
				items[n++] = (struct rubric_item){ key, json_number_value(v) };
		}
	}
	if (n)
		return n;
	for (int k = 0; k < NCRIT; k++)
		items[k] = (struct rubric_item){ c->crit[k], c->crit_w[k] };
	return NCRIT;
}

static double clamp5(double x)
{
	return x < 0 ? 0 : x > 5 ? 5 : x;
}

static double round2(double x)
{
	return floor(x * 100.0 + 0.5) / 100.0;
}

static void add_string_array(struct po_buf *b, const char *const *s, size_t n)
{
	po_buf_addch(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			po_buf_adds(b, ", ");
		po_json_escape(b, s[i]);
	}
	po_buf_addch(b, ']');
}

/* A judge's view of one output: what it shows and what it earns. */
struct verdict {
	bool offtopic;
	bool present[MAX_FEATURES];
	unsigned traits;                  /* of the test case, from its inputs */
	double w[MAX_FEATURES][NCRIT];    /* what each feature is worth on it */
	size_t words;                     /* of the output */
	double crit[NCRIT], quality;      /* noise-free */
	struct rubric_item items[32];
	double vals[32], overall;         /* with noise, rounded, as written */
	size_t nitems;
	const char *strengths[MAX_FEATURES], *improvements[MAX_FEATURES + 8];
	char tailor[256];                 /* the improvement that names the case */
	size_t ns, ni, nfound;
};

static size_t count_words(const char *s)
{
	size_t n = 0;

	for (const char *p = s; *p; p++)
		n += !isspace((unsigned char)*p) && (p == s || isspace((unsigned char)p[-1]));
	return n;
}

/* Which features an output shows, and whether it is off topic. */
static void judge_read_output(const struct catalogue *c, const char *output,
			      const json_t *inputs, struct verdict *v)
{
	char *lower, *trimmed, *name;

	v->words = count_words(output);
	v->traits = po_sim_traits(c, inputs);
	po_sim_case_weights(c, v->traits, v->w);
	name = c->overfit ? po_sim_case_name(inputs) : NULL;
	if (name) {
		const char *n = po_json_str(inputs, "projectName", "");
		snprintf(v->tailor, sizeof(v->tailor), "Anchor it in %.80s: lead with what sets "
			 "%.80s apart for its own customers.", n, n);
	}
	free(name);
	lower = po_sim_lower_dup(output, NULL, "\n");
	blank_inputs(lower, inputs);
	trimmed = lower;
	while (*trimmed && isspace((unsigned char)*trimmed))
		trimmed++;
	v->offtopic = strstr(lower, OFFTOPIC_MARK) || strlen(trimmed) < 40;
	po_sim_detect_output(c, lower, v->present);
	free(lower);
}

/* The same for the output under evaluation in a judge request. */
static void judge_read(const struct catalogue *c, const struct po_llm_request *req,
		       struct verdict *v)
{
	char *output = po_sim_between(req->prompt, PO_JUDGE_OUTPUT_BEGIN, PO_JUDGE_OUTPUT_END);

	if (!output)
		output = po_xstrdup(req->prompt ? req->prompt : "");
	judge_read_output(c, output, json_object_get(req->metadata, "inputs"), v);
	free(output);
}

/* Noise-free criteria of a verdict whose features are read. */
static void judge_criteria(const struct catalogue *c, struct verdict *v)
{
	if (v->offtopic) {
		memcpy(v->crit, c->offtopic, sizeof(v->crit));
	} else {
		double x[MAX_FEATURES];
		for (size_t i = 0; i < c->n; i++)
			x[i] = v->present[i] ? 1.0 : 0.0;
		po_sim_criteria(c, (const double(*)[NCRIT])v->w, x, v->crit);
	}
	v->quality = po_sim_weighted_100(c, v->crit) / 20.0;
}

/* The criteria of the request's rubric (or the catalogue's) and the overall score. */
static void judge_score(const struct po_sim *sim, const struct po_llm_request *req,
			struct po_rng *rng, struct verdict *v)
{
	const struct catalogue *c = sim->cat;
	double overall = 0, wsum = 0, e;

	judge_criteria(c, v);

	/* One noise draw shared by all criteria: the weighted score then has
	 * exactly the configured standard deviation, whatever the rubric. The
	 * verbosity bias moves every criterion the same way. */
	e = sim->cfg.noise / 20.0 * po_rng_normal(rng);
	if (sim->cfg.verbosity_bias > 0)
		e += sim->cfg.verbosity_bias / 20.0 * ((double)v->words - 300.0) / 100.0;
	v->nitems = read_rubric(c, req->metadata, v->items, PO_ARRAY_SIZE(v->items));

	for (size_t j = 0; j < v->nitems; j++) {
		double x = v->quality;
		for (int k = 0; k < NCRIT; k++)
			if (!strcmp(v->items[j].key, c->crit[k]))
				x = v->crit[k];
		v->vals[j] = round2(clamp5(x + e));
		overall += v->items[j].weight * v->vals[j];
		wsum += v->items[j].weight;
	}
	v->overall = wsum > 0 ? round2(overall / wsum) : round2(clamp5(v->quality + e));
}

/* The improvements for what hurts this output: harmful features, features
 * that cost points on this case, conflicting pairs that both showed. */
static void judge_what_hurts(const struct catalogue *c, struct verdict *v)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->f[i].harmful && v->present[i] && c->f[i].improve)
			v->improvements[v->ni++] = c->f[i].improve;
	for (size_t i = 0; i < c->n; i++) {
		const struct case_effect *x = po_sim_case_effect(c, i, v->traits);
		if (x && x->improve && v->present[i] && !c->f[i].harmful)
			v->improvements[v->ni++] = x->improve;
	}
	for (size_t j = 0; j < c->ninter; j++)
		if (c->inter[j].improve && v->present[c->inter[j].a] && v->present[c->inter[j].b])
			v->improvements[v->ni++] = c->inter[j].improve;
}

/* Strengths (up to 5), then improvements: the harmful features that showed,
 * then the missing ones, biggest loss first (with some judge-to-judge
 * variation in the order), up to 6 in all. */
static void judge_feedback(const struct catalogue *c, struct po_rng *rng, struct verdict *v)
{
	double order[MAX_FEATURES], value[MAX_FEATURES];

	for (size_t i = 0; i < c->n; i++) {
		const struct feature *f = &c->f[i];
		double impact = 0;
		value[i] = po_sim_weighted_100(c, v->w[i]);
		for (int k = 0; k < NCRIT; k++)
			impact += c->crit_w[k] * fabs(v->w[i][k]);
		/* A feature that pays off only with a partner is worth its share. */
		for (size_t j = 0; j < c->ninter; j++) {
			double x = po_sim_weighted_100(c, c->inter[j].w);
			if (x > 0 && (c->inter[j].a == i || c->inter[j].b == i)) {
				impact += x / 20.0;
				value[i] += x;
			}
		}
		order[i] = impact * (0.75 + 0.5 * po_rng_double(rng));
		if (v->offtopic)
			continue;
		if (!f->harmful && v->present[i] && f->strength && value[i] >= 0)
			v->strengths[v->ns++] = f->strength;
	}
	if (v->offtopic) {
		v->improvements[v->ni++] = "Write about the project in the request: the output is "
					   "off-topic (check that the prompt keeps its placeholders).";
	} else {
		judge_what_hurts(c, v);
		for (;;) {
			size_t best = c->n;
			for (size_t i = 0; i < c->n; i++) {
				if (c->f[i].harmful || v->present[i] || order[i] < 0 ||
				    c->f[i].mode == MARK_NONE || value[i] <= 0 ||
				    (po_sim_per_case(c, i) && !v->tailor[0]))
					continue;
				if (best == c->n || order[i] > order[best])
					best = i;
			}
			if (best == c->n || v->ni >= 6)
				break;
			v->improvements[v->ni++] = po_sim_per_case(c, best) ? v->tailor : c->f[best].improve;
			order[best] = -1;
		}
	}
	v->nfound = v->ns;
	if (v->ns > 5)
		v->ns = 5;
}

/* The seed's judge reply object. */
static void judge_write_json(const struct verdict *v, struct po_buf *json)
{
	struct po_buf fb = PO_BUF_INIT;

	po_buf_addf(json, "{\"overall_score\": %.2f, \"criteria_scores\": {", v->overall);
	for (size_t j = 0; j < v->nitems; j++) {
		if (j)
			po_buf_adds(json, ", ");
		po_json_escape(json, v->items[j].key);
		po_buf_addf(json, ": %.2f", v->vals[j]);
	}
	po_buf_adds(json, "}, \"content_quality\": ");
	po_json_escape(json, v->offtopic ? "off-topic" : v->overall >= 4.2 ? "excellent" :
			  v->overall >= 3.4 ? "good" : v->overall >= 2.5 ? "fair" : "poor");
	po_buf_adds(json, ", \"feedback\": ");
	if (v->offtopic)
		po_buf_adds(&fb, "The output does not address the requested project.");
	else
		po_buf_addf(&fb, "The output shows %zu of the qualities we look for.", v->nfound);
	if (v->ni)
		po_buf_addf(&fb, " Most important fix: %s", v->improvements[0]);
	po_json_escape(json, fb.data);
	po_buf_release(&fb);
	po_buf_adds(json, ", \"strengths\": ");
	add_string_array(json, v->strengths, v->ns);
	po_buf_adds(json, ", \"improvements\": ");
	add_string_array(json, v->improvements, v->ni);
	po_buf_adds(json, ", \"evolutionary_strategy\": ");
	po_json_escape(json, v->ni ? "Add explicit instructions for the missing items, one or two "
				  "at a time, and keep what already works."
				: "Keep the prompt; make only small wording changes.");
	po_buf_adds(json, "}");
}

double po_sim_judge_seen(const struct po_sim *sim, const char *output, const json_t *inputs)
{
	struct verdict v = { 0 };
	double q;

	if (po_sim_exact(sim->cat))
		return po_sim_ticket_quality(output, inputs);
	judge_read_output(sim->cat, output ? output : "", inputs, &v);
	judge_criteria(sim->cat, &v);
	q = v.quality * 20.0;
	if (sim->cfg.verbosity_bias > 0)
		q += sim->cfg.verbosity_bias * ((double)v.words - 300.0) / 100.0;
	return q;
}

char *po_sim_judge(const struct po_sim *sim, const struct po_llm_request *req)
{
	struct verdict v = { 0 };
	struct po_buf out = PO_BUF_INIT, json = PO_BUF_INIT;
	struct po_rng rng;
	double u;

	if (po_sim_pairwise_request(req))
		return po_sim_pairwise(sim, req);
	if (po_sim_exact(sim->cat))
		return po_sim_ticket_judge(sim, req);
	po_rng_seed(&rng, po_sim_request_hash(sim, "judge", req));
	judge_read(sim->cat, req, &v);
	judge_score(sim, req, &rng, &v);
	judge_feedback(sim->cat, &rng, &v);
	judge_write_json(&v, &json);

	/* Real models sometimes wrap their JSON; the parser must cope. */
	u = po_rng_double(&rng);
	if (u < 0.015)
		po_buf_adds(&out, "```json\n");
	else if (u < 0.03)
		po_buf_adds(&out, "Here is my evaluation of the output:\n\n");
	po_buf_add(&out, json.data, json.len);
	if (u < 0.015)
		po_buf_adds(&out, "\n```\n");
	else if (u < 0.03)
		po_buf_adds(&out, "\n\nI hope this assessment helps.\n");
	po_buf_release(&json);
	return po_buf_detach(&out);
}
