/*
 * HdrHistogram after its published algorithms (the Java AbstractHistogram
 * that the C, Go and JavaScript ports follow): the layout, recording and
 * the queries.
 *
 * The layout. sub_bucket_count is 2 * 10^sig_figs rounded up to a power of
 * two, so every value below sub_bucket_count << unit_magnitude is counted at
 * unit resolution (unit_magnitude = floor(log2(lowest))). Each bucket above
 * doubles both the range and the step; its lower half would repeat the
 * bucket below, so only its upper half (sub_bucket_half_count entries) has
 * counts. The counts array is bucket 0 whole, then the upper half of each
 * further bucket: (bucket_count + 1) * sub_bucket_half_count entries.
 *
 * An invariant that keeps reset and add short: while total > 0 every
 * non-zero count lies between the indices of min and max; when total is 0
 * every count is 0.
 *
 * The encoding (V2, compressed, base64) lives in hdr_codec.c; the layout
 * arithmetic both use is in hdr_impl.h.
 */
#include "stats/hdr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats/hdr_impl.h"
#include "util/error.h"
#include "util/xalloc.h"

/* --- layout ------------------------------------------------------------------- */

int64_t hdr_lowest_equivalent(const struct hdr *h, int64_t v)
{
	int shift;

	if (v < 0)
		v = 0;
	shift = hdr__bucket(h, v) + h->unit_magnitude;
	return (v >> shift) << shift;
}

/*
 * lowest + (size - 1) rather than next - 1: in the last bucket of a
 * histogram that reaches INT64_MAX the next value would be 2^63.
 */
int64_t hdr_highest_equivalent(const struct hdr *h, int64_t v)
{
	int shift;

	if (v < 0)
		v = 0;
	shift = hdr__bucket(h, v) + h->unit_magnitude;
	return ((v >> shift) << shift) + (int64_t)((UINT64_C(1) << shift) - 1);
}

/* HdrHistogram's medianEquivalentValue: the middle of v's range, for the mean. */
static int64_t hdr__median_equivalent(const struct hdr *h, int64_t v)
{
	int shift = hdr__bucket(h, v) + h->unit_magnitude;

	return ((v >> shift) << shift) + (int64_t)((UINT64_C(1) << shift) >> 1);
}

int hdr_init(struct hdr *h, int64_t lowest, int64_t highest, int sig_figs)
{
	int64_t largest_unit;
	int count_magnitude;
	uint64_t untrackable;
	int32_t buckets;

	memset(h, 0, sizeof(*h));
	if (lowest < 1)
		return pe_error("histogram: lowest discernible value %lld must be 1 or more",
				(long long)lowest);
	if (sig_figs < 1 || sig_figs > 5)
		return pe_error("histogram: %d significant digits; use 1 to 5", sig_figs);
	if (highest / 2 < lowest)
		return pe_error("histogram: highest trackable value %lld must be at least twice the lowest (%lld)",
				(long long)highest, (long long)lowest);

	largest_unit = 2;
	for (int i = 0; i < sig_figs; i++)
		largest_unit *= 10;
	/*
	 * HdrHistogram takes these logarithms in floating point; exact integer
	 * arithmetic gives the same numbers for every lowest below 2^47.
	 */
	count_magnitude = 64 - __builtin_clzll((uint64_t)largest_unit - 1);
	h->unit_magnitude = 63 - __builtin_clzll((uint64_t)lowest);
	h->sub_bucket_half_count_magnitude = count_magnitude - 1;
	if (h->unit_magnitude + h->sub_bucket_half_count_magnitude > 61)
		return pe_error("histogram: %d significant digits above a lowest value of %lld exceed 64 bits",
				sig_figs, (long long)lowest);
	h->sub_bucket_count = INT32_C(1) << count_magnitude;
	h->sub_bucket_half_count = h->sub_bucket_count / 2;
	h->sub_bucket_mask = (int64_t)h->sub_bucket_count - 1;
	h->sub_bucket_mask <<= h->unit_magnitude;

	/* HdrHistogram's bucketsNeededToCoverValue. */
	untrackable = (uint64_t)h->sub_bucket_count << h->unit_magnitude;
	buckets = 1;
	while (untrackable <= (uint64_t)highest) {
		if (untrackable > (uint64_t)INT64_MAX / 2) {
			buckets++;
			break;
		}
		untrackable <<= 1;
		buckets++;
	}
	h->lowest = lowest;
	h->highest = highest;
	h->sig_figs = sig_figs;
	h->bucket_count = buckets;
	h->counts_len = (buckets + 1) * h->sub_bucket_half_count;
	h->counts = xcalloc((size_t)h->counts_len, sizeof(*h->counts));
	h->min = INT64_MAX;
	return 0;
}

