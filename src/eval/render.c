/*
 * Template rendering in one pass over the template. Rendering and collecting
 * placeholder names share one scanner, so the validator and the renderer can
 * never disagree about what counts as a placeholder.
 */
#include "eval/render.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/json.h"

struct scan {
	const char *s;
	size_t open_escapes; /* "{{" seen and not yet closed by "}}" */
};

enum tok { TOK_END, TOK_TEXT, TOK_PLACEHOLDER };

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

/*
 * Returns the next token: literal text to copy as is, or a placeholder name
 * (without braces). `}}` becomes one brace only when it closes an earlier
 * `{{`: a lone `}}` is how nested JSON objects end ({"a": {"b": 1}}), and
 * collapsing it would corrupt JSON examples, which the `{`-rule exists to
 * protect. Python-style templates ({{"a": {{"b": 1}}}}) still render right.
 */
static enum tok next_token(struct scan *sc, const char **tok, size_t *len)
{
	const char *p = sc->s;
	size_t n;

	if (!*p)
		return TOK_END;
	if (p[0] == '{' && p[1] == '{') {
		sc->open_escapes++;
		*tok = p;
		*len = 1;
		sc->s = p + 2;
		return TOK_TEXT;
	}
	if (p[0] == '}' && p[1] == '}' && sc->open_escapes) {
		sc->open_escapes--;
		*tok = p;
		*len = 1;
		sc->s = p + 2;
		return TOK_TEXT;
	}
	if (p[0] == '{' && (n = placeholder_len(p + 1))) {
		*tok = p + 1;
		*len = n;
		sc->s = p + n + 2;
		return TOK_PLACEHOLDER;
	}
	/* Plain text runs up to the next brace; the brace that stopped us is
	 * always consumed so that the scan moves forward. */
	n = 1;
	while (p[n] && p[n] != '{' && p[n] != '}')
		n++;
	*tok = p;
	*len = n;
	sc->s = p + n;
	return TOK_TEXT;
}

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
	struct scan sc = { template ? template : "", 0 };
	struct po_buf name = PO_BUF_INIT;
	size_t start = out->len, len;
	const char *tok;
	enum tok t;
	int ret = 0;

	while ((t = next_token(&sc, &tok, &len)) != TOK_END) {
		const json_t *v;

		if (t == TOK_TEXT) {
			po_buf_add(out, tok, len);
			continue;
		}
		po_buf_reset(&name);
		po_buf_add(&name, tok, len);
		v = json_object_get(inputs, name.data);
		if (!v) {
			ret = po_error(err, PO_ETEMPLATE,
				       "template '%s' uses placeholder {%s}, but test case '%s' has no input '%s'; add \"%s\" to its inputs or remove {%s} from the template",
				       template_name ? template_name : "(unnamed)", name.data,
				       case_id ? case_id : "(unnamed)", name.data, name.data,
				       name.data);
			po_buf_setlen(out, start);
			break;
		}
		add_value(out, v);
	}
	po_buf_release(&name);
	return ret;
}

void po_template_placeholders(const char *template, json_t *names)
{
	struct scan sc = { template ? template : "", 0 };
	struct po_buf name = PO_BUF_INIT;
	json_t *seen = json_object(); /* a set, so many names stay linear */
	const char *tok;
	size_t len, i;
	enum tok t;

	for (i = 0; i < json_array_size(names); i++) {
		const char *s = json_string_value(json_array_get(names, i));
		if (s)
			json_object_set_new(seen, s, json_true());
	}
	while ((t = next_token(&sc, &tok, &len)) != TOK_END) {
		if (t != TOK_PLACEHOLDER)
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
