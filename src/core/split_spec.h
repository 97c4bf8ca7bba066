/*
 * How a run divides its test cases: train (what strategies search on),
 * validation (what acceptance uses) and test (held out: evaluated for the
 * baseline and the final best only). The spec comes from --split, the
 * project config's "split", or the default; eval/split.c draws the sets.
 *
 * Ownership: a struct po_split_config borrows its stratify key from the
 * config or the flag's string.
 */
#ifndef PO_SPLIT_SPEC_H
#define PO_SPLIT_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/srcpos.h"
#include "promptopt.h"

/* Fewest test cases for which a project gets the default split. */
#define PO_SPLIT_DEFAULT_MIN_CASES 8

struct po_split_config {
	bool enabled;            /* false: train = validation = test = every case */
	double train, val, test; /* fractions, summing to 1 */
	const char *stratify;    /* a metadata key of the test cases, or NULL */
};

/* No split. */
void po_split_config_init(struct po_split_config *c);

/* The default of a project of ncases cases: 0.25 / 0.5 / 0.25 (train,
 * validation, test) from PO_SPLIT_DEFAULT_MIN_CASES cases on, none below. */
void po_split_config_default(struct po_split_config *c, size_t ncases);

/*
 * --split: "none" (or "0"), a test share ("0.25": the rest is validation
 * and train, two to one), or "train,validation,test" fractions
 * ("0.25,0.5,0.25"). PO_EUSAGE saying what is wrong.
 */
int po_split_spec_parse(const char *spec, struct po_split_config *c, struct po_err *err);

/*
 * The config's "split": 0 (none), a test share, or {"train", "validation",
 * "test", "stratify"}; errors name the position in s (PO_EINPUT).
 */
int po_split_config_parse(const struct po_src *s, const json_t *v, struct po_split_config *c,
			  struct po_err *err);

/* "0.5/0.25/0.25", "none" (static-free: into out). */
void po_split_describe(const struct po_split_config *c, char *out, size_t size);

#endif
