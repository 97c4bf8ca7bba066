/*
 * The PR-FAQ catalogue: the features of a good PR-FAQ prompt (headline,
 * dateline, quantified problem, quotes, availability, FAQ, ...; hype,
 * vagueness, dropping the FAQ and extreme length are harmful), its baseline
 * prompt, and the writer of its outputs.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/sim_internal.h"
#include "util/json.h"
#include "util/mem.h"

enum {
	PF_HEADLINE, PF_DATELINE, PF_PROBLEM, PF_MECHANISM, PF_LEADER, PF_CUSTOMER,
	PF_AVAIL, PF_PRICING, PF_FAQ, PF_FAQ_MANY, PF_FAQ_COST, PF_FAQ_SUPPORT,
	PF_PLAIN, PF_MARKDOWN, PF_CTA, PF_HYPE, PF_VAGUE, PF_NOFAQ, PF_LONG, PF_COUNT
};

static const struct feature prfaq_features[PF_COUNT] = {
	[PF_HEADLINE] = { "headline", "a headline", false,
		L("headline"),
		L("Open the press release with a short, specific headline.",
		  "Give the press release a clear headline that names the customer benefit.",
		  "Begin with a one-line headline."),
		L("headline"),
		0.95, 0.30, { 0.5, 0, 0.3, 0.7 }, MARK_PRESENT, "\n# ", 0,
		"Clear headline", "Add a headline that names the customer benefit." },
	[PF_DATELINE] = { "dateline", "a dateline", false,
		L("dateline", "city and date", "location and date"),
		L("Begin the first paragraph with a dateline (city and date).",
		  "Start the press release body with a dateline giving the location and date.",
		  "Include a standard dateline."),
		L("dateline"),
		0.90, 0.15, { 0.4, 0, 0, 0.5 }, MARK_PRESENT, "today announced", 0,
		"Proper dateline", "Add a dateline (city and date) to open the press release." },
	[PF_PROBLEM] = { "quantified_problem", "a quantified customer problem", false,
		L("quantif", "with data", "how big the problem", "size of the problem"),
		L("Quantify the customer problem with a concrete number.",
		  "State the customer problem and quantify how many people it affects.",
		  "Describe how big the problem is, with data."),
		L("quantif", "size of the problem"),
		0.88, 0.20, { 0.6, 0, 0.4, 0 }, MARK_PRESENT, "an estimated", 0,
		"Quantified customer problem",
		"Quantify the customer problem with concrete numbers." },
	[PF_MECHANISM] = { "mechanism", "an explanation of how it works", false,
		L("how it works", "mechanism", "how the product works"),
		L("Explain how it works in two or three sentences.",
		  "Describe the mechanism: what the product does to solve the problem.",
		  "Include a short paragraph on how the product works."),
		L("how it works", "mechanism"),
		0.90, 0.30, { 0.5, 0, 0.6, 0 }, MARK_PRESENT, "how it works", 0,
		"Explains how it works", "Explain how it works (the mechanism), not just what it is." },
	[PF_LEADER] = { "leadership_quote", "a leadership quote", false,
		L("leadership quote", "quote from a leader", "quote from a company leader",
		  "executive quote", "quote from an executive", "spokesperson"),
		L("Include a quote from a company leader explaining why this matters.",
		  "Add an executive quote about the vision.",
		  "Quote a spokesperson from leadership on why the team built it."),
		L("leader", "executive"),
		0.90, 0.25, { 0.4, 0, 0, 0.3 }, MARK_PRESENT, "vice president", 0,
		"Leadership quote gives the why", "Add a quote from a company leader on why this matters." },
	[PF_CUSTOMER] = { "customer_quote", "a customer quote with metrics", false,
		L("customer quote", "testimonial", "quote a customer", "quote from a customer"),
		L("Add a customer quote that includes a measurable result.",
		  "Include a testimonial from a customer with concrete metrics.",
		  "Quote a customer describing the before and after in numbers."),
		L("customer quote", "testimonial"),
		0.85, 0.15, { 0.5, 0, 0, 0.3 }, MARK_PRESENT, "early-access customer", 0,
		"Customer quote with metrics",
		"Include a customer quote (testimonial) with a measurable result." },
	[PF_AVAIL] = { "availability", "an availability date", false,
		L("availability", "launch date", "release date", "customers can get it",
		  "when the product launches"),
		L("State the availability date.",
		  "Say when the product launches and where.",
		  "Give the availability: when and where customers can get it."),
		L("availability", "launch date"),
		0.92, 0.20, { 0.3, 0, 0.2, 0 }, MARK_PRESENT, "available starting", 0,
		"States availability", "State the availability (launch date and where to get it)." },
	[PF_PRICING] = { "pricing", "pricing", false,
		L("pricing", "the price", "price point"),
		L("Include pricing.",
		  "State the price and what is included.",
		  "Mention pricing and any free tier."),
		L("pricing", "price"),
		0.90, 0.15, { 0.3, 0, 0.2, 0 }, MARK_PRESENT, "pricing starts at", 0,
		"Clear pricing", "Mention pricing so readers know what they will pay." },
	[PF_FAQ] = { "faq_section", "an FAQ section", false,
		L("faq section", "frequently asked questions", "an faq", "the faq", "faq:"),
		L("Follow the press release with a Frequently Asked Questions section.",
		  "Add an FAQ section for customers and stakeholders.",
		  "End with an FAQ that answers stakeholder questions."),
		L("faq section", "frequently asked"),
		0.95, 0.30, { 0, 1.6, 0, 0.8 }, MARK_PRESENT, "frequently asked questions", 0,
		"Has an FAQ section", "Add a Frequently Asked Questions (FAQ section) after the press release." },
	[PF_FAQ_MANY] = { "faq_seven_questions", "at least seven FAQ questions", false,
		L("at least seven", "at least 7", "seven or more", "7 or more", "eight questions",
		  "ten questions", "10 questions", "8 questions"),
		L("Answer at least seven customer questions.",
		  "Write seven or more questions with answers.",
		  "Include at least 7 questions and answers."),
		L("more questions", "seven", "7 questions"),
		0.85, 0.10, { 0, 1.0, 0, 0 }, MARK_COUNT, "\nq: ", 7,
		"Thorough FAQ", "Answer more questions: at least seven (7 questions) in the FAQ." },
	[PF_FAQ_COST] = { "faq_cost", "an FAQ answer on cost", false,
		L("cost question", "question about cost", "questions about cost",
		  "what customers will pay", "question on cost"),
		L("Include a question about cost.",
		  "Answer the cost question: what customers will pay.",
		  "Make sure one question on cost is answered."),
		L("cost"),
		0.90, 0.25, { 0, 0.8, 0, 0 }, MARK_PRESENT, "q: how much will it cost", 0,
		"Answers the cost question", "Answer the question of cost in the FAQ." },
	[PF_FAQ_SUPPORT] = { "faq_support", "an FAQ answer on support", false,
		L("support question", "question on support", "get help", "customer support"),
		L("Include a support question: how do customers get help?",
		  "Cover customer support in the questions.",
		  "Answer how customers get help when something goes wrong."),
		L("support"),
		0.90, 0.20, { 0, 0.8, 0, 0 }, MARK_PRESENT, "q: how do i get help", 0,
		"Covers support", "Add an FAQ answer on support: how customers get help." },
	[PF_PLAIN] = { "plain_language", "plain language", false,
		L("plain language", "plain english", "simple language", "avoid jargon", "no jargon",
		  "jargon-free", "without jargon", "language clear", "clear language", "simple words"),
		L("Use plain language and avoid jargon.",
		  "Write in simple language a customer would use.",
		  "Keep it jargon-free."),
		L("jargon", "plain language"),
		0.88, 0.30, { 0, 0, 1.2, 0 }, MARK_ABSENT, "synergistic", 0,
		"Plain, jargon-free language", "Replace the jargon with plain language." },
	[PF_MARKDOWN] = { "markdown", "Markdown structure", false,
		L("markdown", "headings", "section headers"),
		L("Format the document in Markdown with section headings.",
		  "Use Markdown headings for each part.",
		  "Structure the output with clear headings."),
		L("markdown", "headings"),
		0.93, 0.30, { 0, 0, 0.5, 1.0 }, MARK_COUNT, "\n## ", 2,
		"Well structured with headings", "Use Markdown headings to structure the document." },
	[PF_CTA] = { "call_to_action", "a call to action", false,
		L("call to action", "call-to-action", "how to sign up", "sign up"),
		L("End the press release with a call to action.",
		  "Close with a call to action telling readers how to sign up.",
		  "Tell readers the next step: how to sign up."),
		L("call to action", "call-to-action"),
		0.90, 0.20, { 0.3, 0, 0, 0.4 }, MARK_PRESENT, "sign up for early access", 0,
		"Ends with a call to action", "End with a call to action (how to sign up)." },
	[PF_HYPE] = { "hype", "hype and superlatives", true,
		L("revolutionary", "groundbreaking", "game-changing", "game changing", "world-class",
		  "best-in-class", "superlative", "sound amazing", "exciting"),
		L("Make it sound revolutionary and game-changing.",
		  "Use bold superlatives to get readers excited.",
		  "Make the launch sound world-class and groundbreaking."),
		L("hype", "superlative"),
		0.90, 0.05, { -1.0, 0, -0.5, 0 }, MARK_PRESENT, "game-changing", 0,
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
		0.90, 0.03, { 0, 0, -1.0, -0.5 }, MARK_PRESENT, "to reiterate and expand", 0,
		NULL, "Cut the padding; the document is too long and repetitive." },
};

static const char prfaq_baseline[] =
	"You are an experienced product manager at a company that works backwards from the "
	"customer. Write a PR-FAQ document for the project below.\n"
	"\n"
	"Project name: {projectName}\n"
	"Problem: {problemDescription}\n"
	"Business context: {businessContext}\n"
	"\n"
	"Start with a press release with a headline, then answer the questions customers and "
	"stakeholders would ask in an FAQ section. Keep the language clear.\n";

/* Finds "label: value" on a line of a rendered prompt (seed-style requests
 * carry no inputs); returns a new string or NULL. */
