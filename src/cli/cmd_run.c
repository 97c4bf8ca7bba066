/*
 * `promptopt run`: one experiment, with progress as it goes and the seed's
 * CONVERGENCE ANALYSIS block at the end.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static volatile int stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: promptopt run --project NAME [options]\n\n"
		"Runs the baseline and the optimization loop on a project (created first if it\n"
		"does not exist; pr-faq-validator is built in), writes the results folder\n"
		"prompt_tuning_results_NAME/ and a report in docs/, and prints a summary.\n\n"
		"Options:\n"
		"  --project NAME         project to optimize (required)\n"
		"  --iterations N         maximum iterations (default: the config's, else 20)\n"
		"  --provider NAME        LLM provider: sim (default, the built-in simulator)\n"
		"  --strategy NAME        optimization strategy: hillclimb (default)\n"
		"  --seed N               random seed (default: the config's, else 42); same seed,\n"
		"                         same run\n"
		"  --noise X              simulator judge noise, score points (default: project, else 4)\n"
		"  --no-convergence       run every iteration (no early stop)\n"
		"  --patience N           iterations without improvement before stopping (default 5)\n"
		"  --min-improvement P    smallest improvement that counts, percent (default 0.1)\n"
		"  --results-dir DIR      write results here (default prompt_tuning_results_NAME)\n"
		"  --docs-dir DIR         write the report here (default docs)\n"
		"  --no-report            do not write the Markdown report\n"
		"  -q, --quiet            print only the final summary\n"
		"  -h, --help             show this help\n\n"
		"Settings not given as flags come from the project's config_NAME.json\n"
		"(iterations, seed, strategy, convergence), else from the defaults above.\n\n%s",
		cli_exit_codes_help);
}

enum {
	OPT_PROJECT, OPT_ITERATIONS, OPT_PROVIDER, OPT_STRATEGY, OPT_SEED, OPT_NOISE,
	OPT_PATIENCE, OPT_MIN_IMPROVEMENT, OPT_RESULTS_DIR, OPT_DOCS_DIR,
};

static const char *const value_opts[] = {
	"--project", "--iterations", "--provider", "--strategy", "--seed", "--noise",
	"--patience", "--min-improvement", "--results-dir", "--docs-dir", NULL,
};

struct run_cli {
	bool quiet;
};

static void on_event(const struct po_event *ev, void *ud)
{
	const struct run_cli *rc = ud;

	if (rc->quiet && ev->kind != PO_EV_WARNING)
		return;
	cli_progress_event(ev, NULL);
}

int cmd_run(int argc, char **argv)
{
	struct po_run_options o;
	struct po_experiment *e = NULL;
	struct po_summary s;
	struct po_err err = { 0 };
	struct run_cli rc = { 0 };
	struct sigaction sa;
	int ret;

	po_run_options_init(&o);
	o.from_config = PO_FROM_CONFIG_ALL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		long n;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			run_usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--no-convergence")) {
			o.enable_convergence = false;
			continue;
		}
		if (!strcmp(a, "--no-report")) {
			o.write_report = false;
			continue;
		}
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			rc.quiet = true;
			continue;
		}
		int which = cli_match_value(argc, argv, &i, value_opts, &v);
		if (which == -2)
			return 2;
		switch (which) {
		case OPT_PROJECT:
			o.project = v;
			continue;
		case OPT_ITERATIONS:
			if (cli_parse_long("--iterations", v, 0, 100000, &n) < 0)
				return 2;
			o.max_iterations = (int)n;
			o.from_config &= ~PO_FROM_CONFIG_ITERATIONS;
			continue;
		case OPT_PROVIDER:
			o.provider = v;
			continue;
		case OPT_STRATEGY:
			o.strategy = v;
			o.from_config &= ~PO_FROM_CONFIG_STRATEGY;
			continue;
		case OPT_SEED:
			if (cli_parse_u64("--seed", v, &o.seed) < 0)
				return 2;
			o.from_config &= ~PO_FROM_CONFIG_SEED;
			continue;
		case OPT_NOISE:
			if (cli_parse_double("--noise", v, 0, 100, &o.sim_noise) < 0)
				return 2;
			continue;
		case OPT_PATIENCE:
			if (cli_parse_long("--patience", v, 1, 100000, &n) < 0)
				return 2;
			o.convergence.no_improvement_threshold = (int)n;
			o.from_config &= ~PO_FROM_CONFIG_PATIENCE;
			continue;
		case OPT_MIN_IMPROVEMENT:
			if (cli_parse_double("--min-improvement", v, 0, 1000,
					     &o.convergence.min_improvement_percent) < 0)
				return 2;
			o.from_config &= ~PO_FROM_CONFIG_MIN_IMPROVEMENT;
			continue;
		case OPT_RESULTS_DIR:
			o.results_dir = v;
			continue;
		case OPT_DOCS_DIR:
			o.docs_dir = v;
			continue;
		}
		cli_error("unknown option '%s' for run; see 'promptopt run --help'", a);
		return 2;
	}
	if (!o.project) {
		cli_error("run needs --project NAME (e.g. --project pr-faq-validator)");
		return 2;
	}
	o.on_event = on_event;
	o.userdata = &rc;
	o.interrupt = &stop_requested;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = po_experiment_new(&e, &o, &err);
	if (!ret)
		ret = po_experiment_run(e, &err);
	if (ret && ret != PO_EINTR) {
		po_experiment_free(e);
		return cli_fail(&err);
	}
	po_experiment_summary(e, &s);
	cli_print_convergence_analysis(s.results_dir);
	if (s.report_path[0])
		printf("Report: %s\n", s.report_path);
	printf("Best prompts: %s/prompts_%s.json\n", s.results_dir, s.project);
	po_experiment_free(e);
	if (ret == PO_EINTR)
		return cli_fail(&err);
	return 0;
}
