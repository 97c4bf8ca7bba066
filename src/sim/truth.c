/*
 * The simulator's ground truth: the noise-free expected score of a prompt,
 * the catalogue's optimum and what a prompt asks for; and the same numbers in
 * the public API (promptopt.h) for callers that hold a prompt and a test case
 * rather than a po_sim handle (the run writes them under "true_score").
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "promptopt.h"
#include "sim/sim_internal.h"
#include "util/err.h"
#include "util/mem.h"

double po_sim_weighted_100(const struct catalogue *c, const double v[NCRIT])
{
	double s = 0;

	for (int k = 0; k < NCRIT; k++)
		s += c->crit_w[k] * v[k];
	return 20.0 * s;
}

double po_sim_true_score(const struct po_sim *sim, const char *system, const char *template,
			 const json_t *inputs)
{
	const struct catalogue *c = sim->cat;
	struct ask_state st;
	double crit[NCRIT], w[MAX_FEATURES][NCRIT];
	char *lower;

	if (!template)
		template = "";
	if (po_sim_lost_inputs(template, system, NULL, NULL, inputs))
		return po_sim_exact(c) ? 0 : po_sim_weighted_100(c, c->offtopic);
	lower = po_sim_lower_dup(template, system, NULL);
	po_sim_assess(c, lower, strlen(lower), &st);
	po_sim_assess_case(c, lower, inputs, &st);
	free(lower);
	if (po_sim_exact(c))
		return po_sim_ticket_truth(&st, inputs);
	po_sim_case_weights(c, st.traits, w);
	po_sim_criteria(c, (const double(*)[NCRIT])w, st.p, crit);
	return po_sim_weighted_100(c, crit);
}

double po_sim_optimum(const struct po_sim *sim)
{
	return po_sim_optimum_cases(sim, NULL, 0);
}

double po_sim_optimum_cases(const struct po_sim *sim, const json_t *const *inputs, size_t n)
{
	if (po_sim_exact(sim->cat))
		return po_sim_ticket_optimum(inputs, n);
	return po_sim_optimum_over(sim->cat, inputs, n);
}

json_t *po_sim_case_traits(const struct po_sim *sim, const json_t *inputs)
{
	unsigned t = po_sim_traits(sim->cat, inputs);
	char *name;
	json_t *o;

	if (po_sim_exact(sim->cat))
		return po_sim_ticket_traits_json(inputs);
	name = sim->cat->overfit ? po_sim_case_name(inputs) : NULL;
	o = json_pack("{s:s, s:b, s:b}", "audience",
			      t & TRAIT_TECHNICAL ? "technical" :
			      t & TRAIT_CONSUMER ? "consumer" : "business",
			      "regulated", (t & TRAIT_REGULATED) != 0,
			      "has_price", (t & TRAIT_PRICED) != 0);

	json_object_set_new(o, "name", name ? json_string(name) : json_null());
	free(name);
	return o;
}

json_t *po_sim_prompt_features(const struct po_sim *sim, const char *system,
			       const char *template)
{
	const struct catalogue *c = sim->cat;
	struct ask_state st;
	json_t *o = json_object(), *asked = json_array(), *missing = json_array(),
	       *harmful = json_array();
	char *lower = po_sim_lower_dup(template ? template : "", system, NULL);

	po_sim_assess(c, lower, strlen(lower), &st);
	free(lower);
	for (size_t i = 0; i < c->n; i++) {
		json_t *to = c->f[i].harmful ? (st.asked[i] ? harmful : NULL)
					     : (st.asked[i] ? asked : missing);
		if (to && !po_sim_per_case(c, i))
			json_array_append_new(to, json_string(c->f[i].key));
	}
	if (c->overfit) {
		char *names[16], *lw = po_sim_lower_dup(template ? template : "", system, NULL);
		size_t n = po_sim_named_cases(lw, names, PO_ARRAY_SIZE(names));
		json_t *named = json_array();
		for (size_t i = 0; i < n; i++) {
			json_array_append_new(named, json_string(names[i]));
			free(names[i]);
		}
		json_object_set_new(o, "named_cases", named);
		free(lw);
	}
	json_object_set_new(o, "asked", asked);
	json_object_set_new(o, "missing", missing);
	json_object_set_new(o, "harmful", harmful);
	json_object_set_new(o, "length", json_integer((json_int_t)st.length));
	json_object_set_new(o, "dilution", json_real(st.dilution));
	return o;
}

/* ---- the public API (promptopt.h) ------------------------------------ */

static struct po_sim *truth_sim(const char *catalogue, struct po_err *err)
{
	struct po_sim_config cfg;

	po_sim_config_init(&cfg);
	if (catalogue)
		cfg.catalogue = catalogue;
	return po_sim_new(&cfg, err);
}

int po_sim_expected_score(const char *catalogue, const char *system, const char *template,
			  const char *inputs_json, double *score, struct po_err *err)
{
	struct po_sim *sim;
	json_error_t jerr;
	json_t *inputs;

	inputs = json_loads(inputs_json ? inputs_json : "{}", JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(inputs)) {
		json_decref(inputs);
		return po_error(err, PO_EINPUT,
				"the inputs of a test case must be a JSON object of name -> text, e.g. {\"projectName\": \"...\"}");
	}
	sim = truth_sim(catalogue, err);
	if (!sim) {
		json_decref(inputs);
		return PO_EINPUT;
	}
	*score = po_sim_true_score(sim, system, template, inputs);
	po_sim_free(sim);
	json_decref(inputs);
	return 0;
}

int po_sim_catalogue_optimum(const char *catalogue, double *optimum, struct po_err *err)
{
	struct po_sim *sim = truth_sim(catalogue, err);

	if (!sim)
		return PO_EINPUT;
	*optimum = po_sim_optimum(sim);
	po_sim_free(sim);
	return 0;
}
