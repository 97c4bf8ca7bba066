/*
 * The shared part of the rule scorers (see rules.h): the per-item loop,
 * verdicts and errors, and what a check compares with.
 */
#include "eval/rules.h"

#include <stdarg.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/mem.h"

/* promptfoo's "not-" prefix: the check passes when its type fails. */
static void negate(const struct po_check *c, struct po_case_result *item)
{
	if (item->passed)
		po_rule_verdict(item, 100 - item->score, false,
				"%s: the output passes the check it must fail", c->label);
	else
		po_rule_verdict(item, 100 - item->score, true, NULL);
}

int po_rules_run(const struct po_scorer_ctx *ctx, struct po_case_result *const *items,
		 size_t n, po_rule_fn fn)
{
	for (size_t i = 0; i < n; i++) {
		if (!ctx->check)
			po_rule_error(items[i], "a rule scorer needs a check (\"scorers\" in the config)");
		else
			fn(ctx->check, items[i]);
		if (ctx->check && ctx->check->negate && items[i]->ok)
			negate(ctx->check, items[i]);
	}
	return 0;
}

void po_rule_verdict(struct po_case_result *item, double score, bool passed, const char *fmt,
		     ...)
{
	item->ok = true;
	item->score = score < 0 ? 0 : score > 100 ? 100 : score;
	item->passed = passed;
	free(item->feedback);
	item->feedback = NULL;
	if (fmt) {
		struct po_buf b = PO_BUF_INIT;
		va_list ap;

		va_start(ap, fmt);
		po_buf_vaddf(&b, fmt, ap);
		va_end(ap);
		item->feedback = po_buf_detach(&b);
	}
}

void po_rule_error(struct po_case_result *item, const char *fmt, ...)
{
	struct po_buf b = PO_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	po_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	free(item->error);
	item->error = po_buf_detach(&b);
	item->ok = false;
	item->passed = false;
}

const json_t *po_rule_target_json(const struct po_check *c, const struct po_test_case *tc)
{
	return c->value ? c->value : tc ? tc->expected : NULL;
}

char *po_rule_target(const struct po_check *c, const struct po_test_case *tc)
{
	const json_t *v = po_rule_target_json(c, tc);
	char *s;

	if (!v)
		return NULL;
	if (json_is_string(v))
		return po_xstrndup(json_string_value(v), json_string_length(v));
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	return s ? s : po_xstrdup("");
}
