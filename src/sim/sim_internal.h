/*
 * What the simulator's files share; the rest of the code uses sim/sim.h.
 * A catalogue is static data: its features (how a prompt asks for each, how
 * an output shows it, what it is worth to the judge) and its writers of
 * generated text. Helpers returning char * return a new string; the caller
 * frees it.
 */
#ifndef PO_SIM_INTERNAL_H
#define PO_SIM_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"
#include "util/buf.h"
#include "util/rng.h"

#define NCRIT 4
#define MAX_FEATURES 32

/* What an instruction that names another test case does: each such
 * instruction drags that case's details into the output with this probability. */
#define PO_SIM_FOREIGN_P 0.6

/* A NULL-terminated list of strings, for the tables. */
#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define BIT(i) (1UL << (i))

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
	unsigned long damp;           /* harmful or conditional: features whose probability it cuts */
	double damp_factor;
};

/* Traits of a test case that change what a feature is worth (case.c). */
enum {
	TRAIT_TECHNICAL = 1, TRAIT_CONSUMER = 2, TRAIT_REGULATED = 4, TRAIT_PRICED = 8
};

/* A feature worth other points on the test cases with these traits. */
struct case_effect {
	size_t feature;
	unsigned has, lacks;          /* applies when traits has all of has, none of lacks */
	double w[NCRIT];
	const char *improve;          /* judge text when it shows and costs points here */
};

/* A conditional instruction ("for consumer products, skip the mechanism"):
 * a helpful feature without a trace whose damp applies only to the test
 * cases with every trait of has and none of lacks. */
struct conditional {
	size_t feature;
	unsigned has, lacks;
};

/* Points added when both features show in one output. */
struct interaction {
	size_t a, b;
	double w[NCRIT];
	const char *improve;          /* judge text when both show (conflicts), or NULL */
};

/* What a catalogue's writer gets to write one generated output. */
struct gen_ctx {
	const struct catalogue *cat;
	bool realized[MAX_FEATURES];
	const json_t *inputs;     /* may be NULL */
	const char *prompt;       /* the rendered prompt (for seed-style fallbacks) */
	struct po_rng *rng;       /* wording choices only */
};

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
	/* Case-dependent value, interactions and overfitting; all empty for the
	 * catalogues where every feature is worth the same on every case. */
	unsigned (*traits)(const json_t *inputs);
	const struct case_effect *effects;
	size_t neffects;
	const struct interaction *inter;
	size_t ninter;
	const struct conditional *cond;
	size_t ncond;
	/* The per-case features: asked through the case's name (case.c), never
	 * by a phrase nor added by a mutation. */
	bool overfit;
	size_t f_tailored, f_foreign;
};

/* catalogue_prfaq.c, catalogue_prfaq_v1.c, catalogue_generic.c, catalogue_ticket.c */
extern const struct catalogue po_sim_catalogue_prfaq;
extern const struct catalogue po_sim_catalogue_prfaq_v1;
extern const struct catalogue po_sim_catalogue_generic;
extern const struct catalogue po_sim_catalogue_ticket;

struct po_sim {
	struct po_sim_config cfg;
	const struct catalogue *cat;
};

/* sim.c: the seed of one request's draws, from (seed, role, system, prompt,
 * test case id, sample). */
uint64_t po_sim_request_hash(const struct po_sim *sim, const char *role,
			     const struct po_llm_request *req);

/* ---- features.c: what a prompt asks for, what an output shows ---------- */

/* What a prompt asks for, and the probability of each feature in the output. */
struct ask_state {
	bool asked[MAX_FEATURES];
	double p[MAX_FEATURES];
	double dilution;
	size_t length;
	unsigned traits;          /* of the test case (po_sim_assess_case), else 0 */
};

/* Position of the first affirmative occurrence of one of the phrases, or -1. */
long po_sim_find_ask(const char *lower, const char *const *phrases);
/* Fills which features `lower` (a lowercased prompt of `len` chars) asks
 * for, and the probability that each shows in the output. */
void po_sim_assess(const struct catalogue *c, const char *lower, size_t len, struct ask_state *st);
/* True when the prompt lost a placeholder for one of the inputs. */
bool po_sim_lost_inputs(const char *template, const char *system_template,
			const char *prompt, const char *system, const json_t *inputs);
