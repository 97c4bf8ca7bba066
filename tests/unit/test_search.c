/*
 * Unit tests of the search architecture: the train/validation/test split
 * (deterministic, order-free, stratified, a clear error when too few), the
 * archive (deduplication by prompt text and sample, Pareto front, its log
 * lines), evaluations through the search context (nothing paid twice) and
 * acceptance (the one definition of better).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/project.h"
#include "eval/scorer.h"
#include "eval/split.h"
#include "llm/llm.h"
#include "opt/accept.h"
#include "opt/archive.h"
#include "opt/search.h"
#include "util/buf.h"
#include "util/mem.h"

static const char GOOD[] = "{\"overall_score\": 4, \"criteria_scores\": {\"accuracy\": 4, "
			   "\"completeness\": 3, \"clarity\": 5, \"format\": 2}, \"feedback\": \"ok\", "
			   "\"improvements\": [\"be shorter\"]}";

static int calls;

static int count_complete(struct po_provider *p, const struct po_llm_request *reqs,
			  struct po_llm_response *out, size_t n, struct po_err *err)
{
	(void)p;
	(void)err;
	for (size_t i = 0; i < n; i++) {
		calls++;
		out[i].content = po_xstrdup(reqs[i].role == PO_ROLE_JUDGE ? GOOD : "an output");
	}
	return 0;
}

static void count_free(struct po_provider *p)
{
	free(p);
}

static const struct po_provider_ops count_ops = {
	.name = "count", .complete = count_complete, .free = count_free };

/* A project of n cases c0..c(n-1), industry "a" for even and "b" for odd
 * ones, listed in reverse order when `reverse`. */
static struct po_project *project(size_t n, bool reverse)
{
	struct po_buf tc = PO_BUF_INIT;
	struct po_project *p = NULL;
	struct po_err err = { 0 };
	const char *prompts = "{\"main\": \"Answer: {input}\"}";

	po_buf_adds(&tc, "{\"test_cases\": [");
	for (size_t k = 0; k < n; k++) {
		size_t i = reverse ? n - 1 - k : k;
		po_buf_addf(&tc, "%s{\"id\": \"c%zu\", \"industry\": \"%s\", \"inputs\": {\"input\": \"x%zu\"}}",
			    k ? "," : "", i, i % 2 ? "b" : "a", i);
	}
	po_buf_adds(&tc, "]}");
	if (po_project_parse(&p, "t", "dir", tc.data, tc.len, prompts, strlen(prompts), "{}", 2,
			     NULL, &err) < 0)
		fail_msg("%s", err.msg);
	po_buf_release(&tc);
	return p;
}

/* The ids of a case set, joined. */
static void ids(const struct po_project *p, const struct po_caseset *s, char *out, size_t size)
{
	struct po_buf b = PO_BUF_INIT;
	char *sorted[64];
	size_t n = s->n;

	for (size_t i = 0; i < n; i++)
		sorted[i] = p->cases[s->idx[i]].id;
	/* Sorted by id, so that two projects listing the cases in another
	 * order compare equal. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
			char *t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++)
		po_buf_addf(&b, "%s%s", i ? "," : "", sorted[i]);
	snprintf(out, size, "%s", b.data);
	po_buf_release(&b);
}

static void test_split_none_is_every_case(void **state)
{
	struct po_project *p = project(5, false);
	struct po_split_config c;
	struct po_split s;
	struct po_err err = { 0 };

	(void)state;
	po_split_config_init(&c);
	assert_int_equal(po_split_draw(&s, p, &c, 42, &err), 0);
	assert_true(po_caseset_is_all(&s.train, 5));
	assert_true(po_caseset_is_all(&s.val, 5));
	assert_true(po_caseset_is_all(&s.test, 5));
	po_split_release(&s);
	po_project_free(p);
}

static void test_split_deterministic_and_order_free(void **state)
{
	struct po_project *p = project(20, false), *q = project(20, true);
	struct po_split_config c = { .enabled = true, .train = 0.5, .val = 0.25, .test = 0.25 };
	struct po_split a, b, d;
	struct po_err err = { 0 };
	char x[512], y[512];

	(void)state;
	assert_int_equal(po_split_draw(&a, p, &c, 42, &err), 0);
	assert_int_equal(po_split_draw(&b, q, &c, 42, &err), 0);
	assert_int_equal(po_split_draw(&d, p, &c, 7, &err), 0);
	assert_int_equal(a.train.n, 10);
	assert_int_equal(a.val.n, 5);
	assert_int_equal(a.test.n, 5);
	ids(p, &a.test, x, sizeof(x));
	ids(q, &b.test, y, sizeof(y));
	assert_string_equal(x, y);
	ids(p, &d.test, y, sizeof(y));
	assert_string_not_equal(x, y);
	/* No case in two sets. */
	for (size_t i = 0; i < a.test.n; i++)
		for (size_t j = 0; j < a.train.n; j++)
			assert_true(a.test.idx[i] != a.train.idx[j]);
	po_split_release(&a);
	po_split_release(&b);
	po_split_release(&d);
	po_project_free(p);
	po_project_free(q);
}

