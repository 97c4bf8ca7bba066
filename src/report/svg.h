/*
 * The reports' SVG charts, self-contained SVG 1.1 (no script, no external
 * resource), and the number formatting and XML escaping the Markdown
 * reports share with them.
 *
 * Ownership: every function appends to the caller's buffer and keeps nothing.
 */
#ifndef PO_SVG_H
#define PO_SVG_H

#include <stddef.h>

#include "util/buf.h"

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
