/*
 * Test cases from CSV (RFC 4180): a header row of column names, then a case
 * per row. Columns are the case's inputs, except "expected", "__metadata"
 * (a JSON object whose keys join the case: industry, assert, ...), "__id",
 * "__name" and "__description". A reader of our own rather than libcsv:
 * every message must say the line and column of the cell, and libcsv does
 * not report positions.
 */
#include "core/cases_format.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/jsonpos.h"
#include "util/mem.h"
#include "util/utf8.h"

struct cell {
	char *text;
	size_t len;
	int line, col;
};

struct row {
	struct cell *v;
	size_t n, cap;
	int line;
};

struct reader {
	const char *path, *s;
	size_t len, at;
	int line, col;
	struct po_err *err;
};

static void row_clear(struct row *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].text);
	r->n = 0;
}

static void row_release(struct row *r)
{
	row_clear(r);
	free(r->v);
}

static void advance(struct reader *rd)
{
	unsigned char ch = (unsigned char)rd->s[rd->at++];

	if (ch == '\n') {
		rd->line++;
		rd->col = 1;
	} else if ((ch & 0xc0) != 0x80) {
		rd->col++; /* columns count characters */
	}
}

/* One field from the reader's position; 0, or -1 with the error set. */
static int read_field(struct reader *rd, struct po_buf *b, bool *quoted)
{
	int qline = rd->line, qcol = rd->col;

	*quoted = rd->at < rd->len && rd->s[rd->at] == '"';
	if (!*quoted) {
		while (rd->at < rd->len && rd->s[rd->at] != ',' && rd->s[rd->at] != '\n' &&
		       !(rd->s[rd->at] == '\r' && rd->at + 1 < rd->len && rd->s[rd->at + 1] == '\n')) {
			if (rd->s[rd->at] == '"')
				return po_error(rd->err, PO_EINPUT, "%s:%d:%d: a quote inside an unquoted field; quote the whole field and double the quotes in it (\"say \"\"hi\"\"\")",
						rd->path, rd->line, rd->col);
			po_buf_add(b, rd->s + rd->at, 1);
			advance(rd);
		}
		return 0;
	}
	advance(rd);
	for (;;) {
		if (rd->at >= rd->len)
			return po_error(rd->err, PO_EINPUT, "%s:%d:%d: a quoted field is not closed; end it with a quote (\")",
					rd->path, qline, qcol);
		if (rd->s[rd->at] == '"') {
			advance(rd);
			if (rd->at < rd->len && rd->s[rd->at] == '"') {
				po_buf_add(b, "\"", 1);
				advance(rd);
				continue;
			}
			break;
		}
		po_buf_add(b, rd->s + rd->at, 1);
		advance(rd);
	}
	if (rd->at < rd->len && rd->s[rd->at] != ',' && rd->s[rd->at] != '\n' &&
	    rd->s[rd->at] != '\r')
		return po_error(rd->err, PO_EINPUT, "%s:%d:%d: expected a comma or the end of the line after a quoted field",
				rd->path, rd->line, rd->col);
	return 0;
}

/* The next record into r (cleared first); 1 at the end of the text. */
static int read_row(struct reader *rd, struct row *r)
{
	struct po_buf b = PO_BUF_INIT;

	row_clear(r);
	while (rd->at < rd->len && (rd->s[rd->at] == '\n' || rd->s[rd->at] == '\r'))
		advance(rd); /* blank lines are no records */
	if (rd->at >= rd->len)
		return 1;
	r->line = rd->line;
	for (;;) {
		struct cell c = { NULL, 0, rd->line, rd->col };
		bool quoted;

		po_buf_reset(&b);
		if (read_field(rd, &b, &quoted) < 0) {
			po_buf_release(&b);
			return -1;
		}
		c.len = b.len;
		c.text = po_xstrndup(b.data, b.len);
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 8;
			r->v = po_xrealloc(r->v, r->cap * sizeof(*r->v));
		}
		r->v[r->n++] = c;
		if (rd->at < rd->len && rd->s[rd->at] == ',') {
			advance(rd);
			continue;
		}
		if (rd->at < rd->len && rd->s[rd->at] == '\r')
			advance(rd);
		if (rd->at < rd->len)
			advance(rd); /* the newline */
		break;
	}
	po_buf_release(&b);
	return 0;
}

/* A cell as a JSON string; -1 (error set) when it is not UTF-8 text. */
static int cell_string(struct reader *rd, const struct cell *c, json_t **out)
{
	size_t bad;

	if (memchr(c->text, '\0', c->len) || !po_utf8_valid(c->text, c->len, &bad)) {
		*out = NULL;
		return po_error(rd->err, PO_EINPUT, "%s:%d:%d: the cell is not UTF-8 text; save the file as UTF-8",
				rd->path, c->line, c->col);
	}
	*out = json_stringn(c->text, c->len);
	return 0;
}

