/*
 * A growable string. `data` is never NULL and always NUL-terminated, so a
 * buffer can be printed or compared right after po_buf_init().
 */
#ifndef PO_BUF_H
#define PO_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct po_buf {
	char *data;
	size_t len;
	size_t cap; /* 0 while data points at the shared empty string */
};

#define PO_BUF_INIT { po_buf_empty, 0, 0 }
extern char po_buf_empty[];

void po_buf_init(struct po_buf *b);
/* Frees the contents and leaves b as after po_buf_init(). */
void po_buf_release(struct po_buf *b);
void po_buf_grow_slow(struct po_buf *b, size_t extra);
void po_buf_add(struct po_buf *b, const void *data, size_t n);
void po_buf_adds(struct po_buf *b, const char *s);

/* Makes room for `extra` more bytes (plus the NUL). Inline: it is on every
 * append path and almost always has room already. */
static inline void po_buf_grow(struct po_buf *b, size_t extra)
{
	if (b->len + extra + 1 > b->cap)
		po_buf_grow_slow(b, extra);
}

static inline void po_buf_addch(struct po_buf *b, char c)
{
	po_buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}
void po_buf_addf(struct po_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void po_buf_vaddf(struct po_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void po_buf_reset(struct po_buf *b);
void po_buf_setlen(struct po_buf *b, size_t len);
/* Returns the string (malloc'd, caller frees) and leaves b empty. */
char *po_buf_detach(struct po_buf *b);

#endif
