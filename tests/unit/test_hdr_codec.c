/*
 * Tests of HdrHistogram's encodings (stats/hdr: the V2 compressed form and
 * base64) and of out/hlog (the interval log). Expected values are worked
 * out as in test_hdr.c, from the Python reference in its first comment.
 * "test_hdr_codec --write-hlog FILE" writes the known log that
 * tests/e2e/t2090-hlog-js.sh decodes with hdr-histogram-js.
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
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "out/hlog.h"
#include "stats/hdr.h"
#include "hdr_known.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "hdr_fixture.h"

/* --- encoding ------------------------------------------------------------------- */

static void roundtrip(const struct hdr *h)
{
	struct strbuf enc = STRBUF_INIT, b64 = STRBUF_INIT, bytes = STRBUF_INIT;
	struct hdr d;

	if (hdr_encode_compressed(h, &enc) < 0)
		fail_msg("encode: %s", pe_errmsg());
	base64_encode(enc.buf, enc.len, &b64);
	assert_int_equal(base64_decode(b64.buf, b64.len, &bytes), 0);
	assert_int_equal(bytes.len, enc.len);
	assert_memory_equal(bytes.buf, enc.buf, enc.len);
	if (hdr_decode_compressed(bytes.buf, bytes.len, &d) < 0)
		fail_msg("decode: %s", pe_errmsg());
	assert_int_equal(d.lowest, h->lowest);
	assert_int_equal(d.highest, h->highest);
	assert_int_equal(d.sig_figs, h->sig_figs);
	assert_same_counts(&d, h);
	assert_int_equal(hdr_value_at_percentile(&d, 99.9), hdr_value_at_percentile(h, 99.9));
	hdr_release(&d);
	strbuf_release(&enc);
	strbuf_release(&b64);
	strbuf_release(&bytes);
}

static void test_roundtrip(void **state)
{
	struct hdr h;

	(void)state;
	init(&h);
	roundtrip(&h);				/* empty */
	hdr_record(&h, 0);
	roundtrip(&h);				/* a count at index 0 only */
	for (int64_t v = 1; v <= 1000000; v++)
		hdr_record(&h, v);
	roundtrip(&h);
	hdr_reset(&h);
	hdr_record(&h, HI);			/* the last index, after a long run of zeros */
	hdr_record_n(&h, 12345, INT64_C(1) << 60);	/* a 9-byte LEB128 count */
	hdr_record_n(&h, 77, 300);		/* a 2-byte one */
	roundtrip(&h);
	hdr_release(&h);

	assert_int_equal(hdr_init(&h, 1000, 3600000000000LL, 2), 0);
	for (int64_t v = 1; v < 3600000000000LL; v = v * 7 + 3)
		hdr_record(&h, v);
	roundtrip(&h);
	hdr_release(&h);
}

/*
 * Past 2^53 values doubles lose counts: the rank of 100% must still be the
 * last count, and the percentile walk must still end, at 100% and the total
 * (found by fuzz_hdr_decode: p100 was 100 instead of the max, and the walk
 * never ended).
 */
static void test_huge_counts(void **state)
{
	static struct steps s;
	struct hdr h;

	(void)state;
	init(&h);
	hdr_record_n(&h, 7, INT64_C(28710447624486912));
	hdr_record_n(&h, 100, 980);
	hdr_record_n(&h, 25000, 19);
	hdr_record(&h, 3000000);
	assert_int_equal(h.total, INT64_C(28710447624487912));
	assert_int_equal(hdr_value_at_percentile(&h, 100), 3000319);
	assert_int_equal(hdr_value_at_percentile(&h, 50), 7);
	for (int ticks = 1; ticks <= 5; ticks++) {
		s.n = 0;
		hdr_percentiles(&h, ticks, collect, &s);
		assert_in_range(s.n, 2, MAX_STEPS);
		assert_int_equal(s.value[s.n - 1], 3000319);
		assert_int_equal(s.count[s.n - 1], h.total);
		assert_true(s.pct[s.n - 1] == 100.0);
	}
	roundtrip(&h);
	hdr_release(&h);
}

