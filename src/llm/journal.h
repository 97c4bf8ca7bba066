/*
 * The call journal: one JSON line per LLM call in llm_calls.jsonl of the
 * results folder (role, provider, model, cache key, latency, tokens, cost,
 * cached, attempts, error), appended and flushed once per batch.
 *
 * Ownership: po_journal_open returns a handle closed (and flushed) with
 * po_journal_close(); entries' strings are copied into the pending lines.
 */
#ifndef PO_JOURNAL_H
#define PO_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "promptopt.h"

#define PO_JOURNAL_FILE "llm_calls.jsonl"

struct po_journal;

struct po_journal_entry {
	int64_t ts;           /* Unix time of the call */
	const char *run_id;   /* may be NULL */
	const char *role;
	const char *provider;
	const char *model;    /* the model that answered, else the one asked for; may be NULL */
	const char *key;      /* cache key (hex SHA-256); NULL for providers never cached */
	unsigned sample;
	double latency_ms;
	long input_tokens, output_tokens, cache_read_tokens, cache_write_tokens;
	double cost_usd;
	bool cached;
	bool batch;           /* answered through a provider batch API (written only when true) */
	int attempts;
	const char *error;    /* NULL on success */
};

/* Opens path for appending (created when missing). PO_EIO naming it on failure. */
int po_journal_open(struct po_journal **out, const char *path, struct po_err *err);
/* Queues one line (written by the next flush). */
void po_journal_add(struct po_journal *j, const struct po_journal_entry *en);
/* Appends the queued lines with one write; PO_EIO on failure (lines dropped). */
int po_journal_flush(struct po_journal *j, struct po_err *err);
/* Flushes and closes; j may be NULL. */
void po_journal_close(struct po_journal *j);

#endif
