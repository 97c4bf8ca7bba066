/*
 * SHA-256 against the FIPS 180-4 / NIST test vectors, including inputs that
 * end exactly at and around the padding boundary and data fed in pieces.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/sha256.h"

static void check(const char *in, const char *want)
{
	char hex[PO_SHA256_HEX_LEN + 1];

	po_sha256_hex_of(in, strlen(in), hex);
	assert_string_equal(hex, want);
}

static void test_vectors(void **state)
{
	(void)state;
	check("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
	check("The quick brown fox jumps over the lazy dog",
	      "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592");
}

/* One million 'a', fed in uneven pieces (NIST long message vector). */
static void test_million_a_in_pieces(void **state)
{
	struct po_sha256 c;
	unsigned char d[PO_SHA256_LEN];
	char hex[PO_SHA256_HEX_LEN + 1], chunk[1024];
	size_t done = 0, step = 1;

	(void)state;
	memset(chunk, 'a', sizeof(chunk));
	po_sha256_init(&c);
	while (done < 1000000) {
		size_t n = step < 1000000 - done ? step : 1000000 - done;
		po_sha256_update(&c, chunk, n);
		done += n;
		step = step % 997 + 7;
	}
	po_sha256_final(&c, d);
	po_sha256_hex(d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths 0..200 in one piece and in bytes agree (padding at 55, 56, 64). */
static void test_split_agrees(void **state)
{
	unsigned char buf[200];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 31 + 7);
	for (size_t len = 0; len <= sizeof(buf); len++) {
		struct po_sha256 c;
		unsigned char d1[PO_SHA256_LEN], d2[PO_SHA256_LEN];

		po_sha256_init(&c);
		po_sha256_update(&c, buf, len);
		po_sha256_final(&c, d1);
		po_sha256_init(&c);
		for (size_t i = 0; i < len; i++)
			po_sha256_update(&c, buf + i, 1);
		po_sha256_final(&c, d2);
		assert_memory_equal(d1, d2, PO_SHA256_LEN);
	}
	/* 55 and 56 bytes straddle the one-block / two-block padding. */
	check("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	      "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
	check("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	      "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_million_a_in_pieces),
		cmocka_unit_test(test_split_agrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
