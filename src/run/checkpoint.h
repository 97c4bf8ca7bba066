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
#include "opt/archive.h"

#define PO_CHECKPOINT_FILE "checkpoint.json"
#define PO_CHECKPOINT_LOG "checkpoint_log.jsonl"

/*
 * What grows with the run is appended, never rewritten: each save adds one
 * line to checkpoint_log.jsonl holding the history entries, results files
 * and archive entries (opt/archive.h) new since the save before; the fixed-
 * size state is replaced in checkpoint.json, which records how much of the
 * log belongs to it. A save therefore costs the same at iteration 2,000 as
 * at iteration 2. The cursor tells the writer what is already on disk.
 */
struct po_checkpoint_cursor {
	size_t history, files;       /* entries of the arrays already logged */
	long long log_bytes;         /* the log's size after the last save */
	size_t log_lines;
};

struct po_checkpoint {
	char project[128];
	char strategy[32];
	uint64_t seed;
	int iteration;               /* the last finished one (0: the baseline) */
	int64_t started;             /* unix time the run first started */
	double wall_seconds;         /* spent so far, over all sessions */
	double baseline_score, best_score;
	unsigned best_sample;        /* the sample index of the best's evaluation */
	long race[3];                /* racing: calls saved, dropped early, accepted early */
	json_t *baseline_prompts;    /* object name -> template */
	json_t *best_prompts;
	json_t *history;             /* the iteration_history so far */
	json_t *files;               /* results files written so far */
	json_t *strategy_state;      /* the strategy's save(), or NULL */
	json_t *integrity;           /* po_integrity_save(): candidates rejected, or NULL */
	json_t *split;               /* po_split_to_json */
	json_t *archive;             /* read: the logged archive entries, in order */
	struct po_archive *archive_w; /* write: its changed entries are logged */
	struct po_evaluation best_eval; /* per case: ok, score, improvements */
	struct po_engine_stats stats;
	struct po_checkpoint_cursor cursor; /* read: where the log ends */
};

/*
 * Appends to dir/checkpoint_log.jsonl what is new since *cur and replaces
 * dir/checkpoint.json atomically (neither flushed to disk: the end of the
 * run does that); advances *cur. Borrows everything in ck.
 */
int po_checkpoint_write(const char *dir, const struct po_checkpoint *ck,
			struct po_checkpoint_cursor *cur, const struct po_project *p,
			struct po_err *err);

/*
 * Reads dir/checkpoint.json and its log of a run of project p (the test
 * cases give the evaluation its cases), and cuts the log back to what the
 * checkpoint covers (a line written after it, by a run killed in between,
 * is dropped). PO_ENOTFOUND when there is none; PO_EINPUT with the file's
 * name when it is not a checkpoint of this project as it is now.
 */
int po_checkpoint_read(const char *dir, const struct po_project *p, struct po_checkpoint *ck,
		       struct po_err *err);

/* Removes dir/checkpoint.json and its log (a new run starts). */
void po_checkpoint_remove(const char *dir);

void po_checkpoint_release(struct po_checkpoint *ck);

#endif
