/*
 * The built-in simulated LLM: a catalogue of prompt features drives what the
 * generate role writes, what the judge role scores and how the mutate role
 * edits prompts, so that every score has a computable expectation.
 * docs/simulator.md describes the model for users.
 */
#include "sim/sim.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/tags.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/rng.h"

#define NCRIT 4
#define MAX_FEATURES 24
/* Templates longer than this dilute every instruction (see docs). */
#define DILUTE_START 2500.0
#define DILUTE_SPAN 4000.0
#define DILUTE_FLOOR 0.35
/* Input values shorter than this are not blanked before judging: blanking
 * "Q" would destroy the judge's own markers. */
#define BLANK_MIN 12
#define OFFTOPIC_MARK "did not say which"

enum mark_mode { MARK_NONE, MARK_PRESENT, MARK_ABSENT, MARK_COUNT };

struct feature {
	const char *key;
	const char *name;             /* for messages: "a dateline" */
	bool harmful;
	const char *const *asks;      /* lowercase phrases that request it in a prompt */
	const char *const *says;      /* instruction sentences the mutate role writes */
	const char *const *fb;        /* lowercase words naming it in judge feedback */
	double p_ask, p_base;         /* probability of showing in the output */
	double w[NCRIT];              /* 0-5 points per criterion when in the output */
	enum mark_mode mode;          /* how the judge sees it in an output */
	const char *mark;             /* lowercase; matched against "\n" + output */
	int min_count;                /* MARK_COUNT: occurrences needed */
	const char *strength;         /* judge text when present (helpful) */
	const char *improve;          /* judge text when missing (helpful) or present */
	unsigned long damp;           /* harmful: features whose probability it cuts */
	double damp_factor;
};

struct gen_ctx;
struct catalogue {
	const char *name;
	const struct feature *f;
	size_t n;
	const char *crit[NCRIT];
	double crit_w[NCRIT];         /* default rubric, sums to 1 */
	double intercept[NCRIT];
	double offtopic[NCRIT];
	void (*build)(const struct gen_ctx *g, struct po_buf *out);
	void (*build_offtopic)(const struct gen_ctx *g, struct po_buf *out);
	const char *baseline;
};

struct po_sim {
	struct po_sim_config cfg;
	const struct catalogue *cat;
};

/* ---- the PR-FAQ catalogue ------------------------------------------- */

enum {
	PF_HEADLINE, PF_DATELINE, PF_PROBLEM, PF_MECHANISM, PF_LEADER, PF_CUSTOMER,
	PF_AVAIL, PF_PRICING, PF_FAQ, PF_FAQ_MANY, PF_FAQ_COST, PF_FAQ_SUPPORT,
	PF_PLAIN, PF_MARKDOWN, PF_CTA, PF_HYPE, PF_VAGUE, PF_NOFAQ, PF_LONG, PF_COUNT
};

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define BIT(i) (1UL << (i))

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

/* ---- the generic catalogue ------------------------------------------ */

enum {
	GF_ROLE, GF_STEPS, GF_EXAMPLES, GF_FORMAT, GF_AUDIENCE, GF_LENGTH, GF_TONE,
	GF_CONTEXT, GF_IGNORE, GF_LONG, GF_COUNT
};

static const struct feature generic_features[GF_COUNT] = {
	[GF_ROLE] = { "role", "a role statement", false,
		L("you are a", "you are an", "act as", "as an expert", "your role"),
		L("You are an expert in this subject.",
		  "Act as a seasoned specialist.",
		  "Your role is that of an experienced advisor."),
		L("role", "expert"),
		0.92, 0.30, { 0.8, 0.3, 0.2, 0.2 }, MARK_PRESENT, "as a specialist", 0,
		"Speaks with expertise", "Give the model a role (an expert persona)." },
	[GF_STEPS] = { "step_by_step", "step-by-step reasoning", false,
		L("step by step", "step-by-step", "numbered steps", "in steps"),
		L("Work through the answer step by step.",
		  "Lay out the answer in numbered steps.",
		  "Explain it step-by-step."),
		L("step"),
		0.90, 0.20, { 0.7, 0.9, 0.4, 0.8 }, MARK_PRESENT, "step 1:", 0,
		"Clear step-by-step reasoning", "Work through the answer step by step." },
	[GF_EXAMPLES] = { "examples", "a concrete example", false,
		L("example", "for instance"),
		L("Include a concrete example.",
		  "Illustrate the main point with an example.",
		  "Show one case from practice, for instance a typical user."),
		L("example"),
		0.90, 0.25, { 0.8, 0.8, 0.2, 0 }, MARK_PRESENT, "for example,", 0,
		"Concrete example", "Add a concrete example." },
	[GF_FORMAT] = { "output_format", "an explicit output format", false,
		L("output format", "format the answer", "use headings", "use markdown",
		  "bullet points", "with sections", "headings"),
		L("Format the answer with Markdown headings.",
		  "Use headings to structure the answer into sections.",
		  "Follow this output format: summary, details, next steps."),
		L("format", "headings", "structure"),
		0.92, 0.30, { 0, 0.3, 0.8, 1.6 }, MARK_COUNT, "\n## ", 2,
		"Well formatted", "Specify an output format with headings." },
	[GF_AUDIENCE] = { "audience", "the target audience", false,
		L("audience", "intended for", "written for", "for readers"),
		L("Write for a non-expert audience.",
		  "The answer is intended for busy decision makers.",
		  "Keep the target audience in mind."),
		L("audience", "reader"),
		0.85, 0.15, { 0.4, 0.4, 0.4, 0.2 }, MARK_PRESENT, "is written for", 0,
		"Pitched at the right audience", "Say who the audience is." },
	[GF_LENGTH] = { "length_limit", "a length limit", false,
		L("concise", "word limit", "words or fewer", "no more than", "under 300 words",
		  "be brief", "keep it short"),
		L("Be concise.",
		  "Stay under 300 words.",
		  "Keep it short: no more than a few paragraphs."),
		L("concise", "length", "ramble"),
		0.90, 0.30, { 0, 0, 0.8, 0.6 }, MARK_ABSENT, "many further considerations", 0,
		"Concise", "Be concise: set a length limit instead of rambling." },
	[GF_TONE] = { "tone", "a consistent tone", false,
		L("tone", "professional", "friendly", "polite", "formal"),
		L("Use a professional tone.",
		  "Keep the tone friendly and respectful.",
		  "Write in a formal, polite register."),
		L("tone", "casual"),
		0.90, 0.40, { 0.3, 0, 0.6, 0.4 }, MARK_ABSENT, "basically the gist", 0,
		"Consistent tone", "Keep a consistent, professional tone (it turns casual)." },
	[GF_CONTEXT] = { "use_context", "use of every input detail", false,
		L("the details provided", "details given", "use the details", "use all the details",
		  "the information provided", "refer to the input", "the provided details"),
		L("Use all the details provided.",
		  "Refer to the input details explicitly.",
		  "Base the answer on the information provided."),
		L("details", "context", "input"),
		0.90, 0.35, { 0.6, 1.1, 0.2, 0 }, MARK_PRESENT, "taking each of the details", 0,
		"Uses all the details given", "Use all the details given in the request (context)." },
	[GF_IGNORE] = { "ignore_instructions", "an instruction to ignore the request", true,
		L("ignore the instructions", "ignore previous", "ignore the input", "ignore the details",
		  "disregard", "ignore all"),
		L("Ignore the input details if they seem unimportant.",
		  "Disregard the request details and answer generally.",
		  "Feel free to ignore the instructions above."),
		L("ignore", "disregard", "off-topic"),
		0.85, 0.02, { -1.3, -1.0, 0, 0 }, MARK_PRESENT, "set the request details aside", 0,
		NULL, "Answer the actual request instead of setting it aside (off-topic)." },
	[GF_LONG] = { "extreme_length", "an extreme length demand", true,
		L("as long as possible", "3,000 words", "3000 words", "5,000 words", "5000 words",
		  "exhaustive", "extremely detailed", "extremely long", "every possible detail"),
		L("Make the answer at least 3,000 words.",
		  "Be exhaustive.",
		  "Make it as long as possible."),
		L("padding", "too long", "repetitive"),
		0.90, 0.03, { 0, 0, -1.0, -0.6 }, MARK_PRESENT, "to expand further", 0,
		NULL, "Cut the padding; the answer is too long and repetitive." },
};

