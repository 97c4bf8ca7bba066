/*
 * `promptopt batch`: several experiments from one command (run/batch.h),
 * with a line per experiment as it ends, the seed's BATCH SUMMARY block and
 * a comparison table; `promptopt batch merge DIR...` combines shards.
 */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/autoresponder.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "report/batch_report.h"
#include "run/batch.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

#define RULE "================================================================================"
#define NAME_COLS 28

static volatile int stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* The options, in the order --help shows them. */
static const struct cli_help_item batch_options[] = {
	{ NULL, "--experiments N",
	  "N experiments of the default setup, seeds S, S+1, ...\n(default 3)" },
	{ NULL, "--config FILE",
	  "experiments from a JSON file (see docs/batch.md):\n"
	  "{\"experiments\": [{\"name\", \"project\", \"iterations\",\n"
	  "\"use_real_api\", \"enable_convergence\", any run option}]}" },
	{ "iterations", NULL, NULL },
	{ "project", NULL, NULL },
	{ "provider", NULL, NULL },
	{ "use_real_api", NULL, NULL },
	{ "strategy", NULL, NULL },
	{ "split", NULL, NULL },
	{ "accept", NULL, NULL },
	{ "alpha", NULL, NULL },
	{ "min_delta", NULL, NULL },
	{ "race_rounds", NULL, NULL },
	{ "incumbent_samples", NULL, NULL },
	{ "pairwise_judge", NULL, NULL },
	{ "seed", NULL, NULL },
	{ "enable_convergence", NULL, NULL },
	{ "batch_api", NULL, NULL },
	{ NULL, "--jobs J", "experiments at once (default 1); limits below are shared" },
	{ "max_calls", NULL, NULL },
	{ "budget_usd", NULL, NULL },
	{ NULL, "--shard I/N",
	  "run only the I-th of N slices (experiment i when\n"
	  "i % N = I - 1); combine with 'batch merge'" },
	{ NULL, "--results-root DIR",
	  "where batches go (default batch_results);\n--output-dir DIR is the same (the seed's name)" },
	{ NULL, "--batch-id ID",
	  "names the batch (default: the Unix time); shards of one\nbatch should share it" },
	{ NULL, "--strict",
	  "when an experiment's provider cannot start (e.g. no API\n"
	  "key), run none (default: record it as failed, run the others)" },
	{ NULL, "--no-report", "no reports (experiments' and batch's)" },
	{ NULL, "--no-auto-responder",
	  "with the bridge, start no responder: someone else answers\n"
	  "(default: one managed responder per bridge folder)" },
	{ NULL, "-q, --quiet", "print only the summary" },
	{ NULL, "--json", "print the batch's summary as one JSON object on stdout\n"
	  "(the other lines go to stderr)" },
	{ NULL, "-h, --help", "show this help" },
	{ NULL, NULL, NULL },
};

static void batch_usage(FILE *f)
{
	fputs("usage: promptopt batch [--experiments N] [--iterations K] [options]\n"
	      "       promptopt batch --config FILE [options]\n"
	      "       promptopt batch merge [--out DIR] [--no-report] [-q] DIR...\n\n"
	      "Runs several experiments and compares them. Each experiment writes its own\n"
	      "results folder ROOT/ID/NN-NAME/ (report in its docs/); the batch writes\n"
	      "ROOT/batch_results_ID.json with totals, every experiment's results and a\n"
	      "comparison (mean ± 95% CI per group of experiments sharing a setting), and\n"
	      "a report ROOT/batch_results_ID.md with a chart of all score curves.\n\n"
	      "Options:\n", f);
	cli_print_options(f, batch_options, true);
	fprintf(f,
		"\nWith --config, the flags above are defaults for experiments that do not set\n"
		"the key. Ctrl-C stops cleanly: experiments in flight save what they have,\n"
		"the others do not start, and the batch file records it (exit 11). Exit 1 when\n"
		"an experiment failed (the others still ran), 12 when none failed but some\n"
		"stopped at --max-calls or --budget-usd.\n\n%s",
		cli_exit_codes_help);
}

