/*
 * progress.json: what a run in flight has done so far (pid, start, phase,
 * iteration, calls, spend, best), rewritten atomically a few times a second
 * at most, for `promptopt status` and anyone watching the results folder.
 * run_state.json says whether the run is alive; this file says how far it is.
 *
 * Ownership: inputs are borrowed; po_progress_read returns a new reference.
 */
#ifndef PO_PROGRESS_FILE_H
#define PO_PROGRESS_FILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "promptopt.h"

#define PO_PROGRESS_FILE "progress.json"
/* The least time between two writes that are not forced. */
#define PO_PROGRESS_MIN_MS 250.0

struct po_progress_file {
	int iteration;          /* in flight (0: the baseline) */
	int done;               /* iterations done */
	int max_iterations;
	double baseline, best;  /* NAN until the baseline is scored */
	int64_t started;        /* unix time of this session's start */
	double last_write_ms;   /* po_time_mono_ms() of the last write; 0: none */
};

/*
 * Writes dir/progress.json from f and info (best effort: a failed write
 * loses only this snapshot). Unless force, skips the write when the last
 * one was less than PO_PROGRESS_MIN_MS ago. Returns true when written.
 */
bool po_progress_write(const char *dir, struct po_progress_file *f,
		       const struct po_progress_info *info, bool force);

/* Reads dir/progress.json into *out (an object); PO_ENOTFOUND without one. */
int po_progress_read(const char *dir, json_t **out, struct po_err *err);

#endif
