/*
 * Unit tests of the "prfaq" catalogue's harder world: case-dependent value
 * and the conditional instructions, interactions, the exact optimum over a
 * set of cases, overfitting (in truth, in the mutate role and in a few-case
 * search), the judge's verbosity bias, and the built-in cases' traits.
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
#include "util/embedded.h"
#include "util/json.h"

static const char *const crit_keys[] = { "press_release_quality", "faq_completeness", "clarity",
	"structure_adherence" };
static const double crit_w[] = { 0.30, 0.25, 0.25, 0.20 };

/* Every instruction of the best prompt for a mix of cases. */
static const char optimal_extra[] =
	" Begin the first paragraph with a dateline (city and date)."
	" Quantify the customer problem with a concrete number."
	" Explain how it works in two or three sentences."
	" Include a quote from a company leader explaining why this matters."
	" Add a customer quote that includes a measurable result."
	" State the availability date. Include pricing only when the product has a price."
	" Answer at least seven customer questions. Include a question about cost."
	" Cover customer support in the questions. Use plain language and avoid jargon."
	" Format the document in Markdown with section headings."
	" End the press release with a call to action."
	" For consumer products, skip the technical mechanism."
	" In regulated industries, add a compliance disclaimer."
	" Give the current baseline number. State the launch target as a number.";

static struct po_sim *new_sim(uint64_t seed, double noise, double bias)
{
	struct po_sim_config cfg;
	struct po_err err = { 0 };
	struct po_sim *sim;

	po_sim_config_init(&cfg);
	cfg.seed = seed;
	cfg.noise = noise;
	cfg.verbosity_bias = bias;
	sim = po_sim_new(&cfg, &err);
	assert_non_null(sim);
	return sim;
}

/* A case: "b" business, "t" technical, "c" consumer; + "r" regulated, "p" priced. */
static json_t *make_case(const char *name, const char *kind)
{
	struct po_buf ctx = PO_BUF_INIT;
	json_t *in;

	po_buf_adds(&ctx, strchr(kind, 't') ? "We sell to developers at software companies." :
			  strchr(kind, 'c') ? "We sell to households across the country." :
					      "We sell to small businesses.");
	if (strchr(kind, 'r'))
		po_buf_adds(&ctx, " Our market is regulated.");
	if (strchr(kind, 'p'))
		po_buf_adds(&ctx, " It will be priced at $20 a month.");
	in = json_pack("{s:s, s:s, s:s}", "projectName", name, "problemDescription",
		       "Teams lose hours every week to a manual process", "businessContext", ctx.data);
	po_buf_release(&ctx);
	return in;
}

static char *cat3(const char *a, const char *b, const char *c)
{
	struct po_buf x = PO_BUF_INIT;

	po_buf_adds(&x, a);
	po_buf_adds(&x, b);
	po_buf_adds(&x, c ? c : "");
	return po_buf_detach(&x);
}

static double truth(struct po_sim *sim, const char *extra, const json_t *in)
{
	char *t = cat3(po_sim_baseline_prompt(sim), extra, NULL);
	double s = po_sim_true_score(sim, NULL, t, in);

	free(t);
	return s;
}

/* The true gain of adding `extra` to the baseline prompt on a case. */
static double gain(struct po_sim *sim, const char *extra, const json_t *in)
{
	return truth(sim, extra, in) - truth(sim, "", in);
}

/* The built-in project's test cases (the embedded file). */
static json_t *builtin_cases(void)
{
	const struct po_embedded_file *f = po_embedded_find("pr-faq-validator/test_cases.json");
	json_error_t jerr;
	json_t *root, *cases;

	assert_non_null(f);
	root = json_loadb(f->data, f->len, 0, &jerr);
	assert_non_null(root);
	cases = json_incref(json_object_get(root, "test_cases"));
	json_decref(root);
	return cases;
}

static const json_t *case_inputs(const json_t *cases, size_t i)
{
	return json_object_get(json_array_get(cases, i), "inputs");
}

