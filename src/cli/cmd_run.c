/*
 * `promptopt run`: one experiment, with progress as it goes and the seed's
 * CONVERGENCE ANALYSIS block at the end.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bridge/bridge.h"
#include "cli/autoresponder.h"
#include "cli/cli.h"
#include "util/buf.h"

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
		"  --provider NAME        LLM provider for every role: bridge (default: request and\n"
		"                         response files, answered by a managed auto-responder\n"
		"                         that runs the simulator), sim (the simulator in-process),\n"
		"                         anthropic, openai\n"
		"  --no-auto-responder    with the bridge, start no responder: a person, an agent or\n"
		"                         'promptopt respond' answers the request files\n"
		"  --real-api             the same as --provider anthropic (the seed's flag)\n"
		"  --generate-provider NAME, --judge-provider NAME, --mutate-provider NAME\n"
		"                         a provider for one role\n"
		"  --model NAME           model for every role (default: the provider's)\n"
		"  --generate-model NAME, --judge-model NAME, --mutate-model NAME\n"
		"                         a model for one role\n"
		"  --base-url URL         API base URL (default: ANTHROPIC_BASE_URL / OPENAI_BASE_URL)\n"
		"  --concurrency N        LLM calls in flight at once (default 8)\n"
		"  --timeout SECONDS      per call; with the bridge, the wait for a response (default 120)\n"
		"  --max-attempts N       attempts per call, retries included (default 5)\n"
		"  --no-cache             do not use the response cache\n"
		"  --cache PATH           response cache file (default .promptopt/cache.sqlite)\n"
		"  --prices FILE          price table to use instead of the built-in one\n"
		"  --max-calls N          stop cleanly after N LLM calls\n"
		"  --budget-usd X         stop cleanly before spending more than X dollars\n"
		"  --bridge-dir DIR       file bridge folder (default .NAME)\n"
		"  --interval SECONDS     bridge polling fallback interval (default 0.2)\n"
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
		"  --resume               continue the interrupted run in the results folder after\n"
		"                         its last finished iteration (checkpoint.json); a new\n"
		"                         run when there is none\n"
		"  -q, --quiet            print only the final summary\n"
		"  -h, --help             show this help\n\n"
		"Settings not given as flags come from the project's config_NAME.json\n"
		"(iterations, seed, strategy, convergence, roles), else from the defaults above.\n\n%s",
		cli_exit_codes_help);
}

enum {
	OPT_PROJECT, OPT_ITERATIONS, OPT_PROVIDER, OPT_STRATEGY, OPT_SEED, OPT_NOISE,
	OPT_PATIENCE, OPT_MIN_IMPROVEMENT, OPT_RESULTS_DIR, OPT_DOCS_DIR,
	OPT_MODEL, OPT_GENERATE_MODEL, OPT_JUDGE_MODEL, OPT_MUTATE_MODEL,
	OPT_GENERATE_PROVIDER, OPT_JUDGE_PROVIDER, OPT_MUTATE_PROVIDER, OPT_BASE_URL,
	OPT_CONCURRENCY, OPT_TIMEOUT, OPT_MAX_ATTEMPTS, OPT_CACHE, OPT_PRICES, OPT_MAX_CALLS,
	OPT_BUDGET, OPT_BRIDGE_DIR, OPT_INTERVAL,
};

static const char *const value_opts[] = {
	"--project", "--iterations", "--provider", "--strategy", "--seed", "--noise",
	"--patience", "--min-improvement", "--results-dir", "--docs-dir",
	"--model", "--generate-model", "--judge-model", "--mutate-model",
	"--generate-provider", "--judge-provider", "--mutate-provider", "--base-url",
	"--concurrency", "--timeout", "--max-attempts", "--cache", "--prices", "--max-calls",
	"--budget-usd", "--bridge-dir", "--interval", NULL,
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
	struct cli_autoresponder ar = { 0 };
	struct po_buf bdir = PO_BUF_INIT;
	bool auto_responder = true, uses_bridge = false;
	int ret;

	po_run_options_init(&o);
	o.provider = "bridge"; /* the library's default is sim; the command's is the bridge */
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
		if (!strcmp(a, "--resume")) {
			o.resume = true;
			continue;
		}
		if (!strcmp(a, "--real-api")) {
			o.provider = "anthropic"; /* the seed's flag */
			o.from_config &= ~PO_FROM_CONFIG_ROLES;
			continue;
		}
		if (!strcmp(a, "--no-auto-responder")) {
			auto_responder = false;
			continue;
		}
		if (!strcmp(a, "--no-cache")) {
			o.use_cache = false;
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
			o.from_config &= ~PO_FROM_CONFIG_ROLES;
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
		case OPT_MODEL:
			o.model = v;
			o.from_config &= ~PO_FROM_CONFIG_ROLES;
			continue;
		case OPT_GENERATE_MODEL:
		case OPT_JUDGE_MODEL:
		case OPT_MUTATE_MODEL:
			o.role_model[which - OPT_GENERATE_MODEL] = v;
			continue;
		case OPT_GENERATE_PROVIDER:
		case OPT_JUDGE_PROVIDER:
		case OPT_MUTATE_PROVIDER:
			o.role_provider[which - OPT_GENERATE_PROVIDER] = v;
			continue;
		case OPT_BASE_URL:
			o.base_url = v;
			continue;
		case OPT_CONCURRENCY:
			if (cli_parse_int("--concurrency", v, 1, CLI_MAX_CONCURRENCY, &o.concurrency) < 0)
				return 2;
			continue;
		case OPT_TIMEOUT:
			if (cli_parse_double("--timeout", v, CLI_MIN_TIMEOUT_S, CLI_MAX_TIMEOUT_S,
					     &o.timeout_seconds) < 0)
				return 2;
			continue;
		case OPT_MAX_ATTEMPTS:
			if (cli_parse_int("--max-attempts", v, 1, CLI_MAX_ATTEMPTS, &o.max_attempts) < 0)
				return 2;
			continue;
		case OPT_CACHE:
			o.cache_path = v;
			continue;
		case OPT_PRICES:
			o.prices_path = v;
			continue;
		case OPT_MAX_CALLS:
			if (cli_parse_long("--max-calls", v, 1, 1000000000L, &n) < 0)
				return 2;
			o.max_calls = n;
			continue;
		case OPT_BUDGET:
			if (cli_parse_double("--budget-usd", v, 0.000001, 1e9, &o.budget_usd) < 0)
				return 2;
			continue;
		case OPT_BRIDGE_DIR:
			o.bridge_dir = v;
			continue;
		case OPT_INTERVAL:
			if (cli_parse_double("--interval", v, 0.001, 3600, &o.poll_interval) < 0)
				return 2;
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
	/* Whether a role uses the bridge is known once the project's config
	 * (roles) is read: the responder starts after po_experiment_new. */
	if (auto_responder) {
		o.peer_alive = cli_autoresponder_alive;
		o.peer_userdata = &ar;
		o.bridge_peer_is_sim = true;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = po_experiment_new(&e, &o, &err);
	for (int r = 0; !ret && r < PO_ROLE_COUNT; r++)
		if (!strcmp(po_experiment_role_provider(e, (enum po_role)r), "bridge"))
			uses_bridge = true;
	if (!ret && uses_bridge && auto_responder) {
		po_bridge_default_dir(&bdir, o.bridge_dir, o.project);
		ret = cli_autoresponder_start(&ar, bdir.data, o.poll_interval, rc.quiet, &err);
	}
	if (!ret)
		ret = po_experiment_run(e, &err);
	cli_autoresponder_stop(&ar);
	po_buf_release(&bdir);
	/* Interrupted or stopped by a limit: results so far were saved. */
	if (ret && ret != PO_EINTR && ret != PO_EBUDGET) {
		po_experiment_free(e);
		return cli_fail(&err);
	}
	po_experiment_summary(e, &s);
	/* Stopped before the baseline: nothing was saved, nothing to show. */
	if (!ret || s.results_dir[0]) {
		cli_print_convergence_analysis(s.results_dir);
		if (s.report_path[0])
			printf("Report: %s\n", s.report_path);
		printf("Best prompts: %s/prompts_%s.json\n", s.results_dir, s.project);
	}
	po_experiment_free(e);
	if (ret == PO_EINTR || ret == PO_EBUDGET)
		return cli_fail(&err);
	return 0;
}
