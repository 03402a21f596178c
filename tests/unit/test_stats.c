/*
 * Tests of the statistics engine in src/stats/: the generator, descriptive
 * statistics, bootstrap CIs, the Mann-Whitney test and the verdict rule.
 * Exact expected values come from independent implementations, R 4.2.2
 * (2022-11-10 r83330) and a few lines of Python 3, with the expression and
 * its printed output (sprintf('%.17g', ...)) next to each asserted value.
 * The bootstrap is random, so its tests check properties instead.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/bootstrap.h"
#include "stats/compare.h"
#include "stats/describe.h"
#include "stats/mannwhitney.h"
#include "stats/rng.h"
#include "stats/verdict.h"

/* |actual - expected| <= rel * |expected| (or <= rel near 0), both printed in full otherwise. */
#define assert_close(actual, expected, rel)                                    \
	do {                                                                   \
		double a__ = (actual), e__ = (expected);                       \
		double tol__ = (rel) * (fabs(e__) > 1 ? fabs(e__) : 1);        \
		if (!(fabs(a__ - e__) <= tol__))                               \
			fail_msg("%s = %.17g, want %.17g (rel %g)", #actual,   \
				 a__, e__, (double)(rel));                     \
	} while (0)

#define REL_DESC 1e-12
#define REL_P 1e-9

/* --- rng --------------------------------------------------------------------- */

/*
 * Reference: xoshiro256** seeded by splitmix64, written from the published
 * algorithms in Python 3:
 *
 *   M = (1 << 64) - 1
 *   def splitmix64(state):
 *       state = (state + 0x9E3779B97F4A7C15) & M
 *       z = state
 *       z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
 *       z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
 *       return state, z ^ (z >> 31)
 *   def rotl(x, k):
 *       return ((x << k) | (x >> (64 - k))) & M
 *   def xoshiro(seed):
 *       s = []
 *       for _ in range(4):
 *           seed, z = splitmix64(seed)
 *           s.append(z)
 *       while True:
 *           r = (rotl((s[1] * 5) & M, 7) * 9) & M
 *           t = (s[1] << 17) & M
 *           s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
 *           s[3] = rotl(s[3], 45)
 *           yield r
 *   g = xoshiro(1); print([hex(next(g)) for _ in range(3)])
 *   -> ['0xb3f2af6d0fc710c5', '0x853b559647364cea', '0x92f89756082a4514']
 *   g = xoshiro(0); print([hex(next(g)) for _ in range(3)])
 *   -> ['0x99ec5f36cb75f2b4', '0xbf6e1f784956452a', '0x1a5f849d4933e6e0']
 */
static void test_rng_reference_outputs(void **state)
{
	struct rng r;

	(void)state;
	rng_seed(&r, 1);
	assert_true(rng_next(&r) == 0xb3f2af6d0fc710c5ULL);
	assert_true(rng_next(&r) == 0x853b559647364ceaULL);
	assert_true(rng_next(&r) == 0x92f89756082a4514ULL);
	/* Seed 0 is a valid seed: splitmix64 never yields an all-zero state. */
	rng_seed(&r, 0);
	assert_true(rng_next(&r) == 0x99ec5f36cb75f2b4ULL);
	assert_true(rng_next(&r) == 0xbf6e1f784956452aULL);
	assert_true(rng_next(&r) == 0x1a5f849d4933e6e0ULL);
}

static void test_rng_reproducible(void **state)
{
	struct rng a, b, c;
	int differ = 0;

	(void)state;
	rng_seed(&a, 12345);
	rng_seed(&b, 12345);
	rng_seed(&c, 12346);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = rng_next(&a);

		assert_true(x == rng_next(&b));
		differ += x != rng_next(&c);
	}
	assert_true(differ > 990);
}

/*
 * 100,000 draws in 10 buckets: chi-square with 9 degrees of freedom, whose
 * 99.99th percentile is 33.7 (R: qchisq(0.9999, 9) -> 33.719948438964906); 40 is a
 * loose bound that a fixed seed either passes or fails forever.
 */
static void test_rng_below_uniform(void **state)
{
	enum { DRAWS = 100000, BUCKETS = 10 };
	unsigned count[BUCKETS] = { 0 };
	double chi2 = 0, expect = (double)DRAWS / BUCKETS;
	struct rng r;

	(void)state;
	rng_seed(&r, 7);
	for (int i = 0; i < DRAWS; i++) {
		uint64_t v = rng_below(&r, BUCKETS);

		assert_true(v < BUCKETS);
		count[v]++;
	}
	for (int i = 0; i < BUCKETS; i++)
		chi2 += (count[i] - expect) * (count[i] - expect) / expect;
	assert_true(chi2 < 40);
}

