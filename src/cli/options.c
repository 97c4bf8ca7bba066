/*
 * Command-line options from the settings table (see options.h): one parser
 * and one help layout for every flag that sets a setting.
 */
#include "cli/options.h"

#include <stdint.h>
#include <string.h>

#include "cli/cli.h"
#include "core/settings.h"
#include "util/buf.h"
#include "util/err.h"

#define HELP_COL 25

static void print_item(FILE *f, const char *usage, const char *text)
{
	const char *nl;

	if (strlen(usage) <= HELP_COL - 3)
		fprintf(f, "  %-*s ", HELP_COL - 3, usage);
	else
		fprintf(f, "  %s\n%*s", usage, HELP_COL, "");
	while ((nl = strchr(text, '\n'))) {
		fprintf(f, "%.*s\n%*s", (int)(nl - text), text, HELP_COL, "");
		text = nl + 1;
	}
	fprintf(f, "%s\n", text);
}

void cli_print_options(FILE *f, const struct cli_help_item *items, bool batch)
{
	for (; items->key || items->usage; items++) {
		const struct po_setting *st = items->key ? po_setting_find(items->key) : NULL;
		struct po_buf usage = PO_BUF_INIT;
		const char *metavar;

		if (!st) {
			print_item(f, items->usage, items->text);
			continue;
		}
		metavar = batch && st->batch_metavar ? st->batch_metavar : st->metavar;
		if (st->usage)
			po_buf_adds(&usage, st->usage);
		else
			po_buf_addf(&usage, "%s%s%s", st->flag, metavar ? " " : "",
				    metavar ? metavar : "");
		/* An item's own text stands for the setting's help (another
		 * command's default, e.g. bench's project). */
		print_item(f, usage.data, items->text ? items->text :
					  batch ? st->batch_help : st->help);
		po_buf_release(&usage);
	}
}

static int parse_value(const struct po_setting *st, const char *v, void *p)
{
	long n;

	switch (st->type) {
	case PO_SETTING_STRING:
		*(const char **)p = v;
		return 0;
	case PO_SETTING_INT:
		return cli_parse_int(st->flag, v, (long)st->min, (long)st->max, p);
	case PO_SETTING_LONG:
		if (cli_parse_long(st->flag, v, (long)st->min, (long)st->max, &n) < 0)
			return -1;
		*(long *)p = n;
		return 0;
	case PO_SETTING_NUMBER:
		return cli_parse_double(st->flag, v, st->min, st->max, p);
	case PO_SETTING_SEED:
		if (cli_parse_u64(st->flag, v, p) < 0)
			return -1;
		if (*(uint64_t *)p > PO_SEED_MAX) {
			cli_error("%s %s is out of range; use a whole number from 0 to %llu (a seed every JSON reader keeps exactly)",
				  st->flag, v, (unsigned long long)PO_SEED_MAX);
			return -1;
		}
		return 0;
	case PO_SETTING_BOOL:
	case PO_SETTING_NONE:
		break;
	}
	return -1;
}

int cli_setting_value(const char *key, const char *v, void *out)
{
	const struct po_setting *st = po_setting_find(key);

	return st && st->flag && st->type != PO_SETTING_BOOL ? parse_value(st, v, out) : -1;
}

int cli_setting_flag(int argc, char **argv, int *i, struct po_run_options *o, bool batch)
{
	for (const struct po_setting *st = po_settings; st->key; st++) {
		void *p = po_setting_field(st, o);
		const char *v;
		int m;

		if (!st->flag || !p || (batch && !st->batch_help))
			continue;
		if (!st->metavar) {
			if (strcmp(argv[*i], st->flag))
				continue;
			if (st->flag_const)
				*(const char **)p = st->flag_const;
			else
				*(bool *)p = strcmp(st->dflt, "true") != 0;
		} else {
			m = cli_opt_value(argc, argv, i, st->flag, &v);
			if (m < 0 || (m && parse_value(st, v, p) < 0))
				return -1;
			if (!m)
				continue;
		}
		o->from_config &= ~st->from_config;
		return 1;
	}
	return 0;
}

/* The closer of *best and name to arg (the part before any '='). */
static void closer(const char *arg, size_t alen, const char *name, const char **best, size_t *bd)
{
	char a[64];
	size_t d;

	if (!name || alen >= sizeof(a))
		return;
	memcpy(a, arg, alen);
	a[alen] = '\0';
	d = po_edit_distance(a, name);
	if (d < *bd) {
		*bd = d;
		*best = name;
	}
}

void cli_unknown_option(const char *cmd, const char *arg, const char *const *names,
			const char *const *more, int settings)
{
	const char *eq = strchr(arg, '='), *best = NULL;
	size_t alen = eq ? (size_t)(eq - arg) : strlen(arg), bd = 99;

	for (; names && *names; names++)
		closer(arg, alen, *names, &best, &bd);
	for (; more && *more; more++)
		closer(arg, alen, *more, &best, &bd);
	for (const struct po_setting *st = po_settings; settings && st->key; st++)
		if (st->flag && (settings == 1 || st->batch_help))
			closer(arg, alen, st->flag, &best, &bd);
	/* Close enough to be a slip of the fingers, not another word. */
	if (best && arg[0] == '-' && bd <= (alen > 9 ? 3 : 2))
		cli_error("unknown option '%s' for %s; did you mean '%s'? (see 'promptopt %s --help')",
			  arg, cmd, best, cmd);
	else
		cli_error("unknown option '%s' for %s; see 'promptopt %s --help'", arg, cmd, cmd);
}
