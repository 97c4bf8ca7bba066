/*
 * The archive of evaluations (see archive.h). Entries are found through a
 * small open-addressing index on (hash, sample), so a look-up costs the
 * same at iteration 2,000 as at iteration 2.
 */
#include "opt/archive.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/assert.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/rng.h"

struct po_archive {
	size_t ncases;
	struct po_archive_entry **entries;
	size_t n, alloc;
	size_t *slots;      /* entry index + 1; 0: empty */
	size_t nslots;      /* a power of two, at least twice n */
	size_t *pslots;     /* by hash alone: the first entry of each prompt set
	                     * (any sample); nslots of them too */
	struct po_archive_entry **dirty; /* entries changed since the last take */
	size_t ndirty, dirty_alloc;
	struct po_lineage *lin;  /* by hash, open addressing; hash 0: empty */
	size_t nlin, linslots;   /* linslots: 0 or a power of two, above twice nlin */
};

struct po_archive *po_archive_new(size_t ncases)
{
	struct po_archive *a = po_xcalloc(1, sizeof(*a));

	a->ncases = ncases;
	a->nslots = 64;
	a->slots = po_xcalloc(a->nslots, sizeof(*a->slots));
	a->pslots = po_xcalloc(a->nslots, sizeof(*a->pslots));
	return a;
}

static void entry_free(struct po_archive_entry *e, size_t ncases)
{
	for (size_t i = 0; i < ncases; i++) {
		free(e->cases[i].error);
		json_decref(e->cases[i].improvements);
		json_decref(e->cases[i].scorers);
	}
	free(e->cases);
	json_decref(e->prompts);
	free(e->origin);
	free(e->invalid);
	free(e);
}

void po_archive_free(struct po_archive *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++)
		entry_free(a->entries[i], a->ncases);
	free(a->entries);
	free(a->slots);
	free(a->pslots);
	free(a->dirty);
	free(a->lin);
	free(a);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Over the names and texts in name order, each with its length, so that
 * ("ab", "c") and ("a", "bc") differ. */
uint64_t po_archive_hash(const json_t *prompts)
{
	size_t n = json_object_size(prompts), k = 0;
	const char **keys = po_xcalloc(n ? n : 1, sizeof(*keys));
	uint64_t h = 0x70726f6d70746f70ULL;
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)prompts, key, v)
		keys[k++] = key;
	qsort(keys, k, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < k; i++) {
		const json_t *t = json_object_get(prompts, keys[i]);
		size_t len = json_string_length(t);

		h = po_hash_u64(strlen(keys[i]), po_hash_str(keys[i], h));
		h = po_hash_u64(len, po_hash64(json_string_value(t) ? json_string_value(t) : "", len, h));
	}
	free(keys);
	return h;
}

static size_t slot_of(uint64_t hash, unsigned sample, size_t nslots)
{
	return (size_t)po_hash_u64(hash, sample) & (nslots - 1);
}

static struct po_archive_entry *lookup(const struct po_archive *a, uint64_t hash,
				       const json_t *prompts, unsigned sample)
{
	for (size_t s = slot_of(hash, sample, a->nslots);; s = (s + 1) & (a->nslots - 1)) {
		struct po_archive_entry *e;

		if (!a->slots[s])
			return NULL;
		e = a->entries[a->slots[s] - 1];
		if (e->hash == hash && e->sample == sample && json_equal(e->prompts, prompts))
			return e;
	}
}

struct po_archive_entry *po_archive_find(const struct po_archive *a, const json_t *prompts,
					 unsigned sample)
{
	return lookup(a, po_archive_hash(prompts), prompts, sample);
}

/* The pslots slot of the prompt set's entry, or of the empty slot where it
 * goes. */
static size_t prompt_slot(const struct po_archive *a, uint64_t hash, const json_t *prompts)
{
	size_t s = (size_t)hash & (a->nslots - 1);

	while (a->pslots[s]) {
		const struct po_archive_entry *e = a->entries[a->pslots[s] - 1];
		if (e->hash == hash && json_equal(e->prompts, prompts))
			break;
		s = (s + 1) & (a->nslots - 1);
	}
	return s;
}

