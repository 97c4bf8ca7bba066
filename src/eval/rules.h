/*
 * What the rule scorers (eval/rules_*.c) share: the loop that runs one
 * check on every item of a batch, the verdict, and the text a check
 * compares with. A rule scorer scores a configured check (ctx->check,
 * core/checks.h); the check was validated when the project loaded.
 *
 * Ownership: items are borrowed; what a verdict stores belongs to the item.
 */
#ifndef PO_RULES_H
#define PO_RULES_H

#include <stdbool.h>

#include "core/checks.h"
#include "eval/scorer.h"

/* Scores one item: sets a verdict (po_rule_verdict) or an error (po_rule_error). */
typedef void (*po_rule_fn)(const struct po_check *c, struct po_case_result *item);

/* Runs fn on every item; without a check (ctx->check NULL) every item fails. */
int po_rules_run(const struct po_scorer_ctx *ctx, struct po_case_result *const *items,
		 size_t n, po_rule_fn fn);

/* ok, score (0-100), passed, and the message (printf-style, NULL: none) as feedback. */
__attribute__((format(printf, 4, 5)))
void po_rule_verdict(struct po_case_result *item, double score, bool passed, const char *fmt,
		     ...);
/* The case could not be scored (a failed evaluation): error is the message. */
__attribute__((format(printf, 2, 3)))
void po_rule_error(struct po_case_result *item, const char *fmt, ...);

/* The text a check compares with: its string value, else the case's
 * "expected" (a string as is, other JSON compact); new string, NULL when
 * neither. */
char *po_rule_target(const struct po_check *c, const struct po_test_case *tc);

/* The value a check compares with: its value, else the case's "expected"
 * (borrowed, NULL when neither). */
const json_t *po_rule_target_json(const struct po_check *c, const struct po_test_case *tc);

/* Declares the scorer po_scorer_<id> named `name` that runs fn on each item. */
#define PO_RULE_SCORER(id, scorer_name, text, fn)                                         \
	static int id##_score(const struct po_scorer_ctx *ctx,                            \
			      struct po_case_result *const *items, size_t n,               \
			      struct po_err *err)                                          \
	{                                                                                 \
		(void)err;                                                                \
		return po_rules_run(ctx, items, n, fn);                                   \
	}                                                                                 \
	const struct po_scorer_ops po_scorer_##id = {                                     \
		.name = scorer_name, .summary = text, .score = id##_score,                \
	}

#endif
