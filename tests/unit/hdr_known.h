/*
 * The two known intervals of the HdrHistogram tests, shared by test_hdr_codec.c
 * (which writes them as the log that tests/e2e/t2090-hlog-js.sh reads with
 * hdr-histogram-js) and test_hlog_read.c (which reads them back).
 */
#ifndef PE_TEST_HDR_KNOWN_H
#define PE_TEST_HDR_KNOWN_H

#include "stats/hdr.h"

/*
 * The log that tests/e2e/t2090-hlog-js.sh reads with hdr-histogram-js.
 * Interval 0 (0.000, 1 s): 1..10000 us once each. Python: total 10000,
 * max h.highq(10000) = 10007 (10.007 ms), p50 5003, p99 9903. Interval 1
 * (1.000, 1 s): 980 x 100 us, 19 x 25000 us, 1 x 3 s: total 1000, max
 * 3000319 (3000.319 ms), p50 100, p99 25007. Both added: total 11000, p50
 * 4523, p99 9911.
 */
static inline void known_interval(struct hdr *h, int i)
{
	hdr_reset(h);
	if (i == 0) {
		for (int64_t v = 1; v <= 10000; v++)
			hdr_record(h, v);
	} else {
		hdr_record_n(h, 100, 980);
		hdr_record_n(h, 25000, 19);
		hdr_record(h, 3000000);
	}
}

#endif
