/*
 * Case sets and splits. A case set is a subset of a project's test cases
 * (indices into project->cases, ascending). A split divides the cases into
 * train (what strategies search on), validation (what acceptance uses) and
 * test (held out: evaluated for the baseline and the final best only),
 * drawn once per run, deterministically from the case ids and the seed.
 * Without a split configured, all three sets are every case.
 *
 * Ownership: a struct po_caseset owns its index array (po_caseset_release);
 * a struct po_split owns its three sets (po_split_release).
 */
#ifndef PO_SPLIT_H
#define PO_SPLIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/project.h"
#include "core/split_spec.h"

struct po_caseset {
	size_t *idx;
	size_t n;
};

/* Every case of a project of ncases cases. */
void po_caseset_all(struct po_caseset *s, size_t ncases);
void po_caseset_copy(struct po_caseset *dst, const struct po_caseset *src);
void po_caseset_release(struct po_caseset *s);
/* True when s holds every one of ncases cases. */
bool po_caseset_is_all(const struct po_caseset *s, size_t ncases);


struct po_split {
	struct po_caseset train, val, test;
};

/*
 * Draws the split of p's cases. The order of cases within each stratum is
 * a hash of (seed, case id), so the same ids and seed give the same sets
 * whatever the order of the file. PO_EINPUT, naming the counts, when it
 * would leave train empty or fewer than 2 validation or test cases.
 */
int po_split_draw(struct po_split *out, const struct po_project *p,
		  const struct po_split_config *c, uint64_t seed, struct po_err *err);

/* {"train": [ids], "validation": [ids], "test": [ids]} (new reference). */
json_t *po_split_to_json(const struct po_split *s, const struct po_project *p);
/* Reads what po_split_to_json wrote; PO_EINPUT when an id is unknown. */
int po_split_from_json(struct po_split *out, const json_t *j, const struct po_project *p,
		       struct po_err *err);

void po_split_release(struct po_split *s);

#endif
