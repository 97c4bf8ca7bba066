/*
 * A full disk for the shell tests, without root (no small tmpfs needed):
 * preloaded (LD_PRELOAD), it makes write(), pwrite() and writev() on
 * regular files whose path contains $ENOSPC_MATCH (every regular file when
 * unset) fail with ENOSPC, as a full file system does. Terminals, pipes
 * and sockets are left alone. Built by the test that uses it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static int full(int fd)
{
	const char *match = getenv("ENOSPC_MATCH");
	char link[64], path[4096];
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (!match || !*match)
		return 1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return 0;
	path[n] = '\0';
	return strstr(path, match) != NULL;
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
#define NEXT(name, type) static type real; if (!real) real = (type)dlsym(RTLD_NEXT, name)

ssize_t write(int fd, const void *buf, size_t len)
{
	NEXT("write", write_fn);
	if (len && full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	NEXT("pwrite", pwrite_fn);
	if (len && full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	NEXT("pwrite64", pwrite_fn);
	if (len && full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, len, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	NEXT("writev", writev_fn);
	if (cnt && full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, iov, cnt);
}
