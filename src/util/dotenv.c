/*
 * `.env` reader (see dotenv.h). Messages name the file, line and key but
 * never echo text after '=': a malformed line may hold a secret.
 */
#include "util/dotenv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"

struct cursor {
	const char *p, *end;
	int line;
};

static bool at_end(const struct cursor *c)
{
	return c->p >= c->end;
}

static void skip_blanks(struct cursor *c)
{
	while (!at_end(c) && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* Moves past the end of the current line. */
static void skip_line(struct cursor *c)
{
	while (!at_end(c) && *c->p != '\n')
		c->p++;
	if (!at_end(c)) {
		c->p++;
		c->line++;
	}
}

static bool key_start(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool key_char(char ch)
{
	return key_start(ch) || (ch >= '0' && ch <= '9');
}

/* After a quoted value: only blanks and a comment may follow on the line. */
static int line_tail(struct cursor *c, const char *name, int line, const char *key,
		     struct po_err *err)
{
	skip_blanks(c);
	if (!at_end(c) && *c->p == '\r')
		c->p++;
	if (at_end(c) || *c->p == '\n' || *c->p == '#') {
		skip_line(c);
		return 0;
	}
	return po_error(err, PO_EINPUT,
			"%s:%d: unexpected text after the quoted value of %s; put a comment after '#'",
			name, line, key);
}

static int quoted(struct cursor *c, struct po_buf *v, const char *name, int line,
		  const char *key, struct po_err *err)
{
	char q = *c->p++;

	while (!at_end(c) && *c->p != q) {
		char ch = *c->p++;
		if (ch == '\n')
			c->line++;
		if (ch == '\\' && q == '"' && !at_end(c)) {
			char e = *c->p++;
			switch (e) {
			case 'n': ch = '\n'; break;
			case 'r': ch = '\r'; break;
			case 't': ch = '\t'; break;
			case '"': case '\\': case '$': ch = e; break;
			default:
				/* Unknown escapes stay as written (a Windows path). */
				po_buf_addch(v, '\\');
				ch = e;
				if (e == '\n')
					c->line++;
			}
		}
		if (ch == '\0')
			return po_error(err, PO_EINPUT, "%s:%d: the value of %s contains a NUL byte",
					name, line, key);
		po_buf_addch(v, ch);
	}
	if (at_end(c))
		return po_error(err, PO_EINPUT, "%s:%d: the value of %s has no closing %c", name,
				line, key, q);
	c->p++;
	return line_tail(c, name, line, key, err);
}

static int unquoted(struct cursor *c, struct po_buf *v, const char *name, int line,
		    const char *key, struct po_err *err)
{
	while (!at_end(c) && *c->p != '\n') {
		if (*c->p == '#' && (!v->len || v->data[v->len - 1] == ' ' ||
				     v->data[v->len - 1] == '\t'))
			break;
		if (*c->p == '\0')
			return po_error(err, PO_EINPUT, "%s:%d: the value of %s contains a NUL byte",
					name, line, key);
		po_buf_addch(v, *c->p++);
	}
	while (v->len && (v->data[v->len - 1] == ' ' || v->data[v->len - 1] == '\t' ||
			  v->data[v->len - 1] == '\r'))
		po_buf_setlen(v, v->len - 1);
	skip_line(c);
	return 0;
}

int po_dotenv_parse(const char *name, const char *text, size_t len,
		    void (*fn)(const char *key, const char *value, int line, void *ud), void *ud,
		    struct po_err *err)
{
	struct cursor c = { text, text + len, 1 };
	struct po_buf key = PO_BUF_INIT, val = PO_BUF_INIT;
	int ret = 0;

	/* A UTF-8 byte order mark, as some editors write. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		c.p += 3;
	while (!at_end(&c) && !ret) {
		int line = c.line;

		skip_blanks(&c);
		if (at_end(&c))
			break;
		if (*c.p == '\n' || *c.p == '\r' || *c.p == '#') {
			skip_line(&c);
			continue;
		}
		if ((size_t)(c.end - c.p) > 7 && !memcmp(c.p, "export", 6) &&
		    (c.p[6] == ' ' || c.p[6] == '\t')) {
			c.p += 6;
			skip_blanks(&c);
		}
		po_buf_reset(&key);
		po_buf_reset(&val);
		if (at_end(&c) || !key_start(*c.p)) {
			ret = po_error(err, PO_EINPUT,
				       "%s:%d: expected KEY=VALUE (a name of letters, digits and '_', not starting with a digit)",
				       name, line);
			break;
		}
		while (!at_end(&c) && key_char(*c.p) && key.len < 256)
			po_buf_addch(&key, *c.p++);
		skip_blanks(&c);
		if (at_end(&c) || *c.p != '=') {
			/* Not named: a line with no '=' may be a pasted secret. */
			ret = po_error(err, PO_EINPUT,
				       "%s:%d: expected KEY=VALUE (no '=' after the name)", name,
				       line);
			break;
		}
		c.p++;
		skip_blanks(&c);
		if (!at_end(&c) && (*c.p == '"' || *c.p == '\''))
			ret = quoted(&c, &val, name, line, key.data, err);
		else
			ret = unquoted(&c, &val, name, line, key.data, err);
		if (!ret)
			fn(key.data, val.data, line, ud);
	}
	po_buf_release(&key);
	po_buf_release(&val);
	return ret;
}

struct apply {
	int applied;
};

static void apply_one(const char *key, const char *value, int line, void *ud)
{
	struct apply *a = ud;

	(void)line;
	/* Never override: the environment a user typed beats the file. */
	if (getenv(key))
		return;
	if (!setenv(key, value, 0))
		a->applied++;
}

int po_dotenv_load(const char *path, int *applied, struct po_err *err)
{
	struct po_buf text = PO_BUF_INIT;
	struct apply a = { 0 };
	int ret;

	if (applied)
		*applied = 0;
	if (!po_fs_exists(path))
		return 0;
	ret = po_fs_read_file(path, &text, err);
	if (!ret)
		ret = po_dotenv_parse(path, text.data, text.len, apply_one, &a, err);
	if (applied)
		*applied = a.applied;
	po_buf_release(&text);
	return ret;
}
