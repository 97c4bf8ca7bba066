/*
 * Positions in JSON text: where does the value at "test_cases/3/inputs"
 * start? jansson reports line and column only for syntax errors; this lets
 * a validator point at the offending value of a document that parsed fine.
 */
#ifndef PO_JSONPOS_H
#define PO_JSONPOS_H

#include <stddef.h>

#include "util/buf.h"

/* 1-based line and column; columns count characters (UTF-8), as jansson does. */
struct po_jsonpos {
	int line, col;         /* where the value starts */
	int key_line, key_col; /* where its key starts (object member), else = line, col */
};

/*
 * Finds the value at `path` in text (len bytes, need not be NUL-terminated).
 * A path is segments separated by '/': an object key, or an array index in
 * decimal ("test_cases/3/inputs"); "" (or NULL) is the whole document. In a
 * key, "~1" stands for '/' and "~0" for '~' (as in JSON Pointer).
 *
 * Returns 0 when found. Returns -1 when the path is not there (or the text is
 * not valid JSON), and *pos is then the deepest value of the path that was
 * found (the document at worst, 1:1 for empty text), so a message about a
 * missing key can point at the object that lacks it.
 * Any input is safe; time is linear in len and memory in the longest key.
 */
int po_jsonpos_find(const char *text, size_t len, const char *path, struct po_jsonpos *pos);

/* Appends a key segment (escaped) / an index segment to a path. */
void po_jsonpos_path_key(struct po_buf *path, const char *key);
void po_jsonpos_path_index(struct po_buf *path, size_t index);

#endif
