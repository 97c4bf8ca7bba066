/*
 * Messages that point into a file's text (see srcpos.h).
 */
#include "core/srcpos.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/json.h"
#include "util/jsonpos.h"
#include "util/mem.h"

static void map_add(struct po_srcmap *m, const char *path, int line, int col, const char *sub,
		    size_t sub_len)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->v = po_xrealloc(m->v, m->cap * sizeof(*m->v));
	}
	m->v[m->n++] = (struct po_srcmap_entry){ po_xstrdup(path ? path : ""), line, col, sub,
						 sub_len };
}

void po_srcmap_add(struct po_srcmap *m, const char *path, int line, int col)
{
	map_add(m, path, line, col, NULL, 0);
}

void po_srcmap_add_sub(struct po_srcmap *m, const char *path, int line, const char *sub,
		       size_t sub_len)
{
	map_add(m, path, line, 1, sub, sub_len);
}

void po_srcmap_release(struct po_srcmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* The position of jpath from the map: its own entry, else its nearest
 * ancestor's (inside a sub text, found there). */
static void map_find(const struct po_srcmap *m, const char *jpath, struct po_jsonpos *pos)
{
	const struct po_srcmap_entry *best = NULL;
	size_t best_len = 0, jl = jpath ? strlen(jpath) : 0;

	*pos = (struct po_jsonpos){ 1, 1, 1, 1 };
	for (size_t i = 0; i < m->n; i++) {
		size_t l = strlen(m->v[i].path);

		if (l > jl || (best && l < best_len) || strncmp(m->v[i].path, jpath ? jpath : "", l) ||
		    (l && l < jl && jpath[l] != '/'))
			continue;
		best = &m->v[i];
		best_len = l;
	}
	if (!best)
		return;
	if (best->sub) {
		const char *rest = jpath + best_len + (best_len < jl && jpath[best_len] == '/');

		po_jsonpos_find(best->sub, best->sub_len, rest, pos);
		pos->line += best->line - 1;
		pos->key_line += best->line - 1;
		return;
	}
	*pos = (struct po_jsonpos){ best->line, best->col, best->line, best->col };
}

int po_src_fail(struct po_err *err, int code, const struct po_src *s, const char *jpath,
		bool at_key, const char *fmt, ...)
{
	struct po_jsonpos pos;
	char msg[sizeof(err->msg)];
	va_list ap;

	if (s->map)
		map_find(s->map, jpath, &pos);
	else
		po_jsonpos_find(s->text, s->len, jpath, &pos);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return po_error(err, code, "%s:%d:%d: %s", s->path, at_key ? pos.key_line : pos.line,
			at_key ? pos.key_col : pos.col, msg);
}

const char *po_src_path(struct po_buf *b, const char *prefix, const char *key)
{
	po_buf_reset(b);
	po_buf_adds(b, prefix);
	if (key)
		po_jsonpos_path_key(b, key);
	return b->data;
}

int po_src_type_error(struct po_err *err, const struct po_src *s, const char *prefix,
		      const char *key, const json_t *v, const char *expected, const char *where)
{
	struct po_buf p = PO_BUF_INIT;
	int ret = po_src_fail(err, PO_EINPUT, s, po_src_path(&p, prefix, key), false,
			      "expected %s for \"%s\"%s, found %s", expected, key, where,
			      po_json_type_name(v));

	po_buf_release(&p);
	return ret;
}
