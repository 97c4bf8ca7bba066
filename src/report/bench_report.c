/*
 * The bench report (see bench_report.h): a table of the figures of every
 * strategy, what each means, and a chart of the true score against calls.
 */
#include "report/bench_report.h"

#include <math.h>
#include <stdio.h>

#include "report/md.h"
#include "report/svg.h"
#include "util/fs.h"
#include "util/json.h"

#define W 760
#define H 420
#define LEFT 60
#define RIGHT 20
#define TOP 40
#define BOTTOM 80

static const char *const colours[] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
				       "#9467bd", "#8c564b", "#e377c2", "#7f7f7f" };

static double jnum(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* "724" or "never" for a count of calls. */
static void add_calls(struct po_buf *out, double v)
{
	if (isfinite(v))
		po_svg_addnum(out, v, 0);
	else
		po_buf_adds(out, "never");
}

static void add_share(struct po_buf *out, double v)
{
	if (isfinite(v)) {
		po_svg_addnum(out, v * 100, 1);
		po_buf_adds(out, " %");
	} else {
		po_buf_adds(out, "n/a");
	}
}

static void calls_cell(struct po_buf *out, const json_t *c)
{
	add_calls(out, jnum(c, "median"));
	po_buf_adds(out, " / ");
	add_calls(out, jnum(c, "p90"));
	po_buf_adds(out, " (");
	add_share(out, jnum(c, "reached"));
	po_buf_adds(out, ")");
}

void po_bench_report_table(struct po_buf *out, const json_t *result)
{
	size_t i;
	const json_t *s;

	po_buf_adds(out, "| Strategy | Runs | Calls to 90 % (median / p90, reached) | Calls to 95 % | "
			 "Final true score: mean (p5 / p50 / p95) | Optimum | Overstatement: mean (sd) | "
			 "False accepts | Missed improvements | Calls (mean) |\n"
			 "|---|---:|---|---|---|---:|---|---:|---:|---:|\n");
	json_array_foreach(json_object_get(result, "strategies"), i, s) {
		const json_t *f = json_object_get(s, "final_true");
		const json_t *ov = json_object_get(s, "overstatement");

		po_buf_adds(out, "| ");
		po_md_text(out, po_json_str(s, "strategy", ""), 0);
		po_buf_addf(out, " | %lld | ", (long long)po_json_int(s, "runs", 0));
		calls_cell(out, json_object_get(s, "calls_to_90"));
		po_buf_adds(out, " | ");
		calls_cell(out, json_object_get(s, "calls_to_95"));
		po_buf_adds(out, " | ");
		po_svg_addnum(out, jnum(f, "mean"), 2);
		po_buf_adds(out, " (");
		po_svg_addnum(out, jnum(f, "p5"), 2);
		po_buf_adds(out, " / ");
		po_svg_addnum(out, jnum(f, "p50"), 2);
		po_buf_adds(out, " / ");
		po_svg_addnum(out, jnum(f, "p95"), 2);
		po_buf_adds(out, ") | ");
		po_svg_addnum(out, jnum(s, "optimum"), 2);
		po_buf_adds(out, " | ");
		po_svg_addnum(out, jnum(ov, "mean"), 2);
		po_buf_adds(out, " (");
		po_svg_addnum(out, jnum(ov, "sd"), 2);
		po_buf_adds(out, ") | ");
		add_share(out, jnum(s, "false_accept_rate"));
		po_buf_adds(out, " | ");
		add_share(out, jnum(s, "missed_improvement_rate"));
		po_buf_adds(out, " | ");
		po_svg_addnum(out, jnum(s, "calls_mean"), 0);
		po_buf_adds(out, " |\n");
	}
}

/* The acceptance rule's power curve: per strategy, the share of nominees
 * accepted by their true gain over the incumbent. */
static void power_table(struct po_buf *out, const json_t *result)
{
	const json_t *s, *b;
	size_t i, k;

	po_buf_adds(out, "| Strategy | gain < −5 | −5 to −2 | −2 to −1 | −1 to 0 | 0 to 1 | 1 to 2 | "
			 "2 to 5 | ≥ 5 | False accepts beyond 1 point | Missed beyond 1 point |\n"
			 "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	json_array_foreach(json_object_get(result, "strategies"), i, s) {
		po_buf_adds(out, "| ");
		po_md_text(out, po_json_str(s, "strategy", ""), 0);
		json_array_foreach(json_object_get(s, "acceptance_by_true_gain"), k, b) {
			po_buf_adds(out, " | ");
			add_share(out, jnum(b, "accepted"));
			po_buf_addf(out, " of %lld", (long long)po_json_int(b, "decisions", 0));
		}
		po_buf_adds(out, " | ");
		add_share(out, jnum(s, "false_accept_rate_1pt"));
		po_buf_adds(out, " | ");
		add_share(out, jnum(s, "missed_improvement_rate_1pt"));
		po_buf_adds(out, " |\n");
	}
}

/* The chart's scales: calls 0..xmax across, true score ymin..ymax up. */
struct scale {
	double xmax, ymin, ymax;
};

static double px(const struct scale *sc, double x)
{
	return LEFT + (W - LEFT - RIGHT) * (sc->xmax > 0 ? x / sc->xmax : 0);
}

static double py(const struct scale *sc, double y)
{
	return TOP + (H - TOP - BOTTOM) * (1 - (y - sc->ymin) / (sc->ymax - sc->ymin));
}

static void point(struct po_buf *out, const struct scale *sc, double x, double y)
{
	po_svg_addnum(out, px(sc, x), 1);
	po_buf_addch(out, ',');
	po_svg_addnum(out, py(sc, y), 1);
	po_buf_addch(out, ' ');
}

/* The range of every curve's band, and the optimum. */
static void find_scale(const json_t *result, struct scale *sc)
{
	size_t i, k;
	const json_t *s, *v;

	sc->xmax = 0;
	sc->ymin = 100;
	sc->ymax = 0;
	json_array_foreach(json_object_get(result, "strategies"), i, s) {
		const json_t *c = json_object_get(s, "curve");
		double opt = jnum(s, "optimum");
		json_array_foreach(json_object_get(c, "calls"), k, v)
			if (json_number_value(v) > sc->xmax)
				sc->xmax = json_number_value(v);
		json_array_foreach(json_object_get(c, "p10"), k, v)
			if (json_is_number(v) && json_number_value(v) < sc->ymin)
				sc->ymin = json_number_value(v);
		json_array_foreach(json_object_get(c, "p90"), k, v)
			if (json_is_number(v) && json_number_value(v) > sc->ymax)
				sc->ymax = json_number_value(v);
		if (isfinite(opt) && opt > sc->ymax)
			sc->ymax = opt;
	}
	sc->ymin = floor(sc->ymin / 5) * 5;
	sc->ymax = ceil(sc->ymax / 5) * 5;
	if (sc->ymax <= sc->ymin)
		sc->ymax = sc->ymin + 5;
}

static void axes(struct po_buf *out, const struct scale *sc)
{
	po_buf_addf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", LEFT,
		    H - BOTTOM, W - RIGHT, H - BOTTOM);
	po_buf_addf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", LEFT,
		    TOP, LEFT, H - BOTTOM);
	for (int k = 0; k <= 4; k++) {
		double y = sc->ymin + (sc->ymax - sc->ymin) * k / 4, x = sc->xmax * k / 4;
		po_buf_adds(out, "<text x=\"52\" y=\"");
		po_svg_addnum(out, py(sc, y) + 4, 1);
		po_buf_adds(out, "\" text-anchor=\"end\" font-size=\"11\">");
		po_svg_addnum(out, y, 0);
		po_buf_adds(out, "</text>\n<text x=\"");
		po_svg_addnum(out, px(sc, x), 1);
		po_buf_addf(out, "\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">", H - BOTTOM + 16);
		po_svg_addnum(out, x, 0);
		po_buf_adds(out, "</text>\n");
	}
	po_buf_addf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">LLM calls spent</text>\n",
		    (LEFT + W - RIGHT) / 2, H - BOTTOM + 34);
	po_buf_addf(out, "<text x=\"14\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 14 %d)\">true score</text>\n",
		    (TOP + H - BOTTOM) / 2, (TOP + H - BOTTOM) / 2);
}

