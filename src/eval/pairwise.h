/*
 * The pairwise judge: one judge call shown a test case, the rubric and two
 * outputs for it, labelled A and B, that says which is better and by how
 * much. Paired acceptance may use it (run/pairwise.c) in place of the
 * difference of two absolute judge scores.
 *
 * Reply shape:
 *   {"winner": "A" | "B" | "tie", "strength": 1-5, "reason": "..."}
 * strength: 1 slightly better ... 5 far better (ignored for a tie).
 *
 * Ownership: items borrow their test case and outputs; what the judge
 * stores in an item (reason, error) is freed by po_pairwise_item_release().
 */
#ifndef PO_PAIRWISE_H
#define PO_PAIRWISE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/project.h"
#include "core/tags.h" /* PO_PAIR_A_BEGIN ...: markers around the two outputs */
#include "eval/evaluate.h"
#include "util/buf.h"

/* "kind" in the metadata of a pairwise judge request (bridge protocol). */
#define PO_PAIRWISE_KIND "pairwise"

/* The system prompt of pairwise calls. */
const char *po_pairwise_system_prompt(void);

/* Appends the pairwise prompt for outputs a and b of a test case. */
void po_pairwise_build_prompt(struct po_buf *out, const struct po_rubric *rubric,
			      const char *project_description, const json_t *test_case_inputs,
			      const char *a, const char *b);

/* The JSON Schema of the reply, for the APIs' structured output (new reference). */
json_t *po_pairwise_schema(void);

/*
 * Parses a pairwise reply: the JSON object alone, fenced, or the first
 * object in prose that has "winner" (or a numeric "preference" in [-1, 1]).
 * winner: "A", "B" or "tie" in any case ("output A", "draw", "equal",
 * "neither", "both" are understood); strength: a number or a numeric
 * string, clamped to 1-5, 3 when missing. *pref is the preference in
 * [-1, 1], positive when A is better (winner sign x strength / 5; 0 for a
 * tie); *reason (may be NULL) a new string or NULL.
 * Returns 0, or PO_EEVAL with err saying what was wrong.
 */
int po_pairwise_parse(const char *reply, double *pref, char **reason, struct po_err *err);

/*
 * Whether the nominee is shown as A for a case: a fair coin drawn from the
 * run's seed, the case id and the two prompt sets' hashes, so a run (and a
 * resumed one) shows every pair in the same order.
 */
bool po_pairwise_nominee_first(uint64_t seed, const char *case_id, uint64_t nominee_hash,
			       uint64_t incumbent_hash);

struct po_pairwise_item {
	const struct po_test_case *tc;
	const char *a, *b;   /* the outputs shown as A and B (borrowed) */
	bool ok;
	double preference;   /* [-1, 1], positive: A better, when ok */
	char *reason;        /* the judge's, or NULL */
	char *error;         /* why it failed, or NULL */
	int attempts;        /* judge calls made for it */
};

void po_pairwise_item_release(struct po_pairwise_item *it);

/*
 * Judges items[0..n-1] in one batch of judge-role calls at `sample`; a
 * reply that does not parse is asked again once (another sample index),
 * then the item is failed (ok false, error set), never given a verdict.
 * Returns 0, or a negative status when the provider itself failed.
 */
int po_pairwise_judge(struct po_engine *engine, const struct po_project *p,
		      const struct po_eval_settings *settings, struct po_pairwise_item *items,
		      size_t n, unsigned sample, struct po_err *err);

#endif
