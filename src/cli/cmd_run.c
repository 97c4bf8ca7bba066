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
#include "cli/live.h"
#include "cli/options.h"
#include "util/buf.h"
#include "util/err.h"

static volatile int stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Ctrl-C and SIGTERM stop the run after the iteration in flight. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* The options, in the order --help shows them. */
static const struct cli_help_item run_options[] = {
	{ "project", NULL, NULL },
	{ "iterations", NULL, NULL },
	{ "provider", NULL, NULL },
	{ NULL, "--no-auto-responder",
	  "with the bridge, start no responder: a person, an agent or\n"
	  "'promptopt respond' answers the request files" },
	{ "use_real_api", NULL, NULL },
	{ "generate_provider", NULL, NULL },
	{ "model", NULL, NULL },
	{ "generate_model", NULL, NULL },
	{ "base_url", NULL, NULL },
	{ "concurrency", NULL, NULL },
	{ "timeout", NULL, NULL },
	{ "max_attempts", NULL, NULL },
	{ "batch_api", NULL, NULL },
	{ "cache", NULL, NULL },
	{ "cache_path", NULL, NULL },
	{ "prices", NULL, NULL },
	{ "max_calls", NULL, NULL },
	{ "budget_usd", NULL, NULL },
	{ "bridge_dir", NULL, NULL },
	{ "interval", NULL, NULL },
	{ "strategy", NULL, NULL },
	{ "max_examples", NULL, NULL },
	{ "split", NULL, NULL },
	{ "accept", NULL, NULL },
	{ "alpha", NULL, NULL },
	{ "min_delta", NULL, NULL },
	{ "race_rounds", NULL, NULL },
	{ "incumbent_samples", NULL, NULL },
	{ "pairwise_judge", NULL, NULL },
	{ "max_prompt_chars", NULL, NULL },
	{ "length_penalty", NULL, NULL },
	{ "seed", NULL, NULL },
	{ "noise", NULL, NULL },
	{ "enable_convergence", NULL, NULL },
	{ "patience", NULL, NULL },
	{ "min_improvement", NULL, NULL },
	{ "stop_rule", NULL, NULL },
	{ "results_dir", NULL, NULL },
	{ "docs_dir", NULL, NULL },
	{ "report", NULL, NULL },
	{ "resume", NULL, NULL },
	{ NULL, "-q, --quiet", "print only the final summary" },
	{ NULL, "--progress MODE", "plain (a line per iteration), bar (those and a status\n"
	  "line redrawn while calls are in flight) or none; default:\n"
	  "bar on a terminal, else plain; NO_COLOR turns colours off" },
	{ NULL, "--json", "print the final summary as one JSON object on stdout\n"
	  "(the other lines go to stderr)" },
	{ NULL, "-h, --help", "show this help" },
	{ NULL, NULL, NULL },
};

static void run_usage(FILE *f)
{
	fputs("usage: promptopt run --project NAME [options]\n\n"
	      "Runs the baseline and the optimization loop on a project (created first if it\n"
	      "does not exist; pr-faq-validator is built in), writes the results folder\n"
	      "prompt_tuning_results_NAME/ and a report in docs/, and prints a summary.\n\n"
	      "Options:\n", f);
	cli_print_options(f, run_options, false);
	fprintf(f,
		"\nSettings not given as flags come from the project's config_NAME.json\n"
		"(iterations, seed, strategy, convergence, roles), else from the defaults above.\n\n%s",
		cli_exit_codes_help);
}

struct run_cli {
	bool quiet, json;
	enum cli_progress_mode progress;
	struct cli_live live;
};

static void on_event(const struct po_event *ev, void *ud)
{
	struct run_cli *rc = ud;

	if (rc->quiet && ev->kind != PO_EV_WARNING)
		return;
	cli_live_event(&rc->live, ev);
}

static const char *const run_flags[] = {
	"--no-auto-responder", "--quiet", "--json", "--progress", "--help", NULL
};

/* The --json object: the summary (when the run got that far), how it
 * ended and the exit code. New reference. */
