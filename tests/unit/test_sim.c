/*
 * Unit tests of the simulated LLM: determinism, the prompt -> output model,
 * the judge's exact expectation and noise, mutation replies, role detection.
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

#include "core/tags.h"
#include "sim/sim.h"
#include "util/buf.h"

static struct po_sim *new_sim(uint64_t seed, double noise, const char *catalogue)
{
	struct po_sim_config cfg;
	struct po_err err = { 0 };
	struct po_sim *sim;

	po_sim_config_init(&cfg);
	cfg.seed = seed;
	cfg.noise = noise;
	cfg.catalogue = catalogue;
	sim = po_sim_new(&cfg, &err);
	assert_non_null(sim);
	return sim;
}

static json_t *prfaq_inputs(void)
{
	return json_pack("{s:s, s:s, s:s}", "projectName", "TaskFlow",
			 "problemDescription", "Small teams lose track of tasks spread across email and chat",
			 "businessContext", "We sell collaboration software to small businesses");
}

/* A generate request for template rendered naively (the simulator reads the
 * template from the metadata, as the evaluator sends it). */
static char *generate(struct po_sim *sim, const char *template, const json_t *inputs,
		      const char *case_id, unsigned sample)
{
	json_t *meta = json_pack("{s:s, s:O, s:s}", "template", template, "inputs", inputs,
				 "test_case_id", case_id);
	struct po_buf prompt = PO_BUF_INIT;
	struct po_llm_request req = { .role = PO_ROLE_GENERATE, .metadata = meta, .sample = sample };
	struct po_llm_response resp = { 0 };
	const char *key;
	json_t *v;
	char *out;

	po_buf_adds(&prompt, template);
	json_object_foreach((json_t *)inputs, key, v)
		po_buf_addf(&prompt, "\n%s: %s", key, json_string_value(v));
	req.prompt = prompt.data;
	po_sim_answer(sim, &req, &resp);
	assert_non_null(resp.content);
	assert_null(resp.error);
	out = resp.content;
	resp.content = NULL;
	po_llm_response_release(&resp);
	po_buf_release(&prompt);
	json_decref(meta);
	return out;
}

static char *judge_raw(struct po_sim *sim, const char *output, const json_t *meta, unsigned sample)
{
	struct po_buf prompt = PO_BUF_INIT;
	struct po_llm_request req = { .role = PO_ROLE_JUDGE, .metadata = meta, .sample = sample };
	struct po_llm_response resp = { 0 };
	char *out;

	po_buf_addf(&prompt, "Score this output.\n%s\n%s\n%s\n", PO_JUDGE_OUTPUT_BEGIN, output,
		    PO_JUDGE_OUTPUT_END);
	req.prompt = prompt.data;
	po_sim_answer(sim, &req, &resp);
	out = resp.content;
	resp.content = NULL;
	po_llm_response_release(&resp);
	po_buf_release(&prompt);
	return out;
}

/* The JSON object of a judge reply (bare, fenced or in prose). */
static json_t *reply_json(const char *reply)
{
	const char *b = strchr(reply, '{'), *e = strrchr(reply, '}');
	json_error_t jerr;
	json_t *j;

	assert_non_null(b);
	assert_non_null(e);
	j = json_loadb(b, (size_t)(e - b + 1), 0, &jerr);
	assert_non_null(j);
	return j;
}

static bool has_key(const json_t *features, const char *list, const char *key)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(features, list), i, v)
		if (!strcmp(json_string_value(v), key))
			return true;
	return false;
}

static const char *const prfaq_keys[] = { "press_release_quality", "faq_completeness",
	"clarity", "structure_adherence" };
static const double prfaq_w[] = { 0.30, 0.25, 0.25, 0.20 };

/* The 0-100 score of a judge reply under the default PR-FAQ rubric. */
static double judge_score(struct po_sim *sim, const char *output, unsigned sample)
{
	char *reply = judge_raw(sim, output, NULL, sample);
	json_t *j = reply_json(reply), *crit = json_object_get(j, "criteria_scores");
	double s = 0;

	for (int k = 0; k < 4; k++) {
		json_t *v = json_object_get(crit, prfaq_keys[k]);
		assert_true(json_is_number(v));
		s += prfaq_w[k] * json_number_value(v);
	}
	json_decref(j);
	free(reply);
	return 20.0 * s;
}

