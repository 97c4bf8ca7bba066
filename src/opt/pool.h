/*
 * What the population strategies (reflect, opro, ga) share: a pool of prompt
 * sets each evaluated on every training case (its scores live in the
 * archive, found by prompts and sample), the Pareto front over those cases,
 * minibatches of training cases, the traces a reflective request shows, and
 * the reading and checking of integer and number parameters.
 *
 * Ownership: the pool owns its members' prompt sets (references).
 */
#ifndef PO_POOL_H
#define PO_POOL_H

#include <jansson.h>
#include <stddef.h>

#include "opt/mutate.h"
#include "opt/search.h"
#include "util/rng.h"

struct po_member {
	json_t *prompts;
	unsigned sample;    /* of its evaluation on the training cases */
};

struct po_pool {
	struct po_member *m;
	size_t n, alloc;
};

void po_pool_release(struct po_pool *p);
/* Adds a member (a new reference to prompts); a prompt set already in the
 * pool is not added twice. */
void po_pool_add(struct po_pool *p, const json_t *prompts, unsigned sample);
void po_pool_remove(struct po_pool *p, size_t i);
/* The index of the member with these prompts, or -1. */
long po_pool_find(const struct po_pool *p, const json_t *prompts);

/* A member's mean over the cases of set (NAN when none). */
double po_pool_mean(const struct po_search *ctx, const struct po_member *m,
		    const struct po_caseset *set);

/* wins[i]: on how many cases of set member i is best (ties count for each). */
void po_pool_wins(const struct po_search *ctx, const struct po_pool *p,
		  const struct po_caseset *set, size_t *wins);
/* A member drawn with probability proportional to wins (uniform when no
 * member wins a case); `not` is excluded (-1: none). */
size_t po_pool_pick(const size_t *wins, size_t n, long not, struct po_rng *r);

/* Evaluates prompts on every training case with the sample (only the cases
 * not yet in the archive are paid for). */
int po_pool_evaluate_train(struct po_search *ctx, const json_t *prompts, unsigned sample,
			   const char *origin, struct po_err *err);

/* The members' indices by mean over set, best first (NAN last); *out is
 * a new array of p->n. */
void po_pool_rank(const struct po_search *ctx, const struct po_pool *p,
		  const struct po_caseset *set, size_t **out);

/* Evaluates n new prompt sets (children, with their lineage already
 * recorded) on every training case in one batch, and adds each that could
 * be run to the pool with the sample. */
int po_pool_evaluate_children(struct po_search *ctx, struct po_pool *p, json_t *const *kids,
			      const char *const *origins, size_t n, unsigned sample,
			      struct po_err *err);

/* Nominates the best of kids[0..n) by training mean when it is above the
 * incumbent's (the incumbent must be in the pool); else sets why_none. */
void po_pool_nominate_best(struct po_search *ctx, const struct po_pool *p, json_t *const *kids,
			   const char *const *origins, size_t n, unsigned sample);

/* When the pool is empty: the incumbent, evaluated on the training cases. */
int po_pool_seed(struct po_pool *p, struct po_search *ctx, struct po_err *err);

/* Drops the lowest-ranked members (by training mean) until at most max
 * remain; the incumbent always stays. */
void po_pool_keep_best(struct po_pool *p, const struct po_search *ctx, size_t max);

/* Removes from kids[0..*n) the NULLs and prompt sets met earlier in it (a
 * step's proposals can repeat one another), releasing them. */
void po_kids_unique(json_t **kids, size_t *n);

/* {"pool": [{"prompts", "sample"}...]} and back. */
json_t *po_pool_save(const struct po_pool *p);
int po_pool_restore(struct po_pool *p, const json_t *saved, struct po_err *err);

/* k cases of set drawn without replacement (all of them when k >= n). */
void po_minibatch(const struct po_caseset *set, size_t k, struct po_rng *r,
		  struct po_caseset *out);

/* The traces of an evaluation's ok cases, worst first; *out is a new array
 * whose strings are borrowed from ev. Returns how many. */
size_t po_traces(const struct po_evaluation *ev, struct po_trace **out);

/* An integer parameter of a strategy's config (dflt when absent). */
int po_param_int(const json_t *params, const char *key, int dflt);
double po_param_num(const json_t *params, const char *key, double dflt);
/* PO_EINPUT unless the parameter, when present, is an integer (a number)
 * in [min, max]. */
int po_param_check_int(const json_t *params, const char *strategy, const char *key, int min,
		       int max, struct po_err *err);
int po_param_check_num(const json_t *params, const char *strategy, const char *key, double min,
		       double max, struct po_err *err);

#endif
