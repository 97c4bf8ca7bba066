/*
 * Deterministic randomness: a xoshiro256** generator seeded through
 * splitmix64, and a 64-bit hash to derive seeds from inputs, so that the
 * same (seed, inputs) always give the same stream.
 */
#ifndef PO_RNG_H
#define PO_RNG_H

#include <stddef.h>
#include <stdint.h>

struct po_rng {
	uint64_t s[4];
};

void po_rng_seed(struct po_rng *r, uint64_t seed);
uint64_t po_rng_next(struct po_rng *r);
/* Uniform in [0, 1). */
double po_rng_double(struct po_rng *r);
/* Uniform integer in [0, n); n > 0. */
uint64_t po_rng_below(struct po_rng *r, uint64_t n);
/* Standard normal (Box-Muller). */
double po_rng_normal(struct po_rng *r);

/* 64-bit FNV-1a of data, mixed with h (pass 0 or a previous hash to chain). */
uint64_t po_hash64(const void *data, size_t len, uint64_t h);
uint64_t po_hash_str(const char *s, uint64_t h);
uint64_t po_hash_u64(uint64_t v, uint64_t h);

#endif
