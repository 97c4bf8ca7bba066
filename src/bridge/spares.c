/*
 * Spares (see spares.h): used bridge files kept under hidden names and
 * rewritten in place, because creating a file costs more than rewriting
 * one on some file systems.
 */
#include "bridge/spares.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge/bridge.h"
#include "util/err.h"
#include "util/mem.h"

#define SPARES_MAX 64
#define SPARE_MAX_SIZE (1 << 20)

struct po_bridge_spares {
	char *prefix;   /* "<dir>/.spare.<pid>.<n>." */
	uid_t uid;
	unsigned v[SPARES_MAX]; /* the numbers k of the spares on disk */
	size_t n;
	unsigned next;
	bool no_take;   /* a rename into the folder failed with EXDEV: delete instead */
	struct po_buf path;
};

struct po_bridge_spares *po_bridge_spares_new(const char *dir)
{
	struct po_bridge_spares *s = po_xcalloc(1, sizeof(*s));
	struct po_buf b = PO_BUF_INIT;

	/* The address tells apart the pools of one process (threads, or a
	 * client and a responder): a live pool's address is its own. */
	po_buf_addf(&b, "%s/.spare.%ld.%lx.", dir, (long)getpid(), (unsigned long)(uintptr_t)s);
	s->prefix = po_buf_detach(&b);
	s->uid = geteuid();
	po_buf_init(&s->path);
	return s;
}

static const char *spare_name(struct po_bridge_spares *s, unsigned k)
{
	po_buf_reset(&s->path);
	po_buf_addf(&s->path, "%s%u", s->prefix, k);
	return s->path.data;
}

void po_bridge_spares_free(struct po_bridge_spares *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		unlink(spare_name(s, s->v[i]));
	po_buf_release(&s->path);
	free(s->prefix);
	free(s);
}

static bool reusable(const struct po_bridge_spares *s, const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_nlink == 1 && st->st_uid == s->uid &&
	       (st->st_mode & 07777) == 0644 && st->st_size <= SPARE_MAX_SIZE;
}

int po_bridge_spares_fill(struct po_bridge_spares *s, const char *data, size_t len,
			  const char *what, struct po_buf *out, unsigned *k, struct po_err *err)
{
	off_t size = 0;
	int fd = -1, e;

	if (s->n) {
		struct stat st;

		*k = s->v[--s->n];
		/* No O_TRUNC: the blocks are rewritten in place, not freed and
		 * allocated again. */
		fd = open(spare_name(s, *k), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		/* Checked on the file itself: the one taken may have been
		 * swapped for another (say, a person's hard link) since. */
		if (fd >= 0 && (fstat(fd, &st) < 0 || !reusable(s, &st))) {
			close(fd);
			fd = -1;
			unlink(s->path.data);
		} else if (fd >= 0) {
			size = st.st_size;
		}
	} else {
		*k = s->next++;
	}
	if (fd < 0) {
		size = 0;
		fd = open(spare_name(s, *k), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			  0644);
	}
	po_buf_reset(out);
	po_buf_adds(out, s->path.data);
	if (fd < 0 || po_bridge_write_fd(fd, data, len) < 0 ||
	    (size > (off_t)len && ftruncate(fd, (off_t)len) < 0)) {
		e = errno;
		if (fd >= 0)
			close(fd);
		unlink(out->data);
		return po_error(err, PO_EIO, "cannot write '%s': %s", what, strerror(e));
	}
	close(fd);
	return 0;
}

int po_bridge_spares_write(struct po_bridge_spares *s, const char *path, const char *data,
			   size_t len, struct po_err *err)
{
	struct po_buf tmp = PO_BUF_INIT;
	unsigned k;
	int ret, e;

	if (s->no_take)
		return po_bridge_write(path, data, len, err);
	ret = po_bridge_spares_fill(s, data, len, path, &tmp, &k, err);
	if (!ret && rename(tmp.data, path) < 0) {
		e = errno;
		unlink(tmp.data);
		if (e == EXDEV) {
			s->no_take = true;
			ret = po_bridge_write(path, data, len, err);
		} else {
			ret = po_error(err, PO_EIO, "cannot write '%s': %s", path, strerror(e));
		}
	}
	po_buf_release(&tmp);
	return ret;
}

void po_bridge_spares_take(struct po_bridge_spares *s, const char *path, const struct stat *st)
{
	unsigned k;

	if (!s || s->no_take || s->n == SPARES_MAX || !reusable(s, st)) {
		unlink(path);
		return;
	}
	k = s->next++;
	if (rename(path, spare_name(s, k)) < 0) {
		if (errno == EXDEV)
			s->no_take = true;
		unlink(path);
		return;
	}
	s->v[s->n++] = k;
}

void po_bridge_spares_keep(struct po_bridge_spares *s, unsigned k, const struct stat *st)
{
	if (s->n == SPARES_MAX || !reusable(s, st)) {
		unlink(spare_name(s, k));
		return;
	}
	s->v[s->n++] = k;
}