static void test_split_stratified(void **state)
{
	struct po_project *p = project(12, false);
	struct po_split_config c = { .enabled = true, .train = 0.5, .val = 0.25, .test = 0.25,
				     .stratify = "industry" };
	struct po_split s;
	struct po_err err = { 0 };
	size_t odd = 0;

	(void)state;
	assert_int_equal(po_split_draw(&s, p, &c, 3, &err), 0);
	for (size_t i = 0; i < s.test.n; i++)
		odd += s.test.idx[i] % 2;
	/* 6 cases per industry: 2 of each in test (a quarter, rounded). */
	assert_int_equal(s.test.n, 4);
	assert_int_equal(odd, 2);
	po_split_release(&s);
	po_project_free(p);
}

static void test_split_too_few(void **state)
{
	struct po_project *p = project(2, false);
	struct po_split_config c = { .enabled = true, .train = 0.5, .val = 0.25, .test = 0.25 };
	struct po_split s;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_split_draw(&s, p, &c, 42, &err), PO_EINPUT);
	assert_non_null(strstr(err.msg, "2 test cases are too few for a split of 0.5/0.25/0.25"));
	po_project_free(p);
}

static void test_split_json_round_trip(void **state)
{
	struct po_project *p = project(8, false);
	struct po_split_config c = { .enabled = true, .train = 0.5, .val = 0.25, .test = 0.25 };
	struct po_split a, b;
	struct po_err err = { 0 };
	json_t *j;

	(void)state;
	assert_int_equal(po_split_draw(&a, p, &c, 9, &err), 0);
	j = po_split_to_json(&a, p);
	assert_int_equal(po_split_from_json(&b, j, p, &err), 0);
	assert_int_equal(b.val.n, a.val.n);
	assert_memory_equal(b.val.idx, a.val.idx, a.val.n * sizeof(size_t));
	json_array_append_new(json_object_get(j, "test"), json_string("nope"));
	po_split_release(&b);
	assert_int_equal(po_split_from_json(&b, j, p, &err), PO_EINPUT);
	assert_non_null(strstr(err.msg, "'nope'"));
	json_decref(j);
	po_split_release(&a);
	po_project_free(p);
}

/* An evaluation of p's cases `idx` with scores `scores`. */
static void fake_eval(struct po_evaluation *ev, const struct po_project *p, const size_t *idx,
		      const double *scores, size_t n)
{
	memset(ev, 0, sizeof(*ev));
	ev->n = n;
	ev->cases = po_xcalloc(n, sizeof(*ev->cases));
	for (size_t i = 0; i < n; i++) {
		ev->cases[i].tc = &p->cases[idx[i]];
		ev->cases[i].ok = true;
		ev->cases[i].score = scores[i];
	}
	po_evaluation_aggregate(ev);
}