static int check_header(struct reader *rd, const struct row *h)
{
	for (size_t i = 0; i < h->n; i++) {
		if (!h->v[i].len)
			return po_error(rd->err, PO_EINPUT, "%s:%d:%d: column %zu has no name; the header row names each column (an input name, \"expected\", \"__metadata\")",
					rd->path, h->v[i].line, h->v[i].col, i + 1);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(h->v[k].text, h->v[i].text))
				return po_error(rd->err, PO_EINPUT, "%s:%d:%d: column \"%s\" appears twice in the header row",
						rd->path, h->v[i].line, h->v[i].col, h->v[i].text);
	}
	return 0;
}

/* The __metadata cell's object merged into the case (its keys kept). */
static int add_metadata(struct reader *rd, const struct cell *c, json_t *tc)
{
	json_error_t jerr;
	json_t *m;

	if (!c->len)
		return 0;
	m = json_loadb(c->text, c->len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!json_is_object(m)) {
		json_decref(m);
		return po_error(rd->err, PO_EINPUT, "%s:%d:%d: expected a JSON object in \"__metadata\", such as {\"industry\": \"retail\"}",
				rd->path, c->line, c->col);
	}
	json_object_update_missing(tc, m);
	json_decref(m);
	return 0;
}

/* One row as a case; map entries under its path. */
static int row_case(struct reader *rd, const struct row *h, const struct row *r, size_t idx,
		    json_t *tc, struct po_srcmap *map)
{
	json_t *inputs = json_object(), *v;
	struct po_buf p = PO_BUF_INIT, base = PO_BUF_INIT;
	int ret = 0;

	po_jsonpos_path_index(&base, idx);
	po_srcmap_add(map, base.data, r->line, 1);
	for (size_t i = 0; i < h->n && !ret; i++) {
		const char *name = h->v[i].text, *key = NULL;

		po_buf_reset(&p);
		po_buf_adds(&p, base.data);
		if (!strcmp(name, "__metadata")) {
			ret = add_metadata(rd, &r->v[i], tc);
			continue;
		}
		if (!strcmp(name, "expected") || !strcmp(name, "__id") || !strcmp(name, "__name") ||
		    !strcmp(name, "__description"))
			key = name[0] == '_' ? name + 2 : name;
		if (key && !r->v[i].len)
			continue; /* an empty cell: no expected, a default id */
		ret = cell_string(rd, &r->v[i], &v);
		if (ret)
			break;
		if (!key)
			po_jsonpos_path_key(&p, "inputs");
		po_jsonpos_path_key(&p, key ? key : name);
		po_srcmap_add(map, p.data, r->v[i].line, r->v[i].col);
		json_object_set_new(key ? tc : inputs, key ? key : name, v);
	}
	if (!json_object_get(tc, "id"))
		json_object_set_new(tc, "id", json_sprintf("case-%03zu", idx + 1));
	json_object_set_new(tc, "inputs", inputs);
	po_buf_release(&p);
	po_buf_release(&base);
	return ret;
}

int po_cases_from_csv(const char *path, const char *text, size_t len, char **json,
		      struct po_srcmap *map, struct po_err *err)
{
	struct reader rd = { path, text, len, 0, 1, 1, err };
	struct row h = { 0 }, r = { 0 };
	json_t *arr = json_array();
	int ret;

	*json = NULL;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		rd.at = 3; /* a byte order mark, as spreadsheets write */
	ret = read_row(&rd, &h);
	if (ret > 0)
		ret = po_error(err, PO_EINPUT, "%s:1:1: the file is empty; write a header row of input names, then a row per test case",
			       path);
	if (!ret)
		ret = check_header(&rd, &h);
	while (!ret && !(ret = read_row(&rd, &r))) {
		json_t *tc = json_object();

		if (r.n != h.n)
			ret = po_error(err, PO_EINPUT, "%s:%d:1: the row has %zu field%s, the header %zu; quote fields that contain commas",
				       path, r.line, r.n, r.n == 1 ? "" : "s", h.n);
		if (!ret)
			ret = row_case(&rd, &h, &r, json_array_size(arr), tc, map);
		json_array_append_new(arr, tc);
	}
	if (ret > 0)
		ret = 0;
	if (ret < 0)
		ret = PO_EINPUT;
	if (!ret)
		*json = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(arr);
	row_release(&h);
	row_release(&r);
	return ret;
}
