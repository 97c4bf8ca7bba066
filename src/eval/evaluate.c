/*
 * Candidate evaluation (see evaluate.h). A judge reply that does not parse
 * is asked again once (with a new sample index) and then counted as a failed
 * evaluation: a missing score is never replaced by an invented one.
 */
#include "eval/evaluate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/mix.h"
#include "eval/render.h"
#include "eval/scorer.h"
#include "llm/cost.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

void po_eval_settings_init(struct po_eval_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->temperature[PO_ROLE_GENERATE] = 0.7;
	s->temperature[PO_ROLE_JUDGE] = 0.0;
	s->temperature[PO_ROLE_MUTATE] = 0.9;
	s->max_tokens[PO_ROLE_GENERATE] = 2048;
	s->max_tokens[PO_ROLE_JUDGE] = 1024;
	s->max_tokens[PO_ROLE_MUTATE] = 2048;
}

/*
 * Scores are kept to 6 decimals: the value in memory is then exactly the one
 * written to and read back from the results files, so what the console prints
 * during a run and what `status` prints later agree to the last digit.
 */
static double round6(double x)
{
	return round(x * 1e6) / 1e6;
}

/* One (candidate, case) pair in flight. */
struct slot {
	struct po_case_result *res;
	char *user;            /* rendered user prompt */
	char *system;          /* rendered system prompt or NULL */
	json_t *gen_meta;
	char *judge_prompt;    /* the judge call sent ahead of the scorers, or NULL */
	json_t *judge_meta;
	json_t *judge_schema;
	struct po_llm_request judge_req;
};

/* What a generate batch needs to send each case's judge call ahead. */
struct ahead {
	struct slot **live;
	const struct po_scorer_ctx *sctx;   /* NULL: the judge does not score */
};

/* A case's output is in: its judge call can start now (pipelining). */
static const struct po_llm_request *judge_ahead(void *ud, size_t i,
						const struct po_llm_response *resp)
{
	struct ahead *a = ud;
	struct slot *s = a->live[i];

	if (!a->sctx || !resp->content || s->judge_prompt)
		return NULL;
	po_scorer_judge_request(a->sctx, s->res->tc, resp->content, &s->judge_prompt,
				&s->judge_meta, &s->judge_schema, &s->judge_req);
	return &s->judge_req;
}

/* True when the scorers will ask the judge about every output (the
 * condition of po_mix_score()). */
static bool judge_scores(const struct po_project *p, const struct po_eval_settings *st)
{
	for (size_t k = 0; k < st->nscorers; k++)
		if (st->scorers[k] == &po_scorer_judge)
			return true;
	return !st->nscorers && p->judge;
}

static void set_error(struct po_case_result *res, const char *what, const char *detail)
{
	struct po_buf b = PO_BUF_INIT;

	po_buf_addf(&b, "%s: %s", what, detail ? detail : "no detail");
	free(res->error);
	res->error = po_buf_detach(&b);
	res->ok = false;
}

/* Renders the candidate's templates for every case of its set; fails for
 * the whole candidate. */
static int prepare_candidate(const struct po_project *p, const struct po_eval_job *job,
			     struct slot *slots, struct po_evaluation *ev, struct po_err *err)
{
	const json_t *cand = job->prompts;
	const char *main_t = json_string_value(json_object_get(cand, p->main_prompt));
	const char *sys_t = p->system_prompt ?
		json_string_value(json_object_get(cand, p->system_prompt)) : NULL;
	struct po_buf b = PO_BUF_INIT;
	int ret = 0;

	if (!main_t) {
		ret = po_error(err, PO_EINPUT, "candidate has no prompt named '%s'", p->main_prompt);
		goto out;
	}
	for (size_t i = 0; i < ev->n; i++) {
		const struct po_test_case *tc = ev->cases[i].tc;
		struct slot *s = &slots[i];

		s->res = &ev->cases[i];
		po_buf_reset(&b);
		ret = po_render(&b, main_t, tc->inputs, p->main_prompt, tc->id, err);
		if (ret)
			goto out;
		s->user = po_xstrdup(b.data);
		if (sys_t) {
			po_buf_reset(&b);
			ret = po_render(&b, sys_t, tc->inputs, p->system_prompt, tc->id, err);
			if (ret)
				goto out;
			s->system = po_xstrdup(b.data);
		}
		s->gen_meta = json_pack("{s:s, s:s, s:O, s:s}", "project", p->name, "template",
					main_t, "inputs", tc->inputs, "test_case_id", tc->id);
		if (sys_t)
			json_object_set_new(s->gen_meta, "system_template", json_string(sys_t));
	}
out:
	po_buf_release(&b);
	return ret;
}

