/*
 * The one out-of-memory policy of the program: say so and abort; and the
 * same for a failed internal invariant (util/assert.h).
 */
#include "util/mem.h"
#include "util/assert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Noreturn void po_oom(size_t n)
{
	fprintf(stderr, "promptopt: fatal: out of memory allocating %zu bytes\n", n);
	abort();
}

_Noreturn void po_assert_fail(const char *cond, const char *file, int line)
{
	fprintf(stderr, "promptopt: internal error: %s:%d: assertion failed: %s (a bug: please report it)\n",
		file, line, cond);
	abort();
}

void *po_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		po_oom(n);
	return p;
}

void *po_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		po_oom(nmemb * size);
	return p;
}

void *po_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		po_oom(n);
	return q;
}

char *po_xstrndup(const char *s, size_t n)
{
	char *d;

	if (!s)
		return NULL;
	d = po_xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *po_xstrdup(const char *s)
{
	return s ? po_xstrndup(s, strlen(s)) : NULL;
}
