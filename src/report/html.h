/*
 * A small HTML writer for the reports' self-contained pages: escaping,
 * the page's head with its inline style sheet, elements and the inline
 * form of the SVG charts. No script, no external resource.
 *
 * Ownership: every function appends to the caller's buffer and keeps nothing.
 */
#ifndef PO_HTML_H
#define PO_HTML_H

#include <stddef.h>

#include "util/buf.h"

/* Appends s (len bytes) escaped for HTML text and attribute values:
 * & < > " ' become references, control characters other than tab and
 * line breaks become U+FFFD. */
void po_html_escape_n(struct po_buf *out, const char *s, size_t len);

/* po_html_escape_n over a NUL-terminated s; NULL appends nothing. */
void po_html_escape(struct po_buf *out, const char *s);

/* Opens a page: doctype, <head> with charset, the escaped title and the
 * style sheet every report shares, then <body> and <h1>title</h1>. */
void po_html_page_open(struct po_buf *out, const char *title);

/* Closes what po_html_page_open() opened. */
void po_html_page_close(struct po_buf *out);

/* <tag class="cls">text</tag> and a line break; cls may be NULL; text is
 * escaped (NULL: "n/a"). */
void po_html_elem(struct po_buf *out, const char *tag, const char *cls, const char *text);

/* v with `decimals` digits, "n/a" when not finite (see po_svg_addnum). */
void po_html_num(struct po_buf *out, double v, int decimals);

/* An SVG document (as po_svg_*_chart write it) inline in the page: the
 * XML declaration is dropped. */
void po_html_svg(struct po_buf *out, const char *svg);

/* A background colour for a score on a red (lo) to green (hi) scale:
 * "background:hsl(H,65%,78%)"; grey for a score that is not finite. */
void po_html_score_style(struct po_buf *out, double score, double lo, double hi);

#endif
