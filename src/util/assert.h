/*
 * PO_ASSERT(cond): an internal invariant, as SQLite uses assert(): it
 * documents what must be true at that point and is checked in debug and
 * sanitizer builds (any build without NDEBUG, the default build included);
 * a release build (-Dbuildtype=release) compiles it away. A failed one is a
 * bug in promptopt, never bad input: it reports where and aborts, like the
 * out-of-memory hook. Never put a side effect in cond.
 */
#ifndef PO_ASSERT_H
#define PO_ASSERT_H

_Noreturn void po_assert_fail(const char *cond, const char *file, int line);

#ifdef NDEBUG
#define PO_ASSERT(cond) ((void)0)
#else
#define PO_ASSERT(cond) ((cond) ? (void)0 : po_assert_fail(#cond, __FILE__, __LINE__))
#endif

#endif
