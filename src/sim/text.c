/*
 * Text helpers the simulator's roles share: lowercase copies for matching,
 * the part of a request between two markers, and appending input values and
 * drawn phrases to generated text.
 */
#include <ctype.h>
#include <string.h>

#include "sim/sim_internal.h"
#include "util/mem.h"

char *po_sim_lower_dup(const char *a, const char *b, const char *prefix)
{
	size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0;
	size_t lp = prefix ? strlen(prefix) : 0;
	char *s = po_xmalloc(lp + la + 1 + lb + 1), *p = s;

	memcpy(p, prefix ? prefix : "", lp);
	p += lp;
	for (size_t i = 0; i < la; i++)
		*p++ = (char)tolower((unsigned char)a[i]);
	if (b) {
		*p++ = '\n';
		for (size_t i = 0; i < lb; i++)
			*p++ = (char)tolower((unsigned char)b[i]);
	}
	*p = '\0';
	return s;
}

/* The text between the first `begin` and the next `end` (or NULL). */
char *po_sim_between(const char *s, const char *begin, const char *end)
{
	const char *b = s ? strstr(s, begin) : NULL, *e;

	if (!b)
		return NULL;
	b += strlen(begin);
	e = strstr(b, end);
	if (!e)
		e = b + strlen(b);
	while (b < e && (*b == '\n' || *b == '\r'))
		b++;
	while (e > b && (e[-1] == '\n' || e[-1] == '\r'))
		e--;
	return po_xstrndup(b, (size_t)(e - b));
}

const char *po_sim_pick(struct po_rng *r, const char *const *list)
{
	size_t n = 0;

	while (list[n])
		n++;
	return list[po_rng_below(r, n)];
}

/* Appends an input value on one line, trimmed and capped, so that a test
 * case's text cannot forge the section markers the judge looks for. */
void po_sim_add_value(struct po_buf *b, const char *s, size_t cap)
{
	size_t n = 0;
	bool space = false;

	while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
		s++;
	for (; *s && n < cap; s++, n++) {
		bool ws = *s == '\n' || *s == '\r' || *s == '\t' || *s == ' ';
		if (ws) {
			space = true;
			continue;
		}
		if (space)
			po_buf_addch(b, ' ');
		space = false;
		po_buf_addch(b, *s);
	}
}

void po_sim_add_sentence(struct po_buf *b, const char *s)
{
	size_t start = b->len;

	po_sim_add_value(b, s, 600);
	if (b->len > start && !strchr(".!?", b->data[b->len - 1]))
		po_buf_addch(b, '.');
}
