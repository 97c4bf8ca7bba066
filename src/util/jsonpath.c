/*
 * The small JSON path of rule scorers (see jsonpath.h): a hand-written
 * parser of "$", ".key", "[index]" and ["key"] steps, walking as it parses.
 */
#include "util/jsonpath.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static int fail(const char *path, const char *at, size_t *errpos, const char **why,
		const char *msg)
{
	*errpos = (size_t)(at - path);
	*why = msg;
	return -1;
}

/* A quoted key from *p (at the quote) into b; advances past the quote. */
static int quoted(const char **p, struct po_buf *b)
{
	char q = **p;
	const char *s = *p + 1;

	for (; *s && *s != q; s++) {
		if (*s == '\\' && s[1])
			s++;
		po_buf_add(b, s, 1);
	}
	if (*s != q)
		return -1;
	*p = s + 1;
	return 0;
}

/* One step; *cur becomes the child (NULL when absent). */
static int step(const char *path, const char **p, const json_t **cur, size_t *errpos,
		const char **why)
{
	struct po_buf key = PO_BUF_INIT;
	const char *s = *p;
	int ret = 0;

	if (*s == '.') {
		const char *k = ++s;

		while (*s && *s != '.' && *s != '[')
			s++;
		if (s == k)
			return fail(path, k, errpos, why, "a key after '.'");
		po_buf_add(&key, k, (size_t)(s - k));
		*cur = *cur ? json_object_get(*cur, key.data) : NULL;
	} else if (*s == '[' && (s[1] == '"' || s[1] == '\'')) {
		s++;
		if (quoted(&s, &key) < 0 || *s != ']') {
			po_buf_release(&key);
			return fail(path, *p, errpos, why, "a closing quote and ']'");
		}
		s++;
		*cur = *cur ? json_object_get(*cur, key.data ? key.data : "") : NULL;
	} else if (*s == '[') {
		char *end;
		unsigned long long i;

		s++;
		if (!isdigit((unsigned char)*s))
			return fail(path, s, errpos, why, "an index (0, 1, ...) or a quoted key in [ ]");
		i = strtoull(s, &end, 10);
		if (*end != ']')
			return fail(path, end, errpos, why, "']' after the index");
		s = end + 1;
		*cur = *cur && json_is_array(*cur) ? json_array_get(*cur, (size_t)i) : NULL;
	} else {
		ret = fail(path, s, errpos, why, "'.key' or '[index]'");
	}
	po_buf_release(&key);
	*p = s;
	return ret;
}

int po_jsonpath_get(const json_t *root, const char *path, const json_t **out, size_t *errpos,
		    const char **why)
{
	const char *p = path;
	const json_t *cur = root;
	bool check_only = !root;

	*out = NULL;
	if (*p != '$')
		return fail(path, p, errpos, why, "'$' (the document) first");
	p++;
	while (*p) {
		if (step(path, &p, &cur, errpos, why) < 0)
			return -1;
		if (!cur && !check_only) {
			/* Absent: still check the rest of the syntax. */
			const json_t *none = NULL;

			while (*p)
				if (step(path, &p, &none, errpos, why) < 0)
					return -1;
			return 0;
		}
	}
	*out = cur;
	return 0;
}
