/*
 * The PR-FAQ catalogue (the built-in project's default): prfaq-v1's features
 * rescaled, plus what makes optimizing it hard: features worth more, nothing
 * or less by test case (mechanism, pricing, a compliance disclaimer), the
 * conditional instructions that get each right, two conflicting pairs and a
 * pair that only pays off together, and the per-case features through which
 * a prompt overfits. Numbers: docs/simulator.md.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sim/prfaq.h"
#include "util/json.h"
#include "util/mem.h"

static const struct feature prfaq_features[PF_COUNT] = {
	[PF_HEADLINE] = { "headline", "a headline", false,
		L("headline"),
		L("Open the press release with a short, specific headline.",
		  "Give the press release a clear headline that names the customer benefit.",
		  "Begin with a one-line headline."),
		L("headline"),
		0.95, 0.30, { 0.29, 0, 0.14, 0.5 }, MARK_PRESENT, "\n# ", 0,
		"Clear headline", "Add a headline that names the customer benefit." },
	[PF_DATELINE] = { "dateline", "a dateline", false,
		L("dateline", "city and date", "location and date"),
		L("Begin the first paragraph with a dateline (city and date).",
		  "Start the press release body with a dateline giving the location and date.",
		  "Include a standard dateline."),
		L("dateline"),
		0.90, 0.15, { 0.22, 0, 0, 0.4 }, MARK_PRESENT, "today announced", 0,
		"Proper dateline", "Add a dateline (city and date) to open the press release." },
	[PF_PROBLEM] = { "quantified_problem", "a quantified customer problem", false,
		L("quantif", "with data", "how big the problem", "size of the problem"),
		L("Quantify the customer problem with a concrete number.",
		  "State the customer problem and quantify how many people it affects.",
		  "Describe how big the problem is, with data."),
		L("quantif", "size of the problem"),
		0.88, 0.20, { 0.29, 0, 0.21, 0 }, MARK_PRESENT, "an estimated", 0,
		"Quantified customer problem",
		"Quantify the customer problem with concrete numbers." },
	[PF_MECHANISM] = { "mechanism", "an explanation of how it works", false,
		L("how it works", "mechanism", "how the product works"),
		L("Explain how it works in two or three sentences.",
		  "Describe the mechanism: what the product does to solve the problem.",
		  "Include a short paragraph on how the product works."),
		L("how it works", "mechanism"),
		0.90, 0.30, { 0.29, 0, 0.28, 0 }, MARK_PRESENT, "how it works", 0,
		"Explains how it works", "Explain how it works (the mechanism), not just what it is." },
	[PF_LEADER] = { "leadership_quote", "a leadership quote", false,
		L("leadership quote", "quote from a leader", "quote from a company leader",
		  "executive quote", "quote from an executive", "spokesperson"),
		L("Include a quote from a company leader explaining why this matters.",
		  "Add an executive quote about the vision.",
		  "Quote a spokesperson from leadership on why the team built it."),
		L("leader", "executive"),
		0.90, 0.25, { 0.22, 0, 0, 0.2 }, MARK_PRESENT, "vice president", 0,
		"Leadership quote gives the why", "Add a quote from a company leader on why this matters." },
	[PF_CUSTOMER] = { "customer_quote", "a customer quote with metrics", false,
		L("customer quote", "testimonial", "quote a customer", "quote from a customer"),
		L("Add a customer quote that includes a measurable result.",
		  "Include a testimonial from a customer with concrete metrics.",
		  "Quote a customer describing the before and after in numbers."),
		L("customer quote", "testimonial"),
		0.85, 0.15, { 0.22, 0, 0, 0.2 }, MARK_PRESENT, "early-access customer", 0,
		"Customer quote with metrics",
		"Include a customer quote (testimonial) with a measurable result." },
	[PF_AVAIL] = { "availability", "an availability date", false,
		L("availability", "launch date", "release date", "customers can get it",
		  "when the product launches"),
		L("State the availability date.",
		  "Say when the product launches and where.",
		  "Give the availability: when and where customers can get it."),
		L("availability", "launch date"),
		0.92, 0.20, { 0.14, 0, 0.07, 0 }, MARK_PRESENT, "available starting", 0,
		"States availability", "State the availability (launch date and where to get it)." },
	[PF_PRICING] = { "pricing", "pricing", false,
		L("pricing", "the price", "price point"),
		L("Include pricing.",
		  "State the price and what is included.",
		  "Mention pricing and any free tier."),
		L("pricing", "price"),
		0.90, 0.15, { 0.22, 0, 0.14, 0 }, MARK_PRESENT, "pricing starts at", 0,
		"Clear pricing", "Mention pricing so readers know what they will pay." },
	[PF_FAQ] = { "faq_section", "an FAQ section", false,
		L("faq section", "frequently asked questions", "an faq", "the faq", "faq:"),
		L("Follow the press release with a Frequently Asked Questions section.",
		  "Add an FAQ section for customers and stakeholders.",
		  "End with an FAQ that answers stakeholder questions."),
		L("faq section", "frequently asked"),
		0.95, 0.30, { 0, 1.3, 0, 0.6 }, MARK_PRESENT, "frequently asked questions", 0,
		"Has an FAQ section", "Add a Frequently Asked Questions (FAQ section) after the press release." },
	[PF_FAQ_MANY] = { "faq_seven_questions", "at least seven FAQ questions", false,
		L("at least seven", "at least 7", "seven or more", "7 or more", "eight questions",
		  "ten questions", "10 questions", "8 questions"),
		L("Answer at least seven customer questions.",
		  "Write seven or more questions with answers.",
		  "Include at least 7 questions and answers."),
		L("more questions", "seven", "7 questions"),
		0.85, 0.10, { 0, 0.9, 0, 0 }, MARK_COUNT, "\nq: ", 7,
		"Thorough FAQ", "Answer more questions: at least seven (7 questions) in the FAQ." },
	[PF_FAQ_COST] = { "faq_cost", "an FAQ answer on cost", false,
		L("cost question", "question about cost", "questions about cost",
		  "what customers will pay", "question on cost"),
		L("Include a question about cost.",
		  "Answer the cost question: what customers will pay.",
		  "Make sure one question on cost is answered."),
		L("cost"),
		0.90, 0.25, { 0, 0.7, 0, 0 }, MARK_PRESENT, "q: how much will it cost", 0,
		"Answers the cost question", "Answer the question of cost in the FAQ." },
	[PF_FAQ_SUPPORT] = { "faq_support", "an FAQ answer on support", false,
		L("support question", "question on support", "get help", "customer support"),
		L("Include a support question: how do customers get help?",
		  "Cover customer support in the questions.",
		  "Answer how customers get help when something goes wrong."),
		L("support"),
		0.90, 0.20, { 0, 0.6, 0, 0 }, MARK_PRESENT, "q: how do i get help", 0,
		"Covers support", "Add an FAQ answer on support: how customers get help." },
	[PF_PLAIN] = { "plain_language", "plain language", false,
		L("plain language", "plain english", "simple language", "avoid jargon", "no jargon",
		  "jargon-free", "without jargon", "language clear", "clear language", "simple words"),
		L("Use plain language and avoid jargon.",
		  "Write in simple language a customer would use.",
		  "Keep it jargon-free."),
		L("jargon", "plain language"),
		0.88, 0.30, { 0, 0, 0.63, 0 }, MARK_ABSENT, "synergistic", 0,
		"Plain, jargon-free language", "Replace the jargon with plain language." },
	[PF_MARKDOWN] = { "markdown", "Markdown structure", false,
		L("markdown", "headings", "section headers"),
		L("Format the document in Markdown with section headings.",
		  "Use Markdown headings for each part.",
		  "Structure the output with clear headings."),
		L("markdown", "headings"),
		0.93, 0.30, { 0, 0, 0.21, 0.8 }, MARK_COUNT, "\n## ", 2,
		"Well structured with headings", "Use Markdown headings to structure the document." },
	[PF_CTA] = { "call_to_action", "a call to action", false,
		L("call to action", "call-to-action", "how to sign up", "sign up"),
		L("End the press release with a call to action.",
		  "Close with a call to action telling readers how to sign up.",
		  "Tell readers the next step: how to sign up."),
		L("call to action", "call-to-action"),
		0.90, 0.20, { 0.14, 0, 0, 0.3 }, MARK_PRESENT, "sign up for early access", 0,
		"Ends with a call to action", "End with a call to action (how to sign up)." },
	[PF_HYPE] = { "hype", "hype and superlatives", true,
		L("revolutionary", "groundbreaking", "game-changing", "game changing", "world-class",
		  "best-in-class", "superlative", "sound amazing", "exciting"),
		L("Make it sound revolutionary and game-changing.",
		  "Use bold superlatives to get readers excited.",
		  "Make the launch sound world-class and groundbreaking."),
		L("hype", "superlative"),
		0.90, 0.05, { -0.58, 0, -0.28, 0 }, MARK_PRESENT, "game-changing", 0,
		NULL, "Remove the hype and superlatives; state facts plainly." },
	[PF_VAGUE] = { "vagueness", "vague, high-level writing", true,
		L("keep it brief", "keep it short", "high level", "high-level", "avoid specifics",
		  "avoid details", "stay general", "do not go into detail", "don't go into detail",
		  "be brief"),
		L("Keep it brief and high level.",
		  "Stay high-level and avoid specifics.",
		  "Keep it short; do not go into detail."),
		L("vague", "too general"),
		0, 0, { 0 }, MARK_NONE, NULL, 0, NULL, NULL,
		BIT(PF_DATELINE) | BIT(PF_PROBLEM) | BIT(PF_MECHANISM) | BIT(PF_CUSTOMER) |
			BIT(PF_AVAIL) | BIT(PF_PRICING) | BIT(PF_FAQ_MANY), 0.4 },
	[PF_NOFAQ] = { "no_faq", "dropping the FAQ", true,
		L("no faq", "skip the faq", "omit the faq", "without an faq", "without faq",
		  "leave out the faq", "don't include an faq", "press release only",
		  "only the press release"),
		L("Skip the FAQ.",
		  "No FAQ is needed; write only the press release.",
		  "Leave out the FAQ section."),
		L("missing faq", "no faq"),
		0, 0, { 0 }, MARK_NONE, NULL, 0, NULL, NULL,
		BIT(PF_FAQ) | BIT(PF_FAQ_MANY) | BIT(PF_FAQ_COST) | BIT(PF_FAQ_SUPPORT), 0.05 },
	[PF_LONG] = { "extreme_length", "an extreme length demand", true,
		L("3000 words", "3,000 words", "5000 words", "5,000 words", "10,000 words",
		  "2000 words", "2,000 words", "as long as possible", "extremely long",
		  "extremely detailed", "exhaustive", "every possible detail"),
		L("Make it at least 3,000 words long.",
		  "Be exhaustive and cover every possible detail.",
		  "Write as long as possible."),
		L("padding", "too long", "repetitive"),
		0.90, 0.03, { 0, 0, -0.56, -0.4 }, MARK_PRESENT, "to reiterate and expand", 0,
		NULL, "Cut the padding; the document is too long and repetitive." },
	[PF_DISCLAIMER] = { "compliance_disclaimer", "a compliance disclaimer", false,
		L("compliance disclaimer", "regulatory disclaimer", "legal disclaimer"),
		L("Add a compliance disclaimer.",
		  "End the press release with a compliance disclaimer.",
		  "Include a short regulatory disclaimer."),
		L("disclaimer"),
		0.90, 0.05, { 0 }, MARK_PRESENT, "compliance note:", 0,
		"Carries the required compliance note",
		"Add the compliance disclaimer a regulated industry requires." },
	[PF_WORD_LIMIT] = { "word_limit", "a word limit", false,
		L("word limit", "under 600 words", "600 words or fewer", "at most 600 words"),
		L("Keep the whole document under 600 words.",
		  "Respect a word limit of 600 words.",
		  "Use at most 600 words."),
		L("word limit"),
		0.90, 0.20, { 0, 0, 0.35, 0.2 }, MARK_PRESENT, "in short:", 0,
		"Tight and readable", "Set a word limit so the document stays short enough to read." },
	[PF_STORY] = { "customer_story", "a customer story", false,
		L("customer story", "open with a story", "tell a story"),
		L("Open with a short customer story.",
		  "Tell a story about one customer before the facts.",
		  "Start with a customer story that shows the problem."),
		L("customer story"),
		0.85, 0.10, { 0.29, 0, 0.14, 0 }, MARK_PRESENT, "picture a customer", 0,
		"Opens with a customer story", "Open with a short customer story." },
	[PF_BASELINE_METRIC] = { "baseline_metric", "today's baseline number", false,
		L("baseline number", "how long it takes today", "today's baseline", "current baseline"),
		L("State today's baseline: how long it takes today.",
		  "Give the current baseline number.",
		  "Say how long it takes today, with a number."),
		L("baseline"),
		0.90, 0.20, { 0 }, MARK_PRESENT, "today it takes", 0,
		"States today's baseline",
		"Give today's baseline number next to the launch target (from X to Y)." },
	[PF_TARGET_METRIC] = { "target_metric", "the launch target", false,
		L("target the launch", "the target number", "launch target", "goal at launch"),
		L("Give the target the launch aims for.",
		  "State the launch target as a number.",
		  "Name the goal at launch in numbers."),
		L("target"),
		0.90, 0.20, { 0 }, MARK_PRESENT, "the goal at launch", 0,
		"States the launch target",
		"Give the launch target next to today's baseline number (from X to Y)." },
	[PF_COND_CONSUMER] = { "consumer_skip_mechanism",
		"skipping the mechanism for consumer products", false,
		L("for consumer products, skip", "for consumer audiences, skip",
		  "for consumer products, leave out"),
		L("For consumer products, skip the technical mechanism.",
		  "For consumer audiences, skip how it works under the hood.",
		  "For consumer products, leave out the mechanism."),
		L("consumer products"),
		0, 0, { 0 }, MARK_NONE, NULL, 0, NULL, NULL,
		BIT(PF_MECHANISM), 0.1 },
	[PF_COND_PRICE] = { "pricing_only_if_priced", "pricing only when there is a price", false,
		L("only when the product has a price", "only if the project has one",
		  "only when a price is given"),
		L("Include pricing only when the product has a price.",
		  "Mention the price only if the project has one.",
		  "State pricing only when a price is given."),
		L("invent a price"),
		0, 0, { 0 }, MARK_NONE, NULL, 0, NULL, NULL,
		BIT(PF_PRICING), 0.1 },
	[PF_COND_REGULATED] = { "disclaimer_only_if_regulated",
		"a disclaimer only in regulated industries", false,
		L("in regulated industries", "for regulated industries"),
		L("In regulated industries, add a compliance disclaimer.",
		  "For regulated industries, include a compliance disclaimer.",
		  "Add a compliance disclaimer only in regulated industries."),
		L("regulated industr"),
		0, 0, { 0 }, MARK_NONE, NULL, 0, NULL, NULL,
		BIT(PF_DISCLAIMER), 0.05 },
	/* Per case: asked when the prompt names this case (case.c). */
	[PF_TAILORED] = { "tailored", "details of this very case", false,
		L("\001"), L("\001"), L("\001"),
		0.90, 0, { 0.35, 0, 0.25, 0 }, MARK_PRESENT, "what sets it apart:", 0,
		"Tailored to this project", NULL, 0, 0 },
	/* Per case: asked when the prompt names other cases (case.c). */
	[PF_FOREIGN] = { "foreign_details", "details of another case", true,
		L("\001"), L("\001"), L("\001"),
		0, 0, { -0.25, 0, -0.25, 0 }, MARK_PRESENT, "a different product", 0,
		NULL, "Remove the details that belong to a different product.", 0, 0 },
};

