#include "stats/describe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/bootstrap.h"
#include "util/xalloc.h"

static int describe__cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/*
 * Wirth's selection (Algorithms + Data Structures = Programs, 1976) with a
 * median-of-three pivot: leaves a[k] where a full sort would put it, smaller
 * or equal values before it and greater or equal after, in O(n) on average.
 * Its crossing scans split runs of equal values evenly, so constant samples
 * stay linear.
 */
static double describe__select(double *a, size_t n, size_t k)
{
	ptrdiff_t l = 0, m = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;

	while (l < m) {
		double lo = a[l], mid = a[kk], hi = a[m], x;
		ptrdiff_t i = l, j = m;

		x = lo < mid ? (mid < hi ? mid : (lo < hi ? hi : lo))
			     : (lo < hi ? lo : (mid < hi ? hi : mid));
		do {
			while (a[i] < x)
				i++;
			while (x < a[j])
				j--;
			if (i <= j) {
				double t = a[i];

				a[i++] = a[j];
				a[j--] = t;
			}
		} while (i <= j);
		if (j < kk)
			l = i;
		if (kk < i)
			m = j;
	}
	return a[k];
}

/* Median of a[0..n-1], n > 0, reordering a (the caller's scratch). */
static double describe__median_inplace(double *a, size_t n)
{
	size_t k = n / 2;
	double upper = describe__select(a, n, k), lower;

	if (n % 2)
		return upper;
	/* Everything before a[k] is <= it, so the lower middle is their max. */
	lower = a[0];
	for (size_t i = 1; i < k; i++)
		if (a[i] > lower)
			lower = a[i];
	return (lower + upper) / 2;
}

/*
 * Long double sum with a second correcting pass, as R's mean() does, so that
 * the result agrees with R to the last digit or so on ordinary data.
 */
double stats_mean(const double *x, size_t n)
{
	long double s = 0, t = 0, m;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		s += x[i];
	m = s / n;
	for (size_t i = 0; i < n; i++)
		t += x[i] - m;
	return (double)(m + t / n);
}

/*
 * Two passes (mean, then squared deviations) rather than a running sum of
 * squares, which cancels catastrophically when the spread is small next to
 * the mean (timings of 1e9 ns +- 10 ns). The sum of deviations, zero in exact
 * arithmetic, corrects the rounding of the mean (Chan, Golub & LeVeque).
 */
double stats_stddev(const double *x, size_t n)
{
	long double m, ss = 0, comp = 0, var;

	if (n < 2)
		return 0;
	m = stats_mean(x, n);
	for (size_t i = 0; i < n; i++) {
		long double d = x[i] - m;

		ss += d * d;
		comp += d;
	}
	var = (ss - comp * comp / n) / (n - 1);
	return var > 0 ? (double)sqrtl(var) : 0;
}

/*
 * R's quantile(type = 7) step for step, including its refusal to interpolate
 * between equal neighbours, so a constant sample gives exactly its value back.
 */
double stats_quantile_sorted(const double *sorted, size_t n, double p)
{
	double index, lo, h;
	size_t ilo;

	if (!n)
		return 0;
	if (!(p > 0))
		return sorted[0];
	if (p >= 1)
		return sorted[n - 1];
	/* 1-based like R's, so that h rounds as R's does. */
	index = 1 + (double)(n - 1) * p;
	lo = floor(index);
	ilo = (size_t)lo - 1;
	h = index - lo;
	if (h > 0 && ilo + 1 < n && sorted[ilo + 1] != sorted[ilo])
		return (1 - h) * sorted[ilo] + h * sorted[ilo + 1];
	return sorted[ilo];
}

double stats_median(const double *x, size_t n)
{
	double *tmp, med;

	if (!n)
		return 0;
	tmp = xmalloc(n * sizeof(*tmp));
	memcpy(tmp, x, n * sizeof(*tmp));
	med = describe__median_inplace(tmp, n);
	free(tmp);
	return med;
}

