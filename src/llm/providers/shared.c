/*
 * Shared limits (see shared.h and promptopt.h): one pool of calls and
 * dollars for the experiments running at once, with the dollars of calls
 * in flight held as pending per thread; and one gate per provider endpoint
 * (calls in flight, rate-limit state) for their HTTP transports.
 */
#include "llm/providers/shared.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* What one thread has reserved and not yet settled. */
struct holder {
	pthread_t thread;
	long calls;
	double usd;
};

/* While only the cap stands in the way, a transport looks again this soon
 * (milliseconds): the gate cannot wake another thread's event loop. */
#define GATE_RETRY_MS 2

struct po_shared_gate {
	struct po_shared *s;        /* its mutex guards the gate */
	char *endpoint;
	int cap, in_flight, max_in_flight;
	struct po_ratelimit rl;
};

struct po_shared {
	pthread_mutex_t mu;
	pthread_cond_t settled;     /* pending dollars went down */
	long max_calls;
	double budget_usd;
	long calls;                 /* reserved or made */
	double usd;                 /* spent */
	double pending_usd;         /* sum of the holders' usd */
	struct holder *holders;
	size_t nholders, cap;
	struct po_shared_gate **gates;
	size_t ngates;
};

struct po_shared *po_shared_new(long max_calls, double budget_usd)
{
	struct po_shared *s = po_xcalloc(1, sizeof(*s));

	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->settled, NULL);
	s->max_calls = max_calls > 0 ? max_calls : 0;
	s->budget_usd = budget_usd > 0 ? budget_usd : 0;
	return s;
}

void po_shared_free(struct po_shared *s)
{
	if (!s)
		return;
	pthread_cond_destroy(&s->settled);
	pthread_mutex_destroy(&s->mu);
	for (size_t i = 0; i < s->ngates; i++) {
		free(s->gates[i]->endpoint);
		free(s->gates[i]);
	}
	free(s->gates);
	free(s->holders);
	free(s);
}

/* The calling thread's entry, or NULL when it holds nothing. Locked. */
static struct holder *find_holder(struct po_shared *s)
{
	pthread_t self = pthread_self();

	for (size_t i = 0; i < s->nholders; i++)
		if (pthread_equal(s->holders[i].thread, self))
			return &s->holders[i];
	return NULL;
}

/* Drops what h still holds (its calls are not coming back). Locked. */
static void drop_holder(struct po_shared *s, struct holder *h)
{
	if (!h)
		return;
	s->pending_usd -= h->usd;
	if (s->pending_usd < 1e-12 || s->nholders == 1)
		s->pending_usd = 0;
	*h = s->holders[--s->nholders];
	pthread_cond_broadcast(&s->settled);
}

/* Settles n of the holder's calls at its mean estimate. Locked. */
static void settle(struct po_shared *s, long n)
{
	struct holder *h = find_holder(s);
	double share;

	if (!h)
		return;
	if (n >= h->calls) {
		drop_holder(s, h);
		return;
	}
	share = h->usd * (double)n / (double)h->calls;
	h->usd -= share;
	h->calls -= n;
	s->pending_usd -= share;
	pthread_cond_broadcast(&s->settled);
}

static bool calls_fit(const struct po_shared *s, long n)
{
	return !s->max_calls || s->calls + n <= s->max_calls;
}

bool po_shared_reserve(struct po_shared *s, long n)
{
	bool ok;

	pthread_mutex_lock(&s->mu);
	ok = calls_fit(s, n) && (!s->budget_usd || s->usd + s->pending_usd < s->budget_usd);
	if (ok)
		s->calls += n;
	pthread_mutex_unlock(&s->mu);
	return ok;
}

/* Reserves n calls and est dollars for the calling thread, waiting for
 * other threads' calls in flight when only they stand in the way. Locked. */
static bool reserve_locked(struct po_shared *s, long n, double est)
{
	struct holder *h;

	/* This thread's previous batch is over: what it left is not in flight. */
	drop_holder(s, find_holder(s));
	if (!calls_fit(s, n))
		return false;
	if (s->budget_usd) {
		if (s->usd + est > s->budget_usd)
			return false;
		while (s->pending_usd > 0 && s->usd + s->pending_usd + est > s->budget_usd &&
		       s->usd + est <= s->budget_usd)
			pthread_cond_wait(&s->settled, &s->mu);
		/* Others spent more than they reserved while we waited. */
		if (s->usd + est > s->budget_usd || !calls_fit(s, n))
			return false;
	}
	s->calls += n;
	if (n <= 0)
		return true;
	if (s->nholders == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		s->holders = po_xrealloc(s->holders, s->cap * sizeof(*s->holders));
	}
	h = &s->holders[s->nholders++];
	h->thread = pthread_self();
	h->calls = n;
	h->usd = est > 0 ? est : 0;
	s->pending_usd += h->usd;
	return true;
}

bool po_shared_reserve_est(struct po_shared *s, long n, double est_usd)
{
	bool ok;

	pthread_mutex_lock(&s->mu);
	ok = reserve_locked(s, n, est_usd);
	pthread_mutex_unlock(&s->mu);
	return ok;
}

