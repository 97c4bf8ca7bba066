/*
 * The simulator's handle and entry points: configuration, the catalogue
 * table, answering one request by its role (generate.c, judge.c, mutate.c),
 * guessing the role of a request that does not say it, and the provider the
 * engine calls. docs/simulator.md describes the model for users.
 */
#include "sim/sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/tags.h"
#include "sim/sim_internal.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/rng.h"

static const struct catalogue *const catalogues[] = {
	&po_sim_catalogue_prfaq,
	&po_sim_catalogue_prfaq_v1,
	&po_sim_catalogue_generic,
	&po_sim_catalogue_ticket,
};

void po_sim_config_init(struct po_sim_config *cfg)
{
	cfg->seed = 42;
	cfg->noise = 4.0;
	cfg->catalogue = "prfaq";
	cfg->verbosity_bias = 0;
}

struct po_sim *po_sim_new(const struct po_sim_config *cfg, struct po_err *err)
{
	struct po_sim_config dflt;
	const char *name;
	struct po_sim *sim;

	if (!cfg) {
		po_sim_config_init(&dflt);
		cfg = &dflt;
	}
	name = cfg->catalogue ? cfg->catalogue : "prfaq";
	for (size_t i = 0; i < PO_ARRAY_SIZE(catalogues); i++) {
		if (strcmp(catalogues[i]->name, name))
			continue;
		if (!(cfg->noise >= 0) || !isfinite(cfg->noise)) {
			po_error(err, PO_EINPUT, "invalid simulator noise %g: use a standard "
				 "deviation of 0 or more score points", cfg->noise);
			return NULL;
		}
		if (!(cfg->verbosity_bias >= 0) || !isfinite(cfg->verbosity_bias)) {
			po_error(err, PO_EINPUT, "invalid simulator verbosity bias %g: use 0 or more "
				 "score points per 100 words", cfg->verbosity_bias);
			return NULL;
		}
		sim = po_xcalloc(1, sizeof(*sim));
		sim->cfg = *cfg;
		sim->cfg.catalogue = catalogues[i]->name;
		sim->cat = catalogues[i];
		return sim;
	}
	po_error(err, PO_EINPUT, "unknown simulator catalogue \"%s\": use \"prfaq\", "
		 "\"prfaq-v1\", \"generic\" or \"ticket\"", name);
	return NULL;
}

void po_sim_free(struct po_sim *sim)
{
	free(sim);
}

void po_sim_answer(struct po_sim *sim, const struct po_llm_request *req,
		   struct po_llm_response *resp)
{
	char *content;
	size_t in = (req->prompt ? strlen(req->prompt) : 0) + (req->system ? strlen(req->system) : 0);

	switch (req->role) {
	case PO_ROLE_JUDGE:
		content = po_sim_judge(sim, req);
		break;
	case PO_ROLE_MUTATE:
		content = po_sim_mutate(sim, req);
		break;
	default:
		content = po_sim_generate(sim, req);
		break;
	}
	resp->content = content;
	resp->error = NULL;
	resp->model = po_xstrdup(req->model ? req->model : "sim");
	resp->input_tokens = (long)(in / 4) + 1;
	resp->output_tokens = (long)(strlen(content) / 4) + 1;
	resp->latency_ms = 0;
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay && *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return false;
}

enum po_role po_sim_detect_role(const char *system, const char *prompt)
{
	static const char *const judge_words[] = { "overall_score", "criteria_scores", "evaluate",
		"evaluation", "score the", "rate the", NULL };
	static const char *const mutate_words[] = { "improve this prompt", "improve the prompt",
		"improved prompt", "improved version of", "rewrite the prompt", "optimize this prompt",
		"mutate", NULL };
	const char *texts[2] = { prompt, system };

	for (int t = 0; t < 2; t++) {
		if (texts[t] && (strstr(texts[t], PO_JUDGE_OUTPUT_BEGIN) ||
				 strstr(texts[t], PO_PAIR_A_BEGIN)))
			return PO_ROLE_JUDGE;
		if (texts[t] && strstr(texts[t], PO_MUTATE_PROMPT_BEGIN))
			return PO_ROLE_MUTATE;
	}
	for (int t = 0; t < 2; t++)
		for (const char *const *w = mutate_words; *w; w++)
			if (contains_ci(texts[t], *w))
				return PO_ROLE_MUTATE;
	for (int t = 0; t < 2; t++)
		for (const char *const *w = judge_words; *w; w++)
			if (contains_ci(texts[t], *w))
				return PO_ROLE_JUDGE;
	return PO_ROLE_GENERATE;
}

uint64_t po_sim_request_hash(const struct po_sim *sim, const char *role,
			     const struct po_llm_request *req)
{
	uint64_t h = po_hash_u64(sim->cfg.seed, 0x5eed);

	h = po_hash_str(role, h);
	h = po_hash_str(req->system, h);
	h = po_hash_str(req->prompt, h);
	h = po_hash_str(po_json_str(req->metadata, "test_case_id", ""), h);
	return po_hash_u64(req->sample, h);
}

const char *po_sim_baseline_prompt(const struct po_sim *sim)
{
	return sim->cat->baseline;
}

const char *po_sim_catalogue_name(const struct po_sim *sim)
{
	return sim->cat->name;
}

/* ---- provider ---------------------------------------------------------- */

static int sim_complete(struct po_provider *p, const struct po_llm_request *reqs,
			struct po_llm_response *out, size_t n, struct po_err *err)
{
	for (size_t i = 0; i < n; i++)
		po_sim_answer(p->impl, &reqs[i], &out[i]);
	return 0;
}

static void sim_provider_free(struct po_provider *p)
{
	if (!p)
		return;
	po_sim_free(p->impl);
	free(p);
}

static const struct po_provider_ops sim_ops = {
	.name = "sim",
	.complete = sim_complete,
	.free = sim_provider_free,
};

struct po_provider *po_sim_provider_new(struct po_sim *sim)
{
	struct po_provider *p = po_xcalloc(1, sizeof(*p));

	p->ops = &sim_ops;
	p->impl = sim;
	return p;
}

