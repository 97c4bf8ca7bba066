/*
 * The LLM engine: every call of a run goes through here. Around each
 * provider it looks answers up in the response cache, holds the call and
 * budget limits, sends the misses to the provider of their role as whole
 * batches, prices each call, stores new answers and journals every call.
 */
#include "llm/llm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/cache.h"
#include "llm/cost.h"
#include "llm/journal.h"
#include "llm/prefetch.h"
#include "llm/provider.h"
#include "llm/providers/shared.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/sha256.h"
#include "util/timeutil.h"

struct po_engine {
	struct po_provider *roles[PO_ROLE_COUNT];
	char *base_url[PO_ROLE_COUNT];  /* effective, for the cache key ("" = default) */
	struct po_cache *cache;
	struct po_prices *prices;
	struct po_journal *journal;
	char *run_id;
	long max_calls;
	double budget_usd;
	struct po_shared *shared;
	uint64_t seed;
	unsigned batch_roles;           /* estimated at the batch price */
	long provider_calls;            /* calls sent to providers (cache hits excluded) */
	char *last_model[PO_ROLE_COUNT]; /* the model that last answered a role */
	double spent;
	double ahead_usd;               /* estimate of the batch in flight and its calls ahead */
	struct po_engine_stats stats;
	struct po_prefetch pre;         /* follow-up answers not asked for yet */
	void (*progress)(void *userdata, const struct po_engine_progress *p);
	void *progress_ud;
	size_t batch_n;                 /* the batch in flight: its size, */
	long batch_done;                /* and its calls answered so far */
};

void po_engine_config_init(struct po_engine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

bool po_engine_cacheable(const char *provider)
{
	return po_provider_cacheable(provider);
}

/* The base URL a provider will use, as far as the key needs it: the flag,
 * else the provider's environment variable, else "" (its built-in default). */
static const char *effective_base_url(const char *provider, const char *flag)
{
	const char *env = po_provider_url_env(provider), *v = NULL;

	if (flag && *flag)
		return flag;
	if (env)
		v = getenv(env);
	return v ? v : "";
}

static void free_providers(struct po_provider *roles[PO_ROLE_COUNT])
{
	for (int i = 0; i < PO_ROLE_COUNT; i++) {
		struct po_provider *p = roles[i];
		if (!p)
			continue;
		/* A provider shared by several roles is freed once. */
		for (int j = i + 1; j < PO_ROLE_COUNT; j++)
			if (roles[j] == p)
				roles[j] = NULL;
		p->ops->free(p);
		roles[i] = NULL;
	}
}

int po_engine_new(struct po_engine **out, const struct po_engine_config *cfg,
		  struct po_err *err)
{
	struct po_engine *e = po_xcalloc(1, sizeof(*e));
	int ret;

	*out = NULL;
	memcpy(e->roles, cfg->roles, sizeof(e->roles));
	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		if (!e->roles[r]) {
			ret = po_error(err, PO_EFAIL, "no provider for role %s",
				       po_role_name((enum po_role)r));
			goto fail;
		}
		e->base_url[r] = po_xstrdup(effective_base_url(e->roles[r]->ops->name,
							       cfg->base_url));
	}
	ret = po_prices_load(&e->prices, cfg->prices_path, err);
	if (ret == PO_ENOTFOUND || ret == PO_EIO)
		po_error_prefix(err, "--prices");
	if (ret)
		goto fail;
	if (cfg->cache_path) {
		bool any = false;
		for (int r = 0; r < PO_ROLE_COUNT; r++)
			any |= po_engine_cacheable(e->roles[r]->ops->name);
		/* No file for a run that would never use it (the simulator). */
		if (any) {
			ret = po_cache_open(&e->cache, cfg->cache_path, err);
			if (ret)
				goto fail;
		}
	}
	if (cfg->journal_path) {
		ret = po_journal_open(&e->journal, cfg->journal_path, err);
		if (ret)
			goto fail;
	}
	e->run_id = cfg->run_id ? po_xstrdup(cfg->run_id) : NULL;
	e->max_calls = cfg->max_calls > 0 ? cfg->max_calls : 0;
	e->budget_usd = cfg->budget_usd > 0 ? cfg->budget_usd : 0;
	e->shared = cfg->shared;
	e->seed = cfg->seed;
	e->batch_roles = cfg->batch_roles;
	*out = e;
	return 0;
fail:
	po_engine_free(e);
	return ret;
}

