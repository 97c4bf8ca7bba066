/*
 * checkpoint.json: the state of a run after its last finished iteration,
 * replaced atomically after each one, so that `run --resume` continues an
 * interrupted or crashed run where it stopped (DESIGN section 7).
 *
 * Ownership: a struct po_checkpoint owns its json_t references and its
 * evaluation; release it with po_checkpoint_release().
 */
#ifndef PO_CHECKPOINT_H
#define PO_CHECKPOINT_H

#include <jansson.h>
#include <stdint.h>

#include "eval/evaluate.h"
#include "llm/llm.h"
#include "core/project.h"

#define PO_CHECKPOINT_FILE "checkpoint.json"

struct po_checkpoint {
	char project[128];
	char strategy[32];
	uint64_t seed;
	int iteration;               /* the last finished one (0: the baseline) */
	int64_t started;             /* unix time the run first started */
	double wall_seconds;         /* spent so far, over all sessions */
	double baseline_score, best_score;
	json_t *baseline_prompts;    /* object name -> template */
	json_t *best_prompts;
	json_t *history;             /* the iteration_history so far */
	json_t *files;               /* results files written so far */
	struct po_evaluation best_eval; /* per case: ok, score, improvements */
	struct po_engine_stats stats;
};

/* Writes dir/checkpoint.json atomically (not flushed to disk: the end of
 * the run does that). Borrows everything in ck. */
int po_checkpoint_write(const char *dir, const struct po_checkpoint *ck, struct po_err *err);

/*
 * Reads dir/checkpoint.json of a run of project p (the test cases give the
 * evaluation its cases). PO_ENOTFOUND when there is none; PO_EINPUT with the
 * file's name when it is not a checkpoint of this project as it is now.
 */
int po_checkpoint_read(const char *dir, const struct po_project *p, struct po_checkpoint *ck,
		       struct po_err *err);

/* Removes dir/checkpoint.json (a new run starts). */
void po_checkpoint_remove(const char *dir);

void po_checkpoint_release(struct po_checkpoint *ck);

#endif