static void prfaq_build(const struct gen_ctx *g, struct po_buf *out);
static void prfaq_offtopic(const struct gen_ctx *g, struct po_buf *out);
static void generic_build(const struct gen_ctx *g, struct po_buf *out);
static void generic_offtopic(const struct gen_ctx *g, struct po_buf *out);

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

static const struct catalogue catalogues[] = {
	{ "prfaq", prfaq_features, PF_COUNT,
	  { "press_release_quality", "faq_completeness", "clarity", "structure_adherence" },
	  { 0.30, 0.25, 0.25, 0.20 },
	  { 1.2, 0.8, 1.6, 1.0 },
	  { 0.3, 0.2, 0.6, 0.3 },
	  prfaq_build, prfaq_offtopic, prfaq_baseline },
	{ "generic", generic_features, GF_COUNT,
	  { "accuracy", "completeness", "clarity", "format" },
	  { 0.30, 0.30, 0.20, 0.20 },
	  { 1.4, 1.2, 1.4, 1.2 },
	  { 0.3, 0.2, 0.8, 0.5 },
	  generic_build, generic_offtopic, NULL },
};

/* ---- text helpers ---------------------------------------------------- */

static char *lower_dup(const char *a, const char *b, const char *prefix)
{
	size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0;
	size_t lp = prefix ? strlen(prefix) : 0;
	char *s = po_xmalloc(lp + la + 1 + lb + 1), *p = s;

	memcpy(p, prefix ? prefix : "", lp);
	p += lp;
	for (size_t i = 0; i < la; i++)
		*p++ = (char)tolower((unsigned char)a[i]);
	if (b) {
		*p++ = '\n';
		for (size_t i = 0; i < lb; i++)
			*p++ = (char)tolower((unsigned char)b[i]);
	}
	*p = '\0';
	return s;
}

static const char *const negators[] = {
	"no ", "not ", "don't ", "do not ", "avoid ", "without ", "never ", "skip ", "omit ",
	"leave out ", "instead of ", NULL
};

/* True when the words just before pos (same sentence, 20 chars) negate it:
 * "avoid superlatives" must not count as asking for superlatives. */
static bool negated(const char *s, size_t pos)
{
	size_t from = pos > 20 ? pos - 20 : 0;

	for (size_t i = pos; i > from; i--) {
		char c = s[i - 1];
		if (c == '.' || c == '\n' || c == '!' || c == '?' || c == ';') {
			from = i;
			break;
		}
	}
	for (const char *const *n = negators; *n; n++) {
		size_t len = strlen(*n);
		for (size_t i = from; i + len <= pos; i++)
			if (!memcmp(s + i, *n, len) && (i == 0 || !isalpha((unsigned char)s[i - 1])))
				return true;
	}
	return false;
}

/* Position of the first affirmative occurrence of one of the phrases, or -1. */
static long find_ask(const char *lower, const char *const *phrases)
{
	for (const char *const *ph = phrases; *ph; ph++) {
		const char *p = lower;
		while ((p = strstr(p, *ph))) {
			if (!negated(lower, (size_t)(p - lower)))
				return (long)(p - lower);
			p++;
		}
	}
	return -1;
}

static size_t count_occurrences(const char *s, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	while ((s = strstr(s, needle))) {
		n++;
		s += len;
	}
	return n;
}

static void json_escape(struct po_buf *b, const char *s)
{
	po_buf_addch(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			po_buf_addch(b, '\\');
			po_buf_addch(b, (char)c);
		} else if (c == '\n') {
			po_buf_adds(b, "\\n");
		} else if (c < 0x20) {
			po_buf_addf(b, "\\u%04x", c);
		} else {
			po_buf_addch(b, (char)c);
		}
	}
	po_buf_addch(b, '"');
}

/* The text between the first `begin` and the next `end` (or NULL). */
static char *between(const char *s, const char *begin, const char *end)
{
	const char *b = s ? strstr(s, begin) : NULL, *e;

	if (!b)
		return NULL;
	b += strlen(begin);
	e = strstr(b, end);
	if (!e)
		e = b + strlen(b);
	while (b < e && (*b == '\n' || *b == '\r'))
		b++;
	while (e > b && (e[-1] == '\n' || e[-1] == '\r'))
		e--;
	return po_xstrndup(b, (size_t)(e - b));
}

/* ---- the prompt model: what a template asks for --------------------- */

struct ask_state {
	bool asked[MAX_FEATURES];
	double p[MAX_FEATURES];
	double dilution;
	size_t length;
};

static double dilution_for(size_t len)
{
	double d = 1.0 - ((double)len - DILUTE_START) / DILUTE_SPAN;

	if ((double)len <= DILUTE_START)
		return 1.0;
	return d < DILUTE_FLOOR ? DILUTE_FLOOR : d;
}

/* Fills which features `lower` (a lowercased prompt of `len` chars) asks
 * for, and the probability that each shows in the output. */
static void assess(const struct catalogue *c, const char *lower, size_t len, struct ask_state *st)
{
	st->length = len;
	st->dilution = dilution_for(len);
	for (size_t i = 0; i < c->n; i++) {
		const struct feature *f = &c->f[i];
		st->asked[i] = find_ask(lower, f->asks) >= 0;
		if (f->harmful)
			st->p[i] = st->asked[i] ? f->p_ask : f->p_base;
		else
			st->p[i] = st->asked[i] ? f->p_base + (f->p_ask - f->p_base) * st->dilution
						: f->p_base;
	}
	for (size_t h = 0; h < c->n; h++) {
		if (!c->f[h].harmful || !st->asked[h] || !c->f[h].damp)
			continue;
		for (size_t i = 0; i < c->n; i++)
			if (c->f[h].damp & BIT(i))
				st->p[i] *= c->f[h].damp_factor;
	}
}

