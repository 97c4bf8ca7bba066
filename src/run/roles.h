/*
 * Which provider and model serve a role: the one rule, for an experiment
 * and for a batch that needs to know before its experiments exist. A
 * role's own option first; then the project config's "roles" (when the
 * options take roles from the config); then the run-wide provider.
 *
 * The base URLs work the same way: --base-url (or a batch's base_url)
 * first, then the project config's "endpoints".
 *
 * Ownership: returned strings are borrowed from the options or the config,
 * except where a function says otherwise.
 */
#ifndef PO_ROLES_H
#define PO_ROLES_H

#include <jansson.h>

#include "promptopt.h"

/* The config's "roles" entry for r: its provider (or NULL) and, when model
 * is not NULL, its model (or NULL). */
const char *po_roles_config(const json_t *roles, enum po_role r, const char **model);

/* The provider serving r under options o and the config's "roles" (may be NULL). */
const char *po_roles_provider(const struct po_run_options *o, const json_t *roles,
			      enum po_role r);

/* The config's "endpoints" as --base-url takes them, "URL1,URL2,...", in
 * *out (a new string the caller frees; NULL when the config has none).
 * Returns 0, or -1 (*out NULL) when they are not a non-empty array of usable
 * base URLs: the project loader reports where. */
int po_roles_endpoints(const json_t *config, char **out);

/* The same read from project's config_<project>.json in its results folder,
 * before the project is loaded (0 and *out NULL: none, no such file, or not
 * JSON, which the loader reports later). */
int po_roles_project_endpoints(const char *project, char **out);

#endif
