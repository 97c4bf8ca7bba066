/*
 * jansson helpers: loading a file with "file:line:col: message" errors and
 * writing JSON atomically with sorted keys (results diff cleanly).
 */
#ifndef PO_JSON_H
#define PO_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "promptopt.h"
#include "util/buf.h"

/* Parses the file at path into *out (new reference). PO_ESYNTAX on bad JSON. */
int po_json_load_file(const char *path, json_t **out, struct po_err *err);
/* Parses text; `name` is used in messages. */
int po_json_load_text(const char *name, const char *text, size_t len, json_t **out,
		      struct po_err *err);
/* Writes v to path atomically, indented by 2, keys sorted, ending in '\n'. */
int po_json_write_file(const char *path, const json_t *v, struct po_err *err);
/* The same, durable or not (see po_fs_replace). */
int po_json_write_file_ex(const char *path, const json_t *v, bool durable, struct po_err *err);
/*
 * Appends v as json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS |
 * JSON_REAL_PRECISION(precision)) writes it, byte for byte, without the
 * final newline; depth > 0 indents it as a value nested that deep. The
 * results files use precision 10 (po_json_write_file), the checkpoint 17
 * (every double reads back exactly), the bridge files 15.
 */
void po_json_dump(struct po_buf *out, const json_t *v, int depth, int precision);
/* The same on one line, as json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
 * JSON_REAL_PRECISION(precision)) writes it (a line of a JSONL file). */
void po_json_dump_line(struct po_buf *out, const json_t *v, int precision);
/* A real as those write it ("null" when not finite). */
void po_json_add_real(struct po_buf *out, double v, int precision);
/* Returns a new compact string (sorted keys); the caller frees it. */
char *po_json_dumps_compact(const json_t *v);

/* Convenience getters: the default when missing or of another type
 * (po_json_int takes a real's integer part, saturated to long long). */
const char *po_json_str(const json_t *obj, const char *key, const char *dflt);
double po_json_num(const json_t *obj, const char *key, double dflt);
long long po_json_int(const json_t *obj, const char *key, long long dflt);
int po_json_bool(const json_t *obj, const char *key, int dflt);
/* Appends s as a JSON string literal (quotes included; NULL gives null).
 * Bytes >= 0x80 are copied as they are: the caller passes UTF-8. Escapes
 * as jansson writes them (po_json_dump uses the same). */
void po_json_escape(struct po_buf *out, const char *s);

/* Name of a JSON value's type for messages: "a string", "an array", ... */
const char *po_json_type_name(const json_t *v);

/*
 * The length of the balanced {...} that starts at s[0] == '{', or 0 when it
 * does not close within len. Braces inside JSON strings do not count;
 * nothing else is checked (the caller parses the span): finds an object in
 * text that is not JSON as a whole.
 */
size_t po_json_object_span(const char *s, size_t len);

#endif
