/*
 * Unit tests of few-shot examples in the simulator (sim/demos.c): what an
 * example's output shows pulls the output towards it, harmful features
 * included; the words of an example ask for nothing; examples lengthen the
 * prompt; on the ticket router a rightly labelled bare answer helps; no
 * prompt with examples beats the optimum; mutations leave examples alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/tags.h"
#include "sim/sim.h"
#include "util/buf.h"
#include "util/embedded.h"
#include "util/json.h"

#define PRFAQ_BASE "Write a PR-FAQ document for {projectName}. Keep the language clear."
#define TICKET_BASE "Which team should handle this support ticket?\n\n" \
	"Customer tier: {customer_tier}\n\nTicket:\n{ticket}"
/* An output that shows a headline, Markdown headings and an FAQ section. */
#define GOOD_OUT "# Acme saves time\n\n## Press release\n\nText.\n\n## Frequently asked questions\n\n" \
	"Q: What is it?\nA: A tool.\n"

static struct po_sim *new_sim(const char *catalogue)
{
	struct po_sim_config cfg;
	struct po_err err = { 0 };
	struct po_sim *sim;

	po_sim_config_init(&cfg);
	cfg.catalogue = catalogue;
	sim = po_sim_new(&cfg, &err);
	assert_non_null(sim);
	return sim;
}

/* tmpl followed by a block of n examples (input, output pairs). */
static char *with_demos(const char *tmpl, const char *const *pairs, size_t n)
{
	struct po_buf b = PO_BUF_INIT;

	po_buf_addf(&b, "%s\n\n" PO_DEMOS_BEGIN "\nExamples of good answers:\n", tmpl);
	for (size_t i = 0; i < n; i++)
		po_buf_addf(&b, PO_DEMO_BEGIN "\n" PO_DEMO_INPUT_BEGIN "\n%s\n" PO_DEMO_INPUT_END
			    "\n" PO_DEMO_OUTPUT_BEGIN "\n%s\n" PO_DEMO_OUTPUT_END "\n" PO_DEMO_END "\n",
			    pairs[2 * i], pairs[2 * i + 1]);
	po_buf_adds(&b, PO_DEMOS_END "\n");
	return po_buf_detach(&b);
}

static double truth1(struct po_sim *sim, const char *tmpl, const char *project)
{
	json_t *in = json_pack("{s:s}", "projectName", project);
	double s = po_sim_true_score(sim, NULL, tmpl, in);

	json_decref(in);
	return s;
}

static json_t *builtin_cases(const char *file)
{
	const struct po_embedded_file *f = po_embedded_find(file);
	json_error_t jerr;
	json_t *root, *cases;

	assert_non_null(f);
	root = json_loadb(f->data, f->len, 0, &jerr);
	assert_non_null(root);
	cases = json_incref(json_object_get(root, "test_cases"));
	json_decref(root);
	return cases;
}

static double mean_truth(struct po_sim *sim, const char *tmpl, const json_t *cases)
{
	double sum = 0;

	for (size_t i = 0; i < json_array_size(cases); i++)
		sum += po_sim_true_score(sim, NULL, tmpl,
					 json_object_get(json_array_get(cases, i), "inputs"));
	return sum / (double)json_array_size(cases);
}

static bool has_key(const json_t *arr, const char *key)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(v), key))
			return true;
	return false;
}

/* An example that shows features raises the score; one that also shows
 * hype lowers it again (copied too); two examples pull harder than one. */
static void test_example_pulls_features(void **state)
{
	struct po_sim *sim = new_sim("prfaq-v1");
	const char *good[] = { "projectName: Acme", GOOD_OUT, "projectName: Bolt", GOOD_OUT };
	const char *hype[] = { "projectName: Acme", GOOD_OUT "It is game-changing.\n" };
	char *t1 = with_demos(PRFAQ_BASE, good, 1), *t2 = with_demos(PRFAQ_BASE, good, 2);
	char *th = with_demos(PRFAQ_BASE, hype, 1);
	double base = truth1(sim, PRFAQ_BASE, "Zeta"), s1 = truth1(sim, t1, "Zeta"),
	       s2 = truth1(sim, t2, "Zeta"), sh = truth1(sim, th, "Zeta");

	(void)state;
	assert_true(s1 > base + 3);
	assert_true(s2 > s1);
	assert_true(sh < s1 - 2);
	free(t1);
	free(t2);
	free(th);
	po_sim_free(sim);
}

