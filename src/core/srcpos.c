/*
 * Messages that point into a file's text (see srcpos.h).
 */
#include "core/srcpos.h"

#include <stdarg.h>
#include <stdio.h>

#include "util/err.h"
#include "util/json.h"
#include "util/jsonpos.h"

int po_src_fail(struct po_err *err, int code, const struct po_src *s, const char *jpath,
		bool at_key, const char *fmt, ...)
{
	struct po_jsonpos pos;
	char msg[sizeof(err->msg)];
	va_list ap;

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