static void test_rng_below_range(void **state)
{
	/* 2^63 + 1 rejects almost half the draws: the slowest bound there is. */
	static const uint64_t bounds[] = { 1, 2, 3, 7, 1000, 1ULL << 32,
					   (1ULL << 63) + 1, UINT64_MAX };
	struct rng r;

	(void)state;
	rng_seed(&r, 99);
	for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++)
		for (int i = 0; i < 1000; i++)
			assert_true(rng_below(&r, bounds[b]) < bounds[b]);
	for (int i = 0; i < 100; i++)
		assert_true(rng_below(&r, 1) == 0);
}

static void test_rng_uniform(void **state)
{
	struct rng r;
	double sum = 0;

	(void)state;
	rng_seed(&r, 3);
	for (int i = 0; i < 100000; i++) {
		double u = rng_uniform(&r);

		assert_true(u >= 0 && u < 1);
		sum += u;
	}
	/* The sd of the mean is sqrt(1/12/1e5) = 0.00091; 0.005 is over 5 of them. */
	assert_true(fabs(sum / 100000 - 0.5) < 0.005);
}

/* --- describe -------------------------------------------------------------- */

/* x <- c(12.3, 11.8, 13.1, 12.0, 12.7, 11.5, 14.2, 12.9, 12.1, 13.4, 11.9, 12.6) */
static const double even12[] = { 12.3, 11.8, 13.1, 12.0, 12.7, 11.5,
				 14.2, 12.9, 12.1, 13.4, 11.9, 12.6 };
/* y <- c(3.7, 1.2, 9.9, 4.4, 2.8, 7.1, 5.0) */
static const double odd7[] = { 3.7, 1.2, 9.9, 4.4, 2.8, 7.1, 5.0 };

static void test_describe_even_sample(void **state)
{
	double copy[12];
	struct summary s;

	(void)state;
	memcpy(copy, even12, sizeof(copy));
	summary_compute(&s, copy, 12, 1);
	assert_memory_equal(copy, even12, sizeof(copy));	/* input untouched */
	assert_int_equal(s.n, 12);
	/* mean(x) -> 12.541666666666666 */
	assert_close(s.mean, 12.541666666666666, REL_DESC);
	assert_close(stats_mean(even12, 12), 12.541666666666666, REL_DESC);
	/* sd(x) -> 0.77160792367548137 */
	assert_close(s.stddev, 0.77160792367548137, REL_DESC);
	assert_close(stats_stddev(even12, 12), 0.77160792367548137, REL_DESC);
	/* median(x) -> 12.449999999999999 */
	assert_close(s.median, 12.449999999999999, REL_DESC);
	assert_close(stats_median(even12, 12), 12.449999999999999, REL_DESC);
	/* quantile(x, c(.05, .95), type = 7) -> 11.665000000000001 13.76 */
	assert_close(s.p5, 11.665000000000001, REL_DESC);
	assert_close(s.p95, 13.76, REL_DESC);
	/* mad(x, constant = 1) -> 0.5 */
	assert_close(s.mad, 0.5, REL_DESC);
	assert_close(stats_mad(even12, 12), 0.5, REL_DESC);
	/* min(x) -> 11.5; max(x) -> 14.199999999999999 */
	assert_true(s.min == 11.5);
	assert_true(s.max == 14.2);
	/* Largest |modified z|: 0.6745 * (14.2 - 12.45) / 0.5 = 2.3607, no outlier. */
	assert_int_equal(s.n_outliers, 0);
	assert_int_equal(s.n_low_outliers, 0);
}

static void test_describe_odd_sample(void **state)
{
	double sorted[7];
	struct summary s;

	(void)state;
	summary_compute(&s, odd7, 7, 1);
	/* mean(y) -> 4.8714285714285719; sd(y) -> 2.8761747082506921 */
	assert_close(s.mean, 4.8714285714285719, REL_DESC);
	assert_close(s.stddev, 2.8761747082506921, REL_DESC);
	/* median(y) -> 4.4000000000000004; mad(y, constant = 1) -> 1.6000000000000005 */
	assert_close(s.median, 4.4000000000000004, REL_DESC);
	assert_close(stats_median(odd7, 7), 4.4000000000000004, REL_DESC);
	assert_close(s.mad, 1.6000000000000005, REL_DESC);
	/* quantile(y, c(.05, .95)) -> 1.6800000000000002 9.0599999999999987 */
	assert_close(s.p5, 1.6800000000000002, REL_DESC);
	assert_close(s.p95, 9.0599999999999987, REL_DESC);

	/* sort(y) -> 1.2 2.8 3.7 4.4 5.0 7.1 9.9, for stats_quantile_sorted directly */
	memcpy(sorted, (double[]){ 1.2, 2.8, 3.7, 4.4, 5.0, 7.1, 9.9 }, sizeof(sorted));
	assert_close(stats_quantile_sorted(sorted, 7, 0.05), 1.6800000000000002, REL_DESC);
	assert_close(stats_quantile_sorted(sorted, 7, 0.95), 9.0599999999999987, REL_DESC);
	/* quantile(y, c(0, .5, 1)) -> 1.2 4.4 9.9: the ends are exact */
	assert_true(stats_quantile_sorted(sorted, 7, 0) == 1.2);
	assert_true(stats_quantile_sorted(sorted, 7, 0.5) == 4.4);
	assert_true(stats_quantile_sorted(sorted, 7, 1) == 9.9);
}

