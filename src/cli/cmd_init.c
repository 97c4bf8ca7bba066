/*
 * `promptopt init NAME`: scaffold a project in the seed's layout.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "run/project_files.h"

static void init_usage(FILE *f)
{
	fprintf(f,
		"usage: promptopt init NAME [--from FILE]\n\n"
		"Creates prompt_tuning_results_NAME/ with test_cases_NAME.json, prompts_NAME.json\n"
		"and config_NAME.json. pr-faq-validator gets its built-in data; other names get\n"
		"example test cases, and their prompts from prompts/*.txt when that folder exists.\n"
		"--from FILE takes the test cases from FILE instead (.json, .jsonl, .csv, .yaml;\n"
		"copied in its format, see docs/test-cases.md), with a first prompt that uses\n"
		"every input of its cases.\n"
		"Edit the files, then: promptopt run --project NAME\n\n%s",
		cli_exit_codes_help);
}

int cmd_init(int argc, char **argv)
{
	struct po_err err = { 0 };
	const char *name = NULL, *from = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			init_usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--from") || !strncmp(argv[i], "--from=", 7)) {
			from = argv[i][6] ? argv[i] + 7 : i + 1 < argc ? argv[++i] : NULL;
			if (!from || !*from) {
				cli_error("--from needs a file of test cases, e.g. --from tests.csv");
				return 2;
			}
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1]) {
			cli_unknown_option("init", argv[i],
					   (const char *const[]){ "--from", "--help", NULL }, NULL, 0);
			return 2;
		}
		if (name) {
			cli_error("init takes one project name, got '%s' and '%s'", name, argv[i]);
			return 2;
		}
		name = argv[i];
	}
	if (!name) {
		cli_error("init needs a project name, e.g. 'promptopt init my-project'");
		return 2;
	}
	if (po_project_name_check(name, &err) < 0 ||
	    (from ? po_project_init_from(".", name, from, &err) :
		    po_project_init(".", name, &err)) < 0)
		return cli_fail(&err);
	printf("Created project '%s' in prompt_tuning_results_%s/\n", name, name);
	if (from)
		printf("  test cases from %s, prompts_%s.json (a first prompt using every input), config_%s.json\n",
		       from, name, name);
	else
		printf("  test_cases_%s.json  prompts_%s.json  config_%s.json\n", name, name, name);
	printf("Next: edit them, then run 'promptopt run --project %s'\n", name);
	return 0;
}