struct batch_cli {
	bool quiet;
	size_t plan_size;
};

/* ---- printing ------------------------------------------------------------- */

/* Prints at most cols bytes of s, cut at a character boundary, padded. */
static void print_cell(const char *s, int cols)
{
	size_t n = strlen(s);

	if (n > (size_t)cols) {
		n = (size_t)cols - 1;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		printf("%.*s~%*s", (int)n, s, cols - 1 - (int)n, "");
		return;
	}
	printf("%s%*s", s, cols - (int)n, "");
}

static void on_event(const struct po_batch_event *ev, void *ud)
{
	const struct batch_cli *bc = ud;
	const json_t *res;

	if (bc->quiet)
		return;
	if (ev->kind == PO_BATCH_EV_START) {
		printf("[%zu/%zu] %s: started\n", ev->index + 1, bc->plan_size, ev->name);
		fflush(stdout);
		return;
	}
	res = po_batch_summary_of(ev->record);
	printf("[%zu/%zu] %s: ", ev->index + 1, bc->plan_size, ev->name);
	if (po_json_bool(ev->record, "success", 0))
		printf("%.2f -> %.2f (%+.2f), %lld iterations, %lld calls, %.2fs",
		       po_json_num(res, "baseline_score", NAN), po_json_num(res, "final_score", NAN),
		       po_json_num(res, "improvement", NAN), po_json_int(res, "iterations_run", 0),
		       po_json_int(res, "calls", 0), po_json_num(ev->record, "elapsed_seconds", 0));
	else
		printf("%s: %s", po_json_str(ev->record, "status", ""),
		       po_json_str(ev->record, "error", ""));
	printf("  (%zu of %zu done)\n", ev->done, ev->total);
	fflush(stdout);
}

static void print_summary(const json_t *r)
{
	const json_t *exps = json_object_get(r, "experiments"), *e;
	bool any_failed = false;
	size_t i;

	printf("\n%s\nBATCH SUMMARY\n%s\n\n", RULE, RULE);
	printf("Total Experiments: %lld\n", po_json_int(r, "total_experiments", 0));
	printf("Successful: %lld\n", po_json_int(r, "successful", 0));
	printf("Failed: %lld\n", po_json_int(r, "failed", 0));
	if (po_json_int(r, "successful", 0))
		printf("\nSuccessful Experiments:\n");
	json_array_foreach(exps, i, e) {
		const json_t *res = po_batch_summary_of(e);

		if (!po_json_bool(e, "success", 0)) {
			any_failed = true;
			continue;
		}
		printf("\n  %s\n", po_json_str(e, "name", ""));
		printf("    Baseline: %.2f\n", po_json_num(res, "baseline_score", NAN));
		printf("    Final: %.2f\n", po_json_num(res, "final_score", NAN));
		printf("    Improvement: %+.2f (%+.1f%%)\n", po_json_num(res, "improvement", NAN),
		       po_json_num(res, "improvement_percent", NAN));
		printf("    Time: %.2fs\n", po_json_num(e, "elapsed_seconds", NAN));
		if (po_json_bool(res, "converged", 0))
			printf("    Converged at iteration %lld (wasted iterations: %lld)\n",
			       po_json_int(res, "convergence_iteration", 0),
			       po_json_int(res, "wasted_iterations", 0));
	}
	if (any_failed) {
		printf("\nFailed Experiments:\n");
		json_array_foreach(exps, i, e) {
			if (po_json_bool(e, "success", 0))
				continue;
			printf("\n  %s\n    Error: %s\n", po_json_str(e, "name", ""),
			       po_json_str(e, "error", ""));
		}
	}
	printf("%s\n", RULE);
}

