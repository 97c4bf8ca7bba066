/*
 * Unit tests of mutation integrity (opt/integrity): each reason a candidate
 * is rejected for, the repair of a lost placeholder (and when it is refused
 * as ambiguous), the counts and their checkpoint form, the length penalty,
 * and po_search_mutate rejecting a placeholder-dropping reply before any
 * generate call.
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
#include "eval/split.h"
#include "llm/llm.h"
#include "opt/archive.h"
#include "opt/integrity.h"
#include "opt/search.h"
#include "util/buf.h"
#include "util/mem.h"

static const char PARENT[] = "Write a PR/FAQ for {name}.\nProblem: {problem}\n\nBe concise.";

/* Cases provide name and problem; "extra" only the first one. */
static struct po_project *project(const char *tmpl)
{
	const char *tc = "{\"test_cases\": ["
			 "{\"id\": \"c0\", \"inputs\": {\"name\": \"A\", \"problem\": \"p\", \"extra\": \"e\"}},"
			 "{\"id\": \"c1\", \"inputs\": {\"name\": \"B\", \"problem\": \"q\"}}]}";
	json_t *pj = json_pack("{s:s}", "main", tmpl);
	char *prompts = json_dumps(pj, 0);
	struct po_project *p = NULL;
	struct po_err err = { 0 };

	if (po_project_parse(&p, "t", "dir", tc, strlen(tc), prompts, strlen(prompts), "{}", 2,
			     NULL, &err) < 0)
		fail_msg("%s", err.msg);
	free(prompts);
	json_decref(pj);
	return p;
}

/* Checks child text against PARENT; returns the status, *out the template
 * after the check (a new string). */
static int check(struct po_integrity *ig, const struct po_project *p, const struct po_archive *a,
		 const char *child, char **out, struct po_err *err)
{
	json_t *parent = json_pack("{s:s}", "main", PARENT);
	json_t *c = json_pack("{s:s}", "main", child);
	int ret = po_integrity_check(ig, p, a, parent, c, err);

	*out = po_xstrdup(json_string_value(json_object_get(c, "main")));
	json_decref(parent);
	json_decref(c);
	return ret;
}

static void test_repair(void **state)
{
	struct po_project *p = project(PARENT);
	struct po_integrity ig;
	struct po_err err = { 0 };
	char *out;

	(void)state;
	po_integrity_init(&ig);
	/* Replaced by a phrase (what the simulator does), other edits kept. */
	assert_int_equal(check(&ig, p, NULL,
			       "Write a PR/FAQ for the new product.\nProblem: {problem}\n\nBe concise. Quote a customer.",
			       &out, &err), 0);
	assert_string_equal(out, "Write a PR/FAQ for {name}.\nProblem: {problem}\n\nBe concise. Quote a customer.");
	free(out);
	/* Deleted, with the blank after the label. */
	assert_int_equal(check(&ig, p, NULL, "Write a PR/FAQ for {name}.\nProblem:\n\nBe brief.",
			       &out, &err), 0);
	assert_string_equal(out, "Write a PR/FAQ for {name}.\nProblem: {problem}\n\nBe brief.");
	free(out);
	assert_int_equal(ig.repaired, 2);
	assert_int_equal(ig.rejected[PO_REJECT_LOST_PLACEHOLDER], 0);
	po_integrity_release(&ig);
	po_project_free(p);
}

static void test_repair_refused(void **state)
{
	/* The line is gone: nowhere to put it back. */
	assert_null(po_integrity_repair(PARENT, "Write a PR/FAQ for {name}.\n\nBe concise.", "problem"));
	/* The anchor is there twice: ambiguous. */
	assert_null(po_integrity_repair(PARENT,
					"Write a PR/FAQ for {name}.\nProblem: x\nProblem: y\n", "problem"));
	/* Too little context: a placeholder alone on its line. */
	assert_null(po_integrity_repair("Answer this:\n{input}\n", "Answer this:\nthe text\n", "input"));
	/* Too long a text where it stood. */
	assert_null(po_integrity_repair(PARENT,
					"Write a PR/FAQ for {name}.\nProblem: a problem described at great length, far longer than any placeholder's stand-in would be in practice\n",
					"problem"));
	/* Both occurrences found: both put back. */
	{
		char *r = po_integrity_repair("Name: {x}. Again, Title - {x}!", "Name: foo. Again, Title - foo!",
					      "x");
		assert_non_null(r);
		assert_string_equal(r, "Name: {x}. Again, Title - {x}!");
		free(r);
	}
	(void)state;
}

