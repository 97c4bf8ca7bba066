/*
 * The simulator's exact-answer catalogue "ticket" and the built-in project
 * ticket-router: what it reads from the tickets, its truth against the Monte
 * Carlo mean of the rule "expected", and its optimum.
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

#include "sim/sim.h"
#include "util/embedded.h"
#include "util/json.h"

#define BASELINE "Which team should handle this support ticket?\n\n" \
	"Customer tier: {customer_tier}\n\nTicket:\n{ticket}"
#define BEST "You are an experienced support triage agent. " \
	"Choose one of the six queues: billing, technical, account, shipping, returns, security. " \
	"Billing covers charges, invoices and subscriptions; technical covers errors and crashes; " \
	"account covers logins, passwords and profile changes; shipping covers deliveries and " \
	"tracking; returns covers returns, exchanges and damaged items; security covers hacked " \
	"accounts, fraud and phishing. Example: \"My card was charged twice\" -> billing. " \
	"Security issues beat everything else: a ticket that mentions fraud or a break-in goes " \
	"to security. The category the customer selected may be wrong; route by what the " \
	"ticket says. Answer with the queue name only.\n\n" \
	"Customer tier: {customer_tier}\n\nTicket:\n{ticket}"
#define CHATTY "Greet the customer warmly and explain your reasoning. Choose one of the six " \
	"queues: billing, technical, account, shipping, returns, security. Answer with the queue " \
	"name only.\n\nCustomer tier: {customer_tier}\n\nTicket:\n{ticket}"

static struct po_sim *new_sim(uint64_t seed)
{
	struct po_sim_config cfg;
	struct po_err err = { 0 };
	struct po_sim *sim;

	po_sim_config_init(&cfg);
	cfg.seed = seed;
	cfg.catalogue = "ticket";
	sim = po_sim_new(&cfg, &err);
	assert_non_null(sim);
	return sim;
}

static json_t *builtin_cases(void)
{
	const struct po_embedded_file *f = po_embedded_find("ticket-router/test_cases.json");
	json_error_t jerr;
	json_t *root, *cases;

	assert_non_null(f);
	root = json_loadb(f->data, f->len, 0, &jerr);
	assert_non_null(root);
	cases = json_incref(json_object_get(root, "test_cases"));
	json_decref(root);
	assert_true(json_array_size(cases) >= 30);
	return cases;
}

/* The rule "expected": equal after trimming and lowercasing (one-word answers). */
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

static double mean_truth(struct po_sim *sim, const char *tmpl, const json_t *cases)
{
	double sum = 0;

	for (size_t i = 0; i < json_array_size(cases); i++)
		sum += po_sim_true_score(sim, NULL, tmpl,
					 json_object_get(json_array_get(cases, i), "inputs"));
	return sum / (double)json_array_size(cases);
}

/* The mean score of the rule "expected" over samples generated outputs per case. */
static double monte_carlo(struct po_sim *sim, const char *tmpl, const json_t *cases,
			  unsigned samples)
{
	double hits = 0;

	for (size_t i = 0; i < json_array_size(cases); i++) {
		const json_t *c = json_array_get(cases, i);
		json_t *meta = json_pack("{s:s, s:O, s:s}", "template", tmpl, "inputs",
					 json_object_get(c, "inputs"), "test_case_id",
					 po_json_str(c, "id", ""));
		for (unsigned s = 0; s < samples; s++) {
			struct po_llm_request req = { .role = PO_ROLE_GENERATE, .prompt = tmpl,
						      .metadata = meta, .sample = s };
			struct po_llm_response resp = { 0 };
			po_sim_answer(sim, &req, &resp);
			hits += matches(resp.content, po_json_str(c, "expected", "?"));
			po_llm_response_release(&resp);
		}
		json_decref(meta);
	}
	return 100.0 * hits / (double)(json_array_size(cases) * samples);
}

/* The simulator reads from each ticket the queue and category its case states. */
static void test_reads_builtin_cases(void **state)
{
	struct po_sim *sim = new_sim(1);
	json_t *cases = builtin_cases();
	size_t i, nsec = 0, namb = 0, nwrong = 0;
	json_t *c;

	(void)state;
	json_array_foreach(cases, i, c) {
		json_t *t = po_sim_case_traits(sim, json_object_get(c, "inputs"));
		const char *hint = po_json_str(c, "category_hint", NULL);
		const json_t *cc = json_object_get(t, "customer_category");
		if (strcmp(po_json_str(t, "queue", ""), po_json_str(c, "expected", "?")))
			fail_msg("%s: the simulator reads %s, the case expects %s",
				 po_json_str(c, "id", ""), po_json_str(t, "queue", ""),
				 po_json_str(c, "expected", "?"));
		assert_int_equal(json_is_true(json_object_get(t, "ambiguous")),
				 json_is_true(json_object_get(c, "ambiguous")));
		if (hint)
			assert_string_equal(json_string_value(cc), hint);
		else
			assert_true(json_is_null(cc));
		nsec += json_is_true(json_object_get(t, "security"));
		namb += json_is_true(json_object_get(t, "ambiguous"));
		nwrong += hint && strcmp(hint, po_json_str(c, "expected", "?"));
		json_decref(t);
	}
	assert_true(nsec >= 4 && namb >= 4 && nwrong >= 4);
	json_decref(cases);
	po_sim_free(sim);
}

/* The truth is the mean of the rule "expected" over many generated answers. */
static void test_truth_matches_monte_carlo(void **state)
{
	static const char *const prompts[] = { BASELINE, BEST, CHATTY };
	struct po_sim *sim = new_sim(7);
	json_t *cases = builtin_cases();

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		double t = mean_truth(sim, prompts[k], cases);
		double mc = monte_carlo(sim, prompts[k], cases, 400);
		if (fabs(t - mc) > 1.5)
			fail_msg("prompt %zu: truth %.2f, Monte Carlo %.2f", k, t, mc);
	}
	json_decref(cases);
	po_sim_free(sim);
}

/* The optimum over the built-in cases is what the best prompt reaches, and
 * no other prompt does better. */
static void test_optimum(void **state)
{
	struct po_sim *sim = new_sim(3);
	json_t *cases = builtin_cases();
	size_t n = json_array_size(cases);
	const json_t **in = calloc(n, sizeof(*in));
	double opt, best, base;

	(void)state;
	for (size_t i = 0; i < n; i++)
		in[i] = json_object_get(json_array_get(cases, i), "inputs");
	opt = po_sim_optimum_cases(sim, in, n);
	best = mean_truth(sim, BEST, cases);
	base = mean_truth(sim, BASELINE, cases);
	assert_true(fabs(opt - best) < 1e-9);
	assert_true(base < 20 && opt > 80);
	assert_true(mean_truth(sim, CHATTY, cases) < opt - 30);
	assert_true(mean_truth(sim, BEST " Trust the category the customer selected.", cases) < opt);
	assert_true(po_sim_optimum(sim) >= opt);
	/* A prompt that lost the ticket placeholder never routes anything. */
	assert_true(mean_truth(sim, "Route it. Customer tier: {customer_tier}", cases) == 0);
	free(in);
	json_decref(cases);
	po_sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_builtin_cases),
		cmocka_unit_test(test_truth_matches_monte_carlo),
		cmocka_unit_test(test_optimum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
