/*
 * The simulators a responder answers with, one per (seed, noise,
 * catalogue): runs with different seeds may share one bridge folder, and
 * each request's "sim" hint says which simulator answers it. A few are
 * kept; the oldest is dropped to make room.
 *
 * Ownership: the pool owns its simulators; one returned is borrowed until
 * the next po_bridge_sims_get() or po_bridge_sims_free().
 */
#ifndef PO_BRIDGE_SIMS_H
#define PO_BRIDGE_SIMS_H

#include <stdint.h>

#include "promptopt.h"

struct po_sim;
struct po_bridge_sims;

struct po_bridge_sims *po_bridge_sims_new(void);
/* Frees the pool and its simulators. NULL is fine. */
void po_bridge_sims_free(struct po_bridge_sims *s);
/* The simulator for these settings, made on first use; NULL with err set
 * when it cannot be made (an unknown catalogue). */
struct po_sim *po_bridge_sims_get(struct po_bridge_sims *s, uint64_t seed, double noise,
				  double verbosity_bias,
				  const char *catalogue, struct po_err *err);

#endif
