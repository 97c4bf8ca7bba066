/*
 * Scorers turn (test case, output) into a score from 0 to 100 with optional
 * feedback. The LLM judge is the first; rule scorers plug in beside it as
 * one file and one line in the table (docs/adding-a-scorer.md).
 *
 * A scorer fills, for each item, ok and score, or error when it could not
 * score the case (a failed evaluation, left out of the mean: never an
 * invented score); it may add criteria, feedback and improvements (what the
 * mutate role sees). Ownership: items are borrowed; what a scorer stores in
 * an item belongs to the item (po_evaluation_release frees it).
 */
#ifndef PO_SCORER_H
#define PO_SCORER_H

#include <stdbool.h>
#include <stddef.h>

#include "eval/evaluate.h"

struct po_scorer_ctx {
	struct po_engine *engine;
	const struct po_project *project;
	const struct po_eval_settings *settings;
	unsigned sample;              /* the evaluation's sample index */
	const struct po_check *check; /* a rule scorer's check (core/checks.h); NULL: the judge */
};

struct po_scorer_ops {
	const char *name;
	const char *summary;
	/*
	 * Scores items[0..n-1] (each has tc and output set; all calls of a
	 * batch go to the engine together). Returns 0, or a negative status
	 * when the provider itself failed (the whole evaluation stops).
	 */
	int (*score)(const struct po_scorer_ctx *ctx, struct po_case_result *const *items,
		     size_t n, struct po_err *err);
	/* May run on a thread of its own while the judge's calls go out (it
	 * does not use the engine). */
	bool background;
};

/* The scorer named `name`, or NULL. */
const struct po_scorer_ops *po_scorer_find(const char *name);
/* Comma-separated names of all scorers (static string). */
const char *po_scorer_names(void);

extern const struct po_scorer_ops po_scorer_judge;
/*
 * The first judge request of a case's output, exactly as the judge scorer
 * sends it (so a pipelined evaluation can send it ahead, llm.h's
 * po_engine_complete_then()). *prompt (free), *meta and *schema (decref;
 * the reply's JSON Schema, or NULL) are new; req borrows them.
 */
void po_scorer_judge_request(const struct po_scorer_ctx *ctx, const struct po_test_case *tc,
			     const char *output, char **prompt, json_t **meta, json_t **schema,
			     struct po_llm_request *req);
/* Rule scorers (eval/rules_*.c), named as the check types of core/checks.h. */
extern const struct po_scorer_ops po_scorer_equals, po_scorer_contains, po_scorer_icontains,
	po_scorer_contains_any, po_scorer_contains_all, po_scorer_not_contains,
	po_scorer_starts_with, po_scorer_regex, po_scorer_length, po_scorer_expected;
extern const struct po_scorer_ops po_scorer_is_json, po_scorer_json_schema,
	po_scorer_json_path_equals;
extern const struct po_scorer_ops po_scorer_levenshtein, po_scorer_f1;
extern const struct po_scorer_ops po_scorer_cost, po_scorer_latency;
/* A metric program (eval/command.c). */
extern const struct po_scorer_ops po_scorer_command;

#endif
