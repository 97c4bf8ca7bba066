/*
 * `promptopt bench`: every strategy on every seed against the simulator,
 * measured against its ground truth (run/bench.h); a table on the terminal,
 * the JSON, a Markdown report and a chart.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "report/bench_report.h"
#include "run/bench.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timeutil.h"

static volatile int stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static const struct cli_help_item bench_options[] = {
	{ "project", NULL, "project to optimize (default pr-faq-validator)" },
	{ NULL, "--strategies LIST", "strategies to compare, comma-separated (default: the\n"
				       "default strategy of run, reflect)" },
	{ NULL, "--seeds LIST", "seeds, e.g. 1-100 or 1,5,9-12 (default 1-20); one run\n"
				  "per strategy and seed" },
	{ "iterations", NULL, NULL },
	{ "enable_convergence", NULL, NULL },
	{ "patience", NULL, NULL },
	{ "min_improvement", NULL, NULL },
	{ "stop_rule", NULL, NULL },
	{ "noise", NULL, NULL },
	{ "split", NULL, NULL },
	{ "accept", NULL, NULL },
	{ "alpha", NULL, NULL },
	{ "min_delta", NULL, NULL },
	{ "race_rounds", NULL, NULL },
	{ "incumbent_samples", NULL, NULL },
	{ "pairwise_judge", NULL, NULL },
	{ NULL, "--budget-calls N", "each run stops after N LLM calls (its budget)" },
	{ NULL, "--jobs J", "runs at once (default: the number of processors)" },
	{ NULL, "--json FILE", "the results (default bench_results/bench_TIME.json)" },
	{ NULL, "--report DIR", "where the report and chart go (default: beside the JSON)" },
	{ NULL, "--no-report", "no Markdown report or chart" },
	{ NULL, "-q, --quiet", "print only the table" },
	{ NULL, "-h, --help", "show this help" },
	{ NULL, NULL, NULL },
};

static void bench_usage(FILE *f)
{
	fputs("usage: promptopt bench [--project NAME] [--strategies A,B] [--seeds 1-100] [options]\n\n"
	      "Runs every strategy on every seed against the simulator (in-process, on\n"
	      "threads) and measures each against the simulator's ground truth: LLM calls\n"
	      "until the true score reaches 90 % and 95 % of the way from the baseline to\n"
	      "the optimum, the final true score, the reported minus the true improvement,\n"
	      "false accepts and missed improvements (docs/bench.md). Prints a table and\n"
	      "writes the JSON, a Markdown report and a chart of true score against calls.\n"
	      "Other run settings (e.g. --max-attempts) apply to every run too.\n\n"
	      "Options:\n", f);
	cli_print_options(f, bench_options, false);
	fputs("\nExit codes: 0 done, 2 bad arguments, 11 interrupted (the runs that finished\n"
	      "are written), 1 when some run failed (the others still count).\n", f);
}

struct bench_cli {
	struct po_bench_options o;
	const char *strategies_arg, *seeds_arg, *json_path, *report_dir;
	bool quiet, report;
	char **names;
	uint64_t *seeds;
};

/* A flag of bench's own: 1 matched, 0 not, -1 bad. */
static int own_flag(int argc, char **argv, int *i, struct bench_cli *c)
{
	static const char *const opts[] = { "--strategies", "--seeds", "--json", "--report",
					    "--jobs", "--budget-calls", NULL };
	const char *v = NULL;
	long n;
	int which = cli_match_value(argc, argv, i, opts, &v);

	switch (which) {
	case -2:
		return -1;
	case 0:
		c->strategies_arg = v;
		return 1;
	case 1:
		c->seeds_arg = v;
		return 1;
	case 2:
		c->json_path = v;
		return 1;
	case 3:
		c->report_dir = v;
		return 1;
	case 4:
		if (cli_parse_long("--jobs", v, 1, 64, &n) < 0)
			return -1;
		c->o.jobs = (int)n;
		return 1;
	case 5:
		if (cli_parse_long("--budget-calls", v, 1, 1000000000L, &n) < 0)
			return -1;
		c->o.run.max_calls = n;
		return 1;
	}
	return 0;
}

/* 0 to go on, else the exit code (help, a bad argument). */
static int parse_args(int argc, char **argv, struct bench_cli *c)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int m;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			bench_usage(stdout);
			return -1;
		}
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			c->quiet = true;
			continue;
		}
		if (!strcmp(a, "--no-report")) {
			c->report = false;
			continue;
		}
		m = own_flag(argc, argv, &i, c);
		if (!m)
			m = cli_setting_flag(argc, argv, &i, &c->o.run, false);
		if (m < 0)
			return 2;
		if (m)
			continue;
		cli_unknown_option("bench", a, (const char *const[]){ "--strategies", "--seeds",
				   "--json", "--report", "--jobs", "--budget-calls", "--no-report",
				   "--quiet", "--help", NULL }, NULL, 1);
		return 2;
	}
	return 0;
}

