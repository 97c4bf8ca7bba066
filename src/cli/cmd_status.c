/*
 * `promptopt status --project NAME`: the state of a project's last run, a
 * run in flight with its progress (progress.json), refreshed with --watch,
 * or as one JSON object with --json.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "run/history.h"
#include "run/progress_file.h"
#include "run/project_files.h"
#include "run/results.h"
#include "run/run_state.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

struct status_cli {
	const char *project, *results;
	bool json, watch, history;
	double interval;
};

static void status_usage(FILE *f)
{
	fprintf(f,
		"usage: promptopt status --project NAME [--results-dir DIR] [--json] [--watch]\n"
		"                        [--interval SECONDS] [--history]\n\n"
		"Shows the project's last run: running (with its progress), or how it ended\n"
		"and its summary.\n\n"
		"Options:\n"
		"  --project NAME      the project (required)\n"
		"  --results-dir DIR   its results folder (default prompt_tuning_results_NAME)\n"
		"  --json              print one JSON object (state, progress, summary)\n"
		"  --watch             print again every --interval SECONDS (default 1) while\n"
		"                      the run is running (with --json: one object per line)\n"
		"  --history           every run recorded in the results folder's runs/ (its\n"
		"                      final results and best prompts are kept there)\n\n"
		"A run in flight rewrites progress.json in its results folder a few times a\n"
		"second, and appends one line per LLM call to llm_calls.jsonl (tail -f it).\n\n%s",
		cli_exit_codes_help);
}

/* "12 s", "3 min 5 s", "1 h 2 min". */
static void add_duration(struct po_buf *b, double s)
{
	long t = (long)llround(s);

	if (t < 60)
		po_buf_addf(b, "%ld s", t);
	else if (t < 3600)
		po_buf_addf(b, "%ld min %ld s", t / 60, t % 60);
	else
		po_buf_addf(b, "%ld h %ld min", t / 3600, (t % 3600) / 60);
}

/* The progress of a run in flight, from its progress.json. */
static void print_progress(const json_t *p)
{
	struct po_buf b = PO_BUF_INIT;
	const json_t *best = json_object_get(p, "best");
	long long est = po_json_int(p, "step_calls_estimate", 0);
	double budget = po_json_num(p, "budget_usd", 0), eta = po_json_num(p, "eta_seconds", NAN);

	if (po_json_int(p, "iteration", 0) > 0)
		po_buf_addf(&b, "Progress: iteration %lld of %lld (%lld done), %s; %lld calls",
			    po_json_int(p, "iteration", 0), po_json_int(p, "max_iterations", 0),
			    po_json_int(p, "iterations_done", 0), po_json_str(p, "phase", "?"),
			    po_json_int(p, "calls", 0));
	else
		po_buf_addf(&b, "Progress: %s; %lld calls", po_json_str(p, "phase", "?"),
			    po_json_int(p, "calls", 0));
	po_buf_addf(&b, " (%lld", po_json_int(p, "step_calls_done", 0));
	if (est > 0 && po_json_int(p, "step_calls_done", 0) <= est)
		po_buf_addf(&b, " of ~%lld", est);
	po_buf_addf(&b, " in this step)\n");
	if (json_is_number(best))
		po_buf_addf(&b, "Best: %.2f (baseline %.2f)  ", json_number_value(best),
			    po_json_num(p, "baseline", 0));
	po_buf_addf(&b, "Spent: $%.4f", po_json_num(p, "spent_usd", 0));
	if (budget > 0)
		po_buf_addf(&b, " of $%.2f", budget);
	po_buf_addf(&b, "  Elapsed: ");
	add_duration(&b, po_json_num(p, "elapsed_seconds", 0));
	if (isfinite(eta)) {
		po_buf_addf(&b, "  ETA: ");
		add_duration(&b, eta);
	}
	po_buf_addf(&b, "\nUpdated: %s\n", po_json_str(p, "updated", "?"));
	fputs(b.data, stdout);
	po_buf_release(&b);
}

/*
 * What run_state.json says about the last run, when the final results do
 * not tell it all (with_final: they exist and were printed). Returns true
 * when it printed the project's state.
 */