static void test_reject_reasons(void **state)
{
	struct po_project *p = project(PARENT);
	struct po_archive *a = po_archive_new(p->ncases);
	struct po_integrity ig;
	struct po_err err = { 0 };
	json_t *seen = json_pack("{s:s}", "main", "Write a PR/FAQ for {name}.\nProblem: {problem}\n");
	json_t *rej;
	char *out;

	(void)state;
	po_integrity_init(&ig);
	/* Lost, and the line is gone. */
	assert_int_equal(check(&ig, p, a, "Write a PR/FAQ for {name}.\n\nBe concise.", &out, &err),
			 PO_EEVAL);
	assert_non_null(strstr(err.msg, "(lost_placeholder): template 'main' lost {problem}"));
	free(out);
	/* Two lost: not repaired. */
	assert_int_equal(check(&ig, p, a, "Write a PR/FAQ for it.\nProblem: it\n", &out, &err),
			 PO_EEVAL);
	free(out);
	/* Unknown: not provided at all, or by one case only. */
	assert_int_equal(check(&ig, p, a, "For {name}: {problem} {product}", &out, &err), PO_EEVAL);
	assert_non_null(strstr(err.msg, "(unknown_placeholder): template 'main' uses {product}"));
	free(out);
	assert_int_equal(check(&ig, p, a, "For {name}: {problem} {extra}", &out, &err), PO_EEVAL);
	free(out);
	/* Empty. */
	assert_int_equal(check(&ig, p, a, " \n\t", &out, &err), PO_EEVAL);
	assert_non_null(strstr(err.msg, "(empty)"));
	free(out);
	/* Duplicate: of the parent, or of a prompt set evaluated with another sample. */
	assert_int_equal(check(&ig, p, a, PARENT, &out, &err), PO_EEVAL);
	assert_non_null(strstr(err.msg, "(duplicate)"));
	free(out);
	po_archive_add(a, seen, 7, 1, "earlier");
	assert_int_equal(check(&ig, p, a, "Write a PR/FAQ for {name}.\nProblem: {problem}\n", &out,
			       &err), PO_EEVAL);
	free(out);
	/* Repaired into a duplicate: a repair, rejected as a duplicate. */
	assert_int_equal(check(&ig, p, a, "Write a PR/FAQ for it.\nProblem: {problem}\n\nBe concise.",
			       &out, &err), PO_EEVAL);
	assert_non_null(strstr(err.msg, "once its placeholder was put back"));
	free(out);
	/* Too long. */
	ig.max_prompt_chars = 40;
	assert_int_equal(check(&ig, p, a, "Write a PR/FAQ for {name}.\nProblem: {problem}\nAnd more.",
			       &out, &err), PO_EEVAL);
	assert_non_null(strstr(err.msg, "(too_long): 55 characters, over max_prompt_chars (40)"));
	free(out);
	ig.max_prompt_chars = 0;
	/* Fine. */
	assert_int_equal(check(&ig, p, a, "Write a PR/FAQ for {name} now.\nProblem: {problem}\n",
			       &out, &err), 0);
	free(out);
	/* Replies the parser found nothing in. */
	po_integrity_count_reply(&ig, "<prompt>\n  \n</prompt>");
	po_integrity_count_reply(&ig, "I cannot help with that <prompt> cut");
	assert_int_equal(ig.rejected[PO_REJECT_LOST_PLACEHOLDER], 2);
	assert_int_equal(ig.rejected[PO_REJECT_UNKNOWN_PLACEHOLDER], 2);
	assert_int_equal(ig.rejected[PO_REJECT_EMPTY], 2);
	assert_int_equal(ig.rejected[PO_REJECT_DUPLICATE], 3);
	assert_int_equal(ig.rejected[PO_REJECT_TOO_LONG], 1);
	assert_int_equal(ig.rejected[PO_REJECT_UNUSABLE_REPLY], 1);
	assert_int_equal(ig.repaired, 1);
	rej = po_integrity_rejected_json(&ig);
	assert_int_equal(json_integer_value(json_object_get(rej, "total")), 11);
	json_decref(rej);
	json_decref(seen);
	po_archive_free(a);
	po_integrity_release(&ig);
	po_project_free(p);
}

static void test_counts_saved(void **state)
{
	struct po_integrity a, b;
	json_t *s, *step;

	(void)state;
	po_integrity_init(&a);
	po_integrity_init(&b);
	a.rejected[PO_REJECT_DUPLICATE] = 4;
	a.rejected[PO_REJECT_TOO_LONG] = 1;
	a.repaired = 2;
	s = po_integrity_save(&a);
	po_integrity_restore(&b, s);
	assert_memory_equal(a.rejected, b.rejected, sizeof(a.rejected));
	assert_int_equal(b.repaired, 2);
	json_decref(s);
	/* An older checkpoint without them: zeros. */
	po_integrity_restore(&b, NULL);
	assert_int_equal(b.rejected[PO_REJECT_DUPLICATE], 0);
	assert_int_equal(b.repaired, 0);
	/* Per step. */
	assert_null(po_integrity_step_json(&b));
	b.step_rejected[PO_REJECT_EMPTY] = 1;
	step = po_integrity_step_json(&b);
	assert_int_equal(json_integer_value(json_object_get(step, "empty")), 1);
	json_decref(step);
	po_integrity_step_begin(&b);
	assert_null(po_integrity_step_json(&b));
}

