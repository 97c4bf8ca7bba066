/*
 * Projects as data: named prompt templates, test cases, a rubric and
 * settings, from the text of the seed's three files
 *   test_cases_<name>.json  prompts_<name>.json  config_<name>.json
 * validated up front, with file:line:col messages. No I/O: reading, creating
 * and finding projects on disk is run/project_files.h.
 *
 * Ownership: a struct po_project owns everything it points to;
 * po_project_free() releases it all.
 */
#ifndef PO_PROJECT_H
#define PO_PROJECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/checks.h"
#include "core/srcpos.h"
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
	struct po_checks checks; /* its own rule checks ("assert"), added to the project's */
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
	char *sim_catalogue;       /* "prfaq", "prfaq-v1", "generic" or "ticket" */
	json_t *config;            /* config_<name>.json as loaded */
	struct po_checks checks;   /* the config's "scorers": rule checks of every case */
	bool judge;                /* the config's "judge" (default true) */
	double judge_weight;       /* the config's "judge_weight" (default 1) */
	int judge_samples;         /* "judge_samples": judge calls per output, averaged (default 1) */
	bool judge_structured;     /* "judge_structured": ask the APIs for structured output (default true) */
};

/*
 * The names a config may use for providers and strategies, which the layers
 * above core own: run/project_files.c fills it from llm/ and opt/. The
 * *_names() strings list them for messages ("sim, bridge, ...").
 */
struct po_known_names {
	bool (*provider_known)(const char *name);
	const char *(*provider_names)(void);
	bool (*strategy_known)(const char *name);
	const char *(*strategy_names)(void);
};

/* "<dir>/<kind>_<name>.json" (kind: test_cases, prompts, config), into a new string. */
char *po_project_file(const char *dir, const char *kind, const char *name);

void po_project_free(struct po_project *p);

/*
 * Placeholder names used by the project's templates (array of strings): those
 * of the main prompt, then of the system prompt; the caller decrefs it.
 */
json_t *po_project_placeholders(const struct po_project *p);

/*
 * Validates a project from the text of its files (run/project_files.h reads
 * them); `dir` (the project folder) names the files in messages.
 * config_text NULL means no config file (defaults). Provider and strategy
 * names in the config are checked against `names` (NULL: not checked).
 * Messages of shape errors are "file:line:col: ...". After loading:
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
		     const struct po_known_names *names, struct po_err *err);
/*
 * The same from the three files as sources: the test cases or the config
 * may be a file in another format made into JSON (text) with its position
 * map (map), so that messages point into the file the user wrote
 * (core/cases_format.h); config NULL: none (the defaults).
 */
int po_project_parse_src(struct po_project **out, const char *name, const char *dir,
			 const struct po_src *ts, const struct po_src *prompts,
			 const struct po_src *config, const struct po_known_names *known,
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
