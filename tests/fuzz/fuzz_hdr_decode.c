/*
 * libFuzzer target for the HdrHistogram decoders of stats/hdr: base64 text
 * and V2-compressed bytes from outside (interval logs written by other
 * tools). Any input either fails with a message or gives a histogram whose
 * counts add up to its total, whose queries agree with each other, and
 * that encodes and decodes again to the same counts.
 *
 * The first byte picks what the rest is: 'R' raw V2 bytes, compressed here so
 * that mutations reach the header and counts parser past zlib's checksum;
 * anything else is tried both as base64 text and as compressed bytes.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "stats/hdr.h"
#include "util/error.h"
#include "util/strbuf.h"

#define CHECK(c)                \
	do {                    \
		if (!(c))       \
			abort(); \
	} while (0)

struct walk {
	int64_t value, count;
	double pct;
	int64_t n, limit;
};

static void step(int64_t value, double percentile, int64_t count, void *ctx)
{
	struct walk *w = ctx;

	CHECK(value >= w->value && count >= w->count && percentile >= w->pct);
	CHECK(percentile <= 100);
	CHECK(++w->n <= w->limit);	/* no endless walk */
	w->value = value;
	w->count = count;
	w->pct = percentile;
}

static void check_histogram(const struct hdr *h)
{
	struct strbuf enc = STRBUF_INIT;
	struct hdr again;
	struct walk w = { 0 };
	int64_t sum = 0;

	for (int32_t i = 0; i < h->counts_len; i++) {
		CHECK(h->counts[i] >= 0);
		sum += h->counts[i];
	}
	CHECK(sum == h->total);
	CHECK(h->overflow == 0);
	if (h->total > 0) {
		int64_t p50 = hdr_value_at_percentile(h, 50);

		CHECK(hdr_min(h) <= p50);
		CHECK(hdr_value_at_percentile(h, 0) <= p50);
		CHECK(p50 <= hdr_value_at_percentile(h, 100));
		if (h->max > 0)
			CHECK(hdr_value_at_percentile(h, 100) == hdr_max(h));
		CHECK(isfinite(hdr_mean(h)) && isfinite(hdr_stddev(h)));
		/* About ticks steps per halving of the distance to 100%, 64 halvings at most. */
		w.limit = 100 * 5 + h->counts_len + 100;
		hdr_percentiles(h, 1 + (int)(h->total % 5), step, &w);
		CHECK(w.n > 0 && w.count == h->total && w.pct == 100);
	}

	CHECK(hdr_encode_compressed(h, &enc) == 0);
	CHECK(hdr_decode_compressed(enc.buf, enc.len, &again) == 0);
	CHECK(again.lowest == h->lowest && again.highest == h->highest &&
	      again.sig_figs == h->sig_figs && again.counts_len == h->counts_len);
	CHECK(!memcmp(again.counts, h->counts, (size_t)h->counts_len * sizeof(*h->counts)));
	CHECK(again.total == h->total && hdr_max(&again) == hdr_max(h) && hdr_min(&again) == hdr_min(h));
	if (h->total <= INT64_MAX / 2) {
		CHECK(hdr_add(&again, h) == 0);
		CHECK(again.total == 2 * h->total);
	}
	hdr_reset(&again);
	for (int32_t i = 0; i < again.counts_len; i++)
		CHECK(again.counts[i] == 0);
	hdr_release(&again);
	strbuf_release(&enc);
}

static void try_compressed(const void *buf, size_t len)
{
	struct hdr h;

	pe_error_clear();
	if (hdr_decode_compressed(buf, len, &h) < 0) {
		CHECK(pe_errmsg()[0]);
		CHECK(h.counts == NULL);
		return;
	}
	check_histogram(&h);
	hdr_release(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf bytes = STRBUF_INIT, text = STRBUF_INIT;

	if (size > 0 && data[0] == 'R') {
		uLongf clen = compressBound((uLong)size);
		unsigned char *c = malloc(8 + clen);

		CHECK(compress(c + 8, &clen, data + 1, (uLong)size - 1) == Z_OK);
		memcpy(c, "\x1c\x84\x93\x14", 4);
		c[4] = (unsigned char)(clen >> 24);
		c[5] = (unsigned char)(clen >> 16);
		c[6] = (unsigned char)(clen >> 8);
		c[7] = (unsigned char)clen;
		try_compressed(c, 8 + clen);
		free(c);
		return 0;
	}

	try_compressed(data, size);
	pe_error_clear();
	if (base64_decode((const char *)data, size, &bytes) == 0) {
		/* Only canonical text is accepted: it encodes back to itself. */
		base64_encode(bytes.buf, bytes.len, &text);
		CHECK(text.len == size && !memcmp(text.buf, data, size));
		try_compressed(bytes.buf, bytes.len);
	} else {
		CHECK(pe_errmsg()[0]);
	}
	strbuf_release(&bytes);
	strbuf_release(&text);
	return 0;
}
