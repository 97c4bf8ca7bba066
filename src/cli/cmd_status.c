/*
 * `promptopt status --project NAME`: the state of a project's last run.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "run/project_files.h"
#include "run/results.h"
#include "run/run_state.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/mem.h"

static void status_usage(FILE *f)
{
	fprintf(f,
		"usage: promptopt status --project NAME [--results-dir DIR]\n\n"
		"Shows the project's files and the summary of its last run.\n\n%s",
		cli_exit_codes_help);
}

/*
 * What run_state.json says about the last run, when the final results do
 * not tell it all (with_final: they exist and were printed). Returns true
 * when it printed the project's state.
 */
static bool print_run_state(const char *dir, const char *project, bool with_final)
{
	struct po_run_state st;

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
	if (st.alive)
		printf("Last run: running (pid %ld, started %s); no final results yet\n", st.pid,
		       st.started ? st.started : "?");
	else if (!strcmp(st.state, "running"))
		printf("Last run: did not finish (pid %ld, started %s, is gone: killed, crashed or out of disk space); no final results; continue it with 'promptopt run --project %s --resume'\n",
		       st.pid, st.started ? st.started : "?", project);
	else
		printf("Last run: %s after iteration %d (%s), no final results: %s\n", st.state,
		       st.iterations_run, st.ended ? st.ended : "?", st.error ? st.error : "no message");
	if (st.previous)
		printf("The run before it: %s/%s (set aside: its iteration files were replaced)\n",
		       dir, PO_PREVIOUS_RESULTS_FILE);
	po_run_state_release(&st);
	return true;
}

int cmd_status(int argc, char **argv)
{
	static const char *const value_opts[] = { "--project", "--results-dir", NULL };
	const char *project = NULL, *results = NULL, *v;
	struct po_err err = { 0 };
	struct po_summary s;
	char *dir;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			status_usage(stdout);
			return 0;
		}
		switch (cli_match_value(argc, argv, &i, value_opts, &v)) {
		case 0: project = v; continue;
		case 1: results = v; continue;
		case -2: return 2;
		}
		cli_error("unknown option '%s' for status; see 'promptopt status --help'", argv[i]);
		return 2;
	}
	if (!project) {
		cli_error("status needs --project NAME");
		return 2;
	}
	if (po_project_name_check(project, &err) < 0)
		return cli_fail(&err);
	dir = results ? po_xstrdup(results) : po_project_dir(".", project);
	if (!po_fs_is_dir(dir)) {
		cli_error("no project '%s' here (%s does not exist); create it with 'promptopt init %s' or 'promptopt run --project %s'",
			  project, dir, project, project);
		free(dir);
		return cli_exit_code(PO_ENOTFOUND);
	}
	ret = po_results_read_summary(dir, &s, &err);
	if (ret == PO_ENOTFOUND && print_run_state(dir, project, false)) {
		free(dir);
		return 0;
	}
	if (ret == PO_ENOTFOUND) {
		printf("Project: %s (%s)\nNo run yet: start one with 'promptopt run --project %s'\n",
		       project, dir, project);
		free(dir);
		return 0;
	}
	if (ret < 0) {
		free(dir);
		return cli_fail(&err);
	}
	printf("Project: %s\nLast run: %d of %d iterations, strategy %s, provider %s, seed %llu\n",
	       s.project, s.iterations_run, s.max_iterations, s.strategy, s.provider,
	       (unsigned long long)s.seed);
	print_run_state(dir, project, true);
	cli_print_convergence_analysis(dir);
	if (s.report_path[0])
		printf("Report: %s\n", s.report_path);
	free(dir);
	return 0;
}
