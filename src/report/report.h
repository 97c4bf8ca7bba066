/*
 * The experiment report: docs/EXPERIMENT_<project>_<unixtime>.md with an SVG
 * chart of score and best score per iteration next to it
 * (EXPERIMENT_<project>_<unixtime>.svg), both written atomically.
 * Input is the optimization_final_results.json object (see results.h).
 *
 * Ownership: final_results is only read; output goes to the caller's buffers.
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

#endif