static json_t *run_json(const struct po_summary *s, int ret, int code, const struct po_err *err)
{
	json_t *o = s ? cli_summary_json(s) : json_object();
	const char *status = !ret ? "finished" : ret == PO_EINTR ? "interrupted" :
			     ret == PO_EBUDGET ? "stopped" : "failed";

	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "exit_code", json_integer(code));
	json_object_set_new(o, "error", ret && err->msg[0] ? json_string(err->msg) : json_null());
	if (s && s->results_dir[0]) {
		struct po_buf b = PO_BUF_INIT;

		po_buf_addf(&b, "%s/prompts_%s.json", s->results_dir, s->project);
		json_object_set_new(o, "best_prompts", json_string(b.data));
		po_buf_release(&b);
	}
	return o;
}

/* 0, or 1 after printing the help, or -1 after printing an error. */
static int parse_args(int argc, char **argv, struct po_run_options *o, struct run_cli *rc,
		      bool *auto_responder)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int m;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			run_usage(stdout);
			return 1;
		}
		if (!strcmp(a, "--no-auto-responder")) {
			*auto_responder = false;
			continue;
		}
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			rc->quiet = true;
			continue;
		}
		if (!strcmp(a, "--json")) {
			rc->json = true;
			continue;
		}
		m = cli_opt_value(argc, argv, &i, "--progress", &v);
		if (m < 0 || (m && cli_progress_parse(v, &rc->progress) < 0))
			return -1;
		if (m)
			continue;
		m = cli_setting_flag(argc, argv, &i, o, false);
		if (m < 0)
			return -1;
		if (m)
			continue;
		cli_unknown_option("run", a, run_flags, NULL, 1);
		return -1;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct po_run_options o;
	struct po_experiment *e = NULL;
	struct po_summary s;
	struct po_err err = { 0 };
	struct run_cli rc = { 0 };
	struct cli_autoresponder ar = { 0 };
	struct po_buf bdir = PO_BUF_INIT;
	bool auto_responder = true, uses_bridge = false, have_summary = false;
	int ret, code = 0, jfd = -1;

	po_run_options_init(&o);
	o.provider = "bridge"; /* the library's default is sim; the command's is the bridge */
	o.from_config = PO_FROM_CONFIG_ALL;
	ret = parse_args(argc, argv, &o, &rc, &auto_responder);
	if (ret)
		return ret < 0 ? 2 : 0;
	if (rc.json)
		jfd = cli_json_begin();
	if (!o.project) {
		ret = po_error(&err, PO_EUSAGE,
			       "run needs --project NAME (e.g. --project pr-faq-validator)");
		code = cli_fail(&err);
		goto out;
	}
	cli_live_init(&rc.live, rc.quiet ? CLI_PROGRESS_NONE : rc.progress);
	o.on_event = on_event;
	o.userdata = &rc;
	o.progress_events = cli_live_wants_progress(&rc.live);
	o.interrupt = &stop_requested;
	/* Whether a role uses the bridge is known once the project's config
	 * (roles) is read: the responder starts after po_experiment_new. */
	if (auto_responder) {
		o.peer_alive = cli_autoresponder_alive;
		o.peer_userdata = &ar;
		o.bridge_peer_is_sim = true;
	}

	catch_signals();
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
	cli_live_release(&rc.live);
	cli_autoresponder_stop(&ar);
	po_buf_release(&bdir);
	/* Interrupted or stopped by a limit: results so far were saved. */
	if (ret && ret != PO_EINTR && ret != PO_EBUDGET) {
		code = cli_fail(&err);
		goto out;
	}
	po_experiment_summary(e, &s);
	have_summary = true;
	/* Stopped before the baseline: nothing was saved, nothing to show. */
	if (!ret || s.results_dir[0]) {
		cli_print_convergence_analysis(s.results_dir);
		if (s.report_path[0])
			printf("Report: %s\n", s.report_path);
		printf("Best prompts: %s/prompts_%s.json\n", s.results_dir, s.project);
	}
	if (ret == PO_EINTR || ret == PO_EBUDGET)
		code = cli_fail(&err);
out:
	if (rc.json) {
		json_t *j = run_json(have_summary ? &s : NULL, ret, code, &err);
		cli_json_end(jfd, j);
		json_decref(j);
	}
	po_experiment_free(e);
	return code;
}
