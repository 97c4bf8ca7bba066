/*
 * The built-in simulated LLM (DESIGN section 5): answers generate, judge and
 * mutate requests deterministically for a seed, from a catalogue of
 * instruction features, and exposes the ground truth (the noise-free
 * expected score of a prompt and the catalogue's optimum).
 * See docs/simulator.md for the model.
 *
 * Ownership: po_sim_new() returns a handle the caller frees with
 * po_sim_free() (or hands to po_sim_provider_new()); arguments are borrowed.
 */
#ifndef PO_SIM_H
#define PO_SIM_H

#include <jansson.h>
#include <stdint.h>

#include "llm/providers/provider.h"

struct po_sim_config {
	uint64_t seed;
	double noise;          /* judge noise: standard deviation in score points (0-100) */
	const char *catalogue; /* "prfaq" (default), "prfaq-v1", "generic" or "ticket" */
	/* The judge's verbosity bias: score points (0-100) added per 100 words
	 * of output above 300 (taken off below); the truth ignores it. */
	double verbosity_bias;
};

/* seed 42, noise 4, "prfaq", no verbosity bias */
void po_sim_config_init(struct po_sim_config *cfg);

struct po_sim;

/* Returns NULL and fills err when the catalogue name is unknown. */
struct po_sim *po_sim_new(const struct po_sim_config *cfg, struct po_err *err);
void po_sim_free(struct po_sim *sim);

/*
 * Answers one request. The role comes from req->role; requests read from
 * seed-style bridge files without a role are classified by the caller
 * (po_sim_detect_role). Same (seed, role, prompt, metadata, sample) give the
 * same response. Fills resp->content and token counts; never fails on odd
 * input (an unrecognised judge prompt still gets a well-formed judge reply).
 */
void po_sim_answer(struct po_sim *sim, const struct po_llm_request *req,
		   struct po_llm_response *resp);

/* Guesses the role of a request from its text, as the seed's responder did. */
enum po_role po_sim_detect_role(const char *system, const char *prompt);

/*
 * Ground truth: the expected per-case score (0-100) that the judge would give,
 * without noise (for "ticket": that the rule "expected" gives, 100 times the
 * probability of the exact right queue), to outputs generated from `template` (with `system` as the
 * system prompt, may be NULL) for a test case with these inputs
 * (an object name -> string).
 */
double po_sim_true_score(const struct po_sim *sim, const char *system, const char *template,
			 const json_t *inputs);
/*
 * The best mean expected score one prompt can reach over these test cases
 * (inputs[i]: a case's inputs object): exact, including conditional
 * instructions, interactions and instructions that name cases.
 */
double po_sim_optimum_cases(const struct po_sim *sim, const json_t *const *inputs, size_t n);
/* po_sim_optimum_cases for one case without traits or name: for "prfaq-v1"
 * and "generic", the best expected score any prompt can reach anywhere. */
double po_sim_optimum(const struct po_sim *sim);
/* What the catalogue reads from a case's inputs, a new object:
 * {"audience": "technical"|"consumer"|"business", "regulated": bool,
 *  "has_price": bool, "name": lowercased project name or null};
 * for "ticket": {"queue": the right queue, "security": bool,
 *  "ambiguous": bool, "customer_category": queue or null}. */
json_t *po_sim_case_traits(const struct po_sim *sim, const json_t *inputs);

/* The catalogue's built-in baseline template (for "prfaq", the default
 * PR-FAQ prompt of the pr-faq-validator project), or NULL when it has none. */
const char *po_sim_baseline_prompt(const struct po_sim *sim);
/* "prfaq", "prfaq-v1", "generic" or "ticket". */
const char *po_sim_catalogue_name(const struct po_sim *sim);
/*
 * Ground truth about a prompt, for reports and benchmarks: a new object
 * {"asked": [feature keys], "missing": [helpful keys not asked],
 *  "harmful": [harmful keys asked], "length": chars, "dilution": 0.35-1},
 * and for "prfaq" "named_cases": [the case names it addresses,
 * "when writing about NAME,"]. Case-dependent parts are not included.
 * The caller releases it (json_decref).
 */
json_t *po_sim_prompt_features(const struct po_sim *sim, const char *system,
			       const char *template);

/* A provider (for the engine) that answers with this simulator; takes
 * ownership of sim. */
struct po_provider *po_sim_provider_new(struct po_sim *sim);

#endif