void po_engine_free(struct po_engine *e)
{
	if (!e)
		return;
	po_engine_settle(e);
	free_providers(e->roles);
	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		free(e->base_url[r]);
		free(e->last_model[r]);
	}
	po_cache_close(e->cache);
	po_prices_free(e->prices);
	po_journal_close(e->journal);
	free(e->run_id);
	free(e);
}

/* Each field with its length first, so no two requests hash alike by
 * moving text from one field to the next. */
static void key_str(struct po_sha256 *c, char tag, const char *s)
{
	unsigned char hdr[9];
	uint64_t n = s ? strlen(s) : UINT64_MAX;

	hdr[0] = (unsigned char)tag;
	for (int i = 0; i < 8; i++)
		hdr[1 + i] = (unsigned char)(n >> (8 * i));
	po_sha256_update(c, hdr, sizeof(hdr));
	if (s)
		po_sha256_update(c, s, strlen(s));
}

void po_engine_cache_key(const struct po_llm_request *req, const char *provider,
			 const char *base_url, uint64_t seed, char out[65])
{
	struct po_sha256 c;
	unsigned char d[PO_SHA256_LEN];
	char num[64];

	po_sha256_init(&c);
	key_str(&c, 'V', "promptopt-cache-key-2");
	key_str(&c, 'P', provider);
	key_str(&c, 'U', base_url ? base_url : "");
	key_str(&c, 'M', req->model);
	key_str(&c, 'S', req->system);
	key_str(&c, 'u', req->prompt);
	/* %.17g round-trips a double: 0.7 and 0.70000000000000007 differ. */
	snprintf(num, sizeof(num), "%.17g", req->temperature);
	key_str(&c, 'T', num);
	snprintf(num, sizeof(num), "%d", req->max_tokens);
	key_str(&c, 'X', num);
	snprintf(num, sizeof(num), "%u", req->sample);
	key_str(&c, 'N', num);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)seed);
	key_str(&c, 'R', num);
	/* A reply asked for in a schema (structured output) is another answer
	 * than a free one; keys of requests without a schema are unchanged. */
	if (req->schema) {
		char *schema = json_dumps(req->schema, JSON_COMPACT | JSON_SORT_KEYS);
		key_str(&c, 'J', schema ? schema : "");
		free(schema);
	}
	po_sha256_final(&c, d);
	po_sha256_hex(d, out);
}

static const char *provider_name(const struct po_engine *e, enum po_role r)
{
	return e->roles[r]->ops->name;
}

/* Estimated cost of a call not made yet: prompt characters / 4 for input,
 * the role's mean output so far, else max_tokens (the most it can cost). */
static double estimate(const struct po_engine *e, const struct po_llm_request *req)
{
	const struct po_engine_stats *s = &e->stats;
	struct po_price pr;
	long paid = s->calls[req->role] - s->cache_hits[req->role];
	long in, outt;

	/* No model named: the provider's default, as its last answer said. */
	if (!po_prices_find(e->prices, provider_name(e, req->role),
			    req->model ? req->model : e->last_model[req->role], &pr))
		return 0;
	in = (long)(((req->system ? strlen(req->system) : 0) + strlen(req->prompt)) / 4) + 1;
	if (paid > 0)
		outt = s->output_tokens[req->role] / paid + 1;
	else
		outt = req->max_tokens > 0 ? req->max_tokens : 1024;
	return po_price_cost(&pr, in, outt, 0, 0) * (e->batch_roles & (1u << req->role) ? 0.5 : 1);
}

