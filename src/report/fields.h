/*
 * The run report's values: what the sections read from the final results
 * object (optimization_final_results.json), where any key may be missing
 * (older runs, hand-edited files), so each writer prints "n/a" for a
 * missing or non-finite value. Numbers go through po_svg_addnum(), strings
 * through po_md_text() at a line's start.
 *
 * Ownership: obj is only read; output is appended to the caller's buffer.
 */
#ifndef PO_FIELDS_H
#define PO_FIELDS_H

#include <jansson.h>

#include "util/buf.h"

/* Sets *v to obj[key] and returns 1 when it is a finite number, else 0. */
int po_field_get_num(const json_t *obj, const char *key, double *v);

/* obj[key] with `decimals` digits after the point: 62.10. */
void po_field_num(struct po_buf *out, const json_t *obj, const char *key, int decimals);

/* obj[key] as a whole number: 318. */
void po_field_int(struct po_buf *out, const json_t *obj, const char *key);

/* A setting, as short as it can be: 0.1, 5, 0.25 (at most 2 decimals). */
void po_field_setting(struct po_buf *out, const json_t *obj, const char *key);

/* v with a '+' when it shows as more than zero: +4.17, 0.00, -1.20. */
void po_field_signed(struct po_buf *out, double v, int decimals);

/* obj[key] as Markdown text; "n/a" when missing or empty. */
void po_field_str(struct po_buf *out, const json_t *obj, const char *key);

/* obj[key], a boolean, as "Yes" or "No". */
void po_field_yes_no(struct po_buf *out, const json_t *obj, const char *key);

/* True when obj[key] is true (missing: false). */
int po_field_true(const json_t *obj, const char *key);

/*
 * Every iteration of a final results object, the baseline (iteration 0)
 * first: its "baseline" object followed by "iteration_history", which starts
 * at iteration 1 as the seed's did. A file that still holds the baseline as
 * the history's entry 0 (written before that change) is read as it is.
 * Returns a new array (its entries are the object's), the caller decrefs.
 */
json_t *po_field_history(const json_t *fr);

#endif
