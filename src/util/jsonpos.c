/*
 * A forward-only scanner that walks JSON text along a path and reports where
 * the value there starts. It never builds a tree and never recurses: values
 * off the path are skipped by counting brackets, so hostile input (deep
 * nesting, truncation, garbage) costs linear time and constant stack.
 */
#include "util/jsonpos.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct cur {
	const unsigned char *p, *end;
	int line, col;
};

static void adv(struct cur *c)
{
	unsigned char ch = *c->p++;

	if (ch == '\n') {
		if (c->line < INT_MAX)
			c->line++;
		c->col = 1;
	} else if ((ch & 0xC0) != 0x80 && c->col < INT_MAX) {
		/* continuation bytes belong to the character already counted */
		c->col++;
	}
}

static bool at_end(const struct cur *c)
{
	return c->p >= c->end;
}

static void skip_ws(struct cur *c)
{
	while (!at_end(c) && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		adv(c);
}

static int hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Reads the 4 hex digits after "\u"; -1 when they are not there. */
static long read_hex4(struct cur *c)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int h;
		if (at_end(c) || (h = hexval(*c->p)) < 0)
			return -1;
		v = v * 16 + h;
		adv(c);
	}
	return v;
}

static void put_utf8(struct po_buf *b, unsigned long cp)
{
	char u[4];

	if (cp < 0x80) {
		po_buf_addch(b, (char)cp);
		return;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		po_buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		po_buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		po_buf_add(b, u, 4);
	}
}

static void read_unicode_escape(struct cur *c, struct po_buf *out)
{
	long hi = read_hex4(c), lo;

	if (hi < 0)
		return;
	if (hi >= 0xD800 && hi <= 0xDBFF && c->end - c->p >= 2 && c->p[0] == '\\' &&
	    c->p[1] == 'u') {
		adv(c);
		adv(c);
		lo = read_hex4(c);
		if (lo >= 0xDC00 && lo <= 0xDFFF) {
			put_utf8(out, 0x10000 + (((unsigned long)hi - 0xD800) << 10) +
					      ((unsigned long)lo - 0xDC00));
			return;
		}
		put_utf8(out, (unsigned long)hi);
		if (lo >= 0)
			put_utf8(out, (unsigned long)lo);
		return;
	}
	put_utf8(out, (unsigned long)hi);
}

/*
 * At a '"': moves past the closing quote, decoding the string into out when
 * out is not NULL. Returns -1 when the text ends first.
 */
static int scan_string(struct cur *c, struct po_buf *out)
{
	adv(c);
	while (!at_end(c)) {
		unsigned char ch = *c->p;

		if (ch == '"') {
			adv(c);
			return 0;
		}
		adv(c);
		if (ch != '\\') {
			if (out)
				po_buf_addch(out, (char)ch);
			continue;
		}
		if (at_end(c))
			return -1;
		ch = *c->p;
		adv(c);
		if (!out)
			continue;
		switch (ch) {
		case 'b': po_buf_addch(out, '\b'); break;
		case 'f': po_buf_addch(out, '\f'); break;
		case 'n': po_buf_addch(out, '\n'); break;
		case 'r': po_buf_addch(out, '\r'); break;
		case 't': po_buf_addch(out, '\t'); break;
		case 'u': read_unicode_escape(c, out); break;
		default: po_buf_addch(out, (char)ch); break; /* " \ / */
		}
	}
	return -1;
}

static bool is_delim(unsigned char ch)
{
	return ch == ',' || ch == ']' || ch == '}' || ch == ':' || ch == ' ' || ch == '\t' ||
	       ch == '\n' || ch == '\r' || ch == '"' || ch == '[' || ch == '{';
}

/* Moves past one value of any kind. Returns -1 on malformed or truncated text. */
static int skip_value(struct cur *c)
{
	size_t depth = 0;

	if (at_end(c))
		return -1;
	if (*c->p == '"')
		return scan_string(c, NULL);
	if (*c->p != '{' && *c->p != '[') {
		const unsigned char *start = c->p;
		while (!at_end(c) && !is_delim(*c->p))
			adv(c);
		return c->p == start ? -1 : 0;
	}
	while (!at_end(c)) {
		unsigned char ch = *c->p;

		if (ch == '"') {
			if (scan_string(c, NULL) < 0)
				return -1;
			continue;
		}
		adv(c);
		if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			if (--depth == 0)
				return 0;
		}
	}
	return -1;
}

