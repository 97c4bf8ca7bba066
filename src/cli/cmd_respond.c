/*
 * `promptopt respond`: answers file-bridge requests (the auto-responder).
 * One line per request on stdout; stops cleanly on SIGINT/SIGTERM.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "bridge/bridge.h"
#include "bridge/responder.h"
#include "cli/options.h"
#include "llm/provider.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/timeutil.h"

static volatile int respond_stop;

/* The responder forwards to a provider of the table (anthropic, openai). */
static struct po_provider *new_provider(const struct po_provider_spec *spec,
					struct po_err *err)
{
	return po_provider_new(spec, NULL, err);
}

static void on_signal(int sig)
{
	(void)sig;
	respond_stop = 1;
}

static void respond_usage(FILE *f)
{
	fprintf(f,
		"usage: promptopt respond [--project NAME | --dir PATH] [--once | --continuous] [options]\n\n"
		"Answers the LLM requests that a run writes as files (the file bridge):\n"
		"PATH/llm_requests/request_N.json -> PATH/llm_responses/response_N.json.\n"
		"Any number of responders may serve one folder; each request is answered once.\n"
		"Without --project and --dir: the project named by PROMPTOPT_PROJECT, else the\n"
		"only project in the current folder (prompt_tuning_results_NAME/ or a bridge\n"
		"folder .NAME/llm_requests/); with several, it lists them.\n\n"
		"Options:\n"
		"  --project NAME       serve the project's folder, .NAME\n"
		"  --dir PATH           serve this bridge folder (--base-dir PATH: the same)\n"
		"  --once               answer the requests there now, then exit (default)\n"
		"  --continuous         keep answering until stopped (Ctrl-C, SIGTERM)\n"
		"  --interval SECONDS   polling fallback (default 0.2); inotify wakes it at once\n"
		"  --provider NAME      answer with: sim (default, the built-in simulator),\n"
		"                       anthropic, openai (the bridge is then a gateway)\n"
		"  --model NAME         model for forwarded requests (default: the request's)\n"
		"  --base-url URL       API base URL for forwarded requests\n"
		"  --timeout SECONDS    per forwarded call (default 120)\n"
		"  --max-attempts N     per forwarded call, retries included (default 5)\n"
		"  --concurrency N      forwarded calls in flight at once: the requests found\n"
		"                       together are sent together (default 8)\n"
		"  --seed N, --noise X, --catalogue NAME\n"
		"                       simulator settings for requests that carry none\n"
		"                       (default 42, 4, prfaq)\n"
		"  -q, --quiet          no line per request\n"
		"  -h, --help           show this help\n\n%s",
		cli_exit_codes_help);
}

struct respond_cli {
	bool quiet;
	int ready_fd;
};

static void on_answer(const struct po_responder_event *ev, void *ud)
{
	const struct respond_cli *rc = ud;
	char when[32];

	if (rc->quiet)
		return;
	po_time_iso8601(po_time_unix(), when, sizeof(when));
	printf("%s %s", when, ev->file);
	if (ev->run_id)
		printf(" run %s", ev->run_id);
	if (ev->role)
		printf(" %s%s", ev->role, ev->role_detected ? " (detected)" : "");
	if (ev->role && ev->kind)
		printf(" (%s)", ev->kind);
	if (ev->reclaimed)
		printf(" (taken over from a stopped responder)");
	if (ev->error)
		printf(": error: %s\n", ev->error);
	else
		printf(": answered in %.2f ms\n", ev->ms);
	/* No flush per line: on_idle flushes once the requests in hand are done. */
}

static void on_notice(const char *text, void *ud)
{
	const struct respond_cli *rc = ud;
	char when[32];

	if (rc->quiet)
		return;
	po_time_iso8601(po_time_unix(), when, sizeof(when));
	printf("%s notice: %s\n", when, text);
	fflush(stdout);
}

static void on_idle(void *ud)
{
	(void)ud;
	fflush(stdout);
}