static void index_entry(struct po_archive *a, size_t i)
{
	const struct po_archive_entry *e = a->entries[i];
	size_t s = slot_of(e->hash, e->sample, a->nslots);

	while (a->slots[s])
		s = (s + 1) & (a->nslots - 1);
	a->slots[s] = i + 1;
	s = prompt_slot(a, e->hash, e->prompts);
	if (!a->pslots[s])
		a->pslots[s] = i + 1;
}

static void grow_index(struct po_archive *a)
{
	free(a->slots);
	free(a->pslots);
	a->nslots *= 2;
	a->slots = po_xcalloc(a->nslots, sizeof(*a->slots));
	a->pslots = po_xcalloc(a->nslots, sizeof(*a->pslots));
	for (size_t i = 0; i < a->n; i++)
		index_entry(a, i);
}

struct po_archive_entry *po_archive_add(struct po_archive *a, const json_t *prompts,
					unsigned sample, int iteration, const char *origin)
{
	uint64_t hash = po_archive_hash(prompts);
	struct po_archive_entry *e = lookup(a, hash, prompts, sample);

	if (e)
		return e;
	e = po_xcalloc(1, sizeof(*e));
	e->hash = hash;
	e->prompts = json_deep_copy(prompts);
	e->sample = sample;
	e->iteration = iteration;
	e->origin = po_xstrdup(origin ? origin : "");
	e->cases = po_xcalloc(a->ncases ? a->ncases : 1, sizeof(*e->cases));
	PO_ASSERT(a->n * 2 <= a->nslots); /* the index always has free slots */
	if (a->n == a->alloc) {
		a->alloc = a->alloc ? a->alloc * 2 : 32;
		a->entries = po_xrealloc(a->entries, a->alloc * sizeof(*a->entries));
	}
	a->entries[a->n++] = e;
	if (a->n * 2 > a->nslots)
		grow_index(a);
	else
		index_entry(a, a->n - 1);
	return e;
}

const struct po_archive_entry *po_archive_find_any(const struct po_archive *a,
						   const json_t *prompts)
{
	size_t s = prompt_slot(a, po_archive_hash(prompts), prompts);

	return a->pslots[s] ? a->entries[a->pslots[s] - 1] : NULL;
}

static void mark_dirty(struct po_archive *a, struct po_archive_entry *e)
{
	if (e->dirty)
		return;
	e->dirty = true;
	if (a->ndirty == a->dirty_alloc) {
		a->dirty_alloc = a->dirty_alloc ? a->dirty_alloc * 2 : 16;
		a->dirty = po_xrealloc(a->dirty, a->dirty_alloc * sizeof(*a->dirty));
	}
	a->dirty[a->ndirty++] = e;
}

void po_archive_take_dirty(struct po_archive *a, const struct po_archive_entry ***out,
			   size_t *n)
{
	*out = po_xcalloc(a->ndirty ? a->ndirty : 1, sizeof(**out));
	*n = a->ndirty;
	for (size_t i = 0; i < a->ndirty; i++) {
		a->dirty[i]->dirty = false;
		(*out)[i] = a->dirty[i];
	}
	a->ndirty = 0;
}

void po_archive_record(struct po_archive *a, struct po_archive_entry *e,
		       const struct po_project *p, const struct po_evaluation *ev)
{
	mark_dirty(a, e);
	if (ev->invalid && !e->invalid)
		e->invalid = po_xstrdup(ev->invalid);
	for (size_t i = 0; i < ev->n; i++) {
		const struct po_case_result *r = &ev->cases[i];
		struct po_archive_case *c = &e->cases[r->tc - p->cases];

		PO_ASSERT(r->tc >= p->cases && r->tc < p->cases + p->ncases);
		c->evaluated = true;
		c->ok = r->ok;
		c->score = r->ok ? r->score : 0;
		free(c->error);
		c->error = r->error ? po_xstrdup(r->error) : NULL;
		json_decref(c->improvements);
		c->improvements = json_incref(r->improvements);
		json_decref(c->scorers);
		c->scorers = json_incref(r->scorers);
	}
}

bool po_archive_case_result(const struct po_archive_entry *e, const struct po_project *p,
			    size_t idx, struct po_case_result *res)
{
	const struct po_archive_case *c = &e->cases[idx];

	if (!c->evaluated)
		return false;
	res->tc = &p->cases[idx];
	res->ok = c->ok;
	res->score = c->score;
	res->error = c->error ? po_xstrdup(c->error) : NULL;
	res->improvements = json_incref(c->improvements);
	res->scorers = json_incref(c->scorers);
	return true;
}

