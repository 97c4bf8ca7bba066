/*
 * The experiment report: docs/EXPERIMENT_<project>_<unixtime>.md with an SVG
 * chart of score and best score per iteration next to it
 * (EXPERIMENT_<project>_<unixtime>.svg), both written atomically.
 * Input is the optimization_final_results.json object (see results.h).
 */
#ifndef PO_REPORT_H
#define PO_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "promptopt.h"
#include "util/buf.h"

/*
 * Writes the report and its chart into docs_dir (created if missing).
 * md_path receives the path of the Markdown file.
 */
int po_report_write(const json_t *final_results, const char *docs_dir, int64_t unixtime,
		    struct po_buf *md_path, struct po_err *err);

/* Appends the Markdown text of the report; svg_name is the chart's file name
 * (relative link), may be NULL for none. */
void po_report_markdown(struct po_buf *out, const json_t *final_results, const char *svg_name);

/*
 * Appends a self-contained SVG line chart with two series (score and best
 * score) over iterations 0..n-1. Values are 0-100. NaN values are gaps.
 */
void po_svg_score_chart(struct po_buf *out, const char *title, const double *score,
			const double *best, size_t n);

/*
 * Appends a self-contained SVG chart of several runs (a batch): the best
 * score per iteration of each series as steps, one colour each, with a
 * legend of names under the plot (the first 30, then "and N more").
 * series[s] has lens[s] values (NaN: gap); a NULL series is skipped.
 */
void po_svg_multi_chart(struct po_buf *out, const char *title, const char *const *names,
			const double *const *series, const size_t *lens, size_t nseries);

/*
 * Appends v with exactly `decimals` (0-6) digits after a '.', whatever the
 * process locale ("-0.00" is printed as "0.00"); "n/a" when v is NaN or
 * infinite. Used for every number in the report and the chart.
 */
void po_svg_addnum(struct po_buf *out, double v, int decimals);

/*
 * Appends s escaped for XML text and attribute values: & < > " ' become
 * entities; control characters and invalid UTF-8 (which XML cannot carry)
 * become U+FFFD. NULL appends nothing.
 */
void po_svg_escape(struct po_buf *out, const char *s);

#endif