static void report_fd(int fd, const char *text)
{
	size_t n = strlen(text);

	while (fd >= 0 && n) {
		ssize_t k = write(fd, text, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		text += k;
		n -= (size_t)k;
	}
}

enum {
	OPT_PROJECT, OPT_DIR, OPT_INTERVAL, OPT_PROVIDER, OPT_MODEL, OPT_BASE_URL, OPT_TIMEOUT,
	OPT_SEED, OPT_NOISE, OPT_CATALOGUE, OPT_READY_FD, OPT_MAX_ATTEMPTS, OPT_CONCURRENCY,
	OPT_BASE_DIR,
};

static const char *const value_opts[] = {
	"--project", "--dir", "--interval", "--provider", "--model", "--base-url", "--timeout",
	"--seed", "--noise", "--catalogue", "--ready-fd", "--max-attempts", "--concurrency",
	"--base-dir", NULL,
};

/* What respond was asked to do, beside the responder's own options. */
struct respond_args {
	const char *project, *dir;
	bool continuous, once;
};

/* Sets the option of a flag that takes a value; -1 when its value is bad. */
static int set_value(int which, const char *v, struct po_responder_options *o,
		     struct respond_cli *rc, struct respond_args *ra)
{
	long n;

	switch (which) {
	case OPT_PROJECT:
		ra->project = v;
		return 0;
	case OPT_DIR:
	case OPT_BASE_DIR: /* the seed's name */
		ra->dir = v;
		return 0;
	case OPT_INTERVAL:
		return cli_setting_value("interval", v, &o->interval);
	case OPT_PROVIDER:
		o->provider = v;
		return 0;
	case OPT_MODEL:
		o->model = v;
		return 0;
	case OPT_BASE_URL:
		o->base_url = v;
		return 0;
	case OPT_TIMEOUT:
		return cli_setting_value("timeout", v, &o->timeout_s);
	case OPT_SEED:
		return cli_setting_value("seed", v, &o->seed);
	case OPT_NOISE:
		return cli_setting_value("noise", v, &o->noise);
	case OPT_CATALOGUE:
		o->catalogue = v;
		return 0;
	case OPT_MAX_ATTEMPTS:
		return cli_setting_value("max_attempts", v, &o->max_attempts);
	case OPT_CONCURRENCY:
		return cli_setting_value("concurrency", v, &o->concurrency);
	case OPT_READY_FD:
		if (cli_parse_long("--ready-fd", v, 0, 1 << 20, &n) < 0)
			return -1;
		rc->ready_fd = (int)n;
		return 0;
	}
	return -1;
}

/* Reads the arguments: -1 to go on, else the exit code (help, a bad flag). */
static int parse_args(int argc, char **argv, struct po_responder_options *o,
		      struct respond_cli *rc, struct respond_args *ra)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		int which;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			respond_usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--continuous") || !strcmp(a, "--once")) {
			*(a[2] == 'c' ? &ra->continuous : &ra->once) = true;
			continue;
		}
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			rc->quiet = true;
			continue;
		}
		which = cli_match_value(argc, argv, &i, value_opts, &v);
		if (which == -2)
			return 2;
		if (which >= 0) {
			if (set_value(which, v, o, rc, ra) < 0)
				return 2;
			continue;
		}
		cli_unknown_option("respond", a, value_opts, (const char *const[]){ "--continuous",
				   "--once", "--quiet", "--help", NULL }, 0);
		return 2;
	}
	if (ra->continuous && ra->once) {
		cli_error("--once and --continuous exclude each other; pick one");
		return 2;
	}
	if (ra->project && ra->dir) {
		cli_error("respond takes --project NAME or --dir PATH, not both");
		return 2;
	}
	return -1;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The project an entry of the current folder stands for, or NULL:
 * prompt_tuning_results_NAME/, or a bridge folder .NAME/llm_requests/. */
static const char *entry_project(const char *entry)
{
	static const char results[] = "prompt_tuning_results_";
	struct po_buf path = PO_BUF_INIT;
	const char *name = NULL;
	struct po_err err = { 0 };

	if (!strncmp(entry, results, sizeof(results) - 1)) {
		if (po_fs_is_dir(entry))
			name = entry + sizeof(results) - 1;
	} else if (entry[0] == '.' && entry[1] && strcmp(entry, "..")) {
		po_fs_join(&path, entry, "llm_requests");
		if (po_fs_is_dir(path.data))
			name = entry + 1;
	}
	po_buf_release(&path);
	return name && po_project_name_check(name, &err) == 0 ? name : NULL;
}

/* The projects of the current folder, sorted, each once; *n of them. */
static char **local_projects(size_t *n)
{
	DIR *d = opendir(".");
	struct dirent *de;
	char **names = NULL;
	size_t k, m = 0;

	while (d && (de = readdir(d))) {
		const char *name = entry_project(de->d_name);

		for (k = 0; name && k < m && strcmp(names[k], name); k++)
			;
		if (!name || k < m)
			continue;
		names = po_xrealloc(names, (m + 1) * sizeof(*names));
		names[m++] = po_xstrdup(name);
	}
	if (d)
		closedir(d);
	if (m)
		qsort(names, m, sizeof(*names), cmp_name);
	*n = m;
	return names;
}