static double mc_mean(struct po_sim *sim, const char *template, const json_t *inputs, int n)
{
	double sum = 0;

	for (int i = 0; i < n; i++) {
		char *out = generate(sim, template, inputs, "tc-1", (unsigned)i);
		sum += judge_score(sim, out, (unsigned)i);
		free(out);
	}
	return sum / n;
}

static char *with_extra(const char *base, const char *extra)
{
	struct po_buf b = PO_BUF_INIT;

	po_buf_adds(&b, base);
	po_buf_adds(&b, extra);
	return po_buf_detach(&b);
}

static const char full_prompt_extra[] =
	" Begin the first paragraph with a dateline (city and date)."
	" Quantify the customer problem with a concrete number."
	" Explain how it works in two or three sentences."
	" Include a quote from a company leader explaining why this matters."
	" Add a customer quote that includes a measurable result."
	" State the availability date. Include pricing."
	" Answer at least seven customer questions. Include a question about cost."
	" Cover customer support in the questions. Use plain language and avoid jargon."
	" Format the document in Markdown with section headings."
	" End the press release with a call to action.";

static void test_unknown_catalogue(void **state)
{
	struct po_sim_config cfg;
	struct po_err err = { 0 };

	po_sim_config_init(&cfg);
	assert_int_equal(cfg.seed, 42);
	assert_true(cfg.noise == 4.0);
	assert_string_equal(cfg.catalogue, "prfaq");
	cfg.catalogue = "poetry";
	assert_null(po_sim_new(&cfg, &err));
	assert_int_equal(err.code, PO_EINPUT);
	assert_non_null(strstr(err.msg, "\"poetry\""));
	assert_non_null(strstr(err.msg, "generic"));
}

static void test_determinism(void **state)
{
	struct po_sim *a = new_sim(7, 4, "prfaq"), *b = new_sim(7, 4, "prfaq");
	struct po_sim *c = new_sim(8, 4, "prfaq");
	json_t *in = prfaq_inputs();
	const char *t = po_sim_baseline_prompt(a);
	int differ = 0, judge_differ = 0;

	for (unsigned s = 0; s < 8; s++) {
		char *x = generate(a, t, in, "tc-1", s), *y = generate(b, t, in, "tc-1", s);
		char *z = generate(c, t, in, "tc-1", s);
		char *jx = judge_raw(a, x, NULL, s), *jy = judge_raw(b, x, NULL, s);
		char *jz = judge_raw(c, x, NULL, s);
		assert_string_equal(x, y);
		assert_string_equal(jx, jy);
		differ += strcmp(x, z) != 0;
		judge_differ += strcmp(jx, jz) != 0;
		free(x), free(y), free(z), free(jx), free(jy), free(jz);
	}
	assert_true(differ >= 4);
	assert_true(judge_differ >= 6);
	json_decref(in);
	po_sim_free(a), po_sim_free(b), po_sim_free(c);
}

static void test_asked_features_realized_more_often(void **state)
{
	struct po_sim *sim = new_sim(1, 4, "prfaq");
	json_t *in = prfaq_inputs();
	const char *base = po_sim_baseline_prompt(sim);
	char *asked = with_extra(base, "Begin the first paragraph with a dateline (city and date).\n"
				       "Include pricing.\n");
	int n = 300, with = 0, without = 0, price_with = 0, price_without = 0;

	for (int i = 0; i < n; i++) {
		char *x = generate(sim, asked, in, "tc-1", (unsigned)i);
		char *y = generate(sim, base, in, "tc-1", (unsigned)i);
		with += strstr(x, "today announced") != NULL;
		without += strstr(y, "today announced") != NULL;
		price_with += strstr(x, "Pricing starts at") != NULL;
		price_without += strstr(y, "Pricing starts at") != NULL;
		free(x), free(y);
	}
	assert_true(with > 0.8 * n);
	assert_true(without < 0.3 * n);
	assert_true(price_with > 0.8 * n);
	assert_true(price_without < 0.3 * n);
	free(asked);
	json_decref(in);
	po_sim_free(sim);
}

