/*
 * The writer of PR-FAQ outputs (both PR-FAQ catalogues): a Markdown press
 * release and FAQ built from the test case's inputs, where every realized
 * feature leaves its trace and every other one leaves none.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/prfaq.h"
#include "util/json.h"
#include "util/mem.h"

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
	if (r[PF_STORY])
		po_buf_adds(b, "Picture a customer at the end of a long week, still doing by hand "
			       "what should take minutes. ");
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
	if (r[PF_BASELINE_METRIC])
		po_buf_addf(b, " Today it takes a typical customer about %d hours to get this done.",
			    2 + (int)po_rng_below(g->rng, 6));
	if (r[PF_TARGET_METRIC])
		po_buf_addf(b, " The goal at launch is to bring that under %d minutes.",
			    10 + 5 * (int)po_rng_below(g->rng, 5));
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
	if (r[PF_TAILORED])
		po_buf_adds(b, "What sets it apart: it was shaped around the one request its own "
			       "customers made most often.\n\n");
	if (r[PF_FOREIGN])
		po_buf_adds(b, "It also borrows a launch detail from a different product mentioned "
			       "in the brief, which does not apply here.\n\n");
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
	if (r[PF_DISCLAIMER])
		po_buf_adds(b, "Compliance note: this announcement is not advice; the offering is "
			       "subject to the approvals and disclosures its market requires.\n\n");
	if (r[PF_WORD_LIMIT])
		po_buf_adds(b, "In short: one problem, one product, and what changes for the "
			       "customer, kept to a single page.\n\n");
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

void po_sim_prfaq_build(const struct gen_ctx *g, struct po_buf *b)
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

void po_sim_prfaq_offtopic(const struct gen_ctx *g, struct po_buf *b)
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