void hdr_release(struct hdr *h)
{
	free(h->counts);
	h->counts = NULL;
	h->counts_len = 0;
	h->total = 0;
}

void hdr_reset(struct hdr *h)
{
	if (h->total > 0) {
		int32_t lo = hdr__index(h, h->min), hi = hdr__index(h, h->max);

		memset(h->counts + lo, 0, (size_t)(hi - lo + 1) * sizeof(*h->counts));
	}
	h->total = 0;
	h->overflow = 0;
	h->min = INT64_MAX;
	h->max = 0;
}

/* --- recording ----------------------------------------------------------------- */

/*
 * The load loop's path: a compare, a count of leading zeros, two shifts and
 * three stores; no error message is formatted, overflow is the report.
 */
int hdr_record(struct hdr *h, int64_t v)
{
	if ((uint64_t)v > (uint64_t)h->highest) {	/* a negative v too */
		h->overflow++;
		return -1;
	}
	h->counts[hdr__index(h, v)]++;
	h->total++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	return 0;
}

int hdr_record_n(struct hdr *h, int64_t v, int64_t n)
{
	if (n <= 0)
		return n == 0 ? 0 : -1;
	if ((uint64_t)v > (uint64_t)h->highest) {
		h->overflow += n;
		return -1;
	}
	h->counts[hdr__index(h, v)] += n;
	h->total += n;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	return 0;
}

int hdr_add(struct hdr *dst, const struct hdr *src)
{
	if (dst->lowest != src->lowest || dst->highest != src->highest ||
	    dst->sig_figs != src->sig_figs)
		return pe_error("histogram: cannot add a histogram of %lld..%lld, %d digits, to one of %lld..%lld, %d digits",
				(long long)src->lowest, (long long)src->highest, src->sig_figs,
				(long long)dst->lowest, (long long)dst->highest, dst->sig_figs);
	if (src->total > 0) {
		int32_t hi = hdr__index(src, src->max);

		for (int32_t i = hdr__index(src, src->min); i <= hi; i++)
			dst->counts[i] += src->counts[i];
		dst->total += src->total;
		if (src->min < dst->min)
			dst->min = src->min;
		if (src->max > dst->max)
			dst->max = src->max;
	}
	dst->overflow += src->overflow;
	return 0;
}

void hdr_add_values(struct hdr *dst, const struct hdr *src)
{
	if (dst->lowest == src->lowest && dst->highest == src->highest && dst->sig_figs == src->sig_figs) {
		hdr_add(dst, src);
		return;
	}
	if (src->total > 0) {
		int32_t hi = hdr__index(src, src->max);

		for (int32_t i = hdr__index(src, src->min); i <= hi; i++)
			if (src->counts[i])
				hdr_record_n(dst, hdr__median_equivalent(src, hdr__value(src, i)), src->counts[i]);
	}
	dst->overflow += src->overflow;
}

int64_t hdr_count_at_or_below(const struct hdr *h, int64_t v)
{
	int64_t n = 0;
	int32_t hi;

	if (!h->total || v < h->min)
		return 0;
	if (v >= h->max)
		return h->total;
	hi = hdr__index(h, v);
	for (int32_t i = hdr__index(h, h->min); i <= hi; i++)
		n += h->counts[i];
	return n;
}

/* --- queries -------------------------------------------------------------------- */

/*
 * As Java's getValueAtPercentile: one ulp off the percentile before the
 * count is rounded up, so that 99.9% of 1000 values is the 999th and not,
 * through rounding, the 1000th.
 */