static char *label_value(const char *prompt, const char *label)
{
	const char *p = prompt, *e;
	size_t n = strlen(label);

	while (p && *p) {
		if (!strncasecmp(p, label, n) && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			e = strchr(p, '\n');
			if (!e)
				e = p + strlen(p);
			if (e > p && !strchr(p, '{'))
				return po_xstrndup(p, (size_t)(e - p));
			return NULL;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static const char *input_or(const struct gen_ctx *g, const char *key, const char *label,
			    const char *dflt, char **tmp)
{
	const char *v = po_json_str(g->inputs, key, NULL);

	if (v && *v)
		return v;
	if (!g->inputs && g->prompt && (*tmp = label_value(g->prompt, label)))
		return *tmp;
	return dflt;
}

static void heading(struct po_buf *b, const struct gen_ctx *g, int md_feature, const char *title)
{
	po_buf_addf(b, "%s%s\n\n", g->realized[md_feature] ? "## " : "", title);
}

static const char *const cities[] = { "SEATTLE", "AUSTIN", "LONDON", "BERLIN", "TORONTO",
	"DUBLIN", NULL };
static const char *const months[] = { "January", "March", "April", "June", "September",
	"October", NULL };

/* The headline, the press release heading and the opening paragraph. */
static void prfaq_opening(const struct gen_ctx *g, struct po_buf *b, const char *name)
{
	const bool *r = g->realized;

	if (r[PF_HEADLINE]) {
		po_buf_adds(b, "# ");
		po_sim_add_value(b, name, 120);
		po_buf_adds(b, po_sim_pick(g->rng, L(": a simpler way to get the job done\n\n",
						 ": less busywork, faster results\n\n",
						 " puts customers back in control\n\n")));
	} else {
		po_buf_adds(b, "Press release draft for ");
		po_sim_add_value(b, name, 120);
		po_buf_adds(b, "\n\n");
	}
	heading(b, g, PF_MARKDOWN, "Press Release");
	if (r[PF_HYPE])
		po_buf_adds(b, "Get ready for a revolutionary, game-changing, best-in-class "
			       "breakthrough that will transform the industry forever. ");
	if (r[PF_DATELINE]) {
		po_buf_addf(b, "%s, %s %d, 2025 — The team today announced ",
			    po_sim_pick(g->rng, cities), po_sim_pick(g->rng, months),
			    1 + (int)po_rng_below(g->rng, 28));
		po_sim_add_value(b, name, 120);
		po_buf_adds(b, ", a new way for customers to solve a problem they face every week.\n\n");
	} else {
		po_sim_add_value(b, name, 120);
		po_buf_adds(b, " is a new offering for customers who face a recurring problem.\n\n");
	}
}

/* The customer problem, the product and why now. */
static void prfaq_problem(const struct gen_ctx *g, struct po_buf *b, const char *name,
			  const char *problem, const char *context)
{
	const bool *r = g->realized;

	po_sim_add_sentence(b, problem);
	if (r[PF_PROBLEM])
		po_buf_addf(b, " An estimated %d%% of the customers we interviewed say this costs "
			       "them more than %d hours every week.",
			    55 + (int)po_rng_below(g->rng, 30), 3 + (int)po_rng_below(g->rng, 6));
	if (!r[PF_PLAIN]) {
		po_buf_adds(b, " ");
		po_sim_add_value(b, name, 120);
		po_buf_adds(b, " leverages a synergistic, end-to-end platform paradigm to "
			       "operationalize value across the stakeholder ecosystem.");
	}
	po_buf_adds(b, "\n\n");
	if (r[PF_MARKDOWN])
		po_buf_adds(b, "## Details\n\n");
	if (r[PF_MECHANISM]) {
		po_buf_adds(b, "How it works: customers connect their existing tools once, ");
		po_sim_add_value(b, name, 120);
		po_buf_adds(b, " watches for the steps that used to be done by hand, and completes "
			       "them automatically, asking for a decision only when one is needed.\n\n");
	}
	po_buf_adds(b, "Why now: ");
	po_sim_add_sentence(b, context);
	po_buf_adds(b, "\n\n");
}

/* The quotes, availability and pricing, the call to action, the padding. */
static void prfaq_launch(const struct gen_ctx *g, struct po_buf *b, const char *name)
{
	const bool *r = g->realized;

	if (r[PF_LEADER]) {
		po_buf_adds(b, "\"We started from the customer and worked backwards. People told us "
			       "this problem eats their week, so we built ");
		po_sim_add_value(b, name, 120);
		po_buf_adds(b, " to give that time back,\" said Jordan Rivera, Vice President of "
			       "Product.\n\n");
	}
	if (r[PF_CUSTOMER]) {
		po_buf_addf(b, "\"Before the pilot we lost two days a month to this. Now it takes "
			       "under an hour and errors are down %d%%,\" said Sam Patel, an "
			       "early-access customer.\n\n", 30 + (int)po_rng_below(g->rng, 40));
	}
	if (r[PF_AVAIL] || r[PF_PRICING]) {
		if (r[PF_AVAIL]) {
			po_sim_add_value(b, name, 120);
			po_buf_addf(b, " is available starting %s 1, 2026, in all supported regions. ",
				    po_sim_pick(g->rng, months));
		}
		if (r[PF_PRICING])
			po_buf_addf(b, "Pricing starts at $%d per user per month, with a free tier "
				       "for small teams.", 9 + 10 * (int)po_rng_below(g->rng, 4));
		po_buf_adds(b, "\n\n");
	}
	if (r[PF_CTA])
		po_buf_adds(b, "Sign up for early access today at example.com/early-access.\n\n");
	if (r[PF_LONG])
		po_buf_adds(b, "To reiterate and expand on every point above in further detail: the "
			       "problem matters, the problem is common, and the problem deserves a "
			       "solution. The solution addresses the problem. Customers have the "
			       "problem, and the solution helps customers with the problem. As noted, "
			       "this matters a great deal, which is why it is worth restating at "
			       "length, again and again, so that no reader could possibly miss it.\n\n");
}

/* The FAQ: its questions are drawn independently, so the judge's
 * question count tells the "seven or more" feature apart exactly. */
static void prfaq_faq(const struct gen_ctx *g, struct po_buf *b, const char *name,
		      const char *context)
{
	const bool *r = g->realized;

	if (r[PF_FAQ] || r[PF_FAQ_MANY] || r[PF_FAQ_COST] || r[PF_FAQ_SUPPORT])
		heading(b, g, PF_MARKDOWN,
			r[PF_FAQ] ? "Frequently Asked Questions" : "Additional Notes");
	if (r[PF_FAQ]) {
		po_buf_adds(b, "Q: What is ");
		po_sim_add_value(b, name, 120);
		po_buf_adds(b, "?\nA: A service that removes the manual work described above.\n\n"
			       "Q: Who is it for?\nA: Teams that deal with this problem every week.\n\n"
			       "Q: Why build it now?\nA: ");
		po_sim_add_sentence(b, context);
		po_buf_adds(b, "\n\n");
	}
	if (r[PF_FAQ_COST]) {
		po_buf_adds(b, "Q: How much will it cost?\nA: There is no charge during the preview; "
			       "plans are published before general launch.\n\n");
	}
	if (r[PF_FAQ_SUPPORT]) {
		po_buf_adds(b, "Q: How do I get help if something goes wrong?\nA: Support is "
			       "included: chat and email, with a response within one business "
			       "day.\n\n");
	}
	if (r[PF_FAQ_MANY]) {
		po_buf_adds(b,
			"Q: How is this different from what customers use today?\nA: It removes "
			"the manual steps instead of tracking them.\n\n"
			"Q: How long does setup take?\nA: Under an hour for most teams.\n\n"
			"Q: Is my data secure?\nA: Data is encrypted in transit and at rest.\n\n"
			"Q: What are the main risks?\nA: Adoption and data quality; we mitigate "
			"both with guided onboarding.\n\n"
			"Q: How will we measure success?\nA: Hours saved per customer and "
			"monthly retention.\n\n"
			"Q: Can it work with our existing tools?\nA: Yes, through standard "
			"connectors.\n\n"
			"Q: What happens after the preview?\nA: Customers keep their data and "
			"settings.\n\n");
	}
}

static void prfaq_build(const struct gen_ctx *g, struct po_buf *b)
{
	char *t1 = NULL, *t2 = NULL, *t3 = NULL;
	const char *name = input_or(g, "projectName", "project name", "the new service", &t1);
	const char *problem = input_or(g, "problemDescription", "problem",
				       "Customers spend too long on a slow, manual process.", &t2);
	const char *context = input_or(g, "businessContext", "business context",
				       "It extends what the company already offers.", &t3);

	prfaq_opening(g, b, name);
	prfaq_problem(g, b, name, problem, context);
	prfaq_launch(g, b, name);
	prfaq_faq(g, b, name, context);
	while (b->len && b->data[b->len - 1] == '\n')
		po_buf_setlen(b, b->len - 1);
	po_buf_addch(b, '\n');
	free(t1);
	free(t2);
	free(t3);
}

static void prfaq_offtopic(const struct gen_ctx *g, struct po_buf *b)
{
	po_buf_adds(b, "Since the request did not say which product to write about, here is "
		       "a general example instead.\n\n"
		       "Acme Bottle keeps drinks cold for a full day and fits in most cup "
		       "holders. It comes in three colours and is easy to clean. Many people "
		       "like to carry a bottle with them when they travel, exercise or work, "
		       "and a good bottle lasts for years.\n\n"
		       "If you share the product name, the problem it solves and the business "
		       "context, I can write a document that fits your project.\n");
}

_Static_assert(PF_COUNT <= MAX_FEATURES, "MAX_FEATURES is too small for the PR-FAQ catalogue");

const struct catalogue po_sim_catalogue_prfaq = {
	"prfaq", prfaq_features, PF_COUNT,
	{ "press_release_quality", "faq_completeness", "clarity", "structure_adherence" },
	{ 0.30, 0.25, 0.25, 0.20 },
	{ 1.2, 0.8, 1.6, 1.0 },
	{ 0.3, 0.2, 0.6, 0.3 },
	prfaq_build, prfaq_offtopic, prfaq_baseline
};
