/*
 * The strategy table and the mutation call every LLM-driven strategy uses.
 */
#include "opt/strategy.h"

#include <stdlib.h>
#include <string.h>

#include "eval/render.h"
#include "opt/mutate.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

static const struct po_strategy_ops *const strategies[] = {
	&po_strategy_hillclimb,
};

const struct po_strategy_ops *po_strategy_find(const char *name)
{
	for (size_t i = 0; i < PO_ARRAY_SIZE(strategies); i++)
		if (name && !strcmp(strategies[i]->name, name))
			return strategies[i];
	return NULL;
}

const char *po_strategy_names(void)
{
	return "hillclimb";
}

void po_candidate_release(struct po_candidate *c)
{
	json_decref(c->prompts);
	free(c->origin);
	c->prompts = NULL;
	c->origin = NULL;
}

int po_strategy_mutate(const struct po_opt_ctx *ctx, const json_t *prompts, const char *name,
		       const json_t *feedback, unsigned sample, json_t **out, struct po_err *err)
{
	const char *tmpl = json_string_value(json_object_get(prompts, name));
	json_t *placeholders = json_array();
	json_t *meta = json_pack("{s:s, s:i}", "prompt_name", name, "iteration", ctx->iteration);
	struct po_buf prompt = PO_BUF_INIT;
	struct po_llm_request req;
	struct po_llm_response resp;
	char *tnew = NULL;
	int ret;

	*out = NULL;
	if (!tmpl) {
		ret = po_error(err, PO_EINPUT, "no prompt named '%s' to mutate", name);
		goto out;
	}
	po_template_placeholders(tmpl, placeholders);
	po_mutate_build_prompt(&prompt, name, tmpl, ctx->best_score, feedback, placeholders);
	req = (struct po_llm_request){
		.role = PO_ROLE_MUTATE, .model = ctx->settings->models[PO_ROLE_MUTATE],
		.temperature = ctx->settings->temperature[PO_ROLE_MUTATE],
		.max_tokens = ctx->settings->max_tokens[PO_ROLE_MUTATE],
		.system = po_mutate_system_prompt(), .prompt = prompt.data, .metadata = meta,
		.sample = sample,
	};
	ret = po_engine_complete(ctx->engine, &req, &resp, 1, err);
	if (ret)
		goto out;
	if (!resp.content) {
		ret = po_error(err, PO_ELLM, "mutate call failed: %s",
			       resp.error ? resp.error : "no content");
		po_llm_response_release(&resp);
		goto out;
	}
	tnew = po_mutate_parse_reply(resp.content, err);
	po_llm_response_release(&resp);
	if (!tnew) {
		ret = PO_EEVAL;
		goto out;
	}
	*out = json_deep_copy(prompts);
	json_object_set_new(*out, name, json_string(tnew));
	free(tnew);
out:
	json_decref(placeholders);
	json_decref(meta);
	po_buf_release(&prompt);
	return ret;
}