/* Which features a lowercased output (starting "\n") shows, by their marks. */
void po_sim_detect_output(const struct catalogue *c, const char *lower, bool *present);

/* ---- demos.c: few-shot examples in a prompt (core/tags.h) -------------- */

#define PO_SIM_MAX_DEMOS 16

/* One example of a lowercased prompt: pointers into it. */
struct sim_demo {
	const char *text, *in, *out;   /* the whole example, its input, its output */
	size_t len, in_len, out_len;
};

/* The examples of a lowercased prompt, at most max; returns how many. */
size_t po_sim_demos_find(const char *lower, struct sim_demo *d, size_t max);
/* Overwrites the example blocks of a lowercased prompt with spaces (its
 * length unchanged), so that no phrase in them counts as an instruction;
 * false when it has none. */
bool po_sim_demos_blank(char *lower);
/* After the asks of po_sim_assess: pulls the probability of each feature
 * the examples of lower show towards its asked one. */
void po_sim_demos_apply(const struct catalogue *c, const char *lower, struct ask_state *st);
/* How many examples of lower do not contain the case name own (NULL: all):
 * each drags its case's details in, as an instruction naming it does. */
size_t po_sim_demos_foreign(const char *lower, const char *own);

/* ---- case.c: what a test case changes ------------------------------------ */

/* The traits of a case with these inputs (0 for catalogues without traits). */
unsigned po_sim_traits(const struct catalogue *c, const json_t *inputs);
/* True for the tailored and foreign features of an overfit catalogue. */
bool po_sim_per_case(const struct catalogue *c, size_t f);
/* The conditional instruction that feature f is, or NULL. */
const struct conditional *po_sim_conditional(const struct catalogue *c, size_t f);
/* Whether the damp of feature h (harmful, or conditional) applies on a case
 * with these traits. */
bool po_sim_damp_applies(const struct catalogue *c, size_t h, unsigned traits);
/* The points of every feature on a case with these traits. */
void po_sim_case_weights(const struct catalogue *c, unsigned traits, double w[][NCRIT]);
/* The case effect that applies to feature f on these traits, or NULL. */
const struct case_effect *po_sim_case_effect(const struct catalogue *c, size_t f,
					     unsigned traits);
/* After po_sim_assess: the conditional instructions and the per-case
 * (tailored, foreign) features for the case with these inputs (may be NULL). */
void po_sim_assess_case(const struct catalogue *c, const char *lower, const json_t *inputs,
			struct ask_state *st);
/* The lowercased, trimmed project name of a case (a new string), or NULL
 * when it is shorter than 4 characters or missing. */
char *po_sim_case_name(const json_t *inputs);
/* The case names a lowercased prompt addresses ("when writing about NAME,"),
 * as new strings in *names (up to max); returns how many. */
size_t po_sim_named_cases(const char *lower, char **names, size_t max);
/* Expected criteria (0-5) for feature probabilities p with weights w:
 * intercepts, points, and interactions as products of probabilities (the
 * draws are independent). With p a 0/1 vector it is the judge's exact score. */
void po_sim_criteria(const struct catalogue *c, const double w[][NCRIT], const double *p,
		     double out[NCRIT]);

/* ---- optimum.c ----------------------------------------------------------- */

/* The best mean expected score one prompt can reach over these cases (each
 * an inputs object; n 0 = one case without traits or name). */
double po_sim_optimum_over(const struct catalogue *c, const json_t *const *inputs, size_t n);

/* ---- text.c ------------------------------------------------------------ */

/* prefix + lowercased a (+ "\n" + lowercased b when b is not NULL). */
char *po_sim_lower_dup(const char *a, const char *b, const char *prefix);
/* The text between the first `begin` and the next `end` (or NULL). */
char *po_sim_between(const char *s, const char *begin, const char *end);
/* One string of a NULL-terminated list, drawn from r. */
const char *po_sim_pick(struct po_rng *r, const char *const *list);
/* Appends an input value on one line, trimmed and capped at cap chars. */
void po_sim_add_value(struct po_buf *b, const char *s, size_t cap);
/* po_sim_add_value (600 chars), then a full stop unless it ends a sentence. */
void po_sim_add_sentence(struct po_buf *b, const char *s);