static void mark(const struct cur *c, struct po_jsonpos *pos, int key_line, int key_col)
{
	pos->line = c->line;
	pos->col = c->col;
	pos->key_line = key_line;
	pos->key_col = key_col;
}

/* Decodes one path segment ("~1" -> '/', "~0" -> '~') into seg. */
static const char *next_segment(const char *s, struct po_buf *seg)
{
	po_buf_reset(seg);
	while (*s && *s != '/') {
		if (s[0] == '~' && s[1] == '1') {
			po_buf_addch(seg, '/');
			s += 2;
		} else if (s[0] == '~' && s[1] == '0') {
			po_buf_addch(seg, '~');
			s += 2;
		} else {
			po_buf_addch(seg, *s++);
		}
	}
	return s;
}

/* At a '{': moves to the value of member `key`. 0 found, -1 otherwise. */
static int find_member(struct cur *c, const struct po_buf *key, struct po_buf *tmp,
		       struct po_jsonpos *pos)
{
	adv(c);
	for (;;) {
		int kl, kc;

		skip_ws(c);
		if (at_end(c) || *c->p != '"')
			return -1;
		kl = c->line;
		kc = c->col;
		po_buf_reset(tmp);
		if (scan_string(c, tmp) < 0)
			return -1;
		skip_ws(c);
		if (at_end(c) || *c->p != ':')
			return -1;
		adv(c);
		skip_ws(c);
		if (at_end(c))
			return -1;
		if (tmp->len == key->len && !memcmp(tmp->data, key->data, key->len)) {
			mark(c, pos, kl, kc);
			return 0;
		}
		if (skip_value(c) < 0)
			return -1;
		skip_ws(c);
		if (at_end(c) || *c->p != ',')
			return -1;
		adv(c);
	}
}

static bool parse_index(const struct po_buf *seg, size_t *out)
{
	size_t i, v = 0;

	if (!seg->len)
		return false;
	for (i = 0; i < seg->len; i++) {
		unsigned char ch = (unsigned char)seg->data[i];
		if (ch < '0' || ch > '9' || v > (SIZE_MAX - 9) / 10)
			return false;
		v = v * 10 + (size_t)(ch - '0');
	}
	*out = v;
	return true;
}

/* At a '[': moves to element `index`. 0 found, -1 otherwise. */
static int find_element(struct cur *c, size_t index, struct po_jsonpos *pos)
{
	size_t i;

	adv(c);
	for (i = 0;; i++) {
		skip_ws(c);
		if (at_end(c) || *c->p == ']')
			return -1;
		if (i == index) {
			mark(c, pos, c->line, c->col);
			return 0;
		}
		if (skip_value(c) < 0)
			return -1;
		skip_ws(c);
		if (at_end(c) || *c->p != ',')
			return -1;
		adv(c);
	}
}

int po_jsonpos_find(const char *text, size_t len, const char *path, struct po_jsonpos *pos)
{
	struct cur c = { (const unsigned char *)text, (const unsigned char *)text + len, 1, 1 };
	struct po_buf seg = PO_BUF_INIT, tmp = PO_BUF_INIT;
	const char *s = path ? path : "";
	int ret = 0;

	if (!text)
		c.end = c.p;
	mark(&c, pos, 1, 1);
	skip_ws(&c);
	if (at_end(&c)) {
		ret = -1;
		goto out;
	}
	mark(&c, pos, c.line, c.col);
	if (*s == '/')
		s++;
	else if (!*s)
		goto out;
	for (;;) {
		struct po_jsonpos found;
		size_t index;

		s = next_segment(s, &seg);
		if (*c.p == '{')
			ret = find_member(&c, &seg, &tmp, &found);
		else if (*c.p == '[' && parse_index(&seg, &index))
			ret = find_element(&c, index, &found);
		else
			ret = -1;
		if (ret < 0)
			goto out;
		*pos = found;
		if (!*s)
			break;
		s++; /* the '/' */
	}
out:
	po_buf_release(&seg);
	po_buf_release(&tmp);
	return ret;
}

void po_jsonpos_path_key(struct po_buf *path, const char *key)
{
	po_buf_addch(path, '/');
	for (; *key; key++) {
		if (*key == '~')
			po_buf_adds(path, "~0");
		else if (*key == '/')
			po_buf_adds(path, "~1");
		else
			po_buf_addch(path, *key);
	}
}

void po_jsonpos_path_index(struct po_buf *path, size_t index)
{
	po_buf_addf(path, "/%zu", index);
}