/* The V2 bytes under the compression, against a hand encoding. */
static void test_v2_bytes(void **state)
{
	static const unsigned char head[] = {
		0x1c, 0x84, 0x93, 0x13,			/* V2 cookie | word size 0x10 */
		0, 0, 0, 3,				/* payload length */
		0, 0, 0, 0,				/* normalizing index offset */
		0, 0, 0, 3,				/* digits */
		0, 0, 0, 0, 0, 0, 0, 1,			/* lowest */
		0, 0, 0, 0, 0xd6, 0x93, 0xa4, 0x00,	/* highest 3600000000 */
		0x3f, 0xf0, 0, 0, 0, 0, 0, 0,		/* 1.0 */
	};
	struct strbuf enc = STRBUF_INIT;
	unsigned char raw[256];
	uLongf rawlen = sizeof(raw);
	struct hdr h;

	(void)state;
	init(&h);
	/*
	 * Counts 1 at 0, four zeros, 2 at 5: ZigZag 1 -> 2, a run of four zeros
	 * is -4 -> 7, 2 -> 4.
	 */
	hdr_record(&h, 0);
	hdr_record_n(&h, 5, 2);
	assert_int_equal(hdr_encode_compressed(&h, &enc), 0);
	assert_memory_equal(enc.buf, "\x1c\x84\x93\x14", 4);
	assert_int_equal(((unsigned char)enc.buf[4] << 24 | (unsigned char)enc.buf[5] << 16 |
			  (unsigned char)enc.buf[6] << 8 | (unsigned char)enc.buf[7]), enc.len - 8);
	assert_int_equal(uncompress(raw, &rawlen, (const Bytef *)enc.buf + 8, (uLong)enc.len - 8), Z_OK);
	assert_int_equal(rawlen, sizeof(head) + 3);
	assert_memory_equal(raw, head, sizeof(head));
	assert_memory_equal(raw + sizeof(head), "\x02\x07\x04", 3);
	strbuf_release(&enc);
	hdr_release(&h);
}

/*
 * Written by hdr-histogram-js 3.0.1 (tests/helpers/hlog-js): build({
 * lowestDiscernibleValue: 1, highestTrackableValue: 3600000000,
 * numberOfSignificantValueDigits: 3, bitBucketSize: 64 }), recordValue() of
 * 1, 2, 3, 100, 100, 2500, 10000, 1000000, encodeIntoCompressedBase64(). It
 * writes a normalizing index offset of 1 and the conversion ratio as the
 * integer 1; both are ignored, as by HdrHistogram's own readers.
 */
static void test_decode_js(void **state)
{
	static const char js[] = "HISTFAAAADN4nJNpmSzMwMAgwMDAwMjAwMDMAAEgNsO1yUsY4HwmJqb9jCw/FZn+yjP9zmICAJ7KB9U=";
	struct strbuf bytes = STRBUF_INIT;
	struct hdr d, want;

	(void)state;
	assert_int_equal(base64_decode(js, strlen(js), &bytes), 0);
	if (hdr_decode_compressed(bytes.buf, bytes.len, &d) < 0)
		fail_msg("decode: %s", pe_errmsg());
	init(&want);
	for (int i = 0; i < 8; i++)
		hdr_record(&want, (int64_t[]){ 1, 2, 3, 100, 100, 2500, 10000, 1000000 }[i]);
	assert_same_counts(&d, &want);
	assert_int_equal(d.total, 8);
	assert_int_equal(hdr_value_at_percentile(&d, 50), 100);
	assert_int_equal(hdr_max(&d), 1000447);
	hdr_release(&d);
	hdr_release(&want);
	strbuf_release(&bytes);
}

