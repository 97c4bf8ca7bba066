/*
 * The LLM judge as a scorer: one judge call per (case, output), all of a
 * batch at once; a reply that does not parse is asked again once (with
 * another sample index) and then counted as a failed evaluation. With the
 * config's "judge_samples" k > 1, each output is judged k times (k sample
 * indices) and its score is the mean of the judgements that parsed.
 */
#include <math.h>
#include <stdlib.h>

#include "eval/judge.h"
#include "eval/scorer.h"
#include "llm/provider.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* The sample index of the retry of unusable replies, and of the judge's
 * further samples of one output. */
#define RETRY_SAMPLE_STEP 7919u
#define JUDGE_SAMPLE_STEP 104729u

static void set_error(struct po_case_result *res, const char *what, const char *detail)
{
	struct po_buf b = PO_BUF_INIT;

	po_buf_addf(&b, "%s: %s", what, detail ? detail : "no detail");
	free(res->error);
	res->error = po_buf_detach(&b);
	res->ok = false;
}

static json_t *rubric_json(const struct po_rubric *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:f}", "key", r->criteria[i].key,
						   "weight", r->criteria[i].weight));
	return a;
}

/* The JSON Schema of the judge's reply, for the APIs' structured output
 * (the project's "judge_structured": false: none). New reference or NULL. */
static json_t *reply_schema(const struct po_project *p)
{
	json_t *crit = json_object(), *req = json_array(), *strs;

	if (!p->judge_structured)
		return NULL;
	for (size_t i = 0; i < p->rubric.n; i++) {
		json_object_set_new(crit, p->rubric.criteria[i].key,
				    json_pack("{s:s, s:i, s:i}", "type", "number", "minimum", 0,
					      "maximum", 5));
		json_array_append_new(req, json_string(p->rubric.criteria[i].key));
	}
	strs = json_pack("{s:s, s:{s:s}}", "type", "array", "items", "type", "string");
	return json_pack("{s:s, s:{s:{s:s, s:i, s:i}, s:{s:s, s:o, s:o}, s:{s:s}, s:O, s:o},"
			 " s:[s, s, s, s]}",
			 "type", "object", "properties",
			 "overall_score", "type", "number", "minimum", 0, "maximum", 5,
			 "criteria_scores", "type", "object", "properties", crit, "required", req,
			 "feedback", "type", "string", "strengths", strs, "improvements", strs,
			 "required", "overall_score", "criteria_scores", "feedback", "improvements");
}

/* Takes a parsed judgement into the case result. */
static void take(struct po_case_result *res, struct po_judgement *j)
{
	res->ok = true;
	free(res->error);
	res->error = NULL;
	res->score = round(j->score * 1e6) / 1e6;
	res->criteria = json_incref(j->criteria);
	res->improvements = json_incref(j->improvements);
	res->feedback = po_xstrdup(j->feedback);
}

static void fill_request(const struct po_eval_settings *st, unsigned sample, const char *prompt,
			 size_t prefix, const json_t *meta, const json_t *schema,
			 struct po_llm_request *req)
{
	*req = (struct po_llm_request){
		.cache_prefix = prefix, .schema = schema,
		.role = PO_ROLE_JUDGE, .model = st->models[PO_ROLE_JUDGE],
		.temperature = st->temperature[PO_ROLE_JUDGE],
		.max_tokens = st->max_tokens[PO_ROLE_JUDGE], .system = po_judge_system_prompt(),
		.prompt = prompt, .metadata = meta, .sample = sample,
	};
}

void po_scorer_judge_request(const struct po_scorer_ctx *ctx, const struct po_test_case *tc,
			     const char *output, char **prompt, json_t **meta, json_t **schema,
			     struct po_llm_request *req)
{
	const struct po_project *p = ctx->project;
	const struct po_eval_settings *st = ctx->settings;
	json_t *rubric = rubric_json(&p->rubric);
	struct po_buf b = PO_BUF_INIT;
	struct po_provider *judge = ctx->engine ? po_engine_provider(ctx->engine, PO_ROLE_JUDGE) :
				    NULL;
	size_t prefix = 0;

	if (judge && po_provider_prompt_cache(judge->ops->name))
		prefix = po_judge_build_prompt_shared_first(&b, &p->rubric, p->description,
							    tc->inputs, output);
	else
		po_judge_build_prompt(&b, &p->rubric, p->description, tc->inputs, output);

	*prompt = po_buf_detach(&b);
	*meta = json_pack("{s:s, s:o, s:O}", "test_case_id", tc->id, "rubric", rubric, "inputs",
			  tc->inputs);
	*schema = reply_schema(p);
	fill_request(st, ctx->sample, *prompt, prefix, *meta, *schema, req);
}

/* One judge call for each of todo[0..n-1] (its request in tr[]), at a
 * sample index; a negative return is fatal. */
static int judge_round(const struct po_scorer_ctx *ctx, struct po_case_result **todo,
		       const struct po_llm_request *const *tr, size_t n, unsigned sample,
		       struct po_err *err)
{
	struct po_llm_request *reqs = po_xcalloc(n, sizeof(*reqs));
	struct po_llm_response *resps = po_xcalloc(n, sizeof(*resps));
	int fatal;