/* MAD around a known median; dev is n doubles of the caller's scratch. */
static double describe__mad(const double *x, size_t n, double med, double *dev)
{
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(x[i] - med);
	return describe__median_inplace(dev, n);
}

double stats_mad(const double *x, size_t n)
{
	double *dev, mad;

	if (!n)
		return 0;
	dev = xmalloc(n * sizeof(*dev));
	mad = describe__mad(x, n, stats_median(x, n), dev);
	free(dev);
	return mad;
}

/*
 * The modified z-score for a known median and MAD. A MAD of 0 (more than half
 * the sample equal) would make every other value infinitely far out, so the
 * mean absolute deviation from the median stands in, scaled by 0.7979
 * (sqrt(2/pi)), which makes it estimate the same sigma as 0.6745/MAD does.
 */
static void describe__modified_z(const double *x, size_t n, double med,
				 double mad, double *z)
{
	double scale;

	if (mad > 0) {
		scale = 0.6745 / mad;
	} else {
		long double meanad = 0;

		for (size_t i = 0; i < n; i++)
			meanad += fabs(x[i] - med);
		meanad /= n;
		scale = meanad > 0 ? (double)(0.7979 / meanad) : 0;
	}
	for (size_t i = 0; i < n; i++)
		z[i] = scale * (x[i] - med);
}

void stats_modified_z(const double *x, size_t n, double *z)
{
	double *dev, med;

	if (!n)
		return;
	dev = xmalloc(n * sizeof(*dev));
	med = stats_median(x, n);
	describe__modified_z(x, n, med, describe__mad(x, n, med, dev), z);
	free(dev);
}

/*
 * One sorted copy serves min, max, the quantiles and the median; a second
 * buffer serves the MAD and then the z-scores. Both CIs use the same seed,
 * hence the same resamples.
 */
void summary_compute_b(struct summary *s, const double *x, size_t n, uint64_t seed,
		       unsigned nboot)
{
	double *sorted, *tmp;

	memset(s, 0, sizeof(*s));
	if (!n)
		return;
	s->n = n;
	sorted = xmalloc(n * sizeof(*sorted));
	memcpy(sorted, x, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), describe__cmp_double);

	s->mean = stats_mean(x, n);
	s->stddev = stats_stddev(x, n);
	s->min = sorted[0];
	s->max = sorted[n - 1];
	s->p5 = stats_quantile_sorted(sorted, n, 0.05);
	s->p95 = stats_quantile_sorted(sorted, n, 0.95);
	s->median = n % 2 ? sorted[n / 2]
			  : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;

	tmp = xmalloc(n * sizeof(*tmp));
	s->mad = describe__mad(x, n, s->median, tmp);
	describe__modified_z(x, n, s->median, s->mad, tmp);
	for (size_t i = 0; i < n; i++) {
		if (fabs(tmp[i]) > s->max_abs_z)
			s->max_abs_z = fabs(tmp[i]);
		if (fabs(tmp[i]) > OUTLIER_Z) {
			s->n_outliers++;
			if (x[i] < s->median)
				s->n_low_outliers++;
		}
	}
	free(tmp);
	free(sorted);

	if (!nboot) {
		s->mean_ci[0] = s->mean_ci[1] = s->median_ci[0] = s->median_ci[1] = NAN;
		return;
	}
	bootstrap_ci(x, n, BOOT_MEAN, 0.95, nboot, seed, &s->mean_ci[0], &s->mean_ci[1]);
	bootstrap_ci(x, n, BOOT_MEDIAN, 0.95, nboot, seed, &s->median_ci[0], &s->median_ci[1]);
}

void summary_compute(struct summary *s, const double *x, size_t n, uint64_t seed)
{
	summary_compute_b(s, x, n, seed, SUMMARY_BOOTSTRAP_B);
}
