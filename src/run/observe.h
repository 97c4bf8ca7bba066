/*
 * Watching an experiment from inside the run layer (promptopt bench): the
 * observer hears the baseline, every decision on a nominee (before the
 * incumbent changes) and the end of every iteration, and may read the
 * incumbent, the calls made so far and the simulator's ground truth.
 *
 * Ownership: the observer is borrowed for the life of the experiment; the
 * prompts and evaluations it is shown are borrowed for the call.
 */
#ifndef PO_OBSERVE_H
#define PO_OBSERVE_H

#include <jansson.h>

#include "opt/accept.h"
#include "opt/search.h"
#include "promptopt.h"

struct po_exp_observer {
	void (*baseline)(void *userdata, const struct po_experiment *e);
	void (*decision)(void *userdata, const struct po_experiment *e, int iteration,
			 const struct po_nominee *nominee, const struct po_accept_decision *d);
	void (*iteration)(void *userdata, const struct po_experiment *e, int iteration);
	void *userdata;
};

/* Sets (or with NULL clears) the experiment's observer; before po_experiment_run. */
void po_experiment_set_observer(struct po_experiment *e, const struct po_exp_observer *obs);

/* The incumbent prompt set and its reported score. */
const json_t *po_experiment_incumbent(const struct po_experiment *e, double *score);
/* LLM calls answered so far (cache hits included). */
long po_experiment_calls(const struct po_experiment *e);
/* With the simulator: the noise-free mean score of prompts over every test
 * case, and the best possible; NAN without the simulator. */
double po_experiment_true_score(const struct po_experiment *e, const json_t *prompts);
double po_experiment_true_optimum(const struct po_experiment *e);

#endif