/* The strategies and seeds, and what bench does not take. */
/* --json names a file: a folder is refused before the runs; a device or a
 * pipe (/dev/null, /dev/stdout) takes the JSON, and then the report is
 * written only where --report says (there is no folder beside it). */
static int check_json_path(struct bench_cli *c)
{
	const char *p = c->json_path;
	struct stat st;

	if (!p)
		return 0;
	if (!*p || p[strlen(p) - 1] == '/' || po_fs_is_dir(p)) {
		cli_error("--json '%s': a folder; give a file name, e.g. --json %s%sbench.json", p, p,
			  *p && p[strlen(p) - 1] != '/' ? "/" : "");
		return 2;
	}
	if (!stat(p, &st) && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) && !c->report_dir)
		c->report = false;
	return 0;
}

static int check_args(struct bench_cli *c)
{
	struct po_err err = { 0 };
	size_t n = 0;

	if (c->o.run.provider && strcmp(c->o.run.provider, "sim")) {
		cli_error("bench runs on the simulator (its ground truth is the yardstick), not '%s'; leave out --provider",
			  c->o.run.provider);
		return 2;
	}
	if (check_json_path(c))
		return 2;
	if (c->o.run.pairwise_judge && strcmp(c->o.run.accept ? c->o.run.accept : "greedy", "paired")) {
		cli_error("--pairwise-judge needs paired acceptance (--accept paired): the %s rule compares means and measures no incumbent output to compare with",
			  c->o.run.accept ? c->o.run.accept : "greedy");
		return 2;
	}
	if (po_bench_parse_seeds(c->seeds_arg ? c->seeds_arg : "1-20", &c->seeds, &c->o.nseeds,
				 &err) < 0)
		return cli_fail(&err);
	c->o.seeds = c->seeds;
	if (!c->strategies_arg)
		return 0;
	c->names = po_xcalloc(strlen(c->strategies_arg) + 2, sizeof(*c->names));
	for (const char *p = c->strategies_arg;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (!len) {
			cli_error("--strategies '%s': an empty name; give names separated by commas, e.g. hillclimb,reflect",
				  c->strategies_arg);
			return 2;
		}
		c->names[n++] = po_xstrndup(p, len);
		if (!comma)
			break;
		p = comma + 1;
	}
	c->o.strategies = (const char *const *)c->names;
	c->o.nstrategies = n;
	return 0;
}

static void on_run(void *userdata, size_t done, size_t total, const char *strategy,
		   uint64_t seed, const char *error)
{
	struct bench_cli *c = userdata;

	if (error)
		fprintf(stderr, "promptopt: warning: %s, seed %llu: %s\n", strategy,
			(unsigned long long)seed, error);
	if (!c->quiet && isatty(STDERR_FILENO)) {
		fprintf(stderr, "\r%zu of %zu runs", done, total);
		if (done == total)
			fputs("\n", stderr);
	}
}

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* "724/1100 94%" for calls to a threshold. */
static void calls_text(char *out, size_t size, const json_t *c)
{
	char med[24] = "never", p90[24] = "never";

	if (isfinite(num(c, "median")))
		snprintf(med, sizeof(med), "%.0f", num(c, "median"));
	if (isfinite(num(c, "p90")))
		snprintf(p90, sizeof(p90), "%.0f", num(c, "p90"));
	snprintf(out, size, "%s/%s %.0f%%", med, p90, num(c, "reached") * 100);
}

static void pct(char *out, size_t size, double v)
{
	if (isfinite(v))
		snprintf(out, size, "%.1f%%", v * 100);
	else
		snprintf(out, size, "n/a");
}