/*
 * z <- 1e9 + c(4, 7, 13, 16): mean(z) -> 1000000010; sd(z) -> 5.4772255750516612
 * (var(z) -> 30). A one-pass sum of squares loses every digit here: the
 * squares are 1e18 and their spread 1e10, near the last bits of a double.
 */
static void test_describe_large_offset(void **state)
{
	static const double z[] = { 1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16 };

	(void)state;
	assert_close(stats_mean(z, 4), 1000000010, REL_DESC);
	assert_close(stats_stddev(z, 4), 5.4772255750516612, REL_DESC);
}

static void test_describe_small_n(void **state)
{
	static const double one[] = { 42.5 };
	struct summary s;

	(void)state;
	memset(&s, 0xa5, sizeof(s));
	summary_compute(&s, NULL, 0, 1);
	assert_int_equal(s.n, 0);
	assert_true(s.mean == 0 && s.stddev == 0 && s.median == 0);
	assert_true(s.min == 0 && s.max == 0 && s.p5 == 0 && s.p95 == 0 && s.mad == 0);
	assert_true(s.mean_ci[0] == 0 && s.mean_ci[1] == 0);
	assert_true(s.median_ci[0] == 0 && s.median_ci[1] == 0);
	assert_int_equal(s.n_outliers, 0);
	assert_true(stats_mean(NULL, 0) == 0 && stats_stddev(NULL, 0) == 0);
	assert_true(stats_median(NULL, 0) == 0 && stats_mad(NULL, 0) == 0);
	assert_true(stats_quantile_sorted(NULL, 0, 0.5) == 0);

	summary_compute(&s, one, 1, 1);
	assert_int_equal(s.n, 1);
	assert_true(s.mean == 42.5 && s.median == 42.5 && s.stddev == 0);
	assert_true(s.min == 42.5 && s.max == 42.5 && s.p5 == 42.5 && s.p95 == 42.5);
	assert_true(s.mad == 0);
	assert_true(s.mean_ci[0] == 42.5 && s.mean_ci[1] == 42.5);
	assert_true(s.median_ci[0] == 42.5 && s.median_ci[1] == 42.5);
	assert_int_equal(s.n_outliers, 0);
}

/* Ten values 9.5, 9.6, ..., 10.4, each twice; then 30 (and -10). */
static void outlier_sample(double *x)
{
	for (int i = 0; i < 20; i++)
		x[i] = (95 + i % 10) / 10.0;
	x[20] = 30;
	x[21] = -10;
}

/*
 * o <- c(rep(c(9.5, 9.6, 9.7, 9.8, 9.9, 10.0, 10.1, 10.2, 10.3, 10.4), 2), 30)
 * median(o) -> 10 (the 11th of 21 sorted); |o - 10| sorted is 0 0, 0.1 x4,
 * 0.2 x4, 0.3 x4, ..., so mad(o, constant = 1) -> 0.30000000000000071 (the
 * 11th). Modified z = 0.6745 * (o - 10) / 0.3: for 30, 0.6745 * 20 / 0.3 =
 * 44.966666666666562 (R); for 9.5, -1.1241666666666641; for 10.4,
 * 0.8993333333333321. Only 30 is beyond 3.5, and it is above the median.
 */
static void test_outliers_one_high(void **state)
{
	double x[22], z[21];
	struct summary s;

	(void)state;
	outlier_sample(x);
	summary_compute(&s, x, 21, 1);
	assert_close(s.median, 10, REL_DESC);
	assert_close(s.mad, 0.30000000000000071, REL_DESC);
	assert_int_equal(s.n_outliers, 1);
	assert_int_equal(s.n_low_outliers, 0);

	stats_modified_z(x, 21, z);
	assert_close(z[20], 44.966666666666562, REL_DESC);
	assert_close(z[0], -1.1241666666666641, REL_DESC);	/* 9.5 */
	assert_close(z[9], 0.8993333333333321, REL_DESC);	/* 10.4 */
}

/*
 * o2 <- c(o, -10): median(o2) -> 9.9499999999999993; mad(o2, constant = 1)
 * -> 0.25; 0.6745 * (c(30, -10) - median(o2)) / 0.25 -> 54.094900000000003
 * -53.825099999999999: two outliers, one of them below the median.
 */
