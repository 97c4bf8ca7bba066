/*
 * The HTML writer of the reports' pages: escaping, the page frame with its
 * style sheet (inline, so the file works alone from file://), elements and
 * inline SVG.
 */
#include "report/html.h"

#include <math.h>
#include <string.h>

#include "report/svg.h"

/* One style sheet for the run and the batch page. */
static const char style_sheet[] =
	"body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:24px auto;"
	"max-width:1200px;padding:0 16px;color:#222;line-height:1.4}\n"
	"h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:2em}\n"
	"table{border-collapse:collapse;margin:8px 0}\n"
	"th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}\n"
	"td.num,th.num{text-align:right}\n"
	"pre{white-space:pre-wrap;word-wrap:break-word;background:#f7f7f7;padding:8px;"
	"border:1px solid #e2e2e2;font-size:0.9em}\n"
	"ins{background:#c8f0c8;text-decoration:none}\n"
	"del{background:#f6c6c6;color:#733}\n"
	".note{color:#666;font-size:0.9em}\n"
	"ul.lineage,ul.lineage ul{list-style:none;margin:0;padding-left:22px;"
	"border-left:1px dashed #bbb}\n"
	"ul.lineage{border-left:none;padding-left:0}\n"
	"li.node>span,li.skipped>span{display:inline-block;margin:2px 0;padding:1px 6px;"
	"border-radius:4px;font-size:0.9em}\n"
	"li.accepted>span{background:#d7f0d7;border:1px solid #6a6;font-weight:bold}\n"
	"li.rejected>span{background:#f4f4f4;border:1px solid #ccc;color:#555}\n"
	"li.skipped>span{background:#fff3d6;border:1px dashed #c90;color:#555}\n"
	"table.heat td.cell{text-align:right;min-width:48px}\n"
	".bar{display:inline-block;height:12px;vertical-align:middle}\n"
	".bar.base{background:#9bb7dd}.bar.best{background:#e4572e}\n"
	".side{display:flex;gap:12px}.side>div{flex:1;min-width:0}\n"
	"summary{cursor:pointer}\n";

void po_html_escape_n(struct po_buf *out, const char *s, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;

		if (c == '&')
			rep = "&amp;";
		else if (c == '<')
			rep = "&lt;";
		else if (c == '>')
			rep = "&gt;";
		else if (c == '"')
			rep = "&quot;";
		else if (c == '\'')
			rep = "&#39;";
		else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
			rep = "\xef\xbf\xbd";
		if (!rep)
			continue;
		po_buf_add(out, s + start, i - start);
		po_buf_adds(out, rep);
		start = i + 1;
	}
	po_buf_add(out, s + start, len - start);
}

void po_html_escape(struct po_buf *out, const char *s)
{
	if (s)
		po_html_escape_n(out, s, strlen(s));
}

void po_html_page_open(struct po_buf *out, const char *title)
{
	po_buf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<title>");
	po_html_escape(out, title);
	po_buf_adds(out, "</title>\n<style>\n");
	po_buf_adds(out, style_sheet);
	po_buf_adds(out, "</style>\n</head>\n<body>\n<h1>");
	po_html_escape(out, title);
	po_buf_adds(out, "</h1>\n");
}

void po_html_page_close(struct po_buf *out)
{
	po_buf_adds(out, "</body>\n</html>\n");
}

void po_html_elem(struct po_buf *out, const char *tag, const char *cls, const char *text)
{
	po_buf_addf(out, "<%s", tag);
	if (cls)
		po_buf_addf(out, " class=\"%s\"", cls);
	po_buf_addch(out, '>');
	if (text)
		po_html_escape(out, text);
	else
		po_buf_adds(out, "n/a");
	po_buf_addf(out, "</%s>\n", tag);
}

void po_html_num(struct po_buf *out, double v, int decimals)
{
	po_svg_addnum(out, v, decimals);
}

void po_html_svg(struct po_buf *out, const char *svg)
{
	if (!svg)
		return;
	if (!strncmp(svg, "<?xml", 5)) {
		const char *end = strstr(svg, "?>");

		if (end) {
			svg = end + 2;
			while (*svg == '\n')
				svg++;
		}
	}
	po_buf_adds(out, svg);
}

void po_html_score_style(struct po_buf *out, double score, double lo, double hi)
{
	double t;

	if (!isfinite(score)) {
		po_buf_adds(out, "background:#eeeeee");
		return;
	}
	t = hi > lo ? (score - lo) / (hi - lo) : 1;
	t = fmin(1, fmax(0, t));
	po_buf_adds(out, "background:hsl(");
	po_svg_addnum(out, 120 * t, 0);
	po_buf_adds(out, ",65%,78%)");
}
