/*
 * The exact-answer task's numbers: the probability that a prompt routes a
 * ticket to the right queue, the truth (the mean score of the rule
 * "expected", 100 or 0), the exact optimum over a set of tickets, and the
 * judge's reply for projects that use a judge on it anyway.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/tags.h"
#include "sim/sim_internal.h"
#include "util/json.h"

/* The features that change which queue is chosen (the rest only change the
 * form of the answer: the bare name and the queue list gate an exact match). */
static const size_t choice_features[] = {
	TF_ROLE, TF_DEFINITIONS, TF_EXAMPLES, TF_SECURITY_RULE, TF_IGNORE_HINT, TF_TRUST_HINT
};
#define NCHOICE (sizeof(choice_features) / sizeof(choice_features[0]))

bool po_sim_exact(const struct catalogue *c)
{
	return c == &po_sim_catalogue_ticket;
}

double po_sim_ticket_p_right(unsigned traits, const bool *r)
{
	double p;

	if (traits & TT_SECURITY)
		p = 0.42 + 0.45 * r[TF_SECURITY_RULE] + 0.08 * r[TF_DEFINITIONS] +
		    0.03 * r[TF_EXAMPLES];
	else if (traits & TT_AMBIGUOUS)
		p = 0.50 + 0.22 * r[TF_DEFINITIONS] + 0.12 * r[TF_EXAMPLES];
	else
		p = 0.78 + 0.08 * r[TF_DEFINITIONS] + 0.05 * r[TF_EXAMPLES];
	p += 0.02 * r[TF_ROLE];
	if (traits & TT_HINT_WRONG)
		p += -0.20 + 0.20 * r[TF_IGNORE_HINT] - 0.25 * r[TF_TRUST_HINT];
	if (traits & TT_HINT_RIGHT)
		p += 0.10 * r[TF_TRUST_HINT];
	return p < 0.02 ? 0.02 : p > 0.98 ? 0.98 : p;
}

/* The expected probability of the right queue over the realizations of the
 * choice features (independent draws), for these traits. */
static double expected_right(unsigned traits, const double *p)
{
	double sum = 0;

	for (unsigned m = 0; m < (1U << NCHOICE); m++) {
		bool r[MAX_FEATURES] = { false };
		double w = 1;
		for (size_t j = 0; j < NCHOICE; j++) {
			size_t f = choice_features[j];
			r[f] = (m >> j) & 1;
			w *= r[f] ? p[f] : 1 - p[f];
		}
		sum += w * po_sim_ticket_p_right(traits, r);
	}
	return sum;
}

double po_sim_ticket_truth(const struct ask_state *st, const json_t *inputs)
{
	struct ticket_view tv;

	po_sim_ticket_read(inputs, &tv);
	return 100.0 * st->p[TF_ANSWER_ONLY] * st->p[TF_LIST] * expected_right(tv.traits, st->p);
}

/* The feature probabilities of a short prompt asking for the features of mask. */
static void probs_for_mask(const struct catalogue *c, unsigned mask, double *p)
{
	for (size_t i = 0; i < c->n; i++)
		p[i] = (mask >> i) & 1 ? c->f[i].p_ask : c->f[i].p_base;
	for (size_t h = 0; h < c->n; h++)
		if (c->f[h].harmful && ((mask >> h) & 1) && c->f[h].damp)
			for (size_t i = 0; i < c->n; i++)
				if (c->f[h].damp & BIT(i))
					p[i] *= c->f[h].damp_factor;
}

