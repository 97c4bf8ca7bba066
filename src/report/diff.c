/*
 * The reports' word diff: words with the whitespace before them, the
 * common start and end taken off, a suffix LCS table over the rest (when
 * it is small enough), and runs of removed and added words rendered
 * together.
 */
#include "report/diff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/html.h"
#include "util/mem.h"

struct word {
	const char *ws;      /* the whitespace before the word */
	size_t wslen;
	const char *s;
	size_t len;
};

struct words {
	struct word *w;
	size_t n;
};

/* Splits s into words; trailing whitespace is a word of length 0. */
static void split_words(struct words *out, const char *s)
{
	size_t cap = 16;
	const char *p = s;

	out->n = 0;
	PO_ALLOC_ARRAY(out->w, cap);
	while (*p) {
		struct word w;

		w.ws = p;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		w.wslen = (size_t)(p - w.ws);
		w.s = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		w.len = (size_t)(p - w.s);
		if (out->n == cap) {
			cap *= 2;
			out->w = po_xrealloc(out->w, cap * sizeof(*out->w));
		}
		out->w[out->n++] = w;
	}
}

static int same(const struct word *x, const struct word *y)
{
	return x->len == y->len && !memcmp(x->s, y->s, x->len);
}

enum op { OP_KEEP, OP_DEL, OP_INS };

struct renderer {
	struct po_buf *out;
	enum po_diff_format fmt;
	enum op open;        /* the run being written: OP_KEEP when none */
	struct po_diff_stats st;
};

static void text(struct renderer *r, const char *s, size_t len)
{
	if (r->fmt == PO_DIFF_HTML)
		po_html_escape_n(r->out, s, len);
	else
		po_buf_add(r->out, s, len);
}

static void close_run(struct renderer *r)
{
	if (r->open == OP_DEL)
		po_buf_adds(r->out, r->fmt == PO_DIFF_HTML ? "</del>" : "-]");
	else if (r->open == OP_INS)
		po_buf_adds(r->out, r->fmt == PO_DIFF_HTML ? "</ins>" : "+}");
	r->open = OP_KEEP;
}

/* One word: whitespace before it stays outside a run that starts with it. */
static void emit(struct renderer *r, enum op op, const struct word *w)
{
	if (op != r->open) {
		close_run(r);
		text(r, w->ws, w->wslen);
		if (op == OP_DEL)
			po_buf_adds(r->out, r->fmt == PO_DIFF_HTML ? "<del>" : "[-");
		else if (op == OP_INS)
			po_buf_adds(r->out, r->fmt == PO_DIFF_HTML ? "<ins>" : "{+");
		r->open = op;
	} else {
		text(r, w->ws, w->wslen);
	}
	text(r, w->s, w->len);
	if (!w->len)
		return;
	if (op == OP_KEEP)
		r->st.kept++;
	else if (op == OP_DEL)
		r->st.deleted++;
	else
		r->st.inserted++;
}

/* The middle a[0..n) against b[0..m), by a suffix LCS table when it fits. */
static void diff_middle(struct renderer *r, const struct word *a, size_t n, const struct word *b,
			size_t m)
{
	uint32_t *L;
	size_t i = 0, j = 0, w = m + 1;

	if (!n || !m || (double)n * (double)m > PO_DIFF_MAX_CELLS) {
		for (i = 0; i < n; i++)
			emit(r, OP_DEL, &a[i]);
		for (j = 0; j < m; j++)
			emit(r, OP_INS, &b[j]);
		return;
	}
	L = po_xcalloc((n + 1) * w, sizeof(*L));
	for (i = n; i-- > 0;)
		for (j = m; j-- > 0;)
			L[i * w + j] = same(&a[i], &b[j]) ? L[(i + 1) * w + j + 1] + 1
				: (L[(i + 1) * w + j] >= L[i * w + j + 1] ? L[(i + 1) * w + j]
									   : L[i * w + j + 1]);
	i = j = 0;
	while (i < n && j < m) {
		if (same(&a[i], &b[j])) {
			emit(r, OP_KEEP, &b[j]);
			i++;
			j++;
		} else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) {
			emit(r, OP_DEL, &a[i++]);
		} else {
			emit(r, OP_INS, &b[j++]);
		}
	}
	while (i < n)
		emit(r, OP_DEL, &a[i++]);
	while (j < m)
		emit(r, OP_INS, &b[j++]);
	free(L);
}

void po_diff_words(struct po_buf *out, const char *a, const char *b, enum po_diff_format fmt,
		   struct po_diff_stats *stats)
{
	struct renderer r = { out, fmt, OP_KEEP, { 0, 0, 0 } };
	struct words wa, wb;
	size_t pre = 0, suf = 0, k;

	split_words(&wa, a ? a : "");
	split_words(&wb, b ? b : "");
	while (pre < wa.n && pre < wb.n && same(&wa.w[pre], &wb.w[pre]))
		pre++;
	while (suf < wa.n - pre && suf < wb.n - pre &&
	       same(&wa.w[wa.n - 1 - suf], &wb.w[wb.n - 1 - suf]))
		suf++;
	for (k = 0; k < pre; k++)
		emit(&r, OP_KEEP, &wb.w[k]);
	diff_middle(&r, wa.w + pre, wa.n - pre - suf, wb.w + pre, wb.n - pre - suf);
	for (k = wb.n - suf; k < wb.n; k++)
		emit(&r, OP_KEEP, &wb.w[k]);
	close_run(&r);
	if (stats)
		*stats = r.st;
	free(wa.w);
	free(wb.w);
}
