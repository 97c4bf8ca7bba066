/*
 * `.env` files, as the seed read them: KEY=VALUE lines setting environment
 * variables (API keys) for the run. A variable already set is never
 * overridden, and no message ever contains a value.
 */
#ifndef PO_DOTENV_H
#define PO_DOTENV_H

#include <stddef.h>

#include "promptopt.h"

/*
 * Parses text (len bytes, need not be NUL-terminated; `name` is used in
 * messages) and calls fn(key, value, line, ud) for each assignment in order.
 * Syntax: blank lines and '#' comments; optional "export "; KEY is
 * [A-Za-z_][A-Za-z0-9_]*; spaces around '=' allowed; VALUE unquoted (ends
 * at the end of line or at " #", trailing spaces dropped), 'single quoted'
 * (literal) or "double quoted" (\n \r \t \" \\ \$ escapes); quoted values
 * may span lines. PO_EINPUT with "name:line: ..." on the first bad line
 * (nothing after it is passed to fn).
 */
int po_dotenv_parse(const char *name, const char *text, size_t len,
		    void (*fn)(const char *key, const char *value, int line, void *ud), void *ud,
		    struct po_err *err);

/*
 * Reads the file at path and sets each variable not already set (setenv,
 * so call it before starting threads). A missing file is not an error (0).
 * *applied (may be NULL) receives the number of variables set.
 */
int po_dotenv_load(const char *path, int *applied, struct po_err *err);

#endif
