/*
 * Template placeholders (see template.h): one pass over the template, one
 * token at a time, for every user of placeholders.
 */
#include "core/template.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"

static bool name_start(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool name_char(char ch)
{
	return name_start(ch) || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
}

/* Length of a valid placeholder name at s followed by '}', else 0. */
static size_t placeholder_len(const char *s)
{
	size_t n = 0;

	if (!name_start(s[0]))
		return 0;
	while (name_char(s[n]))
		n++;
	return s[n] == '}' ? n : 0;
}

void po_template_scan_init(struct po_template_scan *sc, const char *template)
{
	sc->s = template ? template : "";
	sc->open_escapes = 0;
}

/*
 * `}}` becomes one brace only when it closes an earlier `{{`: a lone `}}`
 * is how nested JSON objects end ({"a": {"b": 1}}), and collapsing it would
 * corrupt JSON examples, which the `{`-rule exists to protect. Python-style
 * templates ({{"a": {{"b": 1}}}}) still render right.
 */
enum po_template_tok po_template_next(struct po_template_scan *sc, const char **tok,
				      size_t *len)
{
	const char *p = sc->s;
	size_t n;

	if (!*p)
		return PO_TOK_END;
	if (p[0] == '{' && p[1] == '{') {
		sc->open_escapes++;
		*tok = p;
		*len = 1;
		sc->s = p + 2;
		return PO_TOK_TEXT;
	}
	if (p[0] == '}' && p[1] == '}' && sc->open_escapes) {
		sc->open_escapes--;
		*tok = p;
		*len = 1;
		sc->s = p + 2;
		return PO_TOK_TEXT;
	}
	if (p[0] == '{' && (n = placeholder_len(p + 1))) {
		*tok = p + 1;
		*len = n;
		sc->s = p + n + 2;
		return PO_TOK_PLACEHOLDER;
	}
	/* Plain text runs up to the next brace; the brace that stopped us is
	 * always consumed so that the scan moves forward. */
	n = 1;
	while (p[n] && p[n] != '{' && p[n] != '}')
		n++;
	*tok = p;
	*len = n;
	sc->s = p + n;
	return PO_TOK_TEXT;
}

void po_template_placeholders(const char *template, json_t *names)
{
	struct po_template_scan sc;
	struct po_buf name = PO_BUF_INIT;
	json_t *seen = json_object(); /* a set, so many names stay linear */
	const char *tok;
	size_t len, i;
	enum po_template_tok t;

	po_template_scan_init(&sc, template);
	for (i = 0; i < json_array_size(names); i++) {
		const char *s = json_string_value(json_array_get(names, i));
		if (s)
			json_object_set_new(seen, s, json_true());
	}
	while ((t = po_template_next(&sc, &tok, &len)) != PO_TOK_END) {
		if (t != PO_TOK_PLACEHOLDER)
			continue;
		po_buf_reset(&name);
		po_buf_add(&name, tok, len);
		if (json_object_get(seen, name.data))
			continue;
		json_object_set_new(seen, name.data, json_true());
		json_array_append_new(names, json_string(name.data));
	}
	json_decref(seen);
	po_buf_release(&name);
}

int po_template_missing_input(struct po_err *err, const char *template_name, const char *name,
			      const char *case_id)
{
	return po_error(err, PO_ETEMPLATE,
			"template '%s' uses placeholder {%s}, but test case '%s' has no input '%s'; add \"%s\" to its inputs or remove {%s} from the template",
			template_name ? template_name : "(unnamed)", name,
			case_id ? case_id : "(unnamed)", name, name, name);
}

/* The input name closest to name (a typo's distance), or NULL. */
static const char *closest_input(const json_t *inputs, const char *name)
{
	const char *key, *best = NULL;
	size_t best_d = strlen(name) / 3 + 2;
	const json_t *v;

	json_object_foreach((json_t *)inputs, key, v) {
		size_t d = po_edit_distance(key, name);

		(void)v;
		if (d < best_d) {
			best = key;
			best_d = d;
		}
	}
	return best;
}

int po_template_check_inputs(const char *template, const json_t *inputs,
			     const char *template_name, const char *case_id, struct po_err *err)
{
	struct po_template_scan sc;
	struct po_buf name = PO_BUF_INIT;
	enum po_template_tok t;
	const char *tok;
	size_t len;
	int ret = 0;

	po_template_scan_init(&sc, template);
	while (!ret && (t = po_template_next(&sc, &tok, &len)) != PO_TOK_END) {
		if (t != PO_TOK_PLACEHOLDER)
			continue;
		po_buf_reset(&name);
		po_buf_add(&name, tok, len);
		if (!json_object_get(inputs, name.data)) {
			const char *near = closest_input(inputs, name.data);

			ret = po_template_missing_input(err, template_name, name.data, case_id);
			if (near && err) {
				char msg[sizeof(err->msg)];

				snprintf(msg, sizeof(msg), "%s", err->msg);
				ret = po_error(err, ret, "%s (did you mean {%s}, its input '%s'?)", msg,
					       near, near);
			}
		}
	}
	po_buf_release(&name);
	return ret;
}
