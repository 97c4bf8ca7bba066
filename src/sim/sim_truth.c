/*
 * The simulator's ground truth in the public API (promptopt.h): the same
 * numbers the run writes under "true_score", for callers that hold a prompt
 * and a test case rather than a po_sim handle.
 */
#include <jansson.h>

#include "promptopt.h"
#include "sim/sim.h"
#include "util/err.h"

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
