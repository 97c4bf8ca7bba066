/*
 * The project's config file (config_<name>.json): every setting typed and
 * checked up front, so that a wrong type or a typo is reported with its
 * file:line:col before a run starts. Also the rubric and the rule checks ("scorers"), which the config holds.
 *
 * Ownership: *out of po_project_config_parse() is a new reference; a rubric
 * owns its criteria (po_rubric_release()).
 */
#ifndef PO_PROJECT_CONFIG_H
#define PO_PROJECT_CONFIG_H

#include <jansson.h>

#include "core/project.h"
#include "core/srcpos.h"
#include "promptopt.h"

/*
 * Validates the config text of s; on success *out is the config object,
 * *rubric its rubric (none: left empty) and *checks its "scorers" (none:
 * left empty). Provider and strategy names are checked against `names`
 * (NULL: not checked).
 */
int po_project_config_parse(const struct po_src *s, json_t **out, struct po_rubric *rubric,
			    struct po_checks *checks, const struct po_known_names *names,
			    struct po_err *err);

/* Validates a "rubric" object of s into *out, weights normalised to sum 1. */
int po_rubric_parse(const struct po_src *s, const json_t *rubric, struct po_rubric *out,
		    struct po_err *err);
void po_rubric_release(struct po_rubric *r);

#endif
