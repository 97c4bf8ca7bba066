/*
 * Optimization strategies: given the incumbent (best prompts so far and its
 * evaluation), a strategy proposes one or more candidate prompt sets per
 * iteration. The experiment evaluates them as one batch and decides what to
 * accept; the strategy is told the outcome through observe().
 */
#ifndef PO_STRATEGY_H
#define PO_STRATEGY_H

#include <jansson.h>
#include <stdint.h>

#include "eval/evaluate.h"
#include "llm/llm.h"
#include "core/project.h"

struct po_candidate {
	json_t *prompts;   /* object name -> template (own reference) */
	char *origin;      /* e.g. "mutation of generate_prfaq" (owned) */
};

void po_candidate_release(struct po_candidate *c);

struct po_opt_ctx {
	struct po_engine *engine;
	const struct po_project *project;
	const struct po_eval_settings *settings;
	const json_t *best_prompts;           /* the incumbent */
	const struct po_evaluation *best_eval;
	double best_score;
	int iteration;                        /* 1-based */
	uint64_t seed;
};

struct po_strategy;

struct po_strategy_ops {
	const char *name;
	const char *summary;
	struct po_strategy *(*new)(uint64_t seed);
	/* Fills *out with *n new candidates (the caller releases them and frees *out). */
	int (*propose)(struct po_strategy *s, const struct po_opt_ctx *ctx,
		       struct po_candidate **out, size_t *n, struct po_err *err);
	/* Told the evaluations of the proposed candidates (may be NULL). */
	void (*observe)(struct po_strategy *s, const struct po_candidate *cands,
			const struct po_evaluation *evals, size_t n);
	void (*free)(struct po_strategy *s);
};

/* The ops of a strategy by name, or NULL. */
const struct po_strategy_ops *po_strategy_find(const char *name);
/* Comma-separated names of all strategies (static string). */
const char *po_strategy_names(void);

/*
 * Asks the mutate role for a new version of prompt `name` of `prompts`, using
 * feedback (array of strings, may be NULL). On success *out is a new prompt
 * set with that template replaced. A reply without a usable template is
 * PO_EEVAL (the iteration's candidate is skipped, not the run).
 */
int po_strategy_mutate(const struct po_opt_ctx *ctx, const json_t *prompts, const char *name,
		       const json_t *feedback, unsigned sample, json_t **out, struct po_err *err);

extern const struct po_strategy_ops po_strategy_hillclimb;

#endif