double po_sim_ticket_optimum(const json_t *const *inputs, size_t n)
{
	const struct catalogue *c = &po_sim_catalogue_ticket;
	unsigned traits[16];
	double count[16], best = 0;
	size_t ng = 0;

	for (size_t i = 0; i < (n ? n : 1); i++) {
		struct ticket_view tv;
		size_t k = 0;
		po_sim_ticket_read(n ? inputs[i] : NULL, &tv);
		while (k < ng && traits[k] != tv.traits)
			k++;
		if (k == ng) {
			traits[ng] = tv.traits;
			count[ng++] = 0;
		}
		count[k] += 1;
	}
	for (unsigned mask = 0; mask < (1U << c->n); mask++) {
		double p[MAX_FEATURES], sum = 0;
		probs_for_mask(c, mask, p);
		for (size_t k = 0; k < ng; k++)
			sum += count[k] * expected_right(traits[k], p);
		sum *= 100.0 * p[TF_ANSWER_ONLY] * p[TF_LIST] / (double)(n ? n : 1);
		if (sum > best)
			best = sum;
	}
	return best;
}

json_t *po_sim_ticket_traits_json(const json_t *inputs)
{
	struct ticket_view tv;

	po_sim_ticket_read(inputs, &tv);
	return json_pack("{s:s, s:b, s:b, s:o}", "queue", po_sim_ticket_queues[tv.right],
			 "security", (tv.traits & TT_SECURITY) != 0,
			 "ambiguous", (tv.traits & TT_AMBIGUOUS) != 0, "customer_category",
			 tv.selected < TQ_COUNT ? json_string(po_sim_ticket_queues[tv.selected])
						: json_null());
}

/* True when the output is the queue's name after trimming and lowercasing. */
static bool is_queue(const char *out, const char *queue)
{
	size_t n = strlen(queue);

	while (*out && isspace((unsigned char)*out))
		out++;
	if (strncasecmp(out, queue, n))
		return false;
	for (out += n; *out; out++)
		if (!isspace((unsigned char)*out))
			return false;
	return true;
}

double po_sim_ticket_quality(const char *output, const json_t *inputs)
{
	struct ticket_view tv;

	po_sim_ticket_read(inputs, &tv);
	return output && is_queue(output, po_sim_ticket_queues[tv.right]) ? 100.0 : 0.0;
}

char *po_sim_ticket_judge(const struct po_sim *sim, const struct po_llm_request *req)
{
	const json_t *rub = json_object_get(req->metadata, "rubric"), *v;
	char *out = po_sim_between(req->prompt ? req->prompt : "", PO_JUDGE_OUTPUT_BEGIN,
				   PO_JUDGE_OUTPUT_END);
	struct ticket_view tv;
	struct po_buf json = PO_BUF_INIT;
	struct po_rng rng;
	bool right;
	double s;
	size_t i, nk = 0;

	po_sim_ticket_read(json_object_get(req->metadata, "inputs"), &tv);
	right = out && is_queue(out, po_sim_ticket_queues[tv.right]);
	free(out);
	po_rng_seed(&rng, po_sim_request_hash(sim, "judge", req));
	s = (right ? 5.0 : 0.0) + po_rng_normal(&rng) * sim->cfg.noise / 20.0;
	s = round((s < 0 ? 0 : s > 5 ? 5 : s) * 100) / 100;
	po_buf_addf(&json, "{\"overall_score\": %.2f, \"criteria_scores\": {", s);
	json_array_foreach(json_is_array(rub) ? rub : NULL, i, v) {
		const char *k = po_json_str(v, "key", NULL);
		if (!k)
			continue;
		po_buf_adds(&json, nk++ ? ", " : "");
		po_json_escape(&json, k);
		po_buf_addf(&json, ": %.2f", s);
	}
	for (int k = 0; !nk && k < NCRIT; k++) {
		po_buf_adds(&json, k ? ", " : "");
		po_json_escape(&json, po_sim_catalogue_ticket.crit[k]);
		po_buf_addf(&json, ": %.2f", s);
	}
	po_buf_addf(&json, "}, \"content_quality\": \"%s\", \"feedback\": \"%s\", "
		    "\"strengths\": [], \"improvements\": [\"%s\"], \"evolutionary_strategy\": "
		    "\"Keep the answer to the bare queue name.\"}",
		    right ? "excellent" : "poor",
		    right ? "The output is the right queue." : "The output is not the expected answer.",
		    right ? "Keep answering with the queue name only."
			  : "Answer with one of the six queue names only, and nothing else.");
	return po_buf_detach(&json);
}
