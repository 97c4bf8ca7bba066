/*
 * Mutation by an LLM: the prompt that asks for an improved template (with the
 * judge's feedback), and the parser of the reply.
 *
 * Prompt layout (markers in core/tags.h; the simulator relies on them):
 *   PO_MUTATE_PROMPT_BEGIN <current template> PO_MUTATE_PROMPT_END
 *   PO_MUTATE_FEEDBACK_BEGIN <one improvement per line> PO_MUTATE_FEEDBACK_END
 *   required placeholders listed as {name} on a line starting "Placeholders:"
 * Reply: the new template between <prompt> and </prompt> (a reply without the
 * tags is taken whole, fences removed).
 */
#ifndef PO_MUTATE_H
#define PO_MUTATE_H

#include <jansson.h>

#include "core/tags.h" /* the PO_MUTATE_* markers */
#include "promptopt.h"
#include "util/buf.h"

/* Appends the mutation prompt. feedback: array of strings (may be NULL);
 * placeholders: array of names (may be NULL). */
void po_mutate_build_prompt(struct po_buf *out, const char *prompt_name, const char *template,
			    double score, const json_t *feedback, const json_t *placeholders);
const char *po_mutate_system_prompt(void);
/* The " {a} {b}" placeholders line and what it asks (mutate.c). */
void po_mutate_add_placeholders(struct po_buf *out, const json_t *placeholders);
/* The judge's improvements, one per line, each said once. */
void po_mutate_add_feedback(struct po_buf *out, const json_t *feedback);

/* ---- meta_prompt.c: the requests of the other strategies --------------- */

/* One test case's trace for a reflective mutation. */
struct po_trace {
	const char *case_id;
	const char *output;            /* may be NULL */
	double score;
	const json_t *improvements;    /* array of strings, may be NULL */
};

/* A rewrite of `template` that fixes what the traces (worst first) show. */
void po_mutate_build_reflective(struct po_buf *out, const char *prompt_name,
				const char *template, const struct po_trace *traces, size_t n,
				const json_t *placeholders);
/* One template that combines the strengths of two (a crossover). */
void po_mutate_build_merge(struct po_buf *out, const char *prompt_name, const char *a,
			   const char *b, const json_t *placeholders);
/* OPRO: a new template scoring higher than every earlier one (templates[i]
 * with scores[i], ascending), given a few cases' outputs (traces). */
void po_mutate_build_opro(struct po_buf *out, const char *prompt_name,
			  const char *const *templates, const double *scores, size_t n,
			  const struct po_trace *traces, size_t ntraces,
			  const json_t *placeholders);

/* Extracts the new template; returns a new string or NULL (err set) when the
 * reply holds no usable template. */
char *po_mutate_parse_reply(const char *reply, struct po_err *err);

#endif