static void test_outliers_high_and_low(void **state)
{
	double x[22], z[22];
	struct summary s;

	(void)state;
	outlier_sample(x);
	summary_compute(&s, x, 22, 1);
	assert_close(s.median, 9.9499999999999993, REL_DESC);
	assert_close(s.mad, 0.25, REL_DESC);
	assert_int_equal(s.n_outliers, 2);
	assert_int_equal(s.n_low_outliers, 1);

	stats_modified_z(x, 22, z);
	assert_close(z[20], 54.094900000000003, REL_DESC);
	assert_close(z[21], -53.825099999999999, REL_DESC);
}

/*
 * q <- c(5, 5, 5, 5, 5, 5, 7): mad(q, constant = 1) -> 0, so the mean absolute
 * deviation stands in: mean(abs(q - median(q))) -> 0.2857142857142857 (2/7),
 * and 0.7979 * (q - 5) / (2/7) -> 0 (x6) 5.585300000000001: 7 is an outlier.
 * An all-equal sample has no deviation at all: every z is 0, nothing is out.
 */
static void test_modified_z_mad_zero(void **state)
{
	static const double q[] = { 5, 5, 5, 5, 5, 5, 7 };
	static const double flat[] = { 3, 3, 3, 3 };
	double z[7];
	struct summary s;

	(void)state;
	stats_modified_z(q, 7, z);
	for (int i = 0; i < 6; i++)
		assert_true(z[i] == 0);
	assert_close(z[6], 5.585300000000001, REL_DESC);
	summary_compute(&s, q, 7, 1);
	assert_true(s.mad == 0);
	assert_int_equal(s.n_outliers, 1);
	assert_int_equal(s.n_low_outliers, 0);

	stats_modified_z(flat, 4, z);
	for (int i = 0; i < 4; i++)
		assert_true(z[i] == 0);
	summary_compute(&s, flat, 4, 1);
	assert_int_equal(s.n_outliers, 0);
	assert_true(s.stddev == 0 && s.mad == 0);
}

/* --- bootstrap ------------------------------------------------------------- */

/* n values from N(mean, sd) by Box-Muller; 1 - u keeps log() away from 0. */
static void normal_sample(double *x, size_t n, double mean, double sd, uint64_t seed)
{
	struct rng r;

	rng_seed(&r, seed);
	for (size_t i = 0; i < n; i += 2) {
		double rad = sqrt(-2 * log(1 - rng_uniform(&r)));
		double ang = 2 * M_PI * rng_uniform(&r);

		x[i] = mean + sd * rad * cos(ang);
		if (i + 1 < n)
			x[i + 1] = mean + sd * rad * sin(ang);
	}
}

static void test_bootstrap_deterministic(void **state)
{
	double x[301], lo1, hi1, lo2, hi2, lo3, hi3;
	struct summary s1, s2;

	(void)state;
	normal_sample(x, 301, 5, 2, 11);
	for (int stat = BOOT_MEAN; stat <= BOOT_MEDIAN; stat++) {
		bootstrap_ci(x, 301, stat, 0.95, 500, 77, &lo1, &hi1);
		bootstrap_ci(x, 301, stat, 0.95, 500, 77, &lo2, &hi2);
		bootstrap_ci(x, 301, stat, 0.95, 500, 78, &lo3, &hi3);
		assert_true(lo1 == lo2 && hi1 == hi2);
		assert_true(lo1 != lo3 || hi1 != hi3);
		assert_true(lo1 < hi1);
	}
	bootstrap_ratio_ci(x, 150, x + 150, 151, BOOT_MEDIAN, 0.95, 500, 5, &lo1, &hi1);
	bootstrap_ratio_ci(x, 150, x + 150, 151, BOOT_MEDIAN, 0.95, 500, 5, &lo2, &hi2);
	assert_true(lo1 == lo2 && hi1 == hi2);

	/* summary_compute: the documented B and seed, for both CIs. */
	summary_compute(&s1, x, 301, 9);
	summary_compute(&s2, x, 301, 9);
	assert_memory_equal(&s1, &s2, sizeof(s1));
	bootstrap_ci(x, 301, BOOT_MEAN, 0.95, SUMMARY_BOOTSTRAP_B, 9, &lo1, &hi1);
	bootstrap_ci(x, 301, BOOT_MEDIAN, 0.95, SUMMARY_BOOTSTRAP_B, 9, &lo2, &hi2);
	assert_true(s1.mean_ci[0] == lo1 && s1.mean_ci[1] == hi1);
	assert_true(s1.median_ci[0] == lo2 && s1.median_ci[1] == hi2);
}

