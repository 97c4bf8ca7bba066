/*
 * Unit tests of the demos operator (opt/demos.c): escaped example text
 * renders back as it was; the pool keeps the best output per train case and
 * never a validation case's; edits add, swap and remove examples, skip what
 * the archive has evaluated and leave the template renderable; the pool
 * survives the checkpoint.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/project.h"
#include "core/tags.h"
#include "eval/render.h"
#include "opt/archive.h"
#include "opt/demos.h"
#include "opt/search.h"
#include "util/buf.h"
#include "util/mem.h"

#define TMPL "Answer: {input}"

struct fixture {
	struct po_project *p;
	struct po_split split;
	struct po_archive *a;
	struct po_search ctx;
};

/* Five cases c0..c4: c0-c2 train, c3-c4 validation. */
static void setup_fx(struct fixture *f)
{
	const char *tc = "{\"test_cases\": ["
		"{\"id\": \"c0\", \"inputs\": {\"input\": \"x0\"}},"
		"{\"id\": \"c1\", \"inputs\": {\"input\": \"x1 {input}\"}},"
		"{\"id\": \"c2\", \"inputs\": {\"input\": \"x2\"}},"
		"{\"id\": \"c3\", \"inputs\": {\"input\": \"x3\"}},"
		"{\"id\": \"c4\", \"inputs\": {\"input\": \"x4\"}}]}";
	const char *prompts = "{\"main\": \"" TMPL "\"}";
	struct po_err err = { 0 };

	memset(f, 0, sizeof(*f));
	if (po_project_parse(&f->p, "t", "dir", tc, strlen(tc), prompts, strlen(prompts), "{}", 2,
			     NULL, &err) < 0)
		fail_msg("%s", err.msg);
	f->split.train.n = 3;
	f->split.train.idx = po_xcalloc(3, sizeof(size_t));
	for (size_t i = 0; i < 3; i++)
		f->split.train.idx[i] = i;
	f->split.val.n = 2;
	f->split.val.idx = po_xcalloc(2, sizeof(size_t));
	f->split.val.idx[0] = 3;
	f->split.val.idx[1] = 4;
	f->a = po_archive_new(f->p->ncases);
	f->ctx = (struct po_search){ .project = f->p, .archive = f->a, .split = &f->split,
				     .iteration = 1 };
}

static void teardown_fx(struct fixture *f)
{
	po_archive_free(f->a);
	po_split_release(&f->split);
	po_project_free(f->p);
}

/* An evaluation of every case with these scores and outputs "out<i> ...". */
static void fake_eval(struct fixture *f, const double *scores, struct po_evaluation *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->n = f->p->ncases;
	ev->cases = po_xcalloc(ev->n, sizeof(*ev->cases));
	for (size_t i = 0; i < ev->n; i++) {
		struct po_buf b = PO_BUF_INIT;
		po_buf_addf(&b, "out%zu with {braces} and }} and {{ {input}\n\n", i);
		ev->cases[i] = (struct po_case_result){ .tc = &f->p->cases[i], .ok = true,
							.score = scores[i],
							.output = po_buf_detach(&b) };
	}
}

static char *render(const char *tmpl, const char *input)
{
	struct po_buf b = PO_BUF_INIT;
	struct po_err err = { 0 };
	json_t *in = json_pack("{s:s}", "input", input);

	if (po_render(&b, tmpl, in, "main", "c", &err) < 0)
		fail_msg("%s", err.msg);
	json_decref(in);
	return po_buf_detach(&b);
}

static void test_escape_renders_back(void **state)
{
	const char *texts[] = { "plain", "{input}", "{{input}}", "a}b{c", "{\"a\": {\"b\": 1}}",
				"}}{{", "{x}}", "{", "}" };

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct po_buf b = PO_BUF_INIT;
		char *out;
		po_demos_escape(&b, texts[i], strlen(texts[i]));
		out = render(b.data, "zzz");
		assert_string_equal(out, texts[i]);
		free(out);
		po_buf_release(&b);
	}
}

static const char *tmpl_of(const json_t *prompts)
{
	return json_string_value(json_object_get(prompts, "main"));
}

/* Proposes on prompts, checks it renders with the case's input intact,
 * records it in the archive and returns it. */
static json_t *propose(struct fixture *f, struct po_demos *d, const json_t *prompts, char *op)
{
	struct po_err err = { 0 };
	json_t *out = NULL;
	char *r;

	if (po_demos_propose(d, &f->ctx, prompts, "main", &out, op, 200, &err))
		fail_msg("%s", err.msg);
	r = render(tmpl_of(out), "THE-INPUT");
	assert_non_null(strstr(r, "Answer: THE-INPUT"));
	free(r);
	po_archive_add(f->a, out, 1, f->ctx.iteration, op);
	return out;
}

