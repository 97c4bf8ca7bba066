/*
 * The sections of the run report that live in their own files; report.c
 * (po_report_markdown) calls them in the document's order. Each appends
 * its Markdown for the final results object fr, which may be NULL or lack
 * any key (the values then read "n/a"); a section with nothing to show
 * appends a line saying so, or nothing (usage, for results of older runs).
 *
 * Ownership: fr is only read; output is appended to the caller's buffer.
 */
#ifndef PO_REPORT_SECTIONS_H
#define PO_REPORT_SECTIONS_H

#include <jansson.h>

#include "report/run_files.h"
#include "util/buf.h"

/* report_tables.c: "## Summary", the table of the run's figures (with the
 * simulator's truth when the results have it). */
void po_report_section_summary(struct po_buf *out, const json_t *fr);

/* report_tables.c: "## LLM Usage and Cost", calls, cache hits, tokens and
 * dollars per role; nothing for results without cost and tokens by role. */
void po_report_section_usage(struct po_buf *out, const json_t *fr);

/* report_tables.c: "## Iteration History", a row per iteration. */
void po_report_section_history(struct po_buf *out, const json_t *fr);

/* report_next_steps.c: "## Next Steps", the commands to deploy the best
 * prompts, run again with another seed and check the results, with advice
 * on the convergence thresholds and on noise. */
void po_report_section_next_steps(struct po_buf *out, const json_t *fr);

/* report_changes.c: "## What Changed", the word diff of the baseline
 * prompts against the best and the score of each test case for both, from
 * the run's iteration files rf; a line saying so when they are missing. */
void po_report_section_changes(struct po_buf *out, const struct po_run_files *rf);

/* report_integrity.c: "## Candidates Rejected", the candidates rejected
 * before evaluation per reason, those repaired, and the prompt length;
 * nothing for results without them. */
void po_report_section_integrity(struct po_buf *out, const json_t *fr);

/* report.c: po_report_markdown() with the iteration files already read;
 * html_name, the HTML report's file name, is listed with the files (NULL:
 * none). */
void po_report_markdown_files(struct po_buf *out, const json_t *fr, const char *svg_name,
			      const char *html_name, const struct po_run_files *rf);

#endif