void po_engine_remaining(const struct po_engine *e, long *calls, double *usd)
{
	long c = -1, sc = 0, smax = 0;
	double u = -1, sspent = 0, sbudget = 0;

	if (e->max_calls)
		c = e->max_calls - e->provider_calls;
	if (e->budget_usd)
		u = e->budget_usd - e->spent;
	if (e->shared) {
		po_shared_limits(e->shared, &smax, &sbudget);
		po_shared_totals(e->shared, &sc, &sspent);
		if (smax && (c < 0 || smax - sc < c))
			c = smax - sc;
		if (sbudget > 0 && (u < 0 || sbudget - sspent < u))
			u = sbudget - sspent;
	}
	if (calls)
		*calls = c < 0 && !e->max_calls && !smax ? -1 : (c > 0 ? c : 0);
	if (usd)
		*usd = !e->budget_usd && sbudget <= 0 ? -1 : (u > 0 ? u : 0);
}

/* Takes m calls costing about est dollars from the limits, or says why not. */
static int reserve(struct po_engine *e, long m, double est, struct po_err *err)
{
	if (!m)
		return 0;
	if (e->max_calls && e->provider_calls + m > e->max_calls)
		return po_error(err, PO_EBUDGET,
				"call limit reached: %ld of --max-calls %ld made, the next batch needs %ld more",
				e->provider_calls, e->max_calls, m);
	if (e->budget_usd && e->spent + est > e->budget_usd)
		return po_error(err, PO_EBUDGET,
				"budget reached: $%.4f of --budget-usd %.4f spent, the next batch would cost about $%.4f",
				e->spent, e->budget_usd, est);
	if (e->shared) {
		/* It names only the limits that are set (no "limit 0"). */
		int ret = po_shared_take(e->shared, m, est, err);
		if (ret)
			return ret;
	}
	e->provider_calls += m;
	return 0;
}

/* What an answer cost at the price table (cached or not), half of it when
 * a provider batch answered it; *priced false for a model missing from it. */
static double call_cost(const struct po_engine *e, const struct po_llm_request *req,
			const struct po_llm_response *resp, bool *priced)
{
	const char *model = resp->model ? resp->model : req->model;
	struct po_price pr;

	*priced = po_prices_find(e->prices, provider_name(e, req->role), model, &pr);
	return po_price_cost(&pr, resp->input_tokens, resp->output_tokens,
			     resp->cache_read_tokens, resp->cache_write_tokens) *
	       (resp->batch ? 0.5 : 1.0);
}

/* Account one answered request and journal it; `charged`: its cost is in
 * the limits already (a call sent ahead, charged when it came back). */
static void account(struct po_engine *e, const struct po_llm_request *req,
		    const struct po_llm_response *resp, const char *key, bool charged)
{
	struct po_engine_stats *s = &e->stats;
	const char *prov = provider_name(e, req->role);
	const char *model = resp->model ? resp->model : req->model;
	bool priced;
	double cost = call_cost(e, req, resp, &priced);
	int r = req->role;

	s->calls[r]++;
	if (resp->error || !resp->content)
		s->failures[r]++;
	if (resp->cached) {
		s->cache_hits[r]++;
		s->saved_usd[r] += cost;
		cost = 0;
	} else {
		s->input_tokens[r] += resp->input_tokens;
		s->output_tokens[r] += resp->output_tokens;
		s->cache_read_tokens[r] += resp->cache_read_tokens;
		s->cache_write_tokens[r] += resp->cache_write_tokens;
		s->latency_ms[r] += resp->latency_ms;
		s->cost_usd[r] += cost;
		if (resp->attempts > 1)
			s->retries[r] += resp->attempts - 1;
		if (!priced)
			s->unpriced_calls[r]++;
		if (!charged)
			e->spent += cost;
		if (resp->model && (!e->last_model[r] || strcmp(e->last_model[r], resp->model))) {
			free(e->last_model[r]);
			e->last_model[r] = po_xstrdup(resp->model);
		}
		if (e->shared && !charged)
			po_shared_add_cost(e->shared, cost);
	}
	if (e->journal) {
		struct po_journal_entry en = {
			.ts = po_time_unix(), .run_id = e->run_id, .role = po_role_name(req->role),
			.provider = prov, .model = model, .key = key && *key ? key : NULL,
			.sample = req->sample,
			.latency_ms = resp->latency_ms, .input_tokens = resp->input_tokens,
			.output_tokens = resp->output_tokens,
			.cache_read_tokens = resp->cache_read_tokens,
			.cache_write_tokens = resp->cache_write_tokens, .cost_usd = cost,
			.cached = resp->cached, .batch = resp->batch && !resp->cached,
			.attempts = resp->cached ? 0 : (resp->attempts > 0 ? resp->attempts : 1),
			.error = resp->error ? resp->error : (resp->content ? NULL : "no content"),
		};
		po_journal_add(e->journal, &en);
	}
}

