/*
 * The demos operator (see demos.h): the pool of training outputs, the
 * example block of a template (read and written with the markers of
 * core/tags.h) and the choice of one untried edit.
 */
#include "opt/demos.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tags.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

/* Cases whose outputs the pool keeps (one output per case, its best). */
#define POOL_MAX 16

struct pool_entry {
	size_t idx;        /* into project->cases */
	char *input;       /* the case's inputs, one "name: value" line each */
	char *output;
	double score;
};

struct po_demos {
	size_t max;
	struct pool_entry e[POOL_MAX];
	size_t n;
};

/* An example of a template: its text as written there (escaped), and the
 * pool entry it comes from (-1: none, e.g. written by hand or by an LLM). */
struct example {
	char *in, *out;
	long pool;
};

struct po_demos *po_demos_new(size_t max_examples)
{
	struct po_demos *d = po_xcalloc(1, sizeof(*d));

	d->max = max_examples;
	return d;
}

static void entry_release(struct pool_entry *e)
{
	free(e->input);
	free(e->output);
	memset(e, 0, sizeof(*e));
}

void po_demos_free(struct po_demos *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		entry_release(&d->e[i]);
	free(d);
}

size_t po_demos_pool_size(const struct po_demos *d)
{
	return d->n;
}

void po_demos_escape(struct po_buf *out, const char *text, size_t len)
{
	size_t open = 0;

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '{') {
			po_buf_adds(out, "{{");
			open++;
		} else if (text[i] == '}' && open) {
			po_buf_adds(out, "}}");
			open--;
		} else {
			po_buf_addch(out, text[i]);
		}
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "name: value" per input, names sorted (the same text whatever the order
 * of the file); "" when it has none. */
static char *render_inputs(const json_t *inputs)
{
	struct po_buf b = PO_BUF_INIT;
	size_t n = json_object_size(inputs), k = 0;
	const char **keys = po_xcalloc(n ? n : 1, sizeof(*keys));
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)inputs, key, v)
		keys[k++] = key;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (k = 0; k < n; k++) {
		v = json_object_get(inputs, keys[k]);
		char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		po_buf_addf(&b, "%s%s: %s", k ? "\n" : "", keys[k], s ? s : json_string_value(v));
		free(s);
	}
	free(keys);
	return po_buf_detach(&b);
}

static bool in_set(const struct po_caseset *set, size_t idx)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->idx[i] == idx)
			return true;
	return false;
}

/* An output fit to be an example: not too long, no example marker in it. */
static bool usable_output(const char *s)
{
	return s && *s && strlen(s) <= PO_DEMOS_MAX_OUTPUT && !strstr(s, "<example") &&
	       !strstr(s, "</example");
}

/* The slot for case idx: its own, a free one, or the weakest when it is
 * weaker than score; -1 when the pool keeps what it has. */
static long slot_for(const struct po_demos *d, size_t idx, double score)
{
	long weakest = -1;

	for (size_t i = 0; i < d->n; i++)
		if (d->e[i].idx == idx)
			return d->e[i].score < score ? (long)i : -1;
	if (d->n < POOL_MAX)
		return (long)d->n;
	for (size_t i = 0; i < d->n; i++)
		if (weakest < 0 || d->e[i].score < d->e[weakest].score)
			weakest = (long)i;
	return d->e[weakest].score < score ? weakest : -1;
}

static void keep(struct po_demos *d, size_t idx, const json_t *inputs, const char *output,
		 double score)
{
	long k = slot_for(d, idx, score);
	struct pool_entry *e;
	size_t len = strlen(output);

	if (k < 0)
		return;
	if ((size_t)k == d->n)
		d->n++;
	e = &d->e[k];
	entry_release(e);
	e->idx = idx;
	e->input = render_inputs(inputs);
	while (len && strchr(" \t\r\n", output[len - 1]))
		len--;
	e->output = po_xstrndup(output, len);
	e->score = score;
}