/* One strategy: the 10-90 % band as a polygon, the median as a line. */
static void strategy_curve(struct po_buf *out, const struct scale *sc, const json_t *s,
			   const char *colour, size_t index)
{
	const json_t *c = json_object_get(s, "curve"), *xs = json_object_get(c, "calls");
	const json_t *lo = json_object_get(c, "p10"), *mid = json_object_get(c, "p50");
	const json_t *hi = json_object_get(c, "p90");
	size_t n = json_array_size(xs);

	po_buf_addf(out, "<polygon fill=\"%s\" fill-opacity=\"0.15\" stroke=\"none\" points=\"", colour);
	for (size_t k = 0; k < n; k++)
		point(out, sc, json_number_value(json_array_get(xs, k)),
		      json_number_value(json_array_get(hi, k)));
	for (size_t k = n; k-- > 0;)
		point(out, sc, json_number_value(json_array_get(xs, k)),
		      json_number_value(json_array_get(lo, k)));
	po_buf_addf(out, "\"/>\n<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colour);
	for (size_t k = 0; k < n; k++)
		point(out, sc, json_number_value(json_array_get(xs, k)),
		      json_number_value(json_array_get(mid, k)));
	po_buf_addf(out, "\"/>\n<rect x=\"%zu\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
		    LEFT + index * 180, H - 28, colour);
	po_buf_addf(out, "<text x=\"%zu\" y=\"%d\" font-size=\"12\">", LEFT + index * 180 + 16, H - 18);
	po_svg_escape(out, po_json_str(s, "strategy", ""));
	po_buf_adds(out, "</text>\n");
}

void po_bench_report_chart(struct po_buf *out, const json_t *result)
{
	struct scale sc;
	size_t i;
	const json_t *s;
	double opt = NAN;

	find_scale(result, &sc);
	po_buf_addf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
			 "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
			 "<text x=\"%d\" y=\"22\" font-size=\"14\">True score of the incumbent against calls spent (median, 10-90 %% band)</text>\n",
		    W, H, W, H, LEFT);
	axes(out, &sc);
	json_array_foreach(json_object_get(result, "strategies"), i, s) {
		strategy_curve(out, &sc, s, colours[i % (sizeof(colours) / sizeof(colours[0]))], i);
		if (isfinite(jnum(s, "optimum")))
			opt = jnum(s, "optimum");
	}
	if (isfinite(opt)) {
		po_buf_addf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"", LEFT, W - RIGHT);
		po_svg_addnum(out, py(&sc, opt), 1);
		po_buf_adds(out, "\" y2=\"");
		po_svg_addnum(out, py(&sc, opt), 1);
		po_buf_adds(out, "\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n<text x=\"");
		po_svg_addnum(out, W - RIGHT - 4, 0);
		po_buf_adds(out, "\" y=\"");
		po_svg_addnum(out, py(&sc, opt) - 4, 1);
		po_buf_adds(out, "\" text-anchor=\"end\" font-size=\"11\" fill=\"#666\">optimum</text>\n");
	}
	po_buf_adds(out, "</svg>\n");
}