static double mean_truth(struct po_sim *sim, const char *tmpl, const json_t *cases,
			 size_t from, size_t step)
{
	double sum = 0;
	size_t n = 0;

	for (size_t i = from; i < json_array_size(cases); i += step, n++)
		sum += po_sim_true_score(sim, NULL, tmpl, case_inputs(cases, i));
	return sum / (double)n;
}

static char *generate(struct po_sim *sim, const char *tmpl, const json_t *in, unsigned sample)
{
	json_t *meta = json_pack("{s:s, s:O, s:s}", "template", tmpl, "inputs", in,
				 "test_case_id", po_json_str(in, "projectName", "x"));
	struct po_llm_request req = { .role = PO_ROLE_GENERATE, .prompt = tmpl, .metadata = meta,
				      .sample = sample };
	struct po_llm_response resp = { 0 };
	char *out;

	po_sim_answer(sim, &req, &resp);
	out = resp.content;
	resp.content = NULL;
	po_llm_response_release(&resp);
	json_decref(meta);
	return out;
}

/* The judge's reply object for an output of the case with these inputs. */
static json_t *judge(struct po_sim *sim, const char *output, const json_t *in, unsigned sample)
{
	json_t *meta = json_pack("{s:O}", "inputs", in), *j;
	struct po_buf prompt = PO_BUF_INIT;
	struct po_llm_request req = { .role = PO_ROLE_JUDGE, .metadata = meta, .sample = sample };
	struct po_llm_response resp = { 0 };
	json_error_t jerr;
	const char *b, *e;

	po_buf_addf(&prompt, "Score this.\n%s\n%s\n%s\n", PO_JUDGE_OUTPUT_BEGIN, output,
		    PO_JUDGE_OUTPUT_END);
	req.prompt = prompt.data;
	po_sim_answer(sim, &req, &resp);
	b = strchr(resp.content, '{');
	e = strrchr(resp.content, '}');
	j = json_loadb(b, (size_t)(e - b + 1), 0, &jerr);
	assert_non_null(j);
	po_llm_response_release(&resp);
	po_buf_release(&prompt);
	json_decref(meta);
	return j;
}

static double score_of(const json_t *reply)
{
	const json_t *crit = json_object_get(reply, "criteria_scores");
	double s = 0;

	for (int k = 0; k < 4; k++)
		s += crit_w[k] * json_number_value(json_object_get(crit, crit_keys[k]));
	return 20.0 * s;
}

static double judged(struct po_sim *sim, const char *tmpl, const json_t *in, unsigned sample)
{
	char *out = generate(sim, tmpl, in, sample);
	json_t *j = judge(sim, out, in, sample);
	double s = score_of(j);

	json_decref(j);
	free(out);
	return s;
}

static bool has_improvement(const json_t *reply, const char *prefix)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(reply, "improvements"), i, v)
		if (!strncmp(json_string_value(v), prefix, strlen(prefix)))
			return true;
	return false;
}

/* A mutate request's new template; feedback lines and feedback_cases as the
 * search sends them. */
static char *mutate(struct po_sim *sim, const char *tmpl, const char *feedback, int fb_cases,
		    unsigned sample)
{
	json_t *meta = json_pack("{s:s, s:i}", "prompt_name", "generate_prfaq", "feedback_cases",
				 fb_cases);
	struct po_buf prompt = PO_BUF_INIT;
	struct po_llm_request req = { .role = PO_ROLE_MUTATE, .metadata = meta, .sample = sample };
	struct po_llm_response resp = { 0 };
	const char *b, *e;
	char *t;

	po_buf_addf(&prompt, "Improve this prompt.\n%s\n%s\n%s\n%s\n%s\n%s\n",
		    PO_MUTATE_PROMPT_BEGIN, tmpl, PO_MUTATE_PROMPT_END, PO_MUTATE_FEEDBACK_BEGIN,
		    feedback, PO_MUTATE_FEEDBACK_END);
	req.prompt = prompt.data;
	po_sim_answer(sim, &req, &resp);
	b = strstr(resp.content, PO_MUTATE_REPLY_BEGIN) + strlen(PO_MUTATE_REPLY_BEGIN) + 1;
	e = strstr(b, PO_MUTATE_REPLY_END);
	t = strndup(b, (size_t)(e - b - 1));
	po_llm_response_release(&resp);
	po_buf_release(&prompt);
	json_decref(meta);
	return t;
}

