/*
 * Projects: named prompt templates, test cases, a rubric and settings, in the
 * seed's layout under <base>/prompt_tuning_results_<name>/:
 *   test_cases_<name>.json  prompts_<name>.json  config_<name>.json
 * Loading validates everything up front, with file:line:col messages.
 * The pr-faq-validator project is built in (projects/pr-faq-validator/).
 *
 * Ownership: a struct po_project owns everything it points to;
 * po_project_free() releases it all.
 */
#ifndef PO_PROJECT_H
#define PO_PROJECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "promptopt.h"

struct po_criterion {
	char *key;          /* e.g. "press_release_quality" */
	char *name;         /* e.g. "Press release quality" */
	char *description;
	double weight;      /* normalised: the weights of a rubric sum to 1 */
};

struct po_rubric {
	struct po_criterion *criteria;
	size_t n;
};

struct po_test_case {
	char *id;
	char *name;
	char *description;
	json_t *inputs;     /* object: placeholder name -> string */
	json_t *expected;   /* may be NULL */
	json_t *raw;        /* the object as loaded, unknown keys kept as metadata */
};

struct po_project {
	char *name;
	char *description;
	char *dir;                 /* <base>/prompt_tuning_results_<name> */
	char *test_cases_path, *prompts_path, *config_path;
	struct po_test_case *cases;
	size_t ncases;
	json_t *prompts;           /* object name -> template */
	char *main_prompt;         /* the prompt sent as the user message */
	char *system_prompt;       /* name of the system prompt, or NULL */
	struct po_rubric rubric;
	char *sim_catalogue;       /* "prfaq" or "generic" */
	json_t *config;            /* config_<name>.json as loaded */
};

/* "prompt_tuning_results_<name>" under base ("." when NULL), into a new string. */
char *po_project_dir(const char *base, const char *name);

/* True when `name` is a project compiled into the binary. */
bool po_project_is_builtin(const char *name);

/*
 * Creates the project folder and its three files. Built-in projects get their
 * shipped data; others a scaffold (example test cases, a default rubric, and
 * the initial prompts from <base>/prompts/\*.txt when that folder exists).
 * Fails with PO_EIO if the files already exist (unless the folder is empty).
 */
int po_project_init(const char *base, const char *name, struct po_err *err);

/* True when the project's folder holds its test cases file. */
bool po_project_exists(const char *base, const char *name);
/*
 * Creates the project when none of its files exists (as po_project_init),
 * safely when several processes do it at once: one creates it, the others
 * wait for it. *created tells whether this call created it.
 */
int po_project_ensure(const char *base, const char *name, bool *created, struct po_err *err);

/* Loads and validates. PO_ENOTFOUND when the project does not exist. */
int po_project_load(struct po_project **out, const char *base, const char *name,
		    struct po_err *err);
void po_project_free(struct po_project *p);

/*
 * Placeholder names used by the project's templates (array of strings): those
 * of the main prompt, then of the system prompt; the caller decrefs it.
 */
json_t *po_project_placeholders(const struct po_project *p);

/*
 * Validates a project from the text of its files, as po_project_load() does
 * after reading them; `dir` (the project folder) names the files in messages.
 * config_text NULL means no config file (defaults). Messages of shape errors
 * are "file:line:col: ...". After loading:
 *   - a test case's name defaults to its id, its description to "";
 *   - main_prompt is the config's, else the only prompt not used as system
 *     prompt; system_prompt is the config's, else "system_prompt" if such a
 *     prompt exists, else NULL;
 *   - rubric weights sum to 1; without a rubric in the config, the built-in
 *     one of the catalogue; sim_catalogue defaults to "generic" ("prfaq"
 *     for pr-faq-validator); description is the config's, else the test
 *     cases file's, else "".
 */
int po_project_parse(struct po_project **out, const char *name, const char *dir,
		     const char *tc_text, size_t tc_len, const char *prompts_text,
		     size_t prompts_len, const char *config_text, size_t config_len,
		     struct po_err *err);

/*
 * Validates the text of a test cases file alone (`path` names it in
 * messages). On success *cases is a new array of *ncases test cases, freed
 * with po_test_cases_free().
 */
int po_project_parse_test_cases(const char *path, const char *text, size_t len,
				struct po_test_case **cases, size_t *ncases, struct po_err *err);
void po_test_cases_free(struct po_test_case *cases, size_t n);

#endif
