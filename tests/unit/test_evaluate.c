/*
 * Unit tests of eval/evaluate.c and the engine: rendering, batching, judge
 * replies retried once and then left out (never given an invented score),
 * failed generate calls, aggregation and feedback, with a scripted provider;
 * the same with judge calls sent ahead (pipelined evaluation).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/evaluate.h"
#include "llm/llm.h"
#include "core/project.h"
#include "util/mem.h"

/* The scripted provider answers by test case id (from the request metadata). */
struct script {
	int calls[PO_ROLE_COUNT];
	int batches;
	size_t largest_batch;
	int judge_calls_for_b;
	int followups;     /* judge calls sent ahead with the generate batch */
};

static const char GOOD[] = "{\"overall_score\": 4, \"criteria_scores\": {\"accuracy\": 4, "
			   "\"completeness\": 3, \"clarity\": 5, \"format\": 2}, \"feedback\": \"ok\", "
			   "\"improvements\": [\"be shorter\", \"add an example\"]}";

static int script_complete(struct po_provider *p, const struct po_llm_request *reqs,
			   struct po_llm_response *out, size_t n, struct po_err *err)
{
	struct script *s = p->impl;

	s->batches++;
	if (n > s->largest_batch)
		s->largest_batch = n;
	for (size_t i = 0; i < n; i++) {
		const char *id = json_string_value(json_object_get(reqs[i].metadata, "test_case_id"));
		s->calls[reqs[i].role]++;
		if (reqs[i].role == PO_ROLE_GENERATE) {
			if (!strcmp(id, "d"))
				out[i].error = po_xstrdup("HTTP 500 from the scripted server");
			else
				out[i].content = po_xstrdup(reqs[i].prompt); /* echo the rendered prompt */
			continue;
		}
		/* judge: a valid, b invalid once then valid, c never valid */
		if (!strcmp(id, "a"))
			out[i].content = po_xstrdup(GOOD);
		else if (!strcmp(id, "b"))
			out[i].content = po_xstrdup(s->judge_calls_for_b++ ? GOOD : "I think it is fine.");
		else
			out[i].content = po_xstrdup("{\"verdict\": \"great\"}");
	}
	(void)err;
	return 0;
}

static void script_free(struct po_provider *p)
{
	free(p);
}

/*
 * The same answers with follow-ups, as an HTTP provider sends them: each
 * answer's follow-up is answered after the first batch, within the call.
 */
static int chain_complete(struct po_provider *p, const struct po_llm_request *reqs,
			  struct po_llm_response *out, size_t n, const struct po_llm_chain *chain,
			  struct po_err *err)
{
	struct script *s = p->impl;
	struct po_llm_request *follow = calloc(n ? n : 1, sizeof(*follow));
	size_t nf = 0;
	int ret = script_complete(p, reqs, out, n, err);

	for (size_t i = 0; !ret && i < n; i++) {
		const struct po_llm_request *f = chain->next(chain->ud, i, &out[i]);
		if (f)
			follow[nf++] = *f;
	}
	for (size_t k = 0; k < nf; k++) {
		struct po_llm_response r = { 0 };

		s->batches--; /* one batch with the first */
		script_complete(p, &follow[k], &r, 1, err);
		r.attempts = 1;
		s->followups++;
		chain->done(chain->ud, k, &r);
	}
	free(follow);
	return ret;
}

static const struct po_provider_ops script_ops = {
	.name = "script", .complete = script_complete, .free = script_free };

static const struct po_provider_ops chain_ops = {
	.name = "script", .complete = script_complete, .free = script_free,
	.complete_chain = chain_complete };

static const char TC[] = "{\"test_cases\": ["
			 "{\"id\": \"a\", \"inputs\": {\"input\": \"alpha\"}},"
			 "{\"id\": \"b\", \"inputs\": {\"input\": \"beta\"}},"
			 "{\"id\": \"c\", \"inputs\": {\"input\": \"gamma\"}},"
			 "{\"id\": \"d\", \"inputs\": {\"input\": \"delta\"}}]}";
