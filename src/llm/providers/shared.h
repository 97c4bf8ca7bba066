/*
 * Limits shared by the experiments of one process (struct po_shared in
 * promptopt.h): a call counter and spend against max_calls / budget_usd,
 * guarded by a mutex so parallel experiments draw from one pool.
 *
 * Dollars are reserved before calls are made: a reservation's estimated
 * cost is "pending" until the calls are settled (po_shared_add_cost, one
 * call at a time) or given back (po_shared_release), and a new reservation
 * must fit in the budget beside what is spent *and* what is pending, so
 * parallel experiments cannot all pass the check at once and overshoot.
 * Pending dollars are kept per thread: an experiment reserves and settles
 * its calls on the thread that runs it, one batch at a time, so a thread's
 * next reservation ends its previous one (what a failed batch left
 * unsettled is not kept forever).
 */
#ifndef PO_SHARED_H
#define PO_SHARED_H

#include <stdbool.h>

#include "llm/providers/retry.h"
#include "promptopt.h"

/* Reserves n calls; false (nothing reserved) when that would pass max_calls
 * or the budget is already spent (pending dollars included). */
bool po_shared_reserve(struct po_shared *s, long n);
/*
 * Reserves n calls and est_usd (their estimated cost) of the budget. When
 * they fit beside the spend alone but not beside the other threads' pending
 * dollars, waits for those calls to settle (they are in flight) and checks
 * again. False, with nothing reserved, when they do not fit.
 */
bool po_shared_reserve_est(struct po_shared *s, long n, double est_usd);
/* The same, with a message when refused: 0, or PO_EBUDGET with err saying
 * which limit (only the limits that are set) was reached, e.g.
 * "shared budget reached: $0.4712 of --budget-usd 0.5000 spent by all
 * experiments, the next batch would cost about $0.0400". */
int po_shared_take(struct po_shared *s, long n, double est_usd, struct po_err *err);
/*
 * Adds n calls and est dollars to what the calling thread reserved last
 * (calls sent ahead while its batch is in flight), without waiting: false,
 * with nothing reserved, when the thread holds no reservation or they do
 * not fit beside what all threads spent and hold.
 */
bool po_shared_take_more(struct po_shared *s, long n, double est_usd);
/* The limits (0 = none). */
void po_shared_limits(struct po_shared *s, long *max_calls, double *budget_usd);
/* Gives back n calls reserved but not made, with their share of the calling
 * thread's pending dollars. */
void po_shared_release(struct po_shared *s, long n);
/* Adds the cost of one call made, settling that call's share of the calling
 * thread's pending dollars. */
void po_shared_add_cost(struct po_shared *s, double usd);
/* Settles whatever the calling thread still has pending (its experiment
 * ended); no-op when nothing is. */
void po_shared_thread_done(struct po_shared *s);
/* Calls reserved or made, and dollars spent. */
void po_shared_totals(struct po_shared *s, long *calls, double *usd);
/* Dollars reserved for calls in flight, all threads together. */
double po_shared_pending(struct po_shared *s);
/*
 * Gates: one per provider endpoint (a provider name and the URL it posts
 * to, e.g. anthropic and https://api.anthropic.com/v1/messages), shared by every HTTP transport of
 * the process that talks to it, so experiments running at once neither put
 * more calls in flight than one of them may nor ignore the rate limits
 * another one was told about. A gate holds the calls in flight, its cap (the
 * largest concurrency any user asked for) and the rate-limit state of the
 * endpoint's answers (retry.h). Non-blocking, for a transport's event loop.
 */
struct po_shared_gate;

/* The endpoint's gate, made on first use; raises its cap to concurrency.
 * Belongs to s (valid until po_shared_free). */
struct po_shared_gate *po_shared_gate(struct po_shared *s, const char *provider,
				      const char *url, int concurrency);
/* Takes a slot for a call starting at now_ms, when one is free and the rate
 * limits allow a start now (recording it: po_ratelimit_started). Else false,
 * and *retry_ms (not NULL) is the monotonic time worth trying again: the
 * rate limit's next start, or shortly when only the cap stands in the way. */
bool po_shared_gate_enter(struct po_shared_gate *g, double now_ms, double *retry_ms);
/* A call that entered ended or was abandoned: frees its slot. */
void po_shared_gate_leave(struct po_shared_gate *g);
/* Feeds one response header to the endpoint's rate-limit state
 * (po_ratelimit_header); true when it was a rate-limit header. */
bool po_shared_gate_header(struct po_shared_gate *g, const char *name, const char *value,
			   double now_ms, int64_t now_unix);
/* Pauses every user's new calls until now_ms + delay_ms (a 429, 503 or 529). */
void po_shared_gate_pause(struct po_shared_gate *g, double now_ms, double delay_ms);
/* Calls in flight now, the most at once so far, and the cap. */
void po_shared_gate_stats(struct po_shared_gate *g, int *in_flight, int *max_in_flight,
			  int *cap);

#endif
