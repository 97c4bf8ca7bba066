/*
 * Test cases in the formats people write them in: the seed's JSON, JSON
 * Lines (one case object a line), CSV (a header row of input names; the
 * columns "expected", "__metadata", "__id", "__name", "__description" are
 * special) and YAML. Each is made into the seed's JSON with a map of where
 * every value was (core/srcpos.h), so that one validator checks them all
 * and its messages say file:line:col in the file the user wrote.
 *
 * Ownership: *json is a new string, the caller frees it; the map's entries
 * borrow from `text`, which must outlive it.
 */
#ifndef PO_CASES_FORMAT_H
#define PO_CASES_FORMAT_H

#include <stddef.h>

#include "core/srcpos.h"
#include "promptopt.h"

enum po_cases_format { PO_CASES_JSON, PO_CASES_JSONL, PO_CASES_CSV, PO_CASES_YAML };

/* The format a file's name says: .jsonl, .csv, .yaml or .yml; else JSON. */
enum po_cases_format po_cases_format_of(const char *path);

/* The extensions tried for test_cases_NAME, in order ("json" first), NULL-ended. */
const char *const *po_cases_extensions(void);

/*
 * Makes the text of the file at path (len bytes) into the seed's JSON test
 * cases: *json (a new string) and map (entries appended). JSON is copied as
 * it is, with no entries. Fails with PO_EINPUT and "path:line:col: ..."
 * when the file is not well-formed in its format.
 */
int po_cases_convert(const char *path, const char *text, size_t len, char **json,
		     struct po_srcmap *map, struct po_err *err);

/* The converters, for the fuzz targets and tests (same contract). */
int po_cases_from_jsonl(const char *path, const char *text, size_t len, char **json,
			struct po_srcmap *map, struct po_err *err);
int po_cases_from_csv(const char *path, const char *text, size_t len, char **json,
		      struct po_srcmap *map, struct po_err *err);
int po_cases_from_yaml(const char *path, const char *text, size_t len, char **json,
		       struct po_srcmap *map, struct po_err *err);

#endif
