/*
 * The command metric's line protocol (see command.h): the request line a
 * metric reads for one case, and the parser of the line it writes back,
 * strict about what a score is so that nothing invented gets through.
 */
#include "eval/command.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"
#include "util/utf8.h"

/* Length of the UTF-8 sequence a lead byte starts (1 when it starts none). */
static size_t seq_len(unsigned char ch)
{
	return ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc0 ? 2 : 1;
}

void po_command_add_printable(struct po_buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		size_t k = seq_len(ch);

		if (ch == '"' || ch == '\\')
			po_buf_addf(b, "\\%c", ch);
		else if (ch == '\n')
			po_buf_adds(b, " | ");
		else if (ch == '\t')
			po_buf_adds(b, " ");
		else if (ch < 0x20 || ch == 0x7f)
			po_buf_addf(b, "\\x%02x", ch);
		else if (ch < 0x80)
			po_buf_addf(b, "%c", ch);
		else if (k > 1 && i + k <= len && po_utf8_valid(s + i, k, NULL)) {
			po_buf_add(b, s + i, k);
			i += k - 1;
		} else {
			po_buf_addf(b, "\\x%02x", ch);
		}
	}
}

/* The start of a reply, printable, for messages. */
static void quote(struct po_buf *b, const char *line, size_t len)
{
	size_t n = len < 60 ? len : 60;

	while (n < len && ((unsigned char)line[n] & 0xc0) == 0x80 && n < 64)
		n++; /* not in the middle of a character */
	po_buf_adds(b, "\"");
	po_command_add_printable(b, line, n);
	po_buf_adds(b, len > n ? "...\"" : "\"");
}

static int fail(char **why, const char *line, size_t len, const char *what)
{
	struct po_buf b = PO_BUF_INIT;

	po_buf_adds(&b, "bad reply ");
	quote(&b, line, len);
	po_buf_addf(&b, ": %s; a metric prints one line such as {\"score\": 0.8, \"feedback\": \"...\"}",
		    what);
	*why = po_buf_detach(&b);
	return -1;
}

static char *opt_string(const json_t *root, const char *key)
{
	const json_t *v = json_object_get(root, key);

	return json_is_string(v) ? po_xstrndup(json_string_value(v), json_string_length(v)) : NULL;
}

int po_command_reply_parse(const char *line, size_t len, struct po_command_reply *out,
			   char **why)
{
	json_error_t jerr;
	json_t *root, *score, *pass;
	const char *what = NULL;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!root)
		return fail(why, line, len, len ? "not JSON" : "an empty line");
	score = json_object_get(root, "score");
	pass = json_object_get(root, "pass");
	if (!json_is_object(root))
		what = "not a JSON object";
	else if (json_is_string(json_object_get(root, "error"))) {
		out->error = opt_string(root, "error");
		json_decref(root);
		return 0;
	} else if (!score)
		what = "no \"score\"";
	else if (!json_is_number(score))
		what = "\"score\" is not a number";
	else if (!(json_number_value(score) >= 0 && json_number_value(score) <= 1))
		what = "\"score\" is outside 0..1";
	else if (pass && !json_is_boolean(pass))
		what = "\"pass\" is not true or false";
	else if (json_object_get(root, "feedback") && !json_is_string(json_object_get(root, "feedback")))
		what = "\"feedback\" is not a string";
	if (what) {
		json_decref(root);
		return fail(why, line, len, what);
	}
	out->score = json_number_value(score);
	out->has_pass = pass != NULL;
	out->pass = json_is_true(pass);
	out->feedback = opt_string(root, "feedback");
	if (!out->feedback)
		out->feedback = opt_string(root, "reason");
	json_decref(root);
	return 0;
}

void po_command_reply_release(struct po_command_reply *r)
{
	free(r->feedback);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

char *po_command_request(const struct po_check *c, const struct po_case_result *item)
{
	const struct po_test_case *tc = item->tc;
	json_t *o = json_object(), *out;
	char *s;
	struct po_buf b = PO_BUF_INIT;

	json_object_set_new(o, "id", json_string(tc->id ? tc->id : ""));
	if (tc->name)
		json_object_set_new(o, "name", json_string(tc->name));
	json_object_set_new(o, "inputs", tc->inputs ? json_incref(tc->inputs) : json_object());
	json_object_set_new(o, "expected", tc->expected ? json_incref(tc->expected) : json_null());
	if (tc->raw)
		json_object_set(o, "test_case", tc->raw);
	out = item->output ? json_string(item->output) : NULL;
	json_object_set_new(o, "output", out ? out : json_string(""));
	if (c && c->value)
		json_object_set(o, "value", c->value);
	s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	po_buf_adds(&b, s ? s : "{}");
	po_buf_adds(&b, "\n");
	free(s);
	return po_buf_detach(&b);
}