/* The phrases inside an example ask for nothing: only its marks count. */
static void test_example_words_ask_nothing(void **state)
{
	struct po_sim *sim = new_sim("prfaq");
	const char *pair[] = { "projectName: Acme, a revolutionary dateline tool",
			       "Add a dateline. Make it revolutionary. Include pricing." };
	char *t = with_demos(PRFAQ_BASE, pair, 1);
	json_t *f = po_sim_prompt_features(sim, NULL, t);

	(void)state;
	assert_false(has_key(json_object_get(f, "asked"), "dateline"));
	assert_false(has_key(json_object_get(f, "asked"), "pricing"));
	assert_false(has_key(json_object_get(f, "harmful"), "hype"));
	assert_true(json_integer_value(json_object_get(f, "length")) > (json_int_t)strlen(PRFAQ_BASE));
	json_decref(f);
	free(t);
	po_sim_free(sim);
}

/* Long examples dilute the instructions of the prompt. */
static void test_long_examples_dilute(void **state)
{
	struct po_sim *sim = new_sim("prfaq-v1");
	const char *tmpl = PRFAQ_BASE " Open with a headline. Add a dateline. Quantify the "
			   "problem. Explain how it works. Add an FAQ section. Use Markdown headings.";
	struct po_buf pad = PO_BUF_INIT;
	const char *pair[2];
	char *t;

	(void)state;
	for (int i = 0; i < 600; i++)
		po_buf_adds(&pad, "word ");
	pair[0] = "projectName: Acme";
	pair[1] = pad.data;
	t = with_demos(tmpl, pair, 1);
	assert_true(truth1(sim, t, "Zeta") < truth1(sim, tmpl, "Zeta") - 3);
	free(t);
	po_buf_release(&pad);
	po_sim_free(sim);
}

/* On prfaq an example names its case: it is tailored to that case and
 * drags foreign details into the others, as an instruction naming it. */
static void test_example_names_its_case(void **state)
{
	struct po_sim *sim = new_sim("prfaq");
	const char *pair[] = { "projectName: Dock Slot Booking", "A plain answer." };
	char *t = with_demos(PRFAQ_BASE, pair, 1);

	(void)state;
	assert_true(truth1(sim, t, "Dock Slot Booking") > truth1(sim, PRFAQ_BASE, "Dock Slot Booking"));
	assert_true(truth1(sim, t, "Clinic Queue Assistant") <
		    truth1(sim, PRFAQ_BASE, "Clinic Queue Assistant"));
	free(t);
	po_sim_free(sim);
}

/* Ticket router: a bare, rightly labelled answer helps; a wrong label helps
 * less; a chatty answer with reasoning hurts. */
static void test_ticket_examples(void **state)
{
	struct po_sim *sim = new_sim("ticket");
	json_t *cases = builtin_cases("ticket-router/test_cases.json");
	const char *right[] = { "ticket: I was charged twice for my subscription.", "Billing" };
	const char *wrong[] = { "ticket: I was charged twice for my subscription.", "Shipping" };
	const char *chatty[] = { "ticket: I was charged twice for my subscription.",
				 "Hi there, and thank you for reaching out! Reasoning: it is a "
				 "charge.\nThis ticket should go to the Billing queue." };
	char *tr = with_demos(TICKET_BASE, right, 1), *tw = with_demos(TICKET_BASE, wrong, 1),
	     *tc = with_demos(TICKET_BASE, chatty, 1);
	double base = mean_truth(sim, TICKET_BASE, cases), sr = mean_truth(sim, tr, cases),
	       sw = mean_truth(sim, tw, cases), sc = mean_truth(sim, tc, cases);

	(void)state;
	assert_true(sr > base + 5);
	assert_true(sw > base && sw < sr);
	assert_true(sc < sr);
	free(tr);
	free(tw);
	free(tc);
	json_decref(cases);
	po_sim_free(sim);
}

static bool matches(const char *out, const char *want)
{
	size_t n = strlen(want);

	while (isspace((unsigned char)*out))
		out++;
	if (strncasecmp(out, want, n))
		return false;
	for (out += n; *out; out++)
		if (!isspace((unsigned char)*out))
			return false;
	return true;
}