/* Looks the cacheable requests up; marks hits in hit[]. */
static void cache_lookup(struct po_engine *e, const struct po_llm_request *reqs,
			 struct po_llm_response *out, size_t n, char (*keys)[65], bool *hit,
			 const bool *pre)
{
	double t0 = po_time_mono_ms();
	size_t hits = 0;

	if (!e->cache)
		return;
	if (po_cache_begin(e->cache, NULL) < 0) {
		e->stats.cache_errors++;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int r;
		if (pre[i] || !po_engine_cacheable(provider_name(e, reqs[i].role)))
			continue;
		r = po_cache_get(e->cache, keys[i], &out[i], NULL);
		if (r < 0) {
			e->stats.cache_errors++;
			break;
		}
		if (r == 1) {
			hit[i] = true;
			hits++;
		}
	}
	if (po_cache_end(e->cache, NULL) < 0)
		e->stats.cache_errors++;
	/* A hit's latency is its share of the lookup. */
	for (size_t i = 0; hits && i < n; i++)
		if (hit[i] && !pre[i])
			out[i].latency_ms = (po_time_mono_ms() - t0) / (double)hits;
}

static void cache_store(struct po_engine *e, const struct po_llm_request *reqs,
			const struct po_llm_response *out, size_t n, char (*keys)[65],
			const bool *hit)
{
	bool started = false;

	if (!e->cache)
		return;
	for (size_t i = 0; i < n; i++) {
		const char *prov = provider_name(e, reqs[i].role);
		struct po_cache_meta meta = { prov, reqs[i].model, po_role_name(reqs[i].role) };

		/* Errors are never cached: a rerun must try them again. */
		if (hit[i] || !out[i].content || out[i].error || !po_engine_cacheable(prov))
			continue;
		if (!started) {
			if (po_cache_begin(e->cache, NULL) < 0) {
				e->stats.cache_errors++;
				return;
			}
			started = true;
		}
		if (po_cache_put(e->cache, keys[i], &meta, &out[i], NULL) < 0)
			e->stats.cache_errors++;
	}
	if (started && po_cache_end(e->cache, NULL) < 0)
		e->stats.cache_errors++;
}

/*
 * One call sent ahead takes its place in the limits without waiting: the
 * calls, and its estimate beside what is spent and what the batch in flight
 * and the other calls ahead are estimated at (ahead_usd).
 */
static bool reserve_ahead(struct po_engine *e, double est)
{
	if (e->max_calls && e->provider_calls + 1 > e->max_calls)
		return false;
	if (e->budget_usd && e->spent + e->ahead_usd + est > e->budget_usd)
		return false;
	if (e->shared && !po_shared_take_more(e->shared, 1, est))
		return false;
	e->provider_calls++;
	e->ahead_usd += est;
	return true;
}

/* A batch's follow-ups (po_engine_complete_then()) as one provider's
 * chain sees them. */
struct then_ctx {
	struct po_engine *e;
	struct po_provider *p;
	const size_t *idx;                /* provider batch index -> request index */
	po_engine_next_fn next;
	void *ud;
	struct then_call {
		char key[65];
		const struct po_llm_request *req;
		double est;
	} *calls;                         /* the follow-ups sent, in order */
	size_t ncalls;
};

/* A follow-up goes out now unless the cache has it (then it waits as a hit)
 * or the limits have no room for it (then its batch asks for it later). */
