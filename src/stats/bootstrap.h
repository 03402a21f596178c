/*
 * Percentile bootstrap confidence intervals (Efron): resample with
 * replacement b times, compute the statistic, and take the alpha/2 and
 * 1-alpha/2 quantiles of the b values. Deterministic for a given seed.
 */
#ifndef PE_BOOTSTRAP_H
#define PE_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

enum boot_stat { BOOT_MEAN, BOOT_MEDIAN };

/*
 * CI (confidence level conf, e.g. 0.95) of the statistic of x[0..n-1] into
 * lo/hi. n == 0 gives 0,0; n == 1 gives x[0],x[0].
 */
void bootstrap_ci(const double *x, size_t n, enum boot_stat stat, double conf,
		  unsigned b, uint64_t seed, double *lo, double *hi);

/*
 * CI of the ratio stat(a) / stat(b), resampling a and b independently.
 * Resamples whose denominator is 0 are skipped; if all are, lo = hi = NAN.
 */
void bootstrap_ratio_ci(const double *a, size_t na, const double *b, size_t nb,
			enum boot_stat stat, double conf, unsigned nboot,
			uint64_t seed, double *lo, double *hi);

#endif