static void test_output_is_prfaq_from_inputs(void **state)
{
	struct po_sim *sim = new_sim(3, 4, "prfaq");
	json_t *in = prfaq_inputs();
	char *t = with_extra(po_sim_baseline_prompt(sim), full_prompt_extra);
	char *out = generate(sim, t, in, "tc-1", 0);
	size_t words = 0;

	assert_non_null(strstr(out, "TaskFlow"));
	assert_non_null(strstr(out, "Small teams lose track of tasks"));
	assert_non_null(strstr(out, "Frequently Asked Questions"));
	for (const char *p = out; *p; p++)
		words += (p == out || p[-1] == ' ' || p[-1] == '\n') && *p != ' ' && *p != '\n';
	assert_true(words > 200 && words < 1000);
	free(out);
	free(t);
	json_decref(in);
	po_sim_free(sim);
}

/* prfaq-v1, today's catalogue unchanged: every feature worth the same on
 * every case, the optimum "ask for everything". */
static void test_ground_truth_range(void **state)
{
	struct po_sim *sim = new_sim(42, 4, "prfaq-v1");
	json_t *in = prfaq_inputs();
	const char *base = po_sim_baseline_prompt(sim);
	char *full = with_extra(base, full_prompt_extra);
	char *hype = with_extra(full, " Make it sound revolutionary and game-changing.");
	double b = po_sim_true_score(sim, NULL, base, in);
	double f = po_sim_true_score(sim, NULL, full, in);
	double h = po_sim_true_score(sim, NULL, hype, in);
	double opt = po_sim_optimum(sim);

	assert_non_null(strstr(base, "{projectName}"));
	assert_true(b >= 55 && b <= 65);
	assert_true(opt >= 90 && opt <= 95);
	assert_true(opt > b + 20);
	assert_true(fabs(b - 56.44) < 0.005 && fabs(opt - 92.17) < 0.005);
	assert_string_equal(po_sim_catalogue_name(sim), "prfaq-v1");
	/* Asking for every helpful feature reaches the optimum; hype costs. */
	assert_true(fabs(f - opt) < 0.01);
	assert_true(h < f - 3);
	/* The system template counts like the user template. */
	assert_true(fabs(po_sim_true_score(sim, full_prompt_extra, base, in) - f) < 1e-9);
	free(full);
	free(hype);
	json_decref(in);
	po_sim_free(sim);
}

/* The public functions give the same numbers as the handle's. */
static void test_public_ground_truth(void **state)
{
	struct po_sim *sim = new_sim(42, 4, "prfaq");
	json_t *in = prfaq_inputs();
	char *in_text = json_dumps(in, 0);
	const char *base = po_sim_baseline_prompt(sim);
	struct po_err err = { 0 };
	double score = -1, opt = -1;

	(void)state;
	assert_int_equal(po_sim_expected_score(NULL, NULL, base, in_text, &score, &err), 0);
	assert_true(fabs(score - po_sim_true_score(sim, NULL, base, in)) < 1e-12);
	assert_int_equal(po_sim_catalogue_optimum("prfaq", &opt, &err), 0);
	assert_true(fabs(opt - po_sim_optimum(sim)) < 1e-12);
	assert_int_equal(po_sim_expected_score("prfaq", NULL, base, "[1]", &score, &err), PO_EINPUT);
	assert_non_null(strstr(err.msg, "JSON object"));
	assert_int_equal(po_sim_catalogue_optimum("chess", &opt, &err), PO_EINPUT);
	assert_non_null(strstr(err.msg, "unknown simulator catalogue \"chess\""));
	free(in_text);
	json_decref(in);
	po_sim_free(sim);
}

