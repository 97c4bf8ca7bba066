/*
 * Template rendering: `{name}` placeholders replaced by a test case's inputs.
 * `{{` and `}}` stand for literal braces; a `{` that does not open a valid
 * placeholder name ([A-Za-z_][A-Za-z0-9_.-]*) followed by `}` is kept as is,
 * so JSON examples inside prompts survive.
 */
#ifndef PO_RENDER_H
#define PO_RENDER_H

#include <jansson.h>

#include "core/template.h"
#include "promptopt.h"
#include "util/buf.h"

/*
 * Appends template rendered with inputs (object name -> string; numbers and
 * booleans are printed as JSON). A placeholder with no input is PO_ETEMPLATE,
 * and the message names the placeholder and the test case (case_id).
 */
int po_render(struct po_buf *out, const char *template, const json_t *inputs,
	      const char *template_name, const char *case_id, struct po_err *err);

#endif
