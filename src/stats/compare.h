/*
 * Comparing two samples of a lower-is-better metric: the ratio of means with
 * its bootstrap CI, the Mann-Whitney p-value, and the verdict. Shared by
 * `bench` (each command against the reference) and `compare` (new against
 * old), so both decide the same way.
 */
#ifndef PE_COMPARE_H
#define PE_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "stats/verdict.h"

struct comparison {
	double ratio;		/* mean(x) / mean(ref); NAN when mean(ref) is 0 */
	double ratio_ci[2];	/* 95% bootstrap CI of the ratio */
	double p;		/* Mann-Whitney U, two-sided */
	enum verdict verdict;	/* with the noise band given */
};

/* Resamples for the ratio CI. */
#define COMPARE_BOOTSTRAP_B 2000

void compare_samples(const double *x, size_t nx, const double *ref, size_t nref,
		     double noise, uint64_t seed, struct comparison *c);

#endif
