/*
 * A small Markdown writer shared by the run report and the batch report:
 * text that renders as itself, code spans that survive backticks, fenced
 * blocks and link destinations.
 *
 * Ownership: every function appends to the caller's buffer and keeps nothing.
 */
#ifndef PO_MD_H
#define PO_MD_H

#include "util/buf.h"

enum po_md_flags {
	/* po_md_text: s may open a block (a list item's text, a line): a
	 * leading "-", "+", "=" or "1." / "1)" is escaped too, so it cannot
	 * start a nested list or underline a heading. */
	PO_MD_LINE_START = 1 << 0,
	/* po_md_code: always one space inside the backticks ("`` x ``"), and
	 * an empty s gives a span of two spaces instead of "(empty)". */
	PO_MD_PAD = 1 << 1,
	/* po_md_code: '|' becomes a space, so the span cannot split a table
	 * cell (GFM ends a cell at a '|' even inside a code span). */
	PO_MD_NO_PIPE = 1 << 2,
};

/*
 * Appends s as inline Markdown text that renders as itself: punctuation
 * that could start emphasis, links, HTML or code or end a table cell
 * (\ ` * _ [ ] < > | # ~ & !) is backslash-escaped, and line breaks and
 * tabs become spaces so a value never ends a table row or a list item
 * early. flags: PO_MD_LINE_START or 0. NULL appends nothing.
 */
void po_md_text(struct po_buf *out, const char *s, unsigned flags);

/*
 * Appends s as an inline code span, on one line (line breaks become
 * spaces). The delimiter is one backtick longer than any run inside s, so
 * backticks in s cannot close it; a space pads s inside the delimiters
 * when s starts or ends with a backtick or a space. NULL or "" gives
 * "(empty)". flags: PO_MD_PAD, PO_MD_NO_PIPE or 0.
 */
void po_md_code(struct po_buf *out, const char *s, unsigned flags);

/*
 * Appends text as a fenced code block with info string `info` (e.g.
 * "text"): the fence is longer than any backtick run in text (at least
 * three), and the block always ends with a newline.
 */
void po_md_fence(struct po_buf *out, const char *text, const char *info);

/*
 * Appends dest as a link destination, the part between "(" and ")" of
 * [text](dest): as is when plain, else in <...> (which may hold spaces and
 * parentheses) with '<', '>' and '\' escaped and line breaks as spaces.
 */
void po_md_link_dest(struct po_buf *out, const char *dest);

#endif