void po_evaluation_aggregate(struct po_evaluation *ev)
{
	double sum = 0, sq = 0;

	ev->n_ok = 0;
	for (size_t i = 0; i < ev->n; i++) {
		if (ev->cases[i].ok) {
			sum += ev->cases[i].score;
			ev->n_ok++;
		}
	}
	ev->mean = ev->n_ok ? round6(sum / (double)ev->n_ok) : NAN;
	for (size_t i = 0; i < ev->n; i++)
		if (ev->cases[i].ok)
			sq += (ev->cases[i].score - ev->mean) * (ev->cases[i].score - ev->mean);
	ev->stddev = ev->n_ok > 1 ? sqrt(sq / (double)(ev->n_ok - 1)) : 0.0;
}

/* An empty evaluation of the job's cases (every case when it names none). */
static void init_evaluation(struct po_evaluation *ev, const struct po_project *p,
			    const struct po_eval_job *job)
{
	memset(ev, 0, sizeof(*ev));
	ev->n = job->cases ? job->cases->n : p->ncases;
	ev->cases = po_xcalloc(ev->n ? ev->n : 1, sizeof(*ev->cases));
	for (size_t i = 0; i < ev->n; i++)
		ev->cases[i].tc = &p->cases[job->cases ? job->cases->idx[i] : i];
}

/* What a call costs at list price (cached or not): what the cost check reads. */
static double list_cost(struct po_engine *engine, const struct po_llm_request *req,
			const struct po_llm_response *r)
{
	struct po_price pr;
	const char *model = r->model ? r->model : req->model;

	if (!po_prices_find(po_engine_prices(engine), po_engine_provider(engine, req->role)->ops->name,
			    model, &pr))
		return 0;
	return po_price_cost(&pr, r->input_tokens, r->output_tokens, r->cache_read_tokens,
			     r->cache_write_tokens);
}

/* The generate calls of every live slot; outputs go into the case results.
 * With sctx, each output's judge call starts as soon as it is in. */
static int generate(struct po_engine *engine, const struct po_eval_settings *st,
		    struct slot **live, size_t nlive, unsigned sample,
		    const struct po_scorer_ctx *sctx, struct po_err *err)
{
	struct ahead ahead = { live, sctx };
	size_t m = nlive ? nlive : 1;
	struct po_llm_request *reqs = po_xcalloc(m, sizeof(*reqs));
	struct po_llm_response *resps = po_xcalloc(m, sizeof(*resps));
	int ret;

	for (size_t i = 0; i < nlive; i++)
		reqs[i] = (struct po_llm_request){
			.role = PO_ROLE_GENERATE, .model = st->models[PO_ROLE_GENERATE],
			.temperature = st->temperature[PO_ROLE_GENERATE],
			.max_tokens = st->max_tokens[PO_ROLE_GENERATE], .system = live[i]->system,
			.prompt = live[i]->user, .metadata = live[i]->gen_meta, .sample = sample,
		};
	ret = po_engine_complete_then(engine, reqs, resps, nlive, judge_ahead, &ahead, err);
	for (size_t i = 0; !ret && i < nlive; i++) {
		if (!resps[i].content) {
			set_error(live[i]->res, "generate call failed", resps[i].error);
			continue;
		}
		live[i]->res->output = resps[i].content;
		resps[i].content = NULL;
		live[i]->res->gen_cost_usd = list_cost(engine, &reqs[i], &resps[i]);
		live[i]->res->gen_latency_ms = resps[i].latency_ms;
	}
	for (size_t i = 0; i < nlive; i++)
		po_llm_response_release(&resps[i]);
	free(reqs);
	free(resps);
	return ret;
}

int po_evaluate_jobs(struct po_engine *engine, const struct po_project *p,
		     const struct po_eval_settings *st, const struct po_eval_job *jobs, size_t n,
		     unsigned sample, struct po_evaluation *out, struct po_err *err)
{
	struct po_scorer_ctx sctx = { .engine = engine, .project = p, .settings = st,
				      .sample = sample };
	size_t total = 0, nlive = 0, nscore = 0;
	struct slot *slots;
	struct slot **live;
	struct po_case_result **items;
	int ret;

	for (size_t c = 0; c < n; c++) {
		init_evaluation(&out[c], p, &jobs[c]);
		total += out[c].n;
	}
	slots = po_xcalloc(total ? total : 1, sizeof(*slots));
	live = po_xcalloc(total ? total : 1, sizeof(*live));
	items = po_xcalloc(total ? total : 1, sizeof(*items));
	for (size_t c = 0, at = 0; c < n; at += out[c].n, c++) {
		struct po_err cerr = { 0 };

		if (prepare_candidate(p, &jobs[c], &slots[at], &out[c], &cerr) < 0) {
			out[c].invalid = po_xstrdup(cerr.msg);
			continue;
		}
		for (size_t i = 0; i < out[c].n; i++)
			live[nlive++] = &slots[at + i];
	}
	ret = generate(engine, st, live, nlive, sample, judge_scores(p, st) ? &sctx : NULL, err);
	/* Outputs in hand: the scorers see the cases that generated. */
	for (size_t i = 0; !ret && i < nlive; i++)
		if (live[i]->res->output)
			items[nscore++] = live[i]->res;
	if (!ret && nscore)
		ret = po_mix_score(&sctx, items, nscore, err);
	for (size_t c = 0; !ret && c < n; c++)
		po_evaluation_aggregate(&out[c]);
	/* Judge calls made ahead that the scorers did not ask for were paid. */
	po_engine_settle(engine);
	for (size_t i = 0; i < total; i++) {
		free(slots[i].user);
		free(slots[i].system);
		json_decref(slots[i].gen_meta);
		free(slots[i].judge_prompt);
		json_decref(slots[i].judge_meta);
		json_decref(slots[i].judge_schema);
	}
	free(slots);
	free(live);
	free(items);
	return ret;
}

