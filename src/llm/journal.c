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
#include "util/json.h"
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

/*
 * One line per call, keys in sorted order. Formatted by hand: a run journals
 * every call, and building a jansson object per line cost more than the
 * simulator's answer. Only an error text, which may come from a server and
 * need not be UTF-8, goes through jansson.
 */
void po_journal_add(struct po_journal *j, const struct po_journal_entry *en)
{
	struct po_buf *b = &j->pending;

	po_buf_addf(b, "{\"attempts\":%d,%s\"cache_read_tokens\":%ld,\"cache_write_tokens\":%ld,"
		    "\"cached\":%s,\"cost_usd\":%.10f,\"error\":",
		    en->attempts, en->batch ? "\"batch\":true," : "", (long)en->cache_read_tokens,
		    (long)en->cache_write_tokens, en->cached ? "true" : "false", en->cost_usd);
	if (en->error) {
		json_t *e = json_string(en->error);
		char *t;

		if (!e)
			e = json_string("(error text not UTF-8)");
		t = json_dumps(e, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
		po_buf_adds(b, t ? t : "null");
		free(t);
		json_decref(e);
	} else {
		po_buf_adds(b, "null");
	}
	po_buf_addf(b, ",\"input_tokens\":%ld,\"key\":", (long)en->input_tokens);
	po_json_escape(b, en->key);
	po_buf_addf(b, ",\"latency_ms\":%.3f,\"model\":", en->latency_ms);
	po_json_escape(b, en->model);
	po_buf_addf(b, ",\"output_tokens\":%ld,\"provider\":", (long)en->output_tokens);
	po_json_escape(b, en->provider);
	po_buf_adds(b, ",\"role\":");
	po_json_escape(b, en->role);
	po_buf_adds(b, ",\"run_id\":");
	po_json_escape(b, en->run_id);
	po_buf_addf(b, ",\"sample\":%u,\"ts\":%lld}\n", en->sample, (long long)en->ts);
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