/* Columns a UTF-8 string takes ("±" is two bytes, one column). */
static int text_cols(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The group table's interval columns: title, JSON key, decimals. */
static const struct {
	const char *title, *key;
	int decimals;
} group_cols[] = {
	{ "Baseline", "baseline_score", 2 },
	{ "Final", "final_score", 2 },
	{ "Improvement", "improvement", 2 },
	{ "Iter", "iterations_run", 1 },
	{ "Saved", "iterations_saved", 1 },
	{ "Calls", "calls", 0 },
	{ "Cost $", "cost_usd", 4 },
	{ "Time s", "elapsed_seconds", 2 },
};
#define NGROUP_COLS (sizeof(group_cols) / sizeof(group_cols[0]))

static void print_padded(const char *s, int cols)
{
	int pad = cols - text_cols(s);

	printf("%s%*s", s, pad > 0 ? pad : 0, "");
}

/* One line per group; each column as wide as its widest cell. True when a
 * cell needs the legend (no interval, or a cut one). */
static bool print_groups(const json_t *groups)
{
	size_t ng = json_array_size(groups);
	struct po_buf *cells = po_xcalloc(ng * NGROUP_COLS + 1, sizeof(*cells));
	int width[NGROUP_COLS];
	const json_t *g;
	bool legend = false;
	size_t i;

	for (size_t c = 0; c < NGROUP_COLS; c++)
		width[c] = text_cols(group_cols[c].title);
	json_array_foreach(groups, i, g)
		for (size_t c = 0; c < NGROUP_COLS; c++) {
			struct po_buf *cell = &cells[i * NGROUP_COLS + c];

			po_buf_init(cell);
			po_batch_ci_text(cell, json_object_get(g, group_cols[c].key),
					 group_cols[c].decimals);
			if (text_cols(cell->data) > width[c])
				width[c] = text_cols(cell->data);
			legend |= strstr(cell->data, "± n/a") || strchr(cell->data, '[');
		}
	printf("\n%-*s %3s", NAME_COLS, "Group", "n");
	for (size_t c = 0; c < NGROUP_COLS; c++) {
		printf("  ");
		print_padded(group_cols[c].title, c + 1 < NGROUP_COLS ? width[c] : 0);
	}
	printf("\n");
	json_array_foreach(groups, i, g) {
		struct po_buf label = PO_BUF_INIT;

		po_batch_group_label(&label, g);
		print_cell(label.data, NAME_COLS);
		po_buf_release(&label);
		printf(" %3lld", po_json_int(g, "successful", 0));
		for (size_t c = 0; c < NGROUP_COLS; c++) {
			printf("  ");
			print_padded(cells[i * NGROUP_COLS + c].data,
				     c + 1 < NGROUP_COLS ? width[c] : 0);
			po_buf_release(&cells[i * NGROUP_COLS + c]);
		}
		printf("\n");
	}
	free(cells);
	return legend;
}

static void print_comparison(const json_t *r)
{
	const json_t *cmp = json_object_get(r, "comparison");
	const json_t *row;
	size_t i;

	printf("\nCOMPARISON (mean ± 95%% CI over successful experiments)\n\n");
	printf("%-*s %8s %8s %12s %9s %5s %7s %9s %8s\n", NAME_COLS + 4, "Experiment", "Baseline",
	       "Final", "Improvement", "Iter", "Saved", "Calls", "Cost $", "Time s");
	json_array_foreach(json_object_get(cmp, "experiments"), i, row) {
		char num[32], iter[32], cost[32];

		snprintf(num, sizeof(num), "%-3lld ", po_json_int(row, "index", 0) + 1);
		printf("%s", num);
		print_cell(po_json_str(row, "name", ""), NAME_COLS);
		snprintf(iter, sizeof(iter), "%lld", po_json_int(row, "iterations_run", 0));
		if (json_is_number(json_object_get(row, "cost_usd")))
			snprintf(cost, sizeof(cost), "%.4f", po_json_num(row, "cost_usd", 0));
		else
			snprintf(cost, sizeof(cost), "n/a");
		printf(" %8.2f %8.2f %+12.2f %9s %5lld %7lld %9s %8.2f\n",
		       po_json_num(row, "baseline_score", NAN), po_json_num(row, "final_score", NAN),
		       po_json_num(row, "improvement", NAN), iter,
		       po_json_int(row, "iterations_saved", 0), po_json_int(row, "calls", 0), cost,
		       po_json_num(row, "elapsed_seconds", NAN));
	}
	if (print_groups(json_object_get(cmp, "groups")))
		printf("\n± n/a: one experiment, no interval; [low, high]: the interval cut at what the value can be\n");
}

/* Summary, table, file names; the exit code for the result. */
static int finish(const json_t *r, const struct po_buf *json_path, bool report, int ret,
		  const struct po_err *err)
{
	long long failed = 0, stopped = po_json_int(r, "stopped", 0);
	const json_t *e;
	size_t i;

	print_summary(r);
	print_comparison(r);
	printf("\nBatch results: %s\n", json_path->data);
	if (report && json_path->len > 5)
		printf("Batch report: %.*s.md\n", (int)(json_path->len - 5), json_path->data);
	fflush(stdout);
	if (ret)
		return cli_fail(err);
	json_array_foreach(json_object_get(r, "experiments"), i, e)
		failed += !strcmp(po_json_str(e, "status", ""), "failed");
	if (failed) {
		long long total = po_json_int(r, "total_experiments", 0);

		if (failed == 1 && total == 1)
			cli_error("the experiment failed; see %s", json_path->data);
		else if (failed == total)
			cli_error("all %lld experiments failed; see %s", total, json_path->data);
		else
			cli_error("%lld of %lld experiments failed (the others ran); see %s", failed,
				  total, json_path->data);
		return 1;
	}
	if (stopped) {
		long long total = po_json_int(r, "total_experiments", 0);
		char who[64];

		if (stopped == 1 && total == 1)
			snprintf(who, sizeof(who), "the experiment");
		else if (stopped == total)
			snprintf(who, sizeof(who), "all %lld experiments", total);
		else
			snprintf(who, sizeof(who), "%lld of %lld experiments", stopped, total);
		cli_error("%s stopped at the limit of calls or budget (results so far saved); raise --max-calls or --budget-usd",
			  who);
		return cli_exit_code(PO_EBUDGET);
	}
	return 0;
}

/* ---- managed responders for the bridge -------------------------------------- */

/* One per bridge folder the batch uses; experiments running at once share it,
 * so its peer_alive (which may restart it) is called under a lock. */
struct responder {
	struct cli_autoresponder ar;
	pthread_mutex_t mu;
	char *dir;
};

struct responders {
	struct responder *v;
	struct po_batch_peer *peers;
	size_t n;
};

static int responder_alive(void *userdata)
{
	struct responder *rs = userdata;
	int alive;

	pthread_mutex_lock(&rs->mu);
	alive = cli_autoresponder_alive(&rs->ar);
	pthread_mutex_unlock(&rs->mu);
	return alive;
}

/* Starts a responder for every bridge folder the experiments of this run use
 * (one is enough however many experiments share the folder: each call has
 * its run's id). */
static int start_responders(struct responders *rs, const struct po_batch *b,
			    const struct po_batch_run_options *ro, bool quiet, struct po_err *err)
{
	size_t n = po_batch_size(b);
	int ret = 0;

	rs->v = po_xcalloc(n, sizeof(*rs->v));
	rs->peers = po_xcalloc(n, sizeof(*rs->peers));
	for (size_t i = 0; i < n && !ret; i++) {
		struct po_buf dir = PO_BUF_INIT;
		double interval = 0.2;
		size_t k;

		if (!po_batch_in_shard(i, ro->shard_index, ro->shard_count) ||
		    !po_batch_bridge_dir(b, i, &dir, &interval)) {
			po_buf_release(&dir);
			continue;
		}
		for (k = 0; k < rs->n && strcmp(rs->v[k].dir, dir.data); k++)
			;
		if (k == rs->n) {
			/* Started at the interval of the folder's first experiment. */
			ret = po_fs_mkdirs(dir.data, err);
			if (!ret)
				ret = cli_autoresponder_start(&rs->v[k].ar, dir.data, interval, quiet,
							      err);
			if (!ret) {
				pthread_mutex_init(&rs->v[k].mu, NULL);
				rs->v[k].dir = po_buf_detach(&dir);
				rs->peers[k] = (struct po_batch_peer){ rs->v[k].dir, responder_alive,
								       &rs->v[k], true };
				rs->n++;
			} else {
				free(rs->v[k].ar.dir); /* a responder that did not start */
			}
		}
		po_buf_release(&dir);
	}
	return ret;
}

static void stop_responders(struct responders *rs)
{
	for (size_t k = 0; k < rs->n; k++) {
		cli_autoresponder_stop(&rs->v[k].ar);
		pthread_mutex_destroy(&rs->v[k].mu);
		free(rs->v[k].dir);
	}
	free(rs->v);
	free(rs->peers);
	memset(rs, 0, sizeof(*rs));
}

/* ---- batch merge ------------------------------------------------------------ */

static int cmd_merge(int argc, char **argv)
{
	const char **dirs = calloc((size_t)argc, sizeof(*dirs));
	const char *out = NULL;
	struct po_buf path = PO_BUF_INIT;
	struct po_err err = { 0 };
	json_t *r = NULL;
	bool report = true, quiet = false;
	size_t n = 0;
	int ret;

	if (!dirs)
		return 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int m;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			batch_usage(stdout);
			free(dirs);
			return 0;
		}
		if (!strcmp(a, "--no-report")) {
			report = false;
			continue;
		}
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = true;
			continue;
		}
		m = cli_opt_value(argc, argv, &i, "--out", &v);
		if (m < 0) {
			free(dirs);
			return 2;
		}
		if (m) {
			out = v;
			continue;
		}
		if (a[0] == '-') {
			cli_error("unknown option '%s' for batch merge; see 'promptopt batch --help'", a);
			free(dirs);
			return 2;
		}
		dirs[n++] = a;
	}
	if (!n) {
		cli_error("batch merge needs the folders of the shard results, e.g. 'promptopt batch merge batch_results'");
		free(dirs);
		return 2;
	}
	ret = po_batch_merge(dirs, n, out, report, &r, &path, &err);
	free(dirs);
	if (ret) {
		po_buf_release(&path);
		return cli_fail(&err);
	}
	if (quiet) {
		printf("Batch results: %s\n", path.data);
		ret = 0;
	} else {
		ret = finish(r, &path, report, 0, &err);
	}
	json_decref(r);
	po_buf_release(&path);
	return ret;
}