/* ---- truth.c ----------------------------------------------------------- */

/* The 0-100 score of criteria values v (0-5) under the catalogue's rubric. */
double po_sim_weighted_100(const struct catalogue *c, const double v[NCRIT]);

/* ---- catalogue_ticket.c and ticket.c: the exact-answer task ------------ */

/* The ticket catalogue's features, queues and traits. */
enum {
	TF_LIST, TF_ANSWER_ONLY, TF_ROLE, TF_DEFINITIONS, TF_EXAMPLES, TF_SECURITY_RULE,
	TF_IGNORE_HINT, TF_EXPLAIN, TF_CHATTY, TF_TRUST_HINT, TF_COUNT
};
enum { TQ_BILLING, TQ_TECHNICAL, TQ_ACCOUNT, TQ_SHIPPING, TQ_RETURNS, TQ_SECURITY, TQ_COUNT };
enum { TT_SECURITY = 1, TT_AMBIGUOUS = 2, TT_HINT_RIGHT = 4, TT_HINT_WRONG = 8 };

/* What the simulator reads from a ticket (the "ticket" input). */
struct ticket_view {
	size_t right;     /* the queue the ticket belongs to */
	size_t decoy;     /* the queue a wrong answer names */
	size_t selected;  /* the customer's category ("selected: X"), or TQ_COUNT */
	unsigned traits;  /* TT_* */
};

extern const char *const po_sim_ticket_queues[TQ_COUNT];
/* Reads a case's inputs (may be NULL). */
void po_sim_ticket_read(const json_t *inputs, struct ticket_view *tv);
/* The probability that the queue chosen is the right one, for a ticket with
 * these traits when the features in realized showed. */
double po_sim_ticket_p_right(unsigned traits, const bool *realized);
/* True for catalogues whose outputs are exact answers (scored by the rule
 * "expected", 100 or 0): their truth, optimum and judge are in ticket.c. */
bool po_sim_exact(const struct catalogue *c);
/* The expected score (0-100) of an exact answer for a case with these
 * inputs, given the feature probabilities of st. */
double po_sim_ticket_truth(const struct ask_state *st, const json_t *inputs);
/* The exact optimum over these cases (n 0: one plain ticket). */
double po_sim_ticket_optimum(const json_t *const *inputs, size_t n);
/* Which ticket features an example shows: its output (lowercased, "\n"
 * first) for its input (lowercased): the bare answer, a queue of the list,
 * the right queue for the ticket (a worked example), reasoning, chattiness. */
void po_sim_ticket_demo_shows(const char *in, const char *out, bool *shows);
/* The judge's reply for an exact-answer catalogue: 5 when right, 0 when not. */
char *po_sim_ticket_judge(const struct po_sim *sim, const struct po_llm_request *req);
/* What the ticket judge sees in an output without noise: 100 for the right
 * queue, else 0. */
double po_sim_ticket_quality(const char *output, const json_t *inputs);
/* {"queue", "security", "ambiguous", "customer_category"} of a case, a new object. */
json_t *po_sim_ticket_traits_json(const json_t *inputs);

/* ---- the roles: each returns the new content of the response ------------ */

char *po_sim_generate(const struct po_sim *sim, const struct po_llm_request *req); /* generate.c */
char *po_sim_judge(const struct po_sim *sim, const struct po_llm_request *req);    /* judge.c */
char *po_sim_mutate(const struct po_sim *sim, const struct po_llm_request *req);   /* mutate.c */
/* What the judge sees in an output for a case, without its noise, 0-100
 * (with the verbosity bias; judge.c). */
double po_sim_judge_seen(const struct po_sim *sim, const char *output, const json_t *inputs);
/* pairwise.c: a pairwise judge request (its output markers, or metadata
 * "kind": "pairwise"), and its answer. */
bool po_sim_pairwise_request(const struct po_llm_request *req);
char *po_sim_pairwise(const struct po_sim *sim, const struct po_llm_request *req);

#endif
