/*
 * Files: atomic writes (temporary file in the same folder, fsync, rename),
 * whole-file reads, folder creation.
 */
#ifndef PO_FS_H
#define PO_FS_H

#include <stdbool.h>
#include <stddef.h>

#include "promptopt.h"
#include "util/buf.h"

/*
 * Writes data to path atomically: readers, and a crashed or killed process,
 * see the old file or the new one, never a mix. When durable, the data and
 * the rename are also flushed to the disk (fsync) before returning, so they
 * survive a power loss; that costs a few milliseconds per file.
 */
int po_fs_replace(const char *path, const void *data, size_t len, bool durable,
		  struct po_err *err);
/* (A path naming a device or a pipe, e.g. /dev/null, is written in place,
 * never replaced; a folder is refused with PO_EIO.) */
/* po_fs_replace(..., durable = true). */
int po_fs_write_atomic(const char *path, const void *data, size_t len, struct po_err *err);
/* Flushes the file system holding path to the disk (one syncfs for many
 * non-durable writes). Best effort. */
void po_fs_sync(const char *path);
/*
 * Appends the whole file to out: the one reader of files from outside
 * (project files, .env, price tables, batch configs, results). Only a
 * regular file is read (a folder, FIFO, device or socket is refused without
 * blocking) and at most po_fs_max_read() bytes. Fails with PO_EIO (or
 * PO_ENOTFOUND if missing); on failure out may hold part of the file.
 */
int po_fs_read_file(const char *path, struct po_buf *out, struct po_err *err);
/* The largest file po_fs_read_file() reads: PO_FS_MAX_READ_DEFAULT, or
 * PROMPTOPT_MAX_FILE_MB mebibytes when that is set to a positive number. */
#define PO_FS_MAX_READ_DEFAULT ((size_t)64 << 20)
size_t po_fs_max_read(void);
/* mkdir -p; fine if it exists as a folder. */
int po_fs_mkdirs(const char *path, struct po_err *err);
bool po_fs_is_dir(const char *path);
bool po_fs_exists(const char *path);
/*
 * Takes an exclusive lock (flock) on the file at path, created if needed,
 * and writes the caller's pid into it. Returns the open descriptor (close it
 * to release the lock; the file stays), or PO_EIO. When the lock is held
 * elsewhere: waits for it if `wait`, else returns PO_EBUSY with *holder set
 * to the pid written by the process that holds it (0 when unknown).
 */
int po_fs_lock(const char *path, bool wait, long *holder, struct po_err *err);
/* Joins a and b with one '/', into out (reset first). */
void po_fs_join(struct po_buf *out, const char *a, const char *b);

/* Removes path and, when it is a folder, everything under it (symbolic
 * links are removed, never followed). Best effort: what cannot be removed
 * stays. */
void po_fs_remove_tree(const char *path);

#endif