/*
 * 1000 draws from N(10, 1): the 95% CI of the mean should hold 10 and be
 * about 2 * 1.96 * 1 / sqrt(1000) = 0.12396 wide. The median's standard error
 * is sqrt(pi/2) = 1.2533 times the mean's, so its CI is wider (loosely).
 */
static void test_bootstrap_normal_mean(void **state)
{
	enum { N = 1000 };
	double *x = malloc(N * sizeof(*x)), lo, hi, want = 2 * 1.96 / sqrt(N);
	struct summary s;

	(void)state;
	normal_sample(x, N, 10, 1, 2024);
	bootstrap_ci(x, N, BOOT_MEAN, 0.95, 2000, 1, &lo, &hi);
	assert_true(lo < 10 && 10 < hi);
	assert_true(fabs((hi - lo) - want) < 0.15 * want);
	assert_true(lo < stats_mean(x, N) && stats_mean(x, N) < hi);

	bootstrap_ci(x, N, BOOT_MEDIAN, 0.95, 2000, 1, &lo, &hi);
	assert_true(lo < 10 && 10 < hi);
	assert_true(hi - lo > 0.9 * want && hi - lo < 2 * 1.2533 * want);

	summary_compute(&s, x, N, 1);
	assert_true(s.mean_ci[0] <= s.mean && s.mean <= s.mean_ci[1]);
	assert_true(s.median_ci[0] <= s.median && s.median <= s.median_ci[1]);
	free(x);
}

static void test_bootstrap_ratio_identical(void **state)
{
	enum { N = 500 };
	double a[N], b[N], lo, hi;

	(void)state;
	normal_sample(a, N, 100, 5, 1);
	normal_sample(b, N, 100, 5, 2);
	bootstrap_ratio_ci(a, N, b, N, BOOT_MEAN, 0.95, 2000, 3, &lo, &hi);
	assert_true(lo < 1 && 1 < hi);
	bootstrap_ratio_ci(a, N, b, N, BOOT_MEDIAN, 0.95, 2000, 3, &lo, &hi);
	assert_true(lo < 1 && 1 < hi);
	/* The same sample twice, resampled independently: still around 1. */
	bootstrap_ratio_ci(a, N, a, N, BOOT_MEDIAN, 0.95, 2000, 3, &lo, &hi);
	assert_true(lo < 1 && 1 < hi);
	/* Twice as slow: the CI is around 2. */
	for (int i = 0; i < N; i++)
		b[i] = 2 * a[i];
	bootstrap_ratio_ci(b, N, a, N, BOOT_MEAN, 0.95, 2000, 3, &lo, &hi);
	assert_true(lo < 2 && 2 < hi && hi - lo < 0.05);
}

static void test_bootstrap_edges(void **state)
{
	static const double one[] = { 7.25 }, zeros[] = { 0, 0, 0 };
	double lo = -1, hi = -1;

	(void)state;
	for (int stat = BOOT_MEAN; stat <= BOOT_MEDIAN; stat++) {
		bootstrap_ci(NULL, 0, stat, 0.95, 100, 1, &lo, &hi);
		assert_true(lo == 0 && hi == 0);
		bootstrap_ci(one, 1, stat, 0.95, 100, 1, &lo, &hi);
		assert_true(lo == 7.25 && hi == 7.25);

		/* Every denominator 0, or a sample with no statistic at all: NAN. */
		bootstrap_ratio_ci(one, 1, zeros, 3, stat, 0.95, 100, 1, &lo, &hi);
		assert_true(isnan(lo) && isnan(hi));
		bootstrap_ratio_ci(one, 1, NULL, 0, stat, 0.95, 100, 1, &lo, &hi);
		assert_true(isnan(lo) && isnan(hi));
		bootstrap_ratio_ci(NULL, 0, one, 1, stat, 0.95, 100, 1, &lo, &hi);
		assert_true(isnan(lo) && isnan(hi));
		bootstrap_ratio_ci(one, 1, one, 1, stat, 0.95, 100, 1, &lo, &hi);
		assert_true(lo == 1 && hi == 1);
	}
}

/*
 * The median of an even resample is the mean of its middle two. From {0, 1},
 * a resample of two is {0, 0}, {0, 1}, {1, 0} or {1, 1}, with medians 0, 0.5,
 * 0.5, 1: half the bootstrap medians are 0.5, so its 40% and 60% quantiles
 * (conf 0.2) are 0.5 too. (With 1000 resamples the count of 0s is 250 +- 14,
 * and would have to pass 400 to move the 40% quantile.)
 */
static void test_bootstrap_median_even(void **state)
{
	static const double x[] = { 0, 1 };
	double lo, hi;

	(void)state;
	bootstrap_ci(x, 2, BOOT_MEDIAN, 0.2, 1000, 1, &lo, &hi);
	assert_true(lo == 0.5 && hi == 0.5);
	bootstrap_ci(x, 2, BOOT_MEDIAN, 0.95, 1000, 1, &lo, &hi);
	assert_true(lo == 0 && hi == 1);
}