static void test_pool_and_edits(void **state)
{
	struct fixture f;
	struct po_demos *d = po_demos_new(2);
	/* c3 (validation) scores best: it must never be an example */
	double scores[] = { 50, 70, 60, 99, 98 };
	struct po_evaluation ev;
	json_t *base = json_pack("{s:s}", "main", TMPL), *p1, *p2, *p3, *p4;
	char op[200], *r;
	struct po_err err = { 0 };

	(void)state;
	setup_fx(&f);
	fake_eval(&f, scores, &ev);
	po_demos_observe(d, &f.ctx, &ev);
	assert_int_equal(po_demos_pool_size(d), 3);
	p1 = propose(&f, d, base, op);
	assert_string_equal(op, "add example from case c1");
	assert_non_null(strstr(tmpl_of(p1), PO_DEMOS_BEGIN));
	/* the example's text renders as the case's output and input were */
	r = render(tmpl_of(p1), "i");
	assert_non_null(strstr(r, "out1 with {braces} and }} and {{ {input}\n" PO_DEMO_OUTPUT_END));
	assert_non_null(strstr(r, "input: x1 {input}\n" PO_DEMO_INPUT_END));
	assert_null(strstr(r, "out3"));
	free(r);
	f.ctx.iteration = 2; /* swaps first */
	p2 = propose(&f, d, p1, op);
	assert_string_equal(op, "swap example from case c1 for case c2");
	f.ctx.iteration = 3;
	p3 = propose(&f, d, p1, op);
	assert_string_equal(op, "add example from case c2");
	/* full (2 of 2): swap the weakest (c2) for the one left */
	p4 = propose(&f, d, p3, op);
	assert_string_equal(op, "swap example from case c2 for case c0");
	json_decref(p4);
	/* removals give p1 and p2 back, both evaluated: nothing untried */
	assert_int_equal(po_demos_propose(d, &f.ctx, p3, "main", &p4, op, 200, &err), PO_EEVAL);
	assert_null(p4);
	/* with one example at most: swaps, then the removal of the last one
	 * gives the template back */
	po_archive_free(f.a);
	f.a = po_archive_new(f.p->ncases);
	f.ctx.archive = f.a;
	f.ctx.iteration = 5;
	{
		struct po_demos *one = po_demos_new(1);
		json_t *only, *sw;
		po_demos_observe(one, &f.ctx, &ev);
		only = propose(&f, one, base, op);
		sw = propose(&f, one, only, op);
		assert_string_equal(op, "swap example from case c1 for case c2");
		json_decref(sw);
		sw = propose(&f, one, only, op);
		assert_string_equal(op, "swap example from case c1 for case c0");
		json_decref(sw);
		sw = propose(&f, one, only, op);
		assert_string_equal(op, "remove example from case c1");
		assert_string_equal(tmpl_of(sw), TMPL);
		json_decref(sw);
		assert_int_equal(po_demos_propose(one, &f.ctx, only, "main", &sw, op, 200, &err),
				 PO_EEVAL);
		json_decref(only);
		po_demos_free(one);
	}
	json_decref(p1);
	json_decref(p2);
	json_decref(p3);
	json_decref(base);
	po_evaluation_release(&ev);
	po_demos_free(d);
	teardown_fx(&f);
}

/* One output per case, its best; the pool is saved and restored as is. */
static void test_pool_best_per_case_and_checkpoint(void **state)
{
	struct fixture f;
	struct po_demos *d = po_demos_new(3), *back = po_demos_new(3);
	double s1[] = { 50, 70, 60, 0, 0 }, s2[] = { 80, 10, 60, 0, 0 };
	struct po_evaluation e1, e2;
	struct po_err err = { 0 };
	json_t *j, *j2, *base = json_pack("{s:s}", "main", TMPL), *p;
	char op[200];

	(void)state;
	setup_fx(&f);
	fake_eval(&f, s1, &e1);
	fake_eval(&f, s2, &e2);
	po_demos_observe(d, &f.ctx, &e1);
	po_demos_observe(d, &f.ctx, &e2);
	assert_int_equal(po_demos_pool_size(d), 3);
	p = propose(&f, d, base, op);
	assert_string_equal(op, "add example from case c0"); /* 80 now */
	json_decref(p);
	j = po_demos_save(d);
	assert_int_equal(po_demos_restore(back, j, &err), 0);
	j2 = po_demos_save(back);
	assert_true(json_equal(j, j2));
	json_decref(j2);
	json_object_set_new(json_array_get(j, 0), "score", json_string("x"));
	assert_int_equal(po_demos_restore(back, j, &err), PO_EINPUT);
	json_decref(j);
	json_decref(base);
	po_evaluation_release(&e1);
	po_evaluation_release(&e2);
	po_demos_free(d);
	po_demos_free(back);
	teardown_fx(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_renders_back),
		cmocka_unit_test(test_pool_and_edits),
		cmocka_unit_test(test_pool_best_per_case_and_checkpoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
