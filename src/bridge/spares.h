/*
 * Spares: used bridge files a process keeps, under hidden names
 * (.spare.<pid>.<n>.<k>) in one folder, to write its next files into.
 * Creating a file costs much more than rewriting one on some file systems
 * (ext4 without a journal scans the recently deleted inodes on every
 * creation), and a run makes two files per LLM call. A file is kept only
 * when it is a regular file with one link, owned by this user, mode 0644
 * and small: never a file a person linked or owns.
 *
 * Ownership: a pool is made with po_bridge_spares_new() and freed (its
 * files deleted) with po_bridge_spares_free().
 */
#ifndef PO_BRIDGE_SPARES_H
#define PO_BRIDGE_SPARES_H

#include <stddef.h>
#include <sys/stat.h>

#include "promptopt.h"
#include "util/buf.h"

struct po_bridge_spares;

/* Spares in folder dir (copied). */
struct po_bridge_spares *po_bridge_spares_new(const char *dir);
/* Deletes the spares left, frees s. NULL is fine. */
void po_bridge_spares_free(struct po_bridge_spares *s);
/*
 * Writes data into a spare (a new hidden file when none is left) and puts
 * its path into out; *k names it for po_bridge_spares_keep(). The caller
 * renames it away, or deletes it. `what` (the final name) is for messages.
 */
int po_bridge_spares_fill(struct po_bridge_spares *s, const char *data, size_t len,
			  const char *what, struct po_buf *out, unsigned *k, struct po_err *err);
/* Writes data to path atomically through a spare (rename), or with
 * po_bridge_write() when path is on another file system. */
int po_bridge_spares_write(struct po_bridge_spares *s, const char *path, const char *data,
			   size_t len, struct po_err *err);
/* The file at path (st: its fstat), no longer needed: moved into the
 * spares when it can be reused, else deleted. */
void po_bridge_spares_take(struct po_bridge_spares *s, const char *path, const struct stat *st);
/* The spare k filled earlier now holds another file (st), e.g. after a
 * RENAME_EXCHANGE: kept when it can be reused, else deleted. */
void po_bridge_spares_keep(struct po_bridge_spares *s, unsigned k, const struct stat *st);

#endif