static const struct po_llm_request *then_next(void *ud, size_t i,
					      const struct po_llm_response *resp)
{
	struct then_ctx *t = ud;
	struct po_engine *e = t->e;
	const struct po_llm_request *f = t->next(t->ud, t->idx[i], resp);
	struct po_llm_response hit = { 0 };
	char key[65];
	double est;

	if (!f || e->roles[f->role] != t->p)
		return NULL;
	po_engine_cache_key(f, provider_name(e, f->role), e->base_url[f->role], e->seed, key);
	if (e->cache) {
		int r = po_cache_get(e->cache, key, &hit, NULL);
		if (r == 1)
			po_prefetch_add(&e->pre, key, f, false, &hit);
		if (r < 0)
			e->stats.cache_errors++;
		if (r)
			return NULL;
	}
	est = e->budget_usd || e->shared ? estimate(e, f) : 0;
	if (!reserve_ahead(e, est))
		return NULL;
	t->calls = po_xrealloc(t->calls, (t->ncalls + 1) * sizeof(*t->calls));
	memcpy(t->calls[t->ncalls].key, key, sizeof(key));
	t->calls[t->ncalls].est = est;
	t->calls[t->ncalls++].req = f;
	return f;
}

static void then_done(void *ud, size_t k, struct po_llm_response *resp)
{
	struct then_ctx *t = ud;
	struct po_engine *e = t->e;

	if (k >= t->ncalls) {
		po_llm_response_release(resp);
		return;
	}
	e->ahead_usd -= t->calls[k].est;
	if (resp->content || resp->attempts > 0) {
		/* Charged now, so the limits see what was spent before the batch
		 * that takes the answer: the journal and statistics wait for it. */
		bool priced;
		double cost = call_cost(e, t->calls[k].req, resp, &priced);

		e->spent += cost;
		if (e->shared)
			po_shared_add_cost(e->shared, cost);
		po_prefetch_add(&e->pre, t->calls[k].key, t->calls[k].req, true, resp);
		return;
	}
	/* Never sent: its reservation is given back. */
	po_llm_response_release(resp);
	e->provider_calls--;
	if (e->shared)
		po_shared_release(e->shared, 1);
}

/* One provider's part of a batch, with follow-ups when asked for and the
 * provider can send them at once. */
static int send_part(struct po_engine *e, struct po_provider *p,
		     const struct po_llm_request *sub, struct po_llm_response *subout, size_t m,
		     const size_t *idx, po_engine_next_fn next, void *ud, struct po_err *err)
{
	struct then_ctx t = { e, p, idx, next, ud, NULL, 0 };
	struct po_llm_chain chain = { then_next, then_done, &t };
	int ret;

	if (!next || !p->ops->complete_chain)
		return p->ops->complete(p, sub, subout, m, err);
	ret = p->ops->complete_chain(p, sub, subout, m, &chain, err);
	free(t.calls);
	return ret;
}

/*
 * Sends the misses, one call per distinct provider so each provider sees
 * the whole of its part of the batch (and can run it concurrently).
 */
static int dispatch(struct po_engine *e, const struct po_llm_request *reqs,
		    struct po_llm_response *out, size_t n, const bool *skip,
		    po_engine_next_fn next, void *ud, struct po_err *err)
{
	struct po_llm_request *sub = po_xcalloc(n ? n : 1, sizeof(*sub));
	struct po_llm_response *subout = po_xcalloc(n ? n : 1, sizeof(*subout));
	size_t *idx = po_xcalloc(n ? n : 1, sizeof(*idx));
	bool *done = po_xcalloc(n ? n : 1, sizeof(*done));
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		struct po_provider *p = e->roles[reqs[i].role];
		size_t m = 0;

		if (skip[i] || done[i])
			continue;
		for (size_t j = i; j < n; j++) {
			if (skip[j] || done[j] || e->roles[reqs[j].role] != p)
				continue;
			idx[m] = j;
			sub[m++] = reqs[j];
			done[j] = true;
		}
		memset(subout, 0, m * sizeof(*subout));
		ret = send_part(e, p, sub, subout, m, idx, next, ud, err);
		/* Also on failure: the calls answered before it were paid for. */
		for (size_t k = 0; k < m; k++)
			out[idx[k]] = subout[k];
	}
	free(sub);
	free(subout);
	free(idx);
	free(done);
	return ret;
}

