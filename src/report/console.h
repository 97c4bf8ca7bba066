/*
 * What a run says on the console, as text: one line per progress event in
 * the seed's words, and the CONVERGENCE ANALYSIS block with the figures
 * after it. `promptopt run` and `status` print it; a batch keeps each
 * experiment's as its "stdout".
 *
 * Ownership: inputs are only read; text is appended to the caller's buffer.
 */
#ifndef PO_CONSOLE_H
#define PO_CONSOLE_H

#include <jansson.h>

#include "promptopt.h"
#include "util/buf.h"

/* The width the console text keeps to. */
#define PO_CONSOLE_COLUMNS 100

/* text (lines separated by '\n') wrapped at PO_CONSOLE_COLUMNS characters
 * between words, continuation lines indented by two spaces. */
void po_console_wrap(struct po_buf *out, const char *text);

/* The lines of one event (PO_EV_WARNING's message without a prefix). */
void po_console_event(struct po_buf *out, const struct po_event *ev);

/* The CONVERGENCE ANALYSIS block and the summary lines after it, from the
 * final results object f of the run whose folder is results_dir. */
void po_console_analysis(struct po_buf *out, const json_t *f, const char *results_dir);

#endif