/* Where a feature is worth other points (the first match applies). */
static const struct case_effect prfaq_effects[] = {
	{ PF_MECHANISM, TRAIT_TECHNICAL, 0, { 0.43, 0, 0.42, 0 }, NULL },
	{ PF_MECHANISM, TRAIT_CONSUMER, 0, { -0.22, 0, -0.28, 0 },
	  "Skip the technical mechanism for consumer products; say what it does for people." },
	{ PF_PRICING, 0, TRAIT_PRICED, { -0.14, 0, -0.14, 0 },
	  "Do not invent a price: this product has none to announce." },
	{ PF_DISCLAIMER, TRAIT_REGULATED, 0, { 0.22, 0.4, 0, 0.3 }, NULL },
	{ PF_DISCLAIMER, 0, TRAIT_REGULATED, { 0, 0, -0.21, 0 },
	  "Drop the compliance disclaimer: it is noise outside regulated industries." },
};

static const struct conditional prfaq_conditionals[] = {
	{ PF_COND_CONSUMER, TRAIT_CONSUMER, 0 },
	{ PF_COND_PRICE, 0, TRAIT_PRICED },
	{ PF_COND_REGULATED, 0, TRAIT_REGULATED },
};

static const struct interaction prfaq_interactions[] = {
	{ PF_WORD_LIMIT, PF_FAQ_MANY, { 0, -1.0, -0.42, 0 },
	  "The word limit and the long FAQ fight each other: drop one of them." },
	{ PF_STORY, PF_DATELINE, { -0.43, 0, 0, -0.5 },
	  "The story opening and the dateline clash: choose one way to open." },
	{ PF_BASELINE_METRIC, PF_TARGET_METRIC, { 0.22, 0, 0.21, 0 }, NULL },
};