/* A constant sample has one possible resample: lo == hi == the value, exactly. */
static void test_bootstrap_constant(void **state)
{
	enum { N = 1000 };
	double x[N], y[N], lo, hi;

	(void)state;
	for (int i = 0; i < N; i++) {
		x[i] = 0.1;
		y[i] = 0.2;
	}
	for (int stat = BOOT_MEAN; stat <= BOOT_MEDIAN; stat++) {
		bootstrap_ci(x, N, stat, 0.95, 200, 1, &lo, &hi);
		assert_true(lo == 0.1 && hi == 0.1);
		/* 0.2 is 0.1 times 2 in binary too, so the ratio is exactly 2. */
		bootstrap_ratio_ci(y, N, x, N, stat, 0.95, 200, 1, &lo, &hi);
		assert_true(lo == 2 && hi == 2);
	}
}

/* --- mann_whitney ---------------------------------------------------------- */

/*
 * a1 <- c(10.1, 11.3, 9.8, 12.4, 10.9, 11.7, 10.5)
 * b1 <- c(9.2, 9.9, 8.7, 10.0, 9.5, 8.9, 10.3, 9.1)
 * wilcox.test(a1, b1): "Wilcoxon rank sum exact test", $statistic -> 52,
 * $p.value -> 0.0037296037296037296 (= 2 * 12 / choose(15, 7));
 * wilcox.test(b1, a1): $statistic -> 4, the same p (the lower tail).
 */
static void test_mw_exact_no_ties(void **state)
{
	static const double a[] = { 10.1, 11.3, 9.8, 12.4, 10.9, 11.7, 10.5 };
	static const double b[] = { 9.2, 9.9, 8.7, 10.0, 9.5, 8.9, 10.3, 9.1 };
	struct mw_result res;

	(void)state;
	mann_whitney(a, 7, b, 8, &res);
	assert_int_equal(res.exact, 1);
	assert_true(res.u == 52);
	assert_close(res.p, 0.0037296037296037296, REL_P);
	mann_whitney(b, 8, a, 7, &res);
	assert_int_equal(res.exact, 1);
	assert_true(res.u == 4);
	assert_close(res.p, 0.0037296037296037296, REL_P);
}

/*
 * The largest exact case, fully separated: a5 <- 1:49 + 100; b5 <- 1:49;
 * wilcox.test(a5, b5): exact, $statistic -> 2401, $p.value ->
 * 7.8500291929632906e-29 (2 / choose(98, 49); the count is past 2^64).
 * And a middle one, upper tail: a6 <- (1:30) * 1.5 + 0.25; b6 <- (1:40) * 1.1;
 * wilcox.test(a6, b6): exact, $statistic -> 625, $p.value -> 0.77267313935044457.
 */
static void test_mw_exact_large_counts(void **state)
{
	double a[49], b[49];
	struct mw_result res;

	(void)state;
	for (int i = 0; i < 49; i++) {
		a[i] = i + 1 + 100;
		b[i] = i + 1;
	}
	mann_whitney(a, 49, b, 49, &res);
	assert_int_equal(res.exact, 1);
	assert_true(res.u == 2401);
	assert_close(res.p / 7.8500291929632906e-29, 1, REL_P);

	for (int i = 0; i < 40; i++) {
		if (i < 30)
			a[i] = (i + 1) * 1.5 + 0.25;
		b[i] = (i + 1) * 1.1;
	}
	mann_whitney(a, 30, b, 40, &res);
	assert_int_equal(res.exact, 1);
	assert_true(res.u == 625);
	assert_close(res.p, 0.77267313935044457, REL_P);
}

/*
 * wilcox.test(5.5, c(1, 2, 3, 4, 6, 7, 8)): exact, $statistic -> 4,
 * $p.value -> 1 (2 * 5/8, capped);
 * wilcox.test(10, c(1, 2, 3, 4, 6, 7, 8)): exact, $statistic -> 7, $p.value -> 0.25.
 */
static void test_mw_sample_of_one(void **state)
{
	static const double b[] = { 1, 2, 3, 4, 6, 7, 8 };
	struct mw_result res;

	(void)state;
	mann_whitney((double[]){ 5.5 }, 1, b, 7, &res);
	assert_int_equal(res.exact, 1);
	assert_true(res.u == 4);
	assert_close(res.p, 1, REL_P);
	mann_whitney((double[]){ 10 }, 1, b, 7, &res);
	assert_true(res.u == 7);
	assert_close(res.p, 0.25, REL_P);
}