void po_demos_observe(struct po_demos *d, const struct po_search *ctx,
		      const struct po_evaluation *ev)
{
	for (size_t i = 0; ev && i < ev->n; i++) {
		const struct po_case_result *r = &ev->cases[i];
		size_t idx;
		if (!r->tc || !r->ok || !usable_output(r->output) || !isfinite(r->score))
			continue;
		idx = (size_t)(r->tc - ctx->project->cases);
		if (idx < ctx->project->ncases && in_set(&ctx->split->train, idx))
			keep(d, idx, r->tc->inputs, r->output, r->score);
	}
}

/* ---- the example block of a template ----------------------------------- */

/* The text between begin + "\n" and "\n" + end inside [b, e), a new string
 * ("" when the markers are missing). */
static char *section(const char *b, const char *e, const char *begin, const char *end)
{
	const char *p = strstr(b, begin), *q;

	if (!p || p >= e)
		return po_xstrdup("");
	p += strlen(begin);
	if (*p == '\n')
		p++;
	q = strstr(p, end);
	if (!q || q > e)
		return po_xstrdup("");
	if (q > p && q[-1] == '\n')
		q--;
	return po_xstrndup(p, (size_t)(q - p));
}

/* Where the block is in tmpl: [*b, *e), or b = e = the end when none. */
static bool find_block(const char *tmpl, size_t *b, size_t *e)
{
	const char *p = strstr(tmpl, PO_DEMOS_BEGIN), *q;

	q = p ? strstr(p, PO_DEMOS_END) : NULL;
	if (!q) {
		*b = *e = strlen(tmpl);
		return false;
	}
	*b = (size_t)(p - tmpl);
	*e = (size_t)(q - tmpl) + strlen(PO_DEMOS_END);
	return true;
}

static char *escaped(const char *s)
{
	struct po_buf b = PO_BUF_INIT;

	po_demos_escape(&b, s, strlen(s));
	return po_buf_detach(&b);
}

/* The examples of the block of tmpl (at most PO_DEMOS_MAX_EXAMPLES), each
 * matched with the pool entry whose input it shows. */
static size_t read_examples(const struct po_demos *d, const char *tmpl, struct example *ex)
{
	size_t b, e, n = 0;
	const char *p, *end, *q;

	if (!find_block(tmpl, &b, &e))
		return 0;
	end = tmpl + e;
	for (p = tmpl + b; n < PO_DEMOS_MAX_EXAMPLES && (p = strstr(p, PO_DEMO_BEGIN)) && p < end;
	     p = q) {
		q = strstr(p, PO_DEMO_END);
		if (!q || q > end)
			break;
		ex[n].in = section(p, q, PO_DEMO_INPUT_BEGIN, PO_DEMO_INPUT_END);
		ex[n].out = section(p, q, PO_DEMO_OUTPUT_BEGIN, PO_DEMO_OUTPUT_END);
		ex[n].pool = -1;
		for (size_t i = 0; i < d->n && ex[n].pool < 0; i++) {
			char *in = escaped(d->e[i].input);
			if (!strcmp(in, ex[n].in))
				ex[n].pool = (long)i;
			free(in);
		}
		n++;
	}
	return n;
}

static void write_block(struct po_buf *b, const struct example *ex, size_t n)
{
	po_buf_adds(b, PO_DEMOS_BEGIN "\nExamples of good outputs for other inputs:\n");
	for (size_t i = 0; i < n; i++)
		po_buf_addf(b, PO_DEMO_BEGIN "\n" PO_DEMO_INPUT_BEGIN "\n%s\n" PO_DEMO_INPUT_END "\n"
			    PO_DEMO_OUTPUT_BEGIN "\n%s\n" PO_DEMO_OUTPUT_END "\n" PO_DEMO_END "\n",
			    ex[i].in, ex[i].out);
	po_buf_adds(b, PO_DEMOS_END);
}

/* tmpl with its block replaced by one of these examples (none: removed). */
static char *with_examples(const char *tmpl, const struct example *ex, size_t n)
{
	struct po_buf t = PO_BUF_INIT;
	size_t b, e;
	bool had = find_block(tmpl, &b, &e);

	po_buf_add(&t, tmpl, b);
	if (!had || (!n && !tmpl[e]))
		while (t.len && strchr(" \t\r\n", t.data[t.len - 1]))
			po_buf_setlen(&t, t.len - 1);
	if (n) {
		if (!had && t.len)
			po_buf_adds(&t, "\n\n");
		write_block(&t, ex, n);
	}
	po_buf_adds(&t, tmpl + e);
	return po_buf_detach(&t);
}

