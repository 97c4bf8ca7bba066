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
#define MAX_FEATURES 24

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
	unsigned long damp;           /* harmful: features whose probability it cuts */
	double damp_factor;
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
};

/* catalogue_prfaq_v1.c, catalogue_generic.c */
extern const struct catalogue po_sim_catalogue_prfaq_v1;
extern const struct catalogue po_sim_catalogue_generic;

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

/* ---- the roles: each returns the new content of the response ------------ */

char *po_sim_generate(const struct po_sim *sim, const struct po_llm_request *req); /* generate.c */
char *po_sim_judge(const struct po_sim *sim, const struct po_llm_request *req);    /* judge.c */
char *po_sim_mutate(const struct po_sim *sim, const struct po_llm_request *req);   /* mutate.c */

#endif
