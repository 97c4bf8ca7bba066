/*
 * Optimization strategies. A strategy owns the search: which candidates to
 * create, which prompts to evaluate on which cases (through the search
 * context, opt/search.h), and what it keeps in its pool. Each step it hands
 * the experiment nominees; the experiment's acceptance (opt/accept.h)
 * decides and the strategy is told the outcome. Adding one is a file and a
 * line in the table (docs/adding-a-strategy.md).
 *
 * Ownership: a strategy's state is its own, freed by free(); save() returns
 * a new reference.
 */
#ifndef PO_STRATEGY_H
#define PO_STRATEGY_H

#include <jansson.h>
#include <stdint.h>

#include "opt/accept.h"
#include "opt/search.h"

/* The sizes a step's cost depends on. */
struct po_step_shape {
	size_t ncases;               /* every test case */
	size_t train, val;           /* the split's sets */
	bool split;                  /* train and validation are different cases */
	bool system_prompt;          /* the project has a system prompt too */
};

/* Calls of one step, per role (upper bound). */
struct po_step_estimate {
	double calls[PO_ROLE_COUNT];
	/* How many candidates a step evaluates on the validation set; with
	 * calls this lets the estimate say what a step is made of. */
	double candidates;
};

struct po_strategy;

struct po_strategy_ops {
	const char *name;
	const char *summary;
	/* Names of the parameters it takes beside "name" (NULL-terminated). */
	const char *const *params;
	/* Checks the values of its parameters (keys are checked against params
	 * first); may be NULL when any value of a known key is fine. */
	int (*check)(const json_t *params, struct po_err *err);
	/* A new strategy; params is the config's "strategy" object or NULL. */
	struct po_strategy *(*new)(const json_t *params, uint64_t seed);
	/* Checks that it can run on a project of this shape, before any call:
	 * PO_EINPUT when its parameters do not fit (e.g. a minibatch larger
	 * than the training set). May be NULL. */
	int (*check_shape)(const struct po_strategy *s, const struct po_step_shape *shape,
			   struct po_err *err);
	void (*estimate)(const struct po_strategy *s, const struct po_step_shape *shape,
			 struct po_step_estimate *out);
	/*
	 * One step: creates candidates, evaluates them through ctx and
	 * nominates (po_search_nominate) those the experiment should consider.
	 * PO_EEVAL: the LLM gave no usable candidate (a lost step, not a failed
	 * run); another negative status stops the run.
	 */
	int (*step)(struct po_strategy *s, struct po_search *ctx, struct po_err *err);
	/* The decision on each nominee of the step (may be NULL). */
	void (*outcome)(struct po_strategy *s, const struct po_nominee *n,
			const struct po_accept_decision *d);
	/* State for the checkpoint (NULL: none) and back (may be NULL). */
	json_t *(*save)(const struct po_strategy *s);
	int (*restore)(struct po_strategy *s, const json_t *state, struct po_err *err);
	void (*free)(struct po_strategy *s);
};

/* The strategy of a run that names none (the seed's). */
#define PO_STRATEGY_DEFAULT "reflect"

/* The ops of a strategy by name, or NULL. */
const struct po_strategy_ops *po_strategy_find(const char *name);
/* Comma-separated names of all strategies (static string). */
const char *po_strategy_names(void);

/*
 * Checks a "strategy" config value (a name, or an object with "name" and
 * the strategy's parameters): PO_EINPUT naming an unknown strategy or an
 * unknown parameter (with a did-you-mean), or the strategy's own check.
 */
int po_strategy_check_params(const json_t *value, struct po_err *err);

/*
 * A strategy given on the command line: NAME[:KEY=VALUE[:KEY=VALUE...]]
 * (e.g. "reflect:minibatch=4:merge=0.2"). *name is a new string; *params a
 * new {"name", KEY: VALUE...} object, or NULL when the spec has no
 * parameters. Values that read as integers, numbers or true/false are
 * those, others strings. Checked like a config's (PO_EINPUT).
 */
int po_strategy_parse_spec(const char *spec, char **name, json_t **params, struct po_err *err);
/* Only checks a spec (0 or PO_EINPUT, as po_strategy_parse_spec). */
int po_strategy_check_spec(const char *spec, struct po_err *err);

extern const struct po_strategy_ops po_strategy_hillclimb;
extern const struct po_strategy_ops po_strategy_reflect;
extern const struct po_strategy_ops po_strategy_opro;
extern const struct po_strategy_ops po_strategy_ga;
extern const struct po_strategy_ops po_strategy_demos;       /* opt/demos_strategy.c */

#endif
