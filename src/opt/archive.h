/*
 * The archive: every evaluation of a run, one entry per (prompt set,
 * sample), with per-case results. A prompt set is known by a hash of its
 * text, so a prompt set already evaluated on a case with a sample is never
 * paid for again in the same run; strategies read their trajectory and
 * Pareto front from it.
 *
 * An entry keeps, per case, whether it was evaluated, ok, the score, the
 * error, the judge's improvements and each scorer's result; outputs are not kept (they are in the
 * iteration files).
 *
 * Ownership: the archive owns its entries; entries are valid until
 * po_archive_free. Prompt sets given to it are copied (incref'd).
 */
#ifndef PO_ARCHIVE_H
#define PO_ARCHIVE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "eval/evaluate.h"

struct po_archive_case {
	bool evaluated, ok;
	double score;
	char *error;
	json_t *improvements;   /* array of strings, or NULL */
	json_t *scorers;        /* each scorer's result (eval/mix.h), or NULL */
};

struct po_archive_entry {
	uint64_t hash;          /* of the prompt set's text */
	json_t *prompts;
	unsigned sample;
	int iteration;          /* when it was first evaluated */
	char *origin;
	char *invalid;          /* the prompt set could not be run at all, or NULL */
	struct po_archive_case *cases; /* indexed like project->cases */
	bool dirty;             /* changed since the last po_archive_take_dirty */
};

struct po_archive;

struct po_archive *po_archive_new(size_t ncases);
void po_archive_free(struct po_archive *a);

/* Hash of a prompt set's text (object name -> template). */
uint64_t po_archive_hash(const json_t *prompts);

/* The entry of (prompts, sample), or NULL. */
struct po_archive_entry *po_archive_find(const struct po_archive *a, const json_t *prompts,
					 unsigned sample);
/* The first entry of the prompt set with any sample, or NULL: whether it
 * was ever evaluated in this run. */
const struct po_archive_entry *po_archive_find_any(const struct po_archive *a,
						   const json_t *prompts);
/* The entry of (prompts, sample), added when missing. */
struct po_archive_entry *po_archive_add(struct po_archive *a, const json_t *prompts,
					unsigned sample, int iteration, const char *origin);
/* Records the results of an evaluation of the entry's prompt set. */
void po_archive_record(struct po_archive *a, struct po_archive_entry *e,
		       const struct po_project *p, const struct po_evaluation *ev);
/* Fills *res (zeroed by the caller) from the entry's case idx; false when
 * that case was not evaluated. The result owns copies. */
bool po_archive_case_result(const struct po_archive_entry *e, const struct po_project *p,
			    size_t idx, struct po_case_result *res);

size_t po_archive_count(const struct po_archive *a);
const struct po_archive_entry *po_archive_get(const struct po_archive *a, size_t i);

/* Mean score of the entry over the cases of `set` it has ok; NAN when none. */
double po_archive_mean(const struct po_archive_entry *e, const struct po_caseset *set);

/*
 * Indices of the entries on the Pareto front over the cases of `set`: no
 * other entry scores at least as well on every case of the set and better
 * on one (entries must have every case of the set evaluated to count).
 * *out is a new array of *n indices; the caller frees it.
 */
void po_archive_pareto(const struct po_archive *a, const struct po_caseset *set, size_t **out,
		       size_t *n);

/*
 * The entries changed since the last call, in the order they were first
 * changed (for the checkpoint's append-only log); clears their marks.
 * *out is a new array the caller frees.
 */
void po_archive_take_dirty(struct po_archive *a, const struct po_archive_entry ***out,
			   size_t *n);

/*
 * Lineage: where a prompt set came from, by its hash (whatever the sample):
 * the operator that made it ("mutate", "reflect", "merge", ...) and the
 * hashes of its parents. The first record of a prompt set stands.
 */
#define PO_MAX_PARENTS 4
struct po_lineage {
	uint64_t hash;
	char op[24];
	uint64_t parents[PO_MAX_PARENTS];
	unsigned nparents;
};
void po_archive_set_lineage(struct po_archive *a, uint64_t hash, const char *op,
			    const uint64_t *parents, unsigned nparents);
/* The lineage of a prompt set's hash, or NULL when none was recorded. */
const struct po_lineage *po_archive_lineage(const struct po_archive *a, uint64_t hash);
/* Adds "operator" and "parents" (hex hashes) to obj when the hash has a lineage. */
void po_archive_lineage_json(const struct po_archive *a, uint64_t hash, json_t *obj);

/* One entry as a line of archive.jsonl (new reference), and back. */
json_t *po_archive_entry_to_json(const struct po_archive *a, const struct po_archive_entry *e,
				 const struct po_project *p);
int po_archive_load_json(struct po_archive *a, const json_t *j, const struct po_project *p,
			 struct po_err *err);

#endif
