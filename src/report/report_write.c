/*
 * Writing the run report: a file name of its own in the docs folder
 * (EXPERIMENT_<project>_<unixtime>[_N]), the chart first, then the HTML
 * page (with the chart inline) and the Markdown that links to the chart,
 * all atomically.
 */
#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/fields.h"
#include "report/html_report.h"
#include "report/report_sections.h"
#include "report/run_files.h"
#include "report/svg.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

/* A history longer than this is bad input, not a run; the chart ignores the rest. */
#define MAX_CHART_ITERATIONS 100000
/* Longest project name used in a file name. */
#define MAX_NAME_IN_FILE 100

/*
 * Series for the chart, indexed by the "iteration" field (position when it
 * is missing); iterations without a score are NaN, drawn as gaps.
 */
static size_t chart_series(const json_t *fr, double **score, double **best)
{
	json_t *hist = po_field_history(fr);
	size_t i, n = 0, len = json_array_size(hist);
	double it;

	for (i = 0; i < len; i++) {
		const json_t *h = json_array_get(hist, i);
		size_t idx = i;

		if (po_field_get_num(h, "iteration", &it) && it >= 0 && it < MAX_CHART_ITERATIONS)
			idx = (size_t)it;
		if (idx < MAX_CHART_ITERATIONS && idx + 1 > n)
			n = idx + 1;
	}
	*score = po_xmalloc((n ? n : 1) * sizeof(double));
	*best = po_xmalloc((n ? n : 1) * sizeof(double));
	for (i = 0; i < n; i++)
		(*score)[i] = (*best)[i] = NAN;
	for (i = 0; i < len; i++) {
		const json_t *h = json_array_get(hist, i);
		size_t idx = i;
		double v;

		if (po_field_get_num(h, "iteration", &it) && it >= 0 && it < MAX_CHART_ITERATIONS)
			idx = (size_t)it;
		if (idx >= n)
			continue;
		if (po_field_get_num(h, "score", &v))
			(*score)[idx] = v;
		if (po_field_get_num(h, "best_score", &v))
			(*best)[idx] = v;
	}
	json_decref(hist);
	return n;
}

/* The project name as a file name part: no '/', no control characters, no leading '.'. */
static void name_for_file(struct po_buf *out, const char *project)
{
	size_t i;

	if (!project || !*project)
		project = "unnamed";
	for (i = 0; project[i] && i < MAX_NAME_IN_FILE; i++) {
		char c = project[i];

		if (c == '/' || c == '\\' || (unsigned char)c < 0x20 || (i == 0 && c == '.'))
			c = '_';
		po_buf_addch(out, c);
	}
}

/*
 * Two runs of one project in the same second must not share a report: the
 * name is claimed by creating "<base>.md" exclusively (the report replaces
 * it atomically later), with "_2", "_3"... appended while it is taken.
 */
static int reserve_name(const char *docs_dir, struct po_buf *base, struct po_err *err)
{
	struct po_buf path = PO_BUF_INIT;
	size_t stem = base->len;
	int ret = 0;

	for (int k = 1;; k++) {
		int fd;

		if (k > 1) {
			po_buf_setlen(base, stem);
			po_buf_addf(base, "_%d", k);
		}
		po_buf_reset(&path);
		po_fs_join(&path, docs_dir, base->data);
		po_buf_adds(&path, ".md");
		fd = open(path.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0) {
			close(fd);
			break;
		}
		if (errno != EEXIST || k == 1000) {
			ret = po_error(err, PO_EIO, "cannot create '%s': %s", path.data,
				       strerror(errno));
			break;
		}
	}
	po_buf_release(&path);
	return ret;
}

/* A report that could not be written in full (a full disk): its files go,
 * the empty "<base>.md" that claimed the name included, so no empty or
 * partial report is left. */
static void remove_report(const char *docs_dir, const char *base)
{
	static const char *const ext[] = { ".md", ".svg", ".html" };
	struct po_buf path = PO_BUF_INIT;

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		po_fs_join(&path, docs_dir, base);
		po_buf_adds(&path, ext[i]);
		unlink(path.data);
	}
	po_buf_release(&path);
}

int po_report_write(const json_t *final_results, const char *docs_dir, int64_t unixtime,
		    struct po_buf *md_path, struct po_err *err)
{
	const char *project = po_json_str(final_results, "project", NULL);
	struct po_buf base = PO_BUF_INIT, name = PO_BUF_INIT, path = PO_BUF_INIT;
	struct po_buf text = PO_BUF_INIT, title = PO_BUF_INIT, html = PO_BUF_INIT;
	struct po_buf html_name = PO_BUF_INIT;
	double *score = NULL, *best = NULL;
	struct po_run_files rf;
	bool reserved = false;
	size_t n;
	int ret;

	po_run_files_load(&rf, json_is_object(final_results) ? final_results : NULL);
	if (!docs_dir || !*docs_dir)
		docs_dir = "docs";
	ret = po_fs_mkdirs(docs_dir, err);
	if (ret < 0)
		goto out;

	po_buf_adds(&base, "EXPERIMENT_");
	name_for_file(&base, project);
	po_buf_addf(&base, "_%lld", (long long)unixtime);
	ret = reserve_name(docs_dir, &base, err);
	if (ret < 0)
		goto out;
	reserved = true;

	n = chart_series(final_results, &score, &best);
	po_buf_addf(&title, "Score per iteration: %s", project ? project : "n/a");
	po_svg_score_chart(&text, title.data, score, best, n);
	po_buf_addf(&name, "%s.svg", base.data);
	po_fs_join(&path, docs_dir, name.data);
	/* The chart first: the report never links to a missing file. */
	ret = po_fs_write_atomic(path.data, text.data, text.len, err);
	if (ret < 0)
		goto out;

	po_report_html(&html, final_results, &rf, text.data);
	po_buf_addf(&html_name, "%s.html", base.data);
	po_fs_join(&path, docs_dir, html_name.data);
	ret = po_fs_write_atomic(path.data, html.data, html.len, err);
	if (ret < 0)
		goto out;

	po_buf_reset(&text);
	po_report_markdown_files(&text, final_results, name.data, html_name.data, &rf);
	po_buf_reset(&name);
	po_buf_addf(&name, "%s.md", base.data);
	po_fs_join(&path, docs_dir, name.data);
	ret = po_fs_write_atomic(path.data, text.data, text.len, err);
	if (ret < 0)
		goto out;
	po_buf_reset(md_path);
	po_buf_adds(md_path, path.data);
out:
	if (ret < 0 && err)
		err->code = PO_EIO;
	if (ret < 0 && reserved)
		remove_report(docs_dir, base.data);
	if (ret < 0)
		ret = PO_EIO;
	free(score);
	free(best);
	po_run_files_release(&rf);
	po_buf_release(&html);
	po_buf_release(&html_name);
	po_buf_release(&base);
	po_buf_release(&name);
	po_buf_release(&path);
	po_buf_release(&text);
	po_buf_release(&title);
	return ret;
}
