/*
 * Base URLs of HTTP APIs: the one check that a text names an endpoint we
 * can send to, shared by --base-url (llm/providers/http_api.c) and the
 * project config's "endpoints" (core/settings_check.c).
 */
#ifndef PO_URL_H
#define PO_URL_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is http:// or https:// followed by a host, with no
 * blank or control character. */
bool po_url_usable_base(const char *s, size_t n);

#endif
