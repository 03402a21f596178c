/*
 * HdrHistogram after its published algorithms (the Java AbstractHistogram
 * that the C, Go and JavaScript ports follow): the layout, recording, the
 * queries, the V2 encoding and base64.
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
 */
#include "stats/hdr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/error.h"
#include "util/xalloc.h"

#define HDR_V2_COOKIE 0x1c849303u
#define HDR_V2_COMPRESSED_COOKIE 0x1c849304u
/*
 * The cookies HdrHistogram writes carry a word size in bits 4..7: 0x10 for
 * the V2 ZigZag LEB128 encoding. Readers compare the cookie with those bits
 * masked off, so we write what Java, C and JavaScript write and accept any.
 */
#define HDR_COOKIE_WORD_SIZE 0x10u
#define HDR_COOKIE_BASE(c) ((c) & ~0xf0u)
#define HDR_V2_HEADER 40
#define HDR_LEB128_MAX 9

/* --- layout ------------------------------------------------------------------- */

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
static int64_t hdr__value(const struct hdr *h, int32_t i)
{
	int32_t b = (i >> h->sub_bucket_half_count_magnitude) - 1;
	int32_t sub = (i & (h->sub_bucket_half_count - 1)) + h->sub_bucket_half_count;

	if (b < 0) {
		sub -= h->sub_bucket_half_count;
		b = 0;
	}
	return (int64_t)((uint64_t)sub << (b + h->unit_magnitude));
}

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