/* The built-in cases carry the metadata the simulator reads from their text. */
static void test_builtin_traits_match_metadata(void **state)
{
	struct po_sim *sim = new_sim(42, 4, 0);
	json_t *cases = builtin_cases(), *c;
	size_t i, n[3] = { 0 }, reg = 0, priced = 0;

	(void)state;
	assert_true(json_array_size(cases) >= 40);
	json_array_foreach(cases, i, c) {
		json_t *t = po_sim_case_traits(sim, json_object_get(c, "inputs"));
		const char *aud = po_json_str(t, "audience", "");
		if (strcmp(aud, po_json_str(c, "audience", "?")) ||
		    json_is_true(json_object_get(t, "regulated")) !=
			    json_is_true(json_object_get(c, "regulated")) ||
		    json_is_true(json_object_get(t, "has_price")) !=
			    json_is_true(json_object_get(c, "has_price")))
			fail_msg("%s: the simulator reads %s", po_json_str(c, "id", ""),
				 json_dumps(t, JSON_COMPACT));
		n[!strcmp(aud, "technical") ? 0 : !strcmp(aud, "consumer") ? 1 : 2]++;
		reg += json_is_true(json_object_get(t, "regulated"));
		priced += json_is_true(json_object_get(t, "has_price"));
		assert_true(json_is_string(json_object_get(c, "industry")));
		json_decref(t);
	}
	assert_true(n[0] >= 6 && n[1] >= 6 && n[2] >= 6);
	assert_true(reg >= 8 && priced >= 8 && reg <= 32 && priced <= 32);
	json_decref(cases);
	po_sim_free(sim);
}

static void test_case_dependent_value(void **state)
{
	struct po_sim *sim = new_sim(42, 4, 0);
	json_t *tech = make_case("Alpha", "t"), *cons = make_case("Bravo", "c");
	json_t *biz = make_case("Charlie", "b"), *priced = make_case("Delta", "bp");
	json_t *reg = make_case("Echo", "br"), *cases = builtin_cases();
	const char *mech = " Explain how it works in two or three sentences.";
	const char *skip = " For consumer products, skip the technical mechanism.";
	char *both = cat3(mech, skip, NULL);
	double sum = 0, sq = 0, mean, sd;
	char *opt = cat3(po_sim_baseline_prompt(sim), optimal_extra, NULL);
	size_t n = json_array_size(cases);

	(void)state;
	/* Mechanism: +4.7 full value for technical readers, -2.7 for consumers. */
	assert_true(gain(sim, mech, tech) > 2.5);
	assert_true(gain(sim, mech, biz) > 1.5 && gain(sim, mech, biz) < gain(sim, mech, tech));
	assert_true(gain(sim, mech, cons) < -1.0);
	/* The conditional instruction gets both right. */
	assert_true(gain(sim, both, cons) > gain(sim, mech, cons) + 1.5);
	assert_true(fabs(gain(sim, both, tech) - gain(sim, mech, tech)) < 1e-9);
	/* Pricing pays only where there is a price; disclaimers only where regulated. */
	assert_true(gain(sim, " Include pricing.", priced) > 1.0);
	assert_true(gain(sim, " Include pricing.", biz) < -0.5);
	assert_true(gain(sim, " Include pricing only when the product has a price.", biz) >
		    gain(sim, " Include pricing.", biz) + 0.8);
	assert_true(gain(sim, " Add a compliance disclaimer.", reg) > 3.0);
	assert_true(gain(sim, " Add a compliance disclaimer.", biz) < -0.5);
	assert_true(gain(sim, " In regulated industries, add a compliance disclaimer.", biz) >
		    -0.1);
	/* The true score of one prompt now differs by case. */
	for (size_t i = 0; i < n; i++) {
		double x = po_sim_true_score(sim, NULL, opt, case_inputs(cases, i));
		sum += x;
		sq += x * x;
	}
	mean = sum / (double)n;
	sd = sqrt((sq - (double)n * mean * mean) / (double)(n - 1));
	assert_true(sd > 1.5);
	free(opt);
	free(both);
	json_decref(cases);
	json_decref(tech), json_decref(cons), json_decref(biz), json_decref(priced);
	json_decref(reg);
	po_sim_free(sim);
}

