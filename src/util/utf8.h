/*
 * UTF-8 checks for text that becomes a file name, a JSON string or a
 * message: names and ids are validated with them before anything is
 * created. No allocation; nothing here owns memory.
 */
#ifndef PO_UTF8_H
#define PO_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when the len bytes at s are well-formed UTF-8 (no overlong forms,
 * no surrogates, nothing above U+10FFFF). When false and bad_at is not
 * NULL, *bad_at is the offset of the first byte that is not.
 */
bool po_utf8_valid(const char *s, size_t len, size_t *bad_at);

#endif