size_t po_archive_count(const struct po_archive *a)
{
	return a->n;
}

const struct po_archive_entry *po_archive_get(const struct po_archive *a, size_t i)
{
	return i < a->n ? a->entries[i] : NULL;
}

double po_archive_mean(const struct po_archive_entry *e, const struct po_caseset *set)
{
	double sum = 0;
	size_t n = 0;

	for (size_t i = 0; i < set->n; i++) {
		const struct po_archive_case *c = &e->cases[set->idx[i]];
		if (c->evaluated && c->ok) {
			sum += c->score;
			n++;
		}
	}
	return n ? sum / (double)n : NAN;
}

static bool complete_on(const struct po_archive_entry *e, const struct po_caseset *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (!e->cases[set->idx[i]].evaluated)
			return false;
	return !e->invalid;
}

/* True when x dominates y on the set: at least as good everywhere, better once. */
static bool dominates(const struct po_archive_entry *x, const struct po_archive_entry *y,
		      const struct po_caseset *set)
{
	bool better = false;

	for (size_t i = 0; i < set->n; i++) {
		const struct po_archive_case *cx = &x->cases[set->idx[i]], *cy = &y->cases[set->idx[i]];
		double sx = cx->ok ? cx->score : -1, sy = cy->ok ? cy->score : -1;
		if (sx < sy)
			return false;
		better |= sx > sy;
	}
	return better;
}

void po_archive_pareto(const struct po_archive *a, const struct po_caseset *set, size_t **out,
		       size_t *n)
{
	*out = po_xcalloc(a->n ? a->n : 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < a->n; i++) {
		bool dominated = false;
		if (!complete_on(a->entries[i], set))
			continue;
		for (size_t j = 0; j < a->n && !dominated; j++)
			dominated = j != i && complete_on(a->entries[j], set) &&
				    dominates(a->entries[j], a->entries[i], set);
		if (!dominated)
			(*out)[(*n)++] = i;
	}
}

/* The slot of hash in the lineage table (linslots > 0): its own or the
 * empty one where it would go. */
static size_t lineage_slot(const struct po_archive *a, uint64_t hash)
{
	size_t s = (size_t)po_hash_u64(hash, 0x11) & (a->linslots - 1);

	while (a->lin[s].hash && a->lin[s].hash != hash)
		s = (s + 1) & (a->linslots - 1);
	return s;
}

void po_archive_set_lineage(struct po_archive *a, uint64_t hash, const char *op,
			    const uint64_t *parents, unsigned nparents)
{
	struct po_lineage *l;

	if (!hash || po_archive_lineage(a, hash))
		return;
	if ((a->nlin + 1) * 2 > a->linslots) {
		struct po_lineage *old = a->lin;
		size_t n = a->linslots;

		a->linslots = n ? n * 2 : 64;
		a->lin = po_xcalloc(a->linslots, sizeof(*a->lin));
		for (size_t i = 0; i < n; i++)
			if (old[i].hash)
				a->lin[lineage_slot(a, old[i].hash)] = old[i];
		free(old);
	}
	l = &a->lin[lineage_slot(a, hash)];
	l->hash = hash;
	snprintf(l->op, sizeof(l->op), "%s", op ? op : "");
	for (unsigned i = 0; i < nparents && i < PO_MAX_PARENTS; i++)
		l->parents[l->nparents++] = parents[i];
	a->nlin++;
}

const struct po_lineage *po_archive_lineage(const struct po_archive *a, uint64_t hash)
{
	const struct po_lineage *l;

	if (!a->linslots || !hash)
		return NULL;
	l = &a->lin[lineage_slot(a, hash)];
	return l->hash ? l : NULL;
}

void po_archive_lineage_json(const struct po_archive *a, uint64_t hash, json_t *obj)
{
	const struct po_lineage *l = po_archive_lineage(a, hash);
	json_t *parents;

	if (!l)
		return;
	parents = json_array();
	for (unsigned i = 0; i < l->nparents; i++) {
		char hex[17];
		snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)l->parents[i]);
		json_array_append_new(parents, json_string(hex));
	}
	json_object_set_new(obj, "operator", json_string(l->op));
	json_object_set_new(obj, "parents", parents);
}

