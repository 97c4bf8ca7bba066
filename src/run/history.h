/*
 * The run history of a results folder: every run that ends keeps its final
 * results and best prompts in runs/NNN/ and a line in runs/index.json, so a
 * new run never destroys the record of an earlier one (the folder's own
 * optimization_final_results.json describes only the last run).
 *
 * Ownership: json returned by po_history_read is a new reference.
 */
#ifndef PO_HISTORY_H
#define PO_HISTORY_H

#include <jansson.h>

#include "promptopt.h"
#include "util/buf.h"

#define PO_RUNS_DIR "runs"
#define PO_RUNS_INDEX "runs/index.json"

/*
 * Records the run that just ended in dir (status as po_experiment_run
 * returned it, msg its error or NULL): copies its final results and best
 * prompts (when it wrote them) into runs/NNN/ and appends its entry to the
 * index. Best effort: a failure loses only the history entry. Returns the
 * run's number, or -1.
 */
int po_history_add(const char *dir, const char *project, const char *run_id, int status,
		   const char *msg);

/* dir's index ({"runs": [entry...]}); PO_ENOTFOUND when no run recorded one. */
int po_history_read(const char *dir, json_t **out, struct po_err *err);

/*
 * The final results file of run `which` of dir: a number ("3"), "last" or
 * "previous" (the one before the last finished). PO_ENOTFOUND when there is
 * no such run or it left no final results.
 */
int po_history_find(const char *dir, const char *which, struct po_buf *path, struct po_err *err);

#endif
