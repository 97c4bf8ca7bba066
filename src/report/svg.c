/*
 * The report's chart: a self-contained SVG 1.1 line chart of the score and
 * the best score per iteration, plus the locale-proof number formatting and
 * XML escaping that the Markdown report shares with it.
 */
#include "report/svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Canvas and plot area, in pixels. */
#define CHART_W 720
#define CHART_H 360
#define PLOT_L 64.0
#define PLOT_R 700.0
#define PLOT_T 48.0
#define PLOT_B 300.0
/* Keeps the first and last points off the axes. */
#define PLOT_INSET 10.0
/* Code points of the title shown on the canvas; <title> keeps all of it. */
#define TITLE_MAX_CHARS 42

#define COLOR_SCORE "#2e6fba"
#define COLOR_BEST "#e4572e"
#define COLOR_GRID "#e6e6e6"
#define COLOR_AXIS "#444444"
#define COLOR_TEXT "#222222"

void po_svg_addnum(struct po_buf *out, double v, int decimals)
{
	double scale, r;
	long long whole, frac;
	long long pow10 = 1;
	int i;

	if (!isfinite(v)) {
		po_buf_adds(out, "n/a");
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 6)
		decimals = 6;
	for (i = 0; i < decimals; i++)
		pow10 *= 10;
	scale = (double)pow10;
	r = round(fabs(v) * scale);
	/*
	 * printf's "%f" follows LC_NUMERIC, and the library must not touch
	 * the process locale, so we print integers, which every locale
	 * prints the same way.
	 */
	if (r >= 9e15) {
		po_buf_addf(out, "%.0f", v);
		return;
	}
	whole = (long long)r / pow10;
	frac = (long long)r % pow10;
	if (v < 0 && r > 0)
		po_buf_addch(out, '-');
	po_buf_addf(out, "%lld", whole);
	if (decimals)
		po_buf_addf(out, ".%0*lld", decimals, frac);
}

/*
 * Decodes one UTF-8 sequence at s (len bytes left). Returns the bytes used
 * and sets *cp, or -1 in *cp for a byte that does not start a valid
 * sequence (then 1 byte is used).
 */
static size_t utf8_next(const unsigned char *s, size_t len, long *cp)
{
	size_t n, i;
	long c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else {
		*cp = -1;
		return 1;
	}
	if (len < n) {
		*cp = -1;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = -1;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		*cp = -1;
		return 1;
	}
	*cp = c;
	return n;
}

/* The characters XML 1.0 can carry at all. */
static int xml_char_ok(long cp)
{
	if (cp < 0)
		return 0;
	if (cp < 0x20)
		return cp == '\t' || cp == '\n' || cp == '\r';
	return cp != 0xfffe && cp != 0xffff;
}

static void escape_n(struct po_buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		long cp;
		size_t n = utf8_next(p + i, len - i, &cp);

		if (!xml_char_ok(cp))
			po_buf_adds(out, "\xef\xbf\xbd");
		else if (cp == '&')
			po_buf_adds(out, "&amp;");
		else if (cp == '<')
			po_buf_adds(out, "&lt;");
		else if (cp == '>')
			po_buf_adds(out, "&gt;");
		else if (cp == '"')
			po_buf_adds(out, "&quot;");
		else if (cp == '\'')
			po_buf_adds(out, "&apos;");
		else
			po_buf_add(out, p + i, n);
		i += n;
	}
}

void po_svg_escape(struct po_buf *out, const char *s)
{
	if (s)
		escape_n(out, s, strlen(s));
}

/* Escapes at most max_chars code points of s, with "…" when cut. */
static void escape_truncated(struct po_buf *out, const char *s, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, chars = 0;

	while (i < len && chars < max_chars) {
		long cp;

		i += utf8_next(p + i, len - i, &cp);
		chars++;
	}
	if (i < len) {
		while (i > 0 && s[i - 1] == ' ')
			i--;
		escape_n(out, s, i);
		po_buf_adds(out, "\xe2\x80\xa6");
		return;
	}
	escape_n(out, s, i);
}

