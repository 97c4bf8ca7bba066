/*
 * Case sets and the train / validation / test split (see split.h). Each
 * stratum is ordered by a hash of (seed, id) and cut at the fractions, so a
 * case's set does not depend on the order of the test cases file.
 */
#include "eval/split.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/assert.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/rng.h"

void po_caseset_all(struct po_caseset *s, size_t ncases)
{
	s->n = ncases;
	s->idx = po_xcalloc(ncases ? ncases : 1, sizeof(*s->idx));
	for (size_t i = 0; i < ncases; i++)
		s->idx[i] = i;
}

void po_caseset_copy(struct po_caseset *dst, const struct po_caseset *src)
{
	dst->n = src->n;
	dst->idx = po_xcalloc(src->n ? src->n : 1, sizeof(*dst->idx));
	memcpy(dst->idx, src->idx, src->n * sizeof(*dst->idx));
}

void po_caseset_release(struct po_caseset *s)
{
	free(s->idx);
	s->idx = NULL;
	s->n = 0;
}

bool po_caseset_is_all(const struct po_caseset *s, size_t ncases)
{
	if (s->n != ncases)
		return false;
	for (size_t i = 0; i < s->n; i++)
		if (s->idx[i] != i)
			return false;
	return true;
}

struct keyed {
	size_t idx;
	uint64_t key;
	const char *stratum;
};

static int by_stratum_then_key(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->stratum, y->stratum);

	if (c)
		return c;
	return x->key < y->key ? -1 : x->key > y->key ? 1 : (x->idx > y->idx) - (x->idx < y->idx);
}

static int by_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

static void add(struct po_caseset *s, size_t idx)
{
	s->idx[s->n++] = idx;
}

/* Cuts one stratum [k0, k1) of the ordered cases into the three sets. */
static void cut_stratum(struct po_split *out, const struct keyed *ks, size_t k0, size_t k1,
			const struct po_split_config *c)
{
	size_t n = k1 - k0;
	size_t ntest = (size_t)floor((double)n * c->test + 0.5);
	size_t nval = (size_t)floor((double)n * c->val + 0.5);

	if (ntest + nval > n)
		nval = n - ntest;
	for (size_t k = 0; k < n; k++) {
		size_t idx = ks[k0 + k].idx;
		if (k < ntest)
			add(&out->test, idx);
		else if (k < ntest + nval)
			add(&out->val, idx);
		else
			add(&out->train, idx);
	}
}

/* True when some test case has the field `key`. */
static bool any_has(const struct po_project *p, const char *key)
{
	for (size_t i = 0; i < p->ncases; i++)
		if (json_object_get(p->cases[i].raw, key))
			return true;
	return false;
}

int po_split_draw(struct po_split *out, const struct po_project *p,
		  const struct po_split_config *c, uint64_t seed, struct po_err *err)
{
	size_t n = p->ncases, k0 = 0;
	struct keyed *ks;

	memset(out, 0, sizeof(*out));
	if (!c->enabled) {
		po_caseset_all(&out->train, n);
		po_caseset_all(&out->val, n);
		po_caseset_all(&out->test, n);
		return 0;
	}
	if (c->stratify && !any_has(p, c->stratify))
		return po_error(err, PO_EINPUT,
				"the split's stratify key '%s' is not a field of any test case; use a field the test cases have (e.g. \"industry\")",
				c->stratify);
	ks = po_xcalloc(n ? n : 1, sizeof(*ks));
	for (size_t i = 0; i < n; i++) {
		const char *st = c->stratify ? po_json_str(p->cases[i].raw, c->stratify, "") : "";
		ks[i] = (struct keyed){ .idx = i, .key = po_hash_str(p->cases[i].id, seed),
					.stratum = st };
	}
	qsort(ks, n, sizeof(*ks), by_stratum_then_key);
	out->train.idx = po_xcalloc(n ? n : 1, sizeof(size_t));
	out->val.idx = po_xcalloc(n ? n : 1, sizeof(size_t));
	out->test.idx = po_xcalloc(n ? n : 1, sizeof(size_t));
	for (size_t k = 1; k <= n; k++) {
		if (k == n || strcmp(ks[k].stratum, ks[k0].stratum)) {
			cut_stratum(out, ks, k0, k, c);
			k0 = k;
		}
	}
	free(ks);
	PO_ASSERT(out->train.n + out->val.n + out->test.n == n);
	qsort(out->train.idx, out->train.n, sizeof(size_t), by_index);
	qsort(out->val.idx, out->val.n, sizeof(size_t), by_index);
	qsort(out->test.idx, out->test.n, sizeof(size_t), by_index);
	/* A paired comparison needs two cases at least. */
	if (!out->train.n || out->val.n < 2 || out->test.n < 2) {
		int ret = po_error(err, PO_EINPUT,
				   "%zu test cases are too few for a split of %g/%g/%g: it gives %zu train, %zu validation and %zu test cases, and a split needs at least 1, 2 and 2; add test cases, or run without a split (--split none)",
				   n, c->train, c->val, c->test, out->train.n, out->val.n, out->test.n);
		po_split_release(out);
		return ret;
	}
	return 0;
}

static json_t *ids_json(const struct po_caseset *s, const struct po_project *p)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(a, json_string(p->cases[s->idx[i]].id));
	return a;
}

json_t *po_split_to_json(const struct po_split *s, const struct po_project *p)
{
	return json_pack("{s:o, s:o, s:o}", "train", ids_json(&s->train, p), "validation",
			 ids_json(&s->val, p), "test", ids_json(&s->test, p));
}

static int ids_read(struct po_caseset *s, const json_t *a, const struct po_project *p,
		    struct po_err *err)
{
	size_t i;
	json_t *v;

	s->n = 0;
	s->idx = po_xcalloc(p->ncases ? p->ncases : 1, sizeof(*s->idx));
	if (!json_is_array(a) || json_array_size(a) > p->ncases)
		return po_error(err, PO_EINPUT, "the split is not a list of the project's case ids");
	json_array_foreach(a, i, v) {
		size_t k;
		for (k = 0; k < p->ncases; k++)
			if (json_is_string(v) && !strcmp(p->cases[k].id, json_string_value(v)))
				break;
		if (k == p->ncases)
			return po_error(err, PO_EINPUT, "the split names a test case '%s' the project does not have",
					json_is_string(v) ? json_string_value(v) : "?");
		s->idx[s->n++] = k;
	}
	qsort(s->idx, s->n, sizeof(size_t), by_index);
	return 0;
}

int po_split_from_json(struct po_split *out, const json_t *j, const struct po_project *p,
		       struct po_err *err)
{
	int ret;

	memset(out, 0, sizeof(*out));
	ret = ids_read(&out->train, json_object_get(j, "train"), p, err);
	if (!ret)
		ret = ids_read(&out->val, json_object_get(j, "validation"), p, err);
	if (!ret)
		ret = ids_read(&out->test, json_object_get(j, "test"), p, err);
	if (ret)
		po_split_release(out);
	return ret;
}

void po_split_release(struct po_split *s)
{
	po_caseset_release(&s->train);
	po_caseset_release(&s->val);
	po_caseset_release(&s->test);
}