static void test_harmful_and_negation(void **state)
{
	struct po_sim *sim = new_sim(42, 4, "prfaq-v1");
	json_t *in = prfaq_inputs();
	const char *base = po_sim_baseline_prompt(sim);
	char *nofaq = with_extra(base, " Skip the FAQ.");
	char *vague = with_extra(base, " Keep it brief and high level.");
	char *avoid = with_extra(base, " Avoid superlatives.");
	json_t *f = po_sim_prompt_features(sim, NULL, avoid);
	double b = po_sim_true_score(sim, NULL, base, in);

	assert_true(po_sim_true_score(sim, NULL, nofaq, in) < b - 10);
	assert_true(po_sim_true_score(sim, NULL, vague, in) < b - 1);
	/* "Avoid superlatives" is not a request for hype. */
	assert_int_equal(json_array_size(json_object_get(f, "harmful")), 0);
	assert_true(fabs(po_sim_true_score(sim, NULL, avoid, in) - b) < 1e-9);
	json_decref(f);
	free(nofaq), free(vague), free(avoid);
	json_decref(in);
	po_sim_free(sim);
}

static void test_dilution(void **state)
{
	struct po_sim *sim = new_sim(42, 4, "prfaq-v1");
	json_t *in = prfaq_inputs();
	char *full = with_extra(po_sim_baseline_prompt(sim), full_prompt_extra);
	struct po_buf longer = PO_BUF_INIT;
	json_t *f;

	po_buf_adds(&longer, full);
	while (longer.len < 4500)
		po_buf_adds(&longer, "\nThe reader is a busy person who reads many documents a day.");
	f = po_sim_prompt_features(sim, NULL, longer.data);
	assert_true(json_real_value(json_object_get(f, "dilution")) < 1.0);
	assert_true(po_sim_true_score(sim, NULL, longer.data, in) <
		    po_sim_true_score(sim, NULL, full, in) - 5);
	json_decref(f);
	po_buf_release(&longer);
	free(full);
	json_decref(in);
	po_sim_free(sim);
}

