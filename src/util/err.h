/*
 * Filling a struct po_err: `return po_error(err, PO_EINPUT, "...", ...);`
 * records the message (when err is not NULL) and returns the status.
 */
#ifndef PO_ERR_H
#define PO_ERR_H

#include "promptopt.h"

int po_error(struct po_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes the message already in err with "prefix: ". */
void po_error_prefix(struct po_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Levenshtein distance of two short strings (99 when either is longer
 * than 32 bytes): for "did you mean" in messages about unknown keys. */
size_t po_edit_distance(const char *a, const char *b);

#endif