/* --- V2 encoding ----------------------------------------------------------------- */

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void put_be64(unsigned char *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const unsigned char *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/*
 * ZigZag, then HdrHistogram's LEB128-64b9B: seven bits a byte with a
 * continuation bit for eight bytes, and a ninth byte, if needed, of eight
 * plain bits. Returns the bytes written (at most 9).
 */
static int put_zigzag(unsigned char *p, int64_t v)
{
	uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	int n = 0;

	while (n < 8 && u >= 0x80) {
		p[n++] = (unsigned char)(u | 0x80);
		u >>= 7;
	}
	p[n++] = (unsigned char)u;
	return n;
}

/* Reads one value at *pos below end; -1 when it runs past end. */
static int get_zigzag(const unsigned char *buf, size_t end, size_t *pos, int64_t *v)
{
	uint64_t u = 0;
	int shift = 0;
	unsigned char b;

	for (;;) {
		if (*pos >= end)
			return -1;
		b = buf[(*pos)++];
		if (shift == 56) {
			u |= (uint64_t)b << 56;
			break;
		}
		u |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
	}
	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return 0;
}

/*
 * The V2 bytes: a 40-byte big-endian header (cookie, payload length,
 * normalizing index offset 0, digits, lowest, highest, and the
 * integer-to-double ratio 1.0 as a double), then the counts up to the max's
 * index, a run of two or more zeros written as its negated length.
 */
static void hdr__encode_v2(const struct hdr *h, struct strbuf *out)
{
	int32_t limit = h->max > 0 ? hdr__index(h, h->max) + 1 : 1;
	unsigned char *p, *payload;
	union { double d; uint64_t u; } ratio = { .d = 1.0 };
	size_t n;

	strbuf_grow(out, HDR_V2_HEADER + (size_t)limit * HDR_LEB128_MAX);
	p = (unsigned char *)out->buf + out->len;
	put_be32(p, HDR_V2_COOKIE | HDR_COOKIE_WORD_SIZE);
	put_be32(p + 8, 0);
	put_be32(p + 12, (uint32_t)h->sig_figs);
	put_be64(p + 16, (uint64_t)h->lowest);
	put_be64(p + 24, (uint64_t)h->highest);
	put_be64(p + 32, ratio.u);
	payload = p + HDR_V2_HEADER;
	n = 0;
	for (int32_t i = 0; i < limit;) {
		int64_t c = h->counts[i++];

		if (c == 0) {
			int64_t zeros = 1;

			while (i < limit && h->counts[i] == 0) {
				zeros++;
				i++;
			}
			if (zeros > 1)
				c = -zeros;
		}
		n += (size_t)put_zigzag(payload + n, c);
	}
	put_be32(p + 4, (uint32_t)n);
	out->len += HDR_V2_HEADER + n;
	out->buf[out->len] = '\0';
}

int hdr_encode_compressed(const struct hdr *h, struct strbuf *out)
{
	struct strbuf raw = STRBUF_INIT;
	uLongf clen;
	unsigned char *p;
	int rc;

	hdr__encode_v2(h, &raw);
	clen = compressBound((uLong)raw.len);
	strbuf_grow(out, 8 + (size_t)clen);
	p = (unsigned char *)out->buf + out->len;
	/* zlib's format at the default level, as java.util.zip.Deflater writes it. */
	rc = compress2(p + 8, &clen, (const Bytef *)raw.buf, (uLong)raw.len, Z_DEFAULT_COMPRESSION);
	strbuf_release(&raw);
	if (rc != Z_OK)
		return pe_error("histogram: zlib compression failed (%s)", zError(rc));
	put_be32(p, HDR_V2_COMPRESSED_COOKIE | HDR_COOKIE_WORD_SIZE);
	put_be32(p + 4, (uint32_t)clen);
	out->len += 8 + clen;
	out->buf[out->len] = '\0';
	return 0;
}

/* Inflates exactly n more bytes into dst; -1 with pe_error() when the stream has fewer or fails. */
static int hdr__inflate(z_stream *zs, unsigned char *dst, size_t n, const char *what)
{
	int rc;

	zs->next_out = dst;
	zs->avail_out = (uInt)n;
	while (zs->avail_out > 0) {
		rc = inflate(zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END && zs->avail_out > 0)
			return pe_error("histogram: compressed data ends inside the %s", what);
		if (rc == Z_BUF_ERROR)
			return pe_error("histogram: compressed data is truncated inside the %s", what);
		if (rc != Z_OK && rc != Z_STREAM_END)
			return pe_error("histogram: bad compressed data in the %s (%s)", what,
					zs->msg ? zs->msg : zError(rc));
	}
	return 0;
}

/* Fills h (laid out by hdr_init) from n bytes of V2 counts. */
static int hdr__decode_counts(struct hdr *h, const unsigned char *buf, size_t n)
{
	size_t pos = 0;
	int32_t i = 0, first = -1, last = -1;
	int64_t c;

	while (pos < n) {
		if (get_zigzag(buf, n, &pos, &c) < 0)
			return pe_error("histogram: a count runs past the end of the payload");
		if (c < 0) {
			if (c == INT64_MIN || -c > (int64_t)(h->counts_len - i))
				return pe_error("histogram: a run of %llu zeros passes the last of %d counts",
						0ULL - (unsigned long long)c, h->counts_len);
			i += (int32_t)-c;
			continue;
		}
		if (i >= h->counts_len)
			return pe_error("histogram: more than the %d counts of its layout", h->counts_len);
		if (c > 0) {
			if (__builtin_add_overflow(h->total, c, &h->total))
				return pe_error("histogram: the total count overflows 64 bits");
			if (first < 0)
				first = i;
			last = i;
		}
		h->counts[i++] = c;
	}
	if (first >= 0) {
		h->min = hdr__value(h, first);
		h->max = hdr__value(h, last);
	}
	return 0;
}

/*
 * Inflates the 40-byte header first and allocates only what its layout
 * needs, so that a few bytes cannot ask for an unbounded buffer: the payload
 * is at most 9 bytes per count.
 */
int hdr_decode_compressed(const void *buf, size_t len, struct hdr *out)
{
	const unsigned char *b = buf;
	unsigned char head[HDR_V2_HEADER], *payload = NULL, extra;
	uint32_t cookie, clen, plen;
	int64_t lowest, highest;
	int32_t sig;
	z_stream zs;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len < 8)
		return pe_error("histogram: %zu bytes are too short for a compressed histogram", len);
	cookie = get_be32(b);
	if (HDR_COOKIE_BASE(cookie) != HDR_V2_COMPRESSED_COOKIE)
		return pe_error("histogram: cookie 0x%08x is not that of a V2 compressed histogram (0x%08x)",
				cookie, HDR_V2_COMPRESSED_COOKIE | HDR_COOKIE_WORD_SIZE);
	clen = get_be32(b + 4);
	if (clen != len - 8)
		return pe_error("histogram: compressed length %u does not match the %zu bytes that follow",
				clen, len - 8);

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return pe_error("histogram: cannot start zlib decompression");
	zs.next_in = (Bytef *)(b + 8);
	zs.avail_in = clen;
	if (hdr__inflate(&zs, head, sizeof(head), "header") < 0)
		goto fail;

	cookie = get_be32(head);
	if (HDR_COOKIE_BASE(cookie) != HDR_V2_COOKIE) {
		pe_error("histogram: cookie 0x%08x is not that of a V2 histogram (0x%08x)",
			 cookie, HDR_V2_COOKIE | HDR_COOKIE_WORD_SIZE);
		goto fail;
	}
	/*
	 * The normalizing index offset (bytes 8..11) and the conversion ratio
	 * (32..39) are ignored, as HdrHistogram's C and JavaScript readers do:
	 * hdr-histogram-js writes an offset of 1 and a ratio of integer 1.
	 */
	plen = get_be32(head + 4);
	sig = (int32_t)get_be32(head + 12);
	lowest = (int64_t)get_be64(head + 16);
	highest = (int64_t)get_be64(head + 24);
	if (hdr_init(out, lowest, highest, sig) < 0) {
		pe_error("%s (in its header)", pe_errmsg());
		goto fail;
	}
	if (plen > (uint64_t)out->counts_len * HDR_LEB128_MAX) {
		pe_error("histogram: payload of %u bytes is longer than %d counts can take",
			 plen, out->counts_len);
		goto fail;
	}
	/* Grown as the data arrives: a claimed length costs nothing until inflated. */
	for (size_t got = 0, step; got < plen; got += step) {
		step = got < 65536 ? 65536 : got;
		if (step > plen - got)
			step = plen - got;
		payload = xrealloc(payload, got + step);
		if (hdr__inflate(&zs, payload + got, step, "counts") < 0)
			goto fail;
	}
	/* The stream must end here, checksum and all, with nothing after it. */
	zs.next_out = &extra;
	zs.avail_out = 1;
	rc = inflate(&zs, Z_FINISH);
	if (zs.avail_out == 0) {
		pe_error("histogram: data after the payload of %u bytes", plen);
		goto fail;
	}
	if (rc == Z_BUF_ERROR) {
		pe_error("histogram: compressed data is truncated after the payload");
		goto fail;
	}
	if (rc != Z_STREAM_END) {
		pe_error("histogram: bad compressed data after the payload (%s)",
			 zs.msg ? zs.msg : zError(rc));
		goto fail;
	}
	if (zs.avail_in != 0) {
		pe_error("histogram: %u bytes after the end of the compressed data", zs.avail_in);
		goto fail;
	}
	if (hdr__decode_counts(out, payload, plen) < 0)
		goto fail;
	free(payload);
	inflateEnd(&zs);
	return 0;

fail:
	free(payload);
	inflateEnd(&zs);
	hdr_release(out);
	return -1;
}