/* ---- choosing an edit ------------------------------------------------- */

static double example_score(const struct po_demos *d, const struct example *x)
{
	return x->pool >= 0 ? d->e[x->pool].score : -INFINITY;
}

/* Pool indices, best first (ties: the lower case index first). */
static size_t ranked(const struct po_demos *d, size_t *order)
{
	for (size_t i = 0; i < d->n; i++) {
		size_t j = i;
		for (; j > 0; j--) {
			const struct pool_entry *a = &d->e[order[j - 1]], *c = &d->e[i];
			if (a->score > c->score || (a->score == c->score && a->idx < c->idx))
				break;
			order[j] = order[j - 1];
		}
		order[j] = i;
	}
	return d->n;
}

/* The current example shown weakest: lowest score, the last of equals. */
static size_t weakest(const struct po_demos *d, const struct example *ex, size_t n)
{
	size_t w = 0;

	for (size_t i = 1; i < n; i++)
		if (example_score(d, &ex[i]) <= example_score(d, &ex[w]))
			w = i;
	return w;
}

static bool evaluated_before(const struct po_archive *a, const json_t *prompts)
{
	uint64_t h = po_archive_hash(prompts);

	for (size_t i = 0; i < po_archive_count(a); i++) {
		const struct po_archive_entry *e = po_archive_get(a, i);
		if (e->hash == h && json_equal(e->prompts, prompts))
			return true;
	}
	return false;
}

enum edit_kind { EDIT_ADD, EDIT_SWAP, EDIT_REMOVE };

/* One edit being tried: the template's examples and what changes. */
struct edit_try {
	struct po_demos *d;
	struct po_search *ctx;
	const json_t *prompts;
	const char *name, *tmpl;
	struct example *ex;
	size_t n;
	bool adds_first;
};

static const char *case_id(const struct edit_try *t, long pool)
{
	const struct po_test_case *tc;

	if (pool < 0 || t->d->e[pool].idx >= t->ctx->project->ncases)
		return "(unknown)";
	tc = &t->ctx->project->cases[t->d->e[pool].idx];
	return tc->id ? tc->id : "(unnamed)";
}

/* The prompt set after the edit, or NULL when the archive has it already. */
static json_t *try_edit(struct edit_try *t, enum edit_kind k, size_t at, long add, char *op,
			size_t opcap)
{
	struct example next[PO_DEMOS_MAX_EXAMPLES + 1], *owned = NULL;
	size_t m = 0;
	char *tnew;
	json_t *p;

	for (size_t i = 0; i < t->n; i++)
		if (!(k != EDIT_ADD && i == at))
			next[m++] = t->ex[i];
	if (k != EDIT_REMOVE) {
		owned = &next[k == EDIT_SWAP ? at : m];
		if (k == EDIT_SWAP)
			memmove(owned + 1, owned, (m - at) * sizeof(*owned));
		*owned = (struct example){ escaped(t->d->e[add].input),
					   escaped(t->d->e[add].output), add };
		m++;
	}
	tnew = with_examples(t->tmpl, next, m);
	p = json_deep_copy(t->prompts);
	json_object_set_new(p, t->name, json_string(tnew));
	free(tnew);
	if (owned) {
		free(owned->in);
		free(owned->out);
	}
	if (evaluated_before(t->ctx->archive, p)) {
		json_decref(p);
		return NULL;
	}
	if (k == EDIT_ADD)
		snprintf(op, opcap, "add example from case %s", case_id(t, add));
	else if (k == EDIT_SWAP)
		snprintf(op, opcap, "swap example from case %s for case %s",
			 case_id(t, t->ex[at].pool), case_id(t, add));
	else
		snprintf(op, opcap, "remove example from case %s", case_id(t, t->ex[at].pool));
	return p;
}

