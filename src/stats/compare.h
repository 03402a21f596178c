/*
 * Comparing two samples of a lower-is-better metric: the ratios of means and
 * of medians with their bootstrap CIs, the Mann-Whitney p-value, and the
 * verdict. Shared by `bench` (each command against the reference) and
 * `compare` (new against old), so both decide the same way.
 *
 * The verdict rests on the ratio of medians, as benchstat's does: a shared
 * machine adds a few runs that are much slower than the rest, and those
 * widen the mean's CI until a real 5% change hides in it, while the median
 * and the rank test barely move (bench/calibrate.sh, docs/benchmarks.md).
 * The ratio of means stays beside it, as hyperfine reports it.
 */
#ifndef PE_COMPARE_H
#define PE_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "stats/verdict.h"

struct comparison {
	double ratio;		/* mean(x) / mean(ref); NAN when mean(ref) is 0 */
	double ratio_ci[2];	/* 95% bootstrap CI of the ratio */
	double median_ratio;	/* median(x) / median(ref); NAN when median(ref) is 0 */
	double median_ci[2];	/* 95% bootstrap CI of median_ratio: the verdict's */
	double p;		/* Mann-Whitney U, two-sided */
	enum verdict verdict;	/* from median_ci and p, with the noise band given */
};

/* Resamples for the ratio CI. */
#define COMPARE_BOOTSTRAP_B 2000

void compare_samples(const double *x, size_t nx, const double *ref, size_t nref,
		     double noise, uint64_t seed, struct comparison *c);

#endif
