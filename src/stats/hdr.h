/*
 * HdrHistogram: a fixed-size histogram of integer values (microseconds of
 * latency, in `load`) with a guaranteed relative precision, so recording
 * costs a few instructions and no allocation, a 10-minute run uses the same
 * memory as a 10-second one, and histograms from threads, processes or
 * machines add up exactly (percentiles are never averaged). The bucket
 * layout and the V2 encoding follow HdrHistogram's published format, so
 * HdrHistogram's own readers (Java, C, JavaScript) load what we write.
 */
#ifndef PE_HDR_H
#define PE_HDR_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

struct hdr {
	int64_t lowest;		/* lowest discernible value, >= 1 */
	int64_t highest;	/* highest trackable value */
	int sig_figs;		/* 1..5 significant decimal digits */
	/* derived layout, as HdrHistogram computes it */
	int32_t unit_magnitude;
	int32_t sub_bucket_half_count_magnitude;
	int32_t sub_bucket_count;
	int32_t sub_bucket_half_count;
	int64_t sub_bucket_mask;
	int32_t bucket_count;
	int32_t counts_len;
	int64_t *counts;	/* owned; counts_len entries */
	int64_t total;		/* values recorded */
	int64_t min, max;	/* INT64_MAX / 0 when empty */
	int64_t overflow;	/* values above highest, counted here and not in counts */
};

/* Returns 0, or -1 with pe_error() for a bad range or precision. */
int hdr_init(struct hdr *h, int64_t lowest, int64_t highest, int sig_figs);
void hdr_release(struct hdr *h);
void hdr_reset(struct hdr *h);

/* Records v (n times). A value above highest is counted in overflow and returns -1; below 0 too. */
int hdr_record(struct hdr *h, int64_t v);
int hdr_record_n(struct hdr *h, int64_t v, int64_t n);

/* Adds src into dst (same lowest, highest and precision, else -1). */
int hdr_add(struct hdr *dst, const struct hdr *src);

/*
 * Adds src into dst whatever their layouts: each of src's buckets is
 * recorded in dst at its median equivalent value, so the result has the
 * coarser precision of the two (exact when the layouts are the same, when
 * it is hdr_add). Values above dst's highest go to its overflow.
 */
void hdr_add_values(struct hdr *dst, const struct hdr *src);

/*
 * How many values are at or below v, at the histogram's precision: the
 * whole bucket of v counts (values up to hdr_highest_equivalent(v)).
 */
int64_t hdr_count_at_or_below(const struct hdr *h, int64_t v);

/* The value at percentile p (0..100): the highest value equivalent to the
 * one at that rank, as HdrHistogram's getValueAtPercentile; 0 when empty. */
int64_t hdr_value_at_percentile(const struct hdr *h, double p);
double hdr_mean(const struct hdr *h);
double hdr_stddev(const struct hdr *h);
int64_t hdr_min(const struct hdr *h);	/* 0 when empty */
int64_t hdr_max(const struct hdr *h);	/* highest equivalent value of the max */

/* Lowest and highest values equivalent to v (same bucket). */
int64_t hdr_lowest_equivalent(const struct hdr *h, int64_t v);
int64_t hdr_highest_equivalent(const struct hdr *h, int64_t v);

/*
 * The percentile distribution for display (--latency), as HdrHistogram's
 * outputPercentileDistribution: percentiles at ticks_per_half steps per
 * halving of the remaining distance to 100%. Calls fn(value, percentile,
 * total_count_to_here, ctx) for each step.
 */
void hdr_percentiles(const struct hdr *h, int ticks_per_half,
		     void (*fn)(int64_t value, double percentile, int64_t count, void *ctx), void *ctx);

/*
 * The V2 compressed encoding (cookie 0x1c849304 | 0x10 word size, zlib-deflated
 * V2 payload with its cookie 0x1c849303 | 0x10 and ZigZag LEB128 counts, as
 * Java, C and JavaScript write them; decoding ignores the word-size bits), appended to out as
 * bytes; and its decoding into a new histogram (hdr_release it). Returns 0
 * or -1 with pe_error().
 */
int hdr_encode_compressed(const struct hdr *h, struct strbuf *out);
int hdr_decode_compressed(const void *buf, size_t len, struct hdr *out);

/* Base64 (RFC 4648, with padding) of len bytes appended to out; decoding into out, -1 on bad input. */
void base64_encode(const void *buf, size_t len, struct strbuf *out);
int base64_decode(const char *s, size_t len, struct strbuf *out);

#endif
