/*
 * Messages that point into a file's text: "path:line:col: message", the
 * position found from a JSON pointer-like path with util/jsonpos. Shared by
 * the validators of project files and of batch configs.
 *
 * Ownership: a struct po_src points at the caller's strings.
 */
#ifndef PO_SRCPOS_H
#define PO_SRCPOS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "promptopt.h"
#include "util/buf.h"

/* One file's text, for messages that point into it. */
struct po_src {
	const char *path;
	const char *text;
	size_t len;
};

/*
 * Sets err to code with "path:line:col: " and the message, the position
 * being that of the value at jpath (of its key when at_key); returns code.
 */
__attribute__((format(printf, 6, 7)))
int po_src_fail(struct po_err *err, int code, const struct po_src *s, const char *jpath,
		bool at_key, const char *fmt, ...);

/* prefix, then key as a path component (when not NULL), into b; returns b->data. */
const char *po_src_path(struct po_buf *b, const char *prefix, const char *key);

/*
 * PO_EINPUT: "expected <expected> for \"key\"<where>, found <type of v>" at
 * prefix/key.
 */
int po_src_type_error(struct po_err *err, const struct po_src *s, const char *prefix,
		      const char *key, const json_t *v, const char *expected, const char *where);

#endif