/* 1, 2 or 5 times a power of ten, at least raw. */
static double nice_step(double raw)
{
	double mag, norm;

	if (!(raw > 0) || !isfinite(raw))
		return 1;
	mag = pow(10, floor(log10(raw)));
	norm = raw / mag;
	if (norm <= 1.0 + 1e-9)
		return mag;
	if (norm <= 2.0 + 1e-9)
		return 2 * mag;
	if (norm <= 5.0 + 1e-9)
		return 5 * mag;
	return 10 * mag;
}

struct axes {
	double x_max;         /* x domain is [0, x_max] */
	double x_step;
	double y_lo, y_hi, y_step;
	int y_decimals;
};

static void data_range(const double *a, const double *b, size_t n, double *lo, double *hi)
{
	size_t i;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (i = 0; i < n; i++) {
		if (a && isfinite(a[i])) {
			*lo = fmin(*lo, a[i]);
			*hi = fmax(*hi, a[i]);
		}
		if (b && isfinite(b[i])) {
			*lo = fmin(*lo, b[i]);
			*hi = fmax(*hi, b[i]);
		}
	}
}

/*
 * The y range hugs the data with a margin instead of always showing 0-100:
 * a 3-point gain is the whole story of most runs and would be a flat line
 * on a 0-100 axis. It stays inside 0-100 when the data does.
 */
static void choose_axes_range(struct axes *ax, size_t n, double dmin, double dmax)
{
	double lo, hi, pad;

	ax->x_max = n > 1 ? (double)(n - 1) : 1;
	ax->x_step = nice_step(ax->x_max / 12);
	if (ax->x_step < 1)
		ax->x_step = 1;

	if (dmin > dmax || !isfinite(dmax - dmin)) {
		dmin = 0;
		dmax = 100;
	}
	pad = (dmax - dmin) * 0.1;
	if (pad < 1)
		pad = 1;
	lo = dmin - pad;
	hi = dmax + pad;
	if (dmin >= 0 && lo < 0)
		lo = 0;
	if (dmax <= 100 && hi > 100)
		hi = 100;
	ax->y_step = nice_step((hi - lo) / 5);
	ax->y_lo = floor(lo / ax->y_step + 1e-9) * ax->y_step;
	ax->y_hi = ceil(hi / ax->y_step - 1e-9) * ax->y_step;
	if (ax->y_hi <= ax->y_lo)
		ax->y_hi = ax->y_lo + ax->y_step;
	if (ax->y_step >= 1)
		ax->y_decimals = 0;
	else if (ax->y_step >= 0.1)
		ax->y_decimals = 1;
	else
		ax->y_decimals = 2;
}

static void choose_axes(struct axes *ax, const double *score, const double *best, size_t n)
{
	double dmin, dmax;

	data_range(score, best, n, &dmin, &dmax);
	choose_axes_range(ax, n, dmin, dmax);
}

static double map_x(const struct axes *ax, double x)
{
	double w = PLOT_R - PLOT_L - 2 * PLOT_INSET;

	return PLOT_L + PLOT_INSET + x / ax->x_max * w;
}

static double map_y(const struct axes *ax, double y)
{
	double py = PLOT_B - (y - ax->y_lo) / (ax->y_hi - ax->y_lo) * (PLOT_B - PLOT_T);

	return fmin(PLOT_B, fmax(PLOT_T, py));
}

static void add_point(struct po_buf *out, double x, double y)
{
	po_svg_addnum(out, x, 2);
	po_buf_addch(out, ',');
	po_svg_addnum(out, y, 2);
	po_buf_addch(out, ' ');
}

static void add_line(struct po_buf *out, double x1, double y1, double x2, double y2,
		     const char *attrs)
{
	po_buf_adds(out, "<line x1=\"");
	po_svg_addnum(out, x1, 2);
	po_buf_adds(out, "\" y1=\"");
	po_svg_addnum(out, y1, 2);
	po_buf_adds(out, "\" x2=\"");
	po_svg_addnum(out, x2, 2);
	po_buf_adds(out, "\" y2=\"");
	po_svg_addnum(out, y2, 2);
	po_buf_addf(out, "\" %s/>\n", attrs);
}