/* A compressed histogram around raw V2 bytes, for the decoder's error paths. */
static void wrap(struct strbuf *out, const void *raw, size_t n)
{
	uLongf clen = compressBound((uLong)n);
	unsigned char *p;

	strbuf_reset(out);
	strbuf_grow(out, 8 + clen);
	p = (unsigned char *)out->buf;
	assert_int_equal(compress(p + 8, &clen, raw, (uLong)n), Z_OK);
	memcpy(p, "\x1c\x84\x93\x14", 4);
	p[4] = (unsigned char)(clen >> 24);
	p[5] = (unsigned char)(clen >> 16);
	p[6] = (unsigned char)(clen >> 8);
	p[7] = (unsigned char)clen;
	out->len = 8 + clen;
}

static size_t v2(unsigned char *p, uint32_t cookie, uint32_t plen, uint32_t sig, uint64_t lo,
		 uint64_t hi, const void *payload, size_t n)
{
	uint64_t f[] = { (uint64_t)cookie << 32 | plen, sig, lo, hi, UINT64_C(0x3ff0000000000000) };

	for (int i = 0; i < 5; i++)
		for (int k = 0; k < 8; k++)
			p[i * 8 + k] = (unsigned char)(f[i] >> (56 - 8 * k));
	memcpy(p + 40, payload, n);
	return 40 + n;
}

static void expect_decode_error(const void *buf, size_t len, const char *msg)
{
	struct hdr d;

	if (hdr_decode_compressed(buf, len, &d) != -1)
		fail_msg("decoded; want an error with '%s'", msg);
	if (!strstr(pe_errmsg(), msg))
		fail_msg("message '%s' lacks '%s'", pe_errmsg(), msg);
	assert_null(d.counts);
}

