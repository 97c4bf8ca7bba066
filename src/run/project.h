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

/* Loads and validates. PO_ENOTFOUND when the project does not exist. */
int po_project_load(struct po_project **out, const char *base, const char *name,
		    struct po_err *err);
void po_project_free(struct po_project *p);

/* Placeholder names used by the project's templates (array of strings). */
json_t *po_project_placeholders(const struct po_project *p);

/* Embedded files (generated at build time from projects/). */
struct po_embedded_file {
	const char *path; /* e.g. "pr-faq-validator/test_cases.json" */
	const char *data;
	size_t len;
};
extern const struct po_embedded_file po_embedded_files[];
extern const size_t po_embedded_files_count;
const struct po_embedded_file *po_embedded_find(const char *path);

#endif