static void test_archive_dedup_and_pareto(void **state)
{
	struct po_project *p = project(2, false);
	struct po_archive *a = po_archive_new(2), *b = po_archive_new(2);
	json_t *x = json_pack("{s:s}", "main", "X {input}"), *y = json_pack("{s:s}", "main", "Y {input}");
	json_t *z = json_pack("{s:s}", "main", "Z {input}"), *x2 = json_deep_copy(x);
	struct po_caseset all;
	struct po_evaluation ev;
	struct po_err err = { 0 };
	size_t both[2] = { 0, 1 }, *front, nfront;
	double sx[2] = { 90, 10 }, sy[2] = { 10, 90 }, sz[2] = { 5, 50 };

	(void)state;
	po_caseset_all(&all, 2);
	struct po_archive_entry *ex = po_archive_add(a, x, 1, 1, "x");
	assert_ptr_equal(po_archive_add(a, x2, 1, 2, "x again"), ex);
	assert_ptr_not_equal(po_archive_add(a, x, 2, 1, "x"), ex);
	assert_null(po_archive_find(a, y, 1));
	fake_eval(&ev, p, both, sx, 2);
	po_archive_record(a, po_archive_find(a, x, 1), p, &ev);
	po_evaluation_release(&ev);
	fake_eval(&ev, p, both, sy, 2);
	po_archive_record(a, po_archive_add(a, y, 1, 3, "y"), p, &ev);
	po_evaluation_release(&ev);
	fake_eval(&ev, p, both, sz, 2);
	po_archive_record(a, po_archive_add(a, z, 1, 4, "z"), p, &ev);
	po_evaluation_release(&ev);
	/* x and y each best on one case; z is dominated by y; (x, 2) has no scores. */
	po_archive_pareto(a, &all, &front, &nfront);
	assert_int_equal(nfront, 2);
	assert_string_equal(po_archive_get(a, front[0])->origin, "x");
	assert_string_equal(po_archive_get(a, front[1])->origin, "y");
	free(front);
	assert_true(fabs(po_archive_mean(po_archive_find(a, z, 1), &all) - 27.5) < 1e-9);
	/* Lineage: by hash, the first record stands. */
	uint64_t px = po_archive_hash(x);
	po_archive_set_lineage(a, po_archive_hash(y), "merge", (uint64_t[]){ px, 7 }, 2);
	po_archive_set_lineage(a, po_archive_hash(y), "mutate", &px, 1);
	assert_null(po_archive_lineage(a, po_archive_hash(z)));
	assert_string_equal(po_archive_lineage(a, po_archive_hash(y))->op, "merge");
	/* Its log lines rebuild it, lineage included. */
	for (size_t i = 0; i < po_archive_count(a); i++) {
		json_t *line = po_archive_entry_to_json(a, po_archive_get(a, i), p);
		assert_int_equal(po_archive_load_json(b, line, p, &err), 0);
		json_decref(line);
	}
	assert_int_equal(po_archive_count(b), 4);
	assert_true(fabs(po_archive_mean(po_archive_find(b, y, 1), &all) - 50) < 1e-9);
	assert_int_equal(po_archive_lineage(b, po_archive_hash(y))->nparents, 2);
	assert_true(po_archive_lineage(b, po_archive_hash(y))->parents[0] == px);
	assert_true(po_archive_lineage(b, po_archive_hash(y))->parents[1] == 7);
	po_caseset_release(&all);
	po_archive_free(a);
	po_archive_free(b);
	json_decref(x);
	json_decref(x2);
	json_decref(y);
	json_decref(z);
	po_project_free(p);
}

static void test_search_never_pays_twice(void **state)
{
	struct po_project *p = project(4, false);
	struct po_provider *prov = po_xcalloc(1, sizeof(*prov));
	struct po_engine_config cfg;
	struct po_engine *engine;
	struct po_eval_settings st;
	struct po_split split;
	struct po_split_config sc;
	struct po_caseset two = { .idx = (size_t[]){ 1, 3 }, .n = 2 };
	struct po_evaluation ev;
	struct po_err err = { 0 };
	const json_t *cand = p->prompts;

	(void)state;
	prov->ops = &count_ops;
	po_engine_config_init(&cfg);
	for (int i = 0; i < PO_ROLE_COUNT; i++)
		cfg.roles[i] = prov;
	assert_int_equal(po_engine_new(&engine, &cfg, &err), 0);
	po_eval_settings_init(&st);
	po_split_config_init(&sc);
	assert_int_equal(po_split_draw(&split, p, &sc, 1, &err), 0);
	struct po_search s = { .engine = engine, .project = p, .settings = &st,
			       .archive = po_archive_new(p->ncases), .split = &split };

	calls = 0;
	assert_int_equal(po_search_evaluate(&s, &cand, 1, &two, 5, NULL, &ev, &err), 0);
	assert_int_equal(calls, 4); /* 2 cases x (generate + judge) */
	assert_int_equal(ev.n, 2);
	po_evaluation_release(&ev);
	/* The whole set: only the two cases not yet evaluated are paid for. */
	assert_int_equal(po_search_evaluate(&s, &cand, 1, NULL, 5, NULL, &ev, &err), 0);
	assert_int_equal(calls, 8);
	assert_int_equal(ev.n, 4);
	assert_int_equal(ev.n_ok, 4);
	/* The same judge reply everywhere: archived and fresh cases agree. */
	assert_true(fabs(ev.mean - ev.cases[0].score) < 1e-9);
	assert_true(fabs(ev.cases[1].score - ev.cases[2].score) < 1e-9);
	po_evaluation_release(&ev);
	/* Again: free. Another sample: paid. */
	assert_int_equal(po_search_evaluate(&s, &cand, 1, NULL, 5, NULL, &ev, &err), 0);
	assert_int_equal(calls, 8);
	po_evaluation_release(&ev);
	assert_int_equal(po_search_evaluate(&s, &cand, 1, NULL, 6, NULL, &ev, &err), 0);
	assert_int_equal(calls, 16);
	po_evaluation_release(&ev);
	/* The population lists the evaluations that made calls: 3 of the 4. */
	assert_int_equal(json_array_size(s.evaluated), 3);
	po_search_clear(&s);
	free(s.nominees);
	po_archive_free(s.archive);
	po_split_release(&split);
	po_engine_free(engine);
	po_project_free(p);
}

