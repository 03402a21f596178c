/*
 * The interval-log reader (src/out/hlog_read.c) against the writer
 * (src/out/hlog.c) and hand-written logs, perfeng's counts line, and
 * hdr_add_values. Reference
 * values: the known intervals of hdr_known.h (worked out in Python):
 * 1..10000 us once each, then 980 x 100 us, 19 x 25 ms and one 3 s; added:
 * total 11000, p50 4523, p99 9911.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "out/hlog.h"
#include "out/hlog_read.h"
#include "stats/hdr.h"
#include "util/error.h"
#include "util/strbuf.h"

#include "hdr_known.h"

#define BASE 1700000000.5

struct seen {
	struct hdr sum;
	double start[4], length[4], max[4];
	char tag[4][16];
	int n;
};

static int on_interval(void *ctx, const struct hlog_interval *iv)
{
	struct seen *s = ctx;

	hdr_add_values(&s->sum, iv->h);
	if (s->n < 4) {
		s->start[s->n] = iv->start;
		s->length[s->n] = iv->length;
		s->max[s->n] = iv->max;
		snprintf(s->tag[s->n], sizeof(s->tag[0]), "%s", iv->tag ? iv->tag : "");
	}
	s->n++;
	return 0;
}

static void seen_init(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(hdr_init(&s->sum, 1, 3600000000LL, 3), 0);
}

/* Writes the two known intervals with the writer and returns the file's text in sb. */
static void write_log(struct strbuf *sb)
{
	char path[] = "/tmp/perfeng-test-hlog.XXXXXX";
	struct hlog l;
	struct hdr h;
	FILE *f;
	char buf[4096];
	size_t n;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hdr_init(&h, 1, 3600000000LL, 3), 0);
	assert_int_equal(hlog_open(&l, path, BASE), 0);
	for (int i = 0; i < 2; i++) {
		known_interval(&h, i);
		assert_int_equal(hlog_interval(&l, BASE + i, 1.0, &h), 0);
	}
	assert_int_equal(hlog_close(&l), 0);
	hdr_release(&h);
	f = fopen(path, "r");
	assert_non_null(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(sb, buf, n);
	fclose(f);
	unlink(path);
}

