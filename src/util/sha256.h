/*
 * SHA-256 (FIPS 180-4), small and dependency-free: the response cache keys
 * requests by the hash of everything that determines an answer.
 */
#ifndef PO_SHA256_H
#define PO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define PO_SHA256_LEN 32
#define PO_SHA256_HEX_LEN 64

struct po_sha256 {
	uint32_t h[8];
	uint64_t total;     /* bytes hashed so far */
	unsigned char block[64];
	size_t used;        /* bytes in block */
};

void po_sha256_init(struct po_sha256 *c);
void po_sha256_update(struct po_sha256 *c, const void *data, size_t len);
/* Writes the digest; c must be initialized again before reuse. */
void po_sha256_final(struct po_sha256 *c, unsigned char out[PO_SHA256_LEN]);
/* Lower-case hex of a digest into out (PO_SHA256_HEX_LEN + 1 bytes, NUL-terminated). */
void po_sha256_hex(const unsigned char digest[PO_SHA256_LEN], char out[PO_SHA256_HEX_LEN + 1]);
/* One-shot: hex digest of data. */
void po_sha256_hex_of(const void *data, size_t len, char out[PO_SHA256_HEX_LEN + 1]);

#endif
