/*
 * Files compiled into the binary at build time (scripts/embed.py): the
 * built-in projects (projects/) and the price table (data/prices.json).
 * The data is static; nothing here is freed.
 */
#ifndef PO_EMBEDDED_H
#define PO_EMBEDDED_H

#include <stddef.h>

struct po_embedded_file {
	const char *path; /* e.g. "pr-faq-validator/test_cases.json" */
	const char *data;
	size_t len;
};
extern const struct po_embedded_file po_embedded_files[];
extern const size_t po_embedded_files_count;

/* The file at `path` (relative to projects/), or NULL. */
const struct po_embedded_file *po_embedded_find(const char *path);

#endif
