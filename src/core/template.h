/*
 * Template placeholders: the one scanner that says what `{name}` is in a
 * prompt template, shared by project validation (core/project) and rendering
 * (eval/render), so the validator and the renderer can never disagree.
 * `{{` and `}}` stand for literal braces; a `{` that does not open a valid
 * placeholder name ([A-Za-z_][A-Za-z0-9_.-]*) followed by `}` is kept as is.
 *
 * Ownership: the scanner points into the caller's template; json_t
 * arguments belong to the caller.
 */
#ifndef PO_TEMPLATE_H
#define PO_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

#include "promptopt.h"

struct po_template_scan {
	const char *s;
	size_t open_escapes; /* "{{" seen and not yet closed by "}}" */
};

enum po_template_tok { PO_TOK_END, PO_TOK_TEXT, PO_TOK_PLACEHOLDER };

/* Starts a scan of template (NULL scans as ""). */
void po_template_scan_init(struct po_template_scan *sc, const char *template);

/*
 * The next token: literal text to copy as is (*tok, *len), or a placeholder
 * name without its braces; PO_TOK_END at the end.
 */
enum po_template_tok po_template_next(struct po_template_scan *sc, const char **tok,
				      size_t *len);

/* Adds the placeholder names used by template to `names` (array, no duplicates). */
void po_template_placeholders(const char *template, json_t *names);

/*
 * PO_ETEMPLATE with the message for placeholder `name` that test case
 * case_id has no input for (the names may be NULL: "(unnamed)").
 */
int po_template_missing_input(struct po_err *err, const char *template_name, const char *name,
			      const char *case_id);

/*
 * 0 when inputs (object name -> value) has every placeholder of template,
 * else po_template_missing_input() for the first one missing.
 */
int po_template_check_inputs(const char *template, const json_t *inputs,
			     const char *template_name, const char *case_id, struct po_err *err);

#endif