static bool print_run_state(const char *dir, const char *project, bool with_final)
{
	struct po_run_state st;
	json_t *prog = NULL;

	if (po_run_state_read(dir, &st, NULL) < 0) {
		struct po_buf prev = PO_BUF_INIT;
		bool set_aside;

		po_fs_join(&prev, dir, PO_PREVIOUS_RESULTS_FILE);
		set_aside = !with_final && po_fs_exists(prev.data);
		if (set_aside)
			printf("Project: %s (%s)\nLast run: did not record how it ended (killed at its start, or out of disk space); no final results\nThe run before it: %s (set aside: its iteration files were replaced)\n",
			       project, dir, prev.data);
		po_buf_release(&prev);
		return set_aside;
	}
	if (with_final) {
		if (!strcmp(st.state, "interrupted") || !strcmp(st.state, "stopped") ||
		    !strcmp(st.state, "failed"))
			printf("Ended: %s after iteration %d (%s): %s\n", st.state, st.iterations_run,
			       st.ended ? st.ended : "?", st.error ? st.error : "no message");
		po_run_state_release(&st);
		return true;
	}
	printf("Project: %s (%s)\n", project, dir);
	if (st.alive) {
		printf("Last run: running (pid %ld, started %s); no final results yet\n", st.pid,
		       st.started ? st.started : "?");
		if (po_progress_read(dir, &prog, NULL) == 0)
			print_progress(prog);
		json_decref(prog);
	} else if (!strcmp(st.state, "running")) {
		printf("Last run: did not finish (pid %ld, started %s, is gone: killed, crashed or out of disk space); no final results; continue it with 'promptopt run --project %s --resume'\n",
		       st.pid, st.started ? st.started : "?", project);
	} else {
		printf("Last run: %s after iteration %d (%s), no final results: %s\n", st.state,
		       st.iterations_run, st.ended ? st.ended : "?", st.error ? st.error : "no message");
	}
	if (st.previous)
		printf("The run before it: %s/%s (set aside: its iteration files were replaced)\n",
		       dir, PO_PREVIOUS_RESULTS_FILE);
	po_run_state_release(&st);
	return true;
}

/* The human form; *running: the last run is running. */
static int show_text(const char *dir, const char *project, bool *running)
{
	struct po_err err = { 0 };
	struct po_run_state st;
	struct po_summary s;
	int ret;

	*running = po_run_state_read(dir, &st, NULL) == 0 && st.alive;
	po_run_state_release(&st);
	ret = *running ? PO_ENOTFOUND : po_results_read_summary(dir, &s, &err);
	if (ret == PO_ENOTFOUND && print_run_state(dir, project, false))
		return 0;
	if (ret == PO_ENOTFOUND) {
		printf("Project: %s (%s)\nNo run yet: start one with 'promptopt run --project %s'\n",
		       project, dir, project);
		return 0;
	}
	if (ret < 0)
		return cli_fail(&err);
	printf("Project: %s\nLast run: %d of %d iterations, strategy %s, provider %s, seed %llu\n",
	       s.project, s.iterations_run, s.max_iterations, s.strategy, s.provider,
	       (unsigned long long)s.seed);
	print_run_state(dir, project, true);
	cli_print_convergence_analysis(dir);
	if (s.report_path[0])
		printf("Report: %s\n", s.report_path);
	return 0;
}

/* The run state as JSON ({"state": "none"} without a record). */
static json_t *state_json(const char *dir, bool *running)
{
	struct po_run_state st;
	json_t *o = json_object();

	*running = false;
	if (po_run_state_read(dir, &st, NULL) < 0) {
		json_object_set_new(o, "state", json_string("none"));
		return o;
	}
	*running = st.alive;
	/* A "running" record whose process is gone: the run died. */
	json_object_set_new(o, "state", json_string(!strcmp(st.state, "running") && !st.alive ?
						    "dead" : st.state));
	json_object_set_new(o, "pid", st.pid > 0 ? json_integer(st.pid) : json_null());
	json_object_set_new(o, "alive", json_boolean(st.alive));
	json_object_set_new(o, "started", st.started ? json_string(st.started) : json_null());
	json_object_set_new(o, "ended", st.ended ? json_string(st.ended) : json_null());
	json_object_set_new(o, "iterations_run", json_integer(st.iterations_run));
	json_object_set_new(o, "error", st.error ? json_string(st.error) : json_null());
	po_run_state_release(&st);
	return o;
}

static int show_json(const char *dir, const char *project, bool *running)
{
	json_t *o = json_object(), *prog = NULL;
	struct po_err err = { 0 };
	struct po_summary s;
	int ret = 0;

	json_object_set_new(o, "project", json_string(project));
	json_object_set_new(o, "results_dir", json_string(dir));
	json_object_set_new(o, "run", state_json(dir, running));
	json_object_set_new(o, "progress", po_progress_read(dir, &prog, NULL) == 0 ? prog :
				   json_null());
	if (!*running && po_results_read_summary(dir, &s, &err) == 0)
		json_object_set_new(o, "summary", cli_summary_json(&s));
	else
		json_object_set_new(o, "summary", json_null());
	if (err.code && err.code != PO_ENOTFOUND) {
		ret = cli_fail(&err);
	} else {
		cli_print_json(o);
	}
	json_decref(o);
	return ret;
}