static void test_interactions(void **state)
{
	struct po_sim *sim = new_sim(42, 4, 0);
	json_t *in = make_case("Foxtrot", "b");
	static const char *const pairs[2][2] = {
		{ " Keep the whole document under 600 words.", " Answer at least seven customer questions." },
		{ " Open with a short customer story.", " Include a standard dateline." },
	};
	const char *bm = " Give the current baseline number.";
	const char *tm = " State the launch target as a number.";
	char *b;

	(void)state;
	for (int k = 0; k < 2; k++) {
		char *x = cat3(pairs[k][0], pairs[k][1], NULL);
		double both = gain(sim, x, in), a = gain(sim, pairs[k][0], in);
		double c = gain(sim, pairs[k][1], in);
		/* Asking for both costs more than either gives. */
		if (!(both < a && both < c && a > 0.5 && c > 0.5))
			fail_msg("pair %d: both %.2f, first %.2f, second %.2f", k, both, a, c);
		free(x);
	}
	/* The baseline and target numbers only pay off together. */
	b = cat3(bm, tm, NULL);
	assert_true(gain(sim, bm, in) < 0.7 && gain(sim, tm, in) < 0.7);
	assert_true(gain(sim, b, in) > gain(sim, bm, in) + gain(sim, tm, in) + 1.0);
	free(b);
	json_decref(in);
	po_sim_free(sim);
}

/* The optimum over a set is exact: a prompt reaches it. */
static void test_optimum_over_cases(void **state)
{
	struct po_sim *sim = new_sim(42, 4, 0);
	json_t *cases = builtin_cases(), *one = make_case("Golf Ledger", "tp");
	size_t n = json_array_size(cases);
	const json_t **in = calloc(n, sizeof(*in));
	char *opt = cat3(po_sim_baseline_prompt(sim), optimal_extra, NULL);
	char *all = cat3(opt, " Keep the whole document under 600 words. Open with a short "
			      "customer story.", NULL);
	char *named = cat3(opt, " When writing about Golf Ledger, lead with what sets it apart.",
			   NULL);
	double best;

	(void)state;
	for (size_t i = 0; i < n; i++)
		in[i] = case_inputs(cases, i);
	best = po_sim_optimum_cases(sim, (const json_t *const *)in, n);
	assert_true(fabs(mean_truth(sim, opt, cases, 0, 1) - best) < 1e-9);
	/* Asking for everything is not the optimum any more. */
	assert_true(mean_truth(sim, all, cases, 0, 1) < best - 1.0);
	/* For one case alone, naming it is part of the optimum. */
	assert_true(fabs(po_sim_optimum_cases(sim, (const json_t *const *)&one, 1) -
			 po_sim_true_score(sim, NULL, named, one)) < 1e-9);
	/* Without cases: one case without traits or name. */
	assert_true(po_sim_optimum(sim) < best);
	free(in), free(opt), free(all), free(named);
	json_decref(one);
	json_decref(cases);
	po_sim_free(sim);
}

static void test_overfit_in_truth(void **state)
{
	struct po_sim *sim = new_sim(42, 4, 0);
	json_t *a = make_case("Hotel Finder", "c"), *b = make_case("India Desk", "c");
	const char *name = " When writing about Hotel Finder, lead with what sets it apart.";
	json_t *f;
	char *t = cat3(po_sim_baseline_prompt(sim), optimal_extra, name);

	(void)state;
	assert_true(gain(sim, name, a) > 2.5);   /* the named case */
	assert_true(gain(sim, name, b) < -1.5);  /* every other case */
	f = po_sim_prompt_features(sim, NULL, t);
	assert_int_equal(json_array_size(json_object_get(f, "named_cases")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(f, "named_cases"), 0)),
			    "hotel finder");
	json_decref(f);
	free(t);
	json_decref(a), json_decref(b);
	po_sim_free(sim);
}

