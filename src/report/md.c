/*
 * The Markdown writer of both reports: escaping text, code spans and
 * fences whose delimiters outgrow any backtick run inside them, link
 * destinations.
 */
#include "report/md.h"

#include <string.h>

/*
 * Escapes what would make s open a list or underline a heading: a leading
 * "-", "+" or "=", or the "." / ")" after leading digits. Returns the rest
 * of s, still to append.
 */
static const char *escape_block_marker(struct po_buf *out, const char *s)
{
	const char *p;

	if (*s == '-' || *s == '+' || *s == '=') {
		po_buf_addch(out, '\\');
	} else if (*s >= '0' && *s <= '9') {
		for (p = s; *p >= '0' && *p <= '9'; p++)
			;
		if (*p == '.' || *p == ')') {
			po_buf_add(out, s, (size_t)(p - s));
			po_buf_addch(out, '\\');
			return p;
		}
	}
	return s;
}

void po_md_text(struct po_buf *out, const char *s, unsigned flags)
{
	const char *p;

	if (!s)
		return;
	if (flags & PO_MD_LINE_START)
		s = escape_block_marker(out, s);
	for (p = s; *p; p++) {
		switch (*p) {
		case '\\': case '`': case '*': case '_': case '[': case ']':
		case '<': case '>': case '|': case '#': case '~': case '&':
		case '!':
			po_buf_addch(out, '\\');
			po_buf_addch(out, *p);
			break;
		case '\n': case '\r': case '\t':
			po_buf_addch(out, ' ');
			break;
		default:
			po_buf_addch(out, *p);
		}
	}
}

static size_t longest_backtick_run(const char *s)
{
	size_t run = 0, best = 0;

	for (; *s; s++) {
		run = *s == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

static void add_repeat(struct po_buf *out, char c, size_t n)
{
	while (n--)
		po_buf_addch(out, c);
}

void po_md_code(struct po_buf *out, const char *s, unsigned flags)
{
	size_t ticks, len;
	int pad;
	const char *p;

	if (!s)
		s = "";
	len = strlen(s);
	if (!len && !(flags & PO_MD_PAD)) {
		po_buf_adds(out, "(empty)");
		return;
	}
	ticks = longest_backtick_run(s) + 1;
	pad = (flags & PO_MD_PAD) || s[0] == '`' || s[0] == ' ' || s[len - 1] == '`' ||
	      s[len - 1] == ' ';
	add_repeat(out, '`', ticks);
	if (pad)
		po_buf_addch(out, ' ');
	for (p = s; *p; p++) {
		if (*p == '\n' || *p == '\r' || (*p == '|' && (flags & PO_MD_NO_PIPE)))
			po_buf_addch(out, ' ');
		else
			po_buf_addch(out, *p);
	}
	if (pad)
		po_buf_addch(out, ' ');
	add_repeat(out, '`', ticks);
}

void po_md_fence(struct po_buf *out, const char *text, const char *info)
{
	size_t ticks = longest_backtick_run(text) + 1;

	if (ticks < 3)
		ticks = 3;
	add_repeat(out, '`', ticks);
	po_buf_adds(out, info);
	po_buf_addch(out, '\n');
	po_buf_adds(out, text);
	if (!*text || text[strlen(text) - 1] != '\n')
		po_buf_addch(out, '\n');
	add_repeat(out, '`', ticks);
	po_buf_addch(out, '\n');
}

void po_md_link_dest(struct po_buf *out, const char *dest)
{
	const char *p;

	if (strcspn(dest, " ()<>\\\n\r\t") == strlen(dest)) {
		po_buf_adds(out, dest);
		return;
	}
	po_buf_addch(out, '<');
	for (p = dest; *p; p++) {
		if (*p == '<' || *p == '>' || *p == '\\')
			po_buf_addch(out, '\\');
		po_buf_addch(out, *p == '\n' || *p == '\r' ? ' ' : *p);
	}
	po_buf_addch(out, '>');
}