static void add_text_open(struct po_buf *out, double x, double y, const char *attrs)
{
	po_buf_adds(out, "<text x=\"");
	po_svg_addnum(out, x, 2);
	po_buf_adds(out, "\" y=\"");
	po_svg_addnum(out, y, 2);
	po_buf_addf(out, "\" %s>", attrs);
}

static void add_circle(struct po_buf *out, double x, double y, double r, const char *color)
{
	po_buf_adds(out, "<circle cx=\"");
	po_svg_addnum(out, x, 2);
	po_buf_adds(out, "\" cy=\"");
	po_svg_addnum(out, y, 2);
	po_buf_adds(out, "\" r=\"");
	po_svg_addnum(out, r, 2);
	po_buf_addf(out, "\" fill=\"%s\"/>\n", color);
}

static void grid_and_axes(struct po_buf *out, const struct axes *ax)
{
	long i, nticks;

	po_buf_adds(out, "<g font-size=\"11\" fill=\"" COLOR_TEXT "\">\n");
	nticks = lround((ax->y_hi - ax->y_lo) / ax->y_step);
	for (i = 0; i <= nticks && i <= 50; i++) {
		double v = ax->y_lo + (double)i * ax->y_step;
		double y = map_y(ax, v);

		add_line(out, PLOT_L, y, PLOT_R, y, "stroke=\"" COLOR_GRID "\" stroke-width=\"1\"");
		add_line(out, PLOT_L - 5, y, PLOT_L, y, "stroke=\"" COLOR_AXIS "\" stroke-width=\"1\"");
		add_text_open(out, PLOT_L - 8, y + 4, "text-anchor=\"end\"");
		po_svg_addnum(out, v, ax->y_decimals);
		po_buf_adds(out, "</text>\n");
	}
	nticks = lround(floor(ax->x_max / ax->x_step + 1e-9));
	for (i = 0; i <= nticks && i <= 200; i++) {
		double v = (double)i * ax->x_step;
		double x = map_x(ax, v);

		add_line(out, x, PLOT_T, x, PLOT_B, "stroke=\"" COLOR_GRID "\" stroke-width=\"1\"");
		add_line(out, x, PLOT_B, x, PLOT_B + 5, "stroke=\"" COLOR_AXIS "\" stroke-width=\"1\"");
		add_text_open(out, x, PLOT_B + 18, "text-anchor=\"middle\"");
		po_svg_addnum(out, v, 0);
		po_buf_adds(out, "</text>\n");
	}
	po_buf_adds(out, "</g>\n");
	add_line(out, PLOT_L, PLOT_T, PLOT_L, PLOT_B, "stroke=\"" COLOR_AXIS "\" stroke-width=\"1\"");
	add_line(out, PLOT_L, PLOT_B, PLOT_R, PLOT_B, "stroke=\"" COLOR_AXIS "\" stroke-width=\"1\"");
	add_text_open(out, (PLOT_L + PLOT_R) / 2, PLOT_B + 44,
		      "text-anchor=\"middle\" font-size=\"12\" fill=\"" COLOR_TEXT "\"");
	po_buf_adds(out, "Iteration</text>\n");
	po_buf_adds(out, "<text x=\"0\" y=\"0\" transform=\"translate(20,");
	po_svg_addnum(out, (PLOT_T + PLOT_B) / 2, 2);
	po_buf_adds(out, ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" fill=\""
		    COLOR_TEXT "\">Score</text>\n");
}

static void polyline_open(struct po_buf *out, const char *color, const char *width)
{
	po_buf_addf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" "
		    "stroke-linejoin=\"round\" stroke-linecap=\"round\" points=\"", color, width);
}

static void polyline_close(struct po_buf *out)
{
	if (out->len && out->data[out->len - 1] == ' ')
		po_buf_setlen(out, out->len - 1);
	po_buf_adds(out, "\"/>\n");
}