static void test_roundtrip(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct hlog_info info;
	struct seen s;
	struct hdr all;

	(void)state;
	write_log(&sb);
	seen_init(&s);
	assert_int_equal(hlog_parse(sb.buf, sb.len, "x.hlog", &info, on_interval, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(info.intervals, 2);
	assert_float_equal(info.base_time, BASE, 1e-9);
	assert_float_equal(s.start[0], BASE, 1e-6);
	assert_float_equal(s.start[1], BASE + 1, 1e-6);
	assert_float_equal(s.length[1], 1.0, 1e-9);
	assert_float_equal(s.max[0], 10.007, 1e-9);
	assert_float_equal(s.max[1], 3000.319, 1e-9);
	assert_int_equal(s.sum.total, 11000);
	assert_int_equal(hdr_value_at_percentile(&s.sum, 50), 4523);
	assert_int_equal(hdr_value_at_percentile(&s.sum, 99), 9911);
	/* the sum of the decoded intervals is, count for count, one histogram of all the samples */
	assert_int_equal(hdr_init(&all, 1, 3600000000LL, 3), 0);
	for (int i = 0; i < 2; i++) {
		struct hdr one;

		assert_int_equal(hdr_init(&one, 1, 3600000000LL, 3), 0);
		known_interval(&one, i);
		hdr_add(&all, &one);
		hdr_release(&one);
	}
	assert_memory_equal(all.counts, s.sum.counts, (size_t)all.counts_len * sizeof(*all.counts));
	hdr_release(&all);
	hdr_release(&s.sum);
	strbuf_release(&sb);
}

/* Tags, CRLF, no BaseTime (StartTime then), the legend and comments skipped. */
static void test_variants(void **state)
{
	struct strbuf sb = STRBUF_INIT, text = STRBUF_INIT;
	struct hlog_info info;
	struct seen s;
	const char *line, *hist;
	size_t hl;

	(void)state;
	write_log(&sb);
	line = strstr(sb.buf, "\n1.000,");
	assert_non_null(line);
	hist = strrchr(line, ',') + 1;
	hl = strcspn(hist, "\n");
	strbuf_addf(&text, "#[StartTime: 100.250 (seconds since epoch), whatever]\r\n#[Comment]\r\n"
		    "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\r\n"
		    "Tag=api,2.5,0.5,3000.319,%.*s\r\n\r\n", (int)hl, hist);
	seen_init(&s);
	assert_int_equal(hlog_parse(text.buf, text.len, "t.hlog", &info, on_interval, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.tag[0], "api");
	assert_float_equal(s.start[0], 102.75, 1e-9);
	assert_float_equal(s.length[0], 0.5, 1e-9);
	assert_int_equal(s.sum.total, 1000);
	hdr_release(&s.sum);
	strbuf_release(&sb);
	strbuf_release(&text);
}

static void expect_error(const char *text, const char *msg)
{
	struct hlog_info info;
	struct seen s;

	seen_init(&s);
	assert_int_equal(hlog_parse(text, strlen(text), "b.hlog", &info, on_interval, &s), -1);
	if (!strstr(pe_errmsg(), msg))
		fail_msg("'%s': got '%s', expected '%s'", text, pe_errmsg(), msg);
	hdr_release(&s.sum);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("1,2,3\n", "b.hlog:1: not an interval line");
	expect_error("#[x]\nx,1,2,HISTFAAAA\n", "b.hlog:2: the start, length and max must be numbers");
	expect_error("0,1,2,3,4\n", "b.hlog:1: the histogram is not base64");
	expect_error("0,-1,2,AAAA\n", "b.hlog:1: the start, length and max must be numbers of 0 or more");
	expect_error("0,1,2,AAAAAAAAAAAA\n", "b.hlog:1: histogram: cookie");
	expect_error("Tag=nocomma\n", "b.hlog:1: a Tag= field without a comma");
	expect_error("0,1,nan,AAAA\n", "b.hlog:1: the start, length and max");
	expect_error("0,1,1e999,AAAA\n", "b.hlog:1: the start, length and max");
}

/* perfeng's counts line: written after the intervals, read back, not an interval. */
static void test_counts(void **state)
{
	char path[] = "/tmp/perfeng-test-hlog.XXXXXX";
	struct hlog_counts c = { 0 };
	struct hlog_info info;
	struct hlog l;
	struct hdr h;
	struct seen s;
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	uint64_t v;
	FILE *f;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	hlog_counts_set(&c, "sent", 1000);
	hlog_counts_set(&c, "read", 6);
	hlog_counts_set(&c, "status_5xx", UINT64_MAX);
	assert_int_equal(hdr_init(&h, 1, 3600000000LL, 3), 0);
	known_interval(&h, 0);
	assert_int_equal(hlog_open(&l, path, BASE), 0);
	assert_int_equal(hlog_interval(&l, BASE, 1.0, &h), 0);
	assert_int_equal(hlog_counts(&l, &c), 0);
	assert_int_equal(hlog_close(&l), 0);
	hdr_release(&h);
	f = fopen(path, "r");
	assert_non_null(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	unlink(path);
	assert_non_null(strstr(sb.buf, "\n#[perfeng counts: sent=1000 read=6 status_5xx=18446744073709551615]\n"));
	seen_init(&s);
	assert_int_equal(hlog_parse(sb.buf, sb.len, "c.hlog", &info, on_interval, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(info.has_counts, 1);
	assert_int_equal(info.counts.n, 3);
	assert_int_equal(hlog_counts_get(&info.counts, "read", &v), 0);
	assert_int_equal(v, 6);
	assert_int_equal(hlog_counts_get(&info.counts, "status_5xx", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(hlog_counts_get(&info.counts, "parse", &v), -1);
	/* a log without the line has none */
	assert_int_equal(hlog_parse("#[perfeng other: x=1]\n", 22, "d.hlog", &info, NULL, NULL), 0);
	assert_int_equal(info.has_counts, 0);
	hdr_release(&s.sum);
	strbuf_release(&sb);
	expect_error("#[perfeng counts: a=1]\n#[perfeng counts: a=1]\n", "b.hlog:2: a second perfeng counts line");
	expect_error("#[perfeng counts: a=1\n", "b.hlog:1: the perfeng counts line does not end with ']'");
	expect_error("#[perfeng counts: a=1 a=2]\n", "b.hlog:1: perfeng counts: 'a' twice");
	expect_error("#[perfeng counts: A=1]\n", "b.hlog:1: perfeng counts: not NAME=COUNT");
	expect_error("#[perfeng counts: a=]\n", "b.hlog:1: perfeng counts: not NAME=COUNT");
	expect_error("#[perfeng counts: a=-1]\n", "b.hlog:1: perfeng counts: not NAME=COUNT");
	expect_error("#[perfeng counts: a=1x]\n", "b.hlog:1: perfeng counts: 'a' is not a decimal count");
	expect_error("#[perfeng counts:  a=1]\n", "b.hlog:1: perfeng counts: not NAME=COUNT");
	expect_error("#[perfeng counts: a=18446744073709551616]\n", "b.hlog:1: perfeng counts: 'a' is 2^64 or more");
	expect_error("#[perfeng counts: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1]\n", "b.hlog:1: perfeng counts: not NAME=COUNT");
}

/* A histogram of another layout adds by value, at the coarser precision. */
static void test_add_values(void **state)
{
	struct hdr dst, src;

	(void)state;
	assert_int_equal(hdr_init(&dst, 1, 3600000000LL, 3), 0);
	assert_int_equal(hdr_init(&src, 1, 1000000, 2), 0);
	for (int64_t v = 1; v <= 100000; v += 7)
		hdr_record(&src, v);
	hdr_add_values(&dst, &src);
	assert_int_equal(dst.total, src.total);
	for (double p = 10; p <= 100; p += 10) {
		int64_t a = hdr_value_at_percentile(&dst, p), b = hdr_value_at_percentile(&src, p);

		/* within src's 2-digit precision (1%) */
		assert_true(llabs(a - b) <= b / 100 + 1);
	}
	hdr_release(&dst);
	hdr_release(&src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_add_values),
		cmocka_unit_test(test_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
