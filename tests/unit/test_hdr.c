/*
 * Tests of stats/hdr (HdrHistogram) and out/hlog (its interval log).
 * Expected values come from the layout worked by hand in the comments and
 * from an independent implementation of HdrHistogram's published algorithms
 * (Java AbstractHistogram) in a few lines of Python 3:
 *
 *   import math
 *   class H:
 *       def __init__(s, lo, hi, d):
 *           s.unit = lo.bit_length() - 1
 *           s.hmag = math.ceil(math.log2(2 * 10**d)) - 1
 *           s.sc = 1 << (s.hmag + 1); s.half = s.sc // 2
 *           s.mask = (s.sc - 1) << s.unit
 *           s.bc = 1; t = s.sc << s.unit
 *           while t <= hi:
 *               if t > (2**63 - 1) // 2: s.bc += 1; break
 *               t <<= 1; s.bc += 1
 *           s.n = (s.bc + 1) * s.half; s.c = [0] * s.n
 *       def bucket(s, v): return (v | s.mask).bit_length() - 1 - s.unit - s.hmag
 *       def idx(s, v):
 *           b = s.bucket(v)
 *           return ((b + 1) << s.hmag) + (v >> (b + s.unit)) - s.half
 *       def val(s, i):
 *           b = (i >> s.hmag) - 1; sub = (i & (s.half - 1)) + s.half
 *           if b < 0: sub -= s.half; b = 0
 *           return sub << (b + s.unit)
 *       def size(s, v): return 1 << (s.unit + s.bucket(v))
 *       def lowq(s, v): return s.val(s.idx(v))
 *       def highq(s, v): return s.lowq(v) + s.size(v) - 1
 *       def rec(s, v, k=1): s.c[s.idx(v)] += k
 *       def pct(s, p):
 *           tot = sum(s.c)
 *           r = min(max(math.nextafter(p, -math.inf), 0.0), 100.0)
 *           want = max(math.ceil(r * tot / 100.0), 1); run = 0
 *           for i, c in enumerate(s.c):
 *               run += c
 *               if run >= want:
 *                   return s.lowq(s.val(i)) if p == 0.0 else s.highq(s.val(i))
 *       def mid(s, i): return s.lowq(s.val(i)) + (s.size(s.val(i)) >> 1)
 *       def mean(s): return sum(c * s.mid(i) for i, c in enumerate(s.c)) / sum(s.c)
 *       def std(s):
 *           m = s.mean()
 *           return math.sqrt(sum(c * (s.mid(i) - m) ** 2 for i, c in enumerate(s.c)) / sum(s.c))
 *
 * Its printed results are next to each asserted value.
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

/* --- layout -------------------------------------------------------------------- */