/* ---- batch ------------------------------------------------------------------ */

enum { OPT_EXPERIMENTS, OPT_CONFIG, OPT_JOBS, OPT_SHARD, OPT_RESULTS_ROOT, OPT_BATCH_ID,
       OPT_OUTPUT_DIR };

static const char *const value_opts[] = {
	"--experiments", "--config", "--jobs", "--shard", "--results-root", "--batch-id",
	"--output-dir", NULL,
};

/*
 * The settings flags of batch, parsed into run options: "not given" is
 * NULL, -1 (iterations) or the default; the plan's defaults and the shared
 * limits take them from there.
 */
static void flags_init(struct po_run_options *f)
{
	memset(f, 0, sizeof(*f));
	f->max_iterations = -1;
	f->seed = 42;
	f->enable_convergence = true;
}

static void flags_apply(const struct po_run_options *f, struct po_batch_defaults *d,
			struct po_batch_run_options *ro)
{
	d->project = f->project;
	d->iterations = f->max_iterations;
	d->provider = f->provider;
	d->strategy = f->strategy;
	d->seed = f->seed;
	d->no_convergence = !f->enable_convergence;
	d->split = f->split;
	d->accept = f->accept;
	d->alpha = f->accept_alpha;
	d->min_delta = f->accept_min_delta;
	d->race_rounds = f->accept_rounds;
	d->incumbent_samples = f->accept_incumbent_samples;
	d->pairwise_judge = f->pairwise_judge;
	d->batch_api = f->batch_api;
	ro->max_calls = f->max_calls;
	ro->budget_usd = f->budget_usd;
}

