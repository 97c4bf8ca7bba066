/*
 * Tests of the file helpers (atomic replace, reads, mkdir -p, join), the
 * JSON file helpers (file:line:col messages, sorted keys) and the seeded
 * random generator. Every test works in its own mkdtemp folder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/rng.h"

/* ---- helpers -------------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup_tmp(void **state)
{
	char *dir = po_xstrdup("/tmp/po_test_fs_XXXXXX");

	if (!mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int teardown_tmp(void **state)
{
	char *dir = *state;
	int ret = nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	free(dir);
	return ret;
}

/* Puts dir/name into b and returns it; the caller releases b. */
static const char *path_in(struct po_buf *b, const char *dir, const char *name)
{
	po_fs_join(b, dir, name);
	return b->data;
}

/* Number of entries in dir whose name contains `needle`. */
static int count_matching(const char *dir, const char *needle)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, needle))
			n++;
	closedir(d);
	return n;
}

static void assert_file_is(const char *path, const char *want, size_t want_len)
{
	struct po_buf b = PO_BUF_INIT;
	struct po_err err = { 0 };

	assert_int_equal(po_fs_read_file(path, &b, &err), 0);
	assert_int_equal(b.len, want_len);
	assert_memory_equal(b.data, want, want_len);
	po_buf_release(&b);
}

static void assert_mode(const char *path, mode_t mode)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, mode);
}

/* ---- atomic writes -------------------------------------------------------- */

static void test_replace_writes_content_and_mode(void **state)
{
	const char *dir = *state;
	struct po_buf p = PO_BUF_INIT, q = PO_BUF_INIT;
	struct po_err err = { 0 };
	mode_t old = umask(077); /* the mode must not depend on the umask */

	path_in(&p, dir, "durable.txt");
	assert_int_equal(po_fs_write_atomic(p.data, "one\ntwo\n", 8, &err), 0);
	assert_file_is(p.data, "one\ntwo\n", 8);
	assert_mode(p.data, 0644);

	path_in(&q, dir, "fast.bin");
	assert_int_equal(po_fs_replace(q.data, "a\0b", 3, false, &err), 0);
	assert_file_is(q.data, "a\0b", 3);
	assert_mode(q.data, 0644);

	/* Empty content makes an empty file. */
	path_in(&q, dir, "empty");
	assert_int_equal(po_fs_replace(q.data, "", 0, true, &err), 0);
	assert_file_is(q.data, "", 0);
	umask(old);

	assert_int_equal(count_matching(dir, ".tmp."), 0);
	po_buf_release(&p);
	po_buf_release(&q);
}

static void test_replace_existing_file(void **state)
{
	const char *dir = *state;
	struct po_buf p = PO_BUF_INIT;
	struct po_err err = { 0 };
	FILE *f;

	path_in(&p, dir, "results.json");
	f = fopen(p.data, "w");
	assert_non_null(f);
	fputs("an old and much longer content that must disappear entirely\n", f);
	fclose(f);
	assert_int_equal(chmod(p.data, 0600), 0);

	assert_int_equal(po_fs_replace(p.data, "new", 3, false, &err), 0);
	assert_file_is(p.data, "new", 3);
	assert_mode(p.data, 0644);
	assert_int_equal(po_fs_write_atomic(p.data, "newer!", 6, &err), 0);
	assert_file_is(p.data, "newer!", 6);

	/* Only the target is left in the folder. */
	assert_int_equal(count_matching(dir, ".tmp."), 0);
	assert_int_equal(count_matching(dir, "results.json"), 1);
	po_buf_release(&p);
}

static void test_replace_missing_folder_fails(void **state)
{
	const char *dir = *state;
	struct po_buf p = PO_BUF_INIT;
	struct po_err err = { 0 };

	path_in(&p, dir, "no/such/folder/out.json");
	assert_int_equal(po_fs_write_atomic(p.data, "x", 1, &err), PO_EIO);
	assert_int_equal(err.code, PO_EIO);
	assert_non_null(strstr(err.msg, p.data));
	assert_non_null(strstr(err.msg, "cannot write"));
	assert_false(po_fs_exists(p.data));

	memset(&err, 0, sizeof(err));
	assert_int_equal(po_fs_replace(p.data, "x", 1, false, &err), PO_EIO);
	assert_non_null(strstr(err.msg, p.data));
	/* A NULL error buffer is allowed: the status alone comes back. */
	assert_int_equal(po_fs_replace(p.data, "x", 1, false, NULL), PO_EIO);
	assert_int_equal(count_matching(dir, ".tmp."), 0);
	po_buf_release(&p);
}