/* Thin line through the scores, one polyline per run without NaN, and a dot per score. */
static void score_series(struct po_buf *out, const struct axes *ax, const double *v, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		if (!isfinite(v[i])) {
			i++;
			continue;
		}
		for (j = i; j < n && isfinite(v[j]); j++)
			;
		if (j - i >= 2) {
			polyline_open(out, COLOR_SCORE, "1.50");
			for (size_t k = i; k < j; k++)
				add_point(out, map_x(ax, (double)k), map_y(ax, v[k]));
			polyline_close(out);
		}
		i = j;
	}
	for (i = 0; i < n; i++)
		if (isfinite(v[i]))
			add_circle(out, map_x(ax, (double)i), map_y(ax, v[i]), 3, COLOR_SCORE);
}

/*
 * A best score only changes when a candidate is accepted, so it is drawn as
 * steps: flat until the iteration that improved it, then up. Runs of finite
 * values are lines; a lone value is a dot of radius r.
 */
static void step_series(struct po_buf *out, const struct axes *ax, const double *v, size_t n,
			const char *color, const char *width, double r)
{
	size_t i = 0, j;

	while (i < n) {
		if (!isfinite(v[i])) {
			i++;
			continue;
		}
		for (j = i; j < n && isfinite(v[j]); j++)
			;
		if (j - i == 1) {
			add_circle(out, map_x(ax, (double)i), map_y(ax, v[i]), r, color);
		} else {
			polyline_open(out, color, width);
			add_point(out, map_x(ax, (double)i), map_y(ax, v[i]));
			for (size_t k = i + 1; k < j; k++) {
				double x = map_x(ax, (double)k);

				if (v[k] != v[k - 1])
					add_point(out, x, map_y(ax, v[k - 1]));
				add_point(out, x, map_y(ax, v[k]));
			}
			polyline_close(out);
		}
		i = j;
	}
}

static void legend(struct po_buf *out)
{
	po_buf_adds(out, "<g font-size=\"12\" fill=\"" COLOR_TEXT "\">\n");
	add_line(out, 500, 22, 524, 22, "stroke=\"" COLOR_SCORE "\" stroke-width=\"1.50\"");
	add_circle(out, 512, 22, 3, COLOR_SCORE);
	add_text_open(out, 530, 26, "");
	po_buf_adds(out, "Score</text>\n");
	add_line(out, 590, 22, 614, 22, "stroke=\"" COLOR_BEST "\" stroke-width=\"3.00\"");
	add_text_open(out, 620, 26, "");
	po_buf_adds(out, "Best score</text>\n");
	po_buf_adds(out, "</g>\n");
}

/*
 * The opening both charts share: the XML declaration, the <svg> element
 * of the given height, the full title as <title>, a white background and
 * the title on the canvas, cut at title_chars code points.
 */
static void chart_open(struct po_buf *out, const char *title, int height, size_t title_chars)
{
	po_buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	po_buf_addf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
		    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		    "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
		    CHART_W, height, CHART_W, height);
	po_buf_adds(out, "<title>");
	po_svg_escape(out, title);
	po_buf_adds(out, "</title>\n");
	po_buf_addf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		    CHART_W, height);
	add_text_open(out, PLOT_L, 28, "font-size=\"14\" font-weight=\"bold\" fill=\""
		      COLOR_TEXT "\"");
	escape_truncated(out, title, title_chars);
	po_buf_adds(out, "</text>\n");
}

/* The note on an empty plot. */
static void no_data(struct po_buf *out)
{
	add_text_open(out, (PLOT_L + PLOT_R) / 2, (PLOT_T + PLOT_B) / 2,
		      "text-anchor=\"middle\" font-size=\"13\" fill=\"#888888\"");
	po_buf_adds(out, "No iterations recorded</text>\n");
}