static void test_decode_errors(void **state)
{
	/* 23553 = counts_len + 1 zeros: ZigZag 47105 = LEB128 81 f0 02 */
	static const unsigned char run_past[] = { 0x81, 0xf0, 0x02 };
	/* 23552 zeros (ZigZag 47103: ff ef 02), then a count of 1 */
	static const unsigned char count_past[] = { 0xff, 0xef, 0x02, 0x02 };
	static const unsigned char unfinished[] = { 0x02, 0x80 };
	/* INT64_MAX twice: ZigZag 2^64 - 2, nine bytes each */
	static const unsigned char huge[] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					      0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct strbuf good = STRBUF_INIT, b = STRBUF_INIT;
	unsigned char raw[128];
	size_t n;
	struct hdr h, d;

	(void)state;
	init(&h);
	for (int64_t v = 1; v < 100000; v += 7)
		hdr_record(&h, v);
	assert_int_equal(hdr_encode_compressed(&h, &good), 0);

	expect_decode_error("", 0, "too short");
	expect_decode_error(good.buf, 7, "too short");
	expect_decode_error("\xde\xad\xbe\xef\0\0\0\0", 8, "cookie 0xdeadbeef");
	expect_decode_error("\x1c\x84\x93\x13\0\0\0\0", 8, "not that of a V2 compressed");
	expect_decode_error(good.buf, good.len - 1, "does not match");
	strbuf_add(&b, good.buf, good.len);
	strbuf_addch(&b, 0);
	expect_decode_error(b.buf, b.len, "does not match");

	/* Every truncation, with the length field fixed up, and every flipped bit. */
	for (size_t len = 8; len < good.len; len++) {
		strbuf_reset(&b);
		strbuf_add(&b, good.buf, len);
		b.buf[4] = b.buf[5] = 0;
		b.buf[6] = (char)((len - 8) >> 8);
		b.buf[7] = (char)(len - 8);
		expect_decode_error(b.buf, b.len, "compressed data");
	}
	for (size_t bit = 8 * 8; bit < good.len * 8; bit++) {
		strbuf_reset(&b);
		strbuf_add(&b, good.buf, good.len);
		b.buf[bit / 8] ^= (char)(1 << (bit % 8));
		if (hdr_decode_compressed(b.buf, b.len, &d) == 0)
			hdr_release(&d);
	}

	n = v2(raw, 0x1c849304, 0, 3, 1, HI, "", 0);
	wrap(&b, raw, n);
	expect_decode_error(b.buf, b.len, "not that of a V2 histogram");
	wrap(&b, raw, 39);
	expect_decode_error(b.buf, b.len, "ends inside the header");
	n = v2(raw, 0x1c849313, 0, 9, 1, HI, "", 0);
	wrap(&b, raw, n);
	expect_decode_error(b.buf, b.len, "digits");
	n = v2(raw, 0x1c849313, 0, 3, 0, HI, "", 0);
	wrap(&b, raw, n);
	expect_decode_error(b.buf, b.len, "lowest");
	n = v2(raw, 0x1c849313, 0, 3, 100, 150, "", 0);
	wrap(&b, raw, n);
	expect_decode_error(b.buf, b.len, "twice");
	n = v2(raw, 0x1c849313, 0x7fffffff, 3, 1, HI, "\x02", 1);
	wrap(&b, raw, n);
	expect_decode_error(b.buf, b.len, "longer than");
	n = v2(raw, 0x1c849313, 5, 3, 1, HI, "\x02\x02", 2);
	wrap(&b, raw, n);
	expect_decode_error(b.buf, b.len, "ends inside the counts");
	n = v2(raw, 0x1c849313, 1, 3, 1, HI, "\x02\x02", 2);
	wrap(&b, raw, n);
	expect_decode_error(b.buf, b.len, "data after the payload");
	n = v2(raw, 0x1c849313, sizeof(run_past), 3, 1, HI, run_past, sizeof(run_past));
	wrap(&b, raw, n);
	expect_decode_error(b.buf, b.len, "zeros passes the last");
	n = v2(raw, 0x1c849313, sizeof(count_past), 3, 1, HI, count_past, sizeof(count_past));
	wrap(&b, raw, n);
	expect_decode_error(b.buf, b.len, "more than the 23552 counts");
	n = v2(raw, 0x1c849313, sizeof(unfinished), 3, 1, HI, unfinished, sizeof(unfinished));
	wrap(&b, raw, n);
	expect_decode_error(b.buf, b.len, "runs past the end");
	n = v2(raw, 0x1c849313, sizeof(huge), 3, 1, HI, huge, sizeof(huge));
	wrap(&b, raw, n);
	expect_decode_error(b.buf, b.len, "overflows");

	/* The same builder with a valid payload decodes: the errors above are the payloads'. */
	n = v2(raw, 0x1c849303, 3, 3, 1, HI, "\x02\x07\x04", 3);
	wrap(&b, raw, n);
	assert_int_equal(hdr_decode_compressed(b.buf, b.len, &d), 0);
	assert_int_equal(d.total, 3);
	assert_int_equal(d.counts[5], 2);
	assert_int_equal(hdr_max(&d), 5);
	hdr_release(&d);

	strbuf_release(&good);
	strbuf_release(&b);
	hdr_release(&h);
}

/* --- base64 ----------------------------------------------------------------------- */

