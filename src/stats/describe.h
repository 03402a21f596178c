/*
 * Descriptive statistics of a sample of doubles: the numbers a benchmark
 * summary prints, with their 95% bootstrap confidence intervals, and outlier
 * detection by modified z-score. Nothing here allocates on behalf of the
 * caller beyond the call; inputs are never modified.
 */
#ifndef PE_DESCRIBE_H
#define PE_DESCRIBE_H

#include <stddef.h>
#include <stdint.h>

/* Resamples used for the bootstrap CIs in struct summary. */
#define SUMMARY_BOOTSTRAP_B 2000
/* Iglewicz & Hoaglin (1993): |modified z| above this is an outlier. */
#define OUTLIER_Z 3.5
/*
 * Outliers this far out (hyperfine's threshold, 10 scaled MADs) are severe:
 * they move the mean, and a warning says so. Milder ones are only counted,
 * as timing data always has a right tail.
 */
#define OUTLIER_Z_SEVERE 14.826

struct summary {
	size_t n;
	double mean;
	double stddev;		/* sample standard deviation (n-1); 0 for n < 2 */
	double median;
	double min, max;
	double p5, p95;		/* quantiles, R type 7 (linear interpolation) */
	double mad;		/* median absolute deviation, unscaled */
	double mean_ci[2];	/* 95% percentile-bootstrap CI of the mean */
	double median_ci[2];	/* 95% percentile-bootstrap CI of the median */
	size_t n_outliers;	/* samples with |modified z-score| > OUTLIER_Z */
	size_t n_low_outliers;	/* of which below the median */
	double max_abs_z;	/* the largest |modified z-score| */
};

/*
 * Fills s from x[0..n-1]; n may be 0 (all fields 0). The bootstrap uses
 * SUMMARY_BOOTSTRAP_B resamples from a generator seeded with seed.
 */
void summary_compute(struct summary *s, const double *x, size_t n, uint64_t seed);
/* The same with nboot resamples; 0 skips the CIs (NAN), for figures shown without them. */
void summary_compute_b(struct summary *s, const double *x, size_t n, uint64_t seed,
		       unsigned nboot);

/* Sample mean; 0 for n == 0. */
double stats_mean(const double *x, size_t n);
/* Sample standard deviation with n-1 in the denominator; 0 for n < 2. */
double stats_stddev(const double *x, size_t n);
/* Quantile p in [0,1] of an ascending-sorted sample, R's type 7 (numpy's default). */
double stats_quantile_sorted(const double *sorted, size_t n, double p);
/* Median of x (not required sorted); 0 for n == 0. */
double stats_median(const double *x, size_t n);
/* Median absolute deviation from the median, unscaled (R's mad(x, constant=1)). */
double stats_mad(const double *x, size_t n);
/*
 * Modified z-score of each x[i]: 0.6745 (x[i] - median) / MAD, written to
 * z[0..n-1]. With MAD == 0 the mean absolute deviation stands in (scaled by
 * 0.7979, as Iglewicz & Hoaglin's companion rule); all-equal samples give 0.
 */
void stats_modified_z(const double *x, size_t n, double *z);

#endif
