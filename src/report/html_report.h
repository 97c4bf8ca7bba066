/*
 * The run report as one self-contained HTML page
 * (docs/EXPERIMENT_<project>_<unixtime>.html, beside the Markdown): the
 * summary, the score chart, the word diffs of the prompts, the lineage of
 * every evaluated candidate, the heat map of test cases x accepted
 * candidates, the per-criterion bars, sample outputs side by side, the
 * convergence analysis and the recommendations. html_report.c writes the
 * page and the prompt sections; html_lineage.c and html_cases.c the others.
 *
 * Ownership: fr and rf are only read; output is appended to the caller's buffer.
 */
#ifndef PO_HTML_REPORT_H
#define PO_HTML_REPORT_H

#include <jansson.h>

#include "report/run_files.h"
#include "util/buf.h"

/* Appends the page for the final results fr and the run's iteration files
 * rf; chart_svg is the score chart's SVG document (NULL: none). */
void po_report_html(struct po_buf *out, const json_t *fr, const struct po_run_files *rf,
		    const char *chart_svg);

/* html_lineage.c: "Lineage", every evaluated candidate as a node
 * (<li class="node ...">) of a tree under the candidate it came from. */
void po_html_section_lineage(struct po_buf *out, const struct po_run_files *rf);

/* html_cases.c: "Test cases", the heat map (a row per test case of the
 * baseline's evaluation, a column per accepted candidate). */
void po_html_section_heatmap(struct po_buf *out, const struct po_run_files *rf);

/* html_cases.c: "Criteria", the judge's mean per criterion for the
 * baseline and the best, as bars. */
void po_html_section_criteria(struct po_buf *out, const struct po_run_files *rf);

/* html_cases.c: "Sample outputs", the most improved and the most worsened
 * test cases (two each), baseline and best side by side. */
void po_html_section_examples(struct po_buf *out, const struct po_run_files *rf);

/* report_integrity.c: "Candidates rejected", the same as the Markdown
 * report's section (nothing for results without it). */
void po_html_section_integrity(struct po_buf *out, const json_t *fr);

#endif