static void test_layout(void **state)
{
	struct hdr h;

	(void)state;
	/*
	 * 1 us .. 1 h, 3 digits. Unit resolution up to 2 * 10^3 = 2000 needs
	 * 2^11 = 2048 sub-buckets (magnitude 11, half 1024 = 2^10); lowest 1
	 * gives unit_magnitude 0 and mask 2047. Bucket 0 reaches 2048, each
	 * further bucket doubles: 2^11 .. 2^32 > 3.6e9 > 2^31 is 21 doublings,
	 * so 22 buckets, and (22 + 1) * 1024 = 23552 counts (HdrHistogram's
	 * documented 1 h / 3 digits example; its C tests check the same).
	 */
	init(&h);
	assert_int_equal(h.unit_magnitude, 0);
	assert_int_equal(h.sub_bucket_half_count_magnitude, 10);
	assert_int_equal(h.sub_bucket_count, 2048);
	assert_int_equal(h.sub_bucket_half_count, 1024);
	assert_int_equal(h.sub_bucket_mask, 2047);
	assert_int_equal(h.bucket_count, 22);
	assert_int_equal(h.counts_len, 23552);
	assert_int_equal(h.total, 0);
	assert_int_equal(h.min, INT64_MAX);
	assert_int_equal(h.max, 0);
	hdr_release(&h);

	/* Up to INT64_MAX: 2^11 doubles to 2^62 (52 buckets), and one more for the rest. */
	assert_int_equal(hdr_init(&h, 1, INT64_MAX, 3), 0);
	assert_int_equal(h.bucket_count, 53);
	assert_int_equal(h.counts_len, 54 * 1024);
	/* The last value still has a range that ends at INT64_MAX, without overflow. */
	assert_int_equal(hdr_highest_equivalent(&h, INT64_MAX), INT64_MAX);
	assert_int_equal(hdr_lowest_equivalent(&h, INT64_MAX), INT64_MAX - ((INT64_C(1) << 52) - 1));
	assert_int_equal(hdr_record(&h, INT64_MAX), 0);
	assert_int_equal(hdr_max(&h), INT64_MAX);
	hdr_release(&h);

	/* 5 digits: 2 * 10^5 -> 2^18 = 262144; 2^18 .. 2^32 is 14 doublings: 15 buckets. */
	assert_int_equal(hdr_init(&h, 1, HI, 5), 0);
	assert_int_equal(h.sub_bucket_count, 262144);
	assert_int_equal(h.sub_bucket_half_count_magnitude, 17);
	assert_int_equal(h.bucket_count, 15);
	assert_int_equal(h.counts_len, 16 * 131072);
	hdr_release(&h);

	/* lowest 1000: unit 2^9 = 512; mask 2047 << 9; 2^20 .. 2^42 > 3.6e12: 23 buckets. */
	assert_int_equal(hdr_init(&h, 1000, 3600000000000LL, 3), 0);
	assert_int_equal(h.unit_magnitude, 9);
	assert_int_equal(h.sub_bucket_mask, 2047 << 9);
	assert_int_equal(h.bucket_count, 23);
	assert_int_equal(h.counts_len, 24576);
	hdr_release(&h);

	/* The smallest: 1..2, 1 digit: 2 * 10 -> 32 sub-buckets, one bucket. */
	assert_int_equal(hdr_init(&h, 1, 2, 1), 0);
	assert_int_equal(h.sub_bucket_count, 32);
	assert_int_equal(h.bucket_count, 1);
	assert_int_equal(h.counts_len, 32);
	hdr_release(&h);
}

static void test_init_errors(void **state)
{
	static const struct { int64_t lo, hi; int sig; const char *msg; } bad[] = {
		{ 0, HI, 3, "lowest" }, { -5, HI, 3, "lowest" },
		{ 1, HI, 0, "digits" }, { 1, HI, 6, "digits" },
		{ 10, 19, 3, "twice" }, { 1, 1, 3, "twice" },
		{ INT64_C(1) << 50, INT64_MAX, 5, "64 bits" },
	};
	struct hdr h;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (hdr_init(&h, bad[i].lo, bad[i].hi, bad[i].sig) != -1)
			fail_msg("hdr_init(%lld, %lld, %d) was accepted", (long long)bad[i].lo,
				 (long long)bad[i].hi, bad[i].sig);
		if (!strstr(pe_errmsg(), bad[i].msg))
			fail_msg("message '%s' lacks '%s'", pe_errmsg(), bad[i].msg);
		assert_null(h.counts);
		hdr_release(&h);	/* safe after a failure */
	}
}

static void test_equivalents(void **state)
{
	/* value, index, lowest and highest equivalent (Python: h.idx, h.lowq, h.highq) */
	static const int64_t t[][4] = {
		{ 0, 0, 0, 0 },
		{ 1, 1, 1, 1 },
		{ 2047, 2047, 2047, 2047 },	/* last of bucket 0: unit steps */
		{ 2048, 2048, 2048, 2049 },	/* bucket 1: steps of 2 */
		{ 2049, 2048, 2048, 2049 },
		{ 4095, 3071, 4094, 4095 },
		{ 4096, 3072, 4096, 4099 },	/* bucket 2: steps of 4 */
		{ 10000, 4322, 10000, 10007 },
		{ 1000000, 11169, 999936, 1000447 },
		{ 3600000000LL, 23220, 3598712832LL, 3600809983LL },
	};
	struct hdr h;

	(void)state;
	init(&h);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(hdr_lowest_equivalent(&h, t[i][0]), t[i][2]);
		assert_int_equal(hdr_highest_equivalent(&h, t[i][0]), t[i][3]);
		hdr_reset(&h);
		assert_int_equal(hdr_record(&h, t[i][0]), 0);
		assert_int_equal(h.counts[t[i][1]], 1);
	}
	hdr_release(&h);
}

/* --- recording and queries --------------------------------------------------------- */

