/*
 * `promptopt diff`: two runs side by side, their scores and a word diff of
 * their best prompts. A run is a number of the results folder's history
 * (runs/index.json), "last" or "previous", or the path of a final results
 * file (or of a folder holding one).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "report/diff.h"
#include "run/history.h"
#include "run/project_files.h"
#include "run/results.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

static void diff_usage(FILE *f)
{
	fprintf(f,
		"usage: promptopt diff --project NAME [RUN_A [RUN_B]] [--results-dir DIR]\n"
		"       promptopt diff FILE_A FILE_B\n\n"
		"Compares two runs: their scores side by side, and a word diff of run A's best\n"
		"prompts against run B's ([-removed-] {+added+}). A run is a number from\n"
		"'promptopt status --project NAME --history', 'last' or 'previous' (the\n"
		"defaults: A previous, B last), or the path of an optimization_final_results.json\n"
		"(or of a folder holding one).\n\n"
		"Options:\n"
		"  --project NAME      the project whose runs/ history holds the runs\n"
		"  --results-dir DIR   its results folder (default prompt_tuning_results_NAME)\n"
		"  -h, --help          show this help\n\n%s",
		cli_exit_codes_help);
}

/* The final results file a run argument names. */
static int locate(const char *dir, const char *arg, struct po_buf *path, struct po_err *err)
{
	po_buf_reset(path);
	if (po_fs_is_dir(arg)) {
		po_fs_join(path, arg, PO_FINAL_RESULTS_FILE);
		return po_fs_exists(path->data) ? 0 :
		       po_error(err, PO_ENOTFOUND, "no %s in '%s'", PO_FINAL_RESULTS_FILE, arg);
	}
	if (strchr(arg, '/') || strstr(arg, ".json")) {
		po_buf_adds(path, arg);
		return po_fs_exists(arg) ? 0 : po_error(err, PO_ENOTFOUND, "no file '%s'", arg);
	}
	if (!dir)
		return po_error(err, PO_EUSAGE,
				"run '%s' is a run of a project's history: give --project NAME", arg);
	return po_history_find(dir, arg, path, err);
}

/* A row of figures with prec decimals (signed when sign). */
static void row_num(const char *label, const json_t *a, const json_t *b, const char *key,
		    int prec, bool sign)
{
	double x = po_json_num(a, key, NAN), y = po_json_num(b, key, NAN);
	char sa[32], sb[32];

	snprintf(sa, sizeof(sa), sign ? "%+.*f" : "%.*f", prec, x);
	snprintf(sb, sizeof(sb), sign ? "%+.*f" : "%.*f", prec, y);
	printf("%-22s %12s %12s", label, isfinite(x) ? sa : "-", isfinite(y) ? sb : "-");
	if (isfinite(x) && isfinite(y))
		printf(" %+12.2f", y - x);
	putchar('\n');
}

static void row_str(const char *label, const char *a, const char *b)
{
	printf("%-22s %12s %12s%s\n", label, a, b, strcmp(a, b) ? "   (differs)" : "");
}

static void print_scores(const json_t *a, const json_t *b)
{
	const json_t *ha = json_object_get(a, "heldout"), *hb = json_object_get(b, "heldout");
	char sa[32], sb[32];

	printf("%-22s %12s %12s %12s\n", "", "A", "B", "B - A");
	row_num("Baseline score", a, b, "baseline_score", 2, false);
	row_num("Final score", a, b, "final_score", 2, false);
	row_num("Improvement (points)", a, b, "improvement", 2, true);
	row_num("Held-out improvement", ha, hb, "improvement", 2, true);
	row_num("Iterations run", a, b, "iterations_run", 0, false);
	row_num("LLM calls", json_object_get(a, "calls"), json_object_get(b, "calls"), "total",
		0, false);
	row_num("Cost ($)", json_object_get(a, "cost"), json_object_get(b, "cost"), "total_usd",
		4, false);
	row_str("Strategy", po_json_str(a, "strategy", "?"), po_json_str(b, "strategy", "?"));
	row_str("Provider", po_json_str(a, "provider", "?"), po_json_str(b, "provider", "?"));
	snprintf(sa, sizeof(sa), "%lld", po_json_int(a, "seed", 0));
	snprintf(sb, sizeof(sb), "%lld", po_json_int(b, "seed", 0));
	row_str("Seed", sa, sb);
}