static void markdown(struct po_buf *out, const json_t *result, const char *svg_name,
		     const char *command)
{
	const json_t *st = json_object_get(result, "settings");

	po_buf_adds(out, "# Bench: ");
	po_md_text(out, po_json_str(result, "project", ""), 0);
	po_buf_addf(out, "\n\n%zu seeds per strategy, %lld iterations, early stop %s; ",
		    json_array_size(json_object_get(result, "seeds")),
		    (long long)po_json_int(st, "iterations", 0),
		    po_json_bool(st, "early_stop", 1) ? "on" : "off");
	po_buf_adds(out, "wall time ");
	po_svg_addnum(out, po_json_num(result, "wall_seconds", NAN), 1);
	po_buf_adds(out, " s.\n\nCommand: ");
	po_md_code(out, command ? command : "", 0);
	po_buf_adds(out, "\n\n");
	po_bench_report_table(out, result);
	po_buf_adds(out, "\nTrue scores are the simulator's noise-free expected scores over every test "
			 "case. Calls to 90 % / 95 %: LLM calls until the incumbent's true score first "
			 "reached 90 % / 95 % of the way from the baseline's true score to the optimum "
			 "(\"never\" when a median or p90 run did not). Overstatement: reported minus true "
			 "improvement, in points. False accepts: the share of truly worse candidates that "
			 "were accepted; missed improvements: the share of truly better ones rejected. "
			 "See docs/bench.md.\n\n");
	po_buf_adds(out, "Acceptance by true gain (points over the incumbent): the share of the "
			 "nominees in each range that were accepted, of how many.\n\n");
	power_table(out, result);
	po_buf_adds(out, "\n");
	po_buf_adds(out, "![True score against calls](");
	po_md_link_dest(out, svg_name);
	po_buf_adds(out, ")\n");
}

int po_bench_report_write(const json_t *result, const char *dir, const char *base,
			  const char *command, struct po_buf *md_path, struct po_err *err)
{
	struct po_buf text = PO_BUF_INIT, path = PO_BUF_INIT, name = PO_BUF_INIT;
	int ret;

	po_buf_addf(&name, "%s.svg", base);
	po_bench_report_chart(&text, result);
	po_fs_join(&path, dir, name.data);
	ret = po_fs_replace(path.data, text.data, text.len, false, err);
	po_buf_reset(&text);
	po_buf_reset(&path);
	if (!ret) {
		markdown(&text, result, name.data, command);
		po_buf_addf(&path, "%s/%s.md", dir, base);
		ret = po_fs_replace(path.data, text.data, text.len, false, err);
	}
	if (!ret && md_path)
		po_buf_adds(md_path, path.data);
	po_buf_release(&text);
	po_buf_release(&path);
	po_buf_release(&name);
	return ret;
}
