/*
 * Atomic file output. A crash at any point leaves either the old file or
 * the complete new one, never a half-written file: we write a unique
 * temporary name in the target folder, fsync it, rename it over the target,
 * then fsync the folder so the rename itself is durable.
 */
#include "util/fs.h"

#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"

static void dir_of(struct po_buf *dir, const char *path)
{
	const char *slash = strrchr(path, '/');

	po_buf_reset(dir);
	if (!slash)
		po_buf_adds(dir, ".");
	else if (slash == path)
		po_buf_adds(dir, "/");
	else
		po_buf_add(dir, path, (size_t)(slash - path));
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int po_fs_write_atomic(const char *path, const void *data, size_t len, struct po_err *err)
{
	return po_fs_replace(path, data, len, true, err);
}

void po_fs_sync(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		syncfs(fd);
		close(fd);
	}
}

/* A target that is not a regular file: a device or a pipe (/dev/null,
 * /dev/stdout, a FIFO) is written in place, as a shell redirection would
 * (renaming over it would replace the device with a file); a folder or a
 * socket is refused. 1: not such a target, go on atomically. */
static int write_special(const char *path, const void *data, size_t len, struct po_err *err)
{
	struct stat st;
	int fd, e;

	if (stat(path, &st) < 0 || S_ISREG(st.st_mode))
		return 1;
	if (S_ISDIR(st.st_mode))
		return po_error(err, PO_EIO, "cannot write '%s': it is a folder; give a file name",
				path);
	if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode))
		return po_error(err, PO_EIO, "cannot write '%s': not a regular file", path);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write_all(fd, data, len) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return po_error(err, PO_EIO, "cannot write '%s': %s", path, strerror(e));
	}
	close(fd);
	return 0;
}

int po_fs_replace(const char *path, const void *data, size_t len, bool durable,
		  struct po_err *err)
{
	struct po_buf tmp = PO_BUF_INIT, dir = PO_BUF_INIT;
	int fd, dfd, ret, e;

	ret = write_special(path, data, len, err);
	if (ret != 1)
		return ret;
	ret = 0;
	po_buf_addf(&tmp, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp.data);
	if (fd < 0) {
		e = errno;
		ret = po_error(err, PO_EIO, "cannot write '%s': %s", path, strerror(e));
		goto out;
	}
	if (fchmod(fd, 0644) < 0 || write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
		e = errno;
		close(fd);
		unlink(tmp.data);
		ret = po_error(err, PO_EIO, "cannot write '%s': %s", path, strerror(e));
		goto out;
	}
	if (close(fd) < 0 || rename(tmp.data, path) < 0) {
		e = errno;
		unlink(tmp.data);
		ret = po_error(err, PO_EIO, "cannot write '%s': %s", path, strerror(e));
		goto out;
	}
	if (!durable)
		goto out;
	dir_of(&dir, path);
	dfd = open(dir.data, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd); /* best effort: some file systems refuse it */
		close(dfd);
	}
out:
	po_buf_release(&tmp);
	po_buf_release(&dir);
	return ret;
}

size_t po_fs_max_read(void)
{
	const char *v = getenv("PROMPTOPT_MAX_FILE_MB");
	char *end;
	unsigned long long mb;

	if (!v || !*v)
		return PO_FS_MAX_READ_DEFAULT;
	errno = 0;
	mb = strtoull(v, &end, 10);
	if (errno || *end || !mb || *v == '-' || mb > (SIZE_MAX >> 20))
		return PO_FS_MAX_READ_DEFAULT;
	return (size_t)mb << 20;
}

static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a folder";
	if (S_ISFIFO(m))
		return "a FIFO (named pipe)";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	return "a special file";
}

static int too_big(const char *path, size_t cap, struct po_err *err)
{
	return po_error(err, PO_EIO,
			"cannot read '%s': it is larger than the limit of %zu MiB; set PROMPTOPT_MAX_FILE_MB to raise it",
			path, cap >> 20);
}

int po_fs_read_file(const char *path, struct po_buf *out, struct po_err *err)
{
	char chunk[65536];
	size_t cap = po_fs_max_read(), got = 0;
	struct stat st;
	int fd, e, ret = 0;

	/* O_NONBLOCK: opening a FIFO with no writer must not hang; it is
	 * refused below like any file that is not a regular one. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		return po_error(err, e == ENOENT ? PO_ENOTFOUND : PO_EIO,
				"cannot read '%s': %s", path, strerror(e));
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		ret = po_error(err, PO_EIO, "cannot read '%s': %s", path, strerror(e));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = po_error(err, PO_EIO, "cannot read '%s': it is %s, not a file; give the path of a regular file",
			       path, file_kind(st.st_mode));
		goto out_close;
	}
	if ((unsigned long long)st.st_size > cap) {
		ret = too_big(path, cap, err);
		goto out_close;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			e = errno;
			ret = po_error(err, PO_EIO, "cannot read '%s': %s", path, strerror(e));
			goto out_close;
		}
		if (!n)
			break;
		got += (size_t)n;
		if (got > cap) { /* it grew while read */
			ret = too_big(path, cap, err);
			goto out_close;
		}
		po_buf_add(out, chunk, (size_t)n);
	}
out_close:
	close(fd);
	return ret;
}

int po_fs_mkdirs(const char *path, struct po_err *err)
{
	struct po_buf p = PO_BUF_INIT;
	size_t i;
	int ret = 0;

	po_buf_adds(&p, path);
	for (i = 1; i <= p.len; i++) {
		char c = p.data[i];
		if (c != '/' && c != '\0')
			continue;
		p.data[i] = '\0';
		if (mkdir(p.data, 0755) < 0 && errno != EEXIST) {
			ret = po_error(err, PO_EIO, "cannot create folder '%s': %s", p.data,
				       strerror(errno));
			goto out;
		}
		p.data[i] = c;
	}
	if (!po_fs_is_dir(path))
		ret = po_error(err, PO_EIO, "cannot create folder '%s': a file is in the way", path);
out:
	po_buf_release(&p);
	return ret;
}

bool po_fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool po_fs_exists(const char *path)
{
	struct stat st;

	/* A path we may not look at (EACCES, ELOOP...) is not "absent": treating
	 * it so would make run re-create a project it cannot read. */
	return stat(path, &st) == 0 || (errno != ENOENT && errno != ENOTDIR);
}

int po_fs_lock(const char *path, bool wait, long *holder, struct po_err *err)
{
	char text[32];
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	ssize_t n;

	*holder = 0;
	if (fd < 0)
		return po_error(err, PO_EIO, "cannot open the lock file '%s': %s", path,
				strerror(errno));
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			n = pread(fd, text, sizeof(text) - 1, 0);
			text[n > 0 ? n : 0] = '\0';
			*holder = strtol(text, NULL, 10);
			close(fd);
			return po_error(err, PO_EBUSY, "'%s' is locked by process %ld", path, *holder);
		}
		po_error(err, PO_EIO, "cannot lock '%s': %s", path, strerror(errno));
		close(fd);
		return PO_EIO;
	}
	n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	/* Best effort: the pid only makes the refusal message more helpful. */
	if (ftruncate(fd, 0) == 0 && pwrite(fd, text, (size_t)n, 0) < 0)
		(void)0;
	return fd;
}

void po_fs_join(struct po_buf *out, const char *a, const char *b)
{
	po_buf_reset(out);
	po_buf_adds(out, a);
	if (out->len && out->data[out->len - 1] != '/')
		po_buf_addch(out, '/');
	po_buf_adds(out, b);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void po_fs_remove_tree(const char *path)
{
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