static void print_table(const json_t *r)
{
	size_t i;
	const json_t *s;

	printf("%-14s %5s  %-22s %-20s %-24s %7s %13s %9s %8s %7s\n", "Strategy", "Runs",
	       "Calls to 90% (p50/p90)", "Calls to 95%", "True: mean (p5-p95)", "Optimum",
	       "Overstatement", "False acc", "Missed", "Calls");
	json_array_foreach(json_object_get(r, "strategies"), i, s) {
		const json_t *f = json_object_get(s, "final_true");
		const json_t *ov = json_object_get(s, "overstatement");
		char c90[48], c95[48], fin[48], fa[16], miss[16], over[32];

		calls_text(c90, sizeof(c90), json_object_get(s, "calls_to_90"));
		calls_text(c95, sizeof(c95), json_object_get(s, "calls_to_95"));
		snprintf(fin, sizeof(fin), "%.2f (%.2f-%.2f)", num(f, "mean"), num(f, "p5"),
			 num(f, "p95"));
		snprintf(over, sizeof(over), "%+.2f ± %.2f", num(ov, "mean"), num(ov, "sd"));
		pct(fa, sizeof(fa), num(s, "false_accept_rate"));
		pct(miss, sizeof(miss), num(s, "missed_improvement_rate"));
		printf("%-14s %5lld  %-22s %-20s %-24s %7.2f %13s %9s %8s %7.0f\n",
		       po_json_str(s, "strategy", ""), (long long)po_json_int(s, "runs", 0), c90, c95,
		       fin, num(s, "optimum"), over, fa, miss, num(s, "calls_mean"));
	}
}

/* The command line as one string, for the report. */
static void command_text(struct po_buf *out, int argc, char **argv)
{
	po_buf_adds(out, "promptopt");
	for (int i = 0; i < argc; i++)
		po_buf_addf(out, " %s", argv[i]);
}

/* Writes the JSON and the report; prints where. 0 or an exit code. */
static int write_outputs(struct bench_cli *c, const json_t *r, int argc, char **argv)
{
	struct po_buf path = PO_BUF_INIT, dir = PO_BUF_INIT, base = PO_BUF_INIT, md = PO_BUF_INIT;
	struct po_buf cmd = PO_BUF_INIT;
	struct po_err err = { 0 };
	const char *slash, *dot;
	int ret;

	if (c->json_path)
		po_buf_adds(&path, c->json_path);
	else
		po_buf_addf(&path, "bench_results/bench_%lld.json", (long long)po_time_unix());
	slash = strrchr(path.data, '/');
	if (!slash)
		po_buf_adds(&dir, ".");
	else if (slash == path.data)
		po_buf_adds(&dir, "/");
	else
		po_buf_add(&dir, path.data, (size_t)(slash - path.data));
	po_buf_adds(&base, slash ? slash + 1 : path.data);
	dot = strrchr(base.data, '.');
	if (dot && !strcmp(dot, ".json"))
		base.data[dot - base.data] = '\0';
	ret = po_fs_mkdirs(dir.data, &err);
	if (!ret)
		ret = po_json_write_file(path.data, r, &err);
	if (!ret && c->report) {
		const char *rdir = c->report_dir ? c->report_dir : dir.data;
		command_text(&cmd, argc, argv);
		ret = po_fs_mkdirs(rdir, &err);
		if (!ret)
			ret = po_bench_report_write(r, rdir, base.data, cmd.data, &md, &err);
	}
	if (!ret) {
		printf("\nBench results: %s\n", path.data);
		if (md.len)
			printf("Bench report: %s\n", md.data);
	}
	po_buf_release(&path);
	po_buf_release(&dir);
	po_buf_release(&base);
	po_buf_release(&md);
	po_buf_release(&cmd);
	return ret ? cli_fail(&err) : 0;
}

static long processors(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : n;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_cli c = { .report = true };
	struct po_buf work = PO_BUF_INIT;
	struct po_err err = { 0 };
	struct sigaction sa;
	json_t *r = NULL;
	size_t nfailed = 0, i;
	const json_t *s;
	int ret;

	po_bench_options_init(&c.o);
	c.o.jobs = (int)processors();
	c.o.run.provider = NULL;
	ret = parse_args(argc, argv, &c);
	if (!ret)
		ret = check_args(&c);
	if (ret)
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	po_buf_addf(&work, ".promptopt/bench-%ld", (long)getpid());
	c.o.work_dir = work.data;
	c.o.interrupt = &stop_requested;
	c.o.on_run = on_run;
	c.o.userdata = &c;
	ret = po_bench_run(&c.o, &r, &err);
	po_fs_remove_tree(work.data);
	if (ret && !r) {
		ret = cli_fail(&err);
		goto out;
	}
	print_table(r);
	json_array_foreach(json_object_get(r, "strategies"), i, s)
		nfailed += (size_t)po_json_int(s, "failed", 0);
	ret = write_outputs(&c, r, argc, argv);
	if (!ret && stop_requested)
		ret = cli_fail(&err);
	else if (!ret && nfailed) {
		cli_error("%zu run%s failed (their messages are above); the table counts the others",
			  nfailed, nfailed == 1 ? "" : "s");
		ret = 1;
	}
out:
	json_decref(r);
	for (size_t k = 0; c.names && c.names[k]; k++)
		free(c.names[k]);
	free(c.names);
	free(c.seeds);
	po_buf_release(&work);
	return ret < 0 ? 0 : ret;
}
