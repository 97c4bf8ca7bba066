/*
 * Shared pieces of the command-line front end: the command table entry,
 * error printing, exit codes and option value parsing. Only src/cli/ prints
 * to the terminal or chooses exit codes.
 */
#ifndef PO_CLI_H
#define PO_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "promptopt.h"

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Exit code of a library status (its absolute value; 0 stays 0). */
int cli_exit_code(int status);

void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints err->msg as an error and returns the exit code of err->code. */
int cli_fail(const struct po_err *err);

/* Parse a number for option `opt`; on failure print an error and return -1. */
int cli_parse_long(const char *opt, const char *val, long min, long max, long *out);
/* cli_parse_long into an int (min and max within int). */
int cli_parse_int(const char *opt, const char *val, long min, long max, int *out);
int cli_parse_u64(const char *opt, const char *val, uint64_t *out);
int cli_parse_double(const char *opt, const char *val, double min, double max, double *out);

/*
 * Matches argv[*i] against a long option taking a value: "--name VALUE" or
 * "--name=VALUE". Returns 1 and sets *val (advancing *i) on a match, 0 when
 * it is another option, -1 (after printing an error) when the value is missing.
 */
int cli_opt_value(int argc, char **argv, int *i, const char *name, const char **val);

/*
 * Tries every name of the NULL-terminated `names` with cli_opt_value().
 * Returns the index of the match, -1 when none matches, -2 after printing
 * an error for a missing value.
 */
int cli_match_value(int argc, char **argv, int *i, const char *const *names, const char **val);

/*
 * Prints the error for an unknown option arg of command cmd, with "did you
 * mean" when one of names, more (NULL-terminated, may be NULL) or, when
 * settings is 1 (run) or 2 (batch), a flag of the settings table is close.
 */
void cli_unknown_option(const char *cmd, const char *arg, const char *const *names,
			const char *const *more, int settings);

/* Text of the exit code table (for --help). */
extern const char cli_exit_codes_help[];

/* Progress printing for experiments (progress.c). */
struct po_event;
void cli_progress_event(const struct po_event *ev, void *userdata);
void cli_print_convergence_analysis(const char *results_dir);

/* summary_json.c: a run's summary as a new JSON object; one object printed
 * compactly on one line of stdout. */
json_t *cli_summary_json(const struct po_summary *s);
void cli_print_json(const json_t *o);
/* A batch's --json object from its results r (may be NULL: it did not run),
 * their file's path, whether a report was written and the exit code. */
struct po_buf;
json_t *cli_batch_json(const json_t *r, const struct po_buf *path, bool report, int code,
		       const struct po_err *err);
/* --json: from _begin on, what the command prints to stdout goes to stderr;
 * _end puts stdout back and prints o there (NULL: nothing). _begin returns
 * the saved stdout for _end, or -1 (nothing redirected). */
int cli_json_begin(void);
void cli_json_end(int fd, const json_t *o);

int cmd_init(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_respond(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_cache(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_diff(int argc, char **argv);

#endif