static void test_length(void **state)
{
	struct po_project *p = project(PARENT);
	struct po_integrity ig;
	struct po_buf t = PO_BUF_INIT;
	json_t *base = json_pack("{s:s}", "main", "x"), *nom, *inc;

	(void)state;
	po_integrity_init(&ig);
	/* Characters, not bytes. */
	json_t *u = json_pack("{s:s, s:s}", "main", "caf\xc3\xa9 {name}", "unused", "zzz");
	assert_int_equal(po_prompt_chars(p, u), 11);
	json_decref(u);
	for (int i = 0; i < 1001; i++)
		po_buf_addch(&t, 'a');
	nom = json_pack("{s:s}", "main", t.data);     /* 1000 over the baseline */
	po_buf_setlen(&t, 501);
	inc = json_pack("{s:s}", "main", t.data);     /* 500 over */
	assert_true(po_integrity_length_cost(&ig, p, base, nom, inc) == 0);
	ig.length_penalty = 2;
	assert_true(fabs(po_integrity_length_cost(&ig, p, base, nom, inc) - 1.0) < 1e-12);
	assert_true(fabs(po_integrity_length_cost(&ig, p, base, inc, nom) + 1.0) < 1e-12);
	/* Shorter than the baseline costs nothing and earns nothing. */
	assert_true(po_integrity_length_cost(&ig, p, nom, base, base) == 0);
	json_decref(base);
	json_decref(nom);
	json_decref(inc);
	po_buf_release(&t);
	po_integrity_release(&ig);
	po_project_free(p);
}

/* ---- po_search_mutate: no generate call for a rejected candidate -------- */

static int calls[PO_ROLE_COUNT];

static int drop_complete(struct po_provider *p, const struct po_llm_request *reqs,
			 struct po_llm_response *out, size_t n, struct po_err *err)
{
	(void)p;
	(void)err;
	for (size_t i = 0; i < n; i++) {
		calls[reqs[i].role]++;
		out[i].content = po_xstrdup(reqs[i].role == PO_ROLE_MUTATE ?
						    "<prompt>Answer the question briefly.</prompt>" :
						    "an output");
	}
	return 0;
}

static void drop_free(struct po_provider *p)
{
	free(p);
}

static const struct po_provider_ops drop_ops = {
	.name = "drop", .complete = drop_complete, .free = drop_free };

static void test_search_mutate_rejects(void **state)
{
	struct po_project *p = project("Answer the question:\n{name}\n{problem}");
	struct po_provider *prov = po_xcalloc(1, sizeof(*prov));
	struct po_engine_config cfg;
	struct po_engine *engine;
	struct po_eval_settings st;
	struct po_integrity ig;
	struct po_err err = { 0 };
	json_t *out = (json_t *)1;

	(void)state;
	prov->ops = &drop_ops;
	po_engine_config_init(&cfg);
	for (int i = 0; i < PO_ROLE_COUNT; i++)
		cfg.roles[i] = prov;
	assert_int_equal(po_engine_new(&engine, &cfg, &err), 0);
	po_eval_settings_init(&st);
	po_integrity_init(&ig);
	struct po_search s = { .engine = engine, .project = p, .settings = &st,
			       .archive = po_archive_new(p->ncases), .incumbent = p->prompts,
			       .iteration = 1, .integrity = &ig };

	assert_int_equal(po_search_mutate(&s, p->prompts, "main", NULL, 1, &out, &err), PO_EEVAL);
	assert_null(out);
	assert_non_null(strstr(err.msg, "lost {name} and more"));
	assert_int_equal(calls[PO_ROLE_MUTATE], 1);
	assert_int_equal(calls[PO_ROLE_GENERATE], 0);
	assert_int_equal(calls[PO_ROLE_JUDGE], 0);
	assert_int_equal(ig.rejected[PO_REJECT_LOST_PLACEHOLDER], 1);
	po_archive_free(s.archive);
	po_integrity_release(&ig);
	po_engine_free(engine);
	po_project_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repair),
		cmocka_unit_test(test_repair_refused),
		cmocka_unit_test(test_reject_reasons),
		cmocka_unit_test(test_counts_saved),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_search_mutate_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
