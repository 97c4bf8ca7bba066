/*
 * Which provider and model serve a role: the one rule, for an experiment
 * and for a batch that needs to know before its experiments exist. A
 * role's own option first; then the project config's "roles" (when the
 * options take roles from the config); then the run-wide provider.
 *
 * Ownership: returned strings are borrowed from the options or the config.
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

#endif