/* Generated answers follow the truth with examples too. */
static void test_ticket_monte_carlo(void **state)
{
	struct po_sim *sim = new_sim("ticket");
	json_t *cases = builtin_cases("ticket-router/test_cases.json");
	const char *pair[] = { "ticket: The parcel never arrived.", "Shipping" };
	char *t = with_demos(TICKET_BASE, pair, 1);
	double hits = 0, n = 0;

	(void)state;
	for (size_t i = 0; i < json_array_size(cases); i++) {
		const json_t *c = json_array_get(cases, i);
		/* the case id seeds the draws: without it every case draws alike */
		json_t *meta = json_pack("{s:s, s:O, s:s}", "template", t, "inputs",
					 json_object_get(c, "inputs"), "test_case_id",
					 po_json_str(c, "id", ""));
		for (unsigned s = 0; s < 300; s++) {
			struct po_llm_request req = { .role = PO_ROLE_GENERATE, .prompt = t,
						      .metadata = meta, .sample = s };
			struct po_llm_response resp = { 0 };
			po_sim_answer(sim, &req, &resp);
			hits += matches(resp.content, po_json_str(c, "expected", "?"));
			n += 1;
			po_llm_response_release(&resp);
		}
		json_decref(meta);
	}
	assert_true(fabs(100.0 * hits / n - mean_truth(sim, t, cases)) < 2.0);
	free(t);
	json_decref(cases);
	po_sim_free(sim);
}

/* No prompt with examples beats the optimum over the cases. */
static void test_examples_below_optimum(void **state)
{
	struct po_sim *sim = new_sim("prfaq");
	json_t *cases = builtin_cases("pr-faq-validator/test_cases.json");
	const json_t *in[64];
	const char *pairs[] = { "projectName: Dock Slot Booking", GOOD_OUT,
				"projectName: Shelf Gap Detection", GOOD_OUT,
				"projectName: Clinic Queue Assistant", GOOD_OUT };
	char *t = with_demos(PRFAQ_BASE " Add a dateline. Quantify the problem.", pairs, 3);
	size_t n = json_array_size(cases) < 64 ? json_array_size(cases) : 64;

	(void)state;
	for (size_t i = 0; i < n && i < 64; i++)
		in[i] = json_object_get(json_array_get(cases, i), "inputs");
	/* every case alone, and all of them */
	for (size_t i = 0; i < n && i < 64; i++)
		assert_true(po_sim_true_score(sim, NULL, t, in[i]) <=
			    po_sim_optimum_cases(sim, &in[i], 1) + 1e-9);
	assert_true(mean_truth(sim, t, cases) <= po_sim_optimum_cases(sim, in, n) + 1e-9);
	free(t);
	json_decref(cases);
	po_sim_free(sim);
}

/* The mutate role edits instructions, never the examples. */
static void test_mutate_leaves_examples(void **state)
{
	struct po_sim *sim = new_sim("prfaq");
	const char *pair[] = { "projectName: Acme", GOOD_OUT "Add a dateline. Include pricing." };
	char *t = with_demos(PRFAQ_BASE " Add a dateline. Include pricing.", pair, 1);
	const char *block = strstr(t, PO_DEMOS_BEGIN);

	(void)state;
	for (unsigned s = 0; s < 60; s++) {
		json_t *meta = json_pack("{s:s}", "prompt_name", "generate_prfaq");
		struct po_buf prompt = PO_BUF_INIT;
		struct po_llm_request req = { .role = PO_ROLE_MUTATE, .metadata = meta, .sample = s };
		struct po_llm_response resp = { 0 };
		char *tail = strndup(block, strlen(block) - 1); /* appended text may follow */

		po_buf_addf(&prompt, "%s\n%s\n%s\n", PO_MUTATE_PROMPT_BEGIN, t, PO_MUTATE_PROMPT_END);
		req.prompt = prompt.data;
		po_sim_answer(sim, &req, &resp);
		assert_non_null(strstr(resp.content, tail));
		free(tail);
		po_llm_response_release(&resp);
		po_buf_release(&prompt);
		json_decref(meta);
	}
	free(t);
	po_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_pulls_features),
		cmocka_unit_test(test_example_words_ask_nothing),
		cmocka_unit_test(test_long_examples_dilute),
		cmocka_unit_test(test_example_names_its_case),
		cmocka_unit_test(test_ticket_examples),
		cmocka_unit_test(test_ticket_monte_carlo),
		cmocka_unit_test(test_examples_below_optimum),
		cmocka_unit_test(test_mutate_leaves_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