static void check_mc(const char *extra, const json_t *in)
{
	struct po_sim *sim = new_sim(11, 0, 0);
	char *t = cat3(po_sim_baseline_prompt(sim), extra, NULL);
	double sum = 0, truth_v = po_sim_true_score(sim, NULL, t, in);
	int n = 400;

	for (int i = 0; i < n; i++)
		sum += judged(sim, t, in, (unsigned)i);
	if (fabs(sum / n - truth_v) > 1.5)
		fail_msg("Monte Carlo mean %.2f vs true score %.2f", sum / n, truth_v);
	free(t);
	po_sim_free(sim);
}

/* The truth is the judge's mean, with traits, interactions and names. */
static void test_monte_carlo_matches_truth(void **state)
{
	json_t *cr = make_case("Juliet Care", "cr"), *tp = make_case("Kilo Stack", "tp");

	(void)state;
	check_mc(" Explain how it works. Include pricing. Add a compliance disclaimer. Keep the "
		 "whole document under 600 words. Answer at least seven customer questions. Open "
		 "with a short customer story. Include a standard dateline. Give the current "
		 "baseline number. State the launch target as a number. When writing about Juliet "
		 "Care, lead with it. When writing about Lima Shop, lead with it.", cr);
	check_mc(optimal_extra, tp);
	check_mc(" Give the current baseline number. Make it sound revolutionary.", cr);
	json_decref(cr), json_decref(tp);
}

/* The judge says what hurts on this case and names the case. */
static void test_judge_feedback_by_case(void **state)
{
	struct po_sim *sim = new_sim(3, 4, 0);
	json_t *cons = make_case("Mike Kitchen", "c");
	char *t = cat3(po_sim_baseline_prompt(sim), " Explain how it works. Keep the whole "
			"document under 600 words. Answer at least seven customer questions.", NULL);
	int mech = 0, conflict = 0, tailor = 0;

	(void)state;
	for (unsigned i = 0; i < 50; i++) {
		char *out = generate(sim, t, cons, i);
		json_t *j = judge(sim, out, cons, i);
		mech += has_improvement(j, "Skip the technical mechanism for consumer products");
		conflict += has_improvement(j, "The word limit and the long FAQ fight");
		tailor += has_improvement(j, "Anchor it in Mike Kitchen:");
		json_decref(j);
		free(out);
	}
	assert_true(mech > 30 && conflict > 25 && tailor > 10);
	free(t);
	json_decref(cons);
	po_sim_free(sim);
}

/* The mutate role copies a case-specific line into the prompt more often
 * when its feedback came from few cases. */
static void test_mutate_overfits_on_few_cases(void **state)
{
	struct po_sim *sim = new_sim(5, 4, 0);
	const char *fb = "Anchor it in November Pay: lead with what sets November Pay apart for "
			 "its own customers.\nAdd a dateline (city and date) to open the press "
			 "release.";
	int few = 0, many = 0, n = 400;

	(void)state;
	for (unsigned i = 0; i < (unsigned)n; i++) {
		char *a = mutate(sim, po_sim_baseline_prompt(sim), fb, 1, i);
		char *b = mutate(sim, po_sim_baseline_prompt(sim), fb, 20, i);
		few += strstr(a, "When writing about November Pay,") != NULL;
		many += strstr(b, "When writing about November Pay,") != NULL;
		free(a), free(b);
	}
	if (!(few > 0.18 * n && many < 0.06 * n && few > 4 * many))
		fail_msg("named on 1 case: %d, on 20: %d of %d", few, many, n);
	po_sim_free(sim);
}

/* The feedback the search sends: the 5 most frequent improvements, ties in
 * key order (as po_evaluation_feedback does), one per line. */