static void test_base64(void **state)
{
	/* RFC 4648, section 10 */
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const char *const bad[] = {
		"Zg=", "Zg", "Z===", "====", "Zg==Zg==", "Zm9v Zg==", "Zm9v\n", "Zh==", "Zm9=",
		"Zm-v", "Zm_v", "Zg=a", "Z=g=", "\xc3\xa9\xc3\xa9",
	};
	struct strbuf sb = STRBUF_INIT;
	unsigned char all[256];

	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		strbuf_reset(&sb);
		base64_encode(vec[i][0], strlen(vec[i][0]), &sb);
		assert_string_equal(strbuf_str(&sb), vec[i][1]);
		strbuf_reset(&sb);
		assert_int_equal(base64_decode(vec[i][1], strlen(vec[i][1]), &sb), 0);
		assert_int_equal(sb.len, strlen(vec[i][0]));
		assert_string_equal(strbuf_str(&sb), vec[i][0]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strbuf_reset(&sb);
		strbuf_addstr(&sb, "keep");
		if (base64_decode(bad[i], strlen(bad[i]), &sb) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_string_equal(sb.buf, "keep");	/* left as it was */
		assert_true(pe_errmsg()[0] != '\0');
	}
	/* Every byte value, appended after what is there. */
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)(255 - i);
	strbuf_reset(&sb);
	base64_encode(all, sizeof(all), &sb);
	assert_int_equal(sb.len, 344);
	{
		struct strbuf back = STRBUF_INIT;

		strbuf_addstr(&back, "x");
		assert_int_equal(base64_decode(sb.buf, sb.len, &back), 0);
		assert_int_equal(back.len, 257);
		assert_memory_equal(back.buf + 1, all, sizeof(all));
		strbuf_release(&back);
	}
	strbuf_release(&sb);
}

/* --- the interval log -------------------------------------------------------------- */

#define LOG_START 1700000000.123	/* Tue Nov 14 22:13:20 UTC 2023 */

static int write_known_log(const char *path)
{
	struct hlog l;
	struct hdr h;
	int rc = 0;

	if (hlog_open(&l, path, LOG_START) < 0)
		return -1;
	init(&h);
	for (int i = 0; i < 2 && rc == 0; i++) {
		known_interval(&h, i);
		rc = hlog_interval(&l, LOG_START + i, 1.0, &h);
	}
	/* load's last tick: an empty millisecond after the end, which the log leaves out */
	hdr_reset(&h);
	if (rc == 0)
		rc = hlog_interval(&l, LOG_START + 2, 0.001, &h);
	hdr_release(&h);
	if (hlog_close(&l) < 0)
		rc = -1;
	return rc;
}

static void test_hlog(void **state)
{
	static const char *const head[] = {
		"#[StartTime: 1700000000.123 (seconds since epoch), Tue Nov 14 22:13:20 UTC 2023]\n",
		"#[BaseTime: 1700000000.123 (seconds since epoch)]\n",
		"#[Histogram log format version 1.3]\n",
		"\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n",
	};
	static const char *const prefix[] = { "0.000,1.000,10.007,", "1.000,1.000,3000.319," };
	const char *tmp = getenv("TMPDIR");
	char path[4096], line[4096];
	struct strbuf bytes = STRBUF_INIT;
	struct hdr want, got;
	FILE *f;
	int fd;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	snprintf(path, sizeof(path), "%s/perfeng-test-hdr.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	if (write_known_log(path) < 0)
		fail_msg("%s", pe_errmsg());
	f = fopen(path, "r");
	assert_non_null(f);
	for (int i = 0; i < 4; i++) {
		assert_non_null(fgets(line, sizeof(line), f));
		assert_string_equal(line, head[i]);
	}
	init(&want);
	for (int i = 0; i < 2; i++) {
		size_t n;

		assert_non_null(fgets(line, sizeof(line), f));
		assert_int_equal(strncmp(line, prefix[i], strlen(prefix[i])), 0);
		n = strlen(line);
		assert_true(n > 0 && line[n - 1] == '\n');
		assert_memory_equal(line + strlen(prefix[i]), "HISTFAAA", 8);
		strbuf_reset(&bytes);
		assert_int_equal(base64_decode(line + strlen(prefix[i]), n - 1 - strlen(prefix[i]), &bytes), 0);
		assert_int_equal(hdr_decode_compressed(bytes.buf, bytes.len, &got), 0);
		known_interval(&want, i);
		assert_same_counts(&got, &want);
		hdr_release(&got);
	}
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);
	unlink(path);
	hdr_release(&want);
	strbuf_release(&bytes);
}