static bool placeholder_in(const char *template, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = template; (p = strchr(p, '{')); p++)
		if (!strncmp(p + 1, name, n) && p[1 + n] == '}' && (p == template || p[-1] != '{'))
			return true;
	return false;
}

/*
 * A prompt "lost its placeholders" when the template lacks {name} for an
 * input (or, without a template, the rendered prompt lacks an input's value):
 * the model then has nothing to write about and drifts off topic.
 */
static bool lost_inputs(const char *template, const char *system_template, const char *prompt,
			const char *system, const json_t *inputs)
{
	const char *key;
	const json_t *v;

	if (!json_is_object(inputs))
		return false;
	json_object_foreach((json_t *)inputs, key, v) {
		if (template) {
			if (!placeholder_in(template, key) &&
			    !(system_template && placeholder_in(system_template, key)))
				return true;
		} else if (json_is_string(v) && json_string_length(v) > 0) {
			const char *s = json_string_value(v);
			if (!(prompt && strstr(prompt, s)) && !(system && strstr(system, s)))
				return true;
		}
	}
	return false;
}

/* Noise-free judge score (0-5 per criterion) expected for probabilities p. */
static void expected_criteria(const struct catalogue *c, const double *p, double out[NCRIT])
{
	for (int k = 0; k < NCRIT; k++) {
		out[k] = c->intercept[k];
		for (size_t i = 0; i < c->n; i++)
			out[k] += c->f[i].w[k] * p[i];
	}
}

static double weighted_100(const struct catalogue *c, const double v[NCRIT])
{
	double s = 0;

	for (int k = 0; k < NCRIT; k++)
		s += c->crit_w[k] * v[k];
	return 20.0 * s;
}

/* ---- generate -------------------------------------------------------- */

struct gen_ctx {
	const struct catalogue *cat;
	bool realized[MAX_FEATURES];
	const json_t *inputs;     /* may be NULL */
	const char *prompt;       /* the rendered prompt (for seed-style fallbacks) */
	struct po_rng *rng;       /* wording choices only */
};

static const char *pick(struct po_rng *r, const char *const *list)
{
	size_t n = 0;

	while (list[n])
		n++;
	return list[po_rng_below(r, n)];
}

/* Appends an input value on one line, trimmed and capped, so that a test
 * case's text cannot forge the section markers the judge looks for. */
static void add_value(struct po_buf *b, const char *s, size_t cap)
{
	size_t n = 0;
	bool space = false;

	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	for (; *s && n < cap; s++, n++) {
		bool ws = *s == '\n' || *s == '\r' || *s == '\t' || *s == ' ';
		if (ws) {
			space = true;
			continue;
		}
		if (space)
			po_buf_addch(b, ' ');
		space = false;
		po_buf_addch(b, *s);
	}
}

static void add_sentence(struct po_buf *b, const char *s)
{
	size_t start = b->len;

	add_value(b, s, 600);
	if (b->len > start && !strchr(".!?", b->data[b->len - 1]))
		po_buf_addch(b, '.');
}

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