/*
 * Neither --project nor --dir: PROMPTOPT_PROJECT, else the only project of
 * the current folder, said on stdout. 0 with *project set (the caller
 * frees it), else an exit code after the error.
 */
static int pick_project(char **project, bool quiet)
{
	const char *env = getenv("PROMPTOPT_PROJECT");
	struct po_buf list = PO_BUF_INIT;
	char **names;
	size_t n;

	if (env && *env) {
		*project = po_xstrdup(env);
		if (!quiet)
			printf("promptopt respond: project '%s' (from PROMPTOPT_PROJECT)\n", env);
		return 0;
	}
	names = local_projects(&n);
	if (n == 1) {
		*project = names[0];
		free(names);
		if (!quiet)
			printf("promptopt respond: project '%s' (the only one in this folder; --project NAME picks another)\n",
			       *project);
		return 0;
	}
	for (size_t k = 0; k < n; k++) {
		po_buf_addf(&list, "%s%s", k ? ", " : "", names[k]);
		free(names[k]);
	}
	free(names);
	if (n)
		cli_error("respond: this folder has %zu projects (%s); pick one with --project NAME or PROMPTOPT_PROJECT, or give the bridge folder with --dir PATH",
			  n, list.data);
	else
		cli_error("respond: no project in this folder (no prompt_tuning_results_NAME/ and no bridge folder .NAME/llm_requests/); run it where the run runs, or give --project NAME or --dir PATH");
	po_buf_release(&list);
	return 2;
}

/* Answers until done (or stopped) and says how it went; 0 or an exit code. */
static int serve(struct po_responder_options *o, struct respond_cli *rc, bool continuous)
{
	struct po_responder *r = NULL;
	struct po_err err = { 0 };
	const struct po_responder_stats *st;
	char line[128];
	int ret;

	ret = po_responder_new(&r, o, &err);
	if (ret)
		return cli_fail(&err);
	if (!rc->quiet) {
		printf("promptopt respond: answering %s/llm_requests/ with %s (pid %ld)%s\n", o->dir,
		       o->provider, (long)getpid(), continuous ? " until stopped" : "");
		fflush(stdout);
	}
	/* The handshake of a managed responder: watching now, nothing is missed. */
	snprintf(line, sizeof(line), "ready %ld\n", (long)getpid());
	report_fd(rc->ready_fd, line);
	ret = continuous ? po_responder_serve(r, &err) : po_responder_once(r, &err);
	st = po_responder_stats(r);
	snprintf(line, sizeof(line), "done %ld %ld %ld\n", st->answered, st->errors,
		 st->reclaimed);
	report_fd(rc->ready_fd, line);
	if (!rc->quiet)
		printf("promptopt respond: %s; answered %ld request%s (%ld error%s, %ld taken over)\n",
		       respond_stop ? "stopped" : "done", st->answered,
		       st->answered == 1 ? "" : "s", st->errors, st->errors == 1 ? "" : "s",
		       st->reclaimed);
	fflush(stdout);
	po_responder_free(r);
	return ret ? cli_fail(&err) : 0;
}

int cmd_respond(int argc, char **argv)
{
	struct po_responder_options o;
	struct po_err err = { 0 };
	struct respond_cli rc = { .ready_fd = -1 };
	struct respond_args ra = { 0 };
	struct po_buf dir = PO_BUF_INIT;
	struct sigaction sa;
	char *picked = NULL;
	int ret;

	po_responder_options_init(&o);
	ret = parse_args(argc, argv, &o, &rc, &ra);
	if (ret >= 0)
		return ret;
	if (!ra.project && !ra.dir) {
		ret = pick_project(&picked, rc.quiet);
		if (ret)
			return ret;
		ra.project = picked;
	}
	if (ra.project) {
		if (po_project_name_check(ra.project, &err) < 0) {
			free(picked);
			return cli_fail(&err);
		}
		po_bridge_default_dir(&dir, NULL, ra.project);
	} else {
		po_buf_adds(&dir, ra.dir);
	}
	free(picked);
	o.dir = dir.data;
	o.new_provider = new_provider;
	o.stop = &respond_stop;
	o.on_answer = on_answer;
	o.on_notice = on_notice;
	o.on_idle = on_idle;
	o.userdata = &rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ret = serve(&o, &rc, ra.continuous);
	po_buf_release(&dir);
	return ret;
}
