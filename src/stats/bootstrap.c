#include "stats/bootstrap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/describe.h"
#include "stats/rng.h"
#include "util/xalloc.h"

/*
 * The state of one bootstrap run: the generator, and scratch allocated once
 * rather than B times: the indices drawn for a resample and, for the median,
 * how often each position was drawn.
 */
struct boot_ctx {
	struct rng rng;
	enum boot_stat stat;
	size_t *idx;
	size_t *counts;
};

static int bootstrap__cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/*
 * Fills idx[0..n-1] with uniform indices below n. Drawing is most of the
 * cost of a bootstrap, so each rng_next serves two draws: Lemire's
 * multiply-shift on each 32-bit half, rejecting the halves that would favour
 * some indices (low word below 2^32 mod n), as rng_below does on 64 bits.
 * Samples too large for 32 bits go through rng_below.
 */
static void bootstrap__draw(struct rng *r, size_t *idx, size_t n)
{
	uint32_t n32 = (uint32_t)n, threshold;
	size_t i = 0;

	if (n > UINT32_MAX) {
		for (i = 0; i < n; i++)
			idx[i] = rng_below(r, n);
		return;
	}
	threshold = -n32 % n32;
	while (i < n) {
		uint64_t v = rng_next(r);
		uint64_t m0 = (v & 0xffffffffu) * n32, m1 = (v >> 32) * n32;

		if ((uint32_t)m0 >= threshold)
			idx[i++] = m0 >> 32;
		if (i < n && (uint32_t)m1 >= threshold)
			idx[i++] = m1 >> 32;
	}
}

/*
 * The statistic of one resample of x[0..n-1], n >= 1. The mean adds
 * deviations from x[0], in two accumulators to break the chain of dependent
 * additions: fewer rounding errors when the spread is small next to the
 * values, and a constant sample gives back exactly its value.
 *
 * For the median x must be sorted: a resample is then fully described by how
 * often each position was drawn, and its middle values are found by walking
 * the cumulative counts, with no comparison of values at all. This gives the
 * same value as a selection (nth_element) on the resampled values, at a
 * fraction of its cost (its comparisons are unpredictable branches), which is
 * what keeps B = 2000 medians of 10,000 values well under 100 ms.
 */
static double bootstrap__resample(struct boot_ctx *c, const double *x, size_t n)
{
	const size_t *idx = c->idx;

	bootstrap__draw(&c->rng, c->idx, n);
	if (c->stat == BOOT_MEAN) {
		double s0 = 0, s1 = 0;
		size_t i;

		for (i = 0; i + 1 < n; i += 2) {
			s0 += x[idx[i]] - x[0];
			s1 += x[idx[i + 1]] - x[0];
		}
		if (i < n)
			s0 += x[idx[i]] - x[0];
		return x[0] + (s0 + s1) / n;
	} else {
		size_t *counts = c->counts, lo_rank = (n - 1) / 2, hi_rank = n / 2;
		size_t j = 0, cum;
		double lower;

		memset(counts, 0, n * sizeof(*counts));
		for (size_t i = 0; i < n; i++)
			counts[idx[i]]++;
		/* cum = counts[0..j]; the rank-r value sits where cum first exceeds r. */
		cum = counts[0];
		while (cum <= lo_rank)
			cum += counts[++j];
		lower = x[j];
		while (cum <= hi_rank)
			cum += counts[++j];
		return (lower + x[j]) / 2;
	}
}

/*
 * The array to resample from, set up in c: x itself for the mean, a sorted
 * copy for the median, which the caller frees (free(NULL) for the mean).
 */
static const double *bootstrap__prepare(struct boot_ctx *c, const double *x,
					size_t n, double **owned)
{
	*owned = NULL;
	if (c->stat == BOOT_MEAN)
		return x;
	*owned = xmalloc(n * sizeof(**owned));
	memcpy(*owned, x, n * sizeof(**owned));
	qsort(*owned, n, sizeof(**owned), bootstrap__cmp_double);
	return *owned;
}

static double bootstrap__stat(enum boot_stat stat, const double *x, size_t n)
{
	return stat == BOOT_MEAN ? stats_mean(x, n) : stats_median(x, n);
}

/* The two-sided percentile interval of the m values in v (sorted here). */
static void bootstrap__interval(double *v, size_t m, double conf,
				double *lo, double *hi)
{
	double alpha = 1 - conf;

	qsort(v, m, sizeof(*v), bootstrap__cmp_double);
	*lo = stats_quantile_sorted(v, m, alpha / 2);
	*hi = stats_quantile_sorted(v, m, 1 - alpha / 2);
}

void bootstrap_ci(const double *x, size_t n, enum boot_stat stat, double conf,
		  unsigned b, uint64_t seed, double *lo, double *hi)
{
	struct boot_ctx c = { .stat = stat };
	const double *src;
	double *owned, *v;

	if (n < 2 || !b) {
		/* Nothing to resample: the statistic itself (0 for n == 0). */
		*lo = *hi = bootstrap__stat(stat, x, n);
		return;
	}
	rng_seed(&c.rng, seed);
	src = bootstrap__prepare(&c, x, n, &owned);
	c.idx = xmalloc(n * sizeof(*c.idx));
	if (stat == BOOT_MEDIAN)
		c.counts = xmalloc(n * sizeof(*c.counts));
	v = xmalloc(b * sizeof(*v));
	for (unsigned i = 0; i < b; i++)
		v[i] = bootstrap__resample(&c, src, n);
	bootstrap__interval(v, b, conf, lo, hi);
	free(v);
	free(c.idx);
	free(c.counts);
	free(owned);
}

/*
 * a is resampled before b in every round, from one generator, so the CI
 * depends on the seed and on nothing else. An empty sample has no statistic
 * to divide, so either being empty gives NAN, as all-zero denominators do;
 * nboot == 0 gives the ratio of the samples' own statistics.
 */
void bootstrap_ratio_ci(const double *a, size_t na, const double *b, size_t nb,
			enum boot_stat stat, double conf, unsigned nboot,
			uint64_t seed, double *lo, double *hi)
{
	struct boot_ctx c = { .stat = stat };
	const double *src_a, *src_b;
	double *owned_a, *owned_b, *v;
	size_t m = 0;

	*lo = *hi = NAN;
	if (!na || !nb)
		return;
	if (!nboot) {
		double den = bootstrap__stat(stat, b, nb);

		if (den != 0)
			*lo = *hi = bootstrap__stat(stat, a, na) / den;
		return;
	}
	rng_seed(&c.rng, seed);
	src_a = bootstrap__prepare(&c, a, na, &owned_a);
	src_b = bootstrap__prepare(&c, b, nb, &owned_b);
	c.idx = xmalloc((na > nb ? na : nb) * sizeof(*c.idx));
	if (stat == BOOT_MEDIAN)
		c.counts = xmalloc((na > nb ? na : nb) * sizeof(*c.counts));
	v = xmalloc(nboot * sizeof(*v));
	for (unsigned i = 0; i < nboot; i++) {
		double num = bootstrap__resample(&c, src_a, na);
		double den = bootstrap__resample(&c, src_b, nb);

		if (den != 0)
			v[m++] = num / den;
	}
	if (m)
		bootstrap__interval(v, m, conf, lo, hi);
	free(v);
	free(c.idx);
	free(c.counts);
	free(owned_a);
	free(owned_b);
}
