/*
 * The generate role: draws which features show in the output (one seeded
 * draw per feature, with the probabilities the prompt implies) and has the
 * catalogue write the text; a prompt that lost its placeholders drifts off topic.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"
#include "util/json.h"

char *po_sim_generate(const struct po_sim *sim, const struct po_llm_request *req)
{
	const struct catalogue *c = sim->cat;
	const char *tmpl = po_json_str(req->metadata, "template", NULL);
	const char *stmpl = po_json_str(req->metadata, "system_template", NULL);
	const json_t *inputs = json_object_get(req->metadata, "inputs");
	struct po_buf out = PO_BUF_INIT;
	struct gen_ctx g = { .cat = c, .prompt = req->prompt };
	struct ask_state st;
	struct po_rng feat, words;
	char *lower;
	uint64_t h = po_sim_request_hash(sim, "generate", req);

	if (tmpl)
		lower = po_sim_lower_dup(tmpl, stmpl, NULL);
	else
		lower = po_sim_lower_dup(req->prompt ? req->prompt : "", req->system, NULL);
	g.inputs = json_is_object(inputs) ? inputs : NULL;
	po_sim_assess(c, lower, strlen(lower), &st);
	/* A rendered prompt holds the case's own name: only a template can name one. */
	po_sim_assess_case(c, tmpl ? lower : "", g.inputs, &st);
	free(lower);
	po_rng_seed(&feat, h);
	po_rng_seed(&words, po_hash_u64(h, 0x77));
	g.rng = &words;
	if (po_sim_lost_inputs(tmpl, stmpl, req->prompt, req->system, g.inputs)) {
		c->build_offtopic(&g, &out);
		return po_buf_detach(&out);
	}
	/* One draw per feature in catalogue order, whatever the prompt asks:
	 * realizations stay independent Bernoulli trials. */
	for (size_t i = 0; i < c->n; i++)
		g.realized[i] = po_rng_double(&feat) < st.p[i];
	c->build(&g, &out);
	return po_buf_detach(&out);
}