/* Calls answered are accounted when the batch ends: until then, those of
 * the batch in flight are added to the run's count. */
static void tell_progress(struct po_engine *e, size_t n, long done, bool ended)
{
	struct po_engine_progress p = {
		.batch_size = (long)n, .batch_done = done,
		.calls = po_engine_total_calls(e) + (ended ? 0 : done), .spent_usd = e->spent,
	};

	e->batch_n = n;
	e->batch_done = done;
	if (e->progress)
		e->progress(e->progress_ud, &p);
}

static void on_call_done(void *userdata)
{
	struct po_engine *e = userdata;

	if (e->batch_done < (long)e->batch_n)
		tell_progress(e, e->batch_n, e->batch_done + 1, false);
}

void po_engine_set_progress(struct po_engine *e,
			    void (*fn)(void *userdata, const struct po_engine_progress *p),
			    void *userdata)
{
	e->progress = fn;
	e->progress_ud = userdata;
	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		e->roles[r]->call_done = fn ? on_call_done : NULL;
		e->roles[r]->call_done_userdata = fn ? e : NULL;
	}
}

/* Takes the answers made ahead for requests of this batch: pre[i] set,
 * and hit[i] too for one the cache answered. */
static void take_prefetched(struct po_engine *e, struct po_llm_response *out, size_t n,
			    char (*keys)[65], bool *hit, bool *pre)
{
	for (size_t i = 0; e->pre.held && i < n; i++) {
		bool reserved = false;

		if (!keys[i][0] || !po_prefetch_take(&e->pre, keys[i], &out[i], &reserved))
			continue;
		pre[i] = true;
		hit[i] = out[i].cached;
	}
}

/* The limits refused a batch: what it took from the answers made ahead
 * was paid for, so it is accounted before the batch fails. */
static void account_prefetched(struct po_engine *e, const struct po_llm_request *reqs,
			       struct po_llm_response *out, size_t n, char (*keys)[65],
			       const bool *hit, const bool *pre)
{
	for (size_t i = 0; i < n; i++)
		if (pre[i])
			account(e, &reqs[i], &out[i], keys[i], !hit[i]);
	cache_store(e, reqs, out, n, keys, hit);
}

static int complete(struct po_engine *e, const struct po_llm_request *reqs,
		    struct po_llm_response *out, size_t n, po_engine_next_fn next, void *ud,
		    struct po_err *err)
{
	char (*keys)[65] = po_xcalloc(n ? n : 1, sizeof(*keys));
	bool *hit = po_xcalloc(n ? n : 1, sizeof(*hit));
	bool *pre = po_xcalloc(n ? n : 1, sizeof(*pre));
	bool *skip = po_xcalloc(n ? n : 1, sizeof(*skip));
	long misses = 0;
	double est = 0;
	int ret;