int po_evaluate(struct po_engine *engine, const struct po_project *p,
		const struct po_eval_settings *st, const json_t *const *candidates, size_t n,
		unsigned sample, struct po_evaluation *out, struct po_err *err)
{
	struct po_eval_job *jobs = po_xcalloc(n ? n : 1, sizeof(*jobs));
	int ret;

	for (size_t i = 0; i < n; i++)
		jobs[i].prompts = candidates[i];
	ret = po_evaluate_jobs(engine, p, st, jobs, n, sample, out, err);
	free(jobs);
	return ret;
}

void po_case_result_release(struct po_case_result *r)
{
	json_decref(r->criteria);
	json_decref(r->improvements);
	json_decref(r->scorers);
	free(r->output);
	free(r->error);
	free(r->feedback);
	memset(r, 0, sizeof(*r));
}

void po_evaluation_release(struct po_evaluation *ev)
{
	for (size_t i = 0; i < ev->n; i++)
		po_case_result_release(&ev->cases[i]);
	free(ev->cases);
	free(ev->invalid);
	memset(ev, 0, sizeof(*ev));
}

json_t *po_evaluation_feedback(const struct po_evaluation *ev, size_t max)
{
	json_t *counts = json_object(), *out = json_array();
	const char *key;
	json_t *v;

	for (size_t i = 0; i < ev->n; i++) {
		size_t k;
		json_t *item;
		json_array_foreach(ev->cases[i].improvements, k, item) {
			const char *s = json_string_value(item);
			if (!s || !*s)
				continue;
			json_object_set_new(counts, s,
					    json_integer(json_integer_value(json_object_get(counts, s)) + 1));
		}
	}
	/* Most frequent first; ties in key order so the output is deterministic. */
	while (json_array_size(out) < max && json_object_size(counts)) {
		const char *best = NULL;
		json_int_t bestn = 0;
		json_object_foreach(counts, key, v) {
			json_int_t c = json_integer_value(v);
			if (c > bestn || (c == bestn && best && strcmp(key, best) < 0)) {
				best = key;
				bestn = c;
			}
		}
		json_array_append_new(out, json_string(best));
		json_object_del(counts, best);
	}
	json_decref(counts);
	return out;
}

json_t *po_evaluation_to_json(const struct po_evaluation *ev)
{
	json_t *cases = json_array();
	json_t *o;

	for (size_t i = 0; i < ev->n; i++) {
		const struct po_case_result *r = &ev->cases[i];
		json_t *c = json_pack("{s:s, s:b}", "test_case_id", r->tc ? r->tc->id : "", "ok",
				      r->ok);
		if (r->ok)
			json_object_set_new(c, "score", json_real(r->score));
		else
			json_object_set_new(c, "error", json_string(r->error ? r->error : "not run"));
		if (r->criteria)
			json_object_set(c, "criteria_scores", r->criteria);
		if (r->feedback)
			json_object_set_new(c, "feedback", json_string(r->feedback));
		if (r->improvements)
			json_object_set(c, "improvements", r->improvements);
		json_object_set_new(c, "judge_attempts", json_integer(r->judge_attempts));
		if (r->scorers)
			json_object_set(c, "scorers", r->scorers);
		json_array_append_new(cases, c);
	}
	o = json_pack("{s:o, s:I, s:I, s:I}", "cases", cases, "evaluated", (json_int_t)ev->n_ok,
		      "failed", (json_int_t)(ev->n - ev->n_ok), "total", (json_int_t)ev->n);
	json_object_set_new(o, "score", ev->n_ok ? json_real(ev->mean) : json_null());
	json_object_set_new(o, "stddev", json_real(ev->stddev));
	if (ev->invalid)
		json_object_set_new(o, "invalid", json_string(ev->invalid));
	return o;
}