/* Each prompt of either run's best prompts: same, or its word diff. */
static int print_prompts(const json_t *a, const json_t *b)
{
	const json_t *pa = json_object_get(a, "best_prompts"), *pb = json_object_get(b, "best_prompts");
	const char *name;
	const json_t *v;
	int differ = 0;

	printf("\nBest prompts, A against B ([-removed-] {+added+}):\n");
	json_object_foreach((json_t *)pa, name, v) {
		const char *x = json_string_value(v);
		const char *y = json_string_value(json_object_get(pb, name));
		struct po_diff_stats st;
		struct po_buf d = PO_BUF_INIT;

		if (x && y && !strcmp(x, y)) {
			printf("\n--- %s: the same\n", name);
			continue;
		}
		differ++;
		po_diff_words(&d, x, y, PO_DIFF_TEXT, &st);
		printf("\n--- %s: %zu words removed, %zu added%s\n%s\n", name, st.deleted, st.inserted,
		       y ? "" : " (not in B)", d.data);
		po_buf_release(&d);
	}
	json_object_foreach((json_t *)pb, name, v) {
		if (!json_object_get(pa, name)) {
			printf("\n--- %s: only in B\n%s\n", name, json_string_value(v));
			differ++;
		}
	}
	return differ;
}

/* 0, 1 after the help, -1 after an error; the run arguments in run[]. */
static int parse_diff(int argc, char **argv, const char **project, const char **results,
		      const char *run[2])
{
	static const char *const value_opts[] = { "--project", "--results-dir", NULL };
	const char *v;
	int nrun = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			diff_usage(stdout);
			return 1;
		}
		switch (cli_match_value(argc, argv, &i, value_opts, &v)) {
		case 0: *project = v; continue;
		case 1: *results = v; continue;
		case -2: return -1;
		}
		if (argv[i][0] != '-' && nrun < 2) {
			run[nrun++] = argv[i];
			continue;
		}
		if (argv[i][0] != '-')
			cli_error("diff compares two runs; '%s' is a third", argv[i]);
		else
			cli_unknown_option("diff", argv[i], value_opts,
					   (const char *const[]){ "--help", NULL }, 0);
		return -1;
	}
	if (!*project && !*results && nrun < 2) {
		cli_error("diff needs --project NAME (runs of its history) or two results files");
		return -1;
	}
	return 0;
}

int cmd_diff(int argc, char **argv)
{
	const char *project = NULL, *results = NULL, *run[2] = { "previous", "last" };
	struct po_buf pa = PO_BUF_INIT, pb = PO_BUF_INIT;
	struct po_err err = { 0 };
	json_t *a = NULL, *b = NULL;
	char *dir = NULL;
	int ret;

	ret = parse_diff(argc, argv, &project, &results, run);
	if (ret)
		return ret < 0 ? 2 : 0;
	if (project && po_project_name_check(project, &err) < 0)
		return cli_fail(&err);
	if (results || project)
		dir = results ? po_xstrdup(results) : po_project_dir(".", project);
	ret = locate(dir, run[0], &pa, &err);
	if (!ret)
		ret = locate(dir, run[1], &pb, &err);
	if (!ret)
		ret = po_json_load_file(pa.data, &a, &err);
	if (!ret)
		ret = po_json_load_file(pb.data, &b, &err);
	if (!ret) {
		printf("A: %s\nB: %s\n\n", pa.data, pb.data);
		print_scores(a, b);
		print_prompts(a, b);
	}
	json_decref(a);
	json_decref(b);
	po_buf_release(&pa);
	po_buf_release(&pb);
	free(dir);
	return ret ? cli_fail(&err) : 0;
}