/* A folder in the way of the target: the write fails and leaves no temp file. */
static void test_replace_over_folder_fails_clean(void **state)
{
	const char *dir = *state;
	struct po_buf p = PO_BUF_INIT;
	struct po_err err = { 0 };

	path_in(&p, dir, "taken");
	assert_int_equal(mkdir(p.data, 0755), 0);
	assert_int_equal(po_fs_replace(p.data, "x", 1, false, &err), PO_EIO);
	assert_non_null(strstr(err.msg, p.data));
	assert_true(po_fs_is_dir(p.data));
	assert_int_equal(count_matching(dir, ".tmp."), 0);
	po_buf_release(&p);
}

/* A pipe (or a device such as /dev/null) is written in place, never
 * replaced by a file. */
static void test_replace_fifo_written_in_place(void **state)
{
	const char *dir = *state;
	struct po_buf p = PO_BUF_INIT;
	struct po_err err = { 0 };
	struct stat st;
	char got[16] = { 0 };
	int rfd;

	path_in(&p, dir, "pipe");
	assert_int_equal(mkfifo(p.data, 0600), 0);
	/* Open the reading end first without blocking, so the write finds a
	 * reader; 5 bytes fit the pipe's buffer. */
	rfd = open(p.data, O_RDONLY | O_NONBLOCK);
	assert_true(rfd >= 0);
	assert_int_equal(po_fs_replace(p.data, "hello", 5, true, &err), 0);
	assert_int_equal(read(rfd, got, sizeof(got) - 1), 5);
	assert_string_equal(got, "hello");
	close(rfd);
	assert_int_equal(stat(p.data, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(count_matching(dir, ".tmp."), 0);
	po_buf_release(&p);
}

/* ---- reads ---------------------------------------------------------------- */

static void test_read_file(void **state)
{
	const char *dir = *state;
	struct po_buf p = PO_BUF_INIT, b = PO_BUF_INIT;
	struct po_err err = { 0 };
	size_t big = 200000; /* more than one read() chunk */
	char *data = po_xmalloc(big);

	for (size_t i = 0; i < big; i++)
		data[i] = (char)(i * 7 % 251);
	path_in(&p, dir, "big.bin");
	assert_int_equal(po_fs_replace(p.data, data, big, false, &err), 0);
	/* The contents are appended to what the buffer holds. */
	po_buf_adds(&b, "head:");
	assert_int_equal(po_fs_read_file(p.data, &b, &err), 0);
	assert_int_equal(b.len, 5 + big);
	assert_memory_equal(b.data, "head:", 5);
	assert_memory_equal(b.data + 5, data, big);
	assert_int_equal(b.data[b.len], '\0');
	free(data);
	po_buf_release(&b);
	po_buf_release(&p);
}

static void test_read_missing_and_folder(void **state)
{
	const char *dir = *state;
	struct po_buf p = PO_BUF_INIT, b = PO_BUF_INIT;
	struct po_err err = { 0 };

	path_in(&p, dir, "missing.json");
	assert_int_equal(po_fs_read_file(p.data, &b, &err), PO_ENOTFOUND);
	assert_int_equal(err.code, PO_ENOTFOUND);
	assert_non_null(strstr(err.msg, p.data));
	assert_int_equal(b.len, 0);

	memset(&err, 0, sizeof(err));
	assert_int_equal(po_fs_read_file(dir, &b, &err), PO_EIO);
	assert_int_equal(err.code, PO_EIO);
	assert_non_null(strstr(err.msg, dir));
	assert_non_null(strstr(err.msg, "folder"));
	assert_int_equal(b.len, 0);
	po_buf_release(&p);
	po_buf_release(&b);
}

/* ---- folders and paths ---------------------------------------------------- */

static void test_mkdirs(void **state)
{
	const char *dir = *state;
	struct po_buf p = PO_BUF_INIT, f = PO_BUF_INIT;
	struct po_err err = { 0 };

	path_in(&p, dir, "a/b/c/d");
	assert_false(po_fs_exists(p.data));
	assert_int_equal(po_fs_mkdirs(p.data, &err), 0);
	assert_true(po_fs_is_dir(p.data));
	/* Existing: fine, also with a trailing slash. */
	assert_int_equal(po_fs_mkdirs(p.data, &err), 0);
	po_buf_addch(&p, '/');
	assert_int_equal(po_fs_mkdirs(p.data, &err), 0);
	assert_int_equal(po_fs_mkdirs(dir, &err), 0);

	/* A file in the way, as the target or as a parent. */
	path_in(&f, dir, "a/file");
	assert_int_equal(po_fs_write_atomic(f.data, "x", 1, &err), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(po_fs_mkdirs(f.data, &err), PO_EIO);
	assert_int_equal(err.code, PO_EIO);
	assert_non_null(strstr(err.msg, f.data));
	assert_false(po_fs_is_dir(f.data));
	assert_true(po_fs_exists(f.data));

	po_buf_adds(&f, "/sub/deeper");
	memset(&err, 0, sizeof(err));
	assert_int_equal(po_fs_mkdirs(f.data, &err), PO_EIO);
	assert_non_null(strstr(err.msg, "cannot create folder"));
	assert_non_null(strstr(err.msg, "a/file"));
	assert_false(po_fs_exists(f.data));
	po_buf_release(&p);
	po_buf_release(&f);
}

static void test_is_dir_exists(void **state)
{
	const char *dir = *state;
	struct po_buf p = PO_BUF_INIT;
	struct po_err err = { 0 };

	assert_true(po_fs_is_dir(dir));
	assert_true(po_fs_exists(dir));
	path_in(&p, dir, "f");
	assert_false(po_fs_exists(p.data));
	assert_int_equal(po_fs_write_atomic(p.data, "", 0, &err), 0);
	assert_true(po_fs_exists(p.data));
	assert_false(po_fs_is_dir(p.data));
	po_buf_release(&p);
}

static void test_join(void **state)
{
	struct po_buf b = PO_BUF_INIT;

	(void)state;
	po_fs_join(&b, "a", "b.json");
	assert_string_equal(b.data, "a/b.json");
	/* Reset first: the old contents go. */
	po_fs_join(&b, "dir/", "x");
	assert_string_equal(b.data, "dir/x");
	assert_int_equal(b.len, 5);
	po_fs_join(&b, "/", "etc");
	assert_string_equal(b.data, "/etc");
	po_fs_join(&b, "", "name");
	assert_string_equal(b.data, "name");
	po_fs_join(&b, "a/b", "c/d");
	assert_string_equal(b.data, "a/b/c/d");
	po_buf_release(&b);
}

/* ---- JSON files ----------------------------------------------------------- */

static void test_json_syntax_error_message(void **state)
{
	const char *dir = *state;
	const char *bad = "{\n  \"a\": 1,\n  \"b\": tru\n}\n";
	struct po_buf p = PO_BUF_INIT, want = PO_BUF_INIT;
	struct po_err err = { 0 };
	json_t *j = json_true(); /* a static value: must become NULL on failure */

	path_in(&p, dir, "bad.json");
	assert_int_equal(po_fs_write_atomic(p.data, bad, strlen(bad), &err), 0);
	assert_int_equal(po_json_load_file(p.data, &j, &err), PO_ESYNTAX);
	assert_null(j);
	assert_int_equal(err.code, PO_ESYNTAX);
	po_buf_addf(&want, "%s:3:10: invalid JSON: invalid token near 'tru'", p.data);
	assert_string_equal(err.msg, want.data);

	/* Duplicate keys are an error too, with their position. */
	assert_int_equal(po_json_load_text("dup.json", "{\"a\":1,\"a\":2}", 13, &j, &err),
			 PO_ESYNTAX);
	assert_null(j);
	assert_string_equal(err.msg, "dup.json:1:10: invalid JSON: duplicate object key near '\"a\"'");

	/* Empty text: a position of at least 1:1, never column 0. */
	assert_int_equal(po_json_load_text("empty.json", "", 0, &j, &err), PO_ESYNTAX);
	assert_non_null(strstr(err.msg, "empty.json:1:1: invalid JSON: "));

	/* A missing file is "not found", not a syntax error. */
	path_in(&p, dir, "none.json");
	assert_int_equal(po_json_load_file(p.data, &j, &err), PO_ENOTFOUND);
	assert_null(j);
	po_buf_release(&p);
	po_buf_release(&want);
}

static void test_json_write_sorted_with_newline(void **state)
{
	const char *dir = *state;
	const char *want = "{\n"
			   "  \"a\": {\n"
			   "    \"c\": [\n"
			   "      1,\n"
			   "      0.1\n"
			   "    ],\n"
			   "    \"d\": \"x\"\n"
			   "  },\n"
			   "  \"b\": true,\n"
			   "  \"z\": null\n"
			   "}\n";
	struct po_buf p = PO_BUF_INIT;
	struct po_err err = { 0 };
	json_t *v = json_pack("{s:n, s:b, s:{s:s, s:[i, f]}}", "z", "b", 1, "a", "d", "x", "c",
			      1, 0.1);
	json_t *back = NULL;

	assert_non_null(v);
	path_in(&p, dir, "out.json");
	assert_int_equal(po_json_write_file(p.data, v, &err), 0);
	assert_file_is(p.data, want, strlen(want));
	assert_mode(p.data, 0644);

	/* Non-durable variant: same bytes; and the file reads back equal. */
	assert_int_equal(po_json_write_file_ex(p.data, v, false, &err), 0);
	assert_file_is(p.data, want, strlen(want));
	assert_int_equal(po_json_load_file(p.data, &back, &err), 0);
	assert_true(json_equal(v, back));
	assert_int_equal(count_matching(dir, ".tmp."), 0);

	/* Into a missing folder: PO_EIO naming the path. */
	path_in(&p, dir, "missing/out.json");
	assert_int_equal(po_json_write_file(p.data, v, &err), PO_EIO);
	assert_non_null(strstr(err.msg, p.data));

	json_decref(v);
	json_decref(back);
	po_buf_release(&p);
}

static void test_json_compact_sorted(void **state)
{
	json_t *v = json_pack("{s:i, s:s, s:[]}", "b", 2, "a", "x", "c");
	char *s;

	(void)state;
	s = po_json_dumps_compact(v);
	assert_string_equal(s, "{\"a\":\"x\",\"b\":2,\"c\":[]}");
	free(s);
	json_decref(v);
}

/* ---- random numbers ------------------------------------------------------- */

static void test_rng_same_seed_same_stream(void **state)
{
	struct po_rng a, b, c;
	int differ = 0;

	(void)state;
	po_rng_seed(&a, 42);
	po_rng_seed(&b, 42);
	po_rng_seed(&c, 43);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = po_rng_next(&a);
		assert_int_equal(x, po_rng_next(&b));
		differ += x != po_rng_next(&c);
	}
	assert_true(differ > 990);
	/* Derived draws follow the same stream. */
	po_rng_seed(&a, 7);
	po_rng_seed(&b, 7);
	for (int i = 0; i < 100; i++) {
		assert_true(po_rng_double(&a) == po_rng_double(&b));
		assert_int_equal(po_rng_below(&a, 1000), po_rng_below(&b, 1000));
		assert_true(po_rng_normal(&a) == po_rng_normal(&b));
	}
	/* Seed 0 is a valid seed, not a stuck all-zero state. */
	po_rng_seed(&a, 0);
	assert_true(po_rng_next(&a) != 0 || po_rng_next(&a) != 0);
}

static void test_rng_below_bounds(void **state)
{
	static const uint64_t ns[] = { 1, 2, 3, 7, 10, 1000, (1ULL << 63) + 5, UINT64_MAX };
	struct po_rng r;
	int seen[10] = { 0 };

	(void)state;
	po_rng_seed(&r, 1);
	for (size_t k = 0; k < PO_ARRAY_SIZE(ns); k++)
		for (int i = 0; i < 2000; i++)
			assert_true(po_rng_below(&r, ns[k]) < ns[k]);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(po_rng_below(&r, 1), 0);
	/* Every value of a small range comes up, roughly uniformly. */
	for (int i = 0; i < 10000; i++)
		seen[po_rng_below(&r, 10)]++;
	for (int i = 0; i < 10; i++)
		assert_true(seen[i] > 850 && seen[i] < 1150);
}

static void test_rng_double_range(void **state)
{
	struct po_rng r;
	double sum = 0, lo = 1, hi = 0;
	int n = 100000;

	(void)state;
	po_rng_seed(&r, 2024);
	for (int i = 0; i < n; i++) {
		double x = po_rng_double(&r);
		assert_true(x >= 0.0 && x < 1.0);
		sum += x;
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	assert_true(fabs(sum / n - 0.5) < 0.01);
	assert_true(lo < 0.001 && hi > 0.999);
}

static void test_rng_normal_moments(void **state)
{
	struct po_rng r;
	double sum = 0, sq = 0, mean, sd;
	int n = 100000, beyond2 = 0;

	(void)state;
	po_rng_seed(&r, 99);
	for (int i = 0; i < n; i++) {
		double x = po_rng_normal(&r);
		assert_true(isfinite(x));
		sum += x;
		sq += x * x;
		beyond2 += fabs(x) > 2;
	}
	mean = sum / n;
	sd = sqrt(sq / n - mean * mean);
	assert_true(fabs(mean) < 0.02);
	assert_true(fabs(sd - 1.0) < 0.02);
	/* About 4.55 % of a standard normal lies beyond 2 sd. */
	assert_true(beyond2 > 4000 && beyond2 < 5100);
}

static void test_hash(void **state)
{
	(void)state;
	assert_int_equal(po_hash_str("prompt", 0), po_hash_str("prompt", 0));
	assert_int_equal(po_hash_str("prompt", 0), po_hash64("prompt", 6, 0));
	assert_true(po_hash_str("prompt", 0) != po_hash_str("prompt", 1));
	assert_true(po_hash_str("prompt", 0) != po_hash_str("prompT", 0));
	assert_int_equal(po_hash_str(NULL, 5), po_hash_str("", 5));
	assert_true(po_hash_u64(1, 0) != po_hash_u64(2, 0));
}

/* po_json_escape: what it writes parses back to the same string. */
/* po_json_int: integers as they are, reals cut to their integer part and
 * saturated (a cast out of range was undefined; found by fuzz_checkpoint). */
static void test_json_int_getter(void **state)
{
	json_t *o = json_loads("{\"i\": -7, \"r\": 2.9, \"big\": 1e300, \"small\": -1e300,"
			       " \"s\": \"3\"}", 0, NULL);

	(void)state;
	assert_non_null(o);
	assert_int_equal(po_json_int(o, "i", 0), -7);
	assert_int_equal(po_json_int(o, "r", 0), 2);
	assert_true(po_json_int(o, "big", 0) == LLONG_MAX);
	assert_true(po_json_int(o, "small", 0) == LLONG_MIN);
	assert_int_equal(po_json_int(o, "s", 5), 5);
	assert_int_equal(po_json_int(o, "none", 5), 5);
	json_decref(o);
}

static void test_json_escape(void **state)
{
	static const char *const cases[] = {
		"", "plain", "quote \" and backslash \\", "line\nbreak\ttab\rcr",
		"\x01\x1f control", "caf\xc3\xa9 UTF-8 kept", "{\"json\": [1, 2]}",
	};
	struct po_buf b = PO_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *v;

		po_buf_reset(&b);
		po_json_escape(&b, cases[i]);
		v = json_loads(b.data, JSON_DECODE_ANY, NULL);
		assert_non_null(v);
		assert_string_equal(json_string_value(v), cases[i]);
		json_decref(v);
	}
	po_buf_reset(&b);
	po_json_escape(&b, "\x01");
	assert_string_equal(b.data, "\"\\u0001\"");
	po_buf_reset(&b);
	po_json_escape(&b, NULL);
	assert_string_equal(b.data, "null");
	po_buf_release(&b);
}

/* The results writer gives exactly what json_dumps gives with the flags it
 * replaces: on values of every kind, escapes, reals and nesting. */
static void same_as_jansson(const json_t *v)
{
	char *want = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10) |
				       JSON_ENCODE_ANY);
	char *line = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17) |
				       JSON_ENCODE_ANY);
	struct po_buf got = PO_BUF_INIT;

	assert_non_null(want);
	po_json_dump(&got, v, 0, 10);
	assert_string_equal(got.data, want);
	/* ... and on one line, as the checkpoint's log writes it */
	po_buf_reset(&got);
	po_json_dump_line(&got, v, 17);
	assert_string_equal(got.data, line);
	free(want);
	free(line);
	po_buf_release(&got);
}

