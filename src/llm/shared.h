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
/* Like po_shared_reserve, and also false when the spend so far plus
 * est_usd (the estimated cost of the n calls) would pass the budget. */
bool po_shared_reserve_est(struct po_shared *s, long n, double est_usd);
/* The limits (0 = none). */
void po_shared_limits(struct po_shared *s, long *max_calls, double *budget_usd);
/* Gives back calls reserved but not made. */
void po_shared_release(struct po_shared *s, long n);
/* Adds the cost of calls made. */
void po_shared_add_cost(struct po_shared *s, double usd);
void po_shared_totals(struct po_shared *s, long *calls, double *usd);

#endif
