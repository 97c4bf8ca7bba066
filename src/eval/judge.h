/*
 * The LLM judge: the prompt that asks a model to score an output against
 * the project's rubric, and a robust parser for its reply (bare, fenced or
 * surrounded JSON).
 *
 * Reply shape (the seed's):
 *   {"overall_score": 0-5, "criteria_scores": {"<criterion key>": 0-5, ...},
 *    "content_quality": "...", "feedback": "...", "strengths": [...],
 *    "improvements": [...], "evolutionary_strategy": "..."}
 */
#ifndef PO_JUDGE_H
#define PO_JUDGE_H

#include <jansson.h>

#include "core/tags.h" /* PO_JUDGE_OUTPUT_BEGIN/END: markers around the output under evaluation */
#include "promptopt.h"
#include "util/buf.h"

struct po_rubric;

struct po_judgement {
	double score;       /* 0-100: rubric-weighted criteria, or overall_score * 20 */
	double overall;     /* 0-5 as given (or derived from criteria) */
	json_t *criteria;   /* object key -> number 0-5 (own reference) */
	char *feedback;     /* may be NULL */
	json_t *improvements; /* array of strings (own reference), never NULL */
	json_t *reply;      /* the parsed reply object (own reference) */
};

void po_judgement_release(struct po_judgement *j);

/* Appends the judge prompt for `output` produced for a test case. */
void po_judge_build_prompt(struct po_buf *out, const struct po_rubric *rubric,
			   const char *project_description, const json_t *test_case_inputs,
			   const char *output);
/*
 * The same request ordered for a provider's prompt cache: the part every
 * judge call of the project shares (instructions, project, rubric, reply
 * shape) first, then the test case's inputs and the output. Returns the
 * length in bytes of the shared part, the prefix a provider may cache
 * (struct po_llm_request's cache_prefix). The judge scorer uses it for
 * providers with a prompt cache (po_provider_prompt_cache()); the simulator
 * and the bridge keep the order above, so the simulator's seeded judge noise,
 * a hash of the prompt, and every recorded run stay as they were.
 */
size_t po_judge_build_prompt_shared_first(struct po_buf *out, const struct po_rubric *rubric,
					  const char *project_description,
					  const json_t *test_case_inputs, const char *output);
/* The system prompt of judge calls. */
const char *po_judge_system_prompt(void);

/* Appends the "## Test case inputs" section of a judge prompt (the inputs
 * sorted by name, so the same case always gives the same prompt); the
 * pairwise judge's prompt uses it too. */
void po_judge_add_inputs(struct po_buf *out, const json_t *inputs);

/*
 * Parses a judge reply. Accepts the JSON object alone, inside ``` fences, or
 * surrounded by prose (the first balanced {...} that parses as an object with
 * overall_score or criteria_scores). Scores are clamped to 0-5.
 * Returns 0, or PO_EEVAL with err saying what was wrong (never invents a score).
 */
int po_judge_parse(const char *reply, const struct po_rubric *rubric,
		   struct po_judgement *out, struct po_err *err);

#endif