/*
 * a2 <- c(1, 2, 2, 3, 4, 5); b2 <- c(3, 4, 4, 5, 6, 7, 8)
 * wilcox.test(a2, b2): ties, so "Wilcoxon rank sum test with continuity
 * correction", $statistic -> 6, $p.value -> 0.036470900771274808.
 */
static void test_mw_small_ties_normal(void **state)
{
	static const double a[] = { 1, 2, 2, 3, 4, 5 };
	static const double b[] = { 3, 4, 4, 5, 6, 7, 8 };
	struct mw_result res;

	(void)state;
	mann_whitney(a, 6, b, 7, &res);
	assert_int_equal(res.exact, 0);
	assert_true(res.u == 6);
	assert_close(res.p, 0.036470900771274808, REL_P);
}

/*
 * a3 <- ((1:60 * 7919) %% 1000) / 10; b3 <- ((1:70 * 104729) %% 1000) / 10 + 5
 * (no ties: length(unique(c(a3, b3))) is 130) wilcox.test(a3, b3): normal
 * (n >= 50), $statistic -> 1903, $p.value -> 0.35878463095623481.
 * a7 <- rep(1:6, 10); b7 <- rep(2:8, 10); wilcox.test(a7, b7): normal with
 * tie correction, $statistic -> 1250, $p.value -> 6.1606132043301199e-05.
 */
static void test_mw_large_normal(void **state)
{
	double a[60], b[70];
	struct mw_result res;

	(void)state;
	for (int i = 1; i <= 60; i++)
		a[i - 1] = ((i * 7919) % 1000) / 10.0;
	for (int i = 1; i <= 70; i++)
		b[i - 1] = ((i * 104729) % 1000) / 10.0 + 5;
	mann_whitney(a, 60, b, 70, &res);
	assert_int_equal(res.exact, 0);
	assert_true(res.u == 1903);
	assert_close(res.p, 0.35878463095623481, REL_P);

	for (int i = 0; i < 60; i++)
		a[i] = 1 + i % 6;
	for (int i = 0; i < 70; i++)
		b[i] = 2 + i % 7;
	mann_whitney(a, 60, b, 70, &res);
	assert_int_equal(res.exact, 0);
	assert_true(res.u == 1250);
	assert_close(res.p / 6.1606132043301199e-05, 1, REL_P);
}

/*
 * wilcox.test(c(1, 2, 3, 4, 5), c(1, 2, 3, 4, 5)): $statistic -> 12.5,
 * $p.value -> 1. All values equal leaves no variance: wilcox.test(c(3, 3), 3)
 * gives $statistic -> 1 and $p.value -> NaN in R; here p = 1, as for an
 * empty sample.
 */
static void test_mw_degenerate(void **state)
{
	static const double a[] = { 1, 2, 3, 4, 5 }, c[] = { 3, 3, 3 };
	struct mw_result res;

	(void)state;
	mann_whitney(a, 5, a, 5, &res);
	assert_int_equal(res.exact, 0);
	assert_true(res.u == 12.5);
	assert_true(res.p == 1);

	mann_whitney(c, 2, c + 2, 1, &res);
	assert_true(res.u == 1);
	assert_true(res.p == 1);

	res.p = 0;
	mann_whitney(a, 5, NULL, 0, &res);
	assert_true(res.p == 1 && res.u == 0 && res.exact == 0);
	mann_whitney(NULL, 0, a, 5, &res);
	assert_true(res.p == 1);
}

/* --- compare_samples: the verdict on medians --------------------------------- */

/*
 * 20 runs 1.000..1.019 s; two of the reference's runs were slowed to 3 s by
 * something else on the machine. The command is 4.5% slower in every run.
 * The means say it is faster (mean ratio about 0.88, worked by hand:
 * 1.045 * 1.0095 / (0.9 * 1.0095 + 0.6)); the medians say 4.5% slower,
 * outside the 1% band, and so does the verdict.
 */
static void test_compare_outliers_in_reference(void **state)
{
	double ref[20], x[20];
	struct comparison c;

	(void)state;
	for (int i = 0; i < 20; i++) {
		ref[i] = 1 + 0.001 * i;
		x[i] = 1.045 * ref[i];
	}
	ref[3] = ref[11] = 3.0;
	compare_samples(x, 20, ref, 20, 0.01, 1, &c);
	assert_true(c.ratio < 0.9);
	assert_true(c.median_ratio > 1.03 && c.median_ratio < 1.06);
	assert_true(c.median_ci[0] > 1.01);
	assert_true(c.median_ci[0] <= c.median_ratio && c.median_ratio <= c.median_ci[1]);
	assert_true(c.p < 0.05);
	assert_int_equal(c.verdict, VERDICT_SLOWER);
}

