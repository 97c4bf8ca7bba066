/*
 * The batch report: batch_results_<id>.md next to batch_results_<id>.json,
 * with an SVG chart of every experiment's best score per iteration
 * (batch_results_<id>.svg). Input is the batch result object (run/batch.h).
 */
#ifndef PO_BATCH_REPORT_H
#define PO_BATCH_REPORT_H

#include <jansson.h>

#include "promptopt.h"
#include "util/buf.h"

/* Writes <dir>/<base>.md, <dir>/<base>.svg and <dir>/<base>.html (the
 * self-contained page) atomically; md_path receives the Markdown file's path. */
int po_batch_report_write(const json_t *result, const char *dir, const char *base,
			  struct po_buf *md_path, struct po_err *err);

/* The figures of an experiment's record (an entry of experiments[]): its
 * "summary" (the comparison's fields, from its final results), or for files
 * written before "results" held the whole final results, its "results". */
const json_t *po_batch_summary_of(const json_t *rec);

/* Appends the Markdown text; svg_name is the chart's file name (relative
 * link), NULL for none. */
void po_batch_report_markdown(struct po_buf *out, const json_t *result, const char *svg_name);

/* batch_html.c: appends the batch report as one self-contained HTML page:
 * totals, the score curves inline, the experiments and the comparison of
 * groups with intervals. */
void po_batch_report_html(struct po_buf *out, const json_t *result);

/* Appends the chart of the result's score curves. */
void po_batch_report_chart(struct po_buf *out, const json_t *result);

/* Appends an interval {"mean","low","high"} as text: "62.10 ± 1.30"; cut at
 * what the value can be (not symmetric), "2.0 [0.0, 7.1]"; one value (low
 * and high null), "62.10 ± n/a"; "n/a" for null. */
void po_batch_ci_text(struct po_buf *out, const json_t *ci, int decimals);

/* Appends a group's label: "all", or "setting=value" (null: "(default)"). */
void po_batch_group_label(struct po_buf *out, const json_t *group);

#endif
