/*
 * The experiment report's document: its sections in order (title, summary,
 * usage, chart, history, convergence analysis, recommendations, what
 * changed, best prompts, files, next steps) as Markdown from
 * optimization_final_results.json and the run's iteration files.
 */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#include "report/fields.h"
#include "report/md.h"
#include "report/report_sections.h"
#include "report/svg.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timeutil.h"

static void section_title(struct po_buf *out, const json_t *fr)
{
	const char *ts = po_json_str(fr, "timestamp", NULL);
	double unixtime;
	char iso[32];

	po_buf_adds(out, "# Experiment Report: ");
	po_field_str(out, fr, "project");
	po_buf_adds(out, "\n\n**Date:** ");
	if (ts && *ts) {
		po_md_text(out, ts, PO_MD_LINE_START);
	} else if (po_field_get_num(fr, "unixtime", &unixtime)) {
		po_time_iso8601((int64_t)unixtime, iso, sizeof(iso));
		po_md_text(out, iso, PO_MD_LINE_START);
	} else {
		po_buf_adds(out, "n/a");
	}
	po_buf_adds(out, "\n\n");
}

/* A run on the simulator of a project that is not built in: say what its
 * scores are not, before any of them. */
static void section_simulated(struct po_buf *out, const json_t *fr)
{
	const char *note = po_json_str(fr, "simulated_note", NULL);

	if (!note)
		return;
	po_buf_adds(out, "> **Simulated scores:** ");
	po_md_text(out, note, 0);
	po_buf_adds(out, ".\n\n");
}

static void section_chart(struct po_buf *out, const char *svg_name)
{
	if (!svg_name || !*svg_name)
		return;
	po_buf_adds(out, "![Score per iteration](");
	po_md_link_dest(out, svg_name);
	po_buf_adds(out, ")\n\n*Blue: the score of the candidate evaluated at each iteration"
		    " (iteration 0 is the baseline). Orange: the best score so far.*\n\n");
}

static void item_start(struct po_buf *out, const char *label)
{
	po_buf_addf(out, "- **%s:** ", label);
}

static void section_convergence(struct po_buf *out, const json_t *fr)
{
	const json_t *conv = json_object_get(fr, "convergence");
	double wasted, v;

	po_buf_adds(out, "## Convergence Analysis\n\n");
	if (!json_is_object(conv)) {
		po_buf_adds(out, "No convergence data was recorded.\n\n");
		return;
	}
	item_start(out, "Converged");
	po_field_yes_no(out, conv, "converged");
	po_buf_addch(out, '\n');
	item_start(out, "Convergence Iteration");
	po_field_int(out, conv, "convergence_iteration");
	po_buf_addch(out, '\n');
	item_start(out, "Wasted Iterations");
	po_field_int(out, conv, "wasted_iterations");
	if (po_field_get_num(conv, "wasted_iterations", &wasted)) {
		if (wasted == 0 && po_field_true(conv, "stopped_early"))
			po_buf_adds(out, " (early stop prevented waste)");
		else if (wasted > 0)
			po_buf_adds(out, " (run after convergence)");
	}
	po_buf_addch(out, '\n');
	item_start(out, "Plateau Variance");
	if (po_field_get_num(conv, "plateau_variance", &v)) {
		po_buf_adds(out, "\xc2\xb1");
		po_svg_addnum(out, v, 2);
	} else {
		po_buf_adds(out, "n/a");
	}
	po_buf_addch(out, '\n');
	item_start(out, "Plateau Std Dev");
	po_field_num(out, conv, "plateau_stddev", 2);
	po_buf_addch(out, '\n');
	item_start(out, "Plateau Average");
	po_field_num(out, conv, "plateau_average", 2);
	po_buf_addch(out, '\n');
	item_start(out, "Best Score");
	po_field_num(out, conv, "best_score", 2);
	po_buf_addch(out, '\n');
	item_start(out, "Total Iterations");
	po_field_int(out, conv, "total_iterations");
	if (po_field_true(conv, "stopped_early") && po_field_get_num(fr, "max_iterations", &v)) {
		po_buf_adds(out, " (stopped early from ");
		po_svg_addnum(out, v, 0);
		po_buf_addch(out, ')');
	}
	po_buf_addch(out, '\n');
	item_start(out, "No Improvement Count");
	po_field_int(out, conv, "no_improvement_count");
	po_buf_adds(out, "\n\n");

	if (json_is_false(json_object_get(conv, "enabled"))) {
		po_buf_adds(out, "Convergence detection was disabled: the run used all its"
			    " iterations.\n\n");
		return;
	}
	po_buf_adds(out, "Detection: stop after ");
	po_field_int(out, conv, "no_improvement_threshold");
	po_buf_adds(out, " consecutive iterations without an improvement of at least ");
	po_field_setting(out, conv, "min_improvement_percent");
	po_buf_adds(out, "% of the best score.\n\n");
}

