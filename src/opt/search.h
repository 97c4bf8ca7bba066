/*
 * The search context: what a strategy sees of the experiment during a step.
 * Every evaluation a strategy asks for goes through it, so it is counted,
 * cached and journaled (by the engine) and archived (deduplicated: a prompt
 * set evaluated on a case with a sample is never paid for twice in a run).
 * A strategy hands the experiment its *nominees*; the experiment's
 * acceptance decides and the strategy is told the outcome.
 *
 * Ownership: the experiment owns the context and everything it points to;
 * a nominee owns its prompts and evaluation until the experiment takes them.
 */
#ifndef PO_SEARCH_H
#define PO_SEARCH_H

#include <jansson.h>
#include <stdint.h>

#include "eval/evaluate.h"
#include "eval/split.h"
#include "llm/llm.h"
#include "opt/archive.h"
#include "opt/integrity.h"

struct po_nominee {
	json_t *prompts;             /* object name -> template */
	char *origin;                /* e.g. "mutation of generate_prfaq" */
	unsigned sample;             /* the sample index of its evaluation */
	struct po_evaluation eval;   /* on the validation set */
};

struct po_search {
	struct po_engine *engine;
	const struct po_project *project;
	const struct po_eval_settings *settings;
	struct po_archive *archive;
	const struct po_split *split;  /* strategies search on train; nominees are
	                                * evaluated on validation */
	/* The incumbent, as the experiment holds it. */
	const json_t *incumbent;
	const struct po_evaluation *incumbent_eval;
	double incumbent_score;
	unsigned incumbent_sample;     /* the sample index of its evaluation */
	int iteration;                 /* 1-based step number */
	uint64_t seed;
	/* The run's candidate checks and their counts (opt/integrity.h); NULL:
	 * candidates are still checked, with the defaults, and not counted. */
	struct po_integrity *integrity;
	/* Every evaluation of the step that made calls, in order: an array of {"candidate",
	 * "score", "evaluated", "failed", "cases", "sample", "hash", "prompt_chars"}
	 * (the population the results files record); created on first use. */
	json_t *evaluated;
	/* Why a step nominated nothing, when it says (a static string). */
	const char *why_none;
	/* Filled by po_search_nominate during a step. */
	struct po_nominee *nominees;
	size_t n_nominees, alloc;
};

/*
 * Evaluates prompts[0..n-1] on `cases` (NULL: every case) with the sample
 * index `sample`, in one batch; out[i] gets each one's results, the cases
 * already in the archive taken from it (no calls). origin names the
 * candidates in the archive. Returns 0 or a negative status when the
 * provider itself failed.
 */
int po_search_evaluate(struct po_search *s, const json_t *const *prompts, size_t n,
		       const struct po_caseset *cases, unsigned sample, const char *const *origins,
		       struct po_evaluation *out, struct po_err *err);

/* Hands a nominee to the experiment: takes the reference to prompts and
 * the contents of *ev (zeroed), evaluated with sample index `sample`. */
void po_search_nominate(struct po_search *s, json_t *prompts, const char *origin,
			unsigned sample, struct po_evaluation *ev);

/*
 * Records where a candidate came from before it is evaluated: the operator
 * that made it and its parents (prompt sets). The results' population rows
 * and the checkpoint carry it; the first record of a prompt set stands.
 */
void po_search_lineage(struct po_search *s, const json_t *prompts, const char *op,
		       const json_t *const *parents, size_t nparents);

/* Frees the nominees and the step's evaluation list (after the
 * experiment has decided and recorded them). */
void po_search_clear(struct po_search *s);

/*
 * Asks the mutate role for a new version of prompt `name` of `prompts`,
 * using feedback (array of strings, may be NULL). On success *out is a new
 * prompt set with that template replaced, which has passed the integrity
 * check (po_integrity_check: possibly repaired). A reply without a usable
 * template, or a candidate the check rejects, is PO_EEVAL (the step's
 * candidate is lost, not the run), counted in s->integrity.
 */
int po_search_mutate(const struct po_search *s, const json_t *prompts, const char *name,
		     const json_t *feedback, unsigned sample, json_t **out, struct po_err *err);

/*
 * The general form: sends `request` (a prompt built by opt/mutate.h) to the
 * mutate role and replaces template `name` of `prompts` with the reply's.
 * feedback_cases: how many test cases the request shows (metadata the
 * simulator uses). Errors as po_search_mutate.
 */
int po_search_ask(const struct po_search *s, const json_t *prompts, const char *name,
		  const char *request, size_t feedback_cases, unsigned sample, json_t **out,
		  struct po_err *err);

/* The name of the prompt a strategy edits at its k-th edit (0-based): the
 * main prompt and the system prompt, when the project has one, take turns
 * (the other prompts of the file are never sent). */
const char *po_search_prompt_name(const struct po_search *s, size_t k);

/* The placeholders of template `name` of prompts (a new array). */
json_t *po_search_placeholders(const json_t *prompts, const char *name);

#endif
