/*
 * Limits shared by the experiments of one process (struct po_shared in
 * promptopt.h): a call counter and spend against max_calls / budget_usd,
 * guarded by a mutex so parallel experiments draw from one pool.
 */
#ifndef PO_SHARED_H
#define PO_SHARED_H

#include <stdbool.h>

#include "promptopt.h"

/* Reserves n calls; false (nothing reserved) when that would pass max_calls
 * or the budget is already spent. */
bool po_shared_reserve(struct po_shared *s, long n);
/* Gives back calls reserved but not made. */
void po_shared_release(struct po_shared *s, long n);
/* Adds the cost of calls made. */
void po_shared_add_cost(struct po_shared *s, double usd);
void po_shared_totals(struct po_shared *s, long *calls, double *usd);

#endif
