/*
 * The response cache: answers of paid LLM calls in an SQLite file, keyed by
 * the SHA-256 of everything that determines an answer (engine.c builds the
 * key). WAL mode and a busy timeout make it safe for several processes.
 *
 * Ownership: po_cache_open returns a handle freed with po_cache_close();
 * a hit fills a struct po_llm_response the caller releases.
 */
#ifndef PO_CACHE_H
#define PO_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "llm/llm.h"

struct po_cache;

/* The default path, relative to the working folder. */
#define PO_CACHE_DEFAULT_PATH ".promptopt/cache.sqlite"

/*
 * Opens (creating it and its folder when missing) the cache at path.
 * PO_EIO with a message naming the file when it cannot be opened or is not
 * a promptopt cache.
 */
int po_cache_open(struct po_cache **out, const char *path, struct po_err *err);
void po_cache_close(struct po_cache *c);

/* What a cache entry records besides the key. */
struct po_cache_meta {
	const char *provider;
	const char *model;    /* the model asked for (may be NULL) */
	const char *role;
};

/*
 * Looks key up: 1 and *resp filled (content, model, tokens; cached = true),
 * 0 on a miss, negative on a database error (err says which).
 */
int po_cache_get(struct po_cache *c, const char *key, struct po_llm_response *resp,
		 struct po_err *err);
/* Stores a successful response (one with content and no error; others are
 * refused with PO_EFAIL). An existing entry is kept. */
int po_cache_put(struct po_cache *c, const char *key, const struct po_cache_meta *meta,
		 const struct po_llm_response *resp, struct po_err *err);

/*
 * Groups the gets/puts between begin and end in one transaction (one disk
 * sync per batch instead of one per call). end commits; a failed end rolls
 * back.
 */
int po_cache_begin(struct po_cache *c, struct po_err *err);
int po_cache_end(struct po_cache *c, struct po_err *err);

struct po_cache_stats {
	int64_t entries;
	int64_t hits;          /* hits served over the cache's life */
	int64_t bytes;         /* size of the database file(s) */
	int64_t content_bytes; /* total length of stored answers */
	int64_t oldest, newest; /* Unix time of the oldest / newest entry (0 when empty) */
};

int po_cache_stats(struct po_cache *c, struct po_cache_stats *st, struct po_err *err);
/* Deletes every entry and shrinks the file; *removed = entries deleted. */
int po_cache_clear(struct po_cache *c, int64_t *removed, struct po_err *err);

/*
 * Calls fn for each provider/model pair with its entry count (for `cache
 * stats`), in name order.
 */
int po_cache_each_model(struct po_cache *c,
			void (*fn)(const char *provider, const char *model, int64_t entries,
				   int64_t hits, void *ud),
			void *ud, struct po_err *err);

#endif
