/*
 * A small, fast, seedable PRNG (xoshiro256**, seeded through splitmix64) so
 * that resampling is reproducible: the same samples and seed give the same
 * confidence interval on every machine.
 */
#ifndef PE_RNG_H
#define PE_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform integer in [0, n), without modulo bias; n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Uniform double in [0, 1). */
double rng_uniform(struct rng *r);

#endif