static int parse_shard(const char *v, int *index, int *count)
{
	const char *arg = v;
	char *end;
	long i, n;

	i = strtol(v, &end, 10);
	if (end == v || *end != '/')
		goto bad;
	v = end + 1;
	n = strtol(v, &end, 10);
	if (end == v || *end || n < 1 || n > 100000 || i < 1 || i > n)
		goto bad;
	*index = (int)i;
	*count = (int)n;
	return 0;
bad:
	cli_error("--shard expects I/N with 1 <= I <= N <= 100000 (e.g. 2/4), not '%s'", arg);
	return -1;
}

/* The command line of batch. */
struct batch_args {
	struct po_batch_defaults d;
	struct po_batch_run_options ro;
	const char *config;
	long experiments;
	bool auto_responder, quiet, json;
};

/*
 * Says up front which experiments cannot run and why (their providers
 * cannot start); they are recorded as failed and the others run. When none
 * can run, or with --strict, the preflight's error: nothing runs.
 */
static int check_providers(const struct po_batch *b, const struct batch_args *ba,
			   struct po_err *err)
{
	const struct po_batch_run_options *ro = &ba->ro;
	json_t *blocked;
	const json_t *why;
	size_t mine = 0, i;

	if (ro->strict)
		return po_batch_preflight(b, ro->shard_index, ro->shard_count, err);
	blocked = po_batch_blocked(b, ro->shard_index, ro->shard_count);
	for (i = 0; i < po_batch_size(b); i++)
		mine += po_batch_in_shard(i, ro->shard_index, ro->shard_count);
	if (mine && po_batch_blocked_count(blocked) == mine) {
		json_decref(blocked);
		return po_batch_preflight(b, ro->shard_index, ro->shard_count, err);
	}
	json_array_foreach(blocked, i, why)
		if (json_is_string(why))
			cli_warning("experiment %zu \"%s\" cannot run: %s; it is recorded as failed and the others run (--strict: run none)",
				    i + 1, po_json_str(po_batch_config(b, i), "name", ""),
				    json_string_value(why));
	json_decref(blocked);
	return 0;
}