static const char PROMPTS[] = "{\"main\": \"Answer: {input}\"}";

struct fixture {
	struct po_project *p;
	struct po_engine *e;
	struct script s;
};

static int setup_ops(void **state, const struct po_provider_ops *ops)
{
	struct fixture *f = po_xcalloc(1, sizeof(*f));
	struct po_provider *prov = po_xcalloc(1, sizeof(*prov));
	struct po_engine_config cfg;
	struct po_err err = { 0 };

	if (po_project_parse(&f->p, "t", "dir", TC, strlen(TC), PROMPTS, strlen(PROMPTS), "{}", 2,
			     NULL, &err) < 0) {
		print_error("%s\n", err.msg);
		return -1;
	}
	prov->ops = ops;
	prov->impl = &f->s;
	po_engine_config_init(&cfg);
	for (int i = 0; i < PO_ROLE_COUNT; i++)
		cfg.roles[i] = prov;
	if (po_engine_new(&f->e, &cfg, &err) < 0) {
		print_error("%s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_ops(state, &script_ops);
}

static int setup_chain(void **state)
{
	return setup_ops(state, &chain_ops);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	po_engine_free(f->e);
	po_project_free(f->p);
	free(f);
	return 0;
}

static const struct po_case_result *by_id(const struct po_evaluation *ev, const char *id)
{
	for (size_t i = 0; i < ev->n; i++)
		if (!strcmp(ev->cases[i].tc->id, id))
			return &ev->cases[i];
	fail_msg("no case %s", id);
	return NULL;
}

static void test_failures_left_out(void **state)
{
	struct fixture *f = *state;
	struct po_eval_settings st;
	struct po_evaluation ev;
	struct po_err err = { 0 };
	const json_t *cand = f->p->prompts;
	const struct po_case_result *a, *b, *c, *d;

	po_eval_settings_init(&st);
	assert_int_equal(po_evaluate(f->e, f->p, &st, &cand, 1, 0, &ev, &err), 0);
	a = by_id(&ev, "a");
	b = by_id(&ev, "b");
	c = by_id(&ev, "c");
	d = by_id(&ev, "d");
	/* rubric-weighted: generic rubric accuracy/completeness/clarity/format */
	assert_true(a->ok);
	assert_true(a->score > 0 && a->score <= 100);
	assert_string_equal(a->output, "Answer: alpha");
	assert_int_equal(a->judge_attempts, 1);
	/* b: unparsable once, asked again, then scored */
	assert_true(b->ok);
	assert_int_equal(b->judge_attempts, 2);
	assert_true(fabs(b->score - a->score) < 1e-9);
	/* c: never parsable: retried once, then a failed evaluation with a reason */
	assert_false(c->ok);
	assert_int_equal(c->judge_attempts, 2);
	assert_non_null(strstr(c->error, "judge reply unusable"));
	/* d: the generate call failed: not judged at all */
	assert_false(d->ok);
	assert_int_equal(d->judge_attempts, 0);
	assert_non_null(strstr(d->error, "generate call failed: HTTP 500"));
	/* the mean is over the two scored cases only */
	assert_int_equal(ev.n_ok, 2);
	assert_true(fabs(ev.mean - (a->score + b->score) / 2) < 1e-6);
	/* calls: 4 generate in one batch, 3 judge + 2 retries */
	assert_int_equal(f->s.calls[PO_ROLE_GENERATE], 4);
	assert_int_equal(f->s.calls[PO_ROLE_JUDGE], 5);
	assert_int_equal(po_engine_stats(f->e)->failures[PO_ROLE_GENERATE], 1);
	assert_int_equal(po_engine_stats(f->e)->calls[PO_ROLE_JUDGE], 5);
	assert_int_equal(f->s.largest_batch, 4);
	if (f->s.followups) {
		/* pipelined: the 3 first judge calls went with the generate batch;
		 * only the retries made a batch of their own */
		assert_int_equal(f->s.followups, 3);
		assert_int_equal(f->s.batches, 2);
	} else {
		assert_int_equal(f->s.batches, 3);
	}

	json_t *fb = po_evaluation_feedback(&ev, 5);
	assert_int_equal(json_array_size(fb), 2);
	json_decref(fb);
	json_t *j = po_evaluation_to_json(&ev);
	assert_int_equal(json_integer_value(json_object_get(j, "evaluated")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "failed")), 2);
	json_decref(j);
	po_evaluation_release(&ev);
}

static void test_batch_of_candidates(void **state)
{
	struct fixture *f = *state;
	struct po_eval_settings st;
	struct po_evaluation ev[3];
	struct po_err err = { 0 };
	json_t *bad = json_pack("{s:s}", "main", "Use {nothing} here");
	json_t *other = json_pack("{s:s}", "main", "Reply to {input} politely");
	const json_t *cands[3] = { f->p->prompts, bad, other };

	po_eval_settings_init(&st);
	assert_int_equal(po_evaluate(f->e, f->p, &st, cands, 3, 0, ev, &err), 0);
	/* all generate calls of the valid candidates go in one batch */
	assert_int_equal(f->s.largest_batch, 8);
	assert_null(ev[0].invalid);
	assert_non_null(ev[1].invalid);
	assert_non_null(strstr(ev[1].invalid, "{nothing}"));
	assert_int_equal(ev[1].n_ok, 0);
	assert_true(isnan(ev[1].mean));
	assert_string_equal(by_id(&ev[2], "a")->output, "Reply to alpha politely");
	for (int i = 0; i < 3; i++)
		po_evaluation_release(&ev[i]);
	json_decref(bad);
	json_decref(other);
}

static const struct po_llm_request *always_follow(void *ud, size_t i,
						  const struct po_llm_response *resp)
{
	(void)i;
	(void)resp;
	return ud;
}

/* A judge answer made ahead that no batch asks for was still paid for: the
 * engine accounts it when settled, and a batch asking for it takes it. */
static void test_settle_and_take(void **state)
{
	struct fixture *f = *state;
	json_t *meta = json_pack("{s:s}", "test_case_id", "a");
	struct po_llm_request gen = { .role = PO_ROLE_GENERATE, .prompt = "Answer: alpha",
				      .metadata = meta };
	struct po_llm_request judge = { .role = PO_ROLE_JUDGE, .prompt = "judge alpha",
					.metadata = meta };
	struct po_llm_response out = { 0 };
	struct po_err err = { 0 };

	assert_int_equal(po_engine_complete_then(f->e, &gen, &out, 1, always_follow, &judge,
						 &err), 0);
	po_llm_response_release(&out);
	assert_int_equal(f->s.followups, 1);
	assert_int_equal(po_engine_stats(f->e)->calls[PO_ROLE_JUDGE], 0);
	/* asked for: taken without a call */
	assert_int_equal(po_engine_complete(f->e, &judge, &out, 1, &err), 0);
	assert_string_equal(out.content, GOOD);
	po_llm_response_release(&out);
	assert_int_equal(f->s.calls[PO_ROLE_JUDGE], 1);
	assert_int_equal(po_engine_stats(f->e)->calls[PO_ROLE_JUDGE], 1);
	/* not asked for: accounted when settled */
	assert_int_equal(po_engine_complete_then(f->e, &gen, &out, 1, always_follow, &judge,
						 &err), 0);
	po_llm_response_release(&out);
	po_engine_settle(f->e);
	assert_int_equal(po_engine_stats(f->e)->calls[PO_ROLE_JUDGE], 2);
	assert_int_equal(f->s.calls[PO_ROLE_JUDGE], 2);
	json_decref(meta);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_failures_left_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_of_candidates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_left_out, setup_chain, teardown),
		cmocka_unit_test_setup_teardown(test_batch_of_candidates, setup_chain, teardown),
		cmocka_unit_test_setup_teardown(test_settle_and_take, setup_chain, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
