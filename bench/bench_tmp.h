/*
 * The benchmarks' scratch folder: one per program, in $TMPDIR (else /tmp),
 * removed with everything in it when the program exits, by any return from
 * main or exit() (failures included), or on SIGINT/SIGTERM, so `make bench`
 * leaves nothing behind. Header only: each benchmark is its own program.
 */
#ifndef PO_BENCH_TMP_H
#define PO_BENCH_TMP_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fs.h"

static char bench_tmp_path[4096];

static void bench_tmp_remove(void)
{
	if (bench_tmp_path[0] && chdir("/") == 0)
		po_fs_remove_tree(bench_tmp_path);
	bench_tmp_path[0] = '\0';
}

static void bench_tmp_signal(int sig)
{
	/* Not async-signal-safe in theory; a benchmark interrupted by hand is
	 * the case, and a folder left behind is what this prevents. */
	bench_tmp_remove();
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Creates $TMPDIR/promptopt-bench-NAME-XXXXXX, to be removed at exit, and
 * returns its path (static storage), or NULL with errno set. With chdir_in,
 * the process also moves into it.
 */
static const char *bench_tmp_enter(const char *name, int chdir_in)
{
	const char *t = getenv("TMPDIR");

	snprintf(bench_tmp_path, sizeof(bench_tmp_path), "%s/promptopt-bench-%s-XXXXXX",
		 t && *t ? t : "/tmp", name);
	if (!mkdtemp(bench_tmp_path)) {
		bench_tmp_path[0] = '\0';
		return NULL;
	}
	atexit(bench_tmp_remove);
	signal(SIGINT, bench_tmp_signal);
	signal(SIGTERM, bench_tmp_signal);
	if (chdir_in && chdir(bench_tmp_path) < 0)
		return NULL;
	return bench_tmp_path;
}

#endif
