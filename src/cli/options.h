/*
 * Command-line options from the settings table (core/settings.h): the flags
 * of `run` and `batch` that set a setting, and the options part of --help.
 * Each command keeps its own order of help lines and its flags that are not
 * settings (cmd_*.c).
 */
#ifndef PO_CLI_OPTIONS_H
#define PO_CLI_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "promptopt.h"

/* A line of --help: a setting's key (its flag and help from the table), or,
 * with key NULL, a hand-written option: its flag column and text. */
struct cli_help_item {
	const char *key;
	const char *usage, *text;
};

/*
 * Prints the items as "  FLAG  text" lines, the text in column 25 (on the
 * next line when the flag column is wider), continued lines aligned; the
 * items end with one whose key and usage are NULL. `batch`: the batch
 * variants of metavar and text.
 */
void cli_print_options(FILE *f, const struct cli_help_item *items, bool batch);

/*
 * When argv[*i] is the flag of a setting (for batch, those it takes), parses
 * its value (advancing *i), stores it in o and clears its from_config bits.
 * A switch flips a bool's default, or stores the setting's flag_const.
 * Returns 1 when it matched, 0 when it is another argument, -1 after
 * printing an error.
 */
int cli_setting_flag(int argc, char **argv, int *i, struct po_run_options *o, bool batch);

/*
 * Parses v as the value of setting `key`'s flag (its type and range, its
 * messages) into out (an int, long, double, uint64_t or const char *, by
 * the setting's type), for commands whose options live elsewhere (respond).
 * 0, or -1 after printing an error.
 */
int cli_setting_value(const char *key, const char *v, void *out);

#endif
