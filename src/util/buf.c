/*
 * Growable string buffer (see buf.h). Growth is geometric so appends are
 * amortized O(1).
 */
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

char po_buf_empty[1];

void po_buf_init(struct po_buf *b)
{
	b->data = po_buf_empty;
	b->len = 0;
	b->cap = 0;
}

void po_buf_release(struct po_buf *b)
{
	if (b->cap)
		free(b->data);
	po_buf_init(b);
}

void po_buf_grow_slow(struct po_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	size_t cap;

	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 32;
	while (cap < need)
		cap = cap < ((size_t)-1) / 2 ? cap * 2 : need;
	if (b->cap) {
		b->data = po_xrealloc(b->data, cap);
	} else {
		b->data = po_xmalloc(cap);
		b->data[0] = '\0';
	}
	b->cap = cap;
}

void po_buf_add(struct po_buf *b, const void *data, size_t n)
{
	if (!n)
		return;
	po_buf_grow(b, n);
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void po_buf_adds(struct po_buf *b, const char *s)
{
	po_buf_add(b, s, strlen(s));
}

void po_buf_vaddf(struct po_buf *b, const char *fmt, va_list ap)
{
	char small[256];
	va_list cp;
	int n;

	/* Most formatted pieces are short: format once into the stack. */
	va_copy(cp, ap);
	n = vsnprintf(small, sizeof(small), fmt, cp);
	va_end(cp);
	if (n <= 0)
		return;
	if ((size_t)n < sizeof(small)) {
		po_buf_add(b, small, (size_t)n);
		return;
	}
	po_buf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void po_buf_addf(struct po_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	po_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void po_buf_reset(struct po_buf *b)
{
	po_buf_setlen(b, 0);
}

void po_buf_setlen(struct po_buf *b, size_t len)
{
	if (!b->cap)
		return;
	if (len > b->len)
		len = b->len;
	b->len = len;
	b->data[len] = '\0';
}

char *po_buf_detach(struct po_buf *b)
{
	char *s = b->cap ? b->data : po_xstrdup("");

	po_buf_init(b);
	return s;
}
