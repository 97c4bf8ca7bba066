/*
 * xoshiro256** and splitmix64 (public-domain algorithms by Blackman and
 * Vigna, written here from their published definitions).
 */
#include "util/rng.h"

#include <math.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void po_rng_seed(struct po_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t po_rng_next(struct po_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double po_rng_double(struct po_rng *r)
{
	return (double)(po_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t po_rng_below(struct po_rng *r, uint64_t n)
{
	/* Rejection keeps the result unbiased for any n. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;

	do
		x = po_rng_next(r);
	while (x >= limit);
	return x % n;
}

double po_rng_normal(struct po_rng *r)
{
	double u1 = po_rng_double(r), u2 = po_rng_double(r);

	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

uint64_t po_hash64(const void *data, size_t len, uint64_t h)
{
	const unsigned char *p = data;
	uint64_t x = h ^ 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		x ^= p[i];
		x *= 0x100000001b3ULL;
	}
	return splitmix64(&x);
}

uint64_t po_hash_str(const char *s, uint64_t h)
{
	return po_hash64(s ? s : "", s ? strlen(s) : 0, h);
}

uint64_t po_hash_u64(uint64_t v, uint64_t h)
{
	return po_hash64(&v, sizeof(v), h);
}