static void test_million(void **state)
{
	struct hdr h;

	(void)state;
	init(&h);
	for (int64_t v = 1; v <= 1000000; v++)
		assert_int_equal(hdr_record(&h, v), 0);
	assert_int_equal(h.total, 1000000);
	assert_int_equal(h.overflow, 0);
	/* Python: h.pct(p) for each p after h.rec(v) for v in 1..1000000 */
	assert_int_equal(hdr_value_at_percentile(&h, 0), 1);
	assert_int_equal(hdr_value_at_percentile(&h, 50), 500223);
	assert_int_equal(hdr_value_at_percentile(&h, 90), 900095);
	assert_int_equal(hdr_value_at_percentile(&h, 99), 990207);
	assert_int_equal(hdr_value_at_percentile(&h, 99.9), 999423);
	assert_int_equal(hdr_value_at_percentile(&h, 99.99), 999935);
	assert_int_equal(hdr_value_at_percentile(&h, 100), 1000447);
	assert_int_equal(hdr_value_at_percentile(&h, 250), 1000447);	/* clamped */
	assert_int_equal(hdr_value_at_percentile(&h, -3), 1);
	assert_int_equal(hdr_max(&h), 1000447);	/* highest equivalent of 1000000 */
	assert_int_equal(hdr_min(&h), 1);
	assert_int_equal(h.max, 1000000);
	/* Python: '%.17g' % h.mean() -> 500001.01350399997, h.std() -> 288675.14069910959 */
	assert_close(hdr_mean(&h), 500001.01350399997, 1e-12);
	assert_close(hdr_stddev(&h), 288675.14069910959, 1e-12);
	hdr_release(&h);
}

static void test_percentile_rounding(void **state)
{
	struct hdr h;

	(void)state;
	init(&h);
	assert_int_equal(hdr_value_at_percentile(&h, 50), 0);	/* empty */
	assert_int_equal(hdr_max(&h), 0);
	assert_int_equal(hdr_min(&h), 0);
	assert_true(hdr_mean(&h) == 0 && hdr_stddev(&h) == 0);
	for (int64_t v = 1; v <= 1000; v++)
		hdr_record(&h, v);
	/* Below 2048 every value is exact: the k-th of 1..n is k. */
	assert_int_equal(hdr_value_at_percentile(&h, 99.9), 999);
	assert_int_equal(hdr_value_at_percentile(&h, 99), 990);
	assert_int_equal(hdr_value_at_percentile(&h, 33.3), 333);
	assert_int_equal(hdr_value_at_percentile(&h, 50), 500);
	assert_int_equal(hdr_value_at_percentile(&h, 100), 1000);
	assert_int_equal(hdr_value_at_percentile(&h, 0.1), 1);
	assert_int_equal(hdr_value_at_percentile(&h, 0.10001), 2);
	for (int64_t v = 1001; v <= 10000; v++)
		hdr_record(&h, v);
	/*
	 * 0.07% of 10000 is the 7th value, but 0.07 * 10000 / 100 rounds to
	 * 7.000000000000001 and a plain ceil() would take the 8th; HdrHistogram
	 * takes one ulp off the percentile first. Python: h.pct(0.07) -> 7,
	 * h.pct(0.14) -> 14, math.ceil(0.07 * 10000 / 100.0) -> 8.
	 */
	assert_int_equal(hdr_value_at_percentile(&h, 0.07), 7);
	assert_int_equal(hdr_value_at_percentile(&h, 0.14), 14);
	assert_int_equal(hdr_value_at_percentile(&h, NAN), 1);
	hdr_release(&h);
}

static void test_percentile_steps(void **state)
{
	/*
	 * HdrHistogram's PercentileIterator at 5 ticks per half distance over
	 * 1..1000, ported to Python (see hdr_percentiles): 52 steps, starting
	 * (1, 0.0, 1), (100, 10.0, 100), ... (500, 50.0, 500), (550, 55.0, 550)
	 * and ending (1000, 99.90234375, 1000), (1000, 100.0, 1000).
	 */
	static const int64_t first_v[] = { 1, 100, 200, 300, 400, 500, 550, 600, 650, 700, 750, 775 };
	static const double first_p[] = { 0, 10, 20, 30, 40, 50, 55, 60, 65, 70, 75, 77.5 };
	static struct steps s;
	struct hdr h;

	(void)state;
	init(&h);
	hdr_percentiles(&h, 5, collect, &s);
	assert_int_equal(s.n, 0);
	for (int64_t v = 1; v <= 1000; v++)
		hdr_record(&h, v);
	hdr_percentiles(&h, 5, collect, &s);
	assert_int_equal(s.n, 52);
	for (int i = 0; i < 12; i++) {
		assert_int_equal(s.value[i], first_v[i]);
		assert_int_equal(s.count[i], first_v[i]);
		assert_close(s.pct[i], first_p[i], 1e-12);
	}
	assert_int_equal(s.value[46], 999);
	assert_close(s.pct[46], 99.82421875, 1e-15);
	assert_int_equal(s.value[50], 1000);
	assert_close(s.pct[50], 99.90234375, 1e-15);
	assert_int_equal(s.value[51], 1000);
	assert_true(s.pct[51] == 100.0);
	assert_int_equal(s.count[51], 1000);
	hdr_release(&h);
}