static char *top_feedback(json_t *counts)
{
	struct po_buf b = PO_BUF_INIT;

	for (int k = 0; k < 5 && json_object_size(counts); k++) {
		const char *key, *best = NULL;
		json_int_t bestn = 0;
		json_t *v;
		json_object_foreach(counts, key, v) {
			if (json_integer_value(v) > bestn ||
			    (json_integer_value(v) == bestn && strcmp(key, best) < 0)) {
				best = key;
				bestn = json_integer_value(v);
			}
		}
		po_buf_addf(&b, "%s\n", best);
		json_object_del(counts, best);
	}
	return po_buf_detach(&b);
}

/*
 * A hill climb on the even-numbered (training) cases that judges the
 * incumbent and each candidate on k of them per iteration (drawn afresh; all
 * of them when k is their number) and gives the mutate role their feedback.
 */
static char *climb(struct po_sim *sim, const json_t *cases, size_t k, unsigned iters,
		   uint64_t seed)
{
	size_t ntrain = (json_array_size(cases) + 1) / 2, pick[64];
	char *inc = strdup(po_sim_baseline_prompt(sim));
	uint64_t r = seed * 0x9e3779b97f4a7c15ULL + 1;

	for (unsigned it = 0; it < iters; it++) {
		json_t *counts = json_object();
		double s_inc = 0, s_cand = 0;
		char *fb, *cand;
		for (size_t j = 0; j < k; j++) {
			r = r * 6364136223846793005ULL + 1442695040888963407ULL;
			pick[j] = 2 * (k == ntrain ? j : (size_t)((r >> 33) % ntrain));
		}
		for (size_t j = 0; j < k; j++) {
			const json_t *in = case_inputs(cases, pick[j]), *v;
			char *out = generate(sim, inc, in, it * 128 + (unsigned)j);
			json_t *reply = judge(sim, out, in, it * 128 + (unsigned)j);
			size_t i;
			s_inc += score_of(reply);
			json_array_foreach(json_object_get(reply, "improvements"), i, v) {
				const char *line = json_string_value(v);
				json_object_set_new(counts, line, json_integer(
					json_integer_value(json_object_get(counts, line)) + 1));
			}
			json_decref(reply);
			free(out);
		}
		fb = top_feedback(counts);
		cand = mutate(sim, inc, fb, (int)k, it);
		for (size_t j = 0; j < k; j++)
			s_cand += judged(sim, cand, case_inputs(cases, pick[j]),
					 it * 128 + 64 + (unsigned)j);
		if (s_cand > s_inc) {
			free(inc);
			inc = cand;
		} else {
			free(cand);
		}
		free(fb);
		json_decref(counts);
	}
	return inc;
}

/* The prompt without its instructions that name a case; *named counts them. */
static char *without_names(const char *t, int *named)
{
	struct po_buf b = PO_BUF_INIT;
	const char *p = t, *q, *end;

	while ((q = strstr(p, "When writing about "))) {
		end = strstr(q, "customers.");
		assert_non_null(end);
		po_buf_add(&b, p, (size_t)(q - p));
		p = end + strlen("customers.");
		(*named)++;
	}
	po_buf_adds(&b, p);
	return po_buf_detach(&b);
}

/*
 * Overfitting, end to end: a search tuned on half of the built-in cases that
 * judges one case per candidate names cases in its prompt, and those
 * instructions cost the other half, in truth; the same search judging all
 * training cases each time names fewer and loses less.
 */
