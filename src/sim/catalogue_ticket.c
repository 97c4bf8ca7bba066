/*
 * The ticket catalogue: routing a support ticket to one of six queues, an
 * exact-answer task. Its features (how a prompt asks for the queue list, the
 * bare answer, definitions, ...), what the simulator reads from a ticket
 * (the right queue, security, ambiguity, the customer's category) and the
 * writer of its answers. The truth, optimum and judge are in ticket.c.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"
#include "util/json.h"

static const struct feature ticket_features[TF_COUNT] = {
	[TF_LIST] = { "list_queues", "the list of the six queues", false,
		L("billing, technical, account, shipping, returns", "one of these queues",
		  "one of the six queues", "the six queues", "list of queues"),
		L("Choose one of the six queues: billing, technical, account, shipping, returns, security.",
		  "The six queues are: billing, technical, account, shipping, returns, security.",
		  "Pick exactly one of these queues: billing, technical, account, shipping, returns, security."),
		L("queue name", "not the expected answer", "queue"),
		0.97, 0.55, { 0 }, MARK_NONE, NULL, 0, NULL, NULL, 0, 0 },
	[TF_ANSWER_ONLY] = { "answer_only", "an answer of the queue name only", false,
		L("queue name only", "only the queue name", "nothing else", "a single word",
		  "just the queue"),
		L("Answer with the queue name only.",
		  "Reply with only the queue name and nothing else.",
		  "Output just the queue, as a single word."),
		L("not the expected answer", "format", "exact"),
		0.95, 0.40, { 0 }, MARK_NONE, NULL, 0, NULL, NULL, 0, 0 },
	[TF_ROLE] = { "role", "a triage role", false,
		L("triage", "support lead", "you are a", "you are an"),
		L("You are an experienced support triage agent.",
		  "Act as the support lead who does the triage.",
		  "You are a careful triage specialist."),
		L("role"),
		0.92, 0.30, { 0 }, MARK_NONE, NULL, 0, NULL, NULL, 0, 0 },
	[TF_DEFINITIONS] = { "definitions", "a definition of each queue", false,
		L("billing covers", "billing handles", "billing is for", "what each queue covers",
		  "definition"),
		L("Billing covers charges, invoices and subscriptions; technical covers errors and "
		  "crashes; account covers logins, passwords and profile changes; shipping covers "
		  "deliveries and tracking; returns covers returns, exchanges and damaged items; "
		  "security covers hacked accounts, fraud and phishing.",
		  "Here is what each queue covers: billing is for charges and invoices, technical for "
		  "errors, account for logins and profiles, shipping for deliveries, returns for "
		  "returns and exchanges, security for fraud and break-ins.",
		  "Use these definitions: billing handles payments, technical handles bugs, account "
		  "handles sign-in and profile, shipping handles delivery, returns handles sending "
		  "items back, security handles compromised accounts."),
		L("definition", "covers", "ambiguous"),
		0.90, 0.15, { 0 }, MARK_NONE, NULL, 0, NULL, NULL, 0, 0 },
	[TF_EXAMPLES] = { "examples", "worked examples", false,
		L("example", "for instance"),
		L("Example: \"My card was charged twice\" -> billing.",
		  "For instance, \"the parcel never arrived\" goes to shipping.",
		  "Examples: \"app crashes on start\" -> technical; \"I want to swap the size\" -> returns."),
		L("example"),
		0.90, 0.10, { 0 }, MARK_NONE, NULL, 0, NULL, NULL, 0, 0 },
	[TF_SECURITY_RULE] = { "security_first", "the rule that security beats everything", false,
		L("security issues beat", "security beats", "security takes priority",
		  "security always wins", "takes precedence"),
		L("Security issues beat everything else: a ticket that mentions fraud or a break-in "
		  "goes to security.",
		  "If there is any sign of fraud or a hacked account, security takes priority over "
		  "every other queue.",
		  "When in doubt between security and anything else, security always wins."),
		L("security", "fraud", "hacked"),
		0.92, 0.10, { 0 }, MARK_NONE, NULL, 0, NULL, NULL, 0, 0 },
	[TF_IGNORE_HINT] = { "ignore_customer_category", "a warning about the customer's category", false,
		L("may be wrong", "can be wrong", "ignore the category", "not trust the category"),
		L("The category the customer selected may be wrong; route by what the ticket says.",
		  "Ignore the category the customer picked and read the ticket itself.",
		  "Customers often pick a category that can be wrong: decide from the text."),
		L("category", "selected"),
		0.90, 0.10, { 0 }, MARK_NONE, NULL, 0, NULL, NULL, 0, 0 },
	[TF_EXPLAIN] = { "explain", "a request to explain the reasoning", true,
		L("explain your reasoning", "explain why", "step by step", "justify", "think aloud"),
		L("Explain your reasoning before you answer.",
		  "Think step by step and justify the queue you choose.",
		  "Explain why the ticket belongs in that queue."),
		L("reasoning", "explanation", "justif"),
		0.90, 0.05, { 0 }, MARK_NONE, NULL, 0, NULL, NULL,
		BIT(TF_ANSWER_ONLY), 0.10 },
	[TF_CHATTY] = { "chatty", "a friendly reply to the customer", true,
		L("greet", "thank the customer", "apologize", "apologise", "friendly reply"),
		L("Greet the customer warmly and thank them for reaching out.",
		  "Write a friendly reply that apologizes for the trouble.",
		  "Thank the customer before giving the queue."),
		L("greeting", "chatty", "friendly"),
		0.90, 0.05, { 0 }, MARK_NONE, NULL, 0, NULL, NULL,
		BIT(TF_ANSWER_ONLY), 0.30 },
	[TF_TRUST_HINT] = { "trust_customer_category", "trust in the customer's category", true,
		L("trust the category", "use the category the customer", "follow the customer's category",
		  "customer knows best"),
		L("Trust the category the customer selected.",
		  "Use the category the customer chose when there is one.",
		  "Follow the customer's category; the customer knows best."),
		L("category"),
		0.90, 0.05, { 0 }, MARK_NONE, NULL, 0, NULL, NULL, 0, 0 },
};

const char *const po_sim_ticket_queues[TQ_COUNT] = {
	"billing", "technical", "account", "shipping", "returns", "security"
};

/* Names a model uses when it was not given the list: never an exact match. */
static const char *const loose_names[TQ_COUNT] = {
	"Payments", "Tech Support", "Login Help", "Delivery", "Refunds and Returns", "Fraud Team"
};

