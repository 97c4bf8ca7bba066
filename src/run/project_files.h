/*
 * Projects on disk, in the seed's layout under <base>/prompt_tuning_results_<name>/:
 * creating the three files (built in or scaffolded), finding and reading them.
 * The pr-faq-validator project is built in (projects/pr-faq-validator/).
 * Validation itself is core/project.h's po_project_parse().
 *
 * Ownership: strings returned are new, the caller frees them; a loaded
 * project is freed with po_project_free().
 */
#ifndef PO_PROJECT_FILES_H
#define PO_PROJECT_FILES_H

#include <jansson.h>
#include <stdbool.h>

#include "core/project.h"
#include "promptopt.h"

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

/*
 * Creates the project with its test cases copied from the file `from`
 * (.json, .jsonl, .csv, .yaml or .yml; kept in its format), a first prompt
 * "main" using every input of the first case, and the scaffold's config;
 * the file is validated first (messages at from:line:col). PO_EIO when the
 * project exists. (run/project_from.c)
 */
int po_project_init_from(const char *base, const char *name, const char *from,
			 struct po_err *err);

/*
 * One prompt per <folder>/<name>.txt, sorted by name, into *out (a new
 * object name -> template); *out stays NULL when the folder is absent or
 * holds no .txt file. A project's own <dir>/prompts/ folder, when it has
 * prompts, is its prompts (before prompts_NAME.json), and the best prompts
 * of a run are written back into it.
 */
int po_project_prompts_folder(const char *folder, json_t **out, struct po_err *err);

/* True when the project's folder holds its test cases file. */
bool po_project_exists(const char *base, const char *name);
/*
 * Creates the project when none of its files exists (as po_project_init),
 * safely when several processes do it at once: one creates it, the others
 * wait for it. *created tells whether this call created it.
 */
int po_project_ensure(const char *base, const char *name, bool *created, struct po_err *err);

/*
 * Reads and validates (po_project_parse() with po_project_known_names()).
 * PO_ENOTFOUND when the project does not exist.
 */
int po_project_load(struct po_project **out, const char *base, const char *name,
		    struct po_err *err);

/* The provider (llm/provider.h) and strategy (opt/strategy.h) names, for
 * validating configs in core; static, never freed. */
const struct po_known_names *po_project_known_names(void);

#endif