	for (size_t i = 0; i < n; i++) {
		reqs[i] = *tr[i];
		reqs[i].sample = sample;
	}
	fatal = po_engine_complete(ctx->engine, reqs, resps, n, err);
	for (size_t i = 0; !fatal && i < n; i++) {
		struct po_judgement j = { 0 };
		struct po_err jerr = { 0 };

		todo[i]->judge_attempts++;
		if (!resps[i].content) {
			set_error(todo[i], "judge call failed", resps[i].error);
			continue;
		}
		if (po_judge_parse(resps[i].content, &ctx->project->rubric, &j, &jerr) < 0) {
			set_error(todo[i], "judge reply unusable", jerr.msg);
			continue;
		}
		take(todo[i], &j);
		po_judgement_release(&j);
	}
	for (size_t i = 0; i < n; i++)
		po_llm_response_release(&resps[i]);
	free(reqs);
	free(resps);
	return fatal;
}

static int judge_once(const struct po_scorer_ctx *ctx, struct po_case_result *const *items,
		      size_t n, struct po_err *err)
{
	size_t m = n ? n : 1, left = n;
	struct po_case_result **todo = po_xcalloc(m, sizeof(*todo));
	char **prompts = po_xcalloc(m, sizeof(*prompts));
	json_t **metas = po_xcalloc(m, sizeof(*metas)), **schemas = po_xcalloc(m, sizeof(*schemas));
	struct po_llm_request *reqs = po_xcalloc(m, sizeof(*reqs));
	const struct po_llm_request **tr = po_xcalloc(m, sizeof(*tr));
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		po_scorer_judge_request(ctx, items[i]->tc, items[i]->output, &prompts[i], &metas[i],
					&schemas[i], &reqs[i]);
		todo[i] = items[i];
		tr[i] = &reqs[i];
	}
	/* Judge, then once more for the replies that did not parse. */
	for (int attempt = 0; attempt < 2 && left && !ret; attempt++) {
		size_t again = 0;

		ret = judge_round(ctx, todo, tr, left,
				  ctx->sample + (unsigned)attempt * RETRY_SAMPLE_STEP, err);
		for (size_t i = 0; i < left; i++) {
			if (todo[i]->ok)
				continue;
			todo[again] = todo[i];
			tr[again] = tr[i];
			again++;
		}
		left = again;
	}
	for (size_t i = 0; i < n; i++) {
		free(prompts[i]);
		json_decref(metas[i]);
		json_decref(schemas[i]);
	}
	free(todo);
	free(prompts);
	free(metas);
	free(schemas);
	free(reqs);
	free(tr);
	return ret;
}

/* Judgement s of the item folded into its running mean (first: as is). */
static void fold_sample(struct po_case_result *res, struct po_case_result *got, int *nok)
{
	res->judge_attempts += got->judge_attempts;
	if (!got->ok) {
		if (!*nok && !res->error) {
			res->error = got->error;
			got->error = NULL;
		}
		return;
	}
	(*nok)++;
	if (*nok == 1) {
		free(res->error);
		res->error = NULL;
		res->ok = true;
		res->score = got->score;
		res->criteria = json_incref(got->criteria);
		res->improvements = json_incref(got->improvements);
		res->feedback = got->feedback;
		got->feedback = NULL;
		return;
	}
	res->score += (got->score - res->score) / *nok;
}

static int judge_score(const struct po_scorer_ctx *ctx, struct po_case_result *const *items,
		       size_t n, struct po_err *err)
{
	int k = ctx->project && ctx->project->judge_samples > 1 ? ctx->project->judge_samples : 1;
	struct po_case_result *scratch, **sp;
	int *nok, ret = 0;

	if (k == 1)
		return judge_once(ctx, items, n, err);
	scratch = po_xcalloc(n ? n : 1, sizeof(*scratch));
	sp = po_xcalloc(n ? n : 1, sizeof(*sp));
	nok = po_xcalloc(n ? n : 1, sizeof(*nok));
	for (int s = 0; s < k && !ret; s++) {
		struct po_scorer_ctx sub = *ctx;

		sub.sample = ctx->sample + (unsigned)s * JUDGE_SAMPLE_STEP;
		for (size_t i = 0; i < n; i++) {
			scratch[i] = (struct po_case_result){ .tc = items[i]->tc,
							      .output = items[i]->output };
			sp[i] = &scratch[i];
		}
		ret = judge_once(&sub, sp, n, err);
		for (size_t i = 0; i < n; i++) {
			if (!ret)
				fold_sample(items[i], &scratch[i], &nok[i]);
			scratch[i].output = NULL;
			po_case_result_release(&scratch[i]);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (nok[i])
			items[i]->score = round(items[i]->score * 1e6) / 1e6;
	free(scratch);
	free(sp);
	free(nok);
	return ret;
}

const struct po_scorer_ops po_scorer_judge = {
	.name = "judge",
	.summary = "an LLM judge scores each output against the project's rubric (0-5 per criterion)",
	.score = judge_score,
};