/* The first untried edit in the order of demos.h, or NULL. */
static json_t *first_edit(struct edit_try *t, char *op, size_t opcap)
{
	size_t order[POOL_MAX], np = ranked(t->d, order), w = weakest(t->d, t->ex, t->n);
	bool used[POOL_MAX] = { false };
	json_t *p = NULL;

	for (size_t i = 0; i < t->n; i++)
		if (t->ex[i].pool >= 0)
			used[t->ex[i].pool] = true;
	/* Adds and swaps take turns at going first, so that both are tried. */
	for (int pass = 0; pass < 2; pass++) {
		bool add = (pass == 0) == t->adds_first;
		for (size_t i = 0; !p && add && t->n < t->d->max && i < np; i++)
			if (!used[order[i]])
				p = try_edit(t, EDIT_ADD, 0, (long)order[i], op, opcap);
		for (size_t i = 0; !p && !add && t->n && i < np; i++)
			if (!used[order[i]])
				p = try_edit(t, EDIT_SWAP, w, (long)order[i], op, opcap);
	}
	for (size_t i = 0, tried = 0; !p && i < t->n; i++) {
		/* the weakest first: it is the one to lose */
		size_t at = SIZE_MAX;
		for (size_t j = 0; j < t->n; j++)
			if (!(tried & (1u << j)) && (at == SIZE_MAX ||
			    example_score(t->d, &t->ex[j]) <= example_score(t->d, &t->ex[at])))
				at = j;
		tried |= 1u << at;
		p = try_edit(t, EDIT_REMOVE, at, -1, op, opcap);
	}
	return p;
}

int po_demos_propose(struct po_demos *d, struct po_search *ctx, const json_t *prompts,
		     const char *name, json_t **out, char *op, size_t opcap, struct po_err *err)
{
	struct example ex[PO_DEMOS_MAX_EXAMPLES];
	struct edit_try t = { .d = d, .ctx = ctx, .prompts = prompts, .name = name, .ex = ex };
	int ret = 0;

	*out = NULL;
	t.tmpl = json_string_value(json_object_get(prompts, name));
	if (!t.tmpl)
		return po_error(err, PO_EINPUT, "no prompt named '%s' to add examples to", name);
	t.n = read_examples(d, t.tmpl, ex);
	t.adds_first = ctx->iteration % 2 != 0;
	*out = first_edit(&t, op, opcap);
	if (!*out)
		ret = po_error(err, PO_EEVAL,
			       "no untried few-shot edit of '%s' (%zu examples, %zu outputs in the pool)",
			       name, t.n, d->n);
	for (size_t i = 0; i < t.n; i++) {
		free(ex[i].in);
		free(ex[i].out);
	}
	return ret;
}

/* ---- checkpoint ---------------------------------------------------------- */

json_t *po_demos_save(const struct po_demos *d)
{
	json_t *pool = json_array();

	for (size_t i = 0; i < d->n; i++)
		json_array_append_new(pool, json_pack("{s:I, s:s, s:s, s:f}", "case",
						      (json_int_t)d->e[i].idx, "input",
						      d->e[i].input, "output", d->e[i].output,
						      "score", d->e[i].score));
	return pool;
}

int po_demos_restore(struct po_demos *d, const json_t *j, struct po_err *err)
{
	size_t i;
	json_t *v;

	if (!json_is_array(j) || json_array_size(j) > POOL_MAX)
		return po_error(err, PO_EINPUT,
				"checkpoint: the demos pool is not an array of at most %d outputs",
				POOL_MAX);
	for (i = 0; i < d->n; i++)
		entry_release(&d->e[i]);
	d->n = 0;
	json_array_foreach(j, i, v) {
		json_t *c = json_object_get(v, "case"), *s = json_object_get(v, "score");
		const char *in = po_json_str(v, "input", NULL), *out = po_json_str(v, "output", NULL);
		if (!json_is_integer(c) || json_integer_value(c) < 0 || !json_is_number(s) || !in ||
		    !out)
			return po_error(err, PO_EINPUT,
					"checkpoint: demos pool entry %zu needs case, input, output and score",
					i);
		d->e[d->n++] = (struct pool_entry){ (size_t)json_integer_value(c), po_xstrdup(in),
						    po_xstrdup(out), json_number_value(s) };
	}
	return 0;
}
