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

/*
 * Where the values of a document converted from another format (JSONL, CSV,
 * YAML: core/cases_format.h) were in the file the user wrote: one entry per
 * value, by path. An entry with `sub` stands for a whole JSON text (a JSONL
 * line) whose values are found in it, shifted by line - 1.
 */
struct po_srcmap_entry {
	char *path;
	int line, col;
	const char *sub;   /* borrowed from the file's text, or NULL */
	size_t sub_len;
};

struct po_srcmap {
	struct po_srcmap_entry *v;
	size_t n, cap;
};

void po_srcmap_add(struct po_srcmap *m, const char *path, int line, int col);
void po_srcmap_add_sub(struct po_srcmap *m, const char *path, int line, const char *sub,
		       size_t sub_len);
void po_srcmap_release(struct po_srcmap *m);

/* One file's text, for messages that point into it; with a map, the text
 * is the JSON made from the file and positions come from the map. */
struct po_src {
	const char *path;
	const char *text;
	size_t len;
	const struct po_srcmap *map; /* NULL: positions are in text */
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