/* --- base64 ------------------------------------------------------------------------- */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(const void *buf, size_t len, struct strbuf *out)
{
	const unsigned char *p = buf;
	char *o;
	size_t i;

	strbuf_grow(out, (len + 2) / 3 * 4);
	o = out->buf + out->len;
	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = b64_alphabet[(v >> 6) & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);

		*o++ = b64_alphabet[v >> 18];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	out->len = (size_t)(o - out->buf);
	out->buf[out->len] = '\0';
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Only the canonical form: a multiple of four characters, padding only at
 * the end, and zero bits under the padding, so decoding and encoding again
 * gives the same text. On error out is left as it was.
 */
int base64_decode(const char *s, size_t len, struct strbuf *out)
{
	size_t start = out->len;

	if (len % 4)
		return pe_error("base64: length %zu is not a multiple of 4", len);
	strbuf_grow(out, len / 4 * 3);
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;
		uint32_t w;

		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)s[i + k];

			if (c == '=' && i + 4 == len && k >= 2 && (k == 3 || s[i + 3] == '=')) {
				v[k] = 0;
				pad++;
				continue;
			}
			v[k] = b64_value(c);
			if (v[k] < 0 || pad) {
				out->len = start;
				out->buf[start] = '\0';
				return pe_error("base64: bad character at offset %zu", i + (size_t)k);
			}
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff))) {
			out->len = start;
			out->buf[start] = '\0';
			return pe_error("base64: non-zero bits under the padding at offset %zu", i);
		}
		out->buf[out->len++] = (char)(w >> 16);
		if (pad < 2)
			out->buf[out->len++] = (char)(w >> 8);
		if (pad < 1)
			out->buf[out->len++] = (char)w;
	}
	out->buf[out->len] = '\0';
	return 0;
}
