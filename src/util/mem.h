/*
 * Allocation that never returns NULL: out of memory goes through one hook
 * (po_oom), which reports and aborts. Everything else is an error the
 * caller handles.
 */
#ifndef PO_MEM_H
#define PO_MEM_H

#include <stddef.h>

void *po_xmalloc(size_t n);
void *po_xcalloc(size_t nmemb, size_t size);
void *po_xrealloc(void *p, size_t n);
/* Returns a new copy of s (NULL stays NULL); the caller frees it. */
char *po_xstrdup(const char *s);
char *po_xstrndup(const char *s, size_t n);
_Noreturn void po_oom(size_t n);

#define PO_ALLOC_ARRAY(p, n) ((p) = po_xcalloc((n), sizeof(*(p))))
#define PO_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
