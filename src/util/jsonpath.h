/*
 * A small JSON path, as rule scorers use it: "$", then ".key", "[3]" or
 * ["key"] / ['key'] steps ("$.fields.name", "$.items[0]", "$['a b']").
 * No wildcards, filters or slices.
 *
 * Ownership: values returned are borrowed from the document.
 */
#ifndef PO_JSONPATH_H
#define PO_JSONPATH_H

#include <jansson.h>
#include <stddef.h>

/*
 * Follows path in root (root NULL: only checks the syntax). Returns 0 with
 * *out the value, or NULL when a step is not there; -1 when the path is
 * malformed, with *errpos the byte offset of the fault and *why a static
 * message.
 */
int po_jsonpath_get(const json_t *root, const char *path, const json_t **out, size_t *errpos,
		    const char **why);

#endif
