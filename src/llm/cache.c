/*
 * SQLite response cache (see cache.h). WAL lets readers go on while one
 * process writes; the busy timeout makes a writer wait for another instead
 * of failing. Transactions stay short: the engine reads before a batch is
 * sent and writes after it returns, never across the network wait.
 */
#include "llm/cache.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/timeutil.h"

#define CACHE_FORMAT "promptopt-cache-1"
/* How long a writer waits for another process before giving up. */
#define BUSY_TIMEOUT_MS 30000

struct po_cache {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *get, *hit, *put;
	bool in_tx;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS responses("
	" key TEXT PRIMARY KEY,"
	" provider TEXT NOT NULL, model TEXT, role TEXT,"
	" content TEXT NOT NULL, response_model TEXT,"
	" input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,"
	" cache_read_tokens INTEGER NOT NULL DEFAULT 0, cache_write_tokens INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL, hits INTEGER NOT NULL DEFAULT 0, last_hit INTEGER);"
	"INSERT OR IGNORE INTO meta(key, value) VALUES ('format', '" CACHE_FORMAT "');";

static int db_error(struct po_cache *c, struct po_err *err, const char *what)
{
	return po_error(err, PO_EIO, "response cache '%s': %s: %s; use --no-cache or another --cache PATH",
			c->path, what, sqlite3_errmsg(c->db));
}

static int check_format(struct po_cache *c, struct po_err *err)
{
	sqlite3_stmt *st;
	int ret = 0, rc;

	if (sqlite3_prepare_v2(c->db, "SELECT value FROM meta WHERE key = 'format'", -1, &st,
			       NULL) != SQLITE_OK)
		return db_error(c, err, "cannot read it");
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW || strcmp((const char *)sqlite3_column_text(st, 0), CACHE_FORMAT))
		ret = po_error(err, PO_EIO,
			       "response cache '%s' is not a promptopt cache of format %s; remove it or give another --cache PATH",
			       c->path, CACHE_FORMAT);
	sqlite3_finalize(st);
	return ret;
}

/*
 * Runs sql, waiting while another process holds the lock. Switching a new
 * file to WAL can report SQLITE_BUSY without calling the busy handler (when
 * several processes create the cache at once), so the wait is done here.
 */
static int exec_waiting(sqlite3 *db, const char *sql)
{
	double deadline = po_time_mono_ms() + BUSY_TIMEOUT_MS;
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	int rc;

	for (;;) {
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || po_time_mono_ms() > deadline)
			return rc;
		nanosleep(&ts, NULL);
	}
}

int po_cache_open(struct po_cache **out, const char *path, struct po_err *err)
{
	struct po_cache *c;
	char *dir = po_xstrdup(path), *slash;
	int ret = 0;

	*out = NULL;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		ret = po_fs_mkdirs(dir, err);
	}
	free(dir);
	if (ret)
		return ret;
	c = po_xcalloc(1, sizeof(*c));
	c->path = po_xstrdup(path);
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					      SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		ret = db_error(c, err, "cannot open it");
		goto fail;
	}
	sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
	/* WAL: readers never block the writer; NORMAL sync is crash-safe in WAL
	 * (a power cut may lose the last answers, which are only a cache). */
	if (exec_waiting(c->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;") !=
	    SQLITE_OK) {
		ret = db_error(c, err, "cannot use it");
		goto fail;
	}
	if (exec_waiting(c->db, schema) != SQLITE_OK) {
		ret = db_error(c, err, "cannot create its tables");
		goto fail;
	}
	ret = check_format(c, err);
	if (ret)
		goto fail;
	if (sqlite3_prepare_v2(c->db,
			       "SELECT content, response_model, input_tokens, output_tokens,"
			       " cache_read_tokens, cache_write_tokens FROM responses WHERE key = ?1",
			       -1, &c->get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db,
			       "UPDATE responses SET hits = hits + 1, last_hit = ?2 WHERE key = ?1",
			       -1, &c->hit, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db,
			       "INSERT OR IGNORE INTO responses(key, provider, model, role, content,"
			       " response_model, input_tokens, output_tokens, cache_read_tokens,"
			       " cache_write_tokens, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
			       " ?9, ?10, ?11)",
			       -1, &c->put, NULL) != SQLITE_OK) {
		ret = db_error(c, err, "cannot prepare its queries");
		goto fail;
	}
	*out = c;
	return 0;
fail:
	po_cache_close(c);
	return ret;
}

void po_cache_close(struct po_cache *c)
{
	if (!c)
		return;
	if (c->in_tx)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(c->get);
	sqlite3_finalize(c->hit);
	sqlite3_finalize(c->put);
	sqlite3_close(c->db);
	free(c->path);
	free(c);
}

int po_cache_begin(struct po_cache *c, struct po_err *err)
{
	/* IMMEDIATE takes the write lock now, waiting (busy timeout) for another
	 * process, rather than failing later when a read turns into a write. */
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(c, err, "cannot start a transaction");
	c->in_tx = true;
	return 0;
}

int po_cache_end(struct po_cache *c, struct po_err *err)
{
	int ret = 0;

	if (!c->in_tx)
		return 0;
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		ret = db_error(c, err, "cannot save");
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	}
	c->in_tx = false;
	return ret;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? po_xstrdup((const char *)t) : NULL;
}

