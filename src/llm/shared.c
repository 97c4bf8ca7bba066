/*
 * Shared limits (see shared.h and promptopt.h).
 */
#include "llm/shared.h"

#include <pthread.h>
#include <stdlib.h>

#include "util/mem.h"

struct po_shared {
	pthread_mutex_t mu;
	long max_calls;
	double budget_usd;
	long calls;
	double usd;
};

struct po_shared *po_shared_new(long max_calls, double budget_usd)
{
	struct po_shared *s = po_xcalloc(1, sizeof(*s));

	pthread_mutex_init(&s->mu, NULL);
	s->max_calls = max_calls > 0 ? max_calls : 0;
	s->budget_usd = budget_usd > 0 ? budget_usd : 0;
	return s;
}

void po_shared_free(struct po_shared *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->mu);
	free(s);
}

bool po_shared_reserve(struct po_shared *s, long n)
{
	bool ok;

	pthread_mutex_lock(&s->mu);
	ok = (!s->max_calls || s->calls + n <= s->max_calls) &&
	     (!s->budget_usd || s->usd < s->budget_usd);
	if (ok)
		s->calls += n;
	pthread_mutex_unlock(&s->mu);
	return ok;
}

bool po_shared_reserve_est(struct po_shared *s, long n, double est_usd)
{
	bool ok;

	pthread_mutex_lock(&s->mu);
	ok = (!s->max_calls || s->calls + n <= s->max_calls) &&
	     (!s->budget_usd || s->usd + est_usd <= s->budget_usd);
	if (ok)
		s->calls += n;
	pthread_mutex_unlock(&s->mu);
	return ok;
}

void po_shared_limits(struct po_shared *s, long *max_calls, double *budget_usd)
{
	pthread_mutex_lock(&s->mu);
	if (max_calls)
		*max_calls = s->max_calls;
	if (budget_usd)
		*budget_usd = s->budget_usd;
	pthread_mutex_unlock(&s->mu);
}

void po_shared_release(struct po_shared *s, long n)
{
	pthread_mutex_lock(&s->mu);
	s->calls -= n;
	pthread_mutex_unlock(&s->mu);
}

void po_shared_add_cost(struct po_shared *s, double usd)
{
	pthread_mutex_lock(&s->mu);
	s->usd += usd;
	pthread_mutex_unlock(&s->mu);
}

void po_shared_totals(struct po_shared *s, long *calls, double *usd)
{
	pthread_mutex_lock(&s->mu);
	if (calls)
		*calls = s->calls;
	if (usd)
		*usd = s->usd;
	pthread_mutex_unlock(&s->mu);
}
