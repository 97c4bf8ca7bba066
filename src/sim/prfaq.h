/*
 * What the PR-FAQ catalogues share: the indices of their features (prfaq-v1
 * has the first PF_V1_COUNT; prfaq adds the case-dependent, interacting and
 * per-case ones) and the writer of their outputs (prfaq_writer.c).
 */
#ifndef PO_SIM_PRFAQ_H
#define PO_SIM_PRFAQ_H

#include "sim/sim_internal.h"

enum {
	PF_HEADLINE, PF_DATELINE, PF_PROBLEM, PF_MECHANISM, PF_LEADER, PF_CUSTOMER,
	PF_AVAIL, PF_PRICING, PF_FAQ, PF_FAQ_MANY, PF_FAQ_COST, PF_FAQ_SUPPORT,
	PF_PLAIN, PF_MARKDOWN, PF_CTA, PF_HYPE, PF_VAGUE, PF_NOFAQ, PF_LONG, PF_V1_COUNT,
	/* prfaq only */
	PF_DISCLAIMER = PF_V1_COUNT, PF_WORD_LIMIT, PF_STORY, PF_BASELINE_METRIC,
	PF_TARGET_METRIC, PF_COND_CONSUMER, PF_COND_PRICE, PF_COND_REGULATED, PF_TAILORED,
	PF_FOREIGN, PF_COUNT
};

/* The baseline template of both catalogues (the built-in project's prompt). */
extern const char po_sim_prfaq_baseline[];

/* Writes one PR-FAQ output; a feature index past the catalogue's n is never
 * realized. */
void po_sim_prfaq_build(const struct gen_ctx *g, struct po_buf *out);
/* The off-topic answer of a prompt that lost its placeholders. */
void po_sim_prfaq_offtopic(const struct gen_ctx *g, struct po_buf *out);

#endif
