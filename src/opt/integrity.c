/*
 * Mutation integrity (see integrity.h): the checks on a new candidate, the
 * repair of one lost placeholder, the counts per reason, prompt length and
 * the length penalty.
 */
#include "opt/integrity.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tags.h"
#include "core/template.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

/* The repair's anchors and gap (docs/strategies.md, "Mutation integrity"). */
#define ANCHOR_MAX 40   /* characters of context taken on each side */
#define ANCHOR_MIN 6    /* non-blank characters the two anchors need together */
#define GAP_MAX 80      /* the longest text that may stand where {name} was */

static const char *const reason_names[PO_REJECT_COUNT] = {
	"lost_placeholder", "unknown_placeholder", "empty", "duplicate", "too_long",
	"unusable_reply",
};

void po_integrity_init(struct po_integrity *ig)
{
	memset(ig, 0, sizeof(*ig));
}

void po_integrity_release(struct po_integrity *ig)
{
	json_decref(ig->known);
	ig->known = NULL;
}

const char *po_integrity_reason_name(enum po_reject_reason r)
{
	return r < PO_REJECT_COUNT ? reason_names[r] : "unknown";
}

static long utf8_chars(const char *s)
{
	long n = 0;

	for (; s && *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

long po_prompt_chars(const struct po_project *p, const json_t *prompts)
{
	long n = utf8_chars(json_string_value(json_object_get(prompts, p->main_prompt)));

	if (p->system_prompt)
		n += utf8_chars(json_string_value(json_object_get(prompts, p->system_prompt)));
	return n;
}

/* The placeholders every test case provides, as a set (new reference). */
static json_t *known_set(const struct po_project *p)
{
	json_t *set = json_object();
	const char *key;
	json_t *v;

	if (!p->ncases)
		return set;
	json_object_foreach(p->cases[0].inputs, key, v) {
		bool all = true;
		for (size_t i = 1; i < p->ncases && all; i++)
			all = json_object_get(p->cases[i].inputs, key) != NULL;
		if (all)
			json_object_set_new(set, key, json_true());
	}
	return set;
}

static bool blank(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/* ---- the repair ---------------------------------------------------------- */

/* Where {name} was in the parent: the text on each side (anchors) and the
 * blanks between each anchor and the placeholder. */
struct site {
	const char *l, *wl, *r, *wr;
	size_t nl, nwl, nr, nwr;
};

/* The site of the placeholder at parent[ps, pe); false without enough
 * context to find it again. */
static bool site_of(const char *parent, size_t ps, size_t pe, struct site *st)
{
	size_t lb = ps, le = ps, rb = pe, re = pe, solid = 0;

	while (lb > 0 && ps - lb < ANCHOR_MAX && parent[lb - 1] != '\n' && parent[lb - 1] != '}')
		lb--;
	while (le > lb && (parent[le - 1] == ' ' || parent[le - 1] == '\t'))
		le--;
	while (parent[re] && re - pe < ANCHOR_MAX && parent[re] != '\n' && parent[re] != '{')
		re++;
	while (rb < re && (parent[rb] == ' ' || parent[rb] == '\t'))
		rb++;
	*st = (struct site){ .l = parent + lb, .nl = le - lb, .wl = parent + le, .nwl = ps - le,
			     .r = parent + rb, .nr = re - rb, .wr = parent + pe, .nwr = rb - pe };
	/* An empty anchor must be a line's edge, not another placeholder. */
	if (!st->nl && lb > 0 && parent[lb - 1] != '\n')
		return false;
	if (!st->nr && parent[re] == '{')
		return false;
	for (size_t i = lb; i < le; i++)
		solid += !isspace((unsigned char)parent[i]);
	for (size_t i = rb; i < re; i++)
		solid += !isspace((unsigned char)parent[i]);
	return solid >= ANCHOR_MIN;
}

/* The end of the gap that starts at child[q]: where the right anchor starts
 * (the line's end without one); (size_t)-1 when not within GAP_MAX on the
 * same line, or when a brace is in the way. */
static size_t gap_end(const char *child, size_t q, const struct site *st)
{
	for (size_t j = q; j - q <= GAP_MAX; j++) {
		if (st->nr && !strncmp(child + j, st->r, st->nr))
			return j;
		if (!child[j] || child[j] == '\n')
			return st->nr ? (size_t)-1 : j;
		if (child[j] == '{' || child[j] == '}')
			return (size_t)-1;
	}
	return (size_t)-1;
}

/* The start of the gap that ends at child[r], for a site at a line's start. */
static size_t gap_start(const char *child, size_t r)
{
	for (size_t q = r; r - q <= GAP_MAX; q--) {
		if (!q || child[q - 1] == '\n')
			return q;
		if (child[q - 1] == '{' || child[q - 1] == '}')
			return (size_t)-1;
	}
	return (size_t)-1;
}

/* The one place in child where the site's placeholder stood: [*q, *r). */
static bool locate(const char *child, const struct site *st, size_t *q, size_t *r)
{
	const char *anchor = st->nl ? st->l : st->r;
	size_t na = st->nl ? st->nl : st->nr, len = strlen(child), found = 0;

	for (const char *o = child; (o = memmem(o, len - (size_t)(o - child), anchor, na)); o++) {
		size_t a = (size_t)(o - child), b, e;

		if (st->nl) {
			b = a + na;
			e = gap_end(child, b, st);
		} else {
			e = a;
			b = gap_start(child, a);
		}
		if (b == (size_t)-1 || e == (size_t)-1)
			continue;
		*q = b;
		*r = e;
		found++;
	}
	return found == 1;
}

struct fix {
	size_t q, r;
	const struct site *st;
};

static int cmp_fix(const void *a, const void *b)
{
	const struct fix *x = a, *y = b;

	return x->q < y->q ? -1 : x->q > y->q;
}

/* Every occurrence of {name} in parent, each located in child, applied. */
static char *repair_sites(const char *parent, const char *child, const char *name,
			  struct site *sites, struct fix *fixes, size_t n)
{
	struct po_buf out = PO_BUF_INIT;
	size_t at = 0;

	(void)parent;
	for (size_t i = 0; i < n; i++) {
		fixes[i].st = &sites[i];
		if (!locate(child, &sites[i], &fixes[i].q, &fixes[i].r))
			return NULL;
	}
	qsort(fixes, n, sizeof(*fixes), cmp_fix);
	for (size_t i = 1; i < n; i++)
		if (fixes[i].q < fixes[i - 1].r || fixes[i].q == fixes[i - 1].q)
			return NULL;
	for (size_t i = 0; i < n; i++) {
		po_buf_add(&out, child + at, fixes[i].q - at);
		po_buf_add(&out, fixes[i].st->wl, fixes[i].st->nwl);
		po_buf_addf(&out, "{%s}", name);
		po_buf_add(&out, fixes[i].st->wr, fixes[i].st->nwr);
		at = fixes[i].r;
	}
	po_buf_adds(&out, child + at);
	return po_buf_detach(&out);
}

char *po_integrity_repair(const char *parent, const char *child, const char *name)
{
	struct po_template_scan sc;
	struct site *sites = NULL;
	struct fix *fixes = NULL;
	size_t n = 0, alloc = 0, len;
	const char *tok;
	enum po_template_tok t;
	char *res = NULL;
	bool ok = true;

	po_template_scan_init(&sc, parent);
	while (ok && (t = po_template_next(&sc, &tok, &len)) != PO_TOK_END) {
		size_t ps = (size_t)(tok - 1 - parent);
		if (t != PO_TOK_PLACEHOLDER || strlen(name) != len || strncmp(tok, name, len))
			continue;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 4;
			sites = po_xrealloc(sites, alloc * sizeof(*sites));
		}
		ok = site_of(parent, ps, ps + len + 2, &sites[n++]);
	}
	if (ok && n) {
		fixes = po_xcalloc(n, sizeof(*fixes));
		res = repair_sites(parent, child, name, sites, fixes, n);
	}
	free(sites);
	free(fixes);
	return res;
}

/* ---- the check ----------------------------------------------------------- */

static int reject(struct po_integrity *ig, enum po_reject_reason r, struct po_err *err,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int reject(struct po_integrity *ig, enum po_reject_reason r, struct po_err *err,
		  const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ig) {
		ig->rejected[r]++;
		ig->step_rejected[r]++;
	}
	return po_error(err, PO_EEVAL, "candidate rejected before evaluation (%s): %s",
			reason_names[r], msg);
}

/* The placeholders of one template: unknown ones rejected, a lost one
 * repaired in child when it can be. */
static int check_template(struct po_integrity *ig, const json_t *known, const char *tname,
			  const char *old, json_t *child, bool *repaired, struct po_err *err)
{
	const char *tnew = json_string_value(json_object_get(child, tname));
	json_t *had = json_array(), *has = json_object(), *lost = json_array(), *now = json_array();
	size_t i;
	json_t *v;
	int ret = 0;
	char *fixed;

	if (blank(tnew)) {
		ret = reject(ig, PO_REJECT_EMPTY, err, "template '%s' is empty", tname);
		goto out;
	}
	po_template_placeholders(old, had);
	po_template_placeholders(tnew, now);
	json_array_foreach(now, i, v) {
		json_object_set(has, json_string_value(v), json_true());
		if (!ret && !json_object_get(known, json_string_value(v)))
			ret = reject(ig, PO_REJECT_UNKNOWN_PLACEHOLDER, err,
				     "template '%s' uses {%s}, which no test case input provides",
				     tname, json_string_value(v));
	}
	json_array_foreach(had, i, v)
		if (json_object_get(known, json_string_value(v)) &&
		    !json_object_get(has, json_string_value(v)))
			json_array_append(lost, v);
	if (ret || !json_array_size(lost))
		goto out;
	fixed = json_array_size(lost) == 1 ?
			po_integrity_repair(old, tnew, json_string_value(json_array_get(lost, 0))) :
			NULL;
	if (fixed) {
		json_object_set_new(child, tname, json_string(fixed));
		free(fixed);
		*repaired = true;
	} else {
		ret = reject(ig, PO_REJECT_LOST_PLACEHOLDER, err,
			     "template '%s' lost {%s}%s, which the test cases provide, and it cannot be put back unambiguously",
			     tname, json_string_value(json_array_get(lost, 0)),
			     json_array_size(lost) > 1 ? " and more" : "");
	}
out:
	json_decref(had);
	json_decref(has);
	json_decref(lost);
	json_decref(now);
	return ret;
}

int po_integrity_check(struct po_integrity *ig, const struct po_project *p,
		       const struct po_archive *a, const json_t *parent, json_t *child,
		       struct po_err *err)
{
	const char *names[2] = { p->main_prompt, p->system_prompt };
	json_t *known = ig && ig->known ? json_incref(ig->known) : known_set(p);
	bool repaired = false;
	long chars;
	int ret = 0;

	if (ig && !ig->known)
		ig->known = json_incref(known);
	for (int k = 0; k < 2 && !ret; k++)
		if (names[k])
			ret = check_template(ig, known, names[k],
					     json_string_value(json_object_get(parent, names[k])),
					     child, &repaired, err);
	json_decref(known);
	if (ret)
		return ret;
	/* Counted whatever comes next: a put-back placeholder is worth knowing
	 * about even when the result turns out to be a duplicate. */
	if (ig && repaired)
		ig->repaired++;
	chars = po_prompt_chars(p, child);
	if (ig && ig->max_prompt_chars > 0 && chars > ig->max_prompt_chars)
		return reject(ig, PO_REJECT_TOO_LONG, err,
			      "%ld characters, over max_prompt_chars (%ld)", chars,
			      ig->max_prompt_chars);
	if (json_equal(child, parent) || (a && po_archive_find_any(a, child)))
		return reject(ig, PO_REJECT_DUPLICATE, err, "%s",
			      repaired ? "once its placeholder was put back, it is a prompt set this run has evaluated already" :
					 "a prompt set this run has evaluated already");
	return 0;
}

void po_integrity_count_reply(struct po_integrity *ig, const char *reply)
{
	const char *open, *close;
	bool empty = blank(reply);

	if (!ig)
		return;
	open = reply ? strstr(reply, PO_MUTATE_REPLY_BEGIN) : NULL;
	close = open ? strstr(open, PO_MUTATE_REPLY_END) : NULL;
	if (close) {
		empty = true;
		for (const char *s = open + strlen(PO_MUTATE_REPLY_BEGIN); s < close && empty; s++)
			empty = isspace((unsigned char)*s);
	}
	ig->rejected[empty ? PO_REJECT_EMPTY : PO_REJECT_UNUSABLE_REPLY]++;
	ig->step_rejected[empty ? PO_REJECT_EMPTY : PO_REJECT_UNUSABLE_REPLY]++;
}

/* ---- length -------------------------------------------------------------- */

double po_integrity_length_cost(const struct po_integrity *ig, const struct po_project *p,
				const json_t *baseline, const json_t *nominee,
				const json_t *incumbent)
{
	long base, xn, xi;

	if (!ig || !(ig->length_penalty > 0))
		return 0;
	base = po_prompt_chars(p, baseline);
	xn = po_prompt_chars(p, nominee) - base;
	xi = po_prompt_chars(p, incumbent) - base;
	return ig->length_penalty * (double)((xn > 0 ? xn : 0) - (xi > 0 ? xi : 0)) / 1000.0;
}

/* ---- counts -------------------------------------------------------------- */

void po_integrity_step_begin(struct po_integrity *ig)
{
	memset(ig->step_rejected, 0, sizeof(ig->step_rejected));
}

json_t *po_integrity_step_json(const struct po_integrity *ig)
{
	json_t *o = NULL;

	for (int r = 0; r < PO_REJECT_COUNT; r++) {
		if (!ig->step_rejected[r])
			continue;
		if (!o)
			o = json_object();
		json_object_set_new(o, reason_names[r], json_integer(ig->step_rejected[r]));
	}
	return o;
}

json_t *po_integrity_rejected_json(const struct po_integrity *ig)
{
	json_t *o = json_object();
	long total = 0;

	for (int r = 0; r < PO_REJECT_COUNT; r++) {
		json_object_set_new(o, reason_names[r], json_integer(ig->rejected[r]));
		total += ig->rejected[r];
	}
	json_object_set_new(o, "total", json_integer(total));
	return o;
}

void po_integrity_add_results(const struct po_integrity *ig, const struct po_project *p,
			      const json_t *baseline, const json_t *best, json_t *f)
{
	json_t *len = json_pack("{s:I, s:I, s:f}", "baseline_chars",
				(json_int_t)po_prompt_chars(p, baseline), "best_chars",
				(json_int_t)po_prompt_chars(p, best), "length_penalty",
				ig->length_penalty);

	json_object_set_new(len, "max_prompt_chars", ig->max_prompt_chars > 0 ?
				 json_integer(ig->max_prompt_chars) : json_null());
	json_object_set_new(f, "candidates_rejected", po_integrity_rejected_json(ig));
	json_object_set_new(f, "candidates_repaired", json_integer(ig->repaired));
	json_object_set_new(f, "prompt_length", len);
}

json_t *po_integrity_save(const struct po_integrity *ig)
{
	return json_pack("{s:o, s:I}", "rejected", po_integrity_rejected_json(ig), "repaired",
			 (json_int_t)ig->repaired);
}

void po_integrity_restore(struct po_integrity *ig, const json_t *state)
{
	const json_t *rej = json_object_get(state, "rejected");

	for (int r = 0; r < PO_REJECT_COUNT; r++) {
			long long v = po_json_int(rej, reason_names[r], 0);
		ig->rejected[r] = v > 0 ? (long)v : 0;
	}
	ig->repaired = po_json_int(state, "repaired", 0) > 0 ?
			       (long)po_json_int(state, "repaired", 0) : 0;
}