/* Every phrasing the mutate role writes must be recognised as its feature. */
static void test_phrasings_detected(void **state)
{
	struct po_sim *sim = new_sim(42, 0, "prfaq");
	static const struct { const char *text, *key; bool harmful; } cases[] = {
		{ "Begin with a one-line headline.", "headline", false },
		{ "Include a standard dateline.", "dateline", false },
		{ "Describe how big the problem is, with data.", "quantified_problem", false },
		{ "Include a short paragraph on how the product works.", "mechanism", false },
		{ "Add an executive quote about the vision.", "leadership_quote", false },
		{ "Quote a customer describing the before and after in numbers.", "customer_quote", false },
		{ "Say when the product launches and where.", "availability", false },
		{ "State the price and what is included.", "pricing", false },
		{ "End with an FAQ that answers stakeholder questions.", "faq_section", false },
		{ "Write seven or more questions with answers.", "faq_seven_questions", false },
		{ "Answer the cost question: what customers will pay.", "faq_cost", false },
		{ "Answer how customers get help when something goes wrong.", "faq_support", false },
		{ "Keep it jargon-free.", "plain_language", false },
		{ "Use Markdown headings for each part.", "markdown", false },
		{ "Tell readers the next step: how to sign up.", "call_to_action", false },
		{ "Use bold superlatives to get readers excited.", "hype", true },
		{ "Stay high-level and avoid specifics.", "vagueness", true },
		{ "Leave out the FAQ section.", "no_faq", true },
		{ "Be exhaustive and cover every possible detail.", "extreme_length", true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *f = po_sim_prompt_features(sim, NULL, cases[i].text);
		if (!has_key(f, cases[i].harmful ? "harmful" : "asked", cases[i].key))
			fail_msg("\"%s\" not detected as %s", cases[i].text, cases[i].key);
		assert_int_equal(json_array_size(json_object_get(f, "asked")) +
					 json_array_size(json_object_get(f, "harmful")), 1);
		json_decref(f);
	}
	po_sim_free(sim);
}

static void check_monte_carlo(const char *catalogue, const char *template, const json_t *in)
{
	struct po_sim *sim = new_sim(11, 0, catalogue);
	double truth = po_sim_true_score(sim, NULL, template, in);
	double mean;
	int n = 400;

	if (!strcmp(catalogue, "prfaq")) {
		mean = mc_mean(sim, template, in, n);
	} else {
		static const double gw[] = { 0.3, 0.3, 0.2, 0.2 };
		static const char *const gk[] = { "accuracy", "completeness", "clarity", "format" };
		double sum = 0;
		for (int i = 0; i < n; i++) {
			char *out = generate(sim, template, in, "g-1", (unsigned)i);
			char *reply = judge_raw(sim, out, NULL, (unsigned)i);
			json_t *j = reply_json(reply), *crit = json_object_get(j, "criteria_scores");
			for (int k = 0; k < 4; k++)
				sum += 20.0 * gw[k] * json_number_value(json_object_get(crit, gk[k]));
			json_decref(j);
			free(reply);
			free(out);
		}
		mean = sum / n;
	}
	if (fabs(mean - truth) > 1.5)
		fail_msg("%s: Monte Carlo mean %.2f vs true score %.2f", catalogue, mean, truth);
	po_sim_free(sim);
}

static void test_monte_carlo_matches_truth(void **state)
{
	json_t *in = prfaq_inputs();
	json_t *gin = json_pack("{s:s, s:s}", "question", "How should we plan the office move?",
				"constraints", "Budget of 20k and two weeks");
	struct po_sim *sim = new_sim(1, 0, "prfaq");
	const char *base = po_sim_baseline_prompt(sim);
	char *mixed = with_extra(base, " Include pricing. Explain how it works. Make it sound "
				       "revolutionary. Keep it brief. Write as long as possible.");

	check_monte_carlo("prfaq", base, in);
	check_monte_carlo("prfaq", mixed, in);
	check_monte_carlo("generic", "Answer this: {question} ({constraints}). Be concise.", gin);
	check_monte_carlo("generic", "You are an expert. Work through {question} step by step, "
				     "given {constraints}. Use a professional tone. Be exhaustive.", gin);
	free(mixed);
	po_sim_free(sim);
	json_decref(in);
	json_decref(gin);
}

static void test_noise_sd(void **state)
{
	struct po_sim *sim = new_sim(5, 6, "prfaq"), *exact = new_sim(5, 0, "prfaq");
	json_t *in = prfaq_inputs();
	char *out = generate(sim, po_sim_baseline_prompt(sim), in, "tc-1", 0);
	double sum = 0, sq = 0, x0 = judge_score(exact, out, 0), mean, sd;
	int n = 2000;

	for (int i = 0; i < n; i++) {
		double x = judge_score(sim, out, (unsigned)i);
		sum += x;
		sq += x * x;
	}
	mean = sum / n;
	sd = sqrt((sq - n * mean * mean) / (n - 1));
	assert_true(sd > 5.4 && sd < 6.6);
	assert_true(fabs(mean - x0) < 0.6);
	/* Noise 0 is exact: every sample gives the same score. */
	assert_true(fabs(judge_score(exact, out, 17) - x0) < 1e-9);
	free(out);
	json_decref(in);
	po_sim_free(sim);
	po_sim_free(exact);
}

static void test_lost_placeholder_scores_low(void **state)
{
	struct po_sim *sim = new_sim(9, 4, "prfaq-v1");
	json_t *in = prfaq_inputs();
	char *full = with_extra(po_sim_baseline_prompt(sim), full_prompt_extra);
	char *lost = strdup(full);
	char *p = strstr(lost, "{projectName}");
	double sum = 0;

	memcpy(p, "{project_nam}", 13);
	assert_true(po_sim_true_score(sim, NULL, lost, in) < 15);
	assert_true(po_sim_true_score(sim, NULL, full, in) > 85);
	for (unsigned i = 0; i < 20; i++) {
		char *out = generate(sim, lost, in, "tc-1", i);
		assert_null(strstr(out, "TaskFlow"));
		sum += judge_score(sim, out, i);
		free(out);
	}
	assert_true(sum / 20 < 15);
	free(lost);
	free(full);
	json_decref(in);
	po_sim_free(sim);
}

static void test_judge_reply_shape(void **state)
{
	struct po_sim *sim = new_sim(2, 4, "prfaq");
	json_t *in = prfaq_inputs();
	char *out = generate(sim, po_sim_baseline_prompt(sim), in, "tc-1", 0);
	json_t *meta = json_pack("{s:[{s:s, s:f}, {s:s, s:f}]}", "rubric", "key", "clarity",
				 "weight", 0.5, "key", "originality", "weight", 0.5);
	char *reply = judge_raw(sim, out, meta, 0);
	json_t *j = reply_json(reply), *crit = json_object_get(j, "criteria_scores");
	int wrapped = 0;

	assert_true(json_is_number(json_object_get(j, "overall_score")));
	assert_int_equal(json_object_size(crit), 2);
	assert_true(json_is_number(json_object_get(crit, "originality")));
	assert_true(json_is_array(json_object_get(j, "strengths")));
	assert_true(json_array_size(json_object_get(j, "improvements")) > 0);
	assert_true(json_is_string(json_object_get(j, "feedback")));
	assert_true(json_is_string(json_object_get(j, "content_quality")));
	assert_true(json_is_string(json_object_get(j, "evolutionary_strategy")));
	json_decref(j);
	free(reply);
	for (unsigned i = 0; i < 1000; i++) {
		reply = judge_raw(sim, out, NULL, i);
		wrapped += reply[0] != '{';
		free(reply);
	}
	assert_true(wrapped >= 10 && wrapped <= 60);
	json_decref(meta);
	free(out);
	json_decref(in);
	po_sim_free(sim);
}

static char *mutate(struct po_sim *sim, const char *template, const char *feedback,
		    unsigned sample)
{
	struct po_buf prompt = PO_BUF_INIT;
	struct po_llm_request req = { .role = PO_ROLE_MUTATE, .sample = sample };
	struct po_llm_response resp = { 0 };
	char *out;

	po_buf_addf(&prompt, "Improve this prompt.\n%s\n%s\n%s\n%s\n%s\n%s\n"
			     "Placeholders: {projectName} {problemDescription} {businessContext}\n",
		    PO_MUTATE_PROMPT_BEGIN, template, PO_MUTATE_PROMPT_END,
		    PO_MUTATE_FEEDBACK_BEGIN, feedback, PO_MUTATE_FEEDBACK_END);
	req.prompt = prompt.data;
	po_sim_answer(sim, &req, &resp);
	out = resp.content;
	resp.content = NULL;
	po_llm_response_release(&resp);
	po_buf_release(&prompt);
	return out;
}

static char *reply_template(const char *reply)
{
	const char *b = strstr(reply, PO_MUTATE_REPLY_BEGIN), *e;

	assert_non_null(b);
	b += strlen(PO_MUTATE_REPLY_BEGIN);
	e = strstr(b, PO_MUTATE_REPLY_END);
	assert_non_null(e);
	return strndup(b, (size_t)(e - b));
}

static void test_mutate(void **state)
{
	struct po_sim *sim = new_sim(4, 4, "prfaq");
	const char *base = po_sim_baseline_prompt(sim);
	json_t *in = prfaq_inputs();
	int n = 300, kept = 0, changed = 0, dateline_fb = 0, dateline_nofb = 0, better = 0;
	double b = po_sim_true_score(sim, NULL, base, in);
	char *again;

	for (int i = 0; i < n; i++) {
		char *r1 = mutate(sim, base, "Add a dateline (city and date) to open the press release.",
				  (unsigned)i);
		char *r2 = mutate(sim, base, "", (unsigned)i);
		char *t1 = reply_template(r1), *t2 = reply_template(r2);
		json_t *f1 = po_sim_prompt_features(sim, NULL, t1);
		json_t *f2 = po_sim_prompt_features(sim, NULL, t2);
		assert_true(r1[0] != '<'); /* a sentence comes first */
		kept += strstr(t1, "{projectName}") && strstr(t1, "{problemDescription}") &&
			strstr(t1, "{businessContext}");
		changed += strcmp(t1, base) != 0;
		dateline_fb += has_key(f1, "asked", "dateline");
		dateline_nofb += has_key(f2, "asked", "dateline");
		better += po_sim_true_score(sim, NULL, t2, in) > b;
		json_decref(f1), json_decref(f2);
		free(r1), free(r2), free(t1), free(t2);
	}
	assert_true(kept > 0.9 * n && kept < n);
	assert_true(changed > 0.9 * n);
	assert_true(dateline_fb > 0.4 * n);
	assert_true(dateline_nofb < 0.15 * n);
	assert_true(better > 0.4 * n);
	/* Deterministic per (seed, prompt, sample). */
	again = mutate(sim, base, "", 3);
	{
		char *first = mutate(sim, base, "", 3);
		assert_string_equal(again, first);
		free(first);
	}
	free(again);
	json_decref(in);
	po_sim_free(sim);
}

/* A mutation that clears a harmful instruction when the feedback asks for
 * what it blocks (an FAQ under "skip the FAQ"). */
static void test_mutate_removes_blocker(void **state)
{
	struct po_sim *sim = new_sim(4, 4, "prfaq");
	json_t *in = prfaq_inputs();
	char *t = with_extra(po_sim_baseline_prompt(sim), " Skip the FAQ.");
	int removed = 0;

	for (unsigned i = 0; i < 200; i++) {
		char *r = mutate(sim, t, "Answer the question of cost in the FAQ.", i);
		char *nt = reply_template(r);
		removed += strstr(nt, "Skip the FAQ") == NULL;
		free(r), free(nt);
	}
	assert_true(removed > 60);
	free(t);
	json_decref(in);
	po_sim_free(sim);
}

/* Two current-prompt blocks ask for a crossover: the first parent keeps its
 * text and takes about half of what only the second asks for. */
static void test_crossover(void **state)
{
	struct po_sim *sim = new_sim(4, 4, "prfaq");
	const char *a = po_sim_baseline_prompt(sim);
	char *b = with_extra(a, full_prompt_extra);
	json_t *fa = po_sim_prompt_features(sim, NULL, a);
	size_t base_asked = json_array_size(json_object_get(fa, "asked")), total = 0;
	int n = 50;

	for (unsigned i = 0; i < (unsigned)n; i++) {
		struct po_buf prompt = PO_BUF_INIT;
		struct po_llm_request req = { .role = PO_ROLE_MUTATE, .sample = i };
		struct po_llm_response resp = { 0 };
		char *t;
		json_t *f;

		po_buf_addf(&prompt, "Combine these prompts.\n%s\n%s\n%s\n%s\n%s\n%s\n",
			    PO_MUTATE_PROMPT_BEGIN, a, PO_MUTATE_PROMPT_END,
			    PO_MUTATE_PROMPT_BEGIN, b, PO_MUTATE_PROMPT_END);
		req.prompt = prompt.data;
		po_sim_answer(sim, &req, &resp);
		t = reply_template(resp.content);
		assert_non_null(strstr(t, "Project name: {projectName}"));
		f = po_sim_prompt_features(sim, NULL, t);
		assert_true(json_array_size(json_object_get(f, "asked")) >= base_asked);
		total += json_array_size(json_object_get(f, "asked")) - base_asked;
		json_decref(f);
		free(t);
		po_llm_response_release(&resp);
		po_buf_release(&prompt);
	}
	/* 12 features only in the second parent: about 6 taken on average. */
	assert_true(total > 4 * (size_t)n && total < 8 * (size_t)n);
	json_decref(fa);
	free(b);
	po_sim_free(sim);
}

static void test_mutate_obeys_harmful_feedback(void **state)
{
	struct po_sim *sim = new_sim(4, 4, "prfaq");
	char *t = with_extra(po_sim_baseline_prompt(sim), " Make it sound revolutionary and "
							"game-changing.");
	int with = 0, without = 0;

	for (unsigned i = 0; i < 200; i++) {
		char *r1 = mutate(sim, t, "Remove the hype and superlatives; state facts plainly.", i);
		char *r2 = mutate(sim, t, "", i);
		char *t1 = reply_template(r1), *t2 = reply_template(r2);
		with += strstr(t1, "revolutionary") == NULL;
		without += strstr(t2, "revolutionary") == NULL;
		free(r1), free(r2), free(t1), free(t2);
	}
	assert_true(with > 100);
	assert_true(without < 50);
	free(t);
	po_sim_free(sim);
}

static void test_detect_role(void **state)
{
	assert_int_equal(po_sim_detect_role(NULL, "Write a PR-FAQ for TaskFlow."), PO_ROLE_GENERATE);
	assert_int_equal(po_sim_detect_role("You are an expert evaluator.",
					    "Rate this document. Reply with JSON containing "
					    "overall_score."), PO_ROLE_JUDGE);
	assert_int_equal(po_sim_detect_role(NULL, "Please evaluate the following PR-FAQ."),
			 PO_ROLE_JUDGE);
	assert_int_equal(po_sim_detect_role(NULL, "x " PO_JUDGE_OUTPUT_BEGIN " y"), PO_ROLE_JUDGE);
	assert_int_equal(po_sim_detect_role(NULL, "Improve this prompt based on the feedback: ..."),
			 PO_ROLE_MUTATE);
	assert_int_equal(po_sim_detect_role(NULL, PO_MUTATE_PROMPT_BEGIN "evaluate"
					    PO_MUTATE_PROMPT_END), PO_ROLE_MUTATE);
	assert_int_equal(po_sim_detect_role(NULL, NULL), PO_ROLE_GENERATE);
}

static void test_generic_catalogue(void **state)
{
	struct po_sim *sim = new_sim(42, 4, "generic");
	json_t *in = json_pack("{s:s}", "question", "How do I water a cactus in winter?");
	const char *weak = "Answer: {question}";
	const char *strong = "You are an expert. Answer {question} step by step. Include a "
			     "concrete example. Use headings to structure the answer into "
			     "sections. Write for a non-expert audience. Be concise. Use a "
			     "professional tone. Use all the details provided.";
	char *out = generate(sim, strong, in, "g", 0);

	assert_string_equal(po_sim_catalogue_name(sim), "generic");
	assert_null(po_sim_baseline_prompt(sim));
	assert_non_null(strstr(out, "water a cactus"));
	assert_true(po_sim_true_score(sim, NULL, strong, in) >
		    po_sim_true_score(sim, NULL, weak, in) + 20);
	assert_true(fabs(po_sim_true_score(sim, NULL, strong, in) - po_sim_optimum(sim)) < 0.01);
	assert_true(po_sim_true_score(sim, NULL, "Answer the question.", in) < 15);
	free(out);
	json_decref(in);
	po_sim_free(sim);
}

static void test_provider(void **state)
{
	struct po_provider *p = po_sim_provider_new(new_sim(42, 4, "prfaq"));
	struct po_llm_request reqs[2] = {
		{ .role = PO_ROLE_GENERATE, .prompt = "Write a PR-FAQ for a coffee subscription." },
		{ .role = PO_ROLE_JUDGE, .prompt = PO_JUDGE_OUTPUT_BEGIN "short" PO_JUDGE_OUTPUT_END },
	};
	struct po_llm_response out[2] = { { 0 } };
	struct po_err err = { 0 };
	json_t *j;

	assert_string_equal(p->ops->name, "sim");
	assert_int_equal(p->ops->complete(p, reqs, out, 2, &err), 0);
	for (int i = 0; i < 2; i++) {
		assert_non_null(out[i].content);
		assert_null(out[i].error);
		assert_true(out[i].input_tokens > 0 && out[i].output_tokens > 0);
		assert_true(labs(out[i].output_tokens - (long)strlen(out[i].content) / 4) <= 1);
	}
	/* A near-empty output gets a very low score, still as well-formed JSON. */
	j = reply_json(out[1].content);
	assert_true(json_number_value(json_object_get(j, "overall_score")) < 1.0);
	json_decref(j);
	po_llm_response_release(&out[0]);
	po_llm_response_release(&out[1]);
	p->ops->free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_catalogue),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_asked_features_realized_more_often),
		cmocka_unit_test(test_output_is_prfaq_from_inputs),
		cmocka_unit_test(test_ground_truth_range),
		cmocka_unit_test(test_harmful_and_negation),
		cmocka_unit_test(test_dilution),
		cmocka_unit_test(test_phrasings_detected),
		cmocka_unit_test(test_monte_carlo_matches_truth),
		cmocka_unit_test(test_noise_sd),
		cmocka_unit_test(test_lost_placeholder_scores_low),
		cmocka_unit_test(test_judge_reply_shape),
		cmocka_unit_test(test_mutate),
		cmocka_unit_test(test_mutate_removes_blocker),
		cmocka_unit_test(test_crossover),
		cmocka_unit_test(test_mutate_obeys_harmful_feedback),
		cmocka_unit_test(test_detect_role),
		cmocka_unit_test(test_generic_catalogue),
		cmocka_unit_test(test_provider),
		cmocka_unit_test(test_public_ground_truth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
