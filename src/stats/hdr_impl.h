/*
 * Internal to src/stats/hdr*.c: the bucket layout arithmetic that both the
 * histogram (hdr.c) and its encoding (hdr_codec.c) need. Not for use
 * outside the module; the public interface is hdr.h.
 */
#ifndef PE_HDR_IMPL_H
#define PE_HDR_IMPL_H

#include "stats/hdr.h"

static inline int32_t hdr__bucket(const struct hdr *h, int64_t v)
{
	int top = 63 - __builtin_clzll((uint64_t)v | (uint64_t)h->sub_bucket_mask);

	return top - h->unit_magnitude - h->sub_bucket_half_count_magnitude;
}

/* HdrHistogram's countsArrayIndex, for 0 <= v. */
static inline int32_t hdr__index(const struct hdr *h, int64_t v)
{
	int32_t b = hdr__bucket(h, v);
	int32_t sub = (int32_t)(v >> (b + h->unit_magnitude));

	return ((b + 1) << h->sub_bucket_half_count_magnitude) + sub - h->sub_bucket_half_count;
}

/* HdrHistogram's valueFromIndex: the lowest value counted at index i. */
static inline int64_t hdr__value(const struct hdr *h, int32_t i)
{
	int32_t b = (i >> h->sub_bucket_half_count_magnitude) - 1;
	int32_t sub = (i & (h->sub_bucket_half_count - 1)) + h->sub_bucket_half_count;

	if (b < 0) {
		sub -= h->sub_bucket_half_count;
		b = 0;
	}
	return (int64_t)((uint64_t)sub << (b + h->unit_magnitude));
}

#endif