/* 0, or 1 after printing the help, or -1 after printing an error. */
static int parse_args(int argc, char **argv, struct batch_args *ba)
{
	struct po_run_options flags;
	long n;

	memset(ba, 0, sizeof(*ba));
	po_batch_defaults_init(&ba->d);
	po_batch_run_options_init(&ba->ro);
	ba->experiments = -1;
	ba->auto_responder = true;
	flags_init(&flags);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		int m;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			batch_usage(stdout);
			return 1;
		}
		if (!strcmp(a, "--no-report")) {
			ba->ro.write_report = false;
			continue;
		}
		if (!strcmp(a, "--strict")) {
			ba->ro.strict = true;
			continue;
		}
		if (!strcmp(a, "--no-auto-responder")) {
			ba->auto_responder = false;
			continue;
		}
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			ba->quiet = true;
			continue;
		}
		if (!strcmp(a, "--json")) {
			ba->json = true;
			continue;
		}
		m = cli_setting_flag(argc, argv, &i, &flags, true);
		if (m < 0)
			return -1;
		if (m)
			continue;
		switch (cli_match_value(argc, argv, &i, value_opts, &v)) {
		case -2:
			return -1;
		case OPT_EXPERIMENTS:
			if (cli_parse_long("--experiments", v, 1, PO_BATCH_MAX_EXPERIMENTS,
					   &ba->experiments) < 0)
				return -1;
			continue;
		case OPT_CONFIG:
			ba->config = v;
			continue;
		case OPT_JOBS:
			if (cli_parse_long("--jobs", v, 1, 1024, &n) < 0)
				return -1;
			ba->ro.jobs = (int)n;
			continue;
		case OPT_SHARD:
			if (parse_shard(v, &ba->ro.shard_index, &ba->ro.shard_count) < 0)
				return -1;
			continue;
		case OPT_RESULTS_ROOT:
		case OPT_OUTPUT_DIR: /* the seed's name */
			ba->ro.results_root = v;
			continue;
		case OPT_BATCH_ID:
			ba->ro.batch_id = v;
			continue;
		}
		cli_unknown_option("batch", a, value_opts, (const char *const[]){ "--no-report",
				   "--strict", "--no-auto-responder", "--quiet", "--json", "--help",
				   NULL }, 2);
		return -1;
	}
	flags_apply(&flags, &ba->d, &ba->ro);
	return 0;
}

