/*
 * How the last run in a results folder went, for `status` and for anyone
 * reading the folder: `run_state.json` says running (with the pid), then
 * finished, interrupted, stopped at a limit or failed (with the error). A
 * run killed or starved of disk leaves "running" with a pid that is gone.
 * A new run first sets the previous run's final results aside, so that
 * `optimization_final_results.json` never describes files that the new run
 * has replaced. Strings in struct po_run_state belong to it (_release).
 */
#ifndef PO_RUN_STATE_H
#define PO_RUN_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "promptopt.h"

#define PO_RUN_STATE_FILE "run_state.json"
/* Where a new run moves the previous run's final results. */
#define PO_PREVIOUS_RESULTS_FILE "optimization_final_results.previous.json"

/*
 * Called by a run holding the folder's lock, before it touches any file:
 * moves optimization_final_results.json (if any) to
 * PO_PREVIOUS_RESULTS_FILE (a rename: it needs no disk space) and records
 * the run as running. PO_EIO when the results cannot be set aside.
 */
int po_run_state_begin(const char *dir, struct po_err *err);

/* Records how the run ended: status 0 (finished), PO_EINTR, PO_EBUDGET or
 * another failure, with its message. Best effort (a full disk keeps the
 * "running" record, which `status` reports as a run that did not finish). */
void po_run_state_end(const char *dir, int status, const char *msg, int iterations_run);

struct po_run_state {
	char *state;    /* "running", "finished", "interrupted", "stopped", "failed" */
	char *error;    /* the failure's message, or NULL */
	char *started;  /* UTC ISO 8601, or NULL */
	char *ended;
	long pid;
	int iterations_run;
	bool alive;     /* state "running" and its process still exists */
	bool previous;  /* the run set aside a previous run's final results */
};

/* Reads dir's run state; PO_ENOTFOUND when no run recorded one. */
int po_run_state_read(const char *dir, struct po_run_state *out, struct po_err *err);
void po_run_state_release(struct po_run_state *s);

#endif
