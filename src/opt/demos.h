/*
 * The demos operator: few-shot examples in a template (the block of
 * core/tags.h). It keeps a small pool of training cases' outputs with their
 * scores, fed from the evaluations it is shown, and proposes one edit of a
 * template at a time: add the best example not in it, swap its weakest for
 * a better one, or remove one. Examples come from the split's train cases
 * only, never from validation or test cases. A deterministic edit: no LLM call.
 *
 * Ownership: po_demos_new() returns a pool the caller frees with
 * po_demos_free(); evaluations and prompt sets given to it are borrowed;
 * *out of po_demos_propose and po_demos_save() are new references.
 */
#ifndef PO_DEMOS_H
#define PO_DEMOS_H

#include <jansson.h>
#include <stddef.h>

#include "eval/evaluate.h"
#include "util/buf.h"
#include "opt/search.h"

#define PO_DEMOS_MAX_EXAMPLES 8
/* Outputs longer than this are not taken as examples. */
#define PO_DEMOS_MAX_OUTPUT 6000

struct po_demos;

/* A pool for templates of at most max_examples (1..PO_DEMOS_MAX_EXAMPLES). */
struct po_demos *po_demos_new(size_t max_examples);
void po_demos_free(struct po_demos *d);

/*
 * Feeds the pool from an evaluation made through ctx: each ok case of the
 * split's train set with an output (cases served from the archive have
 * none) is kept when it is its case's best and among the pool's best.
 */
void po_demos_observe(struct po_demos *d, const struct po_search *ctx,
		      const struct po_evaluation *ev);
/* How many cases' outputs the pool holds. */
size_t po_demos_pool_size(const struct po_demos *d);

/*
 * One edit of template `name` of prompts: the first of (add the best pool
 * example not in it, while it has fewer than max_examples; swap its weakest
 * example for another (the best first); remove one, the weakest first) whose prompt set
 * the archive has not evaluated yet; on even iterations of ctx swaps come
 * before adds. On success *out is the new prompt set
 * and op says what was done ("add example from case x", ...). PO_EEVAL when
 * no untried edit is left (a lost step), PO_EINPUT when there is no such
 * prompt.
 */
int po_demos_propose(struct po_demos *d, struct po_search *ctx, const json_t *prompts,
		     const char *name, json_t **out, char *op, size_t opcap, struct po_err *err);

/*
 * Appends text to out with the braces escaped, so that rendering the
 * template gives text back: `{` becomes `{{`, and a `}` that closes one of
 * those becomes `}}` (a lone `}` renders as itself; core/template.h).
 */
void po_demos_escape(struct po_buf *out, const char *text, size_t len);

/* The pool for the checkpoint, and back (PO_EINPUT when malformed). */
json_t *po_demos_save(const struct po_demos *d);
int po_demos_restore(struct po_demos *d, const json_t *j, struct po_err *err);

#endif
