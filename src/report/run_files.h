/*
 * The iteration files of a finished run, read back for the reports:
 * simulation_iteration_NNN.json (each candidate's prompts and outputs) and
 * evaluation_iteration_NNN.json (its per-case scores, "improved", the
 * population) from the results folder named by the final results. Any file
 * may be missing or unreadable (an older run, a hand-edited folder): its
 * slot is then NULL and the sections show what they have.
 *
 * Ownership: po_run_files_load() fills a struct the caller releases with
 * po_run_files_release(); the returned json_t pointers are borrowed from it.
 */
#ifndef PO_RUN_FILES_H
#define PO_RUN_FILES_H

#include <jansson.h>
#include <stddef.h>

struct po_run_files {
	size_t n;              /* iterations 0 .. n-1 */
	json_t **sim;          /* [n], NULL where missing */
	json_t **eval;         /* [n], NULL where missing */
	size_t *accepted;      /* iterations whose candidate became the best, 0 first */
	size_t naccepted;
};

/* Reads the iteration files of the final results fr (its "results_dir" and
 * "iteration_history"). Returns the number of iterations with both files
 * (0: nothing to show; rf is still to be released). */
size_t po_run_files_load(struct po_run_files *rf, const json_t *fr);

void po_run_files_release(struct po_run_files *rf);

/* The prompt set (name -> template) of iteration i, or NULL. */
const json_t *po_run_prompts(const struct po_run_files *rf, size_t i);

/* The iteration of the best candidate: the last accepted one (0 when none). */
size_t po_run_best(const struct po_run_files *rf);

/* The evaluation's entry of cases for test case id, or NULL. */
const json_t *po_run_case(const json_t *eval, const char *id);

/* The simulation's output for test case id, or NULL. */
const json_t *po_run_output(const json_t *sim, const char *id);

/* The score of a scored case ("ok" and a finite "score"): 1 and *v, else 0. */
int po_run_case_score(const json_t *c, double *v);

/* The mean score (0-100) per scorer of an evaluation's cases (a new
 * object, name -> real), from each case's "scorers" array; empty when no
 * case has one. */
json_t *po_run_scorer_means(const json_t *ev);

#endif