/* Lowercase cue words per queue, in po_sim_ticket_queues order. */
static const char *const *const cues[TQ_COUNT] = {
	L("charged", "charge ", "invoice", "payment", "billing", "subscription", "overcharg",
	  "receipt", "vat ", "promo code", "renewal"),
	L("error", "crash", "bug", "not working", "won't load", "freez", "sync", "api ",
	  "timeout", "install", "blank screen", "firmware"),
	L("password", "log in", "login", "username", "email address", "profile", "delete my account",
	  "two-factor", "locked out", "sign in", "merge my accounts"),
	L("delivery", "delivered", "tracking", "parcel", "package", "courier", "shipped",
	  "shipping", "arrive", "dispatch"),
	L("return", "exchange", "wrong size", "damaged", "send it back", "faulty", "doesn't fit",
	  "replacement", "refund for the item"),
	L("hacked", "unauthorized", "unauthorised", "phishing", "suspicious", "i didn't make",
	  "i did not make", "someone else", "compromised", "stolen card", "not me", "fraud",
	  "breach", "scam"),
};

static size_t count_cues(const char *lower, const char *const *list)
{
	size_t n = 0;

	for (; *list; list++)
		n += strstr(lower, *list) != NULL;
	return n;
}

/* The queue the customer selected ("selected: shipping"), or TQ_COUNT. */
static size_t selected_queue(const char *lower)
{
	const char *p = strstr(lower, "selected: ");

	if (!p)
		return TQ_COUNT;
	p += strlen("selected: ");
	for (size_t q = 0; q < TQ_COUNT; q++)
		if (!strncmp(p, po_sim_ticket_queues[q], strlen(po_sim_ticket_queues[q])))
			return q;
	return TQ_COUNT;
}

void po_sim_ticket_read(const json_t *inputs, struct ticket_view *tv)
{
	const char *text = po_json_str(inputs, "ticket", "");
	char *lower = po_sim_lower_dup(text, NULL, " ");
	size_t hits[TQ_COUNT], nq = 0, best = TQ_BILLING, second = TQ_COUNT;

	memset(tv, 0, sizeof(*tv));
	tv->selected = selected_queue(lower);
	if (tv->selected != TQ_COUNT) /* the category is no cue to what the ticket is about */
		memset(strstr(lower, "selected: "), ' ',
		       strlen("selected: ") + strlen(po_sim_ticket_queues[tv->selected]));
	for (size_t q = 0; q < TQ_COUNT; q++)
		hits[q] = count_cues(lower, cues[q]);
	for (size_t q = 0; q < TQ_SECURITY; q++) {
		nq += hits[q] > 0;
		if (hits[q] > hits[best])
			best = q;
	}
	for (size_t q = 0; q < TQ_SECURITY; q++)
		if (q != best && hits[q] && (second == TQ_COUNT || hits[q] > hits[second]))
			second = q;
	if (hits[TQ_SECURITY]) {
		tv->right = TQ_SECURITY;
		tv->traits |= TT_SECURITY;
		tv->decoy = nq ? best : TQ_ACCOUNT;
	} else {
		tv->right = best;
		tv->decoy = second != TQ_COUNT ? second : (best + 1) % TQ_SECURITY;
		if (nq >= 2)
			tv->traits |= TT_AMBIGUOUS;
	}
	if (tv->selected != TQ_COUNT) {
		tv->traits |= tv->selected == tv->right ? TT_HINT_RIGHT : TT_HINT_WRONG;
		if (tv->selected != tv->right)
			tv->decoy = tv->selected;
	}
	free(lower);
}