int po_shared_take(struct po_shared *s, long n, double est_usd, struct po_err *err)
{
	long calls, max;
	double usd, budget;
	bool ok;

	pthread_mutex_lock(&s->mu);
	ok = reserve_locked(s, n, est_usd);
	calls = s->calls;
	max = s->max_calls;
	usd = s->usd;
	budget = s->budget_usd;
	pthread_mutex_unlock(&s->mu);
	if (ok)
		return 0;
	if (max && calls + n > max)
		return po_error(err, PO_EBUDGET,
				"shared call limit reached: %ld of --max-calls %ld made by all experiments, the next batch needs %ld more",
				calls, max, n);
	return po_error(err, PO_EBUDGET,
			"shared budget reached: $%.4f of --budget-usd %.4f spent by all experiments, the next batch would cost about $%.4f",
			usd, budget, est_usd);
}

bool po_shared_take_more(struct po_shared *s, long n, double est_usd)
{
	struct holder *h;
	bool ok;

	pthread_mutex_lock(&s->mu);
	h = find_holder(s);
	/* No waiting: this thread holds calls in flight that others may be
	 * waiting for. */
	ok = h && calls_fit(s, n) &&
	     (!s->budget_usd || s->usd + s->pending_usd + est_usd <= s->budget_usd);
	if (ok) {
		s->calls += n;
		h->calls += n;
		h->usd += est_usd > 0 ? est_usd : 0;
		s->pending_usd += est_usd > 0 ? est_usd : 0;
	}
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
	settle(s, n);
	pthread_mutex_unlock(&s->mu);
}

void po_shared_add_cost(struct po_shared *s, double usd)
{
	pthread_mutex_lock(&s->mu);
	s->usd += usd;
	settle(s, 1);
	pthread_mutex_unlock(&s->mu);
}

void po_shared_thread_done(struct po_shared *s)
{
	pthread_mutex_lock(&s->mu);
	drop_holder(s, find_holder(s));
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

double po_shared_pending(struct po_shared *s)
{
	double v;

	pthread_mutex_lock(&s->mu);
	v = s->pending_usd;
	pthread_mutex_unlock(&s->mu);
	return v;
}

/* ---- gates ------------------------------------------------------------------ */

struct po_shared_gate *po_shared_gate(struct po_shared *s, const char *provider,
				      const char *url, int concurrency)
{
	struct po_shared_gate *g = NULL;
	struct po_buf key = PO_BUF_INIT;
	char *endpoint;

	po_buf_addf(&key, "%s %s", provider, url);
	endpoint = po_buf_detach(&key);
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->ngates && !g; i++)
		if (!strcmp(s->gates[i]->endpoint, endpoint))
			g = s->gates[i];
	if (!g) {
		g = po_xcalloc(1, sizeof(*g));
		g->s = s;
		g->endpoint = endpoint;
		endpoint = NULL;
		po_ratelimit_init(&g->rl);
		s->gates = po_xrealloc(s->gates, (s->ngates + 1) * sizeof(*s->gates));
		s->gates[s->ngates++] = g;
	}
	if (concurrency > g->cap)
		g->cap = concurrency;
	if (g->cap < 1)
		g->cap = 1;
	pthread_mutex_unlock(&s->mu);
	free(endpoint);
	return g;
}

bool po_shared_gate_enter(struct po_shared_gate *g, double now_ms, double *retry_ms)
{
	double next;
	bool ok = false;

	pthread_mutex_lock(&g->s->mu);
	next = po_ratelimit_next_start(&g->rl, now_ms);
	if (next > now_ms) {
		if (retry_ms)
			*retry_ms = next;
	} else if (g->in_flight >= g->cap) {
		if (retry_ms)
			*retry_ms = now_ms + GATE_RETRY_MS;
	} else {
		ok = true;
		g->in_flight++;
		if (g->in_flight > g->max_in_flight)
			g->max_in_flight = g->in_flight;
		po_ratelimit_started(&g->rl, now_ms);
	}
	pthread_mutex_unlock(&g->s->mu);
	return ok;
}

void po_shared_gate_leave(struct po_shared_gate *g)
{
	pthread_mutex_lock(&g->s->mu);
	if (g->in_flight > 0)
		g->in_flight--;
	pthread_mutex_unlock(&g->s->mu);
}

bool po_shared_gate_header(struct po_shared_gate *g, const char *name, const char *value,
			   double now_ms, int64_t now_unix)
{
	bool r;

	pthread_mutex_lock(&g->s->mu);
	r = po_ratelimit_header(&g->rl, name, value, now_ms, now_unix);
	pthread_mutex_unlock(&g->s->mu);
	return r;
}

void po_shared_gate_pause(struct po_shared_gate *g, double now_ms, double delay_ms)
{
	pthread_mutex_lock(&g->s->mu);
	po_ratelimit_pause(&g->rl, now_ms, delay_ms);
	pthread_mutex_unlock(&g->s->mu);
}

void po_shared_gate_stats(struct po_shared_gate *g, int *in_flight, int *max_in_flight,
			  int *cap)
{
	pthread_mutex_lock(&g->s->mu);
	if (in_flight)
		*in_flight = g->in_flight;
	if (max_in_flight)
		*max_in_flight = g->max_in_flight;
	if (cap)
		*cap = g->cap;
	pthread_mutex_unlock(&g->s->mu);
}