/* The runs of runs/index.json, one line each and where their files are. */
static int show_history(const char *dir, bool json)
{
	struct po_err err = { 0 };
	const json_t *r;
	json_t *idx = NULL;
	size_t i;
	int ret = po_history_read(dir, &idx, &err);

	if (ret && ret != PO_ENOTFOUND)
		return cli_fail(&err);
	if (json) {
		if (!idx)
			idx = json_pack("{s:[]}", "runs");
		cli_print_json(idx);
	} else if (!idx) {
		printf("No run recorded in %s/%s yet\n", dir, PO_RUNS_DIR);
	} else {
		printf("%-4s %-20s %-11s %-10s %6s %6s %9s %9s\n", "Run", "Ended", "State",
		       "Strategy", "Seed", "Iter", "Baseline", "Final");
		json_array_foreach(json_object_get(idx, "runs"), i, r) {
			printf("%-4lld %-20s %-11s %-10s %6lld %6lld %9.2f %9.2f\n",
			       po_json_int(r, "run", 0), po_json_str(r, "ended", "?"),
			       po_json_str(r, "state", "?"), po_json_str(r, "strategy", "-"),
			       po_json_int(r, "seed", 0), po_json_int(r, "iterations_run", 0),
			       po_json_num(r, "baseline_score", NAN), po_json_num(r, "final_score", NAN));
			if (po_json_str(r, "results", NULL))
				printf("     results: %s/%s\n", dir, po_json_str(r, "results", ""));
			if (po_json_str(r, "report", NULL))
				printf("     report: %s\n", po_json_str(r, "report", ""));
		}
		printf("Compare two runs with 'promptopt diff --project NAME A B'\n");
	}
	json_decref(idx);
	return 0;
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - floor(s)) * 1e9) };

	nanosleep(&ts, NULL);
}

/* 0, 1 after the help, -1 after an error. */
static int parse_status(int argc, char **argv, struct status_cli *c)
{
	static const char *const value_opts[] = { "--project", "--results-dir", "--interval", NULL };
	const char *v;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			status_usage(stdout);
			return 1;
		}
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "--watch") ||
		    !strcmp(argv[i], "--history")) {
			c->json |= argv[i][2] == 'j';
			c->watch |= argv[i][2] == 'w';
			c->history |= argv[i][2] == 'h';
			continue;
		}
		switch (cli_match_value(argc, argv, &i, value_opts, &v)) {
		case 0: c->project = v; continue;
		case 1: c->results = v; continue;
		case 2:
			if (cli_parse_double("--interval", v, 0.1, 3600, &c->interval) < 0)
				return -1;
			continue;
		case -2: return -1;
		}
		cli_unknown_option("status", argv[i], value_opts,
				   (const char *const[]){ "--json", "--watch", "--history", "--help",
							  NULL }, 0);
		return -1;
	}
	if (!c->project) {
		cli_error("status needs --project NAME");
		return -1;
	}
	return 0;
}

int cmd_status(int argc, char **argv)
{
	struct status_cli c = { .interval = 1.0 };
	struct po_err err = { 0 };
	bool running = false, tty = isatty(STDOUT_FILENO);
	char *dir;
	int ret;

	ret = parse_status(argc, argv, &c);
	if (ret)
		return ret < 0 ? 2 : 0;
	if (po_project_name_check(c.project, &err) < 0)
		return cli_fail(&err);
	dir = c.results ? po_xstrdup(c.results) : po_project_dir(".", c.project);
	if (!po_fs_is_dir(dir)) {
		cli_error("no project '%s' here (%s does not exist); create it with 'promptopt init %s' or 'promptopt run --project %s'",
			  c.project, dir, c.project, c.project);
		free(dir);
		return cli_exit_code(PO_ENOTFOUND);
	}
	if (c.history) {
		ret = show_history(dir, c.json);
		free(dir);
		return ret;
	}
	for (;;) {
		if (c.watch && tty && !c.json)
			fputs("\033[H\033[2J", stdout);
		ret = c.json ? show_json(dir, c.project, &running) :
			       show_text(dir, c.project, &running);
		fflush(stdout);
		if (ret || !c.watch || !running)
			break;
		sleep_s(c.interval);
	}
	free(dir);
	return ret;
}
