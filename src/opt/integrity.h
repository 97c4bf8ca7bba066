/*
 * Mutation integrity: the check every LLM-made candidate passes before any
 * generate call (po_search_mutate runs it). A candidate whose template lost
 * a placeholder the test cases provide, gained one they do not provide, is
 * empty, is longer than max_prompt_chars, or is a prompt set already
 * evaluated in this run, is repaired (a lost placeholder, when it can be put
 * back unambiguously) or rejected; rejections are counted per reason for
 * the results, the report and the checkpoint. The rule is documented in
 * docs/strategies.md, "Mutation integrity". Also: a candidate's length
 * and the length penalty acceptance applies.
 *
 * Ownership: struct po_integrity is held by the experiment (init/release);
 * json_t arguments belong to the caller unless said otherwise.
 */
#ifndef PO_INTEGRITY_H
#define PO_INTEGRITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/project.h"
#include "opt/archive.h"
#include "promptopt.h"

enum po_reject_reason {
	PO_REJECT_LOST_PLACEHOLDER,
	PO_REJECT_UNKNOWN_PLACEHOLDER,
	PO_REJECT_EMPTY,
	PO_REJECT_DUPLICATE,
	PO_REJECT_TOO_LONG,
	PO_REJECT_UNUSABLE_REPLY,   /* the mutate reply held no template */
	PO_REJECT_COUNT
};

struct po_integrity {
	long max_prompt_chars;       /* 0: no cap */
	double length_penalty;       /* points per 1000 characters over the baseline */
	long rejected[PO_REJECT_COUNT];  /* run-wide */
	long repaired;                   /* a lost placeholder put back (run-wide) */
	long step_rejected[PO_REJECT_COUNT]; /* since po_integrity_step_begin */
	json_t *known;               /* placeholders every test case provides (a set) */
};

void po_integrity_init(struct po_integrity *ig);
void po_integrity_release(struct po_integrity *ig);

/* The name of a reason as the results write it ("lost_placeholder"). */
const char *po_integrity_reason_name(enum po_reject_reason r);

/* Characters (Unicode code points) of the templates a run renders: the
 * project's main prompt and its system prompt, when it has one. */
long po_prompt_chars(const struct po_project *p, const json_t *prompts);

/*
 * Checks `child`, made from `parent` (both prompt sets of project p), before
 * it is evaluated; may repair a lost placeholder in child (in place). 0: it
 * may be evaluated. PO_EEVAL: rejected, counted (ig may be NULL: not
 * counted), err says why and what it was. The archive (may be NULL) tells
 * what this run has evaluated.
 */
int po_integrity_check(struct po_integrity *ig, const struct po_project *p,
		       const struct po_archive *a, const json_t *parent, json_t *child,
		       struct po_err *err);

/* Counts a mutate reply the parser found no template in (as "empty" when
 * it holds only white space, or an empty <prompt></prompt>). */
void po_integrity_count_reply(struct po_integrity *ig, const char *reply);

/*
 * Repairs template `child` that lost placeholder `name` which `parent` has
 * (see docs/strategies.md): a new string, or NULL when it cannot be put back
 * unambiguously. The caller frees it.
 */
char *po_integrity_repair(const char *parent, const char *child, const char *name);

/*
 * The length penalty between a nominee and the incumbent, in score points
 * (subtract it from the nominee's gain): length_penalty times the growth of
 * the nominee's excess over the baseline's length, per 1000 characters, less
 * the incumbent's. 0 without a penalty.
 */
double po_integrity_length_cost(const struct po_integrity *ig, const struct po_project *p,
				const json_t *baseline, const json_t *nominee,
				const json_t *incumbent);

/* A step starts: the per-step counts go back to 0. */
void po_integrity_step_begin(struct po_integrity *ig);
/* The step's rejections as {"reason": n, ...}, or NULL when none (new reference). */
json_t *po_integrity_step_json(const struct po_integrity *ig);

/*
 * Adds to final results f: "candidates_rejected" (po_integrity_rejected_json),
 * "candidates_repaired" and "prompt_length" {"baseline_chars", "best_chars",
 * "max_prompt_chars" (null: no cap), "length_penalty"}.
 */
void po_integrity_add_results(const struct po_integrity *ig, const struct po_project *p,
			      const json_t *baseline, const json_t *best, json_t *f);

/* {"lost_placeholder": n, ..., "total": n} (new reference). */
json_t *po_integrity_rejected_json(const struct po_integrity *ig);
/* {"rejected": {...}, "repaired": n} for the checkpoint (new reference), and back
 * (a NULL or missing state leaves the counts at 0). */
json_t *po_integrity_save(const struct po_integrity *ig);
void po_integrity_restore(struct po_integrity *ig, const json_t *state);

#endif