int po_cache_get(struct po_cache *c, const char *key, struct po_llm_response *resp,
		 struct po_err *err)
{
	int rc, ret = 0;

	sqlite3_reset(c->get);
	sqlite3_bind_text(c->get, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(c->get);
	if (rc == SQLITE_ROW) {
		memset(resp, 0, sizeof(*resp));
		resp->content = col_dup(c->get, 0);
		resp->model = col_dup(c->get, 1);
		resp->input_tokens = (long)sqlite3_column_int64(c->get, 2);
		resp->output_tokens = (long)sqlite3_column_int64(c->get, 3);
		resp->cache_read_tokens = (long)sqlite3_column_int64(c->get, 4);
		resp->cache_write_tokens = (long)sqlite3_column_int64(c->get, 5);
		resp->cached = true;
		ret = resp->content ? 1 : 0;
	} else if (rc != SQLITE_DONE) {
		ret = db_error(c, err, "cannot read an entry");
	}
	sqlite3_reset(c->get);
	sqlite3_clear_bindings(c->get);
	if (ret == 1) {
		sqlite3_reset(c->hit);
		sqlite3_bind_text(c->hit, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(c->hit, 2, po_time_unix());
		/* A lost hit counter is not worth failing a call for. */
		sqlite3_step(c->hit);
		sqlite3_reset(c->hit);
		sqlite3_clear_bindings(c->hit);
	}
	return ret;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int po_cache_put(struct po_cache *c, const char *key, const struct po_cache_meta *meta,
		 const struct po_llm_response *resp, struct po_err *err)
{
	int rc;

	if (!resp->content || resp->error)
		return po_error(err, PO_EFAIL, "a failed call is never cached");
	sqlite3_reset(c->put);
	sqlite3_bind_text(c->put, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(c->put, 2, meta->provider ? meta->provider : "", -1, SQLITE_STATIC);
	bind_opt(c->put, 3, meta->model);
	bind_opt(c->put, 4, meta->role);
	sqlite3_bind_text(c->put, 5, resp->content, -1, SQLITE_STATIC);
	bind_opt(c->put, 6, resp->model);
	sqlite3_bind_int64(c->put, 7, resp->input_tokens);
	sqlite3_bind_int64(c->put, 8, resp->output_tokens);
	sqlite3_bind_int64(c->put, 9, resp->cache_read_tokens);
	sqlite3_bind_int64(c->put, 10, resp->cache_write_tokens);
	sqlite3_bind_int64(c->put, 11, po_time_unix());
	rc = sqlite3_step(c->put);
	sqlite3_reset(c->put);
	sqlite3_clear_bindings(c->put);
	if (rc != SQLITE_DONE)
		return db_error(c, err, "cannot store an entry");
	return 0;
}

static int64_t file_size(const char *path, const char *suffix)
{
	struct po_buf b = PO_BUF_INIT;
	struct stat st;
	int64_t n = 0;

	po_buf_addf(&b, "%s%s", path, suffix);
	if (!stat(b.data, &st))
		n = (int64_t)st.st_size;
	po_buf_release(&b);
	return n;
}

int po_cache_stats(struct po_cache *c, struct po_cache_stats *st, struct po_err *err)
{
	sqlite3_stmt *q;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	if (sqlite3_prepare_v2(c->db,
			       "SELECT count(*), coalesce(sum(hits), 0), coalesce(sum(length(content)), 0),"
			       " coalesce(min(created), 0), coalesce(max(created), 0) FROM responses",
			       -1, &q, NULL) != SQLITE_OK)
		return db_error(c, err, "cannot read it");
	if (sqlite3_step(q) == SQLITE_ROW) {
		st->entries = sqlite3_column_int64(q, 0);
		st->hits = sqlite3_column_int64(q, 1);
		st->content_bytes = sqlite3_column_int64(q, 2);
		st->oldest = sqlite3_column_int64(q, 3);
		st->newest = sqlite3_column_int64(q, 4);
	} else {
		ret = db_error(c, err, "cannot read it");
	}
	sqlite3_finalize(q);
	st->bytes = file_size(c->path, "") + file_size(c->path, "-wal");
	return ret;
}

int po_cache_each_model(struct po_cache *c,
			void (*fn)(const char *provider, const char *model, int64_t entries,
				   int64_t hits, void *ud),
			void *ud, struct po_err *err)
{
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(c->db,
			       "SELECT provider, coalesce(model, ''), count(*), sum(hits) FROM responses"
			       " GROUP BY provider, model ORDER BY provider, model",
			       -1, &q, NULL) != SQLITE_OK)
		return db_error(c, err, "cannot read it");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		fn((const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1),
		   sqlite3_column_int64(q, 2), sqlite3_column_int64(q, 3), ud);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return db_error(c, err, "cannot read it");
	return 0;
}

int po_cache_clear(struct po_cache *c, int64_t *removed, struct po_err *err)
{
	if (sqlite3_exec(c->db, "DELETE FROM responses", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(c, err, "cannot clear it");
	if (removed)
		*removed = sqlite3_changes(c->db);
	/* Give the space back; another process reading at the moment makes
	 * VACUUM fail, which leaves a correct (larger) file. */
	sqlite3_exec(c->db, "VACUUM; PRAGMA wal_checkpoint(TRUNCATE);", NULL, NULL, NULL);
	return 0;
}