	memset(out, 0, n * sizeof(*out));
	/* Only cached providers need the key: hashing every prompt of a
	 * simulated run would cost more than the simulator itself. */
	for (size_t i = 0; i < n; i++)
		if (e->pre.held || po_engine_cacheable(provider_name(e, reqs[i].role)))
			po_engine_cache_key(&reqs[i], provider_name(e, reqs[i].role),
					    e->base_url[reqs[i].role], e->seed, keys[i]);
	take_prefetched(e, out, n, keys, hit, pre);
	cache_lookup(e, reqs, out, n, keys, hit, pre);
	for (size_t i = 0; i < n; i++) {
		skip[i] = hit[i] || pre[i];
		if (skip[i])
			continue;
		misses++;
		if (e->budget_usd || e->shared)
			est += estimate(e, &reqs[i]);
	}
	ret = reserve(e, misses, est, err);
	if (ret) {
		account_prefetched(e, reqs, out, n, keys, hit, pre);
		goto fail;
	}
	tell_progress(e, n, (long)n - misses, false);
	e->ahead_usd = est;
	ret = dispatch(e, reqs, out, n, skip, next, ud, err);
	e->ahead_usd = 0;
	if (ret < 0) {
		/* The provider is unusable (a refused key, an exhausted quota, an
		 * interrupt), but what it answered before that was paid for: it is
		 * journaled, priced and cached like any answer, so a rerun does not
		 * pay for it again. What was never sent is given back. */
		long unsent = 0;
		for (size_t i = 0; i < n; i++) {
			if (hit[i] || out[i].content || out[i].attempts > 0)
				account(e, &reqs[i], &out[i], keys[i], pre[i] && !hit[i]);
			else
				unsent++;
		}
		e->provider_calls -= unsent;
		if (e->shared)
			po_shared_release(e->shared, unsent);
	} else {
		for (size_t i = 0; i < n; i++)
			account(e, &reqs[i], &out[i], keys[i], pre[i] && !hit[i]);
	}
	cache_store(e, reqs, out, n, keys, hit);
	if (e->journal && po_journal_flush(e->journal, NULL) < 0)
		e->stats.journal_errors++;
	tell_progress(e, n, (long)n, true);
	if (ret < 0)
		goto fail;
	free(keys);
	free(hit);
	free(pre);
	free(skip);
	return 0;
fail:
	for (size_t i = 0; i < n; i++)
		po_llm_response_release(&out[i]);
	free(keys);
	free(hit);
	free(pre);
	free(skip);
	return ret;
}

int po_engine_complete(struct po_engine *e, const struct po_llm_request *reqs,
		       struct po_llm_response *out, size_t n, struct po_err *err)
{
	return complete(e, reqs, out, n, NULL, NULL, err);
}

int po_engine_complete_then(struct po_engine *e, const struct po_llm_request *reqs,
			    struct po_llm_response *out, size_t n, po_engine_next_fn next,
			    void *ud, struct po_err *err)
{
	return complete(e, reqs, out, n, next, ud, err);
}

void po_engine_settle(struct po_engine *e)
{
	for (size_t i = 0; i < e->pre.n; i++) {
		struct po_prefetch_item *it = &e->pre.items[i];
		struct po_llm_request req = { .role = it->role, .model = it->model,
					      .sample = it->sample, .prompt = "" };
		bool hit = it->resp.cached;

		if (it->taken)
			continue;
		account(e, &req, &it->resp, it->key, it->reserved);
		cache_store(e, &req, &it->resp, 1, &it->key, &hit);
	}
	if (e->pre.held && e->journal && po_journal_flush(e->journal, NULL) < 0)
		e->stats.journal_errors++;
	po_prefetch_release(&e->pre);
}

const struct po_engine_stats *po_engine_stats(const struct po_engine *e)
{
	return &e->stats;
}

void po_engine_restore_stats(struct po_engine *e, const struct po_engine_stats *s)
{
	e->stats = *s;
	e->provider_calls = 0;
	e->spent = 0;
	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		e->provider_calls += s->calls[r] - s->cache_hits[r];
		e->spent += s->cost_usd[r];
	}
}

long po_engine_total_calls(const struct po_engine *e)
{
	long t = 0;

	for (int i = 0; i < PO_ROLE_COUNT; i++)
		t += e->stats.calls[i];
	return t;
}

double po_engine_total_cost(const struct po_engine *e)
{
	double t = 0;

	for (int i = 0; i < PO_ROLE_COUNT; i++)
		t += e->stats.cost_usd[i];
	return t;
}

struct po_provider *po_engine_provider(struct po_engine *e, enum po_role r)
{
	return e->roles[r];
}

json_t *po_engine_endpoints(struct po_engine *e)
{
	json_t *o = NULL;

	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		struct po_provider *p = e->roles[r];
		json_t *a;
		bool seen = false;

		for (int k = 0; k < r; k++)
			seen |= e->roles[k] == p;
		if (seen || !p->ops->endpoints || !(a = p->ops->endpoints(p)))
			continue;
		if (!o)
			o = json_object();
		json_object_set_new(o, p->ops->name, a);
	}
	return o;
}

const struct po_prices *po_engine_prices(const struct po_engine *e)
{
	return e->prices;
}