static void test_few_case_search_overfits(void **state)
{
	struct po_sim *sim = new_sim(1, 4, 0);
	json_t *cases = builtin_cases();
	size_t ntrain = (json_array_size(cases) + 1) / 2;
	int named_few = 0, named_all = 0;
	double gap = 0, loss_few = 0, loss_all = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 6; seed++) {
		char *few = climb(sim, cases, 1, 80, seed), *all = climb(sim, cases, ntrain, 80, seed);
		char *cfew = without_names(few, &named_few), *call = without_names(all, &named_all);
		double a = mean_truth(sim, few, cases, 0, 2), b = mean_truth(sim, few, cases, 1, 2);
		double ca = mean_truth(sim, cfew, cases, 0, 2), cb = mean_truth(sim, cfew, cases, 1, 2);
		/* The tuned half's lead over the held-out half, from the names alone. */
		gap += (a - b) - (ca - cb);
		loss_few += cb - b;
		loss_all += mean_truth(sim, call, cases, 1, 2) - mean_truth(sim, all, cases, 1, 2);
		free(few), free(all), free(cfew), free(call);
	}
	print_message("few-case search: %d names, held-out loss %.2f, gap %.2f; all-case search: "
		      "%d names, held-out loss %.2f (6 seeds)\n", named_few, loss_few, gap, named_all,
		      loss_all);
	if (!(named_few >= 3 && named_few > 2 * named_all && gap > 0 && loss_few > 3.0 &&
	      loss_few > loss_all + 2.0))
		fail_msg("few-case search: %d names, held-out loss %.2f, gap %.2f; all-case search: "
			 "%d names, held-out loss %.2f", named_few, loss_few, gap, named_all,
			 loss_all);
	json_decref(cases);
	po_sim_free(sim);
}

static void test_verbosity_bias(void **state)
{
	struct po_sim *plain = new_sim(8, 0, 0), *biased = new_sim(8, 0, 10);
	json_t *in = make_case("Oscar Fleet", "b");
	char *base = cat3(po_sim_baseline_prompt(plain), " Include a standard dateline.", NULL);
	char *pad = cat3(base, " Be exhaustive and cover every possible detail.", NULL);
	char *weak_pad = cat3(po_sim_baseline_prompt(plain), " Be exhaustive.", NULL);
	double r_base = 0, r_pad = 0;
	int n = 200;

	(void)state;
	for (unsigned i = 0; i < (unsigned)n; i++) {
		char *out = generate(plain, i % 2 ? weak_pad : po_sim_baseline_prompt(plain), in, i);
		json_t *a = judge(plain, out, in, i), *b = judge(biased, out, in, i);
		size_t words = 0;
		for (const char *p = out; *p; p++)
			words += *p != ' ' && *p != '\n' && (p == out || p[-1] == ' ' || p[-1] == '\n');
		/* 10 points per 100 words over 300 (while no criterion reaches 0 or 5). */
		if (i < 20 && fabs(score_of(b) - score_of(a) - 0.1 * ((double)words - 300)) > 0.3)
			fail_msg("bias %.2f for %zu words", score_of(b) - score_of(a), words);
		json_decref(a), json_decref(b);
		free(out);
		r_base += judged(biased, base, in, i);
		r_pad += judged(biased, pad, in, i);
	}
	/* Padding: reported up with the bias, true down (the truth ignores length). */
	print_message("verbosity bias 10: reported padded %.2f, plain %.2f; true %.2f, %.2f\n",
		      r_pad / n, r_base / n, po_sim_true_score(biased, NULL, pad, in),
		      po_sim_true_score(biased, NULL, base, in));
	if (!(r_pad / n > r_base / n + 1.0))
		fail_msg("reported with bias: padded %.2f, plain %.2f", r_pad / n, r_base / n);
	assert_true(po_sim_true_score(biased, NULL, pad, in) <
		    po_sim_true_score(biased, NULL, base, in) - 2.0);
	assert_true(po_sim_true_score(biased, NULL, pad, in) ==
		    po_sim_true_score(plain, NULL, pad, in));
	free(base), free(pad), free(weak_pad);
	json_decref(in);
	po_sim_free(plain), po_sim_free(biased);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_traits_match_metadata),
		cmocka_unit_test(test_case_dependent_value),
		cmocka_unit_test(test_interactions),
		cmocka_unit_test(test_optimum_over_cases),
		cmocka_unit_test(test_overfit_in_truth),
		cmocka_unit_test(test_monte_carlo_matches_truth),
		cmocka_unit_test(test_judge_feedback_by_case),
		cmocka_unit_test(test_mutate_overfits_on_few_cases),
		cmocka_unit_test(test_few_case_search_overfits),
		cmocka_unit_test(test_verbosity_bias),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
