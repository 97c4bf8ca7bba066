/*
 * Base URLs of HTTP APIs (see url.h): a syntactic check only; whether the
 * host answers is the transport's business.
 */
#include "util/url.h"

#include <strings.h>

bool po_url_usable_base(const char *s, size_t n)
{
	size_t skip = n >= 7 && !strncasecmp(s, "http://", 7) ? 7 :
		      n >= 8 && !strncasecmp(s, "https://", 8) ? 8 : 0;

	if (!skip || n == skip || s[skip] == '/' || s[skip] == ':')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}