/* The lineage of an archive line ("operator", "parents" as hex hashes). */
static void load_lineage(struct po_archive *a, uint64_t hash, const json_t *j)
{
	uint64_t parents[PO_MAX_PARENTS];
	unsigned n = 0;
	size_t i;
	json_t *v;

	if (!json_is_string(json_object_get(j, "operator")))
		return;
	json_array_foreach(json_object_get(j, "parents"), i, v) {
		const char *hex = json_string_value(v);
		char *end;
		if (hex && n < PO_MAX_PARENTS) {
			unsigned long long x = strtoull(hex, &end, 16);
			if (end != hex && !*end)
				parents[n++] = (uint64_t)x;
		}
	}
	po_archive_set_lineage(a, hash, po_json_str(j, "operator", ""), parents, n);
}

json_t *po_archive_entry_to_json(const struct po_archive *a, const struct po_archive_entry *e,
				 const struct po_project *p)
{
	json_t *cases = json_array();
	json_t *o;

	for (size_t i = 0; i < p->ncases; i++) {
		const struct po_archive_case *c = &e->cases[i];
		json_t *jc;
		if (!c->evaluated)
			continue;
		jc = json_pack("{s:s, s:b}", "id", p->cases[i].id, "ok", c->ok);
		if (c->ok)
			json_object_set_new(jc, "score", json_real(c->score));
		if (c->error)
			json_object_set_new(jc, "error", json_string(c->error));
		if (c->improvements)
			json_object_set(jc, "improvements", c->improvements);
		if (c->scorers)
			json_object_set(jc, "scorers", c->scorers);
		json_array_append_new(cases, jc);
	}
	o = json_pack("{s:O, s:i, s:i, s:s, s:o}", "prompts", e->prompts, "sample", (int)e->sample,
		      "iteration", e->iteration, "origin", e->origin, "cases", cases);
	if (e->invalid)
		json_object_set_new(o, "invalid", json_string(e->invalid));
	po_archive_lineage_json(a, e->hash, o);
	return o;
}

static long case_index(const struct po_project *p, const char *id)
{
	for (size_t i = 0; id && i < p->ncases; i++)
		if (!strcmp(p->cases[i].id, id))
			return (long)i;
	return -1;
}

int po_archive_load_json(struct po_archive *a, const json_t *j, const struct po_project *p,
			 struct po_err *err)
{
	const json_t *prompts = json_object_get(j, "prompts");
	struct po_archive_entry *e;
	size_t i;
	json_t *jc;

	if (!json_is_object(prompts) || !json_is_integer(json_object_get(j, "sample")))
		return po_error(err, PO_EINPUT, "an archive line has no prompts or sample");
	e = po_archive_add(a, prompts, (unsigned)po_json_int(j, "sample", 0),
			   (int)po_json_int(j, "iteration", 0), po_json_str(j, "origin", ""));
	load_lineage(a, e->hash, j);
	if (po_json_str(j, "invalid", NULL) && !e->invalid)
		e->invalid = po_xstrdup(po_json_str(j, "invalid", NULL));
	json_array_foreach(json_object_get(j, "cases"), i, jc) {
		long k = case_index(p, po_json_str(jc, "id", NULL));
		struct po_archive_case *c;
		if (k < 0)
			return po_error(err, PO_EINPUT, "the archive names a test case '%s' the project does not have",
					po_json_str(jc, "id", "?"));
		c = &e->cases[k];
		c->evaluated = true;
		c->ok = po_json_bool(jc, "ok", false);
		c->score = po_json_num(jc, "score", 0);
		free(c->error);
		c->error = po_json_str(jc, "error", NULL) ? po_xstrdup(po_json_str(jc, "error", NULL)) :
							     NULL;
		json_decref(c->improvements);
		c->improvements = json_incref(json_object_get(jc, "improvements"));
		json_decref(c->scorers);
		c->scorers = json_is_array(json_object_get(jc, "scorers")) ?
				     json_incref(json_object_get(jc, "scorers")) : NULL;
	}
	return 0;
}
