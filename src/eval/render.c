/*
 * Template rendering in one pass over the template, with the scanner of
 * core/template, so the validator and the renderer can never disagree about
 * what counts as a placeholder.
 */
#include "eval/render.h"

#include <stdlib.h>
#include <string.h>

#include "core/template.h"
#include "util/err.h"
#include "util/json.h"

static void add_value(struct po_buf *out, const json_t *v)
{
	char *s;

	if (json_is_string(v)) {
		po_buf_add(out, json_string_value(v), json_string_length(v));
		return;
	}
	s = po_json_dumps_compact(v);
	if (s)
		po_buf_adds(out, s);
	free(s);
}

int po_render(struct po_buf *out, const char *template, const json_t *inputs,
	      const char *template_name, const char *case_id, struct po_err *err)
{
	struct po_template_scan sc;
	struct po_buf name = PO_BUF_INIT;
	size_t start = out->len, len;
	const char *tok;
	enum po_template_tok t;
	int ret = 0;

	po_template_scan_init(&sc, template);
	while ((t = po_template_next(&sc, &tok, &len)) != PO_TOK_END) {
		const json_t *v;

		if (t == PO_TOK_TEXT) {
			po_buf_add(out, tok, len);
			continue;
		}
		po_buf_reset(&name);
		po_buf_add(&name, tok, len);
		v = json_object_get(inputs, name.data);
		if (!v) {
			ret = po_template_missing_input(err, template_name, name.data, case_id);
			po_buf_setlen(out, start);
			break;
		}
		add_value(out, v);
	}
	po_buf_release(&name);
	return ret;
}
