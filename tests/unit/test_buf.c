/*
 * Tests of the growable string buffer: data is a valid C string at every
 * step (after init, reset, setlen, detach, release), appends of every kind
 * land byte for byte, and formatted pieces longer than the stack fast path
 * are not truncated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

/* len and the NUL at data[len] agree, and the text is exactly `want`. */
static void check_buf(const struct po_buf *b, const char *want, size_t want_len)
{
	assert_non_null(b->data);
	assert_int_equal(b->len, want_len);
	assert_int_equal(b->data[b->len], '\0');
	assert_memory_equal(b->data, want, want_len);
	if (b->cap)
		assert_true(b->cap > b->len);
}

static void test_init_is_empty_string(void **state)
{
	struct po_buf a = PO_BUF_INIT, b;

	(void)state;
	/* Poison b so init must set every field. */
	memset(&b, 0x5a, sizeof(b));
	po_buf_init(&b);
	check_buf(&a, "", 0);
	check_buf(&b, "", 0);
	assert_string_equal(b.data, "");
	/* Releasing a never-grown buffer is fine and keeps it usable. */
	po_buf_release(&b);
	check_buf(&b, "", 0);
	po_buf_adds(&b, "x");
	check_buf(&b, "x", 1);
	po_buf_release(&b);
	check_buf(&b, "", 0);
	/* Nothing written into the shared empty string. */
	assert_int_equal(po_buf_empty[0], '\0');
}

static void test_add_adds_addch(void **state)
{
	struct po_buf b = PO_BUF_INIT;

	(void)state;
	po_buf_add(&b, "abc\0def", 7); /* embedded NUL kept: length is len */
	check_buf(&b, "abc\0def", 7);
	po_buf_add(&b, "zzz", 0);
	check_buf(&b, "abc\0def", 7);
	po_buf_adds(&b, "");
	check_buf(&b, "abc\0def", 7);
	po_buf_reset(&b);
	po_buf_adds(&b, "hello");
	po_buf_addch(&b, ',');
	po_buf_addch(&b, ' ');
	po_buf_adds(&b, "world");
	check_buf(&b, "hello, world", 12);
	assert_string_equal(b.data, "hello, world");
	po_buf_release(&b);

	/* addch on a fresh buffer allocates rather than writing the shared "" */
	po_buf_addch(&b, 'q');
	check_buf(&b, "q", 1);
	assert_int_equal(po_buf_empty[0], '\0');
	po_buf_release(&b);
}

static void test_addf_short(void **state)
{
	struct po_buf b = PO_BUF_INIT;

	(void)state;
	po_buf_addf(&b, "%d-%s-%c", 42, "x", 'y');
	check_buf(&b, "42-x-y", 6);
	po_buf_addf(&b, "%s", ""); /* empty piece: nothing changes */
	check_buf(&b, "42-x-y", 6);
	po_buf_addf(&b, "|%05.1f|", 3.14159);
	assert_string_equal(b.data, "42-x-y|003.1|");
	assert_int_equal(b.len, strlen("42-x-y|003.1|"));
	po_buf_release(&b);
}

/* Around the 256-byte stack buffer of vaddf, and far past it. */
static void test_addf_long(void **state)
{
	static const size_t sizes[] = { 254, 255, 256, 257, 1000, 10 * 1024 };
	struct po_buf b = PO_BUF_INIT, want = PO_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < PO_ARRAY_SIZE(sizes); i++) {
		char *s = po_xmalloc(sizes[i] + 1);
		for (size_t j = 0; j < sizes[i]; j++)
			s[j] = (char)('a' + (i + j) % 26);
		s[sizes[i]] = '\0';

		po_buf_reset(&b);
		po_buf_adds(&b, "pre:");
		po_buf_addf(&b, "%s", s);
		po_buf_addf(&b, "<%zu>", sizes[i]);

		po_buf_reset(&want);
		po_buf_adds(&want, "pre:");
		po_buf_adds(&want, s);
		po_buf_adds(&want, "<");
		char num[32];
		snprintf(num, sizeof(num), "%zu>", sizes[i]);
		po_buf_adds(&want, num);
		check_buf(&b, want.data, want.len);
		assert_int_equal(strlen(b.data), b.len);
		free(s);
	}
	/* A long formatted piece as the first thing in a fresh buffer. */
	po_buf_release(&b);
	po_buf_addf(&b, "%300s", "end");
	assert_int_equal(b.len, 300);
	assert_int_equal(strlen(b.data), 300);
	assert_string_equal(b.data + 297, "end");
	po_buf_release(&b);
	po_buf_release(&want);
}