static unsigned ticket_traits(const json_t *inputs)
{
	struct ticket_view tv;

	po_sim_ticket_read(inputs, &tv);
	return tv.traits;
}

static void add_queue(struct po_buf *b, size_t q, bool capital)
{
	const char *s = po_sim_ticket_queues[q];

	po_buf_addch(b, capital ? (char)(s[0] - 'a' + 'A') : s[0]);
	po_buf_adds(b, s + 1);
}

/* The answer: exact only when the bare-answer and queue-list features
 * showed; the queue is the right one with the probability of ticket.c. */
static void ticket_build(const struct gen_ctx *g, struct po_buf *b)
{
	const bool *r = g->realized;
	struct ticket_view tv;
	double u = po_rng_double(g->rng);
	size_t q;

	po_sim_ticket_read(g->inputs, &tv);
	q = u < po_sim_ticket_p_right(tv.traits, r) ? tv.right : tv.decoy;
	if (r[TF_ANSWER_ONLY]) {
		if (r[TF_LIST])
			add_queue(b, q, true);
		else
			po_buf_adds(b, loose_names[q]);
		po_buf_addch(b, '\n');
		return;
	}
	if (r[TF_CHATTY])
		po_buf_adds(b, "Hi there, and thank you for reaching out! I'm sorry for the trouble. ");
	if (r[TF_EXPLAIN])
		po_buf_adds(b, "Reasoning: the customer describes the problem in the ticket, and its "
			       "main subject decides where it should go.\n");
	po_buf_adds(b, "This ticket should go to the ");
	if (r[TF_LIST])
		add_queue(b, q, true);
	else
		po_buf_adds(b, loose_names[q]);
	po_buf_adds(b, " queue.\n");
}

/* The label of an answer the writer above could give: the bare answer, or
 * the queue of "... go to the X queue."; copied into lab (lowercase). */
static bool answer_label(const char *out, char *lab, size_t cap, bool *bare)
{
	size_t n;

	while (*out && strchr(" \t\r\n", *out))
		out++;
	n = strcspn(out, "\n");
	*bare = n < cap && !out[n + strspn(out + n, " \t\r\n")];
	if (!*bare) {
		const char *p = strstr(out, "go to the ");
		if (!p)
			return false;
		out = p + strlen("go to the ");
		p = strstr(out, " queue");
		n = p ? (size_t)(p - out) : cap;
	}
	if (n >= cap)
		return false;
	memcpy(lab, out, n);
	lab[n] = '\0';
	return true;
}

void po_sim_ticket_demo_shows(const char *in, const char *out, bool *shows)
{
	json_t *inputs = json_pack("{s:s}", "ticket", in);
	struct ticket_view tv;
	char lab[32];
	bool bare = false, labelled = answer_label(out, lab, sizeof(lab), &bare);

	po_sim_ticket_read(inputs, &tv);
	json_decref(inputs);
	shows[TF_ANSWER_ONLY] = bare;
	for (size_t q = 0; labelled && q < TQ_COUNT; q++) {
		if (strcmp(lab, po_sim_ticket_queues[q]))
			continue;
		shows[TF_LIST] = true;
		shows[TF_EXAMPLES] = q == tv.right; /* a worked example, rightly labelled */
	}
	shows[TF_EXPLAIN] = strstr(out, "reasoning") != NULL;
	shows[TF_CHATTY] = strstr(out, "thank you") != NULL;
}

static void ticket_offtopic(const struct gen_ctx *g, struct po_buf *b)
{
	(void)g;
	po_buf_adds(b, "I need the text of the ticket to route it. Please paste it and I will "
		       "name the queue.\n");
}

_Static_assert(TF_COUNT <= MAX_FEATURES, "MAX_FEATURES is too small for the ticket catalogue");

const struct catalogue po_sim_catalogue_ticket = {
	"ticket", ticket_features, TF_COUNT,
	{ "correct_queue", "format", "brevity", "policy" },
	{ 0.25, 0.25, 0.25, 0.25 },
	{ 0, 0, 0, 0 },
	{ 0, 0, 0, 0 },
	ticket_build, ticket_offtopic, NULL,
	ticket_traits, NULL, 0, NULL, 0, NULL, 0, false, 0, 0
};