/* A rule-like scorer: 50 for every output, and no score for case c2. */
static int half_score(const struct po_scorer_ctx *ctx, struct po_case_result *const *items,
		      size_t n, struct po_err *err)
{
	(void)ctx;
	(void)err;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(items[i]->tc->id, "c2")) {
			items[i]->error = po_xstrdup("half: cannot score c2");
			continue;
		}
		items[i]->ok = true;
		items[i]->score = 50;
	}
	return 0;
}

static const struct po_scorer_ops half_ops = { .name = "half", .summary = "test scorer",
						.score = half_score };

static void test_scorers_weighted(void **state)
{
	struct po_project *p = project(3, false);
	struct po_provider *prov = po_xcalloc(1, sizeof(*prov));
	struct po_engine_config cfg;
	struct po_engine *engine;
	struct po_eval_settings st;
	struct po_evaluation judge_only, both;
	struct po_err err = { 0 };
	const json_t *cand = p->prompts;

	(void)state;
	prov->ops = &count_ops;
	po_engine_config_init(&cfg);
	for (int i = 0; i < PO_ROLE_COUNT; i++)
		cfg.roles[i] = prov;
	assert_int_equal(po_engine_new(&engine, &cfg, &err), 0);
	po_eval_settings_init(&st);
	assert_int_equal(po_evaluate(engine, p, &st, &cand, 1, 0, &judge_only, &err), 0);
	st.scorers[0] = po_scorer_find("judge");
	st.weights[0] = 3;
	st.scorers[1] = &half_ops;
	st.weights[1] = 1;
	st.nscorers = 2;
	assert_int_equal(po_evaluate(engine, p, &st, &cand, 1, 0, &both, &err), 0);
	assert_true(fabs(both.cases[0].score - (3 * judge_only.cases[0].score + 50) / 4) < 1e-6);
	assert_non_null(both.cases[0].improvements); /* the judge's feedback is kept */
	assert_false(both.cases[2].ok);
	assert_string_equal(both.cases[2].error, "half: cannot score c2");
	assert_int_equal(both.n_ok, 2);
	po_evaluation_release(&judge_only);
	po_evaluation_release(&both);
	po_engine_free(engine);
	po_project_free(p);
}

static void test_split_spec(void **state)
{
	struct po_split_config c;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_split_spec_parse("none", &c, &err), 0);
	assert_false(c.enabled);
	assert_int_equal(po_split_spec_parse("0", &c, &err), 0);
	assert_false(c.enabled);
	assert_int_equal(po_split_spec_parse("0.25", &c, &err), 0);
	assert_true(c.enabled && fabs(c.test - 0.25) < 1e-12 && fabs(c.val - 0.5) < 1e-12 &&
		    fabs(c.train - 0.25) < 1e-12);
	assert_int_equal(po_split_spec_parse("0.6,0.2,0.2", &c, &err), 0);
	assert_true(fabs(c.train - 0.6) < 1e-12);
	assert_int_equal(po_split_spec_parse("0.5,0.5", &c, &err), PO_EUSAGE);
	assert_string_equal(err.msg, "--split '0.5,0.5': give one number (the test share) or three (train,validation,test)");
	assert_int_equal(po_split_spec_parse("0.6,0.3,0.3", &c, &err), PO_EUSAGE);
	assert_string_equal(err.msg, "--split '0.6,0.3,0.3': the fractions must add up to 1");
	assert_int_equal(po_split_spec_parse("1", &c, &err), PO_EUSAGE);
	assert_int_equal(po_split_spec_parse("half", &c, &err), PO_EUSAGE);
	assert_non_null(strstr(err.msg, "expected none, a test share"));
	po_split_config_default(&c, 7);
	assert_false(c.enabled);
	po_split_config_default(&c, 8);
	assert_true(c.enabled);
}