/* The batch from its plan to its summary; the exit code. */
static int run_batch(struct batch_args *ba, struct po_buf *path, json_t **r, struct po_err *err)
{
	struct po_batch *b = NULL;
	struct batch_cli bc = { 0 };
	struct sigaction sa;
	struct responders rs = { 0 };
	int ret;

	bc.quiet = ba->quiet;
	if (ba->config && ba->experiments > 0) {
		po_error(err, PO_EUSAGE,
			 "--experiments and --config cannot be combined: the config lists the experiments");
		return cli_fail(err);
	}
	if (ba->config)
		ret = po_batch_plan_load(&b, ba->config, &ba->d, err);
	else
		ret = po_batch_plan_default(&b, ba->experiments > 0 ? (int)ba->experiments : 3,
					    &ba->d, err);
	if (!ret)
		ret = check_providers(b, ba, err);
	if (ret) {
		po_batch_free(b);
		return cli_fail(err);
	}

	bc.plan_size = po_batch_size(b);
	ba->ro.on_event = on_event;
	ba->ro.userdata = &bc;
	ba->ro.interrupt = &stop_requested;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* A second Ctrl-C kills at once. */
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (!bc.quiet) {
		if (ba->ro.shard_count)
			printf("Batch: shard %d/%d of %zu experiments, %d at once\n", ba->ro.shard_index,
			       ba->ro.shard_count, bc.plan_size, ba->ro.jobs);
		else
			printf("Batch: %zu experiments, %d at once\n", bc.plan_size, ba->ro.jobs);
		fflush(stdout);
	}
	if (ba->auto_responder) {
		ret = start_responders(&rs, b, &ba->ro, bc.quiet, err);
		if (ret) {
			stop_responders(&rs);
			po_batch_free(b);
			return cli_fail(err);
		}
		ba->ro.peers = rs.peers;
		ba->ro.npeers = rs.n;
	}
	ret = po_batch_run(b, &ba->ro, r, path, err);
	stop_responders(&rs);
	po_batch_free(b);
	if (!*r)
		return cli_fail(err);
	return finish(*r, path, ba->ro.write_report, ret, err);
}

int cmd_batch(int argc, char **argv)
{
	struct batch_args ba;
	struct po_buf path = PO_BUF_INIT;
	struct po_err err = { 0 };
	json_t *r = NULL;
	int ret, jfd = -1;

	if (argc > 1 && !strcmp(argv[1], "merge"))
		return cmd_merge(argc - 1, argv + 1);
	ret = parse_args(argc, argv, &ba);
	if (ret)
		return ret < 0 ? 2 : 0;
	if (ba.json)
		jfd = cli_json_begin();
	ret = run_batch(&ba, &path, &r, &err);
	if (ba.json) {
		json_t *j = cli_batch_json(r, &path, ba.ro.write_report, ret, &err);
		cli_json_end(jfd, j);
		json_decref(j);
	}
	json_decref(r);
	po_buf_release(&path);
	return ret;
}