/* Traits come from the business context (requests carry only the inputs):
 * these words, matched in lowercase. */
static const char *const tech_words[] = { "developers", "engineers", "engineering teams",
	"data scientists", "it admin", "devops", "technical buyers", NULL };
static const char *const consumer_words[] = { "consumers", "households", "families",
	"parents", "shoppers", "homeowners", "patients", "travelers", "listeners", NULL };
static const char *const regulated_words[] = { "regulated", "regulator", "hipaa", "fda",
	"finra", "licensed by", NULL };
static const char *const priced_words[] = { "priced at", "will charge", "will cost customers",
	"list price", NULL };

static bool any_word(const char *lower, const char *const *words)
{
	for (; *words; words++)
		if (strstr(lower, *words))
			return true;
	return false;
}

static unsigned prfaq_traits(const json_t *inputs)
{
	const char *ctx = po_json_str(inputs, "businessContext", NULL);
	char *lower;
	unsigned t = 0;
	bool tech, consumer;

	if (!ctx)
		return 0;
	lower = po_sim_lower_dup(ctx, NULL, NULL);
	tech = any_word(lower, tech_words);
	consumer = any_word(lower, consumer_words);
	if (tech && !consumer)
		t |= TRAIT_TECHNICAL;
	if (consumer && !tech)
		t |= TRAIT_CONSUMER;
	if (any_word(lower, regulated_words))
		t |= TRAIT_REGULATED;
	if (any_word(lower, priced_words))
		t |= TRAIT_PRICED;
	free(lower);
	return t;
}

_Static_assert(PF_COUNT <= MAX_FEATURES, "MAX_FEATURES is too small for the PR-FAQ catalogue");

const struct catalogue po_sim_catalogue_prfaq = {
	"prfaq", prfaq_features, PF_COUNT,
	{ "press_release_quality", "faq_completeness", "clarity", "structure_adherence" },
	{ 0.30, 0.25, 0.25, 0.20 },
	{ 1.67, 1.05, 2.19, 0.95 },
	{ 0.3, 0.2, 0.6, 0.3 },
	po_sim_prfaq_build, po_sim_prfaq_offtopic, po_sim_prfaq_baseline,
	prfaq_traits, prfaq_effects, PO_ARRAY_SIZE(prfaq_effects),
	prfaq_interactions, PO_ARRAY_SIZE(prfaq_interactions),
	prfaq_conditionals, PO_ARRAY_SIZE(prfaq_conditionals),
	true, PF_TAILORED, PF_FOREIGN
};