void po_svg_score_chart(struct po_buf *out, const char *title, const double *score,
			const double *best, size_t n)
{
	struct axes ax;

	if (!score || !best)
		n = 0;
	if (!title)
		title = "";
	choose_axes(&ax, score, best, n);

	chart_open(out, title, CHART_H, TITLE_MAX_CHARS);
	legend(out);
	grid_and_axes(out, &ax);
	if (n == 0) {
		no_data(out);
	} else {
		step_series(out, &ax, best, n, COLOR_BEST, "3.00", 3.5);
		score_series(out, &ax, score, n);
	}
	po_buf_adds(out, "</svg>\n");
}

/* ---- several runs on one chart (the batch report) ------------------------ */

/* Ten colours that stay apart for most kinds of colour blindness. */
static const char *const multi_colors[] = {
	"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
	"#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};
#define MULTI_NCOLORS (sizeof(multi_colors) / sizeof(multi_colors[0]))
#define MULTI_LEGEND_COLS 3
#define MULTI_LEGEND_MAX 30
#define MULTI_LEGEND_CHARS 28

/* The legend under the plot, MULTI_LEGEND_COLS names a row: the first
 * `shown` series, then "and N more" for the rest. */
static void multi_legend(struct po_buf *out, const char *const *names, size_t nseries,
			 size_t shown)
{
	po_buf_adds(out, "<g font-size=\"11\" fill=\"" COLOR_TEXT "\">\n");
	for (size_t s = 0; s < shown; s++) {
		double x = PLOT_L + (double)(s % MULTI_LEGEND_COLS) * 210;
		double y = CHART_H + 4 + (double)(s / MULTI_LEGEND_COLS) * 18;
		char attrs[64];

		snprintf(attrs, sizeof(attrs), "stroke=\"%s\" stroke-width=\"3.00\"",
			 multi_colors[s % MULTI_NCOLORS]);
		add_line(out, x, y - 4, x + 20, y - 4, attrs);
		add_text_open(out, x + 26, y, "");
		escape_truncated(out, names && names[s] ? names[s] : "", MULTI_LEGEND_CHARS);
		po_buf_adds(out, "</text>\n");
	}
	if (nseries > shown) {
		double x = PLOT_L + (double)(shown % MULTI_LEGEND_COLS) * 210;
		double y = CHART_H + 4 + (double)(shown / MULTI_LEGEND_COLS) * 18;

		add_text_open(out, x, y, "");
		po_buf_addf(out, "and %zu more</text>\n", nseries - shown);
	}
	po_buf_adds(out, "</g>\n");
}

void po_svg_multi_chart(struct po_buf *out, const char *title, const char *const *names,
			const double *const *series, const size_t *lens, size_t nseries)
{
	size_t n = 0, shown = nseries < MULTI_LEGEND_MAX ? nseries : MULTI_LEGEND_MAX;
	size_t rows = (shown + (nseries > shown) + MULTI_LEGEND_COLS - 1) / MULTI_LEGEND_COLS;
	double dmin = INFINITY, dmax = -INFINITY;
	int height = CHART_H + 8 + (int)rows * 18;
	struct axes ax;

	if (!title)
		title = "";
	for (size_t s = 0; s < nseries; s++) {
		double lo, hi;

		if (!series[s])
			continue;
		n = lens[s] > n ? lens[s] : n;
		data_range(series[s], NULL, lens[s], &lo, &hi);
		dmin = fmin(dmin, lo);
		dmax = fmax(dmax, hi);
	}
	if (n > 100000)
		n = 100000;
	choose_axes_range(&ax, n, dmin, dmax);

	chart_open(out, title, height, TITLE_MAX_CHARS + 20);
	grid_and_axes(out, &ax);
	if (n == 0)
		no_data(out);
	for (size_t s = 0; s < nseries; s++)
		if (series[s])
			step_series(out, &ax, series[s], lens[s] < n ? lens[s] : n,
				    multi_colors[s % MULTI_NCOLORS], "2.00", 3);

	multi_legend(out, names, nseries, shown);
	po_buf_adds(out, "</svg>\n");
}
