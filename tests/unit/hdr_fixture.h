/*
 * What the HdrHistogram unit tests share (test_hdr.c, test_hdr_codec.c): the
 * 1 us .. 1 h histogram they use, two checks, and the steps of a percentile
 * walk. Included after cmocka.h.
 */
#ifndef PE_TEST_HDR_FIXTURE_H
#define PE_TEST_HDR_FIXTURE_H

#include <math.h>

#include "stats/hdr.h"
#include "util/error.h"

#define LO 1
#define HI 3600000000LL	/* 1 us .. 1 h */

#define assert_close(actual, expected, rel)                                    \
	do {                                                                   \
		double a__ = (actual), e__ = (expected);                       \
		if (!(fabs(a__ - e__) <= (rel) * fabs(e__)))                   \
			fail_msg("%s = %.17g, want %.17g", #actual, a__, e__); \
	} while (0)

static inline void init(struct hdr *h)
{
	if (hdr_init(h, LO, HI, 3) < 0)
		fail_msg("hdr_init: %s", pe_errmsg());
}

static inline void assert_same_counts(const struct hdr *a, const struct hdr *b)
{
	assert_int_equal(a->counts_len, b->counts_len);
	for (int32_t i = 0; i < a->counts_len; i++)
		if (a->counts[i] != b->counts[i])
			fail_msg("counts[%d]: %lld != %lld", i, (long long)a->counts[i],
				 (long long)b->counts[i]);
	assert_int_equal(a->total, b->total);
	assert_int_equal(hdr_min(a), hdr_min(b));
	assert_int_equal(hdr_max(a), hdr_max(b));
}

#define MAX_STEPS 1024

struct steps {
	int n;
	int64_t value[MAX_STEPS], count[MAX_STEPS];
	double pct[MAX_STEPS];
};

/* hdr_percentiles callback: the steps of the walk, in order */
static inline void collect(int64_t value, double percentile, int64_t count, void *ctx)
{
	struct steps *s = ctx;

	if (s->n < MAX_STEPS) {
		s->value[s->n] = value;
		s->pct[s->n] = percentile;
		s->count[s->n] = count;
	}
	s->n++;
}

#endif