static void test_split_unknown_stratify(void **state)
{
	struct po_project *p = project(12, false);
	struct po_split_config c = { .enabled = true, .train = 0.5, .val = 0.25, .test = 0.25,
				     .stratify = "audience" };
	struct po_split s;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_split_draw(&s, p, &c, 3, &err), PO_EINPUT);
	assert_non_null(strstr(err.msg, "stratify key 'audience' is not a field of any test case"));
	po_project_free(p);
}

/* Two evaluations of p's cases with the given scores. */
static void test_accept_paired(void **state)
{
	struct po_project *p = project(10, false);
	size_t idx[10] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	double inc[10] = { 50, 52, 48, 51, 49, 50, 53, 47, 50, 50 };
	double better[10], same[10];
	struct po_evaluation ei, eb, es;
	struct po_accept_config c;
	struct po_accept_decision d;

	(void)state;
	for (int i = 0; i < 10; i++) {
		better[i] = inc[i] + 4 + (i % 3);
		same[i] = inc[i] + (i % 2 ? 1 : -1);
	}
	fake_eval(&ei, p, idx, inc, 10);
	fake_eval(&eb, p, idx, better, 10);
	fake_eval(&es, p, idx, same, 10);
	po_accept_config_init(&c);
	c.rule = PO_ACCEPT_PAIRED;
	c.seed = 7;
	assert_true(po_accept_needs_remeasure(&c));
	po_accept_decide(&c, eb.mean, ei.mean, &eb, &ei, &d);
	assert_true(d.accept);
	assert_true(d.gain > 4);
	/* higher by 0 on average, noise either way: not shown, not accepted */
	po_accept_decide(&c, es.mean + 0.001, ei.mean, &es, &ei, &d);
	assert_false(d.accept);
	/* a required gain of 10 points is not met by a gain of about 5 */
	c.min_delta = 10;
	po_accept_decide(&c, eb.mean, ei.mean, &eb, &ei, &d);
	assert_false(d.accept);
	po_evaluation_release(&ei);
	po_evaluation_release(&eb);
	po_evaluation_release(&es);
	po_project_free(p);
}

static void test_accept_greedy(void **state)
{
	struct po_accept_config c;
	struct po_accept_decision d;

	(void)state;
	po_accept_config_init(&c);
	po_accept_decide(&c, 60.01, 60, NULL, NULL, &d);
	assert_true(d.accept);
	assert_false(d.significant); /* below 0.1 % of 60 */
	po_accept_decide(&c, 61, 60, NULL, NULL, &d);
	assert_true(d.accept && d.significant);
	po_accept_decide(&c, 60, 60, NULL, NULL, &d);
	assert_false(d.accept || d.significant);
	po_accept_decide(&c, NAN, 60, NULL, NULL, &d);
	assert_false(d.accept);
	assert_true(po_accept_significant(200.2, 200, 0.1));
	assert_true(po_accept_significant(1, -5, 10));
	assert_false(po_accept_significant(5, 5, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_none_is_every_case),
		cmocka_unit_test(test_split_deterministic_and_order_free),
		cmocka_unit_test(test_split_stratified),
		cmocka_unit_test(test_split_too_few),
		cmocka_unit_test(test_split_json_round_trip),
		cmocka_unit_test(test_archive_dedup_and_pareto),
		cmocka_unit_test(test_search_never_pays_twice),
		cmocka_unit_test(test_scorers_weighted),
		cmocka_unit_test(test_split_spec),
		cmocka_unit_test(test_split_unknown_stratify),
		cmocka_unit_test(test_accept_paired),
		cmocka_unit_test(test_accept_greedy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
