/*
 * Call journal (see journal.h). Lines of a batch are gathered and appended
 * with one write(2) on an O_APPEND descriptor, so two processes sharing a
 * journal interleave whole batches, not halves of lines.
 */
#include "llm/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

struct po_journal {
	int fd;
	char *path;
	struct po_buf pending;
};

int po_journal_open(struct po_journal **out, const char *path, struct po_err *err)
{
	struct po_journal *j;
	int fd;

	*out = NULL;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return po_error(err, PO_EIO, "cannot open the call journal '%s': %s", path,
				strerror(errno));
	j = po_xcalloc(1, sizeof(*j));
	j->fd = fd;
	j->path = po_xstrdup(path);
	po_buf_init(&j->pending);
	*out = j;
	return 0;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

void po_journal_add(struct po_journal *j, const struct po_journal_entry *en)
{
	json_t *o = json_object();
	char *line;

	json_object_set_new(o, "ts", json_integer(en->ts));
	json_object_set_new(o, "run_id", str_or_null(en->run_id));
	json_object_set_new(o, "role", str_or_null(en->role));
	json_object_set_new(o, "provider", str_or_null(en->provider));
	json_object_set_new(o, "model", str_or_null(en->model));
	json_object_set_new(o, "key", str_or_null(en->key));
	json_object_set_new(o, "sample", json_integer(en->sample));
	json_object_set_new(o, "latency_ms", json_real(en->latency_ms));
	json_object_set_new(o, "input_tokens", json_integer(en->input_tokens));
	json_object_set_new(o, "output_tokens", json_integer(en->output_tokens));
	json_object_set_new(o, "cache_read_tokens", json_integer(en->cache_read_tokens));
	json_object_set_new(o, "cache_write_tokens", json_integer(en->cache_write_tokens));
	json_object_set_new(o, "cost_usd", json_real(en->cost_usd));
	json_object_set_new(o, "cached", json_boolean(en->cached));
	json_object_set_new(o, "attempts", json_integer(en->attempts));
	/* A string that is not valid UTF-8 makes json_string() return NULL,
	 * which json_object_set_new() refuses: keep the line, mark the error. */
	if (en->error && !json_object_get(o, "error")) {
		json_t *e = json_string(en->error);
		json_object_set_new(o, "error", e ? e : json_string("(error text not UTF-8)"));
	} else {
		json_object_set_new(o, "error", json_null());
	}
	line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (line) {
		po_buf_adds(&j->pending, line);
		po_buf_addch(&j->pending, '\n');
		free(line);
	}
	json_decref(o);
}

int po_journal_flush(struct po_journal *j, struct po_err *err)
{
	size_t off = 0;
	int ret = 0;

	while (off < j->pending.len) {
		ssize_t w = write(j->fd, j->pending.data + off, j->pending.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ret = po_error(err, PO_EIO, "cannot write the call journal '%s': %s",
				       j->path, w < 0 ? strerror(errno) : "nothing written");
			break;
		}
		off += (size_t)w;
	}
	po_buf_reset(&j->pending);
	return ret;
}

void po_journal_close(struct po_journal *j)
{
	if (!j)
		return;
	po_journal_flush(j, NULL);
	close(j->fd);
	po_buf_release(&j->pending);
	free(j->path);
	free(j);
}