static void test_reset_and_setlen(void **state)
{
	struct po_buf b = PO_BUF_INIT;

	(void)state;
	/* On a never-grown buffer both are no-ops that keep "". */
	po_buf_reset(&b);
	check_buf(&b, "", 0);
	po_buf_setlen(&b, 5);
	check_buf(&b, "", 0);

	po_buf_adds(&b, "abcdef");
	po_buf_setlen(&b, 3);
	check_buf(&b, "abc", 3);
	assert_string_equal(b.data, "abc");
	/* Growing through setlen is not allowed: it stays at the length. */
	po_buf_setlen(&b, 100);
	check_buf(&b, "abc", 3);
	po_buf_adds(&b, "XY");
	check_buf(&b, "abcXY", 5);
	po_buf_reset(&b);
	check_buf(&b, "", 0);
	assert_string_equal(b.data, "");
	/* The storage is kept and reused after reset. */
	assert_true(b.cap > 0);
	po_buf_adds(&b, "again");
	check_buf(&b, "again", 5);
	po_buf_release(&b);
}

static void test_detach(void **state)
{
	struct po_buf b = PO_BUF_INIT;
	char *s;

	(void)state;
	po_buf_adds(&b, "owned text");
	s = po_buf_detach(&b);
	assert_string_equal(s, "owned text");
	check_buf(&b, "", 0);
	assert_int_equal(b.cap, 0);
	/* The buffer is reusable and independent of the detached string. */
	po_buf_adds(&b, "new");
	assert_string_equal(s, "owned text");
	check_buf(&b, "new", 3);
	free(s);
	po_buf_release(&b);

	/* From an empty buffer: a new "" the caller can free and write. */
	s = po_buf_detach(&b);
	assert_non_null(s);
	assert_ptr_not_equal(s, po_buf_empty);
	assert_string_equal(s, "");
	free(s);
	check_buf(&b, "", 0);

	/* From a reset (allocated but empty) buffer too. */
	po_buf_adds(&b, "x");
	po_buf_reset(&b);
	s = po_buf_detach(&b);
	assert_string_equal(s, "");
	free(s);
	check_buf(&b, "", 0);
}

static void test_release_frees_and_reinits(void **state)
{
	struct po_buf b = PO_BUF_INIT;

	(void)state;
	po_buf_adds(&b, "some text that needs memory");
	assert_true(b.cap > 0);
	po_buf_release(&b);
	assert_ptr_equal(b.data, po_buf_empty);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	po_buf_release(&b); /* twice is fine */
	check_buf(&b, "", 0);
}

/* Many appends of every kind: content is exact, capacity always ahead. */
static void test_growth(void **state)
{
	struct po_buf b = PO_BUF_INIT;
	char *want = po_xmalloc(200001);
	size_t n = 0, grows = 0, cap = 0;

	(void)state;
	for (int i = 0; n < 199990; i++) {
		char piece[16];
		int k = snprintf(piece, sizeof(piece), "%d;", i);

		switch (i % 3) {
		case 0:
			po_buf_add(&b, piece, (size_t)k);
			break;
		case 1:
			po_buf_addf(&b, "%d;", i);
			break;
		default:
			for (int j = 0; j < k; j++)
				po_buf_addch(&b, piece[j]);
		}
		memcpy(want + n, piece, (size_t)k);
		n += (size_t)k;
		assert_int_equal(b.len, n);
		assert_int_equal(b.data[n], '\0');
		if (b.cap != cap) {
			grows++;
			cap = b.cap;
		}
	}
	want[n] = '\0';
	check_buf(&b, want, n);
	assert_string_equal(b.data, want);
	/* Geometric growth: a handful of reallocations, not one per append. */
	assert_true(grows < 40);
	po_buf_release(&b);
	free(want);
}

/* po_buf_grow reserves room without changing the contents. */
static void test_grow_explicit(void **state)
{
	struct po_buf b = PO_BUF_INIT;

	(void)state;
	po_buf_grow(&b, 1000);
	assert_true(b.cap >= 1001);
	check_buf(&b, "", 0);
	po_buf_adds(&b, "ab");
	po_buf_grow(&b, 0);
	check_buf(&b, "ab", 2);
	po_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_empty_string),
		cmocka_unit_test(test_add_adds_addch),
		cmocka_unit_test(test_addf_short),
		cmocka_unit_test(test_addf_long),
		cmocka_unit_test(test_reset_and_setlen),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_release_frees_and_reinits),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_grow_explicit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