/* The interval lines of the log that fn(l, &h) writes, start and length only. */
static void hlog_lines(void (*fn)(struct hlog *, struct hdr *), char *out, size_t n)
{
	char line[4096];
	struct hlog l;
	struct hdr h;
	FILE *f;
	int fd;
	char path[] = "/tmp/perfeng-test-hlog-empty.XXXXXX";

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	init(&h);
	assert_int_equal(hlog_open(&l, path, 100), 0);
	fn(&l, &h);
	assert_int_equal(hlog_close(&l), 0);
	hdr_release(&h);
	f = fopen(path, "r");
	assert_non_null(f);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (line[0] >= '0' && line[0] <= '9' && strlen(out) + 16 < n) {
			char *c = strchr(line, ',');

			c = c ? strchr(c + 1, ',') : NULL;
			assert_non_null(c);
			strncat(out, line, (size_t)(c - line));
			strcat(out, " ");
		}
	fclose(f);
	unlink(path);
}

static void busy_stall_busy_tail(struct hlog *l, struct hdr *h)
{
	hdr_record(h, 42);
	assert_int_equal(hlog_interval(l, 100, 1, h), 0);
	hdr_reset(h);
	assert_int_equal(hlog_interval(l, 101, 1, h), 0);	/* a stall: kept */
	hdr_record(h, 43);
	assert_int_equal(hlog_interval(l, 102, 1, h), 0);
	hdr_reset(h);
	assert_int_equal(hlog_interval(l, 103, 1, h), 0);	/* trailing: dropped */
	assert_int_equal(hlog_interval(l, 104, 0.001, h), 0);
}

static void all_empty(struct hlog *l, struct hdr *h)
{
	assert_int_equal(hlog_interval(l, 100, 1, h), 0);
	assert_int_equal(hlog_interval(l, 101, 0.5, h), 0);
}

/*
 * Empty intervals: kept between intervals with counts (a stall is data), left
 * out at the end (the run's last tick), all kept when they are the whole log.
 */
static void test_hlog_empty_intervals(void **state)
{
	char got[256];

	(void)state;
	hlog_lines(busy_stall_busy_tail, got, sizeof(got));
	assert_string_equal(got, "0.000,1.000 1.000,1.000 2.000,1.000 ");
	hlog_lines(all_empty, got, sizeof(got));
	assert_string_equal(got, "0.000,1.000 1.000,0.500 ");
}

static void test_hlog_errors(void **state)
{
	struct hlog l;
	struct hdr h;

	(void)state;
	assert_int_equal(hlog_open(&l, "/nonexistent-dir/x.hlog", 0), -1);
	assert_non_null(strstr(pe_errmsg(), "'/nonexistent-dir/x.hlog'"));
	assert_int_equal(hlog_close(&l), 0);	/* nothing open: nothing to do */

	/* /dev/full takes the buffered header and fails on the flush: the close reports it. */
	if (access("/dev/full", W_OK) != 0)
		skip();
	init(&h);
	hdr_record(&h, 42);
	assert_int_equal(hlog_open(&l, "/dev/full", 1.5), 0);
	hlog_interval(&l, 2.5, 1, &h);
	assert_int_equal(hlog_close(&l), -1);
	assert_non_null(strstr(pe_errmsg(), "cannot write histogram log '/dev/full'"));
	hdr_release(&h);
}

/*
 * `test_hdr --write-hlog PATH` writes the known log and exits: the e2e test
 * t2090-hlog-js.sh reads it with hdr-histogram-js.
 */

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_huge_counts),
		cmocka_unit_test(test_v2_bytes),
		cmocka_unit_test(test_decode_js),
		cmocka_unit_test(test_decode_errors),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_hlog),
		cmocka_unit_test(test_hlog_empty_intervals),
		cmocka_unit_test(test_hlog_errors),
	};

	if (argc == 3 && !strcmp(argv[1], "--write-hlog")) {
		if (write_known_log(argv[2]) < 0) {
			fprintf(stderr, "test_hdr: %s\n", pe_errmsg());
			return 1;
		}
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