static void test_add(void **state)
{
	struct hdr a, b, whole, other;

	(void)state;
	init(&a);
	init(&b);
	init(&whole);
	for (int64_t v = 1; v <= 1000000; v++) {
		hdr_record(v <= 500000 ? &a : &b, v);
		hdr_record(&whole, v);
	}
	hdr_record(&b, HI + 1);
	assert_int_equal(hdr_add(&a, &b), 0);
	assert_same_counts(&a, &whole);
	assert_int_equal(a.overflow, 1);
	assert_int_equal(a.min, 1);
	assert_int_equal(a.max, 1000000);
	assert_int_equal(hdr_value_at_percentile(&a, 99), 990207);

	/* Adding an empty histogram changes nothing. */
	hdr_reset(&b);
	assert_int_equal(hdr_add(&a, &b), 0);
	assert_int_equal(a.total, 1000000);
	assert_int_equal(a.min, 1);

	assert_int_equal(hdr_init(&other, 1, HI, 2), 0);
	assert_int_equal(hdr_add(&a, &other), -1);
	assert_non_null(strstr(pe_errmsg(), "cannot add"));
	hdr_release(&other);
	hdr_release(&a);
	hdr_release(&b);
	hdr_release(&whole);
}

static void test_overflow(void **state)
{
	struct hdr h;

	(void)state;
	init(&h);
	assert_int_equal(hdr_record(&h, HI), 0);
	assert_int_equal(hdr_record(&h, HI + 1), -1);
	assert_int_equal(hdr_record(&h, INT64_MAX), -1);
	assert_int_equal(hdr_record(&h, -1), -1);
	assert_int_equal(hdr_record(&h, INT64_MIN), -1);
	assert_int_equal(hdr_record_n(&h, HI + 1, 10), -1);
	assert_int_equal(hdr_record_n(&h, 5, -1), -1);
	assert_int_equal(hdr_record_n(&h, 5, 0), 0);
	assert_int_equal(h.overflow, 14);
	assert_int_equal(h.total, 1);
	assert_int_equal(h.min, HI);
	assert_int_equal(hdr_max(&h), 3600809983LL);
	/* Values below lowest (here 0) are counted at index 0, as HdrHistogram does. */
	assert_int_equal(hdr_record_n(&h, 0, 3), 0);
	assert_int_equal(h.counts[0], 3);
	assert_int_equal(h.total, 4);
	assert_int_equal(hdr_min(&h), 0);
	hdr_release(&h);
}

static void test_reset(void **state)
{
	struct hdr h;

	(void)state;
	init(&h);
	for (int64_t v = 3; v < HI; v = v * 3 + 1)
		hdr_record_n(&h, v, v);
	hdr_record(&h, -1);
	hdr_reset(&h);
	for (int32_t i = 0; i < h.counts_len; i++)
		if (h.counts[i])
			fail_msg("counts[%d] = %lld after reset", i, (long long)h.counts[i]);
	assert_int_equal(h.total, 0);
	assert_int_equal(h.overflow, 0);
	assert_int_equal(h.min, INT64_MAX);
	assert_int_equal(h.max, 0);
	assert_int_equal(hdr_value_at_percentile(&h, 50), 0);
	hdr_record(&h, 7);
	assert_int_equal(hdr_value_at_percentile(&h, 50), 7);
	hdr_release(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_equivalents),
		cmocka_unit_test(test_million),
		cmocka_unit_test(test_percentile_rounding),
		cmocka_unit_test(test_percentile_steps),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