static void test_json_dump_results_matches_jansson(void **state)
{
	static const double reals[] = {
		0.0, -0.0, 1.0, -1.5, 0.1, 1.0 / 3.0, 56.41428571428571, 1e20, 1.5e-7, 123456789012.0,
		-2.5e-300, 1e300, 9.999999999e9, 100.0, 4.0e-5,
	};
	json_t *doc = json_pack("{s:s, s:i, s:I, s:b, s:b, s:n, s:[], s:{}, s:[i, s, [], {}, [i, [i]]]}",
				"zeta", "last", "alpha", 1, "big", (json_int_t)-9007199254740993LL,
				"t", 1, "f", 0, "nothing", "empty_list", "empty_obj", "mixed", 7,
				"x", 1, 2);
	json_t *reals_a = json_array();
	struct po_buf b = PO_BUF_INIT;

	(void)state;
	assert_non_null(doc);
	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++)
		json_array_append_new(reals_a, json_real(reals[i]));
	json_object_set_new(doc, "reals", reals_a);
	json_object_set_new(doc, "escapes",
			    json_string("q\" b\\ / \b\f\n\r\t \x01\x1f\x7f caf\xc3\xa9 \xe2\x80\xa8"));
	json_object_set_new(doc, "with nul", json_stringn("a\0b", 3));
	json_object_set_new(doc, "B upper before lower", json_true());
	json_object_set_new(doc, "", json_string("empty key"));
	same_as_jansson(doc);
	same_as_jansson(reals_a);
	{
		char *want = json_dumps(reals_a, JSON_INDENT(2) | JSON_SORT_KEYS |
						 JSON_REAL_PRECISION(17));
		po_buf_reset(&b);
		po_json_dump(&b, reals_a, 0, 17);
		assert_string_equal(b.data, want);
		free(want);
	}
	json_decref(doc);

	/* A real run's files, read back and written again. */
	{
		const char *files[] = { "optimization_final_results.json", "evaluation_iteration_001.json",
					"config_pr-faq-validator.json", "test_cases_pr-faq-validator.json" };
		struct po_run_options o;
		struct po_experiment *e = NULL;
		struct po_err err = { 0 };
		char dir[] = "/tmp/po-dump-XXXXXX", cwd[4096];

		assert_non_null(mkdtemp(dir));
		assert_non_null(getcwd(cwd, sizeof(cwd)));
		assert_int_equal(chdir(dir), 0);
		po_run_options_init(&o);
		o.project = "pr-faq-validator";
		o.max_iterations = 2;
		o.write_report = false;
		assert_int_equal(po_experiment_new(&e, &o, &err), 0);
		assert_int_equal(po_experiment_run(e, &err), 0);
		po_experiment_free(e);
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			json_t *v = NULL;

			po_buf_reset(&b);
			po_buf_addf(&b, "prompt_tuning_results_pr-faq-validator/%s", files[i]);
			assert_int_equal(po_json_load_file(b.data, &v, &err), 0);
			same_as_jansson(v);
			json_decref(v);
		}
		assert_int_equal(chdir(cwd), 0);
		po_buf_reset(&b);
		po_buf_addf(&b, "rm -rf '%s'", dir);
		assert_int_equal(system(b.data), 0);
	}
	po_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replace_writes_content_and_mode, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_replace_existing_file, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_replace_missing_folder_fails, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_replace_over_folder_fails_clean, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_replace_fifo_written_in_place, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_read_file, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_read_missing_and_folder, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_mkdirs, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_is_dir_exists, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_join),
		cmocka_unit_test_setup_teardown(test_json_syntax_error_message, setup_tmp,
						teardown_tmp),
		cmocka_unit_test_setup_teardown(test_json_write_sorted_with_newline, setup_tmp,
						teardown_tmp),
		cmocka_unit_test(test_json_compact_sorted),
		cmocka_unit_test(test_rng_same_seed_same_stream),
		cmocka_unit_test(test_rng_below_bounds),
		cmocka_unit_test(test_rng_double_range),
		cmocka_unit_test(test_rng_normal_moments),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_json_int_getter),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_json_dump_results_matches_jansson),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
