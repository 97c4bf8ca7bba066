/*
 * The bench report: <base>.md with a table per strategy and <base>.svg, the
 * true score against calls spent (median and 10-90 % band per strategy).
 * Input is the bench result object (run/bench.h); reports read results,
 * never the engine.
 */
#ifndef PO_BENCH_REPORT_H
#define PO_BENCH_REPORT_H

#include <jansson.h>

#include "promptopt.h"
#include "util/buf.h"

/* Writes <dir>/<base>.md and <dir>/<base>.svg atomically; md_path receives
 * the Markdown file's path. */
int po_bench_report_write(const json_t *result, const char *dir, const char *base,
			  const char *command, struct po_buf *md_path, struct po_err *err);

/* Appends the table of figures, one row per strategy (Markdown). */
void po_bench_report_table(struct po_buf *out, const json_t *result);

/* Appends the chart. */
void po_bench_report_chart(struct po_buf *out, const json_t *result);

#endif