int64_t hdr_value_at_percentile(const struct hdr *h, double p)
{
	double req = isnan(p) ? 0 : nextafter(p, -INFINITY);
	int64_t want, run = 0;

	if (h->total <= 0)
		return 0;
	if (req < 0)
		req = 0;
	if (req > 100)
		req = 100;
	want = (int64_t)ceil(req * (double)h->total / 100.0);
	if (want < 1)
		want = 1;
	/* Past 2^53 values the double total is inexact: 100% is the last count, exactly. */
	if (want > h->total || p >= 100)
		want = h->total;
	for (int32_t i = 0; i < h->counts_len; i++) {
		run += h->counts[i];
		if (run >= want) {
			int64_t v = hdr__value(h, i);

			return p == 0.0 ? hdr_lowest_equivalent(h, v) : hdr_highest_equivalent(h, v);
		}
	}
	return 0;
}

int64_t hdr_min(const struct hdr *h)
{
	return h->total > 0 ? hdr_lowest_equivalent(h, h->min) : 0;
}

int64_t hdr_max(const struct hdr *h)
{
	return h->max > 0 ? hdr_highest_equivalent(h, h->max) : 0;
}

/* As HdrHistogram: each count taken at the middle of its range. */
double hdr_mean(const struct hdr *h)
{
	double sum = 0;
	int32_t hi;

	if (h->total <= 0)
		return 0;
	hi = hdr__index(h, h->max);
	for (int32_t i = hdr__index(h, h->min); i <= hi; i++)
		if (h->counts[i])
			sum += (double)hdr__median_equivalent(h, hdr__value(h, i)) * (double)h->counts[i];
	return sum / (double)h->total;
}

/* The population standard deviation (divided by n), as HdrHistogram's getStdDeviation. */
double hdr_stddev(const struct hdr *h)
{
	double mean, sum = 0;
	int32_t hi;

	if (h->total <= 0)
		return 0;
	mean = hdr_mean(h);
	hi = hdr__index(h, h->max);
	for (int32_t i = hdr__index(h, h->min); i <= hi; i++) {
		if (h->counts[i]) {
			double d = (double)hdr__median_equivalent(h, hdr__value(h, i)) - mean;

			sum += d * d * (double)h->counts[i];
		}
	}
	return sqrt(sum / (double)h->total);
}

/*
 * HdrHistogram's PercentileIterator walked by hand: the level to reach
 * starts at 0% and advances by 100 / (ticks * 2^(halvings + 1)), where
 * halvings counts how often the distance to 100% has halved; a level may be
 * reached several times at one value. Once every count is passed, one last
 * step reports the max at 100%.
 */
void hdr_percentiles(const struct hdr *h, int ticks_per_half,
		     void (*fn)(int64_t value, double percentile, int64_t count, void *ctx), void *ctx)
{
	double level = 0;
	int64_t run = 0;
	int32_t i = 0;
	int fresh = 1, last = 0;

	if (h->total <= 0)
		return;
	if (ticks_per_half < 1)
		ticks_per_half = 1;
	for (;;) {
		if (run >= h->total) {
			if (last)
				return;
			level = 100;
			last = 1;
		}
		for (;;) {
			if (i >= h->counts_len)
				return;
			if (fresh) {
				run += h->counts[i];
				fresh = 0;
			}
			/* 100 * total / total is not always 100 in doubles, past 2^53 / 100 values. */
			if (h->counts[i] &&
			    (run >= h->total || 100.0 * (double)run / (double)h->total >= level))
				break;
			i++;
			fresh = 1;
		}
		fn(hdr_highest_equivalent(h, hdr__value(h, i)), level, run, ctx);
		if (level >= 100) {
			/*
			 * At 100% before the last count (see below): each further
			 * value once, at 100%, up to the last.
			 */
			last = 1;
			i++;
			fresh = 1;
			continue;
		}
		{
			/* Java's arithmetic: a truncated log ratio, a power of two. */
			double halvings = trunc(log(100.0 / (100.0 - level)) / log(2));
			double next = level + 100.0 / ((double)ticks_per_half *
						       ldexp(1, (int)fmin(halvings, 62) + 1));

			/*
			 * Past about 10^16 values run / total can round to 100%
			 * before the last count, and the steps to 100% fall below
			 * one ulp: go straight to 100% rather than loop.
			 */
			level = next > level ? next : 100;
		}
	}
}