static void section_recommendations(struct po_buf *out, const json_t *fr)
{
	const json_t *recs = json_object_get(fr, "recommendations");
	size_t i;
	int n = 0;

	po_buf_adds(out, "## Recommendations\n\n");
	for (i = 0; i < json_array_size(recs); i++) {
		const char *s = json_string_value(json_array_get(recs, i));

		if (!s || !*s)
			continue;
		po_buf_addf(out, "%d. ", ++n);
		po_md_text(out, s, PO_MD_LINE_START);
		po_buf_addch(out, '\n');
	}
	if (!n)
		po_buf_adds(out, "No recommendations.\n");
	po_buf_addch(out, '\n');
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void section_prompts(struct po_buf *out, const json_t *fr)
{
	const json_t *prompts = json_object_get(fr, "best_prompts");
	const char **names;
	const char *key;
	json_t *val;
	size_t n = 0, i;

	po_buf_adds(out, "## Best Prompts\n\n");
	if (!json_is_object(prompts) || !json_object_size(prompts)) {
		po_buf_adds(out, "No prompts were recorded.\n\n");
		return;
	}
	/* Sorted, so two reports of the same prompts diff cleanly. */
	PO_ALLOC_ARRAY(names, json_object_size(prompts));
	json_object_foreach((json_t *)prompts, key, val)
		names[n++] = key;
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		const char *tpl = json_string_value(json_object_get(prompts, names[i]));

		po_buf_adds(out, "### ");
		po_md_code(out, names[i], 0);
		po_buf_adds(out, "\n\n");
		if (tpl)
			po_md_fence(out, tpl, "text");
		else
			po_buf_adds(out, "n/a\n");
		po_buf_addch(out, '\n');
	}
	free(names);
}

static void section_files(struct po_buf *out, const json_t *fr, const char *svg_name,
			  const char *html_name)
{
	const char *dir = po_json_str(fr, "results_dir", NULL);
	const json_t *files = json_object_get(fr, "files");
	struct po_buf path = PO_BUF_INIT;
	size_t i;

	po_buf_adds(out, "## Files Generated\n\n");
	po_buf_adds(out, "Results folder: ");
	if (dir && *dir) {
		po_buf_addf(&path, "%s/", dir);
		po_md_code(out, path.data, 0);
	} else {
		po_buf_adds(out, "n/a");
	}
	po_buf_adds(out, "\n\n");
	for (i = 0; i < json_array_size(files); i++) {
		const char *f = json_string_value(json_array_get(files, i));

		if (!f)
			continue;
		if (dir && *dir) {
			po_fs_join(&path, dir, f);
		} else {
			po_buf_reset(&path);
			po_buf_adds(&path, f);
		}
		po_buf_adds(out, "- ");
		po_md_code(out, path.data, 0);
		po_buf_addch(out, '\n');
	}
	if (svg_name && *svg_name) {
		po_buf_adds(out, "- ");
		po_md_code(out, svg_name, 0);
		po_buf_adds(out, " (the chart, next to this report)\n");
	}
	if (html_name && *html_name) {
		po_buf_adds(out, "- ");
		po_md_code(out, html_name, 0);
		po_buf_adds(out, " (this report as one HTML page, with diffs, lineage and outputs)\n");
	}
	po_buf_addch(out, '\n');
	po_buf_release(&path);
}

void po_report_markdown(struct po_buf *out, const json_t *final_results, const char *svg_name)
{
	struct po_run_files rf;

	po_run_files_load(&rf, json_is_object(final_results) ? final_results : NULL);
	po_report_markdown_files(out, final_results, svg_name, NULL, &rf);
	po_run_files_release(&rf);
}

void po_report_markdown_files(struct po_buf *out, const json_t *final_results,
			      const char *svg_name, const char *html_name,
			      const struct po_run_files *rf)
{
	const json_t *fr = json_is_object(final_results) ? final_results : NULL;

	section_title(out, fr);
	section_simulated(out, fr);
	po_report_section_summary(out, fr);
	po_report_section_usage(out, fr);
	section_chart(out, svg_name);
	po_report_section_history(out, fr);
	section_convergence(out, fr);
	po_report_section_integrity(out, fr);
	section_recommendations(out, fr);
	po_report_section_changes(out, rf);
	section_prompts(out, fr);
	section_files(out, fr, svg_name, html_name);
	po_report_section_next_steps(out, fr);
}
