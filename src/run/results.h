/*
 * The results folder in the seed's layout (DESIGN section 7):
 *   simulation_iteration_NNN.json  generated outputs of the candidate of iteration NNN
 *   evaluation_iteration_NNN.json  its per-case and aggregate scores
 *   prompts_<project>.json         best prompts (flat name -> template)
 *   config_<project>.json          the project's config plus the run's settings
 *   optimization_final_results.json
 * Every file is written atomically (see po_results_write for durability).
 */
#ifndef PO_RESULTS_H
#define PO_RESULTS_H

#include <jansson.h>

#include "eval/evaluate.h"
#include "promptopt.h"
#include "util/buf.h"

#define PO_FINAL_RESULTS_FILE "optimization_final_results.json"

/*
 * Writes both iteration files; their names are appended to `files` (array).
 * prompts, origin and ev describe the iteration's nominee (the seed's
 * keys); population (may be NULL) lists every candidate the step evaluated
 * and goes into the evaluation file as "population".
 */
int po_results_write_iteration(const char *dir, int iteration, const json_t *prompts,
			       const char *origin, const struct po_evaluation *ev, double best_score,
			       bool improved, const json_t *population, json_t *files,
			       struct po_err *err);

/*
 * Writes `v` as dir/name atomically and appends name to `files` (may be NULL).
 * Iteration files are written atomically but not flushed one by one (an fsync
 * each would dominate a fast run); po_fs_sync() at the end of a run flushes
 * them all, and the final results file is written durable after that.
 */
int po_results_write(const char *dir, const char *name, const json_t *v, bool durable,
		     json_t *files, struct po_err *err);

/* Removes iteration files of an earlier run from dir (best effort). */
void po_results_clear_iterations(const char *dir);

/* Fills a summary from an optimization_final_results.json object. */
void po_results_summary_from_json(const json_t *final, struct po_summary *out);

#endif
