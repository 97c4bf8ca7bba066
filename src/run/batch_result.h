/*
 * The batch result document, batch_results_<id>.json, in parts that
 * running a batch (batch.c) and merging shards (batch_merge.c) share:
 * an experiment's record, the batch id's check, writing the document and
 * its report. po_batch_result_build() itself is in batch.h.
 *
 * Ownership: functions returning json_t * return a new reference the
 * caller decrefs; po_batch_record_outcome() takes the reference to results.
 */
#ifndef PO_BATCH_RESULT_H
#define PO_BATCH_RESULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "promptopt.h"
#include "util/buf.h"

/* Where batch results go when the caller names no folder. */
#define PO_BATCH_DEFAULT_ROOT "batch_results"

/* v as a JSON real; NaN and infinities have no JSON form: null. */
json_t *po_batch_jnum(double v);

/* A new record {"index", "name", "config"} for experiment `index` of the
 * plan, with "results_dir" when dir is not NULL. */
json_t *po_batch_record_new(size_t index, const json_t *cfg, const char *dir);

/* Sets the record's "status" (see batch.h), "success", "elapsed_seconds",
 * "error" (when not NULL), "results": the experiment's whole final results
 * (the seed's schema; NULL: null; the reference is taken), and "summary":
 * the figures the comparison reads, made from them (null without them; its
 * config says whether an unrecorded cost is the simulator's $0 or
 * unknown). */
void po_batch_record_outcome(json_t *rec, const char *status, const char *error,
			     json_t *final, double elapsed);

/* The optimization_final_results.json the experiment saved in dir, read;
 * NULL when it saved none (or it is not an object). */
json_t *po_batch_record_final(const char *dir);

/* A batch id names files and a folder: 1 to 100 characters, no '/', no
 * leading '.'; PO_EUSAGE otherwise. */
int po_batch_id_check(const char *id, struct po_err *err);

/* Writes res to <dir>/<base>.json and, when `report`, the batch report next
 * to it (<base>.md, <base>.svg). json_path (when not NULL) receives the
 * JSON file's path. */
int po_batch_result_write(const json_t *res, const char *dir, const char *base, bool report,
			  struct po_buf *json_path, struct po_err *err);

#endif