/* The other way: the same runs on both sides, two slowed on one side only: no difference. */
static void test_compare_outliers_alone(void **state)
{
	double ref[20], x[20];
	struct comparison c;

	(void)state;
	for (int i = 0; i < 20; i++)
		ref[i] = x[i] = 1 + 0.001 * i;
	x[5] = x[17] = 3.0;
	compare_samples(x, 20, ref, 20, 0.01, 1, &c);
	assert_true(c.ratio > 1.15);
	assert_true(c.median_ci[0] <= 1.01);
	assert_int_equal(c.verdict, VERDICT_SAME);
}

/* --- verdict --------------------------------------------------------------- */

static void test_verdict_boundaries(void **state)
{
	double lo_band = 1 - 0.01, hi_band = 1 + 0.01;

	(void)state;
	/* Clearly faster or slower, and significant. */
	assert_int_equal(verdict_decide(0.80, 0.90, 0.001, 0.01), VERDICT_FASTER);
	assert_int_equal(verdict_decide(1.10, 1.20, 0.001, 0.01), VERDICT_SLOWER);
	/* p exactly 0.05 is not significant; just below is. */
	assert_int_equal(verdict_decide(0.80, 0.90, 0.05, 0.01), VERDICT_SAME);
	assert_int_equal(verdict_decide(0.80, 0.90, 0.0499999, 0.01), VERDICT_FASTER);
	assert_int_equal(verdict_decide(1.10, 1.20, 0.05, 0.01), VERDICT_SAME);
	/* A CI that touches the noise band is inside it. */
	assert_int_equal(verdict_decide(0.80, lo_band, 0.001, 0.01), VERDICT_SAME);
	assert_int_equal(verdict_decide(0.80, nextafter(lo_band, 0), 0.001, 0.01),
			 VERDICT_FASTER);
	assert_int_equal(verdict_decide(hi_band, 1.20, 0.001, 0.01), VERDICT_SAME);
	assert_int_equal(verdict_decide(nextafter(hi_band, 2), 1.20, 0.001, 0.01),
			 VERDICT_SLOWER);
	/* Significant, but the CI reaches into the band or straddles 1. */
	assert_int_equal(verdict_decide(0.95, 0.995, 0.001, 0.01), VERDICT_SAME);
	assert_int_equal(verdict_decide(0.90, 1.10, 0.001, 0.01), VERDICT_SAME);
	/* No band: any CI excluding 1 counts. */
	assert_int_equal(verdict_decide(0.98, nextafter(1, 0), 0.001, 0), VERDICT_FASTER);
	assert_int_equal(verdict_decide(0.98, 1, 0.001, 0), VERDICT_SAME);
	/* A NaN p or CI calls nothing. */
	assert_int_equal(verdict_decide(0.80, 0.90, NAN, 0.01), VERDICT_SAME);
	assert_int_equal(verdict_decide(NAN, NAN, 0.001, 0.01), VERDICT_SAME);
}

static void test_verdict_name(void **state)
{
	(void)state;
	assert_string_equal(verdict_name(VERDICT_SAME), "no significant difference");
	assert_string_equal(verdict_name(VERDICT_FASTER), "faster");
	assert_string_equal(verdict_name(VERDICT_SLOWER), "slower");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_reference_outputs),
		cmocka_unit_test(test_rng_reproducible),
		cmocka_unit_test(test_rng_below_uniform),
		cmocka_unit_test(test_rng_below_range),
		cmocka_unit_test(test_rng_uniform),
		cmocka_unit_test(test_describe_even_sample),
		cmocka_unit_test(test_describe_odd_sample),
		cmocka_unit_test(test_describe_large_offset),
		cmocka_unit_test(test_describe_small_n),
		cmocka_unit_test(test_outliers_one_high),
		cmocka_unit_test(test_outliers_high_and_low),
		cmocka_unit_test(test_modified_z_mad_zero),
		cmocka_unit_test(test_bootstrap_deterministic),
		cmocka_unit_test(test_bootstrap_normal_mean),
		cmocka_unit_test(test_bootstrap_ratio_identical),
		cmocka_unit_test(test_bootstrap_edges),
		cmocka_unit_test(test_bootstrap_median_even),
		cmocka_unit_test(test_bootstrap_constant),
		cmocka_unit_test(test_mw_exact_no_ties),
		cmocka_unit_test(test_mw_exact_large_counts),
		cmocka_unit_test(test_mw_sample_of_one),
		cmocka_unit_test(test_mw_small_ties_normal),
		cmocka_unit_test(test_mw_large_normal),
		cmocka_unit_test(test_mw_degenerate),
		cmocka_unit_test(test_compare_outliers_in_reference),
		cmocka_unit_test(test_compare_outliers_alone),
		cmocka_unit_test(test_verdict_boundaries),
		cmocka_unit_test(test_verdict_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
