/*
 * promptopt's entry point: the command table, --help, --version, and the
 * common helpers of every command (errors, exit codes, number parsing).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/dotenv.h"

static const struct cli_command commands[] = {
	{ "run", cmd_run, "run an optimization experiment on a project" },
	{ "init", cmd_init, "create a new project (test cases, prompts, config)" },
	{ "status", cmd_status, "show the results of a project's last run" },
	{ "respond", cmd_respond, "answer file-bridge requests (the auto-responder)" },
	{ "batch", cmd_batch, "run several experiments and compare them" },
	{ "cache", cmd_cache, "inspect or clear the LLM response cache" },
	{ "bench", cmd_bench, "measure strategies against the simulator's ground truth" },
	{ "diff", cmd_diff, "compare two runs: scores and a word diff of their best prompts" },
};

const char cli_exit_codes_help[] =
	"Exit codes:\n"
	"   0  success\n"
	"   1  unexpected failure\n"
	"   2  usage error (unknown option, bad number, unknown strategy or provider)\n"
	"   3  invalid project name\n"
	"   4  a project file is not valid JSON\n"
	"   5  a project file has the wrong shape (wrong type, empty test set, ...)\n"
	"   6  a template uses a placeholder that a test case does not provide\n"
	"   7  a file or folder cannot be read or written\n"
	"   8  the LLM provider failed\n"
	"   9  evaluation produced no usable score\n"
	"  10  not found (no such project or results)\n"
	"  11  interrupted (results so far are saved)\n"
	"  12  --max-calls or --budget-usd reached (results so far are saved)\n"
	"  13  another run is writing to the same results folder\n";

int cli_exit_code(int status)
{
	return status < 0 ? -status : status;
}

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	fprintf(stderr, "promptopt: %s: ", kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error", fmt, ap);
	va_end(ap);
}

void cli_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning", fmt, ap);
	va_end(ap);
}

int cli_fail(const struct po_err *err)
{
	cli_error("%s", err->msg[0] ? err->msg : po_strstatus(err->code));
	return cli_exit_code(err->code ? err->code : PO_EFAIL);
}

int cli_parse_long(const char *opt, const char *val, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (!*val || *end || errno) {
		cli_error("%s expects a whole number, not '%s'", opt, val);
		return -1;
	}
	if (v < min || v > max) {
		cli_error("%s must be between %ld and %ld, not %ld", opt, min, max, v);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_parse_int(const char *opt, const char *val, long min, long max, int *out)
{
	long v;

	if (cli_parse_long(opt, val, min, max, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

int cli_parse_u64(const char *opt, const char *val, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (!*val || *end || errno || *val == '-') {
		cli_error("%s expects a non-negative whole number, not '%s'", opt, val);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_parse_double(const char *opt, const char *val, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(val, &end);
	if (!*val || *end || errno || !isfinite(v)) {
		cli_error("%s expects a number, not '%s'", opt, val);
		return -1;
	}
	if (v < min || v > max) {
		cli_error("%s must be between %g and %g, not %g", opt, min, max, v);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n))
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n])
		return 0;
	if (*i + 1 >= argc) {
		cli_error("option %s needs a value", name);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

int cli_match_value(int argc, char **argv, int *i, const char *const *names, const char **val)
{
	for (int k = 0; names[k]; k++) {
		int m = cli_opt_value(argc, argv, i, names[k], val);
		if (m < 0)
			return -2;
		if (m)
			return k;
	}
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: promptopt <command> [options]\n"
		   "       promptopt --version | --help\n\n"
		   "Optimizes the prompts of an LLM-powered tool: runs them on test cases, scores\n"
		   "the outputs, mutates the prompts, keeps what is better and stops when converged.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'promptopt <command> --help' shows a command's options.\n\n%s",
		cli_exit_codes_help);
}

int main(int argc, char **argv)
{
	/* A reader that goes away (`promptopt run | head -3`) is no reason to
	 * lose a run: writes to the closed pipe fail with EPIPE, ignored, and
	 * the run finishes and saves its results. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("promptopt %s\n", PO_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		/* API keys from ./.env, as the seed read them; the environment wins. */
		struct po_err err = { 0 };
		if (po_dotenv_load(".env", NULL, &err) < 0)
			return cli_fail(&err);
		return commands[i].fn(argc - 1, argv + 1);
	}
	cli_error("unknown command '%s'; see 'promptopt --help'", argv[1]);
	return 2;
}