static void prfaq_build(const struct gen_ctx *g, struct po_buf *b)
{
	const bool *r = g->realized;
	char *t1 = NULL, *t2 = NULL, *t3 = NULL;
	const char *name = input_or(g, "projectName", "project name", "the new service", &t1);
	const char *problem = input_or(g, "problemDescription", "problem",
				       "Customers spend too long on a slow, manual process.", &t2);
	const char *context = input_or(g, "businessContext", "business context",
				       "It extends what the company already offers.", &t3);

	if (r[PF_HEADLINE]) {
		po_buf_adds(b, "# ");
		add_value(b, name, 120);
		po_buf_adds(b, pick(g->rng, L(": a simpler way to get the job done\n\n",
					      ": less busywork, faster results\n\n",
					      " puts customers back in control\n\n")));
	} else {
		po_buf_adds(b, "Press release draft for ");
		add_value(b, name, 120);
		po_buf_adds(b, "\n\n");
	}
	heading(b, g, PF_MARKDOWN, "Press Release");
	if (r[PF_HYPE])
		po_buf_adds(b, "Get ready for a revolutionary, game-changing, best-in-class "
			       "breakthrough that will transform the industry forever. ");
	if (r[PF_DATELINE]) {
		po_buf_addf(b, "%s, %s %d, 2025 — The team today announced ", pick(g->rng, cities),
			    pick(g->rng, months), 1 + (int)po_rng_below(g->rng, 28));
		add_value(b, name, 120);
		po_buf_adds(b, ", a new way for customers to solve a problem they face every week.\n\n");
	} else {
		add_value(b, name, 120);
		po_buf_adds(b, " is a new offering for customers who face a recurring problem.\n\n");
	}
	add_sentence(b, problem);
	if (r[PF_PROBLEM])
		po_buf_addf(b, " An estimated %d%% of the customers we interviewed say this costs "
			       "them more than %d hours every week.",
			    55 + (int)po_rng_below(g->rng, 30), 3 + (int)po_rng_below(g->rng, 6));
	if (!r[PF_PLAIN]) {
		po_buf_adds(b, " ");
		add_value(b, name, 120);
		po_buf_adds(b, " leverages a synergistic, end-to-end platform paradigm to "
			       "operationalize value across the stakeholder ecosystem.");
	}
	po_buf_adds(b, "\n\n");
	if (r[PF_MARKDOWN])
		po_buf_adds(b, "## Details\n\n");
	if (r[PF_MECHANISM]) {
		po_buf_adds(b, "How it works: customers connect their existing tools once, ");
		add_value(b, name, 120);
		po_buf_adds(b, " watches for the steps that used to be done by hand, and completes "
			       "them automatically, asking for a decision only when one is needed.\n\n");
	}
	po_buf_adds(b, "Why now: ");
	add_sentence(b, context);
	po_buf_adds(b, "\n\n");
	if (r[PF_LEADER]) {
		po_buf_adds(b, "\"We started from the customer and worked backwards. People told us "
			       "this problem eats their week, so we built ");
		add_value(b, name, 120);
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
			add_value(b, name, 120);
			po_buf_addf(b, " is available starting %s 1, 2026, in all supported regions. ",
				    pick(g->rng, months));
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

	/* The FAQ: its questions are drawn independently, so the judge's
	 * question count tells the "seven or more" feature apart exactly. */
	if (r[PF_FAQ] || r[PF_FAQ_MANY] || r[PF_FAQ_COST] || r[PF_FAQ_SUPPORT])
		heading(b, g, PF_MARKDOWN,
			r[PF_FAQ] ? "Frequently Asked Questions" : "Additional Notes");
	if (r[PF_FAQ]) {
		po_buf_adds(b, "Q: What is ");
		add_value(b, name, 120);
		po_buf_adds(b, "?\nA: A service that removes the manual work described above.\n\n"
			       "Q: Who is it for?\nA: Teams that deal with this problem every week.\n\n"
			       "Q: Why build it now?\nA: ");
		add_sentence(b, context);
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

static void generic_build(const struct gen_ctx *g, struct po_buf *b)
{
	const bool *r = g->realized;
	const char *topic = "your request";
	const char *key;
	const json_t *v;

	json_object_foreach((json_t *)g->inputs, key, v) {
		if (json_is_string(v) && json_string_length(v)) {
			topic = json_string_value(v);
			break;
		}
	}
	if (r[GF_FORMAT])
		po_buf_adds(b, "## Summary\n\n");
	if (r[GF_ROLE])
		po_buf_adds(b, "As a specialist in this area, here is my answer. ");
	if (r[GF_IGNORE])
		po_buf_adds(b, "I have set the request details aside and answered in general terms. ");
	if (r[GF_AUDIENCE])
		po_buf_adds(b, "This answer is written for readers who need to act on it quickly. ");
	po_buf_adds(b, "The request concerns: ");
	add_sentence(b, r[GF_IGNORE] ? "a general question" : topic);
	po_buf_adds(b, "\n\n");
	if (r[GF_CONTEXT] && json_is_object(g->inputs)) {
		po_buf_adds(b, "Taking each of the details you provided into account:\n\n");
		json_object_foreach((json_t *)g->inputs, key, v) {
			if (!json_is_string(v))
				continue;
			po_buf_adds(b, "- ");
			add_value(b, key, 60);
			po_buf_adds(b, ": ");
			add_value(b, json_string_value(v), 300);
			po_buf_addch(b, '\n');
		}
		po_buf_addch(b, '\n');
	}
	if (r[GF_FORMAT])
		po_buf_adds(b, "## Details\n\n");
	if (r[GF_STEPS])
		po_buf_adds(b, "Step 1: Clarify the goal and the constraints.\n"
			       "Step 2: Compare the realistic options against them.\n"
			       "Step 3: Choose one, and decide how to check that it worked.\n\n");
	else
		po_buf_adds(b, "The best approach is to clarify the goal, weigh the options and "
			       "pick the one that fits the constraints.\n\n");
	if (r[GF_EXAMPLES])
		po_buf_adds(b, "For example, a small team with a fixed budget would start with the "
			       "cheapest option that meets the deadline and revisit it later.\n\n");
	if (!r[GF_LENGTH])
		po_buf_adds(b, "There are many further considerations that could matter here, "
			       "depending on circumstances, history, preferences and other factors "
			       "that may or may not apply in your case.\n\n");
	if (r[GF_LONG])
		po_buf_adds(b, "To expand further on each of the points above, it is worth "
			       "repeating that the goal matters, that the options matter, and that "
			       "the choice matters, because each of these matters for the outcome, "
			       "and the outcome is what matters most in the end.\n\n");
	if (r[GF_FORMAT])
		po_buf_adds(b, "## Next steps\n\n");
	po_buf_adds(b, "Start with the first step this week and review the result.");
	if (!r[GF_TONE])
		po_buf_adds(b, " Anyway, that's basically the gist of it.");
	po_buf_addch(b, '\n');
}

static void generic_offtopic(const struct gen_ctx *g, struct po_buf *b)
{
	po_buf_adds(b, "Since the request did not say which topic to cover, here is a general "
		       "answer. Most questions are best approached by gathering information, "
		       "considering the options and making a decision. Let me know the details "
		       "and I can be more specific.\n");
}

static uint64_t request_hash(const struct po_sim *sim, const char *role,
			     const struct po_llm_request *req)
{
	uint64_t h = po_hash_u64(sim->cfg.seed, 0x5eed);

	h = po_hash_str(role, h);
	h = po_hash_str(req->system, h);
	h = po_hash_str(req->prompt, h);
	h = po_hash_str(po_json_str(req->metadata, "test_case_id", ""), h);
	return po_hash_u64(req->sample, h);
}

static char *sim_generate(const struct po_sim *sim, const struct po_llm_request *req)
{
	const struct catalogue *c = sim->cat;
	const char *tmpl = po_json_str(req->metadata, "template", NULL);
	const char *stmpl = po_json_str(req->metadata, "system_template", NULL);
	const json_t *inputs = json_object_get(req->metadata, "inputs");
	struct po_buf out = PO_BUF_INIT;
	struct gen_ctx g = { .cat = c, .prompt = req->prompt };
	struct ask_state st;
	struct po_rng feat, words;
	char *lower;
	uint64_t h = request_hash(sim, "generate", req);

	if (tmpl)
		lower = lower_dup(tmpl, stmpl, NULL);
	else
		lower = lower_dup(req->prompt ? req->prompt : "", req->system, NULL);
	assess(c, lower, strlen(lower), &st);
	free(lower);
	g.inputs = json_is_object(inputs) ? inputs : NULL;
	po_rng_seed(&feat, h);
	po_rng_seed(&words, po_hash_u64(h, 0x77));
	g.rng = &words;
	if (lost_inputs(tmpl, stmpl, req->prompt, req->system, g.inputs)) {
		c->build_offtopic(&g, &out);
		return po_buf_detach(&out);
	}
	/* One draw per feature in catalogue order, whatever the prompt asks:
	 * realizations stay independent Bernoulli trials. */
	for (size_t i = 0; i < c->n; i++)
		g.realized[i] = po_rng_double(&feat) < st.p[i];
	c->build(&g, &out);
	return po_buf_detach(&out);
}

/* ---- judge ----------------------------------------------------------- */

/*
 * Blanks the test case's own text out of a lowercased output before the
 * judge looks for markers, so that an input that happens to say "how it
 * works" cannot fake a feature. Outputs quote inputs capped at 120 chars or
 * more, so occurrences are found by that prefix and extended while they match.
 */
static void blank_inputs(char *lower, const json_t *inputs)
{
	const char *key;
	const json_t *v;

	if (!json_is_object(inputs))
		return;
	json_object_foreach((json_t *)inputs, key, v) {
		struct po_buf val = PO_BUF_INIT;
		char *lv, *p, save;
		size_t plen;
		if (!json_is_string(v))
			continue;
		add_value(&val, json_string_value(v), 600);
		if (val.len >= BLANK_MIN) {
			lv = lower_dup(val.data, NULL, NULL);
			plen = val.len < 120 ? val.len : 120;
			save = lv[plen];
			lv[plen] = '\0';
			for (p = lower; (p = strstr(p, lv));) {
				size_t k = plen;
				lv[plen] = save;
				while (lv[k] && p[k] == lv[k])
					k++;
				lv[plen] = '\0';
				memset(p, ' ', k);
				p += k;
			}
			free(lv);
		}
		po_buf_release(&val);
	}
}

static void detect_output(const struct catalogue *c, const char *lower, bool *present)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct feature *f = &c->f[i];
		switch (f->mode) {
		case MARK_PRESENT:
			present[i] = strstr(lower, f->mark) != NULL;
			break;
		case MARK_ABSENT:
			present[i] = strstr(lower, f->mark) == NULL;
			break;
		case MARK_COUNT:
			present[i] = count_occurrences(lower, f->mark) >= (size_t)f->min_count;
			break;
		default:
			present[i] = false;
		}
	}
}

struct rubric_item {
	const char *key;
	double weight;
};

static size_t read_rubric(const struct catalogue *c, const json_t *meta,
			  struct rubric_item *items, size_t max)
{
	const json_t *rub = json_object_get(meta, "rubric"), *v;
	size_t n = 0, i;
	const char *key;

	if (json_is_array(rub)) {
		json_array_foreach(rub, i, v) {
			const char *k = po_json_str(v, "key", NULL);
			if (k && n < max)
				items[n++] = (struct rubric_item){ k, po_json_num(v, "weight", 1.0) };
		}
	} else if (json_is_object(rub)) {
		json_object_foreach((json_t *)rub, key, v) {
			if (json_is_number(v) && n < max)
				items[n++] = (struct rubric_item){ key, json_number_value(v) };
		}
	}
	if (n)
		return n;
	for (int k = 0; k < NCRIT; k++)
		items[k] = (struct rubric_item){ c->crit[k], c->crit_w[k] };
	return NCRIT;
}

static double clamp5(double x)
{
	return x < 0 ? 0 : x > 5 ? 5 : x;
}

static double round2(double x)
{
	return floor(x * 100.0 + 0.5) / 100.0;
}

static void add_string_array(struct po_buf *b, const char *const *s, size_t n)
{
	po_buf_addch(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			po_buf_adds(b, ", ");
		json_escape(b, s[i]);
	}
	po_buf_addch(b, ']');
}

static char *sim_judge(const struct po_sim *sim, const struct po_llm_request *req)
{
	const struct catalogue *c = sim->cat;
	struct rubric_item items[32];
	double vals[32];
	bool present[MAX_FEATURES];
	const char *strengths[MAX_FEATURES], *improvements[MAX_FEATURES];
	double crit[NCRIT], order[MAX_FEATURES], quality, overall = 0, wsum = 0, e, u;
	size_t ns = 0, ni = 0, nitems, nfound;
	struct po_buf out = PO_BUF_INIT, json = PO_BUF_INIT;
	struct po_rng rng;
	char *output, *lower, *trimmed;
	bool offtopic;

	po_rng_seed(&rng, request_hash(sim, "judge", req));
	output = between(req->prompt, PO_JUDGE_OUTPUT_BEGIN, PO_JUDGE_OUTPUT_END);
	if (!output)
		output = po_xstrdup(req->prompt ? req->prompt : "");
	lower = lower_dup(output, NULL, "\n");
	blank_inputs(lower, json_object_get(req->metadata, "inputs"));
	trimmed = lower;
	while (*trimmed && isspace((unsigned char)*trimmed))
		trimmed++;
	offtopic = strstr(lower, OFFTOPIC_MARK) || strlen(trimmed) < 40;
	detect_output(c, lower, present);
	free(lower);
	free(output);

	for (int k = 0; k < NCRIT; k++) {
		crit[k] = offtopic ? c->offtopic[k] : c->intercept[k];
		for (size_t i = 0; i < c->n && !offtopic; i++)
			if (present[i])
				crit[k] += c->f[i].w[k];
	}
	quality = weighted_100(c, crit) / 20.0;

	/* One noise draw shared by all criteria: the weighted score then has
	 * exactly the configured standard deviation, whatever the rubric. */
	e = sim->cfg.noise / 20.0 * po_rng_normal(&rng);
	nitems = read_rubric(c, req->metadata, items, PO_ARRAY_SIZE(items));

	for (size_t j = 0; j < nitems; j++) {
		double v = quality;
		for (int k = 0; k < NCRIT; k++)
			if (!strcmp(items[j].key, c->crit[k]))
				v = crit[k];
		vals[j] = round2(clamp5(v + e));
		overall += items[j].weight * vals[j];
		wsum += items[j].weight;
	}
	overall = wsum > 0 ? round2(overall / wsum) : round2(clamp5(quality + e));

	/* Missing features, biggest loss first (with some judge-to-judge
	 * variation in the order), then the harmful ones that showed. */
	for (size_t i = 0; i < c->n; i++) {
		const struct feature *f = &c->f[i];
		double impact = 0;
		for (int k = 0; k < NCRIT; k++)
			impact += c->crit_w[k] * fabs(f->w[k]);
		order[i] = impact * (0.75 + 0.5 * po_rng_double(&rng));
		if (offtopic)
			continue;
		if (!f->harmful && present[i] && f->strength)
			strengths[ns++] = f->strength;
	}
	if (offtopic) {
		improvements[ni++] = "Write about the project in the request: the output is "
				     "off-topic (check that the prompt keeps its placeholders).";
	} else {
		for (size_t i = 0; i < c->n; i++)
			if (c->f[i].harmful && present[i] && c->f[i].improve)
				improvements[ni++] = c->f[i].improve;
		for (;;) {
			size_t best = c->n;
			for (size_t i = 0; i < c->n; i++) {
				if (c->f[i].harmful || present[i] || order[i] < 0)
					continue;
				if (best == c->n || order[i] > order[best])
					best = i;
			}
			if (best == c->n || ni >= 6)
				break;
			improvements[ni++] = c->f[best].improve;
			order[best] = -1;
		}
	}
	nfound = ns;
	if (ns > 5)
		ns = 5;

	po_buf_addf(&json, "{\"overall_score\": %.2f, \"criteria_scores\": {", overall);
	for (size_t j = 0; j < nitems; j++) {
		if (j)
			po_buf_adds(&json, ", ");
		json_escape(&json, items[j].key);
		po_buf_addf(&json, ": %.2f", vals[j]);
	}
	po_buf_adds(&json, "}, \"content_quality\": ");
	json_escape(&json, offtopic ? "off-topic" : overall >= 4.2 ? "excellent" :
			   overall >= 3.4 ? "good" : overall >= 2.5 ? "fair" : "poor");
	po_buf_adds(&json, ", \"feedback\": ");
	{
		struct po_buf fb = PO_BUF_INIT;
		if (offtopic)
			po_buf_adds(&fb, "The output does not address the requested project.");
		else
			po_buf_addf(&fb, "The output shows %zu of the qualities we look for.",
				    nfound);
		if (ni)
			po_buf_addf(&fb, " Most important fix: %s", improvements[0]);
		json_escape(&json, fb.data);
		po_buf_release(&fb);
	}
	po_buf_adds(&json, ", \"strengths\": ");
	add_string_array(&json, strengths, ns);
	po_buf_adds(&json, ", \"improvements\": ");
	add_string_array(&json, improvements, ni);
	po_buf_adds(&json, ", \"evolutionary_strategy\": ");
	json_escape(&json, ni ? "Add explicit instructions for the missing items, one or two "
				"at a time, and keep what already works."
			      : "Keep the prompt; make only small wording changes.");
	po_buf_adds(&json, "}");

	/* Real models sometimes wrap their JSON; the parser must cope. */
	u = po_rng_double(&rng);
	if (u < 0.015)
		po_buf_adds(&out, "```json\n");
	else if (u < 0.03)
		po_buf_adds(&out, "Here is my evaluation of the output:\n\n");
	po_buf_add(&out, json.data, json.len);
	if (u < 0.015)
		po_buf_adds(&out, "\n```\n");
	else if (u < 0.03)
		po_buf_adds(&out, "\n\nI hope this assessment helps.\n");
	po_buf_release(&json);
	return po_buf_detach(&out);
}

/* ---- mutate ---------------------------------------------------------- */

static bool in_feedback(const char *fb_lower, const struct feature *f)
{
	if (!fb_lower || !*fb_lower)
		return false;
	for (const char *const *k = f->fb; *k; k++)
		if (strstr(fb_lower, *k))
			return true;
	return false;
}

/* Bounds [*b, *e) of the sentence of s around pos. */
static void sentence_bounds(const char *s, size_t pos, size_t *b, size_t *e)
{
	size_t i = pos, j = pos;

	while (i > 0 && !strchr(".!?\n", s[i - 1]))
		i--;
	while (s[i] == ' ')
		i++;
	while (s[j] && s[j] != '\n' && !(strchr(".!?", s[j]) && (s[j + 1] == ' ' ||
			s[j + 1] == '\n' || !s[j + 1])))
		j++;
	if (s[j] && s[j] != '\n')
		j++;
	*b = i;
	*e = j;
}

/* The removable sentence that asks for feature f, if any. */
static bool feature_sentence(const char *tmpl, const char *lower, const struct feature *f,
			     size_t *b, size_t *e)
{
	long pos = find_ask(lower, f->asks);

	if (pos < 0)
		return false;
	sentence_bounds(tmpl, (size_t)pos, b, e);
	for (size_t i = *b; i < *e; i++)
		if (tmpl[i] == '{')
			return false;
	return *e > *b;
}

/* Replaces [b, e) of *tmpl with `with` (may be ""), tidying the spaces. */
static void splice(struct po_buf *t, size_t b, size_t e, const char *with)
{
	struct po_buf n = PO_BUF_INIT;

	if (!*with) {
		while (t->data[e] == ' ')
			e++;
		if (b > 0 && t->data[b - 1] == ' ' && (t->data[e] == '\n' || !t->data[e]))
			b--;
	}
	po_buf_add(&n, t->data, b);
	po_buf_adds(&n, with);
	po_buf_adds(&n, t->data + e);
	po_buf_release(t);
	*t = n;
}

static void append_instruction(struct po_buf *t, const char *sentence)
{
	while (t->len && (t->data[t->len - 1] == '\n' || t->data[t->len - 1] == ' '))
		po_buf_setlen(t, t->len - 1);
	if (t->len && strchr(".!?", t->data[t->len - 1]))
		po_buf_addch(t, ' ');
	else if (t->len)
		po_buf_adds(t, "\n\n");
	po_buf_adds(t, sentence);
	po_buf_addch(t, '\n');
}

/* Replaces every {name} of one placeholder with a generic phrase, as a model
 * "simplifying" a prompt sometimes does. False when there is none. */
static bool drop_placeholder(struct po_buf *t, struct po_rng *rng, char *name, size_t cap)
{
	const char *starts[64];
	size_t n = 0, len;
	const char *p, *q;
	struct po_buf out = PO_BUF_INIT;

	for (p = t->data; (p = strchr(p, '{')) && n < PO_ARRAY_SIZE(starts); p++) {
		if (p[1] == '{') {
			p++;
			continue;
		}
		for (q = p + 1; isalnum((unsigned char)*q) || *q == '_'; q++)
			;
		if (*q == '}' && q > p + 1)
			starts[n++] = p;
	}
	if (!n)
		return false;
	p = starts[po_rng_below(rng, n)];
	len = strcspn(p + 1, "}");
	snprintf(name, cap, "%.*s", (int)len, p + 1);
	for (p = t->data; *p;) {
		if (*p == '{' && !strncmp(p + 1, name, len) && p[1 + len] == '}') {
			po_buf_adds(&out, "the project");
			p += len + 2;
		} else {
			po_buf_addch(&out, *p++);
		}
	}
	po_buf_release(t);
	*t = out;
	return true;
}

/* The state of one mutation: the template being edited and what it asks. */
struct mut_ctx {
	const struct catalogue *c;
	struct po_rng *rng;
	struct po_buf t;          /* the template being edited */
	char *lower;              /* lowercased t, valid until the first edit */
	const char *fb_lower;     /* lowercased feedback, may be NULL */
	struct ask_state st;
	struct po_buf msg;        /* the sentence that explains the edit */
};

static bool sentence_of(struct mut_ctx *m, size_t f, size_t *b, size_t *e)
{
	return feature_sentence(m->t.data, m->lower, &m->c->f[f], b, e);
}

static void remove_feature(struct mut_ctx *m, size_t f, const char *why)
{
	size_t b, e;

	if (!sentence_of(m, f, &b, &e))
		return;
	splice(&m->t, b, e, "");
	po_buf_addf(&m->msg, "I removed the instruction about %s%s.", m->c->f[f].name, why);
}

static bool op_drop_placeholder(struct mut_ctx *m)
{
	char name[128];

	if (!drop_placeholder(&m->t, m->rng, name, sizeof(name)))
		return false;
	po_buf_addf(&m->msg, "I made the prompt more general by describing {%s} in plain words.",
		    name);
	return true;
}

static bool op_add_harmful(struct mut_ctx *m)
{
	size_t cand[MAX_FEATURES], nc = 0;
	const char *s;

	for (size_t i = 0; i < m->c->n; i++)
		if (m->c->f[i].harmful && !m->st.asked[i])
			cand[nc++] = i;
	if (!nc)
		return false;
	s = pick(m->rng, m->c->f[cand[po_rng_below(m->rng, nc)]].says);
	append_instruction(&m->t, s);
	po_buf_addf(&m->msg, "I added an instruction to make the output more engaging: \"%s\"", s);
	return true;
}

/* Simplify: cut a harmful instruction when there is one, else any. */
static bool op_remove(struct mut_ctx *m)
{
	size_t cand[MAX_FEATURES], nc = 0, b, e;

	for (int pass = 0; pass < 2 && !nc; pass++)
		for (size_t i = 0; i < m->c->n; i++)
			if (m->st.asked[i] && m->c->f[i].harmful == (pass == 0) &&
			    sentence_of(m, i, &b, &e))
				cand[nc++] = i;
	if (!nc)
		return false;
	remove_feature(m, cand[po_rng_below(m->rng, nc)], " to simplify the prompt");
	return true;
}

static bool op_rephrase(struct mut_ctx *m)
{
	size_t cand[MAX_FEATURES], nc = 0, b, e;
	const struct feature *f;
	const char *s;

	for (size_t i = 0; i < m->c->n; i++)
		if (m->st.asked[i] && !m->c->f[i].harmful && sentence_of(m, i, &b, &e))
			cand[nc++] = i;
	if (!nc)
		return false;
	f = &m->c->f[cand[po_rng_below(m->rng, nc)]];
	s = pick(m->rng, f->says);
	feature_sentence(m->t.data, m->lower, f, &b, &e);
	if (strlen(s) == e - b && !strncmp(m->t.data + b, s, e - b))
		s = f->says[0] == s ? f->says[1] : f->says[0];
	splice(&m->t, b, e, s);
	po_buf_addf(&m->msg, "I rephrased the instruction about %s to be more direct.", f->name);
	return true;
}

/* Feedback that names a harmful instruction is usually obeyed. */
static bool op_obey_feedback(struct mut_ctx *m)
{
	size_t b, e;

	for (size_t i = 0; i < m->c->n; i++) {
		if (m->c->f[i].harmful && m->st.asked[i] && in_feedback(m->fb_lower, &m->c->f[i]) &&
		    sentence_of(m, i, &b, &e) && po_rng_double(m->rng) < 0.75) {
			remove_feature(m, i, ", as the feedback suggested");
			return true;
		}
	}
	return false;
}

/* The common case: add what is missing, preferring what the feedback names,
 * and first clear a harmful instruction that would cancel it. */
static bool op_add_helpful(struct mut_ctx *m)
{
	const struct catalogue *c = m->c;
	size_t cand[MAX_FEATURES], pref[MAX_FEATURES], nc = 0, np = 0, f, b, e;

	for (size_t i = 0; i < c->n; i++) {
		if (c->f[i].harmful || m->st.asked[i])
			continue;
		cand[nc++] = i;
		if (in_feedback(m->fb_lower, &c->f[i]))
			pref[np++] = i;
	}
	if (!nc)
		return false;
	f = np && po_rng_double(m->rng) < 0.85 ? pref[po_rng_below(m->rng, np)]
					       : cand[po_rng_below(m->rng, nc)];
	for (size_t h = 0; h < c->n; h++) {
		if (c->f[h].harmful && m->st.asked[h] && (c->f[h].damp & BIT(f)) &&
		    sentence_of(m, h, &b, &e) && po_rng_double(m->rng) < 0.8) {
			remove_feature(m, h, ", which kept the output from including it");
			return true;
		}
	}
	append_instruction(&m->t, pick(m->rng, c->f[f].says));
	po_buf_addf(&m->msg, "I added an instruction asking for %s.", c->f[f].name);
	return true;
}

/* Crossover: the first parent plus, for each helpful feature only the second
 * parent asks for, its sentence with probability one half. */
static bool op_crossover(struct mut_ctx *m, const char *other)
{
	char *olow = lower_dup(other, NULL, NULL);
	struct ask_state ost;
	size_t b, e, taken = 0;

	assess(m->c, olow, strlen(olow), &ost);
	for (size_t i = 0; i < m->c->n; i++) {
		if (m->c->f[i].harmful || m->st.asked[i] || !ost.asked[i] ||
		    !feature_sentence(other, olow, &m->c->f[i], &b, &e) ||
		    po_rng_double(m->rng) >= 0.5)
			continue;
		{
			char *s = po_xstrndup(other + b, e - b);
			append_instruction(&m->t, s);
			free(s);
			taken++;
		}
	}
	free(olow);
	po_buf_addf(&m->msg, "I combined the two prompts, taking %zu instruction%s from the "
		    "second.", taken, taken == 1 ? "" : "s");
	return true;
}

static char *sim_mutate(const struct po_sim *sim, const struct po_llm_request *req)
{
	struct po_rng rng;
	struct mut_ctx m = { .c = sim->cat, .rng = &rng, .t = PO_BUF_INIT, .msg = PO_BUF_INIT };
	struct po_buf out = PO_BUF_INIT;
	char *tmpl, *fb, *fb_lower = NULL, *second = NULL;
	const char *after;
	double u;
	bool done = false;

	po_rng_seed(&rng, request_hash(sim, "mutate", req));
	tmpl = between(req->prompt, PO_MUTATE_PROMPT_BEGIN, PO_MUTATE_PROMPT_END);
	if (!tmpl) {
		tmpl = po_xstrdup(req->prompt ? req->prompt : "");
	} else if ((after = strstr(strstr(req->prompt, PO_MUTATE_PROMPT_BEGIN),
				  PO_MUTATE_PROMPT_END))) {
		second = between(after, PO_MUTATE_PROMPT_BEGIN, PO_MUTATE_PROMPT_END);
	}
	fb = between(req->prompt, PO_MUTATE_FEEDBACK_BEGIN, PO_MUTATE_FEEDBACK_END);
	if (fb)
		fb_lower = lower_dup(fb, NULL, NULL);
	m.fb_lower = fb_lower;
	po_buf_adds(&m.t, tmpl);
	m.lower = lower_dup(tmpl, NULL, NULL);
	assess(m.c, m.lower, strlen(m.lower), &m.st);

	/* Each operation edits the template at most once, so m.lower stays
	 * aligned with m.t for as long as it is used. */
	u = po_rng_double(&rng);
	if (second)
		done = op_crossover(&m, second);
	else if (u < 0.03)
		done = op_drop_placeholder(&m);
	else if (u < 0.13)
		done = op_add_harmful(&m);
	else if (u < 0.25)
		done = op_remove(&m);
	else if (u < 0.35)
		done = op_rephrase(&m);
	if (!done)
		done = op_obey_feedback(&m);
	if (!done)
		done = op_add_helpful(&m);
	if (!done) {
		/* Everything helpful is asked for: clear a harmful instruction
		 * if one can be found, else leave the prompt as it is. */
		for (size_t i = 0; i < m.c->n && !done; i++) {
			size_t b, e;
			if (m.c->f[i].harmful && m.st.asked[i] && sentence_of(&m, i, &b, &e)) {
				remove_feature(&m, i, "");
				done = true;
			}
		}
		if (!done)
			po_buf_adds(&m.msg, "The prompt already covers what matters; I kept it "
				    "as it is.");
	}
	while (m.t.len && (m.t.data[m.t.len - 1] == '\n' || m.t.data[m.t.len - 1] == ' '))
		po_buf_setlen(&m.t, m.t.len - 1);
	po_buf_add(&out, m.msg.data, m.msg.len);
	po_buf_adds(&out, "\n\n" PO_MUTATE_REPLY_BEGIN "\n");
	po_buf_add(&out, m.t.data, m.t.len);
	po_buf_adds(&out, "\n" PO_MUTATE_REPLY_END "\n");
	po_buf_release(&m.msg);
	po_buf_release(&m.t);
	free(m.lower);
	free(tmpl);
	free(second);
	free(fb);
	free(fb_lower);
	return po_buf_detach(&out);
}

/* ---- public API ------------------------------------------------------ */

void po_sim_config_init(struct po_sim_config *cfg)
{
	cfg->seed = 42;
	cfg->noise = 4.0;
	cfg->catalogue = "prfaq";
}

struct po_sim *po_sim_new(const struct po_sim_config *cfg, struct po_err *err)
{
	struct po_sim_config dflt;
	const char *name;
	struct po_sim *sim;

	if (!cfg) {
		po_sim_config_init(&dflt);
		cfg = &dflt;
	}
	name = cfg->catalogue ? cfg->catalogue : "prfaq";
	for (size_t i = 0; i < PO_ARRAY_SIZE(catalogues); i++) {
		if (strcmp(catalogues[i].name, name))
			continue;
		if (!(cfg->noise >= 0) || !isfinite(cfg->noise)) {
			po_error(err, PO_EINPUT, "invalid simulator noise %g: use a standard "
				 "deviation of 0 or more score points", cfg->noise);
			return NULL;
		}
		sim = po_xcalloc(1, sizeof(*sim));
		sim->cfg = *cfg;
		sim->cfg.catalogue = catalogues[i].name;
		sim->cat = &catalogues[i];
		return sim;
	}
	po_error(err, PO_EINPUT, "unknown simulator catalogue \"%s\": use \"prfaq\" or \"generic\"",
		 name);
	return NULL;
}

void po_sim_free(struct po_sim *sim)
{
	free(sim);
}

void po_sim_answer(struct po_sim *sim, const struct po_llm_request *req,
		   struct po_llm_response *resp)
{
	char *content;
	size_t in = (req->prompt ? strlen(req->prompt) : 0) + (req->system ? strlen(req->system) : 0);

	switch (req->role) {
	case PO_ROLE_JUDGE:
		content = sim_judge(sim, req);
		break;
	case PO_ROLE_MUTATE:
		content = sim_mutate(sim, req);
		break;
	default:
		content = sim_generate(sim, req);
		break;
	}
	resp->content = content;
	resp->error = NULL;
	resp->model = po_xstrdup(req->model ? req->model : "sim");
	resp->input_tokens = (long)(in / 4) + 1;
	resp->output_tokens = (long)(strlen(content) / 4) + 1;
	resp->latency_ms = 0;
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay && *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return false;
}

enum po_role po_sim_detect_role(const char *system, const char *prompt)
{
	static const char *const judge_words[] = { "overall_score", "criteria_scores", "evaluate",
		"evaluation", "score the", "rate the", NULL };
	static const char *const mutate_words[] = { "improve this prompt", "improve the prompt",
		"improved prompt", "improved version of", "rewrite the prompt", "optimize this prompt",
		"mutate", NULL };
	const char *texts[2] = { prompt, system };

	for (int t = 0; t < 2; t++) {
		if (texts[t] && strstr(texts[t], PO_JUDGE_OUTPUT_BEGIN))
			return PO_ROLE_JUDGE;
		if (texts[t] && strstr(texts[t], PO_MUTATE_PROMPT_BEGIN))
			return PO_ROLE_MUTATE;
	}
	for (int t = 0; t < 2; t++)
		for (const char *const *w = mutate_words; *w; w++)
			if (contains_ci(texts[t], *w))
				return PO_ROLE_MUTATE;
	for (int t = 0; t < 2; t++)
		for (const char *const *w = judge_words; *w; w++)
			if (contains_ci(texts[t], *w))
				return PO_ROLE_JUDGE;
	return PO_ROLE_GENERATE;
}

double po_sim_true_score(const struct po_sim *sim, const char *system, const char *template,
			 const json_t *inputs)
{
	const struct catalogue *c = sim->cat;
	struct ask_state st;
	double crit[NCRIT];
	char *lower;

	if (!template)
		template = "";
	if (lost_inputs(template, system, NULL, NULL, inputs))
		return weighted_100(c, c->offtopic);
	lower = lower_dup(template, system, NULL);
	assess(c, lower, strlen(lower), &st);
	free(lower);
	expected_criteria(c, st.p, crit);
	return weighted_100(c, crit);
}

double po_sim_optimum(const struct po_sim *sim)
{
	const struct catalogue *c = sim->cat;
	double p[MAX_FEATURES], crit[NCRIT];

	for (size_t i = 0; i < c->n; i++)
		p[i] = c->f[i].harmful ? c->f[i].p_base : c->f[i].p_ask;
	expected_criteria(c, p, crit);
	return weighted_100(c, crit);
}

const char *po_sim_baseline_prompt(const struct po_sim *sim)
{
	return sim->cat->baseline;
}

const char *po_sim_catalogue_name(const struct po_sim *sim)
{
	return sim->cat->name;
}

json_t *po_sim_prompt_features(const struct po_sim *sim, const char *system,
			       const char *template)
{
	const struct catalogue *c = sim->cat;
	struct ask_state st;
	json_t *o = json_object(), *asked = json_array(), *missing = json_array(),
	       *harmful = json_array();
	char *lower = lower_dup(template ? template : "", system, NULL);

	assess(c, lower, strlen(lower), &st);
	free(lower);
	for (size_t i = 0; i < c->n; i++) {
		json_t *to = c->f[i].harmful ? (st.asked[i] ? harmful : NULL)
					     : (st.asked[i] ? asked : missing);
		if (to)
			json_array_append_new(to, json_string(c->f[i].key));
	}
	json_object_set_new(o, "asked", asked);
	json_object_set_new(o, "missing", missing);
	json_object_set_new(o, "harmful", harmful);
	json_object_set_new(o, "length", json_integer((json_int_t)st.length));
	json_object_set_new(o, "dilution", json_real(st.dilution));
	return o;
}

/* ---- provider -------------------------------------------------------- */

static int sim_complete(struct po_provider *p, const struct po_llm_request *reqs,
			struct po_llm_response *out, size_t n, struct po_err *err)
{
	for (size_t i = 0; i < n; i++)
		po_sim_answer(p->impl, &reqs[i], &out[i]);
	return 0;
}

static void sim_provider_free(struct po_provider *p)
{
	if (!p)
		return;
	po_sim_free(p->impl);
	free(p);
}

static const struct po_provider_ops sim_ops = {
	.name = "sim",
	.complete = sim_complete,
	.free = sim_provider_free,
};

struct po_provider *po_sim_provider_new(struct po_sim *sim)
{
	struct po_provider *p = po_xcalloc(1, sizeof(*p));

	p->ops = &sim_ops;
	p->impl = sim;
	return p;
}
